package cluster

import (
	"sort"

	"github.com/kubeward/kubeward/internal/check"
	"github.com/kubeward/kubeward/internal/check/controlplane"
	"github.com/kubeward/kubeward/internal/inventory"
	"github.com/kubeward/kubeward/internal/source/host"
)

func init() {
	check.RegisterPolicy(&check.PolicyRule{Run: staticPods})
}

// staticPods runs the node audit's flag and config rules on the command
// lines of the control plane's static pods, as the API server shows them.
// Files they name cannot be read through the API: those checks are not
// applicable here and belong to `kubeward scan node` on the node.
func staticPods(env *check.Env, ix *check.Index, em *check.Emitter) {
	if !live(env) {
		return
	}
	pods := facts[podFact](ix, "pods")
	sort.Slice(pods, func(i, j int) bool { return pods[i].namespace+"/"+pods[i].name < pods[j].namespace+"/"+pods[j].name })
	for _, p := range pods {
		if !p.static || p.namespace != "kube-system" || len(p.command) == 0 {
			continue
		}
		c := &inventory.Component{Source: "static pod (API)", SourceFile: p.obj.Origin, Args: p.command,
			Flags: host.ParseFlags(p.command[1:]), Env: p.env}
		c.Kind = host.KindOf(p.command[0], p.command)
		if c.Kind == "" {
			continue
		}
		n := &inventory.Node{Hostname: "kube-system/" + p.name + " on " + p.node, Components: []*inventory.Component{c}}
		for _, r := range controlplane.EvaluateRules(env, n, &host.FS{NoFiles: true}) {
			em.AddResult(r)
		}
	}
}
