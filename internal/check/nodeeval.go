package check

import (
	"github.com/kubeward/kubeward/internal/inventory"
	"github.com/kubeward/kubeward/internal/result"
)

// EvaluateNode runs every registered node rule (flag rules, file,
// certificate, runtime, sshd and firewall checks) on a node's inventory
// (internal/source/node gathers it), sorted.
func EvaluateNode(env *Env, n *inventory.Node) []result.Result {
	em := NewNodeEmitter(env, n)
	RunNodeRules(env, n, em)
	rs := em.Results()
	result.Sort(rs)
	return rs
}
