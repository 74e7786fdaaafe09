package cluster_test

import (
	"sort"
	"strings"

	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/kubeward/kubeward/internal/check"
	"github.com/kubeward/kubeward/internal/check/checktest"
	"github.com/kubeward/kubeward/internal/config"
	"github.com/kubeward/kubeward/internal/inventory"
	"github.com/kubeward/kubeward/internal/result"
)

// ownedKinds mirrors the kube source: children of these controllers report
// against them (Object.Owner is set).
var ownedKinds = map[string]map[string]bool{
	"Pod":        {"ReplicaSet": true, "DaemonSet": true, "StatefulSet": true, "Job": true, "ReplicationController": true},
	"ReplicaSet": {"Deployment": true},
	"Job":        {"CronJob": true},
}

// live wraps a typed object as the cluster source does.
func live(group, kind, plural string, typed metav1.Object) *inventory.Object {
	path := "/api/v1"
	if group != "" {
		path = "/apis/" + group + "/v1"
	}
	if ns := typed.GetNamespace(); ns != "" {
		path += "/namespaces/" + ns
	}
	o := &inventory.Object{Group: group, Version: "v1", Kind: kind, Namespace: typed.GetNamespace(), Name: typed.GetName(),
		Labels: typed.GetLabels(), Annotations: typed.GetAnnotations(), Typed: typed, Origin: path + "/" + plural + "/" + typed.GetName()}
	for _, ref := range typed.GetOwnerReferences() {
		if ref.Controller != nil && *ref.Controller && ownedKinds[kind][ref.Kind] {
			o.Owner = ref.Kind + "/" + ref.Name
		}
	}
	return o
}

func controlledBy(kind, name string) []metav1.OwnerReference {
	return []metav1.OwnerReference{{Kind: kind, Name: name, Controller: checktest.Ptr(true)}}
}

// podOpts describe a running pod.
type podOpts struct {
	owner     string // Kind/name of the controller, "" for a bare pod
	sa        string
	labels    map[string]string
	node      string
	phase     corev1.PodPhase
	automount *bool
	mutate    func(*corev1.Pod)
}

func pod(ns, name string, o podOpts) *inventory.Object {
	p := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns, Labels: o.labels}, Spec: checktest.RestrictedPodSpec()}
	if o.owner != "" {
		kind, owner, _ := strings.Cut(o.owner, "/")
		p.OwnerReferences = controlledBy(kind, owner)
	}
	p.Spec.ServiceAccountName = o.sa
	p.Spec.NodeName = o.node
	p.Spec.AutomountServiceAccountToken = o.automount
	p.Status.Phase = o.phase
	if p.Status.Phase == "" {
		p.Status.Phase = corev1.PodRunning
	}
	if o.mutate != nil {
		o.mutate(p)
	}
	return live("", "Pod", "pods", p)
}

func replicaSet(ns, name, deployment string) *inventory.Object {
	rs := &appsv1.ReplicaSet{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns, OwnerReferences: controlledBy("Deployment", deployment)}}
	rs.Spec.Template.Spec = checktest.RestrictedPodSpec()
	return live("apps", "ReplicaSet", "replicasets", rs)
}

func job(ns, name, cronJob string) *inventory.Object {
	j := &batchv1.Job{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns, OwnerReferences: controlledBy("CronJob", cronJob)}}
	j.Spec.Template.Spec = checktest.RestrictedPodSpec()
	return live("batch", "Job", "jobs", j)
}

// deploymentPods is a Deployment's ReplicaSet and its pods, named name-N.
func deploymentPods(ns, name string, o podOpts, nodes ...string) []*inventory.Object {
	objs := []*inventory.Object{replicaSet(ns, name+"-rs", name)}
	o.owner = "ReplicaSet/" + name + "-rs"
	for i, n := range nodes {
		po := o
		po.node = n
		objs = append(objs, pod(ns, name+"-"+string(rune('a'+i)), po))
	}
	return objs
}

func namespace(name string, labels map[string]string) *inventory.Object {
	return live("", "Namespace", "namespaces", &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name, Labels: labels}})
}

func node(name, zone string, taints ...corev1.Taint) *inventory.Object {
	n := &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: name, Labels: map[string]string{}}, Spec: corev1.NodeSpec{Taints: taints}}
	if zone != "" {
		n.Labels["topology.kubernetes.io/zone"] = zone
	}
	return live("", "Node", "nodes", n)
}

func evaluate(mode string, cfg *config.Config, objs ...*inventory.Object) *check.Report {
	return checktest.Evaluate(check.Options{Config: cfg, Mode: mode}, objs...)
}

func scan(objs ...*inventory.Object) *check.Report { return evaluate("cluster", nil, objs...) }

func flatten(groups ...[]*inventory.Object) []*inventory.Object {
	var out []*inventory.Object
	for _, g := range groups {
		out = append(out, g...)
	}
	return out
}

// verdicts lists "STATUS subject" for id, sorted.
func verdicts(rep *check.Report, id string) string {
	var out []string
	for _, r := range rep.Results {
		if r.ID == id {
			out = append(out, string(r.Status)+" "+r.Subject.String())
		}
	}
	sort.Strings(out)
	return strings.Join(out, "; ")
}

func first(rep *check.Report, id string, statuses ...result.Status) *result.Result {
	for i := range rep.Results {
		r := &rep.Results[i]
		if r.ID != id {
			continue
		}
		for _, s := range statuses {
			if r.Status == s {
				return r
			}
		}
	}
	return nil
}
