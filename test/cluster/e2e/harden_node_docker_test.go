package e2e

import (
	"bufio"
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestHardenNodeDocker: a real containerd and dockerd with the insecure
// settings of TestDockerRuntime; `kubeward harden node` writes the merged
// daemon.json, the content trust drop-in and containerd's fixed registry
// files; containerd and dockerd restart with them, and the rescan finds
// every runtime check the plan fixed passing (KW-DOCKER-011 too, WARN
// before).
func TestHardenNodeDocker(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a real dockerd and containerd")
	}
	for _, b := range []string{"dockerd", "containerd", "iptables"} {
		if _, err := exec.LookPath(b); err != nil {
			t.Skipf("%s is not installed (apt-get install -y docker.io containerd runc iptables): %v", b, err)
		}
	}
	if os.Geteuid() != 0 {
		t.Skip("dockerd needs root")
	}
	bin := kubewardBin(t)
	dir, err := os.MkdirTemp("", "kwhd-")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(dir, 0o711); err != nil { // userns-remap: the remapped root traverses it
		t.Fatal(err)
	}
	rt := &dockerStack{profile: "insecure", dir: dir, socket: filepath.Join(dir, "docker.sock")}
	cleanHost := dockerHostState(t)
	t.Cleanup(func() {
		dockerUnmountUnder(t, dir)
		if t.Failed() {
			for _, l := range []string{"dockerd.log", "containerd.log"} {
				if b, err := os.ReadFile(filepath.Join(dir, l)); err == nil {
					t.Logf("--- %s (last 3000 bytes)\n%s", l, dockerTail(b, 3000))
				}
			}
		}
		os.RemoveAll(dir)
	})

	ctrdDir := filepath.Join(dir, "containerd")
	certs := filepath.Join(dir, "certs.d")
	ctrdSock := filepath.Join(ctrdDir, "containerd.sock")
	ctrdConfig := filepath.Join(ctrdDir, "config.toml")
	hostsFile := filepath.Join(certs, "registry.kw-e2e.invalid:5000", "hosts.toml")
	dockerWriteFile(t, ctrdConfig, dockerContainerdConfig(ctrdDir, certs, false))
	dockerWriteFile(t, hostsFile, dockerHostsTOML(false))
	startContainerd := func() *dockerProc {
		_ = os.Remove(ctrdSock)
		p := dockerStart(t, filepath.Join(dir, "containerd.log"), nil, "containerd", "--config", ctrdConfig)
		dockerWaitFor(t, "containerd socket", 30*time.Second, func() error { _, err := os.Stat(ctrdSock); return err })
		rt.containerdPID = p.Process.Pid
		return p
	}
	dataRoot := filepath.Join(dir, "data")
	if err := os.MkdirAll(dataRoot, 0o711); err != nil {
		t.Fatal(err)
	}
	daemonJSON := filepath.Join(dir, "daemon.json")
	args := []string{"--config-file", daemonJSON, "--data-root", dataRoot, "--exec-root", filepath.Join(dir, "exec"),
		"--pidfile", filepath.Join(dir, "dockerd.pid"), "--containerd", ctrdSock, "--bridge=none", "--ip-forward=false", "--iptables=true"}
	env := []string{"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "HOME=/root"}
	insecure, _ := json.MarshalIndent(map[string]any{
		"hosts": []string{"unix://" + rt.socket, "tcp://" + dockerFreePort(t)}, "icc": true,
		"insecure-registries": []string{"registry.kw-e2e.invalid:5000"}, "live-restore": false, "no-new-privileges": false, "log-driver": "json-file",
	}, "", "  ")
	dockerWriteFile(t, daemonJSON, string(insecure))
	startDockerd := func(env []string) *dockerProc {
		d := dockerStart(t, filepath.Join(dir, "dockerd.log"), env, "dockerd", args...)
		rt.dockerdPID = d.Process.Pid
		eng := &dockerEngine{socket: rt.socket}
		dockerWaitFor(t, "dockerd API", 2*time.Minute, func() error {
			select {
			case <-d.exited:
				return dockerErrStop
			default:
			}
			_, err := eng.call("GET", "/_ping", nil, "")
			return err
		})
		return d
	}
	ctrd := startContainerd()
	d := startDockerd(env)
	stopped := false
	t.Cleanup(func() {
		if !stopped {
			dockerStop(t, d, 40*time.Second)
			dockerStop(t, ctrd, 20*time.Second)
		}
		cleanHost()
	})

	before := dockerByID(dockerScan(t, bin, rt))
	out := filepath.Join(t.TempDir(), "out")
	original := map[string][]byte{}
	for _, f := range []string{daemonJSON, ctrdConfig, hostsFile} {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		original[f] = b
	}
	// --apply --only runtime: daemon.json and containerd's files written in
	// place (backups, undo record); the content trust drop-in is for a
	// docker.service unit, which this dockerd is not, so its environment
	// is given below.
	cmd := exec.Command(bin, "harden", "node", "--out", out, "--apply", "--only", "runtime")
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("kubeward harden node: %v\n%s\n%s", err, stdout.String(), stderr.String())
	}
	t.Logf("harden node:\n%s", stdout.String())
	var plan struct {
		Files []struct {
			Path  string   `json:"path"`
			Fixes []string `json:"fixes"`
		} `json:"files"`
	}
	readJSON(t, filepath.Join(out, "plan.json"), &plan)
	fixed := map[string]bool{}
	for _, f := range plan.Files {
		for _, id := range f.Fixes {
			if strings.HasPrefix(id, "KW-DOCKER-") || strings.HasPrefix(id, "KW-CTRD-") {
				fixed[id] = true
			}
		}
	}
	for _, id := range []string{"KW-DOCKER-001", "KW-DOCKER-005", "KW-DOCKER-006", "KW-DOCKER-007", "KW-DOCKER-008", "KW-DOCKER-009", "KW-DOCKER-010", "KW-DOCKER-011", "KW-CTRD-001", "KW-CTRD-002"} {
		if !fixed[id] {
			t.Errorf("the plan has no fix for %s (before: %v)", id, before[id])
		}
	}

	// --apply wrote what the plan generated.
	for gen, target := range map[string]string{filepath.Join(out, "docker", "daemon.json"): daemonJSON,
		filepath.Join(out, "containerd"+ctrdConfig): ctrdConfig, filepath.Join(out, "containerd"+hostsFile): hostsFile} {
		want, err := os.ReadFile(gen)
		if err != nil {
			t.Fatal(err)
		}
		if got, _ := os.ReadFile(target); !bytes.Equal(got, want) {
			t.Errorf("--apply did not write %s", target)
		}
	}
	records, _ := filepath.Glob(filepath.Join(out, "undo-*.json"))
	if len(records) != 1 {
		t.Fatalf("undo records: %v", records)
	}
	newEnv := append([]string(nil), env...)
	f, err := os.Open(filepath.Join(out, "systemd", "docker.service.d", "50-kubeward-content-trust.conf"))
	if err != nil {
		t.Fatal(err)
	}
	s := bufio.NewScanner(f)
	for s.Scan() {
		if v, ok := strings.CutPrefix(s.Text(), "Environment="); ok {
			newEnv = append(newEnv, v)
		}
	}
	f.Close()
	dockerStop(t, d, 40*time.Second)
	dockerStop(t, ctrd, 20*time.Second)
	stopped = true
	ctrd = startContainerd()
	d = startDockerd(newEnv)
	stopped = false

	after := dockerByID(dockerScan(t, bin, rt))
	for id := range fixed {
		for _, r := range after[id] {
			if r.status != "PASS" {
				t.Errorf("after harden node: %s", r)
			}
		}
		if len(after[id]) == 0 {
			t.Errorf("after harden node: no result for %s", id)
		}
	}
	// harden undo puts the three files back.
	if b, err := exec.Command(bin, "harden", "undo", records[0]).CombinedOutput(); err != nil {
		t.Fatalf("kubeward harden undo: %v\n%s", err, b)
	}
	for f, want := range original {
		if got, _ := os.ReadFile(f); !bytes.Equal(got, want) {
			t.Errorf("undo did not restore %s", f)
		}
	}
}
