package manifest

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"

	"go.yaml.in/yaml/v3"
)

// This file is a fast path for the YAML that Kubernetes manifests actually
// use: block mappings and sequences, plain and quoted scalars (folded over
// several lines too, as kubectl's 80-column output does), literal block
// scalars, single-line flow collections and comments. It builds the same
// *yaml.Node tree as yaml.v3 (kinds, values, styles, lines and columns;
// comments are not kept) five to ten times faster. Whenever the input uses
// anything else (anchors, aliases, tags, merge keys, complex keys,
// directives, document markers, folded block scalars, flow collections over
// several lines, tabs outside quoted and literal text...), or anything
// whose meaning is not certain, parseFast reports false and the caller
// falls back to yaml.v3, so correctness never depends on this code: it only
// has to recognise what it cannot do. FuzzFastYAML and TestParseFastRandom
// compare the two parsers.

// unmarshalYAML parses one document into root like yaml.Unmarshal(data, root),
// trying the fast path first.
//
// yaml.Unmarshal reads only the first document of data; a second one (after
// a "..." end marker, which does not split documents the way "---" lines
// do) would vanish silently, so it is an error here.
func unmarshalYAML(data []byte, root *yaml.Node) error {
	if n, ok := parseFast(data); ok {
		*root = *n
		return nil
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(root); err != nil {
		if errors.Is(err, io.EOF) {
			*root = yaml.Node{}
			return nil
		}
		// An error past a "..." end marker is in what kubectl ignores.
		if m := yamlLineRE.FindStringSubmatch(err.Error()); m != nil {
			if line, _ := strconv.Atoi(m[1]); line >= endMarkerLine(data) && endMarkerLine(data) > 0 {
				return &docError{line: line, err: errSecondDocument}
			}
		}
		return err
	}
	var next yaml.Node
	line := 0
	switch err := dec.Decode(&next); {
	case errors.Is(err, io.EOF):
		return nil
	case err != nil:
		// Whatever follows the end marker is not a document yaml.v3
		// reads (it wants "---" first); kubectl ignores it.
		if m := yamlLineRE.FindStringSubmatch(err.Error()); m != nil {
			line, _ = strconv.Atoi(m[1])
		}
	default:
		line = next.Line
		if len(next.Content) > 0 {
			line = next.Content[0].Line
		}
	}
	line = max(line, 1)
	return &docError{line: line, err: errSecondDocument}
}

// endMarkerLine returns the line of the first "..." document end marker
// of data, or 0.
func endMarkerLine(data []byte) int {
	line := 1
	for len(data) > 0 {
		if bytes.HasPrefix(data, []byte("...")) && (len(data) == 3 || data[3] == ' ' || data[3] == '\t' || data[3] == '\n' || data[3] == '\r') {
			return line
		}
		nl := bytes.IndexByte(data, '\n')
		if nl < 0 {
			break
		}
		data = data[nl+1:]
		line++
	}
	return 0
}

// docError is an error at a line of a document.
type docError struct {
	line int
	err  error
}

func (e *docError) Error() string { return fmt.Sprintf("line %d: %v", e.line, e.err) }
func (e *docError) Unwrap() error { return e.err }

// fastRecover turns a panic in the fast path into a fall-back; tests turn it
// off so that the fuzzer sees panics.
var fastRecover = true

// maxFastDepth bounds nesting; deeper documents go to yaml.v3.
const maxFastDepth = 200

// maxSimpleKey is below yaml.v3's limit of 1024 characters from the start of
// an implicit key to its ':'.
const maxSimpleKey = 1000

// Results of the parsing functions other than node indexes.
const (
	fail   = -1 // outside the subset
	notKey = -2 // a scalar that is not a mapping key
)

var fastParsers = sync.Pool{New: func() any { return new(fastParser) }}

// parseFast parses a document in the subset described above. It returns a
// DocumentNode (or the zero node for a document with no content, as yaml.v3
// does) and true, or false if the input is outside the subset.
func parseFast(data []byte) (root *yaml.Node, ok bool) {
	if len(data) > math.MaxInt32 {
		return nil, false // positions are int32
	}
	ascii, valid := checkBytes(data)
	if !valid {
		return nil, false
	}
	p := fastParsers.Get().(*fastParser)
	defer p.release()
	if fastRecover {
		defer func() {
			if r := recover(); r != nil {
				root, ok = nil, false
			}
		}()
	}
	p.src, p.str, p.ascii = data, string(data), ascii
	if !p.nextContent() {
		return nil, false
	}
	if p.eof {
		return &yaml.Node{}, true
	}
	pos := p.ls + p.indent
	var body int32
	if p.isEntry(pos) {
		body = p.parseSeq(pos)
	} else {
		body = p.parseMap(pos)
	}
	if body < 0 || !p.eof {
		return nil, false
	}
	b := &p.nodes[body]
	doc := p.add(yaml.DocumentNode, tagNone, 0, "", int(b.line), int(b.col))
	p.stack = append(p.stack, body)
	p.finish(doc, len(p.stack)-1)
	return p.tree(doc), true
}

type fastParser struct {
	src   []byte
	str   string // src as a string, for substrings
	ascii bool   // src has no multi-byte characters

	// The current line: the next one not yet consumed, once nextContent
	// has skipped blank and comment lines.
	ls, le int // start and end (before "\n" or "\r\n")
	next   int // start of the following line
	indent int // leading spaces
	line   int // 1-based number
	eof    bool

	depth int
	// Nodes are built in scratch space reused from document to document,
	// then copied to exactly sized slabs by tree.
	nodes []fastNode
	stack []int32    // children of the collections being parsed
	kids  []int32    // children of finished collections
	spans []fastSpan // which kids each collection has
	buf   []byte     // scratch for values that are not substrings
}

type fastSpan struct{ node, start, n int32 }

// fastNode is a node in the scratch space: without pointers but the value,
// so that building it costs no write barriers.
type fastNode struct {
	value     string
	line, col int32
	kind      yaml.Kind
	style     yaml.Style
	tag       uint8
}

// Tags of fastNodes.
const (
	tagNone uint8 = iota
	tagStr
	tagNull
	tagMap
	tagSeq
)

var tagNames = [...]string{tagNone: "", tagStr: "!!str", tagNull: "!!null", tagMap: "!!map", tagSeq: "!!seq"}

// release clears the parser and returns it to the pool.
func (p *fastParser) release() {
	if cap(p.nodes) > 1<<16 {
		p.nodes = nil // do not keep the scratch of a huge document
	}
	clear(p.nodes)
	buf := p.buf[:0]
	if cap(buf) > 1<<20 {
		buf = nil
	}
	*p = fastParser{nodes: p.nodes[:0], stack: p.stack[:0], kids: p.kids[:0], spans: p.spans[:0], buf: buf}
	fastParsers.Put(p)
}

// add appends a node to the scratch space and returns its index.
func (p *fastParser) add(kind yaml.Kind, tag uint8, style yaml.Style, value string, line, column int) int32 {
	p.nodes = append(p.nodes, fastNode{value: value, line: int32(line), col: int32(column), kind: kind, style: style, tag: tag})
	return int32(len(p.nodes) - 1)
}

// finish gives collection node n the children pushed since base.
func (p *fastParser) finish(n int32, base int) {
	if k := len(p.stack) - base; k > 0 {
		p.spans = append(p.spans, fastSpan{n, int32(len(p.kids)), int32(k)})
		p.kids = append(p.kids, p.stack[base:]...)
		p.stack = p.stack[:base]
	}
}

// tree copies the scratch nodes to a new slab (one allocation for the nodes,
// one for all Content slices), links them and returns node root.
func (p *fastParser) tree(root int32) *yaml.Node {
	nodes := make([]yaml.Node, len(p.nodes))
	for i := range p.nodes {
		f, n := &p.nodes[i], &nodes[i]
		n.Kind, n.Style, n.Line, n.Column = f.kind, f.style, int(f.line), int(f.col)
		if f.tag != tagNone {
			n.Tag = tagNames[f.tag]
		}
		if f.value != "" {
			n.Value = f.value
		}
	}
	ptrs := make([]*yaml.Node, len(p.kids))
	for i, k := range p.kids {
		ptrs[i] = &nodes[k]
	}
	for _, s := range p.spans {
		nodes[s.node].Content = ptrs[s.start : s.start+s.n : s.start+s.n]
	}
	return &nodes[root]
}

// checkBytes reports whether data holds only characters yaml.v3 reads the
// way this parser does: printable UTF-8, tab, and "\n" or "\r\n" line
// breaks; no byte order mark and no NEL/LS/PS line breaks.
func checkBytes(data []byte) (ascii, ok bool) {
	ascii = true
	for i := 0; i < len(data); {
		c := data[i]
		if c < utf8.RuneSelf {
			if asciiOK[c] {
				i++
				continue
			}
			if c == '\r' && i+1 < len(data) && data[i+1] == '\n' {
				i += 2
				continue
			}
			return false, false
		}
		ascii = false
		r, size := utf8.DecodeRune(data[i:])
		if size == 1 || r < 0xA0 || r == 0xFEFF || r == 0xFFFE || r == 0xFFFF || r == 0x2028 || r == 0x2029 {
			return false, false
		}
		i += size
	}
	return ascii, true
}

var asciiOK = func() (t [utf8.RuneSelf]bool) {
	for c := 0x20; c < 0x7f; c++ {
		t[c] = true
	}
	t['\n'], t['\t'] = true, true
	return t
}()

// col returns the 1-based column of pos on the current line, in characters.
func (p *fastParser) col(pos int) int {
	if p.ascii {
		return pos - p.ls + 1
	}
	return utf8.RuneCount(p.src[p.ls:pos]) + 1
}

// loadLine makes the line starting at p.next current, whatever it holds.
func (p *fastParser) loadLine() {
	p.ls = p.next
	p.line++
	if nl := bytes.IndexByte(p.src[p.ls:], '\n'); nl >= 0 {
		p.le = p.ls + nl
		p.next = p.le + 1
	} else {
		p.le = len(p.src)
		p.next = len(p.src)
	}
	if p.le > p.ls && p.src[p.le-1] == '\r' {
		p.le--
	}
	i := p.ls
	for i < p.le && p.src[i] == ' ' {
		i++
	}
	p.indent = i - p.ls
}

// nextContent moves to the next line that is not blank or a comment, or to
// the end. It reports false for lines the subset excludes: tabs in the
// indentation, document markers.
func (p *fastParser) nextContent() bool {
	for {
		if p.next >= len(p.src) {
			p.eof = true
			p.ls, p.le, p.indent = len(p.src), len(p.src), -1
			return true
		}
		p.loadLine()
		i := p.ls + p.indent
		if i == p.le {
			continue
		}
		switch p.src[i] {
		case '#':
			continue
		case '\t':
			return false
		}
		if p.indent == 0 && p.le-p.ls >= 3 {
			s := p.src[p.ls:]
			if (s[0] == '-' && s[1] == '-' && s[2] == '-' || s[0] == '.' && s[1] == '.' && s[2] == '.') &&
				(p.le-p.ls == 3 || s[3] == ' ' || s[3] == '\t') {
				return false
			}
		}
		return true
	}
}

// isEntry reports whether a block sequence entry ("-" followed by a space
// or the end of the line) starts at pos.
func (p *fastParser) isEntry(pos int) bool {
	return p.src[pos] == '-' && (pos+1 == p.le || p.src[pos+1] == ' ')
}

// endOfLine checks that only spaces and a comment follow pos on the current
// line, then moves to the next content line.
func (p *fastParser) endOfLine(pos int) bool {
	for pos < p.le && p.src[pos] == ' ' {
		pos++
	}
	if pos < p.le && p.src[pos] != '#' {
		return false
	}
	return p.nextContent()
}

// parseMap parses a block mapping whose first key starts at pos on the
// current line and leaves the parser on the first content line after it.
func (p *fastParser) parseMap(pos int) int32 {
	k, after := p.parseKey(pos)
	if k < 0 {
		return fail
	}
	return p.parseMapFrom(k, after, pos)
}

// parseMapFrom parses a block mapping whose first key k, at pos, was
// already parsed; its ':' ends before after.
func (p *fastParser) parseMapFrom(k int32, after, pos int) int32 {
	if p.depth++; p.depth > maxFastDepth {
		return fail
	}
	col := pos - p.ls
	m := p.add(yaml.MappingNode, tagMap, 0, "", p.line, int(p.nodes[k].col))
	base := len(p.stack)
	for {
		p.stack = append(p.stack, k)
		v := p.parseValue(after, col)
		if v < 0 {
			return fail
		}
		p.own(k, v)
		p.stack = append(p.stack, v)
		if p.eof || p.indent < col {
			break
		}
		if p.indent > col {
			return fail
		}
		pos = p.ls + col
		if p.isEntry(pos) {
			return fail
		}
		if k, after = p.parseKey(pos); k < 0 {
			return fail
		}
	}
	p.finish(m, base)
	p.depth--
	return m
}

// own gives the values of apiVersion and kind their own memory: they end up
// in long-lived objects, and as substrings they would keep the whole
// document's text alive.
func (p *fastParser) own(k, v int32) {
	if key := p.nodes[k].value; key == "kind" || key == "apiVersion" {
		p.nodes[v].value = strings.Clone(p.nodes[v].value)
	}
}

// parseValue parses the value of a block mapping entry whose ':' ends just
// before pos; col is the mapping's indentation.
func (p *fastParser) parseValue(pos, col int) int32 {
	q := pos
	for q < p.le && p.src[q] == ' ' {
		q++
	}
	if q < p.le && p.src[q] != '#' {
		return p.parseInline(q, col)
	}
	// Nothing on this line: the value is on the next ones, or empty.
	line, column := p.line, p.col(pos)
	if !p.nextContent() {
		return fail
	}
	if !p.eof {
		if p.indent > col {
			return p.parseBlock(p.ls+p.indent, col)
		}
		if p.indent == col && p.isEntry(p.ls+col) {
			return p.parseSeq(p.ls + col) // a sequence indented like its key
		}
	}
	return p.add(yaml.ScalarNode, tagNull, 0, "", line, column)
}

// parseBlock parses a node that starts at pos, at the beginning of a line
// or after a sequence entry's "-", inside a collection indented by col.
func (p *fastParser) parseBlock(pos, col int) int32 {
	switch p.src[pos] {
	case '-':
		if p.isEntry(pos) {
			return p.parseSeq(pos)
		}
	case '[', '{', '|':
		return p.parseInline(pos, col)
	}
	k, after := p.parseKey(pos)
	switch k {
	case fail:
		return fail
	case notKey:
		return p.parseInline(pos, col)
	}
	return p.parseMapFrom(k, after, pos)
}

// parseSeq parses a block sequence whose first "-" is at pos on the current
// line and leaves the parser on the first content line after it.
func (p *fastParser) parseSeq(pos int) int32 {
	if p.depth++; p.depth > maxFastDepth {
		return fail
	}
	col := pos - p.ls
	s := p.add(yaml.SequenceNode, tagSeq, 0, "", p.line, p.col(pos))
	base := len(p.stack)
	for {
		q := pos + 1
		for q < p.le && p.src[q] == ' ' {
			q++
		}
		var item int32
		switch c := p.src[min(q, p.le-1)]; {
		case q == p.le || c == '#':
			line, column := p.line, p.col(pos+1)
			if !p.nextContent() {
				return fail
			}
			if !p.eof && p.indent > col {
				item = p.parseBlock(p.ls+p.indent, col)
			} else {
				item = p.add(yaml.ScalarNode, tagNull, 0, "", line, column)
			}
		default:
			item = p.parseBlock(q, col)
		}
		if item < 0 {
			return fail
		}
		p.stack = append(p.stack, item)
		if p.eof || p.indent < col {
			break
		}
		if p.indent > col {
			return fail
		}
		pos = p.ls + col
		if !p.isEntry(pos) {
			break
		}
	}
	p.finish(s, base)
	p.depth--
	return s
}

// parseKey parses a block mapping key at pos. It returns the key and the
// position after its ':', notKey if pos holds a scalar that is not a key,
// or fail.
func (p *fastParser) parseKey(pos int) (k int32, after int) {
	src := p.src
	switch c := src[pos]; c {
	case '"', '\'':
		v, style, end, ok := p.quoted(pos)
		if !ok {
			return notKey, 0 // maybe a scalar continued on the next lines
		}
		q := end
		for q < p.le && src[q] == ' ' {
			q++
		}
		if q < p.le && src[q] == ':' && (q+1 == p.le || src[q+1] == ' ') {
			if q-pos > maxSimpleKey {
				return fail, 0
			}
			return p.add(yaml.ScalarNode, tagStr, style, v, p.line, p.col(pos)), q + 1
		}
		return notKey, 0
	}
	if !p.plainStart(pos, false) {
		return fail, 0
	}
	end := pos + 1
	for i := pos + 1; i < p.le; i++ {
		switch src[i] {
		case ' ':
			if i+1 < p.le && src[i+1] == '#' {
				return notKey, 0
			}
			continue
		case '\t':
			return fail, 0
		case ':':
			if i+1 == p.le || src[i+1] == ' ' {
				if i-pos > maxSimpleKey {
					return fail, 0
				}
				v := p.str[pos:end]
				if v == "<<" {
					return fail, 0 // merge key
				}
				return p.add(yaml.ScalarNode, plainTag(v), 0, v, p.line, p.col(pos)), i + 1
			}
			if src[i+1] == '\t' {
				return fail, 0
			}
		}
		end = i + 1
	}
	return notKey, 0
}

// plainStart reports whether a plain scalar may start at pos, within the
// subset (stricter than YAML).
func (p *fastParser) plainStart(pos int, flow bool) bool {
	switch p.src[pos] {
	case ',', '[', ']', '{', '}', '#', '&', '*', '!', '|', '>', '\'', '"', '%', '@', '`', ' ', '\t':
		return false
	case '?', ':':
		// In the block context, plain when followed by a non-space.
		return !flow && pos+1 < p.le && p.src[pos+1] != ' ' && p.src[pos+1] != '\t'
	case '-':
		if pos+1 == p.le {
			return false
		}
		switch p.src[pos+1] {
		case ' ', '\t':
			return false
		case ',', '[', ']', '{', '}':
			return !flow
		}
	}
	return true
}

// parseInline parses a value that starts at pos on the current line (a
// block mapping value or sequence entry of a collection indented by col)
// and moves past it.
func (p *fastParser) parseInline(pos, col int) int32 {
	src := p.src
	switch src[pos] {
	case '|':
		return p.literal(pos, col)
	case '"', '\'':
		line, column := p.line, p.col(pos)
		v, style, end, ok := p.quoted(pos)
		if !ok {
			if v, style, end, ok = p.quotedLines(pos); !ok {
				return fail
			}
		}
		n := p.add(yaml.ScalarNode, tagStr, style, v, line, column)
		if !p.endOfLine(end) {
			return fail
		}
		return n
	case '[', '{':
		n, end := p.flow(pos)
		if n < 0 || !p.endOfLine(end) {
			return fail
		}
		return n
	}
	if !p.plainStart(pos, false) {
		return fail
	}
	line, column := p.line, p.col(pos)
	end, more := p.plainLine(pos)
	if end < 0 {
		return fail
	}
	v := p.str[pos:end]
	if more {
		var ok bool
		if v, ok = p.plainMore(v, col+1); !ok {
			return fail
		}
	}
	n := p.add(yaml.ScalarNode, plainTag(v), 0, v, line, column)
	if !p.nextContent() {
		return fail
	}
	return n
}

// plainLine scans the part of a plain scalar in the block context that
// starts at pos on the current line. It returns the end of its text (-1
// if the line is outside the subset) and whether the scalar may continue
// on the next line, that is, no comment ends it.
func (p *fastParser) plainLine(pos int) (end int, more bool) {
	src := p.src
	end = pos
	for i := pos; i < p.le; i++ {
		switch src[i] {
		case ' ':
			if i+1 < p.le && src[i+1] == '#' {
				return end, false
			}
			continue
		case '\t':
			return -1, false
		case ':':
			if i+1 == p.le || src[i+1] == ' ' || src[i+1] == '\t' {
				return -1, false // mapping values are not allowed here
			}
		}
		end = i + 1
	}
	return end, true
}

// plainMore adds to v, a plain scalar in the block context whose first line
// is the current one, the lines that continue it: those indented by at
// least min, up to a comment or a less indented line, folded as yaml.v3
// does. It leaves the parser so that nextContent finds the line after the
// scalar.
func (p *fastParser) plainMore(v string, min int) (string, bool) {
	b := p.buf[:0]
	folded := false
	breaks := 0
	for p.next < len(p.src) {
		next, line := p.next, p.line
		p.loadLine()
		i := p.ls + p.indent
		if i == p.le {
			breaks++ // an empty line
			continue
		}
		c := p.src[i]
		if p.indent < min || c == '#' {
			p.next, p.line = next, line // the scalar ended before this line
			break
		}
		if c == '\t' {
			return "", false
		}
		end, more := p.plainLine(i)
		if end < 0 {
			return "", false
		}
		if !folded {
			b = append(b, v...)
			folded = true
		}
		if breaks == 0 {
			b = append(b, ' ')
		}
		for ; breaks > 0; breaks-- {
			b = append(b, '\n')
		}
		b = append(b, p.src[i:end]...)
		if !more {
			break
		}
	}
	if folded {
		v = string(b)
	}
	p.buf = b[:0]
	return v, true
}

// resolveHint marks the first characters of plain scalars that yaml.v3 may
// resolve to something other than a string.
var resolveHint = func() (t [256]bool) {
	for _, c := range "+-0123456789yYnNtTfFoO~<." {
		t[c] = true
	}
	return t
}()

// plainTag returns the tag of a plain scalar when it is certainly a string,
// else "" so that ShortTag resolves it as yaml.v3 does.
func plainTag(v string) uint8 {
	if v != "" && !resolveHint[v[0]] {
		return tagStr
	}
	return tagNone
}

// quoted scans a single-line quoted scalar starting at pos.
func (p *fastParser) quoted(pos int) (v string, style yaml.Style, end int, ok bool) {
	src := p.src
	if src[pos] == '\'' {
		for i := pos + 1; i < p.le; i++ {
			if src[i] != '\'' {
				continue
			}
			if i+1 < p.le && src[i+1] == '\'' {
				return p.singleEscaped(pos)
			}
			return p.str[pos+1 : i], yaml.SingleQuotedStyle, i + 1, true
		}
		return "", 0, 0, false
	}
	for i := pos + 1; i < p.le; i++ {
		switch src[i] {
		case '"':
			return p.str[pos+1 : i], yaml.DoubleQuotedStyle, i + 1, true
		case '\\':
			return p.doubleEscaped(pos)
		}
	}
	return "", 0, 0, false
}

// quotedLines scans a quoted scalar starting at pos that may go on over
// several lines, folding them as yaml_parser_scan_flow_scalar does. It
// leaves the parser on the line of the closing quote and returns the
// position after it.
func (p *fastParser) quotedLines(pos int) (v string, style yaml.Style, end int, ok bool) {
	src := p.src
	quote := src[pos]
	single := quote == '\''
	style = yaml.DoubleQuotedStyle
	if single {
		style = yaml.SingleQuotedStyle
	}
	b := p.buf[:0]
	defer func() { p.buf = b[:0] }()
	hasBreak := func() bool { return p.next > p.le } // a line break ends the current line
	leadingBreak := false
	trailing := 0
	ws := 0 // blanks seen since the last non-blank, before a break
	i := pos + 1
	for {
		if i == p.ls && p.le-p.ls >= 3 && (src[i] == '-' || src[i] == '.') &&
			src[i+1] == src[i] && src[i+2] == src[i] && (p.le-p.ls == 3 || src[i+3] == ' ' || src[i+3] == '\t') {
			return "", 0, 0, false // a document marker
		}
		if i == p.le && !hasBreak() {
			return "", 0, 0, false // the end of the document
		}
		leadingBlanks := false
	chars:
		for i < p.le && src[i] != ' ' && src[i] != '\t' {
			c := src[i]
			switch {
			case c == quote && single && i+1 < p.le && src[i+1] == '\'':
				b = append(b, '\'')
				i += 2
			case c == quote:
				break chars
			case c == '\\' && !single:
				if i+1 == p.le {
					if !hasBreak() {
						return "", 0, 0, false
					}
					p.loadLine() // an escaped line break
					i = p.ls
					leadingBlanks = true
					break chars
				}
				var n int
				if b, n = p.escape(b, i); n == 0 {
					return "", 0, 0, false
				}
				i += n
			default:
				b = append(b, c)
				i++
			}
		}
		if i < p.le && src[i] == quote {
			return string(b), style, i + 1, true
		}
		// Blanks and line breaks.
		for {
			if i < p.le && (src[i] == ' ' || src[i] == '\t') {
				if !leadingBlanks {
					ws++
				}
				i++
			} else if i == p.le && hasBreak() {
				if !leadingBlanks {
					ws = 0
					leadingBreak = true
					leadingBlanks = true
				} else {
					trailing++
				}
				p.loadLine()
				i = p.ls
			} else {
				break
			}
		}
		if leadingBlanks {
			if leadingBreak && trailing == 0 {
				b = append(b, ' ')
			}
			for ; trailing > 0; trailing-- {
				b = append(b, '\n')
			}
			leadingBreak = false
		} else {
			b = append(b, src[i-ws:i]...)
			ws = 0
		}
	}
}

func (p *fastParser) singleEscaped(pos int) (string, yaml.Style, int, bool) {
	src := p.src
	b := p.buf[:0]
	for i := pos + 1; i < p.le; i++ {
		c := src[i]
		if c == '\'' {
			if i+1 < p.le && src[i+1] == '\'' {
				b = append(b, '\'')
				i++
				continue
			}
			p.buf = b
			return string(b), yaml.SingleQuotedStyle, i + 1, true
		}
		b = append(b, c)
	}
	p.buf = b
	return "", 0, 0, false
}

func (p *fastParser) doubleEscaped(pos int) (string, yaml.Style, int, bool) {
	src := p.src
	b := p.buf[:0]
	defer func() { p.buf = b[:0] }()
	for i := pos + 1; i < p.le; {
		switch c := src[i]; c {
		case '"':
			return string(b), yaml.DoubleQuotedStyle, i + 1, true
		case '\\':
			var n int
			if b, n = p.escape(b, i); n == 0 {
				return "", 0, 0, false // a bad escape, or an escaped line break
			}
			i += n
		default:
			b = append(b, c)
			i++
		}
	}
	return "", 0, 0, false
}

// escape appends the character the escape sequence at i (a backslash on
// the current line) stands for to b, and returns the sequence's length, or
// 0 if yaml.v3 rejects it or it is an escaped line break.
func (p *fastParser) escape(b []byte, i int) ([]byte, int) {
	if i+1 >= p.le {
		return b, 0
	}
	n := 0
	switch p.src[i+1] {
	case '0':
		b = append(b, 0)
	case 'a':
		b = append(b, '\a')
	case 'b':
		b = append(b, '\b')
	case 't', '\t':
		b = append(b, '\t')
	case 'n':
		b = append(b, '\n')
	case 'v':
		b = append(b, '\v')
	case 'f':
		b = append(b, '\f')
	case 'r':
		b = append(b, '\r')
	case 'e':
		b = append(b, 0x1b)
	case ' ':
		b = append(b, ' ')
	case '"':
		b = append(b, '"')
	case '\'':
		b = append(b, '\'')
	case '\\':
		b = append(b, '\\')
	case 'N':
		b = append(b, 0xc2, 0x85)
	case '_':
		b = append(b, 0xc2, 0xa0)
	case 'L':
		b = append(b, 0xe2, 0x80, 0xa8)
	case 'P':
		b = append(b, 0xe2, 0x80, 0xa9)
	case 'x':
		n = 2
	case 'u':
		n = 4
	case 'U':
		n = 8
	default:
		return b, 0
	}
	if n == 0 {
		return b, 2
	}
	if i+2+n > p.le {
		return b, 0
	}
	r, ok := parseHex(p.src[i+2 : i+2+n])
	if !ok || r >= 0xD800 && r <= 0xDFFF || r > 0x10FFFF {
		return b, 0
	}
	return utf8.AppendRune(b, rune(r)), 2 + n
}

// flow parses a flow collection that opens at pos and closes on the same
// line, returning the node and the position after it.
func (p *fastParser) flow(pos int) (int32, int) {
	if p.depth++; p.depth > maxFastDepth {
		return fail, 0
	}
	src := p.src
	isMap := src[pos] == '{'
	closer := byte(']')
	kind, tag := yaml.SequenceNode, tagSeq
	if isMap {
		closer = '}'
		kind, tag = yaml.MappingNode, tagMap
	}
	n := p.add(kind, tag, yaml.FlowStyle, "", p.line, p.col(pos))
	base := len(p.stack)
	i := p.skipSpaces(pos + 1)
	if i < p.le && src[i] == closer {
		p.depth--
		return n, i + 1
	}
	for {
		if i >= p.le {
			return fail, 0
		}
		start := i
		item, end := p.flowNode(i, isMap)
		if item < 0 {
			return fail, 0
		}
		p.stack = append(p.stack, item)
		if i = p.skipSpaces(end); i >= p.le {
			return fail, 0
		}
		if isMap {
			// After a plain key, flowNode stopped at ": "; after a quoted
			// one ':' may follow directly.
			if src[i] != ':' || i-start > maxSimpleKey {
				return fail, 0
			}
			if i = p.skipSpaces(i + 1); i >= p.le {
				return fail, 0
			}
			if src[i] == ',' || src[i] == '}' {
				p.stack = append(p.stack, p.add(yaml.ScalarNode, tagNull, 0, "", p.line, p.col(i)))
			} else {
				v, end := p.flowNode(i, false)
				if v < 0 {
					return fail, 0
				}
				p.own(item, v)
				p.stack = append(p.stack, v)
				if i = p.skipSpaces(end); i >= p.le {
					return fail, 0
				}
			}
		}
		switch src[i] {
		case ',':
			i = p.skipSpaces(i + 1)
			if i < p.le && src[i] == closer {
				p.finish(n, base)
				p.depth--
				return n, i + 1
			}
		case closer:
			p.finish(n, base)
			p.depth--
			return n, i + 1
		default:
			return fail, 0
		}
	}
}

func (p *fastParser) skipSpaces(i int) int {
	for i < p.le && p.src[i] == ' ' {
		i++
	}
	return i
}

// flowNode parses a node inside a flow collection. A plain key (key set)
// must be followed by ": "; a plain value by ',' or the closing bracket.
func (p *fastParser) flowNode(pos int, key bool) (int32, int) {
	src := p.src
	switch src[pos] {
	case '[', '{':
		if key {
			return fail, 0
		}
		return p.flow(pos)
	case '"', '\'':
		v, style, end, ok := p.quoted(pos)
		if !ok {
			return fail, 0
		}
		return p.add(yaml.ScalarNode, tagStr, style, v, p.line, p.col(pos)), end
	}
	if !p.plainStart(pos, true) {
		return fail, 0
	}
	end := pos + 1
	i := pos + 1
loop:
	for ; i < p.le; i++ {
		switch src[i] {
		case ' ':
			if i+1 < p.le && src[i+1] == '#' {
				return fail, 0
			}
			continue
		case '\t', '[', '{', '?':
			return fail, 0
		case ',', ']', '}':
			break loop
		case ':':
			if i+1 == p.le {
				return fail, 0
			}
			switch src[i+1] {
			case ' ':
				break loop
			case '\t', ',', '[', ']', '{', '}':
				return fail, 0
			}
		}
		end = i + 1
	}
	if i == p.le {
		return fail, 0
	}
	// A plain key must end at ": ", anything else at a flow indicator.
	if key != (src[i] == ':') {
		return fail, 0
	}
	v := p.str[pos:end]
	if key && v == "<<" {
		return fail, 0
	}
	return p.add(yaml.ScalarNode, plainTag(v), 0, v, p.line, p.col(pos)), end
}

// literal parses a literal block scalar whose '|' is at pos, in a block
// collection indented by col, the way yaml.v3 does, and moves past it.
func (p *fastParser) literal(pos, col int) int32 {
	src := p.src
	line, column := p.line, p.col(pos)
	// Header: chomping and indentation indicators in either order.
	i := pos + 1
	chomp, increment := 0, 0
	for range 2 {
		if i >= p.le {
			break
		}
		switch c := src[i]; {
		case (c == '+' || c == '-') && chomp == 0:
			chomp = 1
			if c == '-' {
				chomp = -1
			}
			i++
		case c >= '1' && c <= '9' && increment == 0:
			increment = int(c - '0')
			i++
		}
	}
	for i < p.le && src[i] == ' ' {
		i++
	}
	if i < p.le && src[i] != '#' {
		return fail
	}
	indent := 0
	if increment > 0 {
		indent = col + increment
	}
	b := p.buf[:0]
	leadingBreak := false
	trailing := 0
	// breaks consumes empty lines (blank up to the indentation), as
	// yaml_parser_scan_block_scalar_breaks does, leaving the parser on the
	// first non-empty line (or at the end) with consumed spaces. It sets
	// the indentation if it was not known.
	breaks := func() (consumed int, ok bool) {
		maxIndent := 0
		for {
			if p.next >= len(p.src) {
				p.eof = true
				break
			}
			p.loadLine()
			consumed = p.indent
			if indent != 0 && consumed > indent {
				consumed = indent
			}
			maxIndent = max(maxIndent, consumed)
			j := p.ls + consumed
			if j < p.le && src[j] == '\t' && (indent == 0 || consumed < indent) {
				return 0, false
			}
			if j < p.le {
				break // non-empty line
			}
			if p.next == len(p.src) && (p.le == len(p.src)) {
				// The last line, without a line break: not a break.
				p.eof = true
				break
			}
			trailing++
		}
		if indent == 0 {
			indent = max(maxIndent, col+1, 1)
		}
		return consumed, true
	}
	consumed, ok := breaks()
	if !ok {
		return fail
	}
	for !p.eof && consumed == indent {
		if leadingBreak {
			b = append(b, '\n')
		}
		for range trailing {
			b = append(b, '\n')
		}
		trailing = 0
		b = append(b, src[p.ls+indent:p.le]...)
		leadingBreak = p.le < len(src) // the line ends with a break
		if consumed, ok = breaks(); !ok {
			p.buf = b[:0]
			return fail
		}
	}
	if chomp != -1 && leadingBreak {
		b = append(b, '\n')
	}
	if chomp == 1 {
		for range trailing {
			b = append(b, '\n')
		}
	}
	n := p.add(yaml.ScalarNode, tagStr, yaml.LiteralStyle, string(b), line, column)
	p.buf = b[:0]
	if p.eof {
		p.ls, p.le, p.indent = len(src), len(src), -1
		return n
	}
	// The scalar ended at a less indented line: look at it afresh.
	p.next = p.ls
	p.line--
	if !p.nextContent() {
		return fail
	}
	return n
}
