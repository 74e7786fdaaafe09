package runtime

import (
	"fmt"
	"io/fs"
	"strings"

	"github.com/kubeward/kubeward/internal/catalog"
	"github.com/kubeward/kubeward/internal/check"
	"github.com/kubeward/kubeward/internal/inventory"
	"github.com/kubeward/kubeward/internal/result"
)

// The rest of CIS Docker v1.6.0 that a host shows: the docker group
// (1.1.2), auditd watches on the daemon's files (1.1.3-1.1.18), daemon
// settings (section 2), the daemon's files' owners and modes (section 3),
// swarm mode (5.1, 7.5). Container checks are in cis_containers.go.

// Check IDs.
const (
	DockerGroup        = "KW-DOCKER-012"
	DaemonLogLevel     = "KW-DOCKER-029"
	DaemonIptables     = "KW-DOCKER-030"
	DaemonCgroupParent = "KW-DOCKER-031"
	DaemonBaseSize     = "KW-DOCKER-032"
	DaemonAuthz        = "KW-DOCKER-033"
	DaemonRemoteLog    = "KW-DOCKER-034"
	DaemonUserlandProx = "KW-DOCKER-035"
	DaemonExperimental = "KW-DOCKER-036"
	SwarmMode          = "KW-DOCKER-059"
	SwarmAutolock      = "KW-DOCKER-060"
)

var cisDockerLogic = &check.NodeRule{Run: runCISDocker}

// auditTarget is one of 1.1.3-1.1.18: a file of the daemon auditd must
// watch, by its role in inventory.DockerHost.
type auditTarget struct{ id, rec, role, name string }

// zhNames are the Chinese names of the files and binaries auditTargets and
// fileRules name in English (paths name themselves).
var zhNames = map[string]string{
	"the Docker daemon binary":                         "Docker 守护进程二进制文件",
	"the Docker data root (/var/lib/docker)":           "Docker 数据目录（/var/lib/docker）",
	"the containerd binary":                            "containerd 二进制文件",
	"the containerd-shim binary":                       "containerd-shim 二进制文件",
	"the containerd-shim-runc-v1 binary":               "containerd-shim-runc-v1 二进制文件",
	"the containerd-shim-runc-v2 binary":               "containerd-shim-runc-v2 二进制文件",
	"the runc binary":                                  "runc 二进制文件",
	"registry certificate files (/etc/docker/certs.d)": "镜像仓库证书文件（/etc/docker/certs.d）",
	"the TLS CA certificate (--tlscacert)":             "TLS CA 证书（--tlscacert）",
	"the server certificate (--tlscert)":               "服务端证书（--tlscert）",
	"the server key (--tlskey)":                        "服务端私钥（--tlskey）",
	"the containerd socket":                            "containerd 套接字",
}

func zhName(en string) string {
	if z, ok := zhNames[en]; ok {
		return z
	}
	return en
}

var auditTargets = []auditTarget{
	{"KW-DOCKER-013", "1.1.3", "dockerd", "the Docker daemon binary"},
	{"KW-DOCKER-014", "1.1.4", "/run/containerd", "/run/containerd"},
	{"KW-DOCKER-015", "1.1.5", "data-root", "the Docker data root (/var/lib/docker)"},
	{"KW-DOCKER-016", "1.1.6", "/etc/docker", "/etc/docker"},
	{"KW-DOCKER-017", "1.1.7", "docker.service", "docker.service"},
	{"KW-DOCKER-018", "1.1.8", "containerd.sock", "containerd.sock"},
	{"KW-DOCKER-019", "1.1.9", "docker.socket", "docker.socket"},
	{"KW-DOCKER-020", "1.1.10", "/etc/default/docker", "/etc/default/docker"},
	{"KW-DOCKER-021", "1.1.11", "daemon.json", "daemon.json"},
	{"KW-DOCKER-022", "1.1.12", "/etc/containerd/config.toml", "/etc/containerd/config.toml"},
	{"KW-DOCKER-023", "1.1.13", "/etc/sysconfig/docker", "/etc/sysconfig/docker"},
	{"KW-DOCKER-024", "1.1.14", "containerd", "the containerd binary"},
	{"KW-DOCKER-025", "1.1.15", "containerd-shim", "the containerd-shim binary"},
	{"KW-DOCKER-026", "1.1.16", "containerd-shim-runc-v1", "the containerd-shim-runc-v1 binary"},
	{"KW-DOCKER-027", "1.1.17", "containerd-shim-runc-v2", "the containerd-shim-runc-v2 binary"},
	{"KW-DOCKER-028", "1.1.18", "runc", "the runc binary"},
}

// fileRule is one of section 3: a daemon file's owner (root:root, or the
// socket group) or its widest mode.
type fileRule struct {
	id, rec, role string
	owner         bool        // an ownership rule; else a mode rule
	maxMode       fs.FileMode // mode rules
	name          string
}

var fileRules = []fileRule{
	{"KW-DOCKER-037", "3.1", "docker.service", true, 0, "docker.service"},
	{"KW-DOCKER-038", "3.2", "docker.service", false, 0o644, "docker.service"},
	{"KW-DOCKER-039", "3.3", "docker.socket", true, 0, "docker.socket"},
	{"KW-DOCKER-040", "3.4", "docker.socket", false, 0o644, "docker.socket"},
	{"KW-DOCKER-041", "3.5", "/etc/docker", true, 0, "/etc/docker"},
	{"KW-DOCKER-042", "3.6", "/etc/docker", false, 0o755, "/etc/docker"},
	{"KW-DOCKER-043", "3.7", "registry certificate", true, 0, "registry certificate files (/etc/docker/certs.d)"},
	{"KW-DOCKER-044", "3.8", "registry certificate", false, 0o444, "registry certificate files (/etc/docker/certs.d)"},
	{"KW-DOCKER-045", "3.9", "tlscacert", true, 0, "the TLS CA certificate (--tlscacert)"},
	{"KW-DOCKER-046", "3.10", "tlscacert", false, 0o444, "the TLS CA certificate (--tlscacert)"},
	{"KW-DOCKER-047", "3.11", "tlscert", true, 0, "the server certificate (--tlscert)"},
	{"KW-DOCKER-048", "3.12", "tlscert", false, 0o444, "the server certificate (--tlscert)"},
	{"KW-DOCKER-049", "3.13", "tlskey", true, 0, "the server key (--tlskey)"},
	{"KW-DOCKER-050", "3.14", "tlskey", false, 0o400, "the server key (--tlskey)"},
	{"KW-DOCKER-051", "3.17", "daemon.json", true, 0, "daemon.json"},
	{"KW-DOCKER-052", "3.18", "daemon.json", false, 0o644, "daemon.json"},
	{"KW-DOCKER-053", "3.19", "/etc/default/docker", true, 0, "/etc/default/docker"},
	{"KW-DOCKER-054", "3.20", "/etc/default/docker", false, 0o644, "/etc/default/docker"},
	{"KW-DOCKER-055", "3.21", "/etc/sysconfig/docker", false, 0o644, "/etc/sysconfig/docker"},
	{"KW-DOCKER-056", "3.22", "/etc/sysconfig/docker", true, 0, "/etc/sysconfig/docker"},
	{"KW-DOCKER-057", "3.23", "containerd.sock", true, 0, "the containerd socket"},
	{"KW-DOCKER-058", "3.24", "containerd.sock", false, 0o660, "the containerd socket"},
}

// cisDaemonIDs lists every check runCISDocker reports.
func cisDaemonIDs() []string {
	ids := []string{DockerGroup, DaemonLogLevel, DaemonIptables, DaemonCgroupParent, DaemonBaseSize, DaemonAuthz, DaemonRemoteLog,
		DaemonUserlandProx, DaemonExperimental, SwarmMode, SwarmAutolock}
	for _, a := range auditTargets {
		ids = append(ids, a.id)
	}
	for _, f := range fileRules {
		ids = append(ids, f.id)
	}
	return ids
}

func cisEntry(id, item string, sev catalog.Severity, rec string, title, fix T) check.Spec {
	return check.Spec{ID: id, Item: item, Severity: sev, References: []string{cisDocker + rec}, Title: title, Remediation: fix,
		Scope: check.Node, Node: cisDockerLogic}
}

func init() {
	high, med, low := catalog.SeverityHigh, catalog.SeverityMedium, catalog.SeverityLow
	specs := []check.Spec{
		cisEntry(DockerGroup, "1.2", high, "1.1.2",
			T{EN: "The docker group has members: each is root on the node", ZH: "docker 组有成员：每个成员都相当于节点上的 root"},
			T{EN: "Keep only the administrators who must run docker in the daemon socket's group (gpasswd -d USER docker); they control the daemon and so the node. A PASS means the group is empty; a WARN lists the members for a person to confirm.",
				ZH: "docker 守护进程套接字所属组中只保留必须运行 docker 的管理员（gpasswd -d USER docker）；他们可以控制守护进程，进而控制节点。PASS 表示组为空；WARN 列出成员供人工确认。"}),
		cisEntry(DaemonLogLevel, "1.1", low, "2.3",
			T{EN: "Docker daemon log level is not info", ZH: "Docker 守护进程日志级别不是 info"},
			T{EN: "Set \"log-level\": \"info\" in daemon.json (or remove --log-level / -l): debug logs too much, warn and above lose the events an investigation needs.",
				ZH: "在 daemon.json 中设置 \"log-level\": \"info\"（或删除 --log-level / -l）：debug 记录过多，warn 及以上会丢失调查所需的事件。"}),
		cisEntry(DaemonIptables, "1.1", med, "2.4",
			T{EN: "Docker may not manage iptables (iptables: false)", ZH: "Docker 不能管理 iptables（iptables: false）"},
			T{EN: "Remove \"iptables\": false from daemon.json (and --iptables=false): without it Docker cannot isolate its networks.",
				ZH: "从 daemon.json 删除 \"iptables\": false（以及 --iptables=false）：否则 Docker 无法隔离其网络。"}),
		cisEntry(DaemonCgroupParent, "1.1", low, "2.10",
			T{EN: "Docker daemon sets a default cgroup parent", ZH: "Docker 守护进程设置了默认 cgroup 父级"},
			T{EN: "Leave cgroup-parent unset unless a reviewed resource plan needs it; a WARN asks a person to confirm the cgroup the containers are placed in.",
				ZH: "除非经过评审的资源规划需要，否则不要设置 cgroup-parent；WARN 请人工确认容器所在的 cgroup。"}),
		cisEntry(DaemonBaseSize, "1.1", low, "2.11",
			T{EN: "Docker daemon changes the base device size (dm.basesize)", ZH: "Docker 守护进程修改了基础设备大小（dm.basesize）"},
			T{EN: "Remove dm.basesize from \"storage-opts\" (and --storage-opt) unless it is needed.",
				ZH: "除非确有需要，从 \"storage-opts\"（以及 --storage-opt）中删除 dm.basesize。"}),
		cisEntry(DaemonAuthz, "1.2", med, "2.12",
			T{EN: "Docker client commands are not authorized (no authorization plugin)", ZH: "Docker 客户端命令未经授权（没有授权插件）"},
			T{EN: "Install an authorization plugin (for example Open Policy Agent's opa-docker-authz) and set \"authorization-plugins\" in daemon.json.",
				ZH: "安装授权插件（例如 Open Policy Agent 的 opa-docker-authz），并在 daemon.json 中设置 \"authorization-plugins\"。"}),
		cisEntry(DaemonRemoteLog, "1.1", med, "2.13",
			T{EN: "Docker container logs stay on the node (no centralized logging driver)", ZH: "Docker 容器日志只保存在节点上（未使用集中式日志驱动）"},
			T{EN: "Set \"log-driver\" to a remote driver (syslog, journald with a forwarder, fluentd, gelf, splunk, awslogs...) so logs outlive the node; json-file and local keep them on its disk.",
				ZH: "将 \"log-driver\" 设为远程驱动（syslog、带转发的 journald、fluentd、gelf、splunk、awslogs 等），使日志在节点之外保存；json-file 与 local 仅保存在本机磁盘。"}),
		cisEntry(DaemonUserlandProx, "1.1", low, "2.16",
			T{EN: "Docker userland proxy is enabled", ZH: "Docker 用户态代理已启用"},
			T{EN: "Set \"userland-proxy\": false in daemon.json (published ports then use iptables rules only).",
				ZH: "在 daemon.json 中设置 \"userland-proxy\": false（发布的端口仅使用 iptables 规则）。"}),
		cisEntry(DaemonExperimental, "1.1", med, "2.18",
			T{EN: "Docker experimental features are enabled", ZH: "Docker 实验性功能已启用"},
			T{EN: "Remove \"experimental\": true from daemon.json (and --experimental) on production nodes.",
				ZH: "在生产节点上从 daemon.json 删除 \"experimental\": true（以及 --experimental）。"}),
		cisEntry(SwarmMode, "1.1", med, "5.1",
			T{EN: "Docker swarm mode is active", ZH: "Docker swarm 模式已启用"},
			T{EN: "Leave the swarm (docker swarm leave) on nodes that do not need it: swarm opens management ports and holds cluster secrets. If the swarm is needed, record an exception.",
				ZH: "不需要 swarm 的节点退出 swarm（docker swarm leave）：swarm 会开放管理端口并保存集群机密。若确需 swarm，请记录例外。"}),
		cisEntry(SwarmAutolock, "1.1", med, "7.5",
			T{EN: "Docker swarm managers are not auto-locked", ZH: "Docker swarm 管理节点未启用自动锁定"},
			T{EN: "Run docker swarm update --autolock=true and keep the unlock key offline.",
				ZH: "执行 docker swarm update --autolock=true，并离线保存解锁密钥。"}),
	}
	for _, a := range auditTargets {
		specs = append(specs, cisEntry(a.id, "1.1", low, a.rec,
			catalog.Text{EN: "auditd does not watch " + a.name, ZH: "auditd 未监视" + zhName(a.name)},
			catalog.F("Add an audit rule for it, e.g. \"-w PATH -k docker\" in /etc/audit/rules.d/docker.rules, then augenrules --load (the result names PATH).",
				"为其添加审计规则，例如在 /etc/audit/rules.d/docker.rules 中加入 \"-w PATH -k docker\"，然后执行 augenrules --load（结果中给出 PATH）。")))
	}
	for _, f := range fileRules {
		if f.owner {
			specs = append(specs, cisEntry(f.id, "1.1", med, f.rec,
				catalog.Text{EN: f.name + " is not owned by root:root", ZH: zhName(f.name) + " 的属主不是 root:root"},
				catalog.F("chown root:root the file (uid and gid both 0).", "将文件属主设为 root:root（uid 与 gid 均为 0）。")))
		} else {
			specs = append(specs, cisEntry(f.id, "1.1", med, f.rec,
				catalog.Text{EN: fmt.Sprintf("%s has a mode wider than %04o", f.name, f.maxMode), ZH: fmt.Sprintf("%s 的权限宽于 %04o", zhName(f.name), f.maxMode)},
				catalog.F("chmod %04o the file (or stricter).", "将文件权限设为 %04o（或更严格）。", f.maxMode)))
		}
	}
	check.Register(specs...)
}

func runCISDocker(env *check.Env, n *inventory.Node, em *check.NodeEmitter) {
	ds := n.ComponentsOf(inventory.Dockerd)
	if len(ds) == 0 {
		for _, id := range cisDaemonIDs() {
			em.Absent(id, inventory.Dockerd)
		}
		return
	}
	h := n.DockerHost
	for _, c := range ds {
		if c.Docker == nil || h == nil {
			for _, id := range cisDaemonIDs() {
				em.Add(id, result.Error, c, nil, catalog.F("the node source gathered nothing about this dockerd", "节点数据源未采集此 dockerd 的任何信息"), "")
			}
			continue
		}
		d := &daemon{c: c, n: n, facts: c.Docker, state: c.Docker.State, err: c.Docker.StateError}
		emit(em, DockerGroup, c, dockerGroup(h))
		emit(em, DaemonLogLevel, c, d.logLevel())
		emit(em, DaemonIptables, c, d.iptables())
		emit(em, DaemonCgroupParent, c, d.cgroupParent())
		emit(em, DaemonBaseSize, c, d.baseSize())
		emit(em, DaemonAuthz, c, d.authorization())
		emit(em, DaemonRemoteLog, c, d.remoteLogging())
		emit(em, DaemonUserlandProx, c, d.userlandProxy())
		emit(em, DaemonExperimental, c, d.experimental())
		emit(em, SwarmMode, c, d.swarm())
		emit(em, SwarmAutolock, c, d.autolock())
	}
	// The host's files: once per node.
	if h == nil {
		return
	}
	c := ds[0]
	for _, a := range auditTargets {
		emit(em, a.id, c, auditWatch(n, h, a))
	}
	for _, f := range fileRules {
		for _, o := range fileRuleOutcomes(n, h, c, f) {
			emit(em, f.id, c, o)
		}
	}
}

func dockerGroup(h *inventory.DockerHost) outcome {
	if !h.GroupFound {
		return outcome{status: result.Pass, evidence: fmt.Sprintf("group %s is not defined in /etc/group", h.Group), file: "/etc/group", key: h.Group}
	}
	ev := fmt.Sprintf("group %s members: %s", h.Group, listOrNone(h.GroupMembers))
	if len(h.GroupMembers) == 0 {
		return outcome{status: result.Pass, evidence: ev, file: "/etc/group", key: h.Group}
	}
	return outcome{status: result.Warn, evidence: ev, file: "/etc/group", key: h.Group,
		msg: catalog.F("%s can run any container through the Docker socket (group %s): confirm each is a trusted administrator",
			"%s 可以通过 Docker 套接字运行任意容器（%s 组）：请确认每个成员都是可信的管理员", strings.Join(h.GroupMembers, ", "), h.Group)}
}

func (d *daemon) logLevel() outcome {
	v := d.c.Setting("log-level")
	if strings.EqualFold(strings.TrimSpace(v.Value), "info") {
		return pass(v, "log-level")
	}
	return fail(v, "log-level", catalog.F("log-level is %s, want info", "log-level 为 %s，应为 info", v.Value))
}

func (d *daemon) iptables() outcome {
	v := d.c.Setting("iptables")
	if isFalse(v.Value) {
		return fail(v, "iptables", catalog.F("iptables is false: Docker does not manage the firewall rules that isolate its networks", "iptables 为 false：Docker 不管理隔离其网络的防火墙规则"))
	}
	return pass(v, "iptables")
}

func (d *daemon) cgroupParent() outcome {
	v := d.c.Setting("cgroup-parent")
	if v.Value == "" {
		return pass(v, "cgroup-parent")
	}
	o := pass(v, "cgroup-parent")
	o.status = result.Warn
	o.msg = catalog.F("containers are placed under the cgroup %s by default: confirm it is the intended one", "容器默认位于 cgroup %s 之下：请确认这是预期的 cgroup", v.Value)
	return o
}

func (d *daemon) baseSize() outcome {
	v := d.c.Setting("storage-opt")
	for _, o := range v.List {
		if strings.HasPrefix(strings.TrimSpace(o), "dm.basesize") {
			return fail(v, "storage-opts", catalog.F("storage-opts sets %s", "storage-opts 设置了 %s", strings.TrimSpace(o)))
		}
	}
	return pass(v, "storage-opts")
}

func (d *daemon) authorization() outcome {
	v := d.c.Setting("authorization-plugin")
	for _, p := range v.List {
		if strings.TrimSpace(p) != "" {
			return pass(v, "authorization-plugins")
		}
	}
	return fail(v, "authorization-plugins", catalog.F("no authorization plugin: anyone who reaches the socket may run any command", "没有授权插件：任何能访问套接字的人都可以执行任意命令"))
}

// localLogDrivers keep the logs on the node.
var localLogDrivers = map[string]bool{"json-file": true, "local": true, "none": true, "": true}

func (d *daemon) remoteLogging() outcome {
	v := d.c.Setting("log-driver")
	if !v.Set && d.state != nil && d.state.Info != nil && d.state.Info.LoggingDriver != "" {
		v.Value, v.From = d.state.Info.LoggingDriver, d.state.Source+" /info LoggingDriver"
	}
	if localLogDrivers[strings.ToLower(strings.TrimSpace(v.Value))] {
		return fail(v, "log-driver", catalog.F("the log driver is %s: container logs stay on this node's disk", "日志驱动为 %s：容器日志只保存在本节点磁盘上", orNone(v.Value)))
	}
	return pass(v, "log-driver")
}

func (d *daemon) userlandProxy() outcome {
	v := d.c.Setting("userland-proxy")
	if isFalse(v.Value) {
		return pass(v, "userland-proxy")
	}
	return fail(v, "userland-proxy", catalog.F("userland-proxy is %s: a docker-proxy process listens for every published port", "userland-proxy 为 %s：每个发布的端口都有一个 docker-proxy 进程监听", v.Value))
}

func (d *daemon) experimental() outcome {
	v := d.c.Setting("experimental")
	if !v.Set && d.state != nil && d.state.Info != nil && d.state.Info.ExperimentalBuild {
		v.Value, v.From = "true", d.state.Source+" /info ExperimentalBuild"
	}
	if isTrue(v.Value) {
		return fail(v, "experimental", catalog.F("experimental features are on", "实验性功能已开启"))
	}
	return pass(v, "experimental")
}

// engineInfo returns the engine's /info, or the outcome to report when it
// could not be read.
func (d *daemon) engineInfo() (*inventory.DockerInfo, *outcome) {
	if d.state != nil && d.state.Info != nil {
		return d.state.Info, nil
	}
	if d.c.PID == 0 {
		return nil, &outcome{status: result.NotApplicable, msg: catalog.F("dockerd is not running (found in %s)", "dockerd 未运行（发现于 %s）", d.c.Origin())}
	}
	why := d.err
	if why == "" {
		why = "the snapshot has no /info answer"
	}
	return nil, &outcome{status: result.Error, msg: catalog.F("cannot read the engine's /info: %v", "无法读取引擎的 /info：%v", why)}
}

func (d *daemon) swarm() outcome {
	info, bad := d.engineInfo()
	if bad != nil {
		return *bad
	}
	ev := fmt.Sprintf("Swarm.LocalNodeState=%s (%s /info)", orNone(info.Swarm.LocalNodeState), d.state.Source)
	switch info.Swarm.LocalNodeState {
	case "", "inactive":
		return outcome{status: result.Pass, evidence: ev, file: d.state.Source, key: "Swarm.LocalNodeState"}
	}
	return outcome{status: result.Fail, evidence: ev, file: d.state.Source, key: "Swarm.LocalNodeState",
		msg: catalog.F("this node is in a swarm (%s)", "此节点处于 swarm 中（%s）", info.Swarm.LocalNodeState)}
}

func (d *daemon) autolock() outcome {
	info, bad := d.engineInfo()
	if bad != nil {
		return *bad
	}
	s := info.Swarm
	if s.LocalNodeState != "active" || !s.ControlAvailable {
		return outcome{status: result.NotApplicable, msg: catalog.F("this node is not a swarm manager (Swarm.LocalNodeState=%s)", "此节点不是 swarm 管理节点（Swarm.LocalNodeState=%s）", orNone(s.LocalNodeState))}
	}
	on := s.Cluster != nil && s.Cluster.Spec.EncryptionConfig.AutoLockManagers
	ev := fmt.Sprintf("Swarm.Cluster.Spec.EncryptionConfig.AutoLockManagers=%t (%s /info)", on, d.state.Source)
	if on {
		return outcome{status: result.Pass, evidence: ev, file: d.state.Source}
	}
	return outcome{status: result.Fail, evidence: ev, file: d.state.Source, msg: catalog.F("swarm managers start unlocked: their raft keys sit on disk", "swarm 管理节点启动时不加锁：其 raft 密钥存放在磁盘上")}
}

// hostFile returns the facts of a recorded host file, or the outcome to
// report when it is not there or could not be read.
func hostFile(n *inventory.Node, path string) (*inventory.File, *outcome) {
	f := n.File(0, path)
	switch {
	case f == nil:
		return nil, &outcome{status: result.Error, file: path, msg: catalog.F("%s was not gathered by the node source", "节点数据源未采集 %s", path)}
	case f.Absent:
		return nil, &outcome{status: result.NotApplicable, file: path, msg: catalog.F("%s does not exist on this host", "此主机上不存在 %s", path)}
	case !f.Present:
		return nil, &outcome{status: result.Error, file: path, msg: catalog.F("cannot stat %s: %v", "无法获取 %s 的状态：%v", path, f.StatError)}
	}
	return f, nil
}

func auditWatch(n *inventory.Node, h *inventory.DockerHost, a auditTarget) outcome {
	paths := h.FilesOf(a.role)
	if len(paths) == 0 {
		return outcome{status: result.NotApplicable, msg: catalog.Text{EN: "no " + a.name + " on this host", ZH: "此主机上没有" + zhName(a.name)}}
	}
	path := paths[0]
	if _, bad := hostFile(n, path); bad != nil {
		return *bad
	}
	if ws := h.Watches(path); len(ws) > 0 {
		w := ws[0]
		return outcome{status: result.Pass, evidence: fmt.Sprintf("%s:%d: %s", w.File, w.Line, w.Text), file: w.File, key: path}
	}
	read := listOrNone(h.AuditFiles)
	if len(h.AuditFiles) == 0 && h.AuditError != "" {
		return outcome{status: result.Error, file: path, msg: catalog.F("cannot read the auditd rules: %s", "无法读取 auditd 规则：%s", h.AuditError)}
	}
	return outcome{status: result.Fail, evidence: "auditd rule files read: " + read, file: "/etc/audit/rules.d", key: path,
		msg: catalog.F("no auditd rule watches %s (-w %s -k docker)", "没有 auditd 规则监视 %s（-w %s -k docker）", path, path)}
}

// fileRuleOutcomes judges every file of a section-3 rule's role.
func fileRuleOutcomes(n *inventory.Node, h *inventory.DockerHost, c *inventory.Component, r fileRule) []outcome {
	paths := h.FilesOf(r.role)
	if len(paths) == 0 {
		why := catalog.Text{EN: "no " + r.name + " on this host", ZH: "此主机上没有" + zhName(r.name)}
		if strings.HasPrefix(r.role, "tls") {
			why = catalog.F("dockerd is not configured with --%s", "dockerd 未配置 --%s", r.role)
		}
		return []outcome{{status: result.NotApplicable, msg: why}}
	}
	var out []outcome
	for _, p := range paths {
		f, bad := hostFile(n, p)
		if bad != nil {
			out = append(out, *bad)
			continue
		}
		uname, gname := nameOf(n.Users, f.UID), nameOf(n.Groups, f.GID)
		ev := fmt.Sprintf("%s %s:%s (uid %d, gid %d) %04o", p, uname, gname, f.UID, f.GID, f.Mode)
		o := outcome{status: result.Pass, evidence: ev, file: p}
		if r.owner {
			if f.UID != 0 || f.GID != 0 {
				o.status = result.Fail
				o.msg = catalog.F("%s is owned by %s:%s, want root:root", "%s 的属主为 %s:%s，应为 root:root", p, uname, gname)
			}
		} else if fs.FileMode(f.Mode).Perm()&^r.maxMode != 0 {
			o.status = result.Fail
			o.msg = catalog.F("%s has mode %04o, want %04o or stricter", "%s 的权限为 %04o，应为 %04o 或更严格", p, f.Mode, r.maxMode)
		}
		out = append(out, o)
	}
	return out
}
