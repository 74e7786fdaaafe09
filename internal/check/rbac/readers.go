package rbac

import (
	"sort"
	"strings"

	rbacv1 "k8s.io/api/rbac/v1"

	"github.com/kubeward/kubeward/internal/catalog"
	"github.com/kubeward/kubeward/internal/check"
	"github.com/kubeward/kubeward/internal/check/rbac/effective"
	"github.com/kubeward/kubeward/internal/result"
)

// SecretReaders is the plan's "restrict who can read Secrets" (item 4.11)
// judged on the live cluster's effective permissions: every subject that can
// get, list or watch Secrets beyond its own namespace.
const SecretReaders = "KW-RBAC-014"

func init() {
	check.Register(check.Spec{ID: SecretReaders, Policy: readersRule, Item: "4.11", Severity: catalog.SeverityHigh, Scope: check.Cluster,
		Title: catalog.Text{EN: "Ordinary users can read Secrets", ZH: "普通用户可以读取 Secret"},
		Remediation: catalog.Text{EN: "Remove get, list and watch on secrets from the roles bound to people and to other namespaces' service accounts; a workload reads only the Secrets of its own namespace, by name (resourceNames), and people read them through the central store (Vault), not the API.",
			ZH: "从绑定给人员及其他命名空间服务账号的角色中删除对 secrets 的 get、list 与 watch；工作负载只按名称（resourceNames）读取本命名空间的 Secret，人员通过集中机密存储（Vault）而非 API 读取。"},
		References: []string{"CIS Kubernetes v1.12 5.1.2"}})
}

var (
	readersCollector = &check.Collector{Name: "secret-readers", Applies: func(env *check.Env, t *check.Target) bool {
		if env.Mode != "cluster" {
			return false
		}
		switch t.Typed.(type) {
		case *rbacv1.Role, *rbacv1.ClusterRole, *rbacv1.RoleBinding, *rbacv1.ClusterRoleBinding:
			return true
		}
		return false
	}, Fact: func(_ *check.Env, t *check.Target) any { return t.Typed }}
	readersRule = &check.PolicyRule{Collect: []*check.Collector{readersCollector}, Run: judgeReaders}
)

// ordinaryReader reports whether the grant lets a subject read Secrets it
// has no business with: not an admin identity (effective.Admin), not a
// service account of a system namespace, and, for a service account, a
// grant that reaches beyond its own namespace.
func ordinaryReader(g effective.Grant, system map[string]bool) bool {
	if g.Ability != effective.ReadSecrets || effective.Admin(g.Subject) {
		return false
	}
	if g.Subject.Kind == rbacv1.ServiceAccountKind {
		if system[g.Subject.Namespace] {
			return false
		}
		return g.Namespace == "" || g.Namespace != g.Subject.Namespace
	}
	return true
}

func judgeReaders(env *check.Env, ix *check.Index, em *check.Emitter) {
	if env.Mode != "cluster" {
		return
	}
	system := map[string]bool{}
	for _, n := range env.Config.SystemNamespaces {
		system[n] = true
	}
	type held struct {
		scopes, scopesZH, via []string
	}
	bySubject := map[effective.Subject]*held{}
	var order []effective.Subject
	for _, g := range effective.AnalyzeObjects(ix.Facts["secret-readers"]) {
		if !ordinaryReader(g, system) {
			continue
		}
		h := bySubject[g.Subject]
		if h == nil {
			h = &held{}
			bySubject[g.Subject] = h
			order = append(order, g.Subject)
		}
		scope, scopeZH := "cluster-wide", "集群范围"
		if g.Namespace != "" {
			scope, scopeZH = "in namespace "+g.Namespace, "命名空间 "+g.Namespace+" 中"
		}
		if len(g.Names) > 0 {
			scope += " (only " + strings.Join(g.Names, ",") + ")"
			scopeZH += "（仅 " + strings.Join(g.Names, ",") + "）"
		}
		h.scopes = appendNew(h.scopes, scope)
		h.scopesZH = appendNew(h.scopesZH, scopeZH)
		h.via = appendNew(h.via, g.Binding+" -> "+g.Role)
	}
	sort.Slice(order, func(i, j int) bool { return order[i].String() < order[j].String() })
	for _, s := range order {
		h := bySubject[s]
		em.Add(check.Finding{ID: SecretReaders, Status: result.Fail,
			Subject: &result.Subject{Kind: s.Kind, Namespace: s.Namespace, Name: s.Name},
			Message: catalog.Text{EN: s.String() + " can read Secrets " + strings.Join(h.scopes, "; "),
				ZH: subjectZH(s) + " 可以读取 Secret：" + strings.Join(h.scopesZH, "；")},
			Evidence: "via " + strings.Join(h.via, ", ")})
	}
}

func appendNew(list []string, s string) []string {
	for _, x := range list {
		if x == s {
			return list
		}
	}
	return append(list, s)
}

// subjectZH names a subject in Chinese: 用户 alice, 组 dev, 服务账号 ns/name.
func subjectZH(s effective.Subject) string {
	switch s.Kind {
	case rbacv1.UserKind:
		return "用户 " + s.Name
	case rbacv1.GroupKind:
		return "组 " + s.Name
	}
	return "服务账号 " + s.Namespace + "/" + s.Name
}
