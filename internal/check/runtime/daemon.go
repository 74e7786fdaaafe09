package runtime

import (
	"fmt"
	"io/fs"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"github.com/kubeward/kubeward/internal/catalog"
	"github.com/kubeward/kubeward/internal/check"
	"github.com/kubeward/kubeward/internal/inventory"
	"github.com/kubeward/kubeward/internal/result"
)

// The logic of the Docker (daemon and containers) and containerd checks,
// each shared by its specs (catalog.go).
var (
	dockerLogic     = &check.NodeRule{Run: runDocker}
	containerdLogic = &check.NodeRule{Run: runContainerd}
)

// outcome is one check's verdict on one subject.
type outcome struct {
	status   result.Status
	msg      catalog.Text // what is wrong (empty on PASS)
	evidence string
	file     string
	key      string
}

func emit(em *check.NodeEmitter, id string, c *inventory.Component, o outcome) {
	var loc *result.Location
	if o.file != "" || o.key != "" {
		loc = &result.Location{File: o.file, Path: o.key}
	}
	em.Add(id, o.status, c, loc, o.msg, o.evidence)
}

func pass(v inventory.Setting, name string) outcome {
	return outcome{status: result.Pass, evidence: v.Evidence(name), file: v.File, key: v.Key}
}

func fail(v inventory.Setting, name string, msg catalog.Text) outcome {
	return outcome{status: result.Fail, msg: msg, evidence: v.Evidence(name), file: v.File, key: v.Key}
}

// daemon is one dockerd under audit.
type daemon struct {
	c     *inventory.Component
	n     *inventory.Node
	facts *inventory.DockerDaemon
	state *inventory.DockerState // nil when the engine could not be read
	err   string                 // why it could not
}

func runDocker(env *check.Env, n *inventory.Node, em *check.NodeEmitter) {
	ds := n.ComponentsOf(inventory.Dockerd)
	if len(ds) == 0 {
		for _, id := range append(append([]string{}, DaemonIDs...), ContainerIDs...) {
			em.Absent(id, inventory.Dockerd)
		}
		return
	}
	sockets := runtimeSockets(n)
	for _, c := range ds {
		if c.Docker == nil {
			for _, id := range append(append([]string{}, DaemonIDs...), ContainerIDs...) {
				em.Add(id, result.Error, c, nil, catalog.F("the node source gathered nothing about this dockerd", "节点数据源未采集此 dockerd 的任何信息"), "")
			}
			continue
		}
		d := &daemon{c: c, n: n, facts: c.Docker, state: c.Docker.State, err: c.Docker.StateError}
		emit(em, DaemonTCP, c, d.tcpHosts())
		emit(em, DaemonSocketPerms, c, d.socketPerms())
		emit(em, DaemonAufs, c, d.storageDriver())
		emit(em, DaemonPartition, c, d.partition())
		emit(em, DaemonICC, c, d.icc())
		emit(em, DaemonUserns, c, d.userns())
		emit(em, DaemonLiveRestore, c, d.liveRestore())
		emit(em, DaemonNoNewPrivs, c, d.noNewPrivileges())
		emit(em, DaemonLogLimits, c, d.logLimits())
		emit(em, DaemonInsecureReg, c, d.insecureRegistries())
		emit(em, DaemonContentTrust, c, d.contentTrust())
		checkContainers(env, d, sockets, em)
	}
}

// tcpHosts: every listener is a unix socket (or fd:// activation of one),
// or TCP with TLS client verification against a CA.
func (d *daemon) tcpHosts() outcome {
	ls := d.facts.Listeners
	if len(ls) == 0 {
		// No -H, hosts key or socket unit recorded (an inventory from a
		// snapshot may carry none): dockerd then serves its default unix
		// socket only.
		return outcome{status: result.Pass, evidence: "hosts not set (dockerd's default: unix:///var/run/docker.sock)"}
	}
	var all, bad []string
	var first *inventory.DockerListener
	for i, l := range ls {
		all = append(all, l.String())
		if l.Proto == "tcp" && first == nil {
			first = &ls[i]
		}
	}
	ev := fmt.Sprintf("hosts=%s (%s)", strings.Join(all, ","), ls[0].From)
	if first == nil {
		return outcome{status: result.Pass, evidence: ev, file: ls[0].File, key: ls[0].Key}
	}
	verify, ca := d.c.Setting("tlsverify"), d.c.Setting("tlscacert")
	if ca.Value == "" && d.c.Env["DOCKER_CERT_PATH"] != "" {
		ca = inventory.Setting{Value: filepath.Join(d.c.Env["DOCKER_CERT_PATH"], "ca.pem"), Set: true, From: "env DOCKER_CERT_PATH", File: d.c.Origin(), Key: "DOCKER_CERT_PATH"}
	}
	ev += "; " + verify.Evidence("tlsverify") + "; " + ca.Evidence("tlscacert")
	for _, l := range ls {
		if l.Proto == "tcp" {
			bad = append(bad, l.String())
		}
	}
	if isTrue(verify.Value) && ca.Value != "" {
		return outcome{status: result.Pass, evidence: ev, file: first.File, key: first.Key}
	}
	why := catalog.F("dockerd serves its API on %s without tlsverify and a tlscacert: anyone who reaches the port is root on the node",
		"dockerd 在 %s 上提供 API 且未设置 tlsverify 与 tlscacert：任何能访问该端口的人都拥有节点的 root 权限", strings.Join(bad, ", "))
	return outcome{status: result.Fail, msg: why, evidence: ev, file: first.File, key: first.Key}
}

// socketPerms: each unix socket is root:docker (or root:root) and 0660 or stricter.
func (d *daemon) socketPerms() outcome {
	var paths []inventory.DockerListener
	seen := map[string]bool{}
	for _, l := range d.facts.Listeners {
		if l.Proto == "unix" && !strings.HasPrefix(l.Addr, "@") && !seen[l.Addr] {
			seen[l.Addr] = true
			paths = append(paths, l)
		}
	}
	if len(paths) == 0 {
		return outcome{status: result.NotApplicable, msg: catalog.F("dockerd serves no unix socket", "dockerd 未提供 unix 套接字")}
	}
	groups, users := d.n.Groups, d.n.Users
	var evidence []string
	var msgs []catalog.Text
	var badFile string
	for _, l := range paths {
		st := d.facts.Socket(l.Addr)
		if st == nil {
			st = &inventory.DockerSocket{Addr: l.Addr, Error: "not gathered by the node source"}
		}
		if st.Error != "" {
			if st.Absent && d.c.PID == 0 {
				return outcome{status: result.NotApplicable, file: l.File, key: l.Key,
					msg: catalog.F("dockerd is not running (found in %s) and its socket %s does not exist", "dockerd 未运行（发现于 %s），其套接字 %s 不存在", d.c.Origin(), l.Addr)}
			}
			return outcome{status: result.Error, file: l.Addr,
				msg: catalog.F("cannot stat the Docker socket %s: %v", "无法获取 Docker 套接字 %s 的状态：%v", l.Addr, st.Error)}
		}
		uid, gid := st.UID, st.GID
		if !st.OwnerKnown {
			return outcome{status: result.Error, file: l.Addr,
				msg: catalog.F("cannot read the owner of %s on this platform", "无法在此平台上读取 %s 的属主", l.Addr)}
		}
		mode := fs.FileMode(st.Mode)
		perm := mode.Perm()
		uname, gname := nameOf(users, uid), nameOf(groups, gid)
		evidence = append(evidence, fmt.Sprintf("%s %s:%s %04o (%s)", l.Addr, uname, gname, perm, l.From))
		okOwner := uid == 0 && (gid == 0 || gname == "docker")
		okMode := perm&^0o660 == 0
		if !okOwner || !okMode || mode&fs.ModeSocket == 0 {
			if badFile == "" {
				badFile = l.Addr
			}
			switch {
			case mode&fs.ModeSocket == 0:
				msgs = append(msgs, catalog.F("%s is not a socket", "%s 不是套接字", l.Addr))
			case !okOwner && !okMode:
				msgs = append(msgs, catalog.F("%s is owned by %s:%s with mode %04o, want root:docker and 0660 or stricter", "%s 属主为 %s:%s，权限为 %04o，应为 root:docker 且不宽于 0660", l.Addr, uname, gname, perm))
			case !okOwner:
				msgs = append(msgs, catalog.F("%s is owned by %s:%s, want root:docker", "%s 属主为 %s:%s，应为 root:docker", l.Addr, uname, gname))
			default:
				msgs = append(msgs, catalog.F("%s has mode %04o, want 0660 or stricter", "%s 权限为 %04o，应不宽于 0660", l.Addr, perm))
			}
		}
	}
	ev := strings.Join(evidence, "; ")
	if len(msgs) > 0 {
		return outcome{status: result.Fail, msg: joinText(msgs), evidence: ev, file: badFile}
	}
	return outcome{status: result.Pass, evidence: ev, file: paths[0].Addr}
}

func (d *daemon) storageDriver() outcome {
	v := d.c.Setting("storage-driver")
	if !v.Set && d.state != nil && d.state.Info != nil && d.state.Info.Driver != "" {
		v.Value, v.From = d.state.Info.Driver, d.state.Source+" /info Driver"
	}
	if v.Value == "" {
		v.From = "default: chosen by dockerd at start, not aufs unless configured; the engine could not be asked"
	}
	if strings.EqualFold(v.Value, "aufs") {
		return fail(v, "storage-driver", catalog.F("the storage driver is aufs: deprecated, unmaintained and removed from Docker", "存储驱动为 aufs：已弃用、无人维护且已从 Docker 中移除"))
	}
	return pass(v, "storage-driver")
}

// dataRootAbsent: a dockerd that is installed but not running has not made
// its data root yet; there is no partition to judge.
func (d *daemon) dataRootAbsent(v inventory.Setting, base, dir string) outcome {
	return outcome{status: result.NotApplicable, evidence: base, file: v.File, key: v.Key,
		msg: catalog.F("dockerd is not running (found in %s) and its data root %s does not exist yet", "dockerd 未运行（发现于 %s），其数据目录 %s 尚不存在", d.c.Origin(), dir)}
}

// partition: the data root is a mount point of its own filesystem.
func (d *daemon) partition() outcome {
	v := d.c.Setting("data-root")
	dir := filepath.Clean(v.Value)
	if !filepath.IsAbs(dir) {
		return fail(v, "data-root", catalog.F("data-root %q is not an absolute path", "data-root %q 不是绝对路径", v.Value))
	}
	base := v.Evidence("data-root")
	dr := d.facts.DataRoot
	if dr == nil {
		return outcome{status: result.Error, evidence: base, file: v.File, key: v.Key,
			msg: catalog.F("cannot stat the Docker data root %s: %v", "无法获取 Docker 数据目录 %s 的状态：%v", dir, "not gathered by the node source")}
	}
	if dr.Live {
		p, parent := dr.Path, dr.Parent
		switch {
		case dr.Error != "" && dr.Absent && d.c.PID == 0:
			return d.dataRootAbsent(v, base, dir)
		case dr.Error != "":
			return outcome{status: result.Error, evidence: base, file: v.File, key: v.Key,
				msg: catalog.F("cannot stat the Docker data root %s: %v", "无法获取 Docker 数据目录 %s 的状态：%v", dir, dr.Error)}
		case dr.ParentError != "":
			return outcome{status: result.Error, evidence: base, file: v.File, key: v.Key,
				msg: catalog.F("cannot stat %s: %v", "无法获取 %s 的状态：%v", parent, dr.ParentError)}
		case dr.NoDevice:
			return outcome{status: result.Error, evidence: base, file: v.File, key: v.Key,
				msg: catalog.F("cannot read device numbers on this platform", "无法在此平台上读取设备号")}
		}
		dev, pdev := dr.Dev, dr.ParentDev
		ev := fmt.Sprintf("%s: %s on device %s, its parent %s on device %s", base, p, dev, parent, pdev)
		if m := dr.Mount; m != nil {
			ev += fmt.Sprintf(" (mounted at %s: %s %s)", m.Point, m.FSType, m.Source)
		}
		if dev != pdev {
			return outcome{status: result.Pass, evidence: ev, file: v.File, key: v.Key}
		}
		return outcome{status: result.Fail, evidence: ev, file: v.File, key: v.Key,
			msg: catalog.F("the Docker data root %s is on the same filesystem as %s (device %s)", "Docker 数据目录 %s 与 %s 位于同一文件系统（设备 %s）", dir, parent, dev)}
	}
	// A snapshot or mounted host: the host's own mount table says, once the
	// data root is known to be there.
	if dr.Absent && d.c.PID == 0 {
		return d.dataRootAbsent(v, base, dir)
	}
	if m, pm := dr.Mount, dr.ParentMount; dr.Table != "" && m != nil && pm != nil {
		ev := fmt.Sprintf("%s: %s on %s (%s %s, device %s), its parent on %s (device %s) [%s]", base, dir, m.Point, m.FSType, m.Source, m.Dev, pm.Point, pm.Dev, dr.Table)
		if m.Dev != pm.Dev {
			return outcome{status: result.Pass, evidence: ev, file: v.File, key: v.Key}
		}
		return outcome{status: result.Fail, evidence: ev, file: v.File, key: v.Key,
			msg: catalog.F("the Docker data root %s is on the same filesystem as %s (device %s)", "Docker 数据目录 %s 与 %s 位于同一文件系统（设备 %s）", dir, filepath.Dir(dir), m.Dev)}
	}
	return outcome{status: result.Error, evidence: base, file: v.File, key: v.Key,
		msg: catalog.F("no mount table (/proc/1/mountinfo) under %s to tell whether %s is a separate partition", "%s 下没有挂载表（/proc/1/mountinfo），无法判断 %s 是否为独立分区", dr.Root, dir)}
}

func (d *daemon) icc() outcome {
	v := d.c.Setting("icc")
	if isFalse(v.Value) {
		return pass(v, "icc")
	}
	return fail(v, "icc", catalog.F("icc is %s: containers on the default bridge reach each other on every port", "icc 为 %s：默认网桥上的容器可以访问彼此的所有端口", v.Value))
}

func (d *daemon) userns() outcome {
	v := d.c.Setting("userns-remap")
	if v.Value != "" {
		return pass(v, "userns-remap")
	}
	if d.state != nil && d.state.Info != nil {
		for _, o := range d.state.Info.SecurityOptions {
			if strings.Contains(o, "name=userns") {
				v.Value, v.From = "on", d.state.Source+" /info SecurityOptions"
				return pass(v, "userns-remap")
			}
		}
	}
	return fail(v, "userns-remap", catalog.F("userns-remap is not set: root in a container is root on the node", "未设置 userns-remap：容器中的 root 即节点上的 root"))
}

func (d *daemon) liveRestore() outcome {
	v := d.c.Setting("live-restore")
	if isTrue(v.Value) {
		return pass(v, "live-restore")
	}
	if !v.Set && d.state != nil && d.state.Info != nil && d.state.Info.LiveRestoreEnabled {
		v.Value, v.From = "true", d.state.Source+" /info LiveRestoreEnabled"
		return pass(v, "live-restore")
	}
	return fail(v, "live-restore", catalog.F("live-restore is %s: every container stops while dockerd restarts or upgrades", "live-restore 为 %s：dockerd 重启或升级时所有容器都会停止", v.Value))
}

func (d *daemon) noNewPrivileges() outcome {
	v := d.c.Setting("no-new-privileges")
	if isTrue(v.Value) {
		return pass(v, "no-new-privileges")
	}
	return fail(v, "no-new-privileges", catalog.F("no-new-privileges is %s: setuid binaries can raise privileges inside containers", "no-new-privileges 为 %s：容器内的 setuid 程序可以提升权限", v.Value))
}

func (d *daemon) logLimits() outcome {
	drv := d.c.Setting("log-driver")
	ev := drv.Evidence("log-driver")
	if !strings.EqualFold(drv.Value, "json-file") {
		return outcome{status: result.Pass, evidence: ev + ": not the json-file driver", file: drv.File, key: drv.Key}
	}
	opts := d.c.Setting("log-opt")
	name := "log-opts"
	if strings.HasPrefix(opts.From, "flag") {
		name = "log-opt"
	}
	// Only the rotation options: other log options may hold tokens
	// (splunk-token, fluentd credentials) and never reach the report.
	shown := inventory.Setting{From: opts.From, Map: map[string]string{}}
	for _, k := range []string{"max-size", "max-file"} {
		if v, ok := opts.Map[k]; ok {
			shown.Map[k] = v
		}
	}
	shown.Value = inventory.MapString(shown.Map)
	if extra := len(opts.Map) - len(shown.Map); extra > 0 {
		shown.Value += fmt.Sprintf(" (+%d other options)", extra)
		shown.Value = strings.TrimPrefix(shown.Value, " ")
	}
	ev += "; " + shown.Evidence(name)
	if opts.Map["max-size"] == "" || opts.Map["max-size"] == "-1" {
		return outcome{status: result.Fail, evidence: ev, file: opts.File, key: opts.Key,
			msg: catalog.F("the json-file log driver has no max-size: container logs grow until the disk is full", "json-file 日志驱动未设置 max-size：容器日志会一直增长直到磁盘写满")}
	}
	if mf := opts.Map["max-file"]; mf != "" {
		if n, err := strconv.Atoi(mf); err != nil || n < 1 {
			return outcome{status: result.Fail, evidence: ev, file: opts.File, key: opts.Key,
				msg: catalog.F("log-opts max-file is %q, want a positive number", "log-opts 的 max-file 为 %q，应为正整数", mf)}
		}
	}
	return outcome{status: result.Pass, evidence: ev, file: opts.File, key: opts.Key}
}

func (d *daemon) insecureRegistries() outcome {
	v := d.c.Setting("insecure-registry")
	name := "insecure-registries"
	if strings.HasPrefix(v.From, "flag") {
		name = "insecure-registry"
	}
	var regs []string
	for _, r := range v.List {
		if r = strings.TrimSpace(r); r != "" {
			regs = append(regs, r)
		}
	}
	if len(regs) > 0 {
		return fail(v, name, catalog.F("dockerd pulls from %s without verified TLS", "dockerd 从 %s 拉取镜像时不校验 TLS", strings.Join(regs, ", ")))
	}
	// The engine's own view: registries marked insecure, beyond the
	// loopback range dockerd always allows.
	if d.state != nil && d.state.Info != nil {
		rc := d.state.Info.RegistryConfig
		for _, cidr := range rc.InsecureRegistryCIDRs {
			if cidr != "127.0.0.0/8" && cidr != "::1/128" {
				regs = append(regs, cidr)
			}
		}
		for name, ic := range rc.IndexConfigs {
			if !ic.Secure {
				regs = append(regs, name)
			}
		}
		sort.Strings(regs)
		if len(regs) > 0 {
			v.Value, v.From = strings.Join(regs, ","), d.state.Source+" /info RegistryConfig"
			return fail(v, name, catalog.F("dockerd pulls from %s without verified TLS", "dockerd 从 %s 拉取镜像时不校验 TLS", strings.Join(regs, ", ")))
		}
	}
	return pass(v, name)
}

// contentTrust looks for DOCKER_CONTENT_TRUST=1 where the node's docker
// clients would inherit it. The daemon itself does not enforce content
// trust, so a missing setting is a WARN for a person to confirm.
func (d *daemon) contentTrust() outcome {
	const name = "DOCKER_CONTENT_TRUST"
	if v, ok := d.c.Env[name]; ok && v == "1" {
		return outcome{status: result.Pass, evidence: name + "=1 (dockerd environment)", file: d.c.Origin(), key: name}
	}
	found, where := "", ""
	if v, ok := d.c.Env[name]; ok {
		found, where = v, "dockerd environment"
	}
	for _, v := range d.n.DockerContentTrust {
		if v == "1" {
			return outcome{status: result.Pass, evidence: name + "=1 (/etc/environment)", file: "/etc/environment", key: name}
		}
		found, where = v, "/etc/environment"
	}
	ev := name + " is not set in dockerd's environment nor /etc/environment"
	if where != "" {
		ev = fmt.Sprintf("%s=%s (%s)", name, found, where)
	}
	return outcome{status: result.Warn, evidence: ev, file: "/etc/environment", key: name,
		msg: catalog.F("%s=1 is not set for this node: content trust is a docker client setting (dockerd does not enforce it), so confirm every user, script and CI job that pulls or runs images sets it; it rests on Notary v1, which is being retired: verify cosign or Notation signatures with the supplyChain policy (KW-SUP-001)",
			"此节点未设置 %s=1：内容信任是 docker 客户端的设置（dockerd 不强制执行），请确认所有拉取或运行镜像的用户、脚本和 CI 任务都已设置；它基于正在退役的 Notary v1：请用 supplyChain 策略验证 cosign 或 Notation 签名（KW-SUP-001）", name)}
}

func nameOf(names map[uint32]string, id uint32) string {
	if n, ok := names[id]; ok {
		return n
	}
	if id == 0 {
		return "root"
	}
	return strconv.FormatUint(uint64(id), 10)
}

func joinText(ts []catalog.Text) catalog.Text {
	var en, zh []string
	for _, t := range ts {
		en = append(en, t.EN)
		zh = append(zh, t.ZH)
	}
	return catalog.Text{EN: strings.Join(en, "; "), ZH: strings.Join(zh, "；")}
}

func isTrue(s string) bool {
	b, err := strconv.ParseBool(strings.TrimSpace(s))
	return err == nil && b
}

func isFalse(s string) bool {
	b, err := strconv.ParseBool(strings.TrimSpace(s))
	return err == nil && !b
}
