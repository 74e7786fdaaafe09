// Package checktest holds test builders for the check packages; imported
// only by tests.
//
// The builders make the reference objects the check tests start from: a
// hardened pod spec and container that pass every workload check, a
// restricted pod spec that meets Pod Security restricted and no more, a
// hardened Deployment changed by mutate funcs, a hardened namespace set, and
// the engine run that returns a report.
package checktest

import (
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/kubeward/kubeward/internal/check"
	"github.com/kubeward/kubeward/internal/config"
	"github.com/kubeward/kubeward/internal/inventory"
)

// Ptr returns a pointer to v.
func Ptr[T any](v T) *T { return &v }

// Digest pins an image: append it to a reference.
const Digest = "@sha256:0f3c6e7b2a1d4c5e8f9a0b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e6f7a8b9c0d1e"

// TrustedRegistry is the registry TrustedConfig trusts and the hardened
// container's image comes from.
const TrustedRegistry = "registry.bank.internal"

// TrustedConfig is the default configuration trusting TrustedRegistry.
func TrustedConfig() *config.Config {
	c := config.Default()
	c.TrustedRegistries = []string{TrustedRegistry}
	return c
}

// HardenedContainer is a container named name that passes every workload
// check: pinned image from the trusted registry, no privilege escalation,
// read-only root, all capabilities dropped, requests and limits set, and a
// harmless environment variable.
func HardenedContainer(name string) corev1.Container {
	return corev1.Container{
		Name:  name,
		Image: TrustedRegistry + "/team/app:1.0.0" + Digest,
		Env:   []corev1.EnvVar{{Name: "LOG_LEVEL", Value: "info"}},
		SecurityContext: &corev1.SecurityContext{
			AllowPrivilegeEscalation: Ptr(false), ReadOnlyRootFilesystem: Ptr(true),
			Capabilities: &corev1.Capabilities{Drop: []corev1.Capability{"ALL"}},
		},
		Resources: corev1.ResourceRequirements{
			Requests: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("100m"), corev1.ResourceMemory: resource.MustParse("128Mi")},
			Limits:   corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("1"), corev1.ResourceMemory: resource.MustParse("256Mi")},
		},
	}
}

// HardenedPodSpec passes every workload check: service account app without
// its token, non-root UID 10001, RuntimeDefault seccomp, spread over nodes, a
// priority class, and one HardenedContainer named app.
func HardenedPodSpec() corev1.PodSpec {
	return corev1.PodSpec{
		ServiceAccountName:           "app",
		AutomountServiceAccountToken: Ptr(false),
		SecurityContext: &corev1.PodSecurityContext{
			RunAsNonRoot: Ptr(true), RunAsUser: Ptr(int64(10001)),
			SeccompProfile: &corev1.SeccompProfile{Type: corev1.SeccompProfileTypeRuntimeDefault},
		},
		TopologySpreadConstraints: []corev1.TopologySpreadConstraint{{MaxSkew: 1, TopologyKey: "kubernetes.io/hostname", WhenUnsatisfiable: corev1.DoNotSchedule}},
		PriorityClassName:         "system-cluster-critical",
		Containers:                []corev1.Container{HardenedContainer("app")},
	}
}

// RestrictedPodSpec meets Pod Security restricted and nothing more: one
// container app, image app:1.
func RestrictedPodSpec() corev1.PodSpec {
	return corev1.PodSpec{
		SecurityContext: &corev1.PodSecurityContext{
			RunAsNonRoot:   Ptr(true),
			SeccompProfile: &corev1.SeccompProfile{Type: corev1.SeccompProfileTypeRuntimeDefault},
		},
		Containers: []corev1.Container{{
			Name: "app", Image: "app:1",
			SecurityContext: &corev1.SecurityContext{
				AllowPrivilegeEscalation: Ptr(false),
				Capabilities:             &corev1.Capabilities{Drop: []corev1.Capability{"ALL"}},
			},
		}},
	}
}

// Deployment is a hardened 3-replica Deployment web in ns (pod spec
// HardenedPodSpec), changed by mutate when not nil.
func Deployment(ns string, mutate func(*appsv1.Deployment)) *inventory.Object {
	d := &appsv1.Deployment{ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: ns}}
	d.Spec.Replicas = Ptr(int32(3))
	d.Spec.Template.Spec = HardenedPodSpec()
	if mutate != nil {
		mutate(d)
	}
	return Object("apps", "Deployment", d)
}

// Pod is Deployment in apps with its pod spec changed by mutate.
func Pod(mutate func(*corev1.PodSpec)) *inventory.Object {
	return Deployment("apps", func(d *appsv1.Deployment) { mutate(&d.Spec.Template.Spec) })
}

// Container is Deployment in apps with its container app changed by mutate.
func Container(mutate func(*corev1.Container)) *inventory.Object {
	return Pod(func(s *corev1.PodSpec) { mutate(&s.Containers[0]) })
}

// Object wraps typed as a manifest object of group/v1 kind at test.yaml:1.
func Object(group, kind string, typed metav1.Object) *inventory.Object {
	return ObjectAt(group, kind, typed, "test.yaml", 1)
}

// ObjectAt wraps typed as a manifest object of group/v1 kind at file:line.
func ObjectAt(group, kind string, typed metav1.Object, file string, line int) *inventory.Object {
	return &inventory.Object{Group: group, Version: "v1", Kind: kind, Namespace: typed.GetNamespace(), Name: typed.GetName(),
		Labels: typed.GetLabels(), Annotations: typed.GetAnnotations(), Typed: typed, File: file, Line: line}
}

// Quota is an empty ResourceQuota q in ns.
func Quota(ns string) *inventory.Object {
	return Object("", "ResourceQuota", &corev1.ResourceQuota{ObjectMeta: metav1.ObjectMeta{Name: "q", Namespace: ns}})
}

// LimitRange is an empty LimitRange l in ns.
func LimitRange(ns string) *inventory.Object {
	return Object("", "LimitRange", &corev1.LimitRange{ObjectMeta: metav1.ObjectMeta{Name: "l", Namespace: ns}})
}

// DenyAll is a NetworkPolicy deny in ns selecting every pod and allowing
// neither ingress nor egress.
func DenyAll(ns string) *inventory.Object {
	return Object("networking.k8s.io", "NetworkPolicy", &networkingv1.NetworkPolicy{ObjectMeta: metav1.ObjectMeta{Name: "deny", Namespace: ns},
		Spec: networkingv1.NetworkPolicySpec{PolicyTypes: []networkingv1.PolicyType{networkingv1.PolicyTypeIngress, networkingv1.PolicyTypeEgress}}})
}

// HardenedNamespace is a namespace with everything the namespace checks
// want: the Namespace enforcing Pod Security restricted, a Quota, a
// LimitRange and a DenyAll policy.
func HardenedNamespace(name string) []*inventory.Object {
	return []*inventory.Object{
		Object("", "Namespace", &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name, Labels: map[string]string{"pod-security.kubernetes.io/enforce": "restricted"}}}),
		Quota(name),
		LimitRange(name),
		DenyAll(name),
	}
}

// Evaluate runs objs through one engine built with opts, PASS results
// listed one by one (KeepPasses is always on), and returns the report.
func Evaluate(opts check.Options, objs ...*inventory.Object) *check.Report {
	opts.KeepPasses = true
	e := check.New(opts)
	for _, o := range objs {
		e.Observe(o)
	}
	return e.Finish()
}
