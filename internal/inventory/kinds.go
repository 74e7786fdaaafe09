package inventory

import (
	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	schedulingv1 "k8s.io/api/scheduling/v1"
)

// GroupKind identifies a kind independent of its version: the fields
// kubeward reads have kept their shape across versions (extensions/v1beta1
// Deployments decode into apps/v1 types).
type GroupKind struct{ Group, Kind string }

// known maps every kind kubeward evaluates to a constructor of its typed object.
var known = map[GroupKind]func() any{
	{"", "Pod"}:                                         func() any { return &corev1.Pod{} },
	{"", "ReplicationController"}:                       func() any { return &corev1.ReplicationController{} },
	{"", "Namespace"}:                                   func() any { return &corev1.Namespace{} },
	{"", "ServiceAccount"}:                              func() any { return &corev1.ServiceAccount{} },
	{"", "Secret"}:                                      func() any { return &corev1.Secret{} },
	{"", "ConfigMap"}:                                   func() any { return &corev1.ConfigMap{} },
	{"", "ResourceQuota"}:                               func() any { return &corev1.ResourceQuota{} },
	{"", "LimitRange"}:                                  func() any { return &corev1.LimitRange{} },
	{"", "Service"}:                                     func() any { return &corev1.Service{} },
	{"apps", "Deployment"}:                              func() any { return &appsv1.Deployment{} },
	{"apps", "StatefulSet"}:                             func() any { return &appsv1.StatefulSet{} },
	{"apps", "DaemonSet"}:                               func() any { return &appsv1.DaemonSet{} },
	{"apps", "ReplicaSet"}:                              func() any { return &appsv1.ReplicaSet{} },
	{"extensions", "Deployment"}:                        func() any { return &appsv1.Deployment{} },
	{"extensions", "DaemonSet"}:                         func() any { return &appsv1.DaemonSet{} },
	{"extensions", "ReplicaSet"}:                        func() any { return &appsv1.ReplicaSet{} },
	{"batch", "Job"}:                                    func() any { return &batchv1.Job{} },
	{"batch", "CronJob"}:                                func() any { return &batchv1.CronJob{} },
	{"networking.k8s.io", "NetworkPolicy"}:              func() any { return &networkingv1.NetworkPolicy{} },
	{"extensions", "NetworkPolicy"}:                     func() any { return &networkingv1.NetworkPolicy{} },
	{"rbac.authorization.k8s.io", "Role"}:               func() any { return &rbacv1.Role{} },
	{"rbac.authorization.k8s.io", "ClusterRole"}:        func() any { return &rbacv1.ClusterRole{} },
	{"rbac.authorization.k8s.io", "RoleBinding"}:        func() any { return &rbacv1.RoleBinding{} },
	{"rbac.authorization.k8s.io", "ClusterRoleBinding"}: func() any { return &rbacv1.ClusterRoleBinding{} },
	{"scheduling.k8s.io", "PriorityClass"}:              func() any { return &schedulingv1.PriorityClass{} },
	{"admissionregistration.k8s.io", "ValidatingWebhookConfiguration"}: func() any {
		return &admissionregistrationv1.ValidatingWebhookConfiguration{}
	},
	{"admissionregistration.k8s.io", "MutatingWebhookConfiguration"}: func() any {
		return &admissionregistrationv1.MutatingWebhookConfiguration{}
	},
}

// NewTyped returns an empty typed object for a kind kubeward evaluates, or
// nil for any other kind (custom resources included).
func NewTyped(group, kind string) any {
	if f, ok := known[GroupKind{group, kind}]; ok {
		return f()
	}
	return nil
}

var clusterScoped = map[string]bool{
	"Namespace": true, "Node": true, "PersistentVolume": true, "ClusterRole": true,
	"ClusterRoleBinding": true, "StorageClass": true, "PriorityClass": true,
	"CustomResourceDefinition": true, "APIService": true, "IngressClass": true,
	"RuntimeClass": true, "CSIDriver": true, "CSINode": true, "VolumeAttachment": true,
	"ValidatingWebhookConfiguration": true, "MutatingWebhookConfiguration": true,
	"ValidatingAdmissionPolicy": true, "ValidatingAdmissionPolicyBinding": true,
	"MutatingAdmissionPolicy": true, "MutatingAdmissionPolicyBinding": true,
	"CertificateSigningRequest": true, "ClusterIssuer": true, "PodSecurityPolicy": true,
}

// ClusterScoped reports whether objects of kind have no namespace.
func ClusterScoped(kind string) bool { return clusterScoped[kind] }

// SplitAPIVersion splits "apps/v1" into group and version; "v1" is the core group.
func SplitAPIVersion(apiVersion string) (group, version string) {
	for i := 0; i < len(apiVersion); i++ {
		if apiVersion[i] == '/' {
			return apiVersion[:i], apiVersion[i+1:]
		}
	}
	return "", apiVersion
}
