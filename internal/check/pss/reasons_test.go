package pss

import (
	"regexp"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// violators are pods that break every control in each way the upstream
// library words differently: pod or container setters, one or several
// containers, annotations, several values.
func violators() []struct {
	name string
	meta metav1.ObjectMeta
	spec corev1.PodSpec
} {
	yes, no, zero, one := true, false, int64(0), int64(1000)
	unmasked := corev1.UnmaskedProcMount
	hostProcess := true
	bad := func(name string) corev1.Container {
		return corev1.Container{
			Name: name,
			SecurityContext: &corev1.SecurityContext{
				Privileged:               &yes,
				AllowPrivilegeEscalation: &yes,
				RunAsNonRoot:             &no,
				RunAsUser:                &zero,
				ProcMount:                &unmasked,
				Capabilities:             &corev1.Capabilities{Add: []corev1.Capability{"SYS_ADMIN", "NET_ADMIN"}},
				SeccompProfile:           &corev1.SeccompProfile{Type: corev1.SeccompProfileTypeUnconfined},
				AppArmorProfile:          &corev1.AppArmorProfile{Type: corev1.AppArmorProfileTypeUnconfined},
				SELinuxOptions:           &corev1.SELinuxOptions{Type: "spc_t", User: "root", Role: "sysadm_r"},
				WindowsOptions:           &corev1.WindowsSecurityContextOptions{HostProcess: &hostProcess},
			},
			Ports: []corev1.ContainerPort{{HostPort: 80}, {HostPort: 443}},
			LivenessProbe: &corev1.Probe{ProbeHandler: corev1.ProbeHandler{
				HTTPGet: &corev1.HTTPGetAction{Host: "10.0.0.1"},
			}},
			Lifecycle: &corev1.Lifecycle{PreStop: &corev1.LifecycleHandler{TCPSocket: &corev1.TCPSocketAction{Host: "10.0.0.2"}}},
		}
	}
	implicit := func(name string) corev1.Container {
		return corev1.Container{Name: name, Ports: []corev1.ContainerPort{{HostPort: 8080}}}
	}
	hostPath := func(name string) corev1.Volume {
		return corev1.Volume{Name: name, VolumeSource: corev1.VolumeSource{HostPath: &corev1.HostPathVolumeSource{Path: "/"}}}
	}
	nfs := corev1.Volume{Name: "share", VolumeSource: corev1.VolumeSource{NFS: &corev1.NFSVolumeSource{Server: "nfs", Path: "/"}}}
	podSC := &corev1.PodSecurityContext{
		RunAsNonRoot:    &no,
		RunAsUser:       &zero,
		SeccompProfile:  &corev1.SeccompProfile{Type: corev1.SeccompProfileTypeUnconfined},
		AppArmorProfile: &corev1.AppArmorProfile{Type: corev1.AppArmorProfileTypeUnconfined},
		SELinuxOptions:  &corev1.SELinuxOptions{Type: "spc_t"},
		Sysctls:         []corev1.Sysctl{{Name: "kernel.msgmax", Value: "1"}, {Name: "net.core.somaxconn", Value: "1"}},
		WindowsOptions:  &corev1.WindowsSecurityContextOptions{HostProcess: &hostProcess},
	}
	_ = one
	annotated := metav1.ObjectMeta{Annotations: map[string]string{
		"container.apparmor.security.beta.kubernetes.io/a": "unconfined",
		"seccomp.security.alpha.kubernetes.io/pod":         "unconfined",
		"container.seccomp.security.alpha.kubernetes.io/a": "unconfined",
	}}
	return []struct {
		name string
		meta metav1.ObjectMeta
		spec corev1.PodSpec
	}{
		{"one container", metav1.ObjectMeta{}, corev1.PodSpec{Containers: []corev1.Container{bad("a")}, Volumes: []corev1.Volume{hostPath("root")}}},
		{"several containers", metav1.ObjectMeta{}, corev1.PodSpec{Containers: []corev1.Container{bad("a"), bad("b")}, Volumes: []corev1.Volume{hostPath("root"), hostPath("docker"), nfs}}},
		{"pod and containers", annotated, corev1.PodSpec{SecurityContext: podSC, HostNetwork: true, HostPID: true, HostIPC: true,
			Containers: []corev1.Container{bad("a"), bad("b")}}},
		{"pod only", annotated, corev1.PodSpec{SecurityContext: podSC, Containers: []corev1.Container{{Name: "a"}}}},
		{"implicit", metav1.ObjectMeta{}, corev1.PodSpec{Containers: []corev1.Container{implicit("a")}, InitContainers: []corev1.Container{implicit("init")}}},
		{"implicit one", metav1.ObjectMeta{}, corev1.PodSpec{Containers: []corev1.Container{implicit("a")}}},
	}
}

// prose finds two plain English words in a row outside quotes.
var prose = regexp.MustCompile(`(?:^|[\s（(])[A-Za-z]+ [A-Za-z]+(?:[\s）),;]|$)`)

var quotedText = regexp.MustCompile(`"[^"]*"`)

// Every reason and detail the upstream library gives for these pods has a
// Chinese form with no English prose left.
func TestEveryUpstreamReasonTranslated(t *testing.T) {
	seen := 0
	for _, v := range violators() {
		for _, c := range checks {
			r := c.fn(&v.meta, &v.spec)
			if r.Allowed {
				continue
			}
			seen++
			zh, ok := violationZH(r.ForbiddenReason, r.ForbiddenDetail)
			if !ok {
				t.Errorf("%s/%s: untranslated: %q (%q)\n  zh: %s", v.name, c.id, r.ForbiddenReason, r.ForbiddenDetail, zh)
				continue
			}
			bare := quotedText.ReplaceAllString(zh, `""`)
			for _, term := range []string{"Windows HostProcess"} {
				bare = strings.ReplaceAll(bare, term, "")
			}
			if m := prose.FindString(bare); m != "" {
				t.Errorf("%s/%s: English %q left in %s", v.name, c.id, m, zh)
			}
		}
	}
	if seen < 3*len(checks) {
		t.Errorf("only %d violations seen; the pods must break every control", seen)
	}
}

func TestViolationZH(t *testing.T) {
	for _, tc := range []struct{ reason, detail, want string }{
		{"privileged", `container "api" must not set securityContext.privileged=true`, `特权容器（容器 "api" 不得设置 securityContext.privileged=true）`},
		{"unrestricted capabilities", `container "api" must set securityContext.capabilities.drop=["ALL"]; container "api" must not include "SYS_ADMIN" in securityContext.capabilities.add`,
			`未受限的能力（容器 "api" 必须设置 securityContext.capabilities.drop=["ALL"]；容器 "api" 不得在 securityContext.capabilities.add 中包含 "SYS_ADMIN"）`},
		{"runAsUser=0", `pod and container "api" must not set runAsUser=0`, `runAsUser=0（Pod 和 容器 "api" 不得设置 runAsUser=0）`},
		{"host namespaces", "hostNetwork=true, hostPID=true", "宿主机命名空间（hostNetwork=true, hostPID=true）"},
	} {
		got, ok := violationZH(tc.reason, tc.detail)
		if !ok || got != tc.want {
			t.Errorf("violationZH(%q, %q) = %q, %v; want %q", tc.reason, tc.detail, got, ok, tc.want)
		}
	}
	// An unknown form keeps its English in a Chinese frame.
	got, ok := violationZH("new control", "something new happened")
	if ok || !strings.Contains(got, "上游原因 new control") || !strings.Contains(got, "上游说明 something new happened") {
		t.Errorf("fallback = %q, %v", got, ok)
	}
}
