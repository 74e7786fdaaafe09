package effective

import (
	"math/rand/v2"
	"reflect"
	"slices"
	"strings"
	"testing"

	rbacv1 "k8s.io/api/rbac/v1"
)

// This file checks Evaluate against a brute-force oracle: a direct port of
// the RBAC authorizer's RuleAllows and binding scoping, probing concrete
// requests (verb, group, resource, subresource, namespace, name).

type request struct {
	verb, group, resource, sub string
	clusterScoped              bool
}

func reqs(group, combined string, clusterScoped bool, verbs ...string) []request {
	res, sub, _ := strings.Cut(combined, "/")
	var out []request
	for _, v := range verbs {
		out = append(out, request{v, group, res, sub, clusterScoped})
	}
	return out
}

// oracleRequests restates the brief's ability definitions as requests.
var oracleRequests = map[Ability][]request{
	ReadSecrets: reqs("", "secrets", false, "get", "list", "watch"),
	ExecPods: slices.Concat(reqs("", "pods/exec", false, "create", "get"), reqs("", "pods/attach", false, "create", "get"),
		reqs("", "pods/portforward", false, "create", "get"), reqs("", "pods/proxy", false, "create", "get")),
	CreatePodsKubeSystem: slices.Concat(reqs("", "pods", false, "create"), reqs("", "replicationcontrollers", false, "create"),
		reqs("apps", "deployments", false, "create"), reqs("apps", "daemonsets", false, "create"), reqs("apps", "statefulsets", false, "create"),
		reqs("apps", "replicasets", false, "create"), reqs("batch", "jobs", false, "create"), reqs("batch", "cronjobs", false, "create")),
	Escalate: slices.Concat(reqs(rbacv1.GroupName, "roles", false, "escalate"), reqs(rbacv1.GroupName, "clusterroles", true, "escalate")),
	// bind is checked in the namespace of the binding being created
	Bind: slices.Concat(reqs(rbacv1.GroupName, "roles", false, "bind"), reqs(rbacv1.GroupName, "clusterroles", false, "bind")),
	Impersonate: slices.Concat(reqs("", "users", true, "impersonate"), reqs("", "groups", true, "impersonate"),
		reqs("", "serviceaccounts", false, "impersonate"), reqs("authentication.k8s.io", "uids", true, "impersonate")),
	ApproveCSR:    reqs("certificates.k8s.io", "certificatesigningrequests/approval", true, "update", "patch"),
	WriteWebhooks: slices.Concat(reqs("admissionregistration.k8s.io", "validatingwebhookconfigurations", true, "create", "update", "patch", "delete", "deletecollection"), reqs("admissionregistration.k8s.io", "mutatingwebhookconfigurations", true, "create", "update", "patch", "delete", "deletecollection")),
	NodesProxy:    reqs("", "nodes/proxy", true, "get", "create", "update", "patch", "delete"),
	TokenRequest:  reqs("", "serviceaccounts/token", false, "create"),
}

// ruleAllows is the authorizer's RuleAllows for a resource request.
func ruleAllows(r *rbacv1.PolicyRule, q request, name string) bool {
	combined := q.resource
	if q.sub != "" {
		combined += "/" + q.sub
	}
	verbOK := slices.ContainsFunc(r.Verbs, func(v string) bool { return v == "*" || v == q.verb })
	groupOK := slices.ContainsFunc(r.APIGroups, func(g string) bool { return g == "*" || g == q.group })
	resOK := slices.ContainsFunc(r.Resources, func(res string) bool {
		if res == "*" || res == combined {
			return true
		}
		return q.sub != "" && len(res) == len(q.sub)+2 && strings.HasPrefix(res, "*/") && strings.HasSuffix(res, q.sub)
	})
	nameOK := len(r.ResourceNames) == 0 || slices.Contains(r.ResourceNames, name)
	return verbOK && groupOK && resOK && nameOK
}

// requestNames lists the names a request may carry: "" when it has none.
func requestNames(q request, probes []string) []string {
	switch {
	case q.verb == "deletecollection", q.verb == "create" && q.sub == "":
		return []string{""}
	case q.verb == "list", q.verb == "watch":
		return append([]string{""}, probes...)
	}
	return probes
}

const unlisted = "zz-not-in-any-rule"

type oracleGrant struct {
	rule  int
	names []string
}

// oracle returns the abilities rules give through a binding in bindingNS
// ("" for a ClusterRoleBinding).
func oracle(rules []rbacv1.PolicyRule, bindingNS string) map[Ability]oracleGrant {
	probes := []string{unlisted}
	for _, r := range rules {
		for _, n := range r.ResourceNames {
			if n != "" && !slices.Contains(probes, n) {
				probes = append(probes, n)
			}
		}
	}
	out := map[Ability]oracleGrant{}
	ability := func(a Ability) {
		if a == ClusterAdmin {
			for i := range rules {
				r := &rules[i]
				if !slices.Contains(r.Verbs, "*") || !slices.Contains(r.APIGroups, "*") || !slices.Contains(r.Resources, "*") {
					continue
				}
				if len(r.ResourceNames) == 0 {
					out[a] = oracleGrant{rule: i}
					return
				}
				// restricted to the non-empty names; "" alone is not "all"
				for _, n := range r.ResourceNames {
					if n == "" {
						continue
					}
					g, ok := out[a]
					if !ok {
						g.rule = i
					}
					g.names = append(g.names, n)
					out[a] = g
				}
			}
			return
		}
		unrestricted, restricted := -1, -1
		names := map[string]bool{}
		for _, q := range oracleRequests[a] {
			// the namespace of the request
			reqNS := "some-namespace"
			if a == CreatePodsKubeSystem {
				reqNS = "kube-system"
			}
			if bindingNS != "" {
				reqNS = bindingNS
			}
			if q.clusterScoped {
				reqNS = ""
			}
			if a == CreatePodsKubeSystem && reqNS != "kube-system" {
				continue
			}
			if bindingNS != "" && reqNS != bindingNS {
				continue // a RoleBinding applies to its namespace only
			}
			for i := range rules {
				for _, n := range requestNames(q, probes) {
					if !ruleAllows(&rules[i], q, n) {
						continue
					}
					if n == "" || n == unlisted {
						if unrestricted < 0 || i < unrestricted {
							unrestricted = i
						}
					} else {
						names[n] = true
						if restricted < 0 || i < restricted {
							restricted = i
						}
					}
				}
			}
		}
		switch {
		case unrestricted >= 0:
			out[a] = oracleGrant{rule: unrestricted}
		case restricted >= 0:
			g := oracleGrant{rule: restricted}
			for n := range names {
				g.names = append(g.names, n)
			}
			out[a] = g
		}
	}
	for _, a := range Abilities {
		ability(a)
	}
	for a, g := range out {
		slices.Sort(g.names)
		g.names = slices.Compact(g.names)
		out[a] = g
	}
	return out
}

var (
	oracleVerbs     = l("get", "list", "watch", "create", "update", "patch", "delete", "deletecollection", "escalate", "bind", "impersonate", "approve", "*")
	oracleGroups    = l("", "apps", "batch", "extensions", rbacv1.GroupName, "certificates.k8s.io", "admissionregistration.k8s.io", "authentication.k8s.io", "*")
	oracleResources = l("secrets", "pods", "pods/exec", "pods/attach", "pods/log", "*/exec", "*/", "*/proxy", "*/*", "*/token", "*/approval",
		"nodes", "nodes/proxy", "serviceaccounts", "serviceaccounts/token", "users", "groups", "uids", "roles", "clusterroles", "rolebindings",
		"certificatesigningrequests", "certificatesigningrequests/approval", "validatingwebhookconfigurations", "mutatingwebhookconfigurations",
		"deployments", "daemonsets", "statefulsets", "replicasets", "jobs", "cronjobs", "replicationcontrollers", "configmaps", "*")
	oracleNames = l("a", "b", "")
)

func pick(rng *rand.Rand, from []string, max int) []string {
	n := rng.IntN(max + 1)
	var out []string
	for range n {
		out = append(out, from[rng.IntN(len(from))])
	}
	return out
}

func randomRule(rng *rand.Rand) rbacv1.PolicyRule {
	r := rbacv1.PolicyRule{
		Verbs:     pick(rng, oracleVerbs, 3),
		APIGroups: pick(rng, oracleGroups, 2),
		Resources: pick(rng, oracleResources, 3),
	}
	if rng.IntN(3) == 0 {
		r.ResourceNames = pick(rng, oracleNames, 2)
	}
	if rng.IntN(20) == 0 {
		r.NonResourceURLs = l("*")
		if rng.IntN(2) == 0 {
			r.Resources = nil
		}
	}
	return r
}

func TestOracle(t *testing.T) {
	rng := rand.New(rand.NewPCG(42, 4242))
	iterations := 20000
	if testing.Short() {
		iterations = 2000
	}
	covered := map[Ability]int{}
	for it := range iterations {
		rules := make([]rbacv1.PolicyRule, 1+rng.IntN(4))
		for i := range rules {
			rules[i] = randomRule(rng)
		}
		crs := []*rbacv1.ClusterRole{crole("r", rules...)}
		res := Evaluate(nil, crs,
			[]*rbacv1.RoleBinding{rb("default", "b", "ClusterRole", "r", user("u")), rb("kube-system", "b", "ClusterRole", "r", user("u"))},
			[]*rbacv1.ClusterRoleBinding{crb("b", "r", user("u"))})
		got := map[string]map[Ability]oracleGrant{"": {}, "default": {}, "kube-system": {}}
		for _, g := range res.Grants {
			got[g.Namespace][g.Ability] = oracleGrant{rule: g.Rule, names: g.Names}
		}
		for ns, gotNS := range got {
			want := oracle(rules, ns)
			if !reflect.DeepEqual(gotNS, want) {
				t.Fatalf("iteration %d, binding namespace %q, rules %+v:\n got %+v\nwant %+v", it, ns, rules, gotNS, want)
			}
			for a := range want {
				covered[a]++
			}
		}
	}
	for _, a := range Abilities {
		if covered[a] == 0 {
			t.Errorf("ability %s never granted by the random rules", a)
		}
	}
	t.Logf("grants checked per ability: %v", covered)
}

// TestRuleGrantsOracle checks RuleGrants, the single-rule form other
// packages use (rbac.Allows), against the authorizer's RuleAllows on every
// request of every ability, random rules.
func TestRuleGrantsOracle(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 77))
	iterations := 20000
	if testing.Short() {
		iterations = 2000
	}
	var all []request
	for _, a := range Abilities {
		all = append(all, oracleRequests[a]...)
	}
	seen := map[string]int{}
	for it := range iterations {
		r := randomRule(rng)
		probes := []string{unlisted}
		for _, n := range r.ResourceNames {
			if n != "" && !slices.Contains(probes, n) {
				probes = append(probes, n)
			}
		}
		for _, q := range all {
			combined := q.resource
			if q.sub != "" {
				combined += "/" + q.sub
			}
			unrestricted := false
			var named []string
			for _, n := range requestNames(q, probes) {
				if !ruleAllows(&r, q, n) {
					continue
				}
				if n == "" || n == unlisted {
					unrestricted = true
				} else {
					named = append(named, n)
				}
			}
			slices.Sort(named)
			names, ok := RuleGrants(&r, q.group, combined, q.verb)
			switch {
			case unrestricted:
				if !ok || names != nil {
					t.Fatalf("iteration %d, rule %+v, %s %s/%s: RuleGrants = %q, %v; want every object", it, r, q.verb, q.group, combined, names, ok)
				}
				seen["every object"]++
			case named != nil:
				if !ok || !reflect.DeepEqual(names, slices.Compact(named)) {
					t.Fatalf("iteration %d, rule %+v, %s %s/%s: RuleGrants = %q, %v; want %q", it, r, q.verb, q.group, combined, names, ok, named)
				}
				seen["named"]++
			default:
				if ok {
					t.Fatalf("iteration %d, rule %+v, %s %s/%s: RuleGrants = %q, true; want not granted", it, r, q.verb, q.group, combined, names)
				}
			}
		}
	}
	if seen["every object"] == 0 || seen["named"] == 0 {
		t.Errorf("random rules never exercised both outcomes: %v", seen)
	}
	t.Logf("outcomes: %v", seen)
}
