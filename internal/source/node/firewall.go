package node

import (
	"github.com/kubeward/kubeward/internal/inventory"
	"github.com/kubeward/kubeward/internal/source/firewall"
)

// firewall reads the host's packet filter and what it does to the
// sensitive Kubernetes ports. kube-proxy's NAT rules (not its process: it
// may serve another network namespace) mean NodePort connections are
// DNATed before INPUT, so only chains before DNAT restrict them.
func (g *gatherer) firewall() {
	fl := firewall.Read(g.f)
	out := &inventory.Firewall{Installed: fl.Installed, Tools: fl.Tools, Errors: fl.Errors,
		IPv4Only: fl.Families == firewall.IPv4, IPv6Note: fl.IPv6Note}
	g.n.Firewall = out
	kubeProxy := false
	for _, rs := range fl.Rulesets {
		out.Rulesets = append(out.Rulesets, inventory.FirewallRuleset{Source: rs.Source, Skipped: len(rs.Skipped)})
		kubeProxy = kubeProxy || rs.KubeProxy
	}
	if !fl.Installed || len(fl.Rulesets) == 0 {
		return
	}
	ports := append([]firewall.Port(nil), firewall.SensitivePorts...)
	for i := range ports {
		ports[i].PreDNATOnly = kubeProxy && ports[i].Range.Lo >= 30000
	}
	for _, v := range firewall.Analyze(fl.Rulesets, fl.Families, ports) {
		p := inventory.FirewallPort{Range: portRange(v.Port.Range), Label: v.Port.Label, LabelZH: v.Port.LabelZH}
		for _, d := range v.Decisions {
			p.Decisions = append(p.Decisions, inventory.FirewallDecision{Range: portRange(d.Range), Family: d.Family.String(),
				Restricted: d.Restricted, By: d.By, Allowed: d.Allowed})
		}
		out.Ports = append(out.Ports, p)
	}
}

func portRange(r firewall.PortRange) inventory.PortRange {
	return inventory.PortRange{Lo: r.Lo, Hi: r.Hi}
}
