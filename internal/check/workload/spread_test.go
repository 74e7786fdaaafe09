package workload_test

import (
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/kubeward/kubeward/internal/check/checktest"
	"github.com/kubeward/kubeward/internal/check/workload"
	"github.com/kubeward/kubeward/internal/result"
)

func TestReplicasNotSpread(t *testing.T) {
	noSpread := func(d *appsv1.Deployment) { d.Spec.Template.Spec.TopologySpreadConstraints = nil }
	replicas := func(n int32) func(*appsv1.Deployment) {
		return func(d *appsv1.Deployment) { noSpread(d); d.Spec.Replicas = &n }
	}
	ds := &appsv1.DaemonSet{ObjectMeta: metav1.ObjectMeta{Name: "agent", Namespace: "apps"}}
	ds.Spec.Template.Spec = checktest.HardenedPodSpec()
	ds.Spec.Template.Spec.TopologySpreadConstraints = nil
	sts := &appsv1.StatefulSet{ObjectMeta: metav1.ObjectMeta{Name: "db", Namespace: "apps"}}
	sts.Spec.Replicas = checktest.Ptr(int32(3))
	sts.Spec.Template.Spec = checktest.HardenedPodSpec()
	sts.Spec.Template.Spec.TopologySpreadConstraints = nil
	job := &batchv1.Job{ObjectMeta: metav1.ObjectMeta{Name: "j", Namespace: "apps"}}
	job.Spec.Parallelism = checktest.Ptr(int32(5))
	job.Spec.Template.Spec = checktest.HardenedPodSpec()
	job.Spec.Template.Spec.TopologySpreadConstraints = nil
	runCases(t, workload.ReplicasNotSpread, []ruleCase{
		{name: "topology spread", obj: checktest.Deployment("apps", nil), want: "PASS"},
		{name: "3 replicas, no spread", obj: checktest.Deployment("apps", replicas(3)), want: "FAIL", path: "spec.template.spec", evidence: "replicas=3"},
		{name: "2 replicas", obj: checktest.Deployment("apps", replicas(2)), want: "FAIL", evidence: "replicas=2"},
		{name: "1 replica: nothing to spread", obj: checktest.Deployment("apps", replicas(1)), want: ""},
		{name: "0 replicas", obj: checktest.Deployment("apps", replicas(0)), want: ""},
		{name: "replicas unset means 1", obj: checktest.Deployment("apps", func(d *appsv1.Deployment) { noSpread(d); d.Spec.Replicas = nil }), want: ""},
		{name: "required anti-affinity", obj: checktest.Deployment("apps", func(d *appsv1.Deployment) {
			noSpread(d)
			d.Spec.Template.Spec.Affinity = &corev1.Affinity{PodAntiAffinity: &corev1.PodAntiAffinity{
				RequiredDuringSchedulingIgnoredDuringExecution: []corev1.PodAffinityTerm{{TopologyKey: "kubernetes.io/hostname"}}}}
		}), want: "PASS"},
		{name: "preferred anti-affinity", obj: checktest.Deployment("apps", func(d *appsv1.Deployment) {
			noSpread(d)
			d.Spec.Template.Spec.Affinity = &corev1.Affinity{PodAntiAffinity: &corev1.PodAntiAffinity{
				PreferredDuringSchedulingIgnoredDuringExecution: []corev1.WeightedPodAffinityTerm{{Weight: 100, PodAffinityTerm: corev1.PodAffinityTerm{TopologyKey: "kubernetes.io/hostname"}}}}}
		}), want: "PASS"},
		{name: "zone spread only", obj: checktest.Deployment("apps", func(d *appsv1.Deployment) {
			d.Spec.Template.Spec.TopologySpreadConstraints = []corev1.TopologySpreadConstraint{{MaxSkew: 1, TopologyKey: "topology.kubernetes.io/zone", WhenUnsatisfiable: corev1.DoNotSchedule}}
		}), want: "FAIL", path: "spec.template.spec.topologySpreadConstraints", evidence: "replicas=3"},
		{name: "custom key spread only", obj: checktest.Deployment("apps", func(d *appsv1.Deployment) {
			d.Spec.Template.Spec.TopologySpreadConstraints = []corev1.TopologySpreadConstraint{{MaxSkew: 1, TopologyKey: "example.com/rack"}}
		}), want: "FAIL"},
		{name: "zone and hostname spread", obj: checktest.Deployment("apps", func(d *appsv1.Deployment) {
			d.Spec.Template.Spec.TopologySpreadConstraints = []corev1.TopologySpreadConstraint{
				{MaxSkew: 1, TopologyKey: "topology.kubernetes.io/zone"}, {MaxSkew: 1, TopologyKey: "kubernetes.io/hostname", WhenUnsatisfiable: corev1.ScheduleAnyway}}
		}), want: "PASS"},
		{name: "zone spread with hostname anti-affinity", obj: checktest.Deployment("apps", func(d *appsv1.Deployment) {
			d.Spec.Template.Spec.TopologySpreadConstraints = []corev1.TopologySpreadConstraint{{MaxSkew: 1, TopologyKey: "topology.kubernetes.io/zone"}}
			d.Spec.Template.Spec.Affinity = &corev1.Affinity{PodAntiAffinity: &corev1.PodAntiAffinity{
				RequiredDuringSchedulingIgnoredDuringExecution: []corev1.PodAffinityTerm{{TopologyKey: "kubernetes.io/hostname"}}}}
		}), want: "PASS"},
		{name: "zone anti-affinity only", obj: checktest.Deployment("apps", func(d *appsv1.Deployment) {
			noSpread(d)
			d.Spec.Template.Spec.Affinity = &corev1.Affinity{PodAntiAffinity: &corev1.PodAntiAffinity{
				PreferredDuringSchedulingIgnoredDuringExecution: []corev1.WeightedPodAffinityTerm{{Weight: 100, PodAffinityTerm: corev1.PodAffinityTerm{TopologyKey: "topology.kubernetes.io/zone"}}}}}
		}), want: "FAIL", path: "spec.template.spec.affinity.podAntiAffinity"},
		{name: "pod affinity is not anti-affinity", obj: checktest.Deployment("apps", func(d *appsv1.Deployment) {
			noSpread(d)
			d.Spec.Template.Spec.Affinity = &corev1.Affinity{PodAffinity: &corev1.PodAffinity{
				RequiredDuringSchedulingIgnoredDuringExecution: []corev1.PodAffinityTerm{{TopologyKey: "kubernetes.io/hostname"}}}}
		}), want: "FAIL"},
		{name: "empty anti-affinity", obj: checktest.Deployment("apps", func(d *appsv1.Deployment) {
			noSpread(d)
			d.Spec.Template.Spec.Affinity = &corev1.Affinity{PodAntiAffinity: &corev1.PodAntiAffinity{}}
		}), want: "FAIL"},
		{name: "StatefulSet", obj: checktest.Object("apps", "StatefulSet", sts), want: "FAIL", evidence: "replicas=3"},
		{name: "DaemonSet has one pod per node", obj: checktest.Object("apps", "DaemonSet", ds), want: ""},
		{name: "Job parallelism is not replicas", obj: checktest.Object("batch", "Job", job), want: ""},
	})
}

func TestSystemWithoutPriority(t *testing.T) {
	noPriority := func(d *appsv1.Deployment) { d.Spec.Template.Spec.PriorityClassName = "" }
	platform := checktest.TrustedConfig()
	platform.SystemNamespaces = []string{"platform"}
	runCases(t, workload.SystemWithoutPriority, []ruleCase{
		{name: "kube-system with a priority class", obj: checktest.Deployment("kube-system", nil), want: "PASS"},
		{name: "kube-system without", obj: checktest.Deployment("kube-system", noPriority), want: "FAIL",
			path: "spec.template.spec.priorityClassName", evidence: "priorityClassName unset"},
		{name: "application namespace", obj: checktest.Deployment("apps", noPriority), want: ""},
		{name: "kube-system even when not configured as a system namespace", obj: checktest.Deployment("kube-system", noPriority), cfg: platform, want: "FAIL"},
		{name: "configured system namespace without", obj: checktest.Deployment("platform", noPriority), cfg: platform, want: "FAIL",
			path: "spec.template.spec.priorityClassName", evidence: "priorityClassName unset"},
		{name: "configured system namespace with a priority class", obj: checktest.Deployment("platform", nil), cfg: platform, want: "PASS"},
		{name: "default system namespace kube-public", obj: checktest.Deployment("kube-public", noPriority), want: "FAIL"},
		{name: "a namespace only system by another configuration", obj: checktest.Deployment("platform", noPriority), want: ""},
	})
	rep := run(platform, checktest.Deployment("platform", noPriority))
	if r := find(rep, workload.SystemWithoutPriority, result.Fail); r == nil || r.Message.EN != "workload in system namespace platform without a priority class can be preempted or evicted first" {
		t.Errorf("message = %+v", r)
	}
}
