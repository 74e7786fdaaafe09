package cli

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// fakeAPIServerRoot is a host root whose /proc holds one kube-apiserver
// with profiling on and no TLS serving certificate.
func fakeAPIServerRoot(t *testing.T) string {
	t.Helper()
	root := t.TempDir()
	write := func(p, data string) {
		full := filepath.Join(root, p)
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(full, []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	args := []string{"/usr/local/bin/kube-apiserver", "--profiling=true", "--authorization-mode=Node,RBAC", "--anonymous-auth=false"}
	write("proc/100/cmdline", strings.Join(args, "\x00")+"\x00")
	write("proc/100/environ", "")
	write("proc/100/stat", "100 (kube-apiserver) S 1 1 1")
	if err := os.Symlink("/usr/local/bin/kube-apiserver", filepath.Join(root, "proc", "100", "exe")); err != nil {
		t.Fatal(err)
	}
	write("etc/hostname", "cp-1\n")
	return root
}

func TestScanNodeBenchmark(t *testing.T) {
	root := fakeAPIServerRoot(t)
	code, out, stderr := run(t, "", "scan", "node", "--root", root, "--benchmark", "cis-kubernetes-1.12", "-o", "json")
	if code != 1 {
		t.Fatalf("exit %d, want 1 (findings); stderr %s", code, stderr)
	}
	var rep struct {
		Benchmark struct {
			Benchmark string
			Scan      string
			Sections  []struct {
				ID              string
				Recommendations []struct {
					ID, Status, Audit string
					Checks            []string
					Reason            *struct{ EN string }
				}
			}
			Total struct{ Total, Pass, Fail, Manual, NotApplicable int }
		}
	}
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatal(err)
	}
	b := rep.Benchmark
	if b.Benchmark != "cis-kubernetes-1.12" || b.Scan != "node" || b.Total.Total != 131 {
		t.Fatalf("view = %+v", b)
	}
	got := map[string]string{}
	reasons := map[string]string{}
	for _, s := range b.Sections {
		for _, r := range s.Recommendations {
			got[r.ID] = r.Status
			if r.Reason != nil {
				reasons[r.ID] = r.Reason.EN
			}
			if r.Audit == "" {
				t.Errorf("%s has no audit step", r.ID)
			}
		}
	}
	for id, want := range map[string]string{
		"1.2.15": "fail",           // --profiling=true
		"1.2.24": "fail",           // no --tls-cert-file
		"1.2.1":  "pass",           // --anonymous-auth=false
		"1.2.7":  "pass",           // Node,RBAC
		"2.1":    "not-applicable", // no etcd on the node
		"3.1.1":  "manual",         // a person checks it
		"5.1.1":  "not-applicable", // evaluated by scan cluster
	} {
		if got[id] != want {
			t.Errorf("%s = %s (%s), want %s", id, got[id], reasons[id], want)
		}
	}
	if !strings.Contains(reasons["5.1.1"], "kubeward scan cluster") {
		t.Errorf("5.1.1 reason = %q", reasons["5.1.1"])
	}

	// Chinese text names the sections and verdicts in Chinese.
	code, out, _ = run(t, "", "scan", "node", "--root", root, "--benchmark", "cis-kubernetes-1.12", "--lang", "zh")
	if code != 1 || !strings.Contains(out, "API Server — 通过率") || !strings.Contains(out, "人工检查") || !strings.Contains(out, "审计步骤") {
		t.Errorf("zh text (exit %d) lacks the view:\n%s", code, out)
	}
	// Without --benchmark the plan view is unchanged: no compliance view.
	_, out, _ = run(t, "", "scan", "node", "--root", root, "-o", "json")
	if strings.Contains(out, `"benchmark"`) {
		t.Error("compliance view without --benchmark")
	}
	// The Docker benchmark on a node without dockerd: every recommendation
	// not applicable, with the reason.
	_, out, _ = run(t, "", "scan", "node", "--root", root, "--benchmark", "cis-docker-1.6")
	if !strings.Contains(out, "no Docker Engine (dockerd) on this node") || !strings.Contains(out, "117 recommendations: 0 pass, 0 fail, 0 manual, 117 not applicable") {
		t.Errorf("docker view on a node without dockerd:\n%s", out)
	}
}

func TestBenchmarkFlagErrors(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"scan", "node", "--benchmark", "cis-docker-9"}, `--benchmark: unknown benchmark "cis-docker-9" (want cis-kubernetes-1.12 or cis-docker-1.6.0)`},
		{[]string{"scan", "cluster", "--benchmark", "cis-docker-1.6"}, "--benchmark cis-docker-1.6: the Docker Engine is audited on its host: kubeward scan node --benchmark cis-docker-1.6"},
		{[]string{"scan", "cluster", "--benchmark", "pci"}, `unknown benchmark "pci"`},
	} {
		code, _, stderr := run(t, "", tc.args...)
		if code != 2 || !strings.Contains(stderr, tc.want) {
			t.Errorf("%v: exit %d, stderr %q, want 2 and %q", tc.args, code, stderr, tc.want)
		}
	}
}
