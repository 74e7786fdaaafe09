package all_test

import (
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/kubeward/kubeward/internal/check/checktest"
	"github.com/kubeward/kubeward/internal/inventory"
)

// issue18Cases: the checks of issue 18, one failing and one passing case each.
func issue18Cases() []checkCase {
	sa := func(name string, automount *bool) *inventory.Object {
		return checktest.Object("", "ServiceAccount", &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "apps"}, AutomountServiceAccountToken: automount})
	}
	secret := func(typ corev1.SecretType) *inventory.Object {
		return checktest.Object("", "Secret", &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: "s", Namespace: "apps"}, Type: typ})
	}
	aggregated := func(rules ...rbacv1.PolicyRule) *inventory.Object {
		return checktest.Object("rbac.authorization.k8s.io", "ClusterRole", &rbacv1.ClusterRole{ObjectMeta: metav1.ObjectMeta{Name: "r",
			Labels: map[string]string{"rbac.authorization.k8s.io/aggregate-to-edit": "true"}}, Rules: rules})
	}
	return []checkCase{
		{id: "KW-POD-010", fail: []*inventory.Object{checktest.Pod(func(s *corev1.PodSpec) { s.SecurityContext.FSGroup = checktest.Ptr(int64(0)) })},
			pass: []*inventory.Object{checktest.Pod(func(s *corev1.PodSpec) { s.SecurityContext.FSGroup = checktest.Ptr(int64(10001)) })}},
		{id: "KW-POD-011", fail: []*inventory.Object{checktest.Pod(func(s *corev1.PodSpec) {
			s.SecurityContext.Sysctls = []corev1.Sysctl{{Name: "kernel.shm_rmid_forced", Value: "1+kernel.core_pattern=|/x"}}
		})}, pass: []*inventory.Object{checktest.Pod(func(s *corev1.PodSpec) {
			s.SecurityContext.Sysctls = []corev1.Sysctl{{Name: "kernel.shm_rmid_forced", Value: "1"}}
		})}},
		{id: "KW-HOST-007", fail: []*inventory.Object{checktest.Pod(func(s *corev1.PodSpec) {
			s.Tolerations = []corev1.Toleration{{Key: "node-role.kubernetes.io/control-plane", Operator: corev1.TolerationOpExists, Effect: corev1.TaintEffectNoSchedule}}
		})}, pass: []*inventory.Object{checktest.Deployment("apps", func(d *appsv1.Deployment) {
			d.Spec.Template.Spec.Tolerations = []corev1.Toleration{{Key: "dedicated", Operator: corev1.TolerationOpExists}}
		})}},
		{id: "KW-SA-003", set: true, fail: withNamespace("apps", sa("app", nil)), pass: []*inventory.Object{sa("app", checktest.Ptr(false))}},
		{id: "KW-CL-012", fail: []*inventory.Object{secret(corev1.SecretTypeServiceAccountToken)}, pass: []*inventory.Object{secret(corev1.SecretTypeOpaque)}},
		{id: "KW-RBAC-013", fail: []*inventory.Object{aggregated(rule("", "endpoints", "create"))}, pass: []*inventory.Object{aggregated(rule("", "endpoints", "get"))}},
	}
}
