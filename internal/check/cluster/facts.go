// Package cluster holds the checks only a live cluster can answer: service
// account use, NetworkPolicy coverage per workload, quota content and
// usage, the Pod Security level each namespace could enforce today,
// placement, admission webhooks and the control plane's static pods.
// IDs: KW-CL-*. KW-CL-012 (long-lived token Secrets) is judged on the Secret
// alone, so manifests and admission evaluate it too.
package cluster

import (
	"strings"

	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/pod-security-admission/api"

	"github.com/kubeward/kubeward/internal/check"
	"github.com/kubeward/kubeward/internal/check/pss"
	"github.com/kubeward/kubeward/internal/inventory"
)

// podFact is what the cluster checks need of one pod.
type podFact struct {
	obj       *inventory.Object // without Typed
	namespace string
	name      string
	labels    map[string]string
	sa        string
	node      string
	running   bool
	automount bool   // the pod itself does not disable the token
	owner     string // Kind/name of the direct controller ("" for a bare pod)
	level     api.Level
	static    bool // a mirror pod of a static pod
	command   []string
	env       map[string]string
	selectors podPlacement
}

type podPlacement struct {
	nodeSelector bool // nodeSelector or required node affinity
	tolerations  bool // tolerates a NoSchedule taint
}

// ownerFact maps a ReplicaSet to its Deployment, a Job to its CronJob.
type ownerFact struct {
	namespace, kind, name, owner string
}

// nodeFact is a node's zone and taints.
type nodeFact struct {
	name, zone string
	tainted    bool
}

func live(env *check.Env) bool { return env.Mode == "cluster" }

func isKind(kind string) func(*check.Env, *check.Target) bool {
	return func(env *check.Env, t *check.Target) bool { return live(env) && t.Kind == kind }
}

// The facts the cluster policy rules read, gathered from each object.
var (
	podsCollector   = &check.Collector{Name: "pods", Applies: isKind("Pod"), Fact: podFactOf}
	ownersCollector = &check.Collector{Name: "owners", Applies: func(env *check.Env, t *check.Target) bool {
		return live(env) && (t.Kind == "ReplicaSet" || t.Kind == "Job")
	}, Fact: ownerFactOf}
	nodesCollector = &check.Collector{Name: "nodes", Applies: isKind("Node"), Fact: nodeFactOf}
)

func nodeFactOf(_ *check.Env, t *check.Target) any {
	n := t.Typed.(*corev1.Node)
	f := nodeFact{name: n.Name, zone: n.Labels["topology.kubernetes.io/zone"]}
	for _, taint := range n.Spec.Taints {
		if taint.Effect == corev1.TaintEffectNoSchedule || taint.Effect == corev1.TaintEffectNoExecute {
			f.tainted = true
		}
	}
	return f
}

func podFactOf(_ *check.Env, t *check.Target) any {
	p := t.Typed.(*corev1.Pod)
	lite := *t.Object
	lite.Typed = nil
	f := podFact{obj: &lite, namespace: p.Namespace, name: p.Name, labels: p.Labels, sa: check.ServiceAccountName(&p.Spec),
		node: p.Spec.NodeName, running: p.Status.Phase == corev1.PodRunning || p.Status.Phase == corev1.PodPending,
		automount: p.Spec.AutomountServiceAccountToken == nil || *p.Spec.AutomountServiceAccountToken,
		level:     pss.Level(&p.ObjectMeta, &p.Spec)}
	for _, ref := range p.OwnerReferences {
		if ref.Controller != nil && *ref.Controller {
			f.owner = ref.Kind + "/" + ref.Name
			if ref.Kind == "Node" {
				f.static = true
			}
		}
	}
	if _, ok := p.Annotations["kubernetes.io/config.mirror"]; ok {
		f.static = true
	}
	if f.static && len(p.Spec.Containers) > 0 {
		c := p.Spec.Containers[0]
		f.command = append(append([]string{}, c.Command...), c.Args...)
		f.env = map[string]string{}
		for _, e := range c.Env {
			if e.ValueFrom == nil {
				f.env[e.Name] = e.Value
			}
		}
	}
	if len(p.Spec.NodeSelector) > 0 || (p.Spec.Affinity != nil && p.Spec.Affinity.NodeAffinity != nil &&
		p.Spec.Affinity.NodeAffinity.RequiredDuringSchedulingIgnoredDuringExecution != nil) {
		f.selectors.nodeSelector = true
	}
	for _, tol := range p.Spec.Tolerations {
		if tol.Effect == corev1.TaintEffectNoSchedule || tol.Effect == "" {
			if tol.Key != "" && !strings.HasPrefix(tol.Key, "node.kubernetes.io/") {
				f.selectors.tolerations = true
			}
		}
	}
	return f
}

func ownerFactOf(_ *check.Env, t *check.Target) any {
	var refs []ownerRef
	switch o := t.Typed.(type) {
	case *appsv1.ReplicaSet:
		refs = controllerRefs(o.OwnerReferences)
	case *batchv1.Job:
		refs = controllerRefs(o.OwnerReferences)
	}
	for _, r := range refs {
		return ownerFact{namespace: t.Namespace, kind: t.Kind, name: t.Name, owner: r.kind + "/" + r.name}
	}
	return nil
}

type ownerRef struct{ kind, name string }

func controllerRefs(refs []metav1.OwnerReference) []ownerRef {
	var out []ownerRef
	for _, r := range refs {
		if r.Controller != nil && *r.Controller {
			out = append(out, ownerRef{r.Kind, r.Name})
		}
	}
	return out
}
