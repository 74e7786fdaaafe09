package check

import (
	"reflect"
	"sort"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/kubeward/kubeward/internal/inventory"
	"github.com/kubeward/kubeward/internal/result"
)

func obj(group, kind, ns, name, file string, line int, typed any) *inventory.Object {
	return &inventory.Object{Group: group, Version: "v1", Kind: kind, Namespace: ns, Name: name, File: file, Line: line, Typed: typed}
}

func deploy(ns, name, sa string, automount *bool) *inventory.Object {
	d := &appsv1.Deployment{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns}}
	d.Spec.Template.Spec = corev1.PodSpec{ServiceAccountName: sa, AutomountServiceAccountToken: automount, Containers: []corev1.Container{{Name: "c"}}}
	o := obj("apps", "Deployment", ns, name, "d.yaml", 10, d)
	o.Locate = func(p string) int {
		if p == "spec.template.spec.automountServiceAccountToken" {
			return 17
		}
		return 0
	}
	return o
}

// index observes objs and returns the index the policy rules see.
func index(t *testing.T, objs ...*inventory.Object) *Index {
	t.Helper()
	var ix *Index
	withRegistry(t, nil, []*PolicyRule{{Run: func(_ *Env, i *Index, _ *Emitter) { ix = i }}}, nil)
	e := New(Options{})
	for _, o := range objs {
		e.Observe(o)
	}
	e.Finish()
	return ix
}

func TestIndexNamespaces(t *testing.T) {
	np := &networkingv1.NetworkPolicy{}
	ix := index(t,
		obj("", "ConfigMap", "apps", "late", "b.yaml", 1, &corev1.ConfigMap{}),
		obj("", "ConfigMap", "apps", "early", "a.yaml", 50, &corev1.ConfigMap{}),
		obj("", "ConfigMap", "apps", "earliest", "a.yaml", 2, &corev1.ConfigMap{}),
		obj("", "Namespace", "", "apps", "ns.yaml", 1, &corev1.Namespace{}),
		obj("", "ResourceQuota", "apps", "q", "z.yaml", 1, &corev1.ResourceQuota{}),
		obj("", "LimitRange", "apps", "l", "z.yaml", 5, &corev1.LimitRange{}),
		obj("networking.k8s.io", "NetworkPolicy", "apps", "deny", "z.yaml", 9, np),
		obj("extensions", "NetworkPolicy", "apps", "old", "z.yaml", 12, np),
		obj("", "ServiceAccount", "apps", "app", "z.yaml", 20, &corev1.ServiceAccount{}),
		deploy("apps", "web", "app", nil),
		deploy("db", "pg", "", nil),
		// A Namespace from a custom group is not the core Namespace.
		obj("example.com", "Namespace", "", "fake", "x.yaml", 1, nil),
		// Cluster-scoped objects belong to no namespace.
		obj("rbac.authorization.k8s.io", "ClusterRole", "", "r", "r.yaml", 1, &rbacv1.ClusterRole{}),
	)
	if ix.objects != 13 {
		t.Errorf("objects = %d, want 13", ix.objects)
	}
	var names []string
	for n := range ix.Namespaces {
		names = append(names, n)
	}
	sort.Strings(names)
	if !reflect.DeepEqual(names, []string{"apps", "db"}) {
		t.Fatalf("namespaces = %v, want [apps db]", names)
	}
	apps := ix.Namespaces["apps"]
	tests := []struct {
		what      string
		got, want any
	}{
		{"Namespace object", apps.Object != nil && apps.Object.Name == "apps", true},
		{"first object by file and line", apps.First.Name, "earliest"},
		{"quotas", len(apps.ResourceQuotas), 1},
		{"limit ranges", len(apps.LimitRanges), 1},
		{"network policies of both groups", len(apps.NetworkPolicies), 2},
		{"workloads in apps", apps.Workloads, 1},
		{"workloads in db", ix.Namespaces["db"].Workloads, 1},
		{"db has no Namespace object", ix.Namespaces["db"].Object == nil, true},
		{"all workloads", ix.Workloads, 2},
		{"service accounts", len(ix.ServiceAccounts), 1},
		{"service account key", ix.ServiceAccounts["apps/app"] != nil, true},
		{"stored objects drop Locate", apps.First.Locate == nil, true},
	}
	for _, tc := range tests {
		if tc.got != tc.want {
			t.Errorf("%s = %v, want %v", tc.what, tc.got, tc.want)
		}
	}
}

func TestIndexTokenMounts(t *testing.T) {
	tests := []struct {
		name     string
		o        *inventory.Object
		want     bool
		explicit bool
		sa       string
		location *result.Location
	}{
		{"unset: left to the service account", deploy("apps", "a", "app", nil), true, false, "app", &result.Location{File: "d.yaml", Line: 10, Path: "spec.template.spec"}},
		{"explicit true", deploy("apps", "b", "", ptr(true)), true, true, "default", &result.Location{File: "d.yaml", Line: 17, Path: "spec.template.spec.automountServiceAccountToken"}},
		{"explicit false: no token", deploy("apps", "c", "app", ptr(false)), false, false, "", nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ix := index(t, tc.o)
			if !tc.want {
				if len(ix.TokenMounts) != 0 {
					t.Errorf("token mounts = %+v, want none", ix.TokenMounts)
				}
				return
			}
			if len(ix.TokenMounts) != 1 {
				t.Fatalf("token mounts = %+v", ix.TokenMounts)
			}
			m := ix.TokenMounts[0]
			if m.Explicit != tc.explicit || m.ServiceAccount != tc.sa || !reflect.DeepEqual(m.Location, tc.location) {
				t.Errorf("token mount = {explicit %v sa %q loc %+v}, want {%v %q %+v}", m.Explicit, m.ServiceAccount, m.Location, tc.explicit, tc.sa, tc.location)
			}
			if m.Object.Name != tc.o.Name || m.Object.Typed != nil {
				t.Errorf("token mount object = %+v: the workload's typed object must not be kept", m.Object)
			}
		})
	}
}

func TestIndexBoundServiceAccounts(t *testing.T) {
	sa := func(name, ns string) rbacv1.Subject {
		return rbacv1.Subject{Kind: "ServiceAccount", Name: name, Namespace: ns}
	}
	ix := index(t,
		obj("rbac.authorization.k8s.io", "RoleBinding", "apps", "rb", "r.yaml", 1, &rbacv1.RoleBinding{
			ObjectMeta: metav1.ObjectMeta{Name: "rb", Namespace: "apps"},
			Subjects:   []rbacv1.Subject{sa("web", ""), sa("batch", "jobs"), {Kind: "User", Name: "alice"}, {Kind: "Group", Name: "devs"}},
		}),
		obj("rbac.authorization.k8s.io", "ClusterRoleBinding", "", "crb", "r.yaml", 10, &rbacv1.ClusterRoleBinding{
			ObjectMeta: metav1.ObjectMeta{Name: "crb"},
			Subjects:   []rbacv1.Subject{sa("monitor", "observability")},
		}),
	)
	want := map[string]bool{"apps/web": true, "jobs/batch": true, "observability/monitor": true}
	if !reflect.DeepEqual(ix.BoundServiceAccounts, want) {
		t.Errorf("bound service accounts = %v, want %v (a subject without namespace is in the binding's)", ix.BoundServiceAccounts, want)
	}
}
