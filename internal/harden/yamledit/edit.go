package yamledit

import (
	"bytes"
	"errors"
	"fmt"
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/parser"
	"github.com/goccy/go-yaml/token"

	"github.com/kubeward/kubeward/internal/check"
)

// Object names one object of a YAML stream (a document, or an item of a
// List document) and the edits to make on it.
type Object struct {
	Kind, Namespace, Name string
	Edits                 []check.Edit
}

// Outcome is what happened to one Object: Refused says why it was left
// alone ("" when its edits were spliced in).
type Outcome struct {
	Refused string
}

// ErrUnsafe wraps the reasons an edit cannot be spliced.
var ErrUnsafe = errors.New("no safe splice")

func unsafe(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{ErrUnsafe}, args...)...)
}

// Apply splices the edits of objs into src and appends news (new objects,
// such as ServiceAccounts) as documents at the end, each unless the stream
// already holds an object of its kind, namespace and name. It returns the
// new text and one Outcome per object. An error means the whole stream
// cannot be edited (it does not parse, or mixes line ends); an object it
// cannot edit safely is left as it is, with the reason in its Outcome.
func Apply(src []byte, objs []Object, news []map[string]any) ([]byte, []Outcome, error) {
	text, restore, err := normalize(src)
	if err != nil {
		return nil, nil, err
	}
	f, err := parser.ParseBytes(text, parser.ParseComments)
	if err != nil {
		return nil, nil, fmt.Errorf("parse: %w", err)
	}
	d := newDoc(text)
	roots := d.index(f)
	outcomes := make([]Outcome, len(objs))
	var all []splice
	for i, o := range objs {
		r, err := d.find(roots, o.Kind, o.Namespace, o.Name)
		if err == nil {
			var sp []splice
			sp, err = d.editObject(r, o.Edits)
			if err == nil {
				all = append(all, sp...)
			}
		}
		if err != nil {
			outcomes[i].Refused = err.Error()
		}
	}
	out, err := applySplices(text, all)
	if err != nil {
		for i := range outcomes {
			if outcomes[i].Refused == "" && len(objs[i].Edits) > 0 {
				outcomes[i].Refused = err.Error()
			}
		}
		out = text
	}
	out = appendNew(out, roots, news, d.style(f))
	return restore(out), outcomes, nil
}

// normalize returns src with LF line ends, and the function that puts the
// original line ends and byte order mark back.
func normalize(src []byte) ([]byte, func([]byte) []byte, error) {
	bom := []byte("\xef\xbb\xbf")
	hasBOM := bytes.HasPrefix(src, bom)
	text := bytes.TrimPrefix(src, bom)
	crlf := false
	if bytes.IndexByte(text, '\r') >= 0 {
		n := bytes.Count(text, []byte("\n"))
		if n == 0 || bytes.Count(text, []byte("\r\n")) != n || bytes.Count(text, []byte("\r")) != n {
			return nil, nil, unsafe("the file mixes line ends (CRLF, LF or a lone CR)")
		}
		crlf = true
		text = bytes.ReplaceAll(text, []byte("\r\n"), []byte("\n"))
	}
	return text, func(b []byte) []byte {
		if crlf {
			b = bytes.ReplaceAll(b, []byte("\n"), []byte("\r\n"))
		}
		if hasBOM {
			b = append(append([]byte{}, bom...), b...)
		}
		return b
	}, nil
}

type doc struct {
	src   []byte
	lines []int // start offset of each line (0-based line i+1)
}

func newDoc(src []byte) *doc {
	d := &doc{src: src, lines: []int{0}}
	for i, c := range src {
		if c == '\n' {
			d.lines = append(d.lines, i+1)
		}
	}
	return d
}

// off is the byte offset of a 1-based line and rune column.
func (d *doc) off(line, col int) int {
	if line < 1 || line > len(d.lines) {
		return -1
	}
	o := d.lines[line-1]
	for c := 1; c < col && o < len(d.src) && d.src[o] != '\n'; c++ {
		_, n := utf8.DecodeRune(d.src[o:])
		o += n
	}
	return o
}

func (d *doc) lineOf(off int) int { // 1-based
	return sort.Search(len(d.lines), func(i int) bool { return d.lines[i] > off })
}

func (d *doc) lineStart(line int) int {
	if line > len(d.lines) {
		return len(d.src)
	}
	return d.lines[line-1]
}

func (d *doc) lineText(line int) string {
	s := d.lineStart(line)
	e := len(d.src)
	if line < len(d.lines) {
		e = d.lines[line] - 1
	}
	if s > e {
		return ""
	}
	return string(d.src[s:e])
}

func indentOf(s string) int { return len(s) - len(strings.TrimLeft(s, " ")) }

func (d *doc) tokOff(n ast.Node) int {
	tk := n.GetToken()
	if tk == nil || tk.Position == nil {
		return -1
	}
	return d.off(tk.Position.Line, tk.Position.Column)
}

func (d *doc) tokAt(tk *token.Token) int {
	if tk == nil || tk.Position == nil {
		return -1
	}
	return d.off(tk.Position.Line, tk.Position.Column)
}

// col is the 0-based byte column of an offset.
func (d *doc) col(off int) int { return off - d.lineStart(d.lineOf(off)) }

// extentEnd is the offset after the last line of a block starting on line
// whose content sits right of col (or, with dash, also "- " items at col),
// trailing blank and comment lines left out.
func (d *doc) extentEnd(line, col int, dash bool) int {
	last := line
	for l := line + 1; l <= len(d.lines); l++ {
		t := d.lineText(l)
		tr := strings.TrimSpace(t)
		if tr == "" || strings.HasPrefix(tr, "#") {
			continue
		}
		in := indentOf(t)
		if in > col || (dash && in == col && (strings.HasPrefix(tr, "- ") || tr == "-")) {
			last = l
			continue
		}
		break
	}
	return d.lineStart(last + 1)
}

// root is an object's mapping in the stream.
type root struct {
	kind, ns, name string
	node           ast.Node
}

// index finds the objects of the stream: each document's mapping, and the
// items of List documents.
func (d *doc) index(f *ast.File) []root {
	var out []root
	for _, dn := range f.Docs {
		if dn == nil || dn.Body == nil {
			continue
		}
		ents, _, ok := entries(dn.Body)
		if !ok {
			continue
		}
		kind := scalarOf(lookup(ents, "kind"))
		if strings.HasSuffix(kind, "List") {
			if seq, ok := lookup(ents, "items").(*ast.SequenceNode); ok {
				for _, it := range seq.Values {
					if ie, _, ok := entries(it); ok {
						out = append(out, rootOf(ie, it))
					}
				}
			}
			continue
		}
		out = append(out, rootOf(ents, dn.Body))
	}
	return out
}

func rootOf(ents []*ast.MappingValueNode, n ast.Node) root {
	r := root{kind: scalarOf(lookup(ents, "kind")), node: n}
	if me, _, ok := entries(lookup(ents, "metadata")); ok {
		r.name, r.ns = scalarOf(lookup(me, "name")), scalarOf(lookup(me, "namespace"))
	}
	return r
}

func (d *doc) find(roots []root, kind, ns, name string) (ast.Node, error) {
	var exact, loose []ast.Node
	for _, r := range roots {
		if r.kind != kind || r.name != name {
			continue
		}
		if r.ns == ns {
			exact = append(exact, r.node)
		} else if r.ns == "" {
			loose = append(loose, r.node)
		}
	}
	if len(exact) == 0 {
		exact = loose
	}
	switch len(exact) {
	case 0:
		return nil, unsafe("%s %s not found in the text (generated by a template or an anchor?)", kind, name)
	case 1:
		return exact[0], nil
	}
	return nil, unsafe("%s %s appears %d times in the file", kind, name, len(exact))
}

func lookup(ents []*ast.MappingValueNode, key string) ast.Node {
	for _, e := range ents {
		if keyOf(e) == key {
			return e.Value
		}
	}
	return nil
}

func keyOf(e *ast.MappingValueNode) string {
	if e.Key == nil {
		return ""
	}
	if _, ok := e.Key.(*ast.MappingKeyNode); ok {
		return "\x00?"
	}
	tk := e.Key.GetToken()
	if tk == nil {
		return ""
	}
	return tk.Value
}

func scalarOf(n ast.Node) string {
	if n == nil {
		return ""
	}
	switch n.(type) {
	case *ast.MappingNode, *ast.MappingValueNode, *ast.SequenceNode, *ast.NullNode, *ast.AnchorNode, *ast.AliasNode, *ast.TagNode:
		return "\x00"
	}
	tk := n.GetToken()
	if tk == nil {
		return "\x00"
	}
	return tk.Value
}

// entries are the entries of a mapping node.
func entries(n ast.Node) ([]*ast.MappingValueNode, bool, bool) {
	switch t := n.(type) {
	case *ast.MappingNode:
		return t.Values, t.IsFlowStyle, true
	case *ast.MappingValueNode:
		return []*ast.MappingValueNode{t}, t.IsFlowStyle, true
	}
	return nil, false, false
}

// style detects how the document of the file indents: the first nested
// block mapping gives the step, the first block sequence under a key the
// sequence indent.
func (d *doc) style(f *ast.File) style {
	st := style{step: -1, seqIndent: -1}
	for _, dn := range f.Docs {
		if dn == nil || dn.Body == nil {
			continue
		}
		ast.Walk(styleVisitor{d, &st}, dn.Body)
	}
	if st.step <= 0 {
		st.step = 2
	}
	if st.seqIndent < 0 {
		st.seqIndent = st.step
	}
	return st
}

type styleVisitor struct {
	d  *doc
	st *style
}

func (v styleVisitor) Visit(n ast.Node) ast.Visitor {
	if v.st.step > 0 && v.st.seqIndent >= 0 {
		return nil
	}
	mv, ok := n.(*ast.MappingValueNode)
	if !ok || mv.IsFlowStyle || mv.Key == nil {
		return v
	}
	kc := v.d.col(v.d.tokOff(mv.Key))
	switch t := mv.Value.(type) {
	case *ast.MappingNode:
		if !t.IsFlowStyle && len(t.Values) > 0 && v.st.step < 0 && t.Values[0].Key != nil {
			if s := v.d.col(v.d.tokOff(t.Values[0].Key)) - kc; s > 0 {
				v.st.step = s
			}
		}
	case *ast.SequenceNode:
		if !t.IsFlowStyle && v.st.seqIndent < 0 {
			if s := v.d.col(v.d.tokOff(t)) - kc; s >= 0 {
				v.st.seqIndent = s
			}
		}
	}
	return v
}

// splice replaces src[start:end] with text. Insertions (start == end) at
// one offset go outermost first (col ascending) in the final text.
type splice struct {
	start, end int
	text       string
	col        int
}

func sortSplices(sp []splice) error {
	sort.SliceStable(sp, func(i, j int) bool {
		a, b := sp[i], sp[j]
		if a.start != b.start {
			return a.start > b.start
		}
		ai, bi := a.start == a.end, b.start == b.end
		if ai != bi {
			return !ai // replacements and removals at an offset before insertions there
		}
		return a.col < b.col
	})
	for i := 1; i < len(sp); i++ {
		if sp[i].end > sp[i-1].start {
			return unsafe("two edits overlap")
		}
	}
	return nil
}

func applySplices(src []byte, sp []splice) ([]byte, error) {
	if err := sortSplices(sp); err != nil {
		return nil, err
	}
	out := append([]byte{}, src...)
	for _, s := range sp {
		out = append(out[:s.start], append([]byte(s.text), out[s.end:]...)...)
	}
	return out, nil
}

func appendNew(out []byte, roots []root, news []map[string]any, st style) []byte {
	seen := map[string]bool{}
	for _, r := range roots {
		seen[r.kind+"/"+r.ns+"/"+r.name] = true
	}
	for _, n := range news {
		kind, _ := n["kind"].(string)
		meta, _ := n["metadata"].(map[string]any)
		name, _ := meta["name"].(string)
		ns, _ := meta["namespace"].(string)
		if seen[kind+"/"+ns+"/"+name] || seen[kind+"//"+name] {
			continue
		}
		seen[kind+"/"+ns+"/"+name] = true
		if len(out) > 0 && out[len(out)-1] != '\n' {
			out = append(out, '\n')
		}
		trimmed := bytes.TrimRight(out, " \n")
		if len(trimmed) > 0 && !bytes.HasSuffix(trimmed, []byte("\n---")) && !bytes.Equal(trimmed, []byte("---")) {
			out = append(out, "---\n"...)
		}
		var b strings.Builder
		ordered := newOmap()
		for _, k := range []string{"apiVersion", "kind", "metadata"} {
			if v, ok := n[k]; ok {
				ordered.set(k, v)
			}
		}
		for _, k := range check.SortedKeys(n) {
			ordered.set(k, n[k])
		}
		st.block(&b, ordered, 0)
		out = append(out, b.String()...)
	}
	return out
}
