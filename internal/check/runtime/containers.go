package runtime

import (
	"fmt"
	"path"
	"sort"
	"strings"

	"github.com/kubeward/kubeward/internal/catalog"
	"github.com/kubeward/kubeward/internal/check"
	"github.com/kubeward/kubeward/internal/check/workload"
	"github.com/kubeward/kubeward/internal/inventory"
	"github.com/kubeward/kubeward/internal/result"
)

// ContainerKind is the subject kind of container results:
// "docker container NAME (ID12)". The node emitter names subjects after
// components, so the container's name and short ID ride in the kind.
func ContainerKind(ct *inventory.DockerContainer) string {
	return fmt.Sprintf("docker container %s (%s)", ct.DisplayName(), inventory.DockerShortID(ct.ID))
}

func checkContainers(env *check.Env, d *daemon, sockets []string, em *check.NodeEmitter) {
	if d.err != "" {
		status, msg := result.Error, catalog.F("cannot read the containers of this dockerd: %v", "无法读取此 dockerd 的容器：%v", d.err)
		if d.c.PID == 0 {
			status = result.NotApplicable
			msg = catalog.F("dockerd is not running (found in %s): no containers to audit (%v)", "dockerd 未运行（发现于 %s）：没有可审计的容器（%v）", d.c.Origin(), d.err)
		}
		for _, id := range ContainerIDs {
			em.Add(id, status, d.c, nil, msg, "")
		}
		return
	}
	if len(d.state.Containers) == 0 {
		for _, id := range ContainerIDs {
			em.Add(id, result.NotApplicable, d.c, &result.Location{File: d.state.Source},
				catalog.F("no containers on this Docker engine (%s)", "此 Docker 引擎上没有容器（%s）", d.state.Source), "")
		}
		return
	}
	sockets = append(append([]string{}, sockets...), d.unixSockets()...)
	apparmor, selinux := hostLSMs(d.state.Info)
	nnp := d.c.Setting("no-new-privileges")
	for i := range d.state.Containers {
		ct := &d.state.Containers[i]
		subject := &inventory.Component{Kind: ContainerKind(ct)}
		at := func(field string) *result.Location {
			return &result.Location{File: "/containers/" + inventory.DockerShortID(ct.ID) + "/json", Path: field, Origin: d.state.Source}
		}
		add := func(id string, bad bool, field string, msg catalog.Text, evidence string) {
			if bad {
				em.Add(id, result.Fail, subject, at(field), msg, evidence)
			} else {
				em.Add(id, result.Pass, subject, at(field), catalog.Text{}, evidence)
			}
		}
		name := ct.DisplayName()
		hc := &ct.HostConfig

		add(CtrPrivileged, hc.Privileged, "HostConfig.Privileged",
			catalog.F("container %s runs privileged: every device and capability of the host", "容器 %s 以特权模式运行：拥有宿主机的所有设备和能力", name),
			fmt.Sprintf("HostConfig.Privileged=%t", hc.Privileged))

		mounted, field := mountedSockets(ct, sockets)
		add(CtrRuntimeSocket, len(mounted) > 0, field,
			catalog.F("container %s mounts %s: it controls the container runtime, and so the node", "容器 %s 挂载了 %s：可控制容器运行时，进而控制节点", name, strings.Join(mounted, ", ")),
			socketEvidence(ct, mounted))

		user := strings.TrimSpace(ct.Config.User)
		uname, _, _ := strings.Cut(user, ":")
		root := uname == "" || uname == "0" || uname == "root"
		shown := user
		if shown == "" {
			shown = "<unset: root>"
		}
		add(CtrRoot, root, "Config.User",
			catalog.F("container %s runs as root (User %q)", "容器 %s 以 root 用户运行（User %q）", name, user),
			"Config.User="+shown)

		extra := addedCaps(hc.CapAdd, env.Config.AllowedCapabilities)
		add(CtrCapAdd, len(extra) > 0, "HostConfig.CapAdd",
			catalog.F("container %s adds capabilities %s", "容器 %s 添加了能力 %s", name, strings.Join(extra, ", ")),
			"HostConfig.CapAdd="+listOrNone(hc.CapAdd))

		off := unconfined(hc)
		add(CtrUnconfined, len(off) > 0, "HostConfig.SecurityOpt",
			catalog.F("container %s runs with %s", "容器 %s 使用了 %s", name, strings.Join(off, ", ")),
			"HostConfig.SecurityOpt="+listOrNone(shortOpts(hc.SecurityOpt)))

		var shared []string
		for _, ns := range []struct{ name, mode string }{{"NetworkMode", hc.NetworkMode}, {"PidMode", hc.PidMode}, {"IpcMode", hc.IpcMode}} {
			if strings.EqualFold(ns.mode, "host") {
				shared = append(shared, ns.name+"=host")
			}
		}
		// One FAIL per shared namespace, located at its field: the compliance
		// view tells CIS 5.10, 5.16 and 5.17 apart by it.
		nsEvidence := fmt.Sprintf("HostConfig.NetworkMode=%s, PidMode=%s, IpcMode=%s", orNone(hc.NetworkMode), orNone(hc.PidMode), orNone(hc.IpcMode))
		for _, s := range shared {
			add(CtrHostNamespace, true, "HostConfig."+strings.TrimSuffix(s, "=host"),
				catalog.F("container %s shares the host's namespaces: %s", "容器 %s 共享宿主机的命名空间：%s", name, s), nsEvidence)
		}
		if len(shared) == 0 {
			add(CtrHostNamespace, false, "HostConfig", catalog.Text{}, nsEvidence)
		}

		checkCISContainer(ct, func(id string, status result.Status, field string, msg catalog.Text, evidence string) {
			em.Add(id, status, subject, at(field), msg, evidence)
		}, apparmor, selinux, isTrue(nnp.Value), nnp.Evidence("no-new-privileges"))
	}
}

// hostLSMs reports whether the engine enforces AppArmor and SELinux
// (/info SecurityOptions).
func hostLSMs(info *inventory.DockerInfo) (apparmor, selinux bool) {
	if info == nil {
		return false, false
	}
	for _, o := range info.SecurityOptions {
		apparmor = apparmor || strings.Contains(o, "name=apparmor")
		selinux = selinux || strings.Contains(o, "name=selinux")
	}
	return apparmor, selinux
}

// unixSockets are the sockets this daemon serves.
func (d *daemon) unixSockets() []string {
	var out []string
	for _, l := range d.facts.Listeners {
		if l.Proto == "unix" {
			out = append(out, l.Addr)
		}
	}
	return out
}

// runtimeSockets lists the runtime sockets of the node: the well-known
// ones and those its containerd and CRI-O are configured with.
func runtimeSockets(n *inventory.Node) []string {
	out := append([]string{}, workload.RuntimeSockets...)
	for _, c := range n.ComponentsOf(inventory.Containerd) {
		if a, ok := c.Flag("address"); ok {
			out = append(out, a)
		} else if a, ok := c.Flag("a"); ok {
			out = append(out, a)
		} else if v, ok := c.ConfigValue("grpc.address"); ok {
			out = append(out, fmt.Sprint(v))
		}
	}
	for _, c := range n.ComponentsOf(inventory.CRIO) {
		if a, ok := c.Flag("listen"); ok {
			out = append(out, a)
		} else if v, ok := c.ConfigValue("crio.api.listen"); ok {
			out = append(out, fmt.Sprint(v))
		}
	}
	for _, c := range n.ComponentsOf(inventory.Dockerd) {
		if c.Docker == nil {
			continue
		}
		for _, l := range c.Docker.Listeners {
			if l.Proto == "unix" {
				out = append(out, l.Addr)
			}
		}
	}
	return out
}

// mountedSockets returns the runtime sockets a container's bind mounts
// expose (the socket itself or a directory above it) and the field to fix.
func mountedSockets(ct *inventory.DockerContainer, sockets []string) ([]string, string) {
	var found []string
	seen := map[string]bool{}
	field := "Mounts"
	check := func(src, f string) {
		if src == "" || !strings.HasPrefix(src, "/") {
			return // a named volume
		}
		src = path.Clean(src)
		for _, s := range sockets {
			s = path.Clean(s)
			if src == s || src == "/" || strings.HasPrefix(s, src+"/") {
				if !seen[s] {
					seen[s] = true
					found = append(found, s)
					if len(found) == 1 {
						field = f
					}
				}
			}
		}
	}
	for i, m := range ct.Mounts {
		if m.Type == "" || m.Type == "bind" {
			check(m.Source, fmt.Sprintf("Mounts[%d].Source", i))
		}
	}
	for i, b := range ct.HostConfig.Binds {
		src, _, _ := strings.Cut(b, ":")
		check(src, fmt.Sprintf("HostConfig.Binds[%d]", i))
	}
	sort.Strings(found)
	return found, field
}

func socketEvidence(ct *inventory.DockerContainer, mounted []string) string {
	var binds []string
	for _, m := range ct.Mounts {
		if m.Type == "" || m.Type == "bind" {
			binds = append(binds, m.Source+":"+m.Destination)
		}
	}
	ev := "bind mounts: " + listOrNone(binds)
	if len(mounted) > 0 {
		ev += "; exposes " + strings.Join(mounted, ", ")
	}
	return ev
}

func normCap(c string) string {
	return strings.TrimPrefix(strings.ToUpper(strings.TrimSpace(c)), "CAP_")
}

// addedCaps are the added capabilities outside the allowed list.
func addedCaps(add, allowed []string) []string {
	ok := map[string]bool{}
	for _, a := range allowed {
		ok[normCap(a)] = true
	}
	var out []string
	for _, c := range add {
		n := normCap(c)
		if n != "" && (n == "ALL" || !ok[n]) {
			out = append(out, n)
		}
	}
	return out
}

// unconfined returns the security options that turn confinement off.
// dockerd itself adds label=disable to privileged containers and to those
// sharing the host's PID or IPC namespace; KW-CTR-001 and KW-CTR-006
// report those, so the daemon's own label=disable is not counted again.
func unconfined(hc *inventory.DockerHostConfig) []string {
	daemonLabel := hc.Privileged || strings.EqualFold(hc.PidMode, "host") || strings.EqualFold(hc.IpcMode, "host")
	var out []string
	for _, o := range hc.SecurityOpt {
		k, v, ok := strings.Cut(o, "=")
		if !ok {
			k, v, _ = strings.Cut(o, ":") // the old --security-opt seccomp:unconfined form
		}
		k, v = strings.ToLower(strings.TrimSpace(k)), strings.ToLower(strings.TrimSpace(v))
		switch {
		case k == "seccomp" && v == "unconfined", k == "apparmor" && v == "unconfined", k == "label" && v == "disable" && !daemonLabel:
			out = append(out, k+"="+v)
		}
	}
	return out
}

// shortOpts shortens inline seccomp profiles (the docker CLI sends the
// profile's JSON as the option's value).
func shortOpts(opts []string) []string {
	out := make([]string, len(opts))
	for i, o := range opts {
		if len(o) > 64 {
			k, _, _ := strings.Cut(o, "=")
			o = k + "=<custom profile>"
		}
		out[i] = o
	}
	return out
}

func listOrNone(l []string) string {
	if len(l) == 0 {
		return "[]"
	}
	return "[" + strings.Join(l, ",") + "]"
}

func orNone(s string) string {
	if s == "" {
		return "<default>"
	}
	return s
}
