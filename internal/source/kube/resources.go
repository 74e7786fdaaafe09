package kube

import (
	"context"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
)

type listCtx = context.Context

// resources are the kinds a cluster audit reads.
var resources = []resource{
	{"", "v1", "Namespace", "namespaces", false, func(c *Client, ctx listCtx, _ string, o metav1.ListOptions) (runtime.Object, error) {
		return c.Typed.CoreV1().Namespaces().List(ctx, o)
	}},
	{"", "v1", "Pod", "pods", true, func(c *Client, ctx listCtx, ns string, o metav1.ListOptions) (runtime.Object, error) {
		return c.Typed.CoreV1().Pods(ns).List(ctx, o)
	}},
	{"", "v1", "ServiceAccount", "serviceaccounts", true, func(c *Client, ctx listCtx, ns string, o metav1.ListOptions) (runtime.Object, error) {
		return c.Typed.CoreV1().ServiceAccounts(ns).List(ctx, o)
	}},
	{"", "v1", "ConfigMap", "configmaps", true, func(c *Client, ctx listCtx, ns string, o metav1.ListOptions) (runtime.Object, error) {
		return c.Typed.CoreV1().ConfigMaps(ns).List(ctx, o)
	}},
	{"", "v1", "Secret", "secrets", true, func(c *Client, ctx listCtx, ns string, o metav1.ListOptions) (runtime.Object, error) {
		return c.Metadata.Resource(secretsGVR).Namespace(ns).List(ctx, o)
	}},
	{"", "v1", "ResourceQuota", "resourcequotas", true, func(c *Client, ctx listCtx, ns string, o metav1.ListOptions) (runtime.Object, error) {
		return c.Typed.CoreV1().ResourceQuotas(ns).List(ctx, o)
	}},
	{"", "v1", "LimitRange", "limitranges", true, func(c *Client, ctx listCtx, ns string, o metav1.ListOptions) (runtime.Object, error) {
		return c.Typed.CoreV1().LimitRanges(ns).List(ctx, o)
	}},
	{"", "v1", "ReplicationController", "replicationcontrollers", true, func(c *Client, ctx listCtx, ns string, o metav1.ListOptions) (runtime.Object, error) {
		return c.Typed.CoreV1().ReplicationControllers(ns).List(ctx, o)
	}},
	{"", "v1", "Node", "nodes", false, func(c *Client, ctx listCtx, _ string, o metav1.ListOptions) (runtime.Object, error) {
		return c.Typed.CoreV1().Nodes().List(ctx, o)
	}},
	{"apps", "v1", "Deployment", "deployments", true, func(c *Client, ctx listCtx, ns string, o metav1.ListOptions) (runtime.Object, error) {
		return c.Typed.AppsV1().Deployments(ns).List(ctx, o)
	}},
	{"apps", "v1", "StatefulSet", "statefulsets", true, func(c *Client, ctx listCtx, ns string, o metav1.ListOptions) (runtime.Object, error) {
		return c.Typed.AppsV1().StatefulSets(ns).List(ctx, o)
	}},
	{"apps", "v1", "DaemonSet", "daemonsets", true, func(c *Client, ctx listCtx, ns string, o metav1.ListOptions) (runtime.Object, error) {
		return c.Typed.AppsV1().DaemonSets(ns).List(ctx, o)
	}},
	{"apps", "v1", "ReplicaSet", "replicasets", true, func(c *Client, ctx listCtx, ns string, o metav1.ListOptions) (runtime.Object, error) {
		return c.Typed.AppsV1().ReplicaSets(ns).List(ctx, o)
	}},
	{"batch", "v1", "Job", "jobs", true, func(c *Client, ctx listCtx, ns string, o metav1.ListOptions) (runtime.Object, error) {
		return c.Typed.BatchV1().Jobs(ns).List(ctx, o)
	}},
	{"batch", "v1", "CronJob", "cronjobs", true, func(c *Client, ctx listCtx, ns string, o metav1.ListOptions) (runtime.Object, error) {
		return c.Typed.BatchV1().CronJobs(ns).List(ctx, o)
	}},
	{"networking.k8s.io", "v1", "NetworkPolicy", "networkpolicies", true, func(c *Client, ctx listCtx, ns string, o metav1.ListOptions) (runtime.Object, error) {
		return c.Typed.NetworkingV1().NetworkPolicies(ns).List(ctx, o)
	}},
	{"rbac.authorization.k8s.io", "v1", "Role", "roles", true, func(c *Client, ctx listCtx, ns string, o metav1.ListOptions) (runtime.Object, error) {
		return c.Typed.RbacV1().Roles(ns).List(ctx, o)
	}},
	{"rbac.authorization.k8s.io", "v1", "ClusterRole", "clusterroles", false, func(c *Client, ctx listCtx, _ string, o metav1.ListOptions) (runtime.Object, error) {
		return c.Typed.RbacV1().ClusterRoles().List(ctx, o)
	}},
	{"rbac.authorization.k8s.io", "v1", "RoleBinding", "rolebindings", true, func(c *Client, ctx listCtx, ns string, o metav1.ListOptions) (runtime.Object, error) {
		return c.Typed.RbacV1().RoleBindings(ns).List(ctx, o)
	}},
	{"rbac.authorization.k8s.io", "v1", "ClusterRoleBinding", "clusterrolebindings", false, func(c *Client, ctx listCtx, _ string, o metav1.ListOptions) (runtime.Object, error) {
		return c.Typed.RbacV1().ClusterRoleBindings().List(ctx, o)
	}},
	{"admissionregistration.k8s.io", "v1", "ValidatingWebhookConfiguration", "validatingwebhookconfigurations", false, func(c *Client, ctx listCtx, _ string, o metav1.ListOptions) (runtime.Object, error) {
		return c.Typed.AdmissionregistrationV1().ValidatingWebhookConfigurations().List(ctx, o)
	}},
	{"admissionregistration.k8s.io", "v1", "MutatingWebhookConfiguration", "mutatingwebhookconfigurations", false, func(c *Client, ctx listCtx, _ string, o metav1.ListOptions) (runtime.Object, error) {
		return c.Typed.AdmissionregistrationV1().MutatingWebhookConfigurations().List(ctx, o)
	}},
}
