package rbac_test

import (
	"sort"
	"strings"
	"testing"

	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/kubeward/kubeward/internal/catalog"
	"github.com/kubeward/kubeward/internal/check"
	"github.com/kubeward/kubeward/internal/check/checktest"
	"github.com/kubeward/kubeward/internal/check/rbac"
	"github.com/kubeward/kubeward/internal/inventory"
	"github.com/kubeward/kubeward/internal/result"
)

func rule(groups, resources, verbs string) rbacv1.PolicyRule {
	split := func(s string) []string {
		if s == "-" {
			return nil
		}
		return strings.Split(s, ",")
	}
	g := split(groups)
	for i := range g {
		if g[i] == "core" {
			g[i] = ""
		}
	}
	return rbacv1.PolicyRule{APIGroups: g, Resources: split(resources), Verbs: split(verbs)}
}

func clusterRole(labels map[string]string, rules ...rbacv1.PolicyRule) *inventory.Object {
	return checktest.ObjectAt("rbac.authorization.k8s.io", "ClusterRole", &rbacv1.ClusterRole{ObjectMeta: metav1.ObjectMeta{Name: "r", Labels: labels}, Rules: rules}, "rbac.yaml", 1)
}

func role(rules ...rbacv1.PolicyRule) *inventory.Object {
	return checktest.ObjectAt("rbac.authorization.k8s.io", "Role", &rbacv1.Role{ObjectMeta: metav1.ObjectMeta{Name: "r", Namespace: "apps"}, Rules: rules}, "rbac.yaml", 1)
}

func evaluate(objs ...*inventory.Object) *check.Report {
	return checktest.Evaluate(check.Options{}, objs...)
}

// failing lists the IDs with a FAIL, sorted, each with its path.
func failing(rep *check.Report) string {
	var out []string
	for _, r := range rep.Results {
		if r.Status == result.Fail {
			out = append(out, r.ID+"@"+r.Location.Path)
		}
	}
	sort.Strings(out)
	return strings.Join(out, " ")
}

func TestAllows(t *testing.T) {
	tests := []struct {
		name                  string
		rule                  rbacv1.PolicyRule
		group, resource, verb string
		want                  bool
	}{
		{"exact", rule("core", "secrets", "get"), "", "secrets", "get", true},
		{"other verb", rule("core", "secrets", "get"), "", "secrets", "list", false},
		{"other resource", rule("core", "configmaps", "get"), "", "secrets", "get", false},
		{"other group", rule("apps", "secrets", "get"), "", "secrets", "get", false},
		{"verb wildcard", rule("core", "secrets", "*"), "", "secrets", "watch", true},
		{"group wildcard", rule("*", "secrets", "get"), "", "secrets", "get", true},
		{"resource wildcard", rule("core", "*", "get"), "", "secrets", "get", true},
		{"resource wildcard covers subresources", rule("core", "*", "create"), "", "pods/exec", "create", true},
		{"*/subresource", rule("core", "*/exec", "create"), "", "pods/exec", "create", true},
		{"*/subresource needs that subresource", rule("core", "*/exec", "create"), "", "pods/attach", "create", false},
		{"*/subresource is not the resource", rule("core", "*/exec", "create"), "", "pods", "create", false},
		{"resource does not cover its subresources", rule("core", "pods", "create"), "", "pods/exec", "create", false},
		{"subresource does not cover its resource", rule("core", "pods/exec", "create"), "", "pods", "create", false},
		{"several of each", rule("core,apps", "pods,deployments", "get,create"), "apps", "deployments", "create", true},
		{"non-resource rule", rbacv1.PolicyRule{NonResourceURLs: []string{"*"}, Verbs: []string{"*"}}, "", "secrets", "get", false},
		{"no verbs", rule("core", "secrets", "-"), "", "secrets", "get", false},
		{"no groups", rule("-", "secrets", "get"), "", "secrets", "get", false},
		{"named objects only: not every object", named(rule("core", "secrets", "get"), "db"), "", "secrets", "get", false},
		{"a list with the empty name lists every object", named(rule("core", "secrets", "list"), "", "db"), "", "secrets", "list", true},
		{"create with names can never match", named(rule("core", "pods", "create"), "p"), "", "pods", "create", false},
		{"create with the empty name creates any", named(rule("core", "pods", "create"), ""), "", "pods", "create", true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := rbac.Allows(tc.rule, tc.group, tc.resource, tc.verb); got != tc.want {
				t.Errorf("Allows(%+v, %q, %q, %q) = %v, want %v", tc.rule, tc.group, tc.resource, tc.verb, got, tc.want)
			}
		})
	}
}

func named(r rbacv1.PolicyRule, names ...string) rbacv1.PolicyRule {
	r.ResourceNames = names
	return r
}

func TestGrantsAny(t *testing.T) {
	tests := []struct {
		name  string
		rule  rbacv1.PolicyRule
		what  string
		names string
		ok    bool
	}{
		{"every object", rule("core", "pods/exec", "create"), "create pods/exec", "", true},
		{"named", named(rule("core", "pods/exec,pods/attach", "create,get"), "db-1", "db-0"), "create pods/exec", "db-0,db-1", true},
		{"nothing", rule("core", "pods/log", "get"), "", "", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			what, names, ok := rbac.GrantsAny(tc.rule, "", []string{"pods/exec", "pods/attach"}, []string{"create", "get"})
			if what != tc.what || strings.Join(names, ",") != tc.names || ok != tc.ok || (tc.ok && tc.names == "") != (names == nil && ok) {
				t.Errorf("GrantsAny = %q, %q, %v; want %q, %q, %v", what, names, ok, tc.what, tc.names, tc.ok)
			}
		})
	}
}

func TestAllowsAny(t *testing.T) {
	what, ok := rbac.AllowsAny(rule("core", "pods/attach", "get"), "", []string{"pods/exec", "pods/attach"}, []string{"create", "get"})
	if !ok || what != "get pods/attach" {
		t.Errorf("AllowsAny = %q, %v; want \"get pods/attach\", true", what, ok)
	}
	if what, ok := rbac.AllowsAny(rule("core", "pods", "get"), "", []string{"pods/exec"}, []string{"create"}); ok {
		t.Errorf("AllowsAny = %q, true; want false", what)
	}
}

func TestRoleChecks(t *testing.T) {
	tests := []struct {
		name string
		obj  *inventory.Object
		want string // failing IDs@path
	}{
		{"read-only on configmaps", clusterRole(nil, rule("core", "configmaps", "get,list,watch")), ""},
		{"wildcard verb", clusterRole(nil, rule("core", "configmaps", "*")), "KW-RBAC-001@rules[0]"},
		{"wildcard group", clusterRole(nil, rule("*", "configmaps", "get")), "KW-RBAC-001@rules[0]"},
		{"wildcard resource grants everything below it", clusterRole(nil, rule("core", "*", "get")),
			"KW-RBAC-001@rules[0] KW-RBAC-002@rules[0] KW-RBAC-003@rules[0] KW-RBAC-006@rules[0]"},
		{"full wildcard", clusterRole(nil, rule("*", "*", "*")),
			"KW-RBAC-001@rules[0] KW-RBAC-002@rules[0] KW-RBAC-003@rules[0] KW-RBAC-004@rules[0] KW-RBAC-005@rules[0] KW-RBAC-006@rules[0] KW-RBAC-007@rules[0] KW-RBAC-008@rules[0] KW-RBAC-009@rules[0]"},
		{"list secrets", clusterRole(nil, rule("core", "secrets", "list")), "KW-RBAC-002@rules[0]"},
		{"watch secrets", role(rule("core", "secrets", "watch")), "KW-RBAC-002@rules[0]"},
		{"create secrets only", clusterRole(nil, rule("core", "secrets", "create,update")), ""},
		{"secrets in another group", clusterRole(nil, rule("example.com", "secrets", "get")), ""},
		{"exec", clusterRole(nil, rule("core", "pods/exec", "create")), "KW-RBAC-003@rules[0]"},
		{"attach via get (websocket)", clusterRole(nil, rule("core", "pods/attach", "get")), "KW-RBAC-003@rules[0]"},
		{"*/exec", clusterRole(nil, rule("core", "*/exec", "create")), "KW-RBAC-003@rules[0]"},
		{"pods/log", clusterRole(nil, rule("core", "pods/log", "get")), ""},
		{"port-forward", role(rule("core", "pods/portforward", "create")), "KW-RBAC-003@rules[0]"},
		{"pods/proxy", role(rule("core", "pods/proxy", "get")), "KW-RBAC-003@rules[0]"},
		{"pods/* is no wildcard for the authorizer", role(rule("core", "pods/*", "get,create")), ""},
		{"endpoints write aggregated into edit", clusterRole(map[string]string{"rbac.authorization.k8s.io/aggregate-to-edit": "true"}, rule("core", "endpoints", "create,update,patch")), "KW-RBAC-013@rules[0]"},
		{"endpointslices patch aggregated into admin", clusterRole(map[string]string{"rbac.authorization.k8s.io/aggregate-to-admin": "true"},
			rule("core", "services", "get"), rule("discovery.k8s.io", "endpointslices", "patch")), "KW-RBAC-013@rules[1]"},
		{"endpoints read aggregated into edit", clusterRole(map[string]string{"rbac.authorization.k8s.io/aggregate-to-edit": "true"}, rule("core,discovery.k8s.io", "endpoints,endpointslices", "get,list,watch")), ""},
		{"endpoints write aggregated into view only", clusterRole(map[string]string{"rbac.authorization.k8s.io/aggregate-to-view": "true"}, rule("core", "endpoints", "create")), ""},
		{"endpoints write not aggregated", clusterRole(nil, rule("core", "endpoints", "create")), ""},
		{"aggregation label not true", clusterRole(map[string]string{"rbac.authorization.k8s.io/aggregate-to-edit": "false"}, rule("core", "endpoints", "create")), ""},
		{"built-in system:aggregate-to-edit of Kubernetes before 1.22", clusterRole(map[string]string{rbac.BootstrapLabel: "rbac-defaults", "rbac.authorization.k8s.io/aggregate-to-edit": "true"},
			rule("core", "endpoints,pods", "create,update,patch,delete")), "KW-RBAC-013@rules[0]"},
		{"escalate", clusterRole(nil, rule("rbac.authorization.k8s.io", "roles", "escalate")), "KW-RBAC-004@rules[0]"},
		{"bind", clusterRole(nil, rule("rbac.authorization.k8s.io", "clusterroles", "bind")), "KW-RBAC-004@rules[0]"},
		{"impersonate users", clusterRole(nil, rule("core", "users", "impersonate")), "KW-RBAC-004@rules[0]"},
		{"impersonate service accounts", clusterRole(nil, rule("core", "serviceaccounts", "impersonate")), "KW-RBAC-004@rules[0]"},
		{"impersonate user extras", clusterRole(nil, rule("authentication.k8s.io", "userextras/scopes", "impersonate")), "KW-RBAC-004@rules[0]"},
		{"read roles", clusterRole(nil, rule("rbac.authorization.k8s.io", "roles,clusterroles", "get,list")), ""},
		{"create pods", role(rule("core", "pods", "create")), "KW-RBAC-005@rules[0]"},
		{"create cronjobs", role(rule("batch", "cronjobs", "create")), "KW-RBAC-005@rules[0]"},
		{"patch deployments", role(rule("apps", "deployments", "patch,update,delete")), ""},
		{"create deployments in the wrong group", role(rule("extensions", "deployments", "create")), ""},
		{"nodes/proxy", clusterRole(nil, rule("core", "nodes/proxy", "get")), "KW-RBAC-006@rules[0]"},
		{"nodes", clusterRole(nil, rule("core", "nodes", "get,list")), ""},
		{"token request", clusterRole(nil, rule("core", "serviceaccounts/token", "create")), "KW-RBAC-007@rules[0]"},
		{"approve CSRs", clusterRole(nil, rule("certificates.k8s.io", "certificatesigningrequests/approval", "patch")), "KW-RBAC-008@rules[0]"},
		{"create CSRs", clusterRole(nil, rule("certificates.k8s.io", "certificatesigningrequests", "create")), ""},
		{"write webhooks", clusterRole(nil, rule("admissionregistration.k8s.io", "validatingwebhookconfigurations", "deletecollection")), "KW-RBAC-009@rules[0]"},
		{"read webhooks", clusterRole(nil, rule("admissionregistration.k8s.io", "validatingwebhookconfigurations,mutatingwebhookconfigurations", "get,list,watch")), ""},
		{"first rule that grants is reported, once", clusterRole(nil,
			rule("core", "configmaps", "get"), rule("core", "secrets", "get"), rule("core", "secrets", "list")), "KW-RBAC-002@rules[1]"},
		{"non-resource URLs", clusterRole(nil, rbacv1.PolicyRule{NonResourceURLs: []string{"/healthz"}, Verbs: []string{"get"}}), ""},
		{"bootstrap role is skipped", clusterRole(map[string]string{rbac.BootstrapLabel: "rbac-defaults"}, rule("*", "*", "*")), ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rep := evaluate(tc.obj)
			if got := failing(rep); got != tc.want {
				t.Errorf("failing = %q, want %q", got, tc.want)
			}
			for _, r := range rep.Results {
				if r.Status == result.Fail && (r.Message.EN == "" || r.Message.ZH == "" || r.Evidence == "" || r.Location.File != "rbac.yaml") {
					t.Errorf("%s: message %+v evidence %q location %+v", r.ID, r.Message, r.Evidence, r.Location)
				}
			}
		})
	}
}

func TestRoleEvidence(t *testing.T) {
	rep := evaluate(clusterRole(nil, rule("core", "secrets", "get"), rule("core,apps", "*", "get")))
	want := map[string]string{
		rbac.ReadSecrets: "get secrets",
		rbac.Wildcard:    "apiGroups=[ apps] resources=[*] verbs=[get]",
	}
	for _, r := range rep.Results {
		if w, ok := want[r.ID]; ok && r.Status == result.Fail {
			if r.Evidence != w {
				t.Errorf("%s evidence = %q, want %q", r.ID, r.Evidence, w)
			}
			delete(want, r.ID)
		}
	}
	if len(want) > 0 {
		t.Errorf("no FAIL for %v", want)
	}
	for _, r := range rep.Results {
		if r.ID == rbac.Wildcard && r.Status == result.Fail && !strings.Contains(r.Message.EN, `API groups "",apps`) {
			t.Errorf("wildcard message %q does not quote the core group", r.Message.EN)
		}
	}
}

// TestLiteralResourcePatterns: pods/* grants nothing to the authorizer, so
// it is no exec FAIL; a person is asked what was meant (WARN).
func TestLiteralResourcePatterns(t *testing.T) {
	for _, tc := range []struct {
		name string
		obj  *inventory.Object
		want result.Status
	}{
		{"pods/*", role(rule("core", "pods/*", "get,create")), result.Warn},
		{"*/*", role(rule("core", "*/*", "get")), result.Warn},
		{"*/exec is a wildcard the authorizer knows", role(rule("core", "*/exec", "create")), result.Pass},
		{"plain resources", role(rule("core", "pods,pods/log", "get")), result.Pass},
		{"* is reported as a wildcard FAIL", role(rule("core", "*", "get"), rule("core", "pods/*", "get")), result.Fail},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var got []string
			for _, r := range evaluate(tc.obj).Results {
				if r.ID == rbac.Wildcard {
					got = append(got, string(r.Status))
				}
			}
			if len(got) != 1 || got[0] != string(tc.want) {
				t.Errorf("KW-RBAC-001 = %v, want [%s]", got, tc.want)
			}
		})
	}
}

// TestBootstrapRolesAreNotPasses: a skipped built-in role is neither a FAIL nor a PASS.
func TestBootstrapRolesAreNotPasses(t *testing.T) {
	rep := evaluate(clusterRole(map[string]string{rbac.BootstrapLabel: "rbac-defaults"}, rule("core", "configmaps", "get")))
	if len(rep.Results) != 0 || len(rep.Passed) != 0 {
		t.Errorf("results %v passed %v, want nothing", rep.Results, rep.Passed)
	}
	// Any other value of the label is not the API server's.
	rep = evaluate(clusterRole(map[string]string{rbac.BootstrapLabel: "true"}, rule("*", "*", "*")))
	if !strings.Contains(failing(rep), rbac.Wildcard) {
		t.Error("a role labelled kubernetes.io/bootstrapping=true escapes the checks")
	}
}

// TestNamedSecretsFollowTheRemediation: KW-RBAC-002's remediation says to
// grant get on named Secrets only (resourceNames); a role that does so
// must pass.
func TestNamedSecretsFollowTheRemediation(t *testing.T) {
	r := rule("core", "secrets", "get")
	r.ResourceNames = []string{"db-credentials"}
	if got := failing(evaluate(role(r))); got != "" {
		t.Errorf("failing = %q, want nothing", got)
	}
}

// TestResourceNames: a rule limited to named objects is not KW-RBAC-002's
// broad read (its remediation); for the other risks it still fails, the
// names reported; create and deletecollection cannot be limited by name,
// so such a rule grants them to nobody (unless it names "").
func TestResourceNames(t *testing.T) {
	tests := []struct {
		name     string
		obj      *inventory.Object
		want     string // failing IDs@path
		evidence string // of the single failure
		message  string
	}{
		{"get named secrets", role(named(rule("core", "secrets", "get"), "db-credentials")), "", "", ""},
		{"list and watch named secrets", role(named(rule("core", "secrets", "get,list,watch"), "a", "b")), "", "", ""},
		{"list with the empty name reads every secret", role(named(rule("core", "secrets", "list"), "")), "KW-RBAC-002@rules[0]", "list secrets", ""},
		{"named and unrestricted rules: the unrestricted one is reported", role(named(rule("core", "secrets", "get"), "a"), rule("core", "secrets", "watch")),
			"KW-RBAC-002@rules[1]", "watch secrets", ""},
		{"exec into a named pod", role(named(rule("core", "pods/exec", "create"), "db-0")), "KW-RBAC-003@rules[0]", "create pods/exec resourceNames=db-0",
			"rule 0 lets subjects run commands in or connect into pods (create pods/exec), only on resourceNames db-0"},
		{"exec: an unrestricted rule after a named one is reported", role(named(rule("core", "pods/exec", "create"), "db-0"), rule("core", "pods/attach", "get")),
			"KW-RBAC-003@rules[1]", "get pods/attach", ""},
		{"kubelet API of a named node", clusterRole(nil, named(rule("core", "nodes/proxy", "get"), "n1")), "KW-RBAC-006@rules[0]", "get nodes/proxy resourceNames=n1", ""},
		{"token for a named service account", role(named(rule("core", "serviceaccounts/token", "create"), "builder")), "KW-RBAC-007@rules[0]",
			"create serviceaccounts/token resourceNames=builder", "rule 0 lets subjects create service account tokens (create serviceaccounts/token), only on resourceNames builder"},
		{"patch a named webhook", clusterRole(nil, named(rule("admissionregistration.k8s.io", "mutatingwebhookconfigurations", "get,patch"), "inject")),
			"KW-RBAC-009@rules[0]", "patch mutatingwebhookconfigurations resourceNames=inject", ""},
		{"create and deletecollection webhooks by name grant nothing", clusterRole(nil, named(rule("admissionregistration.k8s.io", "validatingwebhookconfigurations", "create,deletecollection"), "w")), "", "", ""},
		{"bind a named role", role(named(rule("rbac.authorization.k8s.io", "roles", "bind"), "viewer")), "KW-RBAC-004@rules[0]", "bind roles resourceNames=viewer",
			"rule 0 allows bind roles: granting permissions the subject does not hold, only on resourceNames viewer"},
		{"impersonate a named user over binding named roles", role(named(rule("rbac.authorization.k8s.io", "roles", "bind"), "viewer"), rule("core", "users", "impersonate")),
			"KW-RBAC-004@rules[1]", "impersonate users", ""},
		{"create pods by name grants nothing", role(named(rule("core", "pods", "create"), "p")), "", "", ""},
		{"create pods with the empty name creates any pod", role(named(rule("core", "pods", "create"), "")), "KW-RBAC-005@rules[0]", "create pods", ""},
		{"named wildcard rule: still a wildcard, named grants reported", role(named(rule("core", "*", "*"), "x")),
			"KW-RBAC-001@rules[0] KW-RBAC-003@rules[0] KW-RBAC-004@rules[0] KW-RBAC-006@rules[0] KW-RBAC-007@rules[0]", "", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rep := evaluate(tc.obj)
			for _, r := range expectFailing(t, rep, tc.want, tc.evidence, tc.message) {
				if strings.Contains(r.Evidence, "resourceNames=") != strings.Contains(r.Message.ZH, "仅限 resourceNames") {
					t.Errorf("%s: Chinese message %q does not say what the evidence %q does", r.ID, r.Message.ZH, r.Evidence)
				}
			}
		})
	}
}

func binding(kind, ns, refKind, refName string, labels map[string]string, subjects ...rbacv1.Subject) *inventory.Object {
	meta := metav1.ObjectMeta{Name: "b", Namespace: ns, Labels: labels}
	ref := rbacv1.RoleRef{APIGroup: "rbac.authorization.k8s.io", Kind: refKind, Name: refName}
	var typed metav1.Object = &rbacv1.ClusterRoleBinding{ObjectMeta: meta, RoleRef: ref, Subjects: subjects}
	if kind == "RoleBinding" {
		typed = &rbacv1.RoleBinding{ObjectMeta: meta, RoleRef: ref, Subjects: subjects}
	}
	return checktest.ObjectAt("rbac.authorization.k8s.io", kind, typed, "b.yaml", 1)
}

// bootstrapBinding is a ClusterRoleBinding name of ClusterRole ref, labelled as the
// API server labels its own.
func bootstrapBinding(name, ref string, subjects ...rbacv1.Subject) *inventory.Object {
	b := &rbacv1.ClusterRoleBinding{ObjectMeta: metav1.ObjectMeta{Name: name, Labels: map[string]string{rbac.BootstrapLabel: "rbac-defaults"}},
		RoleRef: rbacv1.RoleRef{APIGroup: "rbac.authorization.k8s.io", Kind: "ClusterRole", Name: ref}, Subjects: subjects}
	return checktest.ObjectAt("rbac.authorization.k8s.io", "ClusterRoleBinding", b, "b.yaml", 1)
}

func TestBindingChecks(t *testing.T) {
	user := func(n string) rbacv1.Subject { return rbacv1.Subject{Kind: "User", Name: n} }
	group := func(n string) rbacv1.Subject { return rbacv1.Subject{Kind: "Group", Name: n} }
	sa := func(ns, n string) rbacv1.Subject {
		return rbacv1.Subject{Kind: "ServiceAccount", Namespace: ns, Name: n}
	}
	tests := []struct {
		name     string
		obj      *inventory.Object
		want     string
		evidence string
		message  string
	}{
		{"view for a group", binding("ClusterRoleBinding", "", "ClusterRole", "view", nil, group("auditors")), "", "", ""},
		{"cluster-admin", binding("ClusterRoleBinding", "", "ClusterRole", "cluster-admin", nil, group("ops"), sa("apps", "deployer")),
			"KW-RBAC-010@roleRef.name", "roleRef=ClusterRole/cluster-admin", "binds cluster-admin to Group ops, ServiceAccount apps/deployer"},
		{"cluster-admin in one namespace", binding("RoleBinding", "apps", "ClusterRole", "cluster-admin", nil, user("alice")), "KW-RBAC-010@roleRef.name", "", ""},
		{"a Role named cluster-admin is not the ClusterRole", binding("RoleBinding", "apps", "Role", "cluster-admin", nil, user("alice")), "", "", ""},
		{"cluster-admin with no subjects", binding("ClusterRoleBinding", "", "ClusterRole", "cluster-admin", nil), "KW-RBAC-010@roleRef.name", "", "binds cluster-admin to no subjects"},
		{"anonymous user", binding("ClusterRoleBinding", "", "ClusterRole", "view", nil, group("a"), user("system:anonymous")),
			"KW-RBAC-011@subjects[1]", "User system:anonymous", "grants ClusterRole/view to User system:anonymous"},
		{"unauthenticated group", binding("RoleBinding", "apps", "Role", "reader", nil, group("system:unauthenticated")), "KW-RBAC-011@subjects[0]", "Group system:unauthenticated", ""},
		{"a group named system:anonymous", binding("ClusterRoleBinding", "", "ClusterRole", "view", nil, group("system:anonymous")), "KW-RBAC-011@subjects[0]", "Group system:anonymous", ""},
		{"authenticated users", binding("ClusterRoleBinding", "", "ClusterRole", "view", nil, group("system:authenticated")), "KW-RBAC-011@subjects[0]", "Group system:authenticated", ""},
		{"authenticated users in one namespace, whatever the role", binding("RoleBinding", "apps", "Role", "nothing", nil, group("system:authenticated")), "KW-RBAC-011@subjects[0]", "", ""},
		{"a user named system:authenticated is nobody", binding("ClusterRoleBinding", "", "ClusterRole", "view", nil, user("system:authenticated")), "", "", ""},
		{"the bootstrapping label does not excuse a public grant", binding("ClusterRoleBinding", "", "ClusterRole", "view", map[string]string{rbac.BootstrapLabel: "rbac-defaults"}, group("system:unauthenticated")),
			"KW-RBAC-011@subjects[0]", "", ""},
		{"bootstrap system:basic-user as the API server creates it", bootstrapBinding("system:basic-user", "system:basic-user", group("system:authenticated")), "", "", ""},
		{"bootstrap system:discovery as the API server creates it", bootstrapBinding("system:discovery", "system:discovery", group("system:authenticated")), "", "", ""},
		{"bootstrap system:public-info-viewer as the API server creates it", bootstrapBinding("system:public-info-viewer", "system:public-info-viewer", group("system:authenticated"), group("system:unauthenticated")), "", "", ""},
		{"bootstrap system:discovery edited to unauthenticated users", bootstrapBinding("system:discovery", "system:discovery", group("system:authenticated"), group("system:unauthenticated")),
			"KW-RBAC-011@subjects[1]", "Group system:unauthenticated", "grants ClusterRole/system:discovery to Group system:unauthenticated: more than the API server's own system:discovery binding grants"},
		{"bootstrap binding edited to another role", bootstrapBinding("system:basic-user", "view", group("system:authenticated")), "KW-RBAC-011@subjects[0]", "", ""},
		{"bootstrap binding edited to the anonymous user", bootstrapBinding("system:public-info-viewer", "system:public-info-viewer", user("system:anonymous")), "KW-RBAC-011@subjects[0]", "", ""},
		{"default service account", binding("ClusterRoleBinding", "", "ClusterRole", "view", nil, sa("apps", "default")),
			"KW-RBAC-012@subjects[0]", "ServiceAccount apps/default", "grants ClusterRole/view to the default service account of apps"},
		{"default service account of the binding's namespace", binding("RoleBinding", "team", "Role", "reader", nil, rbacv1.Subject{Kind: "ServiceAccount", Name: "default"}),
			"KW-RBAC-012@subjects[0]", "ServiceAccount team/default", ""},
		{"a user named default", binding("RoleBinding", "team", "Role", "reader", nil, user("default")), "", "", ""},
		{"everything", binding("ClusterRoleBinding", "", "ClusterRole", "cluster-admin", nil, user("system:anonymous"), sa("apps", "default")),
			"KW-RBAC-010@roleRef.name KW-RBAC-011@subjects[0] KW-RBAC-012@subjects[1]", "", ""},
		{"bootstrap binding is skipped", binding("ClusterRoleBinding", "", "ClusterRole", "cluster-admin", map[string]string{rbac.BootstrapLabel: "rbac-defaults"}, group("system:masters")), "", "", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rep := evaluate(tc.obj)
			for _, r := range expectFailing(t, rep, tc.want, tc.evidence, tc.message) {
				if r.Severity != catalog.Get(r.ID).Severity {
					t.Errorf("%s severity %v", r.ID, r.Severity)
				}
			}
			if tc.want == "" && tc.obj.Labels[rbac.BootstrapLabel] == "" {
				for _, id := range []string{rbac.ClusterAdmin, rbac.AnonymousBinding, rbac.DefaultSABinding} {
					if rep.Passed[id] != 1 {
						t.Errorf("%s passed %d times, want 1", id, rep.Passed[id])
					}
				}
			}
		})
	}
}

func TestPermissionsCatalogue(t *testing.T) {
	for _, p := range rbac.Permissions {
		e := catalog.Get(p.ID)
		if e == nil {
			t.Errorf("%s not registered", p.ID)
			continue
		}
		if e.Item != "4.3" || e.Severity != p.Severity || e.Title != p.Title || e.Remediation != p.Fix {
			t.Errorf("%s catalogue entry %+v does not match its permission", p.ID, e)
		}
		if p.What.EN == "" || p.What.ZH == "" || len(p.Resources) == 0 || len(p.Verbs) == 0 {
			t.Errorf("%s incomplete: %+v", p.ID, p)
		}
	}
}

// expectFailing checks which IDs FAIL (and where), and, when given, the
// evidence and English message of every FAIL; it returns the FAIL results
// for the caller's own checks.
func expectFailing(t *testing.T, rep *check.Report, want, evidence, message string) []result.Result {
	t.Helper()
	if got := failing(rep); got != want {
		t.Fatalf("failing = %q, want %q", got, want)
	}
	var fails []result.Result
	for _, r := range rep.Results {
		if r.Status != result.Fail {
			continue
		}
		if evidence != "" && r.Evidence != evidence {
			t.Errorf("%s evidence = %q, want %q", r.ID, r.Evidence, evidence)
		}
		if message != "" && r.Message.EN != message {
			t.Errorf("%s message = %q, want %q", r.ID, r.Message.EN, message)
		}
		fails = append(fails, r)
	}
	return fails
}

// kubeadm's cluster-info discovery binding, as kubeadm creates it, is a WARN
// (a person confirms the narrow anonymous grant); any variation is a FAIL.
func TestKubeadmDiscoveryBinding(t *testing.T) {
	anon := rbacv1.Subject{Kind: "User", Name: "system:anonymous"}
	tests := []struct {
		name string
		obj  *inventory.Object
		want result.Status
	}{
		{"as kubeadm creates it", binding("RoleBinding", "kube-public", "Role", rbac.KubeadmClusterInfo, nil, anon), result.Warn},
		{"in another namespace", binding("RoleBinding", "default", "Role", rbac.KubeadmClusterInfo, nil, anon), result.Fail},
		{"binding another role", binding("RoleBinding", "kube-public", "Role", "view", nil, anon), result.Fail},
		{"binding a ClusterRole", binding("RoleBinding", "kube-public", "ClusterRole", rbac.KubeadmClusterInfo, nil, anon), result.Fail},
		{"to unauthenticated users", binding("RoleBinding", "kube-public", "Role", rbac.KubeadmClusterInfo, nil, rbacv1.Subject{Kind: "Group", Name: "system:unauthenticated"}), result.Fail},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			obj := tc.obj
			if b, ok := obj.Typed.(*rbacv1.RoleBinding); ok {
				b.Name = rbac.KubeadmClusterInfo
				obj.Name = rbac.KubeadmClusterInfo
			}
			var got []result.Status
			for _, r := range evaluate(obj).Results {
				if r.ID == rbac.AnonymousBinding {
					got = append(got, r.Status)
				}
			}
			if len(got) != 1 || got[0] != tc.want {
				t.Errorf("KW-RBAC-011 %v, want [%s]", got, tc.want)
			}
		})
	}
}
