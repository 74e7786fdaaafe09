package manifest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"

	"go.yaml.in/yaml/v3"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/kubeward/kubeward/internal/inventory"
)

// decoded is what one document holds.
type decoded struct {
	objects []*inventory.Object
	// skipped counts objects kubeward does not evaluate, by group/kind
	// ("(no kind)" for documents that are not Kubernetes objects).
	skipped map[string]int
}

func (d *decoded) skip(what string) {
	if d.skipped == nil {
		d.skipped = map[string]int{}
	}
	d.skipped[what]++
}

// InputError is a problem with one input: a file and line, and what is wrong.
type InputError struct {
	File string
	Line int
	Err  error
}

func (e *InputError) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("%s:%d: %v", e.File, e.Line, e.Err)
	}
	return fmt.Sprintf("%s: %v", e.File, e.Err)
}

func (e *InputError) Unwrap() error { return e.Err }

var (
	// errNotObjects: a document kubectl refuses that holds what look like
	// Kubernetes objects (a bare YAML sequence of them).
	errNotObjects = errors.New("a sequence of Kubernetes objects is not a Kubernetes object (kubectl refuses it): wrap them in a kind: List")
	// errNotObject: a JSON stream value that is not an object.
	errNotObject = errors.New("JSON value is not an object")
	// errSecondDocument: yaml.v3 (and kubectl) read one document from each
	// part between "---" lines; more, after a "..." end marker, would be
	// silently dropped.
	errSecondDocument = errors.New(`a second YAML document after a "..." end marker (kubectl reads only the first): separate documents with ---`)
)

// errInvalidYAML: yaml.v3 refuses the document. yaml.v2, which kubectl
// uses, accepts some of these, reading part of the text and ignoring the
// rest (text after a flow collection, comments inside plain scalars): an
// error with file and line is the safe answer.
var errInvalidYAML = errors.New("invalid YAML")

// errBinary refuses a file with a NUL byte in its first 8 KiB, on purpose
// stricter than kubectl (which reads one inside a comment): a manifest is
// text, and a binary file is a wrong path or a hostile input.
var errBinary = errors.New("binary file (a NUL byte), not YAML or JSON")

var yamlLineRE = regexp.MustCompile(`^yaml: line (\d+): `)

// parseDocument parses one document, reporting errors with file and line.
func parseDocument(file string, doc document) (*yaml.Node, error) {
	var root yaml.Node
	data := doc.data
	if doc.json {
		data = yamlSafeJSON(data)
	}
	if err := unmarshalYAML(data, &root); err != nil {
		var de *docError
		if errors.As(err, &de) {
			return nil, &InputError{File: file, Line: doc.line + de.line - 1, Err: de.err}
		}
		msg := err.Error()
		line := doc.line
		if m := yamlLineRE.FindStringSubmatch(msg); m != nil {
			n, _ := strconv.Atoi(m[1])
			line = doc.line + n - 1
			msg = msg[len(m[0]):]
		} else {
			msg = strings.TrimPrefix(msg, "yaml: ")
		}
		return nil, &InputError{File: file, Line: line, Err: fmt.Errorf("%w: %s", errInvalidYAML, redact(msg))}
	}
	return &root, nil
}

// objectNode is one object found in a document: its mapping and the
// apiVersion and kind kubectl would give it.
type objectNode struct {
	body             *yaml.Node
	apiVersion, kind string
	// inferred: the mapping names no apiVersion and kind; they come from
	// the list holding it (a PodList's items), as kubectl infers them.
	inferred bool
}

// walker finds the objects of a document as kubectl does: a mapping with a
// non-null items field is a list whose items are the objects (recursively);
// any other mapping with apiVersion and kind is an object.
type walker struct {
	file   string
	offset int // document line - 1
	w      *jsonWriter
	out    *decoded
	emit   func(objectNode) error
}

func (k *walker) fail(line int, err error) error {
	return &InputError{File: k.file, Line: line + k.offset, Err: err}
}

// convFail turns a conversion error into an InputError.
func (k *walker) convFail(fallback int, err error) error {
	var ce *convError
	if errors.As(err, &ce) {
		return k.fail(ce.line, ce)
	}
	return k.fail(fallback, err)
}

func (k *walker) document(root *yaml.Node) error {
	if len(root.Content) == 0 {
		return nil // empty document or only comments
	}
	body := deref(root.Content[0])
	switch body.Kind {
	case yaml.MappingNode:
		return k.object(body, "", "", 0)
	case yaml.ScalarNode:
		if r, err := resolveV2(body); err == nil && r.kind == scalarNull {
			return nil // "null": kubectl skips it too
		}
		if k.w.json {
			return k.fail(body.Line, errNotObject)
		}
	case yaml.SequenceNode:
		if k.w.json {
			return k.fail(body.Line, errNotObject)
		}
		for _, c := range body.Content {
			if c = deref(c); c.Kind == yaml.MappingNode {
				if ps, err := k.w.effectivePairs(c, 0); err == nil && stringField(ps, "kind") != "" && stringField(ps, "apiVersion") != "" {
					return k.fail(body.Line, errNotObjects)
				}
			}
		}
	}
	k.out.skip("(not an object)")
	return nil
}

// object handles a mapping: a top-level document (depth 0) or a list item
// (listAPIVersion and listKind are those of the list).
func (k *walker) object(body *yaml.Node, listAPIVersion, listKind string, depth int) error {
	if depth > 100 {
		return k.fail(body.Line, errTooDeep)
	}
	ps, err := k.w.effectivePairs(body, 0)
	if err != nil {
		return k.convFail(body.Line, err)
	}
	apiVersion, kind := stringField(ps, "apiVersion"), stringField(ps, "kind")
	inferred := false
	if depth > 0 && apiVersion == "" && kind == "" && pairOf(ps, "apiVersion") == nil && pairOf(ps, "kind") == nil {
		apiVersion, kind, inferred = listAPIVersion, strings.TrimSuffix(listKind, "List"), true
	}
	if items := pairOf(ps, "items"); items != nil && !isNull(items.v) {
		// A list, whatever its kind, as kubectl's unstructured decoder
		// sees it.
		v := deref(items.v)
		if kind == "" || apiVersion == "" {
			if depth > 0 {
				return k.fail(body.Line, errors.New("list item has no apiVersion or kind"))
			}
			if v.Kind == yaml.SequenceNode && len(v.Content) > 0 {
				return k.fail(body.Line, errors.New("a list of items without apiVersion and kind (kubectl refuses it)"))
			}
			k.out.skip("(no apiVersion/kind)")
			return nil
		}
		if v.Kind != yaml.SequenceNode {
			return k.fail(items.k.Line, fmt.Errorf("%s items is not a list", kind))
		}
		for i, item := range v.Content {
			item = deref(item)
			if item.Kind != yaml.MappingNode {
				return k.fail(item.Line, fmt.Errorf("%s item %d is not an object", kind, i))
			}
			if err := k.object(item, apiVersion, kind, depth+1); err != nil {
				return err
			}
		}
		return nil
	}
	if kind == "" || apiVersion == "" {
		if depth > 0 {
			return k.fail(body.Line, errors.New("list item has no apiVersion or kind"))
		}
		k.out.skip("(no apiVersion/kind)")
		return nil
	}
	return k.emit(objectNode{body: body, apiVersion: apiVersion, kind: kind, inferred: inferred})
}

// json writes an object's JSON into the document's writer and returns it.
func (k *walker) json(o objectNode) ([]byte, error) {
	start := k.w.buf.Len()
	var extra []string
	if o.inferred {
		extra = []string{"apiVersion", o.apiVersion, "kind", o.kind}
	}
	if err := k.w.writeMapping(o.body, 0, extra); err != nil {
		return nil, k.convFail(o.body.Line, err)
	}
	return k.w.buf.Bytes()[start:], nil
}

func deref(n *yaml.Node) *yaml.Node {
	for i := 0; n.Kind == yaml.AliasNode && n.Alias != nil && i < 1000; i++ {
		n = n.Alias
	}
	return n
}

func isNull(n *yaml.Node) bool {
	n = deref(n)
	if n.Kind != yaml.ScalarNode {
		return false
	}
	r, err := resolveV2(n)
	return err == nil && r.kind == scalarNull
}

func pairOf(ps []pair, key string) *pair {
	for i := range ps {
		if ps[i].key == key {
			return &ps[i]
		}
	}
	return nil
}

// stringField returns the value of key if it is a string, as kubectl's
// unstructured accessors do.
func stringField(ps []pair, key string) string {
	p := pairOf(ps, key)
	if p == nil {
		return ""
	}
	v := deref(p.v)
	if v.Kind != yaml.ScalarNode {
		return ""
	}
	if r, err := resolveV2(v); err == nil && r.kind == scalarString {
		return r.text
	}
	return ""
}

// decodeDocument parses one YAML or JSON document into objects.
func decodeDocument(file, origin string, doc document, defaultNamespace string) (*decoded, error) {
	root, err := parseDocument(file, doc)
	if err != nil {
		return nil, err
	}
	out := &decoded{}
	k := &walker{file: file, offset: doc.line - 1, w: &jsonWriter{limit: maxJSONBytes, json: doc.json}, out: out}
	k.emit = func(o objectNode) error { return k.decodeObject(o, origin, defaultNamespace) }
	return out, k.document(root)
}

func (k *walker) decodeObject(on objectNode, origin, defaultNamespace string) error {
	body, apiVersion, kind, offset := on.body, on.apiVersion, on.kind, k.offset
	group, version := inventory.SplitAPIVersion(apiVersion)
	typed := inventory.NewTyped(group, kind)
	if typed == nil {
		if group == "" {
			k.out.skip(kind)
		} else {
			k.out.skip(group + "/" + kind)
		}
		return nil
	}
	data, err := k.json(on)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(data, typed); err != nil {
		line := body.Line + offset
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) && te.Field != "" {
			line = locate(body, te.Field) + offset
			err = fmt.Errorf("%s %s: field %s: cannot use %s as %s", apiVersion, kind, te.Field, redact(te.Value), te.Type)
		} else {
			err = fmt.Errorf("%s %s: %s", apiVersion, kind, redact(err.Error()))
		}
		return &InputError{File: k.file, Line: line, Err: err}
	}
	meta, ok := typed.(metav1.Object)
	if !ok {
		return &InputError{File: k.file, Line: body.Line + offset, Err: fmt.Errorf("%s has no metadata", kind)}
	}
	o := &inventory.Object{
		Group: group, Version: version, Kind: kind,
		Namespace: meta.GetNamespace(), Name: meta.GetName(),
		Labels: meta.GetLabels(), Annotations: meta.GetAnnotations(),
		Typed: typed, File: k.file, Line: body.Line + offset, Origin: origin,
	}
	if inventory.ClusterScoped(kind) {
		o.Namespace = ""
	} else if o.Namespace == "" {
		o.Namespace = defaultNamespace
		meta.SetNamespace(defaultNamespace)
	}
	if o.Name == "" {
		o.Name = meta.GetGenerateName()
	}
	o.Locate = func(path string) int { return locate(body, path) + offset }
	k.out.objects = append(k.out.objects, o)
	return nil
}

// quotedRE finds quoted fragments of error messages: parsers and decoders
// quote the offending value, which may be a secret.
var quotedRE = regexp.MustCompile("\"(?:[^\"\\\\]|\\\\.)*\"|`[^`]*`|'[^']*'")

// redact shortens quoted values in an error message so that it never
// echoes more than a few characters of a document, and keeps it on one
// line and short.
func redact(msg string) string {
	msg = quotedRE.ReplaceAllStringFunc(msg, func(q string) string {
		inner := q[1 : len(q)-1]
		if len(inner) <= 8 {
			return q
		}
		r := []rune(inner)
		if len(r) > 3 {
			r = r[:3]
		}
		return q[:1] + string(r) + "…(redacted)" + q[len(q)-1:]
	})
	msg = strings.ReplaceAll(msg, "\n", " ")
	if len(msg) > 300 {
		msg = msg[:300] + "…"
	}
	return msg
}

// yamlSafeJSON rewrites the strings of a JSON document so that a YAML
// parser reads them as encoding/json does: invalid UTF-8 becomes U+FFFD,
// characters YAML does not allow raw (DEL, C1 controls, U+FFFE...) and
// surrogate pairs become escapes YAML knows. Line breaks stay where they
// are. Valid JSON outside strings is left alone.
func yamlSafeJSON(data []byte) []byte {
	if _, ok := checkBytes(data); ok && !bytes.Contains(data, []byte(`\u`)) && !bytes.Contains(data, []byte(`\/`)) {
		return data
	}
	out := make([]byte, 0, len(data)+16)
	in := false
	for i := 0; i < len(data); {
		c := data[i]
		if !in {
			if c == '"' {
				in = true
			}
			out = append(out, c)
			i++
			continue
		}
		switch {
		case c == '"':
			in = false
			out = append(out, c)
			i++
		case c == '\\' && i+1 < len(data) && data[i+1] == 'u' && i+6 <= len(data):
			r, ok := parseHex(data[i+2 : i+6])
			if !ok {
				out = append(out, data[i:i+2]...)
				i += 2
				continue
			}
			i += 6
			if r >= 0xD800 && r < 0xDC00 && i+6 <= len(data) && data[i] == '\\' && data[i+1] == 'u' {
				if r2, ok := parseHex(data[i+2 : i+6]); ok && r2 >= 0xDC00 && r2 < 0xE000 {
					out = fmt.Appendf(out, `\U%08x`, (r-0xD800)<<10+(r2-0xDC00)+0x10000)
					i += 6
					continue
				}
			}
			if r >= 0xD800 && r < 0xE000 {
				r = 0xFFFD
			}
			out = fmt.Appendf(out, `\u%04x`, r)
		case c == '\\' && i+1 < len(data) && data[i+1] == '/':
			out = append(out, '/')
			i += 2
		case c == '\\' && i+1 < len(data):
			out = append(out, data[i:i+2]...)
			i += 2
		case c < utf8.RuneSelf:
			if c == 0x7f || c < 0x20 && c != '\t' {
				out = fmt.Appendf(out, `\u%04x`, c)
			} else {
				out = append(out, c)
			}
			i++
		default:
			r, size := utf8.DecodeRune(data[i:])
			if r == utf8.RuneError && size == 1 || r < 0xA0 && r != 0x85 || r == 0xFEFF || r == 0xFFFE || r == 0xFFFF || r == 0x2028 || r == 0x2029 || r == 0x85 {
				if r == utf8.RuneError && size == 1 {
					r = 0xFFFD
				}
				out = fmt.Appendf(out, `\u%04x`, r)
			} else {
				out = append(out, data[i:i+size]...)
			}
			i += size
		}
	}
	return out
}

// parseHex reads up to 8 hex digits (JSON \u, YAML \x, \u and \U escapes);
// uint32 holds 8 digits without overflow.
func parseHex(b []byte) (uint32, bool) {
	var r uint32
	for _, h := range b {
		switch {
		case '0' <= h && h <= '9':
			r = r<<4 | uint32(h-'0')
		case 'a' <= h && h <= 'f':
			r = r<<4 | uint32(h-'a'+10)
		case 'A' <= h && h <= 'F':
			r = r<<4 | uint32(h-'A'+10)
		default:
			return 0, false
		}
	}
	return r, true
}
