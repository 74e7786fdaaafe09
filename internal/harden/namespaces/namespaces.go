// Package namespaces generates the namespace layer of the security plan for
// every tenant namespace seen in a set of objects: a ResourceQuota and a
// LimitRange, NetworkPolicies (default deny, DNS egress, same-namespace
// traffic, ingress to each Service's ports) and Pod Security labels at the
// strictest level every workload already meets. Each generated object names
// the check IDs it resolves. It only adds what a namespace lacks: a namespace
// that already has a quota gets no second one, an existing stricter Pod
// Security level is never lowered, and nothing is ever removed (what only a
// removal would fix is a Note for a person).
package namespaces

import (
	"fmt"
	"sort"
	"strings"

	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	networkingv1 "k8s.io/api/networking/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/pod-security-admission/api"

	"github.com/kubeward/kubeward/internal/catalog"
	"github.com/kubeward/kubeward/internal/check/namespace"
	"github.com/kubeward/kubeward/internal/check/pss"
	"github.com/kubeward/kubeward/internal/config"
	"github.com/kubeward/kubeward/internal/inventory"
)

// Names of the generated objects (stable, so a second run updates them
// instead of adding more).
const (
	QuotaName         = "kubeward-quota"
	LimitRangeName    = "kubeward-limits"
	DefaultDenyName   = "kubeward-default-deny"
	AllowDNSName      = "kubeward-allow-dns"
	SameNamespaceName = "kubeward-allow-same-namespace"
	ServicePrefix     = "kubeward-allow-svc-"
)

// The checks the layer resolves (internal/check/namespace and, on a live
// cluster, internal/check/cluster).
const (
	checkQuota       = namespace.NoResourceQuota   // KW-NS-001
	checkLimitRange  = namespace.NoLimitRange      // KW-NS-002
	checkDenyIngress = namespace.NoDefaultDenyIn   // KW-NS-003
	checkDenyEgress  = namespace.NoDefaultDenyOut  // KW-NS-004
	checkPSALabel    = namespace.PodSecurityLabels // KW-NS-006
	checkQuotaScope  = "KW-CL-030"
	checkNoIngress   = "KW-CL-020"
	checkNoEgress    = "KW-CL-021"
	checkEnforceable = "KW-CL-040"
)

// Input is what the layer is generated from.
type Input struct {
	// Objects are the scanned objects: Namespaces, workloads, Services,
	// ResourceQuotas, LimitRanges, NetworkPolicies (others are ignored).
	Objects []*inventory.Object
	Config  *config.Config
	// Live is set for a running cluster: the Namespace object carries only
	// the labels kubeward manages (server-side apply merges them), the
	// quota is sized from the usage of the running pods, PVCs and Services,
	// and Service ports come from their EndpointSlices.
	Live           bool
	PVCs           []*corev1.PersistentVolumeClaim
	EndpointSlices []*discoveryv1.EndpointSlice
}

// Generated is one new or changed object of the layer.
type Generated struct {
	// Object is the typed object (TypeMeta set), ready to write or apply.
	Object any
	Kind   string
	Name   string
	// Resolves are the check IDs the object makes pass; Companion says why
	// an object that resolves none is there.
	Resolves  []string
	Companion catalog.Text
	Why       catalog.Text
}

// Namespace is the layer of one namespace.
type Namespace struct {
	Name    string
	Objects []Generated
	// Notes are what the layer cannot fix without a person (a policy that
	// allows everything must be deleted; workloads below baseline).
	Notes []catalog.Text
}

// nsFacts is what the input says about one namespace.
type nsFacts struct {
	object      *corev1.Namespace
	quotas      int
	limitRanges int
	policies    []*networkingv1.NetworkPolicy
	services    []*corev1.Service
	level       api.Level
	belowBase   []string // workloads below baseline
	usage       usage
	// unlimited is, per resource, the largest request of a container that
	// sets no limit for it, and who: the LimitRange's default limit must
	// not be below it, or the API server refuses that pod.
	unlimited map[corev1.ResourceName]unlimitedRequest
	// unset: "requests.cpu", "limits.memory"... that some container of the
	// namespace leaves unset, with who; defaulted: those the namespace's
	// own LimitRanges default.
	unset     map[string]string
	defaulted map[string]bool
}

type unlimitedRequest struct {
	q   resource.Quantity
	who string
}

// noteUnlimited records the requests of containers without a limit.
func (f *nsFacts) noteUnlimited(o *inventory.Object, spec *corev1.PodSpec) {
	all := append(append([]corev1.Container(nil), spec.InitContainers...), spec.Containers...)
	for _, c := range all {
		for _, r := range []corev1.ResourceName{corev1.ResourceCPU, corev1.ResourceMemory} {
			for kind, l := range map[string]corev1.ResourceList{"requests": c.Resources.Requests, "limits": c.Resources.Limits} {
				if _, ok := l[r]; !ok {
					if f.unset == nil {
						f.unset = map[string]string{}
					}
					if _, seen := f.unset[kind+"."+string(r)]; !seen {
						f.unset[kind+"."+string(r)] = o.Kind + "/" + o.Name
					}
				}
			}
		}
		for r, q := range c.Resources.Requests {
			if _, limited := c.Resources.Limits[r]; limited {
				continue
			}
			if cur, ok := f.unlimited[r]; !ok || q.Cmp(cur.q) > 0 {
				if f.unlimited == nil {
					f.unlimited = map[corev1.ResourceName]unlimitedRequest{}
				}
				f.unlimited[r] = unlimitedRequest{q: q.DeepCopy(), who: o.Kind + "/" + o.Name}
			}
		}
	}
}

// Generate returns the layer of every tenant (non-system) namespace seen
// in the input, sorted by name.
func Generate(in Input) []Namespace {
	cfg := in.Config
	if cfg == nil {
		cfg = config.Default()
	}
	facts := map[string]*nsFacts{}
	get := func(name string) *nsFacts {
		f := facts[name]
		if f == nil {
			f = &nsFacts{level: api.LevelRestricted, usage: newUsage()}
			facts[name] = f
		}
		return f
	}
	for _, o := range in.Objects {
		if o.Kind == "Namespace" {
			f := get(o.Name)
			if t, ok := o.Typed.(*corev1.Namespace); ok {
				f.object = t
			}
			continue
		}
		if o.Namespace == "" {
			continue
		}
		f := get(o.Namespace)
		switch t := o.Typed.(type) {
		case *corev1.ResourceQuota:
			f.quotas++
		case *corev1.LimitRange:
			f.limitRanges++
			for _, it := range t.Spec.Limits {
				if it.Type != corev1.LimitTypeContainer {
					continue
				}
				if f.defaulted == nil {
					f.defaulted = map[string]bool{}
				}
				for r := range it.Default {
					f.defaulted["limits."+string(r)] = true
					f.defaulted["requests."+string(r)] = true // a request defaults to the limit
				}
				for r := range it.DefaultRequest {
					f.defaulted["requests."+string(r)] = true
				}
			}
		case *networkingv1.NetworkPolicy:
			f.policies = append(f.policies, t)
		case *corev1.Service:
			f.services = append(f.services, t)
			f.usage.add("services", 1)
		}
		if w, ok := o.Workload(); ok {
			if p, isPod := o.Typed.(*corev1.Pod); isPod {
				if p.Status.Phase == corev1.PodSucceeded || p.Status.Phase == corev1.PodFailed {
					continue // the quota and Pod Security no longer count it
				}
				f.usage.addPod(p)
			}
			f.noteUnlimited(o, w.Spec)
			lvl := pss.Level(w.Meta, w.Spec)
			if rank[lvl] < rank[f.level] {
				f.level = lvl
			}
			if lvl == api.LevelPrivileged && o.Owner == "" { // name a controller, not each of its pods
				f.belowBase = append(f.belowBase, o.Kind+"/"+o.Name)
			}
		}
	}
	for _, pvc := range in.PVCs {
		f := get(pvc.Namespace)
		f.usage.add("persistentvolumeclaims", 1)
		if s, ok := pvc.Spec.Resources.Requests[corev1.ResourceStorage]; ok {
			f.usage.addQ("requests.storage", s)
		}
	}
	slices := map[string][]*discoveryv1.EndpointSlice{}
	for _, s := range in.EndpointSlices {
		key := s.Namespace + "/" + s.Labels[discoveryv1.LabelServiceName]
		slices[key] = append(slices[key], s)
	}

	names := make([]string, 0, len(facts))
	for n := range facts {
		if !isSystem(cfg, n) {
			names = append(names, n)
		}
	}
	sort.Strings(names)
	out := make([]Namespace, 0, len(names))
	for _, n := range names {
		g := &generator{cfg: cfg, hc: cfg.Harden.Namespaces, live: in.Live, ns: n, f: facts[n], slices: slices}
		out = append(out, g.run())
	}
	return out
}

func isSystem(cfg *config.Config, name string) bool {
	for _, s := range cfg.SystemNamespaces {
		if s == name {
			return true
		}
	}
	return name == "kube-system"
}

var rank = map[api.Level]int{api.LevelPrivileged: 0, api.LevelBaseline: 1, api.LevelRestricted: 2}

type generator struct {
	cfg    *config.Config
	hc     config.HardenNamespaces
	live   bool
	ns     string
	f      *nsFacts
	slices map[string][]*discoveryv1.EndpointSlice
	out    Namespace
}

func (g *generator) add(obj any, kind, name string, resolves []string, why catalog.Text) {
	g.out.Objects = append(g.out.Objects, Generated{Object: obj, Kind: kind, Name: name, Resolves: resolves, Why: why})
}

func (g *generator) companion(obj any, kind, name string, companion, why catalog.Text) {
	g.out.Objects = append(g.out.Objects, Generated{Object: obj, Kind: kind, Name: name, Companion: companion, Why: why})
}

func (g *generator) run() Namespace {
	g.out.Name = g.ns
	g.podSecurity()
	if g.f.limitRanges == 0 {
		// kubeward's own LimitRange will default these.
		g.f.defaulted = map[string]bool{}
		for r := range g.hc.LimitRangeDefault() {
			g.f.defaulted["limits."+r], g.f.defaulted["requests."+r] = true, true
		}
		for r := range g.hc.LimitRangeDefaultRequest() {
			g.f.defaulted["requests."+r] = true
		}
	}
	if g.f.quotas == 0 {
		g.quota()
	}
	if g.f.limitRanges == 0 {
		g.limitRange()
	}
	g.network()
	return g.out
}

func meta(name, ns string) metav1.ObjectMeta {
	return metav1.ObjectMeta{Name: name, Namespace: ns, Labels: map[string]string{"app.kubernetes.io/managed-by": "kubeward"}}
}

// podSecurity labels the namespace: enforce the strictest level every
// workload meets (never lower than what it enforces now), warn and audit
// at restricted.
func (g *generator) podSecurity() {
	cur := map[string]string{}
	if g.f.object != nil {
		cur = g.f.object.Labels
	}
	enforce := g.f.level
	if l := api.Level(cur[api.EnforceLevelLabel]); rank[l] > rank[enforce] {
		enforce = l // never lower a stricter level a person chose
	}
	want := map[string]string{
		api.WarnLevelLabel:  string(api.LevelRestricted),
		api.AuditLevelLabel: string(api.LevelRestricted),
	}
	var resolves []string
	if enforce != api.LevelPrivileged {
		want[api.EnforceLevelLabel] = string(enforce)
		resolves = append(resolves, checkPSALabel)
		if g.live {
			resolves = append(resolves, checkEnforceable)
		}
	} else {
		shown := g.f.belowBase
		if len(shown) > 3 {
			shown = append(shown[:3:3], "...")
		}
		g.out.Notes = append(g.out.Notes, catalog.F(
			"%s: not enforcing a Pod Security level: below baseline: %s; harden them, then enforce baseline or restricted (%s)",
			"%s：未强制执行 Pod 安全级别：低于 baseline：%s；先加固它们，再强制执行 baseline 或 restricted（%s）",
			g.ns, strings.Join(shown, ", "), checkPSALabel))
	}
	changed := false
	for k, v := range want {
		if cur[k] != v {
			changed = true
		}
	}
	if !changed {
		return
	}
	ns := &corev1.Namespace{TypeMeta: metav1.TypeMeta{APIVersion: "v1", Kind: "Namespace"}, ObjectMeta: metav1.ObjectMeta{Name: g.ns}}
	if !g.live && g.f.object != nil {
		// A manifest Namespace is written whole, its own labels and
		// annotations kept, so applying the file does not drop them.
		ns.Labels = copyMap(g.f.object.Labels)
		ns.Annotations = copyMap(g.f.object.Annotations)
		delete(ns.Annotations, "kubectl.kubernetes.io/last-applied-configuration")
	}
	if ns.Labels == nil {
		ns.Labels = map[string]string{}
	}
	for k, v := range want {
		ns.Labels[k] = v
	}
	why := catalog.F("Pod Security: enforce %s (every workload in %s meets it), warn and audit restricted",
		"Pod 安全：强制执行 %s（%s 中所有工作负载均已满足），warn 与 audit 为 restricted", want[api.EnforceLevelLabel], g.ns)
	if enforce == api.LevelPrivileged {
		why = catalog.F("Pod Security: warn and audit restricted in %s", "Pod 安全：在 %s 中 warn 与 audit 为 restricted", g.ns)
	}
	g.add(ns, "Namespace", g.ns, resolves, why)
	if len(resolves) == 0 {
		g.out.Objects[len(g.out.Objects)-1].Companion = catalog.F("warn and audit name what restricted would reject, before anything is enforced",
			"warn 与 audit 在强制执行之前指出 restricted 会拒绝的内容")
	}
}

func copyMap(m map[string]string) map[string]string {
	if m == nil {
		return nil
	}
	out := make(map[string]string, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

func (g *generator) quota() {
	hard := corev1.ResourceList{}
	plan := g.hc.QuotaHard()
	sized := false
	for _, k := range sortedKeys(plan) {
		// A quota on a compute resource refuses every new pod that leaves
		// it unset: it is left out unless a LimitRange (kubeward's, or the
		// namespace's own) defaults it for every container.
		canon := k
		if k == "cpu" || k == "memory" {
			canon = "requests." + k
		}
		if who, ok := g.f.unset[canon]; ok && !g.f.defaulted[canon] {
			g.out.Notes = append(g.out.Notes, catalog.F(
				"%s: the quota leaves %s out: %s sets none and the namespace's LimitRange gives no default; set it, then add %s to %s",
				"%s：配额未包含 %s：%s 未设置该值，且命名空间已有的 LimitRange 未提供默认值；请先设置，再将 %s 加入 %s",
				g.ns, k, who, k, QuotaName))
			continue
		}
		q := mustQuantity(plan[k])
		if g.live {
			if s, ok := g.f.usage.size(k, g.hc); ok {
				q, sized = s, true
			}
		}
		hard[corev1.ResourceName(k)] = q
	}
	rq := &corev1.ResourceQuota{TypeMeta: metav1.TypeMeta{APIVersion: "v1", Kind: "ResourceQuota"}, ObjectMeta: meta(QuotaName, g.ns),
		Spec: corev1.ResourceQuotaSpec{Hard: hard}}
	resolves := []string{checkQuota}
	if g.live && covers(keysOf(hard)) {
		resolves = append(resolves, checkQuotaScope)
	}
	why := catalog.F("ResourceQuota with the plan's values", "使用安全计划取值的 ResourceQuota")
	if sized {
		why = catalog.F("ResourceQuota sized from current usage plus %d%% headroom (never below what runs; the plan's value where nothing is used)",
			"按当前用量加 %d%% 余量设定的 ResourceQuota（不低于正在运行的用量；无用量时使用计划取值）", g.hc.Headroom())
	}
	g.add(rq, "ResourceQuota", QuotaName, resolves, why)
}

func keysOf(l corev1.ResourceList) map[string]string {
	out := make(map[string]string, len(l))
	for k := range l {
		out[string(k)] = ""
	}
	return out
}

// covers reports whether a quota bounds every resource KW-CL-030 asks for.
func covers(hard map[string]string) bool {
	for _, alts := range [][]string{
		{"requests.cpu", "cpu", "limits.cpu"}, {"requests.memory", "memory", "limits.memory"}, {"pods", "count/pods"},
		{"services", "count/services"}, {"requests.storage"}, {"persistentvolumeclaims", "count/persistentvolumeclaims"},
	} {
		found := false
		for _, k := range alts {
			_, ok := hard[k]
			found = found || ok
		}
		if !found {
			return false
		}
	}
	return true
}

func (g *generator) limitRange() {
	item := corev1.LimitRangeItem{Type: corev1.LimitTypeContainer, Default: corev1.ResourceList{}, DefaultRequest: corev1.ResourceList{}}
	for k, v := range g.hc.LimitRangeDefault() {
		item.Default[corev1.ResourceName(k)] = mustQuantity(v)
	}
	for k, v := range g.hc.LimitRangeDefaultRequest() {
		item.DefaultRequest[corev1.ResourceName(k)] = mustQuantity(v)
	}
	why := catalog.F("LimitRange: default requests and limits for containers that set none", "LimitRange：为未设置的容器提供默认 requests 与 limits")
	// A container that requests more than the default limit and sets no
	// limit of its own would be refused once the LimitRange gives it that
	// limit: the default limit is raised to the largest such request.
	var raised []string
	for _, r := range sortedKeys(g.f.unlimited) {
		name := corev1.ResourceName(r)
		u := g.f.unlimited[name]
		def, ok := item.Default[name]
		if !ok || u.q.Cmp(def) <= 0 {
			continue
		}
		item.Default[name] = u.q.DeepCopy()
		raised = append(raised, fmt.Sprintf("%s %s (%s requests it without a limit)", r, u.q.String(), u.who))
	}
	if len(raised) > 0 {
		why = catalog.F("LimitRange: default requests and limits for containers that set none; default limit raised to %s",
			"LimitRange：为未设置的容器提供默认 requests 与 limits；默认 limit 提高到 %s", strings.Join(raised, ", "))
	}
	lr := &corev1.LimitRange{TypeMeta: metav1.TypeMeta{APIVersion: "v1", Kind: "LimitRange"}, ObjectMeta: meta(LimitRangeName, g.ns),
		Spec: corev1.LimitRangeSpec{Limits: []corev1.LimitRangeItem{item}}}
	g.add(lr, "LimitRange", LimitRangeName, []string{checkLimitRange}, why)
}

func netpol(name, ns string) *networkingv1.NetworkPolicy {
	return &networkingv1.NetworkPolicy{TypeMeta: metav1.TypeMeta{APIVersion: "networking.k8s.io/v1", Kind: "NetworkPolicy"}, ObjectMeta: meta(name, ns)}
}

// network adds default deny for each direction the namespace does not
// isolate yet, and the allows that keep its traffic flowing: DNS egress,
// same-namespace traffic, and ingress to every Service's ports.
func (g *generator) network() {
	in := namespace.Isolation(g.f.policies, networkingv1.PolicyTypeIngress)
	out := namespace.Isolation(g.f.policies, networkingv1.PolicyTypeEgress)
	for _, iso := range []struct {
		i   namespace.Isolated
		dir string
		id  string
	}{{in, "ingress", checkDenyIngress}, {out, "egress", checkDenyEgress}} {
		if iso.i.UndoneBy != "" {
			g.out.Notes = append(g.out.Notes, catalog.Text{
				EN: fmt.Sprintf("%s: NetworkPolicy %s allows all %s traffic to every pod and cancels any default deny; delete it or narrow its peers (%s; kubeward never deletes)",
					g.ns, iso.i.UndoneBy, iso.dir, iso.id),
				ZH: fmt.Sprintf("%s：NetworkPolicy %s 对所有 Pod 放行全部%s流量，抵消任何默认拒绝；请删除它或收窄其对端（%s；kubeward 从不删除对象）",
					g.ns, iso.i.UndoneBy, dirZH[iso.dir], iso.id),
			})
		}
	}
	denyIn, denyOut := in.DenyBy == "", out.DenyBy == ""
	if !denyIn && !denyOut {
		return
	}
	deny := netpol(DefaultDenyName, g.ns)
	var resolves []string
	if denyIn {
		deny.Spec.PolicyTypes = append(deny.Spec.PolicyTypes, networkingv1.PolicyTypeIngress)
		if in.UndoneBy == "" {
			resolves = append(resolves, checkDenyIngress)
		}
		if g.live {
			resolves = append(resolves, checkNoIngress)
		}
	}
	if denyOut {
		deny.Spec.PolicyTypes = append(deny.Spec.PolicyTypes, networkingv1.PolicyTypeEgress)
		if out.UndoneBy == "" {
			resolves = append(resolves, checkDenyEgress)
		}
		if g.live {
			resolves = append(resolves, checkNoEgress)
		}
	}
	g.add(deny, "NetworkPolicy", DefaultDenyName, resolves,
		catalog.Text{EN: fmt.Sprintf("default deny for %s of every pod in %s", dirs(denyIn, denyOut), g.ns),
			ZH: fmt.Sprintf("%s 中所有 Pod 的%s默认拒绝", g.ns, dirZH[dirs(denyIn, denyOut)])})

	if denyOut {
		dnsNS, dnsLabels := g.hc.DNS()
		dns := netpol(AllowDNSName, g.ns)
		dns.Spec.PolicyTypes = []networkingv1.PolicyType{networkingv1.PolicyTypeEgress}
		udp, tcp, port := corev1.ProtocolUDP, corev1.ProtocolTCP, intstr.FromInt32(53)
		dns.Spec.Egress = []networkingv1.NetworkPolicyEgressRule{{
			To: []networkingv1.NetworkPolicyPeer{{
				NamespaceSelector: &metav1.LabelSelector{MatchLabels: map[string]string{corev1.LabelMetadataName: dnsNS}},
				PodSelector:       &metav1.LabelSelector{MatchLabels: copyMap(dnsLabels)},
			}},
			Ports: []networkingv1.NetworkPolicyPort{{Protocol: &udp, Port: &port}, {Protocol: &tcp, Port: &port}},
		}}
		g.companion(dns, "NetworkPolicy", AllowDNSName, catalog.F("keeps DNS working under %s", "在 %s 下保持 DNS 可用", checkDenyEgress),
			catalog.F("egress to the cluster DNS (%s, %s) on UDP and TCP 53", "放行到集群 DNS（%s，%s）的 UDP 与 TCP 53 出站", dnsNS, labelString(dnsLabels)))
	}

	same := netpol(SameNamespaceName, g.ns)
	self := []networkingv1.NetworkPolicyPeer{{PodSelector: &metav1.LabelSelector{}}}
	if denyIn {
		same.Spec.PolicyTypes = append(same.Spec.PolicyTypes, networkingv1.PolicyTypeIngress)
		same.Spec.Ingress = []networkingv1.NetworkPolicyIngressRule{{From: self}}
	}
	if denyOut {
		same.Spec.PolicyTypes = append(same.Spec.PolicyTypes, networkingv1.PolicyTypeEgress)
		same.Spec.Egress = []networkingv1.NetworkPolicyEgressRule{{To: self}}
	}
	g.companion(same, "NetworkPolicy", SameNamespaceName, catalog.F("keeps traffic between the pods of %s flowing under the default deny", "在默认拒绝下保持 %s 内 Pod 之间的流量", g.ns),
		catalog.Text{EN: fmt.Sprintf("%s between the pods of %s", dirs(denyIn, denyOut), g.ns),
			ZH: fmt.Sprintf("%s 内 Pod 之间的%s流量", g.ns, dirZH[dirs(denyIn, denyOut)])})

	if denyIn {
		g.services()
	}
}

var dirZH = map[string]string{"ingress": "入站", "egress": "出站", "ingress and egress": "入站与出站"}

func dirs(in, out bool) string {
	switch {
	case in && out:
		return "ingress and egress"
	case in:
		return "ingress"
	}
	return "egress"
}

func labelString(m map[string]string) string {
	parts := make([]string, 0, len(m))
	for _, k := range sortedKeys(m) {
		parts = append(parts, k+"="+m[k])
	}
	return strings.Join(parts, ",")
}

// services allows ingress to each Service's pods on its target ports (the
// ports its EndpointSlices resolve on a live cluster) from the Service's
// namespace and the configured client namespaces.
func (g *generator) services() {
	svcs := append([]*corev1.Service(nil), g.f.services...)
	sort.Slice(svcs, func(i, j int) bool { return svcs[i].Name < svcs[j].Name })
	for _, s := range svcs {
		if len(s.Spec.Selector) == 0 || s.Spec.Type == corev1.ServiceTypeExternalName {
			continue
		}
		ports := g.servicePorts(s)
		if len(ports) == 0 {
			continue
		}
		peers := []networkingv1.NetworkPolicyPeer{{PodSelector: &metav1.LabelSelector{}}}
		clients := []string{g.ns}
		for _, c := range g.hc.ServiceClients {
			if c != g.ns {
				peers = append(peers, networkingv1.NetworkPolicyPeer{NamespaceSelector: &metav1.LabelSelector{MatchLabels: map[string]string{corev1.LabelMetadataName: c}}})
				clients = append(clients, c)
			}
		}
		name := ServicePrefix + s.Name
		p := netpol(name, g.ns)
		p.Spec.PodSelector = metav1.LabelSelector{MatchLabels: copyMap(s.Spec.Selector)}
		p.Spec.PolicyTypes = []networkingv1.PolicyType{networkingv1.PolicyTypeIngress}
		p.Spec.Ingress = []networkingv1.NetworkPolicyIngressRule{{From: peers, Ports: ports}}
		g.companion(p, "NetworkPolicy", name, catalog.F("keeps Service %s reachable under the default deny", "在默认拒绝下保持 Service %s 可达", s.Name),
			catalog.F("ingress to Service %s's pods (%s) on %s from namespaces %s", "放行来自命名空间 %[4]s、到 Service %[1]s 的 Pod（%[2]s）%[3]s 端口的入站流量",
				s.Name, labelString(s.Spec.Selector), portString(ports), strings.Join(clients, ", ")))
		if s.Spec.Type == corev1.ServiceTypeNodePort || s.Spec.Type == corev1.ServiceTypeLoadBalancer {
			g.out.Notes = append(g.out.Notes, catalog.F(
				"%s: Service %s is of type %s: clients outside the cluster are blocked by the default deny; add an ipBlock for their addresses",
				"%s：Service %s 的类型为 %s：集群外的客户端会被默认拒绝拦截；请为其地址添加 ipBlock", g.ns, s.Name, s.Spec.Type))
		}
	}
}

func (g *generator) servicePorts(s *corev1.Service) []networkingv1.NetworkPolicyPort {
	var out []networkingv1.NetworkPolicyPort
	seen := map[string]bool{}
	add := func(proto corev1.Protocol, port intstr.IntOrString) {
		if proto == "" {
			proto = corev1.ProtocolTCP
		}
		key := string(proto) + "/" + port.String()
		if seen[key] {
			return
		}
		seen[key] = true
		p, pt := proto, port
		out = append(out, networkingv1.NetworkPolicyPort{Protocol: &p, Port: &pt})
	}
	if g.live {
		// The ports the EndpointSlices resolved: a named targetPort becomes
		// the number each pod declares.
		for _, sl := range g.slices[s.Namespace+"/"+s.Name] {
			for _, p := range sl.Ports {
				if p.Port == nil {
					continue
				}
				proto := corev1.ProtocolTCP
				if p.Protocol != nil {
					proto = *p.Protocol
				}
				add(proto, intstr.FromInt32(*p.Port))
			}
		}
		if len(out) > 0 {
			sort.Slice(out, func(i, j int) bool { return portKey(out[i]) < portKey(out[j]) })
			return out
		}
	}
	for _, p := range s.Spec.Ports {
		t := p.TargetPort
		if t.Type == intstr.Int && t.IntVal == 0 || t.Type == intstr.String && t.StrVal == "" {
			t = intstr.FromInt32(p.Port)
		}
		add(p.Protocol, t)
	}
	return out
}

func portKey(p networkingv1.NetworkPolicyPort) string {
	return fmt.Sprintf("%s/%08s", *p.Protocol, p.Port.String())
}

func portString(ports []networkingv1.NetworkPolicyPort) string {
	parts := make([]string, len(ports))
	for i, p := range ports {
		parts[i] = p.Port.String() + "/" + string(*p.Protocol)
	}
	return strings.Join(parts, ", ")
}

func sortedKeys[K ~string, V any](m map[K]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, string(k))
	}
	sort.Strings(out)
	return out
}
