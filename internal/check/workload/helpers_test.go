package workload_test

import (
	"sort"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/kubeward/kubeward/internal/check"
	"github.com/kubeward/kubeward/internal/config"
	"github.com/kubeward/kubeward/internal/inventory"
	"github.com/kubeward/kubeward/internal/result"
)

func ptr[T any](v T) *T { return &v }

const digest = "@sha256:0f3c6e7b2a1d4c5e8f9a0b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e6f7a8b9c0d1e"

// hardened is a pod spec that passes every workload check.
func hardened() corev1.PodSpec {
	return corev1.PodSpec{
		ServiceAccountName:           "app",
		AutomountServiceAccountToken: ptr(false),
		SecurityContext: &corev1.PodSecurityContext{
			RunAsNonRoot: ptr(true), RunAsUser: ptr(int64(10001)),
			SeccompProfile: &corev1.SeccompProfile{Type: corev1.SeccompProfileTypeRuntimeDefault},
		},
		TopologySpreadConstraints: []corev1.TopologySpreadConstraint{{MaxSkew: 1, TopologyKey: "kubernetes.io/hostname", WhenUnsatisfiable: corev1.DoNotSchedule}},
		PriorityClassName:         "system-cluster-critical",
		Containers:                []corev1.Container{hardenedContainer("app")},
	}
}

func hardenedContainer(name string) corev1.Container {
	return corev1.Container{
		Name:  name,
		Image: "registry.bank.internal/team/app:1.0.0" + digest,
		SecurityContext: &corev1.SecurityContext{
			AllowPrivilegeEscalation: ptr(false), ReadOnlyRootFilesystem: ptr(true),
			Capabilities: &corev1.Capabilities{Drop: []corev1.Capability{"ALL"}},
		},
		Resources: corev1.ResourceRequirements{
			Requests: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("100m"), corev1.ResourceMemory: resource.MustParse("128Mi")},
			Limits:   corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("1"), corev1.ResourceMemory: resource.MustParse("256Mi")},
		},
	}
}

// deployment is a hardened 3-replica Deployment web in ns, changed by mutate.
func deployment(ns string, mutate func(*appsv1.Deployment)) *inventory.Object {
	d := &appsv1.Deployment{ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: ns}}
	d.Spec.Replicas = ptr(int32(3))
	d.Spec.Template.Spec = hardened()
	if mutate != nil {
		mutate(d)
	}
	return object("apps", "Deployment", d)
}

func spec(mutate func(*corev1.PodSpec)) *inventory.Object {
	return deployment("apps", func(d *appsv1.Deployment) { mutate(&d.Spec.Template.Spec) })
}

func ctr(mutate func(*corev1.Container)) *inventory.Object {
	return spec(func(s *corev1.PodSpec) { mutate(&s.Containers[0]) })
}

func object(group, kind string, typed any) *inventory.Object {
	m := typed.(metav1.Object)
	return &inventory.Object{Group: group, Version: "v1", Kind: kind, Namespace: m.GetNamespace(), Name: m.GetName(),
		Labels: m.GetLabels(), Annotations: m.GetAnnotations(), Typed: typed, File: "test.yaml", Line: 1}
}

func trustedConfig() *config.Config {
	c := config.Default()
	c.TrustedRegistries = []string{"registry.bank.internal"}
	return c
}

func run(cfg *config.Config, objs ...*inventory.Object) *check.Report {
	if cfg == nil {
		cfg = trustedConfig()
	}
	e := check.New(check.Options{Config: cfg, KeepPasses: true})
	for _, o := range objs {
		e.Observe(o)
	}
	return e.Finish()
}

// verdicts lists the results for id as "STATUS" or "STATUS[container]",
// sorted; "" when the check was skipped for every object.
func verdicts(rep *check.Report, id string) string {
	var out []string
	for _, r := range rep.Results {
		if r.ID != id {
			continue
		}
		s := string(r.Status)
		if r.Subject.Container != "" {
			s += "[" + r.Subject.Container + "]"
		}
		out = append(out, s)
	}
	sort.Strings(out)
	return strings.Join(out, " ")
}

func find(rep *check.Report, id string, status result.Status) *result.Result {
	for i := range rep.Results {
		if r := &rep.Results[i]; r.ID == id && r.Status == status {
			return r
		}
	}
	return nil
}

// ruleCase is one object and the verdict one check must give it.
type ruleCase struct {
	name string
	obj  *inventory.Object
	cfg  *config.Config
	want string // verdicts(): "FAIL[app]", "PASS", "" (skipped)...
	// path and evidence, when set, must be those of the first FAIL or WARN.
	path, evidence string
}

func runCases(t *testing.T, id string, cases []ruleCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			rep := run(tc.cfg, tc.obj)
			if got := verdicts(rep, id); got != tc.want {
				t.Fatalf("%s = %q, want %q", id, got, tc.want)
			}
			if tc.path == "" && tc.evidence == "" {
				return
			}
			r := find(rep, id, result.Fail)
			if r == nil {
				r = find(rep, id, result.Warn)
			}
			if r == nil {
				t.Fatal("no FAIL or WARN to check the path of")
			}
			if tc.path != "" && (r.Location == nil || r.Location.Path != tc.path) {
				t.Errorf("path = %+v, want %q", r.Location, tc.path)
			}
			if tc.evidence != "" && r.Evidence != tc.evidence {
				t.Errorf("evidence = %q, want %q", r.Evidence, tc.evidence)
			}
			if r.Message.EN == "" || r.Message.ZH == "" || strings.Contains(r.Message.EN+r.Message.ZH, "%!") {
				t.Errorf("message = %+v, want both languages, well formatted", r.Message)
			}
		})
	}
}
