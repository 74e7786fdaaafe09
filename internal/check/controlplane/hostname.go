package controlplane

import (
	"github.com/kubeward/kubeward/internal/catalog"
	"github.com/kubeward/kubeward/internal/check"
	"github.com/kubeward/kubeward/internal/inventory"
	"github.com/kubeward/kubeward/internal/result"
)

// KubeletHostnameOverride: CIS Kubernetes v1.12 4.2.7 (a Manual
// recommendation) wants no --hostname-override. Some setups need it (the
// node's name must match what the cloud provider or the API server's
// kubelet address uses), so an override is a WARN for a person to confirm,
// never a FAIL.
const KubeletHostnameOverride = "KW-KLT-012"

func init() {
	check.Register(check.Spec{ID: KubeletHostnameOverride, Item: "3.4", Severity: low, Scope: check.Node,
		Title: T{EN: "kubelet overrides its hostname", ZH: "kubelet 覆盖了其主机名"},
		Remediation: T{EN: "Remove --hostname-override unless the node's name must differ from its hostname; then confirm the name matches its serving certificate and the cloud provider's (a WARN asks a person to).",
			ZH: "除非节点名称必须不同于主机名，否则删除 --hostname-override；如确需覆盖，请确认该名称与其服务证书及云厂商中的名称一致（WARN 请人工确认）。"},
		References: []string{"CIS Kubernetes v1.12 4.2.7"},
		Node:       &check.NodeRule{Run: runHostnameOverride}})
}

func runHostnameOverride(_ *check.Env, n *inventory.Node, em *check.NodeEmitter) {
	ks := n.ComponentsOf(inventory.Kubelet)
	if len(ks) == 0 {
		em.Absent(KubeletHostnameOverride, inventory.Kubelet)
		return
	}
	for _, c := range ks {
		v := c.Setting("hostname-override")
		loc := &result.Location{File: v.File, Path: v.Key}
		if v.Value == "" {
			em.Add(KubeletHostnameOverride, result.Pass, c, loc, catalog.Text{}, v.Evidence("hostname-override"))
			continue
		}
		em.Add(KubeletHostnameOverride, result.Warn, c, loc,
			catalog.F("the kubelet registers the node as %q instead of its hostname: confirm the name matches its serving certificate", "kubelet 以 %q 而非主机名注册节点：请确认该名称与其服务证书一致", v.Value),
			v.Evidence("hostname-override"))
	}
}
