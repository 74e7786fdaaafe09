package host

import (
	"bytes"
	"context"
	"errors"
	"net"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// Reads under a root refuse what is not a regular file before opening it
// (a FIFO would block for ever, /dev/zero never ends) and bound sizes.
func TestReadFileRefusesSpecialFilesAndBoundsSize(t *testing.T) {
	root := t.TempDir()
	writeTree(t, root, map[string]string{
		"etc/ok.yaml":              "a: 1\n",
		"etc/zero.yaml":            "->/dev/zero",
		"etc/zero-rel.yaml":        "->../../../../../../dev/zero",
		"etc/dir.yaml/x":           "",
		"proc/5/cmdline":           "kubelet\x00",
		"proc/6/root":              "->/",
		"etc/kubernetes/admin.cfg": "inside",
	})
	if err := syscall.Mkfifo(filepath.Join(root, "etc/fifo.yaml"), 0o600); err != nil {
		t.Fatal(err)
	}
	l, err := net.Listen("unix", filepath.Join(root, "etc/sock.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	big := filepath.Join(root, "etc/big.yaml")
	if err := os.WriteFile(big, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Truncate(big, MaxFileRead+1); err != nil { // sparse: no disk used
		t.Fatal(err)
	}
	bigProc := filepath.Join(root, "proc/7/environ")
	writeTree(t, root, map[string]string{"proc/7/environ": ""})
	if err := os.Truncate(bigProc, MaxProcRead+1); err != nil {
		t.Fatal(err)
	}
	// On the node itself (no root), a file that is a link to /dev/zero.
	liveZero := filepath.Join(t.TempDir(), "config.yaml")
	if err := os.Symlink("/dev/zero", liveZero); err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		name string
		fs   *FS
		path string
		want error // nil: read; fs.ErrNotExist, ErrNotRegular, ErrTooLarge
		data string
	}{
		{"regular", &FS{Root: root}, "/etc/ok.yaml", nil, "a: 1\n"},
		{"fifo", &FS{Root: root}, "/etc/fifo.yaml", ErrNotRegular, ""},
		{"socket", &FS{Root: root}, "/etc/sock.yaml", ErrNotRegular, ""},
		{"directory", &FS{Root: root}, "/etc/dir.yaml", ErrNotRegular, ""},
		{"link to /dev/zero stays in the root", &FS{Root: root}, "/etc/zero.yaml", os.ErrNotExist, ""},
		{"relative link to /dev/zero stays in the root", &FS{Root: root}, "/etc/zero-rel.yaml", os.ErrNotExist, ""},
		{"/dev/zero on the node", &FS{}, liveZero, ErrNotRegular, ""},
		{"/dev/null on the node", &FS{}, "/dev/null", ErrNotRegular, ""},
		{"over 16 MiB", &FS{Root: root}, "/etc/big.yaml", ErrTooLarge, ""},
		{"proc file over 4 MiB", &FS{Root: root}, "/proc/7/environ", ErrTooLarge, ""},
		{"proc file", &FS{Root: root}, "/proc/5/cmdline", nil, "kubelet\x00"},
		{"proc root link stays in the root", &FS{Root: root}, "/proc/6/root/etc/kubernetes/admin.cfg", nil, "inside"},
		{"proc root link cannot reach the auditing machine", &FS{Root: root}, "/proc/6/root/etc/hostname", os.ErrNotExist, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			done := make(chan struct{})
			var got []byte
			var err error
			go func() {
				got, err = tt.fs.ReadFile(tt.path)
				close(done)
			}()
			select {
			case <-done:
			case <-time.After(5 * time.Second):
				t.Fatal("ReadFile blocked")
			}
			if tt.want == nil {
				if err != nil || string(got) != tt.data {
					t.Errorf("got %q, %v; want %q", got, err, tt.data)
				}
				return
			}
			if !errors.Is(err, tt.want) {
				t.Errorf("got %d bytes, %v; want %v", len(got), err, tt.want)
			}
			if len(got) > 0 {
				t.Errorf("returned %d bytes", len(got))
			}
		})
	}
	// Listing a FIFO where a directory is expected is refused, not blocked on.
	if _, err := (&FS{Root: root}).ReadDir("/etc/fifo.yaml"); err == nil {
		t.Error("ReadDir of a FIFO succeeded")
	}
}

// A component whose config file is a FIFO, or a link to /dev/zero, is
// discovered and collected without hanging or reading without end, and the
// problem is named.
func TestCollectSurvivesSpecialConfigFiles(t *testing.T) {
	root := t.TempDir()
	writeTree(t, root, merge(
		proc("10", "/usr/bin/kubelet", []string{"kubelet", "--config=/var/lib/kubelet/config.yaml", "--kubeconfig=/etc/kubernetes/kubelet.conf"}),
		proc("20", "/usr/bin/containerd", []string{"containerd", "--config", "/etc/containerd/config.toml"}),
		map[string]string{"etc/kubernetes/kubelet.conf": "->/dev/zero", "etc/containerd/config.toml": "->../../dev/zero"},
	))
	if err := os.MkdirAll(filepath.Join(root, "var/lib/kubelet"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Mkfifo(filepath.Join(root, "var/lib/kubelet/config.yaml"), 0o600); err != nil {
		t.Fatal(err)
	}
	// A FIFO where the static pod directory is expected.
	if err := syscall.Mkfifo(filepath.Join(root, "etc/kubernetes/manifests"), 0o600); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	var buf bytes.Buffer
	var n int
	var problems string
	go func() {
		defer close(done)
		d := Discover(&FS{Root: root})
		n = len(d.Components)
		problems = strings.Join(d.Problems, "\n")
		_, _ = Collect(context.Background(), &FS{Root: root}, &buf, nil)
	}()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("discovery or collection blocked on a special file")
	}
	if n != 2 {
		t.Errorf("%d components, want 2", n)
	}
	if !strings.Contains(problems, "FIFO") {
		t.Errorf("problems do not name the FIFO: %s", problems)
	}
	if buf.Len() == 0 || buf.Len() > 1<<20 {
		t.Errorf("snapshot of %d bytes", buf.Len())
	}
}

// TestRelativePathStaysInRoot: a relative path (a flag such as
// --tls-cert-file=../../etc/shadow in a snapshot's command line) is read
// inside the root, never climbing out of it with "..".
func TestRelativePathStaysInRoot(t *testing.T) {
	outer := t.TempDir()
	root := filepath.Join(outer, "root")
	if err := os.MkdirAll(filepath.Join(root, "etc"), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(outer, "secret"), []byte("outside"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(root, "etc", "in"), []byte("inside"), 0o600); err != nil {
		t.Fatal(err)
	}
	f := &FS{Root: root}
	if b, err := f.ReadFile("../secret"); err == nil {
		t.Errorf("ReadFile(../secret) read %q outside the root", b)
	}
	if b, err := f.ReadFile("etc/in"); err != nil || string(b) != "inside" {
		t.Errorf("ReadFile(etc/in) = %q, %v; want the file inside the root", b, err)
	}
}
