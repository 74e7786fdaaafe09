package cluster

import (
	"sort"
	"strings"

	"github.com/kubeward/kubeward/internal/catalog"
	"github.com/kubeward/kubeward/internal/check"
	"github.com/kubeward/kubeward/internal/result"
)

// T is a text in both languages.
type T = catalog.Text

// workloadFacts are what the policy rules on live workloads read: pods,
// their owners and the nodes.
var workloadFacts = []*check.Collector{podsCollector, ownersCollector, nodesCollector}

// workload is a root controller (or bare pod) and its pods.
type workload struct {
	namespace, kind, name string
	pods                  []podFact
}

func (w *workload) subject() *result.Subject {
	return &result.Subject{Kind: w.kind, Namespace: w.namespace, Name: w.name}
}

func (w *workload) loc() *result.Location {
	return &result.Location{Origin: w.pods[0].obj.Origin}
}

func facts[F any](ix *check.Index, name string) []F {
	var out []F
	for _, f := range ix.Facts[name] {
		out = append(out, f.(F))
	}
	return out
}

// workloads groups pods under their root controller: a pod's ReplicaSet's
// Deployment, a pod's Job's CronJob, or the pod itself.
func workloads(ix *check.Index) []*workload {
	owners := map[string]string{} // ns/Kind/name -> Kind/name of its owner
	for _, o := range facts[ownerFact](ix, "owners") {
		owners[o.namespace+"/"+o.kind+"/"+o.name] = o.owner
	}
	byRoot := map[string]*workload{}
	var order []string
	for _, p := range facts[podFact](ix, "pods") {
		root := p.owner
		if root == "" {
			root = "Pod/" + p.name
		}
		for i := 0; i < 3; i++ {
			up, ok := owners[p.namespace+"/"+root]
			if !ok {
				break
			}
			root = up
		}
		key := p.namespace + "/" + root
		w := byRoot[key]
		if w == nil {
			kind, name, _ := strings.Cut(root, "/")
			w = &workload{namespace: p.namespace, kind: kind, name: name}
			byRoot[key] = w
			order = append(order, key)
		}
		w.pods = append(w.pods, p)
	}
	sort.Strings(order)
	out := make([]*workload, len(order))
	for i, k := range order {
		out[i] = byRoot[k]
	}
	return out
}

func sortedNamespaces(ix *check.Index) []string {
	names := make([]string, 0, len(ix.Namespaces))
	for n := range ix.Namespaces {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
