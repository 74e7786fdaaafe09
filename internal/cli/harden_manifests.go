package cli

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"

	udiff "github.com/aymanbagabas/go-udiff"
	"github.com/spf13/cobra"

	"github.com/kubeward/kubeward/internal/catalog"
	"github.com/kubeward/kubeward/internal/config"
	"github.com/kubeward/kubeward/internal/harden"
	"github.com/kubeward/kubeward/internal/inventory"
	"github.com/kubeward/kubeward/internal/source/manifest"
)

func init() {
	hardenSubcommands = append(hardenSubcommands, newHardenManifestsCommand)
}

type hardenManifestOptions struct {
	manifestOptions
	write     bool
	backupDir string
	outDir    string
}

// addManifestInputFlags are scan manifests' input flags.
func addManifestInputFlags(cmd *cobra.Command, o *manifestOptions, g *globalOptions) {
	f := cmd.Flags()
	f.StringVarP(&o.namespace, "namespace", "n", "default", "namespace of objects that name none")
	f.StringArrayVarP(&o.filenames, "filename", "f", nil, "file, directory or - to read, as kubectl -f (repeatable; same as a PATH argument)")
	f.StringArrayVar(&o.valueFiles, "values", nil, "Helm values file for the charts among the inputs (repeatable)")
	f.StringArrayVar(&o.set, "set", nil, "Helm value key=value for the charts among the inputs (repeatable)")
	f.DurationVar(&o.renderTimeout, "render-timeout", manifest.DefaultRenderTimeout, "time limit for rendering one Helm chart or building one kustomization (0 means the default)")
	f.BoolVar(&o.allowRemote, "allow-remote", false, "let kustomizations fetch remote bases and resources (URLs, git repositories), with time and size limits")
	f.StringVar(&g.configFile, "config", "", "configuration file (allowed capabilities, system namespaces, exceptions, harden.workloads values)")
	f.StringVar(&g.lang, "lang", defaultLang(), "language of messages: en or zh (KUBEWARD_LANG or the locale sets the default)")
}

func newHardenManifestsCommand(g *globalOptions) *cobra.Command {
	o := &hardenManifestOptions{}
	cmd := &cobra.Command{
		Use:   "manifests [PATH...] [-f FILE]...",
		Short: "Fix the workloads of manifests: a diff by default, --write to edit files (with backups), --out DIR for a kustomize patch set",
		Long: `harden manifests fixes every FAIL that has an automatic fix in the catalogue
(kubeward harden plan lists them all) on the same inputs as scan manifests.

By default it prints a unified diff and changes nothing. --write edits the
files in place, keeping comments, blank lines, key order, quoting, indentation
and line ends, after saving each as FILE.orig (or under --backup-dir). Helm
charts and kustomizations are never rewritten: their fixes, and those of
objects that cannot be edited safely in place (YAML anchors, JSON, flow
mappings), are strategic-merge patches written with a kustomization.yaml to
--out DIR, beside the namespace layer (quotas, limits, network policies, Pod
Security labels). For Helm, kubeward harden post-render is a post-renderer.`,
		Example: `  kubeward harden manifests deploy/                 # the diff
  kubeward harden manifests --write deploy/         # edit, deploy/x.yaml.orig kept
  kubeward harden manifests ./chart --out hardened/ # patches + namespace layer
  helm template ./chart --post-renderer kubeward --post-renderer-args harden --post-renderer-args post-render`,
		Args: cobra.ArbitraryArgs,
		PreRunE: func(cmd *cobra.Command, args []string) error {
			g.output = "text"
			if err := o.validate(g, args); err != nil {
				return err
			}
			if o.backupDir != "" && !o.write {
				return usageError("--backup-dir: only with --write")
			}
			if o.write && manifest.ContainsChart(o.paths) {
				return usageError("harden manifests --write: a Helm chart is among the inputs, and kubeward never rewrites templates; " +
					"use `helm template ... --post-renderer kubeward --post-renderer-args harden --post-renderer-args post-render`, or --out DIR for a kustomize patch set")
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, _ []string) error { return runHardenManifests(g, o) },
	}
	addManifestInputFlags(cmd, &o.manifestOptions, g)
	addSupplyChainFlags(cmd.Flags(), &o.supply, false) // KW-SUP-006's fix pins verified tags (supplychain.go)
	f := cmd.Flags()
	f.BoolVar(&o.write, "write", false, "edit the files in place (a backup of each is kept; unchanged files are not touched)")
	f.StringVar(&o.backupDir, "backup-dir", "", "with --write: keep the backups under this directory instead of FILE.orig beside each file")
	f.StringVar(&o.outDir, "out", "", "write a kustomize patch set (and the namespace layer) to this directory")
	return markWork(cmd)
}

// loadForHarden reads the inputs as scan manifests does, in a stable
// order. Files with a document that does not parse are returned in bad:
// harden leaves them alone.
func loadForHarden(g *globalOptions, o *manifestOptions) ([]*inventory.Object, *manifest.Stats, map[string]bool) {
	var mu sync.Mutex
	var objs []*inventory.Object
	stats := manifest.Load(o.paths, manifest.Options{
		DefaultNamespace: o.namespace, ValueFiles: o.valueFiles, Set: o.set, Stdin: g.stdin,
		RenderTimeout: o.renderTimeout, AllowRemote: o.allowRemote,
	}, func(ob *inventory.Object) {
		mu.Lock()
		objs = append(objs, ob)
		mu.Unlock()
	})
	harden.SortObjects(objs)
	return objs, stats, badFiles(stats)
}

func badFiles(stats *manifest.Stats) map[string]bool {
	bad := map[string]bool{}
	for _, e := range stats.Errors {
		var ie *manifest.InputError
		if errors.As(e, &ie) {
			bad[ie.File] = true
		}
	}
	return bad
}

// planForHarden is loadForHarden that scans each object as it streams in
// (while the loader knows each field's line, so findings point at it) and
// plans the fixes.
func planForHarden(g *globalOptions, o *manifestOptions, cfg *config.Config) (*harden.Plan, *manifest.Stats, map[string]bool) {
	scan := harden.NewScan(cfg)
	facts, verr := o.supply.manifestFacts(cfg) // supplychain.go
	stats := manifest.Load(o.paths, manifest.Options{
		DefaultNamespace: o.namespace, ValueFiles: o.valueFiles, Set: o.set, Stdin: g.stdin,
		RenderTimeout: o.renderTimeout, AllowRemote: o.allowRemote,
	}, func(obj *inventory.Object) { facts(obj); scan.Observe(obj) })
	if verr != nil {
		stats.Errors = append(stats.Errors, verr)
	}
	return scan.Plan(), stats, badFiles(stats)
}

// inPlace reports whether an object comes straight from a file kubeward
// may edit (not rendered from a chart or kustomization, not stdin).
func inPlace(o *inventory.Object) bool {
	return o.Origin == "" && o.File != "" && o.File != "<stdin>"
}

// patchItem is an object whose fix becomes a patch, and why.
type patchItem struct {
	fix    *harden.ObjectFix
	reason string
}

func runHardenManifests(g *globalOptions, o *hardenManifestOptions) error {
	cfg, err := g.loadConfig()
	if err != nil {
		return err
	}
	plan, stats, bad := planForHarden(g, &o.manifestOptions, cfg)
	objs := plan.Objects
	var problems []string
	for _, e := range stats.Errors {
		problems = append(problems, e.Error()+" (left alone)")
	}
	if len(objs) == 0 && len(problems) == 0 {
		return &exitError{code: ExitUsage, err: errors.New(emptyManifests(o.paths, stats))}
	}
	byFile := map[string][]*harden.ObjectFix{}
	var files []string
	var patches []patchItem
	for _, f := range plan.Fixes {
		switch {
		case bad[f.Object.File]:
		case inPlace(f.Object):
			if byFile[f.Object.File] == nil {
				files = append(files, f.Object.File)
			}
			byFile[f.Object.File] = append(byFile[f.Object.File], f)
		default:
			patches = append(patches, patchItem{fix: f, reason: "rendered by " + f.Object.Origin + ": templates are never rewritten"})
		}
	}
	sort.Strings(files)
	inFile := map[string][]*inventory.Object{}
	for _, ob := range objs {
		inFile[ob.File] = append(inFile[ob.File], ob)
	}
	lang := g.lang
	fixed, written := 0, 0
	resolved := map[string]int{}
	for _, file := range files {
		src, err := os.ReadFile(file)
		if err != nil {
			problems = append(problems, fmt.Sprintf("%s: %v", file, unwrapPath(err)))
			continue
		}
		out, applied, refused, err := harden.EditBytes(src, byFile[file], inFile[file])
		if err != nil {
			problems = append(problems, fmt.Sprintf("%s: cannot be edited in place (%v); left alone", file, err))
			for _, f := range byFile[file] {
				patches = append(patches, patchItem{fix: f, reason: err.Error()})
			}
			continue
		}
		for _, r := range refused {
			patches = append(patches, patchItem{fix: r.Fix, reason: r.Reason})
		}
		if bytes.Equal(out, src) {
			continue
		}
		for _, f := range applied {
			fixed++
			for _, id := range f.Resolves {
				resolved[id]++
			}
			fmt.Fprintln(g.stdout, catalog.F("# kubeward: %s %s resolves %s%s", "# kubeward：%s %s 解决 %s%s",
				f.Object.Kind, objName(f.Object), strings.Join(f.Resolves, ", "), reviewNote(f, lang)).In(lang))
		}
		fmt.Fprint(g.stdout, udiff.Unified(diffLabel("a", file), diffLabel("b", file), string(src), string(out)))
		if o.write {
			if err := writeWithBackup(file, src, out, o.backupDir); err != nil {
				problems = append(problems, err.Error())
				continue
			}
			written++
		}
	}
	if len(patches) > 0 {
		if err := emitPatches(g, o, patches); err != nil {
			problems = append(problems, err.Error())
		}
	}
	if o.outDir != "" {
		after, err := plan.After()
		if err != nil {
			problems = append(problems, err.Error())
		} else if err := writeNamespaceLayer(g, after, o.outDir, g.stderr); err != nil {
			problems = append(problems, "namespace layer: "+err.Error())
		}
	}
	manual := 0
	for _, fd := range plan.Findings {
		if fd.Edits == nil {
			manual++
		}
	}
	ids := make([]string, 0, len(resolved))
	for id := range resolved {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	msg := catalog.F("kubeward: %d objects fixed in place (%d files written); %d patched; %d findings have no automatic fix (kubeward harden plan lists them)",
		"kubeward：%d 个对象已就地修复（写入 %d 个文件）；%d 个以补丁修复；%d 个发现没有自动修复（kubeward harden plan 列出它们）",
		fixed, written, len(patches), manual)
	fmt.Fprintln(g.stderr, msg.In(lang))
	if len(ids) > 0 {
		fmt.Fprintln(g.stderr, catalog.F("kubeward: resolves %s", "kubeward：解决 %s", strings.Join(ids, ", ")).In(lang))
	}
	if !o.write && fixed > 0 {
		fmt.Fprintln(g.stderr, catalog.F("kubeward: nothing was written; --write edits the files", "kubeward：未写入任何内容；使用 --write 修改文件").In(lang))
	}
	for _, p := range problems {
		fmt.Fprintln(g.stderr, "kubeward: "+p)
	}
	if len(problems) > 0 {
		return &exitError{code: ExitUsage}
	}
	return nil
}

func objName(o *inventory.Object) string {
	if o.Namespace == "" {
		return o.Name
	}
	return o.Namespace + "/" + o.Name
}

func reviewNote(f *harden.ObjectFix, lang string) string {
	if !f.Review {
		return ""
	}
	return catalog.F(" (review: a removed volume, capability or host setting may be needed by the app)", "（需评审：被删除的卷、能力或主机设置可能是应用所需）").In(lang)
}

// writeWithBackup replaces file's content old by new: only if the file
// still holds old, after saving old as a backup that must not exist yet,
// through a temporary file renamed over it (same mode).
func writeWithBackup(file string, old, new []byte, backupDir string) error {
	info, err := os.Stat(file)
	if err != nil {
		return fmt.Errorf("%s: %w", file, unwrapPath(err))
	}
	if !info.Mode().IsRegular() {
		return fmt.Errorf("%s: not a regular file; not written", file)
	}
	cur, err := os.ReadFile(file)
	if err != nil {
		return fmt.Errorf("%s: %w", file, unwrapPath(err))
	}
	if !bytes.Equal(cur, old) {
		return fmt.Errorf("%s: changed since kubeward read it; not overwritten (run again)", file)
	}
	backup := file + ".orig"
	if backupDir != "" {
		backup = filepath.Join(backupDir, backupName(file)+".orig")
	}
	if err := os.MkdirAll(filepath.Dir(backup), 0o755); err != nil {
		return fmt.Errorf("backup %s: %w", backup, unwrapPath(err))
	}
	bf, err := os.OpenFile(backup, os.O_WRONLY|os.O_CREATE|os.O_EXCL, info.Mode().Perm())
	if err != nil {
		if errors.Is(err, os.ErrExist) {
			return fmt.Errorf("%s: the backup %s already exists; not overwritten (move it away or use --backup-dir)", file, backup)
		}
		return fmt.Errorf("backup %s: %w", backup, unwrapPath(err))
	}
	if _, err := bf.Write(old); err != nil {
		bf.Close()
		return fmt.Errorf("backup %s: %w", backup, err)
	}
	if err := bf.Close(); err != nil {
		return fmt.Errorf("backup %s: %w", backup, err)
	}
	tmp, err := os.CreateTemp(filepath.Dir(file), "."+filepath.Base(file)+".kubeward-*")
	if err != nil {
		return fmt.Errorf("%s: %w", file, unwrapPath(err))
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(new); err != nil {
		tmp.Close()
		return fmt.Errorf("%s: %w", file, err)
	}
	if err := tmp.Chmod(info.Mode().Perm()); err != nil {
		tmp.Close()
		return fmt.Errorf("%s: %w", file, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("%s: %w", file, err)
	}
	if cur, err := os.ReadFile(file); err != nil || !bytes.Equal(cur, old) {
		return fmt.Errorf("%s: changed while kubeward wrote it; not overwritten (the backup %s holds what was read)", file, backup)
	}
	if err := os.Rename(tmp.Name(), file); err != nil {
		return fmt.Errorf("%s: %w", file, unwrapPath(err))
	}
	return nil
}

// backupName is file as a relative path under a backup directory.
func backupName(file string) string {
	clean := filepath.ToSlash(filepath.Clean(file))
	parts := strings.Split(strings.TrimLeft(clean, "/"), "/")
	for i, p := range parts {
		if p == ".." {
			parts[i] = "__"
		}
	}
	return filepath.FromSlash(strings.Join(parts, "/"))
}

func fileStem(kind, ns, name string) string {
	s := strings.ToLower(kind)
	if ns != "" {
		s += "-" + ns
	}
	return strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-' || r == '.' {
			return r
		}
		return '-'
	}, s+"-"+strings.ToLower(name))
}

// emitPatches writes the patch set to --out, or prints the patches.
func emitPatches(g *globalOptions, o *hardenManifestOptions, items []patchItem) error {
	if o.outDir == "" {
		for _, it := range items {
			p, err := harden.Patch(it.fix)
			if err != nil {
				return err
			}
			y, err := harden.YAML(p)
			if err != nil {
				return err
			}
			fmt.Fprintln(g.stdout, catalog.F("# kubeward: patch for %s %s (%s); resolves %s%s", "# kubeward：%s %s 的补丁（%s）；解决 %s%s",
				it.fix.Object.Kind, objName(it.fix.Object), it.reason, strings.Join(it.fix.Resolves, ", "), reviewNote(it.fix, g.lang)).In(g.lang))
			fmt.Fprintf(g.stdout, "---\n%s", y)
		}
		if o.write {
			return fmt.Errorf("%d objects cannot be edited in place (listed as patches above); give --out DIR to write them as a kustomize patch set", len(items))
		}
		return nil
	}
	return writePatchSet(o.outDir, items, g.stderr, g.lang)
}

// writePatchSet writes a strategic-merge patch per object, the new objects
// the fixes create, and a kustomization.yaml that lists them, under dir. An
// existing file with other content is kept as FILE.orig first.
func writePatchSet(dir string, items []patchItem, w io.Writer, lang string) error {
	var k strings.Builder
	k.WriteString("# Generated by kubeward harden manifests: strategic-merge patches that fix the\n" +
		"# workloads below, each keyed to the checks it resolves. Add the objects they\n" +
		"# patch to resources (the kustomization or file each comes from; for a Helm\n" +
		"# chart, its rendered output) before building.\n" +
		"apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\n")
	var resources, patches []string
	seenRes := map[string]bool{}
	for _, it := range items {
		f := it.fix
		ob := f.Object
		if base := resourceOf(ob, dir); base != "" && !seenRes[base] {
			seenRes[base] = true
			resources = append(resources, base)
		}
		p, err := harden.Patch(f)
		if err != nil {
			return err
		}
		y, err := harden.YAML(p)
		if err != nil {
			return err
		}
		name := filepath.Join("patches", fileStem(ob.Kind, ob.Namespace, ob.Name)+".yaml")
		head := catalog.F("# %s %s: resolves %s\n# why a patch: %s\n", "# %s %s：解决 %s\n# 为何是补丁：%s\n", ob.Kind, objName(ob), strings.Join(f.Resolves, ", "), it.reason).In(lang)
		if f.Review {
			head += catalog.F("# review: it removes a volume, capability or host setting the app may need\n", "# 需评审：它删除了应用可能需要的卷、能力或主机设置\n").In(lang)
		}
		if err := writeNew(filepath.Join(dir, name), []byte(head+string(y))); err != nil {
			return err
		}
		patches = append(patches, fmt.Sprintf("- path: %s # %s", filepath.ToSlash(name), strings.Join(f.Resolves, ", ")))
		for _, n := range f.New {
			meta, _ := n["metadata"].(map[string]any)
			nm, _ := meta["name"].(string)
			ns, _ := meta["namespace"].(string)
			rn := filepath.Join("resources", fileStem(fmt.Sprint(n["kind"]), ns, nm)+".yaml")
			if seenRes[rn] {
				continue
			}
			seenRes[rn] = true
			y, err := harden.YAML(n)
			if err != nil {
				return err
			}
			if err := writeNew(filepath.Join(dir, rn), y); err != nil {
				return err
			}
			resources = append(resources, filepath.ToSlash(rn))
		}
	}
	k.WriteString("resources:\n")
	for _, r := range resources {
		k.WriteString("- " + r + "\n")
	}
	k.WriteString("patches:\n" + strings.Join(patches, "\n") + "\n")
	if err := writeNew(filepath.Join(dir, "kustomization.yaml"), []byte(k.String())); err != nil {
		return err
	}
	fmt.Fprintln(w, catalog.F("kubeward: wrote %d patches to %s (kustomization.yaml lists them)", "kubeward：已向 %[2]s 写入 %[1]d 个补丁（kustomization.yaml 列出了它们）", len(patches), dir).In(lang))
	return nil
}

// resourceOf is what a patch set's kustomization names for an object's
// base: the kustomization directory or the file, relative to dir; "" for a
// chart (its rendered output is the user's to add).
func resourceOf(ob *inventory.Object, dir string) string {
	var base string
	switch {
	case strings.HasPrefix(ob.Origin, "kustomize build "):
		base = strings.TrimPrefix(ob.Origin, "kustomize build ")
	case ob.Origin == "" && ob.File != "<stdin>":
		base = ob.File
	default:
		return ""
	}
	absBase, err1 := filepath.Abs(base)
	absDir, err2 := filepath.Abs(dir)
	if err1 != nil || err2 != nil {
		return ""
	}
	rel, err := filepath.Rel(absDir, absBase)
	if err != nil {
		return ""
	}
	return filepath.ToSlash(rel)
}

// writeNew writes a file of the patch set as the namespace layer writes
// its files (writeKeeping): the same content leaves it untouched, another
// content replaces it after keeping the old file as FILE.orig[.N].
func writeNew(path string, data []byte) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return fmt.Errorf("--out: %w", unwrapPath(err))
	}
	_, _, err := writeKeeping(path, data)
	return err
}

func diffLabel(side, file string) string {
	return side + "/" + strings.TrimPrefix(filepath.ToSlash(file), "/")
}
