package config

import (
	"fmt"
	"path"
	"strings"

	"k8s.io/apimachinery/pkg/api/resource"
)

// HardenWorkloads are the values the workload fixes of `kubeward harden`
// write (the user and group IDs, default resources, writable paths). Every
// field may be left out; the accessors return the defaults.
//
//	harden:
//	  workloads:
//	    runAsUser: 65532          # written with runAsNonRoot: true (never 0)
//	    runAsGroup: 65532
//	    writablePaths: [/var/cache/nginx]   # emptyDirs besides /tmp under a read-only root
//	    requests: {cpu: 100m, memory: 128Mi}
//	    limits: {cpu: "1", memory: 512Mi}
//	    priorityClassName: system-cluster-critical
type HardenWorkloads struct {
	RunAsUser         int64             `yaml:"runAsUser"`
	RunAsGroup        int64             `yaml:"runAsGroup"`
	WritablePaths     []string          `yaml:"writablePaths"`
	Requests          map[string]string `yaml:"requests"`
	Limits            map[string]string `yaml:"limits"`
	PriorityClassName string            `yaml:"priorityClassName"`
}

// DefaultRunAs is the UID and GID the fixes write when none is configured
// (the "nonroot" user of distroless images).
const DefaultRunAs = 65532

// User is the non-root UID the fixes write.
func (h HardenWorkloads) User() int64 {
	if h.RunAsUser == 0 {
		return DefaultRunAs
	}
	return h.RunAsUser
}

// Group is the non-root GID the fixes write.
func (h HardenWorkloads) Group() int64 {
	if h.RunAsGroup == 0 {
		return DefaultRunAs
	}
	return h.RunAsGroup
}

// Writable are the paths that get an emptyDir when the root filesystem
// becomes read-only: /tmp, then the configured ones.
func (h HardenWorkloads) Writable() []string {
	out := []string{"/tmp"}
	for _, p := range h.WritablePaths {
		if p != "/tmp" {
			out = append(out, p)
		}
	}
	return out
}

// DefaultRequests are the requests written where a container has none.
func (h HardenWorkloads) DefaultRequests() map[string]string {
	return orDefault(h.Requests, map[string]string{"cpu": "100m", "memory": "128Mi"})
}

// DefaultLimits are the limits written where a container has none.
func (h HardenWorkloads) DefaultLimits() map[string]string {
	return orDefault(h.Limits, map[string]string{"cpu": "1", "memory": "512Mi"})
}

// Priority is the priorityClassName written on system-namespace workloads.
func (h HardenWorkloads) Priority() string {
	if h.PriorityClassName == "" {
		return "system-cluster-critical"
	}
	return h.PriorityClassName
}

func orDefault(m, def map[string]string) map[string]string {
	if len(m) == 0 {
		return def
	}
	return m
}

// validate refuses values the fixes cannot write safely.
func (h HardenWorkloads) validate() error {
	if h.RunAsUser < 0 || h.RunAsGroup < 0 {
		return fmt.Errorf("harden.workloads: runAsUser and runAsGroup must be positive (0 is root)")
	}
	for _, p := range h.WritablePaths {
		if !path.IsAbs(p) || path.Clean(p) != p || p == "/" {
			return fmt.Errorf("harden.workloads.writablePaths: %q is not a clean absolute path below /", p)
		}
	}
	for name, m := range map[string]map[string]string{"requests": h.Requests, "limits": h.Limits} {
		for k, v := range m {
			if k != "cpu" && k != "memory" && !strings.Contains(k, "/") && k != "ephemeral-storage" {
				return fmt.Errorf("harden.workloads.%s: unknown resource %q", name, k)
			}
			if _, err := resource.ParseQuantity(v); err != nil {
				return fmt.Errorf("harden.workloads.%s.%s: %q is not a quantity", name, k, v)
			}
		}
	}
	req, lim := h.DefaultRequests(), h.DefaultLimits()
	for k, r := range req {
		l, ok := lim[k]
		if !ok {
			continue
		}
		rq, lq := resource.MustParse(r), resource.MustParse(l) // both parsed above
		if rq.Cmp(lq) > 0 {
			return fmt.Errorf("harden.workloads: the %s request %s is above its limit %s (the API server refuses such a pod)", k, r, l)
		}
	}
	if h.PriorityClassName != "" && strings.ContainsAny(h.PriorityClassName, " /") {
		return fmt.Errorf("harden.workloads.priorityClassName: %q is not a name", h.PriorityClassName)
	}
	return nil
}
