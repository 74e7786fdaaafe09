package workload

import (
	"strings"

	corev1 "k8s.io/api/core/v1"

	"github.com/kubeward/kubeward/internal/catalog"
	"github.com/kubeward/kubeward/internal/check"
)

const (
	RequestsMissing = "KW-RES-001"
	LimitsMissing   = "KW-RES-002"
)

func init() {
	wl := check.Manifest | check.Cluster | check.Admission
	check.Register(
		check.Spec{ID: RequestsMissing, Fix: fixes[RequestsMissing], CEL: requestsMissingCEL, Object: resourcesRule, Item: "4.5", Severity: catalog.SeverityMedium, Scope: wl,
			Title:       catalog.Text{EN: "CPU or memory request is missing", ZH: "缺少 CPU 或内存请求（requests）"},
			Remediation: catalog.Text{EN: "Set resources.requests.cpu and resources.requests.memory on every container; a ResourceQuota on cpu or memory rejects pods without them.", ZH: "为每个容器设置 resources.requests.cpu 和 resources.requests.memory；针对 cpu 或内存的 ResourceQuota 会拒绝缺少它们的 Pod。"},
			References:  []string{"Kubernetes docs: Resource Quotas"}},
		check.Spec{ID: LimitsMissing, Fix: fixes[LimitsMissing], CEL: limitsMissingCEL, Object: resourcesRule, Item: "4.5", Severity: catalog.SeverityMedium, Scope: wl,
			Title:       catalog.Text{EN: "CPU or memory limit is missing", ZH: "缺少 CPU 或内存限制（limits）"},
			Remediation: catalog.Text{EN: "Set resources.limits.cpu and resources.limits.memory on every container (or a LimitRange default).", ZH: "为每个容器设置 resources.limits.cpu 和 resources.limits.memory（或通过 LimitRange 设置默认值）。"},
			References:  []string{"Kubernetes docs: Resource Quotas", "NSA/CISA Kubernetes Hardening Guide"}},
	)
}

// The checks as admission-policy predicates (check.CEL): what holds when
// each passes, exported by `kubeward export vap`.
var (
	requestsMissingCEL = &check.CEL{Target: check.CELPod, List: check.RegularContainers, OK: check.Const(
		"has(c.resources) && has(c.resources.requests) && 'cpu' in c.resources.requests && 'memory' in c.resources.requests")}
	limitsMissingCEL = &check.CEL{Target: check.CELPod, List: check.RegularContainers, OK: check.Const(
		"has(c.resources) && has(c.resources.limits) && 'cpu' in c.resources.limits && 'memory' in c.resources.limits")}
)

var resourcesRule = &check.ObjectRule{Applies: isWorkload, Run: checkResources}

func missing(list corev1.ResourceList) []string {
	var out []string
	for _, r := range []corev1.ResourceName{corev1.ResourceCPU, corev1.ResourceMemory} {
		if _, ok := list[r]; !ok {
			out = append(out, string(r))
		}
	}
	return out
}

func checkResources(_ *check.Env, t *check.Target, em *check.Emitter) {
	for _, c := range t.Workload.Containers() {
		if c.List == "ephemeralContainers" {
			continue // ephemeral containers may not set resources
		}
		if m := missing(c.Resources.Requests); len(m) > 0 {
			em.Fail(RequestsMissing, c.Name, c.Path+".resources.requests",
				catalog.F("container %s sets no %s request", "容器 %s 未设置 %s 请求", c.Name, strings.Join(m, "/")), "missing requests: "+strings.Join(m, ","))
		}
		if m := missing(c.Resources.Limits); len(m) > 0 {
			em.Fail(LimitsMissing, c.Name, c.Path+".resources.limits",
				catalog.F("container %s sets no %s limit", "容器 %s 未设置 %s 限制", c.Name, strings.Join(m, "/")), "missing limits: "+strings.Join(m, ","))
		}
	}
}
