package workload

import (
	"strconv"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/kubeward/kubeward/internal/catalog"
	"github.com/kubeward/kubeward/internal/check"
)

const (
	ReplicasNotSpread     = "KW-HA-001"
	SystemWithoutPriority = "KW-HA-002"
)

func init() {
	wl := []string{"manifest", "cluster", "admission"}
	catalog.Register(
		&catalog.Entry{ID: ReplicasNotSpread, Item: "4.8", Severity: catalog.SeverityLow, Scope: wl,
			Title:       catalog.Text{EN: "Replicas may all land on one node", ZH: "所有副本可能被调度到同一节点"},
			Remediation: catalog.Text{EN: "Add topologySpreadConstraints over kubernetes.io/hostname (and zone) or a pod anti-affinity.", ZH: "添加基于 kubernetes.io/hostname（及可用区）的 topologySpreadConstraints 或 Pod 反亲和性。"},
			References:  []string{"Kubernetes docs: Pod Topology Spread Constraints"}},
		&catalog.Entry{ID: SystemWithoutPriority, Item: "4.9", Severity: catalog.SeverityMedium, Scope: wl,
			Title:       catalog.Text{EN: "System workload has no priorityClassName", ZH: "系统工作负载未设置 priorityClassName"},
			Remediation: catalog.Text{EN: "Set priorityClassName: system-cluster-critical (or system-node-critical for per-node agents).", ZH: "设置 priorityClassName: system-cluster-critical（节点级代理使用 system-node-critical）。"},
			References:  []string{"Kubernetes docs: Guaranteed Scheduling For Critical Add-On Pods"}},
	)
	check.Register(&check.Rule{
		IDs:     []string{ReplicasNotSpread, SystemWithoutPriority},
		Applies: isWorkload,
		Run:     checkSpread,
	})
}

func checkSpread(env *check.Env, t *check.Target, em *check.Emitter) {
	w := t.Workload
	if w.Replicas != nil && *w.Replicas > 1 {
		aff := w.Spec.Affinity
		anti := aff != nil && aff.PodAntiAffinity != nil &&
			(len(aff.PodAntiAffinity.RequiredDuringSchedulingIgnoredDuringExecution) > 0 || len(aff.PodAntiAffinity.PreferredDuringSchedulingIgnoredDuringExecution) > 0)
		if !anti && len(w.Spec.TopologySpreadConstraints) == 0 {
			em.Fail(ReplicasNotSpread, "", w.SpecPath, catalog.F("%d replicas with neither pod anti-affinity nor topologySpreadConstraints", "%d 个副本既无 Pod 反亲和性也无 topologySpreadConstraints", *w.Replicas),
				"replicas="+strconv.Itoa(int(*w.Replicas)))
		}
	} else {
		em.Skip(ReplicasNotSpread)
	}
	if isSystemWorkload(env, t.Namespace) {
		if w.Spec.PriorityClassName == "" {
			em.Fail(SystemWithoutPriority, "", w.SpecPath+".priorityClassName",
				catalog.F("workload in system namespace %s without a priority class can be preempted or evicted first", "系统命名空间 %s 中未设置优先级的工作负载可能被优先抢占或驱逐", t.Namespace),
				"priorityClassName unset")
		}
	} else {
		em.Skip(SystemWithoutPriority)
	}
}

// isSystemWorkload reports whether a workload in ns is a system service
// for KW-HA-002: kube-system always (where Kubernetes' own critical add-ons
// run, whatever the configuration says), and every configured
// systemNamespaces entry.
func isSystemWorkload(env *check.Env, ns string) bool {
	return ns == metav1.NamespaceSystem || env.IsSystemNamespace(ns)
}
