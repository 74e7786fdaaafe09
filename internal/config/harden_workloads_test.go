package config

import (
	"strings"
	"testing"
)

func TestHardenWorkloads(t *testing.T) {
	d := Default().Harden.Workloads
	if d.User() != 65532 || d.Group() != 65532 || d.Priority() != "system-cluster-critical" || d.DefaultRequests()["cpu"] != "100m" {
		t.Fatalf("defaults: %+v", d)
	}
	c, err := Parse([]byte("harden:\n  workloads:\n    runAsUser: 1000\n    writablePaths: [/var/cache]\n    limits: {memory: 1Gi}\n"))
	if err != nil {
		t.Fatal(err)
	}
	w := c.Harden.Workloads
	if w.User() != 1000 || w.Group() != 65532 || strings.Join(w.Writable(), ",") != "/tmp,/var/cache" || w.DefaultLimits()["memory"] != "1Gi" {
		t.Fatalf("parsed: %+v", w)
	}
	for _, bad := range []string{
		"harden:\n  workloads:\n    runAsUser: -1\n",
		"harden:\n  workloads:\n    writablePaths: [relative]\n",
		"harden:\n  workloads:\n    writablePaths: [/a/../b]\n",
		"harden:\n  workloads:\n    requests: {cpu: lots}\n",
		"harden:\n  workloads:\n    limits: {gpu: 1}\n",
		"harden:\n  workloads:\n    requests: {cpu: \"2\"}\n",
	} {
		if _, err := Parse([]byte(bad)); err == nil || !strings.Contains(err.Error(), "harden.workloads") {
			t.Errorf("%q: err %v", bad, err)
		}
	}
}
