// Package namespace holds the per-namespace policy checks over the scanned
// set: quotas, limit ranges, NetworkPolicy isolation and Pod Security
// Admission labels. IDs: KW-NS-*.
package namespace

import (
	"fmt"
	"sort"

	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	"k8s.io/pod-security-admission/api"

	"github.com/kubeward/kubeward/internal/catalog"
	"github.com/kubeward/kubeward/internal/check"
	"github.com/kubeward/kubeward/internal/check/cel"
	"github.com/kubeward/kubeward/internal/config"
	"github.com/kubeward/kubeward/internal/inventory"
	"github.com/kubeward/kubeward/internal/result"
)

const (
	NoResourceQuota   = "KW-NS-001"
	NoLimitRange      = "KW-NS-002"
	NoDefaultDenyIn   = "KW-NS-003"
	NoDefaultDenyOut  = "KW-NS-004"
	AllowAllRule      = "KW-NS-005"
	PodSecurityLabels = "KW-NS-006"
)

func init() {
	scope := check.Manifest | check.Cluster
	check.Register(
		check.Spec{ID: NoResourceQuota, Fix: quotaFix, Policy: namespacesRule, Item: "4.5", Severity: catalog.SeverityMedium, Scope: scope,
			Title:       catalog.Text{EN: "Namespace has no ResourceQuota", ZH: "命名空间没有 ResourceQuota"},
			Remediation: catalog.Text{EN: "Add a ResourceQuota limiting cpu, memory, pods, services, storage and persistentvolumeclaims.", ZH: "添加限制 cpu、内存、pods、services、存储和 PVC 的 ResourceQuota。"},
			References:  []string{"Kubernetes docs: Resource Quotas"}},
		check.Spec{ID: NoLimitRange, Fix: limitRangeFix, Policy: namespacesRule, Item: "4.5", Severity: catalog.SeverityLow, Scope: scope,
			Title:       catalog.Text{EN: "Namespace has no LimitRange", ZH: "命名空间没有 LimitRange"},
			Remediation: catalog.Text{EN: "Add a LimitRange with default requests and limits for containers.", ZH: "添加为容器设置默认 requests 与 limits 的 LimitRange。"},
			References:  []string{"Kubernetes docs: Limit Ranges"}},
		check.Spec{ID: NoDefaultDenyIn, Fix: defaultDenyFix, Policy: namespacesRule, Item: "4.6", Severity: catalog.SeverityHigh, Scope: scope,
			Title:       catalog.Text{EN: "Namespace has no default-deny ingress NetworkPolicy", ZH: "命名空间没有默认拒绝入站的 NetworkPolicy"},
			Remediation: catalog.Text{EN: "Add a NetworkPolicy with podSelector: {} and policyTypes [Ingress], then allow only the flows each app needs.", ZH: "添加 podSelector: {} 且 policyTypes 为 [Ingress] 的 NetworkPolicy，再仅放行各应用需要的流量。"},
			References:  []string{"CIS Kubernetes v1.12 5.3.2"}},
		check.Spec{ID: NoDefaultDenyOut, Fix: defaultDenyFix, Policy: namespacesRule, Item: "4.6", Severity: catalog.SeverityMedium, Scope: scope,
			Title:       catalog.Text{EN: "Namespace has no default-deny egress NetworkPolicy", ZH: "命名空间没有默认拒绝出站的 NetworkPolicy"},
			Remediation: catalog.Text{EN: "Add a NetworkPolicy with podSelector: {} and policyTypes [Egress], allowing DNS and the destinations each app needs.", ZH: "添加 podSelector: {} 且 policyTypes 为 [Egress] 的 NetworkPolicy，放行 DNS 及各应用需要的目的地址。"},
			References:  []string{"CIS Kubernetes v1.12 5.3.2"}},
		check.Spec{ID: AllowAllRule, Object: allowAllRule, Item: "4.6", Severity: catalog.SeverityMedium, Scope: check.Manifest | check.Cluster | check.Admission,
			Title:       catalog.Text{EN: "NetworkPolicy rule allows all traffic", ZH: "NetworkPolicy 规则放行全部流量"},
			Remediation: catalog.Text{EN: "Name the peers: a podSelector, a namespaceSelector with labels, or specific CIDRs instead of {} or 0.0.0.0/0.", ZH: "明确指定对端：使用 podSelector、带标签的 namespaceSelector 或具体 CIDR，而不是 {} 或 0.0.0.0/0。"},
			References:  []string{"CIS Kubernetes v1.12 5.3.2"}},
		check.Spec{ID: PodSecurityLabels, Fix: podSecurityFix, CEL: podSecurityLabelsCEL, Object: podSecurityLabelRule, Policy: namespacesRule, Item: "4.7", Severity: catalog.SeverityHigh, Scope: check.Manifest | check.Cluster | check.Admission,
			Title:       catalog.Text{EN: "Namespace does not enforce Pod Security baseline or restricted", ZH: "命名空间未强制执行 Pod 安全 baseline 或 restricted 级别"},
			Remediation: catalog.Text{EN: "Label the namespace pod-security.kubernetes.io/enforce: restricted (or baseline where restricted cannot be met yet).", ZH: "为命名空间添加标签 pod-security.kubernetes.io/enforce: restricted（暂时无法满足时使用 baseline）。"},
			References:  []string{"CIS Kubernetes v1.12 5.2.1", "Kubernetes docs: Pod Security Admission"}},
	)
}

// The checks as admission-policy predicates (check.CEL): what holds when
// each passes, exported by `kubeward export vap`.
var (
	podSecurityLabelsCEL = &check.CEL{Target: check.CELNamespace, OK: func(o *config.Config) string {
		return fmt.Sprintf("object.metadata.name in %s || (has(object.metadata.labels) && 'pod-security.kubernetes.io/enforce' in object.metadata.labels && object.metadata.labels['pod-security.kubernetes.io/enforce'] in ['baseline', 'restricted'])",
			cel.List(o.SystemNamespaces))
	}}
)

var (
	namespacesRule = &check.PolicyRule{Run: checkNamespaces}
	allowAllRule   = &check.ObjectRule{
		Applies: func(t *check.Target) bool { _, ok := t.Typed.(*networkingv1.NetworkPolicy); return ok },
		Run:     checkAllowAll,
	}
	podSecurityLabelRule = &check.ObjectRule{
		Applies: func(t *check.Target) bool { _, ok := t.Typed.(*corev1.Namespace); return ok },
		Run:     checkPodSecurityLabel,
	}
)

func nsSubject(name string) *result.Subject { return &result.Subject{Kind: "Namespace", Name: name} }

// anchor is the object a namespace finding points at: its manifest, or the
// first object seen in it.
func anchor(ns *check.Namespace) check.Finding {
	f := check.Finding{Subject: nsSubject(ns.Name)}
	switch {
	case ns.Object != nil:
		f.Object = ns.Object
	case ns.First != nil:
		f.Object = ns.First
	}
	return f
}

func checkNamespaces(env *check.Env, ix *check.Index, em *check.Emitter) {
	names := make([]string, 0, len(ix.Namespaces))
	for n := range ix.Namespaces {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, name := range names {
		ns := ix.Namespaces[name]
		system := env.IsSystemNamespace(name)
		verdict := func(id string, ok bool, msg catalog.Text, evidence string) {
			f := anchor(ns)
			f.ID = id
			switch {
			case ok:
				em.Pass(f)
				return
			case system:
				f.Status = result.NotApplicable
				f.Message = catalog.F("%s is a system namespace", "%s 是系统命名空间", name)
			default:
				f.Status = result.Fail
				f.Message = msg
				f.Evidence = evidence
			}
			em.Add(f)
		}
		verdict(NoResourceQuota, len(ns.ResourceQuotas) > 0,
			catalog.F("no ResourceQuota for namespace %s among the scanned objects", "扫描的对象中没有命名空间 %s 的 ResourceQuota", name), "ResourceQuota objects: 0")
		verdict(NoLimitRange, len(ns.LimitRanges) > 0,
			catalog.F("no LimitRange for namespace %s among the scanned objects", "扫描的对象中没有命名空间 %s 的 LimitRange", name), "LimitRange objects: 0")
		policies := sortedPolicies(ns.NetworkPolicies)
		for _, dir := range []networkingv1.PolicyType{networkingv1.PolicyTypeIngress, networkingv1.PolicyTypeEgress} {
			id := NoDefaultDenyIn
			if dir == networkingv1.PolicyTypeEgress {
				id = NoDefaultDenyOut
			}
			iso := Isolation(policies, dir)
			switch {
			case iso.DenyBy == "":
				verdict(id, false, catalog.F("no NetworkPolicy selects every pod of %s for %s", "命名空间 %s 中没有针对 %s 选中全部 Pod 的 NetworkPolicy", name, dir), fmt.Sprintf("NetworkPolicies: %d", len(policies)))
			case iso.UndoneBy != "":
				verdict(id, false, catalog.F("default deny %s of %s is undone by %s, which allows all %s traffic to every pod", "命名空间 %[2]s 的默认拒绝 %[1]s 被 %[3]s 抵消，后者对所有 Pod 放行全部 %[4]s 流量", iso.DenyBy, name, iso.UndoneBy, dir),
					"allow-all policy: "+iso.UndoneBy)
			default:
				verdict(id, true, catalog.Text{}, "")
			}
		}
		if ns.Object == nil {
			f := anchor(ns)
			f.ID, f.Status = PodSecurityLabels, result.NotApplicable
			f.Message = catalog.F("the Namespace %s is not among the scanned objects, so its labels are unknown", "扫描的对象中没有 Namespace %s，无法得知其标签", name)
			em.Add(f)
		}
	}
}

func sortedPolicies(in []*inventory.Object) []*networkingv1.NetworkPolicy {
	objs := append([]*inventory.Object(nil), in...)
	sort.Slice(objs, func(i, j int) bool {
		if objs[i].Name != objs[j].Name {
			return objs[i].Name < objs[j].Name
		}
		return objs[i].File < objs[j].File
	})
	out := make([]*networkingv1.NetworkPolicy, len(objs))
	for i, o := range objs {
		out[i] = o.Typed.(*networkingv1.NetworkPolicy)
	}
	return out
}

// PodSecurityLabel is the label that sets the enforced Pod Security level.
const PodSecurityLabel = api.EnforceLevelLabel

func checkPodSecurityLabel(env *check.Env, t *check.Target, em *check.Emitter) {
	if env.IsSystemNamespace(t.Name) {
		em.NotApplicable(PodSecurityLabels, catalog.F("%s is a system namespace", "%s 是系统命名空间", t.Name))
		return
	}
	v, ok := t.Labels[PodSecurityLabel]
	path := "metadata.labels[" + PodSecurityLabel + "]"
	switch {
	case !ok:
		em.Fail(PodSecurityLabels, "", "metadata", catalog.F("namespace %s has no %s label, so any pod is admitted", "命名空间 %s 没有 %s 标签，任何 Pod 都会被准入", t.Name, PodSecurityLabel), PodSecurityLabel+" unset")
	case v == string(api.LevelBaseline) || v == string(api.LevelRestricted):
	default:
		em.Fail(PodSecurityLabels, "", path, catalog.F("namespace %s enforces %q, below baseline", "命名空间 %s 强制执行的级别 %q 低于 baseline", t.Name, v), PodSecurityLabel+"="+v)
	}
}
