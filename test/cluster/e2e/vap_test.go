package e2e

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	"k8s.io/apimachinery/pkg/api/meta/testrestmapper"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apiserver/pkg/admission/plugin/policy/validating"
	"k8s.io/apiserver/pkg/cel/openapi/resolver"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/kubernetes/scheme"
	"k8s.io/kubernetes/pkg/api/legacyscheme"
	"k8s.io/kubernetes/pkg/apis/admissionregistration"
	_ "k8s.io/kubernetes/pkg/apis/admissionregistration/install"
	"k8s.io/kubernetes/pkg/apis/admissionregistration/validation"
	generatedopenapi "k8s.io/kubernetes/pkg/generated/openapi"

	"github.com/kubeward/kubeward/test/cluster/harness"
)

const vapTrustedRegistry = "registry.kubeward.test"

// exportVAP runs `kubeward export vap -o json` with a configuration that
// trusts vapTrustedRegistry and returns the policies and bindings.
func exportVAP(t *testing.T, args ...string) ([]*admissionregistrationv1.ValidatingAdmissionPolicy, []*admissionregistrationv1.ValidatingAdmissionPolicyBinding) {
	t.Helper()
	cfg := filepath.Join(t.TempDir(), "kubeward.yaml")
	if err := os.WriteFile(cfg, []byte("trustedRegistries:\n  - "+vapTrustedRegistry+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(kubewardBin(t), append([]string{"export", "vap", "-o", "json", "--config", cfg}, args...)...)
	out, err := cmd.Output()
	if err != nil {
		if ee, ok := err.(*exec.ExitError); ok {
			t.Fatalf("export vap: %v: %s", err, ee.Stderr)
		}
		t.Fatal(err)
	}
	var list struct {
		Items []json.RawMessage `json:"items"`
	}
	if err := json.Unmarshal(out, &list); err != nil {
		t.Fatalf("export vap: not a JSON List: %v", err)
	}
	var ps []*admissionregistrationv1.ValidatingAdmissionPolicy
	var bs []*admissionregistrationv1.ValidatingAdmissionPolicyBinding
	for _, raw := range list.Items {
		var tm metav1.TypeMeta
		if err := json.Unmarshal(raw, &tm); err != nil {
			t.Fatal(err)
		}
		switch tm.Kind {
		case "ValidatingAdmissionPolicy":
			p := &admissionregistrationv1.ValidatingAdmissionPolicy{}
			if err := json.Unmarshal(raw, p); err != nil {
				t.Fatal(err)
			}
			ps = append(ps, p)
		case "ValidatingAdmissionPolicyBinding":
			b := &admissionregistrationv1.ValidatingAdmissionPolicyBinding{}
			if err := json.Unmarshal(raw, b); err != nil {
				t.Fatal(err)
			}
			bs = append(bs, b)
		default:
			t.Fatalf("unexpected kind %q in export", tm.Kind)
		}
	}
	if len(ps) == 0 || len(ps) != len(bs) {
		t.Fatalf("export vap: %d policies, %d bindings", len(ps), len(bs))
	}
	return ps, bs
}

// TestVAPExportCompiles validates every exported policy and binding the way
// kube-apiserver does on create (every CEL expression compiled, with cost
// limits), then type-checks the validations against the real OpenAPI schemas
// of each matched kind, as the policy status controller does. No cluster needed.
func TestVAPExportCompiles(t *testing.T) {
	ps, bs := exportVAP(t)
	checker := &validating.TypeChecker{
		SchemaResolver: resolver.NewDefinitionsSchemaResolver(generatedopenapi.GetOpenAPIDefinitions, scheme.Scheme),
		RestMapper:     testrestmapper.TestOnlyStaticRESTMapper(scheme.Scheme),
	}
	ids := map[string]bool{}
	for _, p := range ps {
		ids[p.Annotations["kubeward.io/check-id"]] = true
		internal := &admissionregistration.ValidatingAdmissionPolicy{}
		legacyscheme.Scheme.Default(p) // as the API server does before validating
		if err := legacyscheme.Scheme.Convert(p, internal, nil); err != nil {
			t.Fatalf("%s: convert: %v", p.Name, err)
		}
		if errs := validation.ValidateValidatingAdmissionPolicy(internal); len(errs) > 0 {
			t.Errorf("%s: kube-apiserver would refuse it: %v", p.Name, errs.ToAggregate())
		}
		for _, w := range checker.Check(p) {
			t.Errorf("%s: type checking %s: %s", p.Name, w.FieldRef, w.Warning)
		}
	}
	for _, b := range bs {
		internal := &admissionregistration.ValidatingAdmissionPolicyBinding{}
		legacyscheme.Scheme.Default(b)
		if err := legacyscheme.Scheme.Convert(b, internal, nil); err != nil {
			t.Fatalf("%s: convert: %v", b.Name, err)
		}
		if errs := validation.ValidateValidatingAdmissionPolicyBinding(internal); len(errs) > 0 {
			t.Errorf("%s: kube-apiserver would refuse it: %v", b.Name, errs.ToAggregate())
		}
	}
	for _, id := range []string{"KW-POD-001", "KW-POD-002", "KW-POD-003", "KW-POD-004", "KW-POD-005", "KW-POD-006", "KW-POD-007", "KW-POD-009",
		"KW-HOST-001", "KW-HOST-003", "KW-HOST-004", "KW-HOST-005", "KW-HOST-006", "KW-IMG-001", "KW-IMG-003", "KW-SA-001",
		"KW-RES-001", "KW-RES-002", "KW-RBAC-001", "KW-RBAC-010", "KW-RBAC-011", "KW-RBAC-012", "KW-NS-006"} {
		if !ids[id] {
			t.Errorf("%s is not exported", id)
		}
	}
	t.Logf("%d policies validated", len(ps))
}

const vapNamespace = "vap-e2e"

var dryRun = metav1.CreateOptions{DryRun: []string{metav1.DryRunAll}}

// hardenedPodSpec passes every exported check.
func hardenedPodSpec() corev1.PodSpec {
	rl := corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("100m"), corev1.ResourceMemory: resource.MustParse("64Mi")}
	return corev1.PodSpec{
		ServiceAccountName:           "app",
		AutomountServiceAccountToken: ptr(false),
		SecurityContext: &corev1.PodSecurityContext{
			RunAsNonRoot:   ptr(true),
			RunAsUser:      ptr(int64(10001)),
			SeccompProfile: &corev1.SeccompProfile{Type: corev1.SeccompProfileTypeRuntimeDefault},
		},
		Containers: []corev1.Container{{
			Name:  "app",
			Image: vapTrustedRegistry + "/team/app:1.4.2@sha256:" + strings.Repeat("ab", 32),
			SecurityContext: &corev1.SecurityContext{
				AllowPrivilegeEscalation: ptr(false),
				ReadOnlyRootFilesystem:   ptr(true),
				Capabilities:             &corev1.Capabilities{Drop: []corev1.Capability{"ALL"}},
			},
			Resources: corev1.ResourceRequirements{Requests: rl, Limits: rl},
		}},
	}
}

func podWith(name string, mutate func(*corev1.PodSpec)) *corev1.Pod {
	s := hardenedPodSpec()
	mutate(&s)
	return &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: vapNamespace}, Spec: s}
}

// TestVAPEnforcedByAPIServer applies the exported policies to a real
// kube-apiserver and checks what it admits.
func TestVAPEnforcedByAPIServer(t *testing.T) {
	c := up(t, harness.Hardened)
	cs := clientFor(t, c)
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()

	// The test namespace exists before the policies (KW-NS-006 would refuse
	// it without a Pod Security label); PSA is left out so that it does not
	// answer before the policies do.
	if _, err := cs.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: vapNamespace}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := cs.CoreV1().ServiceAccounts(vapNamespace).Create(ctx, &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Name: "app"}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}

	ps, bs := exportVAP(t, "--mode", "deny")
	for _, p := range ps {
		if _, err := cs.AdmissionregistrationV1().ValidatingAdmissionPolicies().Create(ctx, p, metav1.CreateOptions{}); err != nil {
			t.Fatalf("create %s: %v", p.Name, err)
		}
	}
	for _, b := range bs {
		if _, err := cs.AdmissionregistrationV1().ValidatingAdmissionPolicyBindings().Create(ctx, b, metav1.CreateOptions{}); err != nil {
			t.Fatalf("create binding %s: %v", b.Name, err)
		}
	}
	t.Logf("applied %d policies and bindings", len(ps))

	// Policies load asynchronously: retry a privileged pod until it is denied.
	// (allowPrivilegeEscalation: false and privileged: true are refused by API validation.)
	privileged := podWith("privileged", func(s *corev1.PodSpec) {
		s.Containers[0].SecurityContext.Privileged = ptr(true)
		s.Containers[0].SecurityContext.AllowPrivilegeEscalation = nil
	})
	deadline := time.Now().Add(30 * time.Second)
	for {
		_, err := cs.CoreV1().Pods(vapNamespace).Create(ctx, privileged, dryRun)
		if err != nil && strings.Contains(err.Error(), "KW-POD-002") {
			t.Logf("policies in effect: %v", err)
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("privileged pod not denied with KW-POD-002 after 30 s: %v", err)
		}
		time.Sleep(500 * time.Millisecond)
	}
	// Give the other policies the same chance: they were created together,
	// but each is loaded on its own.
	waitAllLoaded(ctx, t, cs)

	// The API server reports the first policy that denies, so each object
	// breaks one check; denied accepts any of ids.
	denied := func(what string, create func() error, ids ...string) {
		t.Helper()
		err := create()
		if err == nil {
			t.Errorf("%s: admitted, want denied by %v", what, ids)
			return
		}
		for _, id := range ids {
			if strings.Contains(err.Error(), id+": ") {
				t.Logf("%s: %v", what, err)
				return
			}
		}
		t.Errorf("%s: denied without %v: %v", what, ids, err)
	}
	admitted := func(what string, create func() error) {
		t.Helper()
		if err := create(); err != nil {
			t.Errorf("%s: denied: %v", what, err)
		}
	}
	pod := func(p *corev1.Pod) func() error {
		return func() error { _, err := cs.CoreV1().Pods(vapNamespace).Create(ctx, p, dryRun); return err }
	}

	denied("privileged pod", pod(privileged), "KW-POD-002")
	denied("untrusted registry", pod(podWith("untrusted", func(s *corev1.PodSpec) {
		s.Containers[0].Image = "docker.io/library/nginx:1.27@sha256:" + strings.Repeat("cd", 32)
	})), "KW-IMG-001")
	denied("docker hub short name", pod(podWith("short", func(s *corev1.PodSpec) {
		s.Containers[0].Image = "nginx:1.27@sha256:" + strings.Repeat("cd", 32)
	})), "KW-IMG-001")
	denied("not pinned by digest", pod(podWith("tagonly", func(s *corev1.PodSpec) { s.Containers[0].Image = vapTrustedRegistry + "/app:1.0" })), "KW-IMG-002")
	denied("hostNetwork", pod(podWith("hostnet", func(s *corev1.PodSpec) { s.HostNetwork = true })), "KW-HOST-003")
	denied("hostPID", pod(podWith("hostpid", func(s *corev1.PodSpec) { s.HostPID = true })), "KW-HOST-004")
	denied(":latest", pod(podWith("latest", func(s *corev1.PodSpec) {
		s.Containers[0].Image = vapTrustedRegistry + "/app:latest@sha256:" + strings.Repeat("ef", 32)
	})), "KW-IMG-003")
	denied("runtime socket", pod(podWith("sock", func(s *corev1.PodSpec) {
		s.Volumes = []corev1.Volume{{Name: "sock", VolumeSource: corev1.VolumeSource{HostPath: &corev1.HostPathVolumeSource{Path: "/var/run/docker.sock"}}}}
	})), "KW-HOST-001")
	denied("host /etc", pod(podWith("etc", func(s *corev1.PodSpec) {
		s.Volumes = []corev1.Volume{{Name: "etc", VolumeSource: corev1.VolumeSource{HostPath: &corev1.HostPathVolumeSource{Path: "/etc/kubernetes/pki"}}}}
	})), "KW-HOST-002")
	denied("hostPort", pod(podWith("hostport", func(s *corev1.PodSpec) {
		s.Containers[0].Ports = []corev1.ContainerPort{{ContainerPort: 8080, HostPort: 8080}}
	})), "KW-HOST-006")
	denied("root user in container overriding pod", pod(podWith("root", func(s *corev1.PodSpec) {
		s.Containers[0].SecurityContext.RunAsUser = ptr(int64(0))
		s.SecurityContext.RunAsNonRoot = nil
	})), "KW-POD-001")
	denied("privileged init container", pod(podWith("init", func(s *corev1.PodSpec) {
		ic := s.Containers[0]
		ic.Name = "init"
		ic.SecurityContext = ic.SecurityContext.DeepCopy()
		ic.SecurityContext.Privileged = ptr(true)
		ic.SecurityContext.AllowPrivilegeEscalation = nil
		s.InitContainers = []corev1.Container{ic}
	})), "KW-POD-002")
	denied("default service account", pod(podWith("defaults", func(s *corev1.PodSpec) { s.ServiceAccountName = "" })), "KW-SA-001")
	denied("no limits", pod(podWith("nolimits", func(s *corev1.PodSpec) { s.Containers[0].Resources.Limits = nil })), "KW-RES-002")
	denied("added capability", pod(podWith("caps", func(s *corev1.PodSpec) {
		s.Containers[0].SecurityContext.Capabilities.Add = []corev1.Capability{"SYS_ADMIN"}
	})), "KW-POD-005")
	denied("no seccomp", pod(podWith("noseccomp", func(s *corev1.PodSpec) { s.SecurityContext.SeccompProfile = nil })), "KW-POD-006")
	denied("AppArmor unconfined by annotation", pod(func() *corev1.Pod {
		p := podWith("apparmor", func(*corev1.PodSpec) {})
		p.Annotations = map[string]string{"container.apparmor.security.beta.kubernetes.io/app": "unconfined"}
		return p
	}()), "KW-POD-007")
	denied("writable root filesystem", pod(podWith("rw", func(s *corev1.PodSpec) { s.Containers[0].SecurityContext.ReadOnlyRootFilesystem = nil })), "KW-POD-009")
	denied("capabilities not dropped", pod(podWith("nodrop", func(s *corev1.PodSpec) { s.Containers[0].SecurityContext.Capabilities = nil })), "KW-POD-004")

	// Controllers: the pod template is checked where it lives.
	hardened := hardenedPodSpec()
	labels := map[string]string{"app": "web"}
	deploy := func(s corev1.PodSpec) *appsv1.Deployment {
		return &appsv1.Deployment{ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: vapNamespace}, Spec: appsv1.DeploymentSpec{
			Selector: &metav1.LabelSelector{MatchLabels: labels},
			Template: corev1.PodTemplateSpec{ObjectMeta: metav1.ObjectMeta{Labels: labels}, Spec: s},
		}}
	}
	cron := func(s corev1.PodSpec) *batchv1.CronJob {
		s.RestartPolicy = corev1.RestartPolicyNever
		return &batchv1.CronJob{ObjectMeta: metav1.ObjectMeta{Name: "nightly", Namespace: vapNamespace}, Spec: batchv1.CronJobSpec{
			Schedule:    "0 2 * * *",
			JobTemplate: batchv1.JobTemplateSpec{Spec: batchv1.JobSpec{Template: corev1.PodTemplateSpec{Spec: s}}},
		}}
	}
	privSpec := hardenedPodSpec()
	privSpec.Containers[0].SecurityContext.Privileged = ptr(true)
	privSpec.Containers[0].SecurityContext.AllowPrivilegeEscalation = nil
	denied("privileged Deployment", func() error {
		_, err := cs.AppsV1().Deployments(vapNamespace).Create(ctx, deploy(privSpec), dryRun)
		return err
	}, "KW-POD-002")
	denied("privileged CronJob", func() error {
		_, err := cs.BatchV1().CronJobs(vapNamespace).Create(ctx, cron(privSpec), dryRun)
		return err
	}, "KW-POD-002")

	replicated := func(s corev1.PodSpec) *appsv1.Deployment {
		d := deploy(s)
		d.Spec.Replicas = ptr(int32(3))
		return d
	}
	denied("three replicas with no spread", func() error {
		_, err := cs.AppsV1().Deployments(vapNamespace).Create(ctx, replicated(hardened), dryRun)
		return err
	}, "KW-HA-001")
	spread := hardenedPodSpec()
	spread.TopologySpreadConstraints = []corev1.TopologySpreadConstraint{{MaxSkew: 1, TopologyKey: "kubernetes.io/hostname",
		WhenUnsatisfiable: corev1.ScheduleAnyway, LabelSelector: &metav1.LabelSelector{MatchLabels: labels}}}
	admitted("three replicas spread over nodes", func() error {
		_, err := cs.AppsV1().Deployments(vapNamespace).Create(ctx, replicated(spread), dryRun)
		return err
	})

	// Issue 18's manifest cases, enforced by the real API server.
	denied("root group", pod(podWith("rootgroup", func(s *corev1.PodSpec) { s.SecurityContext.RunAsGroup = ptr(int64(0)) })), "KW-POD-010")
	denied("fsGroup 0", pod(podWith("fsgroup", func(s *corev1.PodSpec) { s.SecurityContext.FSGroup = ptr(int64(0)) })), "KW-POD-010")
	denied("sysctl value smuggling another setting", pod(podWith("sysctl", func(s *corev1.PodSpec) {
		s.SecurityContext.Sysctls = []corev1.Sysctl{{Name: "kernel.shm_rmid_forced", Value: "1+kernel.core_pattern=|/var/lib/x"}}
	})), "KW-POD-011")
	denied("tolerates the control-plane taint", pod(podWith("cptol", func(s *corev1.PodSpec) {
		s.Tolerations = []corev1.Toleration{{Key: "node-role.kubernetes.io/control-plane", Operator: corev1.TolerationOpExists, Effect: corev1.TaintEffectNoSchedule}}
	})), "KW-HOST-007")
	zoneOnly := hardenedPodSpec()
	zoneOnly.TopologySpreadConstraints = []corev1.TopologySpreadConstraint{{MaxSkew: 1, TopologyKey: "topology.kubernetes.io/zone",
		WhenUnsatisfiable: corev1.ScheduleAnyway, LabelSelector: &metav1.LabelSelector{MatchLabels: labels}}}
	denied("three replicas spread over zones only", func() error {
		_, err := cs.AppsV1().Deployments(vapNamespace).Create(ctx, replicated(zoneOnly), dryRun)
		return err
	}, "KW-HA-001")
	roleBinding := func(ns, name, roleKind, role string, s rbacv1.Subject) func() error {
		return func() error {
			_, err := cs.RbacV1().RoleBindings(ns).Create(ctx, &rbacv1.RoleBinding{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns},
				RoleRef: rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: roleKind, Name: role}, Subjects: []rbacv1.Subject{s}}, dryRun)
			return err
		}
	}
	denied("binding to every authenticated user", roleBinding(vapNamespace, "everyone", "ClusterRole", "view",
		rbacv1.Subject{Kind: rbacv1.GroupKind, APIGroup: rbacv1.GroupName, Name: "system:authenticated"}), "KW-RBAC-011")
	admitted("kubeadm's cluster-info discovery binding as kubeadm creates it", roleBinding("kube-public", "kubeadm:bootstrap-signer-clusterinfo", "Role",
		"kubeadm:bootstrap-signer-clusterinfo", rbacv1.Subject{Kind: rbacv1.UserKind, APIGroup: rbacv1.GroupName, Name: "system:anonymous"}))
	denied("endpoints write aggregated into edit", func() error {
		_, err := cs.RbacV1().ClusterRoles().Create(ctx, &rbacv1.ClusterRole{
			ObjectMeta: metav1.ObjectMeta{Name: "kubeward-e2e-endpoints", Labels: map[string]string{"rbac.authorization.k8s.io/aggregate-to-edit": "true"}},
			Rules:      []rbacv1.PolicyRule{{APIGroups: []string{""}, Resources: []string{"endpoints"}, Verbs: []string{"create", "update"}}}}, dryRun)
		return err
	}, "KW-RBAC-013")

	admitted("hardened pod", pod(podWith("hardened", func(*corev1.PodSpec) {})))
	admitted("hardened Deployment", func() error {
		_, err := cs.AppsV1().Deployments(vapNamespace).Create(ctx, deploy(hardened), dryRun)
		return err
	})
	admitted("hardened CronJob", func() error {
		_, err := cs.BatchV1().CronJobs(vapNamespace).Create(ctx, cron(hardened), dryRun)
		return err
	})

	// RBAC and namespaces.
	denied("cluster-admin for a default service account", func() error {
		_, err := cs.RbacV1().ClusterRoleBindings().Create(ctx, &rbacv1.ClusterRoleBinding{
			ObjectMeta: metav1.ObjectMeta{Name: "vap-e2e-admin"},
			RoleRef:    rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: "cluster-admin"},
			Subjects:   []rbacv1.Subject{{Kind: rbacv1.ServiceAccountKind, Name: "default", Namespace: vapNamespace}},
		}, dryRun)
		return err
	}, "KW-RBAC-010", "KW-RBAC-012")
	denied("binding for anonymous", func() error {
		_, err := cs.RbacV1().RoleBindings(vapNamespace).Create(ctx, &rbacv1.RoleBinding{
			ObjectMeta: metav1.ObjectMeta{Name: "anon"},
			RoleRef:    rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: "view"},
			Subjects:   []rbacv1.Subject{{Kind: rbacv1.UserKind, APIGroup: rbacv1.GroupName, Name: "system:anonymous"}},
		}, dryRun)
		return err
	}, "KW-RBAC-011")
	denied("wildcard ClusterRole", func() error {
		_, err := cs.RbacV1().ClusterRoles().Create(ctx, &rbacv1.ClusterRole{
			ObjectMeta: metav1.ObjectMeta{Name: "vap-e2e-wild"},
			Rules:      []rbacv1.PolicyRule{{APIGroups: []string{""}, Resources: []string{"configmaps"}, Verbs: []string{"*"}}},
		}, dryRun)
		return err
	}, "KW-RBAC-001")
	admitted("narrow Role bound to a dedicated service account", func() error {
		if _, err := cs.RbacV1().Roles(vapNamespace).Create(ctx, &rbacv1.Role{
			ObjectMeta: metav1.ObjectMeta{Name: "cm-reader"},
			Rules:      []rbacv1.PolicyRule{{APIGroups: []string{""}, Resources: []string{"configmaps"}, Verbs: []string{"get"}}},
		}, dryRun); err != nil {
			return err
		}
		_, err := cs.RbacV1().RoleBindings(vapNamespace).Create(ctx, &rbacv1.RoleBinding{
			ObjectMeta: metav1.ObjectMeta{Name: "cm-reader"},
			RoleRef:    rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "Role", Name: "cm-reader"},
			Subjects:   []rbacv1.Subject{{Kind: rbacv1.ServiceAccountKind, Name: "app", Namespace: vapNamespace}},
		}, dryRun)
		return err
	})
	denied("namespace without Pod Security enforcement", func() error {
		_, err := cs.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "vap-e2e-open"}}, dryRun)
		return err
	}, "KW-NS-006")
	admitted("namespace enforcing restricted", func() error {
		_, err := cs.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{
			Name: "vap-e2e-restricted", Labels: map[string]string{"pod-security.kubernetes.io/enforce": "restricted"},
		}}, dryRun)
		return err
	})
	admitted("privileged pod in kube-system (excluded)", func() error {
		p := privileged.DeepCopy()
		p.Namespace = "kube-system"
		p.Spec.ServiceAccountName = ""
		_, err := cs.CoreV1().Pods("kube-system").Create(ctx, p, dryRun)
		return err
	})

	// The policy status controller type-checks each policy against the
	// schemas of the kinds it matches.
	checkTypeChecking(ctx, t, cs, ps)
}

// waitAllLoaded retries until a pod violating the last exported pod policy
// and a binding violating the last RBAC policy are denied, so that every
// policy created in the same batch is in effect.
func waitAllLoaded(ctx context.Context, t *testing.T, cs kubernetes.Interface) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		_, e1 := cs.CoreV1().Pods(vapNamespace).Create(ctx, podWith("probe", func(s *corev1.PodSpec) { s.HostIPC = true }), dryRun)
		_, e2 := cs.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "vap-e2e-probe"}}, dryRun)
		if e1 != nil && strings.Contains(e1.Error(), "KW-HOST-005") && e2 != nil && strings.Contains(e2.Error(), "KW-NS-006") {
			return
		}
		time.Sleep(500 * time.Millisecond)
	}
}

func checkTypeChecking(ctx context.Context, t *testing.T, cs kubernetes.Interface, ps []*admissionregistrationv1.ValidatingAdmissionPolicy) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	pending := map[string]bool{}
	for _, p := range ps {
		pending[p.Name] = true
	}
	for len(pending) > 0 && time.Now().Before(deadline) {
		for name := range pending {
			got, err := cs.AdmissionregistrationV1().ValidatingAdmissionPolicies().Get(ctx, name, metav1.GetOptions{})
			if err != nil {
				t.Fatal(err)
			}
			if tc := got.Status.TypeChecking; tc != nil && got.Status.ObservedGeneration == got.Generation {
				for _, w := range tc.ExpressionWarnings {
					t.Errorf("%s: type checking %s: %s", name, w.FieldRef, w.Warning)
				}
				delete(pending, name)
			}
		}
		time.Sleep(time.Second)
	}
	if len(pending) > 0 {
		t.Logf("type checking status not reported for %d policies (is the policy status controller running?)", len(pending))
	}
}
