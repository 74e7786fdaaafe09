package admit

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	admissionv1 "k8s.io/api/admission/v1"
	authnv1 "k8s.io/api/authentication/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/yaml"
)

const privilegedPod = `
apiVersion: v1
kind: Pod
metadata: {name: priv, namespace: team-a}
spec:
  containers:
  - name: app
    image: registry.bank.internal/app@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef
    securityContext: {privileged: true}
`

const hardenedPod = `
apiVersion: v1
kind: Pod
metadata: {name: good, namespace: team-a}
spec:
  automountServiceAccountToken: false
  serviceAccountName: app
  securityContext:
    runAsNonRoot: true
    runAsUser: 10001
    runAsGroup: 10001
    seccompProfile: {type: RuntimeDefault}
  containers:
  - name: app
    image: registry.bank.internal/app@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef
    resources:
      requests: {cpu: 100m, memory: 64Mi}
      limits: {cpu: 500m, memory: 128Mi, ephemeral-storage: 1Gi}
    securityContext:
      allowPrivilegeEscalation: false
      readOnlyRootFilesystem: true
      capabilities: {drop: [ALL]}
`

const untrustedPod = `
apiVersion: v1
kind: Pod
metadata: {name: untrusted, namespace: production}
spec:
  automountServiceAccountToken: false
  serviceAccountName: app
  securityContext:
    runAsNonRoot: true
    runAsUser: 10001
    seccompProfile: {type: RuntimeDefault}
  containers:
  - name: app
    image: docker.io/library/nginx@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef
    resources:
      requests: {cpu: 100m, memory: 64Mi}
      limits: {cpu: 500m, memory: 128Mi}
    securityContext:
      allowPrivilegeEscalation: false
      readOnlyRootFilesystem: true
      capabilities: {drop: [ALL]}
`

const adminBinding = `
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: default-admin}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: cluster-admin}
subjects:
- {kind: ServiceAccount, name: default, namespace: team-a}
`

const basePolicy = `
config:
  trustedRegistries: [registry.bank.internal, docker.io]
`

// review builds an AdmissionReview for a YAML manifest.
func review(t testing.TB, op admissionv1.Operation, manifest string, user string, groups ...string) *admissionv1.AdmissionReview {
	t.Helper()
	js, err := yaml.YAMLToJSON([]byte(manifest))
	if err != nil {
		t.Fatal(err)
	}
	var meta struct {
		APIVersion string `json:"apiVersion"`
		Kind       string `json:"kind"`
		Metadata   struct {
			Name, Namespace string
		} `json:"metadata"`
	}
	if err := json.Unmarshal(js, &meta); err != nil {
		t.Fatal(err)
	}
	group, version, ok := strings.Cut(meta.APIVersion, "/")
	if !ok { // the core group: "v1"
		group, version = "", meta.APIVersion
	}
	req := &admissionv1.AdmissionRequest{
		UID:       "uid-1",
		Kind:      metav1.GroupVersionKind{Group: group, Version: version, Kind: meta.Kind},
		Name:      meta.Metadata.Name,
		Namespace: meta.Metadata.Namespace,
		Operation: op,
		UserInfo:  authnv1.UserInfo{Username: user, Groups: groups},
	}
	if meta.Kind == "Namespace" {
		req.Namespace = ""
	}
	if op == admissionv1.Delete {
		req.OldObject = runtime.RawExtension{Raw: js}
	} else {
		req.Object = runtime.RawExtension{Raw: js}
	}
	return &admissionv1.AdmissionReview{TypeMeta: metav1.TypeMeta{APIVersion: "admission.k8s.io/v1", Kind: "AdmissionReview"}, Request: req}
}

func post(t testing.TB, h http.Handler, path string, rv any) (*admissionv1.AdmissionResponse, int) {
	t.Helper()
	body, err := json.Marshal(rv)
	if err != nil {
		t.Fatal(err)
	}
	rec := httptest.NewRecorder()
	req := httptest.NewRequest(http.MethodPost, path, bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	h.ServeHTTP(rec, req)
	var out admissionv1.AdmissionReview
	if err := json.Unmarshal(rec.Body.Bytes(), &out); err != nil {
		t.Fatalf("response is not an AdmissionReview: %v: %s", err, rec.Body.String())
	}
	if out.Response == nil {
		t.Fatalf("no response: %s", rec.Body.String())
	}
	return out.Response, rec.Code
}

func mustPolicy(t testing.TB, src string) *Policy {
	t.Helper()
	p, err := ParsePolicy([]byte(src))
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestDecisions(t *testing.T) {
	cases := []struct {
		name     string
		policy   string
		op       admissionv1.Operation
		manifest string
		user     string
		groups   []string
		allowed  bool
		// deny: substrings of status.message; warn: of the joined warnings;
		// audit: annotation keys that must be present.
		deny, warn, audit []string
		noWarn            bool
	}{
		{name: "privileged pod denied", policy: basePolicy, manifest: privilegedPod,
			deny: []string{"KW-POD-002: ", "KW-PSS-B02", "plan item 2.4", "fix: "}},
		{name: "hardened pod admitted", policy: basePolicy, manifest: hardenedPod, allowed: true, noWarn: true},
		{name: "untrusted registry denied in production", policy: basePolicy + `
namespaces:
  production: {trustedRegistries: [registry.bank.internal]}
`, manifest: untrustedPod, deny: []string{"KW-IMG-001"}},
		{name: "docker.io trusted outside production", policy: basePolicy + `
namespaces:
  production: {trustedRegistries: [registry.bank.internal]}
`, manifest: strings.Replace(untrustedPod, "namespace: production", "namespace: dev", 1), allowed: true},
		{name: "cluster-admin to default SA denied", policy: basePolicy, manifest: adminBinding,
			deny: []string{"KW-RBAC-010", "KW-RBAC-012"}},
		{name: "warn mode", policy: basePolicy + "defaultMode: warn\n", manifest: privilegedPod, allowed: true,
			warn: []string{"KW-POD-002", "KW-PSS-B02"}},
		{name: "namespace warn mode", policy: basePolicy + "namespaces:\n  'team-*': {mode: warn}\n", manifest: privilegedPod, allowed: true,
			warn: []string{"KW-POD-002"}},
		{name: "audit mode", policy: basePolicy + "defaultMode: audit\n", manifest: privilegedPod, allowed: true,
			audit: []string{"kubeward.io/KW-POD-002", "kubeward.io/KW-PSS-B02"}},
		{name: "per-check mode", policy: basePolicy + "checks: {KW-POD-002: warn, 'KW-PSS-*': off}\n", manifest: privilegedPod,
			deny: []string{"KW-POD-001"}, warn: []string{"KW-POD-002"}},
		{name: "exempt namespace", policy: basePolicy + "exemptions:\n- {namespaces: [team-a], reason: legacy}\n", manifest: privilegedPod, allowed: true,
			audit: []string{"exempt.kubeward.io/KW-POD-002"}},
		{name: "exempt group", policy: basePolicy + "exemptions:\n- {groups: ['system:masters'], reason: break glass}\n", manifest: privilegedPod,
			user: "alice", groups: []string{"system:masters"}, allowed: true},
		{name: "exempt user other user denied", policy: basePolicy + "exemptions:\n- {users: [ops-bot], reason: bot}\n", manifest: privilegedPod,
			user: "alice", deny: []string{"KW-POD-002"}},
		{name: "min severity critical", policy: basePolicy + "minSeverity: critical\n", manifest: strings.Replace(hardenedPod, "readOnlyRootFilesystem: true", "readOnlyRootFilesystem: false", 1),
			allowed: true, warn: []string{"readOnlyRootFilesystem"}},
		{name: "language zh", policy: basePolicy + "namespaces:\n  team-a: {lang: zh}\n", manifest: privilegedPod,
			deny: []string{"KW-POD-002：", "安全计划条目 2.4", "修复："}},
		{name: "annotation exception not honoured by default", policy: basePolicy,
			manifest: strings.Replace(privilegedPod, "namespace: team-a}", "namespace: team-a, annotations: {kubeward.io/ignore: '*', kubeward.io/ignore-reason: trust me}}", 1),
			deny:     []string{"KW-POD-002"}},
		{name: "annotation exception honoured when allowed", policy: basePolicy + "allowAnnotationExceptions: true\n",
			manifest: strings.Replace(privilegedPod, "namespace: team-a}", "namespace: team-a, annotations: {kubeward.io/ignore: '*', kubeward.io/ignore-reason: trust me}}", 1),
			allowed:  true},
		{name: "namespace weakened below baseline", policy: basePolicy, op: admissionv1.Update,
			manifest: "apiVersion: v1\nkind: Namespace\nmetadata: {name: team-a, labels: {pod-security.kubernetes.io/enforce: privileged}}\n",
			deny:     []string{"KW-NS-006"}},
		{name: "namespace restricted admitted", policy: basePolicy,
			manifest: "apiVersion: v1\nkind: Namespace\nmetadata: {name: team-a, labels: {pod-security.kubernetes.io/enforce: restricted}}\n",
			allowed:  true},
		{name: "configmap with secret denied", policy: basePolicy,
			manifest: "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cfg, namespace: team-a}\ndata: {DB_PASSWORD: 'S3cr3t-Passw0rd-xY9!'}\n",
			deny:     []string{"KW-SEC-002"}},
		{name: "quota delete warned", policy: basePolicy + "deletions: {ResourceQuota: warn}\n", op: admissionv1.Delete,
			manifest: "apiVersion: v1\nkind: ResourceQuota\nmetadata: {name: q, namespace: team-a}\n", allowed: true, warn: []string{"KW-NS-001"}},
		{name: "quota delete audited", policy: basePolicy + "deletions: {ResourceQuota: audit}\n", op: admissionv1.Delete,
			manifest: "apiVersion: v1\nkind: ResourceQuota\nmetadata: {name: q, namespace: team-a}\n", allowed: true, audit: []string{"kubeward.io/KW-NS-001"}},
		{name: "quota delete not configured", policy: basePolicy, op: admissionv1.Delete,
			manifest: "apiVersion: v1\nkind: ResourceQuota\nmetadata: {name: q, namespace: team-a}\n", allowed: true, noWarn: true},
		{name: "unknown kind admitted", policy: basePolicy,
			manifest: "apiVersion: example.com/v1\nkind: Widget\nmetadata: {name: w, namespace: team-a}\nspec: {privileged: true}\n", allowed: true, noWarn: true},
		{name: "deployment privileged denied", policy: basePolicy,
			manifest: `
apiVersion: apps/v1
kind: Deployment
metadata: {name: d, namespace: team-a}
spec:
  selector: {matchLabels: {app: d}}
  template:
    metadata: {labels: {app: d}}
    spec:
      containers:
      - {name: app, image: registry.bank.internal/app:1, securityContext: {privileged: true}}
`, deny: []string{"KW-POD-002"}},
		{name: "cronjob hostPID denied", policy: basePolicy,
			manifest: `
apiVersion: batch/v1
kind: CronJob
metadata: {name: c, namespace: team-a}
spec:
  schedule: "* * * * *"
  jobTemplate:
    spec:
      template:
        spec:
          hostPID: true
          restartPolicy: Never
          containers:
          - {name: app, image: registry.bank.internal/app:1}
`, deny: []string{"KW-PSS-B0"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			h := NewHandler(mustPolicy(t, tc.policy))
			op := tc.op
			if op == "" {
				op = admissionv1.Create
			}
			resp, code := post(t, h, "/validate", review(t, op, tc.manifest, tc.user, tc.groups...))
			if code != http.StatusOK {
				t.Fatalf("HTTP %d", code)
			}
			if resp.UID != "uid-1" {
				t.Errorf("uid %q", resp.UID)
			}
			msg := ""
			if resp.Result != nil {
				msg = resp.Result.Message
			}
			if resp.Allowed != tc.allowed {
				t.Fatalf("allowed=%v, want %v; message: %s; warnings: %v", resp.Allowed, tc.allowed, msg, resp.Warnings)
			}
			for _, s := range tc.deny {
				if !strings.Contains(msg, s) {
					t.Errorf("message lacks %q:\n%s", s, msg)
				}
			}
			warnings := strings.Join(resp.Warnings, "\n")
			for _, s := range tc.warn {
				if !strings.Contains(warnings, s) {
					t.Errorf("warnings lack %q:\n%s", s, warnings)
				}
			}
			if tc.noWarn && len(resp.Warnings) > 0 {
				t.Errorf("unexpected warnings: %s", warnings)
			}
			for _, k := range tc.audit {
				if _, ok := resp.AuditAnnotations[k]; !ok {
					t.Errorf("audit annotations lack %q: %v", k, resp.AuditAnnotations)
				}
			}
		})
	}
}
