package runtime

import (
	"fmt"
	"path"
	"sort"
	"strconv"
	"strings"

	"github.com/kubeward/kubeward/internal/catalog"
	"github.com/kubeward/kubeward/internal/check"
	"github.com/kubeward/kubeward/internal/inventory"
	"github.com/kubeward/kubeward/internal/result"
)

// CIS Docker v1.6.0 sections 4 and 5 on every container the engine
// reports, from its inspect answer (and, for 5.7, its process names).

// Check IDs.
const (
	CtrHealthcheck   = "KW-CTR-007"
	CtrAppArmor      = "KW-CTR-008"
	CtrSELinux       = "KW-CTR-009"
	CtrSensitiveDirs = "KW-CTR-010"
	CtrSSHD          = "KW-CTR-011"
	CtrPrivPorts     = "KW-CTR-012"
	CtrMemory        = "KW-CTR-013"
	CtrCPU           = "KW-CTR-014"
	CtrReadOnlyRoot  = "KW-CTR-015"
	CtrHostInterface = "KW-CTR-016"
	CtrRestart       = "KW-CTR-017"
	CtrPropagation   = "KW-CTR-018"
	CtrUTS           = "KW-CTR-019"
	CtrCgroupParent  = "KW-CTR-020"
	CtrNoNewPrivs    = "KW-CTR-021"
	CtrHealthRuntime = "KW-CTR-022"
	CtrPidsLimit     = "KW-CTR-023"
	CtrUserns        = "KW-CTR-024"
)

// cisContainerIDs lists the container checks of this file.
var cisContainerIDs = []string{CtrHealthcheck, CtrAppArmor, CtrSELinux, CtrSensitiveDirs, CtrSSHD, CtrPrivPorts, CtrMemory, CtrCPU,
	CtrReadOnlyRoot, CtrHostInterface, CtrRestart, CtrPropagation, CtrUTS, CtrCgroupParent, CtrNoNewPrivs, CtrHealthRuntime, CtrPidsLimit, CtrUserns}

func init() {
	crit, high, med, low := catalog.SeverityCritical, catalog.SeverityHigh, catalog.SeverityMedium, catalog.SeverityLow
	_ = crit
	ctr := func(id, item string, sev catalog.Severity, rec string, title, fix T) check.Spec {
		return check.Spec{ID: id, Item: item, Severity: sev, References: []string{cisDocker + rec}, Title: title, Remediation: fix,
			Scope: check.Node, Node: dockerLogic}
	}
	check.Register(
		ctr(CtrHealthcheck, "1.1", low, "4.6",
			T{EN: "Docker container's image declares no HEALTHCHECK", ZH: "Docker 容器的镜像未声明 HEALTHCHECK"},
			T{EN: "Add a HEALTHCHECK instruction to the image (or --health-cmd when the container is created).", ZH: "在镜像中添加 HEALTHCHECK 指令（或创建容器时使用 --health-cmd）。"}),
		ctr(CtrAppArmor, "2.5", high, "5.2",
			T{EN: "Docker container runs without an AppArmor profile on an AppArmor host", ZH: "在启用 AppArmor 的主机上，Docker 容器未使用 AppArmor 配置文件"},
			T{EN: "Run the container with Docker's default profile (docker-default) or a custom one: remove --security-opt apparmor=unconfined and --privileged.", ZH: "使用 Docker 默认配置文件（docker-default）或自定义配置文件运行容器：删除 --security-opt apparmor=unconfined 与 --privileged。"}),
		ctr(CtrSELinux, "2.5", high, "5.3",
			T{EN: "Docker container runs without an SELinux label on an SELinux host", ZH: "在启用 SELinux 的主机上，Docker 容器没有 SELinux 标签"},
			T{EN: "Run dockerd with --selinux-enabled and remove --security-opt label=disable (or set label=type:... for a custom type).", ZH: "使用 --selinux-enabled 运行 dockerd，并删除 --security-opt label=disable（或通过 label=type:... 指定自定义类型）。"}),
		ctr(CtrSensitiveDirs, "2.4", high, "5.6",
			T{EN: "Docker container mounts a sensitive host directory read-write", ZH: "Docker 容器以读写方式挂载了宿主机敏感目录"},
			T{EN: "Do not bind-mount /, /boot, /dev, /etc, /lib, /proc, /sys or /usr (or a directory below them) into containers; if one must be, mount it read-only (:ro).", ZH: "不要将 /、/boot、/dev、/etc、/lib、/proc、/sys 或 /usr（或其子目录）绑定挂载到容器；如必须挂载，请使用只读方式（:ro）。"}),
		ctr(CtrSSHD, "2.4", med, "5.7",
			T{EN: "Docker container runs sshd", ZH: "Docker 容器中运行了 sshd"},
			T{EN: "Remove the SSH server from the image; use docker exec (audited) to get into a container.", ZH: "从镜像中删除 SSH 服务；使用（受审计的）docker exec 进入容器。"}),
		ctr(CtrPrivPorts, "2.4", med, "5.8",
			T{EN: "Docker container publishes a privileged host port (below 1024)", ZH: "Docker 容器发布了特权主机端口（低于 1024）"},
			T{EN: "Publish the container on a host port of 1024 or above (-p 8080:80) and put a load balancer or reverse proxy in front if a low port is needed.", ZH: "将容器发布到 1024 及以上的主机端口（-p 8080:80）；若需要低端口，在前面放置负载均衡器或反向代理。"}),
		ctr(CtrMemory, "1.1", med, "5.11",
			T{EN: "Docker container has no memory limit", ZH: "Docker 容器没有内存限制"},
			T{EN: "Create the container with --memory (and --memory-swap) sized to its needs.", ZH: "创建容器时按需设置 --memory（以及 --memory-swap）。"}),
		ctr(CtrCPU, "1.1", low, "5.12",
			T{EN: "Docker container has no CPU priority or limit (CPU shares, quota or --cpus)", ZH: "Docker 容器没有 CPU 优先级或限制（CPU 份额、配额或 --cpus）"},
			T{EN: "Create the container with --cpu-shares, --cpus or --cpu-quota.", ZH: "创建容器时设置 --cpu-shares、--cpus 或 --cpu-quota。"}),
		ctr(CtrReadOnlyRoot, "2.4", med, "5.13",
			T{EN: "Docker container's root filesystem is writable", ZH: "Docker 容器的根文件系统可写"},
			T{EN: "Create the container with --read-only and give it tmpfs or volumes for the paths it writes.", ZH: "使用 --read-only 创建容器，并为需要写入的路径提供 tmpfs 或卷。"}),
		ctr(CtrHostInterface, "2.4", med, "5.14",
			T{EN: "Docker container publishes a port on every host interface", ZH: "Docker 容器在宿主机所有网络接口上发布端口"},
			T{EN: "Publish on one address: -p 10.0.0.5:8080:80 (not 0.0.0.0 or ::).", ZH: "仅在一个地址上发布：-p 10.0.0.5:8080:80（不要使用 0.0.0.0 或 ::）。"}),
		ctr(CtrRestart, "1.1", low, "5.15",
			T{EN: "Docker container restarts without bound (restart policy not on-failure:5)", ZH: "Docker 容器无限次重启（重启策略不是 on-failure:5）"},
			T{EN: "Use --restart on-failure:5 (or no restart policy): always and unless-stopped restart a failing container forever.", ZH: "使用 --restart on-failure:5（或不设置重启策略）：always 与 unless-stopped 会无限重启失败的容器。"}),
		ctr(CtrPropagation, "2.4", med, "5.20",
			T{EN: "Docker container mounts with shared propagation", ZH: "Docker 容器使用 shared 挂载传播"},
			T{EN: "Do not mount volumes with shared or rshared propagation; use the default private propagation.", ZH: "不要以 shared 或 rshared 传播方式挂载卷；使用默认的 private 传播方式。"}),
		ctr(CtrUTS, "2.4", med, "5.21",
			T{EN: "Docker container shares the host's UTS namespace", ZH: "Docker 容器共享宿主机的 UTS 命名空间"},
			T{EN: "Re-create the container without --uts host.", ZH: "重新创建容器，不使用 --uts host。"}),
		ctr(CtrCgroupParent, "1.1", low, "5.25",
			T{EN: "Docker container runs under a custom cgroup parent", ZH: "Docker 容器运行在自定义 cgroup 父级下"},
			T{EN: "Leave --cgroup-parent unset unless a reviewed resource plan needs it; a WARN asks a person to confirm it.", ZH: "除非经过评审的资源规划需要，否则不要设置 --cgroup-parent；WARN 请人工确认。"}),
		ctr(CtrNoNewPrivs, "2.4", med, "5.26",
			T{EN: "Docker container may gain new privileges (no-new-privileges not set)", ZH: "Docker 容器可以获取新权限（未设置 no-new-privileges）"},
			T{EN: "Create the container with --security-opt no-new-privileges (or set \"no-new-privileges\": true in daemon.json for all).", ZH: "创建容器时使用 --security-opt no-new-privileges（或在 daemon.json 中设置 \"no-new-privileges\": true 对所有容器生效）。"}),
		ctr(CtrHealthRuntime, "1.1", low, "5.27",
			T{EN: "Docker container's health is not checked at runtime", ZH: "Docker 容器运行时未进行健康检查"},
			T{EN: "Give the container a health check (HEALTHCHECK in the image or --health-cmd) so the engine reports its health.", ZH: "为容器配置健康检查（镜像中的 HEALTHCHECK 或 --health-cmd），使引擎报告其健康状态。"}),
		ctr(CtrPidsLimit, "1.1", med, "5.29",
			T{EN: "Docker container has no PIDs limit", ZH: "Docker 容器没有 PID 数量限制"},
			T{EN: "Create the container with --pids-limit (for example 100): a fork bomb then stops at the limit.", ZH: "创建容器时设置 --pids-limit（例如 100）：fork 炸弹会在限制处停止。"}),
		ctr(CtrUserns, "2.4", high, "5.31",
			T{EN: "Docker container shares the host's user namespace", ZH: "Docker 容器共享宿主机的用户命名空间"},
			T{EN: "Re-create the container without --userns host (keep the daemon's userns-remap in force).", ZH: "重新创建容器，不使用 --userns host（保持守护进程的 userns-remap 生效）。"}),
	)
}

// sensitiveDirs are the host directories 5.6 keeps out of containers.
var sensitiveDirs = []string{"/boot", "/dev", "/etc", "/lib", "/proc", "/sys", "/usr"}

func sensitive(src string) bool {
	src = path.Clean(src)
	if src == "/" {
		return true
	}
	for _, d := range sensitiveDirs {
		if src == d || strings.HasPrefix(src, d+"/") {
			return true
		}
	}
	return false
}

// checkCISContainer reports sections 4 and 5 on one container. apparmor
// and selinux say whether the host enforces them (/info SecurityOptions);
// noNewPrivs whether the daemon sets no-new-privileges for all.
func checkCISContainer(ct *inventory.DockerContainer, add func(id string, status result.Status, field string, msg catalog.Text, evidence string),
	apparmor, selinux, noNewPrivs bool, noNewPrivsEv string) {
	name := ct.DisplayName()
	hc := &ct.HostConfig
	ok := func(id, field, ev string) { add(id, result.Pass, field, catalog.Text{}, ev) }
	bad := func(id, field string, msg catalog.Text, ev string) { add(id, result.Fail, field, msg, ev) }
	judge := func(id string, failing bool, field string, msg catalog.Text, ev string) {
		if failing {
			bad(id, field, msg, ev)
		} else {
			ok(id, field, ev)
		}
	}

	hcTest := ""
	if ct.Config.Healthcheck != nil {
		hcTest = strings.Join(ct.Config.Healthcheck.Test, " ")
	}
	declared := hcTest != "" && !strings.EqualFold(hcTest, "NONE")
	judge(CtrHealthcheck, !declared, "Config.Healthcheck", catalog.F("container %s (image %s) has no health check", "容器 %s（镜像 %s）没有健康检查", name, ct.Config.Image),
		"Config.Healthcheck.Test="+orNone(hcTest))

	if apparmor {
		p := ct.AppArmorProfile
		judge(CtrAppArmor, p == "" || p == "unconfined", "AppArmorProfile",
			catalog.F("container %s runs with AppArmor profile %q", "容器 %s 的 AppArmor 配置文件为 %q", name, p), "AppArmorProfile="+orNone(p))
	} else {
		add(CtrAppArmor, result.NotApplicable, "AppArmorProfile", catalog.F("AppArmor is not enabled on this host (/info SecurityOptions)", "此主机未启用 AppArmor（/info SecurityOptions）"), "")
	}
	if selinux {
		disabled := false
		for _, o := range hc.SecurityOpt {
			if strings.EqualFold(strings.ReplaceAll(o, ":", "="), "label=disable") {
				disabled = true
			}
		}
		judge(CtrSELinux, ct.ProcessLabel == "" || disabled, "ProcessLabel",
			catalog.F("container %s runs without an SELinux label", "容器 %s 没有 SELinux 标签", name), "ProcessLabel="+orNone(ct.ProcessLabel))
	} else {
		add(CtrSELinux, result.NotApplicable, "ProcessLabel", catalog.F("SELinux is not enabled in dockerd on this host (/info SecurityOptions)", "此主机的 dockerd 未启用 SELinux（/info SecurityOptions）"), "")
	}

	var rwSensitive []string
	field := "Mounts"
	for i, m := range ct.Mounts {
		if (m.Type == "" || m.Type == "bind") && m.RW && strings.HasPrefix(m.Source, "/") && sensitive(m.Source) {
			if len(rwSensitive) == 0 {
				field = fmt.Sprintf("Mounts[%d].Source", i)
			}
			rwSensitive = append(rwSensitive, m.Source+":"+m.Destination)
		}
	}
	judge(CtrSensitiveDirs, len(rwSensitive) > 0, field,
		catalog.F("container %s mounts %s read-write", "容器 %s 以读写方式挂载了 %s", name, strings.Join(rwSensitive, ", ")), "read-write sensitive mounts: "+listOrNone(rwSensitive))

	switch {
	case !ct.State.Running:
		add(CtrSSHD, result.NotApplicable, "State.Running", catalog.F("container %s is not running: no processes", "容器 %s 未运行：没有进程", name), "")
	case !ct.ProcessesKnown:
		add(CtrSSHD, result.Warn, "top", catalog.F("the processes of container %s were not read: check with docker top", "未读取容器 %s 的进程：请使用 docker top 检查", name), "")
	default:
		has := false
		for _, p := range ct.Processes {
			if p == "sshd" {
				has = true
			}
		}
		judge(CtrSSHD, has, "top", catalog.F("container %s runs sshd", "容器 %s 运行了 sshd", name), "processes: "+listOrNone(ct.Processes))
	}

	var low, wild, all []string
	for _, port := range sortedPorts(hc.PortBindings) {
		for _, b := range hc.PortBindings[port] {
			shown := fmt.Sprintf("%s:%s->%s", orAny(b.HostIP), orAny(b.HostPort), port)
			all = append(all, shown)
			if n, err := strconv.Atoi(b.HostPort); err == nil && n > 0 && n < 1024 {
				low = append(low, shown)
			}
			if ip := strings.Trim(b.HostIP, "[]"); ip == "" || ip == "0.0.0.0" || ip == "::" {
				wild = append(wild, shown)
			}
		}
	}
	judge(CtrPrivPorts, len(low) > 0, "HostConfig.PortBindings",
		catalog.F("container %s publishes privileged host ports: %s", "容器 %s 发布了特权主机端口：%s", name, strings.Join(low, ", ")), "HostConfig.PortBindings="+listOrNone(all))
	judge(CtrHostInterface, len(wild) > 0, "HostConfig.PortBindings",
		catalog.F("container %s publishes on every host interface: %s", "容器 %s 在所有主机接口上发布端口：%s", name, strings.Join(wild, ", ")), "HostConfig.PortBindings="+listOrNone(all))

	judge(CtrMemory, hc.Memory <= 0, "HostConfig.Memory", catalog.F("container %s has no memory limit", "容器 %s 没有内存限制", name), fmt.Sprintf("HostConfig.Memory=%d", hc.Memory))
	judge(CtrCPU, hc.CPUShares <= 0 && hc.NanoCPUs <= 0 && hc.CPUQuota <= 0, "HostConfig.CpuShares",
		catalog.F("container %s has no CPU shares, quota or --cpus", "容器 %s 没有设置 CPU 份额、配额或 --cpus", name),
		fmt.Sprintf("HostConfig.CpuShares=%d, NanoCpus=%d, CpuQuota=%d", hc.CPUShares, hc.NanoCPUs, hc.CPUQuota))
	judge(CtrReadOnlyRoot, !hc.ReadonlyRootfs, "HostConfig.ReadonlyRootfs", catalog.F("container %s has a writable root filesystem", "容器 %s 的根文件系统可写", name),
		fmt.Sprintf("HostConfig.ReadonlyRootfs=%t", hc.ReadonlyRootfs))

	rp := hc.RestartPolicy
	rpShown := fmt.Sprintf("HostConfig.RestartPolicy=%s:%d", orNone(rp.Name), rp.MaximumRetryCount)
	switch strings.ToLower(rp.Name) {
	case "", "no":
		ok(CtrRestart, "HostConfig.RestartPolicy", rpShown)
	case "on-failure":
		judge(CtrRestart, rp.MaximumRetryCount <= 0 || rp.MaximumRetryCount > 5, "HostConfig.RestartPolicy.MaximumRetryCount",
			catalog.F("container %s restarts on failure up to %d times (0: without limit), want at most 5", "容器 %s 失败时最多重启 %d 次（0 表示无限制），应不超过 5 次", name, rp.MaximumRetryCount), rpShown)
	default:
		bad(CtrRestart, "HostConfig.RestartPolicy.Name", catalog.F("container %s has restart policy %s: it restarts forever", "容器 %s 的重启策略为 %s：会无限重启", name, rp.Name), rpShown)
	}

	var shared []string
	pField := "Mounts"
	for i, m := range ct.Mounts {
		if p := strings.ToLower(m.Propagation); p == "shared" || p == "rshared" {
			if len(shared) == 0 {
				pField = fmt.Sprintf("Mounts[%d].Propagation", i)
			}
			shared = append(shared, m.Destination+" ("+m.Propagation+")")
		}
	}
	judge(CtrPropagation, len(shared) > 0, pField, catalog.F("container %s mounts with shared propagation: %s", "容器 %s 使用 shared 传播挂载：%s", name, strings.Join(shared, ", ")),
		"shared propagation: "+listOrNone(shared))

	judge(CtrUTS, strings.EqualFold(hc.UTSMode, "host"), "HostConfig.UTSMode", catalog.F("container %s shares the host's UTS namespace", "容器 %s 共享宿主机的 UTS 命名空间", name),
		"HostConfig.UTSMode="+orNone(hc.UTSMode))
	if hc.CgroupParent != "" {
		add(CtrCgroupParent, result.Warn, "HostConfig.CgroupParent", catalog.F("container %s runs under the cgroup %s: confirm it is intended", "容器 %s 运行在 cgroup %s 之下：请确认这是预期的", name, hc.CgroupParent),
			"HostConfig.CgroupParent="+hc.CgroupParent)
	} else {
		ok(CtrCgroupParent, "HostConfig.CgroupParent", "HostConfig.CgroupParent=<default>")
	}

	nnp := noNewPrivs
	for _, o := range hc.SecurityOpt {
		k, v, _ := strings.Cut(strings.ReplaceAll(strings.ToLower(o), ":", "="), "=")
		if k == "no-new-privileges" {
			nnp = v == "" || isTrue(v)
		}
	}
	judge(CtrNoNewPrivs, !nnp, "HostConfig.SecurityOpt", catalog.F("container %s may gain new privileges through setuid binaries", "容器 %s 可通过 setuid 程序获取新权限", name),
		"HostConfig.SecurityOpt="+listOrNone(shortOpts(hc.SecurityOpt))+"; daemon "+noNewPrivsEv)

	health := ct.State.Health != nil || declared
	hs := "<none>"
	if ct.State.Health != nil {
		hs = ct.State.Health.Status
	}
	judge(CtrHealthRuntime, !health, "State.Health", catalog.F("container %s has no health check, so its health is never checked", "容器 %s 没有健康检查，其健康状态从未被检查", name),
		"State.Health.Status="+hs+"; Config.Healthcheck.Test="+orNone(hcTest))

	limit := "<unset>"
	if hc.PidsLimit != nil {
		limit = strconv.FormatInt(*hc.PidsLimit, 10)
	}
	judge(CtrPidsLimit, hc.PidsLimit == nil || *hc.PidsLimit <= 0, "HostConfig.PidsLimit", catalog.F("container %s has no PIDs limit", "容器 %s 没有 PID 数量限制", name), "HostConfig.PidsLimit="+limit)
	judge(CtrUserns, strings.EqualFold(hc.UsernsMode, "host"), "HostConfig.UsernsMode", catalog.F("container %s shares the host's user namespace", "容器 %s 共享宿主机的用户命名空间", name),
		"HostConfig.UsernsMode="+orNone(hc.UsernsMode))
}

func sortedPorts(m map[string][]inventory.DockerPortBinding) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func orAny(s string) string {
	if s == "" {
		return "*"
	}
	return s
}
