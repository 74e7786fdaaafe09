package workload_test

import (
	"testing"

	corev1 "k8s.io/api/core/v1"

	"github.com/kubeward/kubeward/internal/check/checktest"
	"github.com/kubeward/kubeward/internal/check/workload"
)

func hostPath(paths ...string) *corev1.PodSpec {
	s := checktest.HardenedPodSpec()
	for i, p := range paths {
		s.Volumes = append(s.Volumes, corev1.Volume{Name: "h" + string(rune('0'+i)), VolumeSource: corev1.VolumeSource{HostPath: &corev1.HostPathVolumeSource{Path: p}}})
	}
	return &s
}

func withHostPath(paths ...string) func(*corev1.PodSpec) {
	return func(s *corev1.PodSpec) { *s = *hostPath(paths...) }
}

func TestRuntimeSocketMounted(t *testing.T) {
	runCases(t, workload.RuntimeSocketMounted, []ruleCase{
		{name: "docker socket", obj: checktest.Pod(withHostPath("/var/run/docker.sock")), want: "FAIL",
			path: "spec.template.spec.volumes[0].hostPath.path", evidence: "hostPath=/var/run/docker.sock"},
		{name: "containerd socket", obj: checktest.Pod(withHostPath("/run/containerd/containerd.sock")), want: "FAIL"},
		{name: "cri-o socket", obj: checktest.Pod(withHostPath("/var/run/crio/crio.sock")), want: "FAIL"},
		{name: "podman socket", obj: checktest.Pod(withHostPath("/run/podman/podman.sock")), want: "FAIL"},
		{name: "directory above a socket", obj: checktest.Pod(withHostPath("/var/run")), want: "FAIL"},
		{name: "containerd state directory", obj: checktest.Pod(withHostPath("/run/containerd")), want: "FAIL"},
		{name: "host root", obj: checktest.Pod(withHostPath("/")), want: "FAIL"},
		{name: "trailing slash", obj: checktest.Pod(withHostPath("/var/run/docker.sock/")), want: "FAIL"},
		{name: "relative path", obj: checktest.Pod(withHostPath("var/run/docker.sock")), want: "FAIL"},
		{name: "dot-dot", obj: checktest.Pod(withHostPath("/var/log/../run/docker.sock")), want: "FAIL"},
		{name: "second volume", obj: checktest.Pod(withHostPath("/var/log/app", "/run/docker.sock")), want: "FAIL", path: "spec.template.spec.volumes[1].hostPath.path"},
		{name: "one finding per volume", obj: checktest.Pod(withHostPath("/run/docker.sock", "/var/run/docker.sock")), want: "FAIL FAIL"},
		{name: "unrelated host path", obj: checktest.Pod(withHostPath("/var/log/app")), want: "PASS"},
		{name: "similar name", obj: checktest.Pod(withHostPath("/var/run/docker.sock.bak")), want: "PASS"},
		{name: "no volumes", obj: checktest.Pod(func(*corev1.PodSpec) {}), want: "PASS"},
		{name: "non-hostPath volume", obj: checktest.Pod(func(s *corev1.PodSpec) {
			s.Volumes = []corev1.Volume{{Name: "e", VolumeSource: corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{}}}}
		}), want: "PASS"},
	})
}

func TestSensitiveHostPath(t *testing.T) {
	runCases(t, workload.SensitiveHostPath, []ruleCase{
		{name: "etc", obj: checktest.Pod(withHostPath("/etc")), want: "FAIL", path: "spec.template.spec.volumes[0].hostPath.path", evidence: "hostPath=/etc"},
		{name: "under etc", obj: checktest.Pod(withHostPath("/etc/ssl/certs")), want: "FAIL"},
		{name: "kubernetes pki", obj: checktest.Pod(withHostPath("/etc/kubernetes/pki")), want: "FAIL"},
		{name: "proc", obj: checktest.Pod(withHostPath("/proc")), want: "FAIL"},
		{name: "kubelet dir", obj: checktest.Pod(withHostPath("/var/lib/kubelet/pods")), want: "FAIL"},
		{name: "root home", obj: checktest.Pod(withHostPath("/root/.ssh")), want: "FAIL"},
		{name: "host root", obj: checktest.Pod(withHostPath("/")), want: "FAIL"},
		{name: "trailing slash", obj: checktest.Pod(withHostPath("/etc/")), want: "FAIL"},
		{name: "prefix is not a parent", obj: checktest.Pod(withHostPath("/etcd-backup")), want: "PASS"},
		{name: "var log", obj: checktest.Pod(withHostPath("/var/log/app")), want: "PASS"},
		{name: "data directory", obj: checktest.Pod(withHostPath("/data")), want: "PASS"},
	})
}

func TestHostNamespaces(t *testing.T) {
	tests := []struct {
		id, field string
		set       func(*corev1.PodSpec)
	}{
		{workload.HostNetwork, "hostNetwork", func(s *corev1.PodSpec) { s.HostNetwork = true }},
		{workload.HostPID, "hostPID", func(s *corev1.PodSpec) { s.HostPID = true }},
		{workload.HostIPC, "hostIPC", func(s *corev1.PodSpec) { s.HostIPC = true }},
	}
	for _, tc := range tests {
		t.Run(tc.field, func(t *testing.T) {
			runCases(t, tc.id, []ruleCase{
				{name: "set", obj: checktest.Pod(tc.set), want: "FAIL", path: "spec.template.spec." + tc.field, evidence: tc.field + "=true"},
				{name: "unset", obj: checktest.Pod(func(*corev1.PodSpec) {}), want: "PASS"},
			})
		})
	}
	// Each namespace is its own check: hostNetwork alone does not fail hostPID.
	rep := run(nil, checktest.Pod(func(s *corev1.PodSpec) { s.HostNetwork = true }))
	if got := verdicts(rep, workload.HostPID) + "/" + verdicts(rep, workload.HostIPC); got != "PASS/PASS" {
		t.Errorf("hostNetwork affects the other checks: %s", got)
	}
}

func TestHostPort(t *testing.T) {
	runCases(t, workload.HostPort, []ruleCase{
		{name: "host port", obj: checktest.Container(func(c *corev1.Container) {
			c.Ports = []corev1.ContainerPort{{ContainerPort: 8080}, {ContainerPort: 443, HostPort: 443}}
		}),
			want: "FAIL[app]", path: "spec.template.spec.containers[0].ports[1].hostPort", evidence: "hostPort=443"},
		{name: "container port only", obj: checktest.Container(func(c *corev1.Container) { c.Ports = []corev1.ContainerPort{{ContainerPort: 8080}} }), want: "PASS"},
		{name: "init container", obj: checktest.Pod(func(s *corev1.PodSpec) {
			s.InitContainers = []corev1.Container{{Name: "init", Ports: []corev1.ContainerPort{{ContainerPort: 53, HostPort: 53}}}}
		}), want: "FAIL[init]", path: "spec.template.spec.initContainers[0].ports[0].hostPort"},
		{name: "two containers", obj: checktest.Pod(func(s *corev1.PodSpec) {
			s.Containers = append(s.Containers, checktest.HardenedContainer("b"))
			s.Containers[0].Ports = []corev1.ContainerPort{{HostPort: 80}}
			s.Containers[1].Ports = []corev1.ContainerPort{{HostPort: 81}}
		}), want: "FAIL[app] FAIL[b]"},
	})
}
