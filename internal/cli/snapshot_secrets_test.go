package cli

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/kubeward/kubeward/internal/source/host/hosttest"
)

// TestSnapshotSecretsReachNoReport is issue 16 §2 end to end: a node with
// every kind of secret planted is collected by `kubeward collect node`,
// and neither the snapshot nor any report format of `scan node` over it
// holds a planted value, plain or base64.
func TestSnapshotSecretsReachNoReport(t *testing.T) {
	s := hosttest.PlantSecrets(t)
	snap := filepath.Join(t.TempDir(), "node.tar.gz")
	if code, _, stderr := run(t, "", "collect", "node", "--root", s.Root, "-o", snap); code != 0 {
		t.Fatalf("collect node: exit %d: %s", code, stderr)
	}
	tgz, err := os.ReadFile(snap)
	if err != nil {
		t.Fatal(err)
	}
	gz, err := gzip.NewReader(bytes.NewReader(tgz))
	if err != nil {
		t.Fatal(err)
	}
	var content bytes.Buffer
	tr := tar.NewReader(gz)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		content.WriteString(h.Name + " " + h.Linkname + "\n")
		if _, err := io.Copy(&content, tr); err != nil {
			t.Fatal(err)
		}
	}
	for _, leak := range s.Leaks(content.Bytes()) {
		t.Errorf("snapshot holds %s", leak)
	}
	for _, format := range []string{"text", "json", "sarif", "junit"} {
		code, out, stderr := run(t, "", "scan", "node", "--root", snap, "-o", format)
		if code != ExitFindings && code != 0 {
			t.Fatalf("%s scan of the snapshot: exit %d: %s", format, code, stderr)
		}
		if len(out) < 1000 {
			t.Errorf("%s report is %d bytes", format, len(out))
		}
		for _, leak := range s.Leaks([]byte(out + stderr)) {
			t.Errorf("%s report of the snapshot holds %s", format, leak)
		}
	}
}
