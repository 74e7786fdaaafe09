package cli

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kubeward/kubeward/internal/inventory"
	"github.com/kubeward/kubeward/internal/source/manifest"
)

func TestWriteNamespaceLayer(t *testing.T) {
	var objs []*inventory.Object
	st := manifest.Load([]string{"../../examples/insecure"}, manifest.Options{Workers: 1}, func(o *inventory.Object) { objs = append(objs, o) })
	if len(st.Errors) > 0 {
		t.Fatal(st.Errors)
	}
	out := filepath.Join(t.TempDir(), "layer")
	g := &globalOptions{lang: "en"}
	var w bytes.Buffer
	if err := writeNamespaceLayer(g, objs, out, &w); err != nil {
		t.Fatal(err)
	}
	text := w.String()
	for _, want := range []string{
		layerFile(out, "payments") + ": written",
		"ResourceQuota/kubeward-quota: ResourceQuota with the plan's values; resolves KW-NS-001",
		"NetworkPolicy/kubeward-default-deny: default deny for ingress and egress of every pod in payments; resolves KW-NS-003, KW-NS-004",
		"needs a person: storefront: NetworkPolicy allow-everything allows all ingress traffic",
		"needs a person: payments: not enforcing a Pod Security level: below baseline: Deployment/payments-api;",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("output lacks %q:\n%s", want, text)
		}
	}
	if strings.Contains(text, "namespace-kube-system") {
		t.Errorf("kube-system is a system namespace and gets no layer:\n%s", text)
	}
	files, _ := filepath.Glob(filepath.Join(out, "*"))
	if len(files) != 2 {
		t.Fatalf("files %v, want one per tenant namespace", files)
	}

	// A second run leaves identical files alone, mtime kept.
	file := layerFile(out, "payments")
	old := time.Now().Add(-time.Hour).Truncate(time.Second)
	os.Chtimes(file, old, old)
	w.Reset()
	if err := writeNamespaceLayer(g, objs, out, &w); err != nil {
		t.Fatal(err)
	}
	if st, _ := os.Stat(file); !st.ModTime().Equal(old) || !strings.Contains(w.String(), file+": unchanged") {
		t.Errorf("an unchanged file was rewritten (mtime %v, want %v):\n%s", st.ModTime(), old, w.String())
	}

	// A differing file is kept as a backup, twice without losing either.
	for i, backup := range []string{file + ".orig", file + ".orig.1"} {
		edited := []byte("# edited by hand " + backup + "\n")
		os.WriteFile(file, edited, 0o644)
		w.Reset()
		g.lang = []string{"en", "zh"}[i]
		if err := writeNamespaceLayer(g, objs, out, &w); err != nil {
			t.Fatal(err)
		}
		if b, _ := os.ReadFile(backup); !bytes.Equal(b, edited) {
			t.Errorf("backup %s holds %q", backup, b)
		}
		if !strings.Contains(w.String(), backup) {
			t.Errorf("output does not name the backup %s:\n%s", backup, w.String())
		}
	}
	if b, _ := os.ReadFile(file); !strings.Contains(string(b), "由 kubeward harden 生成") {
		t.Errorf("zh run wrote:\n%s", b)
	}

	// Not a regular file: refused.
	os.Remove(file)
	os.Mkdir(file, 0o755)
	if err := writeNamespaceLayer(g, objs, out, &w); err == nil || !strings.Contains(err.Error(), "not a regular file") {
		t.Errorf("directory in the way: %v", err)
	}
	if err := writeNamespaceLayer(g, objs, "", &w); err == nil {
		t.Error("an empty --out is accepted")
	}
}
