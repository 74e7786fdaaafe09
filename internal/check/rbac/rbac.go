// Package rbac analyses Roles, ClusterRoles and their bindings for the
// permissions that lead to cluster takeover or data exposure. IDs: KW-RBAC-*.
package rbac

import (
	"fmt"
	"slices"
	"strings"

	rbacv1 "k8s.io/api/rbac/v1"

	"github.com/kubeward/kubeward/internal/catalog"
	"github.com/kubeward/kubeward/internal/check"
	"github.com/kubeward/kubeward/internal/check/cel"
	"github.com/kubeward/kubeward/internal/check/rbac/effective"
	"github.com/kubeward/kubeward/internal/config"
)

const (
	Wildcard         = "KW-RBAC-001"
	ReadSecrets      = "KW-RBAC-002"
	ExecAttach       = "KW-RBAC-003"
	EscalateBind     = "KW-RBAC-004"
	CreateWorkloads  = "KW-RBAC-005"
	NodesProxy       = "KW-RBAC-006"
	TokenRequest     = "KW-RBAC-007"
	ApproveCSR       = "KW-RBAC-008"
	WebhookWrite     = "KW-RBAC-009"
	ClusterAdmin     = "KW-RBAC-010"
	AnonymousBinding = "KW-RBAC-011"
	DefaultSABinding = "KW-RBAC-012"
	EndpointsToEdit  = "KW-RBAC-013"
)

// Permission is one dangerous ability: any of the verbs on any of the resources.
type Permission struct {
	ID        string
	Group     string
	Resources []string
	Verbs     []string
	Title     catalog.Text
	Fix       catalog.Text
	Severity  catalog.Severity
	Refs      []string
	What      catalog.Text // used in messages
	// NamedOK: a rule limited by resourceNames to named objects is not this
	// risk (reading the named Secrets is what KW-RBAC-002's remediation
	// asks for). Otherwise a named grant still fails, its names reported:
	// exec into one pod, the kubelet API of one node, or changing one
	// webhook is the risk itself, only smaller.
	NamedOK bool
}

var workloadResources = []struct{ group, resource string }{
	{"", "pods"}, {"", "replicationcontrollers"}, {"apps", "deployments"}, {"apps", "statefulsets"},
	{"apps", "daemonsets"}, {"apps", "replicasets"}, {"batch", "jobs"}, {"batch", "cronjobs"},
}

// Permissions are the risky abilities checked in every role.
var Permissions = []Permission{
	{ID: ReadSecrets, Group: "", Resources: []string{"secrets"}, Verbs: []string{"get", "list", "watch"}, Severity: catalog.SeverityHigh,
		Title: catalog.Text{EN: "Role can read Secrets", ZH: "角色可以读取 Secret"},
		Fix:   catalog.Text{EN: "Grant get on named Secrets only (resourceNames), never list or watch on all Secrets.", ZH: "仅对指定名称的 Secret 授予 get（resourceNames），不要对全部 Secret 授予 list 或 watch。"},
		Refs:  []string{"CIS Kubernetes v1.12 5.1.2"}, What: catalog.Text{EN: "read Secrets", ZH: "读取 Secret"}, NamedOK: true},
	{ID: ExecAttach, Group: "", Resources: []string{"pods/exec", "pods/attach", "pods/portforward", "pods/proxy"}, Verbs: []string{"create", "get"}, Severity: catalog.SeverityHigh,
		Title: catalog.Text{EN: "Role can exec, attach, port-forward or proxy into pods", ZH: "角色可以 exec、attach、port-forward 或 proxy 进入 Pod"},
		Fix:   catalog.Text{EN: "Remove pods/exec, pods/attach, pods/portforward and pods/proxy (and * on resources); grant them only to break-glass administrators.", ZH: "删除 pods/exec、pods/attach、pods/portforward 与 pods/proxy（以及资源上的 *）；仅授予紧急管理员。"},
		Refs:  []string{"Kubernetes docs: RBAC good practices"}, What: catalog.Text{EN: "run commands in or connect into pods", ZH: "在 Pod 中执行命令或连接进入 Pod"}},
	{ID: NodesProxy, Group: "", Resources: []string{"nodes/proxy"}, Verbs: []string{"get", "create", "*"}, Severity: catalog.SeverityHigh,
		Title: catalog.Text{EN: "Role can use nodes/proxy (kubelet API)", ZH: "角色可以使用 nodes/proxy（kubelet API）"},
		Fix:   catalog.Text{EN: "Remove nodes/proxy: it reaches the kubelet API and bypasses admission and audit.", ZH: "删除 nodes/proxy：它可以访问 kubelet API，绕过准入控制与审计。"},
		Refs:  []string{"CIS Kubernetes v1.12 5.1.10"}, What: catalog.Text{EN: "reach the kubelet API through nodes/proxy", ZH: "通过 nodes/proxy 访问 kubelet API"}},
	{ID: TokenRequest, Group: "", Resources: []string{"serviceaccounts/token"}, Verbs: []string{"create"}, Severity: catalog.SeverityHigh,
		Title: catalog.Text{EN: "Role can mint service account tokens", ZH: "角色可以签发服务账号令牌"},
		Fix:   catalog.Text{EN: "Remove create on serviceaccounts/token.", ZH: "删除对 serviceaccounts/token 的 create 权限。"},
		Refs:  []string{"CIS Kubernetes v1.12 5.1.13"}, What: catalog.Text{EN: "create service account tokens", ZH: "创建服务账号令牌"}},
	{ID: ApproveCSR, Group: "certificates.k8s.io", Resources: []string{"certificatesigningrequests/approval"}, Verbs: []string{"update", "patch"}, Severity: catalog.SeverityHigh,
		Title: catalog.Text{EN: "Role can approve certificate signing requests", ZH: "角色可以批准证书签名请求"},
		Fix:   catalog.Text{EN: "Remove update on certificatesigningrequests/approval.", ZH: "删除对 certificatesigningrequests/approval 的 update 权限。"},
		Refs:  []string{"CIS Kubernetes v1.12 5.1.11"}, What: catalog.Text{EN: "approve certificate signing requests", ZH: "批准证书签名请求"}},
	{ID: WebhookWrite, Group: "admissionregistration.k8s.io", Resources: []string{"validatingwebhookconfigurations", "mutatingwebhookconfigurations"}, Verbs: []string{"create", "update", "patch", "delete", "deletecollection"}, Severity: catalog.SeverityHigh,
		Title: catalog.Text{EN: "Role can change admission webhooks", ZH: "角色可以修改准入 Webhook"},
		Fix:   catalog.Text{EN: "Remove write verbs on validating and mutating webhook configurations.", ZH: "删除对 validating/mutating webhook 配置的写权限。"},
		Refs:  []string{"CIS Kubernetes v1.12 5.1.12"}, What: catalog.Text{EN: "change admission webhooks", ZH: "修改准入 Webhook"}},
}

func init() {
	scope := check.Manifest | check.Cluster | check.Admission
	check.Register(
		check.Spec{ID: Wildcard, CEL: wildcardCEL, Object: roleRule, Item: "4.3", Severity: catalog.SeverityHigh, Scope: scope,
			Title:       catalog.Text{EN: "Role uses wildcards", ZH: "角色使用了通配符"},
			Remediation: catalog.Text{EN: "List the API groups, resources and verbs explicitly instead of *.", ZH: "显式列出 API 组、资源和动词，而不是使用 *。"},
			References:  []string{"CIS Kubernetes v1.12 5.1.3"}},
		check.Spec{ID: EscalateBind, CEL: escalateBindCEL, Object: roleRule, Item: "4.3", Severity: catalog.SeverityCritical, Scope: scope,
			Title:       catalog.Text{EN: "Role can escalate, bind or impersonate", ZH: "角色可以 escalate、bind 或 impersonate"},
			Remediation: catalog.Text{EN: "Remove escalate and bind on roles and impersonate on users, groups and service accounts.", ZH: "删除对角色的 escalate、bind 以及对用户、组和服务账号的 impersonate 权限。"},
			References:  []string{"CIS Kubernetes v1.12 5.1.8"}},
		check.Spec{ID: CreateWorkloads, CEL: createWorkloadsCEL, Object: roleRule, Item: "4.3", Severity: catalog.SeverityMedium, Scope: scope,
			Title:       catalog.Text{EN: "Role can create pods or workloads", ZH: "角色可以创建 Pod 或工作负载"},
			Remediation: catalog.Text{EN: "Grant workload creation only to deployment pipelines; any pod can mount any Secret and service account of its namespace.", ZH: "仅向部署流水线授予创建工作负载的权限；任何 Pod 都能挂载其命名空间中的任意 Secret 与服务账号。"},
			References:  []string{"CIS Kubernetes v1.12 5.1.4"}},
		check.Spec{ID: ClusterAdmin, CEL: clusterAdminCEL, Object: bindingRule, Item: "4.3", Severity: catalog.SeverityCritical, Scope: scope,
			Title:       catalog.Text{EN: "Binding grants cluster-admin", ZH: "绑定授予了 cluster-admin"},
			Remediation: catalog.Text{EN: "Bind a role with only the permissions needed; keep cluster-admin for break-glass use.", ZH: "绑定仅含所需权限的角色；cluster-admin 仅用于紧急情况。"},
			References:  []string{"CIS Kubernetes v1.12 5.1.1"}},
		check.Spec{ID: AnonymousBinding, CEL: anonymousBindingCEL, Object: bindingRule, Item: "4.3", Severity: catalog.SeverityCritical, Scope: scope,
			Title:       catalog.Text{EN: "Binding grants permissions to anonymous, unauthenticated or all authenticated users", ZH: "绑定向匿名、未认证或所有已认证用户授予了权限"},
			Remediation: catalog.Text{EN: "Remove system:anonymous, system:unauthenticated and system:authenticated from the binding's subjects and bind the users, groups or service accounts that need the role; leave the API server's own system:basic-user, system:discovery and system:public-info-viewer bindings as it creates them.", ZH: "从绑定的主体中删除 system:anonymous、system:unauthenticated 与 system:authenticated，改为绑定确需该角色的用户、组或服务账号；API 服务器自建的 system:basic-user、system:discovery 与 system:public-info-viewer 绑定保持原样。"},
			References:  []string{"Kubernetes docs: RBAC good practices"}},
		check.Spec{ID: DefaultSABinding, CEL: defaultSABindingCEL, Object: bindingRule, Item: "4.2", Severity: catalog.SeverityMedium, Scope: scope,
			Title:       catalog.Text{EN: "Binding grants permissions to a default service account", ZH: "绑定向 default 服务账号授予了权限"},
			Remediation: catalog.Text{EN: "Bind a dedicated ServiceAccount of the application instead of default.", ZH: "改为绑定应用专用的 ServiceAccount，而不是 default。"},
			References:  []string{"CIS Kubernetes v1.12 5.1.5"}},
	)
	check.Register(check.Spec{ID: EndpointsToEdit, CEL: endpointsToEditCEL, Object: endpointsToEditRule, Item: "4.3", Severity: catalog.SeverityMedium, Scope: scope,
		Title:       catalog.Text{EN: "ClusterRole aggregated into edit or admin lets users write Endpoints (CVE-2021-25740)", ZH: "聚合到 edit 或 admin 的 ClusterRole 允许写入 Endpoints（CVE-2021-25740）"},
		Remediation: catalog.Text{EN: "Remove create, update and patch on endpoints and endpointslices from ClusterRoles labelled rbac.authorization.k8s.io/aggregate-to-edit or aggregate-to-admin: \"true\"; Endpoints written by hand can point a Service at another namespace's pods or outside the cluster.", ZH: "从带有 rbac.authorization.k8s.io/aggregate-to-edit 或 aggregate-to-admin: \"true\" 标签的 ClusterRole 中删除对 endpoints 与 endpointslices 的 create、update、patch 权限；手工写入的 Endpoints 可以让 Service 指向其他命名空间的 Pod 或集群外部。"},
		References:  []string{"CVE-2021-25740", "Kubernetes docs: RBAC (aggregated ClusterRoles, write access for Endpoints)"}})
	for _, p := range Permissions {
		check.Register(check.Spec{ID: p.ID, Object: roleRule, CEL: permissionCEL(p), Item: "4.3", Severity: p.Severity, Scope: scope, Title: p.Title, Remediation: p.Fix, References: p.Refs})
	}
}

// The checks as admission-policy predicates (check.CEL): what holds when
// each passes, exported by `kubeward export vap`.
var (
	wildcardCEL = &check.CEL{Target: check.CELRole, OK: check.Const(cel.NoRule(
		"(has(r.verbs) && r.verbs.exists(v, v == '*')) || (has(r.resources) && r.resources.exists(x, x == '*')) || (has(r.apiGroups) && r.apiGroups.exists(g, g == '*'))"))}
	escalateBindCEL = &check.CEL{Target: check.CELRole, OK: check.Const(cel.NoRule(
		cel.Allows("rbac.authorization.k8s.io", []string{"roles", "clusterroles"}, []string{"escalate", "bind"}, true) + " || " +
			cel.Allows("", []string{"users", "groups", "serviceaccounts", "uids"}, []string{"impersonate"}, true) + " || " +
			cel.Allows("authentication.k8s.io", []string{"userextras/scopes", "uids"}, []string{"impersonate"}, true)))}
	createWorkloadsCEL = &check.CEL{Target: check.CELRole, OK: check.Const(cel.NoRule(
		cel.Allows("", []string{"pods", "replicationcontrollers"}, []string{"create"}, true) + " || " +
			cel.Allows("apps", []string{"deployments", "statefulsets", "daemonsets", "replicasets"}, []string{"create"}, true) + " || " +
			cel.Allows("batch", []string{"jobs", "cronjobs"}, []string{"create"}, true)))}
	clusterAdminCEL = &check.CEL{Target: check.CELBinding, OK: check.Const(
		"!(object.roleRef.kind == 'ClusterRole' && object.roleRef.name == 'cluster-admin')")}
	anonymousBindingCEL = &check.CEL{Target: check.CELBinding, OK: func(*config.Config) string {
		// The API server's own grants to everyone pass as it creates them.
		names := make([]string, 0, len(BootstrapPublicBindings))
		for n := range BootstrapPublicBindings {
			names = append(names, n)
		}
		slices.Sort(names)
		var entries []string
		for _, n := range names {
			entries = append(entries, cel.String(n)+": "+cel.List(BootstrapPublicBindings[n]))
		}
		bootstrap := "{" + strings.Join(entries, ", ") + "}"
		// kubeadm's cluster-info discovery binding is a WARN in the engine:
		// admitted here, as a WARN never denies.
		kubeadm := fmt.Sprintf("(request.kind.kind == 'RoleBinding' && object.metadata.namespace == 'kube-public' && object.metadata.name == %[1]s && object.roleRef.kind == 'Role' && object.roleRef.name == %[1]s && s.kind == 'User' && s.name == 'system:anonymous')",
			cel.String(KubeadmClusterInfo))
		return fmt.Sprintf("!has(object.subjects) || !object.subjects.exists(s, ((s.kind == 'User' && s.name in %s) || (s.kind == 'Group' && s.name in %s)) && "+
			"!(request.kind.kind == 'ClusterRoleBinding' && object.metadata.name in %[3]s && object.roleRef.kind == 'ClusterRole' && object.roleRef.name == object.metadata.name && s.kind == 'Group' && s.name in %[3]s[object.metadata.name]) && !%[4]s)",
			cel.List(PublicUsers), cel.List(PublicGroups), bootstrap, kubeadm)
	}}
	endpointsToEditCEL = &check.CEL{Target: check.CELRole, OK: check.Const(
		"request.kind.kind != 'ClusterRole' || !(has(object.metadata.labels) && " + cel.List(AggregateLabels) + ".exists(l, l in object.metadata.labels && object.metadata.labels[l] == 'true')) || " +
			cel.NoRule(cel.Allows("", []string{"endpoints"}, []string{"create", "update", "patch"}, true)+" || "+cel.Allows("discovery.k8s.io", []string{"endpointslices"}, []string{"create", "update", "patch"}, true)))}
	defaultSABindingCEL = &check.CEL{Target: check.CELBinding, OK: check.Const(
		"!has(object.subjects) || !object.subjects.exists(s, s.kind == 'ServiceAccount' && s.name == 'default')")}
)

// permissionCEL is a permission check as an admission-policy predicate: no
// rule of the role grants it (on named objects too, unless NamedOK).
func permissionCEL(p Permission) *check.CEL {
	return &check.CEL{Target: check.CELRole, OK: check.Const(cel.NoRule(cel.Allows(p.Group, p.Resources, p.Verbs, !p.NamedOK)))}
}

var (
	roleRule            = &check.ObjectRule{Applies: isRole, Run: checkRole}
	bindingRule         = &check.ObjectRule{Applies: isBinding, Run: checkBinding}
	endpointsToEditRule = &check.ObjectRule{Applies: isAggregatedToEdit, Run: checkEndpointsToEdit}
)

func isRole(t *check.Target) bool {
	switch t.Typed.(type) {
	case *rbacv1.Role, *rbacv1.ClusterRole:
		return true
	}
	return false
}

func isBinding(t *check.Target) bool {
	switch t.Typed.(type) {
	case *rbacv1.RoleBinding, *rbacv1.ClusterRoleBinding:
		return true
	}
	return false
}

// Allows reports whether a policy rule grants verb on group/resource (a
// resource may carry a subresource: pods/exec) on every object, following
// the RBAC authorizer's matching of "*", "*/subresource" and resourceNames
// (effective.RuleGrants): a rule limited to named objects does not allow
// the broad right, and one whose names can never match the request (create
// on a top-level resource, deletecollection) allows nothing.
func Allows(r rbacv1.PolicyRule, group, resource, verb string) bool {
	names, ok := effective.RuleGrants(&r, group, resource, verb)
	return ok && names == nil
}

// Grants reports whether a policy rule grants verb on group/resource at
// all: names is nil when on every object, else the resourceNames it is
// limited to.
func Grants(r rbacv1.PolicyRule, group, resource, verb string) (names []string, ok bool) {
	return effective.RuleGrants(&r, group, resource, verb)
}

// AllowsAny reports the first of verbs allowed on every object of any of
// resources.
func AllowsAny(r rbacv1.PolicyRule, group string, resources, verbs []string) (string, bool) {
	for _, res := range resources {
		for _, v := range verbs {
			if Allows(r, group, res, v) {
				return v + " " + res, true
			}
		}
	}
	return "", false
}

// GrantsAny is AllowsAny counting grants limited to named objects too: it
// prefers a grant on every object (names nil) and otherwise reports the
// first named grant, with its names.
func GrantsAny(r rbacv1.PolicyRule, group string, resources, verbs []string) (what string, names []string, ok bool) {
	if what, ok := AllowsAny(r, group, resources, verbs); ok {
		return what, nil, true
	}
	for _, res := range resources {
		for _, v := range verbs {
			if names, ok := Grants(r, group, res, v); ok {
				return v + " " + res, names, true
			}
		}
	}
	return "", nil, false
}

// AggregateLabels are the labels that aggregate a ClusterRole into the
// built-in edit and admin roles, which every namespace administrator and
// editor holds.
var AggregateLabels = []string{"rbac.authorization.k8s.io/aggregate-to-edit", "rbac.authorization.k8s.io/aggregate-to-admin"}

func isAggregatedToEdit(t *check.Target) bool {
	if _, ok := t.Typed.(*rbacv1.ClusterRole); !ok {
		return false
	}
	for _, l := range AggregateLabels {
		if t.Labels[l] == "true" {
			return true
		}
	}
	return false
}

// checkEndpointsToEdit flags write access to endpoints and endpointslices
// aggregated into edit or admin (CVE-2021-25740; removed from the built-in
// roles in Kubernetes 1.22). Built-in roles are not skipped: on an older
// cluster, system:aggregate-to-edit granting it is the vulnerability.
func checkEndpointsToEdit(_ *check.Env, t *check.Target, em *check.Emitter) {
	rules := rulesOf(t)
	flagFirst(em, EndpointsToEdit, rules, true, func(i int, r rbacv1.PolicyRule) (string, []string, catalog.Text, bool) {
		for _, res := range []struct{ group, resource string }{{"", "endpoints"}, {"discovery.k8s.io", "endpointslices"}} {
			if what, names, ok := GrantsAny(r, res.group, []string{res.resource}, []string{"create", "update", "patch"}); ok {
				return what, names, catalog.Text{EN: fmt.Sprintf("rule %d allows %s, and the role is aggregated into edit or admin", i, what), ZH: fmt.Sprintf("规则 %d 授予%s，且该角色被聚合到 edit 或 admin", i, whatZH(what))}, true
			}
		}
		return "", nil, catalog.Text{}, false
	})
}

func rulesOf(t *check.Target) []rbacv1.PolicyRule {
	switch r := t.Typed.(type) {
	case *rbacv1.Role:
		return r.Rules
	case *rbacv1.ClusterRole:
		return r.Rules
	}
	return nil
}

// BootstrapLabel marks the roles and bindings the API server creates
// itself; they are Kubernetes' defaults, not the cluster owner's choices.
const BootstrapLabel = "kubernetes.io/bootstrapping"

// builtIn reports a default role or binding of the API server: skipped, so
// the audit speaks only of what the cluster's owners granted.
func builtIn(t *check.Target, em *check.Emitter, ids ...string) bool {
	if t.Labels[BootstrapLabel] != "rbac-defaults" {
		return false
	}
	for _, id := range ids {
		em.Skip(id)
	}
	return true
}

func checkRole(_ *check.Env, t *check.Target, em *check.Emitter) {
	if builtIn(t, em, append([]string{Wildcard, EscalateBind, CreateWorkloads}, permissionIDs()...)...) {
		return
	}
	rules := rulesOf(t)
	wildcard := false
	for i, r := range rules {
		if slices.Contains(r.Verbs, "*") || slices.Contains(r.Resources, "*") || slices.Contains(r.APIGroups, "*") {
			em.Fail(Wildcard, "", fmt.Sprintf("rules[%d]", i),
				catalog.F("rule %d grants %s on %s in API groups %s", "规则 %d 在 API 组 %[4]s 中对 %[3]s 授予 %[2]s", i, strings.Join(r.Verbs, ","), strings.Join(r.Resources, ","), quoteGroups(r.APIGroups)),
				fmt.Sprintf("apiGroups=%v resources=%v verbs=%v", r.APIGroups, r.Resources, r.Verbs))
			wildcard = true
			break
		}
	}
	if !wildcard {
		warnLiteralPatterns(em, rules)
	}
	for _, p := range Permissions {
		flagFirst(em, p.ID, rules, !p.NamedOK, func(i int, r rbacv1.PolicyRule) (string, []string, catalog.Text, bool) {
			what, names, ok := GrantsAny(r, p.Group, p.Resources, p.Verbs)
			return what, names, catalog.Text{
				EN: fmt.Sprintf("rule %d lets subjects %s (%s)", i, p.What.EN, what),
				ZH: fmt.Sprintf("规则 %d 允许主体%s（%s）", i, p.What.ZH, whatZH(what)),
			}, ok
		})
	}
	flagFirst(em, EscalateBind, rules, true, func(i int, r rbacv1.PolicyRule) (string, []string, catalog.Text, bool) {
		var found bool
		var what string
		var names []string
		var msg catalog.Text
		// Of the three ways to escalate, the first granted on every object,
		// else the first granted on named objects.
		for _, alt := range []struct {
			group     string
			resources []string
			verbs     []string
			en, zh    string
		}{
			{"rbac.authorization.k8s.io", []string{"roles", "clusterroles"}, []string{"escalate", "bind"},
				"rule %d allows %s: granting permissions the subject does not hold", "规则 %d 授予%s：可以授予自身不具备的权限"},
			{"", []string{"users", "groups", "serviceaccounts", "uids"}, []string{"impersonate"},
				"rule %d allows %s: acting as another identity", "规则 %d 授予%s：可以冒充其他身份"},
			{"authentication.k8s.io", []string{"userextras/scopes", "uids"}, []string{"impersonate"}, "rule %d allows %s", "规则 %d 授予%s"},
		} {
			w, n, ok := GrantsAny(r, alt.group, alt.resources, alt.verbs)
			if !ok || (found && n != nil) {
				continue
			}
			found, what, names, msg = true, w, n, catalog.Text{EN: fmt.Sprintf(alt.en, i, w), ZH: fmt.Sprintf(alt.zh, i, whatZH(w))}
			if n == nil {
				break
			}
		}
		return what, names, msg, found
	})
	flagFirst(em, CreateWorkloads, rules, true, func(i int, r rbacv1.PolicyRule) (string, []string, catalog.Text, bool) {
		for _, w := range workloadResources {
			// create carries no object name: resourceNames never narrow it.
			if names, ok := Grants(r, w.group, w.resource, "create"); ok {
				return "create " + w.resource, names, catalog.F("rule %d allows create %s", "规则 %d 允许创建 %s", i, w.resource), true
			}
		}
		return "", nil, catalog.Text{}, false
	})
}

// literalPattern reports a resource written as a pattern the RBAC
// authorizer does not expand: only "*" and "*/subresource" are wildcards
// (ResourceMatches in k8s.io/kubernetes/pkg/apis/rbac/v1), so "pods/*"
// names a subresource called "*" and grants nothing today.
func literalPattern(res string) bool {
	if res == "*" {
		return false
	}
	if sub, ok := strings.CutPrefix(res, "*/"); ok {
		return strings.Contains(sub, "*")
	}
	return strings.Contains(res, "*")
}

// warnLiteralPatterns warns about the first rule with such a resource: the
// author meant a wildcard (pods/* for exec, attach, port-forward and proxy)
// that the authorizer does not grant, a person must decide what is meant.
func warnLiteralPatterns(em *check.Emitter, rules []rbacv1.PolicyRule) {
	for i, r := range rules {
		for _, res := range r.Resources {
			if literalPattern(res) {
				em.Warn(Wildcard, "", fmt.Sprintf("rules[%d]", i),
					catalog.F("rule %d lists resource %s: the RBAC authorizer does not expand it (only * and */subresource are wildcards), so it grants nothing now; list the subresources meant", "规则 %d 列出了资源 %s：RBAC 鉴权器不会展开它（只有 * 与 */子资源 是通配符），因此目前不授予任何权限；请列出实际需要的子资源", i, res),
					fmt.Sprintf("resources=%v verbs=%v", r.Resources, r.Verbs))
				return
			}
		}
	}
}

// flagFirst fails id at the first rule that grants it on every object or,
// when namedFails and no rule does, at the first that grants it on named
// objects only (resourceNames), naming them. grantOf says what rule i
// grants: the verb and resource, the names (nil: every object) and the
// message.
func flagFirst(em *check.Emitter, id string, rules []rbacv1.PolicyRule, namedFails bool,
	grantOf func(i int, r rbacv1.PolicyRule) (what string, names []string, msg catalog.Text, ok bool)) {
	at := -1
	var what string
	var names []string
	var msg catalog.Text
	for i, r := range rules {
		w, n, m, ok := grantOf(i, r)
		if !ok || (n != nil && (!namedFails || at >= 0)) {
			continue
		}
		at, what, names, msg = i, w, n, m
		if n == nil {
			break
		}
	}
	if at < 0 {
		return
	}
	evidence := what
	if names != nil {
		list := strings.Join(names, ",")
		evidence += " resourceNames=" + list
		msg = catalog.Text{EN: msg.EN + ", only on resourceNames " + list, ZH: msg.ZH + "，仅限 resourceNames " + list}
	}
	em.Fail(id, "", fmt.Sprintf("rules[%d]", at), msg, evidence)
}

func quoteGroups(groups []string) string {
	q := make([]string, len(groups))
	for i, g := range groups {
		if g == "" {
			g = `""`
		}
		q[i] = g
	}
	return strings.Join(q, ",")
}

func checkBinding(_ *check.Env, t *check.Target, em *check.Emitter) {
	var ref rbacv1.RoleRef
	var subjects []rbacv1.Subject
	ns := ""
	switch b := t.Typed.(type) {
	case *rbacv1.RoleBinding:
		ref, subjects, ns = b.RoleRef, b.Subjects, b.Namespace
	case *rbacv1.ClusterRoleBinding:
		ref, subjects = b.RoleRef, b.Subjects
	}
	// Public subjects are judged by content, not by the bootstrapping
	// label anyone can set: only the API server's own grants to everyone,
	// as it creates them, pass.
	for i, s := range subjects {
		if isPublic(s) && kubeadmDiscoveryGrant(t.Kind, ns, t.Name, ref, s) {
			em.Warn(AnonymousBinding, "", fmt.Sprintf("subjects[%d]", i),
				catalog.F("grants Role/%s to anonymous requests: kubeadm's discovery of the cluster-info ConfigMap (CA and API address) for token joins; confirm the Role grants only get on configmaps/cluster-info, and remove the binding once nodes join with a discovery file",
					"将 Role/%s 授予匿名请求：kubeadm 为令牌加入读取 cluster-info ConfigMap（CA 与 API 地址）的发现绑定；请确认该 Role 仅授予对 configmaps/cluster-info 的 get 权限，节点改用发现文件加入后删除此绑定", ref.Name),
				s.Kind+" "+s.Name)
			continue
		}
		if isPublic(s) && !bootstrapGrant(t.Kind, t.Name, ref, s) {
			msg := catalog.F("grants %s/%s to %s %s", "将 %s/%s 授予 %s %s", ref.Kind, ref.Name, s.Kind, s.Name)
			if _, ok := BootstrapPublicBindings[t.Name]; ok && t.Kind == "ClusterRoleBinding" {
				msg = catalog.F("grants %s/%s to %s %s: more than the API server's own %s binding grants", "将 %s/%s 授予 %s %s：超出了 API 服务器自建的 %s 绑定", ref.Kind, ref.Name, s.Kind, s.Name, t.Name)
			}
			em.Fail(AnonymousBinding, "", fmt.Sprintf("subjects[%d]", i), msg, s.Kind+" "+s.Name)
		}
	}
	if builtIn(t, em, ClusterAdmin, DefaultSABinding) {
		return
	}
	if ref.Kind == "ClusterRole" && ref.Name == "cluster-admin" {
		em.Fail(ClusterAdmin, "", "roleRef.name", catalog.F("binds cluster-admin to %s", "将 cluster-admin 绑定到 %s", describe(subjects)), "roleRef=ClusterRole/cluster-admin")
	}
	for i, s := range subjects {
		path := fmt.Sprintf("subjects[%d]", i)
		if s.Kind == rbacv1.ServiceAccountKind && s.Name == "default" {
			sns := s.Namespace
			if sns == "" {
				sns = ns
			}
			em.Fail(DefaultSABinding, "", path, catalog.F("grants %s/%s to the default service account of %s", "将 %s/%s 授予命名空间 %s 的 default 服务账号", ref.Kind, ref.Name, sns), "ServiceAccount "+sns+"/default")
		}
	}
}

func describe(subjects []rbacv1.Subject) string {
	parts := make([]string, 0, len(subjects))
	for _, s := range subjects {
		if s.Namespace != "" {
			parts = append(parts, s.Kind+" "+s.Namespace+"/"+s.Name)
		} else {
			parts = append(parts, s.Kind+" "+s.Name)
		}
	}
	if len(parts) == 0 {
		return "no subjects"
	}
	return strings.Join(parts, ", ")
}

func permissionIDs() []string {
	ids := make([]string, len(Permissions))
	for i, p := range Permissions {
		ids[i] = p.ID
	}
	return ids
}
