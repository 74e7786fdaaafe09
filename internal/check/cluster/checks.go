package cluster

import (
	"fmt"
	"maps"
	"slices"
	"sort"
	"strings"

	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/pod-security-admission/api"

	"github.com/kubeward/kubeward/internal/catalog"
	"github.com/kubeward/kubeward/internal/check"
	"github.com/kubeward/kubeward/internal/check/namespace"
	"github.com/kubeward/kubeward/internal/inventory"
	"github.com/kubeward/kubeward/internal/result"
)

const (
	SharedServiceAccount = "KW-CL-011"
	LongLivedToken       = "KW-CL-012"
	NoIngressPolicy      = "KW-CL-020"
	NoEgressPolicy       = "KW-CL-021"
	OpenToNamespaces     = "KW-CL-022"
	QuotaIncomplete      = "KW-CL-030"
	QuotaNearlyUsed      = "KW-CL-031"
	EnforceableLevel     = "KW-CL-040"
	ReplicasOneNode      = "KW-CL-050"
	SensitiveNotIsolated = "KW-CL-051"
)

type T = catalog.Text

func init() {
	reg := func(id, item string, sev catalog.Severity, refs []string, title, fix T) {
		s := check.Spec{ID: id, Item: item, Severity: sev, References: refs, Title: title, Remediation: fix, Scope: check.Cluster, Policy: workloadsRule}
		if id == LongLivedToken {
			s.Scope, s.Policy, s.Object, s.CEL = check.Manifest|check.Cluster|check.Admission, nil, tokenSecretRule, longLivedTokenCEL
		}
		check.Register(s)
	}
	reg(SharedServiceAccount, "4.2", catalog.SeverityMedium, []string{"CIS Kubernetes 5.1.5"},
		T{EN: "Service account shared by unrelated workloads", ZH: "服务账号被多个无关工作负载共用"},
		T{EN: "Give each application its own ServiceAccount so its permissions and token stay its own.", ZH: "为每个应用分配独立的 ServiceAccount，使其权限与令牌互不共享。"})
	reg(LongLivedToken, "4.2", catalog.SeverityHigh, []string{"CIS Kubernetes 5.1.6 (related)", "Kubernetes docs: Legacy service account token cleaner"},
		T{EN: "Long-lived service account token Secret", ZH: "存在长期有效的服务账号令牌 Secret"},
		T{EN: "Delete the kubernetes.io/service-account-token Secret; pods get short-lived projected tokens, and tools can use TokenRequest.", ZH: "删除 kubernetes.io/service-account-token 类型的 Secret；Pod 会获得短期投射令牌，工具可使用 TokenRequest。"})
	reg(NoIngressPolicy, "4.6", catalog.SeverityHigh, []string{"CIS Kubernetes 5.3.2"},
		T{EN: "Workload's pods are selected by no ingress NetworkPolicy", ZH: "工作负载的 Pod 未被任何入站 NetworkPolicy 选中"},
		T{EN: "Add a default-deny ingress policy for the namespace and allow only the flows the workload needs.", ZH: "为命名空间添加默认拒绝入站策略，仅放行该工作负载需要的流量。"})
	reg(NoEgressPolicy, "4.6", catalog.SeverityMedium, []string{"CIS Kubernetes 5.3.2"},
		T{EN: "Workload's pods are selected by no egress NetworkPolicy", ZH: "工作负载的 Pod 未被任何出站 NetworkPolicy 选中"},
		T{EN: "Add a default-deny egress policy for the namespace, allowing DNS and the destinations the workload needs.", ZH: "为命名空间添加默认拒绝出站策略，放行 DNS 及该工作负载需要的目的地址。"})
	reg(OpenToNamespaces, "4.6", catalog.SeverityHigh, []string{"Kubernetes docs: Network Policies (namespaceSelector)"},
		T{EN: "Workload accepts ingress from other namespaces", ZH: "工作负载接受来自其他命名空间的入站流量"},
		T{EN: "Replace rules without from, namespaceSelector: {} and 0.0.0.0/0 with the namespaces that need access (kubernetes.io/metadata.name) and their pods.", ZH: "将不含 from 的规则、namespaceSelector: {} 与 0.0.0.0/0 替换为确需访问的命名空间（kubernetes.io/metadata.name）及其 Pod。"})
	reg(QuotaIncomplete, "4.5", catalog.SeverityMedium, []string{"Kubernetes docs: Resource Quotas"},
		T{EN: "ResourceQuota does not constrain cpu, memory, pods, services, storage and PVCs", ZH: "ResourceQuota 未限制 cpu、内存、pods、services、存储和 PVC"},
		T{EN: "Set hard limits for requests.cpu, requests.memory, pods, services, requests.storage and persistentvolumeclaims.", ZH: "为 requests.cpu、requests.memory、pods、services、requests.storage 和 persistentvolumeclaims 设置硬限制。"})
	reg(QuotaNearlyUsed, "4.5", catalog.SeverityLow, []string{"Kubernetes docs: Resource Quotas"},
		T{EN: "Namespace has used 90% or more of a quota", ZH: "命名空间已使用配额的 90% 以上"},
		T{EN: "Raise the quota or reduce usage before new pods are rejected.", ZH: "在新 Pod 被拒绝之前提高配额或降低用量。"})
	reg(EnforceableLevel, "4.7", catalog.SeverityMedium, []string{"Kubernetes docs: Pod Security Admission (migration)"},
		T{EN: "Namespace enforces a weaker Pod Security level than its pods already meet", ZH: "命名空间强制的 Pod 安全级别低于其现有 Pod 已满足的级别"},
		T{EN: "Raise pod-security.kubernetes.io/enforce to the level every current pod already satisfies: nothing running breaks.", ZH: "将 pod-security.kubernetes.io/enforce 提高到当前所有 Pod 已满足的级别：不会影响正在运行的工作负载。"})
	reg(ReplicasOneNode, "4.8", catalog.SeverityMedium, []string{"Kubernetes docs: Pod Topology Spread Constraints"},
		T{EN: "All replicas of a workload run on one node", ZH: "工作负载的所有副本运行在同一节点上"},
		T{EN: "Add topologySpreadConstraints (kubernetes.io/hostname, topology.kubernetes.io/zone) or pod anti-affinity, then roll the workload.", ZH: "添加 topologySpreadConstraints（kubernetes.io/hostname、topology.kubernetes.io/zone）或 Pod 反亲和性，然后滚动更新。"})
	reg(SensitiveNotIsolated, "4.8", catalog.SeverityMedium, []string{"NSA/CISA Kubernetes Hardening Guide: node isolation"},
		T{EN: "Sensitive namespace's pods are not pinned to dedicated nodes", ZH: "敏感命名空间的 Pod 未固定到专用节点"},
		T{EN: "Taint dedicated nodes and give the namespace's pods a matching toleration and a nodeSelector (or node affinity).", ZH: "为专用节点添加污点，并为该命名空间的 Pod 设置相应容忍度与 nodeSelector（或节点亲和性）。"})

}

// The checks as admission-policy predicates (check.CEL): what holds when
// each passes, exported by `kubeward export vap`.
var (
	longLivedTokenCEL = &check.CEL{Target: check.CELSecret, OK: check.Const(
		"!((has(object.type) && object.type == 'kubernetes.io/service-account-token') || (has(object.metadata.annotations) && 'kubernetes.io/service-account.name' in object.metadata.annotations && object.metadata.annotations['kubernetes.io/service-account.name'] != ''))")}
)

var (
	tokenSecretRule = &check.ObjectRule{Applies: func(t *check.Target) bool { return t.Kind == "Secret" && t.Group == "" }, Run: checkTokenSecret}
	// workloadsRule judges the live workloads: their pods, owners and nodes.
	workloadsRule = &check.PolicyRule{Collect: []*check.Collector{podsCollector, ownersCollector, nodesCollector}, Run: run}
)

// workload is a root controller (or bare pod) and its pods.
type workload struct {
	namespace, kind, name string
	pods                  []podFact
}

func (w *workload) subject() *result.Subject {
	return &result.Subject{Kind: w.kind, Namespace: w.namespace, Name: w.name}
}

func (w *workload) loc() *result.Location {
	return &result.Location{Origin: w.pods[0].obj.Origin}
}

func facts[F any](ix *check.Index, name string) []F {
	var out []F
	for _, f := range ix.Facts[name] {
		out = append(out, f.(F))
	}
	return out
}

// workloads groups pods under their root controller: a pod's ReplicaSet's
// Deployment, a pod's Job's CronJob, or the pod itself.
func workloads(ix *check.Index) []*workload {
	owners := map[string]string{} // ns/Kind/name -> Kind/name of its owner
	for _, o := range facts[ownerFact](ix, "owners") {
		owners[o.namespace+"/"+o.kind+"/"+o.name] = o.owner
	}
	byRoot := map[string]*workload{}
	var order []string
	for _, p := range facts[podFact](ix, "pods") {
		root := p.owner
		if root == "" {
			root = "Pod/" + p.name
		}
		for i := 0; i < 3; i++ {
			up, ok := owners[p.namespace+"/"+root]
			if !ok {
				break
			}
			root = up
		}
		key := p.namespace + "/" + root
		w := byRoot[key]
		if w == nil {
			kind, name, _ := strings.Cut(root, "/")
			w = &workload{namespace: p.namespace, kind: kind, name: name}
			byRoot[key] = w
			order = append(order, key)
		}
		w.pods = append(w.pods, p)
	}
	sort.Strings(order)
	out := make([]*workload, len(order))
	for i, k := range order {
		out[i] = byRoot[k]
	}
	return out
}

func run(env *check.Env, ix *check.Index, em *check.Emitter) {
	if !live(env) {
		return
	}
	ws := workloads(ix)
	serviceAccounts(env, ix, ws, em)
	networkCoverage(env, ix, ws, em)
	quotas(env, ix, em)
	enforceable(env, ix, ws, em)
	placement(env, ix, ws, em)
}

func serviceAccounts(env *check.Env, ix *check.Index, ws []*workload, em *check.Emitter) {
	users := map[string]map[string]bool{} // ns/sa -> roots
	for _, w := range ws {
		if w.kind == "Pod" && len(w.pods) == 1 && w.pods[0].static {
			continue
		}
		for _, p := range w.pods {
			if users[p.namespace+"/"+p.sa] == nil {
				users[p.namespace+"/"+p.sa] = map[string]bool{}
			}
			users[p.namespace+"/"+p.sa][w.kind+"/"+w.name] = true
		}
	}
	keys := make([]string, 0, len(users))
	for k := range users {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		ns, sa, _ := strings.Cut(k, "/")
		if sa == "default" || env.IsSystemNamespace(ns) {
			continue // KW-SA-001 reports the default account; system namespaces run platform components
		}
		roots := users[k]
		subject := &result.Subject{Kind: "ServiceAccount", Namespace: ns, Name: sa}
		f := check.Finding{ID: SharedServiceAccount, Subject: subject}
		if o := ix.ServiceAccounts[k]; o != nil {
			f.Object, f.Subject = o, nil
		}
		if len(roots) > 1 {
			names := sortedKeys(roots)
			f.Status = result.Fail
			f.Message = catalog.F("service account %s is used by %d workloads: %s", "服务账号 %s 被 %d 个工作负载使用：%s", sa, len(roots), strings.Join(names, ", "))
			f.Evidence = strings.Join(names, ", ")
			em.Add(f)
		} else {
			em.Pass(f)
		}
	}
}

// TokenSecret reports whether a Secret is a long-lived service account
// token and of which account: type kubernetes.io/service-account-token (a
// manifest) or the account annotation the API server requires on such a
// Secret (a live cluster, where Secrets are read as metadata only).
func TokenSecret(o *inventory.Object) (sa string, ok bool) {
	s, _ := o.Typed.(*corev1.Secret)
	sa, annotated := o.Annotations[corev1.ServiceAccountNameKey]
	if annotated && sa != "" {
		return sa, true
	}
	return sa, s != nil && s.Type == corev1.SecretTypeServiceAccountToken
}

// checkTokenSecret is KW-CL-012, the one KW-CL check that is not
// cluster-only: a token Secret in manifests or at admission is the same
// long-lived credential about to exist.
func checkTokenSecret(_ *check.Env, t *check.Target, em *check.Emitter) {
	sa, ok := TokenSecret(t.Object)
	if !ok {
		return
	}
	ev := "type " + string(corev1.SecretTypeServiceAccountToken)
	path := "type"
	if v, annotated := t.Annotations[corev1.ServiceAccountNameKey]; annotated && v != "" {
		ev = "annotation " + corev1.ServiceAccountNameKey + "=" + sa + " (value not read)"
		path = "metadata.annotations[" + corev1.ServiceAccountNameKey + "]"
	}
	if sa == "" {
		sa = "(none named)"
	}
	em.Fail(LongLivedToken, "", path, catalog.F("Secret %s holds a non-expiring token of service account %s", "Secret %s 保存了服务账号 %s 的永不过期令牌", t.Name, sa), ev)
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

// quotaResources are what a quota must bound, each with the keys that do.
var quotaResources = []struct {
	name string
	keys []string
}{
	{"cpu", []string{"requests.cpu", "cpu", "limits.cpu"}},
	{"memory", []string{"requests.memory", "memory", "limits.memory"}},
	{"pods", []string{"pods", "count/pods"}},
	{"services", []string{"services", "count/services"}},
	{"storage", []string{"requests.storage"}},
	{"persistentvolumeclaims", []string{"persistentvolumeclaims", "count/persistentvolumeclaims"}},
}

func quotas(env *check.Env, ix *check.Index, em *check.Emitter) {
	for _, name := range sortedNamespaces(ix) {
		ns := ix.Namespaces[name]
		if env.IsSystemNamespace(name) || len(ns.ResourceQuotas) == 0 {
			continue // KW-NS-001 reports a namespace without a quota
		}
		hard := map[string]bool{}
		for _, o := range ns.ResourceQuotas {
			q := o.Typed.(*corev1.ResourceQuota)
			for k := range q.Spec.Hard {
				hard[string(k)] = true
			}
			// In resource-name order: several warnings on one quota differ
			// only in their message, which result.Sort does not order by.
			names := make([]corev1.ResourceName, 0, len(q.Status.Hard))
			for k := range q.Status.Hard {
				names = append(names, k)
			}
			slices.Sort(names)
			for _, k := range names {
				h := q.Status.Hard[k]
				used, ok := q.Status.Used[k]
				if !ok || h.IsZero() {
					continue
				}
				if used.AsApproximateFloat64() >= 0.9*h.AsApproximateFloat64() {
					em.Add(check.Finding{ID: QuotaNearlyUsed, Status: result.Warn, Object: o,
						Message:  catalog.F("quota %s: %s used %s of %s", "配额 %s：%s 已使用 %s / %s", q.Name, k, used.String(), h.String()),
						Evidence: fmt.Sprintf("%s used=%s hard=%s", k, used.String(), h.String())})
				}
			}
		}
		var missing []string
		for _, r := range quotaResources {
			found := false
			for _, k := range r.keys {
				found = found || hard[k]
			}
			if !found {
				missing = append(missing, r.name)
			}
		}
		f := check.Finding{ID: QuotaIncomplete, Object: ns.ResourceQuotas[0], Subject: &result.Subject{Kind: "Namespace", Name: name}}
		if len(missing) == 0 {
			em.Pass(f)
			continue
		}
		f.Status = result.Fail
		f.Message = catalog.F("the quotas of namespace %s do not bound %s", "命名空间 %s 的配额未限制 %s", name, strings.Join(missing, ", "))
		f.Evidence = "hard: " + strings.Join(sortedKeys(hard), ", ")
		em.Add(f)
	}
}

var levelRank = map[api.Level]int{api.LevelPrivileged: 0, api.LevelBaseline: 1, api.LevelRestricted: 2}

func enforceable(env *check.Env, ix *check.Index, ws []*workload, em *check.Emitter) {
	achievable := map[string]api.Level{}
	for _, w := range ws {
		for _, p := range w.pods {
			cur, seen := achievable[p.namespace]
			if !seen || levelRank[p.level] < levelRank[cur] {
				achievable[p.namespace] = p.level
			}
		}
	}
	for _, name := range sortedNamespaces(ix) {
		ns := ix.Namespaces[name]
		if ns.Object == nil || env.IsSystemNamespace(name) {
			continue
		}
		can, hasPods := achievable[name]
		if !hasPods {
			can = api.LevelRestricted // nothing runs: restricted breaks nothing
		}
		label := api.Level(ns.Object.Labels[api.EnforceLevelLabel])
		if _, ok := levelRank[label]; !ok {
			label = api.LevelPrivileged
		}
		f := check.Finding{ID: EnforceableLevel, Object: ns.Object, Subject: &result.Subject{Kind: "Namespace", Name: name},
			Evidence: fmt.Sprintf("enforce=%s; every current pod meets %s", label, can)}
		if levelRank[label] >= levelRank[can] {
			em.Pass(f)
			continue
		}
		f.Status = result.Warn
		f.Message = catalog.F("namespace %s enforces %s, but every pod in it already meets %s: enforce %s today", "命名空间 %s 强制执行 %s，但其中所有 Pod 已满足 %s：现在即可强制执行 %s", name, label, can, can)
		em.Add(f)
	}
}

func placement(env *check.Env, ix *check.Index, ws []*workload, em *check.Emitter) {
	zones := map[string]string{}
	tainted := map[string]bool{}
	distinctZones := map[string]bool{}
	for _, n := range facts[nodeFact](ix, "nodes") {
		zones[n.name] = n.zone
		tainted[n.name] = n.tainted
		if n.zone != "" {
			distinctZones[n.zone] = true
		}
	}
	for _, w := range ws {
		nodes := map[string]bool{}
		running := 0
		for _, p := range w.pods {
			if p.running && p.node != "" {
				nodes[p.node] = true
				running++
			}
		}
		if running < 2 || w.kind == "DaemonSet" {
			continue
		}
		f := check.Finding{ID: ReplicasOneNode, Subject: w.subject(), Location: w.loc(), Evidence: fmt.Sprintf("%d running pods on nodes %s", running, strings.Join(sortedKeys(nodes), ", "))}
		podZones := map[string]bool{}
		for n := range nodes {
			podZones[zones[n]] = true
		}
		if len(nodes) == 1 {
			f.Status = result.Fail
			f.Message = catalog.F("all %d replicas of %s/%s run on node %s: losing it stops the workload", "%[2]s/%[3]s 的全部 %[1]d 个副本都运行在节点 %[4]s 上：该节点故障将导致服务中断", running, w.kind, w.name, sortedKeys(nodes)[0])
			em.Add(f)
		} else if len(distinctZones) > 1 && len(podZones) == 1 {
			f.Status = result.Warn
			f.Message = catalog.F("all replicas of %s/%s run in one zone of %d", "%s/%s 的所有副本都运行在 %d 个可用区中的同一个", w.kind, w.name, len(distinctZones))
			em.Add(f)
		} else {
			em.Pass(f)
		}
	}
	for _, name := range env.Config.SensitiveNamespaces {
		for _, w := range ws {
			if w.namespace != name {
				continue
			}
			p := w.pods[0]
			f := check.Finding{ID: SensitiveNotIsolated, Subject: w.subject(), Location: w.loc()}
			if p.selectors.nodeSelector && p.selectors.tolerations && (p.node == "" || tainted[p.node]) {
				em.Pass(f)
				continue
			}
			f.Status = result.Fail
			f.Message = catalog.F("%s/%s in sensitive namespace %s can share nodes with other tenants", "敏感命名空间 %[3]s 中的 %[1]s/%[2]s 可能与其他租户共享节点", w.kind, w.name, name)
			f.Evidence = fmt.Sprintf("nodeSelector/affinity=%t toleration=%t node=%s", p.selectors.nodeSelector, p.selectors.tolerations, p.node)
			em.Add(f)
		}
	}
}

func sortedNamespaces(ix *check.Index) []string {
	names := make([]string, 0, len(ix.Namespaces))
	for n := range ix.Namespaces {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
