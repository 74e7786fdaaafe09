package host

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/kubeward/kubeward/internal/inventory"
)

// FuzzOpenFilesSnapshot: whatever a snapshot's kubeward/open-files.json
// holds, LoadOpenFiles records for the watched file either what the
// snapshot says of that very file or why it cannot tell, and never panics.
func FuzzOpenFilesSnapshot(f *testing.F) {
	f.Add([]byte(`[{"kind":"kube-apiserver","pid":42,"files":[{"Path":"` + auditLog + `","Setting":"audit-log-path","Holders":[{"PID":100,"Name":"fluent-bit","FD":12}]}]}]`))
	f.Add([]byte(`[{"kind":"kube-apiserver","pid":42,"files":[null]}]`))
	f.Add([]byte(`[null]`))
	f.Add([]byte(`{}`))
	root := f.TempDir()
	if err := os.MkdirAll(filepath.Join(root, CaptureDir), 0o700); err != nil {
		f.Fatal(err)
	}
	file := filepath.Join(root, CaptureDir, CaptureOpenFiles)
	f.Fuzz(func(t *testing.T, data []byte) {
		if err := os.WriteFile(file, data, 0o600); err != nil {
			t.Fatal(err)
		}
		c := &inventory.Component{Kind: APIServer, PID: 42, Flags: map[string][]string{"audit-log-path": {auditLog}}}
		LoadOpenFiles(&FS{Root: root}, &inventory.Node{Components: []*inventory.Component{c}})
		of := c.OpenFile(auditLog)
		if of == nil {
			t.Fatal("the watched file is not recorded")
		}
		if of.Path != auditLog || of.Setting != "audit-log-path" {
			t.Fatalf("the record for %s is now of %q (%q)", auditLog, of.Path, of.Setting)
		}
	})
}
