package workload_test

import (
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/kubeward/kubeward/internal/check/checktest"
	"github.com/kubeward/kubeward/internal/check/workload"
	"github.com/kubeward/kubeward/internal/inventory"
)

func TestRootGroup(t *testing.T) {
	gid := func(v int64) *int64 { return &v }
	runCases(t, workload.RootGroup, []ruleCase{
		{name: "no group set", obj: checktest.Pod(func(*corev1.PodSpec) {}), want: "PASS"},
		{name: "non-zero groups", obj: podSCtx(func(p *corev1.PodSecurityContext) {
			p.RunAsGroup, p.FSGroup, p.SupplementalGroups = gid(10001), gid(10001), []int64{2000, 3000}
		}), want: "PASS"},
		{name: "runAsGroup 0 on the pod", obj: podSCtx(func(p *corev1.PodSecurityContext) { p.RunAsGroup = gid(0) }), want: "FAIL[app]",
			path: podSC + ".runAsGroup", evidence: "runAsGroup=0"},
		{name: "runAsGroup 0 on the container", obj: sc(func(s *corev1.SecurityContext) { s.RunAsGroup = gid(0) }), want: "FAIL[app]",
			path: ctrSC + ".runAsGroup", evidence: "runAsGroup=0"},
		{name: "container overrides pod group 0", obj: checktest.Pod(func(s *corev1.PodSpec) {
			s.SecurityContext.RunAsGroup = gid(0)
			s.Containers[0].SecurityContext.RunAsGroup = gid(10001)
		}), want: "PASS"},
		{name: "fsGroup 0", obj: podSCtx(func(p *corev1.PodSecurityContext) { p.FSGroup = gid(0) }), want: "FAIL",
			path: podSC + ".fsGroup", evidence: "fsGroup=0"},
		{name: "supplementalGroups contains 0", obj: podSCtx(func(p *corev1.PodSecurityContext) { p.SupplementalGroups = []int64{1000, 0} }), want: "FAIL",
			path: podSC + ".supplementalGroups[1]", evidence: "supplementalGroups contains 0"},
		{name: "ephemeral container with group 0", obj: checktest.Pod(func(s *corev1.PodSpec) {
			c := checktest.HardenedContainer("debug")
			c.SecurityContext.RunAsGroup = gid(0)
			s.EphemeralContainers = []corev1.EphemeralContainer{{EphemeralContainerCommon: corev1.EphemeralContainerCommon{Name: c.Name, Image: c.Image, SecurityContext: c.SecurityContext}}}
		}), want: "FAIL[debug]", path: "spec.template.spec.ephemeralContainers[0].securityContext.runAsGroup"},
		{name: "Windows pod", obj: checktest.Pod(func(s *corev1.PodSpec) {
			s.OS = &corev1.PodOS{Name: corev1.Windows}
			s.SecurityContext.FSGroup = gid(0)
		}), want: ""},
	})
}

func TestSysctlInjection(t *testing.T) {
	sysctl := func(name, value string) *inventory.Object {
		return podSCtx(func(p *corev1.PodSecurityContext) {
			p.Sysctls = []corev1.Sysctl{{Name: "net.ipv4.ip_local_port_range", Value: "32768 60999"}, {Name: name, Value: value}}
		})
	}
	runCases(t, workload.SysctlInjection, []ruleCase{
		{name: "no sysctls", obj: checktest.Pod(func(*corev1.PodSpec) {}), want: "PASS"},
		{name: "plain values", obj: sysctl("kernel.shm_rmid_forced", "1"), want: "PASS"},
		{name: "cr8escape with +", obj: sysctl("kernel.shm_rmid_forced", "1+kernel.core_pattern=|/var/lib/containers/x.sh #"), want: "FAIL",
			path: podSC + ".sysctls[1].value"},
		{name: "value with =", obj: sysctl("kernel.shm_rmid_forced", "1 kernel.core_pattern=x"), want: "FAIL"},
	})
}

func TestControlPlanePlacement(t *testing.T) {
	tol := func(ts ...corev1.Toleration) *inventory.Object {
		return checktest.Pod(func(s *corev1.PodSpec) { s.Tolerations = ts })
	}
	cp := "node-role.kubernetes.io/control-plane"
	ds := func(ns string, ts ...corev1.Toleration) *inventory.Object {
		d := &appsv1.DaemonSet{ObjectMeta: metav1.ObjectMeta{Name: "agent", Namespace: ns}}
		d.Spec.Template.Spec = checktest.HardenedPodSpec()
		d.Spec.Template.Spec.Tolerations = ts
		return checktest.Object("apps", "DaemonSet", d)
	}
	exists := corev1.Toleration{Operator: corev1.TolerationOpExists}
	runCases(t, workload.ControlPlanePlacement, []ruleCase{
		{name: "no tolerations", obj: checktest.Pod(func(*corev1.PodSpec) {}), want: "PASS"},
		{name: "other taint", obj: tol(corev1.Toleration{Key: "dedicated", Operator: corev1.TolerationOpEqual, Value: "db", Effect: corev1.TaintEffectNoSchedule}), want: "PASS"},
		{name: "not-ready NoExecute", obj: tol(corev1.Toleration{Key: "node.kubernetes.io/not-ready", Operator: corev1.TolerationOpExists, Effect: corev1.TaintEffectNoExecute}), want: "PASS"},
		{name: "control-plane NoSchedule", obj: tol(corev1.Toleration{Key: cp, Operator: corev1.TolerationOpExists, Effect: corev1.TaintEffectNoSchedule}), want: "FAIL",
			path: "spec.template.spec.tolerations[0]", evidence: "toleration key=" + cp + " operator=Exists effect=NoSchedule"},
		{name: "master, every effect", obj: tol(corev1.Toleration{Key: "node-role.kubernetes.io/master", Operator: corev1.TolerationOpExists}), want: "FAIL"},
		{name: "control-plane Equal with an empty value", obj: tol(corev1.Toleration{Key: cp, Effect: corev1.TaintEffectNoSchedule}), want: "FAIL"},
		{name: "control-plane Equal with a value the taint lacks", obj: tol(corev1.Toleration{Key: cp, Value: "true", Effect: corev1.TaintEffectNoSchedule}), want: "PASS"},
		{name: "control-plane NoExecute only", obj: tol(corev1.Toleration{Key: cp, Operator: corev1.TolerationOpExists, Effect: corev1.TaintEffectNoExecute}), want: "PASS"},
		{name: "tolerates everything", obj: tol(exists), want: "FAIL", evidence: "toleration operator=Exists key unset"},
		{name: "tolerates every NoExecute taint only", obj: tol(corev1.Toleration{Operator: corev1.TolerationOpExists, Effect: corev1.TaintEffectNoExecute}), want: "PASS"},
		{name: "nodeSelector on the control-plane role", obj: checktest.Pod(func(s *corev1.PodSpec) { s.NodeSelector = map[string]string{cp: ""} }), want: "FAIL",
			path: "spec.template.spec.nodeSelector"},
		{name: "required node affinity on the role", obj: checktest.Pod(func(s *corev1.PodSpec) {
			s.Affinity = &corev1.Affinity{NodeAffinity: &corev1.NodeAffinity{RequiredDuringSchedulingIgnoredDuringExecution: &corev1.NodeSelector{
				NodeSelectorTerms: []corev1.NodeSelectorTerm{{MatchExpressions: []corev1.NodeSelectorRequirement{{Key: cp, Operator: corev1.NodeSelectorOpExists}}}}}}}
		}), want: "FAIL", path: "spec.template.spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[0]"},
		{name: "node affinity keeping off the control plane", obj: checktest.Pod(func(s *corev1.PodSpec) {
			s.Affinity = &corev1.Affinity{NodeAffinity: &corev1.NodeAffinity{RequiredDuringSchedulingIgnoredDuringExecution: &corev1.NodeSelector{
				NodeSelectorTerms: []corev1.NodeSelectorTerm{{MatchExpressions: []corev1.NodeSelectorRequirement{{Key: cp, Operator: corev1.NodeSelectorOpDoesNotExist}}}}}}}
		}), want: "PASS"},
		{name: "system namespace", obj: checktest.Deployment("kube-system", func(d *appsv1.Deployment) { d.Spec.Template.Spec.Tolerations = []corev1.Toleration{exists} }), want: ""},
		{name: "per-node agent tolerating everything", obj: ds("monitoring", exists), want: "WARN"},
		{name: "per-node agent tolerating nothing special", obj: ds("monitoring"), want: "PASS"},
	})
}
