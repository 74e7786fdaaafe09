package yamledit

import (
	"bytes"
	"errors"
	"fmt"
	"runtime"
	"sort"
	"strings"
	"sync"
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
	// Line, when known, is the first line of the object's document: only
	// the documents of the objects are parsed then.
	Line  int
	Edits []check.Edit
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
	return ApplyWith(src, objs, func([]Outcome) []map[string]any { return news }, nil)
}

// ApplyWith is Apply with the new objects chosen once the outcomes are
// known (the objects of the fixes that were applied), and exists, when not
// nil, saying which objects the stream already holds (so that a new object
// is not added twice).
//
// When every object has a Line (the first line of its document, as the
// manifest loader records it), only the documents that hold them are
// parsed, in parallel: a stream of 10,000 objects is not parsed whole to
// fix a few. Each edited piece is parsed again and must decode to the
// original with the edits applied (Tree), or its objects are refused.
func ApplyWith(src []byte, objs []Object, news func([]Outcome) []map[string]any, exists func(kind, ns, name string) bool) ([]byte, []Outcome, error) {
	text, restore, err := normalize(src)
	if err != nil {
		return nil, nil, err
	}
	if t := bytes.TrimLeft(text, " \t\r\n"); len(t) > 0 && (t[0] == '{' || t[0] == '[') {
		// JSON is never rewritten as YAML, nor edited in place here: the
		// caller writes a patch.
		outcomes := make([]Outcome, len(objs))
		for i := range outcomes {
			outcomes[i].Refused = unsafe("a JSON file: its fixes are written as a patch, never as YAML into it").Error()
		}
		return src, outcomes, nil
	}
	ps := pieces(text, objs)
	results := make([]pieceResult, len(ps))
	workers := min(runtime.GOMAXPROCS(0), len(ps))
	var wg sync.WaitGroup
	next := make(chan int)
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for k := range next {
				p := ps[k]
				results[k] = editPiece(text[p.start:p.end], p, objs)
			}
		}()
	}
	for k := range ps {
		next <- k
	}
	close(next)
	wg.Wait()
	outcomes := make([]Outcome, len(objs))
	var all []splice
	var roots []root
	for k, r := range results {
		if r.err != nil {
			return nil, nil, r.err
		}
		for i, why := range r.refused {
			outcomes[i].Refused = why
		}
		for _, x := range r.sp {
			x.start += ps[k].start
			x.end += ps[k].start
			all = append(all, x)
		}
		roots = append(roots, r.roots...)
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
	if n := news(outcomes); len(n) > 0 {
		st := style{step: 2, seqIndent: 2}
		if len(results) > 0 {
			st = results[0].st
		}
		out = appendNew(out, roots, n, st, exists)
	}
	return restore(out), outcomes, nil
}

// piece is a part of the stream parsed on its own: the whole stream, or
// one document; objs are the indexes of the objects it holds.
type piece struct {
	start, end, line int
	objs             []int
}

type pieceResult struct {
	sp      []splice
	refused map[int]string
	roots   []root
	st      style
	err     error
}

// editPiece parses one piece, makes the edits of its objects, and checks
// the result reads back as the model says.
func editPiece(src []byte, p piece, objs []Object) pieceResult {
	res := pieceResult{refused: map[int]string{}}
	f, err := parser.ParseBytes(src, 0)
	if err != nil {
		if p.line > 1 {
			res.err = fmt.Errorf("parse (document at line %d): %w", p.line, err)
		} else {
			res.err = fmt.Errorf("parse: %w", err)
		}
		return res
	}
	d := newDoc(src)
	res.roots = d.index(f)
	res.st = d.style(f)
	byName := map[string][]root{}
	for _, r := range res.roots {
		byName[r.kind+"/"+r.name] = append(byName[r.kind+"/"+r.name], r)
	}
	refused := map[int]bool{}
	var sp []splice
	var edited []int
	for _, i := range p.objs {
		o := objs[i]
		r, err := find(byName[o.Kind+"/"+o.Name], o.Kind, o.Namespace, o.Name)
		var own []splice
		if err == nil {
			own, err = d.editObject(r.node, o.Edits)
		}
		if err != nil {
			res.refused[i] = err.Error()
			refused[i] = true
			continue
		}
		sp = append(sp, own...)
		edited = append(edited, i)
	}
	defer func() {
		for i := range res.roots {
			res.roots[i].node = nil // only the names are kept: the AST goes
		}
	}()
	if len(sp) == 0 {
		return res
	}
	out, err := applySplices(src, append([]splice(nil), sp...))
	reason := ""
	switch {
	case err != nil:
		reason = err.Error()
	case !verify(f, out, objs, edited):
		reason = unsafe("the edited text does not read back as the object with the edits (a layout kubeward cannot splice safely)").Error()
	}
	if reason != "" {
		for _, i := range edited {
			res.refused[i] = reason
		}
		return res
	}
	res.sp = sp
	return res
}

// pieces splits the stream into the documents that hold objs, or one
// piece for the whole stream when an object has no line or the stream has
// directives.
func pieces(text []byte, objs []Object) []piece {
	all := make([]int, len(objs))
	for i := range objs {
		all[i] = i
	}
	whole := []piece{{start: 0, end: len(text), line: 1, objs: all}}
	if len(objs) == 0 {
		return whole
	}
	for _, o := range objs {
		if o.Line <= 0 {
			return whole
		}
	}
	// Documents start at lines "---" (alone or followed by a space).
	type chunk struct{ start, line int }
	chunks := []chunk{{0, 1}}
	line := 1
	for i := 0; i < len(text); {
		j := bytes.IndexByte(text[i:], '\n')
		end := len(text)
		if j >= 0 {
			end = i + j
		}
		l := text[i:end]
		if len(l) > 0 && l[0] == '%' {
			return whole
		}
		if bytes.HasPrefix(l, []byte("---")) && (len(l) == 3 || l[3] == ' ' || l[3] == '\t') && i > 0 {
			chunks = append(chunks, chunk{i, line})
		}
		if j < 0 {
			break
		}
		i = end + 1
		line++
	}
	if len(chunks) == 1 {
		return whole
	}
	byChunk := map[int][]int{}
	for i, o := range objs {
		k := sort.Search(len(chunks), func(c int) bool { return chunks[c].line > o.Line }) - 1
		byChunk[k] = append(byChunk[k], i)
	}
	ks := make([]int, 0, len(byChunk))
	for k := range byChunk {
		ks = append(ks, k)
	}
	sort.Ints(ks)
	out := make([]piece, 0, len(ks))
	for _, k := range ks {
		end := len(text)
		if k+1 < len(chunks) {
			end = chunks[k+1].start
		}
		out = append(out, piece{start: chunks[k].start, end: end, line: chunks[k].line, objs: byChunk[k]})
	}
	return out
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

func find(roots []root, kind, ns, name string) (root, error) {
	var exact, loose []root
	for _, r := range roots {
		if r.kind != kind || r.name != name {
			continue
		}
		switch r.ns {
		case ns:
			exact = append(exact, r)
		case "":
			loose = append(loose, r)
		}
	}
	if len(exact) == 0 {
		exact = loose
	}
	switch len(exact) {
	case 0:
		return root{}, unsafe("%s %s not found in the text (generated by a template or an anchor?)", kind, name)
	case 1:
		return exact[0], nil
	}
	return root{}, unsafe("%s %s appears %d times in the file", kind, name, len(exact))
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
	// sp is in descending order: build the result in one pass from the end.
	n := len(src)
	for _, s := range sp {
		n += len(s.text) - (s.end - s.start)
	}
	out := make([]byte, 0, n)
	pos := 0
	for i := len(sp) - 1; i >= 0; i-- {
		s := sp[i]
		out = append(out, src[pos:s.start]...)
		out = append(out, s.text...)
		pos = s.end
	}
	return append(out, src[pos:]...), nil
}

func appendNew(out []byte, roots []root, news []map[string]any, st style, exists func(kind, ns, name string) bool) []byte {
	seen := map[string]bool{}
	for _, r := range roots {
		seen[r.kind+"/"+r.ns+"/"+r.name] = true
	}
	for _, n := range news {
		kind, _ := n["kind"].(string)
		meta, _ := n["metadata"].(map[string]any)
		name, _ := meta["name"].(string)
		ns, _ := meta["namespace"].(string)
		if seen[kind+"/"+ns+"/"+name] || seen[kind+"//"+name] || (exists != nil && exists(kind, ns, name)) {
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
