package cluster

import (
	"github.com/kubeward/kubeward/internal/catalog"
	"github.com/kubeward/kubeward/internal/check"
	"github.com/kubeward/kubeward/internal/result"
)

// NodeUncovered is the check a node with no fresh node report is reported
// under by `scan cluster --nodes`: a node is never left out silently.
const NodeUncovered = "KW-CL-009"

func init() {
	check.Register(check.Spec{ID: NodeUncovered, Item: "4.8", Severity: catalog.SeverityHigh, Scope: check.Cluster,
		Title: catalog.Text{EN: "Node has no fresh node audit report", ZH: "节点没有最新的节点审计报告"},
		Remediation: catalog.Text{
			EN: "Run the node scanner on every node: the chart's DaemonSet tolerates every taint; check why its pod is missing, crashing or late on this node.",
			ZH: "在每个节点上运行节点扫描器：chart 中的 DaemonSet 容忍所有污点；请检查该节点上的 Pod 为何缺失、崩溃或延迟。"},
		References: []string{"CIS Kubernetes v1.12 4 (Worker Nodes)"}})
}

// NodeUncoveredResult is the KW-CL-009 ERROR of a node: why it has no fresh
// report (not scheduled, crashed, stale), in English and Chinese, and the
// evidence (the pod's state, the report's time).
func NodeUncoveredResult(node string, why catalog.Text, evidence string) result.Result {
	return result.Result{ID: NodeUncovered, Status: result.Error, Severity: check.Severity(NodeUncovered),
		Subject: result.Subject{Kind: "Node", Name: node}, Message: why, Evidence: evidence}
}
