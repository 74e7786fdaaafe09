package manifest

import (
	"bytes"
	"regexp"
	"strconv"
	"strings"
	"sync"

	"go.yaml.in/yaml/v3"

	"github.com/kubeward/kubeward/internal/inventory"
)

// locate returns the line of the field at path inside root, or of the
// deepest part of the path that exists. Paths look like
// spec.containers[0].securityContext.privileged; a bracketed key that is not
// a number is a map key that may contain dots: metadata.annotations[a.b/c].
func locate(root *yaml.Node, path string) int {
	_, line, _ := locateDeep(root, path)
	return line
}

// locateDeep returns the deepest node of path that exists in root, its line
// (the key's line for a map entry) and how many path segments it took.
func locateDeep(root *yaml.Node, path string) (*yaml.Node, int, int) {
	return locateSegs(root, splitPath(path))
}

// locateSegs is locateDeep for a split path.
func locateSegs(root *yaml.Node, segs []pathSeg) (*yaml.Node, int, int) {
	n := root
	line := root.Line
	for i, seg := range segs {
		for n.Kind == yaml.AliasNode || n.Kind == yaml.DocumentNode {
			if n.Kind == yaml.AliasNode {
				n = n.Alias
			} else if len(n.Content) > 0 {
				n = n.Content[0]
			} else {
				return n, line, i
			}
		}
		switch {
		case seg.index >= 0:
			if n.Kind != yaml.SequenceNode || seg.index >= len(n.Content) {
				return n, line, i
			}
			n = n.Content[seg.index]
			line = n.Line
		default:
			if n.Kind != yaml.MappingNode {
				return n, line, i
			}
			found := false
			for j := 0; j+1 < len(n.Content); j += 2 {
				if n.Content[j].Value == seg.key {
					line = n.Content[j].Line
					n = n.Content[j+1]
					found = true
					break
				}
			}
			if !found {
				return n, line, i
			}
		}
	}
	return n, line, len(segs)
}

type pathSeg struct {
	key   string
	index int // -1 for a key
}

func splitPath(path string) []pathSeg {
	var segs []pathSeg
	for len(path) > 0 {
		switch path[0] {
		case '.':
			path = path[1:]
		case '[':
			end := strings.IndexByte(path, ']')
			if end < 0 {
				return append(segs, pathSeg{key: path[1:], index: -1})
			}
			inner := path[1:end]
			if i, err := strconv.Atoi(inner); err == nil {
				segs = append(segs, pathSeg{index: i})
			} else {
				segs = append(segs, pathSeg{key: inner, index: -1})
			}
			path = path[end+1:]
		default:
			end := strings.IndexAny(path, ".[")
			if end < 0 {
				end = len(path)
			}
			segs = append(segs, pathSeg{key: path[:end], index: -1})
			path = path[end:]
		}
	}
	return segs
}

// Source locations of rendered inputs.
//
// A chart's rendered output is not the file a person edits, so its line
// numbers are useless in a report: a finding must point at the template
// line that produced the field, or have no line at all. Templates are not
// YAML, so the template is read line by line: each literal line gets the
// chain of mapping keys that encloses it, from indentation alone, and a
// pattern in which every {{ action }} matches anything. A rendered line is
// attributed to a template line when exactly one line of the template, in a
// document of the same kind and name, has the same key chain and a pattern
// that matches the rendered text. Anything else (fields written by an
// include, toYaml of values, ambiguous lines) gets no line.
//
// A kustomization's resources are attributed to the file they came from
// (kustomize's config.kubernetes.io/origin annotation), and a field to its
// line in that file only when the file holds the field with the same value:
// a field changed or added by an overlay, a patch or a transformer gets no
// line.

// action stands for a template action in a template line.
const action = "\x00"

// lineInfo is the YAML structure of one line, from indentation alone.
type lineInfo struct {
	text       string   // trimmed text; in templates, actions are replaced by action
	chain      []string // enclosing mapping keys, outermost first, then the line's own key ("-" for a bare list item)
	doc        int      // document index ("---" separators)
	structural bool     // holds a key or a list item
}

// analyze gives every line its structure.
func analyze(lines []string) []lineInfo {
	type open struct {
		indent int
		key    string
	}
	out := make([]lineInfo, len(lines))
	var stack []open
	doc := 0
	block := -1 // indentation of the key of an open block scalar
	for i, raw := range lines {
		raw = strings.TrimRight(raw, " \t\r")
		trimmed := strings.TrimSpace(raw)
		out[i] = lineInfo{text: trimmed, doc: doc}
		n := len(raw) - len(strings.TrimLeft(raw, " "))
		if block >= 0 {
			if trimmed == "" || strings.Trim(trimmed, action+" ") == "" || n > block {
				continue
			}
			block = -1
		}
		if trimmed == "---" || strings.HasPrefix(trimmed, "--- ") {
			doc++
			out[i].doc = doc
			stack = stack[:0]
			continue
		}
		if strings.Trim(trimmed, action+" \t") == "" || strings.HasPrefix(trimmed, "#") {
			continue
		}
		rest := raw[n:]
		item := false
		for strings.HasPrefix(rest, "- ") || rest == "-" {
			item = true
			sp := len(rest) - len(strings.TrimLeft(rest[1:], " ")) // "-" and following spaces
			n += sp
			rest = rest[sp:]
		}
		key, value := splitKey(rest)
		if key == "" && !item {
			continue // a continuation of a flow or plain multi-line scalar
		}
		for len(stack) > 0 && stack[len(stack)-1].indent >= n {
			stack = stack[:len(stack)-1]
		}
		chain := make([]string, 0, len(stack)+1)
		for _, o := range stack {
			chain = append(chain, o.key)
		}
		if key == "" {
			key = "-"
		}
		out[i].chain = append(chain, key)
		out[i].structural = true
		if key != "-" {
			stack = append(stack, open{n, key})
			if v := strings.TrimSpace(value); strings.HasPrefix(v, "|") || strings.HasPrefix(v, ">") {
				block = n
			}
		}
	}
	return out
}

// splitKey splits "key: value" (a plain or quoted key) into key and value;
// key is "" when rest is not a mapping entry.
func splitKey(rest string) (string, string) {
	if rest == "" {
		return "", ""
	}
	switch rest[0] {
	case '{', '[', '#', '|', '>', '&', '*', '!':
		return "", ""
	case '"', '\'':
		q := rest[0]
		end := strings.IndexByte(rest[1:], q)
		if end < 0 {
			return "", ""
		}
		key, after := rest[1:1+end], rest[2+end:]
		if strings.HasPrefix(after, ":") && (len(after) == 1 || after[1] == ' ') {
			return key, after[1:]
		}
		return "", ""
	}
	for i := 0; i < len(rest); i++ {
		switch rest[i] {
		case ':':
			if i+1 == len(rest) || rest[i+1] == ' ' || rest[i+1] == '\t' {
				if i == 0 {
					return "", ""
				}
				return strings.TrimSpace(rest[:i]), rest[i+1:]
			}
		case ' ':
			if i+1 < len(rest) && rest[i+1] == '#' {
				return "", ""
			}
		case '{', '[', '"', '\'':
			if !strings.Contains(rest[:i], action) {
				return "", ""
			}
		}
	}
	return "", ""
}

// splitLines cuts data into lines without their newlines.
func splitLines(data []byte) []string {
	s := strings.ReplaceAll(string(data), "\r\n", "\n")
	s = strings.TrimSuffix(s, "\n")
	if s == "" {
		return nil
	}
	return strings.Split(s, "\n")
}

// templateText replaces every {{ action }} of a template by the action
// marker, keeping line breaks (an action spanning lines marks each line).
func templateText(src []byte) string {
	var b strings.Builder
	s := string(bytes.ReplaceAll(src, []byte("\r\n"), []byte("\n")))
	for {
		i := strings.Index(s, "{{")
		if i < 0 {
			b.WriteString(s)
			break
		}
		b.WriteString(s[:i])
		j := strings.Index(s[i+2:], "}}")
		if j < 0 {
			b.WriteString(action)
			b.WriteString(strings.Repeat("\n"+action, strings.Count(s[i:], "\n")))
			break
		}
		act := s[i : i+2+j+2]
		b.WriteString(action)
		b.WriteString(strings.Repeat("\n"+action, strings.Count(act, "\n")))
		s = s[i+2+j+2:]
	}
	return b.String()
}

// templateLocator attributes rendered lines to the lines of one template.
type templateLocator struct {
	lines    []lineInfo
	patterns []*regexp.Regexp // per structural line
	// chainPatterns, per structural line, match the keys of its chain
	// that hold an action (nil for the others).
	chainPatterns [][]*regexp.Regexp
	kinds         map[int]*regexp.Regexp
	names         map[int]*regexp.Regexp
	refs          []valueRef   // per line: the values key it renders (values_locate.go)
	values        *chartValues // the render's values files, nil when not located
}

// withValues lets the locator point fields rendered from values at their
// values file line (values_locate.go).
func (t *templateLocator) withValues(v *chartValues) *templateLocator {
	if t != nil {
		t.values = v
	}
	return t
}

func newTemplateLocator(src []byte) *templateLocator {
	if src == nil {
		return nil
	}
	t := &templateLocator{kinds: map[int]*regexp.Regexp{}, names: map[int]*regexp.Regexp{}}
	t.lines = analyze(strings.Split(templateText(src), "\n"))
	t.refs = valueRefs(string(bytes.ReplaceAll(src, []byte("\r\n"), []byte("\n"))))
	t.patterns = make([]*regexp.Regexp, len(t.lines))
	t.chainPatterns = make([][]*regexp.Regexp, len(t.lines))
	for i, l := range t.lines {
		if !l.structural {
			continue
		}
		t.patterns[i] = linePattern(l.text)
		for k, key := range l.chain {
			if strings.Contains(key, action) {
				if t.chainPatterns[i] == nil {
					t.chainPatterns[i] = make([]*regexp.Regexp, len(l.chain))
				}
				t.chainPatterns[i][k] = linePattern(key)
			}
		}
		switch {
		case chainIs(l.chain, "kind"):
			t.kinds[l.doc] = t.patterns[i]
		case chainIs(l.chain, "metadata", "name"):
			t.names[l.doc] = t.patterns[i]
		}
	}
	return t
}

// linePattern turns a template line into an anchored pattern in which each
// action matches any text.
//
// regexp refuses invalid UTF-8 in a pattern, and reads it in the text
// matched as U+FFFD: a template byte that is not UTF-8 (a Latin-1 comment)
// becomes U+FFFD here, so that the chart renders instead of panicking.
func linePattern(text string) *regexp.Regexp {
	parts := strings.Split(strings.ToValidUTF8(text, "\uFFFD"), action)
	for i, p := range parts {
		if i < len(parts)-1 {
			// the space before an action is gone when it is {{- ...
			parts[i] = regexp.QuoteMeta(strings.TrimRight(p, " ")) + " *"
			continue
		}
		parts[i] = regexp.QuoteMeta(p)
	}
	return regexp.MustCompile(`^` + strings.Join(parts, `.*`) + `$`)
}

func chainIs(chain []string, keys ...string) bool {
	if len(chain) != len(keys) {
		return false
	}
	for i := range keys {
		if chain[i] != keys[i] {
			return false
		}
	}
	return true
}

// chainMatches compares a template chain (whose keys may be actions,
// matched by pats, compiled once in newTemplateLocator) with a rendered
// chain.
func chainMatches(tmpl []string, pats []*regexp.Regexp, rendered []string) bool {
	if len(tmpl) != len(rendered) {
		return false
	}
	for i := range tmpl {
		if tmpl[i] != rendered[i] && (pats == nil || pats[i] == nil || !pats[i].MatchString(rendered[i])) {
			return false
		}
	}
	return true
}

// find returns the 1-based template line that produced rendered line i,
// or 0 when that is not certain.
func (t *templateLocator) find(rendered []lineInfo, i int, kind, name string) int {
	r := rendered[i]
	if !r.structural {
		return 0
	}
	found := 0
	for j, l := range t.lines {
		if !l.structural || !chainMatches(l.chain, t.chainPatterns[j], r.chain) || !t.patterns[j].MatchString(r.text) {
			continue
		}
		if k := t.kinds[l.doc]; k != nil && kind != "" && !k.MatchString(kind) {
			continue
		}
		if n := t.names[l.doc]; n != nil && name != "" && !n.MatchString(name) {
			continue
		}
		if found != 0 {
			return 0 // two template lines could have produced it
		}
		found = j + 1
	}
	return found
}

// fix gives the objects of one rendered document their template lines:
// no object line (a rendered document starts on no template line of its
// own), and fields on the template line that produced them, or none.
func (t *templateLocator) fix(objs []*inventory.Object, doc document) {
	rendered := analyze(splitLines(doc.data))
	var kind, name string
	for _, l := range rendered {
		switch {
		case chainIs(l.chain, "kind"):
			kind = l.text
		case chainIs(l.chain, "metadata", "name"):
			name = l.text
		}
	}
	var root yaml.Node
	if t == nil || len(objs) != 1 || unmarshalYAML(doc.data, &root) != nil || len(root.Content) == 0 {
		noLines(objs, doc)
		return
	}
	body := root.Content[0]
	var mu sync.Mutex
	cache := map[int]int{}
	o := objs[0]
	o.Line = 0
	find := func(i int) int {
		if i < 0 || i >= len(rendered) {
			return 0
		}
		mu.Lock()
		defer mu.Unlock()
		if l, ok := cache[i]; ok {
			return l
		}
		l := t.find(rendered, i, kind, name)
		cache[i] = l
		return l
	}
	o.Locate = func(path string) int {
		_, line, depth := locateDeep(body, path)
		if depth == 0 {
			return 0 // nothing of the path is in the object
		}
		return find(line - 1)
	}
	if t.values == nil {
		return
	}
	o.LocateFile = func(path string) (string, int) {
		segs := splitPath(path)
		rn, line, depth := locateSegs(body, segs)
		if depth == 0 {
			return "", 0
		}
		return t.valuesLine(body, rn, line, segs[:depth], find)
	}
}

// noLines is the fix for rendered objects without a readable source:
// the file is named, no line.
func noLines(objs []*inventory.Object, _ document) {
	for _, o := range objs {
		o.Line = 0
		o.Locate = nil
	}
}

// sourceLocator finds the fields of kustomize's output in the local file
// a resource came from.
type sourceLocator struct {
	path string
	once sync.Once
	docs []sourceDoc
}

type sourceDoc struct {
	body       *yaml.Node
	offset     int
	kind, name string
}

func newSourceLocator(path string) *sourceLocator { return &sourceLocator{path: path} }

func (s *sourceLocator) load() {
	data := readSource(s.path)
	if data == nil {
		return
	}
	sp := newSplitter(bytes.NewReader(data))
	for {
		d, err := sp.next()
		if err != nil {
			return
		}
		var root yaml.Node
		if unmarshalYAML(d.data, &root) != nil || len(root.Content) == 0 || root.Content[0].Kind != yaml.MappingNode {
			continue
		}
		body := root.Content[0]
		md := yfield(body, "metadata")
		name := ""
		if md != nil {
			name = yscalar(md, "name")
			if name == "" {
				name = yscalar(md, "generateName")
			}
		}
		s.docs = append(s.docs, sourceDoc{body: body, offset: d.line - 1, kind: yscalar(body, "kind"), name: name})
	}
}

// match returns the source document of an object of kind and name: the one
// with that name, else the one whose name the output name contains
// (namePrefix, nameSuffix), when there is exactly one.
func (s *sourceLocator) match(kind, name string) *sourceDoc {
	var exact, partial []*sourceDoc
	for i := range s.docs {
		d := &s.docs[i]
		if d.kind != kind {
			continue
		}
		if d.name == name {
			exact = append(exact, d)
		} else if d.name != "" && strings.Contains(name, d.name) {
			partial = append(partial, d)
		}
	}
	if len(exact) == 1 {
		return exact[0]
	}
	if len(exact) == 0 && len(partial) == 1 {
		return partial[0]
	}
	return nil
}

func (s *sourceLocator) fix(objs []*inventory.Object, doc document) {
	s.once.Do(s.load)
	var root yaml.Node
	if len(objs) != 1 || unmarshalYAML(doc.data, &root) != nil || len(root.Content) == 0 {
		noLines(objs, doc)
		return
	}
	o, out := objs[0], root.Content[0]
	o.Line = 0
	src := s.match(yscalar(out, "kind"), nameOf(out))
	if src == nil {
		o.Locate = nil
		return
	}
	o.Locate = func(path string) int {
		rn, _, rdepth := locateDeep(out, path)
		sn, line, sdepth := locateDeep(src.body, path)
		if rdepth == 0 || rdepth != sdepth || rn.Kind != sn.Kind {
			return 0
		}
		if rn.Kind == yaml.ScalarNode && rn.Value != sn.Value {
			return 0 // changed by an overlay, a patch or a transformer
		}
		return line + src.offset
	}
}

func nameOf(body *yaml.Node) string {
	if md := yfield(body, "metadata"); md != nil {
		return yscalar(md, "name")
	}
	return ""
}

// yfield returns the value of key in mapping m, or nil.
func yfield(m *yaml.Node, key string) *yaml.Node {
	if m == nil || m.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			return m.Content[i+1]
		}
	}
	return nil
}

// yscalar returns the scalar value of key in mapping m, or "".
func yscalar(m *yaml.Node, key string) string {
	if v := yfield(m, key); v != nil && v.Kind == yaml.ScalarNode {
		return v.Value
	}
	return ""
}
