package effective

import (
	"math/rand/v2"
	"reflect"
	"slices"
	"testing"

	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// scopes a single role is bound at in TestAbilities.
const (
	clusterWide = "<cluster>"
	inDefault   = "default"
	inKubeSys   = "kube-system"
)

// abilitiesFor binds a ClusterRole with rules to alice at scope and returns
// the abilities she gets.
func abilitiesFor(scope string, rules ...rbacv1.PolicyRule) []Ability {
	crs := []*rbacv1.ClusterRole{crole("r", rules...)}
	var g []Grant
	if scope == clusterWide {
		g = Analyze(nil, crs, nil, []*rbacv1.ClusterRoleBinding{crb("b", "r", user("alice"))})
	} else {
		g = Analyze(nil, crs, []*rbacv1.RoleBinding{rb(scope, "b", "ClusterRole", "r", user("alice"))}, nil)
	}
	return abilitiesOf(g)
}

func TestAbilities(t *testing.T) {
	const (
		RS, EP, CP, Esc, Bd, Imp = ReadSecrets, ExecPods, CreatePodsKubeSystem, Escalate, Bind, Impersonate
		CSR, WW, NP, TR, All     = ApproveCSR, WriteWebhooks, NodesProxy, TokenRequest, ClusterAdmin
	)
	A := func(as ...Ability) []Ability { return as }
	rbacG := l(rbacv1.GroupName)
	adm := l("admissionregistration.k8s.io")
	csr := l("certificates.k8s.io")
	type rules = []rbacv1.PolicyRule
	// cluster: abilities through a ClusterRoleBinding; ns: through a
	// RoleBinding in namespace default. In kube-system a RoleBinding gives ns
	// plus create-pods-kube-system when the cluster-wide grant has it.
	tests := []struct {
		name        string
		rules       rules
		cluster, ns []Ability
	}{
		// read-secrets
		{"get secrets", rules{rule(core, l("secrets"), l("get"))}, A(RS), A(RS)},
		{"list secrets", rules{rule(core, l("secrets"), l("list"))}, A(RS), A(RS)},
		{"watch secrets", rules{rule(core, l("secrets"), l("watch"))}, A(RS), A(RS)},
		{"write secrets", rules{rule(core, l("secrets"), l("create", "update", "delete"))}, nil, nil},
		{"secrets in another group", rules{rule(l("apps"), l("secrets"), l("get"))}, nil, nil},
		{"secrets in * group", rules{rule(l("*"), l("secrets"), l("get"))}, A(RS), A(RS)},
		{"secrets subresource only", rules{rule(core, l("secrets/status"), l("get"))}, nil, nil},
		{"no apiGroups", rules{rule(nil, l("secrets"), l("get"))}, nil, nil},
		{"no verbs", rules{rule(core, l("secrets"), nil)}, nil, nil},
		// exec-pods
		{"create pods/exec", rules{rule(core, l("pods/exec"), l("create"))}, A(EP), A(EP)},
		{"get pods/attach", rules{rule(core, l("pods/attach"), l("get"))}, A(EP), A(EP)},
		{"*/exec", rules{rule(core, l("*/exec"), l("create"))}, A(EP), A(EP)},
		{"*/attach", rules{rule(core, l("*/attach"), l("get"))}, A(EP), A(EP)},
		{"update pods/exec", rules{rule(core, l("pods/exec"), l("update", "patch"))}, nil, nil},
		{"pods do not cover pods/exec", rules{rule(core, l("pods"), l("*"))}, A(CP), nil},
		{"pods/log", rules{rule(core, l("pods/log"), l("get", "create"))}, nil, nil},
		{"create pods/portforward", rules{rule(core, l("pods/portforward"), l("create"))}, A(EP), A(EP)},
		{"get pods/proxy", rules{rule(core, l("pods/proxy"), l("get"))}, A(EP), A(EP)},
		{"* resources", rules{rule(core, l("*"), l("get"))}, A(EP, NP, RS), A(EP, RS)},
		// pods/* is no wildcard for the RBAC authorizer (ResourceMatches in
		// k8s.io/kubernetes/pkg/apis/rbac/v1 matches "*", the exact
		// resource and "*/subresource" only): it grants no subresource.
		{"pods/* is literal", rules{rule(core, l("pods/*"), l("get", "create"))}, nil, nil},
		{"*/* matches no subresource", rules{rule(l("*"), l("*/*"), l("*"))}, nil, nil},
		{"exec in apps", rules{rule(l("apps"), l("pods/exec"), l("create"))}, nil, nil},
		// create-pods-kube-system
		{"create pods", rules{rule(core, l("pods"), l("create"))}, A(CP), nil},
		{"create deployments", rules{rule(l("apps"), l("deployments"), l("create"))}, A(CP), nil},
		{"create daemonsets statefulsets replicasets", rules{rule(l("apps"), l("daemonsets", "statefulsets", "replicasets"), l("create"))}, A(CP), nil},
		{"create jobs", rules{rule(l("batch"), l("jobs"), l("create"))}, A(CP), nil},
		{"create cronjobs", rules{rule(l("batch"), l("cronjobs"), l("create"))}, A(CP), nil},
		{"create replicationcontrollers", rules{rule(core, l("replicationcontrollers"), l("create"))}, A(CP), nil},
		{"deployments in extensions", rules{rule(l("extensions"), l("deployments"), l("create"))}, nil, nil},
		{"deployments in core", rules{rule(core, l("deployments"), l("create"))}, nil, nil},
		{"update deployments", rules{rule(l("apps"), l("deployments"), l("update", "patch"))}, nil, nil},
		{"create services", rules{rule(core, l("services", "configmaps"), l("create"))}, nil, nil},
		// escalate, bind
		{"escalate roles", rules{rule(rbacG, l("roles"), l("escalate"))}, A(Esc), A(Esc)},
		{"escalate clusterroles", rules{rule(rbacG, l("clusterroles"), l("escalate"))}, A(Esc), nil},
		{"escalate in core", rules{rule(core, l("roles", "clusterroles"), l("escalate"))}, nil, nil},
		{"bind roles", rules{rule(rbacG, l("roles"), l("bind"))}, A(Bd), A(Bd)},
		{"bind clusterroles", rules{rule(rbacG, l("clusterroles"), l("bind"))}, A(Bd), A(Bd)},
		{"write bindings", rules{rule(rbacG, l("rolebindings", "clusterrolebindings", "roles"), l("create", "update"))}, nil, nil},
		{"* on rbac", rules{rule(rbacG, l("*"), l("*"))}, A(Bd, Esc), A(Bd, Esc)},
		// impersonate
		{"impersonate users", rules{rule(core, l("users"), l("impersonate"))}, A(Imp), nil},
		{"impersonate groups", rules{rule(core, l("groups"), l("impersonate"))}, A(Imp), nil},
		{"impersonate serviceaccounts", rules{rule(core, l("serviceaccounts"), l("impersonate"))}, A(Imp), A(Imp)},
		{"impersonate uids", rules{rule(l("authentication.k8s.io"), l("uids"), l("impersonate"))}, A(Imp), nil},
		{"impersonate uids in core", rules{rule(core, l("uids"), l("impersonate"))}, nil, nil},
		{"impersonate userextras", rules{rule(l("authentication.k8s.io"), l("userextras/scopes"), l("impersonate"))}, nil, nil},
		{"read users", rules{rule(core, l("users", "groups"), l("get", "list"))}, nil, nil},
		// approve-csr
		{"approve csr", rules{rule(csr, l("certificatesigningrequests/approval"), l("update"))}, A(CSR), nil},
		{"patch */approval", rules{rule(csr, l("*/approval"), l("patch"))}, A(CSR), nil},
		{"csr without subresource", rules{rule(csr, l("certificatesigningrequests"), l("update", "create"))}, nil, nil},
		{"approval in core", rules{rule(core, l("certificatesigningrequests/approval"), l("update"))}, nil, nil},
		{"approve verb on signers", rules{rule(csr, l("signers"), l("approve"))}, nil, nil},
		// write-webhooks
		{"create validating webhooks", rules{rule(adm, l("validatingwebhookconfigurations"), l("create"))}, A(WW), nil},
		{"patch mutating webhooks", rules{rule(adm, l("mutatingwebhookconfigurations"), l("patch"))}, A(WW), nil},
		{"delete webhooks", rules{rule(adm, l("mutatingwebhookconfigurations"), l("delete"))}, A(WW), nil},
		{"deletecollection webhooks", rules{rule(adm, l("validatingwebhookconfigurations"), l("deletecollection"))}, A(WW), nil},
		{"read webhooks", rules{rule(adm, l("validatingwebhookconfigurations", "mutatingwebhookconfigurations"), l("get", "list", "watch"))}, nil, nil},
		{"write admission policies", rules{rule(adm, l("validatingadmissionpolicies"), l("create"))}, nil, nil},
		// nodes-proxy
		{"get nodes/proxy", rules{rule(core, l("nodes/proxy"), l("get"))}, A(NP), nil},
		{"create nodes/proxy", rules{rule(core, l("nodes/proxy"), l("create"))}, A(NP), nil},
		{"get */proxy", rules{rule(core, l("*/proxy"), l("get"))}, A(EP, NP), A(EP)},
		{"nodes without proxy", rules{rule(core, l("nodes", "nodes/stats", "nodes/metrics"), l("*"))}, nil, nil},
		{"list nodes/proxy", rules{rule(core, l("nodes/proxy"), l("list", "watch"))}, nil, nil},
		// create-tokens
		{"create serviceaccounts/token", rules{rule(core, l("serviceaccounts/token"), l("create"))}, A(TR), A(TR)},
		{"read serviceaccounts/token", rules{rule(core, l("serviceaccounts/token"), l("get", "list"))}, nil, nil},
		{"create serviceaccounts", rules{rule(core, l("serviceaccounts"), l("create"))}, nil, nil},
		// all and wildcards
		{"* * *", rules{rule(l("*"), l("*"), l("*"))}, slices.Clone(Abilities), A(All, Bd, TR, Esc, EP, Imp, RS)},
		{"* in core", rules{rule(core, l("*"), l("*"))}, A(CP, TR, EP, Imp, NP, RS), A(TR, EP, Imp, RS)},
		{"every verb listed is not *", rules{rule(l("*"), l("*"), l("get", "list", "watch", "create", "update", "patch", "delete"))}, A(CSR, CP, TR, EP, NP, RS, WW), A(TR, EP, RS)},
		{"get on everything", rules{rule(l("*"), l("*"), l("get"))}, A(EP, NP, RS), A(EP, RS)},
		{"nonResourceURLs", rules{{NonResourceURLs: l("*"), Verbs: l("*")}}, nil, nil},
		{"nonResourceURLs with groups", rules{{NonResourceURLs: l("/api/*"), Verbs: l("*"), APIGroups: l("*")}}, nil, nil},
		{"empty rule", rules{{}}, nil, nil},
		{"no rules", nil, nil, nil},
		{"several rules", rules{rule(core, l("configmaps"), l("*")), rule(core, l("secrets"), l("get")), rule(rbacG, l("clusterroles"), l("bind"))}, A(Bd, RS), A(Bd, RS)},
	}
	for _, tc := range tests {
		ks := slices.Clone(tc.ns)
		if slices.Contains(tc.cluster, CP) {
			ks = append(ks, CP)
		}
		for _, c := range []struct {
			scope string
			want  []Ability
		}{{clusterWide, tc.cluster}, {inDefault, tc.ns}, {inKubeSys, ks}} {
			want := slices.Clone(c.want)
			slices.Sort(want)
			if len(want) == 0 {
				want = nil
			}
			if got := abilitiesFor(c.scope, tc.rules...); !reflect.DeepEqual(got, want) {
				t.Errorf("%s at %s: got %v, want %v", tc.name, c.scope, got, want)
			}
		}
	}
}

func TestAbilitiesSorted(t *testing.T) {
	if !slices.IsSorted(Abilities) || len(Abilities) != len(defs) {
		t.Fatalf("Abilities must list every ability sorted: %v", Abilities)
	}
	for i, d := range defs {
		if d.ability != Abilities[i] {
			t.Fatalf("defs[%d] = %s, Abilities[%d] = %s", i, d.ability, i, Abilities[i])
		}
	}
}

func TestResourceNames(t *testing.T) {
	tests := []struct {
		name      string
		rules     []rbacv1.PolicyRule
		ability   Ability
		wantNames []string // nil: unrestricted
		wantRule  int      // -1: not granted
	}{
		{"get named secrets", []rbacv1.PolicyRule{rule(core, l("secrets"), l("get"), "b", "a")}, ReadSecrets, l("a", "b"), 0},
		{"names unioned across rules", []rbacv1.PolicyRule{rule(core, l("secrets"), l("get"), "b"), rule(core, l("configmaps"), l("get")), rule(core, l("secrets"), l("watch"), "c", "b")}, ReadSecrets, l("b", "c"), 0},
		{"unrestricted rule wins", []rbacv1.PolicyRule{rule(core, l("secrets"), l("get"), "x"), rule(core, l("secrets"), l("list"))}, ReadSecrets, nil, 1},
		{"create pods with names never matches", []rbacv1.PolicyRule{rule(core, l("pods"), l("create"), "p")}, CreatePodsKubeSystem, nil, -1},
		{"create with empty name matches", []rbacv1.PolicyRule{rule(core, l("pods"), l("create"), "")}, CreatePodsKubeSystem, nil, 0},
		{"list with empty name is a full list", []rbacv1.PolicyRule{rule(core, l("secrets"), l("list"), "", "x")}, ReadSecrets, nil, 0},
		{"get with empty name stays restricted", []rbacv1.PolicyRule{rule(core, l("secrets"), l("get"), "", "x")}, ReadSecrets, l("x"), 0},
		{"get with only the empty name", []rbacv1.PolicyRule{rule(core, l("secrets"), l("get"), "")}, ReadSecrets, nil, -1},
		{"exec into named pods", []rbacv1.PolicyRule{rule(core, l("pods/exec"), l("create"), "debug")}, ExecPods, l("debug"), 0},
		{"token for named SA", []rbacv1.PolicyRule{rule(core, l("serviceaccounts/token"), l("create"), "builder")}, TokenRequest, l("builder"), 0},
		{"bind named clusterrole", []rbacv1.PolicyRule{rule(l(rbacv1.GroupName), l("clusterroles"), l("bind"), "view")}, Bind, l("view"), 0},
		{"webhook create with names", []rbacv1.PolicyRule{rule(l("admissionregistration.k8s.io"), l("validatingwebhookconfigurations"), l("create", "deletecollection"), "w")}, WriteWebhooks, nil, -1},
		{"webhook update with names", []rbacv1.PolicyRule{rule(l("admissionregistration.k8s.io"), l("validatingwebhookconfigurations"), l("create", "update"), "w")}, WriteWebhooks, l("w"), 0},
		{"all with names", []rbacv1.PolicyRule{rule(l("*"), l("*"), l("*"), "n")}, ClusterAdmin, l("n"), 0},
		{"first granting rule index", []rbacv1.PolicyRule{rule(core, l("pods"), l("get")), rule(core, l("configmaps"), l("*")), rule(core, l("secrets"), l("*")), rule(l("*"), l("*"), l("*"))}, ReadSecrets, nil, 2},
	}
	for _, tc := range tests {
		g := Analyze(nil, []*rbacv1.ClusterRole{crole("r", tc.rules...)}, nil, []*rbacv1.ClusterRoleBinding{crb("b", "r", user("u"))})
		i := slices.IndexFunc(g, func(g Grant) bool { return g.Ability == tc.ability })
		if tc.wantRule < 0 {
			if i >= 0 {
				t.Errorf("%s: unexpected grant %+v", tc.name, g[i])
			}
			continue
		}
		if i < 0 {
			t.Errorf("%s: no %s grant in %+v", tc.name, tc.ability, g)
			continue
		}
		if !reflect.DeepEqual(g[i].Names, tc.wantNames) || g[i].Rule != tc.wantRule {
			t.Errorf("%s: names %q rule %d, want %q rule %d", tc.name, g[i].Names, g[i].Rule, tc.wantNames, tc.wantRule)
		}
	}
}

func TestRuleGrants(t *testing.T) {
	tests := []struct {
		name                  string
		rule                  rbacv1.PolicyRule
		group, resource, verb string
		names                 []string // nil: every object
		ok                    bool
	}{
		{"no names: every object", rule(core, l("secrets"), l("get")), "", "secrets", "get", nil, true},
		{"named get", rule(core, l("secrets"), l("get"), "b", "a", "b"), "", "secrets", "get", l("a", "b"), true},
		{"named list (metadata.name field selector)", rule(core, l("secrets"), l("list"), "a"), "", "secrets", "list", l("a"), true},
		{"list with the empty name lists everything", rule(core, l("secrets"), l("list"), "", "a"), "", "secrets", "list", nil, true},
		{"get with the empty name stays named", rule(core, l("secrets"), l("get"), "", "a"), "", "secrets", "get", l("a"), true},
		{"get with only the empty name grants nothing", rule(core, l("secrets"), l("get"), ""), "", "secrets", "get", nil, false},
		{"create pods with names grants nothing", rule(core, l("pods"), l("create"), "p"), "", "pods", "create", nil, false},
		{"create on a subresource is named", rule(core, l("pods/exec"), l("create"), "debug"), "", "pods/exec", "create", l("debug"), true},
		{"*/subresource with names", rule(core, l("*/exec"), l("*"), "debug"), "", "pods/exec", "get", l("debug"), true},
		{"deletecollection with names grants nothing", rule(l("admissionregistration.k8s.io"), l("validatingwebhookconfigurations"), l("deletecollection"), "w"),
			"admissionregistration.k8s.io", "validatingwebhookconfigurations", "deletecollection", nil, false},
		{"other verb", rule(core, l("secrets"), l("get")), "", "secrets", "list", nil, false},
		{"non-resource rule", rbacv1.PolicyRule{NonResourceURLs: l("*"), Verbs: l("*")}, "", "secrets", "get", nil, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			names, ok := RuleGrants(&tc.rule, tc.group, tc.resource, tc.verb)
			if ok != tc.ok || !reflect.DeepEqual(names, tc.names) {
				t.Errorf("RuleGrants = %q, %v; want %q, %v", names, ok, tc.names, tc.ok)
			}
		})
	}
}

func TestGrantsAndScoping(t *testing.T) {
	roles := []*rbacv1.Role{
		role("team", "secret-reader", rule(core, l("secrets"), l("get", "list"))),
		role("kube-system", "deployer", rule(l("apps"), l("deployments"), l("create"))),
		role("other", "secret-reader", rule(core, l("configmaps"), l("get"))),
	}
	crs := []*rbacv1.ClusterRole{
		crole("exec", rule(core, l("pods/exec"), l("create"))),
		crole("cluster-admin", rule(l("*"), l("*"), l("*")), rbacv1.PolicyRule{NonResourceURLs: l("*"), Verbs: l("*")}),
	}
	rbs := []*rbacv1.RoleBinding{
		rb("team", "read", "Role", "secret-reader", sa("", "app"), user("bob")),
		rb("team", "exec", "ClusterRole", "exec", sa("ci", "runner"), group("devs")),
		rb("kube-system", "deploy", "Role", "deployer", sa("", "ci")),
		rb("other", "read", "Role", "secret-reader", sa("", "app")), // other's role has no secrets
	}
	crbs := []*rbacv1.ClusterRoleBinding{
		crb("admins", "cluster-admin", group("system:masters")),
		crb("ops-exec", "exec", user("ops"), user("system:serviceaccount:tools:debugger")),
	}
	got := Analyze(roles, crs, rbs, crbs)
	want := []Grant{
		{Subject: G("devs"), Ability: ExecPods, Namespace: "team", Binding: "RoleBinding/team/exec", Role: "ClusterRole/exec"},
	}
	for _, a := range Abilities {
		want = append(want, Grant{Subject: G("system:masters"), Ability: a, Binding: "ClusterRoleBinding/admins", Role: "ClusterRole/cluster-admin"})
	}
	want = append(want,
		Grant{Subject: SA("ci", "runner"), Ability: ExecPods, Namespace: "team", Binding: "RoleBinding/team/exec", Role: "ClusterRole/exec"},
		Grant{Subject: SA("kube-system", "ci"), Ability: CreatePodsKubeSystem, Namespace: "kube-system", Binding: "RoleBinding/kube-system/deploy", Role: "Role/kube-system/deployer"},
		Grant{Subject: SA("team", "app"), Ability: ReadSecrets, Namespace: "team", Binding: "RoleBinding/team/read", Role: "Role/team/secret-reader"},
		Grant{Subject: SA("tools", "debugger"), Ability: ExecPods, Binding: "ClusterRoleBinding/ops-exec", Role: "ClusterRole/exec"},
		Grant{Subject: U("bob"), Ability: ReadSecrets, Namespace: "team", Binding: "RoleBinding/team/read", Role: "Role/team/secret-reader"},
		Grant{Subject: U("ops"), Ability: ExecPods, Binding: "ClusterRoleBinding/ops-exec", Role: "ClusterRole/exec"},
	)
	if !reflect.DeepEqual(got, want) {
		t.Errorf("grants:\n got %s\nwant %s", dump(got), dump(want))
	}
}

func dump(gs []Grant) string {
	s := ""
	for _, g := range gs {
		s += "\n  " + g.Subject.String() + " " + string(g.Ability) + " ns=" + g.Namespace + " " + g.Binding + " " + g.Role
	}
	return s
}

func TestDefaultServiceAccountNamespace(t *testing.T) {
	crs := []*rbacv1.ClusterRole{crole("reader", rule(core, l("secrets"), l("get")))}
	rbs := []*rbacv1.RoleBinding{
		rb("apps", "defaulted", "ClusterRole", "reader", sa("", "web")),
		rb("apps", "explicit", "ClusterRole", "reader", sa("elsewhere", "job")),
		rb("apps", "user-and-group-ns-ignored", "ClusterRole", "reader", rbacv1.Subject{Kind: "User", Name: "carol", Namespace: "x"}, rbacv1.Subject{Kind: "Group", Name: "g", Namespace: "x"}),
	}
	crbs := []*rbacv1.ClusterRoleBinding{
		crb("no-ns", "reader", sa("", "orphan"), rbacv1.Subject{Kind: "Robot", Name: "r2"}, user("")),
		crb("with-ns", "reader", sa("batch", "worker")),
	}
	res := Evaluate(nil, crs, rbs, crbs)
	var subjects []string
	for _, g := range res.Grants {
		subjects = append(subjects, g.Subject.String()+"@"+g.Namespace)
	}
	wantSubjects := []string{"Group g@apps", "ServiceAccount apps/web@apps", "ServiceAccount batch/worker@", "ServiceAccount elsewhere/job@apps", "User carol@apps"}
	if !reflect.DeepEqual(subjects, wantSubjects) {
		t.Errorf("subjects %q, want %q", subjects, wantSubjects)
	}
	wantIgnored := []string{
		`ClusterRoleBinding/no-ns: Robot "r2" of unsupported kind`,
		`ClusterRoleBinding/no-ns: ServiceAccount "orphan" without namespace`,
		`ClusterRoleBinding/no-ns: User "" without name`,
	}
	if !reflect.DeepEqual(res.Ignored, wantIgnored) {
		t.Errorf("ignored %q, want %q", res.Ignored, wantIgnored)
	}
}

func TestServiceAccountUserNames(t *testing.T) {
	for name, want := range map[string]Subject{
		"system:serviceaccount:ns:sa":  SA("ns", "sa"),
		"system:serviceaccount:ns":     U("system:serviceaccount:ns"),
		"system:serviceaccount::sa":    U("system:serviceaccount::sa"),
		"system:serviceaccount:ns:a:b": U("system:serviceaccount:ns:a:b"),
		"system:serviceaccounts:ns":    U("system:serviceaccounts:ns"),
		"alice":                        U("alice"),
	} {
		got, ok := normalize(user(name), "")
		if !ok || got != want {
			t.Errorf("normalize(User %q) = %v %v, want %v", name, got, ok, want)
		}
	}
}

func TestDangling(t *testing.T) {
	roles := []*rbacv1.Role{role("a", "r", rule(core, l("secrets"), l("get")))}
	crs := []*rbacv1.ClusterRole{crole("c", rule(core, l("secrets"), l("get")))}
	rbs := []*rbacv1.RoleBinding{
		rb("a", "ok-role", "Role", "r", user("u")),
		rb("a", "ok-clusterrole", "ClusterRole", "c", user("u")),
		rb("b", "role-of-other-namespace", "Role", "r", user("u")),
		rb("a", "missing-clusterrole", "ClusterRole", "gone", user("u")),
		rb("a", "bad-kind", "Group", "r", user("u")),
	}
	crbs := []*rbacv1.ClusterRoleBinding{
		crb("ok", "c", user("u")),
		crb("missing", "nope", user("u")),
		{ObjectMeta: metav1.ObjectMeta{Name: "to-role"}, RoleRef: rbacv1.RoleRef{Kind: "Role", Name: "r"}, Subjects: []rbacv1.Subject{user("u")}},
	}
	want := []string{
		"ClusterRoleBinding/missing -> ClusterRole/nope: not found",
		"ClusterRoleBinding/to-role -> Role/r: a ClusterRoleBinding can only reference a ClusterRole",
		"RoleBinding/a/bad-kind -> Group/r: unsupported roleRef kind",
		"RoleBinding/a/missing-clusterrole -> ClusterRole/gone: not found",
		"RoleBinding/b/role-of-other-namespace -> Role/b/r: not found",
	}
	res := Evaluate(roles, crs, rbs, crbs)
	if !reflect.DeepEqual(res.Dangling, want) {
		t.Errorf("Evaluate dangling:\n%q\nwant\n%q", res.Dangling, want)
	}
	if got := Dangling(roles, crs, rbs, crbs); !reflect.DeepEqual(got, want) {
		t.Errorf("Dangling:\n%q\nwant\n%q", got, want)
	}
	var bindings []string
	for _, g := range res.Grants {
		bindings = append(bindings, g.Binding)
	}
	if want := []string{"ClusterRoleBinding/ok", "RoleBinding/a/ok-clusterrole", "RoleBinding/a/ok-role"}; !reflect.DeepEqual(bindings, want) {
		t.Errorf("granting bindings %q, want %q", bindings, want)
	}
}

func TestRoleBindingWithoutNamespace(t *testing.T) {
	crs := []*rbacv1.ClusterRole{crole("c", rule(l("*"), l("*"), l("*")))}
	res := Evaluate(nil, crs, []*rbacv1.RoleBinding{rb("", "b", "ClusterRole", "c", user("u"))}, nil)
	if len(res.Grants) != 0 || !reflect.DeepEqual(res.Ignored, []string{"RoleBinding//b: RoleBinding without namespace"}) {
		t.Errorf("got %+v", res)
	}
	if d := Dangling(nil, nil, []*rbacv1.RoleBinding{rb("", "b", "ClusterRole", "c", user("u"))}, nil); d != nil {
		t.Errorf("Dangling = %q", d)
	}
}

func TestDuplicateBindingsFirstWins(t *testing.T) {
	roles := []*rbacv1.Role{
		role("a", "r1", rule(core, l("secrets"), l("get"))),
		role("a", "r2", rule(core, l("secrets"), l("list")), rule(core, l("pods/exec"), l("create"))),
	}
	for _, order := range [][]int{{0, 1}, {1, 0}} {
		bs := []*rbacv1.RoleBinding{rb("a", "b", "Role", "r1", user("u")), rb("a", "b", "Role", "r2", user("u"))}
		first := bs[order[0]].RoleRef.Name
		got := Analyze(roles, nil, []*rbacv1.RoleBinding{bs[order[0]], bs[order[1]]}, nil)
		if len(got) != 2 || got[0].Ability != ExecPods || got[1].Ability != ReadSecrets || got[1].Role != "Role/a/"+first {
			t.Errorf("order %v: %s", order, dump(got))
		}
	}
}

func TestNilAndDuplicateInputs(t *testing.T) {
	roles := []*rbacv1.Role{nil, role("a", "r", rule(core, l("secrets"), l("get"))), role("a", "r", rule(l("*"), l("*"), l("*")))}
	crs := []*rbacv1.ClusterRole{nil, crole("c", rule(core, l("serviceaccounts/token"), l("create"))), crole("c", rule(l("*"), l("*"), l("*")))}
	rbs := []*rbacv1.RoleBinding{nil, rb("a", "b", "Role", "r", user("u"), user("u")), rb("a", "b", "Role", "r", user("u"))}
	got := Analyze(roles, crs, rbs, []*rbacv1.ClusterRoleBinding{nil, crb("c", "c", user("v"))})
	want := []Grant{
		{Subject: U("u"), Ability: ReadSecrets, Namespace: "a", Binding: "RoleBinding/a/b", Role: "Role/a/r"},
		{Subject: U("v"), Ability: TokenRequest, Binding: "ClusterRoleBinding/c", Role: "ClusterRole/c"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %s", dump(got))
	}
}

// builtinAggregation returns the admin/edit/view pattern of the bootstrap
// policy, trimmed to characteristic rules, with stored rules left empty as
// in manifests (withStored false) or filled as the controller leaves them
// in a live cluster.
func builtinAggregation(withStored bool) []*rbacv1.ClusterRole {
	const p = "rbac.authorization.k8s.io/aggregate-to-"
	viewRules := []rbacv1.PolicyRule{rule(core, l("pods", "configmaps"), l("get", "list", "watch"))}
	editRules := []rbacv1.PolicyRule{
		rule(core, l("pods/attach", "pods/exec", "pods/portforward", "pods/proxy", "secrets"), l("get", "list", "watch")),
		rule(core, l("serviceaccounts"), l("impersonate")),
		rule(core, l("pods", "pods/attach", "pods/exec"), l("create", "delete", "update", "patch")),
		rule(l("apps"), l("deployments"), l("create", "update")),
	}
	adminRules := []rbacv1.PolicyRule{rule(l(rbacv1.GroupName), l("rolebindings", "roles"), l("create", "delete", "get", "list", "update"))}
	crdRules := []rbacv1.PolicyRule{rule(l("example.com"), l("widgets"), l("get"))}

	crs := []*rbacv1.ClusterRole{
		aggregated("view", map[string]string{p + "edit": "true"}, []map[string]string{{p + "view": "true"}}),
		aggregated("edit", map[string]string{p + "admin": "true"}, []map[string]string{{p + "edit": "true"}}),
		aggregated("admin", nil, []map[string]string{{p + "admin": "true"}}),
		labelled("system:aggregate-to-view", map[string]string{p + "view": "true"}, viewRules...),
		labelled("system:aggregate-to-edit", map[string]string{p + "edit": "true"}, editRules...),
		labelled("system:aggregate-to-admin", map[string]string{p + "admin": "true"}, adminRules...),
		labelled("widgets-view", map[string]string{p + "view": "true", p + "edit": "true"}, crdRules...),
	}
	if withStored {
		view := slices.Concat(viewRules, crdRules)
		edit := slices.Concat(editRules, crdRules, viewRules)
		crs[0].Rules = view
		crs[1].Rules = edit
		crs[2].Rules = slices.Concat(edit, adminRules)
	}
	return crs
}

func TestAggregationBuiltinPattern(t *testing.T) {
	for _, stored := range []bool{false, true} {
		crs := builtinAggregation(stored)
		rbs := []*rbacv1.RoleBinding{
			rb("team", "viewers", "ClusterRole", "view", group("viewers")),
			rb("team", "editors", "ClusterRole", "edit", group("editors")),
			rb("kube-system", "admins", "ClusterRole", "admin", group("admins")),
		}
		res := Evaluate(nil, crs, rbs, nil)
		byGroup := map[string][]Ability{}
		for _, g := range res.Grants {
			byGroup[g.Subject.Name] = append(byGroup[g.Subject.Name], g.Ability)
		}
		want := map[string][]Ability{
			"editors": {ExecPods, Impersonate, ReadSecrets},
			"admins":  {CreatePodsKubeSystem, ExecPods, Impersonate, ReadSecrets},
		}
		if !reflect.DeepEqual(byGroup, want) {
			t.Errorf("stored=%v: got %v, want %v", stored, byGroup, want)
		}
		// Rule indexes point into the expanded rules; with stored rules they
		// are the stored indexes.
		for _, g := range res.Grants {
			if g.Subject.Name == "editors" && g.Ability == Impersonate && g.Rule != 1 {
				t.Errorf("stored=%v: impersonate rule %d, want 1", stored, g.Rule)
			}
		}
	}
}

func TestAggregationExpansion(t *testing.T) {
	sel := func(k string) []map[string]string { return []map[string]string{{k: "true"}} }
	lb := func(k string) map[string]string { return map[string]string{k: "true"} }
	secrets := rule(core, l("secrets"), l("get"))
	exec := rule(core, l("pods/exec"), l("create"))
	tokens := rule(core, l("serviceaccounts/token"), l("create"))
	tests := []struct {
		name string
		crs  []*rbacv1.ClusterRole
		want []Ability // of ClusterRole "agg" bound cluster-wide
	}{
		{"selects by label", []*rbacv1.ClusterRole{aggregated("agg", nil, sel("x")), labelled("a", lb("x"), secrets), labelled("b", lb("y"), exec)}, []Ability{ReadSecrets}},
		{"any selector", []*rbacv1.ClusterRole{aggregated("agg", nil, append(sel("x"), sel("y")...)), labelled("a", lb("x"), secrets), labelled("b", lb("y"), exec)}, []Ability{ExecPods, ReadSecrets}},
		{"own rules kept", []*rbacv1.ClusterRole{aggregated("agg", nil, sel("x"), tokens), labelled("a", lb("x"), secrets)}, []Ability{TokenRequest, ReadSecrets}},
		{"no match", []*rbacv1.ClusterRole{aggregated("agg", nil, sel("x")), labelled("a", lb("y"), secrets)}, nil},
		{"transitive", []*rbacv1.ClusterRole{aggregated("agg", nil, sel("x")), aggregated("mid", lb("x"), sel("y")), labelled("leaf", lb("y"), exec)}, []Ability{ExecPods}},
		{"cycle", []*rbacv1.ClusterRole{aggregated("agg", lb("a"), sel("b"), secrets), aggregated("other", lb("b"), sel("a"), exec)}, []Ability{ExecPods, ReadSecrets}},
		{"self selection", []*rbacv1.ClusterRole{aggregated("agg", lb("x"), sel("x"), secrets)}, []Ability{ReadSecrets}},
		{"three-cycle", []*rbacv1.ClusterRole{aggregated("agg", lb("a"), sel("b")), aggregated("m", lb("b"), sel("c"), exec), aggregated("n", lb("c"), sel("a"), tokens)}, []Ability{TokenRequest, ExecPods}},
		{"empty selector selects all", []*rbacv1.ClusterRole{aggregated("agg", nil, []map[string]string{nil}), crole("a", secrets), crole("b", exec)}, []Ability{ExecPods, ReadSecrets}},
		{"no selectors", []*rbacv1.ClusterRole{aggregated("agg", nil, nil, tokens), crole("a", secrets)}, []Ability{TokenRequest}},
	}
	for _, tc := range tests {
		g := Analyze(nil, tc.crs, nil, []*rbacv1.ClusterRoleBinding{crb("b", "agg", user("u"))})
		if got := abilitiesOf(g); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%s: got %v, want %v", tc.name, got, tc.want)
		}
	}
	// the expansion does not modify the inputs
	crs := []*rbacv1.ClusterRole{aggregated("agg", nil, sel("x")), labelled("a", lb("x"), secrets)}
	Analyze(nil, crs, nil, nil)
	if crs[0].Rules != nil {
		t.Errorf("input modified: %v", crs[0].Rules)
	}
}

func TestAggregationInvalidSelector(t *testing.T) {
	agg := crole("agg", rule(core, l("serviceaccounts/token"), l("create")))
	agg.AggregationRule = &rbacv1.AggregationRule{ClusterRoleSelectors: []metav1.LabelSelector{
		{MatchLabels: map[string]string{"x": "true"}},
		{MatchExpressions: []metav1.LabelSelectorRequirement{{Key: "x", Operator: "Bogus"}}},
	}}
	crs := []*rbacv1.ClusterRole{agg, labelled("a", map[string]string{"x": "true"}, rule(core, l("secrets"), l("get")))}
	g := Analyze(nil, crs, nil, []*rbacv1.ClusterRoleBinding{crb("b", "agg", user("u"))})
	if got := abilitiesOf(g); !reflect.DeepEqual(got, []Ability{TokenRequest}) {
		t.Errorf("got %v", got)
	}
}

func TestAggregationMatchExpressions(t *testing.T) {
	agg := crole("agg")
	agg.AggregationRule = &rbacv1.AggregationRule{ClusterRoleSelectors: []metav1.LabelSelector{
		{MatchExpressions: []metav1.LabelSelectorRequirement{{Key: "tier", Operator: metav1.LabelSelectorOpIn, Values: l("a", "b")}}},
	}}
	crs := []*rbacv1.ClusterRole{agg,
		labelled("a", map[string]string{"tier": "a"}, rule(core, l("secrets"), l("get"))),
		labelled("c", map[string]string{"tier": "c"}, rule(core, l("pods/exec"), l("create")))}
	g := Analyze(nil, crs, nil, []*rbacv1.ClusterRoleBinding{crb("b", "agg", user("u"))})
	if got := abilitiesOf(g); !reflect.DeepEqual(got, []Ability{ReadSecrets}) {
		t.Errorf("got %v", got)
	}
}

func TestDeterminism(t *testing.T) {
	roles, crs, rbs, crbs := generate(40, 20, 200, 30, 7)
	want := Evaluate(roles, crs, rbs, crbs)
	if len(want.Grants) == 0 {
		t.Fatal("generator produced no grants")
	}
	if !slices.IsSortedFunc(want.Grants, compareGrants) {
		t.Fatal("grants not sorted")
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range 5 {
		shuffle := func(n int, swap func(i, j int)) { rng.Shuffle(n, swap) }
		r, c, b, cb := slices.Clone(roles), slices.Clone(crs), slices.Clone(rbs), slices.Clone(crbs)
		shuffle(len(r), func(i, j int) { r[i], r[j] = r[j], r[i] })
		shuffle(len(c), func(i, j int) { c[i], c[j] = c[j], c[i] })
		shuffle(len(b), func(i, j int) { b[i], b[j] = b[j], b[i] })
		shuffle(len(cb), func(i, j int) { cb[i], cb[j] = cb[j], cb[i] })
		if got := Evaluate(r, c, b, cb); !reflect.DeepEqual(got, want) {
			t.Fatalf("run %d: result depends on input order", i)
		}
	}
}

func TestWhoAndServiceAccounts(t *testing.T) {
	grants := []Grant{
		{Subject: SA("b", "x"), Ability: ReadSecrets, Namespace: "b"},
		{Subject: SA("a", "y"), Ability: ReadSecrets},
		{Subject: SA("a", "y"), Ability: ExecPods, Namespace: "a"},
		{Subject: SA("a", "y"), Ability: ReadSecrets, Namespace: "a"},
		{Subject: U("alice"), Ability: ReadSecrets},
		{Subject: G("g"), Ability: Bind},
	}
	if got, want := Who(grants, ReadSecrets), []Subject{SA("a", "y"), SA("b", "x"), U("alice")}; !reflect.DeepEqual(got, want) {
		t.Errorf("Who = %v, want %v", got, want)
	}
	if got := Who(grants, NodesProxy); got != nil {
		t.Errorf("Who(nodes-proxy) = %v", got)
	}
	got := ServiceAccountsWithAbilities(grants)
	want := map[Subject][]Ability{SA("a", "y"): {ExecPods, ReadSecrets}, SA("b", "x"): {ReadSecrets}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("ServiceAccountsWithAbilities = %v, want %v", got, want)
	}
}

func TestAdmin(t *testing.T) {
	tests := []struct {
		s    Subject
		want bool
	}{
		{G("system:masters"), true},
		{G("system:nodes"), true},
		{G("kubeadm:cluster-admins"), true},
		{G("system:authenticated"), false},
		{G("system:serviceaccounts:kube-system"), false},
		{U("system:kube-controller-manager"), true},
		{U("system:kube-scheduler"), true},
		{U("system:apiserver"), true},
		{U("kube-apiserver-kubelet-client"), true},
		{U("system:anonymous"), false},
		{U("system:node:worker-1"), false},
		{U("system:masters"), false},
		{SA("kube-system", "deployment-controller"), true},
		{SA("kube-system", "generic-garbage-collector"), true},
		{SA("kube-system", "namespace-controller"), true},
		{SA("kube-system", "horizontal-pod-autoscaler"), true},
		{SA("kube-system", "resourcequota-controller"), true},
		{SA("kube-system", "clusterrole-aggregation-controller"), true},
		{SA("kube-system", "persistent-volume-binder"), true},
		{SA("kube-system", "some-vendor-controller"), true},
		{SA("kube-system", "default"), false},
		{SA("kube-system", "coredns"), false},
		{SA("default", "deployment-controller"), false},
		{U("system:serviceaccount:kube-system:namespace-controller"), true},
		{U("system:serviceaccount:default:namespace-controller"), false},
		{Subject{Kind: "Robot", Name: "system:masters"}, false},
	}
	for _, tc := range tests {
		if got := Admin(tc.s); got != tc.want {
			t.Errorf("Admin(%v) = %v, want %v", tc.s, got, tc.want)
		}
	}
	if BuiltinController("some-vendor-controller") || !BuiltinController("deployment-controller") {
		t.Error("BuiltinController")
	}
}

func TestSubjectString(t *testing.T) {
	for s, want := range map[Subject]string{U("a"): "User a", G("g"): "Group g", SA("ns", "n"): "ServiceAccount ns/n"} {
		if s.String() != want {
			t.Errorf("%#v.String() = %q", s, s.String())
		}
	}
}
