package node

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"time"

	"github.com/kubeward/kubeward/internal/inventory"
	"github.com/kubeward/kubeward/internal/source/host"
)

// InventoryFile is where a snapshot keeps the node's saved inventory:
// <root>/kubeward/node.json, the JSON of an inventory.Node.
const InventoryFile = "node.json"

// Snapshot writes a snapshot of the node f reads to w, a gzipped tar: the
// files host.Collect captures (kubeconfigs and configurations masked,
// private keys never copied, per its allow-list) and the inventory
// gathered from those very files, so that it holds nothing they do not.
// scratch is an empty directory for the intermediate archive and tree.
func Snapshot(ctx context.Context, f *host.FS, w io.Writer, capturers map[string]host.Capturer, scratch string) (*host.CollectSummary, error) {
	files := filepath.Join(scratch, "files.tar.gz")
	out, err := os.OpenFile(files, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
	if err != nil {
		return nil, err
	}
	sum, err := host.Collect(ctx, f, out, capturers)
	if cerr := out.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return nil, err
	}
	root := filepath.Join(scratch, "root")
	if err := os.Mkdir(root, 0o700); err != nil {
		return nil, err
	}
	if err := unpackFile(files, root); err != nil {
		return nil, err
	}
	n := Read(&host.FS{Root: root})
	n.Root = ""
	data, err := json.Marshal(n)
	if err != nil {
		return nil, err
	}
	// Facts that name the root (an error saying where a capture was
	// looked for) name the root the snapshot is unpacked to when loaded.
	data = bytes.ReplaceAll(data, jsonString(root), []byte(rootMark))
	return sum, addEntry(files, w, path.Join(host.CaptureDir[1:], InventoryFile), data)
}

// rootMark stands for the snapshot's root in a saved inventory.
const rootMark = "@SNAPSHOT_ROOT@"

// jsonString is s as it appears inside a JSON string.
func jsonString(s string) []byte {
	b, _ := json.Marshal(s)
	return b[1 : len(b)-1]
}

func unpackFile(file, dir string) error {
	in, err := os.Open(file)
	if err != nil {
		return err
	}
	defer in.Close()
	return host.Unpack(in, dir)
}

// addEntry copies the gzipped tar in to w with one more file, name.
func addEntry(in string, w io.Writer, name string, data []byte) error {
	r, err := os.Open(in)
	if err != nil {
		return err
	}
	defer r.Close()
	gr, err := gzip.NewReader(r)
	if err != nil {
		return err
	}
	tr := tar.NewReader(gr)
	gz := gzip.NewWriter(w)
	tw := tar.NewWriter(gz)
	for {
		hdr, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return err
		}
		if err := tw.WriteHeader(hdr); err != nil {
			return err
		}
		if _, err := io.Copy(tw, tr); err != nil { //nolint:gosec // our own archive, just written
			return err
		}
	}
	hdr := &tar.Header{Name: name, Mode: 0o600, Size: int64(len(data)), ModTime: time.Now(), Typeflag: tar.TypeReg}
	if err := tw.WriteHeader(hdr); err != nil {
		return err
	}
	if _, err := tw.Write(data); err != nil {
		return err
	}
	if err := tw.Close(); err != nil {
		return err
	}
	return gz.Close()
}

// Load reads the inventory saved in an unpacked snapshot: nil and no error
// when it holds none (a snapshot of files only, made before snapshots held
// inventories: read it with Read).
func Load(f *host.FS) (*inventory.Node, error) {
	b, err := f.ReadCaptured(InventoryFile)
	if errors.Is(err, fs.ErrNotExist) || errors.Is(err, host.ErrNoFiles) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("the snapshot's inventory %s/%s: %w", host.CaptureDir, InventoryFile, err)
	}
	b = bytes.ReplaceAll(b, []byte(rootMark), jsonString(f.Root))
	var n inventory.Node
	if err := json.Unmarshal(b, &n); err != nil {
		return nil, fmt.Errorf("the snapshot's inventory %s/%s: %w", host.CaptureDir, InventoryFile, err)
	}
	n.Root = f.Root
	return &n, nil
}
