package all_test

import (
	"fmt"
	"strings"
	"testing"

	admissionv1 "k8s.io/api/admissionregistration/v1"
	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"

	"github.com/kubeward/kubeward/internal/catalog"
	"github.com/kubeward/kubeward/internal/check"
	_ "github.com/kubeward/kubeward/internal/check/all"
	"github.com/kubeward/kubeward/internal/check/checktest"
	"github.com/kubeward/kubeward/internal/inventory"
	"github.com/kubeward/kubeward/internal/result"
)

func withNamespace(ns string, objs ...*inventory.Object) []*inventory.Object {
	return append(checktest.HardenedNamespace(ns), objs...)
}

func webhook(mutate func(*admissionv1.ValidatingWebhook)) *inventory.Object {
	w := admissionv1.ValidatingWebhook{Name: "policy.bank.internal", FailurePolicy: checktest.Ptr(admissionv1.Fail), TimeoutSeconds: checktest.Ptr(int32(5)), SideEffects: checktest.Ptr(admissionv1.SideEffectClassNone)}
	if mutate != nil {
		mutate(&w)
	}
	return checktest.Object("admissionregistration.k8s.io", "ValidatingWebhookConfiguration", &admissionv1.ValidatingWebhookConfiguration{ObjectMeta: metav1.ObjectMeta{Name: "policy"}, Webhooks: []admissionv1.ValidatingWebhook{w}})
}

func role(rules ...rbacv1.PolicyRule) *inventory.Object {
	return checktest.Object("rbac.authorization.k8s.io", "ClusterRole", &rbacv1.ClusterRole{ObjectMeta: metav1.ObjectMeta{Name: "r"}, Rules: rules})
}

func binding(roleName string, subjects ...rbacv1.Subject) *inventory.Object {
	return checktest.Object("rbac.authorization.k8s.io", "ClusterRoleBinding", &rbacv1.ClusterRoleBinding{ObjectMeta: metav1.ObjectMeta{Name: "b"},
		RoleRef: rbacv1.RoleRef{Kind: "ClusterRole", Name: roleName}, Subjects: subjects})
}

func rule(group, res string, verbs ...string) rbacv1.PolicyRule {
	return rbacv1.PolicyRule{APIGroups: []string{group}, Resources: []string{res}, Verbs: verbs}
}

var appSA = rbacv1.Subject{Kind: "ServiceAccount", Name: "app", Namespace: "apps"}

type checkCase struct {
	id         string
	fail, pass []*inventory.Object
	// set: the fail objects are one scan (namespace-wide checks); otherwise
	// each fail object is scanned alone beside a hardened namespace.
	set bool
}

func cases() []checkCase {
	netpol := func(name string, spec networkingv1.NetworkPolicySpec) *inventory.Object {
		return checktest.Object("networking.k8s.io", "NetworkPolicy", &networkingv1.NetworkPolicy{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "apps"}, Spec: spec})
	}
	hostPath := func(p string) *inventory.Object {
		return checktest.Pod(func(s *corev1.PodSpec) {
			s.Volumes = []corev1.Volume{{Name: "h", VolumeSource: corev1.VolumeSource{HostPath: &corev1.HostPathVolumeSource{Path: p}}}}
		})
	}
	nsWithout := func(kind string) []*inventory.Object {
		var out []*inventory.Object
		for _, o := range checktest.HardenedNamespace("apps") {
			if o.Kind != kind {
				out = append(out, o)
			}
		}
		return out
	}
	return []checkCase{
		{id: "KW-IMG-001", fail: []*inventory.Object{checktest.Container(func(c *corev1.Container) {
			c.Image = "docker.io/evil/app:1@sha256:0f3c6e7b2a1d4c5e8f9a0b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e6f7a8b9c0d1e"
		})}, pass: []*inventory.Object{checktest.Pod(func(*corev1.PodSpec) {})}},
		{id: "KW-IMG-002", fail: []*inventory.Object{checktest.Container(func(c *corev1.Container) { c.Image = "registry.bank.internal/team/app:1.0.0" })}, pass: []*inventory.Object{checktest.Pod(func(*corev1.PodSpec) {})}},
		{id: "KW-IMG-003", fail: []*inventory.Object{checktest.Container(func(c *corev1.Container) { c.Image = "registry.bank.internal/team/app" })}, pass: []*inventory.Object{checktest.Container(func(c *corev1.Container) { c.Image = "registry.bank.internal/team/app:1.2" })}},
		{id: "KW-POD-001", fail: []*inventory.Object{checktest.Pod(func(s *corev1.PodSpec) {
			s.SecurityContext.RunAsNonRoot = nil
			s.SecurityContext.RunAsUser = checktest.Ptr(int64(0))
		})},
			pass: []*inventory.Object{checktest.Pod(func(s *corev1.PodSpec) { s.SecurityContext.RunAsUser = nil })}},
		{id: "KW-POD-002", fail: []*inventory.Object{checktest.Container(func(c *corev1.Container) { c.SecurityContext.Privileged = checktest.Ptr(true) })}, pass: []*inventory.Object{checktest.Container(func(c *corev1.Container) { c.SecurityContext.Privileged = checktest.Ptr(false) })}},
		{id: "KW-POD-003", fail: []*inventory.Object{checktest.Container(func(c *corev1.Container) { c.SecurityContext.AllowPrivilegeEscalation = nil })}, pass: []*inventory.Object{checktest.Pod(func(*corev1.PodSpec) {})}},
		{id: "KW-POD-004", fail: []*inventory.Object{checktest.Container(func(c *corev1.Container) { c.SecurityContext.Capabilities = nil })}, pass: []*inventory.Object{checktest.Pod(func(*corev1.PodSpec) {})}},
		{id: "KW-POD-005", fail: []*inventory.Object{checktest.Container(func(c *corev1.Container) { c.SecurityContext.Capabilities.Add = []corev1.Capability{"SYS_ADMIN"} })},
			pass: []*inventory.Object{checktest.Container(func(c *corev1.Container) {
				c.SecurityContext.Capabilities.Add = []corev1.Capability{"CAP_NET_BIND_SERVICE"}
			})}},
		{id: "KW-POD-006", fail: []*inventory.Object{checktest.Pod(func(s *corev1.PodSpec) { s.SecurityContext.SeccompProfile = nil })},
			pass: []*inventory.Object{checktest.Pod(func(s *corev1.PodSpec) {
				s.SecurityContext.SeccompProfile = nil
				s.Containers[0].SecurityContext.SeccompProfile = &corev1.SeccompProfile{Type: corev1.SeccompProfileTypeLocalhost, LocalhostProfile: checktest.Ptr("p.json")}
			})}},
		{id: "KW-POD-007", fail: []*inventory.Object{checktest.Deployment("apps", func(d *appsv1.Deployment) {
			d.Spec.Template.Annotations = map[string]string{"container.apparmor.security.beta.kubernetes.io/app": "unconfined"}
		}), checktest.Container(func(c *corev1.Container) {
			c.SecurityContext.AppArmorProfile = &corev1.AppArmorProfile{Type: corev1.AppArmorProfileTypeUnconfined}
		})}, pass: []*inventory.Object{checktest.Container(func(c *corev1.Container) {
			c.SecurityContext.AppArmorProfile = &corev1.AppArmorProfile{Type: corev1.AppArmorProfileTypeRuntimeDefault}
		})}},
		{id: "KW-POD-008", fail: []*inventory.Object{checktest.Container(func(c *corev1.Container) { c.SecurityContext.SELinuxOptions = &corev1.SELinuxOptions{Type: "spc_t"} })},
			pass: []*inventory.Object{checktest.Container(func(c *corev1.Container) {
				c.SecurityContext.SELinuxOptions = &corev1.SELinuxOptions{Type: "container_t", Level: "s0:c1,c2"}
			})}},
		{id: "KW-POD-009", fail: []*inventory.Object{checktest.Container(func(c *corev1.Container) { c.SecurityContext.ReadOnlyRootFilesystem = checktest.Ptr(false) })}, pass: []*inventory.Object{checktest.Pod(func(*corev1.PodSpec) {})}},
		{id: "KW-HOST-001", fail: []*inventory.Object{hostPath("/run/containerd/containerd.sock"), hostPath("/var/run"), hostPath("/var/run/crio/crio.sock")}, pass: []*inventory.Object{hostPath("/var/log/app")}},
		{id: "KW-HOST-002", fail: []*inventory.Object{hostPath("/etc/kubernetes/pki"), hostPath("/proc")}, pass: []*inventory.Object{hostPath("/var/log/app")}},
		{id: "KW-HOST-003", fail: []*inventory.Object{checktest.Pod(func(s *corev1.PodSpec) { s.HostNetwork = true })}, pass: []*inventory.Object{checktest.Pod(func(*corev1.PodSpec) {})}},
		{id: "KW-HOST-004", fail: []*inventory.Object{checktest.Pod(func(s *corev1.PodSpec) { s.HostPID = true })}, pass: []*inventory.Object{checktest.Pod(func(*corev1.PodSpec) {})}},
		{id: "KW-HOST-005", fail: []*inventory.Object{checktest.Pod(func(s *corev1.PodSpec) { s.HostIPC = true })}, pass: []*inventory.Object{checktest.Pod(func(*corev1.PodSpec) {})}},
		{id: "KW-HOST-006", fail: []*inventory.Object{checktest.Container(func(c *corev1.Container) { c.Ports = []corev1.ContainerPort{{ContainerPort: 80, HostPort: 80}} })},
			pass: []*inventory.Object{checktest.Container(func(c *corev1.Container) { c.Ports = []corev1.ContainerPort{{ContainerPort: 80}} })}},
		{id: "KW-SA-001", fail: []*inventory.Object{checktest.Pod(func(s *corev1.PodSpec) { s.ServiceAccountName = "" })}, pass: []*inventory.Object{checktest.Pod(func(*corev1.PodSpec) {})}},
		{id: "KW-SA-002", fail: []*inventory.Object{checktest.Pod(func(s *corev1.PodSpec) { s.AutomountServiceAccountToken = nil })},
			pass: []*inventory.Object{
				checktest.Pod(func(s *corev1.PodSpec) { s.AutomountServiceAccountToken = nil }),
				checktest.Object("", "ServiceAccount", &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Name: "app", Namespace: "apps"}, AutomountServiceAccountToken: checktest.Ptr(false)}),
			}},
		{id: "KW-RES-001", fail: []*inventory.Object{checktest.Container(func(c *corev1.Container) { delete(c.Resources.Requests, corev1.ResourceMemory) })}, pass: []*inventory.Object{checktest.Pod(func(*corev1.PodSpec) {})}},
		{id: "KW-RES-002", fail: []*inventory.Object{checktest.Container(func(c *corev1.Container) { c.Resources.Limits = nil })}, pass: []*inventory.Object{checktest.Pod(func(*corev1.PodSpec) {})}},
		{id: "KW-HA-001", fail: []*inventory.Object{checktest.Pod(func(s *corev1.PodSpec) { s.TopologySpreadConstraints = nil })},
			pass: []*inventory.Object{checktest.Pod(func(s *corev1.PodSpec) {
				s.TopologySpreadConstraints = nil
				s.Affinity = &corev1.Affinity{PodAntiAffinity: &corev1.PodAntiAffinity{PreferredDuringSchedulingIgnoredDuringExecution: []corev1.WeightedPodAffinityTerm{{Weight: 1, PodAffinityTerm: corev1.PodAffinityTerm{TopologyKey: "kubernetes.io/hostname"}}}}}
			})}},
		{id: "KW-HA-002", fail: []*inventory.Object{checktest.Deployment("kube-system", func(d *appsv1.Deployment) { d.Spec.Template.Spec.PriorityClassName = "" })},
			pass: []*inventory.Object{checktest.Deployment("kube-system", nil), checktest.Deployment("apps", func(d *appsv1.Deployment) { d.Spec.Template.Spec.PriorityClassName = "" })}},
		{id: "KW-SEC-001", fail: []*inventory.Object{
			checktest.Container(func(c *corev1.Container) {
				c.Env = append(c.Env, corev1.EnvVar{Name: "DB_PASSWORD", Value: "Tr0ub4dor&3"})
			}),
			checktest.Container(func(c *corev1.Container) { c.Args = []string{"--api-key=AKIAIOSFODNN7EXAMPLE"} }),
		}, pass: []*inventory.Object{checktest.Container(func(c *corev1.Container) {
			c.Env = append(c.Env, corev1.EnvVar{Name: "DB_PASSWORD_FILE", Value: "/run/secrets/db"}, corev1.EnvVar{Name: "TOKEN_TTL", Value: "3600"},
				corev1.EnvVar{Name: "DB_PASSWORD", ValueFrom: &corev1.EnvVarSource{SecretKeyRef: &corev1.SecretKeySelector{Key: "p"}}})
		})}},
		{id: "KW-SEC-002", fail: []*inventory.Object{checktest.Object("", "ConfigMap", &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "c", Namespace: "apps"},
			Data: map[string]string{"app.yaml": "db:\n  host: db\n  password: s3cr3t-value\n"}})},
			pass: []*inventory.Object{checktest.Object("", "ConfigMap", &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "c", Namespace: "apps"},
				Data: map[string]string{"app.yaml": "db:\n  host: db\n  passwordFile: /run/secrets/db\n", "SECRET_NAME": "db-credentials"}})}},
		{id: "KW-SEC-003", fail: []*inventory.Object{checktest.Object("", "Secret", &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: "s", Namespace: "apps"}, Data: map[string][]byte{"password": []byte("x")}})},
			pass: []*inventory.Object{checktest.Object("", "Secret", &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: "s", Namespace: "apps"}, Type: corev1.SecretTypeServiceAccountToken})}},
		{id: "KW-NS-001", set: true, fail: nsWithout("ResourceQuota"), pass: checktest.HardenedNamespace("apps")},
		{id: "KW-NS-002", set: true, fail: nsWithout("LimitRange"), pass: checktest.HardenedNamespace("apps")},
		{id: "KW-NS-003", set: true, fail: withNamespace("apps", netpol("open", networkingv1.NetworkPolicySpec{Ingress: []networkingv1.NetworkPolicyIngressRule{{}}})),
			pass: withNamespace("apps", netpol("web", networkingv1.NetworkPolicySpec{PodSelector: metav1.LabelSelector{MatchLabels: map[string]string{"app": "web"}}, Ingress: []networkingv1.NetworkPolicyIngressRule{{}}}))},
		{id: "KW-NS-004", set: true, fail: withNamespace("apps", netpol("open", networkingv1.NetworkPolicySpec{PolicyTypes: []networkingv1.PolicyType{"Egress"},
			Egress: []networkingv1.NetworkPolicyEgressRule{{To: []networkingv1.NetworkPolicyPeer{{IPBlock: &networkingv1.IPBlock{CIDR: "0.0.0.0/0"}}}}}})),
			pass: withNamespace("apps", netpol("dns", networkingv1.NetworkPolicySpec{PolicyTypes: []networkingv1.PolicyType{"Egress"},
				Egress: []networkingv1.NetworkPolicyEgressRule{{Ports: []networkingv1.NetworkPolicyPort{{Port: checktest.Ptr(intstr.FromInt32(53))}}}}}))},
		{id: "KW-NS-005", fail: []*inventory.Object{netpol("any-ns", networkingv1.NetworkPolicySpec{Ingress: []networkingv1.NetworkPolicyIngressRule{{From: []networkingv1.NetworkPolicyPeer{{NamespaceSelector: &metav1.LabelSelector{}}}}}})},
			pass: []*inventory.Object{netpol("one-ns", networkingv1.NetworkPolicySpec{Ingress: []networkingv1.NetworkPolicyIngressRule{{From: []networkingv1.NetworkPolicyPeer{{NamespaceSelector: &metav1.LabelSelector{MatchLabels: map[string]string{"team": "a"}}}}}}})}},
		{id: "KW-NS-006", fail: []*inventory.Object{checktest.Object("", "Namespace", &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "apps"}}),
			checktest.Object("", "Namespace", &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "apps2", Labels: map[string]string{"pod-security.kubernetes.io/enforce": "privileged"}}})},
			pass: []*inventory.Object{checktest.Object("", "Namespace", &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "apps", Labels: map[string]string{"pod-security.kubernetes.io/enforce": "baseline"}}})}},
		{id: "KW-RBAC-001", fail: []*inventory.Object{role(rule("", "*", "get"))}, pass: []*inventory.Object{role(rule("", "configmaps", "get"))}},
		{id: "KW-RBAC-002", fail: []*inventory.Object{role(rule("", "secrets", "list"))}, pass: []*inventory.Object{role(rule("", "secrets", "create"))}},
		{id: "KW-RBAC-003", fail: []*inventory.Object{role(rule("", "pods/exec", "create")), role(rule("", "*/attach", "get"))}, pass: []*inventory.Object{role(rule("", "pods/log", "get"))}},
		{id: "KW-RBAC-004", fail: []*inventory.Object{role(rule("rbac.authorization.k8s.io", "clusterroles", "escalate")), role(rule("", "users", "impersonate"))}, pass: []*inventory.Object{role(rule("rbac.authorization.k8s.io", "clusterroles", "get"))}},
		{id: "KW-RBAC-005", fail: []*inventory.Object{role(rule("apps", "deployments", "create"))}, pass: []*inventory.Object{role(rule("apps", "deployments", "get", "list", "patch"))}},
		{id: "KW-RBAC-006", fail: []*inventory.Object{role(rule("", "nodes/proxy", "get"))}, pass: []*inventory.Object{role(rule("", "nodes", "get"))}},
		{id: "KW-RBAC-007", fail: []*inventory.Object{role(rule("", "serviceaccounts/token", "create"))}, pass: []*inventory.Object{role(rule("", "serviceaccounts", "get"))}},
		{id: "KW-RBAC-008", fail: []*inventory.Object{role(rule("certificates.k8s.io", "certificatesigningrequests/approval", "update"))}, pass: []*inventory.Object{role(rule("certificates.k8s.io", "certificatesigningrequests", "create"))}},
		{id: "KW-RBAC-009", fail: []*inventory.Object{role(rule("admissionregistration.k8s.io", "mutatingwebhookconfigurations", "patch"))}, pass: []*inventory.Object{role(rule("admissionregistration.k8s.io", "mutatingwebhookconfigurations", "get"))}},
		{id: "KW-RBAC-010", fail: []*inventory.Object{binding("cluster-admin", appSA)}, pass: []*inventory.Object{binding("view", appSA)}},
		{id: "KW-RBAC-011", fail: []*inventory.Object{binding("view", rbacv1.Subject{Kind: "User", Name: "system:anonymous"}), binding("view", rbacv1.Subject{Kind: "Group", Name: "system:unauthenticated"})},
			pass: []*inventory.Object{binding("view", rbacv1.Subject{Kind: "Group", Name: "auditors"})}},
		{id: "KW-WH-001", fail: []*inventory.Object{webhook(func(w *admissionv1.ValidatingWebhook) { w.FailurePolicy = checktest.Ptr(admissionv1.Ignore) })}, pass: []*inventory.Object{webhook(nil)}},
		{id: "KW-WH-002", fail: []*inventory.Object{webhook(func(w *admissionv1.ValidatingWebhook) { w.TimeoutSeconds = checktest.Ptr(int32(30)) })}, pass: []*inventory.Object{webhook(nil)}},
		{id: "KW-WH-004", fail: []*inventory.Object{webhook(func(w *admissionv1.ValidatingWebhook) {
			w.NamespaceSelector = &metav1.LabelSelector{MatchExpressions: []metav1.LabelSelectorRequirement{{Key: "kubernetes.io/metadata.name", Operator: "NotIn", Values: []string{"kube-system"}}}}
		})}, pass: []*inventory.Object{webhook(nil)}},
		{id: "KW-WH-005", fail: []*inventory.Object{webhook(func(w *admissionv1.ValidatingWebhook) {
			w.NamespaceSelector = &metav1.LabelSelector{MatchExpressions: []metav1.LabelSelectorRequirement{{Key: "policy.bank/skip", Operator: "DoesNotExist"}}}
		})}, pass: []*inventory.Object{webhook(func(w *admissionv1.ValidatingWebhook) {
			w.NamespaceSelector = &metav1.LabelSelector{MatchExpressions: []metav1.LabelSelectorRequirement{{Key: "kubernetes.io/metadata.name", Operator: "NotIn", Values: []string{"kubeward"}}}}
		})}},
		{id: "KW-RBAC-012", fail: []*inventory.Object{binding("view", rbacv1.Subject{Kind: "ServiceAccount", Name: "default", Namespace: "apps"})}, pass: []*inventory.Object{binding("view", appSA)}},
	}
}

// pssCases: every Pod Security control, failing and passing, with the
// upstream library as the judge.
func pssCases() []checkCase {
	ok := checktest.Pod(func(*corev1.PodSpec) {})
	return []checkCase{
		{id: "KW-PSS-B01", fail: []*inventory.Object{checktest.Pod(func(s *corev1.PodSpec) { s.HostIPC = true })}, pass: []*inventory.Object{ok}},
		{id: "KW-PSS-B02", fail: []*inventory.Object{checktest.Container(func(c *corev1.Container) { c.SecurityContext.Privileged = checktest.Ptr(true) })}, pass: []*inventory.Object{ok}},
		{id: "KW-PSS-B03", fail: []*inventory.Object{checktest.Container(func(c *corev1.Container) { c.SecurityContext.Capabilities.Add = []corev1.Capability{"NET_ADMIN"} })}, pass: []*inventory.Object{ok}},
		{id: "KW-PSS-B04", fail: []*inventory.Object{checktest.Pod(func(s *corev1.PodSpec) {
			s.Volumes = []corev1.Volume{{Name: "h", VolumeSource: corev1.VolumeSource{HostPath: &corev1.HostPathVolumeSource{Path: "/data"}}}}
		})}, pass: []*inventory.Object{ok}},
		{id: "KW-PSS-B05", fail: []*inventory.Object{checktest.Container(func(c *corev1.Container) { c.Ports = []corev1.ContainerPort{{ContainerPort: 1, HostPort: 1}} })}, pass: []*inventory.Object{ok}},
		{id: "KW-PSS-B06", fail: []*inventory.Object{checktest.Container(func(c *corev1.Container) {
			c.SecurityContext.AppArmorProfile = &corev1.AppArmorProfile{Type: corev1.AppArmorProfileTypeUnconfined}
		})}, pass: []*inventory.Object{ok}},
		{id: "KW-PSS-B07", fail: []*inventory.Object{checktest.Container(func(c *corev1.Container) { c.SecurityContext.SELinuxOptions = &corev1.SELinuxOptions{User: "root"} })}, pass: []*inventory.Object{ok}},
		{id: "KW-PSS-B08", fail: []*inventory.Object{checktest.Container(func(c *corev1.Container) { c.SecurityContext.ProcMount = checktest.Ptr(corev1.UnmaskedProcMount) })}, pass: []*inventory.Object{ok}},
		{id: "KW-PSS-B09", fail: []*inventory.Object{checktest.Pod(func(s *corev1.PodSpec) { s.SecurityContext.SeccompProfile.Type = corev1.SeccompProfileTypeUnconfined })}, pass: []*inventory.Object{ok}},
		{id: "KW-PSS-B10", fail: []*inventory.Object{checktest.Pod(func(s *corev1.PodSpec) {
			s.SecurityContext.Sysctls = []corev1.Sysctl{{Name: "kernel.shm_rmid_forced", Value: "0"}, {Name: "net.core.somaxconn", Value: "1"}}
		})}, pass: []*inventory.Object{ok}},
		{id: "KW-PSS-B11", fail: []*inventory.Object{checktest.Pod(func(s *corev1.PodSpec) {
			s.SecurityContext.WindowsOptions = &corev1.WindowsSecurityContextOptions{HostProcess: checktest.Ptr(true)}
		})}, pass: []*inventory.Object{ok}},
		{id: "KW-PSS-B12", fail: []*inventory.Object{checktest.Container(func(c *corev1.Container) {
			c.LivenessProbe = &corev1.Probe{ProbeHandler: corev1.ProbeHandler{HTTPGet: &corev1.HTTPGetAction{Host: "10.0.0.1"}}}
		})}, pass: []*inventory.Object{ok}},
		{id: "KW-PSS-R01", fail: []*inventory.Object{checktest.Pod(func(s *corev1.PodSpec) {
			s.Volumes = []corev1.Volume{{Name: "n", VolumeSource: corev1.VolumeSource{NFS: &corev1.NFSVolumeSource{Server: "nfs", Path: "/"}}}}
		})}, pass: []*inventory.Object{ok}},
		{id: "KW-PSS-R02", fail: []*inventory.Object{checktest.Container(func(c *corev1.Container) { c.SecurityContext.AllowPrivilegeEscalation = checktest.Ptr(true) })}, pass: []*inventory.Object{ok}},
		{id: "KW-PSS-R03", fail: []*inventory.Object{checktest.Pod(func(s *corev1.PodSpec) { s.SecurityContext.RunAsNonRoot = nil })}, pass: []*inventory.Object{ok}},
		{id: "KW-PSS-R04", fail: []*inventory.Object{checktest.Container(func(c *corev1.Container) { c.SecurityContext.RunAsUser = checktest.Ptr(int64(0)) })}, pass: []*inventory.Object{ok}},
		{id: "KW-PSS-R05", fail: []*inventory.Object{checktest.Pod(func(s *corev1.PodSpec) { s.SecurityContext.SeccompProfile = nil })}, pass: []*inventory.Object{ok}},
		{id: "KW-PSS-R06", fail: []*inventory.Object{checktest.Container(func(c *corev1.Container) { c.SecurityContext.Capabilities.Drop = nil })}, pass: []*inventory.Object{ok}},
		{id: "KW-PSS-R07", fail: []*inventory.Object{checktest.Container(func(c *corev1.Container) { c.SecurityContext.ProcMount = checktest.Ptr(corev1.UnmaskedProcMount) })}, pass: []*inventory.Object{ok}},
	}
}

func evaluate(objs []*inventory.Object) *check.Report {
	return checktest.Evaluate(check.Options{Config: checktest.TrustedConfig()}, objs...)
}

func statuses(rep *check.Report, id string) map[result.Status]int {
	m := map[result.Status]int{}
	for _, r := range rep.Results {
		if r.ID == id {
			m[r.Status]++
		}
	}
	return m
}

// TestEveryCheckFailsAndPasses runs each check on a case built to fail it and
// one built to pass it, and asserts every manifest check has both.
func TestEveryCheckFailsAndPasses(t *testing.T) {
	all := append(append(cases(), pssCases()...), issue18Cases()...)
	covered := map[string]bool{}
	for _, tc := range all {
		covered[tc.id] = true
		t.Run(tc.id, func(t *testing.T) {
			if tc.set {
				if rep := evaluate(tc.fail); statuses(rep, tc.id)[result.Fail] == 0 {
					t.Errorf("fail set: %s not flagged; results: %v", tc.id, ids(rep))
				}
			} else {
				for i, o := range tc.fail {
					rep := evaluate(append(checktest.HardenedNamespace("apps"), o))
					if s := statuses(rep, tc.id); s[result.Fail]+s[result.Warn] == 0 {
						t.Errorf("fail case %d: %s not flagged; results: %v", i, tc.id, ids(rep))
					}
				}
			}
			rep := evaluate(append(checktest.HardenedNamespace("apps"), tc.pass...))
			if s := statuses(rep, tc.id); s[result.Fail]+s[result.Warn] > 0 {
				t.Errorf("pass case: %s flagged: %v", tc.id, rep.Results)
			}
			if rep.Passed[tc.id] == 0 && statuses(rep, tc.id)[result.Pass] == 0 {
				t.Errorf("pass case: %s never evaluated to PASS", tc.id)
			}
		})
	}
	for _, e := range catalog.All() {
		if contains(e.Scope, "manifest") && !covered[e.ID] {
			t.Errorf("check %s has no failing and passing test case", e.ID)
		}
	}
}

func contains(list []string, v string) bool {
	for _, s := range list {
		if s == v {
			return true
		}
	}
	return false
}

func ids(rep *check.Report) string {
	var b strings.Builder
	for _, r := range rep.Results {
		if r.Status != result.Pass {
			fmt.Fprintf(&b, "%s:%s ", r.ID, r.Status)
		}
	}
	return b.String()
}

// TestHardenedReferenceHasNoFailures: the hardened objects of every kind
// together produce zero FAIL and zero WARN.
func TestHardenedReferenceHasNoFailures(t *testing.T) {
	objs := checktest.HardenedNamespace("apps")
	objs = append(objs, checktest.Deployment("apps", nil),
		checktest.Object("batch", "CronJob", &batchv1.CronJob{ObjectMeta: metav1.ObjectMeta{Name: "c", Namespace: "apps"},
			Spec: batchv1.CronJobSpec{JobTemplate: batchv1.JobTemplateSpec{Spec: batchv1.JobSpec{Template: corev1.PodTemplateSpec{Spec: checktest.HardenedPodSpec()}}}}}))
	rep := evaluate(objs)
	for _, r := range rep.Results {
		if r.Status == result.Fail || r.Status == result.Warn {
			t.Errorf("%s %s on %s: %s", r.Status, r.ID, r.Subject, r.Message.EN)
		}
	}
}
