package yamledit

import (
	"sort"
	"strings"

	"github.com/goccy/go-yaml/ast"

	"github.com/kubeward/kubeward/internal/check"
)

type pendKind int

const (
	addToMap  pendKind = iota // new entries at the end of a block mapping
	addToSeq                  // new items at the end of a block sequence
	fillEmpty                 // content for an entry whose value is empty (null, {}, [])
)

type pending struct {
	kind  pendKind
	node  ast.Node // the mapping, the sequence, or the entry (*ast.MappingValueNode)
	m     *omap
	items []any
}

// link is where a node sits in its parent collection.
type link struct {
	coll ast.Node
	idx  int
}

type editor struct {
	d       *doc
	st      style
	sp      []splice
	replace map[int]int // scalar offset -> index in sp
	pend    map[ast.Node]*pending
	order   []*pending
	removed map[ast.Node]map[int]bool
	parent  map[ast.Node]link
}

func (d *doc) editObject(root ast.Node, edits []check.Edit) ([]splice, error) {
	e := &editor{d: d, st: d.docStyle(root), replace: map[int]int{}, pend: map[ast.Node]*pending{},
		removed: map[ast.Node]map[int]bool{}, parent: map[ast.Node]link{}}
	for _, ed := range edits {
		if ed.Op == check.Create {
			continue
		}
		if err := e.apply(root, ed); err != nil {
			return nil, err
		}
	}
	if err := e.finish(root); err != nil {
		return nil, err
	}
	if err := sortSplices(append([]splice(nil), e.sp...)); err != nil {
		return nil, err
	}
	return e.sp, nil
}

// docStyle is the style of the file; computed once per object for simplicity.
func (d *doc) docStyle(root ast.Node) style {
	st := style{step: -1, seqIndent: -1}
	ast.Walk(styleVisitor{d, &st}, root)
	if st.step <= 0 {
		st.step = 2
	}
	if st.seqIndent < 0 {
		st.seqIndent = st.step
	}
	return st
}

func plainNode(n ast.Node, path string) (ast.Node, error) {
	switch n.(type) {
	case *ast.AnchorNode, *ast.AliasNode:
		return nil, unsafe("%s goes through a YAML anchor or alias: editing it would change every use", path)
	case *ast.TagNode:
		return nil, unsafe("%s goes through an explicit tag", path)
	}
	return n, nil
}

func (e *editor) apply(root ast.Node, ed check.Edit) error {
	segs, err := parsePath(ed.Path)
	if err != nil {
		return err
	}
	node := root
	for i, s := range segs {
		last := i == len(segs)-1
		ents, flowStyle, ok := entries(node)
		if !ok {
			return unsafe("%s: not a mapping above %s", ed.Path, s.Key)
		}
		idx := -1
		for j, en := range ents {
			k := keyOf(en)
			if k == "<<" || k == "\x00?" {
				return unsafe("%s: a merge key (<<) or complex key on the way", ed.Path)
			}
			if k == s.Key && idx < 0 {
				idx = j
			}
		}
		if idx < 0 {
			if ed.Op == check.Remove {
				return nil
			}
			if flowStyle {
				return unsafe("%s: a flow mapping ({...}) would have to grow", ed.Path)
			}
			return omapApply(e.pendingFor(addToMap, node).m, segs[i:], ed)
		}
		en := ents[idx]
		v, err := plainNode(en.Value, ed.Path)
		if err != nil {
			return err
		}
		e.parent[v] = link{node, idx}
		if s.HasSel {
			seq, ok := v.(*ast.SequenceNode)
			if !ok {
				if ed.Op == check.Remove && e.emptyValue(en) {
					return nil
				}
				return unsafe("%s: %s is not a list", ed.Path, s.Key)
			}
			j := -1
			for k, it := range seq.Values {
				if ie, _, ok := entries(it); ok && scalarOf(lookup(ie, s.SelKey)) == s.SelVal {
					j = k
					break
				}
			}
			if j < 0 {
				if ed.Op == check.Remove {
					return nil
				}
				return unsafe("%s: no element %s=%s", ed.Path, s.SelKey, s.SelVal)
			}
			item, err := plainNode(seq.Values[j], ed.Path)
			if err != nil {
				return err
			}
			if last {
				if ed.Op != check.Remove {
					return unsafe("%s: only remove may end at a selector", ed.Path)
				}
				if seq.IsFlowStyle {
					return unsafe("%s: removing from a flow list", ed.Path)
				}
				e.markRemoved(seq, j)
				return nil
			}
			e.parent[item] = link{seq, j}
			node = item
			continue
		}
		if last {
			return e.leaf(node, flowStyle, en, v, ed)
		}
		if e.emptyValue(en) {
			p := e.pendingFor(fillEmpty, en)
			if ed.Op == check.Remove {
				return nil
			}
			return omapApply(p.m, segs[i+1:], ed)
		}
		if p, ok := e.pend[en]; ok && p.kind == fillEmpty {
			return omapApply(p.m, segs[i+1:], ed)
		}
		node = v
	}
	return nil
}

func (e *editor) pendingFor(k pendKind, n ast.Node) *pending {
	p := e.pend[n]
	if p == nil {
		p = &pending{kind: k, node: n, m: newOmap()}
		e.pend[n] = p
		e.order = append(e.order, p)
	}
	return p
}

func (e *editor) markRemoved(coll ast.Node, idx int) {
	if e.removed[coll] == nil {
		e.removed[coll] = map[int]bool{}
	}
	e.removed[coll][idx] = true
}

// emptyValue reports whether en's value is empty (nothing, null, ~, {} or
// []) on the key's line.
func (e *editor) emptyValue(en *ast.MappingValueNode) bool {
	switch v := en.Value.(type) {
	case nil, *ast.NullNode:
	case *ast.MappingNode:
		if len(v.Values) > 0 {
			return false
		}
	case *ast.SequenceNode:
		if len(v.Values) > 0 {
			return false
		}
	default:
		return false
	}
	_, _, ok := e.emptySpan(en)
	return ok
}

// emptySpan is the span of an empty value's text after the colon, and the
// comment after it.
func (e *editor) emptySpan(en *ast.MappingValueNode) (int, int, bool) {
	c := e.d.tokOff(en)
	if c < 0 || c >= len(e.d.src) || e.d.src[c] != ':' {
		return 0, 0, false
	}
	l := e.d.lineOf(c)
	eol := e.d.lineStart(l + 1)
	if eol > 0 && eol <= len(e.d.src) && e.d.src[eol-1] == '\n' {
		eol--
	}
	rest := string(e.d.src[c+1 : eol])
	if i := strings.Index(rest, "#"); i >= 0 && (i == 0 || rest[i-1] == ' ') {
		rest = rest[:i]
	}
	switch strings.TrimSpace(rest) {
	case "", "null", "Null", "NULL", "~", "{}", "[]":
	default:
		return 0, 0, false
	}
	return c + 1, c + 1 + len(strings.TrimRight(rest, " \t")), true
}

func (e *editor) leaf(node ast.Node, inFlow bool, en *ast.MappingValueNode, v ast.Node, ed check.Edit) error {
	switch ed.Op {
	case check.Remove:
		if inFlow {
			return unsafe("%s: removing from a flow mapping", ed.Path)
		}
		e.markRemoved(node, e.parent[v].idx)
		return nil
	case check.Set:
		if p, ok := e.pend[en]; ok && p.kind == fillEmpty {
			return unsafe("%s: set twice", ed.Path)
		}
		switch val := ed.Value.(type) {
		case map[string]any:
			if e.emptyValue(en) {
				p := e.pendingFor(fillEmpty, en)
				for _, k := range check.SortedKeys(val) {
					p.m.set(k, toOmap(val[k]))
				}
				return nil
			}
			return unsafe("%s: replacing a mapping", ed.Path)
		case []any:
			return e.setList(en, v, val, ed)
		}
		if e.emptyValue(en) {
			a, b, _ := e.emptySpan(en)
			e.add(splice{start: a, end: b, text: " " + scalar(ed.Value)})
			return nil
		}
		return e.replaceScalar(v, ed.Value, inFlow, ed.Path)
	case check.Append:
		if e.emptyValue(en) {
			p := e.pendingFor(fillEmpty, en)
			if len(p.m.keys) > 0 {
				return unsafe("%s: a list and a mapping", ed.Path)
			}
			if !holds(p.items, ed.Value) {
				p.items = append(p.items, clone(ed.Value))
			}
			return nil
		}
		seq, ok := v.(*ast.SequenceNode)
		if !ok {
			return unsafe("%s: not a list", ed.Path)
		}
		if seqHolds(seq, ed.Value) {
			return nil
		}
		if seq.IsFlowStyle {
			if _, ok := ed.Value.(map[string]any); ok {
				return unsafe("%s: adding a mapping to a flow list", ed.Path)
			}
			end := e.d.tokAt(seq.End)
			if seq.End == nil || end < 0 || e.d.src[end] != ']' {
				return unsafe("%s: cannot find the end of the flow list", ed.Path)
			}
			sep, text := "", flow(ed.Value)
			if len(seq.Values) > 0 {
				sep = ", "
				// Quote like the list's first item: drop: ["NET_RAW", "ALL"].
				if _, ok := ed.Value.(string); ok {
					o := e.d.tokOff(seq.Values[0])
					if o < 0 || o >= len(e.d.src) {
						return unsafe("%s: cannot find the flow list's first item", ed.Path)
					}
					text = quoteLike(ed.Value, string(e.d.src[o:o+1]))
				}
			}
			e.add(splice{start: end, end: end, text: sep + text, col: 1 << 20})
			return nil
		}
		p := e.pendingFor(addToSeq, seq)
		if !holds(p.items, ed.Value) {
			p.items = append(p.items, clone(ed.Value))
		}
		return nil
	}
	return unsafe("%s: unsupported op %v", ed.Path, ed.Op)
}

func (e *editor) add(s splice) {
	if s.start == s.end {
		e.sp = append(e.sp, s)
		return
	}
	if i, ok := e.replace[s.start]; ok {
		e.sp[i] = s
		return
	}
	e.replace[s.start] = len(e.sp)
	e.sp = append(e.sp, s)
}

func seqHolds(seq *ast.SequenceNode, v any) bool {
	var list []any
	for _, it := range seq.Values {
		if ie, _, ok := entries(it); ok {
			list = append(list, map[string]any{"name": scalarOf(lookup(ie, "name"))})
			continue
		}
		list = append(list, scalarOf(it))
	}
	if vm, ok := v.(map[string]any); ok {
		if _, named := vm["name"]; !named {
			return false
		}
	}
	return holds(list, v)
}

func (e *editor) setList(en *ast.MappingValueNode, v ast.Node, val []any, ed check.Edit) error {
	if e.emptyValue(en) {
		p := e.pendingFor(fillEmpty, en)
		p.items = clone(val).([]any)
		return nil
	}
	seq, ok := v.(*ast.SequenceNode)
	if !ok {
		return unsafe("%s: replacing a non-list with a list", ed.Path)
	}
	if seq.IsFlowStyle {
		a, b := e.d.tokOff(seq), e.d.tokAt(seq.End)
		if seq.End == nil || a < 0 || b < 0 || e.d.src[a] != '[' || e.d.src[b] != ']' {
			return unsafe("%s: cannot find the flow list", ed.Path)
		}
		e.add(splice{start: a, end: b + 1, text: flow(val)})
		return nil
	}
	if len(seq.Entries) != len(seq.Values) || len(seq.Entries) == 0 {
		return unsafe("%s: cannot find the list's items", ed.Path)
	}
	first := e.d.tokAt(seq.Entries[0].Start)
	dc := e.d.col(first)
	fl := e.d.lineOf(first)
	if strings.TrimSpace(e.d.lineText(fl)[:dc]) != "" {
		return unsafe("%s: a list that starts after other content on its line", ed.Path)
	}
	lastDash := e.d.tokAt(seq.Entries[len(seq.Entries)-1].Start)
	var b strings.Builder
	e.st.items(&b, val, dc)
	e.add(splice{start: e.d.lineStart(fl), end: e.d.extentEnd(e.d.lineOf(lastDash), dc, false), text: b.String()})
	return nil
}

// scalarEnd is the end of the scalar text at off, or false when it is not
// a one-line scalar.
func (e *editor) scalarEnd(off int, inFlow bool) (int, bool) {
	src := e.d.src
	if off < 0 || off >= len(src) {
		return 0, false
	}
	switch src[off] {
	case '"':
		for i := off + 1; i < len(src); i++ {
			switch src[i] {
			case '\\':
				i++
			case '"':
				return i + 1, true
			case '\n':
				return 0, false
			}
		}
		return 0, false
	case '\'':
		for i := off + 1; i < len(src); i++ {
			switch src[i] {
			case '\'':
				if i+1 < len(src) && src[i+1] == '\'' {
					i++
					continue
				}
				return i + 1, true
			case '\n':
				return 0, false
			}
		}
		return 0, false
	case '|', '>', '&', '*', '!', '[', '{', '\n':
		return 0, false
	}
	i := off
	for i < len(src) && src[i] != '\n' {
		if src[i] == '#' && i > off && (src[i-1] == ' ' || src[i-1] == '\t') {
			break
		}
		if inFlow && (src[i] == ',' || src[i] == ']' || src[i] == '}') {
			break
		}
		i++
	}
	for i > off && (src[i-1] == ' ' || src[i-1] == '\t') {
		i--
	}
	return i, i > off
}

func (e *editor) replaceScalar(v ast.Node, val any, inFlow bool, path string) error {
	switch v.(type) {
	case *ast.MappingNode, *ast.SequenceNode, *ast.MappingValueNode, *ast.LiteralNode:
		return unsafe("%s: replacing a collection or block scalar with a scalar", path)
	}
	a := e.d.tokOff(v)
	b, ok := e.scalarEnd(a, inFlow)
	if !ok {
		return unsafe("%s: the old value is not a one-line scalar", path)
	}
	raw := string(e.d.src[a:b])
	if c := raw[0]; c != '"' && c != '\'' && v.GetToken() != nil && raw != v.GetToken().Value {
		return unsafe("%s: the old value spans lines", path)
	}
	text := quoteLike(val, raw)
	if text != raw {
		e.add(splice{start: a, end: b, text: text})
	}
	return nil
}

// finish prunes collections emptied by removals and turns removals and
// pending additions into splices.
func (e *editor) finish(root ast.Node) error {
	for changed := true; changed; {
		changed = false
		for coll, idx := range e.removed {
			if len(idx) != childCount(coll) || e.pend[coll] != nil {
				continue
			}
			if coll == root {
				return unsafe("the edits would empty the object")
			}
			l, ok := e.parent[coll]
			if !ok {
				return unsafe("cannot find the parent of an emptied collection")
			}
			delete(e.removed, coll)
			e.markRemoved(l.coll, l.idx)
			changed = true
		}
	}
	colls := make([]ast.Node, 0, len(e.removed))
	for c := range e.removed {
		colls = append(colls, c)
	}
	for _, coll := range colls {
		if err := e.removeFrom(coll, e.removed[coll]); err != nil {
			return err
		}
	}
	for _, p := range e.order {
		if err := e.emitPending(p); err != nil {
			return err
		}
	}
	return nil
}

func childCount(n ast.Node) int {
	if s, ok := n.(*ast.SequenceNode); ok {
		return len(s.Values)
	}
	ents, _, _ := entries(n)
	return len(ents)
}

func (e *editor) removeFrom(coll ast.Node, idx map[int]bool) error {
	keys := make([]int, 0, len(idx))
	for i := range idx {
		keys = append(keys, i)
	}
	sort.Ints(keys)
	if seq, ok := coll.(*ast.SequenceNode); ok {
		if seq.IsFlowStyle || len(seq.Entries) != len(seq.Values) {
			return unsafe("removing from a flow list")
		}
		for _, i := range keys {
			dash := e.d.tokAt(seq.Entries[i].Start)
			dc, dl := e.d.col(dash), e.d.lineOf(dash)
			if strings.TrimSpace(e.d.lineText(dl)[:dc]) != "" {
				return unsafe("removing a list item that shares its line")
			}
			e.add(splice{start: e.d.lineStart(dl), end: e.d.extentEnd(dl, dc, false)})
		}
		return nil
	}
	ents, fl, _ := entries(coll)
	if fl {
		return unsafe("removing from a flow mapping")
	}
	for n := 0; n < len(keys); n++ {
		i := keys[n]
		en := ents[i]
		ko := e.d.tokOff(en.Key)
		kc, kl := e.d.col(ko), e.d.lineOf(ko)
		if strings.TrimSpace(e.d.lineText(kl)[:kc]) == "" {
			e.add(splice{start: e.d.lineStart(kl), end: e.d.extentEnd(kl, kc, e.dashValue(en, kc))})
			continue
		}
		// The key follows "- ": the next kept entry moves up onto its line.
		k := i + 1
		for k < len(ents) && idx[k] {
			k++
			n++
		}
		if k >= len(ents) {
			return unsafe("removing every entry of a list item")
		}
		e.add(splice{start: ko, end: e.d.tokOff(ents[k].Key)})
	}
	return nil
}

// dashValue reports whether en's value is a block list written at the
// key's own column ("key:\n- a").
func (e *editor) dashValue(en *ast.MappingValueNode, kc int) bool {
	s, ok := en.Value.(*ast.SequenceNode)
	return ok && !s.IsFlowStyle && e.d.col(e.d.tokOff(s)) == kc
}

func (e *editor) emitPending(p *pending) error {
	switch p.kind {
	case addToMap:
		ents, _, _ := entries(p.node)
		if len(ents) == 0 || len(p.m.keys) == 0 {
			return nil
		}
		kc := e.d.col(e.d.tokOff(ents[0].Key))
		lastEn := ents[len(ents)-1]
		at := e.d.extentEnd(e.d.lineOf(e.d.tokOff(lastEn.Key)), kc, e.dashValue(lastEn, kc))
		var b strings.Builder
		e.st.block(&b, p.m, kc)
		e.add(splice{start: at, end: at, text: nl(e.d.src, at) + b.String(), col: kc})
	case addToSeq:
		seq := p.node.(*ast.SequenceNode)
		if len(seq.Entries) != len(seq.Values) || len(seq.Entries) == 0 {
			return unsafe("cannot find the list's items")
		}
		lastDash := e.d.tokAt(seq.Entries[len(seq.Entries)-1].Start)
		dc := e.d.col(lastDash)
		at := e.d.extentEnd(e.d.lineOf(lastDash), dc, false)
		var b strings.Builder
		e.st.items(&b, p.items, dc)
		e.add(splice{start: at, end: at, text: nl(e.d.src, at) + b.String(), col: dc})
	case fillEmpty:
		en := p.node.(*ast.MappingValueNode)
		a, b, _ := e.emptySpan(en)
		kc := e.d.col(e.d.tokOff(en.Key))
		l := e.d.lineOf(a)
		eol := e.d.lineStart(l+1) - 1
		if l >= len(e.d.lines) {
			eol = len(e.d.src)
		}
		var sb strings.Builder
		switch {
		case len(p.m.keys) > 0:
			e.st.block(&sb, p.m, kc+e.st.step)
		case len(p.items) > 0:
			e.st.items(&sb, p.items, kc+e.st.seqIndent)
		default:
			return nil
		}
		text := "\n" + strings.TrimSuffix(sb.String(), "\n")
		e.add(splice{start: a, end: b})
		e.add(splice{start: eol, end: eol, text: text, col: kc})
	}
	return nil
}

// nl is a newline to put before text inserted at the end of a file that
// does not end in one.
func nl(src []byte, at int) string {
	if at == len(src) && at > 0 && src[at-1] != '\n' {
		return "\n"
	}
	return ""
}

func toOmap(v any) any {
	switch t := v.(type) {
	case map[string]any:
		o := newOmap()
		for _, k := range check.SortedKeys(t) {
			o.set(k, toOmap(t[k]))
		}
		return o
	case []any:
		out := make([]any, len(t))
		for i, x := range t {
			out[i] = clone(x)
		}
		return out
	}
	return v
}

func (o *omap) del(k string) {
	if _, ok := o.vals[k]; !ok {
		return
	}
	delete(o.vals, k)
	for i, x := range o.keys {
		if x == k {
			o.keys = append(o.keys[:i:i], o.keys[i+1:]...)
			break
		}
	}
}

// omapApply applies an edit to new content.
func omapApply(m *omap, segs []seg, ed check.Edit) error {
	s := segs[0]
	if s.HasSel {
		return unsafe("%s: a selector below new content", ed.Path)
	}
	if len(segs) == 1 {
		switch ed.Op {
		case check.Set:
			m.set(s.Key, toOmap(ed.Value))
		case check.Remove:
			m.del(s.Key)
		case check.Append:
			old, _ := m.get(s.Key)
			list, ok := old.([]any)
			if old != nil && !ok {
				return unsafe("%s: not a list", ed.Path)
			}
			if !holds(list, ed.Value) {
				list = append(list, clone(ed.Value))
			}
			m.set(s.Key, list)
		}
		return nil
	}
	child, ok := m.get(s.Key)
	if !ok {
		if ed.Op == check.Remove {
			return nil
		}
		c := newOmap()
		m.set(s.Key, c)
		child = c
	}
	cm, ok := child.(*omap)
	if !ok {
		return unsafe("%s: %s is not a mapping", ed.Path, s.Key)
	}
	return omapApply(cm, segs[1:], ed)
}
