package e2e

import (
	"encoding/json"
	"os/exec"
	"sort"
	"strings"
	"testing"

	"github.com/kubeward/kubeward/test/cluster/harness"
)

// benchView is the compliance view of a JSON report.
type benchView struct {
	Benchmark string
	Scan      string
	Sections  []struct {
		ID              string
		Recommendations []struct {
			ID, Status, Audit string
			Checks            []string
			Reason            *struct{ EN, ZH string }
		}
	}
	Total struct{ Total, Pass, Fail, Manual, NotApplicable, Error int }
}

func runBenchmark(t *testing.T, args ...string) (*benchView, map[string]string) {
	t.Helper()
	out, err := exec.Command(kubewardBin(t), args...).Output()
	if ee, ok := err.(*exec.ExitError); ok && ee.ExitCode() != 1 {
		t.Fatalf("%v: exit %d: %s", args, ee.ExitCode(), ee.Stderr)
	}
	var rep struct{ Benchmark *benchView }
	if err := json.Unmarshal(out, &rep); err != nil || rep.Benchmark == nil {
		t.Fatalf("%v: no compliance view: %v\n%s", args, err, out)
	}
	status := map[string]string{}
	for _, s := range rep.Benchmark.Sections {
		for _, r := range s.Recommendations {
			status[r.ID] = r.Status
			if r.Status == "manual" && r.Audit == "" {
				t.Errorf("manual %s without its audit step", r.ID)
			}
			if (r.Status == "not-applicable" || r.Status == "error") && (r.Reason == nil || r.Reason.EN == "" || r.Reason.ZH == "") {
				t.Errorf("%s %s without a reason in both languages", r.ID, r.Status)
			}
		}
	}
	var failing []string
	for id, s := range status {
		if s == "fail" {
			failing = append(failing, id)
		}
	}
	sort.Strings(failing)
	t.Logf("%v: %+v; failing: %v", args[:4], rep.Benchmark.Total, failing)
	return rep.Benchmark, status
}

// TestCISKubernetesView runs scan node and scan cluster with --benchmark
// cis-kubernetes-1.12 on the insecure and the hardened control planes:
// all 131 recommendations listed; the hardened node fails none; the
// insecure node fails the recommendations of its broken flags and files;
// scan cluster judges section 5 (and the static pods' flags) and says the
// node-only ones are evaluated by scan node.
func TestCISKubernetesView(t *testing.T) {
	for _, p := range []harness.Profile{harness.Insecure, harness.Hardened} {
		t.Run(string(p), func(t *testing.T) {
			c := up(t, p, staticPod)
			node, ns := runBenchmark(t, "scan", "node", "--benchmark", "cis-kubernetes-1.12", "-o", "json")
			cluster, cs := runBenchmark(t, "scan", "cluster", "--benchmark", "cis-kubernetes-1.12", "-o", "json", "--kubeconfig", c.AdminKubeconfig())
			for _, v := range []*benchView{node, cluster} {
				if v.Total.Total != 131 || v.Benchmark != "cis-kubernetes-1.12" {
					t.Errorf("%s view: %+v", v.Scan, v.Total)
				}
			}
			if ns["3.1.1"] != "manual" || cs["1.1.1"] != "not-applicable" {
				t.Errorf("3.1.1 on the node = %q (want manual); 1.1.1 on the cluster = %q (want not-applicable: scan node)", ns["3.1.1"], cs["1.1.1"])
			}
			if p == harness.Hardened {
				if node.Total.Fail != 0 || node.Total.Error != 0 {
					for id, s := range ns {
						if s == "fail" || s == "error" {
							t.Errorf("hardened node: %s is %s", id, s)
						}
					}
				}
				for _, id := range []string{"1.2.3", "1.2.9", "1.2.24", "1.2.30", "1.3.1", "2.7", "4.2.13"} {
					if ns[id] != "pass" {
						t.Errorf("hardened node: %s is %q, want pass", id, ns[id])
					}
				}
				return
			}
			for _, id := range []string{"1.2.1", "1.2.3", "1.2.6", "1.2.9", "1.2.15", "1.2.24", "1.2.30", "1.3.1", "2.1", "2.2", "4.2.1", "4.2.13"} {
				if strings.HasPrefix(id, "4.") && c.Process("kubelet") == nil {
					continue
				}
				if ns[id] != "fail" {
					t.Errorf("insecure node: %s is %q, want fail", id, ns[id])
				}
			}
			if cluster.Total.Fail == 0 {
				t.Error("insecure cluster: no recommendation fails")
			}
		})
	}
}
