package hostsec

import (
	"fmt"
	"strings"

	"github.com/kubeward/kubeward/internal/catalog"
	"github.com/kubeward/kubeward/internal/check"
	"github.com/kubeward/kubeward/internal/inventory"
	"github.com/kubeward/kubeward/internal/result"
)

func init() {
	check.Register(check.Spec{ID: FirewallPorts, Item: "5.1", Severity: catalog.SeverityHigh, Scope: check.Node, Node: &check.NodeRule{Run: runFirewall},
		References: []string{"Kubernetes docs: Ports and Protocols", "CIS Distribution Independent Linux: Firewall Configuration"},
		Title:      T{EN: "Host firewall does not restrict the Kubernetes ports", ZH: "主机防火墙未限制 Kubernetes 端口"},
		Remediation: T{EN: "Drop new connections to 6443, 2379-2380, 10250, 10255, 10257, 10259 and 30000-32767/tcp except from the networks that need them " +
			"(other nodes, the load balancer, administrators), with iptables or nftables on every node (IPv4 and IPv6) or in a cloud security group. " +
			"kube-proxy DNATs NodePort connections before INPUT: filter NodePorts in raw or mangle PREROUTING, or in an nft chain with a priority below dstnat.",
			ZH: "在每个节点上通过 iptables 或 nftables（IPv4 与 IPv6）或在云安全组中，丢弃发往 6443、2379-2380、10250、10255、10257、10259 及 30000-32767/tcp 的新连接，" +
				"仅放行需要访问的网络（其他节点、负载均衡器、管理员）。kube-proxy 会在 INPUT 之前对 NodePort 连接做 DNAT：应在 raw 或 mangle PREROUTING，" +
				"或优先级低于 dstnat 的 nft 链中过滤 NodePort。"}})
}

func runFirewall(_ *check.Env, n *inventory.Node, em *check.NodeEmitter) {
	fl := n.Firewall
	if fl == nil {
		em.Add(FirewallPorts, result.Error, nil, nil,
			catalog.F("could not read the firewall rules: %s", "无法读取防火墙规则：%s", "not gathered by the node source"), "")
		return
	}
	evaluateFirewall(em, fl)
}

func evaluateFirewall(em *check.NodeEmitter, fl *inventory.Firewall) {
	if !fl.Installed {
		em.Add(FirewallPorts, result.NotApplicable, nil, nil,
			catalog.F("neither iptables nor nftables is installed on this node: no host firewall to check (a cloud security group may protect it)",
				"此节点未安装 iptables 或 nftables：没有可检查的主机防火墙（可能由云安全组保护）"), "")
		return
	}
	if len(fl.Rulesets) == 0 {
		em.Add(FirewallPorts, result.Error, nil, nil,
			catalog.F("could not read the firewall rules: %s", "无法读取防火墙规则：%s", strings.Join(fl.Errors, "; ")), "")
		return
	}
	verdicts := fl.Ports
	// Ports the filter treats alike share one line of evidence.
	var order []string
	group := map[string][]string{}
	var openEN, openZH []string
	for _, v := range verdicts {
		d := describe(v, fl.IPv4Only)
		if _, ok := group[d]; !ok {
			order = append(order, d)
		}
		group[d] = append(group[d], v.String())
		if v.Restricted() {
			continue
		}
		en, zh := v.String(), fmt.Sprintf("%s/tcp（%s）", v.Range, v.LabelZH)
		if open := v.Open(); len(open) < len(v.Decisions) {
			var parts []string
			for _, o := range open {
				part := o.Family
				if o.Range != v.Range {
					part += " " + o.Range.String()
				}
				parts = append(parts, part)
			}
			en += " [" + strings.Join(parts, ", ") + "]"
			zh += " [" + strings.Join(parts, ", ") + "]"
		}
		openEN, openZH = append(openEN, en), append(openZH, zh)
	}
	var lines []string
	for _, d := range order {
		lines = append(lines, strings.Join(group[d], ", ")+": "+d)
	}
	var notes []string
	notes = append(notes, fl.IPv6Note)
	if len(fl.Errors) > 0 {
		notes = append(notes, "errors: "+strings.Join(fl.Errors, "; "))
	}
	for _, rs := range fl.Rulesets {
		if rs.Skipped > 0 {
			notes = append(notes, fmt.Sprintf("%s: %d lines not understood", rs.Source, rs.Skipped))
		}
	}
	evidence := strings.Join(lines, " | ") + " (" + strings.Join(notes, "; ") + ")"
	loc := &result.Location{File: strings.Join(fl.Tools, ", "), Path: "input path"}
	if len(openEN) == 0 {
		em.Add(FirewallPorts, result.Pass, nil, loc, catalog.Text{}, evidence)
		return
	}
	em.Add(FirewallPorts, result.Warn, nil, loc, T{
		EN: "no host firewall rule restricts who can connect to " + strings.Join(openEN, ", ") +
			"; restrict them here or confirm that a cloud security group or network firewall does",
		ZH: "没有主机防火墙规则限制谁可以连接 " + strings.Join(openZH, "、") + "；请在此处加以限制，或确认已由云安全组或网络防火墙限制",
	}, evidence)
}

// describe renders one port's decisions: what restricts it or lets it through.
func describe(v inventory.FirewallPort, ipv4Only bool) string {
	var parts []string
	for _, d := range v.Decisions {
		var b strings.Builder
		if !ipv4Only {
			b.WriteString(d.Family + " ")
		}
		if d.Range != v.Range {
			b.WriteString(d.Range.String() + " ")
		}
		if d.Restricted {
			b.WriteString("restricted by " + d.By)
			if len(d.Allowed) > 0 {
				b.WriteString(", accepted only from sources by " + strings.Join(d.Allowed, ", "))
			}
		} else {
			b.WriteString("OPEN: " + d.By)
		}
		parts = append(parts, strings.TrimSpace(b.String()))
	}
	return strings.Join(parts, "; ")
}
