package workload

import (
	"fmt"
	"path"
	"strconv"
	"strings"

	"github.com/kubeward/kubeward/internal/catalog"
	"github.com/kubeward/kubeward/internal/check"
	"github.com/kubeward/kubeward/internal/check/cel"
)

const (
	RuntimeSocketMounted = "KW-HOST-001"
	SensitiveHostPath    = "KW-HOST-002"
	HostNetwork          = "KW-HOST-003"
	HostPID              = "KW-HOST-004"
	HostIPC              = "KW-HOST-005"
	HostPort             = "KW-HOST-006"
)

func init() {
	wl := check.Manifest | check.Cluster | check.Admission
	check.Register(
		check.Spec{ID: RuntimeSocketMounted, Fix: fixes[RuntimeSocketMounted], CEL: runtimeSocketMountedCEL, Object: hostAccessRule, Item: "1.3", Severity: catalog.SeverityCritical, Scope: wl,
			Title:       catalog.Text{EN: "Container runtime socket is mounted", ZH: "挂载了容器运行时套接字"},
			Remediation: catalog.Text{EN: "Remove the hostPath volume: whoever reaches the Docker, containerd or CRI-O socket controls the node.", ZH: "删除该 hostPath 卷：能访问 Docker、containerd 或 CRI-O 套接字即可控制整个节点。"},
			References:  []string{"CIS Docker v1.6.0 5.32", "NIST SP 800-190 4.4"}},
		check.Spec{ID: SensitiveHostPath, Fix: fixes[SensitiveHostPath], CEL: sensitiveHostPathCEL, Object: hostAccessRule, Item: "2.4", Severity: catalog.SeverityHigh, Scope: wl,
			Title:       catalog.Text{EN: "Sensitive host path is mounted", ZH: "挂载了敏感的宿主机路径"},
			Remediation: catalog.Text{EN: "Do not mount host system directories; use ConfigMaps, Secrets, emptyDir or persistent volumes.", ZH: "不要挂载宿主机系统目录；改用 ConfigMap、Secret、emptyDir 或持久卷。"},
			References:  []string{"CIS Docker v1.6.0 5.6", "CIS Kubernetes v1.12 5.2.11", "PSS baseline: HostPath Volumes"}},
		check.Spec{ID: HostNetwork, Fix: fixes[HostNetwork], CEL: hostNetworkCEL, Object: hostAccessRule, Item: "2.4", Severity: catalog.SeverityHigh, Scope: wl,
			Title:       catalog.Text{EN: "Pod shares the host network namespace", ZH: "Pod 共享宿主机网络命名空间"},
			Remediation: catalog.Text{EN: "Remove hostNetwork: true; expose the app through a Service.", ZH: "删除 hostNetwork: true；通过 Service 暴露应用。"},
			References:  []string{"CIS Kubernetes v1.12 5.2.5", "PSS baseline: Host Namespaces"}},
		check.Spec{ID: HostPID, Fix: fixes[HostPID], CEL: hostPIDCEL, Object: hostAccessRule, Item: "2.4", Severity: catalog.SeverityHigh, Scope: wl,
			Title:       catalog.Text{EN: "Pod shares the host process namespace", ZH: "Pod 共享宿主机进程命名空间"},
			Remediation: catalog.Text{EN: "Remove hostPID: true.", ZH: "删除 hostPID: true。"},
			References:  []string{"CIS Kubernetes v1.12 5.2.3", "PSS baseline: Host Namespaces"}},
		check.Spec{ID: HostIPC, Fix: fixes[HostIPC], CEL: hostIPCCEL, Object: hostAccessRule, Item: "2.4", Severity: catalog.SeverityHigh, Scope: wl,
			Title:       catalog.Text{EN: "Pod shares the host IPC namespace", ZH: "Pod 共享宿主机 IPC 命名空间"},
			Remediation: catalog.Text{EN: "Remove hostIPC: true.", ZH: "删除 hostIPC: true。"},
			References:  []string{"CIS Kubernetes v1.12 5.2.4", "PSS baseline: Host Namespaces"}},
		check.Spec{ID: HostPort, Fix: fixes[HostPort], CEL: hostPortCEL, Object: hostAccessRule, Item: "2.4", Severity: catalog.SeverityMedium, Scope: wl,
			Title:       catalog.Text{EN: "Container binds a host port", ZH: "容器绑定了宿主机端口"},
			Remediation: catalog.Text{EN: "Remove hostPort; use a Service (ClusterIP, NodePort behind the firewall, or LoadBalancer).", ZH: "删除 hostPort；使用 Service（ClusterIP、防火墙之后的 NodePort 或 LoadBalancer）。"},
			References:  []string{"CIS Kubernetes v1.12 5.2.12", "PSS baseline: Host Ports"}},
	)
}

// The checks as admission-policy predicates (check.CEL): what holds when
// each passes, exported by `kubeward export vap`.
var (
	runtimeSocketMountedCEL = &check.CEL{Target: check.CELPod, OK: check.Const(
		"!has(variables.podSpec.volumes) || variables.podSpec.volumes.all(v, " +
			cel.HostPathOK("v", "p != '/' && !"+cel.List(RuntimeSockets)+".exists(s, p == s || s.startsWith(p + '/'))") + ")")}
	sensitiveHostPathCEL = &check.CEL{Target: check.CELPod, OK: check.Const(
		"!has(variables.podSpec.volumes) || variables.podSpec.volumes.all(v, " +
			cel.HostPathOK("v", "!"+cel.List(sensitiveHostPaths)+".exists(s, p == s || (s != '/' && p.startsWith(s + '/')))") + ")")}
	hostNetworkCEL = &check.CEL{Target: check.CELPod, OK: check.Const("!has(variables.podSpec.hostNetwork) || variables.podSpec.hostNetwork != true")}
	hostPIDCEL     = &check.CEL{Target: check.CELPod, OK: check.Const("!has(variables.podSpec.hostPID) || variables.podSpec.hostPID != true")}
	hostIPCCEL     = &check.CEL{Target: check.CELPod, OK: check.Const("!has(variables.podSpec.hostIPC) || variables.podSpec.hostIPC != true")}
	hostPortCEL    = &check.CEL{Target: check.CELPod, List: check.AllContainers, OK: check.Const(
		"!has(c.ports) || c.ports.all(p, !has(p.hostPort) || p.hostPort == 0)")}
)

var hostAccessRule = &check.ObjectRule{Applies: isWorkload, Run: checkHostAccess}

// RuntimeSockets are the sockets of container runtimes; mounting one of them
// or a directory above one hands the runtime to the container.
var RuntimeSockets = []string{
	"/var/run/docker.sock", "/run/docker.sock",
	"/run/containerd/containerd.sock", "/var/run/containerd/containerd.sock",
	"/run/crio/crio.sock", "/var/run/crio/crio.sock",
	"/var/run/cri-dockerd.sock", "/run/cri-dockerd.sock",
	"/run/podman/podman.sock", "/var/run/dockershim.sock",
}

// sensitiveHostPaths are host directories whose content gives away the node.
var sensitiveHostPaths = []string{
	"/", "/etc", "/proc", "/sys", "/dev", "/boot", "/root", "/home", "/var/lib/kubelet",
	"/var/lib/etcd", "/etc/kubernetes", "/var/lib/docker", "/var/lib/containerd", "/run/containerd", "/var/run/secrets",
}

// runtimeSocketMounted returns the socket a host path exposes, if any.
func runtimeSocketMounted(p string) (string, bool) {
	p = path.Clean("/" + p)
	for _, s := range RuntimeSockets {
		if p == s || p == "/" || strings.HasPrefix(s, p+"/") {
			return s, true
		}
	}
	return "", false
}

func sensitivePath(p string) bool {
	p = path.Clean("/" + p)
	for _, s := range sensitiveHostPaths {
		if p == s || (s != "/" && strings.HasPrefix(p, s+"/")) {
			return true
		}
	}
	return false
}

func checkHostAccess(_ *check.Env, t *check.Target, em *check.Emitter) {
	w := t.Workload
	s := w.Spec
	for i, v := range s.Volumes {
		if v.HostPath == nil {
			continue
		}
		p := fmt.Sprintf("%s.volumes[%d].hostPath.path", w.SpecPath, i)
		hp := v.HostPath.Path
		if sock, ok := runtimeSocketMounted(hp); ok {
			em.Fail(RuntimeSocketMounted, "", p, catalog.F("volume %s mounts %s, which exposes %s", "卷 %s 挂载了 %s，暴露了 %s", v.Name, hp, sock), "hostPath="+hp)
		}
		if sensitivePath(hp) {
			em.Fail(SensitiveHostPath, "", p, catalog.F("volume %s mounts the host's %s", "卷 %s 挂载了宿主机的 %s", v.Name, hp), "hostPath="+hp)
		}
	}
	if s.HostNetwork {
		em.Fail(HostNetwork, "", w.SpecPath+".hostNetwork", catalog.F("pod uses the host's network", "Pod 使用宿主机网络"), "hostNetwork=true")
	}
	if s.HostPID {
		em.Fail(HostPID, "", w.SpecPath+".hostPID", catalog.F("pod sees the host's processes", "Pod 可以看到宿主机的进程"), "hostPID=true")
	}
	if s.HostIPC {
		em.Fail(HostIPC, "", w.SpecPath+".hostIPC", catalog.F("pod shares the host's IPC", "Pod 共享宿主机 IPC"), "hostIPC=true")
	}
	for _, c := range w.Containers() {
		for j, port := range c.Ports {
			if port.HostPort != 0 {
				em.Fail(HostPort, c.Name, c.Path+".ports["+strconv.Itoa(j)+"].hostPort",
					catalog.F("container %s binds host port %d", "容器 %s 绑定了宿主机端口 %d", c.Name, port.HostPort), "hostPort="+strconv.Itoa(int(port.HostPort)))
			}
		}
	}
}
