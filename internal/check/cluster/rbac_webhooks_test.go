package cluster_test

import (
	"strings"
	"testing"

	admissionv1 "k8s.io/api/admissionregistration/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/kubeward/kubeward/internal/check/checktest"
	"github.com/kubeward/kubeward/internal/check/cluster"
	"github.com/kubeward/kubeward/internal/inventory"
	"github.com/kubeward/kubeward/internal/result"
)

func clusterRole(name string, rules ...rbacv1.PolicyRule) *inventory.Object {
	return live("rbac.authorization.k8s.io", "ClusterRole", "clusterroles", &rbacv1.ClusterRole{ObjectMeta: metav1.ObjectMeta{Name: name}, Rules: rules})
}

func clusterRoleBinding(name, role string, subjects ...rbacv1.Subject) *inventory.Object {
	return live("rbac.authorization.k8s.io", "ClusterRoleBinding", "clusterrolebindings", &rbacv1.ClusterRoleBinding{ObjectMeta: metav1.ObjectMeta{Name: name},
		RoleRef: rbacv1.RoleRef{APIGroup: "rbac.authorization.k8s.io", Kind: "ClusterRole", Name: role}, Subjects: subjects})
}

func roleBinding(ns, name, clusterRole string, subjects ...rbacv1.Subject) *inventory.Object {
	return live("rbac.authorization.k8s.io", "RoleBinding", "rolebindings", &rbacv1.RoleBinding{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns},
		RoleRef: rbacv1.RoleRef{APIGroup: "rbac.authorization.k8s.io", Kind: "ClusterRole", Name: clusterRole}, Subjects: subjects})
}

func allow(group, resource string, verbs ...string) rbacv1.PolicyRule {
	return rbacv1.PolicyRule{APIGroups: []string{group}, Resources: []string{resource}, Verbs: verbs}
}

func TestEffectiveRBAC(t *testing.T) {
	alice := rbacv1.Subject{Kind: "User", Name: "alice"}
	appSA := rbacv1.Subject{Kind: "ServiceAccount", Name: "app", Namespace: "apps"}
	tests := []struct {
		name    string
		objs    []*inventory.Object
		id      string
		want    string
		message string
	}{
		{"read secrets cluster-wide", []*inventory.Object{clusterRole("reader", allow("", "secrets", "list")), clusterRoleBinding("b", "reader", alice)},
			"KW-CL-001", "FAIL User/alice", "User alice can read-secrets cluster-wide"},
		{"read secrets in one namespace", []*inventory.Object{clusterRole("reader", allow("", "secrets", "get")), roleBinding("apps", "b", "reader", alice)},
			"KW-CL-001", "FAIL User/alice", "User alice can read-secrets namespace apps"},
		{"role not bound", []*inventory.Object{clusterRole("reader", allow("", "secrets", "get"))}, "KW-CL-001", "", ""},
		{"binding to a missing role", []*inventory.Object{clusterRoleBinding("b", "nothing", alice)}, "KW-CL-001", "", ""},
		{"exec", []*inventory.Object{clusterRole("r", allow("", "pods/exec", "create")), clusterRoleBinding("b", "r", alice)}, "KW-CL-002", "FAIL User/alice", ""},
		{"create pods in kube-system", []*inventory.Object{clusterRole("r", allow("", "pods", "create")), roleBinding("kube-system", "b", "r", alice)}, "KW-CL-003", "FAIL User/alice", ""},
		{"create pods elsewhere", []*inventory.Object{clusterRole("r", allow("", "pods", "create")), roleBinding("apps", "b", "r", alice)}, "KW-CL-003", "", ""},
		{"escalate", []*inventory.Object{clusterRole("r", allow("rbac.authorization.k8s.io", "clusterroles", "escalate")), clusterRoleBinding("b", "r", alice)}, "KW-CL-004", "FAIL User/alice", ""},
		{"approve CSRs", []*inventory.Object{clusterRole("r", allow("certificates.k8s.io", "certificatesigningrequests/approval", "update")), clusterRoleBinding("b", "r", alice)}, "KW-CL-005", "FAIL User/alice", ""},
		{"webhooks", []*inventory.Object{clusterRole("r", allow("admissionregistration.k8s.io", "mutatingwebhookconfigurations", "patch")), clusterRoleBinding("b", "r", alice)}, "KW-CL-006", "FAIL User/alice", ""},
		{"nodes/proxy", []*inventory.Object{clusterRole("r", allow("", "nodes/proxy", "get")), clusterRoleBinding("b", "r", alice)}, "KW-CL-007", "FAIL User/alice", ""},
		{"everything", []*inventory.Object{clusterRole("all", allow("*", "*", "*")), clusterRoleBinding("b", "all", alice)}, "KW-CL-008", "FAIL User/alice", ""},
		{"system:masters is an admin", []*inventory.Object{clusterRole("all", allow("*", "*", "*")), clusterRoleBinding("b", "all", rbacv1.Subject{Kind: "Group", Name: "system:masters"})}, "KW-CL-008", "", ""},
		{"read configmaps is harmless", []*inventory.Object{clusterRole("r", allow("", "configmaps", "get", "list")), clusterRoleBinding("b", "r", alice, appSA)}, "KW-CL-001", "", ""},
		{"a service account", []*inventory.Object{clusterRole("reader", allow("", "secrets", "list")), clusterRoleBinding("b", "reader", appSA)}, "KW-CL-001", "FAIL ServiceAccount/apps/app", ""},
		// resourceNames: reading named Secrets is KW-CL-001's remediation;
		// other abilities on named objects still fail, the names listed.
		{"read named secrets", []*inventory.Object{clusterRole("reader", named(allow("", "secrets", "get"), "db-credentials")), roleBinding("apps", "b", "reader", appSA)},
			"KW-CL-001", "", ""},
		{"read named secrets here, all secrets there", []*inventory.Object{clusterRole("named", named(allow("", "secrets", "get"), "db-credentials")), roleBinding("apps", "b", "named", alice),
			clusterRole("reader", allow("", "secrets", "get")), roleBinding("ops", "c", "reader", alice)},
			"KW-CL-001", "FAIL User/alice", "User alice can read-secrets namespace ops"},
		{"list secrets with the empty name lists them all", []*inventory.Object{clusterRole("reader", named(allow("", "secrets", "list"), "")), roleBinding("apps", "b", "reader", alice)},
			"KW-CL-001", "FAIL User/alice", "User alice can read-secrets namespace apps"},
		{"exec into a named pod", []*inventory.Object{clusterRole("r", named(allow("", "pods/exec", "create"), "db-0")), roleBinding("apps", "b", "r", alice)},
			"KW-CL-002", "FAIL User/alice", "User alice can exec-pods namespace apps (only db-0)"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rep := scan(tc.objs...)
			if got := verdicts(rep, tc.id); got != tc.want {
				t.Fatalf("%s = %q, want %q", tc.id, got, tc.want)
			}
			r := first(rep, tc.id, result.Fail)
			if r == nil {
				return
			}
			if tc.message != "" && r.Message.EN != tc.message {
				t.Errorf("message = %q, want %q", r.Message.EN, tc.message)
			}
			if !strings.HasPrefix(r.Evidence, "via ") || !strings.Contains(r.Evidence, " -> ") {
				t.Errorf("evidence = %q, want the binding -> role chain", r.Evidence)
			}
		})
	}
	// Nothing of this in manifest mode: the collector only runs on live clusters.
	rep := evaluate("manifest", nil, clusterRole("all", allow("*", "*", "*")), clusterRoleBinding("b", "all", alice))
	for _, r := range rep.Results {
		if strings.HasPrefix(r.ID, "KW-CL-") {
			t.Errorf("manifest mode: %s %s", r.ID, r.Status)
		}
	}
}

func named(r rbacv1.PolicyRule, names ...string) rbacv1.PolicyRule {
	r.ResourceNames = names
	return r
}

// TestNamedSecretsDoNotMakeAnAccountPowerful: an account reading only the
// Secrets named for it is what KW-CL-001 asks for, not a dangerous account
// for KW-CL-010; exec into a named pod still is.
func TestNamedSecretsDoNotMakeAnAccountPowerful(t *testing.T) {
	app := rbacv1.Subject{Kind: "ServiceAccount", Name: "app", Namespace: "apps"}
	tests := []struct {
		name string
		rule rbacv1.PolicyRule
		want string
	}{
		{"named secrets", named(allow("", "secrets", "get"), "db-credentials"), ""},
		{"all secrets", allow("", "secrets", "get"), "FAIL Deployment/apps/web"},
		{"exec into a named pod", named(allow("", "pods/exec", "create"), "db-0"), "FAIL Deployment/apps/web"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			objs := append([]*inventory.Object{clusterRole("r", tc.rule), roleBinding("apps", "b", "r", app)}, deploymentPods("apps", "web", podOpts{sa: "app"}, "n1")...)
			if got := verdicts(scan(objs...), cluster.MountedPowerfulSA); got != tc.want {
				t.Errorf("KW-CL-010 = %q, want %q", got, tc.want)
			}
		})
	}
}

func TestMountedPowerfulServiceAccount(t *testing.T) {
	reader := []*inventory.Object{clusterRole("reader", allow("", "secrets", "list")),
		clusterRoleBinding("b", "reader", rbacv1.Subject{Kind: "ServiceAccount", Name: "app", Namespace: "apps"})}
	tests := []struct {
		name string
		pods []*inventory.Object
		want string
	}{
		{"pod runs with the account", deploymentPods("apps", "web", podOpts{sa: "app"}, "n1", "n2"), "FAIL Deployment/apps/web"},
		{"pod disables the token", deploymentPods("apps", "web", podOpts{sa: "app", automount: checktest.Ptr(false)}, "n1"), ""},
		{"other account", deploymentPods("apps", "web", podOpts{sa: "web"}, "n1"), ""},
		{"same name in another namespace", deploymentPods("other", "web", podOpts{sa: "app"}, "n1"), ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rep := scan(append(append([]*inventory.Object{}, reader...), tc.pods...)...)
			if got := verdicts(rep, cluster.MountedPowerfulSA); got != tc.want {
				t.Fatalf("KW-CL-010 = %q, want %q", got, tc.want)
			}
			if r := first(rep, cluster.MountedPowerfulSA, result.Fail); r != nil {
				if r.Evidence != "serviceAccountName=app" || !strings.Contains(r.Message.EN, "mounts the token of ServiceAccount apps/app, which can read-secrets") {
					t.Errorf("evidence %q message %q", r.Evidence, r.Message.EN)
				}
			}
		})
	}
}

func validating(mutate func(*admissionv1.ValidatingWebhook)) *inventory.Object {
	w := admissionv1.ValidatingWebhook{Name: "policy.bank.internal", FailurePolicy: checktest.Ptr(admissionv1.Fail), TimeoutSeconds: checktest.Ptr(int32(5))}
	if mutate != nil {
		mutate(&w)
	}
	return live("admissionregistration.k8s.io", "ValidatingWebhookConfiguration", "validatingwebhookconfigurations",
		&admissionv1.ValidatingWebhookConfiguration{ObjectMeta: metav1.ObjectMeta{Name: "policy"}, Webhooks: []admissionv1.ValidatingWebhook{w}})
}

func mutating(mutate func(*admissionv1.MutatingWebhook)) *inventory.Object {
	w := admissionv1.MutatingWebhook{Name: "inject.bank.internal", FailurePolicy: checktest.Ptr(admissionv1.Fail), TimeoutSeconds: checktest.Ptr(int32(5))}
	if mutate != nil {
		mutate(&w)
	}
	return live("admissionregistration.k8s.io", "MutatingWebhookConfiguration", "mutatingwebhookconfigurations",
		&admissionv1.MutatingWebhookConfiguration{ObjectMeta: metav1.ObjectMeta{Name: "inject"}, Webhooks: []admissionv1.MutatingWebhook{w}})
}

func selector(exprs ...metav1.LabelSelectorRequirement) *metav1.LabelSelector {
	return &metav1.LabelSelector{MatchExpressions: exprs}
}

func TestWebhooks(t *testing.T) {
	notIn := func(key string, values ...string) metav1.LabelSelectorRequirement {
		return metav1.LabelSelectorRequirement{Key: key, Operator: metav1.LabelSelectorOpNotIn, Values: values}
	}
	tests := []struct {
		name     string
		obj      *inventory.Object
		id       string
		want     string // "WARN", "FAIL", "PASS"
		path     string
		evidence string
	}{
		{"fails closed", validating(nil), cluster.WebhookFailsOpen, "PASS", "", ""},
		{"fails open", validating(func(w *admissionv1.ValidatingWebhook) { w.FailurePolicy = checktest.Ptr(admissionv1.Ignore) }), cluster.WebhookFailsOpen, "WARN", "webhooks[0].failurePolicy", "failurePolicy=Ignore"},
		{"failure policy unset (API default Fail)", validating(func(w *admissionv1.ValidatingWebhook) { w.FailurePolicy = nil }), cluster.WebhookFailsOpen, "PASS", "", ""},
		{"mutating webhooks may fail open", mutating(func(w *admissionv1.MutatingWebhook) { w.FailurePolicy = checktest.Ptr(admissionv1.Ignore) }), cluster.WebhookFailsOpen, "PASS", "", ""},
		{"10s timeout", validating(func(w *admissionv1.ValidatingWebhook) { w.TimeoutSeconds = checktest.Ptr(int32(10)) }), cluster.WebhookSlow, "PASS", "", ""},
		{"11s timeout", validating(func(w *admissionv1.ValidatingWebhook) { w.TimeoutSeconds = checktest.Ptr(int32(11)) }), cluster.WebhookSlow, "FAIL", "webhooks[0].timeoutSeconds", "timeoutSeconds=11"},
		{"slow mutating webhook", mutating(func(w *admissionv1.MutatingWebhook) { w.TimeoutSeconds = checktest.Ptr(int32(30)) }), cluster.WebhookSlow, "FAIL", "", "timeoutSeconds=30"},
		{"timeout unset (API default 10s)", validating(func(w *admissionv1.ValidatingWebhook) { w.TimeoutSeconds = nil }), cluster.WebhookSlow, "PASS", "", ""},
		{"excludes kube-system by name", validating(func(w *admissionv1.ValidatingWebhook) {
			w.NamespaceSelector = selector(notIn("kubernetes.io/metadata.name", "kube-system", "kubeward"))
		}),
			cluster.WebhookSkipsSystem, "WARN", "webhooks[0].namespaceSelector.matchExpressions[0]", "kubernetes.io/metadata.name NotIn [kube-system kubeward]"},
		{"excludes only its own namespace", validating(func(w *admissionv1.ValidatingWebhook) {
			w.NamespaceSelector = selector(notIn("kubernetes.io/metadata.name", "kubeward"))
		}),
			cluster.WebhookSkipsSystem, "PASS", "", ""},
		{"a name selector is not a tenant opt-out", validating(func(w *admissionv1.ValidatingWebhook) {
			w.NamespaceSelector = selector(notIn("kubernetes.io/metadata.name", "kube-system"))
		}),
			cluster.WebhookTenantOptOut, "PASS", "", ""},
		{"opt-out label NotIn", validating(func(w *admissionv1.ValidatingWebhook) {
			w.NamespaceSelector = selector(notIn("policy.bank/enforce", "off"))
		}),
			cluster.WebhookTenantOptOut, "WARN", "webhooks[0].namespaceSelector.matchExpressions[0]", "policy.bank/enforce NotIn off"},
		{"opt-out label DoesNotExist", mutating(func(w *admissionv1.MutatingWebhook) {
			w.NamespaceSelector = selector(notIn("kubernetes.io/metadata.name", "kube-system"), metav1.LabelSelectorRequirement{Key: "skip", Operator: metav1.LabelSelectorOpDoesNotExist})
		}), cluster.WebhookTenantOptOut, "WARN", "webhooks[0].namespaceSelector.matchExpressions[1]", "skip DoesNotExist "},
		{"opt-in label In", validating(func(w *admissionv1.ValidatingWebhook) {
			w.NamespaceSelector = selector(metav1.LabelSelectorRequirement{Key: "policy", Operator: metav1.LabelSelectorOpIn, Values: []string{"on"}})
		}), cluster.WebhookTenantOptOut, "PASS", "", ""},
		{"no selector", validating(nil), cluster.WebhookTenantOptOut, "PASS", "", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			for _, mode := range []string{"manifest", "cluster"} {
				rep := evaluate(mode, nil, tc.obj)
				var statuses []string
				var hit *result.Result
				for i, r := range rep.Results {
					if r.ID == tc.id {
						statuses = append(statuses, string(r.Status))
						if r.Status != result.Pass {
							hit = &rep.Results[i]
						}
					}
				}
				if got := strings.Join(statuses, " "); got != tc.want {
					t.Fatalf("%s mode: %s = %q, want %q", mode, tc.id, got, tc.want)
				}
				if hit == nil {
					continue
				}
				if hit.Subject.Container == "" {
					t.Errorf("the webhook's name is not in the subject: %+v", hit.Subject)
				}
				if tc.path != "" && hit.Location.Path != tc.path {
					t.Errorf("path = %q, want %q", hit.Location.Path, tc.path)
				}
				if tc.evidence != "" && hit.Evidence != tc.evidence {
					t.Errorf("evidence = %q, want %q", hit.Evidence, tc.evidence)
				}
			}
		})
	}
}
