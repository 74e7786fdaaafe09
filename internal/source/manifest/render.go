package manifest

import (
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
	"syscall"

	"go.yaml.in/yaml/v3"
	"helm.sh/helm/v4/pkg/chart/common"
	chartutil "helm.sh/helm/v4/pkg/chart/common/util"
	chart "helm.sh/helm/v4/pkg/chart/v2"
	"helm.sh/helm/v4/pkg/chart/v2/loader"
	chartv2util "helm.sh/helm/v4/pkg/chart/v2/util"
	"helm.sh/helm/v4/pkg/cli/values"
	"helm.sh/helm/v4/pkg/engine"
	"helm.sh/helm/v4/pkg/getter"
	"sigs.k8s.io/kustomize/api/krusty"
	"sigs.k8s.io/kustomize/api/resource"
	"sigs.k8s.io/kustomize/kyaml/filesys"

	"github.com/kubeward/kubeward/internal/inventory"
)

// renderedFile is one file of a rendered chart or kustomization.
type renderedFile struct {
	name string
	data []byte
	// fix, when set, gives the objects decoded from one document of data
	// their true source location (see locate.go).
	fix func(objs []*inventory.Object, doc document)
}

// isChart reports whether dir holds a Helm chart.
func isChart(dir string) bool {
	_, err := os.Stat(filepath.Join(dir, "Chart.yaml"))
	return err == nil
}

// ContainsChart reports whether a directory among paths is or holds a Helm
// chart by the rule Load renders them by (isChart), hidden directories
// skipped as Load skips them: the charts --values and --set apply to.
func ContainsChart(paths []string) bool {
	found := errors.New("found")
	for _, p := range paths {
		if info, err := os.Stat(p); err != nil || !info.IsDir() {
			continue
		}
		err := filepath.WalkDir(p, func(path string, d os.DirEntry, err error) error {
			if err != nil || !d.IsDir() {
				return nil
			}
			if path != p && strings.HasPrefix(d.Name(), ".") {
				return filepath.SkipDir
			}
			if isChart(path) {
				return found
			}
			return nil
		})
		if errors.Is(err, found) {
			return true
		}
	}
	return false
}

// kustomizationFile returns the kustomization file of dir, if any.
func kustomizationFile(dir string) string {
	for _, n := range []string{"kustomization.yaml", "kustomization.yml", "Kustomization"} {
		if _, err := os.Stat(filepath.Join(dir, n)); err == nil {
			return filepath.Join(dir, n)
		}
	}
	return ""
}

// renderChart renders a chart directory as `helm template` does, with the
// chart's values overridden by --values files and --set expressions, within
// the render time limit and output cap (render_limits.go).
func renderChart(dir string, opts Options) ([]renderedFile, error) {
	return withTimeout("rendering chart "+dir, opts.RenderTimeout, func() ([]renderedFile, error) {
		return renderChartNow(dir, opts)
	})
}

func renderChartNow(dir string, opts Options) ([]renderedFile, error) {
	if err := checkChartSymlinks(dir); err != nil {
		return nil, err
	}
	ch, err := loader.LoadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("loading chart: %w", err)
	}
	if err := checkChartDependencies(ch); err != nil {
		return nil, err
	}
	vo := values.Options{ValueFiles: opts.ValueFiles, Values: opts.Set}
	vals, err := vo.MergeValues(getter.Providers{})
	if err != nil {
		return nil, fmt.Errorf("chart values: %w", err)
	}
	if err := chartv2util.ProcessDependencies(ch, vals); err != nil {
		return nil, fmt.Errorf("chart dependencies: %w", err)
	}
	ns := opts.DefaultNamespace
	if ns == "" {
		ns = "default"
	}
	rv, err := chartutil.ToRenderValues(ch, vals, common.ReleaseOptions{Name: "release", Namespace: ns, Revision: 1, IsInstall: true}, nil)
	if err != nil {
		return nil, fmt.Errorf("chart values: %w", err)
	}
	out, err := engine.Render(ch, rv)
	if err != nil {
		var ok bool
		if out, vals, ok = renderRequiringSecrets(ch, vals, ns); !ok { // sentinel.go
			return nil, fmt.Errorf("rendering chart: %w", firstLine(err))
		}
	}
	total := 0
	for _, s := range out {
		total += len(s)
	}
	if total > maxRenderBytes {
		return nil, fmt.Errorf("rendering chart: output of %d MiB is over the %d MiB limit", total>>20, maxRenderBytes>>20)
	}
	sources := templateSources(ch)
	names := make([]string, 0, len(out))
	for name := range out {
		names = append(names, name)
	}
	sort.Strings(names)
	var files []renderedFile
	valsAt := newChartValues(dir, opts.ValueFiles, opts.Set)
	for _, name := range names {
		base := filepath.Base(name)
		if strings.HasPrefix(base, "_") || strings.HasSuffix(name, "NOTES.txt") || strings.TrimSpace(out[name]) == "" {
			continue
		}
		// name is "<chart>/templates/x.yaml"; report it under the chart directory.
		rel := name
		if i := strings.IndexByte(name, '/'); i >= 0 {
			rel = name[i+1:]
		}
		data := []byte(out[name])
		files = append(files, renderedFile{
			name: filepath.Join(dir, rel), data: data,
			fix: chartLocator(sources[name], name, ch.Name(), valsAt).fix,
		})
	}
	files = append(files, chartSecretValues(dir, ch, vals, opts, valsAt, ns)...) // sentinel.go
	return files, nil
}

// firstLine keeps an error to one line: Helm's template errors can carry a
// multi-line excerpt of the template.
func firstLine(err error) error {
	msg := err.Error()
	if i := strings.IndexByte(msg, '\n'); i >= 0 {
		return errors.New(strings.TrimSpace(msg[:i]))
	}
	return err
}

// templateSources maps the engine's template names ("<chart>/templates/x",
// "<chart>/charts/<sub>/templates/x") to their source.
func templateSources(ch *chart.Chart) map[string][]byte {
	m := map[string][]byte{}
	var walk func(c *chart.Chart)
	walk = func(c *chart.Chart) {
		for _, t := range c.Templates {
			m[path.Join(c.ChartFullPath(), t.Name)] = t.Data
		}
		for _, d := range c.Dependencies() {
			walk(d)
		}
	}
	walk(ch)
	return m
}

// checkChartSymlinks refuses a chart holding a symbolic link that resolves
// outside the chart directory: Helm follows links, so a template could read
// a host file (a token, a key) with .Files.Get and print it in the report.
// Links that stay inside the chart are allowed.
func checkChartSymlinks(dir string) error {
	root, err := filepath.EvalSymlinks(dir)
	if err != nil {
		return fmt.Errorf("loading chart: %w", unwrapPathError(err))
	}
	root, err = filepath.Abs(root)
	if err != nil {
		return err
	}
	return filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return nil // Helm's loader reports unreadable files itself
		}
		if d.Type()&os.ModeSymlink == 0 {
			return nil
		}
		rel, _ := filepath.Rel(dir, p)
		target, err := filepath.EvalSymlinks(p)
		if err != nil {
			return fmt.Errorf("chart file %s is a symbolic link that cannot be resolved; not read", filepath.ToSlash(rel))
		}
		if target, err = filepath.Abs(target); err != nil {
			return err
		}
		if !pathWithin(root, target) {
			return fmt.Errorf("chart file %s is a symbolic link to a path outside the chart; not read", filepath.ToSlash(rel))
		}
		return nil
	})
}

// checkChartDependencies fails as `helm template` does when Chart.yaml
// lists a dependency that is not in charts/.
func checkChartDependencies(ch *chart.Chart) error {
	if ch.Metadata == nil {
		return nil
	}
	have := map[string]bool{}
	for _, d := range ch.Dependencies() {
		have[d.Name()] = true
	}
	var missing []string
	for _, r := range ch.Metadata.Dependencies {
		if r != nil && !have[r.Name] {
			missing = append(missing, r.Name)
		}
	}
	if len(missing) > 0 {
		return fmt.Errorf("chart dependencies: found in Chart.yaml, but missing in charts/ directory: %s (run helm dependency build)", strings.Join(missing, ", "))
	}
	return nil
}

// renderKustomization runs `kustomize build` on dir within the render time
// limit and output cap. Remote bases and resources (URLs, git repositories)
// are refused unless opts.AllowRemote. The result is grouped by the file
// each resource came from (kustomize's origin annotations), so findings
// point at the base or overlay that holds the resource.
func renderKustomizationFiles(dir string, opts Options) ([]renderedFile, error) {
	tree, err := readKustTree(dir)
	if err != nil {
		return nil, tree.redactErr(fmt.Errorf("kustomize build: %w", err))
	}
	if len(tree.remote) > 0 && !opts.AllowRemote {
		return nil, fmt.Errorf("kustomize build: remote %s %q refused: kubeward reads only local files unless --allow-remote is given", tree.remote[0].what, tree.remote[0].ref)
	}
	if opts.AllowRemote {
		installRemoteLimits(opts.RenderTimeout)
	}
	files, err := withTimeout("kustomize build "+dir, opts.RenderTimeout, func() ([]renderedFile, error) {
		return buildKustomization(dir)
	})
	if err != nil {
		return nil, tree.redactErr(err)
	}
	return files, nil
}

// renderKustomization is `kustomize build dir` as one stream, with the
// default limits.
func renderKustomization(dir string) ([]byte, error) {
	files, err := renderKustomizationFiles(dir, Options{})
	if err != nil {
		return nil, err
	}
	var out []byte
	for _, f := range files {
		if len(out) > 0 {
			out = append(out, "---\n"...)
		}
		out = append(out, f.data...)
	}
	return bytes.TrimSpace(out), nil
}

func buildKustomization(dir string) ([]renderedFile, error) {
	top := kustomizationFile(dir)
	fs := &originFS{FileSystem: filesys.MakeFsOnDisk(), top: top}
	if st, err := os.Stat(top); err == nil {
		fs.topInfo = st
	}
	k := krusty.MakeKustomizer(krusty.MakeDefaultOptions())
	m, err := k.Run(fs, dir)
	if err != nil {
		return nil, fmt.Errorf("kustomize build: %w", err)
	}
	var files []renderedFile
	index := map[string]int{}
	total := 0
	for _, res := range m.Resources() {
		origin, _ := res.GetOrigin()
		if fs.injected {
			if err := res.SetOrigin(nil); err != nil {
				return nil, fmt.Errorf("kustomize build: %w", err)
			}
		}
		y, err := res.AsYAML()
		if err != nil {
			return nil, fmt.Errorf("kustomize build: %w", err)
		}
		total += len(y)
		if total > maxRenderBytes {
			return nil, fmt.Errorf("kustomize build: output over the %d MiB limit", maxRenderBytes>>20)
		}
		name, local := originFile(dir, top, origin)
		i, ok := index[name]
		if !ok {
			i = len(files)
			index[name] = i
			rf := renderedFile{name: name}
			if local {
				rf.fix = newSourceLocator(name).fix
			} else {
				rf.fix = noLines
			}
			files = append(files, rf)
		}
		if len(files[i].data) > 0 {
			files[i].data = append(files[i].data, "---\n"...)
		}
		files[i].data = append(files[i].data, y...)
	}
	return files, nil
}

// originFile names the file a resource came from, and whether it is a
// local file holding the resource as written.
func originFile(dir, top string, o *resource.Origin) (string, bool) {
	switch {
	case o == nil:
		return top, false
	case o.Repo != "":
		ref := o.Repo
		if o.Ref != "" {
			ref += "?ref=" + o.Ref
		}
		return ref + "//" + o.Path, false
	case o.Path != "":
		return filepath.Join(dir, o.Path), true
	case o.ConfiguredIn != "":
		return filepath.Join(dir, o.ConfiguredIn), false
	}
	return top, false
}

// originFS asks kustomize to keep its origin annotations by adding
// buildMetadata: [originAnnotations] to the top kustomization as it is read.
type originFS struct {
	filesys.FileSystem
	top      string
	topInfo  os.FileInfo
	injected bool
}

func (f *originFS) ReadFile(p string) ([]byte, error) {
	data, err := f.FileSystem.ReadFile(p)
	if err != nil || f.topInfo == nil || f.injected {
		return data, err
	}
	if st, serr := os.Stat(p); serr != nil || !os.SameFile(st, f.topInfo) {
		return data, err
	}
	if out, ok := addOriginAnnotations(data); ok {
		f.injected = true
		return out, nil
	}
	return data, nil
}

func addOriginAnnotations(data []byte) ([]byte, bool) {
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil || len(doc.Content) == 0 || doc.Content[0].Kind != yaml.MappingNode {
		return nil, false
	}
	m := doc.Content[0]
	if bm := yfield(m, "buildMetadata"); bm != nil {
		if bm.Kind != yaml.SequenceNode {
			return nil, false
		}
		for _, v := range bm.Content {
			if v.Value == "originAnnotations" {
				return nil, false // the user asked for them: keep them in the output
			}
		}
		bm.Content = append(bm.Content, &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: "originAnnotations"})
	} else {
		m.Content = append(m.Content,
			&yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: "buildMetadata"},
			&yaml.Node{Kind: yaml.SequenceNode, Tag: "!!seq", Content: []*yaml.Node{{Kind: yaml.ScalarNode, Tag: "!!str", Value: "originAnnotations"}}})
	}
	out, err := yaml.Marshal(&doc)
	if err != nil {
		return nil, false
	}
	return out, true
}

// kustTree is what kubeward reads from a kustomization and its local bases
// before kustomize runs: remote references, and secret values to keep out
// of error messages.
type kustTree struct {
	remote  []remoteRef
	secrets []string
	seen    map[string]bool
}

type remoteRef struct{ what, ref string }

// readKustTree reads the kustomization in dir and, recursively, those of
// its local bases and components.
func readKustTree(dir string) (*kustTree, error) {
	t := &kustTree{seen: map[string]bool{}}
	return t, t.read(dir, 0)
}

func (t *kustTree) read(dir string, depth int) error {
	abs, err := filepath.Abs(dir)
	if err != nil || t.seen[abs] || depth > 50 {
		return nil
	}
	t.seen[abs] = true
	file := kustomizationFile(dir)
	if file == "" {
		return nil // a plain directory of resources, or kustomize's own error
	}
	data, err := readRegularFile(file, MaxDocumentBytes)
	if err != nil {
		return nil
	}
	var doc yaml.Node
	if yaml.Unmarshal(data, &doc) != nil || len(doc.Content) == 0 || doc.Content[0].Kind != yaml.MappingNode {
		return nil // kustomize reports the syntax error
	}
	m := doc.Content[0]
	// Secret values first, so that any later error can be redacted.
	if sg := yfield(m, "secretGenerator"); sg != nil && sg.Kind == yaml.SequenceNode {
		for _, g := range sg.Content {
			for _, l := range strs(yfield(g, "literals")) {
				t.addSecret(l)
				if i := strings.IndexByte(l, '='); i >= 0 {
					t.addSecret(strings.Trim(l[i+1:], `"'`))
				}
			}
			envs := strs(yfield(g, "envs"))
			if e := yfield(g, "env"); e != nil && e.Kind == yaml.ScalarNode {
				envs = append(envs, e.Value)
			}
			for _, e := range envs {
				if !isURL(e) {
					t.addEnvFile(dir, e)
				}
			}
		}
	}
	for _, key := range []string{"resources", "bases", "components", "generators", "transformers", "validators"} {
		for _, ref := range strs(yfield(m, key)) {
			if isRemoteRef(dir, ref) {
				t.remote = append(t.remote, remoteRef{strings.TrimSuffix(key, "s"), ref})
				continue
			}
			p := ref
			if !filepath.IsAbs(p) {
				p = filepath.Join(dir, ref)
			}
			if st, err := os.Stat(p); err == nil && st.IsDir() {
				if err := t.read(p, depth+1); err != nil {
					return err
				}
			}
		}
	}
	// Files kustomize loads by path, which may also be URLs.
	var paths []remoteRef
	for _, key := range []string{"crds", "configurations", "patchesStrategicMerge"} {
		for _, s := range strs(yfield(m, key)) {
			paths = append(paths, remoteRef{key, s})
		}
	}
	for _, key := range []string{"patches", "patchesJson6902", "replacements"} {
		if l := yfield(m, key); l != nil && l.Kind == yaml.SequenceNode {
			for _, e := range l.Content {
				if e.Kind == yaml.MappingNode {
					if p := yfield(e, "path"); p != nil && p.Kind == yaml.ScalarNode {
						paths = append(paths, remoteRef{key, p.Value})
					}
				}
			}
		}
	}
	if o := yfield(m, "openapi"); o != nil && o.Kind == yaml.MappingNode {
		if p := yfield(o, "path"); p != nil && p.Kind == yaml.ScalarNode {
			paths = append(paths, remoteRef{"openapi", p.Value})
		}
	}
	for _, key := range []string{"configMapGenerator", "secretGenerator"} {
		if l := yfield(m, key); l != nil && l.Kind == yaml.SequenceNode {
			for _, g := range l.Content {
				for _, f := range strs(yfield(g, "files")) {
					if i := strings.IndexByte(f, '='); i >= 0 {
						f = f[i+1:]
					}
					paths = append(paths, remoteRef{key, f})
				}
				for _, f := range strs(yfield(g, "envs")) {
					paths = append(paths, remoteRef{key, f})
				}
			}
		}
	}
	for _, p := range paths {
		if isURL(p.ref) {
			t.remote = append(t.remote, remoteRef{p.what + " file", p.ref})
		}
	}
	return nil
}

func (t *kustTree) addSecret(s string) {
	if len(s) >= 3 {
		t.secrets = append(t.secrets, s)
	}
}

// addEnvFile collects the values of a secretGenerator env file. Only a
// regular file inside dir is read: kustomize refuses one outside the
// kustomization's root, so it has no values to redact.
func (t *kustTree) addEnvFile(dir, name string) {
	p := filepath.Join(dir, name)
	if !insideDir(dir, p) {
		return
	}
	data, err := readRegularFile(p, 1<<20)
	if err != nil {
		return
	}
	for _, line := range strings.Split(string(data), "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		t.addSecret(line)
		if i := strings.IndexByte(line, '='); i >= 0 {
			t.addSecret(strings.Trim(line[i+1:], `"'`))
		}
	}
}

// redactErr removes secret values (and their base64 forms) from an error
// message, keeping it on one line.
func (t *kustTree) redactErr(err error) error {
	if err == nil {
		return nil
	}
	msg := err.Error()
	if t != nil && len(t.secrets) > 0 {
		secrets := append([]string(nil), t.secrets...)
		for _, s := range t.secrets {
			secrets = append(secrets, base64.StdEncoding.EncodeToString([]byte(s)))
		}
		sort.Slice(secrets, func(i, j int) bool { return len(secrets[i]) > len(secrets[j]) })
		for _, s := range secrets {
			msg = strings.ReplaceAll(msg, s, "[redacted]")
		}
	}
	if i := strings.IndexByte(msg, '\n'); i >= 0 {
		msg = strings.TrimSpace(msg[:i])
	}
	if msg == err.Error() {
		return err
	}
	return errors.New(msg)
}

func strs(n *yaml.Node) []string {
	if n == nil || n.Kind != yaml.SequenceNode {
		return nil
	}
	var out []string
	for _, c := range n.Content {
		if c.Kind == yaml.ScalarNode {
			out = append(out, c.Value)
		}
	}
	return out
}

func isURL(s string) bool {
	return strings.HasPrefix(s, "http://") || strings.HasPrefix(s, "https://")
}

// isRemoteRef reports whether kustomize would fetch a resource, base or
// component reference from the network (an URL or a git repository such as
// github.com/org/repo//path?ref=v1) rather than read it from disk.
func isRemoteRef(dir, ref string) bool {
	if strings.Contains(ref, "://") || strings.HasPrefix(ref, "git@") || strings.HasPrefix(ref, "git::") {
		return true
	}
	p := ref
	if !filepath.IsAbs(p) {
		p = filepath.Join(dir, ref)
	}
	if _, err := os.Stat(p); err == nil {
		return false
	}
	if strings.Contains(ref, "?ref=") || strings.Contains(ref, "?version=") || strings.Contains(ref, ".git/") || strings.HasSuffix(ref, ".git") {
		return true
	}
	// host/org/repo: a first segment that looks like a host name.
	if i := strings.IndexByte(ref, '/'); i > 0 {
		host := ref[:i]
		return strings.Contains(host, ".") && host != "." && host != ".." && !strings.HasPrefix(host, ".")
	}
	return false
}

// readSource reads a local source file for locating fields, tolerating errors.
func readSource(p string) []byte {
	data, err := readRegularFile(p, MaxDocumentBytes)
	if err != nil {
		return nil
	}
	return bytes.ReplaceAll(data, []byte("\r\n"), []byte("\n"))
}

// errNotRegular: a side file (kustomization, env file, values file, source
// of a rendered resource) that is a pipe, a device or a directory.
var errNotRegular = errors.New("not a regular file")

// readRegularFile reads the regular file p if it holds at most limit
// bytes. Its type is checked before it is opened, so that a pipe does not
// block and /dev/zero is not read without end; the read stops at limit+1
// bytes whatever the size said.
func readRegularFile(p string, limit int64) ([]byte, error) {
	st, err := os.Stat(p)
	if err != nil {
		return nil, err
	}
	if !st.Mode().IsRegular() {
		return nil, &os.PathError{Op: "read", Path: p, Err: errNotRegular}
	}
	if st.Size() > limit {
		return nil, &os.PathError{Op: "read", Path: p, Err: fmt.Errorf("larger than %d bytes", limit)}
	}
	// O_NONBLOCK: should p become a pipe after the Stat, the open does
	// not wait for a writer; the type is checked again on the descriptor.
	f, err := os.OpenFile(p, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	if st, err := f.Stat(); err != nil || !st.Mode().IsRegular() {
		return nil, &os.PathError{Op: "read", Path: p, Err: errNotRegular}
	}
	data, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(data)) > limit {
		return nil, &os.PathError{Op: "read", Path: p, Err: fmt.Errorf("larger than %d bytes", limit)}
	}
	return data, nil
}

// insideDir reports whether p, links resolved, is dir or below it.
func insideDir(dir, p string) bool {
	root, err := filepath.EvalSymlinks(dir)
	if err != nil {
		return false
	}
	if root, err = filepath.Abs(root); err != nil {
		return false
	}
	target, err := filepath.EvalSymlinks(p)
	if err == nil {
		target, err = filepath.Abs(target)
	}
	return err == nil && pathWithin(root, target)
}
