package manifest

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/kubeward/kubeward/internal/check"
	_ "github.com/kubeward/kubeward/internal/check/all"
	"github.com/kubeward/kubeward/internal/inventory"
)

const (
	corpusChart     = "../../../testdata/corpora/microservices-demo/helm-chart"
	sharedChart     = "/work/shared/corpora/microservices-demo/helm-chart"
	sharedKustomize = "/work/shared/corpora/microservices-demo/kustomize"
)

// renderedObject is one object of a rendered input with its rendered body.
type renderedObject struct {
	obj  *inventory.Object
	body *yaml.Node
}

// renderedObjects decodes rendered files as Load does, applying each
// file's location fix.
func renderedObjects(t *testing.T, files []renderedFile) []renderedObject {
	t.Helper()
	var out []renderedObject
	for _, f := range files {
		sp := newSplitter(bytes.NewReader(f.data))
		for {
			doc, err := sp.next()
			if err != nil {
				break
			}
			d, err := decodeDocument(f.name, "", doc, "default")
			if err != nil {
				t.Fatalf("%s: %v", f.name, err)
			}
			if f.fix != nil {
				f.fix(d.objects, doc)
			}
			var root yaml.Node
			if err := yaml.Unmarshal(doc.data, &root); err != nil || len(root.Content) == 0 {
				continue
			}
			for _, o := range d.objects {
				out = append(out, renderedObject{o, root.Content[0]})
			}
		}
	}
	return out
}

// chartObjects renders the chart in dir with opts and decodes its objects.
func chartObjects(t *testing.T, dir string, opts Options) []renderedObject {
	t.Helper()
	files, err := renderChart(dir, opts)
	if err != nil {
		t.Fatal(err)
	}
	return renderedObjects(t, files)
}

// kustomizeObjects builds the kustomization in dir and decodes its objects.
func kustomizeObjects(t *testing.T, dir string) []renderedObject {
	t.Helper()
	files, err := renderKustomizationFiles(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	return renderedObjects(t, files)
}

// onlyObject is the one object of objs.
func onlyObject(t *testing.T, objs []renderedObject) *inventory.Object {
	t.Helper()
	if len(objs) != 1 {
		t.Fatalf("%d objects", len(objs))
	}
	return objs[0].obj
}

// corpusChartDir is the microservices-demo chart, the shared copy first;
// the test is skipped when there is neither.
func corpusChartDir(t *testing.T) string {
	t.Helper()
	for _, dir := range []string{sharedChart, corpusChart} {
		if isChart(dir) {
			return dir
		}
	}
	t.Skip("microservices-demo chart not available")
	return ""
}

// fieldPaths lists the path of every node under n, and for every mapping a
// path to a field it lacks (a finding about a missing field is located at
// its deepest existing parent).
func fieldPaths(n *yaml.Node, prefix string, out *[]string) {
	switch n.Kind {
	case yaml.MappingNode:
		*out = append(*out, join(prefix, "kubewardAbsentField"))
		for i := 0; i+1 < len(n.Content); i += 2 {
			k := n.Content[i].Value
			p := join(prefix, k)
			if strings.ContainsAny(k, ".[]") {
				p = prefix + "[" + k + "]"
			}
			*out = append(*out, p)
			fieldPaths(n.Content[i+1], p, out)
		}
	case yaml.SequenceNode:
		for i, c := range n.Content {
			p := prefix + "[" + strconv.Itoa(i) + "]"
			*out = append(*out, p)
			fieldPaths(c, p, out)
		}
	}
}

func join(prefix, key string) string {
	if prefix == "" {
		return key
	}
	return prefix + "." + key
}

var fileLines sync.Map

func lineOf(t *testing.T, file string, n int) string {
	t.Helper()
	v, ok := fileLines.Load(file)
	if !ok {
		data, err := os.ReadFile(file)
		if err != nil {
			t.Fatalf("location names %s: %v", file, err)
		}
		v = strings.Split(string(data), "\n")
		fileLines.Store(file, v)
	}
	lines := v.([]string)
	if n < 1 || n > len(lines) || (n == len(lines) && lines[n-1] == "") {
		t.Fatalf("%s:%d: past the end of the file (%d lines)", file, n, len(lines))
	}
	return lines[n-1]
}

// holdsField reports whether text holds the field that path reaches in
// body: its key, or a list item marker for an index.
func holdsField(text string, body *yaml.Node, path string) (bool, string) {
	_, _, depth := locateDeep(body, path)
	segs := splitPath(path)
	if depth == 0 {
		return false, "(object)"
	}
	seg := segs[depth-1]
	if seg.index >= 0 {
		return strings.HasPrefix(strings.TrimSpace(text), "-") || strings.Contains(text, "["), fmt.Sprintf("item %d", seg.index)
	}
	for _, k := range []string{seg.key + ":", `"` + seg.key + `":`, `'` + seg.key + `':`} {
		if strings.Contains(text, k) {
			return true, seg.key
		}
	}
	return false, seg.key
}

// checkLocations proves every field of every object lands on a line that
// holds it, or on no line. It returns how many fields got a line.
func checkLocations(t *testing.T, objs []renderedObject) (located, total int) {
	t.Helper()
	for _, ro := range objs {
		if ro.obj.Line != 0 {
			t.Errorf("%s %s/%s: object line %d; a rendered object has no line of its own", ro.obj.File, ro.obj.Kind, ro.obj.Name, ro.obj.Line)
		}
		var paths []string
		fieldPaths(ro.body, "", &paths)
		for _, p := range paths {
			loc := ro.obj.Location(p)
			total++
			if loc.Line == 0 {
				continue
			}
			located++
			text := lineOf(t, loc.File, loc.Line)
			if loc.File != ro.obj.File {
				// a values file: the line holds the values key whose value was rendered there
				rn, _, _ := locateDeep(ro.body, p)
				if !valuesLineHolds(t, loc.File, loc.Line, rn) {
					t.Errorf("%s:%d: %s %s: %s is located on %q, which holds no values key with the rendered value", loc.File, loc.Line, ro.obj.Kind, ro.obj.Name, p, strings.TrimSpace(text))
				}
				continue
			}
			if ok, want := holdsField(text, ro.body, p); !ok {
				t.Errorf("%s:%d: %s %s: %s is located on %q, which does not hold %s", loc.File, loc.Line, ro.obj.Kind, ro.obj.Name, p, strings.TrimSpace(text), want)
			}
		}
	}
	return located, total
}

func chartDirs() []string {
	dirs := []string{"testdata/chart"}
	for _, d := range []string{corpusChart, sharedChart} {
		if isChart(d) {
			dirs = append(dirs, d)
		}
	}
	return dirs
}

func TestChartLocationsHoldTheField(t *testing.T) {
	for _, dir := range chartDirs() {
		objs := chartObjects(t, dir, Options{})
		if len(objs) == 0 {
			t.Fatalf("%s: no objects", dir)
		}
		located, total := checkLocations(t, objs)
		t.Logf("%s: %d objects, %d of %d field paths located", dir, len(objs), located, total)
		if located == 0 {
			t.Errorf("%s: no field located at all", dir)
		}
	}
}

func TestChartLocationImageLine(t *testing.T) {
	for _, ro := range chartObjects(t, corpusChartDir(t), Options{}) {
		if ro.obj.Kind == "Deployment" && ro.obj.Name == "adservice" {
			loc := ro.obj.Location("spec.template.spec.containers[0].image")
			if filepath.Base(loc.File) != "adservice.yaml" || loc.Line != 72 {
				t.Errorf("adservice image at %s:%d, want templates/adservice.yaml:72", loc.File, loc.Line)
			}
			if l := ro.obj.Location("spec.template.spec.containers[0].securityContext.privileged"); l.Line != 70 {
				t.Errorf("adservice privileged at line %d, want 70", l.Line)
			}
			return
		}
	}
	t.Fatal("no adservice Deployment")
}

func TestTestdataChartLocations(t *testing.T) {
	o := onlyObject(t, chartObjects(t, "testdata/chart", Options{}))
	for path, want := range map[string]int{
		"spec.template.spec.containers[0].securityContext.runAsNonRoot":     13, // absent: its parent
		"spec.template.spec.containers[0]":                                  11,
		"metadata.name":                                                     4,
		"spec.template.spec.containers[0].resources.limits":                 11,
		"spec.template.spec.containers[0].securityContext.capabilities.add": 13,
	} {
		if l := o.Location(path); l.Line != want || !strings.HasSuffix(l.File, filepath.Join("templates", "deployment.yaml")) {
			t.Errorf("%s at %s:%d, want templates/deployment.yaml:%d", path, l.File, l.Line, want)
		}
	}
}

func TestKustomizeLocations(t *testing.T) {
	dirs := []string{"testdata/kustomize"}
	if kustomizationFile(sharedKustomize) != "" {
		dirs = append(dirs, sharedKustomize)
	}
	for _, dir := range dirs {
		objs := kustomizeObjects(t, dir)
		located, total := checkLocations(t, objs)
		t.Logf("%s: %d objects, %d of %d field paths located", dir, len(objs), located, total)
		if located == 0 {
			t.Errorf("%s: no field located at all", dir)
		}
		for _, ro := range objs {
			if ro.obj.File == kustomizationFile(dir) && ro.obj.Location("metadata").Line != 0 {
				t.Errorf("%s: %s located in the kustomization file", dir, ro.obj.Name)
			}
		}
	}
}

func TestKustomizeOverlayLocations(t *testing.T) {
	o := onlyObject(t, kustomizeObjects(t, "testdata/kustomize"))
	if want := filepath.Join("testdata", "kustomize", "base", "deployment.yaml"); o.File != want {
		t.Fatalf("file %s, want %s", o.File, want)
	}
	for path, want := range map[string]int{
		"spec.template.spec.containers[0].image":           13,
		"spec.template.spec.containers[0]":                 12,
		"spec.template.spec.containers[0].securityContext": 12, // absent in both: the container
		"spec.replicas":      0, // 4 from the overlay's patch, not base's 1
		"metadata.namespace": 0, // set by the overlay
		"spec.template.spec.containers[0].securityContext.privileged": 12,
	} {
		if l := o.Location(path); l.Line != want {
			t.Errorf("%s at line %d, want %d", path, l.Line, want)
		}
	}
}

// TestFindingLocations runs every check over the bundled fixtures, the
// examples and the corpora, and proves each finding's line holds a key of
// its path (or the finding has no line), and never lies past the end of a
// kustomization file.
func TestFindingLocations(t *testing.T) {
	inputs := append(chartDirs(), "testdata/kustomize", "../../../examples")
	if kustomizationFile(sharedKustomize) != "" {
		inputs = append(inputs, sharedKustomize)
	}
	engine := check.New(check.Options{KeepPasses: true})
	st := Load(inputs, Options{}, engine.Observe)
	for _, e := range st.Errors {
		t.Errorf("load: %v", e)
	}
	rep := engine.Finish()
	n, lined := 0, 0
	for _, r := range rep.Results {
		l := r.Location
		if l == nil || l.File == "" {
			continue
		}
		n++
		if l.Line == 0 {
			continue
		}
		lined++
		text := lineOf(t, l.File, l.Line)
		if l.Path == "" {
			continue
		}
		if l.Origin == "" && (strings.HasPrefix(text, "apiVersion:") || strings.HasPrefix(text, "kind:")) {
			continue // a plain file: a field absent from the whole object is located at the object
		}
		if strings.HasPrefix(l.Origin, "helm template") && !strings.Contains(l.File, string(filepath.Separator)+"templates"+string(filepath.Separator)) {
			if !valuesLineHolds(t, l.File, l.Line, nil) {
				t.Errorf("%s %s: %s:%d %q holds no values key", r.ID, r.Subject, l.File, l.Line, strings.TrimSpace(text))
			}
			continue
		}
		ok := false
		for _, s := range splitPath(l.Path) {
			if s.index >= 0 && (strings.HasPrefix(strings.TrimSpace(text), "-") || strings.Contains(text, "[")) || s.index < 0 && strings.Contains(text, s.key+":") {
				ok = true
			}
		}
		if !ok {
			t.Errorf("%s %s: %s:%d %q holds no key of %s", r.ID, r.Subject, l.File, l.Line, strings.TrimSpace(text), l.Path)
		}
	}
	t.Logf("%d results with a file, %d with a line", n, lined)
}

func TestStdinLocation(t *testing.T) {
	in := "# comment\n---\napiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  containers:\n  - name: c\n    image: nginx\n"
	var mu sync.Mutex
	var got []string
	Load([]string{"-"}, Options{Stdin: strings.NewReader(in)}, func(o *inventory.Object) {
		l := o.Location("spec.containers[0].image")
		mu.Lock()
		got = append(got, fmt.Sprintf("%s:%d", l.File, l.Line))
		mu.Unlock()
	})
	if len(got) != 1 || got[0] != "<stdin>:10" {
		t.Errorf("stdin locations %v, want [<stdin>:10]", got)
	}
}

func TestTemplateLineAnalysis(t *testing.T) {
	src := "{{- if .Values.a }}\nkind: Deployment\nmetadata:\n  name: {{ .Values.name }}\nspec:\n  template:\n    spec:\n      containers:\n      - name: a\n        args: |\n          image: not-a-key\n        image: {{ .Values.image }}\n{{- end }}\n"
	lines := analyze(strings.Split(templateText([]byte(src)), "\n"))
	want := map[int]string{
		2: "kind", 4: "metadata.name", 9: "spec.template.spec.containers.name",
		12: "spec.template.spec.containers.image",
	}
	for i, l := range lines {
		got := strings.Join(l.chain, ".")
		if w, ok := want[i+1]; ok && got != w {
			t.Errorf("line %d: chain %q, want %q", i+1, got, w)
		}
		if i+1 == 11 && l.structural {
			t.Errorf("line 11 is block scalar content, not a key")
		}
		if (i+1 == 1 || i+1 == 13) && l.structural {
			t.Errorf("line %d is a template action, not YAML", i+1)
		}
	}
}
