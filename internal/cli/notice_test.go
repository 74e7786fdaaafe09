package cli

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// Inputs skipped on purpose are named on stderr, and the rest is scanned.
func TestSkippedInputsAreNamed(t *testing.T) {
	dir := t.TempDir()
	pod := "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers: [{name: c, image: x, securityContext: {privileged: true}}]\n"
	if err := os.WriteFile(filepath.Join(dir, "pod.yaml"), []byte(pod), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Mkfifo(filepath.Join(dir, "pipe.yaml"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("/etc/passwd", filepath.Join(dir, "out.yaml")); err != nil {
		t.Fatal(err)
	}
	code, _, stderr := run(t, "", "scan", "manifests", "-o", "json", dir)
	if code != ExitFindings {
		t.Errorf("exit %d, want %d (the pod fails): %s", code, ExitFindings, stderr)
	}
	for _, want := range []string{"notice: " + filepath.Join(dir, "pipe.yaml") + ": skipped", "notice: " + filepath.Join(dir, "out.yaml") + ": skipped"} {
		if !strings.Contains(stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, stderr)
		}
	}
}
