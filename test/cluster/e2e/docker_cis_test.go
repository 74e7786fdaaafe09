package e2e

import (
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// CIS Docker v1.6.0 beyond the plan's own Docker checks: what
// TestDockerRuntime adds to its two runtimes, and what it asserts.

// dockerCISIDs are the checks of internal/check/runtime/cis*.go.
var dockerCISIDs = func() []string {
	var ids []string
	for i := 12; i <= 60; i++ {
		ids = append(ids, fmt.Sprintf("KW-DOCKER-%03d", i))
	}
	for i := 7; i <= 24; i++ {
		ids = append(ids, fmt.Sprintf("KW-CTR-%03d", i))
	}
	return ids
}()

// dockerCISExceptions cannot FAIL against this machine's real dockerd, or
// only WARN by design; each is covered by the literal-inventory tests of
// internal/check/runtime. The value is the status the insecure run shows.
var dockerCISExceptions = map[string]string{
	"KW-DOCKER-012": "WARN|PASS",      // 1.1.2: the docker group's members are the machine's; WARN by design, never FAIL
	"KW-DOCKER-023": "NOT_APPLICABLE", // 1.1.13: Debian has no /etc/sysconfig/docker
	"KW-DOCKER-031": "PASS",           // 2.10: a cgroup parent is a WARN by design (asserted on a container: KW-CTR-020)
	"KW-DOCKER-032": "PASS",           // 2.11: dockerd refuses dm.basesize with overlay2, the only driver here
	"KW-DOCKER-055": "NOT_APPLICABLE", // 3.21: no /etc/sysconfig/docker
	"KW-DOCKER-056": "NOT_APPLICABLE", // 3.22: no /etc/sysconfig/docker
	"KW-DOCKER-059": "PASS",           // 5.1: swarm init needs overlay networking this sandbox lacks
	"KW-DOCKER-060": "NOT_APPLICABLE", // 7.5: no swarm manager
	"KW-CTR-008":    "NOT_APPLICABLE", // 5.2: the kernel has no AppArmor
	"KW-CTR-009":    "NOT_APPLICABLE", // 5.3: dockerd runs without SELinux
	"KW-CTR-020":    "WARN",           // 5.25: a custom cgroup parent is a WARN by design
}

// dockerLoosen makes host files the CIS Docker Benchmark audits insecure
// for the insecure run (owner uid and gid 1000, mode wide open), and
// restores each file's owner and mode afterwards. Missing files are left
// alone.
func dockerLoosen(t *testing.T, mode os.FileMode, paths ...string) {
	for _, p := range paths {
		st, err := os.Lstat(p)
		if err != nil {
			continue
		}
		sys := st.Sys().(*syscall.Stat_t)
		uid, gid, old := int(sys.Uid), int(sys.Gid), st.Mode().Perm()
		if err := os.Chown(p, 1000, 1000); err != nil {
			t.Fatalf("chown %s: %v", p, err)
		}
		m := mode
		if st.IsDir() {
			m = 0o777
		}
		if err := os.Chmod(p, m); err != nil {
			t.Fatalf("chmod %s: %v", p, err)
		}
		t.Cleanup(func() {
			if err := os.Chown(p, uid, gid); err != nil {
				t.Errorf("restoring the owner of %s: %v", p, err)
			}
			if err := os.Chmod(p, old); err != nil {
				t.Errorf("restoring the mode of %s: %v", p, err)
			}
		})
	}
}

// dockerMakeFile writes a file (and the directories above it it had to
// create) with an owner and mode, removed afterwards.
func dockerMakeFile(t *testing.T, p, data string, uid int, mode os.FileMode) {
	var made []string
	for d := filepath.Dir(p); d != "/"; d = filepath.Dir(d) {
		if _, err := os.Stat(d); err == nil {
			break
		}
		made = append([]string{d}, made...)
	}
	for _, d := range made {
		if err := os.Mkdir(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(p, []byte(data), mode); err != nil {
		t.Fatal(err)
	}
	if err := os.Chown(p, uid, uid); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(p, mode); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		os.Remove(p)
		for i := len(made) - 1; i >= 0; i-- {
			os.Remove(made[i])
		}
	})
}

// dockerAuditRules writes auditd rules watching every file and binary of
// CIS Docker v1.6.0 1.1.3-1.1.18 (at each place they may be installed)
// and the test's own data root and daemon.json, removed afterwards.
func dockerAuditRules(t *testing.T, extra ...string) {
	var rules []string
	for _, p := range []string{"/run/containerd", "/etc/docker", "/run/containerd/containerd.sock", "/etc/default/docker",
		"/etc/docker/daemon.json", "/etc/containerd/config.toml", "/etc/sysconfig/docker"} {
		rules = append(rules, "-w "+p+" -k docker")
	}
	for _, d := range []string{"/etc/systemd/system", "/lib/systemd/system", "/usr/lib/systemd/system"} {
		rules = append(rules, "-w "+d+"/docker.service -k docker", "-w "+d+"/docker.socket -k docker")
	}
	for _, b := range []string{"dockerd", "containerd", "containerd-shim", "containerd-shim-runc-v1", "containerd-shim-runc-v2", "runc"} {
		for _, d := range []string{"/usr/bin", "/usr/sbin", "/usr/local/bin", "/usr/local/sbin", "/bin", "/sbin"} {
			rules = append(rules, "-a always,exit -F path="+d+"/"+b+" -F perm=x -k docker")
		}
	}
	for _, p := range extra {
		rules = append(rules, "-w "+p+" -k docker")
	}
	dockerMakeFile(t, "/etc/audit/rules.d/kwe2e-docker.rules", strings.Join(rules, "\n")+"\n", 0, 0o640)
}

// dockerAuthzPlugin serves a Docker authorization plugin that allows
// everything, on /run/docker/plugins/NAME.sock, for --authorization-plugin.
func dockerAuthzPlugin(t *testing.T, name string) {
	dir := "/run/docker/plugins"
	_, runErr := os.Stat("/run/docker")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	sock := filepath.Join(dir, name+".sock")
	os.Remove(sock)
	l, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	reply := func(v any) http.HandlerFunc {
		return func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Content-Type", "application/vnd.docker.plugins.v1+json")
			json.NewEncoder(w).Encode(v)
		}
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/Plugin.Activate", reply(map[string]any{"Implements": []string{"authz"}}))
	mux.HandleFunc("/AuthZPlugin.AuthZReq", reply(map[string]any{"Allow": true}))
	mux.HandleFunc("/AuthZPlugin.AuthZRes", reply(map[string]any{"Allow": true}))
	srv := &http.Server{Handler: mux}
	go srv.Serve(l)
	t.Cleanup(func() {
		srv.Close()
		os.Remove(sock)
		if runErr != nil {
			os.Remove(dir)
			os.Remove("/run/docker")
		}
	})
}

// dockerSSHDBinary builds a static program named sshd that sleeps: a
// container running it shows an sshd process to the Engine's top.
func dockerSSHDBinary(t *testing.T) []byte {
	dir := t.TempDir()
	src := filepath.Join(dir, "main.go")
	dockerWriteFile(t, src, "package main\n\nimport \"time\"\n\nfunc main() { time.Sleep(time.Hour) }\n")
	out := filepath.Join(dir, "sshd")
	cmd := exec.Command("go", "build", "-o", out, src)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GO111MODULE=off")
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("building the sshd stand-in: %v\n%s", err, b)
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// dockerAssertCIS: on the insecure runtime every CIS Docker check FAILs
// (on this test's dockerd or containers) but the documented exceptions,
// which show their expected status.
func dockerAssertCIS(t *testing.T, fs []dockerFinding) {
	m := dockerByID(fs)
	for _, id := range dockerCISIDs {
		want := "FAIL"
		if w, ok := dockerCISExceptions[id]; ok {
			want = w
		}
		got := false
		for _, f := range m[id] {
			for _, w := range strings.Split(want, "|") {
				got = got || f.status == w
			}
		}
		if !got {
			t.Errorf("%s: no %s on the insecure runtime; got %v", id, want, m[id])
		}
	}
}

// dockerAssertBenchmark runs `kubeward scan node --benchmark cis-docker-1.6
// -o json` and checks the compliance view: every recommendation listed,
// the insecure runtime failing the recommendations of its broken settings
// (and 5.16 but not 5.17: the host-ns container shares PID, not IPC), the
// hardened one failing none.
func dockerAssertBenchmark(t *testing.T, bin, profile string) {
	out, err := exec.Command(bin, "scan", "node", "--benchmark", "cis-docker-1.6", "-o", "json").Output()
	var ee *exec.ExitError
	if err != nil && !errors.As(err, &ee) {
		t.Fatalf("kubeward scan node --benchmark: %v", err)
	}
	var rep struct {
		Benchmark *struct {
			Benchmark string
			Sections  []struct {
				ID              string
				Recommendations []struct{ ID, Status, Audit string }
			}
			Total struct{ Total, Pass, Fail, Manual, NotApplicable, Error int }
		}
	}
	if err := json.Unmarshal(out, &rep); err != nil || rep.Benchmark == nil {
		t.Fatalf("no compliance view in the report: %v\n%s", err, dockerTail(out, 2000))
	}
	b := rep.Benchmark
	status := map[string]string{}
	for _, s := range b.Sections {
		for _, r := range s.Recommendations {
			status[r.ID] = r.Status
			if r.Status == "manual" && r.Audit == "" {
				t.Errorf("manual %s without its audit step", r.ID)
			}
		}
	}
	t.Logf("CIS Docker v1.6.0 on the %s runtime: %+v", profile, b.Total)
	if b.Total.Total != 117 || len(status) != 117 {
		t.Errorf("%d recommendations listed, want 117", b.Total.Total)
	}
	if profile == "hardened" {
		if b.Total.Fail != 0 || b.Total.Error != 0 {
			for id, s := range status {
				if s == "fail" || s == "error" {
					t.Errorf("hardened: %s is %s", id, s)
				}
			}
		}
		return
	}
	for _, id := range []string{"1.1.3", "2.2", "2.3", "2.5", "2.7", "2.12", "2.13", "3.2", "3.10", "3.17", "3.18", "4.6",
		"5.4", "5.5", "5.6", "5.7", "5.8", "5.10", "5.11", "5.12", "5.13", "5.14", "5.15", "5.16", "5.20", "5.21", "5.29", "5.31", "5.32"} {
		if status[id] != "fail" {
			t.Errorf("insecure: %s is %q, want fail", id, status[id])
		}
	}
	if status["5.17"] != "pass" {
		t.Errorf("insecure: 5.17 (IPC namespace) is %q, want pass: no container shares IPC", status["5.17"])
	}
	if status["7.3"] != "not-applicable" || status["1.2.1"] != "manual" {
		t.Errorf("insecure: 7.3 %q (want not-applicable: no swarm), 1.2.1 %q (want manual)", status["7.3"], status["1.2.1"])
	}
}
