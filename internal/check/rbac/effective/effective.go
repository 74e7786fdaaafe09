// Package effective computes the effective RBAC permissions of every subject
// (User, Group, ServiceAccount) of a cluster: which dangerous abilities each
// one holds, through which binding and role, and in which namespace.
//
// The matching follows the Kubernetes RBAC authorizer
// (k8s.io/kubernetes/pkg/apis/rbac/v1 evaluation helpers and
// pkg/registry/rbac/validation):
//
//   - apiGroups and verbs match "*" or exactly;
//   - resources match "*", exactly ("pods/exec") or "*/subresource";
//   - resourceNames restrict a rule to those names. Such a rule still grants
//     the ability (Grant.Names lists the names) except for requests that never
//     carry a name: create on a top-level resource and deletecollection. (A
//     literal "" among resourceNames matches the nameless requests — create,
//     deletecollection, an unfiltered list or watch — so it grants them
//     unrestricted);
//   - rules with only nonResourceURLs never grant resources;
//   - a RoleBinding applies only to requests in its own namespace, so a
//     namespaced grant never reaches cluster-scoped resources (nodes/proxy,
//     webhook configurations, CSR approval, escalate on clusterroles,
//     impersonating users, groups or uids) — such rules produce no grant
//     through a RoleBinding, even if the role is a ClusterRole;
//   - a RoleBinding may reference a Role of its namespace or a ClusterRole;
//     a ClusterRoleBinding only a ClusterRole;
//   - a ServiceAccount subject without a namespace takes the binding's
//     namespace (in a ClusterRoleBinding it matches nobody and is reported in
//     Result.Ignored);
//   - a User subject named system:serviceaccount:<ns>:<name> is that service
//     account and is reported as a ServiceAccount subject.
//
// Aggregated ClusterRoles are expanded as the clusterrole-aggregation
// controller does, transitively and safely with cycles; see Evaluate.
package effective

import (
	"cmp"
	"slices"
	"strconv"
	"strings"

	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
)

// Subject is who is granted: kind User, Group or ServiceAccount (Namespace
// set for ServiceAccounts only).
type Subject struct{ Kind, Name, Namespace string }

// String renders "User alice", "Group dev" or "ServiceAccount ns/name".
func (s Subject) String() string {
	if s.Kind == rbacv1.ServiceAccountKind {
		return s.Kind + " " + s.Namespace + "/" + s.Name
	}
	return s.Kind + " " + s.Name
}

func compareSubjects(a, b Subject) int {
	if c := strings.Compare(a.Kind, b.Kind); c != 0 {
		return c
	}
	if c := strings.Compare(a.Namespace, b.Namespace); c != 0 {
		return c
	}
	return strings.Compare(a.Name, b.Name)
}

// Ability is a dangerous capability.
type Ability string

const (
	// ReadSecrets: get, list or watch secrets.
	ReadSecrets Ability = "read-secrets"
	// ExecPods: create or get pods/exec, pods/attach, pods/portforward or
	// pods/proxy: commands in, or connections into, the pod.
	ExecPods Ability = "exec-pods"
	// CreatePodsKubeSystem: create pods or pod controllers (deployments,
	// daemonsets, statefulsets, replicasets, jobs, cronjobs,
	// replicationcontrollers) in kube-system; cluster-wide grants count.
	CreatePodsKubeSystem Ability = "create-pods-kube-system"
	// Escalate: escalate on roles or clusterroles (clusterroles only
	// through cluster-wide grants).
	Escalate Ability = "escalate"
	// Bind: bind on roles or clusterroles. A namespaced grant lets the
	// subject create RoleBindings to those roles in its namespace.
	Bind Ability = "bind"
	// Impersonate: impersonate users, groups, uids (cluster-wide grants
	// only) or serviceaccounts. Only the legacy "impersonate" verb is
	// considered, not the constrained impersonate:<mode> verbs.
	Impersonate Ability = "impersonate"
	// ApproveCSR: update or patch certificatesigningrequests/approval.
	ApproveCSR Ability = "approve-csr"
	// WriteWebhooks: create, update, patch, delete or deletecollection on
	// validating or mutating webhook configurations.
	WriteWebhooks Ability = "write-webhooks"
	// NodesProxy: get, create, update, patch or delete nodes/proxy (any
	// HTTP method reaches the kubelet API).
	NodesProxy Ability = "nodes-proxy"
	// TokenRequest: create serviceaccounts/token.
	TokenRequest Ability = "create-tokens"
	// ClusterAdmin: a rule with "*" verbs on "*" resources in "*" API
	// groups. Through a RoleBinding it is admin of that namespace only
	// (Grant.Namespace set).
	ClusterAdmin Ability = "all"
)

// Abilities lists every ability, in the order grants are sorted (by name).
var Abilities = []Ability{ClusterAdmin, ApproveCSR, Bind, CreatePodsKubeSystem, TokenRequest, Escalate, ExecPods, Impersonate, NodesProxy, ReadSecrets, WriteWebhooks}

// Grant is one ability held by one subject through one binding.
type Grant struct {
	Subject   Subject
	Ability   Ability
	Namespace string // "" when cluster-wide (ClusterRoleBinding), else the RoleBinding's namespace
	Binding   string // "ClusterRoleBinding/name" or "RoleBinding/ns/name"
	Role      string // "ClusterRole/name" or "Role/ns/name"
	// Rule is the index, in the role's expanded rules, of the first rule
	// granting the ability without resourceNames, or, when every granting
	// rule has resourceNames, of the first of them.
	Rule int
	// Names is nil when the ability is granted on every object; otherwise
	// the grant is limited to these resource names (sorted union over the
	// granting rules). It is shared between grants: do not modify it.
	Names []string
}

// Result is the full outcome of Evaluate.
type Result struct {
	// Grants is every grant of every ability, sorted by subject, ability,
	// namespace, binding; identical grants appear once.
	Grants []Grant
	// Dangling lists, sorted, the bindings whose roleRef resolves to no
	// role, as "RoleBinding/ns/name -> Role/ns/missing: reason". They
	// produce no grant.
	Dangling []string
	// Ignored lists, sorted, binding subjects the authorizer can never
	// match (ServiceAccount without namespace in a ClusterRoleBinding,
	// unknown kinds, empty names), as "Binding: subject", and RoleBindings
	// without a namespace (manifests not yet applied), as "Binding: reason".
	Ignored []string
}

// Analyze returns every grant of every ability; see Evaluate.
func Analyze(roles []*rbacv1.Role, clusterRoles []*rbacv1.ClusterRole, roleBindings []*rbacv1.RoleBinding, clusterRoleBindings []*rbacv1.ClusterRoleBinding) []Grant {
	return Evaluate(roles, clusterRoles, roleBindings, clusterRoleBindings).Grants
}

// AnalyzeObjects is Analyze on a mixed list of RBAC objects (the facts a
// policy rule collected); objects of other types are ignored.
func AnalyzeObjects(objs []any) []Grant {
	var roles []*rbacv1.Role
	var croles []*rbacv1.ClusterRole
	var rbs []*rbacv1.RoleBinding
	var crbs []*rbacv1.ClusterRoleBinding
	for _, o := range objs {
		switch t := o.(type) {
		case *rbacv1.Role:
			roles = append(roles, t)
		case *rbacv1.ClusterRole:
			croles = append(croles, t)
		case *rbacv1.RoleBinding:
			rbs = append(rbs, t)
		case *rbacv1.ClusterRoleBinding:
			crbs = append(crbs, t)
		}
	}
	return Analyze(roles, croles, rbs, crbs)
}

// Dangling returns, sorted, the bindings whose roleRef resolves to no role
// (Result.Dangling) without computing grants.
func Dangling(roles []*rbacv1.Role, clusterRoles []*rbacv1.ClusterRole, roleBindings []*rbacv1.RoleBinding, clusterRoleBindings []*rbacv1.ClusterRoleBinding) []string {
	rs := make(map[nsName]struct{}, len(roles))
	for _, r := range roles {
		if r != nil {
			rs[nsName{r.Namespace, r.Name}] = struct{}{}
		}
	}
	crs := make(map[string]struct{}, len(clusterRoles))
	for _, r := range clusterRoles {
		if r != nil {
			crs[r.Name] = struct{}{}
		}
	}
	var out []string
	check := func(kind, ns, name string, ref rbacv1.RoleRef) {
		ok := false
		switch ref.Kind {
		case "Role":
			_, ok = rs[nsName{ns, ref.Name}]
			ok = ok && ns != ""
		case "ClusterRole":
			_, ok = crs[ref.Name]
		}
		if !ok {
			out = append(out, dangling(bindingName(kind, ns, name), ns, ref))
		}
	}
	for _, b := range clusterRoleBindings {
		if b != nil {
			check(crbKind, "", b.Name, b.RoleRef)
		}
	}
	for _, b := range roleBindings {
		if b != nil && b.Namespace != "" {
			check(rbKind, b.Namespace, b.Name, b.RoleRef)
		}
	}
	slices.Sort(out)
	return out
}

func dangling(binding, ns string, ref rbacv1.RoleRef) string {
	switch {
	case ref.Kind == "ClusterRole":
		return binding + " -> ClusterRole/" + ref.Name + ": not found"
	case ref.Kind == "Role" && ns == "":
		return binding + " -> Role/" + ref.Name + ": a ClusterRoleBinding can only reference a ClusterRole"
	case ref.Kind == "Role":
		return binding + " -> Role/" + ns + "/" + ref.Name + ": not found"
	}
	return binding + " -> " + ref.Kind + "/" + ref.Name + ": unsupported roleRef kind"
}

// Evaluate computes grants, dangling bindings and ignored subjects.
//
// Aggregated ClusterRoles (aggregationRule set) get as expanded rules their
// own stored rules (in a live cluster the controller has already written the
// union there; a stale or manifest copy may be empty) followed by the rules
// of every ClusterRole selected by any of the clusterRoleSelectors — per
// selector, selected roles by name, the role itself excluded, equal rules
// once — exactly like the clusterrole-aggregation controller. Selected roles
// that aggregate themselves are expanded transitively (the controller
// converges to that), each role at most once, so cycles terminate. A role
// with an invalid selector is not expanded (the controller errors out).
//
// Duplicate roles (same kind, namespace and name): the first one wins.
// Duplicate bindings are merged, the first one winning for the same
// subject and ability. Nil entries are skipped. Inputs are not modified.
// Evaluate is safe for concurrent use.
//
// Cost: O(rules × abilities) once per role, then O(grants) per binding
// subject, plus sorting the grants.
func Evaluate(roles []*rbacv1.Role, clusterRoles []*rbacv1.ClusterRole, roleBindings []*rbacv1.RoleBinding, clusterRoleBindings []*rbacv1.ClusterRoleBinding) Result {
	ix := newIndex(roles, clusterRoles)
	var res Result

	// Pass 1: resolve every binding to its role's abilities. Binding names
	// are built only when needed.
	type emit struct {
		binding, ns string
		subjects    []rbacv1.Subject
		role        *roleInfo
		abilities   []roleAbility
	}
	var emits []emit
	total := 0
	add := func(kind, ns, name string, subjects []rbacv1.Subject, r *roleInfo, abilities []roleAbility) {
		binding := ""
		for i := range subjects {
			if _, ok := normalize(subjects[i], ns); !ok {
				binding = bindingName(kind, ns, name)
				res.Ignored = append(res.Ignored, binding+": "+describeSubject(subjects[i]))
			}
		}
		if len(abilities) > 0 && len(subjects) > 0 {
			if binding == "" {
				binding = bindingName(kind, ns, name)
			}
			emits = append(emits, emit{binding, ns, subjects, r, abilities})
			total += len(subjects) * len(abilities)
		}
	}
	for _, b := range clusterRoleBindings {
		if b == nil {
			continue
		}
		var r *roleInfo
		if b.RoleRef.Kind == "ClusterRole" {
			r = ix.clusterRoles[b.RoleRef.Name]
		}
		if r == nil {
			res.Dangling = append(res.Dangling, dangling(bindingName(crbKind, "", b.Name), "", b.RoleRef))
			continue
		}
		add(crbKind, "", b.Name, b.Subjects, r, ix.abilities(r, true))
	}
	for _, b := range roleBindings {
		if b == nil {
			continue
		}
		if b.Namespace == "" {
			res.Ignored = append(res.Ignored, bindingName(rbKind, "", b.Name)+": RoleBinding without namespace")
			continue
		}
		var r *roleInfo
		switch b.RoleRef.Kind {
		case "Role":
			r = ix.roles[nsName{b.Namespace, b.RoleRef.Name}]
		case "ClusterRole":
			r = ix.clusterRoles[b.RoleRef.Name]
		}
		if r == nil {
			res.Dangling = append(res.Dangling, dangling(bindingName(rbKind, b.Namespace, b.Name), b.Namespace, b.RoleRef))
			continue
		}
		add(rbKind, b.Namespace, b.Name, b.Subjects, r, ix.abilities(r, false))
	}

	// Pass 2: fan out to subjects, interning them to sort by rank.
	grants := make([]Grant, 0, total)
	keys := make([]grantKey, 0, total) // keys[i] locates grants[i]
	subjectIDs := map[Subject]int32{}
	var subjects []Subject
	for _, e := range emits {
		for i := range e.subjects {
			s, ok := normalize(e.subjects[i], e.ns)
			if !ok {
				continue
			}
			id, seen := subjectIDs[s]
			if !seen {
				id = int32(len(subjects))
				subjectIDs[s] = id
				subjects = append(subjects, s)
			}
			for _, a := range e.abilities {
				if a.ability == CreatePodsKubeSystem && e.ns != "" && e.ns != metav1.NamespaceSystem {
					continue
				}
				keys = append(keys, grantKey{subject: id, ability: a.index, i: int32(len(grants))})
				grants = append(grants, Grant{Subject: s, Ability: a.ability, Namespace: e.ns, Binding: e.binding, Role: e.role.ref(), Rule: a.rule, Names: a.names})
			}
		}
	}
	res.Grants = sortGrants(grants, keys, subjects)
	slices.Sort(res.Dangling)
	slices.Sort(res.Ignored)
	res.Ignored = slices.Compact(res.Ignored)
	return res
}

// grantKey locates grants[i]; subject indexes the subjects slice until
// sortGrants turns it into the subject's rank.
type grantKey struct {
	subject, ability, i int32
}

// sortGrants returns grants sorted by compareGrants without duplicates (of
// equal grants, the earliest in grants is kept). keys[i] locates grants[i].
// Sorting small keys rather than the grants themselves keeps it cheap.
func sortGrants(grants []Grant, keys []grantKey, subjects []Subject) []Grant {
	if len(grants) == 0 {
		return nil
	}
	order := make([]int32, len(subjects))
	for i := range order {
		order[i] = int32(i)
	}
	slices.SortFunc(order, func(a, b int32) int { return compareSubjects(subjects[a], subjects[b]) })
	rank := make([]int32, len(subjects))
	for r, id := range order {
		rank[id] = int32(r)
	}
	for i := range keys {
		keys[i].subject = rank[keys[i].subject]
	}
	slices.SortFunc(keys, func(a, b grantKey) int {
		if a.subject != b.subject {
			return cmp.Compare(a.subject, b.subject)
		}
		if a.ability != b.ability {
			return cmp.Compare(a.ability, b.ability)
		}
		ga, gb := &grants[a.i], &grants[b.i]
		if c := strings.Compare(ga.Namespace, gb.Namespace); c != 0 {
			return c
		}
		if c := strings.Compare(ga.Binding, gb.Binding); c != 0 {
			return c
		}
		return cmp.Compare(a.i, b.i)
	})
	out := make([]Grant, 0, len(grants))
	for _, k := range keys {
		g := &grants[k.i]
		if n := len(out); n > 0 && compareGrants(out[n-1], *g) == 0 {
			continue
		}
		out = append(out, *g)
	}
	return slices.Clip(out)
}

const (
	crbKind = "ClusterRoleBinding"
	rbKind  = "RoleBinding"
)

// bindingName renders "ClusterRoleBinding/name" or "RoleBinding/ns/name".
func bindingName(kind, ns, name string) string {
	if kind == crbKind {
		return kind + "/" + name
	}
	return kind + "/" + ns + "/" + name
}

func compareGrants(a, b Grant) int {
	if c := compareSubjects(a.Subject, b.Subject); c != 0 {
		return c
	}
	if c := strings.Compare(string(a.Ability), string(b.Ability)); c != 0 {
		return c
	}
	if c := strings.Compare(a.Namespace, b.Namespace); c != 0 {
		return c
	}
	return strings.Compare(a.Binding, b.Binding)
}

const saUserPrefix = "system:serviceaccount:"

// normalize turns a binding subject into the identity the authorizer
// matches, or reports false when it can match nobody.
func normalize(s rbacv1.Subject, bindingNS string) (Subject, bool) {
	if s.Name == "" {
		return Subject{}, false
	}
	switch s.Kind {
	case rbacv1.UserKind:
		if rest, ok := strings.CutPrefix(s.Name, saUserPrefix); ok {
			if ns, name, ok := strings.Cut(rest, ":"); ok && ns != "" && name != "" && !strings.Contains(name, ":") {
				return Subject{Kind: rbacv1.ServiceAccountKind, Namespace: ns, Name: name}, true
			}
		}
		return Subject{Kind: rbacv1.UserKind, Name: s.Name}, true
	case rbacv1.GroupKind:
		return Subject{Kind: rbacv1.GroupKind, Name: s.Name}, true
	case rbacv1.ServiceAccountKind:
		ns := s.Namespace
		if ns == "" {
			ns = bindingNS
		}
		if ns == "" {
			return Subject{}, false
		}
		return Subject{Kind: rbacv1.ServiceAccountKind, Namespace: ns, Name: s.Name}, true
	}
	return Subject{}, false
}

func describeSubject(s rbacv1.Subject) string {
	d := s.Kind + " " + strconv.Quote(s.Name)
	switch {
	case s.Kind == rbacv1.ServiceAccountKind && s.Namespace == "":
		d += " without namespace"
	case s.Kind != rbacv1.UserKind && s.Kind != rbacv1.GroupKind && s.Kind != rbacv1.ServiceAccountKind:
		d += " of unsupported kind"
	case s.Name == "":
		d += " without name"
	}
	return d
}

// ServiceAccountsWithAbilities returns, for every ServiceAccount subject of
// grants, its distinct abilities sorted by name. Service accounts granted
// only through groups (system:serviceaccounts, system:serviceaccounts:<ns>,
// system:authenticated) are not expanded: look those groups up with Who.
func ServiceAccountsWithAbilities(grants []Grant) map[Subject][]Ability {
	out := map[Subject][]Ability{}
	for _, g := range grants {
		if g.Subject.Kind != rbacv1.ServiceAccountKind {
			continue
		}
		as := out[g.Subject]
		if !slices.Contains(as, g.Ability) {
			out[g.Subject] = append(as, g.Ability)
		}
	}
	for s, as := range out {
		slices.Sort(as)
		out[s] = as
	}
	return out
}

// Who returns the distinct subjects holding ability a anywhere (any
// namespace, restricted by resourceNames or not), sorted by kind,
// namespace, name.
func Who(grants []Grant, a Ability) []Subject {
	seen := map[Subject]struct{}{}
	var out []Subject
	for _, g := range grants {
		if g.Ability != a {
			continue
		}
		if _, ok := seen[g.Subject]; ok {
			continue
		}
		seen[g.Subject] = struct{}{}
		out = append(out, g.Subject)
	}
	slices.SortFunc(out, compareSubjects)
	return out
}

// --- role index and per-role abilities ---

type nsName struct{ ns, name string }

type roleAbility struct {
	ability Ability
	index   int32 // of ability in defs, which are sorted by ability
	rule    int
	names   []string
}

type roleInfo struct {
	ns, name string // ns "" for a ClusterRole
	id       string // "Role/ns/name" or "ClusterRole/name", built on first use
	rules    []rbacv1.PolicyRule
	// abilities through cluster-wide and namespaced bindings, computed on
	// first use.
	cluster, namespaced     []roleAbility
	haveCluster, haveNSList bool
}

type index struct {
	roles        map[nsName]*roleInfo
	clusterRoles map[string]*roleInfo
}

func newIndex(roles []*rbacv1.Role, clusterRoles []*rbacv1.ClusterRole) *index {
	ix := &index{roles: make(map[nsName]*roleInfo, len(roles)), clusterRoles: make(map[string]*roleInfo, len(clusterRoles))}
	infos := make([]roleInfo, 0, len(roles)+len(clusterRoles)) // one allocation
	newInfo := func(ns, name string, rules []rbacv1.PolicyRule) *roleInfo {
		infos = append(infos, roleInfo{ns: ns, name: name, rules: rules})
		return &infos[len(infos)-1]
	}
	for _, r := range roles {
		if r == nil {
			continue
		}
		k := nsName{r.Namespace, r.Name}
		if _, dup := ix.roles[k]; !dup {
			ix.roles[k] = newInfo(r.Namespace, r.Name, r.Rules)
		}
	}
	var crs []*rbacv1.ClusterRole
	aggregated := false
	for _, r := range clusterRoles {
		if r == nil {
			continue
		}
		if _, dup := ix.clusterRoles[r.Name]; dup {
			continue
		}
		ix.clusterRoles[r.Name] = newInfo("", r.Name, r.Rules)
		crs = append(crs, r)
		aggregated = aggregated || r.AggregationRule != nil
	}
	if aggregated {
		expandAggregated(crs, ix.clusterRoles)
	}
	return ix
}

// expandAggregated replaces the rules of every aggregated ClusterRole in
// infos with its expansion; crs holds each role once.
func expandAggregated(crs []*rbacv1.ClusterRole, infos map[string]*roleInfo) {
	sorted := slices.Clone(crs)
	slices.SortFunc(sorted, func(a, b *rbacv1.ClusterRole) int { return cmp.Compare(a.Name, b.Name) })
	// Parse each aggregated role's selectors once; nil means invalid.
	selectors := map[string][]labels.Selector{}
	for _, r := range sorted {
		if r.AggregationRule == nil {
			continue
		}
		sels := make([]labels.Selector, 0, len(r.AggregationRule.ClusterRoleSelectors))
		for i := range r.AggregationRule.ClusterRoleSelectors {
			sel, err := metav1.LabelSelectorAsSelector(&r.AggregationRule.ClusterRoleSelectors[i])
			if err != nil {
				sels = nil
				break
			}
			sels = append(sels, sel)
		}
		selectors[r.Name] = sels
	}
	expanded := map[string][]rbacv1.PolicyRule{}
	for _, root := range sorted {
		if root.AggregationRule == nil || selectors[root.Name] == nil {
			continue
		}
		var out []rbacv1.PolicyRule
		seenRule := map[string]struct{}{}
		add := func(rules []rbacv1.PolicyRule) {
			for _, rule := range rules {
				k := ruleKey(&rule)
				if _, ok := seenRule[k]; !ok {
					seenRule[k] = struct{}{}
					out = append(out, rule)
				}
			}
		}
		add(root.Rules)
		visited := map[string]bool{root.Name: true}
		var visit func(r *rbacv1.ClusterRole)
		visit = func(r *rbacv1.ClusterRole) {
			for _, sel := range selectors[r.Name] {
				for _, c := range sorted {
					if visited[c.Name] || !sel.Matches(labels.Set(c.Labels)) {
						continue
					}
					visited[c.Name] = true
					add(c.Rules)
					if c.AggregationRule != nil {
						visit(c)
					}
				}
			}
		}
		visit(root)
		expanded[root.Name] = out
	}
	for name, rules := range expanded {
		infos[name].rules = rules
	}
}

// ruleKey identifies a rule up to semantic equality (nil and empty lists
// are equal, as with equality.Semantic.DeepEqual used by the controller).
func ruleKey(r *rbacv1.PolicyRule) string {
	var b strings.Builder
	for _, list := range [][]string{r.Verbs, r.APIGroups, r.Resources, r.ResourceNames, r.NonResourceURLs} {
		for _, s := range list {
			b.WriteString(s)
			b.WriteByte(0)
		}
		b.WriteByte(1)
	}
	return b.String()
}

func (r *roleInfo) ref() string {
	if r.id == "" {
		if r.ns == "" {
			r.id = "ClusterRole/" + r.name
		} else {
			r.id = "Role/" + r.ns + "/" + r.name
		}
	}
	return r.id
}

func (ix *index) abilities(r *roleInfo, cluster bool) []roleAbility {
	if cluster {
		if !r.haveCluster {
			r.cluster, r.haveCluster = computeAbilities(r.rules, true), true
		}
		return r.cluster
	}
	if !r.haveNSList {
		r.namespaced, r.haveNSList = computeAbilities(r.rules, false), true
	}
	return r.namespaced
}

// --- ability definitions and matching ---

type target struct {
	group, resource string // resource may be "resource/subresource"
	sub             string // the subresource, "" if none
	verbs           []string
	clusterScoped   bool // requests carry no namespace: RoleBindings never apply
}

type abilityDef struct {
	ability Ability
	targets []target
	all     bool // ClusterAdmin: "*" verbs, resources and groups
}

func tgt(group, resource string, clusterScoped bool, verbs ...string) target {
	_, sub, _ := strings.Cut(resource, "/")
	return target{group: group, resource: resource, sub: sub, verbs: verbs, clusterScoped: clusterScoped}
}

const (
	rbacGroup  = "rbac.authorization.k8s.io"
	admission  = "admissionregistration.k8s.io"
	namespaced = false
	clusterWd  = true
)

var defs = func() []abilityDef {
	write := []string{"create", "update", "patch", "delete", "deletecollection"}
	var createPods []target
	for _, w := range []struct{ g, r string }{{"", "pods"}, {"", "replicationcontrollers"}, {"apps", "deployments"}, {"apps", "daemonsets"}, {"apps", "statefulsets"}, {"apps", "replicasets"}, {"batch", "jobs"}, {"batch", "cronjobs"}} {
		createPods = append(createPods, tgt(w.g, w.r, namespaced, "create"))
	}
	ds := []abilityDef{
		{ability: ClusterAdmin, all: true},
		{ability: ApproveCSR, targets: []target{tgt("certificates.k8s.io", "certificatesigningrequests/approval", clusterWd, "update", "patch")}},
		{ability: Bind, targets: []target{tgt(rbacGroup, "roles", namespaced, "bind"), tgt(rbacGroup, "clusterroles", namespaced, "bind")}},
		{ability: CreatePodsKubeSystem, targets: createPods},
		{ability: TokenRequest, targets: []target{tgt("", "serviceaccounts/token", namespaced, "create")}},
		{ability: Escalate, targets: []target{tgt(rbacGroup, "roles", namespaced, "escalate"), tgt(rbacGroup, "clusterroles", clusterWd, "escalate")}},
		{ability: ExecPods, targets: []target{tgt("", "pods/exec", namespaced, "create", "get"), tgt("", "pods/attach", namespaced, "create", "get"),
			tgt("", "pods/portforward", namespaced, "create", "get"), tgt("", "pods/proxy", namespaced, "create", "get")}},
		{ability: Impersonate, targets: []target{
			tgt("", "users", clusterWd, "impersonate"), tgt("", "groups", clusterWd, "impersonate"),
			tgt("", "serviceaccounts", namespaced, "impersonate"), tgt("authentication.k8s.io", "uids", clusterWd, "impersonate")}},
		{ability: NodesProxy, targets: []target{tgt("", "nodes/proxy", clusterWd, "get", "create", "update", "patch", "delete")}},
		{ability: ReadSecrets, targets: []target{tgt("", "secrets", namespaced, "get", "list", "watch")}},
		{ability: WriteWebhooks, targets: []target{tgt(admission, "validatingwebhookconfigurations", clusterWd, write...), tgt(admission, "mutatingwebhookconfigurations", clusterWd, write...)}},
	}
	slices.SortFunc(ds, func(a, b abilityDef) int { return cmp.Compare(a.ability, b.ability) })
	return ds
}()

// interesting holds every rule resource that can match some ability's
// target: the targets themselves, "*" and "*/<subresource>".
var interesting = func() map[string]struct{} {
	m := map[string]struct{}{rbacv1.ResourceAll: {}}
	for _, d := range defs {
		for _, tg := range d.targets {
			m[tg.resource] = struct{}{}
			if tg.sub != "" {
				m["*/"+tg.sub] = struct{}{}
			}
		}
	}
	return m
}()

// computeAbilities evaluates every ability against rules, for cluster-wide
// or namespaced bindings. The result is sorted by ability.
func computeAbilities(rules []rbacv1.PolicyRule, cluster bool) []roleAbility {
	// Most rules name no resource any ability is about: skip them once.
	var relevant []int
	for i := range rules {
		r := &rules[i]
		if len(r.Verbs) == 0 || len(r.APIGroups) == 0 {
			continue // grants nothing
		}
		if slices.ContainsFunc(r.Resources, func(res string) bool { _, ok := interesting[res]; return ok }) {
			relevant = append(relevant, i)
		}
	}
	if len(relevant) == 0 {
		return nil // nonResourceURLs-only rules too: no resources
	}
	var out []roleAbility
	for d := range defs {
		def := &defs[d]
		found := false
		var ra roleAbility
		var names []string
		for _, i := range relevant {
			r := &rules[i]
			granted, unrestricted := ruleGrants(r, def, cluster)
			if !granted {
				continue
			}
			if unrestricted {
				ra, found, names = roleAbility{ability: def.ability, index: int32(d), rule: i}, true, nil
				break
			}
			if !found {
				ra, found = roleAbility{ability: def.ability, index: int32(d), rule: i}, true
			}
			for _, n := range r.ResourceNames {
				if n != "" {
					names = append(names, n)
				}
			}
		}
		if !found {
			continue
		}
		if names != nil {
			slices.Sort(names)
			ra.names = slices.Clip(slices.Compact(names))
		}
		out = append(out, ra)
	}
	return out
}

// ruleGrants reports whether r grants the ability, and whether without
// resourceNames restriction.
func ruleGrants(r *rbacv1.PolicyRule, def *abilityDef, cluster bool) (granted, unrestricted bool) {
	if def.all {
		if !slices.Contains(r.Verbs, rbacv1.VerbAll) || !slices.Contains(r.APIGroups, rbacv1.APIGroupAll) || !slices.Contains(r.Resources, rbacv1.ResourceAll) {
			return false, false
		}
		if len(r.ResourceNames) == 0 {
			return true, true
		}
		return slices.ContainsFunc(r.ResourceNames, nonEmpty), false
	}
	for ti := range def.targets {
		tg := &def.targets[ti]
		if tg.clusterScoped && !cluster {
			continue
		}
		if !groupMatches(r, tg.group) || !resourceMatches(r, tg.resource, tg.sub) {
			continue
		}
		for _, v := range tg.verbs {
			if !verbMatches(r, v) {
				continue
			}
			g, u := namesMatch(r, v, tg.sub)
			if u {
				return true, true
			}
			granted = granted || g
		}
	}
	return granted, false
}

// namesMatch reports, for a rule r already matching a request's verb, API
// group and resource, whether it grants the request for some object name,
// and whether for every name (and for a request that carries none).
func namesMatch(r *rbacv1.PolicyRule, verb, sub string) (granted, unrestricted bool) {
	if len(r.ResourceNames) == 0 {
		return true, true
	}
	// A request without a name matches only an explicit "".
	if maybeNameless(verb, sub) && slices.Contains(r.ResourceNames, "") {
		return true, true
	}
	return !alwaysNameless(verb, sub) && slices.ContainsFunc(r.ResourceNames, nonEmpty), false
}

// RuleGrants reports whether the single rule r grants verb on group/resource
// (resource may be "resource/subresource", e.g. pods/exec), matching as
// Evaluate does (see the package documentation). names is nil when the rule
// grants it on every object; otherwise the grant is limited to these
// resourceNames (sorted, without ""). A rule whose resourceNames can never
// match the request (create on a top-level resource, deletecollection)
// grants nothing. Binding scope is not considered.
func RuleGrants(r *rbacv1.PolicyRule, group, resource, verb string) (names []string, ok bool) {
	_, sub, _ := strings.Cut(resource, "/")
	if !verbMatches(r, verb) || !groupMatches(r, group) || !resourceMatches(r, resource, sub) {
		return nil, false
	}
	granted, unrestricted := namesMatch(r, verb, sub)
	switch {
	case !granted:
		return nil, false
	case unrestricted:
		return nil, true
	}
	for _, n := range r.ResourceNames {
		if n != "" {
			names = append(names, n)
		}
	}
	slices.Sort(names)
	return slices.Compact(names), true
}

func nonEmpty(s string) bool { return s != "" }

// alwaysNameless reports whether a request with verb on a resource (sub ""
// for a top-level resource) never carries an object name in its
// authorization attributes: create on a collection, deletecollection.
func alwaysNameless(verb, sub string) bool {
	return verb == "deletecollection" || (verb == "create" && sub == "")
}

// maybeNameless reports whether such a request may carry no name: list and
// watch carry one only with a metadata.name field selector.
func maybeNameless(verb, sub string) bool {
	return alwaysNameless(verb, sub) || verb == "list" || verb == "watch"
}

func verbMatches(r *rbacv1.PolicyRule, verb string) bool {
	for _, v := range r.Verbs {
		if v == rbacv1.VerbAll || v == verb {
			return true
		}
	}
	return false
}

func groupMatches(r *rbacv1.PolicyRule, group string) bool {
	for _, g := range r.APIGroups {
		if g == rbacv1.APIGroupAll || g == group {
			return true
		}
	}
	return false
}

// resourceMatches mirrors rbacv1helpers.ResourceMatches: combined is
// "resource" or "resource/subresource", sub the subresource or "".
func resourceMatches(r *rbacv1.PolicyRule, combined, sub string) bool {
	for _, res := range r.Resources {
		if res == rbacv1.ResourceAll || res == combined {
			return true
		}
		if sub != "" && len(res) == len(sub)+2 && strings.HasPrefix(res, "*/") && strings.HasSuffix(res, sub) {
			return true
		}
	}
	return false
}
