package cluster

import (
	"testing"

	"github.com/kubeward/kubeward/internal/catalog"
	"github.com/kubeward/kubeward/internal/result"
)

// TestNodeUncoveredResult: a node without a fresh report is one KW-CL-009
// ERROR on the Node, with the reason in both languages.
func TestNodeUncoveredResult(t *testing.T) {
	r := NodeUncoveredResult("worker-7", catalog.Text{EN: "no node scanner pod on the node", ZH: "节点上没有节点扫描器 Pod"}, "pods=0")
	if r.ID != NodeUncovered || r.Status != result.Error || r.Severity != catalog.SeverityHigh {
		t.Errorf("got %s %s %v, want KW-CL-009 ERROR high", r.ID, r.Status, r.Severity)
	}
	if r.Subject != (result.Subject{Kind: "Node", Name: "worker-7"}) || r.Message.ZH == "" || r.Evidence != "pods=0" {
		t.Errorf("got %+v", r)
	}
}
