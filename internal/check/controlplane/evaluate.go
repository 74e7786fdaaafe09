package controlplane

import (
	"github.com/kubeward/kubeward/internal/catalog"
	"github.com/kubeward/kubeward/internal/check"
	"github.com/kubeward/kubeward/internal/inventory"
	"github.com/kubeward/kubeward/internal/result"
)

// NodeProblems (KW-NODE-000): what the node source could not read (a config
// file a flag names but that is missing, a malformed file) is an ERROR.
const NodeProblems = "KW-NODE-000"

func init() {
	check.Register(check.Spec{ID: NodeProblems, Item: "3.6", Severity: catalog.SeverityMedium, Scope: check.Node,
		Title:       catalog.Text{EN: "A file a component uses could not be read", ZH: "无法读取组件使用的文件"},
		Remediation: catalog.Text{EN: "Make the file readable to the audit (run as root, or mount it into the audit pod).", ZH: "确保审计可以读取该文件（以 root 运行，或将其挂载到审计 Pod 中）。"},
		Node:        &check.NodeRule{Run: problems}})
}

func problems(_ *check.Env, n *inventory.Node, em *check.NodeEmitter) {
	for _, p := range n.Problems {
		em.Add(NodeProblems, result.Error, nil, nil, catalog.F("could not read: %s", "无法读取：%s", p), "")
	}
}
