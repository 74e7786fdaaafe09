package inventory

import (
	"reflect"
	"testing"

	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	schedulingv1 "k8s.io/api/scheduling/v1"

	"github.com/kubeward/kubeward/internal/result"
)

func TestSubject(t *testing.T) {
	o := &Object{Kind: "Deployment", Namespace: "apps", Name: "web"}
	if got, want := o.Subject(), (result.Subject{Kind: "Deployment", Namespace: "apps", Name: "web"}); got != want {
		t.Errorf("Subject() = %+v, want %+v", got, want)
	}
}

func TestLocation(t *testing.T) {
	// locate knows two paths; anything else is unknown (0).
	locate := func(p string) int {
		switch p {
		case "spec.template.spec.containers[0].image":
			return 27
		case "metadata":
			return 3
		}
		return 0
	}
	tests := []struct {
		name string
		obj  Object
		path string
		want *result.Location
	}{
		{"file, path located", Object{File: "app.yaml", Line: 10, Locate: locate}, "spec.template.spec.containers[0].image",
			&result.Location{File: "app.yaml", Line: 27, Path: "spec.template.spec.containers[0].image"}},
		{"file, path not found: document line", Object{File: "app.yaml", Line: 10, Locate: locate}, "spec.replicas",
			&result.Location{File: "app.yaml", Line: 10, Path: "spec.replicas"}},
		{"file, no path: document line", Object{File: "app.yaml", Line: 10, Locate: locate}, "",
			&result.Location{File: "app.yaml", Line: 10}},
		{"file without Locate", Object{File: "app.yaml", Line: 4}, "spec.template.spec.containers[0].image",
			&result.Location{File: "app.yaml", Line: 4, Path: "spec.template.spec.containers[0].image"}},
		{"rendered file keeps its origin", Object{File: "chart/templates/d.yaml", Line: 1, Origin: "helm chart ./chart", Locate: locate}, "metadata",
			&result.Location{File: "chart/templates/d.yaml", Line: 3, Path: "metadata", Origin: "helm chart ./chart"}},
		{"live object: origin and path", Object{Origin: "/apis/apps/v1/namespaces/apps/deployments/web"}, "spec.template.spec",
			&result.Location{Path: "spec.template.spec", Origin: "/apis/apps/v1/namespaces/apps/deployments/web"}},
		{"live object without path", Object{Origin: "/api/v1/namespaces/apps"}, "",
			&result.Location{Origin: "/api/v1/namespaces/apps"}},
		{"admission object with path", Object{}, "spec.containers[0]", &result.Location{Path: "spec.containers[0]"}},
		{"nothing known", Object{}, "", nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := tc.obj.Location(tc.path)
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("Location(%q) = %+v, want %+v", tc.path, got, tc.want)
			}
		})
	}
}

func TestLocationDoesNotCallLocateWithoutPath(t *testing.T) {
	called := false
	o := &Object{File: "a.yaml", Line: 2, Locate: func(string) int { called = true; return 99 }}
	if l := o.Location(""); l.Line != 2 || called {
		t.Errorf("Location(\"\") = %+v, Locate called: %v", l, called)
	}
}

func TestNewTyped(t *testing.T) {
	tests := []struct {
		group, kind string
		want        any // nil: not evaluated
	}{
		{"", "Pod", &corev1.Pod{}},
		{"", "ReplicationController", &corev1.ReplicationController{}},
		{"", "Namespace", &corev1.Namespace{}},
		{"", "ServiceAccount", &corev1.ServiceAccount{}},
		{"", "Secret", &corev1.Secret{}},
		{"", "ConfigMap", &corev1.ConfigMap{}},
		{"", "ResourceQuota", &corev1.ResourceQuota{}},
		{"", "LimitRange", &corev1.LimitRange{}},
		{"", "Service", &corev1.Service{}},
		{"apps", "Deployment", &appsv1.Deployment{}},
		{"apps", "StatefulSet", &appsv1.StatefulSet{}},
		{"apps", "DaemonSet", &appsv1.DaemonSet{}},
		{"apps", "ReplicaSet", &appsv1.ReplicaSet{}},
		{"extensions", "Deployment", &appsv1.Deployment{}},
		{"extensions", "DaemonSet", &appsv1.DaemonSet{}},
		{"extensions", "ReplicaSet", &appsv1.ReplicaSet{}},
		{"extensions", "NetworkPolicy", &networkingv1.NetworkPolicy{}},
		{"batch", "Job", &batchv1.Job{}},
		{"batch", "CronJob", &batchv1.CronJob{}},
		{"networking.k8s.io", "NetworkPolicy", &networkingv1.NetworkPolicy{}},
		{"rbac.authorization.k8s.io", "Role", &rbacv1.Role{}},
		{"rbac.authorization.k8s.io", "ClusterRole", &rbacv1.ClusterRole{}},
		{"rbac.authorization.k8s.io", "RoleBinding", &rbacv1.RoleBinding{}},
		{"rbac.authorization.k8s.io", "ClusterRoleBinding", &rbacv1.ClusterRoleBinding{}},
		{"scheduling.k8s.io", "PriorityClass", &schedulingv1.PriorityClass{}},
		{"admissionregistration.k8s.io", "ValidatingWebhookConfiguration", &admissionregistrationv1.ValidatingWebhookConfiguration{}},
		{"admissionregistration.k8s.io", "MutatingWebhookConfiguration", &admissionregistrationv1.MutatingWebhookConfiguration{}},
		// Not evaluated: custom resources, unknown kinds and kinds in the wrong group.
		{"", "Deployment", nil},
		{"apps", "Pod", nil},
		{"cert-manager.io", "Certificate", nil},
		{"", "pod", nil},
		{"", "", nil},
	}
	for _, tc := range tests {
		t.Run(tc.group+"/"+tc.kind, func(t *testing.T) {
			got := NewTyped(tc.group, tc.kind)
			if tc.want == nil {
				if got != nil {
					t.Errorf("NewTyped = %T, want nil", got)
				}
				return
			}
			if reflect.TypeOf(got) != reflect.TypeOf(tc.want) {
				t.Errorf("NewTyped = %T, want %T", got, tc.want)
			}
			if NewTyped(tc.group, tc.kind) == got {
				t.Error("NewTyped returns the same object twice")
			}
		})
	}
}

func TestClusterScoped(t *testing.T) {
	tests := map[string]bool{
		"Namespace": true, "Node": true, "ClusterRole": true, "ClusterRoleBinding": true, "PriorityClass": true,
		"ValidatingWebhookConfiguration": true, "MutatingWebhookConfiguration": true, "CustomResourceDefinition": true,
		"PersistentVolume": true, "StorageClass": true,
		"Pod": false, "Deployment": false, "Role": false, "RoleBinding": false, "Secret": false, "NetworkPolicy": false,
		"PersistentVolumeClaim": false, "Unknown": false, "namespace": false,
	}
	for kind, want := range tests {
		if got := ClusterScoped(kind); got != want {
			t.Errorf("ClusterScoped(%q) = %v, want %v", kind, got, want)
		}
	}
}

func TestSplitAPIVersion(t *testing.T) {
	tests := []struct{ in, group, version string }{
		{"v1", "", "v1"},
		{"apps/v1", "apps", "v1"},
		{"rbac.authorization.k8s.io/v1", "rbac.authorization.k8s.io", "v1"},
		{"extensions/v1beta1", "extensions", "v1beta1"},
		{"", "", ""},
		{"a/b/c", "a", "b/c"},
	}
	for _, tc := range tests {
		g, v := SplitAPIVersion(tc.in)
		if g != tc.group || v != tc.version {
			t.Errorf("SplitAPIVersion(%q) = %q, %q; want %q, %q", tc.in, g, v, tc.group, tc.version)
		}
	}
}

func TestFormatValue(t *testing.T) {
	tests := []struct {
		name string
		in   any
		want string
	}{
		{"string", "0.0.0.0", "0.0.0.0"},
		{"empty string", "", ""},
		{"JSON integer", float64(10250), "10250"},
		{"JSON fraction", 0.5, "0.5"},
		{"JSON large integer without exponent", float64(1e21), "1000000000000000000000"},
		{"negative", float64(-1), "-1"},
		{"TOML integer", int64(6443), "6443"},
		{"YAML integer", 42, "42"},
		{"true", true, "true"},
		{"false", false, "false"},
		{"list joined like a flag", []any{"NodeRestriction", "AlwaysPullImages"}, "NodeRestriction,AlwaysPullImages"},
		{"mixed list", []any{"a", float64(1), true}, "a,1,true"},
		{"empty list", []any{}, ""},
		{"nested list", []any{[]any{"a", "b"}, "c"}, "a,b,c"},
		{"nil", nil, "<nil>"},
		{"map", map[string]any{"enabled": true}, "map[enabled:true]"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := FormatValue(tc.in); got != tc.want {
				t.Errorf("FormatValue(%#v) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
}
