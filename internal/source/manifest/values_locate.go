package manifest

import (
	"path/filepath"
	"regexp"
	"strings"

	"go.yaml.in/yaml/v3"
)

// Values locations of a chart's fields.
//
// A field whose value came from the chart's values is edited in a values
// file, not in the template, so a finding points there when that is
// certain: the template line that produced the field (or the key line
// that encloses a toYaml block the field sits in) holds a single action
// naming one values key — {{ .Values.a.b }}, toYaml .Values.a.b, or . and
// .x inside {{ with .Values.a }} — exactly one values file defines that
// key, no --set expression touches it, and the value there is the value
// rendered (same scalar, or same kind of node). Anything else keeps the
// template line.

// valueRef is the values key one template line renders.
type valueRef struct {
	segs []pathSeg // the key inside .Values
	yaml bool      // rendered as a block by toYaml
}

// valuesFile is one values file of a chart render.
type valuesFile struct {
	name string
	root *yaml.Node
}

// chartValues are the values files of a render and the keys --set touches.
type chartValues struct {
	files []valuesFile
	set   [][]pathSeg
}

// newChartValues reads the chart's values.yaml and the --values files;
// files that cannot be read or parsed are left out (Helm has read them
// already, or failed).
func newChartValues(dir string, valueFiles, set []string) *chartValues {
	v := &chartValues{}
	for _, name := range append([]string{filepath.Join(dir, "values.yaml")}, valueFiles...) {
		if name == "-" || strings.Contains(name, "://") {
			v.files = append(v.files, valuesFile{name: name}) // unreadable here: counts as a definer of every key
			continue
		}
		data, err := readRegularFile(name, MaxDocumentBytes)
		if err != nil {
			continue
		}
		var root yaml.Node
		if unmarshalYAML(data, &root) != nil || len(root.Content) == 0 {
			continue
		}
		v.files = append(v.files, valuesFile{name: name, root: root.Content[0]})
	}
	for _, s := range set {
		for _, kv := range strings.Split(s, ",") {
			if k, _, ok := strings.Cut(kv, "="); ok {
				v.set = append(v.set, splitPath(strings.TrimSpace(k)))
			}
		}
	}
	return v
}

// lookup returns the values file and line that define the key segs with
// the value rendered as rn, when exactly one file does and --set does not
// touch the key.
func (v *chartValues) lookup(segs []pathSeg, rn *yaml.Node) (string, int) {
	if v == nil || len(segs) == 0 || rn == nil {
		return "", 0
	}
	for _, s := range v.set {
		if prefixes(s, segs) || prefixes(segs, s) {
			return "", 0
		}
	}
	file, line := "", 0
	for _, f := range v.files {
		if f.root == nil {
			return "", 0 // a values file not read here may define it
		}
		n, l, depth := locateSegs(f.root, segs)
		if depth != len(segs) {
			continue
		}
		if line != 0 {
			return "", 0 // two values files define it
		}
		if !sameValue(n, rn) {
			return "", 0
		}
		file, line = f.name, l
	}
	return file, line
}

func prefixes(a, b []pathSeg) bool {
	if len(a) > len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// sameValue reports whether a values node is what was rendered: the same
// scalar, or a node of the same kind.
func sameValue(v, rn *yaml.Node) bool {
	for v.Kind == yaml.AliasNode && v.Alias != nil {
		v = v.Alias
	}
	if rn.Kind == yaml.ScalarNode {
		return v.Kind == yaml.ScalarNode && v.Value == rn.Value
	}
	return v.Kind == rn.Kind
}

var (
	actionRe = regexp.MustCompile(`(?s)\{\{-?(.*?)-?\}\}`)
	// valuesRef is .Values.a.b (or $.Values.a.b).
	valuesRef = regexp.MustCompile(`^\$?\.Values((?:\.[A-Za-z_][A-Za-z0-9_]*)+)$`)
	// dotRef is . or .a.b, relative to the dot of a with block.
	dotRef = regexp.MustCompile(`^\.((?:[A-Za-z_][A-Za-z0-9_]*)(?:\.[A-Za-z_][A-Za-z0-9_]*)*)?$`)
	// filters that keep a value as it is (quoting and indentation only).
	keepFilter = regexp.MustCompile(`^(quote|squote|toString|trim|nindent \d+|indent \d+)$`)
)

// scope is an open block of a template: the values key its dot stands for
// (nil at the top with root true, unknown with root false and no segs).
type scope struct {
	kind string
	root bool
	segs []pathSeg
	ok   bool // segs is known
}

// valueRefs finds, for each line of a template, the values key it renders
// when the line holds exactly one output action and that action renders a
// values key as it is.
func valueRefs(src string) []valueRef {
	lines := strings.Count(src, "\n") + 1
	refs := make([]valueRef, lines)
	outputs := make([]int, lines)
	stack := []scope{{kind: "top", root: true, ok: true}}
	top := func() scope { return stack[len(stack)-1] }
	for _, m := range actionRe.FindAllStringSubmatchIndex(src, -1) {
		line := strings.Count(src[:m[0]], "\n")
		body := strings.TrimSpace(src[m[2]:m[3]])
		if strings.HasPrefix(body, "/*") {
			continue
		}
		word, rest, _ := strings.Cut(body, " ")
		rest = strings.TrimSpace(rest)
		switch word {
		case "if":
			s := top()
			s.kind = "if"
			stack = append(stack, s)
			continue
		case "with":
			s := scope{kind: "with"}
			if segs, ok := resolve(rest, top()); ok {
				s.segs, s.ok = segs, true
			}
			stack = append(stack, s)
			continue
		case "range", "define", "block":
			stack = append(stack, scope{kind: word})
			continue
		case "else":
			if len(stack) > 1 && top().kind == "with" {
				stack[len(stack)-1] = stack[len(stack)-2]
				stack[len(stack)-1].kind = "with"
			}
			continue
		case "end":
			if len(stack) > 1 {
				stack = stack[:len(stack)-1]
			}
			continue
		}
		if strings.Contains(body, ":=") || strings.HasPrefix(body, "$") && strings.Contains(body, "=") {
			continue // a variable assignment outputs nothing
		}
		outputs[line]++
		refs[line] = valueRef{}
		if outputs[line] > 1 {
			continue
		}
		cmds := strings.Split(body, "|")
		first := strings.TrimSpace(cmds[0])
		ref := valueRef{}
		if a, ok := strings.CutPrefix(first, "toYaml "); ok {
			first, ref.yaml = strings.TrimSpace(a), true
		}
		segs, ok := resolve(first, top())
		if !ok {
			continue
		}
		for _, c := range cmds[1:] {
			c = strings.Join(strings.Fields(c), " ")
			switch {
			case c == "toYaml":
				ref.yaml = true
			case keepFilter.MatchString(c):
			default:
				ok = false
			}
		}
		if ok {
			ref.segs = segs
			refs[line] = ref
		}
	}
	for i := range refs {
		if outputs[i] != 1 {
			refs[i] = valueRef{}
		}
	}
	return refs
}

// resolve turns a reference to values (.Values.a, $.Values.a, or . and .x
// inside a with of values) into the key it names.
func resolve(ref string, s scope) ([]pathSeg, bool) {
	if m := valuesRef.FindStringSubmatch(ref); m != nil {
		if !strings.HasPrefix(ref, "$") && !s.root {
			return nil, false // .Values is only the chart's values at the top dot
		}
		return splitPath(strings.TrimPrefix(m[1], ".")), true
	}
	if m := dotRef.FindStringSubmatch(ref); m != nil && s.ok && !s.root {
		segs := append([]pathSeg(nil), s.segs...)
		if m[1] != "" {
			segs = append(segs, splitPath(m[1])...)
		}
		return segs, true
	}
	return nil, false
}

// blockRef returns the toYaml values reference that renders the block of
// the key on template line j (0-based): on the key's own line, or on the
// action-only lines that follow it before any literal line.
func (t *templateLocator) blockRef(j int) (valueRef, bool) {
	if j < len(t.refs) && t.refs[j].yaml && t.refs[j].segs != nil {
		return t.refs[j], true
	}
	for m := j + 1; m < len(t.lines) && m < len(t.refs); m++ {
		if t.lines[m].structural {
			break
		}
		if t.refs[m].yaml && t.refs[m].segs != nil {
			return t.refs[m], true
		}
		if t.lines[m].text != "" && strings.Trim(t.lines[m].text, action+" ") != "" {
			break // literal text that is no key: a scalar continuation
		}
	}
	return valueRef{}, false
}

// valuesLine locates the field at segs (its deepest existing part, rn at
// rendered line) in a values file, or returns the template line.
func (t *templateLocator) valuesLine(body, rn *yaml.Node, line int, segs []pathSeg, find func(i int) int) (string, int) {
	j := find(line - 1)
	if j > 0 {
		if ref := t.refs[j-1]; ref.segs != nil && (!ref.yaml || rn.Kind != yaml.ScalarNode) {
			if f, l := t.values.lookup(ref.segs, rn); l > 0 {
				return f, l
			}
		}
		return "", j
	}
	// Inside a block: the nearest enclosing key with a template line must
	// render the block with toYaml of values.
	for k := len(segs) - 1; k >= 1; k-- {
		_, pl, pd := locateSegs(body, segs[:k])
		if pd != k {
			return "", 0
		}
		pj := find(pl - 1)
		if pj == 0 {
			continue
		}
		ref, ok := t.blockRef(pj - 1)
		if !ok {
			return "", 0
		}
		vsegs := append(append([]pathSeg(nil), ref.segs...), segs[k:]...)
		return t.values.lookup(vsegs, rn)
	}
	return "", 0
}

// chartLocator is the template locator of one rendered template; the
// chart's own templates also locate fields in its values files (a
// subchart's values are nested in its parent's and are not followed).
func chartLocator(src []byte, name, chart string, vals *chartValues) *templateLocator {
	t := newTemplateLocator(src)
	if strings.HasPrefix(name, chart+"/templates/") {
		t = t.withValues(vals)
	}
	return t
}
