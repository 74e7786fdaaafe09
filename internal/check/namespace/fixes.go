package namespace

import (
	"github.com/kubeward/kubeward/internal/catalog"
	"github.com/kubeward/kubeward/internal/check"
)

// The namespace layer's fixes are new objects beside the user's (check.Fix
// Generated), written per namespace by `harden manifests --out DIR` and
// `harden cluster` (internal/harden/namespaces).
var (
	quotaFix = &check.Fix{Generated: &catalog.Text{
		EN: "a ResourceQuota kubeward-quota with the plan's values (harden.namespaces in the config), never below what runs",
		ZH: "按方案取值的 ResourceQuota kubeward-quota（配置中的 harden.namespaces），不低于正在运行的用量"}}
	limitRangeFix = &check.Fix{Generated: &catalog.Text{
		EN: "a LimitRange kubeward-limits with default requests and limits for containers",
		ZH: "为容器设置默认 requests 与 limits 的 LimitRange kubeward-limits"}}
	defaultDenyFix = &check.Fix{Generated: &catalog.Text{
		EN: "a default-deny NetworkPolicy for ingress and egress, with allows for DNS, same-namespace traffic and each Service's ports",
		ZH: "默认拒绝入站与出站的 NetworkPolicy，并放行 DNS、同命名空间流量及各 Service 的端口"}}
	podSecurityFix = &check.Fix{Generated: &catalog.Text{
		EN: "Pod Security labels on the Namespace: enforce the strictest level every workload meets, warn and audit restricted",
		ZH: "命名空间的 Pod 安全标签：enforce 为所有工作负载都满足的最严格级别，warn 与 audit 为 restricted"}}
)
