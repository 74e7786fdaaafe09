package manifest

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"

	appsv1 "k8s.io/api/apps/v1"

	"github.com/kubeward/kubeward/internal/inventory"
)

// collect loads paths and returns the objects (with lines resolved for
// path "spec.template.spec.containers[0].image") and stats.
type loaded struct {
	objs  []*inventory.Object
	lines map[string]int
}

func load(t *testing.T, paths []string, opts Options) (*loaded, *Stats) {
	t.Helper()
	var mu sync.Mutex
	l := &loaded{lines: map[string]int{}}
	st := Load(paths, opts, func(o *inventory.Object) {
		line := o.Locate("spec.template.spec.containers[0].image")
		mu.Lock()
		defer mu.Unlock()
		l.objs = append(l.objs, o)
		l.lines[o.Kind+"/"+o.Name] = line
	})
	return l, st
}

func writeFile(t *testing.T, dir, name, content string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

const twoDeployments = `# leading comment
apiVersion: apps/v1
kind: Deployment
metadata:
  name: a
spec:
  template:
    spec:
      containers:
        - name: c
          image: nginx
---
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: b, namespace: prod}
spec:
  template:
    spec:
      containers:
        - name: c
          image: nginx
`

func TestLoadMultiDocumentLines(t *testing.T) {
	dir := t.TempDir()
	p := writeFile(t, dir, "d.yaml", twoDeployments)
	l, st := load(t, []string{p}, Options{})
	if len(st.Errors) > 0 || len(l.objs) != 2 {
		t.Fatalf("errors %v, objects %d", st.Errors, len(l.objs))
	}
	tests := []struct {
		obj       string
		start     int
		imageLine int
		namespace string
	}{
		{"Deployment/a", 2, 11, "default"},
		{"Deployment/b", 14, 22, "prod"},
	}
	for _, tc := range tests {
		if got := l.lines[tc.obj]; got != tc.imageLine {
			t.Errorf("%s image line = %d, want %d", tc.obj, got, tc.imageLine)
		}
		for _, o := range l.objs {
			if o.Kind+"/"+o.Name == tc.obj {
				if o.Line != tc.start || o.Namespace != tc.namespace {
					t.Errorf("%s: line %d ns %q, want %d %q", tc.obj, o.Line, o.Namespace, tc.start, tc.namespace)
				}
				if _, ok := o.Typed.(*appsv1.Deployment); !ok {
					t.Errorf("%s typed as %T", tc.obj, o.Typed)
				}
			}
		}
	}
}

func TestLoadJSONListAndStdin(t *testing.T) {
	list := `{"apiVersion":"v1","kind":"List","items":[
 {"apiVersion":"v1","kind":"Pod","metadata":{"name":"p1"},"spec":{"containers":[{"name":"c","image":"x"}]}},
 {"apiVersion":"example.com/v1","kind":"Widget","metadata":{"name":"w"}},
 {"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"cm","namespace":"x"},"data":{"a":"b"}}
]}`
	l, st := load(t, []string{"-"}, Options{Stdin: strings.NewReader(list)})
	if len(st.Errors) > 0 {
		t.Fatal(st.Errors)
	}
	if len(l.objs) != 2 || st.Skipped["example.com/Widget"] != 1 {
		t.Fatalf("objects %d skipped %v", len(l.objs), st.Skipped)
	}
	for _, o := range l.objs {
		if o.File != "<stdin>" || o.Line != 2 && o.Line != 4 {
			t.Errorf("%s/%s at %s:%d", o.Kind, o.Name, o.File, o.Line)
		}
	}
}

func TestLoadBadInputsKeepsGoing(t *testing.T) {
	dir := t.TempDir()
	good := writeFile(t, dir, "good.yaml", twoDeployments)
	writeFile(t, dir, "broken.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n data: [\n")
	writeFile(t, dir, "binary.json", "\x00\x01\x02\x03")
	writeFile(t, dir, "wrongtype.yaml", "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: x\nspec:\n  replicas: many\n")
	writeFile(t, dir, "notes.txt", "not yaml: [")
	_, st := load(t, []string{dir, filepath.Join(dir, "missing.yaml")}, Options{})
	if st.Objects != 2 {
		t.Errorf("objects = %d, want the 2 good ones", st.Objects)
	}
	want := []string{
		filepath.Join(dir, "binary.json") + ":1: binary file",
		filepath.Join(dir, "broken.yaml") + ":4: invalid YAML",
		filepath.Join(dir, "missing.yaml") + ": no such file",
		filepath.Join(dir, "wrongtype.yaml") + ":6: apps/v1 Deployment: field spec.replicas",
	}
	if len(st.Errors) != len(want) {
		t.Fatalf("errors = %v", st.Errors)
	}
	for i, w := range want {
		if !strings.HasPrefix(st.Errors[i].Error(), w) {
			t.Errorf("error %d = %q, want prefix %q", i, st.Errors[i], w)
		}
		if strings.Contains(st.Errors[i].Error(), "\n") {
			t.Errorf("error %d spans lines: %q", i, st.Errors[i])
		}
	}
	_ = good
}

func TestLoadHelmChartWithValues(t *testing.T) {
	l, st := load(t, []string{"testdata/chart"}, Options{Set: []string{"privileged=true"}, DefaultNamespace: "team"})
	if len(st.Errors) > 0 {
		t.Fatal(st.Errors)
	}
	if len(l.objs) != 1 {
		t.Fatalf("objects = %d", len(l.objs))
	}
	d := l.objs[0].Typed.(*appsv1.Deployment)
	c := d.Spec.Template.Spec.Containers[0]
	if d.Name != "release-demo" || d.Namespace != "team" || c.Image != "registry.bank.internal/demo:1.0" || !*c.SecurityContext.Privileged {
		t.Errorf("rendered %s/%s image %s privileged %v", d.Namespace, d.Name, c.Image, *c.SecurityContext.Privileged)
	}
	if o := l.objs[0]; o.File != filepath.Join("testdata/chart", "templates/deployment.yaml") || !strings.HasPrefix(o.Origin, "helm template") {
		t.Errorf("location %s origin %q", o.File, o.Origin)
	}
	// --values files override the chart's values.
	vf := writeFile(t, t.TempDir(), "prod.yaml", "image: registry.bank.internal/demo:2.0\n")
	l, _ = load(t, []string{"testdata/chart"}, Options{ValueFiles: []string{vf}})
	if img := l.objs[0].Typed.(*appsv1.Deployment).Spec.Template.Spec.Containers[0].Image; img != "registry.bank.internal/demo:2.0" {
		t.Errorf("image with --values = %s", img)
	}
}

func TestLoadKustomization(t *testing.T) {
	l, st := load(t, []string{"testdata/kustomize"}, Options{})
	if len(st.Errors) > 0 {
		t.Fatal(st.Errors)
	}
	if len(l.objs) != 1 {
		t.Fatalf("objects = %d", len(l.objs))
	}
	d := l.objs[0].Typed.(*appsv1.Deployment)
	if d.Namespace != "shop" || *d.Spec.Replicas != 4 {
		t.Errorf("kustomized deployment %s replicas %d", d.Namespace, *d.Spec.Replicas)
	}
}

func TestLoadCorpora(t *testing.T) {
	tests := []struct {
		path       string
		minObjects int
		skipped    string
	}{
		{"../../../testdata/corpora/microservices-demo/release", 30, "networking.istio.io/VirtualService"},
		{"../../../testdata/corpora/microservices-demo/helm-chart", 30, ""},
		{"../../../testdata/corpora/kube-prometheus/manifests", 50, "apiextensions.k8s.io/CustomResourceDefinition"},
	}
	for _, tc := range tests {
		t.Run(filepath.Base(filepath.Dir(tc.path))+"/"+filepath.Base(tc.path), func(t *testing.T) {
			_, st := load(t, []string{tc.path}, Options{})
			if len(st.Errors) > 0 {
				t.Fatal(st.Errors)
			}
			if st.Objects < tc.minObjects {
				t.Errorf("objects = %d, want at least %d", st.Objects, tc.minObjects)
			}
			if tc.skipped != "" && st.Skipped[tc.skipped] == 0 {
				t.Errorf("skipped %v lacks %s", st.Skipped, tc.skipped)
			}
		})
	}
}

func TestDocumentTooLarge(t *testing.T) {
	big := io.MultiReader(strings.NewReader("apiVersion: v1\nkind: ConfigMap\ndata:\n  a: "), &repeat{b: 'x', n: MaxDocumentBytes + 10})
	_, st := load(t, []string{"-"}, Options{Stdin: big})
	if len(st.Errors) != 1 || !strings.Contains(st.Errors[0].Error(), "larger than") {
		t.Fatalf("errors = %v", st.Errors)
	}
}

func TestAliasBombFails(t *testing.T) {
	bomb := "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n" +
		"a: &a [x,x,x,x,x,x,x,x,x,x]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b,*b]\n" +
		"d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c,*c]\ne: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d,*d]\nf: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e,*e]\n" +
		"g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f,*f]\nh: [*g,*g,*g,*g,*g,*g,*g,*g,*g,*g]\n"
	_, st := load(t, []string{"-"}, Options{Stdin: strings.NewReader(bomb)})
	if len(st.Errors) != 1 {
		t.Fatalf("errors = %v", st.Errors)
	}
}

// repeat yields n copies of b.
type repeat struct {
	b byte
	n int
}

func (r *repeat) Read(p []byte) (int, error) {
	if r.n == 0 {
		return 0, io.EOF
	}
	n := min(len(p), r.n)
	for i := range n {
		p[i] = r.b
	}
	r.n -= n
	return n, nil
}

// generated yields count small Deployment documents without holding them.
type generated struct {
	count, i int
	buf      bytes.Buffer
}

func (g *generated) Read(p []byte) (int, error) {
	for g.buf.Len() < len(p) && g.i < g.count {
		fmt.Fprintf(&g.buf, "---\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: app-%d\n  namespace: ns-%d\n  labels: {app: app-%d, team: payments}\nspec:\n  replicas: 2\n  selector: {matchLabels: {app: app-%d}}\n  template:\n    metadata: {labels: {app: app-%d}}\n    spec:\n      containers:\n        - name: app\n          image: registry.example/app:%d\n          env: [{name: MODE, value: production}, {name: PORT, value: \"8080\"}]\n          resources: {requests: {cpu: 100m, memory: 64Mi}}\n", g.i, g.i%50, g.i, g.i, g.i, g.i)
		g.i++
	}
	if g.buf.Len() == 0 {
		return 0, io.EOF
	}
	return g.buf.Read(p)
}

// TestHugeInputKeepsMemoryFlat streams about 100 MB of YAML: heap use stays
// far below the input size because documents are decoded one at a time.
func TestHugeInputKeepsMemoryFlat(t *testing.T) {
	if testing.Short() {
		t.Skip("streams 100 MB")
	}
	gen := &generated{count: 200_000} // ~500 bytes each: ~100 MB
	var peak uint64
	var mu sync.Mutex
	n := 0
	st := Load([]string{"-"}, Options{Stdin: gen}, func(o *inventory.Object) {
		mu.Lock()
		defer mu.Unlock()
		n++
		if n%20_000 == 0 {
			var ms runtime.MemStats
			runtime.ReadMemStats(&ms)
			peak = max(peak, ms.HeapInuse)
		}
	})
	if len(st.Errors) > 0 || n != gen.count {
		t.Fatalf("objects %d errors %v", n, st.Errors)
	}
	if peak > 100<<20 {
		t.Errorf("heap in use reached %d MiB while streaming", peak>>20)
	}
}

func FuzzDecodeDocument(f *testing.F) {
	f.Add([]byte(twoDeployments))
	f.Add([]byte(`{"apiVersion":"v1","kind":"List","items":[{"apiVersion":"v1","kind":"Pod","metadata":{"name":"p"}}]}`))
	f.Add([]byte("a: &a [1]\nb: *a\n<<: {c: 1}\n"))
	f.Add([]byte("apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nrules: [{verbs: ['*']}]\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		s := newSplitter(bytes.NewReader(data))
		for {
			doc, err := s.next()
			if err != nil {
				return
			}
			d, err := decodeDocument("fuzz.yaml", "", doc, "default")
			if err != nil {
				var ie *InputError
				if !errors.As(err, &ie) || ie.File != "fuzz.yaml" {
					t.Fatalf("error without location: %v", err)
				}
				continue
			}
			for _, o := range d.objects {
				o.Locate("spec.template.spec.containers[0].image")
				o.Locate("metadata.annotations[a.b/c]")
			}
		}
	})
}
