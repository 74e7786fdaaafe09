package namespaces

import (
	"math/big"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"

	"github.com/kubeward/kubeward/internal/config"
)

// usage is what a namespace's running pods, Services and PVCs consume, in
// ResourceQuota keys.
type usage map[string]*resource.Quantity

func newUsage() usage { return usage{} }

func (u usage) addQ(key string, q resource.Quantity) {
	if cur, ok := u[key]; ok {
		cur.Add(q)
		return
	}
	c := q.DeepCopy()
	u[key] = &c
}

func (u usage) add(key string, n int64) { u.addQ(key, *resource.NewQuantity(n, resource.DecimalSI)) }

// addPod counts a pod the way the quota does: its requests and limits are
// the sum over its containers, or the largest init container's when
// larger, plus its overhead.
func (u usage) addPod(p *corev1.Pod) {
	u.add("pods", 1)
	for _, kind := range []string{"requests", "limits"} {
		for _, r := range []corev1.ResourceName{corev1.ResourceCPU, corev1.ResourceMemory, corev1.ResourceEphemeralStorage} {
			pick := func(c *corev1.Container) (resource.Quantity, bool) {
				l := c.Resources.Requests
				if kind == "limits" {
					l = c.Resources.Limits
				}
				q, ok := l[r]
				return q, ok
			}
			var sum resource.Quantity
			any := false
			for i := range p.Spec.Containers {
				if q, ok := pick(&p.Spec.Containers[i]); ok {
					sum.Add(q)
					any = true
				}
			}
			for i := range p.Spec.InitContainers {
				if q, ok := pick(&p.Spec.InitContainers[i]); ok {
					any = true
					if q.Cmp(sum) > 0 {
						sum = q.DeepCopy()
					}
				}
			}
			if q, ok := p.Spec.Overhead[r]; ok {
				sum.Add(q)
				any = true
			}
			if !any {
				continue
			}
			u.addQ(kind+"."+string(r), sum)
			if kind == "requests" && r != corev1.ResourceEphemeralStorage {
				u.addQ(string(r), sum) // "cpu" and "memory" are requests
			}
		}
	}
}

// used returns the usage of a quota key (count/pods is pods, and so on).
func (u usage) used(key string) (resource.Quantity, bool) {
	switch key {
	case "count/pods":
		key = "pods"
	case "count/services":
		key = "services"
	case "count/persistentvolumeclaims":
		key = "persistentvolumeclaims"
	}
	q, ok := u[key]
	if !ok || q.IsZero() {
		return resource.Quantity{}, false
	}
	return *q, true
}

// size returns the hard limit for key from current usage: usage plus the
// headroom, and at least usage plus one more pod's worth (one more object
// for counts) so a rolling update fits; false when nothing is used (the
// plan's value then applies).
func (u usage) size(key string, hc config.HardenNamespaces) (resource.Quantity, bool) {
	used, ok := u.used(key)
	if !ok {
		return resource.Quantity{}, false
	}
	step := stepFor(key, hc)
	milli := strings.HasSuffix(key, "cpu") || key == "cpu"
	var v *big.Int
	if milli {
		v = big.NewInt(used.MilliValue())
	} else {
		v = big.NewInt(used.Value())
	}
	grown := new(big.Int).Mul(v, big.NewInt(int64(100+hc.Headroom())))
	grown.Add(grown, big.NewInt(99))
	grown.Quo(grown, big.NewInt(100))
	var stepV int64
	if milli {
		stepV = step.MilliValue()
	} else {
		stepV = step.Value()
	}
	plus := new(big.Int).Add(v, big.NewInt(stepV))
	if plus.Cmp(grown) > 0 {
		grown = plus
	}
	n := grown.Int64()
	switch {
	case milli:
		n = roundUp(n, 100) // whole tenths of a cpu
		return *resource.NewMilliQuantity(n, resource.DecimalSI), true
	case isBytes(key):
		n = roundUp(n, 1<<20) // whole MiB
		return *resource.NewQuantity(n, resource.BinarySI), true
	}
	return *resource.NewQuantity(n, resource.DecimalSI), true
}

func isBytes(key string) bool {
	return strings.HasSuffix(key, "memory") || strings.HasSuffix(key, "storage")
}

func roundUp(n, to int64) int64 {
	if r := n % to; r != 0 {
		return n + to - r
	}
	return n
}

// stepFor is one more pod's (or object's) worth of a quota key.
func stepFor(key string, hc config.HardenNamespaces) resource.Quantity {
	pick := func(m map[string]string, r string) resource.Quantity {
		if v, ok := m[r]; ok {
			return mustQuantity(v)
		}
		return resource.Quantity{}
	}
	switch key {
	case "requests.cpu", "cpu":
		return pick(hc.LimitRangeDefaultRequest(), "cpu")
	case "requests.memory", "memory":
		return pick(hc.LimitRangeDefaultRequest(), "memory")
	case "limits.cpu":
		return pick(hc.LimitRangeDefault(), "cpu")
	case "limits.memory":
		return pick(hc.LimitRangeDefault(), "memory")
	case "requests.storage", "requests.ephemeral-storage", "limits.ephemeral-storage":
		return resource.Quantity{}
	}
	return *resource.NewQuantity(1, resource.DecimalSI)
}

// mustQuantity parses a quantity the configuration has validated.
func mustQuantity(s string) resource.Quantity {
	q, err := resource.ParseQuantity(s)
	if err != nil {
		return resource.Quantity{}
	}
	return q
}
