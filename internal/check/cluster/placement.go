package cluster

import (
	"fmt"
	"strings"

	"github.com/kubeward/kubeward/internal/catalog"
	"github.com/kubeward/kubeward/internal/check"
	"github.com/kubeward/kubeward/internal/result"
)

const (
	ReplicasOneNode      = "KW-CL-050"
	SensitiveNotIsolated = "KW-CL-051"
)

func init() {
	check.Register(check.Spec{ID: ReplicasOneNode, Item: "4.8", Severity: catalog.SeverityMedium, Scope: check.Cluster, Policy: placementRule,
		References:  []string{"Kubernetes docs: Pod Topology Spread Constraints"},
		Title:       T{EN: "All replicas of a workload run on one node", ZH: "工作负载的所有副本运行在同一节点上"},
		Remediation: T{EN: "Add topologySpreadConstraints (kubernetes.io/hostname, topology.kubernetes.io/zone) or pod anti-affinity, then roll the workload.", ZH: "添加 topologySpreadConstraints（kubernetes.io/hostname、topology.kubernetes.io/zone）或 Pod 反亲和性，然后滚动更新。"}})
	check.Register(check.Spec{ID: SensitiveNotIsolated, Item: "4.8", Severity: catalog.SeverityMedium, Scope: check.Cluster, Policy: placementRule,
		References:  []string{"NSA/CISA Kubernetes Hardening Guide: node isolation"},
		Title:       T{EN: "Sensitive namespace's pods are not pinned to dedicated nodes", ZH: "敏感命名空间的 Pod 未固定到专用节点"},
		Remediation: T{EN: "Taint dedicated nodes and give the namespace's pods a matching toleration and a nodeSelector (or node affinity).", ZH: "为专用节点添加污点，并为该命名空间的 Pod 设置相应容忍度与 nodeSelector（或节点亲和性）。"}})
}

var placementRule = &check.PolicyRule{Collect: workloadFacts, Run: checkPlacement}

// checkPlacement judges where the live workloads' pods run.
func checkPlacement(env *check.Env, ix *check.Index, em *check.Emitter) {
	if !live(env) {
		return
	}
	placement(env, ix, workloads(ix), em)
}

func placement(env *check.Env, ix *check.Index, ws []*workload, em *check.Emitter) {
	zones := map[string]string{}
	tainted := map[string]bool{}
	distinctZones := map[string]bool{}
	for _, n := range facts[nodeFact](ix, "nodes") {
		zones[n.name] = n.zone
		tainted[n.name] = n.tainted
		if n.zone != "" {
			distinctZones[n.zone] = true
		}
	}
	for _, w := range ws {
		nodes := map[string]bool{}
		running := 0
		for _, p := range w.pods {
			if p.running && p.node != "" {
				nodes[p.node] = true
				running++
			}
		}
		if running < 2 || w.kind == "DaemonSet" {
			continue
		}
		f := check.Finding{ID: ReplicasOneNode, Subject: w.subject(), Location: w.loc(), Evidence: fmt.Sprintf("%d running pods on nodes %s", running, strings.Join(sortedKeys(nodes), ", "))}
		podZones := map[string]bool{}
		for n := range nodes {
			podZones[zones[n]] = true
		}
		if len(nodes) == 1 {
			f.Status = result.Fail
			f.Message = catalog.F("all %d replicas of %s/%s run on node %s: losing it stops the workload", "%[2]s/%[3]s 的全部 %[1]d 个副本都运行在节点 %[4]s 上：该节点故障将导致服务中断", running, w.kind, w.name, sortedKeys(nodes)[0])
			em.Add(f)
		} else if len(distinctZones) > 1 && len(podZones) == 1 {
			f.Status = result.Warn
			f.Message = catalog.F("all replicas of %s/%s run in one zone of %d", "%s/%s 的所有副本都运行在 %d 个可用区中的同一个", w.kind, w.name, len(distinctZones))
			em.Add(f)
		} else {
			em.Pass(f)
		}
	}
	for _, name := range env.Config.SensitiveNamespaces {
		for _, w := range ws {
			if w.namespace != name {
				continue
			}
			p := w.pods[0]
			f := check.Finding{ID: SensitiveNotIsolated, Subject: w.subject(), Location: w.loc()}
			if p.selectors.nodeSelector && p.selectors.tolerations && (p.node == "" || tainted[p.node]) {
				em.Pass(f)
				continue
			}
			f.Status = result.Fail
			f.Message = catalog.F("%s/%s in sensitive namespace %s can share nodes with other tenants", "敏感命名空间 %[3]s 中的 %[1]s/%[2]s 可能与其他租户共享节点", w.kind, w.name, name)
			f.Evidence = fmt.Sprintf("nodeSelector/affinity=%t toleration=%t node=%s", p.selectors.nodeSelector, p.selectors.tolerations, p.node)
			em.Add(f)
		}
	}
}
