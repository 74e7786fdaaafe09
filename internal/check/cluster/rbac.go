package cluster

import (
	"fmt"
	"sort"
	"strings"

	rbacv1 "k8s.io/api/rbac/v1"

	"github.com/kubeward/kubeward/internal/catalog"
	"github.com/kubeward/kubeward/internal/check"
	"github.com/kubeward/kubeward/internal/check/rbac/effective"
	"github.com/kubeward/kubeward/internal/result"
)

// abilityChecks maps each dangerous ability to the check reporting who holds it.
var abilityChecks = []struct {
	id      string
	ability []effective.Ability
	sev     catalog.Severity
	title   T
	fix     T
	// namedOK: a grant limited to named objects (resourceNames) is not
	// this risk but what its remediation asks for (as KW-RBAC-002 judges a
	// role); other grants on named objects still fail, their names listed.
	namedOK bool
}{
	{"KW-CL-001", []effective.Ability{effective.ReadSecrets}, catalog.SeverityHigh,
		T{EN: "Non-admin subject can read Secrets", ZH: "非管理员主体可以读取 Secret"},
		T{EN: "Grant get on named Secrets only, to the workload that needs them.", ZH: "仅向需要的工作负载授予对指定 Secret 的 get 权限。"}, true},
	{"KW-CL-002", []effective.Ability{effective.ExecPods}, catalog.SeverityHigh,
		T{EN: "Non-admin subject can exec, attach, port-forward or proxy into pods", ZH: "非管理员主体可以 exec、attach、port-forward 或 proxy 进入 Pod"},
		T{EN: "Remove pods/exec, pods/attach, pods/portforward and pods/proxy (and * on resources) from everyday roles.", ZH: "从日常角色中删除 pods/exec、pods/attach、pods/portforward 与 pods/proxy（以及资源上的 *）。"}, false},
	{"KW-CL-003", []effective.Ability{effective.CreatePodsKubeSystem}, catalog.SeverityCritical,
		T{EN: "Non-admin subject can create pods in kube-system", ZH: "非管理员主体可以在 kube-system 中创建 Pod"},
		T{EN: "Nobody but the platform's deployment pipeline should create workloads in kube-system.", ZH: "除平台部署流水线外，任何主体都不应在 kube-system 中创建工作负载。"}, false},
	{"KW-CL-004", []effective.Ability{effective.Escalate, effective.Bind, effective.Impersonate}, catalog.SeverityCritical,
		T{EN: "Non-admin subject can escalate, bind or impersonate", ZH: "非管理员主体可以 escalate、bind 或 impersonate"},
		T{EN: "Remove escalate, bind and impersonate from the subject's roles.", ZH: "从该主体的角色中删除 escalate、bind 和 impersonate。"}, false},
	{"KW-CL-005", []effective.Ability{effective.ApproveCSR}, catalog.SeverityHigh,
		T{EN: "Non-admin subject can approve certificate signing requests", ZH: "非管理员主体可以批准证书签名请求"},
		T{EN: "Remove update on certificatesigningrequests/approval.", ZH: "删除对 certificatesigningrequests/approval 的 update 权限。"}, false},
	{"KW-CL-006", []effective.Ability{effective.WriteWebhooks}, catalog.SeverityHigh,
		T{EN: "Non-admin subject can change admission webhooks", ZH: "非管理员主体可以修改准入 Webhook"},
		T{EN: "Remove write verbs on webhook configurations.", ZH: "删除对 Webhook 配置的写权限。"}, false},
	{"KW-CL-007", []effective.Ability{effective.NodesProxy, effective.TokenRequest}, catalog.SeverityHigh,
		T{EN: "Non-admin subject can reach the kubelet API or mint tokens", ZH: "非管理员主体可以访问 kubelet API 或签发令牌"},
		T{EN: "Remove nodes/proxy and serviceaccounts/token create.", ZH: "删除 nodes/proxy 与 serviceaccounts/token 的 create 权限。"}, false},
	{"KW-CL-008", []effective.Ability{effective.ClusterAdmin}, catalog.SeverityCritical,
		T{EN: "Non-admin subject holds every permission", ZH: "非管理员主体拥有全部权限"},
		T{EN: "Replace the binding with a role limited to what the subject needs.", ZH: "将该绑定替换为仅包含所需权限的角色。"}, false},
}

// MountedPowerfulSA reports pods running with a service account that holds a dangerous ability.
const MountedPowerfulSA = "KW-CL-010"

func init() {
	for _, a := range abilityChecks {
		check.Register(check.Spec{ID: a.id, Item: "4.3", Severity: a.sev, Title: a.title, Remediation: a.fix, Scope: check.Cluster, Policy: rbacRule,
			References: []string{"Kubernetes docs: RBAC good practices"}})
	}
	check.Register(check.Spec{ID: MountedPowerfulSA, Item: "4.2", Severity: catalog.SeverityHigh, Scope: check.Cluster, Policy: rbacRule,
		References:  []string{"CIS Kubernetes v1.12 5.1.6"},
		Title:       T{EN: "Pod runs with a service account that holds dangerous permissions", ZH: "Pod 使用拥有危险权限的服务账号运行"},
		Remediation: T{EN: "Give the pod an account without those permissions, or set automountServiceAccountToken: false if it does not call the API.", ZH: "为 Pod 使用不具备这些权限的账号；若其不调用 API，设置 automountServiceAccountToken: false。"}})
}

var (
	rbacCollector = &check.Collector{Name: "rbac", Applies: func(env *check.Env, t *check.Target) bool {
		if !live(env) {
			return false
		}
		switch t.Typed.(type) {
		case *rbacv1.Role, *rbacv1.ClusterRole, *rbacv1.RoleBinding, *rbacv1.ClusterRoleBinding:
			return true
		}
		return false
	}, Fact: func(_ *check.Env, t *check.Target) any { return t.Typed }}
	// rbacRule expands the scan's RBAC and judges who can do what.
	rbacRule = &check.PolicyRule{Collect: []*check.Collector{rbacCollector, podsCollector, ownersCollector}, Run: effectiveRBAC}
)

func effectiveRBAC(env *check.Env, ix *check.Index, em *check.Emitter) {
	if !live(env) {
		return
	}
	grants := effective.AnalyzeObjects(ix.Facts["rbac"])
	type key struct {
		s  effective.Subject
		id string
	}
	held := map[key][]effective.Grant{}
	var order []key
	powerful := map[effective.Subject][]string{}
	for _, g := range grants {
		if effective.Admin(g.Subject) {
			continue
		}
		for _, a := range abilityChecks {
			for _, ab := range a.ability {
				if g.Ability != ab || (a.namedOK && g.Names != nil) {
					continue
				}
				k := key{g.Subject, a.id}
				if _, ok := held[k]; !ok {
					order = append(order, k)
				}
				held[k] = append(held[k], g)
				if g.Subject.Kind == "ServiceAccount" {
					powerful[g.Subject] = append(powerful[g.Subject], string(g.Ability))
				}
			}
		}
	}
	sort.Slice(order, func(i, j int) bool {
		if order[i].id != order[j].id {
			return order[i].id < order[j].id
		}
		return order[i].s.String() < order[j].s.String()
	})
	for _, k := range order {
		gs := held[k]
		var scopes, via []string
		for _, g := range gs {
			scope := "cluster-wide"
			if g.Namespace != "" {
				scope = "namespace " + g.Namespace
			}
			if len(g.Names) > 0 {
				scope += " (only " + strings.Join(g.Names, ",") + ")"
			}
			scopes = append(scopes, string(g.Ability)+" "+scope)
			via = append(via, g.Binding+" -> "+g.Role)
		}
		em.Add(check.Finding{ID: k.id, Status: result.Fail,
			Subject:  &result.Subject{Kind: k.s.Kind, Namespace: k.s.Namespace, Name: k.s.Name},
			Message:  catalog.F("%s can %s", "%s 拥有权限：%s", k.s.String(), strings.Join(uniq(scopes), "; ")),
			Evidence: "via " + strings.Join(uniq(via), ", ")})
	}
	// Which of those accounts run in pods.
	for _, w := range workloads(ix) {
		seen := map[string]bool{}
		for _, p := range w.pods {
			sa := effective.Subject{Kind: "ServiceAccount", Namespace: p.namespace, Name: p.sa}
			abilities, ok := powerful[sa]
			if !ok || !p.automount || seen[p.sa] {
				continue
			}
			seen[p.sa] = true
			em.Add(check.Finding{ID: MountedPowerfulSA, Status: result.Fail, Subject: w.subject(), Location: w.loc(),
				Message:  catalog.F("%s/%s mounts the token of %s, which can %s", "%s/%s 挂载了 %s 的令牌，该账号拥有权限：%s", w.kind, w.name, sa.String(), strings.Join(uniq(abilities), ", ")),
				Evidence: fmt.Sprintf("serviceAccountName=%s", p.sa)})
		}
	}
}

func uniq(in []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, s := range in {
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	return out
}
