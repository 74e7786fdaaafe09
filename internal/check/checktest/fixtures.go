package checktest

import (
	admissionv1 "k8s.io/api/admissionregistration/v1"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"

	"github.com/kubeward/kubeward/internal/inventory"
)

func withNamespace(ns string, objs ...*inventory.Object) []*inventory.Object {
	return append(HardenedNamespace(ns), objs...)
}

func webhook(mutate func(*admissionv1.ValidatingWebhook)) *inventory.Object {
	w := admissionv1.ValidatingWebhook{Name: "policy.bank.internal", FailurePolicy: Ptr(admissionv1.Fail), TimeoutSeconds: Ptr(int32(5)), SideEffects: Ptr(admissionv1.SideEffectClassNone)}
	if mutate != nil {
		mutate(&w)
	}
	return Object("admissionregistration.k8s.io", "ValidatingWebhookConfiguration", &admissionv1.ValidatingWebhookConfiguration{ObjectMeta: metav1.ObjectMeta{Name: "policy"}, Webhooks: []admissionv1.ValidatingWebhook{w}})
}

func role(rules ...rbacv1.PolicyRule) *inventory.Object {
	return Object("rbac.authorization.k8s.io", "ClusterRole", &rbacv1.ClusterRole{ObjectMeta: metav1.ObjectMeta{Name: "r"}, Rules: rules})
}

func binding(roleName string, subjects ...rbacv1.Subject) *inventory.Object {
	return Object("rbac.authorization.k8s.io", "ClusterRoleBinding", &rbacv1.ClusterRoleBinding{ObjectMeta: metav1.ObjectMeta{Name: "b"},
		RoleRef: rbacv1.RoleRef{Kind: "ClusterRole", Name: roleName}, Subjects: subjects})
}

func rule(group, res string, verbs ...string) rbacv1.PolicyRule {
	return rbacv1.PolicyRule{APIGroups: []string{group}, Resources: []string{res}, Verbs: verbs}
}

var appSA = rbacv1.Subject{Kind: "ServiceAccount", Name: "app", Namespace: "apps"}

// Fixture is a check's failing and passing objects.
type Fixture struct {
	ID         string
	Fail, Pass []*inventory.Object
	// Set: the Fail objects are one scan (namespace-wide checks); otherwise
	// each Fail object is scanned alone beside a hardened namespace.
	Set bool
}

// Fixtures are a failing and a passing case of every manifest check: the
// shared objects the check tests (internal/check/all) and the CEL agreement
// test (internal/export/vap) run through the engine and the exported CEL.
func Fixtures() []Fixture {
	return append(append(append(append(objectCases(), pssCases()...), issue18Cases()...), issue17Cases()...), issue13Cases()...)
}

func objectCases() []Fixture {
	netpol := func(name string, spec networkingv1.NetworkPolicySpec) *inventory.Object {
		return Object("networking.k8s.io", "NetworkPolicy", &networkingv1.NetworkPolicy{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "apps"}, Spec: spec})
	}
	hostPath := func(p string) *inventory.Object {
		return Pod(func(s *corev1.PodSpec) {
			s.Volumes = []corev1.Volume{{Name: "h", VolumeSource: corev1.VolumeSource{HostPath: &corev1.HostPathVolumeSource{Path: p}}}}
		})
	}
	nsWithout := func(kind string) []*inventory.Object {
		var out []*inventory.Object
		for _, o := range HardenedNamespace("apps") {
			if o.Kind != kind {
				out = append(out, o)
			}
		}
		return out
	}
	return []Fixture{
		{ID: "KW-IMG-001", Fail: []*inventory.Object{Container(func(c *corev1.Container) {
			c.Image = "docker.io/evil/app:1@sha256:0f3c6e7b2a1d4c5e8f9a0b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e6f7a8b9c0d1e"
		})}, Pass: []*inventory.Object{Pod(func(*corev1.PodSpec) {})}},
		{ID: "KW-IMG-002", Fail: []*inventory.Object{Container(func(c *corev1.Container) { c.Image = "registry.bank.internal/team/app:1.0.0" })}, Pass: []*inventory.Object{Pod(func(*corev1.PodSpec) {})}},
		{ID: "KW-IMG-003", Fail: []*inventory.Object{Container(func(c *corev1.Container) { c.Image = "registry.bank.internal/team/app" })}, Pass: []*inventory.Object{Container(func(c *corev1.Container) { c.Image = "registry.bank.internal/team/app:1.2" })}},
		{ID: "KW-POD-001", Fail: []*inventory.Object{Pod(func(s *corev1.PodSpec) {
			s.SecurityContext.RunAsNonRoot = nil
			s.SecurityContext.RunAsUser = Ptr(int64(0))
		})},
			Pass: []*inventory.Object{Pod(func(s *corev1.PodSpec) { s.SecurityContext.RunAsUser = nil })}},
		{ID: "KW-POD-002", Fail: []*inventory.Object{Container(func(c *corev1.Container) { c.SecurityContext.Privileged = Ptr(true) })}, Pass: []*inventory.Object{Container(func(c *corev1.Container) { c.SecurityContext.Privileged = Ptr(false) })}},
		{ID: "KW-POD-003", Fail: []*inventory.Object{Container(func(c *corev1.Container) { c.SecurityContext.AllowPrivilegeEscalation = nil })}, Pass: []*inventory.Object{Pod(func(*corev1.PodSpec) {})}},
		{ID: "KW-POD-004", Fail: []*inventory.Object{Container(func(c *corev1.Container) { c.SecurityContext.Capabilities = nil })}, Pass: []*inventory.Object{Pod(func(*corev1.PodSpec) {})}},
		{ID: "KW-POD-005", Fail: []*inventory.Object{Container(func(c *corev1.Container) { c.SecurityContext.Capabilities.Add = []corev1.Capability{"SYS_ADMIN"} })},
			Pass: []*inventory.Object{Container(func(c *corev1.Container) {
				c.SecurityContext.Capabilities.Add = []corev1.Capability{"CAP_NET_BIND_SERVICE"}
			})}},
		{ID: "KW-POD-006", Fail: []*inventory.Object{Pod(func(s *corev1.PodSpec) { s.SecurityContext.SeccompProfile = nil })},
			Pass: []*inventory.Object{Pod(func(s *corev1.PodSpec) {
				s.SecurityContext.SeccompProfile = nil
				s.Containers[0].SecurityContext.SeccompProfile = &corev1.SeccompProfile{Type: corev1.SeccompProfileTypeLocalhost, LocalhostProfile: Ptr("p.json")}
			})}},
		{ID: "KW-POD-007", Fail: []*inventory.Object{Deployment("apps", func(d *appsv1.Deployment) {
			d.Spec.Template.Annotations = map[string]string{"container.apparmor.security.beta.kubernetes.io/app": "unconfined"}
		}), Container(func(c *corev1.Container) {
			c.SecurityContext.AppArmorProfile = &corev1.AppArmorProfile{Type: corev1.AppArmorProfileTypeUnconfined}
		})}, Pass: []*inventory.Object{Container(func(c *corev1.Container) {
			c.SecurityContext.AppArmorProfile = &corev1.AppArmorProfile{Type: corev1.AppArmorProfileTypeRuntimeDefault}
		})}},
		{ID: "KW-POD-008", Fail: []*inventory.Object{Container(func(c *corev1.Container) { c.SecurityContext.SELinuxOptions = &corev1.SELinuxOptions{Type: "spc_t"} })},
			Pass: []*inventory.Object{Container(func(c *corev1.Container) {
				c.SecurityContext.SELinuxOptions = &corev1.SELinuxOptions{Type: "container_t", Level: "s0:c1,c2"}
			})}},
		{ID: "KW-POD-009", Fail: []*inventory.Object{Container(func(c *corev1.Container) { c.SecurityContext.ReadOnlyRootFilesystem = Ptr(false) })}, Pass: []*inventory.Object{Pod(func(*corev1.PodSpec) {})}},
		{ID: "KW-HOST-001", Fail: []*inventory.Object{hostPath("/run/containerd/containerd.sock"), hostPath("/var/run"), hostPath("/var/run/crio/crio.sock")}, Pass: []*inventory.Object{hostPath("/var/log/app")}},
		{ID: "KW-HOST-002", Fail: []*inventory.Object{hostPath("/etc/kubernetes/pki"), hostPath("/proc")}, Pass: []*inventory.Object{hostPath("/var/log/app")}},
		{ID: "KW-HOST-003", Fail: []*inventory.Object{Pod(func(s *corev1.PodSpec) { s.HostNetwork = true })}, Pass: []*inventory.Object{Pod(func(*corev1.PodSpec) {})}},
		{ID: "KW-HOST-004", Fail: []*inventory.Object{Pod(func(s *corev1.PodSpec) { s.HostPID = true })}, Pass: []*inventory.Object{Pod(func(*corev1.PodSpec) {})}},
		{ID: "KW-HOST-005", Fail: []*inventory.Object{Pod(func(s *corev1.PodSpec) { s.HostIPC = true })}, Pass: []*inventory.Object{Pod(func(*corev1.PodSpec) {})}},
		{ID: "KW-HOST-006", Fail: []*inventory.Object{Container(func(c *corev1.Container) { c.Ports = []corev1.ContainerPort{{ContainerPort: 80, HostPort: 80}} })},
			Pass: []*inventory.Object{Container(func(c *corev1.Container) { c.Ports = []corev1.ContainerPort{{ContainerPort: 80}} })}},
		{ID: "KW-SA-001", Fail: []*inventory.Object{Pod(func(s *corev1.PodSpec) { s.ServiceAccountName = "" })}, Pass: []*inventory.Object{Pod(func(*corev1.PodSpec) {})}},
		{ID: "KW-SA-002", Fail: []*inventory.Object{Pod(func(s *corev1.PodSpec) { s.AutomountServiceAccountToken = nil })},
			Pass: []*inventory.Object{
				Pod(func(s *corev1.PodSpec) { s.AutomountServiceAccountToken = nil }),
				Object("", "ServiceAccount", &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Name: "app", Namespace: "apps"}, AutomountServiceAccountToken: Ptr(false)}),
			}},
		{ID: "KW-RES-001", Fail: []*inventory.Object{Container(func(c *corev1.Container) { delete(c.Resources.Requests, corev1.ResourceMemory) })}, Pass: []*inventory.Object{Pod(func(*corev1.PodSpec) {})}},
		{ID: "KW-RES-002", Fail: []*inventory.Object{Container(func(c *corev1.Container) { c.Resources.Limits = nil })}, Pass: []*inventory.Object{Pod(func(*corev1.PodSpec) {})}},
		{ID: "KW-HA-001", Fail: []*inventory.Object{Pod(func(s *corev1.PodSpec) { s.TopologySpreadConstraints = nil })},
			Pass: []*inventory.Object{Pod(func(s *corev1.PodSpec) {
				s.TopologySpreadConstraints = nil
				s.Affinity = &corev1.Affinity{PodAntiAffinity: &corev1.PodAntiAffinity{PreferredDuringSchedulingIgnoredDuringExecution: []corev1.WeightedPodAffinityTerm{{Weight: 1, PodAffinityTerm: corev1.PodAffinityTerm{TopologyKey: "kubernetes.io/hostname"}}}}}
			})}},
		{ID: "KW-HA-002", Fail: []*inventory.Object{Deployment("kube-system", func(d *appsv1.Deployment) { d.Spec.Template.Spec.PriorityClassName = "" })},
			Pass: []*inventory.Object{Deployment("kube-system", nil), Deployment("apps", func(d *appsv1.Deployment) { d.Spec.Template.Spec.PriorityClassName = "" })}},
		{ID: "KW-SEC-001", Fail: []*inventory.Object{
			Container(func(c *corev1.Container) {
				c.Env = append(c.Env, corev1.EnvVar{Name: "DB_PASSWORD", Value: "Tr0ub4dor&3"})
			}),
			Container(func(c *corev1.Container) { c.Args = []string{"--api-key=AKIAIOSFODNN7EXAMPLE"} }),
		}, Pass: []*inventory.Object{Container(func(c *corev1.Container) {
			c.Env = append(c.Env, corev1.EnvVar{Name: "DB_PASSWORD_FILE", Value: "/run/secrets/db"}, corev1.EnvVar{Name: "TOKEN_TTL", Value: "3600"},
				corev1.EnvVar{Name: "DB_PASSWORD", ValueFrom: &corev1.EnvVarSource{SecretKeyRef: &corev1.SecretKeySelector{Key: "p"}}})
		})}},
		{ID: "KW-SEC-002", Fail: []*inventory.Object{Object("", "ConfigMap", &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "c", Namespace: "apps"},
			Data: map[string]string{"app.yaml": "db:\n  host: db\n  password: s3cr3t-value\n"}})},
			Pass: []*inventory.Object{Object("", "ConfigMap", &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "c", Namespace: "apps"},
				Data: map[string]string{"app.yaml": "db:\n  host: db\n  passwordFile: /run/secrets/db\n", "SECRET_NAME": "db-credentials"}})}},
		{ID: "KW-SEC-003", Fail: []*inventory.Object{Object("", "Secret", &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: "s", Namespace: "apps"}, Data: map[string][]byte{"password": []byte("x")}})},
			Pass: []*inventory.Object{Object("", "Secret", &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: "s", Namespace: "apps"}, Type: corev1.SecretTypeServiceAccountToken})}},
		{ID: "KW-NS-001", Set: true, Fail: nsWithout("ResourceQuota"), Pass: HardenedNamespace("apps")},
		{ID: "KW-NS-002", Set: true, Fail: nsWithout("LimitRange"), Pass: HardenedNamespace("apps")},
		{ID: "KW-NS-003", Set: true, Fail: withNamespace("apps", netpol("open", networkingv1.NetworkPolicySpec{Ingress: []networkingv1.NetworkPolicyIngressRule{{}}})),
			Pass: withNamespace("apps", netpol("web", networkingv1.NetworkPolicySpec{PodSelector: metav1.LabelSelector{MatchLabels: map[string]string{"app": "web"}}, Ingress: []networkingv1.NetworkPolicyIngressRule{{}}}))},
		{ID: "KW-NS-004", Set: true, Fail: withNamespace("apps", netpol("open", networkingv1.NetworkPolicySpec{PolicyTypes: []networkingv1.PolicyType{"Egress"},
			Egress: []networkingv1.NetworkPolicyEgressRule{{To: []networkingv1.NetworkPolicyPeer{{IPBlock: &networkingv1.IPBlock{CIDR: "0.0.0.0/0"}}}}}})),
			Pass: withNamespace("apps", netpol("dns", networkingv1.NetworkPolicySpec{PolicyTypes: []networkingv1.PolicyType{"Egress"},
				Egress: []networkingv1.NetworkPolicyEgressRule{{Ports: []networkingv1.NetworkPolicyPort{{Port: Ptr(intstr.FromInt32(53))}}}}}))},
		{ID: "KW-NS-005", Fail: []*inventory.Object{netpol("any-ns", networkingv1.NetworkPolicySpec{Ingress: []networkingv1.NetworkPolicyIngressRule{{From: []networkingv1.NetworkPolicyPeer{{NamespaceSelector: &metav1.LabelSelector{}}}}}})},
			Pass: []*inventory.Object{netpol("one-ns", networkingv1.NetworkPolicySpec{Ingress: []networkingv1.NetworkPolicyIngressRule{{From: []networkingv1.NetworkPolicyPeer{{NamespaceSelector: &metav1.LabelSelector{MatchLabels: map[string]string{"team": "a"}}}}}}})}},
		{ID: "KW-NS-006", Fail: []*inventory.Object{Object("", "Namespace", &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "apps"}}),
			Object("", "Namespace", &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "apps2", Labels: map[string]string{"pod-security.kubernetes.io/enforce": "privileged"}}})},
			Pass: []*inventory.Object{Object("", "Namespace", &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "apps", Labels: map[string]string{"pod-security.kubernetes.io/enforce": "baseline"}}})}},
		{ID: "KW-RBAC-001", Fail: []*inventory.Object{role(rule("", "*", "get"))}, Pass: []*inventory.Object{role(rule("", "configmaps", "get"))}},
		{ID: "KW-RBAC-002", Fail: []*inventory.Object{role(rule("", "secrets", "list"))}, Pass: []*inventory.Object{role(rule("", "secrets", "create"))}},
		{ID: "KW-RBAC-003", Fail: []*inventory.Object{role(rule("", "pods/exec", "create")), role(rule("", "*/attach", "get"))}, Pass: []*inventory.Object{role(rule("", "pods/log", "get"))}},
		{ID: "KW-RBAC-004", Fail: []*inventory.Object{role(rule("rbac.authorization.k8s.io", "clusterroles", "escalate")), role(rule("", "users", "impersonate"))}, Pass: []*inventory.Object{role(rule("rbac.authorization.k8s.io", "clusterroles", "get"))}},
		{ID: "KW-RBAC-005", Fail: []*inventory.Object{role(rule("apps", "deployments", "create"))}, Pass: []*inventory.Object{role(rule("apps", "deployments", "get", "list", "patch"))}},
		{ID: "KW-RBAC-006", Fail: []*inventory.Object{role(rule("", "nodes/proxy", "get"))}, Pass: []*inventory.Object{role(rule("", "nodes", "get"))}},
		{ID: "KW-RBAC-007", Fail: []*inventory.Object{role(rule("", "serviceaccounts/token", "create"))}, Pass: []*inventory.Object{role(rule("", "serviceaccounts", "get"))}},
		{ID: "KW-RBAC-008", Fail: []*inventory.Object{role(rule("certificates.k8s.io", "certificatesigningrequests/approval", "update"))}, Pass: []*inventory.Object{role(rule("certificates.k8s.io", "certificatesigningrequests", "create"))}},
		{ID: "KW-RBAC-009", Fail: []*inventory.Object{role(rule("admissionregistration.k8s.io", "mutatingwebhookconfigurations", "patch"))}, Pass: []*inventory.Object{role(rule("admissionregistration.k8s.io", "mutatingwebhookconfigurations", "get"))}},
		{ID: "KW-RBAC-010", Fail: []*inventory.Object{binding("cluster-admin", appSA)}, Pass: []*inventory.Object{binding("view", appSA)}},
		{ID: "KW-RBAC-011", Fail: []*inventory.Object{binding("view", rbacv1.Subject{Kind: "User", Name: "system:anonymous"}), binding("view", rbacv1.Subject{Kind: "Group", Name: "system:unauthenticated"})},
			Pass: []*inventory.Object{binding("view", rbacv1.Subject{Kind: "Group", Name: "auditors"})}},
		{ID: "KW-WH-001", Fail: []*inventory.Object{webhook(func(w *admissionv1.ValidatingWebhook) { w.FailurePolicy = Ptr(admissionv1.Ignore) })}, Pass: []*inventory.Object{webhook(nil)}},
		{ID: "KW-WH-002", Fail: []*inventory.Object{webhook(func(w *admissionv1.ValidatingWebhook) { w.TimeoutSeconds = Ptr(int32(30)) })}, Pass: []*inventory.Object{webhook(nil)}},
		{ID: "KW-WH-004", Fail: []*inventory.Object{webhook(func(w *admissionv1.ValidatingWebhook) {
			w.NamespaceSelector = &metav1.LabelSelector{MatchExpressions: []metav1.LabelSelectorRequirement{{Key: "kubernetes.io/metadata.name", Operator: "NotIn", Values: []string{"kube-system"}}}}
		})}, Pass: []*inventory.Object{webhook(nil)}},
		{ID: "KW-WH-005", Fail: []*inventory.Object{webhook(func(w *admissionv1.ValidatingWebhook) {
			w.NamespaceSelector = &metav1.LabelSelector{MatchExpressions: []metav1.LabelSelectorRequirement{{Key: "policy.bank/skip", Operator: "DoesNotExist"}}}
		})}, Pass: []*inventory.Object{webhook(func(w *admissionv1.ValidatingWebhook) {
			w.NamespaceSelector = &metav1.LabelSelector{MatchExpressions: []metav1.LabelSelectorRequirement{{Key: "kubernetes.io/metadata.name", Operator: "NotIn", Values: []string{"kubeward"}}}}
		})}},
		{ID: "KW-RBAC-012", Fail: []*inventory.Object{binding("view", rbacv1.Subject{Kind: "ServiceAccount", Name: "default", Namespace: "apps"})}, Pass: []*inventory.Object{binding("view", appSA)}},
	}
}

// pssCases: every Pod Security control, failing and passing, with the
// upstream library as the judge.
func pssCases() []Fixture {
	ok := Pod(func(*corev1.PodSpec) {})
	return []Fixture{
		{ID: "KW-PSS-B01", Fail: []*inventory.Object{Pod(func(s *corev1.PodSpec) { s.HostIPC = true })}, Pass: []*inventory.Object{ok}},
		{ID: "KW-PSS-B02", Fail: []*inventory.Object{Container(func(c *corev1.Container) { c.SecurityContext.Privileged = Ptr(true) })}, Pass: []*inventory.Object{ok}},
		{ID: "KW-PSS-B03", Fail: []*inventory.Object{Container(func(c *corev1.Container) { c.SecurityContext.Capabilities.Add = []corev1.Capability{"NET_ADMIN"} })}, Pass: []*inventory.Object{ok}},
		{ID: "KW-PSS-B04", Fail: []*inventory.Object{Pod(func(s *corev1.PodSpec) {
			s.Volumes = []corev1.Volume{{Name: "h", VolumeSource: corev1.VolumeSource{HostPath: &corev1.HostPathVolumeSource{Path: "/data"}}}}
		})}, Pass: []*inventory.Object{ok}},
		{ID: "KW-PSS-B05", Fail: []*inventory.Object{Container(func(c *corev1.Container) { c.Ports = []corev1.ContainerPort{{ContainerPort: 1, HostPort: 1}} })}, Pass: []*inventory.Object{ok}},
		{ID: "KW-PSS-B06", Fail: []*inventory.Object{Container(func(c *corev1.Container) {
			c.SecurityContext.AppArmorProfile = &corev1.AppArmorProfile{Type: corev1.AppArmorProfileTypeUnconfined}
		})}, Pass: []*inventory.Object{ok}},
		{ID: "KW-PSS-B07", Fail: []*inventory.Object{Container(func(c *corev1.Container) { c.SecurityContext.SELinuxOptions = &corev1.SELinuxOptions{User: "root"} })}, Pass: []*inventory.Object{ok}},
		{ID: "KW-PSS-B08", Fail: []*inventory.Object{Container(func(c *corev1.Container) { c.SecurityContext.ProcMount = Ptr(corev1.UnmaskedProcMount) })}, Pass: []*inventory.Object{ok}},
		{ID: "KW-PSS-B09", Fail: []*inventory.Object{Pod(func(s *corev1.PodSpec) { s.SecurityContext.SeccompProfile.Type = corev1.SeccompProfileTypeUnconfined })}, Pass: []*inventory.Object{ok}},
		{ID: "KW-PSS-B10", Fail: []*inventory.Object{Pod(func(s *corev1.PodSpec) {
			s.SecurityContext.Sysctls = []corev1.Sysctl{{Name: "kernel.shm_rmid_forced", Value: "0"}, {Name: "net.core.somaxconn", Value: "1"}}
		})}, Pass: []*inventory.Object{ok}},
		{ID: "KW-PSS-B11", Fail: []*inventory.Object{Pod(func(s *corev1.PodSpec) {
			s.SecurityContext.WindowsOptions = &corev1.WindowsSecurityContextOptions{HostProcess: Ptr(true)}
		})}, Pass: []*inventory.Object{ok}},
		{ID: "KW-PSS-B12", Fail: []*inventory.Object{Container(func(c *corev1.Container) {
			c.LivenessProbe = &corev1.Probe{ProbeHandler: corev1.ProbeHandler{HTTPGet: &corev1.HTTPGetAction{Host: "10.0.0.1"}}}
		})}, Pass: []*inventory.Object{ok}},
		{ID: "KW-PSS-R01", Fail: []*inventory.Object{Pod(func(s *corev1.PodSpec) {
			s.Volumes = []corev1.Volume{{Name: "n", VolumeSource: corev1.VolumeSource{NFS: &corev1.NFSVolumeSource{Server: "nfs", Path: "/"}}}}
		})}, Pass: []*inventory.Object{ok}},
		{ID: "KW-PSS-R02", Fail: []*inventory.Object{Container(func(c *corev1.Container) { c.SecurityContext.AllowPrivilegeEscalation = Ptr(true) })}, Pass: []*inventory.Object{ok}},
		{ID: "KW-PSS-R03", Fail: []*inventory.Object{Pod(func(s *corev1.PodSpec) { s.SecurityContext.RunAsNonRoot = nil })}, Pass: []*inventory.Object{ok}},
		{ID: "KW-PSS-R04", Fail: []*inventory.Object{Container(func(c *corev1.Container) { c.SecurityContext.RunAsUser = Ptr(int64(0)) })}, Pass: []*inventory.Object{ok}},
		{ID: "KW-PSS-R05", Fail: []*inventory.Object{Pod(func(s *corev1.PodSpec) { s.SecurityContext.SeccompProfile = nil })}, Pass: []*inventory.Object{ok}},
		{ID: "KW-PSS-R06", Fail: []*inventory.Object{Container(func(c *corev1.Container) { c.SecurityContext.Capabilities.Drop = nil })}, Pass: []*inventory.Object{ok}},
		{ID: "KW-PSS-R07", Fail: []*inventory.Object{Container(func(c *corev1.Container) { c.SecurityContext.ProcMount = Ptr(corev1.UnmaskedProcMount) })}, Pass: []*inventory.Object{ok}},
	}
}

// issue18Cases: the checks of issue 18, one failing and one passing case each.
func issue18Cases() []Fixture {
	sa := func(name string, automount *bool) *inventory.Object {
		return Object("", "ServiceAccount", &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "apps"}, AutomountServiceAccountToken: automount})
	}
	secret := func(typ corev1.SecretType) *inventory.Object {
		return Object("", "Secret", &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: "s", Namespace: "apps"}, Type: typ})
	}
	aggregated := func(rules ...rbacv1.PolicyRule) *inventory.Object {
		return Object("rbac.authorization.k8s.io", "ClusterRole", &rbacv1.ClusterRole{ObjectMeta: metav1.ObjectMeta{Name: "r",
			Labels: map[string]string{"rbac.authorization.k8s.io/aggregate-to-edit": "true"}}, Rules: rules})
	}
	return []Fixture{
		{ID: "KW-POD-010", Fail: []*inventory.Object{Pod(func(s *corev1.PodSpec) { s.SecurityContext.FSGroup = Ptr(int64(0)) })},
			Pass: []*inventory.Object{Pod(func(s *corev1.PodSpec) { s.SecurityContext.FSGroup = Ptr(int64(10001)) })}},
		{ID: "KW-POD-011", Fail: []*inventory.Object{Pod(func(s *corev1.PodSpec) {
			s.SecurityContext.Sysctls = []corev1.Sysctl{{Name: "kernel.shm_rmid_forced", Value: "1+kernel.core_pattern=|/x"}}
		})}, Pass: []*inventory.Object{Pod(func(s *corev1.PodSpec) {
			s.SecurityContext.Sysctls = []corev1.Sysctl{{Name: "kernel.shm_rmid_forced", Value: "1"}}
		})}},
		{ID: "KW-HOST-007", Fail: []*inventory.Object{Pod(func(s *corev1.PodSpec) {
			s.Tolerations = []corev1.Toleration{{Key: "node-role.kubernetes.io/control-plane", Operator: corev1.TolerationOpExists, Effect: corev1.TaintEffectNoSchedule}}
		})}, Pass: []*inventory.Object{Deployment("apps", func(d *appsv1.Deployment) {
			d.Spec.Template.Spec.Tolerations = []corev1.Toleration{{Key: "dedicated", Operator: corev1.TolerationOpExists}}
		})}},
		{ID: "KW-SA-003", Set: true, Fail: withNamespace("apps", sa("app", nil)), Pass: []*inventory.Object{sa("app", Ptr(false))}},
		{ID: "KW-CL-012", Fail: []*inventory.Object{secret(corev1.SecretTypeServiceAccountToken)}, Pass: []*inventory.Object{secret(corev1.SecretTypeOpaque)}},
		{ID: "KW-RBAC-013", Fail: []*inventory.Object{aggregated(rule("", "endpoints", "create"))}, Pass: []*inventory.Object{aggregated(rule("", "endpoints", "get"))}},
	}
}
