package cli

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/kubeward/kubeward/internal/harden/namespaces"
	"github.com/kubeward/kubeward/internal/inventory"
)

// writeNamespaceLayer writes, per namespace seen in objs, the namespace
// layer's new objects (ResourceQuota, LimitRange, NetworkPolicies, Pod
// Security labels) under outDir and says on w what each file fixes.
// `harden manifests --out DIR` calls it with the objects after the workload
// fixes. It is owned by the namespace-layer work (issue 10, part 2).
func writeNamespaceLayer(g *globalOptions, objs []*inventory.Object, outDir string, w io.Writer) error {
	cfg, err := g.loadConfig()
	if err != nil {
		return err
	}
	layers := namespaces.Generate(namespaces.Input{Objects: objs, Config: cfg})
	return writeLayerFiles(g, layers, outDir, w)
}

// layerFile is the file of one namespace's layer under the output directory.
func layerFile(outDir, ns string) string {
	return filepath.Join(outDir, "namespace-"+ns+".yaml")
}

// writeLayerFiles writes one file per namespace that needs anything and
// prints what each file fixes and what needs a person. An existing file
// with the same content is left alone (its mtime kept); one that differs is
// kept as FILE.orig (FILE.orig.N when that exists too) before the new one
// replaces it.
func writeLayerFiles(g *globalOptions, layers []namespaces.Namespace, outDir string, w io.Writer) error {
	if outDir == "" {
		return usageError("harden: --out DIR is required for the namespace layer")
	}
	if err := os.MkdirAll(outDir, 0o755); err != nil {
		return fmt.Errorf("harden: %w", err)
	}
	if len(layers) == 0 {
		fmt.Fprintln(w, layerText(g, "namespace layer: no tenant namespace among the objects (system namespaces are left alone)",
			"命名空间层：对象中没有租户命名空间（系统命名空间保持不变）"))
		return nil
	}
	for _, l := range layers {
		for _, n := range l.Notes {
			fmt.Fprintf(w, "%s: %s\n", layerText(g, "needs a person", "需人工处理"), n.In(g.lang))
		}
		if len(l.Objects) == 0 {
			fmt.Fprintf(w, layerText(g, "%s: the namespace layer is complete, nothing to write\n", "%s：命名空间层已完整，无需写入\n"), l.Name)
			continue
		}
		data, err := namespaces.Render(l, g.lang)
		if err != nil {
			return fmt.Errorf("harden: namespace %s: %w", l.Name, err)
		}
		file := layerFile(outDir, l.Name)
		state, backup, err := writeKeeping(file, data)
		if err != nil {
			return err
		}
		switch state {
		case "unchanged":
			fmt.Fprintf(w, layerText(g, "%s: unchanged\n", "%s：未改变\n"), file)
		case "replaced":
			fmt.Fprintf(w, layerText(g, "%s: rewritten, the previous file kept as %s\n", "%s：已重写，原文件保存为 %s\n"), file, backup)
		default:
			fmt.Fprintf(w, layerText(g, "%s: written\n", "%s：已写入\n"), file)
		}
		for _, o := range l.Objects {
			fmt.Fprintf(w, "  %s\n", namespaces.Describe(o, g.lang))
		}
	}
	return nil
}

func layerText(g *globalOptions, en, zh string) string {
	if g.lang == "zh" {
		return zh
	}
	return en
}

// writeKeeping writes data to file unless it already holds exactly that;
// a differing regular file is renamed to a free FILE.orig[.N] first. The new
// content goes to a temporary file renamed into place, so a reader never
// sees half a file.
func writeKeeping(file string, data []byte) (state, backup string, err error) {
	st, err := os.Lstat(file)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		state = "created"
	case err != nil:
		return "", "", fmt.Errorf("harden: %w", err)
	case !st.Mode().IsRegular():
		return "", "", fmt.Errorf("harden: %s exists and is not a regular file; not replacing it", file)
	default:
		old, err := os.ReadFile(file)
		if err != nil {
			return "", "", fmt.Errorf("harden: %w", err)
		}
		if bytes.Equal(old, data) {
			return "unchanged", "", nil
		}
		backup = file + ".orig"
		for i := 1; ; i++ {
			if _, err := os.Lstat(backup); errors.Is(err, fs.ErrNotExist) {
				break
			}
			backup = fmt.Sprintf("%s.orig.%d", file, i)
		}
		// A hard link keeps the old file under its backup name while the
		// rename below replaces the original atomically.
		if err := os.Link(file, backup); err != nil {
			if err := os.WriteFile(backup, old, st.Mode().Perm()); err != nil {
				return "", "", fmt.Errorf("harden: backing up %s: %w", file, err)
			}
		}
		state = "replaced"
	}
	tmp, err := os.CreateTemp(filepath.Dir(file), ".kubeward-*.yaml")
	if err != nil {
		return "", "", fmt.Errorf("harden: %w", err)
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return "", "", fmt.Errorf("harden: writing %s: %w", file, err)
	}
	if err := tmp.Close(); err != nil {
		return "", "", fmt.Errorf("harden: writing %s: %w", file, err)
	}
	if err := os.Chmod(tmp.Name(), 0o644); err != nil {
		return "", "", fmt.Errorf("harden: %w", err)
	}
	if err := os.Rename(tmp.Name(), file); err != nil {
		return "", "", fmt.Errorf("harden: writing %s: %w", file, err)
	}
	return state, backup, nil
}
