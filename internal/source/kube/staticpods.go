package kube

import (
	"sort"
	"sync"

	corev1 "k8s.io/api/core/v1"

	"github.com/kubeward/kubeward/internal/inventory"
	"github.com/kubeward/kubeward/internal/source/host"
)

// StaticPods turns the mirror pods of the control plane's static pods
// (kube-system pods owned by a Node or annotated kubernetes.io/config.mirror)
// into node components, one node each, so the node audit's flag and config
// rules can judge their command lines as the API server shows them. Files
// the flags name cannot be read through the API. Observe is safe for
// concurrent use, as Walk's sink must be.
type StaticPods struct {
	mu    sync.Mutex
	nodes map[string]*inventory.Node // by namespace/name
}

// Observe records o when it is a static pod of a known component.
func (s *StaticPods) Observe(o *inventory.Object) {
	p, ok := o.Typed.(*corev1.Pod)
	if !ok || p.Namespace != "kube-system" || len(p.Spec.Containers) == 0 {
		return
	}
	static := false
	for _, ref := range p.OwnerReferences {
		if ref.Controller != nil && *ref.Controller && ref.Kind == "Node" {
			static = true
		}
	}
	if _, ok := p.Annotations["kubernetes.io/config.mirror"]; ok {
		static = true
	}
	if !static {
		return
	}
	ctr := p.Spec.Containers[0]
	command := append(append([]string{}, ctr.Command...), ctr.Args...)
	if len(command) == 0 {
		return
	}
	env := map[string]string{}
	for _, e := range ctr.Env {
		if e.ValueFrom == nil {
			env[e.Name] = e.Value
		}
	}
	c := &inventory.Component{Kind: host.KindOf(command[0], command), Source: "static pod (API)", SourceFile: o.Origin,
		Args: command, Flags: host.ParseFlags(command[1:]), Env: env}
	if c.Kind == "" {
		return
	}
	n := &inventory.Node{Hostname: "kube-system/" + p.Name + " on " + p.Spec.NodeName, Components: []*inventory.Component{c}}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.nodes == nil {
		s.nodes = map[string]*inventory.Node{}
	}
	s.nodes[p.Namespace+"/"+p.Name] = n
}

// Nodes returns one node per static pod, by pod namespace and name.
func (s *StaticPods) Nodes() []*inventory.Node {
	s.mu.Lock()
	defer s.mu.Unlock()
	keys := make([]string, 0, len(s.nodes))
	for k := range s.nodes {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	out := make([]*inventory.Node, len(keys))
	for i, k := range keys {
		out[i] = s.nodes[k]
	}
	return out
}
