package node_test

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"io"
	"testing"
	"time"

	"github.com/kubeward/kubeward/internal/check"
	_ "github.com/kubeward/kubeward/internal/check/all" // registers the node checks
	"github.com/kubeward/kubeward/internal/config"
	"github.com/kubeward/kubeward/internal/source/host"
	"github.com/kubeward/kubeward/internal/source/host/hosttest"
	nodesrc "github.com/kubeward/kubeward/internal/source/node"
)

// TestSnapshotHoldsItsInventory: a snapshot of a node with every kind of
// secret planted holds the node's inventory (kubeward/node.json) and no
// planted value; scanning the saved inventory gives the results that
// reading the snapshot's files gives; a snapshot of files only (made
// before) has no inventory and is read from its files.
func TestSnapshotHoldsItsInventory(t *testing.T) {
	s := hosttest.PlantSecrets(t)
	scratch := t.TempDir()
	var buf bytes.Buffer
	if _, err := nodesrc.Snapshot(context.Background(), &host.FS{Root: s.Root}, &buf, map[string]host.Capturer{}, scratch); err != nil {
		t.Fatal(err)
	}
	entries := map[string][]byte{}
	var all bytes.Buffer
	gz, err := gzip.NewReader(bytes.NewReader(buf.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	tr := tar.NewReader(gz)
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(tr)
		entries[h.Name] = b
		all.WriteString(h.Name + "\n")
		all.Write(b)
	}
	if _, ok := entries["kubeward/node.json"]; !ok {
		t.Fatal("the snapshot holds no kubeward/node.json")
	}
	for _, leak := range s.Leaks(all.Bytes()) {
		t.Errorf("the snapshot holds %s", leak)
	}

	dir := t.TempDir()
	if err := host.Unpack(bytes.NewReader(buf.Bytes()), dir); err != nil {
		t.Fatal(err)
	}
	fs := &host.FS{Root: dir}
	saved, err := nodesrc.Load(fs)
	if err != nil || saved == nil {
		t.Fatalf("Load: %v, %v", saved, err)
	}
	if len(saved.Components) == 0 || len(saved.Files) == 0 {
		t.Fatalf("the saved inventory has %d components and %d files", len(saved.Components), len(saved.Files))
	}
	env := &check.Env{Config: config.Default(), Now: time.Now()}
	render := func(v any) string {
		b, err := json.MarshalIndent(v, "", " ")
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	fromSaved, fromFiles := render(check.EvaluateNode(env, saved)), render(check.EvaluateNode(env, nodesrc.Read(fs)))
	if fromSaved != fromFiles {
		t.Errorf("the saved inventory's results differ from the snapshot files':\n%s\n---\n%s", fromSaved, fromFiles)
	}

	// A snapshot of files only.
	var old bytes.Buffer
	if _, err := host.Collect(context.Background(), &host.FS{Root: s.Root}, &old, map[string]host.Capturer{}); err != nil {
		t.Fatal(err)
	}
	oldDir := t.TempDir()
	if err := host.Unpack(&old, oldDir); err != nil {
		t.Fatal(err)
	}
	if n, err := nodesrc.Load(&host.FS{Root: oldDir}); n != nil || err != nil {
		t.Errorf("Load of a files-only snapshot: %v, %v; want nil, nil", n, err)
	}
}
