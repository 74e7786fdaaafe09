package cli

import (
	"github.com/spf13/cobra"

	"github.com/kubeward/kubeward/internal/benchmark"
	"github.com/kubeward/kubeward/internal/catalog"
	"github.com/kubeward/kubeward/internal/inventory"
	"github.com/kubeward/kubeward/internal/result"
)

// addBenchmarkFlag adds --benchmark to scan node and scan cluster.
func addBenchmarkFlag(cmd *cobra.Command, name *string) {
	cmd.Flags().StringVar(name, "benchmark", "", "also report compliance with a CIS benchmark, per section and recommendation with pass rates: cis-kubernetes-1.12 or cis-docker-1.6 (the plan view stays first)")
}

// validateBenchmark checks --benchmark for a scan ("node" or "cluster")
// before any work: an unknown name, or a benchmark that scan cannot
// evaluate, is a usage error.
func validateBenchmark(name, scan string) error {
	if name == "" {
		return nil
	}
	b, err := benchmark.Get(name)
	if err != nil {
		return usageError("--benchmark: %v", err)
	}
	if b.ID == benchmark.CISDocker && scan != "node" {
		return usageError("--benchmark %s: the Docker Engine is audited on its host: kubeward scan node --benchmark %s", name, name)
	}
	return nil
}

// benchmarkView builds the compliance view of a scan's results; n is the
// node of a node scan (nil for a cluster scan).
func benchmarkView(name, scan string, n *inventory.Node, rs []result.Result, passed map[string]int) *benchmark.View {
	if name == "" {
		return nil
	}
	b, err := benchmark.Get(name)
	if err != nil {
		return nil // validateBenchmark ran first
	}
	o := benchmark.Options{Scan: scan}
	if n != nil {
		switch b.ID {
		case benchmark.CISDocker:
			ds := n.ComponentsOf(inventory.Dockerd)
			if len(ds) == 0 {
				o.Absent = &catalog.Text{EN: "no Docker Engine (dockerd) on this node", ZH: "此节点上没有 Docker 引擎（dockerd）"}
			}
			for _, d := range ds {
				if d.Docker != nil && d.Docker.State != nil && d.Docker.State.Info != nil && d.Docker.State.Info.Swarm.LocalNodeState == "active" {
					o.SwarmActive = true
				}
			}
		case benchmark.CISKubernetes:
			if !hasKubernetes(n) {
				o.Absent = &catalog.Text{EN: "no Kubernetes component on this node", ZH: "此节点上没有 Kubernetes 组件"}
			}
		}
	}
	return benchmark.Build(b, catalog.All(), rs, passed, o)
}

func hasKubernetes(n *inventory.Node) bool {
	for _, k := range []string{inventory.Etcd, inventory.APIServer, inventory.ControllerManager, inventory.Scheduler, inventory.Kubelet, inventory.KubeProxy} {
		if len(n.ComponentsOf(k)) > 0 {
			return true
		}
	}
	return false
}
