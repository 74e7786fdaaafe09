package workload

import (
	"slices"
	"strconv"
	"strings"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/kubeward/kubeward/internal/catalog"
	"github.com/kubeward/kubeward/internal/check"
	"github.com/kubeward/kubeward/internal/check/cel"
)

const (
	ReplicasNotSpread     = "KW-HA-001"
	SystemWithoutPriority = "KW-HA-002"
)

func init() {
	wl := check.Manifest | check.Cluster | check.Admission
	check.Register(
		check.Spec{ID: ReplicasNotSpread, Fix: fixes[ReplicasNotSpread], CEL: replicasNotSpreadCEL, Object: spreadRule, Item: "4.8", Severity: catalog.SeverityLow, Scope: wl,
			Title:       catalog.Text{EN: "Replicas may all land on one node", ZH: "所有副本可能被调度到同一节点"},
			Remediation: catalog.Text{EN: "Add topologySpreadConstraints over kubernetes.io/hostname (and zone) or a pod anti-affinity.", ZH: "添加基于 kubernetes.io/hostname（及可用区）的 topologySpreadConstraints 或 Pod 反亲和性。"},
			References:  []string{"Kubernetes docs: Pod Topology Spread Constraints"}},
		check.Spec{ID: SystemWithoutPriority, Fix: fixes[SystemWithoutPriority], Object: spreadRule, Item: "4.9", Severity: catalog.SeverityMedium, Scope: wl,
			Title:       catalog.Text{EN: "System workload has no priorityClassName", ZH: "系统工作负载未设置 priorityClassName"},
			Remediation: catalog.Text{EN: "Set priorityClassName: system-cluster-critical (or system-node-critical for per-node agents).", ZH: "设置 priorityClassName: system-cluster-critical（节点级代理使用 system-node-critical）。"},
			References:  []string{"Kubernetes docs: Guaranteed Scheduling For Critical Add-On Pods"}},
	)
}

// The checks as admission-policy predicates (check.CEL): what holds when
// each passes, exported by `kubeward export vap`.
var (
	// Spread over nodes: a constraint or an anti-affinity term on
	// kubernetes.io/hostname (zones or custom keys alone do not).
	replicasNotSpreadCEL = &check.CEL{Target: check.CELPod, OK: check.Const(
		"!(request.kind.kind in ['Deployment', 'StatefulSet', 'ReplicaSet', 'ReplicationController'] && has(dyn(object).spec.replicas) && dyn(object).spec.replicas > 1) || " +
			"(has(variables.podSpec.topologySpreadConstraints) && variables.podSpec.topologySpreadConstraints.exists(c, c.topologyKey == " + cel.String(HostnameKey) + ")) || " +
			"(has(variables.podSpec.affinity) && has(variables.podSpec.affinity.podAntiAffinity) && (" +
			"(has(variables.podSpec.affinity.podAntiAffinity.requiredDuringSchedulingIgnoredDuringExecution) && variables.podSpec.affinity.podAntiAffinity.requiredDuringSchedulingIgnoredDuringExecution.exists(a, has(a.topologyKey) && a.topologyKey == " + cel.String(HostnameKey) + ")) || " +
			"(has(variables.podSpec.affinity.podAntiAffinity.preferredDuringSchedulingIgnoredDuringExecution) && variables.podSpec.affinity.podAntiAffinity.preferredDuringSchedulingIgnoredDuringExecution.exists(a, has(a.podAffinityTerm.topologyKey) && a.podAffinityTerm.topologyKey == " + cel.String(HostnameKey) + "))))")}
)

var spreadRule = &check.ObjectRule{Applies: isWorkload, Run: checkSpread}

func checkSpread(env *check.Env, t *check.Target, em *check.Emitter) {
	w := t.Workload
	if w.Replicas != nil && *w.Replicas > 1 {
		if !SpreadsOverNodes(w.Spec) {
			path, keys := w.SpecPath, otherSpreadKeys(w.Spec)
			msg := catalog.F("%d replicas with neither pod anti-affinity nor topologySpreadConstraints", "%d 个副本既无 Pod 反亲和性也无 topologySpreadConstraints", *w.Replicas)
			if len(keys) > 0 {
				path += spreadField(w.Spec)
				msg = catalog.F("%d replicas spread only over %s, not over nodes (%s): several may share one node", "%d 个副本仅按 %s 分布，未按节点（%s）分布：多个副本可能位于同一节点", *w.Replicas, strings.Join(keys, ", "), HostnameKey)
			}
			em.Fail(ReplicasNotSpread, "", path, msg, "replicas="+strconv.Itoa(int(*w.Replicas)))
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

// HostnameKey is the node label that makes spread or anti-affinity per node.
const HostnameKey = "kubernetes.io/hostname"

// SpreadsOverNodes reports whether a pod spec keeps its replicas on
// different nodes: a topologySpreadConstraint or a pod anti-affinity term
// (required or preferred) over kubernetes.io/hostname. Spreading over zones
// or custom keys alone lets several replicas share a node.
func SpreadsOverNodes(s *corev1.PodSpec) bool {
	for _, c := range s.TopologySpreadConstraints {
		if c.TopologyKey == HostnameKey {
			return true
		}
	}
	aff := s.Affinity
	if aff == nil || aff.PodAntiAffinity == nil {
		return false
	}
	for _, term := range aff.PodAntiAffinity.RequiredDuringSchedulingIgnoredDuringExecution {
		if term.TopologyKey == HostnameKey {
			return true
		}
	}
	for _, p := range aff.PodAntiAffinity.PreferredDuringSchedulingIgnoredDuringExecution {
		if p.PodAffinityTerm.TopologyKey == HostnameKey {
			return true
		}
	}
	return false
}

// spreadField is the field that spreads the pods other than per node.
func spreadField(s *corev1.PodSpec) string {
	if len(s.TopologySpreadConstraints) > 0 {
		return ".topologySpreadConstraints"
	}
	return ".affinity.podAntiAffinity"
}

// otherSpreadKeys lists the topology keys a spec spreads or repels over
// that are not per node.
func otherSpreadKeys(s *corev1.PodSpec) []string {
	var keys []string
	add := func(k string) {
		if k != "" && !slices.Contains(keys, k) {
			keys = append(keys, k)
		}
	}
	for _, c := range s.TopologySpreadConstraints {
		add(c.TopologyKey)
	}
	if aff := s.Affinity; aff != nil && aff.PodAntiAffinity != nil {
		for _, term := range aff.PodAntiAffinity.RequiredDuringSchedulingIgnoredDuringExecution {
			add(term.TopologyKey)
		}
		for _, p := range aff.PodAntiAffinity.PreferredDuringSchedulingIgnoredDuringExecution {
			add(p.PodAffinityTerm.TopologyKey)
		}
	}
	return keys
}

// isSystemWorkload reports whether a workload in ns is a system service
// for KW-HA-002: kube-system always (where Kubernetes' own critical add-ons
// run, whatever the configuration says), and every configured
// systemNamespaces entry.
func isSystemWorkload(env *check.Env, ns string) bool {
	return ns == metav1.NamespaceSystem || env.IsSystemNamespace(ns)
}
