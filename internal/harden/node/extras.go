package node

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/kubeward/kubeward/internal/catalog"
	"github.com/kubeward/kubeward/internal/harden/node/hostfix"
	"github.com/kubeward/kubeward/internal/harden/node/pki"
	"github.com/kubeward/kubeward/internal/harden/node/runtimefix"
	"github.com/kubeward/kubeward/internal/inventory"
	"github.com/kubeward/kubeward/internal/result"
)

// failingIDs are the checks with a FAIL (or, for those in warn, a WARN)
// result, by component kind ("" for results about no component).
func failingIDs(results []result.Result, prefix string, warn ...string) map[string]bool {
	out := map[string]bool{}
	for _, r := range results {
		if !strings.HasPrefix(r.ID, prefix) {
			continue
		}
		if r.Status == result.Fail {
			out[r.ID] = true
		}
		if r.Status == result.Warn {
			for _, w := range warn {
				if w == r.ID {
					out[r.ID] = true
				}
			}
		}
	}
	return out
}

func sortedIDs(m map[string]bool) []string {
	var out []string
	for id := range m {
		out = append(out, id)
	}
	return uniqSorted(out)
}

// runtimeFixes: daemon.json, the content trust drop-in, containerd's
// registry files.
func (p *Plan) runtimeFixes(n *inventory.Node, o Options, results []result.Result) error {
	docker := failingIDs(results, "KW-DOCKER-", "KW-DOCKER-011")
	for _, c := range n.ComponentsOf(inventory.Dockerd) {
		data, fixedIDs, changed, conflicts, err := runtimefix.DaemonJSON(c, docker)
		if err != nil {
			return err
		}
		for _, cf := range conflicts {
			p.Unfixed = append(p.Unfixed, Unfixed{ID: cf[strings.LastIndex(cf, "(")+1 : strings.LastIndex(cf, ")")], Component: c.Kind,
				Why: catalog.F("dockerd's command line sets %s: remove it there (daemon.json cannot set what the command line sets)", "dockerd 命令行设置了 %s：请从命令行删除（命令行已设置的项无法再由 daemon.json 设置）", cf[:strings.LastIndex(cf, " (")])})
		}
		if data != nil {
			target := c.ConfigFile
			if target == "" {
				target = "/etc/docker/daemon.json"
			}
			p.dockerConfig = target
			p.Files = append(p.Files, &File{Path: "docker/daemon.json", Mode: 0o600, Data: data, Fixes: uniqSorted(fixedIDs),
				What: catalog.F("dockerd's %s merged with: %s (restart dockerd; give private registries a CA under /etc/docker/certs.d)", "合并后的 dockerd %s：%s（重启 dockerd；私有仓库的 CA 放在 /etc/docker/certs.d）", target, strings.Join(changed, "; "))})
		}
		if docker["KW-DOCKER-011"] {
			p.Files = append(p.Files, &File{Path: "systemd/docker.service.d/50-kubeward-content-trust.conf", Mode: 0o644, Data: runtimefix.ContentTrustDropIn(),
				Fixes: []string{"KW-DOCKER-011"},
				What:  catalog.Text{EN: "systemd drop-in: DOCKER_CONTENT_TRUST=1 for dockerd (add it to /etc/environment for clients too)", ZH: "systemd 附加配置：为 dockerd 设置 DOCKER_CONTENT_TRUST=1（客户端也需写入 /etc/environment）"}})
		}
		done := map[string]bool{"KW-DOCKER-011": true}
		for _, id := range fixedIDs {
			done[id] = true
		}
		for _, cf := range conflicts {
			done[cf[strings.LastIndex(cf, "(")+1:strings.LastIndex(cf, ")")]] = true
		}
		for _, id := range sortedIDs(docker) {
			if done[id] {
				continue
			}
			why, ok := dockerManual[id]
			if !ok {
				why = catalog.Text{EN: "no automatic fix", ZH: "没有自动修复"}
			}
			p.Unfixed = append(p.Unfixed, Unfixed{ID: id, Component: c.Kind, Why: why})
		}
		break // one dockerd per node
	}
	ctrd := failingIDs(results, "KW-CTRD-")
	if len(ctrd) == 0 || o.ReadFile == nil {
		return nil
	}
	seen := map[string]bool{}
	for _, c := range n.ComponentsOf(inventory.Containerd) {
		files := []string{c.ConfigFile}
		for _, h := range c.HostsFiles {
			files = append(files, h.File)
		}
		for _, f := range files {
			if f == "" || seen[f] {
				continue
			}
			seen[f] = true
			data, err := o.ReadFile(f)
			if err != nil {
				continue // the check reported it
			}
			fixed, changed := runtimefix.FixRegistryTOML(data)
			if len(changed) == 0 {
				continue
			}
			p.Files = append(p.Files, &File{Path: "containerd" + f, Mode: 0o600, Data: fixed, Fixes: sortedIDs(ctrd),
				What: catalog.F("%s with registry TLS verified (lines %s); put each registry's CA beside its hosts.toml (ca = \"ca.crt\"), restart containerd",
					"%s：校验镜像仓库 TLS（行 %s）；将各仓库 CA 放在其 hosts.toml 旁（ca = \"ca.crt\"），重启 containerd", f, strings.Join(changed, "; "))})
		}
	}
	return nil
}

// dockerManual are the Docker daemon checks without a generated fix.
var dockerManual = map[string]catalog.Text{
	"KW-DOCKER-002": {EN: "dockerd recreates its socket root:docker 0660 when it restarts (unless --group or a socket unit says otherwise); chmod 660 it until then",
		ZH: "dockerd 重启时会以 root:docker 0660 重新创建套接字（除非 --group 或套接字单元另有设置）；在此之前请将其权限设为 660"},
	"KW-DOCKER-003": {EN: "changing the storage driver to overlay2 re-creates every image and container: plan it", ZH: "将存储驱动改为 overlay2 需要重新创建所有镜像和容器：请计划执行"},
	"KW-DOCKER-004": {EN: "a separate partition for the data root is a disk layout change", ZH: "为数据目录使用独立分区属于磁盘布局变更"},
}

// hostFixes: the sshd drop-in and the firewall.
func (p *Plan) hostFixes(n *inventory.Node, o Options, results []result.Result) error {
	if ssh := failingIDs(results, "KW-SSH-"); len(ssh) > 0 {
		root := o.PermitRootLogin
		if root == "" {
			root = "prohibit-password"
		}
		data, err := hostfix.SSHDDropIn(root)
		if err != nil {
			return err
		}
		p.Files = append(p.Files, &File{Path: SSHDDropInFile, Mode: 0o600, Data: data, Fixes: sortedIDs(ssh),
			What: catalog.Text{EN: "sshd drop-in for /etc/ssh/sshd_config.d/ (sshd_config must Include it first); sshd -t; reload sshd",
				ZH: "sshd 附加配置，放入 /etc/ssh/sshd_config.d/（sshd_config 须先 Include）；sshd -t；重新加载 sshd"}})
	}
	fw := failingIDs(results, "KW-FW-", "KW-FW-001")
	if len(fw) == 0 {
		return nil
	}
	if o.Firewall == nil || len(o.Firewall.Allow) == 0 {
		p.Unfixed = append(p.Unfixed, Unfixed{ID: "KW-FW-001", Why: catalog.Text{
			EN: "give the networks that may reach the Kubernetes ports (--allow-from or harden.nodes.allowFrom): rules that admit nobody would cut the other nodes off",
			ZH: "请给出允许访问 Kubernetes 端口的网络（--allow-from 或 harden.nodes.allowFrom）：不放行任何来源的规则会切断其他节点"}})
		return nil
	}
	fwc := *o.Firewall
	if fwc.SSHPort == 0 {
		fwc.SSHPort = sshPort(n)
	}
	ids := sortedIDs(fw)
	p.Files = append(p.Files,
		&File{Path: "firewall/kubeward.nft", Mode: 0o600, Data: []byte(fwc.NFT()), Fixes: ids,
			What: catalog.F("nftables: Kubernetes ports only from %s; SSH (port %d), loopback and established traffic kept (nft -c -f; nft -f)", "nftables：Kubernetes 端口仅对 %s 开放；保留 SSH（端口 %d）、回环与已建立连接（nft -c -f；nft -f）", allowList(&fwc), fwc.SSHPort)},
		&File{Path: "firewall/kubeward.iptables", Mode: 0o600, Data: []byte(fwc.IPTables(false)), Fixes: ids,
			What: catalog.Text{EN: "the same for iptables (iptables-restore --noflush)", ZH: "iptables 等效规则（iptables-restore --noflush）"}},
		&File{Path: "firewall/kubeward.ip6tables", Mode: 0o600, Data: []byte(fwc.IPTables(true)), Fixes: ids,
			What: catalog.Text{EN: "the same for ip6tables (ip6tables-restore --noflush)", ZH: "ip6tables 等效规则（ip6tables-restore --noflush）"}})
	return nil
}

// SSHDDropInFile is the sshd drop-in's path in the output directory.
const SSHDDropInFile = "ssh/sshd_config.d/50-kubeward.conf"

func allowList(f *hostfix.Firewall) string {
	var s []string
	for _, a := range f.Allow {
		s = append(s, a.String())
	}
	for _, k := range f.KeepSources {
		s = append(s, k.String()+" (this SSH session)")
	}
	return strings.Join(s, ", ")
}

// sshPort is the first Port of the node's sshd, 22 by default.
func sshPort(n *inventory.Node) int {
	cfgs := []*inventory.SSHDConfig{n.SSHDDefault}
	for _, c := range n.ComponentsOf(inventory.SSHD) {
		cfgs = append(cfgs, c.SSHD)
	}
	for _, c := range cfgs {
		if c == nil {
			continue
		}
		if v, ok := c.Values["port"]; ok {
			var port int
			if _, err := fmt.Sscan(strings.Fields(v.Value + " ")[0], &port); err == nil && port > 0 {
				return port
			}
		}
	}
	return 22
}

// calicoFixes: Calico's etcd TLS settings, when it uses the etcd datastore.
func (p *Plan) calicoFixes(n *inventory.Node, x *ctx, results []result.Result) error {
	ids := failingIDs(results, "KW-CALICO-")
	if len(ids) == 0 {
		return nil
	}
	var endpoints string
	for _, c := range n.ComponentsOf(inventory.Calico) {
		if v := c.Env["ETCD_ENDPOINTS"]; v != "" {
			endpoints = v
		}
	}
	for _, s := range n.Calico {
		if endpoints == "" && s.Endpoints != "" {
			endpoints = s.Endpoints
		}
	}
	for _, e := range n.ComponentsOf(inventory.Etcd) {
		if endpoints == "" {
			endpoints = e.Setting("advertise-client-urls").Value
		}
	}
	if endpoints == "" {
		endpoints = "https://127.0.0.1:2379"
	}
	endpoints = toHTTPS(endpoints)
	l := x.layout
	ca, cert, key := l.Path(pki.EtcdCA), l.Path(pki.CalicoEtcdClient), l.Key(pki.CalicoEtcdClient)
	env := fmt.Sprintf(`# calico-node's etcd settings, generated by kubeward harden node (%s).
# In the calico-node DaemonSet: mount these files (the calico-etcd-secrets
# Secret) and set these variables, e.g. kubectl -n kube-system set env daemonset/calico-node --from-file=... or edit its env:
ETCD_ENDPOINTS=%s
ETCD_CA_CERT_FILE=%s
ETCD_CERT_FILE=%s
ETCD_KEY_FILE=%s
`, strings.Join(sortedIDs(ids), " "), endpoints, ca, cert, key)
	cni, err := json.MarshalIndent(map[string]string{"etcd_endpoints": endpoints, "etcd_ca_cert_file": ca, "etcd_cert_file": cert, "etcd_key_file": key}, "", "  ")
	if err != nil {
		return err
	}
	p.Files = append(p.Files,
		&File{Path: "calico/calico-node.env", Mode: 0o644, Data: []byte(env), Fixes: sortedIDs(ids),
			What: catalog.Text{EN: "calico-node environment: https etcd endpoints, etcd CA, client certificate and key", ZH: "calico-node 环境变量：https etcd 地址、etcd CA、客户端证书与密钥"}},
		&File{Path: "calico/cni-etcd.json", Mode: 0o644, Data: append(cni, '\n'), Fixes: sortedIDs(ids),
			What: catalog.Text{EN: "keys to merge into the calico plugin's entry of the CNI config (/etc/cni/net.d/10-calico.conflist)", ZH: "需合并到 CNI 配置（/etc/cni/net.d/10-calico.conflist）中 calico 插件条目的键"}})
	return nil
}
