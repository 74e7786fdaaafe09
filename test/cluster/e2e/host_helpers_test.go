package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// Helpers of host_test.go (sshd and the host firewall against the real
// programs). Every name starts with "host" to stay apart from the other
// e2e files of this package.

// hostKubeward builds kubeward from the main module into the test's
// temporary directory (the build cache makes the second build quick).
func hostKubeward(t *testing.T) string {
	t.Helper()
	mainDir, err := filepath.Abs("../../..")
	if err != nil {
		t.Fatal(err)
	}
	goBin, err := exec.LookPath("go")
	if err != nil {
		goBin = filepath.Join(runtime.GOROOT(), "bin", "go")
	}
	bin := filepath.Join(t.TempDir(), "kubeward")
	cmd := exec.Command(goBin, "build", "-o", bin, "github.com/kubeward/kubeward/cmd/kubeward")
	cmd.Dir = mainDir
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("building kubeward: %v\n%s", err, out)
	}
	return bin
}

// hostNeed skips the test unless it runs as root with every program installed,
// and returns the programs' paths.
func hostNeed(t *testing.T, programs ...string) map[string]string {
	t.Helper()
	if testing.Short() {
		t.Skip("-short: skipping tests against the real sshd and firewall programs")
	}
	if os.Geteuid() != 0 {
		t.Skip("needs root: starts sshd, creates network namespaces and loads firewall rules")
	}
	paths := map[string]string{}
	var missing []string
	for _, p := range programs {
		path, err := hostLookPath(p)
		if err != nil {
			missing = append(missing, p)
			continue
		}
		paths[p] = path
	}
	if len(missing) > 0 {
		t.Skipf("missing %s: install them (apt-get install -y openssh-server iptables nftables iproute2)", strings.Join(missing, ", "))
	}
	return paths
}

func hostLookPath(name string) (string, error) {
	if p, err := exec.LookPath(name); err == nil {
		return filepath.Abs(p)
	}
	for _, dir := range []string{"/usr/sbin", "/sbin", "/usr/local/sbin"} {
		p := filepath.Join(dir, name)
		if st, err := os.Stat(p); err == nil && !st.IsDir() && st.Mode()&0o111 != 0 {
			return p, nil
		}
	}
	return "", exec.ErrNotFound
}

// hostResult is one result of `kubeward scan node -o json`.
type hostResult struct {
	ID       string `json:"id"`
	Status   string `json:"status"`
	Message  string `json:"message"`
	Evidence string `json:"evidence"`
	Subject  struct {
		Kind string `json:"kind"`
		Name string `json:"name"`
	} `json:"subject"`
	Location *struct {
		File string `json:"file"`
		Line int    `json:"line"`
		Path string `json:"path"`
	} `json:"location"`
}

func (r hostResult) String() string {
	return fmt.Sprintf("%s %s [%s] %s | %s", r.ID, r.Status, r.Subject.Name, r.Message, r.Evidence)
}

// hostScan runs `[prefix...] BIN scan node -o json` and returns the results.
func hostScan(t *testing.T, bin string, prefix ...string) []hostResult {
	t.Helper()
	argv := append(append([]string{}, prefix...), bin, "scan", "node", "-o", "json")
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	if ee, ok := err.(*exec.ExitError); err != nil && (!ok || ee.ExitCode() != 1) {
		t.Fatalf("%s: %v\n%s", strings.Join(argv, " "), err, stderr.String())
	}
	var rep struct {
		Results []hostResult `json:"results"`
	}
	if err := json.Unmarshal(stdout.Bytes(), &rep); err != nil {
		t.Fatalf("report is not JSON: %v\n%s", err, stdout.String())
	}
	return rep.Results
}

// hostResultsOf keeps the results of one check.
func hostResultsOf(rs []hostResult, id string) []hostResult {
	var out []hostResult
	for _, r := range rs {
		if r.ID == id {
			out = append(out, r)
		}
	}
	return out
}

// hostRun runs a command and returns its combined output, failing the test on error.
func hostRun(t *testing.T, name string, args ...string) string {
	t.Helper()
	out, err := hostTry(name, args...)
	if err != nil {
		t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
	}
	return out
}

func hostTry(name string, args ...string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	out, err := exec.CommandContext(ctx, name, args...).CombinedOutput()
	return string(out), err
}

// hostRunStdin runs a command with input on stdin.
func hostRunStdin(t *testing.T, stdin string, name string, args ...string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Stdin = strings.NewReader(stdin)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
	}
}

func hostWrite(t *testing.T, path, data string, mode os.FileMode) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(data), mode); err != nil {
		t.Fatal(err)
	}
}

// hostFreePort returns a TCP port free on 127.0.0.1.
func hostFreePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// hostPrivsepDir makes sure /run/sshd (sshd's privilege separation
// directory) exists while the test runs; it is removed afterwards only if
// the test created it. created reports that.
func hostPrivsepDir(t *testing.T) (created bool) {
	t.Helper()
	const dir = "/run/sshd"
	if _, err := os.Stat(dir); err == nil {
		return false
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Skipf("cannot create %s: %v", dir, err)
	}
	t.Cleanup(func() { os.Remove(dir) })
	return true
}

// hostSSHD is a real sshd listener started by a test.
type hostSSHD struct {
	cmd    *exec.Cmd
	config string
	key    string
	port   int
	log    string
	done   chan error
}

// hostStartSSHD starts `sshd -D -f config -h key -E log` and waits until it
// listens on 127.0.0.1:port. It is killed when the test ends.
func hostStartSSHD(t *testing.T, sshd, config, key, log string, port int) *hostSSHD {
	t.Helper()
	s := &hostSSHD{config: config, key: key, port: port, log: log, done: make(chan error, 1)}
	s.cmd = exec.Command(sshd, "-D", "-f", config, "-h", key, "-E", log)
	if err := s.cmd.Start(); err != nil {
		t.Fatalf("starting sshd: %v", err)
	}
	go func() { s.done <- s.cmd.Wait() }()
	t.Cleanup(func() { s.stop(t) })
	deadline := time.Now().Add(15 * time.Second)
	for {
		c, err := net.DialTimeout("tcp", "127.0.0.1:"+strconv.Itoa(port), time.Second)
		if err == nil {
			c.Close()
			return s
		}
		select {
		case err := <-s.done:
			b, _ := os.ReadFile(log)
			t.Fatalf("sshd exited: %v\n%s", err, b)
		default:
		}
		if time.Now().After(deadline) {
			b, _ := os.ReadFile(log)
			t.Fatalf("sshd does not listen on 127.0.0.1:%d: %v\n%s", port, err, b)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func (s *hostSSHD) pid() int { return s.cmd.Process.Pid }

func (s *hostSSHD) stop(t *testing.T) {
	if s.cmd.ProcessState != nil {
		return
	}
	_ = s.cmd.Process.Signal(os.Interrupt)
	select {
	case <-s.done:
	case <-time.After(5 * time.Second):
		_ = s.cmd.Process.Kill()
		<-s.done
	}
	if _, err := os.Stat(fmt.Sprintf("/proc/%d", s.pid())); err == nil {
		if b, err := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", s.pid())); err == nil && strings.Contains(string(b), s.config) {
			t.Errorf("sshd pid %d still runs after stop", s.pid())
		}
	}
}

// hostSSHDT runs the real `sshd -T` and returns its settings.
func hostSSHDT(t *testing.T, sshd string, args ...string) map[string]string {
	t.Helper()
	out := hostRun(t, sshd, append([]string{"-T"}, args...)...)
	m := map[string]string{}
	for _, line := range strings.Split(out, "\n") {
		k, v, _ := strings.Cut(strings.TrimSpace(line), " ")
		if _, seen := m[k]; !seen && k != "" {
			m[k] = v
		}
	}
	return m
}

var hostNetnsSeq atomic.Int32

// hostNetns creates a network namespace, deleted when the test ends.
func hostNetns(t *testing.T, ip string) string {
	t.Helper()
	name := fmt.Sprintf("kwhost-%d-%d", os.Getpid(), hostNetnsSeq.Add(1))
	if out, err := hostTry(ip, "netns", "add", name); err != nil {
		t.Skipf("cannot create a network namespace: %v\n%s", err, out)
	}
	t.Cleanup(func() {
		if out, err := hostTry(ip, "netns", "del", name); err != nil {
			t.Errorf("deleting netns %s: %v\n%s", name, err, out)
		}
	})
	return name
}

// hostInNetns runs a command inside a network namespace.
func hostInNetns(t *testing.T, ip, ns string, argv ...string) string {
	t.Helper()
	return hostRun(t, ip, append([]string{"netns", "exec", ns}, argv...)...)
}

// hostConnect tries a TCP connection from namespace ns with bash's /dev/tcp:
// "open" (connected or refused: the packet reached the host) or "filtered"
// (no answer within the timeout: dropped).
func hostConnect(t *testing.T, ip, ns, addr string, port int) string {
	t.Helper()
	script := fmt.Sprintf("exec 3<>/dev/tcp/%s/%d", addr, port)
	start := time.Now()
	out, err := hostTry(ip, "netns", "exec", ns, "timeout", "3", "bash", "-c", script)
	if ee, ok := err.(*exec.ExitError); ok && ee.ExitCode() == 124 {
		return "filtered"
	}
	if time.Since(start) > 2900*time.Millisecond {
		return "filtered"
	}
	if err == nil || strings.Contains(out, "Connection refused") {
		return "open"
	}
	t.Fatalf("connect %s:%d from %s: %v\n%s", addr, port, ns, err, out)
	return ""
}
