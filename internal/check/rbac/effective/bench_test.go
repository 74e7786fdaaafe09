package effective

import (
	"fmt"
	"math/rand/v2"
	"syscall"
	"testing"

	rbacv1 "k8s.io/api/rbac/v1"
)

// ruleVocabulary is a mix of harmless and dangerous rules, harmless ones
// repeated so most roles hold few or no abilities, as in real clusters.
var ruleVocabulary = []rbacv1.PolicyRule{
	rule(core, l("configmaps"), l("get", "list", "watch")),
	rule(core, l("pods", "services", "endpoints"), l("get", "list", "watch")),
	rule(l("apps"), l("deployments", "replicasets"), l("get", "list", "watch")),
	rule(l("coordination.k8s.io"), l("leases"), l("get", "create", "update")),
	rule(core, l("events"), l("create", "patch")),
	rule(l("batch"), l("jobs"), l("get", "list")),
	rule(l("networking.k8s.io"), l("ingresses", "networkpolicies"), l("*")),
	rule(core, l("configmaps"), l("get", "list", "watch")),
	rule(core, l("pods/log"), l("get")),
	rule(l("example.com"), l("widgets", "widgets/status"), l("*")),
	{NonResourceURLs: l("/metrics", "/healthz"), Verbs: l("get")},
	rule(core, l("secrets"), l("get", "list", "watch")),
	rule(core, l("secrets"), l("get"), "tls-cert", "db-password"),
	rule(core, l("pods/exec", "pods/attach"), l("create")),
	rule(l("apps"), l("deployments"), l("create", "update", "patch")),
	rule(core, l("serviceaccounts/token"), l("create")),
	rule(l(rbacv1.GroupName), l("roles", "rolebindings"), l("*")),
	rule(core, l("serviceaccounts"), l("impersonate")),
	rule(core, l("nodes/proxy"), l("get")),
	rule(l("admissionregistration.k8s.io"), l("validatingwebhookconfigurations"), l("create", "update")),
	rule(l("certificates.k8s.io"), l("certificatesigningrequests/approval"), l("update")),
	rule(l("*"), l("*"), l("*")),
}

// benign is the number of leading harmless entries of ruleVocabulary.
const benign = 11

func randomRules(rng *rand.Rand) []rbacv1.PolicyRule {
	n := 2 + rng.IntN(6)
	rules := make([]rbacv1.PolicyRule, n)
	for i := range rules {
		if rng.IntN(100) < 6 { // a few dangerous rules
			rules[i] = ruleVocabulary[benign+rng.IntN(len(ruleVocabulary)-benign)]
		} else {
			rules[i] = ruleVocabulary[rng.IntN(benign)]
		}
	}
	return rules
}

func randomSubjects(rng *rand.Rand, nss []string) []rbacv1.Subject {
	n := 1 + rng.IntN(3)
	out := make([]rbacv1.Subject, n)
	for i := range out {
		switch rng.IntN(4) {
		case 0:
			out[i] = user(fmt.Sprintf("user-%d", rng.IntN(300)))
		case 1:
			out[i] = group(fmt.Sprintf("group-%d", rng.IntN(50)))
		case 2:
			out[i] = sa("", fmt.Sprintf("sa-%d", rng.IntN(20)))
		default:
			out[i] = sa(nss[rng.IntN(len(nss))], fmt.Sprintf("sa-%d", rng.IntN(20)))
		}
	}
	return out
}

// generate builds a synthetic cluster: nRoles Roles over nRoles/10
// namespaces (plus kube-system), nClusterRoles ClusterRoles including the
// built-in admin/edit/view aggregation and a few custom aggregated roles,
// nRB RoleBindings (70% to Roles, some dangling) and nCRB
// ClusterRoleBindings.
func generate(nRoles, nClusterRoles, nRB, nCRB int, seed uint64) ([]*rbacv1.Role, []*rbacv1.ClusterRole, []*rbacv1.RoleBinding, []*rbacv1.ClusterRoleBinding) {
	rng := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	nss := []string{"kube-system"}
	for i := range max(1, nRoles/10) {
		nss = append(nss, fmt.Sprintf("ns-%d", i))
	}
	rolesByNS := map[string][]string{}
	roles := make([]*rbacv1.Role, nRoles)
	for i := range roles {
		ns := nss[i%len(nss)]
		name := fmt.Sprintf("role-%d", i)
		roles[i] = role(ns, name, randomRules(rng)...)
		rolesByNS[ns] = append(rolesByNS[ns], name)
	}
	crs := builtinAggregation(true)
	for i := len(crs); i < nClusterRoles; i++ {
		name := fmt.Sprintf("clusterrole-%d", i)
		switch {
		case i%50 == 0:
			crs = append(crs, aggregated(name, nil, []map[string]string{{"agg": fmt.Sprint(i % 7)}}))
		case i%5 == 0:
			crs = append(crs, labelled(name, map[string]string{"agg": fmt.Sprint(i % 7)}, randomRules(rng)...))
		default:
			crs = append(crs, crole(name, randomRules(rng)...))
		}
	}
	rbs := make([]*rbacv1.RoleBinding, nRB)
	for i := range rbs {
		ns := nss[rng.IntN(len(nss))]
		name := fmt.Sprintf("rb-%d", i)
		switch r := rng.IntN(100); {
		case r < 70 && len(rolesByNS[ns]) > 0:
			rbs[i] = rb(ns, name, "Role", rolesByNS[ns][rng.IntN(len(rolesByNS[ns]))], randomSubjects(rng, nss)...)
		case r < 72:
			rbs[i] = rb(ns, name, "Role", "missing", randomSubjects(rng, nss)...)
		default:
			rbs[i] = rb(ns, name, "ClusterRole", crs[rng.IntN(len(crs))].Name, randomSubjects(rng, nss)...)
		}
	}
	crbs := make([]*rbacv1.ClusterRoleBinding, nCRB)
	for i := range crbs {
		crbs[i] = crb(fmt.Sprintf("crb-%d", i), crs[rng.IntN(len(crs))].Name, randomSubjects(rng, nss)...)
		if i%10 == 0 {
			crbs[i].Subjects[0] = sa(nss[rng.IntN(len(nss))], "controller")
		}
	}
	return roles, crs, rbs, crbs
}

// BenchmarkEvaluate: 2,000 Roles, 500 ClusterRoles, 10,000 RoleBindings,
// 500 ClusterRoleBindings.
func BenchmarkEvaluate(b *testing.B) {
	roles, crs, rbs, crbs := generate(2000, 500, 10000, 500, 1)
	b.ReportAllocs()
	var res Result
	start := cpuTime()
	for b.Loop() {
		res = Evaluate(roles, crs, rbs, crbs)
	}
	// CPU time (all threads, GC included) is reported too: ns/op is wall
	// time and inflates on a loaded machine.
	b.ReportMetric(float64(cpuTime()-start)/float64(b.N), "cpu-ns/op")
	b.ReportMetric(float64(len(res.Grants)), "grants")
}

// cpuTime is the process's user+system CPU time in nanoseconds.
func cpuTime() int64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return ru.Utime.Nano() + ru.Stime.Nano()
}
