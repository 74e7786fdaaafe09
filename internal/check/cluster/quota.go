package cluster

import (
	"fmt"
	"slices"
	"strings"

	corev1 "k8s.io/api/core/v1"

	"github.com/kubeward/kubeward/internal/catalog"
	"github.com/kubeward/kubeward/internal/check"
	"github.com/kubeward/kubeward/internal/result"
)

const (
	QuotaIncomplete = "KW-CL-030"
	QuotaNearlyUsed = "KW-CL-031"
)

func init() {
	check.Register(check.Spec{ID: QuotaIncomplete, Fix: liveQuotaFix, Item: "4.5", Severity: catalog.SeverityMedium, Scope: check.Cluster, Policy: quotaRule,
		References:  []string{"Kubernetes docs: Resource Quotas"},
		Title:       T{EN: "ResourceQuota does not constrain cpu, memory, pods, services, storage and PVCs", ZH: "ResourceQuota 未限制 cpu、内存、pods、services、存储和 PVC"},
		Remediation: T{EN: "Set hard limits for requests.cpu, requests.memory, pods, services, requests.storage and persistentvolumeclaims.", ZH: "为 requests.cpu、requests.memory、pods、services、requests.storage 和 persistentvolumeclaims 设置硬限制。"}})
	check.Register(check.Spec{ID: QuotaNearlyUsed, Item: "4.5", Severity: catalog.SeverityLow, Scope: check.Cluster, Policy: quotaRule,
		References:  []string{"Kubernetes docs: Resource Quotas"},
		Title:       T{EN: "Namespace has used 90% or more of a quota", ZH: "命名空间已使用配额的 90% 以上"},
		Remediation: T{EN: "Raise the quota or reduce usage before new pods are rejected.", ZH: "在新 Pod 被拒绝之前提高配额或降低用量。"}})
}

var quotaRule = &check.PolicyRule{Collect: workloadFacts, Run: checkQuotas}

// checkQuotas judges each namespace's ResourceQuotas, content and usage.
func checkQuotas(env *check.Env, ix *check.Index, em *check.Emitter) {
	if !live(env) {
		return
	}
	quotas(env, ix, em)
}

// quotaResources are what a quota must bound, each with the keys that do.
var quotaResources = []struct {
	name string
	keys []string
}{
	{"cpu", []string{"requests.cpu", "cpu", "limits.cpu"}},
	{"memory", []string{"requests.memory", "memory", "limits.memory"}},
	{"pods", []string{"pods", "count/pods"}},
	{"services", []string{"services", "count/services"}},
	{"storage", []string{"requests.storage"}},
	{"persistentvolumeclaims", []string{"persistentvolumeclaims", "count/persistentvolumeclaims"}},
}

func quotas(env *check.Env, ix *check.Index, em *check.Emitter) {
	for _, name := range sortedNamespaces(ix) {
		ns := ix.Namespaces[name]
		if env.IsSystemNamespace(name) || len(ns.ResourceQuotas) == 0 {
			continue // KW-NS-001 reports a namespace without a quota
		}
		hard := map[string]bool{}
		for _, o := range ns.ResourceQuotas {
			q := o.Typed.(*corev1.ResourceQuota)
			for k := range q.Spec.Hard {
				hard[string(k)] = true
			}
			// In resource-name order: several warnings on one quota differ
			// only in their message, which result.Sort does not order by.
			names := make([]corev1.ResourceName, 0, len(q.Status.Hard))
			for k := range q.Status.Hard {
				names = append(names, k)
			}
			slices.Sort(names)
			for _, k := range names {
				h := q.Status.Hard[k]
				used, ok := q.Status.Used[k]
				if !ok || h.IsZero() {
					continue
				}
				if used.AsApproximateFloat64() >= 0.9*h.AsApproximateFloat64() {
					em.Add(check.Finding{ID: QuotaNearlyUsed, Status: result.Warn, Object: o,
						Message:  catalog.F("quota %s: %s used %s of %s", "配额 %s：%s 已使用 %s / %s", q.Name, k, used.String(), h.String()),
						Evidence: fmt.Sprintf("%s used=%s hard=%s", k, used.String(), h.String())})
				}
			}
		}
		var missing []string
		for _, r := range quotaResources {
			found := false
			for _, k := range r.keys {
				found = found || hard[k]
			}
			if !found {
				missing = append(missing, r.name)
			}
		}
		f := check.Finding{ID: QuotaIncomplete, Object: ns.ResourceQuotas[0], Subject: &result.Subject{Kind: "Namespace", Name: name}}
		if len(missing) == 0 {
			em.Pass(f)
			continue
		}
		f.Status = result.Fail
		f.Message = catalog.F("the quotas of namespace %s do not bound %s", "命名空间 %s 的配额未限制 %s", name, strings.Join(missing, ", "))
		f.Evidence = "hard: " + strings.Join(sortedKeys(hard), ", ")
		em.Add(f)
	}
}
