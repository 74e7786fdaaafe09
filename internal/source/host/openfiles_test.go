package host

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kubeward/kubeward/internal/inventory"
)

const auditLog = "/var/log/kubernetes/audit/audit.log"

// shipperTree is a root where fluent-bit holds the audit log open, vector a
// rotated backup, a process elsewhere an unrelated file of the same name,
// and the API server (and a second one) the log itself.
func shipperTree() map[string]string {
	return merge(
		proc("42", "/usr/local/bin/kube-apiserver", []string{"kube-apiserver", "--audit-policy-file=/etc/kubernetes/audit-policy.yaml", "--audit-log-path=" + auditLog}),
		map[string]string{"proc/42/fd/7": "->" + auditLog, "proc/42/comm": "kube-apiserver\n"},
		proc("43", "/usr/local/bin/kube-apiserver", []string{"kube-apiserver", "--audit-log-path=/other/audit.log"}),
		map[string]string{"proc/43/fd/7": "->" + auditLog, "proc/43/comm": "kube-apiserver\n"},
		proc("100", "/usr/bin/fluent-bit", []string{"fluent-bit", "-c", "/etc/fluent-bit/fluent-bit.conf"}),
		map[string]string{"proc/100/fd/0": "->/dev/null", "proc/100/fd/1": "->pipe:[123]", "proc/100/fd/12": "->" + auditLog, "proc/100/comm": "fluent-bit\n"},
		proc("200", "/usr/bin/vector", []string{"vector"}),
		map[string]string{"proc/200/fd/9": "->/var/log/kubernetes/audit/audit-2026-01-02T03-04-05.000.log (deleted)", "proc/200/comm": "vector\n"},
		proc("300", "/usr/bin/less", []string{"less", "/home/x/audit.log"}),
		map[string]string{"proc/300/fd/3": "->/home/x/audit.log", "proc/300/comm": "less\n"},
		map[string]string{"var/log/kubernetes/audit/audit.log": "{}\n"},
	)
}

func TestOpenFilesFindsShippers(t *testing.T) {
	root := t.TempDir()
	writeTree(t, root, shipperTree())
	n := Discover(&FS{Root: root})
	api := component(t, n, 42)
	of := api.OpenFile(auditLog)
	if of == nil {
		t.Fatalf("no open-file record on the API server: %+v", api.OpenFiles)
	}
	if of.Setting != "audit-log-path" || of.Unknown != "" {
		t.Errorf("record %+v", of)
	}
	var got []string
	for _, h := range of.Holders {
		got = append(got, h.Name)
	}
	if strings.Join(got, ",") != "fluent-bit,vector" {
		t.Errorf("holders %v, want fluent-bit and vector (not the API servers, not another file named audit.log): %+v", got, of.Holders)
	}
	if h := of.Holders[0]; h.PID != 100 || h.FD != 12 || h.Exe != "/usr/bin/fluent-bit" || h.Target != auditLog {
		t.Errorf("fluent-bit holder %+v", h)
	}
	// The second API server writes another file: nobody else holds it.
	other := component(t, n, 43).OpenFile("/other/audit.log")
	if other == nil || len(other.Holders) != 0 {
		t.Errorf("other API server's log: %+v", other)
	}
}

func TestOpenFilesNotLookedFor(t *testing.T) {
	root := t.TempDir()
	writeTree(t, root, proc("42", "/usr/local/bin/kube-apiserver", []string{"kube-apiserver", "--audit-log-path=-"}))
	n := Discover(&FS{Root: root})
	if of := component(t, n, 42).OpenFiles; len(of) != 0 {
		t.Errorf("audit log on standard output is no file to look for: %+v", of)
	}
}

// A snapshot records who had the audit log open, so its audit sees what the
// live audit saw; a snapshot without the record says so.
func TestOpenFilesSnapshotRoundTrip(t *testing.T) {
	root := t.TempDir()
	writeTree(t, root, shipperTree())
	var buf bytes.Buffer
	if _, err := Collect(context.Background(), &FS{Root: root}, &buf, nil); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if err := Unpack(bytes.NewReader(buf.Bytes()), dir); err != nil {
		t.Fatal(err)
	}
	live := component(t, Discover(&FS{Root: root}), 42).OpenFile(auditLog)
	snap := component(t, Discover(&FS{Root: dir}), 42).OpenFile(auditLog)
	if snap == nil || len(snap.Holders) != 2 || snap.Holders[0] != live.Holders[0] || snap.Holders[1] != live.Holders[1] || snap.Unknown != "" {
		t.Errorf("snapshot record %+v, live %+v", snap, live)
	}

	if err := os.Remove(filepath.Join(dir, CaptureDir, CaptureOpenFiles)); err != nil {
		t.Fatal(err)
	}
	old := component(t, Discover(&FS{Root: dir}), 42).OpenFile(auditLog)
	if old == nil || len(old.Holders) != 0 || !strings.Contains(old.Unknown, "does not record") {
		t.Errorf("snapshot without the record: %+v", old)
	}
}

// On the live host: a real process holding the file open is found through
// /proc/PID/fd, by path, and by device and inode when it sees the file
// under another name (here: a hard link in another directory, as a
// container mounting the log directory elsewhere would).
func TestOpenFilesLive(t *testing.T) {
	if _, err := os.ReadDir("/proc/self/fd"); err != nil {
		t.Skip("no /proc")
	}
	dir := t.TempDir()
	log := filepath.Join(dir, "audit.log")
	if err := os.WriteFile(log, []byte("{}\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	other := filepath.Join(dir, "mnt")
	if err := os.Mkdir(other, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.Link(log, filepath.Join(other, "audit.log")); err != nil {
		t.Skip("no hard links here:", err)
	}
	reader := func(p string) *exec.Cmd {
		fh, err := os.Open(p)
		if err != nil {
			t.Fatal(err)
		}
		defer fh.Close()
		cmd := exec.Command("sleep", "60")
		cmd.ExtraFiles = []*os.File{fh} // fd 3 in the child
		if err := cmd.Start(); err != nil {
			t.Skip("cannot start sleep:", err)
		}
		t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
		return cmd
	}
	byPath := reader(log)
	byInode := reader(filepath.Join(other, "audit.log"))
	time.Sleep(50 * time.Millisecond)

	c := &inventory.Component{Kind: APIServer, PID: os.Getpid(), Source: "process", Flags: map[string][]string{"audit-log-path": {log}}}
	n := &inventory.Node{Components: []*inventory.Component{c}}
	LoadOpenFiles(&FS{Root: "/"}, n)
	of := c.OpenFile(log)
	if of == nil {
		t.Fatal("no record")
	}
	found := map[int]inventory.FileHolder{}
	for _, h := range of.Holders {
		found[h.PID] = h
	}
	for _, cmd := range []*exec.Cmd{byPath, byInode} {
		h, ok := found[cmd.Process.Pid]
		if !ok {
			t.Errorf("pid %d (%s) not found among holders %+v", cmd.Process.Pid, cmd.Args, of.Holders)
			continue
		}
		if h.Name != "sleep" || h.FD != 3 {
			t.Errorf("holder %+v", h)
		}
	}
	if len(of.Holders) != 2 {
		t.Errorf("holders %+v, want exactly the two readers", of.Holders)
	}
}

func component(t *testing.T, n *inventory.Node, pid int) *inventory.Component {
	t.Helper()
	for _, c := range n.Components {
		if c.PID == pid {
			return c
		}
	}
	t.Fatalf("no component with pid %d: %+v", pid, n.Components)
	return nil
}
