package workload_test

import (
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"

	"github.com/kubeward/kubeward/internal/check/checktest"
	"github.com/kubeward/kubeward/internal/check/workload"
)

func TestResources(t *testing.T) {
	const c0 = "spec.template.spec.containers[0]"
	t.Run("requests", func(t *testing.T) {
		runCases(t, workload.RequestsMissing, []ruleCase{
			{name: "both set", obj: checktest.Pod(func(*corev1.PodSpec) {}), want: "PASS"},
			{name: "memory missing", obj: checktest.Container(func(c *corev1.Container) { delete(c.Resources.Requests, corev1.ResourceMemory) }), want: "FAIL[app]",
				path: c0 + ".resources.requests", evidence: "missing requests: memory"},
			{name: "none", obj: checktest.Container(func(c *corev1.Container) { c.Resources.Requests = nil }), want: "FAIL[app]", evidence: "missing requests: cpu,memory"},
			{name: "other resources do not count", obj: checktest.Container(func(c *corev1.Container) {
				c.Resources.Requests = corev1.ResourceList{corev1.ResourceEphemeralStorage: resource.MustParse("1Gi")}
			}), want: "FAIL[app]", evidence: "missing requests: cpu,memory"},
			{name: "zero is set", obj: checktest.Container(func(c *corev1.Container) { c.Resources.Requests[corev1.ResourceCPU] = resource.MustParse("0") }), want: "PASS"},
			{name: "init container", obj: checktest.Pod(func(s *corev1.PodSpec) { s.InitContainers = []corev1.Container{{Name: "init"}} }), want: "FAIL[init]",
				path: "spec.template.spec.initContainers[0].resources.requests"},
			{name: "ephemeral containers are exempt", obj: checktest.Pod(func(s *corev1.PodSpec) {
				s.EphemeralContainers = []corev1.EphemeralContainer{{EphemeralContainerCommon: corev1.EphemeralContainerCommon{Name: "debug"}}}
			}), want: "PASS"},
		})
	})
	t.Run("limits", func(t *testing.T) {
		runCases(t, workload.LimitsMissing, []ruleCase{
			{name: "both set", obj: checktest.Pod(func(*corev1.PodSpec) {}), want: "PASS"},
			{name: "cpu missing", obj: checktest.Container(func(c *corev1.Container) { delete(c.Resources.Limits, corev1.ResourceCPU) }), want: "FAIL[app]",
				path: c0 + ".resources.limits", evidence: "missing limits: cpu"},
			{name: "none", obj: checktest.Container(func(c *corev1.Container) { c.Resources.Limits = nil }), want: "FAIL[app]", evidence: "missing limits: cpu,memory"},
		})
	})
}
