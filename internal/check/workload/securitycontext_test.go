package workload_test

import (
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"

	"github.com/kubeward/kubeward/internal/check/checktest"
	"github.com/kubeward/kubeward/internal/check/workload"
	"github.com/kubeward/kubeward/internal/inventory"
)

const (
	podSC = "spec.template.spec.securityContext"
	ctrSC = "spec.template.spec.containers[0].securityContext"
)

func sc(mutate func(*corev1.SecurityContext)) *inventory.Object {
	return checktest.Container(func(c *corev1.Container) { mutate(c.SecurityContext) })
}

func podSCtx(mutate func(*corev1.PodSecurityContext)) *inventory.Object {
	return checktest.Pod(func(s *corev1.PodSpec) { mutate(s.SecurityContext) })
}

func TestRunsAsRoot(t *testing.T) {
	runCases(t, workload.RunsAsRoot, []ruleCase{
		{name: "runAsNonRoot and a UID", obj: checktest.Pod(func(*corev1.PodSpec) {}), want: "PASS"},
		{name: "runAsNonRoot only", obj: podSCtx(func(p *corev1.PodSecurityContext) { p.RunAsUser = nil }), want: "PASS"},
		{name: "non-zero UID only", obj: podSCtx(func(p *corev1.PodSecurityContext) { p.RunAsNonRoot = nil }), want: "PASS"},
		{name: "UID 0 on the pod", obj: podSCtx(func(p *corev1.PodSecurityContext) { p.RunAsUser = checktest.Ptr(int64(0)) }), want: "FAIL[app]",
			path: podSC + ".runAsUser", evidence: "runAsUser=0"},
		{name: "UID 0 on the container overrides the pod", obj: sc(func(s *corev1.SecurityContext) { s.RunAsUser = checktest.Ptr(int64(0)) }), want: "FAIL[app]",
			path: ctrSC + ".runAsUser", evidence: "runAsUser=0"},
		{name: "container UID overrides pod UID 0", obj: checktest.Pod(func(s *corev1.PodSpec) {
			s.SecurityContext.RunAsUser = checktest.Ptr(int64(0))
			s.SecurityContext.RunAsNonRoot = nil
			s.Containers[0].SecurityContext.RunAsUser = checktest.Ptr(int64(1000))
		}), want: "PASS"},
		{name: "runAsNonRoot false", obj: podSCtx(func(p *corev1.PodSecurityContext) { p.RunAsNonRoot, p.RunAsUser = checktest.Ptr(false), nil }), want: "FAIL[app]",
			path: podSC + ".runAsNonRoot", evidence: "runAsNonRoot=false"},
		{name: "nothing set", obj: checktest.Pod(func(s *corev1.PodSpec) { s.SecurityContext = nil }), want: "FAIL[app]",
			path: "spec.template.spec.containers[0]", evidence: "runAsNonRoot and runAsUser unset"},
		{name: "one finding per container", obj: checktest.Pod(func(s *corev1.PodSpec) {
			s.SecurityContext = nil
			s.InitContainers = []corev1.Container{checktest.HardenedContainer("init")}
			s.Containers = append(s.Containers, checktest.HardenedContainer("b"))
		}), want: "FAIL[app] FAIL[b] FAIL[init]"},
	})
}

func TestPrivileged(t *testing.T) {
	runCases(t, workload.Privileged, []ruleCase{
		{name: "privileged", obj: sc(func(s *corev1.SecurityContext) { s.Privileged = checktest.Ptr(true) }), want: "FAIL[app]",
			path: ctrSC + ".privileged", evidence: "securityContext.privileged=true"},
		{name: "explicitly not", obj: sc(func(s *corev1.SecurityContext) { s.Privileged = checktest.Ptr(false) }), want: "PASS"},
		{name: "unset", obj: checktest.Pod(func(*corev1.PodSpec) {}), want: "PASS"},
		{name: "no security context", obj: checktest.Container(func(c *corev1.Container) { c.SecurityContext = nil }), want: "PASS"},
	})
}

func TestPrivilegeEscalation(t *testing.T) {
	runCases(t, workload.PrivilegeEscalation, []ruleCase{
		{name: "disabled", obj: checktest.Pod(func(*corev1.PodSpec) {}), want: "PASS"},
		{name: "unset", obj: sc(func(s *corev1.SecurityContext) { s.AllowPrivilegeEscalation = nil }), want: "FAIL[app]",
			path: ctrSC + ".allowPrivilegeEscalation", evidence: "securityContext.allowPrivilegeEscalation unset (defaults to true)"},
		{name: "allowed", obj: sc(func(s *corev1.SecurityContext) { s.AllowPrivilegeEscalation = checktest.Ptr(true) }), want: "FAIL[app]",
			evidence: "securityContext.allowPrivilegeEscalation=true"},
		{name: "no security context", obj: checktest.Container(func(c *corev1.Container) { c.SecurityContext = nil }), want: "FAIL[app]"},
	})
}

func TestCapabilities(t *testing.T) {
	caps := func(drop []corev1.Capability, add ...corev1.Capability) *inventory.Object {
		return sc(func(s *corev1.SecurityContext) { s.Capabilities = &corev1.Capabilities{Drop: drop, Add: add} })
	}
	all := []corev1.Capability{"ALL"}
	t.Run("drop", func(t *testing.T) {
		runCases(t, workload.CapabilitiesNotDropped, []ruleCase{
			{name: "drop ALL", obj: caps(all), want: "PASS"},
			{name: "drop all in lower case", obj: caps([]corev1.Capability{"all"}), want: "PASS"},
			{name: "drop ALL among others", obj: caps([]corev1.Capability{"NET_RAW", "ALL"}), want: "PASS"},
			{name: "drop some", obj: caps([]corev1.Capability{"NET_RAW"}), want: "FAIL[app]", path: ctrSC + ".capabilities.drop", evidence: "capabilities.drop=[NET_RAW]"},
			{name: "no capabilities", obj: sc(func(s *corev1.SecurityContext) { s.Capabilities = nil }), want: "FAIL[app]", evidence: "capabilities.drop=[]"},
		})
	})
	netRaw := checktest.TrustedConfig()
	netRaw.AllowedCapabilities = []string{"cap_net_raw"}
	t.Run("add", func(t *testing.T) {
		runCases(t, workload.CapabilitiesAdded, []ruleCase{
			{name: "none added", obj: caps(all), want: "PASS"},
			{name: "default allow list", obj: caps(all, "NET_BIND_SERVICE"), want: "PASS"},
			{name: "CAP_ prefix and case ignored", obj: caps(all, "cap_net_bind_service"), want: "PASS"},
			{name: "outside the allow list", obj: caps(all, "NET_BIND_SERVICE", "SYS_ADMIN", "cap_net_admin"), want: "FAIL[app]",
				path: ctrSC + ".capabilities.add", evidence: "capabilities.add=SYS_ADMIN,NET_ADMIN"},
			{name: "configured allow list", obj: caps(all, "NET_RAW"), cfg: netRaw, want: "PASS"},
			{name: "configured list replaces the default", obj: caps(all, "NET_BIND_SERVICE"), cfg: netRaw, want: "FAIL[app]", evidence: "capabilities.add=NET_BIND_SERVICE"},
		})
	})
}

func TestSeccomp(t *testing.T) {
	profile := func(typ corev1.SeccompProfileType) *corev1.SeccompProfile {
		p := &corev1.SeccompProfile{Type: typ}
		if typ == corev1.SeccompProfileTypeLocalhost {
			p.LocalhostProfile = checktest.Ptr("profiles/app.json")
		}
		return p
	}
	runCases(t, workload.SeccompMissing, []ruleCase{
		{name: "pod RuntimeDefault", obj: checktest.Pod(func(*corev1.PodSpec) {}), want: "PASS"},
		{name: "pod Localhost", obj: podSCtx(func(p *corev1.PodSecurityContext) { p.SeccompProfile = profile(corev1.SeccompProfileTypeLocalhost) }), want: "PASS"},
		{name: "pod Unconfined", obj: podSCtx(func(p *corev1.PodSecurityContext) { p.SeccompProfile = profile(corev1.SeccompProfileTypeUnconfined) }), want: "FAIL[app]",
			path: podSC + ".seccompProfile", evidence: "seccompProfile.type=Unconfined"},
		{name: "unset", obj: podSCtx(func(p *corev1.PodSecurityContext) { p.SeccompProfile = nil }), want: "FAIL[app]",
			path: "spec.template.spec.containers[0]", evidence: "seccompProfile unset (Unconfined unless the node sets seccompDefault)"},
		{name: "container RuntimeDefault overrides pod Unconfined", obj: checktest.Pod(func(s *corev1.PodSpec) {
			s.SecurityContext.SeccompProfile = profile(corev1.SeccompProfileTypeUnconfined)
			s.Containers[0].SecurityContext.SeccompProfile = profile(corev1.SeccompProfileTypeRuntimeDefault)
		}), want: "PASS"},
		{name: "container Unconfined overrides pod RuntimeDefault", obj: sc(func(s *corev1.SecurityContext) { s.SeccompProfile = profile(corev1.SeccompProfileTypeUnconfined) }),
			want: "FAIL[app]", path: ctrSC + ".seccompProfile"},
	})
}

func TestAppArmor(t *testing.T) {
	profile := func(typ corev1.AppArmorProfileType) *corev1.AppArmorProfile {
		return &corev1.AppArmorProfile{Type: typ}
	}
	annotated := func(v string) *inventory.Object {
		return checktest.Deployment("apps", func(d *appsv1.Deployment) {
			d.Spec.Template.Annotations = map[string]string{inventory.AppArmorAnnotationPrefix + "app": v}
		})
	}
	runCases(t, workload.AppArmorUnconfined, []ruleCase{
		{name: "unset", obj: checktest.Pod(func(*corev1.PodSpec) {}), want: "PASS"},
		{name: "container RuntimeDefault", obj: sc(func(s *corev1.SecurityContext) { s.AppArmorProfile = profile(corev1.AppArmorProfileTypeRuntimeDefault) }), want: "PASS"},
		{name: "container Unconfined", obj: sc(func(s *corev1.SecurityContext) { s.AppArmorProfile = profile(corev1.AppArmorProfileTypeUnconfined) }),
			want: "FAIL[app]", path: ctrSC + ".appArmorProfile", evidence: "appArmorProfile=Unconfined"},
		{name: "pod Unconfined", obj: podSCtx(func(p *corev1.PodSecurityContext) { p.AppArmorProfile = profile(corev1.AppArmorProfileTypeUnconfined) }),
			want: "FAIL[app]", path: podSC + ".appArmorProfile"},
		{name: "annotation unconfined", obj: annotated("unconfined"), want: "FAIL[app]",
			path: "spec.template.metadata.annotations[container.apparmor.security.beta.kubernetes.io/app]"},
		{name: "annotation runtime/default", obj: annotated("runtime/default"), want: "PASS"},
		{name: "annotation localhost", obj: annotated("localhost/app"), want: "PASS"},
	})
}

func TestSELinux(t *testing.T) {
	opts := func(o corev1.SELinuxOptions) *inventory.Object {
		return sc(func(s *corev1.SecurityContext) { s.SELinuxOptions = &o })
	}
	runCases(t, workload.SELinuxEscalating, []ruleCase{
		{name: "unset", obj: checktest.Pod(func(*corev1.PodSpec) {}), want: "PASS"},
		{name: "container_t with a level", obj: opts(corev1.SELinuxOptions{Type: "container_t", Level: "s0:c1,c2"}), want: "PASS"},
		{name: "level only", obj: opts(corev1.SELinuxOptions{Level: "s0:c1,c2"}), want: "PASS"},
		{name: "container_init_t", obj: opts(corev1.SELinuxOptions{Type: "container_init_t"}), want: "PASS"},
		{name: "spc_t", obj: opts(corev1.SELinuxOptions{Type: "spc_t"}), want: "FAIL[app]",
			path: ctrSC + ".seLinuxOptions", evidence: `seLinuxOptions user="" role="" type="spc_t"`},
		{name: "user", obj: opts(corev1.SELinuxOptions{User: "system_u", Type: "container_t"}), want: "FAIL[app]"},
		{name: "role", obj: opts(corev1.SELinuxOptions{Role: "system_r"}), want: "FAIL[app]"},
		{name: "pod level", obj: podSCtx(func(p *corev1.PodSecurityContext) { p.SELinuxOptions = &corev1.SELinuxOptions{Type: "unconfined_t"} }),
			want: "FAIL[app]", path: podSC + ".seLinuxOptions"},
	})
}

func TestRootFilesystemWritable(t *testing.T) {
	runCases(t, workload.RootFilesystemWritable, []ruleCase{
		{name: "read-only", obj: checktest.Pod(func(*corev1.PodSpec) {}), want: "PASS"},
		{name: "unset", obj: sc(func(s *corev1.SecurityContext) { s.ReadOnlyRootFilesystem = nil }), want: "FAIL[app]",
			path: ctrSC + ".readOnlyRootFilesystem", evidence: "readOnlyRootFilesystem is not true"},
		{name: "false", obj: sc(func(s *corev1.SecurityContext) { s.ReadOnlyRootFilesystem = checktest.Ptr(false) }), want: "FAIL[app]"},
		{name: "ephemeral containers are not exempt", obj: checktest.Pod(func(s *corev1.PodSpec) {
			s.EphemeralContainers = []corev1.EphemeralContainer{{EphemeralContainerCommon: corev1.EphemeralContainerCommon{Name: "debug", Image: "registry.bank.internal/debug" + checktest.Digest,
				SecurityContext: &corev1.SecurityContext{AllowPrivilegeEscalation: checktest.Ptr(false), Capabilities: &corev1.Capabilities{Drop: []corev1.Capability{"ALL"}}}}}}
		}), want: "FAIL[debug]", path: "spec.template.spec.ephemeralContainers[0].securityContext.readOnlyRootFilesystem"},
		{name: "read-only ephemeral container", obj: checktest.Pod(func(s *corev1.PodSpec) {
			c := checktest.HardenedContainer("debug")
			s.EphemeralContainers = []corev1.EphemeralContainer{{EphemeralContainerCommon: corev1.EphemeralContainerCommon{Name: c.Name, Image: c.Image, SecurityContext: c.SecurityContext}}}
		}), want: "PASS"},
		{name: "init containers are not", obj: checktest.Pod(func(s *corev1.PodSpec) {
			s.InitContainers = []corev1.Container{checktest.HardenedContainer("init")}
			s.InitContainers[0].SecurityContext.ReadOnlyRootFilesystem = nil
		}), want: "FAIL[init]", path: "spec.template.spec.initContainers[0].securityContext.readOnlyRootFilesystem"},
	})
}

// TestWindowsPods: Linux-only controls are not evaluated on Windows pods;
// the others still are.
func TestWindowsPods(t *testing.T) {
	windows := checktest.Pod(func(s *corev1.PodSpec) {
		s.OS = &corev1.PodOS{Name: corev1.Windows}
		s.SecurityContext.SeccompProfile = nil
		s.Containers[0].SecurityContext = &corev1.SecurityContext{Privileged: checktest.Ptr(true), Capabilities: &corev1.Capabilities{Add: []corev1.Capability{"SYS_ADMIN"}},
			SELinuxOptions: &corev1.SELinuxOptions{Type: "spc_t"}, AppArmorProfile: &corev1.AppArmorProfile{Type: corev1.AppArmorProfileTypeUnconfined},
			RunAsGroup: checktest.Ptr(int64(0))}
	})
	rep := run(nil, windows)
	tests := []struct {
		id, want string
	}{
		{workload.CapabilitiesNotDropped, ""},
		{workload.CapabilitiesAdded, ""},
		{workload.SeccompMissing, ""},
		{workload.AppArmorUnconfined, ""},
		{workload.SELinuxEscalating, ""},
		{workload.RootFilesystemWritable, ""},
		{workload.RootGroup, ""},
		{workload.Privileged, "FAIL[app]"},
		{workload.PrivilegeEscalation, "FAIL[app]"},
		{workload.RunsAsRoot, "PASS"},
	}
	for _, tc := range tests {
		if got := verdicts(rep, tc.id); got != tc.want {
			t.Errorf("%s on a Windows pod = %q, want %q", tc.id, got, tc.want)
		}
		if tc.want == "" && rep.Passed[tc.id] != 0 {
			t.Errorf("%s counted as a pass on a Windows pod", tc.id)
		}
	}
	// The same pod on Linux fails all six.
	linux := run(nil, checktest.Pod(func(s *corev1.PodSpec) {
		s.SecurityContext.SeccompProfile = nil
		s.Containers[0].SecurityContext = &corev1.SecurityContext{Capabilities: &corev1.Capabilities{Add: []corev1.Capability{"SYS_ADMIN"}},
			SELinuxOptions: &corev1.SELinuxOptions{Type: "spc_t"}, AppArmorProfile: &corev1.AppArmorProfile{Type: corev1.AppArmorProfileTypeUnconfined},
			RunAsGroup: checktest.Ptr(int64(0))}
	}))
	for _, id := range workload.LinuxOnly {
		if got := verdicts(linux, id); got != "FAIL[app]" {
			t.Errorf("%s on Linux = %q, want FAIL[app]", id, got)
		}
	}
}
