package workload

import (
	"fmt"

	corev1 "k8s.io/api/core/v1"

	"github.com/kubeward/kubeward/internal/catalog"
	"github.com/kubeward/kubeward/internal/check"
	"github.com/kubeward/kubeward/internal/check/cel"
	"github.com/kubeward/kubeward/internal/config"
	"github.com/kubeward/kubeward/internal/result"
)

// ControlPlanePlacement flags tenant workloads that may be scheduled on
// control-plane nodes.
const ControlPlanePlacement = "KW-HOST-007"

// ControlPlaneRoleLabels are the node-role labels and taint keys of
// control-plane nodes (master: before Kubernetes 1.24).
var ControlPlaneRoleLabels = []string{"node-role.kubernetes.io/control-plane", "node-role.kubernetes.io/master"}

func init() {
	check.Register(check.Spec{ID: ControlPlanePlacement, Fix: fixes[ControlPlanePlacement], CEL: controlPlanePlacementCEL, Object: placementRule, Item: "4.8", Severity: catalog.SeverityHigh, Scope: check.Manifest | check.Cluster | check.Admission,
		Title:       catalog.Text{EN: "Workload may run on control-plane nodes", ZH: "工作负载可能运行在控制平面节点上"},
		Remediation: catalog.Text{EN: "Remove tolerations of the node-role.kubernetes.io/control-plane (and master) taint and tolerations with operator Exists and no key, and node selectors or affinity on the control-plane role; only system components belong on control-plane nodes.", ZH: "删除对 node-role.kubernetes.io/control-plane（及 master）污点的容忍、不带 key 的 operator: Exists 容忍，以及针对控制平面角色的 nodeSelector 或节点亲和性；控制平面节点上只应运行系统组件。"},
		References:  []string{"Kubernetes docs: Taints and Tolerations (control-plane taint)", "NSA/CISA Kubernetes Hardening Guide: node isolation"}})
}

// The checks as admission-policy predicates (check.CEL): what holds when
// each passes, exported by `kubeward export vap`.
var (
	controlPlanePlacementCEL = &check.CEL{Target: check.CELPod, OK: func(o *config.Config) string {
		cp := cel.List(ControlPlaneRoleLabels)
		ps := "variables.podSpec"
		na := ps + ".affinity.nodeAffinity"
		term := "has(%[1]s.matchExpressions) && %[1]s.matchExpressions.exists(r, r.key in " + cp + " && r.operator in ['In', 'Exists'])"
		tolerates := "(!has(t.effect) || t.effect == '' || t.effect == 'NoSchedule') && " +
			"((!has(t.key) || t.key == '') ? (has(t.operator) && t.operator == 'Exists') : " +
			"(t.key in " + cp + " && ((has(t.operator) && t.operator == 'Exists') || !has(t.value) || t.value == '')))"
		// DaemonSets are a WARN in the scan (per-node agents): not denied.
		return fmt.Sprintf("request.kind.kind == 'DaemonSet' || request.namespace in %s || ("+
			"(!has(%[2]s.tolerations) || !%[2]s.tolerations.exists(t, %[3]s)) && "+
			"(!has(%[2]s.nodeSelector) || !%[4]s.exists(k, k in %[2]s.nodeSelector)) && "+
			"!(has(%[2]s.affinity) && has(%[2]s.affinity.nodeAffinity) && ("+
			"(has(%[5]s.requiredDuringSchedulingIgnoredDuringExecution) && has(%[5]s.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms) && %[5]s.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms.exists(term, %[6]s)) || "+
			"(has(%[5]s.preferredDuringSchedulingIgnoredDuringExecution) && %[5]s.preferredDuringSchedulingIgnoredDuringExecution.exists(p, %[7]s)))))",
			cel.List(o.SystemNamespaces), ps, tolerates, cp, na, fmt.Sprintf(term, "term"), fmt.Sprintf(term, "p.preference"))
	}}
)

var placementRule = &check.ObjectRule{Applies: isWorkload, Run: checkPlacement}

func isControlPlaneKey(k string) bool {
	for _, l := range ControlPlaneRoleLabels {
		if k == l {
			return true
		}
	}
	return false
}

// toleratesControlPlane reports whether a toleration lets pods onto nodes
// with the control-plane NoSchedule taint (any value: the taint has none).
func toleratesControlPlane(t corev1.Toleration) bool {
	if t.Effect != "" && t.Effect != corev1.TaintEffectNoSchedule {
		return false
	}
	if t.Key == "" {
		return t.Operator == corev1.TolerationOpExists // tolerates every taint
	}
	// The control-plane taint has no value: Equal matches only the empty one.
	return isControlPlaneKey(t.Key) && (t.Operator == corev1.TolerationOpExists || t.Value == "")
}

// selectsControlPlane returns the path of a node selector or affinity term
// that asks for control-plane nodes, or "".
func selectsControlPlane(specPath string, s *corev1.PodSpec) (string, string) {
	for k := range s.NodeSelector {
		if isControlPlaneKey(k) {
			return specPath + ".nodeSelector", "nodeSelector " + k
		}
	}
	if s.Affinity == nil || s.Affinity.NodeAffinity == nil {
		return "", ""
	}
	na := s.Affinity.NodeAffinity
	match := func(reqs []corev1.NodeSelectorRequirement) (string, bool) {
		for _, r := range reqs {
			if isControlPlaneKey(r.Key) && (r.Operator == corev1.NodeSelectorOpIn || r.Operator == corev1.NodeSelectorOpExists) {
				return r.Key, true
			}
		}
		return "", false
	}
	if req := na.RequiredDuringSchedulingIgnoredDuringExecution; req != nil {
		for i, term := range req.NodeSelectorTerms {
			if k, ok := match(term.MatchExpressions); ok {
				return fmt.Sprintf("%s.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[%d]", specPath, i), "required node affinity " + k
			}
		}
	}
	for i, p := range na.PreferredDuringSchedulingIgnoredDuringExecution {
		if k, ok := match(p.Preference.MatchExpressions); ok {
			return fmt.Sprintf("%s.affinity.nodeAffinity.preferredDuringSchedulingIgnoredDuringExecution[%d]", specPath, i), "preferred node affinity " + k
		}
	}
	return "", ""
}

// checkPlacement flags workloads outside the system namespaces that
// tolerate the control-plane taint (or every taint) or select
// control-plane nodes. A DaemonSet is a per-node agent (log shipper,
// monitoring, CNI) that often must run on every node: it is a WARN for a
// person to confirm; any other workload is a FAIL.
func checkPlacement(env *check.Env, t *check.Target, em *check.Emitter) {
	if isSystemWorkload(env, t.Namespace) {
		em.Skip(ControlPlanePlacement)
		return
	}
	w := t.Workload
	status := result.Fail
	if t.Kind == "DaemonSet" {
		status = result.Warn
	}
	add := func(path string, msg catalog.Text, ev string) {
		em.Add(check.Finding{ID: ControlPlanePlacement, Status: status, Path: path, Message: msg, Evidence: ev})
	}
	if path, what := selectsControlPlane(w.SpecPath, w.Spec); path != "" {
		add(path, catalog.F("pods ask for control-plane nodes (%s)", "Pod 要求调度到控制平面节点（%s）", what), what)
		return
	}
	for i, tol := range w.Spec.Tolerations {
		if !toleratesControlPlane(tol) {
			continue
		}
		path := fmt.Sprintf("%s.tolerations[%d]", w.SpecPath, i)
		if tol.Key == "" {
			add(path, catalog.F("pods tolerate every taint (operator Exists without a key), the control-plane taint included", "Pod 容忍所有污点（operator: Exists 且未指定 key），包括控制平面污点"), "toleration operator=Exists key unset")
		} else {
			add(path, catalog.F("pods tolerate the %s taint", "Pod 容忍 %s 污点", tol.Key), fmt.Sprintf("toleration key=%s operator=%s effect=%s", tol.Key, tol.Operator, tol.Effect))
		}
		return
	}
}
