package node

import (
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/kubeward/kubeward/internal/inventory"
	"github.com/kubeward/kubeward/internal/source/host"
)

// TestImageVerifiers: the executable files of containerd's image verifier
// bin_dir, under a root; a plain file and a directory are not verifiers.
func TestImageVerifiers(t *testing.T) {
	root := t.TempDir()
	dir := filepath.Join(root, "etc/verifiers")
	if err := os.MkdirAll(filepath.Join(dir, "sub"), 0o755); err != nil {
		t.Fatal(err)
	}
	for name, mode := range map[string]os.FileMode{"cosign-verify": 0o755, "README": 0o644} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte("x"), mode); err != nil {
			t.Fatal(err)
		}
	}
	c := &inventory.Component{Kind: inventory.Containerd, Config: map[string]any{"version": int64(3), "plugins": map[string]any{
		"io.containerd.image-verifier.v1.bindir": map[string]any{"bin_dir": "/etc/verifiers"}}}}
	got := imageVerifiers(&host.FS{Root: root}, c)
	if want := []string{"/etc/verifiers/cosign-verify"}; !reflect.DeepEqual(got, want) {
		t.Fatalf("%v, want %v", got, want)
	}
	c.Config = map[string]any{"version": int64(3)} // the default dir, absent here
	if got := imageVerifiers(&host.FS{Root: root}, c); got != nil {
		t.Fatalf("%v", got)
	}
}
