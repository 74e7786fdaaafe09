package cluster

import (
	"fmt"
	"strings"

	admissionv1 "k8s.io/api/admissionregistration/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/kubeward/kubeward/internal/catalog"
	"github.com/kubeward/kubeward/internal/check"
)

const (
	WebhookFailsOpen    = "KW-WH-001"
	WebhookSlow         = "KW-WH-002"
	WebhookSkipsSystem  = "KW-WH-004"
	WebhookTenantOptOut = "KW-WH-005"
)

func init() {
	reg := func(id string, sev catalog.Severity, title, fix T) {
		check.Register(check.Spec{ID: id, Item: "4.4", Severity: sev, Title: title, Remediation: fix, Scope: check.Manifest | check.Cluster, Object: webhookRule,
			References: []string{"Kubernetes docs: Admission Webhook Good Practices"}})
	}
	reg(WebhookFailsOpen, catalog.SeverityMedium, T{EN: "Validating webhook fails open (failurePolicy: Ignore)", ZH: "校验 Webhook 失败时放行（failurePolicy: Ignore）"},
		T{EN: "Use failurePolicy: Fail for webhooks that enforce security, with 2+ replicas and a PodDisruptionBudget behind them.", ZH: "执行安全策略的 Webhook 使用 failurePolicy: Fail，并部署 2 个以上副本及 PodDisruptionBudget。"})
	reg(WebhookSlow, catalog.SeverityLow, T{EN: "Webhook timeout is longer than 10 seconds", ZH: "Webhook 超时时间超过 10 秒"},
		T{EN: "Set timeoutSeconds to 10 or less so a slow webhook cannot stall the API server.", ZH: "将 timeoutSeconds 设置为 10 或更小，避免缓慢的 Webhook 拖慢 API Server。"})
	reg(WebhookSkipsSystem, catalog.SeverityLow, T{EN: "Webhook leaves kube-system unprotected", ZH: "Webhook 未保护 kube-system"},
		T{EN: "Check that kube-system is covered by another control (Pod Security, RBAC) if the webhook excludes it to avoid a deadlock.", ZH: "若为避免死锁而排除 kube-system，请确认其受到其他控制（Pod 安全、RBAC）保护。"})
	reg(WebhookTenantOptOut, catalog.SeverityHigh, T{EN: "Tenants can opt out of the webhook by labelling their namespace", ZH: "租户可通过为命名空间打标签来绕过 Webhook"},
		T{EN: "Select namespaces by kubernetes.io/metadata.name (set by the API server) or restrict who may label namespaces.", ZH: "按 kubernetes.io/metadata.name（由 API Server 设置）选择命名空间，或限制可为命名空间打标签的主体。"})
}

// hook is the part of a validating or mutating webhook these checks read.
type hook struct {
	name       string
	path       string
	validating bool
	failure    *admissionv1.FailurePolicyType
	timeout    *int32
	nsSelector *metav1.LabelSelector
}

func hooks(t *check.Target) []hook {
	var out []hook
	switch c := t.Typed.(type) {
	case *admissionv1.ValidatingWebhookConfiguration:
		for i, w := range c.Webhooks {
			out = append(out, hook{w.Name, fmt.Sprintf("webhooks[%d]", i), true, w.FailurePolicy, w.TimeoutSeconds, w.NamespaceSelector})
		}
	case *admissionv1.MutatingWebhookConfiguration:
		for i, w := range c.Webhooks {
			out = append(out, hook{w.Name, fmt.Sprintf("webhooks[%d]", i), false, w.FailurePolicy, w.TimeoutSeconds, w.NamespaceSelector})
		}
	}
	return out
}

const namespaceNameLabel = "kubernetes.io/metadata.name"

var webhookRule = &check.ObjectRule{
	// Side effects need no check: admissionregistration/v1 accepts only None
	// and NoneOnDryRun.
	Applies: func(t *check.Target) bool {
		switch t.Typed.(type) {
		case *admissionv1.ValidatingWebhookConfiguration, *admissionv1.MutatingWebhookConfiguration:
			return true
		}
		return false
	},
	Run: checkWebhooks,
}

func checkWebhooks(_ *check.Env, t *check.Target, em *check.Emitter) {
	for _, h := range hooks(t) {
		if h.validating && h.failure != nil && *h.failure == admissionv1.Ignore {
			em.Warn(WebhookFailsOpen, h.name, h.path+".failurePolicy", catalog.F("webhook %s admits everything when it is down", "Webhook %s 不可用时会放行所有请求", h.name), "failurePolicy=Ignore")
		}
		if h.timeout != nil && *h.timeout > 10 {
			em.Fail(WebhookSlow, h.name, h.path+".timeoutSeconds", catalog.F("webhook %s may hold each request for %ds", "Webhook %s 可能使每个请求等待 %d 秒", h.name, *h.timeout), fmt.Sprintf("timeoutSeconds=%d", *h.timeout))
		}
		sel := h.nsSelector
		if sel == nil {
			continue
		}
		for i, e := range sel.MatchExpressions {
			p := fmt.Sprintf("%s.namespaceSelector.matchExpressions[%d]", h.path, i)
			if e.Key == namespaceNameLabel {
				if e.Operator == metav1.LabelSelectorOpNotIn && contains(e.Values, "kube-system") {
					em.Warn(WebhookSkipsSystem, h.name, p, catalog.F("webhook %s excludes kube-system", "Webhook %s 排除了 kube-system", h.name), fmt.Sprintf("%s NotIn %v", e.Key, e.Values))
				}
				continue
			}
			if e.Operator == metav1.LabelSelectorOpNotIn || e.Operator == metav1.LabelSelectorOpDoesNotExist {
				em.Warn(WebhookTenantOptOut, h.name, p, catalog.F("a namespace labelled %s escapes webhook %s", "带有标签 %s 的命名空间可绕过 Webhook %s", e.Key, h.name), fmt.Sprintf("%s %s %s", e.Key, e.Operator, strings.Join(e.Values, ",")))
			}
		}
	}
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}
