package namespace

import (
	"fmt"

	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/kubeward/kubeward/internal/catalog"
	"github.com/kubeward/kubeward/internal/check"
)

// Types returns the directions a policy isolates, with the API server's
// defaulting: Ingress always, Egress when egress rules are present.
func Types(p *networkingv1.NetworkPolicy) (ingress, egress bool) {
	if len(p.Spec.PolicyTypes) == 0 {
		return true, len(p.Spec.Egress) > 0
	}
	for _, t := range p.Spec.PolicyTypes {
		switch t {
		case networkingv1.PolicyTypeIngress:
			ingress = true
		case networkingv1.PolicyTypeEgress:
			egress = true
		}
	}
	return ingress, egress
}

func emptySelector(s *metav1.LabelSelector) bool {
	return s == nil || (len(s.MatchLabels) == 0 && len(s.MatchExpressions) == 0)
}

// allowsAll reports whether a rule's peers and ports admit every source or
// destination: no peers at all, a peer with an empty namespaceSelector (and
// no podSelector narrowing it), or a 0.0.0.0/0 or ::/0 block without exceptions.
func allowsAll(peers []networkingv1.NetworkPolicyPeer, ports []networkingv1.NetworkPolicyPort) (bool, string) {
	if len(ports) > 0 {
		return false, ""
	}
	if len(peers) == 0 {
		return true, "a rule with no peers"
	}
	for _, p := range peers {
		if p.NamespaceSelector != nil && emptySelector(p.NamespaceSelector) && emptySelector(p.PodSelector) {
			return true, "namespaceSelector: {}"
		}
		if b := p.IPBlock; b != nil && (b.CIDR == "0.0.0.0/0" || b.CIDR == "::/0") && len(b.Except) == 0 {
			return true, "ipBlock " + b.CIDR
		}
	}
	return false, ""
}

// Isolated says how a namespace's pods stand in one direction.
type Isolated struct {
	// DenyBy names a policy that selects every pod for the direction, so
	// every pod is isolated (empty when none does).
	DenyBy string
	// UndoneBy names a policy that selects every pod and allows all traffic
	// in that direction, which cancels the isolation.
	UndoneBy string
}

// Isolation evaluates the namespace's policies for one direction.
func Isolation(policies []*networkingv1.NetworkPolicy, dir networkingv1.PolicyType) Isolated {
	var iso Isolated
	for _, p := range policies {
		if !emptySelector(&p.Spec.PodSelector) {
			continue
		}
		in, out := Types(p)
		if (dir == networkingv1.PolicyTypeIngress && !in) || (dir == networkingv1.PolicyTypeEgress && !out) {
			continue
		}
		if iso.DenyBy == "" {
			iso.DenyBy = p.Name
		}
		if dir == networkingv1.PolicyTypeIngress {
			for _, r := range p.Spec.Ingress {
				if ok, _ := allowsAll(r.From, r.Ports); ok && iso.UndoneBy == "" {
					iso.UndoneBy = p.Name
				}
			}
		} else {
			for _, r := range p.Spec.Egress {
				if ok, _ := allowsAll(r.To, r.Ports); ok && iso.UndoneBy == "" {
					iso.UndoneBy = p.Name
				}
			}
		}
	}
	return iso
}

func checkAllowAll(_ *check.Env, t *check.Target, em *check.Emitter) {
	p := t.Typed.(*networkingv1.NetworkPolicy)
	for i, r := range p.Spec.Ingress {
		if ok, why := allowsAll(r.From, r.Ports); ok {
			em.Warn(AllowAllRule, "", fmt.Sprintf("spec.ingress[%d]", i),
				catalog.Text{EN: fmt.Sprintf("ingress rule %d admits traffic from anywhere (%s)", i, why), ZH: fmt.Sprintf("入站规则 %d 放行来自任何地方的流量（%s）", i, peersZH(why))}, why)
		}
	}
	for i, r := range p.Spec.Egress {
		if ok, why := allowsAll(r.To, r.Ports); ok {
			em.Warn(AllowAllRule, "", fmt.Sprintf("spec.egress[%d]", i),
				catalog.Text{EN: fmt.Sprintf("egress rule %d allows traffic to anywhere (%s)", i, why), ZH: fmt.Sprintf("出站规则 %d 放行发往任何地方的流量（%s）", i, peersZH(why))}, why)
		}
	}
}
