package cluster

import (
	"github.com/kubeward/kubeward/internal/catalog"
	"github.com/kubeward/kubeward/internal/check"
)

// The live namespace layer's fixes are new or changed objects beside the
// cluster's (check.Fix Generated), written by `harden cluster`
// (internal/harden/namespaces, sized from what runs).
var (
	liveDefaultDenyFix = &check.Fix{Generated: &catalog.Text{
		EN: "a default-deny NetworkPolicy for the namespace, with allows for DNS, same-namespace traffic and the ports of the Services that exist",
		ZH: "命名空间的默认拒绝 NetworkPolicy，并放行 DNS、同命名空间流量及现有 Service 的端口"}}
	liveQuotaFix = &check.Fix{Generated: &catalog.Text{
		EN: "a ResourceQuota kubeward-quota on every resource the plan names, sized from current usage with headroom",
		ZH: "覆盖方案所列全部资源的 ResourceQuota kubeward-quota，按当前用量加余量确定大小"}}
	liveEnforceFix = &check.Fix{Generated: &catalog.Text{
		EN: "pod-security.kubernetes.io/enforce raised to the level every current pod meets",
		ZH: "将 pod-security.kubernetes.io/enforce 提高到当前所有 Pod 都满足的级别"}}
)
