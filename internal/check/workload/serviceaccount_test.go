package workload_test

import (
	"testing"

	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/kubeward/kubeward/internal/check"
	"github.com/kubeward/kubeward/internal/check/checktest"
	"github.com/kubeward/kubeward/internal/check/workload"
	"github.com/kubeward/kubeward/internal/inventory"
	"github.com/kubeward/kubeward/internal/result"
)

func TestDefaultServiceAccount(t *testing.T) {
	runCases(t, workload.DefaultServiceAccount, []ruleCase{
		{name: "own account", obj: checktest.Pod(func(*corev1.PodSpec) {}), want: "PASS"},
		{name: "unset", obj: checktest.Pod(func(s *corev1.PodSpec) { s.ServiceAccountName = "" }), want: "FAIL",
			path: "spec.template.spec.serviceAccountName", evidence: "serviceAccountName=default"},
		{name: "default by name", obj: checktest.Pod(func(s *corev1.PodSpec) { s.ServiceAccountName = "default" }), want: "FAIL"},
		{name: "deprecated serviceAccount field", obj: checktest.Pod(func(s *corev1.PodSpec) { s.ServiceAccountName, s.DeprecatedServiceAccount = "", "app" }), want: "PASS"},
	})
}

func serviceAccount(ns, name string, automount *bool) *inventory.Object {
	return checktest.Object("", "ServiceAccount", &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns}, AutomountServiceAccountToken: automount})
}

func roleBinding(ns string, subjects ...rbacv1.Subject) *inventory.Object {
	return checktest.Object("rbac.authorization.k8s.io", "RoleBinding", &rbacv1.RoleBinding{ObjectMeta: metav1.ObjectMeta{Name: "rb", Namespace: ns},
		RoleRef: rbacv1.RoleRef{Kind: "Role", Name: "reader"}, Subjects: subjects})
}

func automount(v *bool) *inventory.Object {
	return checktest.Pod(func(s *corev1.PodSpec) { s.AutomountServiceAccountToken = v })
}

func TestTokenAutomounted(t *testing.T) {
	tests := []struct {
		name     string
		objs     []*inventory.Object
		want     string
		evidence string
	}{
		{"pod leaves it to an account the scan does not have", []*inventory.Object{automount(nil)}, "FAIL", "automountServiceAccountToken unset on pod and ServiceAccount"},
		{"pod sets true", []*inventory.Object{automount(checktest.Ptr(true))}, "FAIL", "automountServiceAccountToken=true on the pod"},
		{"account disables it", []*inventory.Object{automount(nil), serviceAccount("apps", "app", checktest.Ptr(false))}, "PASS", ""},
		{"account enables it", []*inventory.Object{automount(nil), serviceAccount("apps", "app", checktest.Ptr(true))}, "FAIL", ""},
		{"account leaves it unset", []*inventory.Object{automount(nil), serviceAccount("apps", "app", nil)}, "FAIL", ""},
		{"pod true overrides account false", []*inventory.Object{automount(checktest.Ptr(true)), serviceAccount("apps", "app", checktest.Ptr(false))}, "FAIL", "automountServiceAccountToken=true on the pod"},
		{"account of the same name in another namespace", []*inventory.Object{automount(nil), serviceAccount("other", "app", checktest.Ptr(false))}, "FAIL", ""},
		{"bound account needs its token", []*inventory.Object{automount(checktest.Ptr(true)),
			roleBinding("apps", rbacv1.Subject{Kind: "ServiceAccount", Name: "app"})}, "PASS", ""},
		{"bound from another namespace's binding", []*inventory.Object{automount(nil),
			roleBinding("other", rbacv1.Subject{Kind: "ServiceAccount", Name: "app", Namespace: "apps"})}, "PASS", ""},
		{"binding of a same-named account elsewhere", []*inventory.Object{automount(nil),
			roleBinding("other", rbacv1.Subject{Kind: "ServiceAccount", Name: "app"})}, "FAIL", ""},
		{"binding of a user of the same name", []*inventory.Object{automount(nil),
			roleBinding("apps", rbacv1.Subject{Kind: "User", Name: "app"})}, "FAIL", ""},
		{"pod disables it: nothing to decide", []*inventory.Object{automount(checktest.Ptr(false))}, "", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rep := run(nil, tc.objs...)
			if got := verdicts(rep, workload.TokenAutomounted); got != tc.want {
				t.Fatalf("verdicts = %q, want %q", got, tc.want)
			}
			if tc.want != "FAIL" {
				return
			}
			r := find(rep, workload.TokenAutomounted, result.Fail)
			if r.Subject != (result.Subject{Kind: "Deployment", Namespace: "apps", Name: "web"}) {
				t.Errorf("subject = %+v, want the workload", r.Subject)
			}
			if tc.evidence != "" && r.Evidence != tc.evidence {
				t.Errorf("evidence = %q, want %q", r.Evidence, tc.evidence)
			}
			wantPath := "spec.template.spec"
			if tc.evidence == "automountServiceAccountToken=true on the pod" {
				wantPath += ".automountServiceAccountToken"
			}
			if r.Location == nil || r.Location.Path != wantPath || r.Location.File != "test.yaml" {
				t.Errorf("location = %+v, want %s in test.yaml", r.Location, wantPath)
			}
		})
	}
}

// TestAccountAutomounts: the ServiceAccount object itself, judged with what
// the scan shows of its bindings and pods.
func TestAccountAutomounts(t *testing.T) {
	bound := roleBinding("apps", rbacv1.Subject{Kind: "ServiceAccount", Name: "app"})
	tests := []struct {
		name     string
		objs     []*inventory.Object
		want     string
		evidence string
	}{
		{"account disables it", []*inventory.Object{serviceAccount("apps", "app", checktest.Ptr(false))}, "PASS", ""},
		{"account used by nothing in the scan", []*inventory.Object{serviceAccount("apps", "app", nil)}, "FAIL", "automountServiceAccountToken unset (defaults to true)"},
		{"account enables it explicitly", []*inventory.Object{serviceAccount("apps", "app", checktest.Ptr(true))}, "FAIL", "automountServiceAccountToken=true"},
		{"bound account needs its token", []*inventory.Object{serviceAccount("apps", "app", nil), bound}, "PASS", ""},
		{"every pod decides itself (false)", []*inventory.Object{serviceAccount("apps", "app", nil), automount(checktest.Ptr(false))}, "PASS", ""},
		{"every pod decides itself (true)", []*inventory.Object{serviceAccount("apps", "app", nil), automount(checktest.Ptr(true))}, "PASS", ""},
		{"a pod takes the account's default", []*inventory.Object{serviceAccount("apps", "app", nil), automount(nil)}, "FAIL", ""},
		{"default account without false", []*inventory.Object{serviceAccount("apps", "default", nil)}, "FAIL", ""},
		{"default account even when bound", []*inventory.Object{serviceAccount("apps", "default", nil),
			roleBinding("apps", rbacv1.Subject{Kind: "ServiceAccount", Name: "default"})}, "FAIL", ""},
		{"default account with false", []*inventory.Object{serviceAccount("apps", "default", checktest.Ptr(false))}, "PASS", ""},
		{"system namespace", []*inventory.Object{serviceAccount("kube-system", "default", nil)}, "", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rep := run(nil, tc.objs...)
			if got := verdicts(rep, workload.AccountAutomounts); got != tc.want {
				t.Fatalf("verdicts = %q, want %q", got, tc.want)
			}
			r := find(rep, workload.AccountAutomounts, result.Fail)
			if r == nil {
				return
			}
			if r.Subject.Kind != "ServiceAccount" || r.Message.EN == "" || r.Message.ZH == "" {
				t.Errorf("result %+v", r)
			}
			if tc.evidence != "" && r.Evidence != tc.evidence {
				t.Errorf("evidence = %q, want %q", r.Evidence, tc.evidence)
			}
		})
	}
	// Not at admission: one object shows neither its bindings nor its pods.
	rep := checktest.Evaluate(check.Options{Config: checktest.TrustedConfig(), Mode: "admission"}, serviceAccount("apps", "app", nil))
	if got := verdicts(rep, workload.AccountAutomounts); got != "" || rep.Passed[workload.AccountAutomounts] != 0 {
		t.Errorf("admission: %q", got)
	}
}
