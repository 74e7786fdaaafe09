package rbac_test

import (
	"strings"
	"testing"

	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/kubeward/kubeward/internal/check"
	"github.com/kubeward/kubeward/internal/check/checktest"
	"github.com/kubeward/kubeward/internal/check/rbac"
	"github.com/kubeward/kubeward/internal/inventory"
)

// TestSecretReaders (KW-RBAC-014): who can read Secrets beyond its own
// namespace, with the binding path; admins, system namespaces' accounts and
// an account reading its own namespace pass.
func TestSecretReaders(t *testing.T) {
	read := rbacv1.PolicyRule{APIGroups: []string{""}, Resources: []string{"secrets"}, Verbs: []string{"get", "list", "watch"}}
	readNamed := rbacv1.PolicyRule{APIGroups: []string{""}, Resources: []string{"secrets"}, Verbs: []string{"get"}, ResourceNames: []string{"db"}}
	cr := func(name string, rules ...rbacv1.PolicyRule) *inventory.Object {
		return checktest.Object("rbac.authorization.k8s.io", "ClusterRole", &rbacv1.ClusterRole{ObjectMeta: metav1.ObjectMeta{Name: name}, Rules: rules})
	}
	crb := func(name, role string, subjects ...rbacv1.Subject) *inventory.Object {
		return checktest.Object("rbac.authorization.k8s.io", "ClusterRoleBinding", &rbacv1.ClusterRoleBinding{ObjectMeta: metav1.ObjectMeta{Name: name},
			RoleRef: rbacv1.RoleRef{Kind: "ClusterRole", Name: role}, Subjects: subjects})
	}
	rb := func(ns, name, role string, subjects ...rbacv1.Subject) *inventory.Object {
		return checktest.Object("rbac.authorization.k8s.io", "RoleBinding", &rbacv1.RoleBinding{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns},
			RoleRef: rbacv1.RoleRef{Kind: "ClusterRole", Name: role}, Subjects: subjects})
	}
	user := func(n string) rbacv1.Subject { return rbacv1.Subject{Kind: "User", Name: n} }
	group := func(n string) rbacv1.Subject { return rbacv1.Subject{Kind: "Group", Name: n} }
	sa := func(ns, n string) rbacv1.Subject {
		return rbacv1.Subject{Kind: "ServiceAccount", Namespace: ns, Name: n}
	}
	cases := []struct {
		name string
		objs []*inventory.Object
		want []string // "Subject: message | evidence"
	}{
		{"user cluster-wide", []*inventory.Object{cr("reader", read), crb("devs", "reader", user("alice"))},
			[]string{"User alice can read Secrets cluster-wide | via ClusterRoleBinding/devs -> ClusterRole/reader"}},
		{"group in a namespace", []*inventory.Object{cr("reader", read), rb("payments", "devs", "reader", group("developers"))},
			[]string{"Group developers can read Secrets in namespace payments | via RoleBinding/payments/devs -> ClusterRole/reader"}},
		{"service account of another namespace", []*inventory.Object{cr("reader", read), rb("payments", "ci", "reader", sa("ci", "deployer"))},
			[]string{"ServiceAccount ci/deployer can read Secrets in namespace payments | via RoleBinding/payments/ci -> ClusterRole/reader"}},
		{"service account cluster-wide", []*inventory.Object{cr("reader", read), crb("op", "reader", sa("apps", "operator"))},
			[]string{"ServiceAccount apps/operator can read Secrets cluster-wide | via ClusterRoleBinding/op -> ClusterRole/reader"}},
		{"named Secret of another namespace", []*inventory.Object{cr("db", readNamed), rb("payments", "db", "db", user("bob"))},
			[]string{"User bob can read Secrets in namespace payments (only db) | via RoleBinding/payments/db -> ClusterRole/db"}},
		{"service account in its own namespace", []*inventory.Object{cr("reader", read), rb("apps", "own", "reader", sa("apps", "web"))}, nil},
		{"system namespace account", []*inventory.Object{cr("reader", read), crb("dns", "reader", sa("kube-system", "coredns"))}, nil},
		{"admin group", []*inventory.Object{cr("reader", read), crb("masters", "reader", group("system:masters"))}, nil},
		{"no secrets", []*inventory.Object{cr("pods", rbacv1.PolicyRule{APIGroups: []string{""}, Resources: []string{"pods"}, Verbs: []string{"get"}}), crb("devs", "pods", user("alice"))}, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			rep := checktest.Evaluate(check.Options{Config: checktest.TrustedConfig(), Mode: "cluster"}, tc.objs...)
			var got []string
			for _, r := range rep.Results {
				if r.ID == rbac.SecretReaders {
					got = append(got, r.Message.EN+" | "+r.Evidence)
				}
			}
			if tc.name == "user cluster-wide" {
				for _, r := range rep.Results {
					if r.ID == rbac.SecretReaders && r.Message.ZH != "用户 alice 可以读取 Secret：集群范围" {
						t.Errorf("ZH message %q", r.Message.ZH)
					}
				}
			}
			if strings.Join(got, "\n") != strings.Join(tc.want, "\n") {
				t.Errorf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(tc.want, "\n"))
			}
			// Manifests are not judged by this live check.
			rep = checktest.Evaluate(check.Options{Config: checktest.TrustedConfig()}, tc.objs...)
			for _, r := range rep.Results {
				if r.ID == rbac.SecretReaders {
					t.Errorf("manifest scan reported %v", r)
				}
			}
		})
	}
}
