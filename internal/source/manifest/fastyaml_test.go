package manifest

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"
	"unsafe"

	"go.yaml.in/yaml/v3"

	"github.com/kubeward/kubeward/internal/benchgen"
)

func init() {
	fastRecover = false // let tests and the fuzzer see panics
}

// diffTrees compares the fast path's tree with yaml.v3's: kinds, values,
// resolved tags, styles, lines and columns of every node (comments aside).
func diffTrees(got, want *yaml.Node, path string) string {
	if got.Kind != want.Kind {
		return fmt.Sprintf("%s: kind %v, yaml.v3 %v", path, got.Kind, want.Kind)
	}
	if got.Line != want.Line || got.Column != want.Column {
		return fmt.Sprintf("%s: at %d:%d, yaml.v3 %d:%d", path, got.Line, got.Column, want.Line, want.Column)
	}
	if got.Style != want.Style {
		return fmt.Sprintf("%s: style %v, yaml.v3 %v", path, got.Style, want.Style)
	}
	if got.Kind == yaml.ScalarNode {
		if got.Value != want.Value {
			return fmt.Sprintf("%s: value %q, yaml.v3 %q", path, got.Value, want.Value)
		}
		if got.ShortTag() != want.ShortTag() {
			return fmt.Sprintf("%s: tag %s, yaml.v3 %s", path, got.ShortTag(), want.ShortTag())
		}
	} else if got.Tag != want.Tag {
		return fmt.Sprintf("%s: tag %q, yaml.v3 %q", path, got.Tag, want.Tag)
	}
	if got.Anchor != "" || got.Alias != nil {
		return path + ": anchor or alias"
	}
	if len(got.Content) != len(want.Content) {
		return fmt.Sprintf("%s: %d children, yaml.v3 %d", path, len(got.Content), len(want.Content))
	}
	for i := range got.Content {
		if d := diffTrees(got.Content[i], want.Content[i], fmt.Sprintf("%s/%d", path, i)); d != "" {
			return d
		}
	}
	return ""
}

// compareFast runs data through both parsers. It returns whether the fast
// path took it and, if it did, how its result differs from yaml.v3's.
func compareFast(data []byte) (ok bool, diff string) {
	fast, ok := parseFast(data)
	if !ok {
		return false, ""
	}
	var ref yaml.Node
	if err := yaml.Unmarshal(data, &ref); err != nil {
		return true, fmt.Sprintf("fast path accepted what yaml.v3 rejects: %v", err)
	}
	if d := diffTrees(fast, &ref, ""); d != "" {
		return true, d
	}
	j1, err1 := toJSON(fast)
	j2, err2 := toJSON(&ref)
	if !bytes.Equal(j1, j2) || (err1 == nil) != (err2 == nil) {
		return true, fmt.Sprintf("JSON differs:\n fast    %s %v\n yaml.v3 %s %v", j1, err1, j2, err2)
	}
	return true, ""
}

// fastCases are inputs the fast path must take, with yaml.v3's result.
var fastCases = []string{
	"",
	"# only a comment\n",
	"\n\n   \n",
	"a: 1\n",
	"a: 1",
	"a: 1\r\nb:\r\n  - x\r\n  - 'y'\r\nc: |\r\n  l1\r\n\r\n  l2\r\n",
	"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n  labels:\n    app: x # trailing\n# full line\ndata:\n  k: v\n",
	"  a: 1\n  b:\n    c: 2\n",
	"- a\n- b\n-\n- - c\n  - d\n- e: 1\n  f: 2\n",
	"a:\n- x\n- y\nb: 1\n",
	"a:\n  - x\n  -   y\n  -\n    z: 1\n",
	"- a:\n  - 1\n  b: 2\n- c:\n    d: 3\n",
	"a:\nb:\n",
	"a: # comment\n  b: 1\n",
	"a:    \n",
	"a: b c  d  \n",
	"a: b#c\n",
	"a: 'b#c' # d\n",
	"a: \"b\"#c\n",
	"a: [b]#c\n",
	"a b: c\nd  : e\n'f g': h\n\"i\": j\n\"\": empty\n",
	"a: http://x:80/y?z=1\n",
	"a: -1\nb: +2\nc: 0x1F\nd: 0o17\ne: 017\nf: 1_000\ng: 1.5e3\nh: .5\ni: .inf\nj: -.Inf\nk: .nan\nl: 0b101\n",
	"a: true\nb: False\nc: yes\nd: no\ne: on\nf: ~\ng: null\nh: NULL\ni: y\nj: n\n",
	"a: 2001-12-14\nb: 2001-12-14t21:59:43.10-05:00\nc: 1.2.3\nd: 100m\ne: 128Mi\nf: 1e400\ng: 99999999999999999999\n",
	"a: -foo\nb: --port=80\nc: -\"x\"\nd: a-b\n",
	"- --port=8080\n- -v\n",
	"a: :b:c\n:d: e\n?f: ?g\n",
	"a: 'it''s'\nb: ''\nc: ' x '\nd: '\\n'\n",
	"a: \"\\t\\n\\\\\\\"\\x41\\u00e9\\U0001F600\\0\\a\\b\\v\\f\\r\\e\\ \\N\\_\\L\\P\\'\"\n",
	"a: \"tab\\\tafter\"\n",
	"a: \"  spaced  \"\nb: \"a\tb\"\n",
	"a: |\n  x\n  y\n",
	"a: |-\n  x\n\n",
	"a: |+\n  x\n\n\nb: 1\n",
	"a: |\n  x\n\n\n",
	"a: |+\n  x\n\n",
	"a: |2\n    x\n   y\n",
	"a: |-2\n   x\n",
	"a: |2-\n   x\n",
	"a: | # comment\n  x\n",
	"a: |#comment\n  x\n",
	"a: |\n\n  x\n   y\n\n  # not a comment\nz: 1\n",
	"a: |\nb: 1\n",
	"a: |+\n\nb: 1\n",
	"a: |\n",
	"a: |",
	"a: |\n  x",
	"a: |\n  x\n  ",
	"a: |\n  x\n     ",
	"a: |+\n  x\n \n\n  ",
	"a:\n- |\n x\n- b: |\n   y\n  c:\n  - |\n   z\n",
	"- a:\n  - c\n",
	"a: b\n  c\n",
	"a: b   \n  c  \n   d # e\n  # f\ng: h\n",
	"a: b\n\n  c\n\n\n  d\n\ne: f\n",
	"a: b\n  - c\n  [d] {e} 'f' \"g\" |h >i &j *k !l %m @n\n",
	"a: b\n  c#d\n  :e\n",
	"a: b\n  c\n\n  # d\n\n",
	"- a\n  b\n- c\n -d\n",
	"- a\n  - b\n",
	"k:\n- a\n  - b\n",
	"- a: b\n   c\n  d: e\n",
	"a:\n- b\n c\n",
	"a:\n  b\n",
	"a:\n    b\n  c\n d\ne: f\n",
	"a:\n  'b'\nc:\n  [d]\ne:\n  |\n   f\n",
	"-\n  a\n- # c\n  b\n",
	"a: b\r\n  c\r\n\r\n  d\r\n",
	"a: 'b\n  c'\n",
	"a: 'b  \n  \t c  d \n\n\n e''f\n\n'\ng: \"h\n i\\\n   j\\\n\n k\\\n  \\ l\\t\\\n\"\n",
	"- 'a\nb'\n- \"c\n\n\"\n- \"\\\n\"\n",
	"a: \"b\r\n  c\\\r\n d\"\r\n",
	"a: '\n  b\n  '\n",
	"a:\n  'b\n  c'\n",
	"a: 'b\n---c\n...d'\n",
	"a: 'é\n  ü'\nb: x\n",
	"a: |\n  x\n      \n  y\n",
	"a: |\n  x\n  \ty\t\n",
	"- |\n  x\n- |-\n  y\n- a: |\n    z\n  b: 1\n",
	"a:\n- |\n  x\n- y\n",
	"a: {}\nb: []\nc: {d: e, f: [1, 2, {g: h}], i: }\nj: [a, b, ]\nk: {l: m, }\n",
	"a: {\"b\":c, 'd' : e}\n",
	"a: {\"b\":}\n",
	"a: [ a , b ]\nb: [\"x\", 'y', [z]]\n",
	"a: [http://x, a:b]\n",
	"- [a, b]\n- {c: d}\n",
	"ключ: значение\nk: {ä: ö, b: [é, \"ü\"]}\nl: 'ñ'\n",
	"a: 日本語 テキスト\n",
	"a:b: c\n",
	"-a: b\n",
	"---a: b\n",
	"...a: b\n",
	"a: b\n\n\n# end\n",
	"a: 1\na: 2\n",
	"a: <<\n",
	"a: [<<]\n",
	strings.Repeat("k", 900) + ": v\n",
}

// bailCases are inputs the fast path must leave to yaml.v3.
var bailCases = []string{
	"a: &x 1\nb: *x\n",
	"a: !!str 1\n",
	"<<: {a: 1}\n",
	"a: {<<: {b: 1}}\n",
	"? a\n: b\n",
	"%YAML 1.2\n---\na: 1\n",
	"--- \na: 1\n",
	"a: 1\n...\n",
	"---\n",
	"a: >\n  folded\n",
	"a: b\n  c: d\n",
	"a: b\n  c:\n",
	"a: b\n\tc\n",
	"a: b\n  c\td\n",
	"a: b\n  \tc\n",
	"a: 'b\n--- c'\n",
	"a: 'b\n... c'\n",
	"a: 'b\n",
	"a: \"b\\",
	"a: \"b\\\n",
	"a: \"b\\x4\n1\"\n",
	"a: 'b\n  c':\n",
	"'a\n  b': c\n",
	"a: {'b\n  c': d}\n",
	"a: [b,\n  c]\n",
	"a: {b: c\n}\n",
	"\ta: 1\n",
	"a:\n\tb: 1\n",
	"a: b\tc\n",
	"a:\tb\n",
	"a: b: c\n",
	"a: b:\n",
	"a\n",
	"[a, b]\n",
	"{a: b}\n",
	"scalar\n",
	"a: - b\n",
	"a: -\n",
	"a:\n  - b\n c: 1\n",
	"a: 1\n- b\n",
	"- a\nb: 1\n",
	"a: [b: c]\n",
	"a: {b}\n",
	"a: {b:c}\n",
	"a: [b, , c]\n",
	"a: [,]\n",
	"a: [b # c\n]\n",
	"a: [b]c\n",
	"a: 'b' c\n",
	"a: \"\\/\"\n",
	"a: \"\\uD800\"\n",
	"a: \"\\x4\"\n",
	"a: @b\n",
	"a: `b`\n",
	"a: %b\n",
	"a: |0\n  x\n",
	"a: |\n  x\n\ty\n",
	"a: |\n\tx\n",
	"a: | x\n",
	"a: |\n    \n  x\n b: 1\n",
	"\xef\xbb\xbfa: 1\n",
	"a: \xff\n",
	"a: \x01\n",
	"a: \x7f\n",
	"a: b\rc: d\n",
	"a: \u2028\n",
	"a: \u0085\n",
	"a: \ufeff\n",
	strings.Repeat("k", 1100) + ": v\n",
	strings.Repeat("k", 990) + strings.Repeat(" ", 50) + ": v\n",
	"'" + strings.Repeat("k", 990) + "'" + strings.Repeat(" ", 50) + ": v\n",
	"a: {" + strings.Repeat("k", 990) + strings.Repeat(" ", 50) + ": v}\n",
	"a: {'" + strings.Repeat("k", 990) + "'" + strings.Repeat(" ", 50) + ": v}\n",
	"a: [b?c]\n",
	"a: [:b]\n",
	"a: : b\n",
	"a: ? b\n",
	"a: [b[c]]\n",
	"[a]: b\n",
	"a: |\n\n  x\n   y\n\n  # not a comment\n z\n",
	"a: |\n    \n  x\n",
	"a: |\n  \tx\n  y\t\n",
	"a: |\n  x\n# c\n  y\n",
}

func TestParseFastCases(t *testing.T) {
	for _, c := range fastCases {
		ok, diff := compareFast([]byte(c))
		if !ok {
			t.Errorf("%q: fast path fell back", c)
		} else if diff != "" {
			t.Errorf("%q: %s", c, diff)
		}
	}
}

func TestParseFastBails(t *testing.T) {
	for _, c := range bailCases {
		if _, ok := parseFast([]byte(c)); ok {
			_, diff := compareFast([]byte(c))
			t.Errorf("%q: fast path took it (%s)", c, diff)
		}
	}
}

// TestParseFastOwnsKind checks that apiVersion and kind, which end up in
// long-lived objects, do not point into the document's text.
func TestParseFastOwnsKind(t *testing.T) {
	data := []byte("apiVersion: v1\nkind: Pod\nmetadata: {name: p, kind: x}\nitems:\n- {apiVersion: v2, kind: Q}\n")
	root, ok := parseFast(data)
	if !ok {
		t.Fatal("fell back")
	}
	body := root.Content[0]
	name := field(field(body, "metadata"), "name").Value
	start := uintptr(unsafe.Pointer(unsafe.StringData(name))) - uintptr(bytes.Index(data, []byte("p,")))
	inText := func(s string) bool {
		p := uintptr(unsafe.Pointer(unsafe.StringData(s)))
		return p >= start && p < start+uintptr(len(data))
	}
	if !inText(name) {
		t.Fatal("test is wrong: name is not in the text")
	}
	item := field(body, "items").Content[0]
	for _, v := range []string{scalarField(body, "apiVersion"), scalarField(body, "kind"), scalarField(item, "apiVersion"), scalarField(item, "kind")} {
		if inText(v) {
			t.Errorf("%q points into the document", v)
		}
	}
}

// corpusDocuments returns the documents of the YAML files of examples/ and
// testdata/ and of a generated corpus, named by where they come from.
func corpusDocuments(t testing.TB, generated int) (names []string, docs [][]byte) {
	t.Helper()
	var files []string
	for _, root := range []string{"../../../examples", "../../../testdata", "testdata", "../../cli/testdata"} {
		err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if ext := filepath.Ext(path); !d.IsDir() && (ext == ".yaml" || ext == ".yml") {
				files = append(files, path)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	sort.Strings(files)
	add := func(name string, r io.Reader) {
		s := newSplitter(r)
		for {
			doc, err := s.next()
			if errors.Is(err, io.EOF) {
				return
			}
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			names = append(names, fmt.Sprintf("%s:%d", name, doc.line))
			docs = append(docs, bytes.Clone(doc.data))
		}
	}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		add(f, bytes.NewReader(data))
	}
	for _, chart := range []string{"../../../testdata/corpora/microservices-demo/helm-chart", "testdata/chart"} {
		rendered, err := renderChart(chart, Options{})
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range rendered {
			add("helm:"+chart+"/"+f.name, bytes.NewReader(f.data))
		}
	}
	kustomized, err := renderKustomization("testdata/kustomize")
	if err != nil {
		t.Fatal(err)
	}
	add("kustomize:testdata/kustomize", bytes.NewReader(kustomized))
	if generated > 0 {
		var buf bytes.Buffer
		if err := benchgen.Write(&buf, generated); err != nil {
			t.Fatal(err)
		}
		add("benchgen", &buf)
	}
	return names, docs
}

func TestParseFastCorpora(t *testing.T) {
	names, docs := corpusDocuments(t, 2000)
	fell := map[string]int{}
	var fellBytes, allBytes int
	for i, doc := range docs {
		allBytes += len(doc)
		ok, diff := compareFast(doc)
		if diff != "" {
			t.Errorf("%s: %s", names[i], diff)
		}
		if !ok {
			fellBytes += len(doc)
			src := names[i][:strings.LastIndexByte(names[i], ':')]
			var n yaml.Node
			if yaml.Unmarshal(doc, &n) != nil {
				src += " (not YAML)"
			}
			fell[src]++
			if src == "benchgen" {
				t.Errorf("%s: generated document fell back", names[i])
			}
		}
	}
	total := 0
	for _, n := range fell {
		total += n
	}
	t.Logf("%d documents (%d bytes), %d fell back (%d bytes)", len(docs), allBytes, total, fellBytes)
	for src, n := range fell {
		t.Logf("  %s: %d fell back", src, n)
	}
}

// TestParseFastLocate checks that locate gives the same lines on both trees
// for every path in the generated corpus's objects.
func TestParseFastLocate(t *testing.T) {
	_, docs := corpusDocuments(t, 200)
	for _, doc := range docs {
		fast, ok := parseFast(doc)
		if !ok {
			continue
		}
		var ref yaml.Node
		if err := yaml.Unmarshal(doc, &ref); err != nil {
			t.Fatal(err)
		}
		var walk func(f, r *yaml.Node, path string)
		walk = func(f, r *yaml.Node, path string) {
			if path != "" {
				if a, b := locate(fast, path), locate(&ref, path); a != b {
					t.Fatalf("%s: line %d, yaml.v3 %d", path, a, b)
				}
			}
			switch f.Kind {
			case yaml.DocumentNode:
				walk(f.Content[0], r.Content[0], path)
			case yaml.MappingNode:
				for i := 0; i+1 < len(f.Content); i += 2 {
					key := f.Content[i].Value
					p := path + "." + key
					if strings.ContainsAny(key, ".[]") {
						p = path + "[" + key + "]"
					}
					walk(f.Content[i+1], r.Content[i+1], strings.TrimPrefix(p, "."))
				}
			case yaml.SequenceNode:
				for i := range f.Content {
					walk(f.Content[i], r.Content[i], fmt.Sprintf("%s[%d]", path, i))
				}
			}
		}
		walk(fast, &ref, "")
	}
}

// randomFragments are pieces of lines the random test builds documents
// from: the subset and its edges.
var randomFragments = []string{
	"a: b", "a:", "a: ", "b: 1", "c: |", "c: |-", "c: |+", "c: |2", "c: |1-", "c: >", "- ", "-", "- a", "- a: b",
	"- - x", "- |", "- [a, b]", "- {a: b}", "'k': v", "\"k\": v", "k: 'v''w'", "k: \"v\\x41\"",
	"k: [a, {b: c}, []]", "k: {a: [b], c: }", "k: {}", "k: []", "# comment", "", " ", "x", "x y", "x # c",
	"k: v # c", "k: v#c", "k: :v", "k: -v", "k: - v", "k: ? v", "k:v", "k: v:", "k: a: b", "k: true",
	"k: 0x1f", "k: ~", "k: 1.5", "k: .inf", "k: 2001-01-01", "k: &a x", "k: *a", "<<: {a: 1}", "? k",
	"k: !t x", "---", "...", "k:\tv", "\tk: v", "k: 'v", "k: [a,", "k: {a: b", "ключ: ж", "k: 'ü'",
	"k: \"\\u00fc\"", "-  a: 1", "- # c", "k: | # c", "k: [a, b] # c", "k: 'v' # c", "k: [a: b]",
	"k: {a}", "k: [a,,b]", "k: [a, ]", "k: ''", "\"\": v", "k: |\r", "k: v\r", "%YAML 1.2", "k: @v",
	"k: [-a, -]", "k: {\"a\":b}", "k: [\"a\":b]", "k: a\tb", "k:  # c", "-a: b", "- -a", "- --b=c",
}

func randomDocument(r *rand.Rand) []byte {
	var b bytes.Buffer
	lines := 1 + r.IntN(8)
	for range lines {
		b.WriteString(strings.Repeat(" ", []int{0, 0, 0, 1, 2, 2, 2, 3, 4, 4, 6}[r.IntN(11)]))
		b.WriteString(randomFragments[r.IntN(len(randomFragments))])
		if r.IntN(20) > 0 {
			b.WriteByte('\n')
		}
	}
	return b.Bytes()
}

// randomScalars are values and keys for structured random documents.
var randomScalars = []string{
	"a", "b c", "1", "-1", "0x1F", "1.5", ".5", "1e3", "true", "False", "null", "~", "", "''", "'x''y'",
	"\"x\"", "\"\\t\\u00e9\"", "\"a b\" ", "'#'", "x#y", "http://h:1/p", "-x", "--x=y", ":x", "?x",
	"2001-01-01", "100m", "日本", "é", "<<", "<", ".", "-", "y", "n", "on", "0o17", "017", "1_0", "[a, b]", "{a: b}",
	"[]", "{}", "[a, [b, {c: d}], ]", "{a: , b: [c]}", "{\"a\":b}", "['x', \"y\"]", "x :y", "a  b",
}

// structured builds a random, mostly valid document.
type structured struct {
	r *rand.Rand
	b bytes.Buffer
}

func (g *structured) nl() {
	if g.r.IntN(30) == 0 {
		g.b.WriteByte('\r')
	}
	g.b.WriteByte('\n')
	switch g.r.IntN(12) {
	case 0:
		g.b.WriteString(strings.Repeat(" ", g.r.IntN(8)) + "# c\n")
	case 1:
		g.b.WriteString(strings.Repeat(" ", g.r.IntN(8)) + "\n")
	}
}

func (g *structured) scalar() string {
	return randomScalars[g.r.IntN(len(randomScalars))]
}

func (g *structured) key() string {
	for {
		k := g.scalar()
		if k != "" && !strings.ContainsAny(k, "[{") && k != "<<" && k[0] != '-' || g.r.IntN(10) == 0 {
			return k
		}
	}
}

// value writes a value after "key:" or "-" at indentation ind.
func (g *structured) value(ind, depth int) {
	switch n := g.r.IntN(14); {
	case n >= 12: // a quoted scalar over several lines
		q := []string{"'", "\""}[g.r.IntN(2)]
		g.b.WriteString(" " + q)
		for range 1 + g.r.IntN(4) {
			g.b.WriteString([]string{"w", "x y", "a''b", "\\t\\u00e9", "  ", "\t", "c ", "\\", "#", ": d", "", "é"}[g.r.IntN(12)])
			g.nl()
			g.b.WriteString(strings.Repeat(" ", max(0, ind+[]int{1, 2, 0, -1, 3}[g.r.IntN(5)])))
		}
		g.b.WriteString(q + []string{"", "", " # c", ": x", " y"}[g.r.IntN(5)])
		g.nl()
	case n >= 10: // a plain scalar continued on more lines, maybe starting on the next
		if n == 11 {
			g.nl()
			g.b.WriteString(strings.Repeat(" ", ind+1+g.r.IntN(3)))
		} else {
			g.b.WriteByte(' ')
		}
		g.b.WriteString([]string{"w", "x y", "-z", "1"}[g.r.IntN(4)])
		for range 1 + g.r.IntN(3) {
			g.nl()
			g.b.WriteString(strings.Repeat(" ", max(0, ind+[]int{1, 2, 3, 0, -1}[g.r.IntN(5)])))
			g.b.WriteString([]string{"more", "- x", "a b", "[c]", "#d", "e # f", "'g'", ":h", "i:", "j: k", "  "}[g.r.IntN(11)])
		}
		g.nl()
	case n < 4 || depth > 4:
		g.b.WriteString(" " + g.scalar())
		if g.r.IntN(8) == 0 {
			g.b.WriteString(" # c")
		}
		g.nl()
	case n < 5:
		g.literal(ind)
	case n < 6:
		g.nl() // empty value
	default:
		if g.r.IntN(8) == 0 {
			g.b.WriteString(" # c")
		}
		g.nl()
		g.block(ind+g.r.IntN(4), depth+1)
	}
}

func (g *structured) literal(ind int) {
	g.b.WriteString(" |" + []string{"", "-", "+", "2", "1-", "+1"}[g.r.IntN(6)])
	g.nl()
	li := ind + 1 + g.r.IntN(3)
	for range g.r.IntN(5) {
		sp := li + []int{0, 0, 0, 1, 2, -1, -li}[g.r.IntN(7)]
		sp = max(sp, 0)
		g.b.WriteString(strings.Repeat(" ", sp) + []string{"text", "", "# hash", "a: b", "\tt", "  x", " "}[g.r.IntN(7)])
		g.b.WriteByte('\n')
	}
}

func (g *structured) block(ind, depth int) {
	pad := strings.Repeat(" ", ind)
	if g.r.IntN(2) == 0 {
		for range 1 + g.r.IntN(3) {
			g.b.WriteString(pad + g.key() + ":")
			g.value(ind, depth)
			if g.r.IntN(6) == 0 { // a sequence indented like its key
				g.b.WriteString(pad + g.key() + ":")
				g.nl()
				for range 1 + g.r.IntN(2) {
					g.b.WriteString(pad + "-")
					g.value(ind, depth+1)
				}
			}
		}
		return
	}
	for range 1 + g.r.IntN(3) {
		g.b.WriteString(pad + "-")
		switch g.r.IntN(4) {
		case 0: // compact mapping
			g.b.WriteString(" " + g.key() + ":")
			g.value(ind+2, depth+1)
			for range g.r.IntN(2) {
				g.b.WriteString(pad + "  " + g.key() + ":")
				g.value(ind+2, depth+1)
			}
		case 1:
			g.b.WriteString(" - " + g.scalar())
			g.nl()
		default:
			g.value(ind, depth)
		}
	}
}

func structuredDocument(r *rand.Rand) []byte {
	g := &structured{r: r}
	g.block(r.IntN(2), 0)
	b := g.b.Bytes()
	if r.IntN(4) == 0 && len(b) > 0 { // damage it
		i := r.IntN(len(b))
		switch r.IntN(3) {
		case 0:
			b = append(b[:i], b[i+1:]...)
		case 1:
			const damage = " \t\n:-#'\"|[]{}"
			b = append(b[:i], append([]byte{damage[r.IntN(len(damage))]}, b[i:]...)...)
		case 2:
			b = b[:i]
		}
	}
	return b
}

// TestParseFastRandom compares the parsers on random documents made of
// the subset's pieces and its edges. KUBEWARD_FASTYAML_RANDOM sets how many.
func TestParseFastRandom(t *testing.T) {
	n := 20000
	if s := os.Getenv("KUBEWARD_FASTYAML_RANDOM"); s != "" {
		n, _ = strconv.Atoi(s)
	}
	if testing.Short() {
		n /= 10
	}
	r := rand.New(rand.NewPCG(1, uint64(time.Now().UnixNano())))
	took := 0
	for i := range n {
		var doc []byte
		if i%2 == 0 {
			doc = randomDocument(r)
		} else {
			doc = structuredDocument(r)
		}
		ok, diff := compareFast(doc)
		if diff != "" {
			t.Fatalf("%q: %s", doc, diff)
		}
		if ok {
			took++
		}
	}
	t.Logf("fast path took %d of %d random documents", took, n)
}

func FuzzFastYAML(f *testing.F) {
	for _, c := range fastCases {
		f.Add([]byte(c))
	}
	for _, c := range bailCases {
		f.Add([]byte(c))
	}
	_, docs := corpusDocuments(f, 100)
	seen := map[string]bool{}
	for _, doc := range docs {
		if len(doc) <= 2048 && !seen[string(doc)] {
			seen[string(doc)] = true
			f.Add(doc)
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		if _, diff := compareFast(data); diff != "" {
			t.Fatalf("%q: %s", data, diff)
		}
	})
}

func generatedDocuments(b *testing.B) ([][]byte, int) {
	var buf bytes.Buffer
	if err := benchgen.Write(&buf, 1000); err != nil {
		b.Fatal(err)
	}
	s := newSplitter(&buf)
	var docs [][]byte
	size := 0
	for {
		doc, err := s.next()
		if err != nil {
			break
		}
		docs = append(docs, bytes.Clone(doc.data))
		size += len(doc.data)
	}
	return docs, size
}

func BenchmarkParseFast(b *testing.B) {
	docs, size := generatedDocuments(b)
	b.SetBytes(int64(size))
	b.ReportAllocs()
	for b.Loop() {
		for _, d := range docs {
			if _, ok := parseFast(d); !ok {
				b.Fatal("fell back")
			}
		}
	}
}

func BenchmarkYAMLv3(b *testing.B) {
	docs, size := generatedDocuments(b)
	b.SetBytes(int64(size))
	b.ReportAllocs()
	for b.Loop() {
		for _, d := range docs {
			var n yaml.Node
			if err := yaml.Unmarshal(d, &n); err != nil {
				b.Fatal(err)
			}
		}
	}
}

func field(m *yaml.Node, key string) *yaml.Node {
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			return m.Content[i+1]
		}
	}
	return nil
}

func scalarField(m *yaml.Node, key string) string {
	if v := field(m, key); v != nil && v.Kind == yaml.ScalarNode {
		return v.Value
	}
	return ""
}
