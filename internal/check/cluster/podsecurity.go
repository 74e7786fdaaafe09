package cluster

import (
	"fmt"

	"k8s.io/pod-security-admission/api"

	"github.com/kubeward/kubeward/internal/catalog"
	"github.com/kubeward/kubeward/internal/check"
	"github.com/kubeward/kubeward/internal/result"
)

const (
	EnforceableLevel = "KW-CL-040"
)

func init() {
	check.Register(check.Spec{ID: EnforceableLevel, Fix: liveEnforceFix, Item: "4.7", Severity: catalog.SeverityMedium, Scope: check.Cluster, Policy: levelRule,
		References:  []string{"Kubernetes docs: Pod Security Admission (migration)"},
		Title:       T{EN: "Namespace enforces a weaker Pod Security level than its pods already meet", ZH: "命名空间强制的 Pod 安全级别低于其现有 Pod 已满足的级别"},
		Remediation: T{EN: "Raise pod-security.kubernetes.io/enforce to the level every current pod already satisfies: nothing running breaks.", ZH: "将 pod-security.kubernetes.io/enforce 提高到当前所有 Pod 已满足的级别：不会影响正在运行的工作负载。"}})
}

var levelRule = &check.PolicyRule{Collect: workloadFacts, Run: checkEnforceableLevel}

// checkEnforceableLevel compares each namespace's enforced level with its pods'.
func checkEnforceableLevel(env *check.Env, ix *check.Index, em *check.Emitter) {
	if !live(env) {
		return
	}
	enforceable(env, ix, workloads(ix), em)
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
