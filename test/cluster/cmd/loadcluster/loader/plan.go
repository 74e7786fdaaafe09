// Package loader fills a real API server with a large, realistic cluster:
// namespaces with quotas, limit ranges, NetworkPolicies, service accounts,
// RBAC, ConfigMaps, Secrets and Services; Deployments with their current and
// old ReplicaSets and Pods, StatefulSets, DaemonSets and CronJobs with Jobs,
// each child with a controller ownerReference to its parent, as the
// controllers would have written them. It needs no controller-manager,
// scheduler or kubelet: Pods get a fake spec.nodeName and, optionally, a
// Running (or, for Jobs, Succeeded) status written through the status
// subresource. Names are deterministic, so a second run creates only what is
// missing.
package loader

import (
	"fmt"
	"math"
	"sort"
	"strings"
)

// Plan is how many objects of each kind to create.
type Plan struct {
	Nodes      int
	Namespaces int

	ResourceQuotas, LimitRanges int // one each per namespace
	NetworkPolicies             int // default-deny + allow-dns per namespace, one per Deployment
	ServiceAccounts             int // default per namespace, one per Deployment
	Roles, RoleBindings         int
	ClusterRoles                int
	ClusterRoleBindings         int
	ConfigMaps                  int // kube-root-ca.crt per namespace, then the rest
	Secrets                     int
	Services                    int // not read by kubeward, but part of a real cluster

	Deployments           int
	ReplicaSetsPerDeploy  int // the current one plus old, scaled-down revisions
	DeploymentPods        int
	StatefulSets          int
	StatefulSetReplicas   int
	DaemonSets            int // one Pod per Node each
	CronJobs              int
	JobsPerCronJob        int // one Succeeded Pod each
	WebhookConfigurations int // validating + mutating, failurePolicy Ignore, matching nothing we create
}

// NewPlan spreads about objects objects over the kinds in the proportions
// of a large production cluster (at 100,000: 50 nodes, 100 namespaces,
// 5,000 Deployments with 15,000 ReplicaSets, 20,000 Pods, ~29,000
// ConfigMaps, 10,000 Secrets, ~5,000 service accounts and NetworkPolicies,
// 6,000 Roles and RoleBindings). ConfigMaps take up the remainder.
func NewPlan(objects int) Plan {
	if objects < 500 {
		objects = 500
	}
	s := float64(objects) / 100000
	n := func(x float64) int { return max(1, int(math.Round(x*s))) }
	p := Plan{
		Nodes:                 n(50),
		Namespaces:            max(2, n(100)),
		Deployments:           n(5000),
		ReplicaSetsPerDeploy:  3,
		StatefulSets:          n(200),
		StatefulSetReplicas:   2,
		DaemonSets:            10,
		CronJobs:              n(300),
		JobsPerCronJob:        3,
		ClusterRoles:          max(5, n(200)), // cluster-admin, admin, edit, view and platform roles
		ClusterRoleBindings:   n(200),
		WebhookConfigurations: 4,
	}
	p.ResourceQuotas, p.LimitRanges = p.Namespaces, p.Namespaces
	p.NetworkPolicies = 2*p.Namespaces + p.Deployments
	p.ServiceAccounts = p.Namespaces + p.Deployments
	p.Roles = 20 * p.Namespaces
	p.RoleBindings = 40 * p.Namespaces
	p.Secrets = 2 * p.Deployments
	p.Services = p.Deployments/2 + p.StatefulSets
	pods := n(20000)
	p.DeploymentPods = max(p.Deployments, pods-p.DaemonSets*p.Nodes-p.StatefulSets*p.StatefulSetReplicas-p.CronJobs*p.JobsPerCronJob)
	p.ConfigMaps = max(p.Namespaces, objects-p.Total())
	return p
}

// Counts are objects per kind.
func (p Plan) Counts() map[string]int {
	return map[string]int{
		"Node": p.Nodes, "Namespace": p.Namespaces, "ResourceQuota": p.ResourceQuotas, "LimitRange": p.LimitRanges,
		"NetworkPolicy": p.NetworkPolicies, "ServiceAccount": p.ServiceAccounts, "Role": p.Roles, "RoleBinding": p.RoleBindings,
		"ClusterRole": p.ClusterRoles, "ClusterRoleBinding": p.ClusterRoleBindings, "ConfigMap": p.ConfigMaps, "Secret": p.Secrets,
		"Service": p.Services, "Deployment": p.Deployments, "ReplicaSet": p.Deployments * p.ReplicaSetsPerDeploy,
		"StatefulSet": p.StatefulSets, "DaemonSet": p.DaemonSets, "CronJob": p.CronJobs, "Job": p.CronJobs * p.JobsPerCronJob,
		"Pod":                            p.DeploymentPods + p.StatefulSets*p.StatefulSetReplicas + p.DaemonSets*p.Nodes + p.CronJobs*p.JobsPerCronJob,
		"ValidatingWebhookConfiguration": p.WebhookConfigurations / 2,
		"MutatingWebhookConfiguration":   p.WebhookConfigurations - p.WebhookConfigurations/2,
	}
}

// Total is the number of objects the plan creates.
func (p Plan) Total() int {
	t := 0
	for _, c := range p.Counts() {
		t += c
	}
	return t
}

// NotReadByKubeward are kinds the loader creates that `kubeward scan cluster` does not list.
var NotReadByKubeward = map[string]bool{"Service": true}

// FormatCounts prints counts one kind a line, sorted by kind.
func FormatCounts(c map[string]int) string {
	kinds := make([]string, 0, len(c))
	for k := range c {
		kinds = append(kinds, k)
	}
	sort.Strings(kinds)
	var b strings.Builder
	total := 0
	for _, k := range kinds {
		fmt.Fprintf(&b, "  %-31s %7d\n", k, c[k])
		total += c[k]
	}
	fmt.Fprintf(&b, "  %-31s %7d\n", "total", total)
	return b.String()
}
