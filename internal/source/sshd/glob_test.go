package sshd

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/kubeward/kubeward/internal/source/host"
)

// TestGlobStaysInRoot: an Include match that is a symbolic link to a file
// outside the root is judged by what it resolves to inside the root (here:
// nothing), as ReadFile would read it, not by the auditing machine's file.
func TestGlobStaysInRoot(t *testing.T) {
	outside := filepath.Join(t.TempDir(), "evil.conf")
	if err := os.WriteFile(outside, []byte("PasswordAuthentication yes\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	root := t.TempDir()
	dir := filepath.Join(root, "etc/ssh/sshd_config.d")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "10-in.conf"), []byte("X 1\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(outside, filepath.Join(dir, "20-out.conf")); err != nil {
		t.Fatal(err)
	}
	got, err := HostFiles{FS: &host.FS{Root: root}}.Glob("/etc/ssh/sshd_config.d/*.conf")
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0] != "/etc/ssh/sshd_config.d/10-in.conf" {
		t.Errorf("Glob = %q, want only the file inside the root", got)
	}
}
