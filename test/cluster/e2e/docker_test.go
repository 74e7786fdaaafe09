package e2e

import (
	"archive/tar"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
	"testing"
	"time"
)

const (
	dockerImageRepo = "kw-e2e-busybox"
	dockerImageTag  = "1"
	dockerPrefix    = "kwe2e-"
)

var (
	dockerDaemonIDs     = []string{"KW-DOCKER-001", "KW-DOCKER-002", "KW-DOCKER-003", "KW-DOCKER-004", "KW-DOCKER-005", "KW-DOCKER-006", "KW-DOCKER-007", "KW-DOCKER-008", "KW-DOCKER-009", "KW-DOCKER-010", "KW-DOCKER-011"}
	dockerContainerIDs  = []string{"KW-CTR-001", "KW-CTR-002", "KW-CTR-003", "KW-CTR-004", "KW-CTR-005", "KW-CTR-006"}
	dockerContainerdIDs = []string{"KW-CTRD-001", "KW-CTRD-002"}
)

// dockerReport is the part of kubeward's JSON report the test reads.
type dockerReport struct {
	Results []struct {
		ID      string `json:"id"`
		Status  string `json:"status"`
		Subject struct {
			Kind string `json:"kind"`
			Name string `json:"name"`
		} `json:"subject"`
		Message  string `json:"message"`
		Evidence string `json:"evidence"`
	} `json:"results"`
}

type dockerFinding struct {
	id, status, subject, message, evidence string
}

func (f dockerFinding) String() string {
	return fmt.Sprintf("%s %s on %s: %s [%s]", f.id, f.status, f.subject, f.message, f.evidence)
}

// TestDockerRuntime runs `kubeward scan node` against real container
// runtimes. It starts a private containerd and dockerd (docker.io
// 20.10 from Debian) twice in turn, each with its own root, state, exec
// root, pidfile and unix socket under a temporary directory, so it clashes
// with nothing else on the machine:
//
//   - insecure: daemon.json with icc, insecure registries, no userns-remap,
//     no live-restore, no no-new-privileges, json-file logs without limits,
//     "hosts" holding the unix socket and a tcp://127.0.0.1 listener; the
//     socket chmod 0666; containerd trusting registries without TLS
//     verification and over plain http (config.toml and hosts.toml); risky
//     containers created through the Engine API (privileged, docker.sock
//     mounted, root, CAP_ADD SYS_ADMIN, seccomp/apparmor unconfined, host
//     network and PID namespaces).
//   - hardened: every daemon setting right, the data root on a tmpfs of its
//     own, DOCKER_CONTENT_TRUST=1 in dockerd's environment, containerd with
//     verified https registries, and one hardened container.
//
// It builds kubeward from the repository, runs `kubeward scan node -o json`
// and asserts every Docker item fails on the insecure daemon and none fails
// on the hardened one. Two items cannot fail against a real daemon and are
// asserted as documented exceptions: KW-DOCKER-003 (dockerd will not start
// with the aufs storage driver on a kernel without aufs, so it passes with
// overlay2) and KW-DOCKER-011 (content trust is a client-side setting: WARN
// by design, never FAIL).
//
// Run as root:
//
//	cd test/cluster && go test -v -count=1 -run TestDockerRuntime ./e2e/
//
// It skips when dockerd or containerd is not installed (apt-get install -y
// docker.io containerd runc), when not root, and with -short.
// KUBEWARD_BIN=/path/to/kubeward skips building the binary.
func TestDockerRuntime(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a real dockerd and containerd; skipped with -short")
	}
	for _, b := range []string{"dockerd", "containerd"} {
		if _, err := exec.LookPath(b); err != nil {
			t.Skipf("%s is not installed (apt-get install -y docker.io containerd runc): %v", b, err)
		}
	}
	if os.Geteuid() != 0 {
		t.Skip("dockerd needs root")
	}
	bin := dockerKubewardBinary(t)
	for _, profile := range []string{"insecure", "hardened"} {
		t.Run(profile, func(t *testing.T) {
			rt := dockerStartRuntime(t, profile)
			results := dockerScan(t, bin, rt)
			if profile == "insecure" {
				dockerAssertInsecure(t, rt, results)
			} else {
				dockerAssertHardened(t, rt, results)
			}
			dockerAssertBenchmark(t, bin, profile)
		})
	}
}

// dockerKubewardBinary builds cmd/kubeward from the repository (or takes KUBEWARD_BIN).
func dockerKubewardBinary(t *testing.T) string {
	if b := os.Getenv("KUBEWARD_BIN"); b != "" {
		return b
	}
	repo, err := filepath.Abs("../../..")
	if err != nil {
		t.Fatal(err)
	}
	if mod, err := os.ReadFile(filepath.Join(repo, "go.mod")); err != nil || !bytes.Contains(mod, []byte("module github.com/kubeward/kubeward\n")) {
		t.Fatalf("%s is not the kubeward repository: %v", repo, err)
	}
	out := filepath.Join(t.TempDir(), "kubeward")
	cmd := exec.Command("go", "build", "-o", out, "github.com/kubeward/kubeward/cmd/kubeward")
	cmd.Dir = repo
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build kubeward: %v\n%s", err, b)
	}
	return out
}

// dockerStack is one running containerd + dockerd pair.
type dockerStack struct {
	profile       string
	dir           string
	socket        string // dockerd's unix socket
	tcp           string // insecure: dockerd's TCP listener
	dockerdPID    int
	containerdPID int
	tmpfs         bool // hardened: the data root is a tmpfs of its own
}

func dockerStartRuntime(t *testing.T, profile string) *dockerStack {
	// Short: unix socket paths are limited to 108 bytes.
	dir, err := os.MkdirTemp("", "kwdock-")
	if err != nil {
		t.Fatal(err)
	}
	// userns-remap: the remapped root must traverse it.
	if err := os.Chmod(dir, 0o711); err != nil {
		t.Fatal(err)
	}
	rt := &dockerStack{profile: profile, dir: dir, socket: filepath.Join(dir, "docker.sock")}
	hardened := profile == "hardened"
	if _, err := exec.LookPath("iptables"); err != nil && hardened {
		os.RemoveAll(dir)
		t.Skip("iptables is not installed: dockerd refuses icc=false without --iptables (apt-get install -y iptables)")
	}
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
		if err := os.RemoveAll(dir); err != nil {
			t.Errorf("removing %s: %v", dir, err)
		}
	})

	// containerd of its own: dockerd would otherwise attach to the
	// machine's /run/containerd/containerd.sock.
	ctrdDir := filepath.Join(dir, "containerd")
	certs := filepath.Join(dir, "certs.d")
	ctrdSock := filepath.Join(ctrdDir, "containerd.sock")
	dockerWriteFile(t, filepath.Join(ctrdDir, "config.toml"), dockerContainerdConfig(ctrdDir, certs, hardened))
	dockerWriteFile(t, filepath.Join(certs, "registry.kw-e2e.invalid:5000", "hosts.toml"), dockerHostsTOML(hardened))
	ctrd := dockerStart(t, filepath.Join(dir, "containerd.log"), nil, "containerd", "--config", filepath.Join(ctrdDir, "config.toml"))
	rt.containerdPID = ctrd.Process.Pid
	t.Cleanup(func() { dockerStop(t, ctrd, 20*time.Second) })
	dockerWaitFor(t, "containerd socket", 30*time.Second, func() error { _, err := os.Stat(ctrdSock); return err })

	dataRoot := filepath.Join(dir, "data")
	if err := os.MkdirAll(dataRoot, 0o711); err != nil {
		t.Fatal(err)
	}
	cfg := map[string]any{}
	args := []string{
		"--config-file", filepath.Join(dir, "daemon.json"),
		"--data-root", dataRoot,
		"--exec-root", filepath.Join(dir, "exec"),
		"--pidfile", filepath.Join(dir, "dockerd.pid"),
		"--containerd", ctrdSock,
		"--bridge=none", "--ip-forward=false",
	}
	env := []string{"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "HOME=/root"}
	if hardened {
		// The data root on a filesystem of its own.
		if err := syscall.Mount("kw-e2e-docker", dataRoot, "tmpfs", 0, "size=1g,mode=0711"); err != nil {
			t.Logf("cannot mount a tmpfs at %s (%v): KW-DOCKER-004 will fail and is then excepted", dataRoot, err)
		} else {
			rt.tmpfs = true
		}
		// CIS Docker v1.6.0 section 2 too: logs to a remote syslog (2.13),
		// an authorization plugin (2.12), no userland proxy (2.16); and
		// auditd watching the daemon's files (1.1.3-1.1.18).
		cfg = map[string]any{
			"icc": false, "userns-remap": "default", "live-restore": true, "no-new-privileges": true,
			"log-driver": "syslog", "log-opts": map[string]string{"syslog-address": "udp://127.0.0.1:5514"},
			"authorization-plugins": []string{"kwe2e-authz"}, "userland-proxy": false,
		}
		dockerAuthzPlugin(t, "kwe2e-authz")
		dockerAuditRules(t, dataRoot, filepath.Join(dir, "daemon.json"))
		// icc=false is enforced with iptables: dockerd refuses --iptables=false with it.
		args = append(args, "-H", "unix://"+rt.socket, "--iptables=true")
		env = append(env, "DOCKER_CONTENT_TRUST=1")
	} else {
		rt.tcp = dockerFreePort(t)
		cfg = map[string]any{
			"hosts":               []string{"unix://" + rt.socket, "tcp://" + rt.tcp},
			"icc":                 true,
			"insecure-registries": []string{"registry.kw-e2e.invalid:5000"},
			"live-restore":        false,
			"no-new-privileges":   false,
			"log-driver":          "json-file",
			// CIS Docker v1.6.0: debug logs (2.3), experimental (2.18), TLS
			// files anyone may write (3.9-3.14; TLS itself stays off).
			"log-level":    "debug",
			"experimental": true,
			"tlscacert":    filepath.Join(dir, "tls", "ca.pem"),
			"tlscert":      filepath.Join(dir, "tls", "cert.pem"),
			"tlskey":       filepath.Join(dir, "tls", "key.pem"),
		}
		for _, f := range []string{"ca.pem", "cert.pem", "key.pem"} {
			dockerMakeFile(t, filepath.Join(dir, "tls", f), "not a real certificate\n", 1000, 0o666)
		}
		dockerMakeFile(t, "/etc/docker/certs.d/kwe2e.invalid:5000/ca.crt", "not a real certificate\n", 1000, 0o666)
		dockerLoosen(t, 0o666, "/lib/systemd/system/docker.service", "/lib/systemd/system/docker.socket", "/etc/docker",
			"/etc/default/docker", "/run/containerd/containerd.sock")
		args = append(args, "--iptables=false")
	}
	b, _ := json.MarshalIndent(cfg, "", "  ")
	dockerWriteFile(t, filepath.Join(dir, "daemon.json"), string(b))
	if !hardened {
		// daemon.json anyone may change (3.17, 3.18).
		if err := os.Chown(filepath.Join(dir, "daemon.json"), 1000, 1000); err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(filepath.Join(dir, "daemon.json"), 0o666); err != nil {
			t.Fatal(err)
		}
	}

	d := dockerStart(t, filepath.Join(dir, "dockerd.log"), env, "dockerd", args...)
	rt.dockerdPID = d.Process.Pid
	t.Cleanup(func() {
		dockerStop(t, d, 40*time.Second)
		cleanHost()
	})
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
	if !hardened {
		// A socket anyone on the node may use.
		if err := os.Chmod(rt.socket, 0o666); err != nil {
			t.Fatal(err)
		}
	}

	var extra map[string][]byte
	if !hardened {
		extra = map[string][]byte{"usr/sbin/sshd": dockerSSHDBinary(t)}
		// A network of its own for published ports (--bridge=none).
		if _, err := eng.call("POST", "/networks/create", strings.NewReader(`{"Name":"kwe2e-net","Driver":"bridge"}`), "application/json"); err != nil {
			t.Fatalf("creating the network: %v", err)
		}
	}
	dockerImportImage(t, eng, extra)
	for name, spec := range dockerContainerSpecs(rt) {
		body, _ := json.Marshal(spec)
		if _, err := eng.call("POST", "/containers/create?name="+url.QueryEscape(dockerPrefix+name), bytes.NewReader(body), "application/json"); err != nil {
			t.Fatalf("creating container %s: %v", name, err)
		}
	}
	if !hardened {
		// The one running container: its process list shows sshd (5.7).
		if _, err := eng.call("POST", "/containers/"+url.PathEscape(dockerPrefix+"sshd")+"/start", nil, ""); err != nil {
			t.Fatalf("starting container sshd: %v", err)
		}
		t.Cleanup(func() { eng.call("POST", "/containers/"+url.PathEscape(dockerPrefix+"sshd")+"/kill", nil, "") })
	}
	return rt
}

// dockerContainerSpecs are the containers created on each daemon (Engine API
// POST /containers/create bodies).
func dockerContainerSpecs(rt *dockerStack) map[string]map[string]any {
	img := dockerImageRepo + ":" + dockerImageTag
	c := func(user string, hc map[string]any) map[string]any {
		if _, ok := hc["NetworkMode"]; !ok {
			hc["NetworkMode"] = "none" // --bridge=none: there is no default bridge
		}
		spec := map[string]any{"Image": img, "Cmd": []string{"/bin/sh"}, "HostConfig": hc}
		if user != "" {
			spec["User"] = user
		}
		return spec
	}
	if rt.profile == "hardened" {
		h := c("1000:1000", map[string]any{"CapDrop": []string{"ALL"}, "ReadonlyRootfs": true,
			"SecurityOpt": []string{"no-new-privileges:true"},
			// CIS Docker v1.6.0 section 5: limits, restart policy.
			"Memory": 64 << 20, "CpuShares": 512, "PidsLimit": 100,
			"RestartPolicy": map[string]any{"Name": "on-failure", "MaximumRetryCount": 5}})
		h["Healthcheck"] = map[string]any{"Test": []string{"CMD", "/bin/true"}} // 4.6, 5.27
		return map[string]map[string]any{"hardened": h}
	}
	// Breaks CIS Docker v1.6.0 section 4 and 5 (KW-CTR-007 to KW-CTR-024).
	loose := c("1000", map[string]any{"NetworkMode": "kwe2e-net",
		"PortBindings":  map[string]any{"80/tcp": []map[string]string{{"HostIp": "", "HostPort": "80"}}},
		"RestartPolicy": map[string]any{"Name": "always"},
		"Binds":         []string{"/etc:/host-etc", rt.dir + ":/mnt:rshared"},
		"CgroupParent":  "/kwe2e"})
	loose["ExposedPorts"] = map[string]any{"80/tcp": map[string]any{}}
	return map[string]map[string]any{
		"privileged":  c("1000", map[string]any{"Privileged": true}),
		"docker-sock": c("1000", map[string]any{"Binds": []string{rt.socket + ":/var/run/docker.sock"}}),
		"root":        c("", map[string]any{}),
		"cap-add":     c("1000", map[string]any{"CapAdd": []string{"SYS_ADMIN"}}),
		"unconfined":  c("1000", map[string]any{"SecurityOpt": []string{"seccomp=unconfined", "apparmor=unconfined"}}),
		"host-ns":     c("1000", map[string]any{"NetworkMode": "host", "PidMode": "host"}),
		"loose":       loose,
		"host-uts":    c("1000", map[string]any{"UTSMode": "host", "UsernsMode": "host"}),
		"sshd": func() map[string]any {
			s := c("1000", map[string]any{})
			s["Cmd"] = []string{"/usr/sbin/sshd"}
			return s
		}(),
	}
}

// dockerWantInsecure is the check each risky container fails.
var dockerWantInsecure = map[string]string{
	"privileged":  "KW-CTR-001",
	"docker-sock": "KW-CTR-002",
	"root":        "KW-CTR-003",
	"cap-add":     "KW-CTR-004",
	"unconfined":  "KW-CTR-005",
	"host-ns":     "KW-CTR-006",
}

func dockerContainerdConfig(dir, certs string, hardened bool) string {
	registry := fmt.Sprintf(`
[plugins."io.containerd.grpc.v1.cri".registry]
  config_path = %q
  [plugins."io.containerd.grpc.v1.cri".registry.mirrors."docker.io"]
    endpoint = ["http://127.0.0.1:5000"]
  [plugins."io.containerd.grpc.v1.cri".registry.configs."registry.kw-e2e.invalid:5000".tls]
    insecure_skip_verify = true
`, certs)
	if hardened {
		registry = fmt.Sprintf(`
[plugins."io.containerd.grpc.v1.cri".registry]
  config_path = %q
  [plugins."io.containerd.grpc.v1.cri".registry.configs."registry.kw-e2e.invalid:5000".tls]
    ca_file = %q
`, certs, filepath.Join(certs, "registry.kw-e2e.invalid:5000", "ca.crt"))
	}
	// The CRI plugin is off: this containerd only serves dockerd, and the
	// registry settings are what kubeward reads.
	return fmt.Sprintf(`version = 2
root = %q
state = %q
disabled_plugins = ["io.containerd.grpc.v1.cri"]

[grpc]
  address = %q

[debug]
  address = ""

[metrics]
  address = ""

[plugins."io.containerd.internal.v1.opt"]
  path = %q
%s`, filepath.Join(dir, "root"), filepath.Join(dir, "state"), filepath.Join(dir, "containerd.sock"), filepath.Join(dir, "opt"), registry)
}

func dockerHostsTOML(hardened bool) string {
	if hardened {
		return `server = "https://registry.kw-e2e.invalid:5000"

[host."https://mirror.kw-e2e.invalid:5000"]
  capabilities = ["pull", "resolve"]
  ca = "ca.crt"
`
	}
	return `server = "http://registry.kw-e2e.invalid:5000"

[host."https://mirror.kw-e2e.invalid:5000"]
  capabilities = ["pull", "resolve"]
  skip_verify = true
`
}

// dockerScan runs `kubeward scan node -o json` and returns the runtime results
// about this test's dockerd, containerd and containers only (the machine
// may run others).
func dockerScan(t *testing.T, bin string, rt *dockerStack) []dockerFinding {
	var stdout, stderr bytes.Buffer
	cmd := exec.Command(bin, "scan", "node", "-o", "json")
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	var ee *exec.ExitError
	if err != nil && !errors.As(err, &ee) {
		t.Fatalf("kubeward scan node: %v", err)
	}
	var rep dockerReport
	if err := json.Unmarshal(stdout.Bytes(), &rep); err != nil {
		t.Fatalf("kubeward scan node: %v; not a JSON report: %v\nstderr: %s\nstdout: %s", err, err, stderr.String(), dockerTail(stdout.Bytes(), 2000))
	}
	dockerd := fmt.Sprintf("(pid %d)", rt.dockerdPID)
	containerd := fmt.Sprintf("(pid %d)", rt.containerdPID)
	var out []dockerFinding
	for _, r := range rep.Results {
		if !strings.HasPrefix(r.ID, "KW-DOCKER-") && !strings.HasPrefix(r.ID, "KW-CTR-") && !strings.HasPrefix(r.ID, "KW-CTRD-") {
			continue
		}
		f := dockerFinding{id: r.ID, status: r.Status, message: r.Message, evidence: r.Evidence}
		switch {
		case r.Subject.Kind == "dockerd" && strings.HasSuffix(r.Subject.Name, dockerd):
			f.subject = "dockerd"
		case r.Subject.Kind == "containerd" && strings.HasSuffix(r.Subject.Name, containerd):
			f.subject = "containerd"
		case strings.HasPrefix(r.Subject.Kind, "docker container "+dockerPrefix):
			name := strings.TrimPrefix(r.Subject.Kind, "docker container "+dockerPrefix)
			f.subject = "container " + name[:strings.LastIndex(name, " (")]
		default:
			continue
		}
		out = append(out, f)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].id+out[i].subject < out[j].id+out[j].subject })
	for _, f := range out {
		t.Log(f)
	}
	return out
}

func dockerByID(fs []dockerFinding) map[string][]dockerFinding {
	m := map[string][]dockerFinding{}
	for _, f := range fs {
		m[f.id] = append(m[f.id], f)
	}
	return m
}

func dockerAssertInsecure(t *testing.T, rt *dockerStack, fs []dockerFinding) {
	m := dockerByID(fs)
	for _, id := range append(append(append([]string{}, dockerDaemonIDs...), dockerContainerIDs...), dockerContainerdIDs...) {
		want := "FAIL"
		switch id {
		case "KW-DOCKER-003":
			want = "PASS" // exception: aufs is not in this kernel, dockerd will not start with it
		case "KW-DOCKER-011":
			want = "WARN" // exception: content trust is client-side; WARN by design
		}
		got := false
		for _, f := range m[id] {
			if f.status == want {
				got = true
			}
		}
		if !got {
			t.Errorf("%s: no %s on the insecure runtime; got %v", id, want, m[id])
		}
	}
	for name, id := range dockerWantInsecure {
		for _, cid := range dockerContainerIDs {
			want := "PASS"
			if cid == id {
				want = "FAIL"
			}
			// Every risky container but "root" runs as UID 1000.
			found := false
			for _, f := range m[cid] {
				if f.subject == "container "+name {
					found = true
					if f.status != want {
						t.Errorf("%s on container %s = %s, want %s: %s", cid, name, f.status, want, f)
					}
				}
			}
			if !found {
				t.Errorf("%s: no result for container %s", cid, name)
			}
		}
	}
	dockerMustEvidence(t, m, "KW-DOCKER-001", "dockerd", "tcp://"+rt.tcp, "(daemon.json key hosts)")
	dockerMustEvidence(t, m, "KW-DOCKER-002", "dockerd", rt.socket+" root:", " 0666")
	dockerMustEvidence(t, m, "KW-DOCKER-003", "dockerd", "storage-driver=overlay2 (Engine API unix://"+rt.socket+" /info Driver)")
	dockerMustEvidence(t, m, "KW-DOCKER-005", "dockerd", "icc=true (daemon.json key icc)")
	dockerMustEvidence(t, m, "KW-DOCKER-010", "dockerd", "insecure-registries=registry.kw-e2e.invalid:5000 (daemon.json key insecure-registries)")
	dockerMustEvidence(t, m, "KW-CTRD-001", "containerd", "insecure_skip_verify = true", "skip_verify = true")
	dockerMustEvidence(t, m, "KW-CTRD-002", "containerd", "http://127.0.0.1:5000", "server = http://registry.kw-e2e.invalid:5000")
	dockerMustEvidence(t, m, "KW-CTR-002", "container docker-sock", "exposes "+rt.socket)
	dockerAssertCIS(t, fs)
	dockerMustEvidence(t, m, "KW-CTR-011", "container sshd", "sshd")
	dockerMustEvidence(t, m, "KW-DOCKER-051", "dockerd", filepath.Join(rt.dir, "daemon.json"), "(uid 1000, gid 1000)")
}

func dockerAssertHardened(t *testing.T, rt *dockerStack, fs []dockerFinding) {
	m := dockerByID(fs)
	for _, f := range fs {
		if f.status != "FAIL" && f.status != "ERROR" {
			continue
		}
		if f.id == "KW-DOCKER-004" && !rt.tmpfs {
			t.Logf("excepted: %s (no tmpfs could be mounted for the data root here)", f)
			continue
		}
		t.Errorf("hardened runtime: %s", f)
	}
	for _, id := range append(append(append([]string{}, dockerDaemonIDs...), dockerContainerIDs...), dockerContainerdIDs...) {
		pass := false
		for _, f := range m[id] {
			pass = pass || f.status == "PASS"
		}
		if !pass && !(id == "KW-DOCKER-004" && !rt.tmpfs) {
			t.Errorf("%s: no PASS on the hardened runtime: %v", id, m[id])
		}
	}
	dockerMustEvidence(t, m, "KW-DOCKER-001", "dockerd", "hosts=unix://"+rt.socket+" (flag -H)")
	dockerMustEvidence(t, m, "KW-DOCKER-005", "dockerd", "icc=false (daemon.json key icc)")
	dockerMustEvidence(t, m, "KW-DOCKER-006", "dockerd", "userns-remap=default (daemon.json key userns-remap)")
	dockerMustEvidence(t, m, "KW-DOCKER-011", "dockerd", "DOCKER_CONTENT_TRUST=1 (dockerd environment)")
	if rt.tmpfs {
		dockerMustEvidence(t, m, "KW-DOCKER-004", "dockerd", "tmpfs kw-e2e-docker")
	}
}

func dockerMustEvidence(t *testing.T, m map[string][]dockerFinding, id, subject string, want ...string) {
	t.Helper()
	for _, f := range m[id] {
		if f.subject != subject {
			continue
		}
		for _, w := range want {
			if !strings.Contains(f.evidence, w) && !strings.Contains(f.message, w) {
				t.Errorf("%s on %s: evidence %q lacks %q", id, subject, f.evidence, w)
			}
		}
		return
	}
	t.Errorf("%s: no result on %s", id, subject)
}

// dockerEngine calls the Docker Engine API on a unix socket.
type dockerEngine struct{ socket string }

func (e *dockerEngine) call(method, path string, body io.Reader, ctype string) ([]byte, error) {
	c := &http.Client{Timeout: time.Minute, Transport: &http.Transport{
		DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
			var d net.Dialer
			return d.DialContext(ctx, "unix", e.socket)
		}}}
	defer c.CloseIdleConnections()
	req, err := http.NewRequest(method, "http://docker"+path, body)
	if err != nil {
		return nil, err
	}
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	resp, err := c.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode/100 != 2 {
		return nil, fmt.Errorf("%s %s: HTTP %d: %s", method, path, resp.StatusCode, bytes.TrimSpace(b))
	}
	return b, nil
}

// dockerImportImage imports a one-layer image built here (images cannot be
// pulled): busybox-static when installed, else a placeholder file. The
// containers are only created, never started.
func dockerImportImage(t *testing.T, e *dockerEngine, extra map[string][]byte) {
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	tw.WriteHeader(&tar.Header{Name: "bin/", Typeflag: tar.TypeDir, Mode: 0o755})
	for name, data := range extra {
		tw.WriteHeader(&tar.Header{Name: filepath.Dir(name) + "/", Typeflag: tar.TypeDir, Mode: 0o755})
		tw.WriteHeader(&tar.Header{Name: name, Typeflag: tar.TypeReg, Mode: 0o755, Size: int64(len(data))})
		tw.Write(data)
	}
	if bb, err := os.ReadFile("/bin/busybox"); err == nil {
		tw.WriteHeader(&tar.Header{Name: "bin/busybox", Typeflag: tar.TypeReg, Mode: 0o755, Size: int64(len(bb))})
		tw.Write(bb)
		tw.WriteHeader(&tar.Header{Name: "bin/sh", Typeflag: tar.TypeSymlink, Linkname: "busybox", Mode: 0o777})
	} else {
		note := []byte("kubeward e2e image\n")
		tw.WriteHeader(&tar.Header{Name: "bin/sh", Typeflag: tar.TypeReg, Mode: 0o755, Size: int64(len(note))})
		tw.Write(note)
	}
	tw.Close()
	q := url.Values{"fromSrc": {"-"}, "repo": {dockerImageRepo}, "tag": {dockerImageTag}}
	out, err := e.call("POST", "/images/create?"+q.Encode(), &buf, "application/x-tar")
	if err != nil {
		t.Fatalf("importing the image: %v", err)
	}
	if bytes.Contains(out, []byte(`"error"`)) {
		t.Fatalf("importing the image: %s", out)
	}
}

// dockerProc is a started daemon.
type dockerProc struct {
	*exec.Cmd
	exited chan struct{}
}

func dockerStart(t *testing.T, logFile string, env []string, name string, args ...string) *dockerProc {
	t.Helper()
	log, err := os.Create(logFile)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(name, args...)
	cmd.Stdout, cmd.Stderr = log, log
	if env != nil {
		cmd.Env = env
	}
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGTERM}
	if err := cmd.Start(); err != nil {
		log.Close()
		t.Fatalf("starting %s: %v", name, err)
	}
	p := &dockerProc{Cmd: cmd, exited: make(chan struct{})}
	go func() {
		cmd.Wait()
		log.Close()
		close(p.exited)
	}()
	return p
}

// dockerStop sends SIGTERM, waits up to grace, then kills.
func dockerStop(t *testing.T, p *dockerProc, grace time.Duration) {
	_ = p.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.exited:
		return
	case <-time.After(grace):
	}
	t.Logf("%s did not stop within %s: killing it", p.Path, grace)
	_ = p.Process.Kill()
	<-p.exited
}

// dockerErrStop ends dockerWaitFor at once.
var dockerErrStop = errors.New("stop waiting")

func dockerWaitFor(t *testing.T, what string, timeout time.Duration, probe func() error) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	var err error
	for time.Now().Before(deadline) {
		if err = probe(); err == nil {
			return
		}
		if errors.Is(err, dockerErrStop) {
			t.Fatalf("%s: the process exited (see its log below)", what)
		}
		time.Sleep(200 * time.Millisecond)
	}
	t.Fatalf("%s not ready after %s: %v", what, timeout, err)
}

func dockerFreePort(t *testing.T) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

func dockerWriteFile(t *testing.T, p, data string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
}

func dockerTail(b []byte, n int) []byte {
	if len(b) > n {
		return b[len(b)-n:]
	}
	return b
}

// dockerUnmountUnder detaches every mount below dir, deepest first (dockerd
// bind-mounts its data root and leaves it mounted when it stops).
func dockerUnmountUnder(t *testing.T, dir string) {
	for i := 0; i < 5; i++ {
		data, err := os.ReadFile("/proc/self/mountinfo")
		if err != nil {
			return
		}
		var points []string
		for _, line := range strings.Split(string(data), "\n") {
			f := strings.Fields(line)
			if len(f) > 4 && (f[4] == dir || strings.HasPrefix(f[4], dir+"/")) {
				points = append(points, f[4])
			}
		}
		if len(points) == 0 {
			return
		}
		sort.Slice(points, func(a, b int) bool { return len(points[a]) > len(points[b]) })
		for _, p := range points {
			if err := syscall.Unmount(p, syscall.MNT_DETACH); err != nil && !errors.Is(err, syscall.EINVAL) {
				t.Logf("unmount %s: %v", p, err)
			}
		}
	}
}

// dockerHostState records what dockerd may add to the machine outside its own
// directories and returns a function that removes what it added: the
// iptables chains it creates with --iptables=true, the dockremap user of
// userns-remap "default", /etc/docker/key.json and /run/docker.
func dockerHostState(t *testing.T) func() {
	chains := map[string]bool{}
	for _, c := range dockerChains {
		chains[c.table+"/"+c.chain] = exec.Command("iptables", "-t", c.table, "-S", c.chain).Run() == nil
	}
	jumpExisted := exec.Command("iptables", "-C", "FORWARD", "-j", "DOCKER-USER").Run() == nil
	_, userErr := user.Lookup("dockremap")
	_, keyErr := os.Stat("/etc/docker/key.json")
	_, runErr := os.Stat("/run/docker")
	return func() {
		// Remove the chains this dockerd created, unless something else
		// (another dockerd on the machine) has put rules in them since.
		var ours []struct{ table, chain string }
		for _, c := range dockerChains {
			if !chains[c.table+"/"+c.chain] && dockerOnlyDefaultRules(c.table, c.chain) {
				ours = append(ours, c)
			}
		}
		if len(ours) == len(dockerChains) && !jumpExisted {
			_ = exec.Command("iptables", "-D", "FORWARD", "-j", "DOCKER-USER").Run()
		}
		for _, c := range ours {
			_ = exec.Command("iptables", "-t", c.table, "-F", c.chain).Run()
		}
		for _, c := range ours {
			_ = exec.Command("iptables", "-t", c.table, "-X", c.chain).Run()
		}
		if userErr != nil {
			if _, err := user.Lookup("dockremap"); err == nil {
				if out, err := exec.Command("userdel", "dockremap").CombinedOutput(); err != nil {
					t.Logf("userdel dockremap: %v %s", err, out)
				}
			}
		}
		if keyErr != nil {
			_ = os.Remove("/etc/docker/key.json")
		}
		if runErr != nil {
			// Only empty directories: another dockerd may use them.
			_ = os.Remove("/run/docker/plugins")
			_ = os.Remove("/run/docker")
		}
		for _, c := range ours {
			if exec.Command("iptables", "-t", c.table, "-S", c.chain).Run() == nil {
				t.Errorf("iptables chain %s/%s left behind", c.table, c.chain)
			}
		}
	}
}

// dockerOnlyDefaultRules: the chain holds nothing but dockerd's own "-j RETURN".
func dockerOnlyDefaultRules(table, chain string) bool {
	out, err := exec.Command("iptables", "-t", table, "-S", chain).Output()
	if err != nil {
		return false
	}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		if line != "-N "+chain && line != "-A "+chain+" -j RETURN" {
			return false
		}
	}
	return true
}

var dockerChains = []struct{ table, chain string }{
	{"filter", "DOCKER-USER"}, {"filter", "DOCKER-ISOLATION-STAGE-1"}, {"filter", "DOCKER-ISOLATION-STAGE-2"},
	{"filter", "DOCKER"}, {"nat", "DOCKER"},
}
