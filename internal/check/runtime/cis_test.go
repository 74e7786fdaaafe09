package runtime

import (
	"strings"
	"testing"

	"github.com/kubeward/kubeward/internal/check"
	"github.com/kubeward/kubeward/internal/inventory"
	"github.com/kubeward/kubeward/internal/result"
)

func int64p(v int64) *int64 { return &v }

// cisHardenedContainer passes every CIS Docker container check.
func cisHardenedContainer() inventory.DockerContainer {
	return inventory.DockerContainer{
		ID: "0123456789abcdef", Name: "/app", AppArmorProfile: "docker-default",
		State:  inventory.DockerContainerState{Status: "running", Running: true, Pid: 42, Health: &inventory.DockerHealth{Status: "healthy"}},
		Config: inventory.DockerContainerConfig{User: "1000", Image: "app:1", Healthcheck: &inventory.DockerHealthcheck{Test: []string{"CMD", "/app", "-health"}}},
		HostConfig: inventory.DockerHostConfig{
			Memory: 256 << 20, CPUShares: 512, ReadonlyRootfs: true, PidsLimit: int64p(100),
			SecurityOpt:   []string{"no-new-privileges"},
			NetworkMode:   "bridge",
			PortBindings:  map[string][]inventory.DockerPortBinding{"80/tcp": {{HostIP: "127.0.0.1", HostPort: "8080"}}},
			RestartPolicy: inventory.DockerRestartPolicy{Name: "on-failure", MaximumRetryCount: 5},
		},
		Mounts:         []inventory.DockerMount{{Type: "bind", Source: "/srv/app", Destination: "/data", RW: true, Propagation: "rprivate"}},
		Processes:      []string{"app"},
		ProcessesKnown: true,
	}
}

// cisHardenedNode is a node whose dockerd and host pass every CIS Docker
// check of cis.go.
func cisHardenedNode() *inventory.Node {
	n := &inventory.Node{Hostname: "n1", Users: map[uint32]string{0: "root"}, Groups: map[uint32]string{0: "root", 998: "docker"}}
	d := &inventory.Component{Kind: inventory.Dockerd, PID: 10, Source: "process",
		Flags: map[string][]string{"log-driver": {"syslog"}, "authorization-plugin": {"authz-broker"}, "userland-proxy": {"false"},
			"tlscacert": {"/etc/docker/tls/ca.pem"}},
		Docker: &inventory.DockerDaemon{
			Listeners: []inventory.DockerListener{{Proto: "unix", Addr: "/run/docker.sock", From: "default"}},
			State: &inventory.DockerState{Source: "Engine API unix:///run/docker.sock", Info: &inventory.DockerInfo{
				SecurityOptions: []string{"name=apparmor", "name=seccomp,profile=default"}, Swarm: inventory.DockerSwarm{LocalNodeState: "inactive"}},
				Containers: []inventory.DockerContainer{cisHardenedContainer()}},
		}}
	n.Components = []*inventory.Component{d}
	h := &inventory.DockerHost{Group: "docker", GroupFound: true}
	n.DockerHost = h
	file := func(role, path string, mode uint32) {
		h.Files = append(h.Files, inventory.DockerHostFile{Role: role, Path: path})
		n.AddFile(&inventory.File{Path: path, Present: true, Mode: mode})
		h.AuditRules = append(h.AuditRules, inventory.AuditWatch{File: "/etc/audit/rules.d/docker.rules", Line: len(h.AuditRules) + 1, Path: path, Text: "-w " + path + " -k docker"})
	}
	file("docker.service", "/lib/systemd/system/docker.service", 0o644)
	file("docker.socket", "/lib/systemd/system/docker.socket", 0o644)
	file("/etc/docker", "/etc/docker", 0o755)
	file("daemon.json", "/etc/docker/daemon.json", 0o644)
	file("/etc/default/docker", "/etc/default/docker", 0o644)
	file("containerd.sock", "/run/containerd/containerd.sock", 0o660)
	file("/run/containerd", "/run/containerd", 0o711)
	file("/etc/containerd/config.toml", "/etc/containerd/config.toml", 0o644)
	file("data-root", "/var/lib/docker", 0o710)
	file("tlscacert", "/etc/docker/tls/ca.pem", 0o444)
	file("registry certificate", "/etc/docker/certs.d/reg:5000/ca.crt", 0o444)
	for _, b := range []string{"dockerd", "containerd", "containerd-shim-runc-v2", "runc"} {
		file(b, "/usr/bin/"+b, 0o755)
	}
	// Absent files: not applicable.
	for _, p := range [][2]string{{"/etc/sysconfig/docker", "/etc/sysconfig/docker"}, {"containerd-shim", "/usr/bin/containerd-shim"}, {"containerd-shim-runc-v1", "/usr/bin/containerd-shim-runc-v1"}} {
		h.Files = append(h.Files, inventory.DockerHostFile{Role: p[0], Path: p[1]})
		n.AddFile(&inventory.File{Path: p[1], Absent: true, StatError: "no such file or directory"})
	}
	h.AuditFiles = []string{"/etc/audit/rules.d/docker.rules"}
	return n
}

func cisResults(n *inventory.Node) map[string][]result.Result {
	out := map[string][]result.Result{}
	for _, r := range check.EvaluateNode(env(), n) {
		out[r.ID] = append(out[r.ID], r)
	}
	return out
}

// cisIDs are the checks of cis.go and cis_containers.go.
func cisIDs() []string { return append(cisDaemonIDs(), cisContainerIDs...) }

func TestCISHardenedHasNoFailures(t *testing.T) {
	rs := cisResults(cisHardenedNode())
	for _, id := range cisIDs() {
		if len(rs[id]) == 0 {
			t.Errorf("%s: no result", id)
		}
		for _, r := range rs[id] {
			if r.Status != result.Pass && r.Status != result.NotApplicable {
				t.Errorf("%s on the hardened node = %s (%s; %s)", id, r.Status, r.Message.EN, r.Evidence)
			}
		}
	}
	// What is absent is not applicable, with the reason.
	for _, id := range []string{"KW-DOCKER-023", "KW-DOCKER-025", "KW-DOCKER-055", "KW-DOCKER-056", "KW-DOCKER-047", SwarmAutolock, CtrSELinux} {
		if len(rs[id]) == 0 || rs[id][0].Status != result.NotApplicable || rs[id][0].Message.EN == "" {
			t.Errorf("%s = %+v, want NOT_APPLICABLE with a reason", id, rs[id])
		}
	}
}

func TestCISDockerChecks(t *testing.T) {
	ctr := func(f func(c *inventory.DockerContainer)) func(n *inventory.Node) {
		return func(n *inventory.Node) { f(&n.Components[0].Docker.State.Containers[0]) }
	}
	flag := func(name string, v ...string) func(n *inventory.Node) {
		return func(n *inventory.Node) { n.Components[0].Flags[name] = v }
	}
	file := func(path string, f func(fl *inventory.File)) func(n *inventory.Node) {
		return func(n *inventory.Node) { f(n.File(0, path)) }
	}
	tests := []struct {
		name   string
		mutate func(n *inventory.Node)
		id     string
		want   result.Status
		msg    string
	}{
		{"group members", func(n *inventory.Node) { n.DockerHost.GroupMembers = []string{"alice"} }, DockerGroup, result.Warn, "alice can run any container"},
		{"no audit rule for dockerd", func(n *inventory.Node) {
			n.DockerHost.AuditRules = n.DockerHost.AuditRules[1:]
			n.DockerHost.AuditRules = n.DockerHost.AuditRules[:0]
		}, "KW-DOCKER-013", result.Fail, "no auditd rule watches /usr/bin/dockerd"},
		{"audit rule on the parent directory", func(n *inventory.Node) {
			n.DockerHost.AuditRules = []inventory.AuditWatch{{File: "f", Line: 1, Path: "/usr/bin", Text: "-w /usr/bin"}}
		}, "KW-DOCKER-028", result.Pass, ""},
		{"runc absent", file("/usr/bin/runc", func(f *inventory.File) { f.Present, f.Absent = false, true }), "KW-DOCKER-028", result.NotApplicable, "does not exist"},
		{"log level debug", flag("log-level", "debug"), DaemonLogLevel, result.Fail, "log-level is debug, want info"},
		{"iptables off", flag("iptables", "false"), DaemonIptables, result.Fail, "iptables is false"},
		{"cgroup parent", flag("cgroup-parent", "/custom"), DaemonCgroupParent, result.Warn, "/custom"},
		{"dm.basesize", flag("storage-opt", "dm.basesize=20G"), DaemonBaseSize, result.Fail, "dm.basesize=20G"},
		{"no authorization plugin", func(n *inventory.Node) { delete(n.Components[0].Flags, "authorization-plugin") }, DaemonAuthz, result.Fail, "no authorization plugin"},
		{"json-file logs", flag("log-driver", "json-file"), DaemonRemoteLog, result.Fail, "the log driver is json-file"},
		{"userland proxy", func(n *inventory.Node) { delete(n.Components[0].Flags, "userland-proxy") }, DaemonUserlandProx, result.Fail, "userland-proxy is true"},
		{"experimental", flag("experimental", "true"), DaemonExperimental, result.Fail, "experimental features are on"},
		{"experimental build", func(n *inventory.Node) { n.Components[0].Docker.State.Info.ExperimentalBuild = true }, DaemonExperimental, result.Fail, "experimental"},
		{"swarm active", func(n *inventory.Node) { n.Components[0].Docker.State.Info.Swarm.LocalNodeState = "active" }, SwarmMode, result.Fail, "in a swarm (active)"},
		{"swarm manager unlocked", func(n *inventory.Node) {
			n.Components[0].Docker.State.Info.Swarm = inventory.DockerSwarm{LocalNodeState: "active", ControlAvailable: true}
		}, SwarmAutolock, result.Fail, "unlocked"},
		{"engine unreadable", func(n *inventory.Node) {
			n.Components[0].Docker.State, n.Components[0].Docker.StateError = nil, "connection refused"
		}, SwarmMode, result.Error, "connection refused"},
		{"docker.service group not root", file("/lib/systemd/system/docker.service", func(f *inventory.File) { f.GID = 998 }), "KW-DOCKER-037", result.Fail, "owned by root:docker, want root:root"},
		{"docker.service writable", file("/lib/systemd/system/docker.service", func(f *inventory.File) { f.Mode = 0o666 }), "KW-DOCKER-038", result.Fail, "mode 0666, want 0644"},
		{"/etc/docker world-writable", file("/etc/docker", func(f *inventory.File) { f.Mode = 0o777 }), "KW-DOCKER-042", result.Fail, "want 0755"},
		{"registry cert writable", file("/etc/docker/certs.d/reg:5000/ca.crt", func(f *inventory.File) { f.Mode = 0o644 }), "KW-DOCKER-044", result.Fail, "want 0444"},
		{"tls CA owned by a user", file("/etc/docker/tls/ca.pem", func(f *inventory.File) { f.UID = 1000 }), "KW-DOCKER-045", result.Fail, "owned by 1000:root"},
		{"daemon.json group-writable", file("/etc/docker/daemon.json", func(f *inventory.File) { f.Mode = 0o664 }), "KW-DOCKER-052", result.Fail, "0664"},
		{"daemon.json owned by docker group", file("/etc/docker/daemon.json", func(f *inventory.File) { f.GID = 998 }), "KW-DOCKER-051", result.Fail, "root:docker"},
		{"containerd socket 0666", file("/run/containerd/containerd.sock", func(f *inventory.File) { f.Mode = 0o666 }), "KW-DOCKER-058", result.Fail, "want 0660"},
		{"containerd socket group", file("/run/containerd/containerd.sock", func(f *inventory.File) { f.GID = 998 }), "KW-DOCKER-057", result.Fail, "root:docker"},
		{"no healthcheck", ctr(func(c *inventory.DockerContainer) { c.Config.Healthcheck = nil }), CtrHealthcheck, result.Fail, "has no health check"},
		{"healthcheck NONE", ctr(func(c *inventory.DockerContainer) { c.Config.Healthcheck.Test = []string{"NONE"}; c.State.Health = nil }), CtrHealthRuntime, result.Fail, "never checked"},
		{"apparmor unconfined", ctr(func(c *inventory.DockerContainer) { c.AppArmorProfile = "unconfined" }), CtrAppArmor, result.Fail, `AppArmor profile "unconfined"`},
		{"selinux host without label", func(n *inventory.Node) {
			n.Components[0].Docker.State.Info.SecurityOptions = []string{"name=selinux"}
		}, CtrSELinux, result.Fail, "without an SELinux label"},
		{"rw /etc", ctr(func(c *inventory.DockerContainer) {
			c.Mounts = append(c.Mounts, inventory.DockerMount{Type: "bind", Source: "/etc", Destination: "/host-etc", RW: true})
		}), CtrSensitiveDirs, result.Fail, "/etc:/host-etc read-write"},
		{"ro /etc", ctr(func(c *inventory.DockerContainer) {
			c.Mounts = append(c.Mounts, inventory.DockerMount{Type: "bind", Source: "/etc", Destination: "/host-etc"})
		}), CtrSensitiveDirs, result.Pass, ""},
		{"sshd", ctr(func(c *inventory.DockerContainer) { c.Processes = []string{"app", "sshd"} }), CtrSSHD, result.Fail, "runs sshd"},
		{"processes unknown", ctr(func(c *inventory.DockerContainer) { c.ProcessesKnown = false }), CtrSSHD, result.Warn, "docker top"},
		{"port 80", ctr(func(c *inventory.DockerContainer) {
			c.HostConfig.PortBindings["80/tcp"] = []inventory.DockerPortBinding{{HostIP: "127.0.0.1", HostPort: "80"}}
		}), CtrPrivPorts, result.Fail, "127.0.0.1:80->80/tcp"},
		{"every interface", ctr(func(c *inventory.DockerContainer) {
			c.HostConfig.PortBindings["80/tcp"] = []inventory.DockerPortBinding{{HostIP: "0.0.0.0", HostPort: "8080"}}
		}), CtrHostInterface, result.Fail, "0.0.0.0:8080->80/tcp"},
		{"no memory limit", ctr(func(c *inventory.DockerContainer) { c.HostConfig.Memory = 0 }), CtrMemory, result.Fail, "no memory limit"},
		{"no cpu", ctr(func(c *inventory.DockerContainer) { c.HostConfig.CPUShares = 0 }), CtrCPU, result.Fail, "no CPU shares"},
		{"cpus only", ctr(func(c *inventory.DockerContainer) { c.HostConfig.CPUShares, c.HostConfig.NanoCPUs = 0, 5e8 }), CtrCPU, result.Pass, ""},
		{"writable root", ctr(func(c *inventory.DockerContainer) { c.HostConfig.ReadonlyRootfs = false }), CtrReadOnlyRoot, result.Fail, "writable root filesystem"},
		{"restart always", ctr(func(c *inventory.DockerContainer) {
			c.HostConfig.RestartPolicy = inventory.DockerRestartPolicy{Name: "always"}
		}), CtrRestart, result.Fail, "restart policy always"},
		{"on-failure 10", ctr(func(c *inventory.DockerContainer) { c.HostConfig.RestartPolicy.MaximumRetryCount = 10 }), CtrRestart, result.Fail, "up to 10 times"},
		{"shared propagation", ctr(func(c *inventory.DockerContainer) { c.Mounts[0].Propagation = "rshared" }), CtrPropagation, result.Fail, "/data (rshared)"},
		{"uts host", ctr(func(c *inventory.DockerContainer) { c.HostConfig.UTSMode = "host" }), CtrUTS, result.Fail, "UTS namespace"},
		{"cgroup parent", ctr(func(c *inventory.DockerContainer) { c.HostConfig.CgroupParent = "/x" }), CtrCgroupParent, result.Warn, "cgroup /x"},
		{"no no-new-privileges", ctr(func(c *inventory.DockerContainer) { c.HostConfig.SecurityOpt = nil }), CtrNoNewPrivs, result.Fail, "may gain new privileges"},
		{"daemon no-new-privileges", func(n *inventory.Node) {
			n.Components[0].Docker.State.Containers[0].HostConfig.SecurityOpt = nil
			n.Components[0].Flags["no-new-privileges"] = []string{"true"}
		}, CtrNoNewPrivs, result.Pass, ""},
		{"no pids limit", ctr(func(c *inventory.DockerContainer) { c.HostConfig.PidsLimit = int64p(0) }), CtrPidsLimit, result.Fail, "no PIDs limit"},
		{"userns host", ctr(func(c *inventory.DockerContainer) { c.HostConfig.UsernsMode = "host" }), CtrUserns, result.Fail, "user namespace"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			n := cisHardenedNode()
			tc.mutate(n)
			rs := cisResults(n)[tc.id]
			if len(rs) == 0 {
				t.Fatalf("%s: no result", tc.id)
			}
			r := rs[0]
			if r.Status != tc.want || !strings.Contains(r.Message.EN+" "+r.Evidence, tc.msg) {
				t.Errorf("%s = %s (%s; %s), want %s with %q", tc.id, r.Status, r.Message.EN, r.Evidence, tc.want, tc.msg)
			}
			if (r.Status == result.Fail || r.Status == result.Warn) && r.Message.ZH == "" {
				t.Errorf("%s: no Chinese message", tc.id)
			}
		})
	}
}

func TestCISNoDockerd(t *testing.T) {
	rs := cisResults(&inventory.Node{Hostname: "n"})
	for _, id := range cisIDs() {
		if len(rs[id]) != 1 || rs[id][0].Status != result.NotApplicable {
			t.Errorf("%s without dockerd = %+v, want one NOT_APPLICABLE", id, rs[id])
		}
	}
}

// TestCISTables names every table-made check with the recommendation it
// implements, and proves each fails when its fact is broken: every audit
// watch removed, every file owned by a user with mode 0777.
func TestCISTables(t *testing.T) {
	want := map[string]string{
		"KW-DOCKER-013": "1.1.3",
		"KW-DOCKER-014": "1.1.4",
		"KW-DOCKER-015": "1.1.5",
		"KW-DOCKER-016": "1.1.6",
		"KW-DOCKER-017": "1.1.7",
		"KW-DOCKER-018": "1.1.8",
		"KW-DOCKER-019": "1.1.9",
		"KW-DOCKER-020": "1.1.10",
		"KW-DOCKER-021": "1.1.11",
		"KW-DOCKER-022": "1.1.12",
		"KW-DOCKER-023": "1.1.13",
		"KW-DOCKER-024": "1.1.14",
		"KW-DOCKER-025": "1.1.15",
		"KW-DOCKER-026": "1.1.16",
		"KW-DOCKER-027": "1.1.17",
		"KW-DOCKER-028": "1.1.18",
		"KW-DOCKER-037": "3.1",
		"KW-DOCKER-038": "3.2",
		"KW-DOCKER-039": "3.3",
		"KW-DOCKER-040": "3.4",
		"KW-DOCKER-041": "3.5",
		"KW-DOCKER-042": "3.6",
		"KW-DOCKER-043": "3.7",
		"KW-DOCKER-044": "3.8",
		"KW-DOCKER-045": "3.9",
		"KW-DOCKER-046": "3.10",
		"KW-DOCKER-047": "3.11",
		"KW-DOCKER-048": "3.12",
		"KW-DOCKER-049": "3.13",
		"KW-DOCKER-050": "3.14",
		"KW-DOCKER-051": "3.17",
		"KW-DOCKER-052": "3.18",
		"KW-DOCKER-053": "3.19",
		"KW-DOCKER-054": "3.20",
		"KW-DOCKER-055": "3.21",
		"KW-DOCKER-056": "3.22",
		"KW-DOCKER-057": "3.23",
		"KW-DOCKER-058": "3.24",
	}
	got := map[string]string{}
	for _, a := range auditTargets {
		got[a.id] = a.rec
	}
	for _, f := range fileRules {
		got[f.id] = f.rec
	}
	if len(got) != len(want) {
		t.Errorf("%d table checks, want %d", len(got), len(want))
	}
	for id, rec := range want {
		if got[id] != rec {
			t.Errorf("%s implements %q, want %q", id, got[id], rec)
		}
	}
	n := cisHardenedNode()
	n.DockerHost.AuditRules = nil
	for _, f := range n.Files {
		if f.Present {
			f.UID, f.Mode = 1000, 0o777
		}
	}
	rs := cisResults(n)
	for id := range want {
		if len(rs[id]) == 0 {
			t.Errorf("%s: no result", id)
		}
		for _, r := range rs[id] {
			if r.Status != result.Fail && r.Status != result.NotApplicable {
				t.Errorf("%s = %s (%s), want FAIL (or NOT_APPLICABLE for an absent file)", id, r.Status, r.Message.EN)
			}
			if r.Status == result.NotApplicable && !strings.Contains(r.Message.EN, "does not exist") && !strings.Contains(r.Message.EN, "not configured") {
				t.Errorf("%s NOT_APPLICABLE without a reason: %q", id, r.Message.EN)
			}
		}
	}
}

// TestNoListenersRecorded: an inventory (a snapshot's node.json) that
// records no listener for dockerd is judged by dockerd's default, a unix
// socket, and never panics.
func TestNoListenersRecorded(t *testing.T) {
	n := cisHardenedNode()
	n.Components[0].Docker.Listeners = nil
	rs := cisResults(n)
	if len(rs[DaemonTCP]) != 1 || rs[DaemonTCP][0].Status != result.Pass {
		t.Fatalf("%s without listeners = %+v, want one PASS", DaemonTCP, rs[DaemonTCP])
	}
}
