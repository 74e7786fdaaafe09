package node_test

import (
	"errors"
	"os"
	"path/filepath"
	"syscall"
	"testing"

	"github.com/kubeward/kubeward/internal/source/host"
	nodesrc "github.com/kubeward/kubeward/internal/source/node"
)

// TestLoadStaysInRoot: the saved inventory of a snapshot is read inside its
// root and bounded: a kubeward/node.json that is a symbolic link to a file
// outside the root is not followed out of it, a FIFO is refused without
// blocking, and a file over the bound is an error, not a partial read.
func TestLoadStaysInRoot(t *testing.T) {
	outside := filepath.Join(t.TempDir(), "node.json")
	if err := os.WriteFile(outside, []byte(`{"Components":[{"Kind":"kube-apiserver"}]}`), 0o600); err != nil {
		t.Fatal(err)
	}
	mk := func(t *testing.T) (root, file string) {
		root = t.TempDir()
		dir := filepath.Join(root, host.CaptureDir)
		if err := os.MkdirAll(dir, 0o700); err != nil {
			t.Fatal(err)
		}
		return root, filepath.Join(dir, nodesrc.InventoryFile)
	}

	t.Run("symlink out", func(t *testing.T) {
		root, file := mk(t)
		if err := os.Symlink(outside, file); err != nil {
			t.Fatal(err)
		}
		n, err := nodesrc.Load(&host.FS{Root: root})
		if err != nil || n != nil {
			t.Fatalf("Load = %v, %v; want no inventory (the link resolves inside the root, where there is none)", n, err)
		}
	})
	t.Run("fifo", func(t *testing.T) {
		root, file := mk(t)
		if err := syscall.Mkfifo(file, 0o600); err != nil {
			t.Skip(err)
		}
		if _, err := nodesrc.Load(&host.FS{Root: root}); !errors.Is(err, host.ErrNotRegular) {
			t.Fatalf("Load of a FIFO: %v, want ErrNotRegular", err)
		}
	})
	t.Run("too large", func(t *testing.T) {
		root, file := mk(t)
		if err := os.WriteFile(file, nil, 0o600); err != nil {
			t.Fatal(err)
		}
		if err := os.Truncate(file, host.MaxCaptureRead+1); err != nil {
			t.Fatal(err)
		}
		if _, err := nodesrc.Load(&host.FS{Root: root}); !errors.Is(err, host.ErrTooLarge) {
			t.Fatalf("Load of an oversized inventory: %v, want ErrTooLarge", err)
		}
	})
}

// FuzzLoadSnapshotInventory: whatever a snapshot's kubeward/node.json
// holds, Load returns an error or an inventory rooted at the snapshot, and
// never panics.
func FuzzLoadSnapshotInventory(f *testing.F) {
	f.Add([]byte(`{"Components":[{"Kind":"kube-apiserver","PID":1,"Args":["kube-apiserver","--audit-log-path=@SNAPSHOT_ROOT@/x"]}]}`))
	f.Add([]byte(`{"Root":"/","Components":null}`))
	f.Add([]byte(`"@SNAPSHOT_ROOT@"`))
	f.Add([]byte(`[`))
	root := f.TempDir()
	dir := filepath.Join(root, host.CaptureDir)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		f.Fatal(err)
	}
	file := filepath.Join(dir, nodesrc.InventoryFile)
	f.Fuzz(func(t *testing.T, data []byte) {
		if err := os.WriteFile(file, data, 0o600); err != nil {
			t.Fatal(err)
		}
		n, err := nodesrc.Load(&host.FS{Root: root})
		if err != nil {
			return
		}
		if n == nil {
			t.Fatal("Load found no inventory where one is")
		}
		if n.Root != root {
			t.Fatalf("Root = %q, want the snapshot's %q", n.Root, root)
		}
	})
}
