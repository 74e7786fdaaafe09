package manifest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/runtime"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"

	"github.com/kubeward/kubeward/internal/inventory"
)

const privYAML = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: evil\nspec:\n  containers:\n  - name: c\n    image: x\n    securityContext:\n      privileged: true\n"
const privJSON = `{"apiVersion":"v1","kind":"Pod","metadata":{"name":"evil"},"spec":{"containers":[{"name":"c","image":"x","securityContext":{"privileged":true}}]}}`
const cmYAML = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm\n"
const cmJSON = `{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"cm"}}`

// layouts hide the privileged pod evil in the ways YAML and JSON allow.
// Each must either yield it, privileged, or fail with a file:line error.
var layouts = []struct {
	name, in string
	errLine  int // >0: an error on this line is the expected outcome
}{
	{name: "plain", in: privYAML},
	{name: "separator with comment", in: cmYAML + "--- # the pod\n" + privYAML},
	{name: "separator with spaces", in: cmYAML + "---   \n" + privYAML},
	{name: "separator with tab and comment", in: cmYAML + "---\t#x\n" + privYAML},
	{name: "separator followed by content", in: cmYAML + "--- apiVersion: v1\nkind: Pod\n", errLine: 5},
	{name: "CRLF", in: strings.ReplaceAll(cmYAML+"---\n"+privYAML, "\n", "\r\n")},
	{name: "leading separator and comments", in: "# c\n---\n# c\n" + privYAML + "---\n"},
	{name: "end marker then pod", in: cmYAML + "...\n" + privYAML, errLine: 5},
	{name: "concatenated JSON", in: cmJSON + privJSON},
	{name: "JSON per line", in: cmJSON + "\n" + privJSON + "\n"},
	{name: "JSON then YAML", in: cmJSON + "\n" + privYAML},
	{name: "JSON then separator then YAML", in: cmJSON + "\n---\n" + privYAML},
	{name: "JSON pretty", in: "{\n  \"apiVersion\": \"v1\",\n  \"kind\": \"ConfigMap\",\n  \"metadata\": {\"name\": \"cm\"}\n}\n" + privJSON},
	{name: "JSON with trailing garbage", in: cmJSON + "\n" + privJSON + "\n}x", errLine: 3},
	{name: "JSON with trailing scalar", in: privJSON + " 5", errLine: 1},
	{name: "JSON list", in: `{"apiVersion":"v1","kind":"List","items":[` + cmJSON + `,` + privJSON + `]}`},
	{name: "YAML List", in: "apiVersion: v1\nkind: List\nitems:\n- " + strings.ReplaceAll(strings.TrimSuffix(privYAML, "\n"), "\n", "\n  ") + "\n"},
	{name: "PodList items without kind", in: "apiVersion: v1\nkind: PodList\nitems:\n- metadata: {name: evil}\n  spec: {containers: [{name: c, image: x, securityContext: {privileged: true}}]}\n"},
	{name: "List item without kind", in: "apiVersion: v1\nkind: List\nitems:\n- metadata: {name: evil}\n", errLine: 4},
	{name: "nested List", in: "apiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: List\n  items:\n  - " + strings.ReplaceAll(strings.TrimSuffix(privYAML, "\n"), "\n", "\n    ") + "\n"},
	{name: "any kind with items is a list", in: "apiVersion: v1\nkind: ConfigMapList\nmetadata: {}\nitems:\n- " + strings.ReplaceAll(strings.TrimSuffix(privYAML, "\n"), "\n", "\n  ") + "\n"},
	{name: "bare sequence of objects", in: "- " + strings.ReplaceAll(strings.TrimSuffix(privYAML, "\n"), "\n", "\n  ") + "\n", errLine: 1},
	{name: "duplicate kind", in: "apiVersion: v1\nkind: ConfigMap\nkind: Pod\nmetadata: {name: evil}\n", errLine: 3},
	{name: "duplicate nested key", in: strings.Replace(privYAML, "      privileged: true\n", "      privileged: true\n      privileged: false\n", 1), errLine: 11},
	{name: "duplicate securityContext", in: strings.Replace(privYAML, "    securityContext:\n", "    securityContext: {runAsUser: 0}\n    securityContext:\n", 1), errLine: 10},
	{name: "yes is true", in: strings.Replace(privYAML, "privileged: true", "privileged: yes", 1)},
	{name: "on is true", in: strings.Replace(privYAML, "privileged: true", "privileged: On", 1)},
	{name: "kind from merge key", in: "base: &b {apiVersion: v1, kind: Pod}\n<<: *b\nmetadata: {name: evil}\nspec: {containers: [{name: c, image: x, securityContext: {privileged: true}}]}\n"},
	{name: "spec through an alias", in: "apiVersion: v1\nkind: Pod\nmetadata: {name: evil}\nx: &s {containers: [{name: c, image: x, securityContext: {privileged: true}}]}\nspec: *s\n"},
	{name: "anchors and tags", in: "--- # pod\n" + strings.Replace(privYAML, "privileged: true", "privileged: !!bool \"true\"", 1)},
	{name: "leading spaces before JSON", in: "\n\n   " + privJSON},
	{name: "infinity", in: strings.Replace(privYAML, "image: x", "image: x\n    x: .inf", 1), errLine: 9},
}

func loadString(t *testing.T, in string) ([]*inventory.Object, *Stats) {
	t.Helper()
	var mu sync.Mutex
	var objs []*inventory.Object
	st := Load([]string{"-"}, Options{Stdin: strings.NewReader(in)}, func(o *inventory.Object) {
		mu.Lock()
		objs = append(objs, o)
		mu.Unlock()
	})
	return objs, st
}

func TestPrivilegedPodInEveryLayout(t *testing.T) {
	for _, tc := range layouts {
		t.Run(tc.name, func(t *testing.T) {
			objs, st := loadString(t, tc.in)
			if tc.errLine > 0 {
				if len(st.Errors) == 0 {
					t.Fatalf("no error; objects %d", len(objs))
				}
				var ie *InputError
				if !errors.As(st.Errors[0], &ie) || ie.Line != tc.errLine || ie.File != "<stdin>" {
					t.Fatalf("error %v, want one at <stdin>:%d", st.Errors[0], tc.errLine)
				}
				return
			}
			if len(st.Errors) > 0 {
				t.Fatalf("errors %v", st.Errors)
			}
			for _, o := range objs {
				if o.Kind != "Pod" || o.Name != "evil" {
					continue
				}
				p := o.Typed.(*corev1.Pod)
				sc := p.Spec.Containers[0].SecurityContext
				if sc == nil || sc.Privileged == nil || !*sc.Privileged {
					t.Fatalf("pod found but not privileged: %+v", sc)
				}
				if o.Line < 1 {
					t.Errorf("line %d", o.Line)
				}
				return
			}
			t.Fatalf("privileged pod not found; objects %d, skipped %v", len(objs), st.Skipped)
		})
	}
}

// TestErrorsRedactValues: a value that fails to decode is not echoed.
func TestErrorsRedactValues(t *testing.T) {
	in := "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n  creationTimestamp: \"hunter2-very-secret-password\"\n"
	_, st := loadString(t, in)
	if len(st.Errors) != 1 {
		t.Fatalf("errors %v", st.Errors)
	}
	if msg := st.Errors[0].Error(); strings.Contains(msg, "secret-password") || !strings.Contains(msg, "<stdin>:") {
		t.Fatalf("error %q echoes the value or has no location", msg)
	}
}

// TestAliasBombBytes: a small document whose aliases expand to gigabytes
// of JSON (few nodes, long strings) is refused quickly with its line.
func TestAliasBombBytes(t *testing.T) {
	var b strings.Builder
	b.WriteString("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\ndata:\n  a0: &a0 \"" + strings.Repeat("x", 1<<20) + "\"\n")
	prev := "a0"
	for i := 1; i <= 12; i++ {
		name := "a" + string(rune('a'+i))
		b.WriteString("  " + name + ": &" + name + " [*" + prev + ", *" + prev + ", *" + prev + ", *" + prev + "]\n")
		prev = name
	}
	start := time.Now()
	_, st := loadString(t, b.String())
	if len(st.Errors) != 1 || !strings.Contains(st.Errors[0].Error(), "alias bomb") || !strings.HasPrefix(st.Errors[0].Error(), "<stdin>:") {
		t.Fatalf("errors %v", st.Errors)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("took %v", d)
	}
	// Merge keys: work without output.
	merge := "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\na: &a {k: v}\n"
	prev = "a"
	for i := range 20 {
		name := "m" + string(rune('a'+i))
		merge += name + ": &" + name + " {<<: [*" + prev + ", *" + prev + ", *" + prev + ", *" + prev + "]}\n"
		prev = name
	}
	start = time.Now()
	_, st = loadString(t, merge)
	if len(st.Errors) != 1 || !strings.Contains(st.Errors[0].Error(), "alias bomb") {
		t.Fatalf("errors %v", st.Errors)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("merge bomb took %v", d)
	}
}

func TestSymlinksAndSpecialFiles(t *testing.T) {
	base := t.TempDir()
	tree := filepath.Join(base, "tree")
	outside := filepath.Join(base, "outside")
	for _, d := range []string{tree, outside, filepath.Join(tree, "sub")} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	writeFile(t, filepath.Join(tree, "sub"), "pod.yaml", privYAML)
	writeFile(t, outside, "secret.yaml", strings.Replace(privYAML, "evil", "outside", 1))
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(os.Symlink(filepath.Join(outside, "secret.yaml"), filepath.Join(tree, "out.yaml")))
	must(os.Symlink(outside, filepath.Join(tree, "outdir")))
	must(os.Symlink("sub", filepath.Join(tree, "insub")))      // inside: followed, not scanned twice
	must(os.Symlink(".", filepath.Join(tree, "sub", "loop")))  // a loop
	must(os.Symlink("missing", filepath.Join(tree, "broken"))) // broken
	must(syscall.Mkfifo(filepath.Join(tree, "fifo.yaml"), 0o644))
	link := filepath.Join(base, "link")
	must(os.Symlink(tree, link))

	done := make(chan struct{})
	var names []string
	var st *Stats
	go func() {
		defer close(done)
		var mu sync.Mutex
		st = Load([]string{link}, Options{}, func(o *inventory.Object) {
			mu.Lock()
			names = append(names, o.Name+"@"+o.File)
			mu.Unlock()
		})
	}()
	select {
	case <-done:
	case <-time.After(20 * time.Second):
		t.Fatal("scan hangs")
	}
	if len(st.Errors) > 0 {
		t.Errorf("errors %v", st.Errors)
	}
	if len(names) != 1 || !strings.HasPrefix(names[0], "evil@"+link) {
		t.Errorf("objects %v, want evil once, under %s", names, link)
	}
	notices := strings.Join(st.Notices, "\n")
	for _, want := range []string{"out.yaml: skipped: symbolic link", "outdir: skipped: symbolic link", "broken: skipped", "fifo.yaml: skipped: a named pipe"} {
		if !strings.Contains(notices, want) {
			t.Errorf("notices %q lack %q", notices, want)
		}
	}
	if st.Skipped["(special file)"] != 1 {
		t.Errorf("skipped %v", st.Skipped)
	}

	// A pipe named as an argument is read like standard input
	// (`scan manifests <(helm template ...)` passes /dev/fd/63).
	fifo := filepath.Join(base, "arg.fifo")
	must(syscall.Mkfifo(fifo, 0o644))
	go func() {
		w, err := os.OpenFile(fifo, os.O_WRONLY, 0)
		if err == nil {
			_, _ = w.WriteString("apiVersion: v1\nkind: Pod\nmetadata: {name: piped}\nspec:\n  containers: [{name: c, image: x, securityContext: {privileged: true}}]\n")
			_ = w.Close()
		}
	}()
	done2 := make(chan []string)
	go func() {
		var got []string
		st := Load([]string{fifo}, Options{}, func(o *inventory.Object) { got = append(got, o.Name) })
		if len(st.Errors) > 0 {
			got = append(got, fmt.Sprint(st.Errors))
		}
		done2 <- got
	}()
	select {
	case got := <-done2:
		if len(got) != 1 || got[0] != "piped" {
			t.Errorf("a pipe argument gave %v, want the piped pod", got)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("a pipe argument hangs the scan")
	}

	// A socket named as an argument is an error naming it, never opened.
	sock := filepath.Join(base, "arg.sock")
	l, err := net.Listen("unix", sock)
	must(err)
	defer l.Close()
	st = Load([]string{sock}, Options{}, func(*inventory.Object) {})
	if len(st.Errors) != 1 || !strings.Contains(st.Errors[0].Error(), "arg.sock") || !strings.Contains(st.Errors[0].Error(), "socket") {
		t.Errorf("socket argument: errors %v, want one naming it", st.Errors)
	}
}

// referenceObjects decodes data as kubectl does: YAMLOrJSONDecoder into
// RawExtension (cli-runtime's StreamVisitor), then its unstructured list
// flattening. Values that are not objects, or objects without apiVersion
// and kind, are left out (kubectl refuses them; kubeward counts them as
// skipped or reports them).
func referenceObjects(data []byte) ([]map[string]any, error) {
	d := utilyaml.NewYAMLOrJSONDecoder(bytes.NewReader(data), 4096)
	var out []map[string]any
	for {
		var ext runtime.RawExtension
		if err := d.Decode(&ext); err != nil {
			if errors.Is(err, io.EOF) {
				return out, nil
			}
			return nil, err
		}
		raw := bytes.TrimSpace(ext.Raw)
		if len(raw) == 0 || string(raw) == "null" {
			continue
		}
		var v any
		if err := json.Unmarshal(raw, &v); err != nil {
			return nil, err
		}
		m, ok := v.(map[string]any)
		if !ok {
			continue
		}
		var err error
		if out, err = flattenReference(out, m, 0); err != nil {
			return nil, err
		}
	}
}

func flattenReference(out []map[string]any, m map[string]any, depth int) ([]map[string]any, error) {
	av, _ := m["apiVersion"].(string)
	kind, _ := m["kind"].(string)
	if items, ok := m["items"]; ok && items != nil {
		if av == "" || kind == "" {
			if depth > 0 {
				return nil, errors.New("item without kind")
			}
			if l, ok := items.([]any); ok && len(l) > 0 {
				return nil, errors.New("list without kind")
			}
			return out, nil
		}
		l, ok := items.([]any)
		if !ok {
			return nil, errors.New("items is not a list")
		}
		for _, it := range l {
			im, ok := it.(map[string]any)
			if !ok {
				return nil, errors.New("item is not an object")
			}
			_, hasAV := im["apiVersion"]
			_, hasKind := im["kind"]
			if !hasAV && !hasKind {
				im["apiVersion"], im["kind"] = av, strings.TrimSuffix(kind, "List")
			}
			var err error
			if out, err = flattenReference(out, im, depth+1); err != nil {
				return nil, err
			}
		}
		return out, nil
	}
	if av == "" || kind == "" {
		if depth > 0 {
			return nil, errors.New("item without kind")
		}
		return out, nil
	}
	return append(out, m), nil
}

// ourObjects decodes data with kubeward's reader (splitting, the fast
// path, the conversion to JSON), returning every object as a map.
func ourObjects(data []byte) ([]map[string]any, error) {
	jobs := make(chan job, 1<<10)
	var errs []error
	r := &reader{jobs: jobs, fail: func(err error) { errs = append(errs, err) }, skipped: map[string]int{}}
	var out []map[string]any
	done := make(chan struct{})
	go func() {
		defer close(done)
		for j := range jobs {
			if len(errs) > 0 {
				continue
			}
			root, err := parseDocument(j.file, j.doc)
			if err != nil {
				errs = append(errs, err)
				continue
			}
			k := &walker{file: j.file, offset: j.doc.line - 1, w: &jsonWriter{limit: maxJSONBytes, json: j.doc.json}, out: &decoded{}}
			k.emit = func(o objectNode) error {
				b, err := k.json(o)
				if err != nil {
					return err
				}
				var m map[string]any
				if err := json.Unmarshal(b, &m); err != nil {
					return err
				}
				out = append(out, m)
				return nil
			}
			if err := k.document(root); err != nil {
				errs = append(errs, err)
			}
		}
	}()
	r.stream("fuzz", "", bytes.NewReader(data))
	close(jobs)
	<-done
	if len(errs) > 0 {
		return nil, errs[0]
	}
	return out, nil
}

// stricter lists the errors by which kubeward refuses what kubectl
// accepts, on purpose (see yamljson.go and decode.go).
func stricter(err error) bool {
	for _, e := range []error{errDuplicate, errSecondDocument, errNotObjects, errNotObject, errTooLarge, errTooDeep, errInvalidYAML, errBinary} {
		if errors.Is(err, e) {
			return true
		}
	}
	return false
}

func normalize(objs []map[string]any) any {
	b, _ := json.Marshal(objs)
	var v any
	json.Unmarshal(b, &v)
	return v
}

func FuzzDecodeDifferential(f *testing.F) {
	for _, tc := range layouts {
		f.Add([]byte(tc.in))
	}
	for _, s := range []string{
		twoDeployments,
		"a: 1\n---\n---\nb: 2\n",
		"{}{}{}",
		"{} x",
		"{\"a\": 1}\n{\"b\": \"\\u00e9\"}\n",
		"apiVersion: v1\nkind: ConfigMap\ndata: {a: 0777, b: 1_000, c: 0b101, d: 1e3, e: .5, f: +1, g: 0x1F, h: ~, i: 2001-12-14}\n",
		"apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\ndata:\n  a: &a [x,x]\n  b: [*a,*a]\n",
		"k: &k {a: 1}\n<<: [*k, {b: 2}]\napiVersion: v1\nkind: X\n",
		"apiVersion: v1\nkind: X\n1: a\n0x1: b\n",
		"apiVersion: v1\nkind: X\ntrue: a\nyes: b\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) > 1<<16 {
			return
		}
		ours, ourErr := ourObjects(data)
		ref, refErr := referenceObjects(data)
		switch {
		case ourErr != nil && refErr != nil:
			return
		case ourErr != nil:
			var ie *InputError
			if !errors.As(ourErr, &ie) || ie.Line < 1 {
				t.Fatalf("error without a line: %v", ourErr)
			}
			if stricter(ourErr) || len(ref) == 0 {
				// Refused on purpose, or a document kubectl reads but
				// finds no object in (yaml.v2 and yaml.v3 disagree on
				// some malformed YAML): an error loses nothing.
				return
			}
			t.Fatalf("%q: kubeward fails (%v), kubectl reads %d objects", data, ourErr, len(ref))
		case refErr != nil:
			if len(ours) == 0 {
				return // neither yields an object
			}
			t.Fatalf("%q: kubeward reads %d objects, kubectl fails (%v)", data, len(ours), refErr)
		}
		if a, b := normalize(ours), normalize(ref); !reflect.DeepEqual(a, b) {
			if bytes.Contains(data, []byte("! ")) || bytes.HasSuffix(data, []byte("!")) || bytes.Contains(data, []byte("!\n")) {
				// Known: yaml.v3 nodes do not keep the non-specific tag
				// "!", which makes a plain scalar a string in yaml.v2.
				return
			}
			t.Fatalf("%q:\nkubeward %v\nkubectl  %v", data, a, b)
		}
	})
}
