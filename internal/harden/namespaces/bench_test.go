package namespaces

import (
	"fmt"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/intstr"

	"github.com/kubeward/kubeward/internal/config"
	"github.com/kubeward/kubeward/internal/inventory"
)

// benchObjects is a platform of n namespaces, each with its Namespace, two
// Deployments (one restricted, one not) and a Service.
func benchObjects(n int) []*inventory.Object {
	objs := make([]*inventory.Object, 0, 4*n)
	for i := range n {
		ns := fmt.Sprintf("team-%04d", i)
		objs = append(objs, &inventory.Object{Kind: "Namespace", Name: ns, Typed: &corev1.Namespace{}})
		for j, restricted := range []bool{true, false} {
			d := &appsv1.Deployment{}
			d.Name, d.Namespace = fmt.Sprintf("app-%d", j), ns
			d.Spec.Template.Labels = map[string]string{"app": d.Name}
			c := corev1.Container{Name: "c", Image: "registry.example/app:1"}
			if restricted {
				f, t := false, true
				c.SecurityContext = &corev1.SecurityContext{AllowPrivilegeEscalation: &f, RunAsNonRoot: &t,
					Capabilities:   &corev1.Capabilities{Drop: []corev1.Capability{"ALL"}},
					SeccompProfile: &corev1.SeccompProfile{Type: corev1.SeccompProfileTypeRuntimeDefault}}
			}
			d.Spec.Template.Spec.Containers = []corev1.Container{c}
			objs = append(objs, &inventory.Object{Group: "apps", Kind: "Deployment", Namespace: ns, Name: d.Name, Typed: d})
		}
		s := &corev1.Service{}
		s.Name, s.Namespace = "app-0", ns
		s.Spec.Selector = map[string]string{"app": "app-0"}
		s.Spec.Ports = []corev1.ServicePort{{Port: 80, TargetPort: intstr.FromInt32(8080)}}
		objs = append(objs, &inventory.Object{Kind: "Service", Namespace: ns, Name: s.Name, Typed: s})
	}
	return objs
}

// BenchmarkNamespaceLayer generates and renders the layer of 1,000
// namespaces (docs/BENCHMARKS.md).
func BenchmarkNamespaceLayer1000(b *testing.B) {
	objs := benchObjects(1000)
	cfg := config.Default()
	b.ReportAllocs()
	for b.Loop() {
		layers := Generate(Input{Objects: objs, Config: cfg})
		if len(layers) != 1000 {
			b.Fatalf("%d layers", len(layers))
		}
		for _, l := range layers {
			if _, err := Render(l, "en"); err != nil {
				b.Fatal(err)
			}
		}
	}
}

// BenchmarkNamespaceGenerate1000 is Generate alone (Pod Security levels,
// isolation, the objects), without rendering YAML.
func BenchmarkNamespaceGenerate1000(b *testing.B) {
	objs := benchObjects(1000)
	cfg := config.Default()
	b.ReportAllocs()
	for b.Loop() {
		if layers := Generate(Input{Objects: objs, Config: cfg}); len(layers) != 1000 {
			b.Fatalf("%d layers", len(layers))
		}
	}
}
