package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	admissionv1 "k8s.io/api/admissionregistration/v1"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/clientcmd"

	"github.com/kubeward/kubeward/test/cluster/harness"
)

func ptr[T any](v T) *T { return &v }

func clientFor(t *testing.T, c *harness.Cluster) kubernetes.Interface {
	t.Helper()
	cfg, err := clientcmd.BuildConfigFromFlags("", c.AdminKubeconfig())
	if err != nil {
		t.Fatal(err)
	}
	cs, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return cs
}

// create makes objects through the API and fails the test on error.
type creator struct {
	t   *testing.T
	cs  kubernetes.Interface
	ctx context.Context
}

func (c *creator) must(_ any, err error) {
	c.t.Helper()
	if err != nil {
		c.t.Fatal(err)
	}
}

func (c *creator) namespace(name string, labels map[string]string) {
	c.must(c.cs.CoreV1().Namespaces().Create(c.ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name, Labels: labels}}, metav1.CreateOptions{}))
}

func (c *creator) label(name string, labels map[string]string) {
	ns, err := c.cs.CoreV1().Namespaces().Get(c.ctx, name, metav1.GetOptions{})
	c.must(nil, err)
	if ns.Labels == nil {
		ns.Labels = map[string]string{}
	}
	for k, v := range labels {
		ns.Labels[k] = v
	}
	c.must(c.cs.CoreV1().Namespaces().Update(c.ctx, ns, metav1.UpdateOptions{}))
}

const digest = "@sha256:0f3c6e7b2a1d4c5e8f9a0b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e6f7a8b9c0d1e"

func hardenedSpec(sa string) corev1.PodSpec {
	res := corev1.ResourceRequirements{
		Requests: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("10m"), corev1.ResourceMemory: resource.MustParse("16Mi")},
		Limits:   corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("100m"), corev1.ResourceMemory: resource.MustParse("64Mi")},
	}
	return corev1.PodSpec{
		ServiceAccountName: sa, AutomountServiceAccountToken: ptr(false),
		SecurityContext: &corev1.PodSecurityContext{RunAsNonRoot: ptr(true), RunAsUser: ptr(int64(10001)),
			SeccompProfile: &corev1.SeccompProfile{Type: corev1.SeccompProfileTypeRuntimeDefault}},
		Containers: []corev1.Container{{Name: "app", Image: "registry.bank.internal/team/app:1.0" + digest, ImagePullPolicy: corev1.PullNever, Resources: res,
			SecurityContext: &corev1.SecurityContext{AllowPrivilegeEscalation: ptr(false), ReadOnlyRootFilesystem: ptr(true),
				Capabilities: &corev1.Capabilities{Drop: []corev1.Capability{"ALL"}}}}},
	}
}

func deployment(ns, name string, replicas int32, spec corev1.PodSpec) *appsv1.Deployment {
	l := map[string]string{"app": name}
	return &appsv1.Deployment{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns},
		Spec: appsv1.DeploymentSpec{Replicas: ptr(replicas), Selector: &metav1.LabelSelector{MatchLabels: l},
			Template: corev1.PodTemplateSpec{ObjectMeta: metav1.ObjectMeta{Labels: l}, Spec: spec}}}
}

func (c *creator) hardenNamespace(ns string) {
	c.must(c.cs.CoreV1().ResourceQuotas(ns).Create(c.ctx, &corev1.ResourceQuota{ObjectMeta: metav1.ObjectMeta{Name: "quota"},
		Spec: corev1.ResourceQuotaSpec{Hard: corev1.ResourceList{"requests.cpu": resource.MustParse("10"), "requests.memory": resource.MustParse("10Gi"),
			"pods": resource.MustParse("100"), "services": resource.MustParse("20"), "requests.storage": resource.MustParse("100Gi"), "persistentvolumeclaims": resource.MustParse("20")}}}, metav1.CreateOptions{}))
	c.must(c.cs.CoreV1().LimitRanges(ns).Create(c.ctx, &corev1.LimitRange{ObjectMeta: metav1.ObjectMeta{Name: "limits"},
		Spec: corev1.LimitRangeSpec{Limits: []corev1.LimitRangeItem{{Type: corev1.LimitTypeContainer, Default: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("100m"), corev1.ResourceMemory: resource.MustParse("64Mi")}}}}}, metav1.CreateOptions{}))
	c.must(c.cs.NetworkingV1().NetworkPolicies(ns).Create(c.ctx, &networkingv1.NetworkPolicy{ObjectMeta: metav1.ObjectMeta{Name: "default-deny"},
		Spec: networkingv1.NetworkPolicySpec{PolicyTypes: []networkingv1.PolicyType{"Ingress", "Egress"}}}, metav1.CreateOptions{}))
	c.label(ns, map[string]string{"pod-security.kubernetes.io/enforce": "restricted"})
	c.noDefaultToken(ns)
}

// noDefaultToken sets automountServiceAccountToken: false on the namespace's
// default ServiceAccount (KW-SA-003), creating it first when the
// controller-manager has not yet done so.
func (c *creator) noDefaultToken(ns string) {
	c.t.Helper()
	sa := &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Name: "default"}, AutomountServiceAccountToken: ptr(false)}
	_, err := c.cs.CoreV1().ServiceAccounts(ns).Create(c.ctx, sa, metav1.CreateOptions{})
	if !apierrors.IsAlreadyExists(err) {
		c.must(nil, err)
		return
	}
	cur, err := c.cs.CoreV1().ServiceAccounts(ns).Get(c.ctx, "default", metav1.GetOptions{})
	if err != nil {
		c.t.Fatalf("get default service account in %s: %v", ns, err)
	}
	cur.AutomountServiceAccountToken = ptr(false)
	c.must(c.cs.CoreV1().ServiceAccounts(ns).Update(c.ctx, cur, metav1.UpdateOptions{}))
}

type clusterResult struct {
	ID      string `json:"id"`
	Status  string `json:"status"`
	Message string `json:"message"`
	Subject struct {
		Kind, Namespace, Name string
	} `json:"subject"`
}

func scanCluster(t *testing.T, args ...string) []clusterResult {
	t.Helper()
	bin := kubewardBin(t)
	cmd := exec.Command(bin, append([]string{"scan", "cluster", "-o", "json"}, args...)...)
	out, err := cmd.Output()
	if ee, ok := err.(*exec.ExitError); ok && ee.ExitCode() != 1 {
		t.Fatalf("scan cluster: exit %d: %s", ee.ExitCode(), ee.Stderr)
	}
	var rep struct {
		Results []clusterResult `json:"results"`
	}
	if err := json.Unmarshal(out, &rep); err != nil {
		t.Fatalf("scan cluster output: %v\n%s", err, out)
	}
	return rep.Results
}

func writeConfig(t *testing.T, content string) string {
	p := filepath.Join(t.TempDir(), "kubeward.yaml")
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// waitScheduled waits until n pods of a namespace have a node.
func waitScheduled(t *testing.T, cs kubernetes.Interface, ns string, n int) {
	t.Helper()
	deadline := time.Now().Add(90 * time.Second)
	for time.Now().Before(deadline) {
		pods, err := cs.CoreV1().Pods(ns).List(context.Background(), metav1.ListOptions{})
		if err == nil {
			count := 0
			for _, p := range pods.Items {
				if p.Spec.NodeName != "" {
					count++
				}
			}
			if count >= n {
				return
			}
		}
		time.Sleep(time.Second)
	}
	t.Logf("pods of %s not scheduled in time", ns)
}

func TestClusterAuditInsecureFails(t *testing.T) {
	c := up(t, harness.Insecure)
	cs := clientFor(t, c)
	ctx := context.Background()
	k := &creator{t: t, cs: cs, ctx: ctx}
	ns := "shop"
	k.namespace(ns, nil)
	k.namespace("lax", nil)
	// A namespace whose only pod already meets restricted, but nothing is enforced.
	k.must(cs.CoreV1().ServiceAccounts("lax").Create(ctx, &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Name: "tidy"}}, metav1.CreateOptions{}))
	k.must(cs.CoreV1().Pods("lax").Create(ctx, &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "tidy"}, Spec: hardenedSpec("tidy")}, metav1.CreateOptions{}))
	// An ingress policy that looks like isolation but admits every namespace.
	k.must(cs.NetworkingV1().NetworkPolicies("lax").Create(ctx, &networkingv1.NetworkPolicy{ObjectMeta: metav1.ObjectMeta{Name: "from-anywhere"},
		Spec: networkingv1.NetworkPolicySpec{PolicyTypes: []networkingv1.PolicyType{"Ingress"},
			Ingress: []networkingv1.NetworkPolicyIngressRule{{From: []networkingv1.NetworkPolicyPeer{{NamespaceSelector: &metav1.LabelSelector{}}}}}}}, metav1.CreateOptions{}))
	k.must(cs.CoreV1().ServiceAccounts(ns).Create(ctx, &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Name: "shared"}}, metav1.CreateOptions{}))
	risky := corev1.PodSpec{ServiceAccountName: "shared", HostNetwork: true, HostPID: true,
		Containers: []corev1.Container{{Name: "app", Image: "docker.io/acme/app:latest", ImagePullPolicy: corev1.PullNever,
			SecurityContext: &corev1.SecurityContext{Privileged: ptr(true), RunAsUser: ptr(int64(0)), Capabilities: &corev1.Capabilities{Add: []corev1.Capability{"SYS_ADMIN"}}},
			Env:             []corev1.EnvVar{{Name: "DB_PASSWORD", Value: "Sup3r-Secret-Value"}}}},
		Volumes: []corev1.Volume{{Name: "docker", VolumeSource: corev1.VolumeSource{HostPath: &corev1.HostPathVolumeSource{Path: "/var/run/docker.sock"}}}}}
	k.must(cs.AppsV1().Deployments(ns).Create(ctx, deployment(ns, "web", 2, risky), metav1.CreateOptions{}))
	k.must(cs.AppsV1().Deployments(ns).Create(ctx, deployment(ns, "api", 1, risky), metav1.CreateOptions{}))
	k.must(cs.CoreV1().ResourceQuotas(ns).Create(ctx, &corev1.ResourceQuota{ObjectMeta: metav1.ObjectMeta{Name: "pods-only"},
		Spec: corev1.ResourceQuotaSpec{Hard: corev1.ResourceList{"pods": resource.MustParse("3")}}}, metav1.CreateOptions{}))
	k.must(cs.CoreV1().Secrets(ns).Create(ctx, &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: "shared-token", Annotations: map[string]string{corev1.ServiceAccountNameKey: "shared"}},
		Type: corev1.SecretTypeServiceAccountToken}, metav1.CreateOptions{}))
	k.must(cs.CoreV1().ConfigMaps(ns).Create(ctx, &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "app"}, Data: map[string]string{"STRIPE_KEY": "sk_live_4eC39HqLyjWDarjtT1zdp7dc"}}, metav1.CreateOptions{}))
	// The insecure profile authorizes with AlwaysAllow, so the API server
	// installs no default roles: create cluster-admin as a cluster owner would.
	k.must(cs.RbacV1().ClusterRoles().Create(ctx, &rbacv1.ClusterRole{ObjectMeta: metav1.ObjectMeta{Name: "cluster-admin"},
		Rules: []rbacv1.PolicyRule{{APIGroups: []string{"*"}, Resources: []string{"*"}, Verbs: []string{"*"}}}}, metav1.CreateOptions{}))
	k.must(cs.RbacV1().ClusterRoleBindings().Create(ctx, &rbacv1.ClusterRoleBinding{ObjectMeta: metav1.ObjectMeta{Name: "shop-admin"},
		RoleRef:  rbacv1.RoleRef{APIGroup: "rbac.authorization.k8s.io", Kind: "ClusterRole", Name: "cluster-admin"},
		Subjects: []rbacv1.Subject{{Kind: "ServiceAccount", Name: "default", Namespace: ns}}}, metav1.CreateOptions{}))
	k.must(cs.RbacV1().Roles(ns).Create(ctx, &rbacv1.Role{ObjectMeta: metav1.ObjectMeta{Name: "debug"},
		Rules: []rbacv1.PolicyRule{{APIGroups: []string{""}, Resources: []string{"secrets", "pods/exec"}, Verbs: []string{"get", "list", "create"}}}}, metav1.CreateOptions{}))
	k.must(cs.RbacV1().RoleBindings(ns).Create(ctx, &rbacv1.RoleBinding{ObjectMeta: metav1.ObjectMeta{Name: "debug-shared"},
		RoleRef:  rbacv1.RoleRef{APIGroup: "rbac.authorization.k8s.io", Kind: "Role", Name: "debug"},
		Subjects: []rbacv1.Subject{{Kind: "ServiceAccount", Name: "shared", Namespace: ns}}}, metav1.CreateOptions{}))
	// The control plane as the API shows it: a static (mirror) pod of an
	// insecure kube-apiserver in kube-system, on a control-plane Node cp1.
	// Like kubeadm's static pods it tolerates every NoExecute taint, and cp1
	// exists: otherwise pod garbage collection or taint eviction removes the
	// pod (cp1 has no kubelet) before a slow run gets to scan it.
	k.must(cs.CoreV1().Nodes().Create(ctx, &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: "cp1", Labels: map[string]string{"node-role.kubernetes.io/control-plane": ""}},
		Spec: corev1.NodeSpec{Taints: []corev1.Taint{{Key: "node-role.kubernetes.io/control-plane", Effect: corev1.TaintEffectNoSchedule}}}}, metav1.CreateOptions{}))
	k.must(cs.CoreV1().Pods("kube-system").Create(ctx, &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "kube-apiserver-cp1",
		Annotations: map[string]string{"kubernetes.io/config.mirror": "0123456789abcdef", "kubernetes.io/config.source": "file"}},
		Spec: corev1.PodSpec{NodeName: "cp1", Tolerations: []corev1.Toleration{{Operator: corev1.TolerationOpExists, Effect: corev1.TaintEffectNoExecute}}, Containers: []corev1.Container{{Name: "kube-apiserver", Image: "registry.k8s.io/kube-apiserver:v1.37.2",
			Command: []string{"kube-apiserver", "--anonymous-auth=true", "--authorization-mode=AlwaysAllow", "--profiling=true", "--etcd-servers=http://127.0.0.1:2379"}}}}}, metav1.CreateOptions{}))
	// A webhook that fails open, is slow, has side effects and lets tenants opt out.
	ignore, none, slow := admissionv1.Ignore, admissionv1.SideEffectClassNone, int32(30)
	k.must(cs.AdmissionregistrationV1().ValidatingWebhookConfigurations().Create(ctx, &admissionv1.ValidatingWebhookConfiguration{ObjectMeta: metav1.ObjectMeta{Name: "lax-policy"},
		Webhooks: []admissionv1.ValidatingWebhook{{Name: "lax.policy.example", FailurePolicy: &ignore, SideEffects: &none, TimeoutSeconds: &slow, AdmissionReviewVersions: []string{"v1"},
			ClientConfig: admissionv1.WebhookClientConfig{URL: ptr("https://127.0.0.1:1/validate")},
			Rules: []admissionv1.RuleWithOperations{{Operations: []admissionv1.OperationType{admissionv1.Delete},
				Rule: admissionv1.Rule{APIGroups: []string{""}, APIVersions: []string{"v1"}, Resources: []string{"configmaps"}}}},
			NamespaceSelector: &metav1.LabelSelector{MatchExpressions: []metav1.LabelSelectorRequirement{
				{Key: "kubernetes.io/metadata.name", Operator: metav1.LabelSelectorOpNotIn, Values: []string{"kube-system"}},
				{Key: "policy.example/skip", Operator: metav1.LabelSelectorOpDoesNotExist}}}}}}, metav1.CreateOptions{}))
	if c.Process("kubelet") != nil {
		waitScheduled(t, cs, ns, 2)
	}
	quotaUsed := waitQuotaUsed(t, cs, ns, "pods-only", 3)
	cfg := writeConfig(t, "trustedRegistries: [registry.bank.internal]\nsensitiveNamespaces: [shop]\n")
	etcd := fmt.Sprintf("http://127.0.0.1:%d", c.Options.Ports.EtcdClient)
	results := scanCluster(t, "--kubeconfig", c.AdminKubeconfig(), "--config", cfg, "--etcd-endpoints", etcd)

	failed := map[string]bool{}
	for _, r := range results {
		if r.Status == "FAIL" || r.Status == "WARN" {
			failed[r.ID] = true
		}
		if strings.Contains(r.Message, "Sup3r-Secret-Value") || strings.Contains(r.Message, "sk_live_") {
			t.Errorf("%s reveals a secret value", r.ID)
		}
	}
	want := []string{
		"KW-POD-001", "KW-POD-002", "KW-POD-005", "KW-HOST-001", "KW-HOST-003", "KW-HOST-004", "KW-IMG-001", "KW-IMG-003",
		"KW-SEC-001", "KW-SEC-002", "KW-RBAC-002", "KW-RBAC-003", "KW-RBAC-010", "KW-RBAC-012", "KW-NS-003", "KW-NS-004", "KW-NS-006",
		"KW-CL-001", "KW-CL-002", "KW-CL-008", "KW-CL-010", "KW-CL-011", "KW-CL-012", "KW-CL-020", "KW-CL-021", "KW-CL-022", "KW-CL-030", "KW-CL-040", "KW-CL-051", "KW-CL-090",
		"KW-WH-001", "KW-WH-002", "KW-WH-004", "KW-WH-005", "KW-API-005", "KW-API-007", "KW-API-015",
	}
	if c.Process("kubelet") != nil {
		want = append(want, "KW-CL-050")
	}
	if quotaUsed {
		want = append(want, "KW-CL-031")
	}
	for _, id := range want {
		if !failed[id] {
			t.Errorf("%s did not FAIL or WARN on the insecure cluster", id)
		}
	}
	if t.Failed() {
		for _, r := range results {
			if strings.HasPrefix(r.ID, "KW-CL-") {
				t.Logf("%s %s %s/%s/%s: %s", r.ID, r.Status, r.Subject.Kind, r.Subject.Namespace, r.Subject.Name, r.Message)
			}
		}
	}
	// Workloads are reported once, against their Deployment; the static pod's
	// flags are judged on its command line as the API server shows it.
	for _, r := range results {
		if r.ID == "KW-API-005" && !strings.Contains(r.Subject.Name, "kube-system/kube-apiserver-cp1") {
			t.Errorf("KW-API-005 subject %q, want the static pod", r.Subject.Name)
		}
		if r.ID == "KW-POD-002" && r.Subject.Kind != "Deployment" {
			t.Errorf("KW-POD-002 reported against %s/%s, want the Deployment", r.Subject.Kind, r.Subject.Name)
		}
	}
}

func TestClusterAuditHardenedPasses(t *testing.T) {
	c := up(t, harness.Hardened)
	cs := clientFor(t, c)
	ctx := context.Background()
	k := &creator{t: t, cs: cs, ctx: ctx}
	ns := "bank"
	k.namespace(ns, nil)
	for _, n := range []string{ns, "default"} {
		k.hardenNamespace(n)
	}
	for _, app := range []string{"ledger", "gateway"} {
		k.must(cs.CoreV1().ServiceAccounts(ns).Create(ctx, &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Name: app}, AutomountServiceAccountToken: ptr(false)}, metav1.CreateOptions{}))
		k.must(cs.AppsV1().Deployments(ns).Create(ctx, deployment(ns, app, 1, hardenedSpec(app)), metav1.CreateOptions{}))
	}
	k.must(cs.CoreV1().Secrets(ns).Create(ctx, &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: "db"}, StringData: map[string]string{"password": "from-vault"}}, metav1.CreateOptions{}))
	k.must(cs.RbacV1().Roles(ns).Create(ctx, &rbacv1.Role{ObjectMeta: metav1.ObjectMeta{Name: "read-config"},
		Rules: []rbacv1.PolicyRule{{APIGroups: []string{""}, Resources: []string{"configmaps"}, Verbs: []string{"get"}}}}, metav1.CreateOptions{}))
	if c.Process("kubelet") != nil {
		waitScheduled(t, cs, ns, 2)
	}
	cfg := writeConfig(t, "trustedRegistries: [registry.bank.internal]\nsensitiveNamespaces: []\n")
	p := c.Files.PKI
	results := scanCluster(t, "--kubeconfig", c.AdminKubeconfig(), "--config", cfg,
		"--etcd-endpoints", fmt.Sprintf("https://127.0.0.1:%d", c.Options.Ports.EtcdClient), "--etcd-cacert", p.EtcdCA.CertFile,
		"--etcd-cert", p.APIServerEtcdClient.CertFile, "--etcd-key", p.APIServerEtcdClient.KeyFile)
	proved := false
	for _, r := range results {
		if r.Status == "FAIL" || r.Status == "ERROR" {
			t.Errorf("%s %s on %s/%s/%s: %s", r.ID, r.Status, r.Subject.Kind, r.Subject.Namespace, r.Subject.Name, r.Message)
		}
		if r.ID == "KW-CL-090" && r.Status == "PASS" && strings.Contains(r.Message, "aescbc") {
			proved = true
		}
	}
	if !proved {
		t.Error("encryption at rest was not proven from etcd")
	}
}

// waitQuotaUsed waits until the quota controller reports at least n pods used.
func waitQuotaUsed(t *testing.T, cs kubernetes.Interface, ns, name string, n int64) bool {
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		q, err := cs.CoreV1().ResourceQuotas(ns).Get(context.Background(), name, metav1.GetOptions{})
		if err == nil {
			if used, ok := q.Status.Used[corev1.ResourcePods]; ok && used.Value() >= n {
				return true
			}
		}
		time.Sleep(time.Second)
	}
	t.Logf("quota %s/%s status not updated in time", ns, name)
	return false
}
