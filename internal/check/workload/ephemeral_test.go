package workload_test

import (
	"testing"

	corev1 "k8s.io/api/core/v1"

	"github.com/kubeward/kubeward/internal/check/checktest"
	"github.com/kubeward/kubeward/internal/check/workload"
	"github.com/kubeward/kubeward/internal/inventory"
)

// TestEphemeralContainers: every container-level check covers ephemeral
// containers. Each case is a hardened pod whose only fault is in its
// ephemeral container debug (FAIL[debug]); the same container without the
// fault passes (PASS).
func TestEphemeralContainers(t *testing.T) {
	withDebug := func(mutate func(*corev1.EphemeralContainerCommon)) *inventory.Object {
		return checktest.Pod(func(s *corev1.PodSpec) {
			c := checktest.HardenedContainer("debug")
			e := corev1.EphemeralContainerCommon{Name: c.Name, Image: c.Image, Env: c.Env, SecurityContext: c.SecurityContext}
			if mutate != nil {
				mutate(&e)
			}
			s.EphemeralContainers = []corev1.EphemeralContainer{{EphemeralContainerCommon: e, TargetContainerName: "app"}}
		})
	}
	cases := []struct {
		id     string
		mutate func(*corev1.EphemeralContainerCommon)
	}{
		{workload.RunsAsRoot, func(c *corev1.EphemeralContainerCommon) { c.SecurityContext.RunAsUser = checktest.Ptr(int64(0)) }},
		{workload.Privileged, func(c *corev1.EphemeralContainerCommon) { c.SecurityContext.Privileged = checktest.Ptr(true) }},
		{workload.PrivilegeEscalation, func(c *corev1.EphemeralContainerCommon) { c.SecurityContext.AllowPrivilegeEscalation = nil }},
		{workload.CapabilitiesNotDropped, func(c *corev1.EphemeralContainerCommon) { c.SecurityContext.Capabilities = nil }},
		{workload.CapabilitiesAdded, func(c *corev1.EphemeralContainerCommon) {
			c.SecurityContext.Capabilities.Add = []corev1.Capability{"SYS_PTRACE"}
		}},
		{workload.SeccompMissing, func(c *corev1.EphemeralContainerCommon) {
			c.SecurityContext.SeccompProfile = &corev1.SeccompProfile{Type: corev1.SeccompProfileTypeUnconfined}
		}},
		{workload.AppArmorUnconfined, func(c *corev1.EphemeralContainerCommon) {
			c.SecurityContext.AppArmorProfile = &corev1.AppArmorProfile{Type: corev1.AppArmorProfileTypeUnconfined}
		}},
		{workload.SELinuxEscalating, func(c *corev1.EphemeralContainerCommon) {
			c.SecurityContext.SELinuxOptions = &corev1.SELinuxOptions{Type: "spc_t"}
		}},
		{workload.RootFilesystemWritable, func(c *corev1.EphemeralContainerCommon) { c.SecurityContext.ReadOnlyRootFilesystem = nil }},
		{workload.RootGroup, func(c *corev1.EphemeralContainerCommon) { c.SecurityContext.RunAsGroup = checktest.Ptr(int64(0)) }},
		{workload.ImageUntrustedRegistry, func(c *corev1.EphemeralContainerCommon) {
			c.Image = "docker.io/library/busybox:1.36" + checktest.Digest
		}},
		{workload.ImageNotPinned, func(c *corev1.EphemeralContainerCommon) { c.Image = checktest.TrustedRegistry + "/tools/debug:1.0" }},
		{workload.ImageLatestTag, func(c *corev1.EphemeralContainerCommon) { c.Image = checktest.TrustedRegistry + "/tools/debug:latest" }},
	}
	for _, tc := range cases {
		t.Run(tc.id, func(t *testing.T) {
			if got := verdicts(run(nil, withDebug(nil)), tc.id); got != "PASS" {
				t.Errorf("hardened ephemeral container: %s = %q, want PASS", tc.id, got)
			}
			if got := verdicts(run(nil, withDebug(tc.mutate)), tc.id); got != "FAIL[debug]" {
				t.Errorf("faulty ephemeral container: %s = %q, want FAIL[debug]", tc.id, got)
			}
		})
	}
}
