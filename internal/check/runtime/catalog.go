// Package runtime holds the checks of the node's container runtimes: the
// Docker daemon's settings (KW-DOCKER-*), every Docker container as the
// Engine API reports it (KW-CTR-*) and containerd's registry trust
// (KW-CTRD-*). Daemon settings are read as dockerd reads them: its
// command-line flags, then daemon.json, then its defaults; each result says
// where the value came from. CIS references are to the CIS Docker Benchmark
// v1.6.0.
package runtime

import (
	"github.com/kubeward/kubeward/internal/catalog"
	"github.com/kubeward/kubeward/internal/check"
)

// Check IDs.
const (
	DaemonTCP           = "KW-DOCKER-001"
	DaemonSocketPerms   = "KW-DOCKER-002"
	DaemonAufs          = "KW-DOCKER-003"
	DaemonPartition     = "KW-DOCKER-004"
	DaemonICC           = "KW-DOCKER-005"
	DaemonUserns        = "KW-DOCKER-006"
	DaemonLiveRestore   = "KW-DOCKER-007"
	DaemonNoNewPrivs    = "KW-DOCKER-008"
	DaemonLogLimits     = "KW-DOCKER-009"
	DaemonInsecureReg   = "KW-DOCKER-010"
	DaemonContentTrust  = "KW-DOCKER-011"
	CtrPrivileged       = "KW-CTR-001"
	CtrRuntimeSocket    = "KW-CTR-002"
	CtrRoot             = "KW-CTR-003"
	CtrCapAdd           = "KW-CTR-004"
	CtrUnconfined       = "KW-CTR-005"
	CtrHostNamespace    = "KW-CTR-006"
	CtrdSkipVerify      = "KW-CTRD-001"
	CtrdPlainHTTP       = "KW-CTRD-002"
	cisDocker           = "CIS Docker v1.6.0 "
	containerdHostsDocs = "containerd docs: Registry Configuration (hosts.toml)"
)

// DaemonIDs, ContainerIDs and ContainerdIDs list the checks by subject.
var (
	DaemonIDs = []string{DaemonTCP, DaemonSocketPerms, DaemonAufs, DaemonPartition, DaemonICC, DaemonUserns,
		DaemonLiveRestore, DaemonNoNewPrivs, DaemonLogLimits, DaemonInsecureReg, DaemonContentTrust}
	ContainerIDs  = append([]string{CtrPrivileged, CtrRuntimeSocket, CtrRoot, CtrCapAdd, CtrUnconfined, CtrHostNamespace}, cisContainerIDs...)
	ContainerdIDs = []string{CtrdSkipVerify, CtrdPlainHTTP}
)

type T = catalog.Text

// entry is a check's spec, with the logic that judges its subject: the
// Docker daemon and its containers, or containerd.
func entry(id, item string, sev catalog.Severity, refs []string, title, fix T) check.Spec {
	logic := dockerLogic
	for _, c := range ContainerdIDs {
		if c == id {
			logic = containerdLogic
		}
	}
	return check.Spec{ID: id, Item: item, Severity: sev, References: refs, Title: title, Remediation: fix, Scope: check.Node, Node: logic}
}

func init() {
	crit, high, med, low := catalog.SeverityCritical, catalog.SeverityHigh, catalog.SeverityMedium, catalog.SeverityLow
	check.Register(
		entry(DaemonTCP, "1.2", crit, []string{cisDocker + "2.7"},
			T{EN: "Docker daemon listens on TCP without TLS client verification", ZH: "Docker 守护进程在 TCP 上监听且未校验客户端 TLS 证书"},
			T{EN: "Serve the API only on the unix socket: remove tcp:// entries from -H/--host and daemon.json \"hosts\" (and TCP ListenStream lines from docker.socket). If remote access is unavoidable, set tlsverify: true with tlscacert, tlscert and tlskey.",
				ZH: "仅在 unix 套接字上提供 API：从 -H/--host 与 daemon.json 的 \"hosts\" 中删除 tcp:// 条目（以及 docker.socket 中的 TCP ListenStream）。若必须远程访问，设置 tlsverify: true 并配置 tlscacert、tlscert 与 tlskey。"}),
		entry(DaemonSocketPerms, "1.2", high, []string{cisDocker + "3.15", cisDocker + "3.16"},
			T{EN: "Docker socket is not owned by root:docker with mode 660 or stricter", ZH: "Docker 套接字属主不是 root:docker 或权限宽于 660"},
			T{EN: "chown root:docker the socket and chmod 660 it (dockerd does so itself unless --group or a socket unit changes it); keep the docker group empty of anyone who should not be root.",
				ZH: "将套接字属主设为 root:docker 并设置权限为 660（除非 --group 或套接字单元另有设置，dockerd 会自行如此设置）；docker 组中不要包含不应拥有 root 权限的用户。"}),
		entry(DaemonAufs, "1.1", med, []string{cisDocker + "2.6"},
			T{EN: "Docker uses the aufs storage driver", ZH: "Docker 使用 aufs 存储驱动"},
			T{EN: "Switch to overlay2: set \"storage-driver\": \"overlay2\" in daemon.json (images and containers must be re-created).",
				ZH: "改用 overlay2：在 daemon.json 中设置 \"storage-driver\": \"overlay2\"（需重新创建镜像和容器）。"}),
		entry(DaemonPartition, "1.1", med, []string{cisDocker + "1.1.1"},
			T{EN: "Docker data root is not on a separate partition", ZH: "Docker 数据目录不在独立分区上"},
			T{EN: "Mount a dedicated filesystem (partition or logical volume) at the data root (/var/lib/docker or data-root) so containers cannot fill the host's filesystem.",
				ZH: "在数据目录（/var/lib/docker 或 data-root）挂载独立的文件系统（分区或逻辑卷），防止容器写满宿主机文件系统。"}),
		entry(DaemonICC, "1.1", med, []string{cisDocker + "2.2"},
			T{EN: "Containers on the default bridge can talk to each other (icc)", ZH: "默认网桥上的容器可以相互通信（icc）"},
			T{EN: "Set \"icc\": false in daemon.json (or --icc=false) and link containers that must talk through user-defined networks.",
				ZH: "在 daemon.json 中设置 \"icc\": false（或 --icc=false），需要通信的容器使用自定义网络。"}),
		entry(DaemonUserns, "1.1", med, []string{cisDocker + "2.9"},
			T{EN: "Docker user namespace remapping is off (userns-remap)", ZH: "Docker 未启用用户命名空间重映射（userns-remap）"},
			T{EN: "Set \"userns-remap\": \"default\" (or a dedicated user with /etc/subuid and /etc/subgid ranges) so root in a container is an unprivileged user on the host.",
				ZH: "设置 \"userns-remap\": \"default\"（或指定在 /etc/subuid、/etc/subgid 中有范围的专用用户），使容器内的 root 在宿主机上是非特权用户。"}),
		entry(DaemonLiveRestore, "1.1", low, []string{cisDocker + "2.15"},
			T{EN: "Docker live restore is off: containers stop when the daemon restarts", ZH: "Docker 未启用 live-restore：守护进程重启时容器会停止"},
			T{EN: "Set \"live-restore\": true in daemon.json.", ZH: "在 daemon.json 中设置 \"live-restore\": true。"}),
		entry(DaemonNoNewPrivs, "1.1", med, []string{cisDocker + "2.14"},
			T{EN: "Docker does not stop containers from gaining new privileges (no-new-privileges)", ZH: "Docker 未阻止容器获取新权限（no-new-privileges）"},
			T{EN: "Set \"no-new-privileges\": true in daemon.json so setuid binaries cannot raise privileges in any container.",
				ZH: "在 daemon.json 中设置 \"no-new-privileges\": true，使任何容器中的 setuid 程序都无法提升权限。"}),
		entry(DaemonLogLimits, "1.1", low, []string{"Docker docs: JSON File logging driver (max-size, max-file)"},
			T{EN: "Docker container logs grow without limit (json-file without max-size)", ZH: "Docker 容器日志无限增长（json-file 未设置 max-size）"},
			T{EN: "Set \"log-opts\": {\"max-size\": \"10m\", \"max-file\": \"3\"} in daemon.json, or use the local driver (rotates by default) or a remote driver.",
				ZH: "在 daemon.json 中设置 \"log-opts\": {\"max-size\": \"10m\", \"max-file\": \"3\"}，或使用默认会轮转的 local 驱动或远程日志驱动。"}),
		entry(DaemonInsecureReg, "2.1", high, []string{cisDocker + "2.5"},
			T{EN: "Docker trusts insecure registries (no TLS or unverified TLS)", ZH: "Docker 信任不安全的镜像仓库（无 TLS 或不校验 TLS）"},
			T{EN: "Remove insecure-registries from daemon.json (and --insecure-registry flags); give private registries a certificate trusted under /etc/docker/certs.d.",
				ZH: "从 daemon.json 删除 insecure-registries（及 --insecure-registry 参数）；为私有仓库配置受信任的证书（/etc/docker/certs.d）。"}),
		entry(DaemonContentTrust, "1.4", med, []string{cisDocker + "4.5"},
			T{EN: "Docker content trust is not enabled (DOCKER_CONTENT_TRUST=1)", ZH: "未启用 Docker 内容信任（DOCKER_CONTENT_TRUST=1）"},
			T{EN: "Content trust is enforced by the docker client, not the daemon: export DOCKER_CONTENT_TRUST=1 for every user and CI job that pulls or runs images (e.g. in /etc/environment). Docker Content Trust rests on Notary v1, which is being retired (Docker's Notary service shuts down in December 2026; Harbor's content trust now means cosign or Notation): sign images with cosign or Notation and verify them with kubeward's supplyChain policy (KW-SUP-001, KW-SUP-002; docs/supply-chain.md).",
				ZH: "内容信任由 docker 客户端而非守护进程执行：为所有拉取或运行镜像的用户和 CI 任务设置 DOCKER_CONTENT_TRUST=1（例如写入 /etc/environment）。Docker 内容信任基于 Notary v1，而 Notary v1 正在退役（Docker 的 Notary 服务于 2026 年 12 月关闭；Harbor 的内容信任现指 cosign 或 Notation 签名）：请使用 cosign 或 Notation 签名镜像，并用 kubeward 的 supplyChain 策略验证（KW-SUP-001、KW-SUP-002；docs/supply-chain.md）。"}),
		entry(CtrPrivileged, "2.4", crit, []string{cisDocker + "5.5"},
			T{EN: "Docker container runs privileged", ZH: "Docker 容器以特权模式运行"},
			T{EN: "Re-create the container without --privileged; add only the capabilities and devices it needs.",
				ZH: "不使用 --privileged 重新创建容器；仅添加所需的能力和设备。"}),
		entry(CtrRuntimeSocket, "1.3", crit, []string{cisDocker + "5.32"},
			T{EN: "Docker container mounts a container runtime socket", ZH: "Docker 容器挂载了容器运行时套接字"},
			T{EN: "Re-create the container without the docker.sock / containerd.sock / crio.sock bind mount (or a directory above it); a container holding the socket controls the host.",
				ZH: "重新创建容器，不要绑定挂载 docker.sock、containerd.sock、crio.sock（或其上级目录）；持有该套接字的容器即可控制宿主机。"}),
		entry(CtrRoot, "2.3", med, []string{cisDocker + "4.1"},
			T{EN: "Docker container runs as root", ZH: "Docker 容器以 root 用户运行"},
			T{EN: "Set USER in the image or --user UID:GID (a non-zero UID) when creating the container.",
				ZH: "在镜像中设置 USER，或创建容器时使用 --user UID:GID（非 0 的 UID）。"}),
		entry(CtrCapAdd, "2.4", high, []string{cisDocker + "5.4"},
			T{EN: "Docker container adds Linux capabilities", ZH: "Docker 容器添加了 Linux 能力"},
			T{EN: "Re-create the container without --cap-add (beyond the allowed list, NET_BIND_SERVICE by default); prefer --cap-drop ALL.",
				ZH: "重新创建容器，不使用 --cap-add（允许列表以外的能力，默认仅允许 NET_BIND_SERVICE）；建议 --cap-drop ALL。"}),
		entry(CtrUnconfined, "2.5", high, []string{cisDocker + "5.22"},
			T{EN: "Docker container runs without seccomp, AppArmor or SELinux confinement", ZH: "Docker 容器未启用 seccomp、AppArmor 或 SELinux 限制"},
			T{EN: "Remove seccomp=unconfined, apparmor=unconfined and label=disable from --security-opt; keep the default profiles or use custom ones.",
				ZH: "从 --security-opt 中删除 seccomp=unconfined、apparmor=unconfined 与 label=disable；保留默认配置文件或使用自定义配置文件。"}),
		entry(CtrHostNamespace, "2.4", high, []string{cisDocker + "5.10", cisDocker + "5.16", cisDocker + "5.17"},
			T{EN: "Docker container shares the host's network, PID or IPC namespace", ZH: "Docker 容器共享宿主机的网络、PID 或 IPC 命名空间"},
			T{EN: "Re-create the container without --network host, --pid host and --ipc host.",
				ZH: "重新创建容器，不使用 --network host、--pid host 与 --ipc host。"}),
		entry(CtrdSkipVerify, "2.1", high, []string{containerdHostsDocs, "containerd docs: CRI registry configs (insecure_skip_verify)"},
			T{EN: "containerd skips TLS verification for a registry", ZH: "containerd 对镜像仓库跳过 TLS 校验"},
			T{EN: "Remove insecure_skip_verify = true from config.toml and skip_verify = true from hosts.toml under the registry config_path; trust the registry's CA with ca = \"...\" instead.",
				ZH: "删除 config.toml 中的 insecure_skip_verify = true 以及 config_path 下 hosts.toml 中的 skip_verify = true；改用 ca = \"...\" 信任仓库的 CA。"}),
		entry(CtrdPlainHTTP, "2.1", high, []string{containerdHostsDocs, "containerd docs: CRI registry mirrors (endpoint)"},
			T{EN: "containerd pulls images over plain http", ZH: "containerd 通过明文 http 拉取镜像"},
			T{EN: "Use https:// in registry mirror endpoints of config.toml and in server / [host.\"...\"] entries of hosts.toml.",
				ZH: "config.toml 中镜像仓库 mirror 的 endpoint 以及 hosts.toml 中的 server 与 [host.\"...\"] 条目均使用 https://。"}),
	)
}
