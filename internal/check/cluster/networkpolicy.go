package cluster

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"

	"github.com/kubeward/kubeward/internal/catalog"
	"github.com/kubeward/kubeward/internal/check"
	"github.com/kubeward/kubeward/internal/check/namespace"
	"github.com/kubeward/kubeward/internal/result"
)

const (
	NoIngressPolicy  = "KW-CL-020"
	NoEgressPolicy   = "KW-CL-021"
	OpenToNamespaces = "KW-CL-022"
)

func init() {
	check.Register(check.Spec{ID: NoIngressPolicy, Fix: liveDefaultDenyFix, Item: "4.6", Severity: catalog.SeverityHigh, Scope: check.Cluster, Policy: networkRule,
		References:  []string{"CIS Kubernetes v1.12 5.3.2"},
		Title:       T{EN: "Workload's pods are selected by no ingress NetworkPolicy", ZH: "工作负载的 Pod 未被任何入站 NetworkPolicy 选中"},
		Remediation: T{EN: "Add a default-deny ingress policy for the namespace and allow only the flows the workload needs.", ZH: "为命名空间添加默认拒绝入站策略，仅放行该工作负载需要的流量。"}})
	check.Register(check.Spec{ID: NoEgressPolicy, Fix: liveDefaultDenyFix, Item: "4.6", Severity: catalog.SeverityMedium, Scope: check.Cluster, Policy: networkRule,
		References:  []string{"CIS Kubernetes v1.12 5.3.2"},
		Title:       T{EN: "Workload's pods are selected by no egress NetworkPolicy", ZH: "工作负载的 Pod 未被任何出站 NetworkPolicy 选中"},
		Remediation: T{EN: "Add a default-deny egress policy for the namespace, allowing DNS and the destinations the workload needs.", ZH: "为命名空间添加默认拒绝出站策略，放行 DNS 及该工作负载需要的目的地址。"}})
	check.Register(check.Spec{ID: OpenToNamespaces, Item: "4.6", Severity: catalog.SeverityHigh, Scope: check.Cluster, Policy: networkRule,
		References:  []string{"Kubernetes docs: Network Policies (namespaceSelector)"},
		Title:       T{EN: "Workload accepts ingress from other namespaces", ZH: "工作负载接受来自其他命名空间的入站流量"},
		Remediation: T{EN: "Replace rules without from, namespaceSelector: {} and 0.0.0.0/0 with the namespaces that need access (kubernetes.io/metadata.name) and their pods.", ZH: "将不含 from 的规则、namespaceSelector: {} 与 0.0.0.0/0 替换为确需访问的命名空间（kubernetes.io/metadata.name）及其 Pod。"}})
}

var networkRule = &check.PolicyRule{Collect: workloadFacts, Run: checkNetworkPolicies}

// checkNetworkPolicies judges which policies select each live workload.
func checkNetworkPolicies(env *check.Env, ix *check.Index, em *check.Emitter) {
	if !live(env) {
		return
	}
	networkCoverage(env, ix, workloads(ix), em)
}

func selects(sel *metav1.LabelSelector, lbls map[string]string) bool {
	s, err := metav1.LabelSelectorAsSelector(sel)
	if err != nil {
		return false
	}
	return s.Matches(labels.Set(lbls))
}

func networkCoverage(env *check.Env, ix *check.Index, ws []*workload, em *check.Emitter) {
	for _, w := range ws {
		if env.IsSystemNamespace(w.namespace) {
			continue
		}
		ns := ix.Namespaces[w.namespace]
		var in, out string
		if ns != nil {
			for _, o := range ns.NetworkPolicies {
				np := o.Typed.(*networkingv1.NetworkPolicy)
				if !selects(&np.Spec.PodSelector, w.pods[0].labels) {
					continue
				}
				i, e := namespace.Types(np)
				if i && in == "" {
					in = np.Name
				}
				if e && out == "" {
					out = np.Name
				}
			}
		}
		if in != "" {
			crossNamespace(env, ix, w, em)
		}
		for _, d := range []struct {
			id, by string
			dir    string
		}{{NoIngressPolicy, in, "ingress"}, {NoEgressPolicy, out, "egress"}} {
			f := check.Finding{ID: d.id, Subject: w.subject(), Location: w.loc()}
			if d.by != "" {
				f.Evidence = "selected by NetworkPolicy " + d.by
				em.Pass(f)
				continue
			}
			f.Status = result.Fail
			f.Message = catalog.F("no NetworkPolicy restricts %s traffic of %s/%s's pods", "没有 NetworkPolicy 限制 %[2]s/%[3]s 的 Pod 的 %[1]s 流量", d.dir, w.kind, w.name)
			f.Evidence = fmt.Sprintf("pod labels %v", w.pods[0].labels)
			em.Add(f)
		}
	}
}

// crossNamespace reports the paths into a workload's pods from other
// namespaces that its ingress policies leave open (KW-CL-022). A rule
// without from, a peer with namespaceSelector: {} (whatever its podSelector:
// any tenant can label a pod) or an ipBlock of 0.0.0.0/0 admits every
// namespace: FAIL. Named other namespaces are a deliberate path: WARN into a
// sensitive namespace, where a person should confirm each, PASS elsewhere;
// the evidence lists them either way.
func crossNamespace(env *check.Env, ix *check.Index, w *workload, em *check.Emitter) {
	var open []string
	others := map[string]bool{}
	for _, o := range ix.Namespaces[w.namespace].NetworkPolicies {
		np := o.Typed.(*networkingv1.NetworkPolicy)
		if in, _ := namespace.Types(np); !in || !selects(&np.Spec.PodSelector, w.pods[0].labels) {
			continue
		}
		for i, r := range np.Spec.Ingress {
			if len(r.From) == 0 {
				open = append(open, fmt.Sprintf("%s ingress[%d] has no from", np.Name, i))
			}
			for _, peer := range r.From {
				switch {
				case peer.IPBlock != nil:
					if (peer.IPBlock.CIDR == "0.0.0.0/0" || peer.IPBlock.CIDR == "::/0") && len(peer.IPBlock.Except) == 0 {
						open = append(open, fmt.Sprintf("%s ingress[%d] allows ipBlock %s", np.Name, i, peer.IPBlock.CIDR))
					}
				case peer.NamespaceSelector == nil:
					// podSelector alone: the policy's own namespace
				case len(peer.NamespaceSelector.MatchLabels) == 0 && len(peer.NamespaceSelector.MatchExpressions) == 0:
					open = append(open, fmt.Sprintf("%s ingress[%d] selects every namespace (namespaceSelector: {})", np.Name, i))
				default:
					for name, ns := range ix.Namespaces {
						if name != w.namespace && ns.Object != nil && selects(peer.NamespaceSelector, ns.Object.Labels) {
							others[name] = true
						}
					}
				}
			}
		}
	}
	f := check.Finding{ID: OpenToNamespaces, Subject: w.subject(), Location: w.loc()}
	names := slices.Sorted(maps.Keys(others))
	switch {
	case len(open) > 0:
		f.Status = result.Fail
		f.Message = catalog.F("%s/%s's pods accept ingress from every namespace", "%s/%s 的 Pod 接受来自所有命名空间的入站流量", w.kind, w.name)
		f.Evidence = strings.Join(open, "; ")
		em.Add(f)
	case len(names) > 0 && slices.Contains(env.Config.SensitiveNamespaces, w.namespace):
		f.Status = result.Warn
		f.Message = catalog.F("%s/%s in sensitive namespace %s accepts ingress from namespaces %s: confirm each path", "敏感命名空间 %[3]s 中的 %[1]s/%[2]s 接受来自命名空间 %[4]s 的入站流量：请逐一确认", w.kind, w.name, w.namespace, strings.Join(names, ", "))
		f.Evidence = "from namespaces " + strings.Join(names, ", ")
		em.Add(f)
	default:
		f.Evidence = "ingress only from its own namespace"
		if len(names) > 0 {
			f.Evidence = "ingress from its own namespace and " + strings.Join(names, ", ")
		}
		em.Pass(f)
	}
}
