package manifest

import (
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
)

// This file converts a parsed YAML document to the JSON kubectl would send
// to the API server. kubectl reads YAML with sigs.k8s.io/yaml, that is
// yaml.v2 and YAML 1.1 scalar rules: unquoted yes/no/on/off are booleans,
// 0777 is octal, 1_000 is 1000, .inf is an error (JSON has no infinity).
// The conversion follows those rules, not YAML 1.2's, so that
// "privileged: yes" is as privileged here as in the cluster.
//
// Two choices differ from kubectl on purpose, and both fail loudly rather
// than pick one reading silently:
//   - a key repeated in one mapping (after resolving it to its JSON string)
//     is refused with its line, as strict decoding (the API server's
//     fieldValidation=Strict, kubectl's default) does; kubectl's YAML
//     reader would keep the last value, encoding/json would merge nested
//     objects. Keys that come from merge keys ("<<") override as yaml.v2
//     does: in document order, earlier merge sources winning over later.
//   - a document that expands (through aliases) to more than maxJSONBytes
//     of JSON is refused: alias bombs fail in milliseconds instead of
//     exhausting memory.

// maxJSONBytes bounds the JSON one document may expand to. etcd refuses
// objects over 1.5 MiB; the bound is far above any real object and far
// below what an alias bomb asks for.
const maxJSONBytes = 64 << 20

var (
	errTooLarge    = errors.New("document expands to more than 64 MiB of JSON through aliases (alias bomb?)")
	errTooDeep     = errors.New("nesting too deep")
	errDuplicate   = errors.New("duplicate key")
	errInfinity    = errors.New("infinity and NaN are not JSON numbers")
	errComplexKey  = errors.New("mapping key is not a scalar")
	errNullKey     = errors.New("mapping key is null")
	errMergeNotMap = errors.New("merge key value is not a mapping")
	errTagMismatch = errors.New("value does not match its tag")
)

// convError is a conversion error at a line of the parsed document.
type convError struct {
	line int // line within the document's YAML, 1-based
	err  error
	key  string // for errDuplicate: the key, for the message
}

func (e *convError) Error() string {
	if e.key != "" {
		return fmt.Sprintf("%v %s", e.err, e.key)
	}
	return e.err.Error()
}

func (e *convError) Unwrap() error { return e.err }

// jsonWriter writes YAML nodes as JSON within a byte budget shared by all
// the objects of a document.
type jsonWriter struct {
	buf   bytes.Buffer
	limit int // the most buf may hold: what is left of the document's budget
	// json is set for documents read from a JSON stream: their plain
	// scalars are JSON literals, written as they are.
	json bool
}

// toJSON writes the YAML node as JSON with a fresh budget.
func toJSON(n *yaml.Node) ([]byte, error) {
	w := &jsonWriter{limit: maxJSONBytes}
	if err := w.write(n, 0); err != nil {
		return nil, err
	}
	return w.buf.Bytes(), nil
}

const maxDepth = 10_000

func (w *jsonWriter) write(n *yaml.Node, depth int) error {
	if depth > maxDepth {
		return &convError{line: n.Line, err: errTooDeep}
	}
	if w.buf.Len() > w.limit {
		return &convError{line: n.Line, err: errTooLarge}
	}
	switch n.Kind {
	case yaml.DocumentNode:
		if len(n.Content) == 0 {
			w.buf.WriteString("null")
			return nil
		}
		return w.write(n.Content[0], depth+1)
	case yaml.AliasNode:
		if n.Alias == nil {
			return &convError{line: n.Line, err: errors.New("unknown alias")}
		}
		return w.write(n.Alias, depth+1)
	case yaml.SequenceNode:
		w.buf.WriteByte('[')
		for i, c := range n.Content {
			if i > 0 {
				w.buf.WriteByte(',')
			}
			if err := w.write(c, depth+1); err != nil {
				return err
			}
		}
		w.buf.WriteByte(']')
		return nil
	case yaml.MappingNode:
		return w.writeMapping(n, depth, nil)
	case yaml.ScalarNode:
		return w.writeScalar(n)
	}
	return &convError{line: n.Line, err: errors.New("unsupported YAML node")}
}

// pair is a key of a mapping as JSON sees it, and its value.
type pair struct {
	key    string
	k, v   *yaml.Node
	merged bool // comes from a merge key
}

// writeMapping writes mapping n; extra pairs of already encoded JSON
// ("apiVersion", "kind" inferred from a list) come first.
func (w *jsonWriter) writeMapping(n *yaml.Node, depth int, extra []string) error {
	w.buf.WriteByte('{')
	first := true
	for i := 0; i+1 < len(extra); i += 2 {
		if !first {
			w.buf.WriteByte(',')
		}
		first = false
		writeString(&w.buf, extra[i])
		w.buf.WriteByte(':')
		writeString(&w.buf, extra[i+1])
	}
	if hasMerge(n) {
		pairs, err := w.effectivePairs(n, depth)
		if err != nil {
			return err
		}
		for _, p := range pairs {
			if err := w.writePair(&first, p.key, p.v, depth); err != nil {
				return err
			}
		}
	} else {
		if err := checkDuplicates(n); err != nil {
			return err
		}
		for i := 0; i+1 < len(n.Content); i += 2 {
			key, err := keyString(n.Content[i])
			if err != nil {
				return err
			}
			if err := w.writePair(&first, key, n.Content[i+1], depth); err != nil {
				return err
			}
		}
	}
	w.buf.WriteByte('}')
	return nil
}

func (w *jsonWriter) writePair(first *bool, key string, v *yaml.Node, depth int) error {
	if !*first {
		w.buf.WriteByte(',')
	}
	*first = false
	writeString(&w.buf, key)
	w.buf.WriteByte(':')
	return w.write(v, depth+1)
}

func isMergeKey(k *yaml.Node) bool {
	return k.Kind == yaml.ScalarNode && k.Tag == "!!merge"
}

func hasMerge(n *yaml.Node) bool {
	for i := 0; i < len(n.Content); i += 2 {
		if isMergeKey(n.Content[i]) {
			return true
		}
	}
	return false
}

// checkDuplicates refuses a mapping without merge keys that repeats a key.
func checkDuplicates(n *yaml.Node) error {
	c := n.Content
	if len(c) > 32 {
		return checkDuplicatesSlow(n)
	}
	for i := 0; i+1 < len(c); i += 2 {
		k := c[i]
		if !literalKey(k) {
			return checkDuplicatesSlow(n)
		}
		for j := 0; j < i; j += 2 {
			if c[j].Value == k.Value {
				return &convError{line: k.Line, err: errDuplicate, key: quoteKey(k.Value)}
			}
		}
	}
	return nil
}

// literalKey reports whether key k becomes its text in JSON: an untagged
// quoted scalar, or a plain one that cannot resolve to anything else.
func literalKey(k *yaml.Node) bool {
	return k.Kind == yaml.ScalarNode && k.Style&yaml.TaggedStyle == 0 &&
		(k.Style != 0 || k.Value != "" && !resolveHint[k.Value[0]])
}

func checkDuplicatesSlow(n *yaml.Node) error {
	seen := make(map[string]bool, len(n.Content)/2)
	for i := 0; i+1 < len(n.Content); i += 2 {
		k := n.Content[i]
		key, err := keyString(k)
		if err != nil {
			return err
		}
		if seen[key] {
			return &convError{line: k.Line, err: errDuplicate, key: quoteKey(key)}
		}
		seen[key] = true
	}
	return nil
}

// quoteKey quotes a key for an error message, shortened: keys are names,
// not secrets, but a hostile document could make one very long.
func quoteKey(k string) string {
	if len(k) > 40 {
		k = k[:40] + "..."
	}
	return strconv.Quote(k)
}

// effectivePairs resolves a mapping with merge keys the way yaml.v2 does:
// pairs are applied in document order, a merge key applying its mapping
// (or its list of mappings, the earlier ones winning) at its place, a later
// pair overriding an earlier one. Two explicit pairs with the same key are
// refused.
func (w *jsonWriter) effectivePairs(n *yaml.Node, depth int) ([]pair, error) {
	if depth > maxDepth {
		return nil, &convError{line: n.Line, err: errTooDeep}
	}
	// Merging costs work even when it writes nothing (the same aliased
	// mapping merged again and again): charge it to the budget.
	w.limit -= 16 * len(n.Content)
	if w.buf.Len() > w.limit {
		return nil, &convError{line: n.Line, err: errTooLarge}
	}
	if !hasMerge(n) {
		if err := checkDuplicates(n); err != nil {
			return nil, err
		}
		pairs := make([]pair, 0, len(n.Content)/2)
		for i := 0; i+1 < len(n.Content); i += 2 {
			key, err := keyString(n.Content[i])
			if err != nil {
				return nil, err
			}
			pairs = append(pairs, pair{key: key, k: n.Content[i], v: n.Content[i+1]})
		}
		return pairs, nil
	}
	var pairs []pair
	index := map[string]int{}
	set := func(p pair) error {
		if i, ok := index[p.key]; ok {
			if !p.merged && !pairs[i].merged {
				return &convError{line: p.k.Line, err: errDuplicate, key: quoteKey(p.key)}
			}
			pairs[i] = p
			return nil
		}
		index[p.key] = len(pairs)
		pairs = append(pairs, p)
		return nil
	}
	var merge func(v *yaml.Node, depth int) error
	merge = func(v *yaml.Node, depth int) error {
		if depth > maxDepth {
			return &convError{line: v.Line, err: errTooDeep}
		}
		for v.Kind == yaml.AliasNode && v.Alias != nil {
			v = v.Alias
		}
		switch v.Kind {
		case yaml.MappingNode:
			ps, err := w.effectivePairs(v, depth+1)
			if err != nil {
				return err
			}
			for _, p := range ps {
				p.merged = true
				if err := set(p); err != nil {
					return err
				}
			}
			return nil
		case yaml.SequenceNode:
			for i := len(v.Content) - 1; i >= 0; i-- {
				c := v.Content[i]
				for c.Kind == yaml.AliasNode && c.Alias != nil {
					c = c.Alias
				}
				if c.Kind != yaml.MappingNode {
					return &convError{line: c.Line, err: errMergeNotMap}
				}
				if err := merge(c, depth+1); err != nil {
					return err
				}
			}
			return nil
		}
		return &convError{line: v.Line, err: errMergeNotMap}
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if isMergeKey(k) {
			if err := merge(v, depth+1); err != nil {
				return nil, err
			}
			continue
		}
		key, err := keyString(k)
		if err != nil {
			return nil, err
		}
		if err := set(pair{key: key, k: k, v: v}); err != nil {
			return nil, err
		}
	}
	return pairs, nil
}

// keyString returns the JSON key a YAML mapping key becomes, as
// sigs.k8s.io/yaml converts it: ints and floats in decimal, booleans as
// true/false; null and collections are refused.
func keyString(k *yaml.Node) (string, error) {
	for k.Kind == yaml.AliasNode && k.Alias != nil {
		k = k.Alias
	}
	if k.Kind != yaml.ScalarNode {
		return "", &convError{line: k.Line, err: errComplexKey}
	}
	if k.Style&(yaml.DoubleQuotedStyle|yaml.SingleQuotedStyle|yaml.LiteralStyle|yaml.FoldedStyle) != 0 && k.Style&yaml.TaggedStyle == 0 {
		return k.Value, nil
	}
	if k.Style == 0 && k.Value != "" && !resolveHint[k.Value[0]] {
		return k.Value, nil
	}
	v, err := resolveV2(k)
	if err != nil {
		return "", err
	}
	switch v.kind {
	case scalarNull:
		return "", &convError{line: k.Line, err: errNullKey}
	case scalarFloat:
		s := strconv.FormatFloat(v.f, 'g', -1, 32)
		switch s {
		case "+Inf":
			s = ".inf"
		case "-Inf":
			s = "-.inf"
		case "NaN":
			s = ".nan"
		}
		return s, nil
	case scalarInt:
		return v.text, nil
	case scalarBool:
		if v.b {
			return "true", nil
		}
		return "false", nil
	}
	return v.text, nil
}

type scalarKind uint8

const (
	scalarString scalarKind = iota
	scalarNull
	scalarBool
	scalarInt
	scalarFloat
)

// resolved is a scalar as yaml.v2 reads it.
type resolved struct {
	kind scalarKind
	text string // the string, or an int in decimal
	b    bool
	f    float64
}

var yamlStyleFloat = regexp.MustCompile(`^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$`)

// resolvePlain resolves a plain scalar with yaml.v2's YAML 1.1 rules.
func resolvePlain(in string) resolved {
	if in == "" {
		return resolved{kind: scalarNull}
	}
	if !resolveHint[in[0]] {
		return resolved{text: in}
	}
	switch in {
	case "y", "Y", "yes", "Yes", "YES", "true", "True", "TRUE", "on", "On", "ON":
		return resolved{kind: scalarBool, b: true}
	case "n", "N", "no", "No", "NO", "false", "False", "FALSE", "off", "Off", "OFF":
		return resolved{kind: scalarBool}
	case "~", "null", "Null", "NULL":
		return resolved{kind: scalarNull}
	case ".nan", ".NaN", ".NAN":
		return resolved{kind: scalarFloat, f: math.NaN()}
	case ".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF":
		return resolved{kind: scalarFloat, f: math.Inf(1)}
	case "-.inf", "-.Inf", "-.INF":
		return resolved{kind: scalarFloat, f: math.Inf(-1)}
	}
	switch c := in[0]; {
	case c == '.':
		if f, err := strconv.ParseFloat(in, 64); err == nil {
			return resolved{kind: scalarFloat, f: f}
		}
	case c == '+' || c == '-' || c >= '0' && c <= '9':
		// yaml.v2 tries a timestamp first; those stay strings, as they do
		// here, and no timestamp parses as a number.
		plain := strings.ReplaceAll(in, "_", "")
		if i, err := strconv.ParseInt(plain, 0, 64); err == nil {
			return resolved{kind: scalarInt, text: strconv.FormatInt(i, 10)}
		}
		if u, err := strconv.ParseUint(plain, 0, 64); err == nil {
			return resolved{kind: scalarInt, text: strconv.FormatUint(u, 10)}
		}
		if yamlStyleFloat.MatchString(plain) {
			if f, err := strconv.ParseFloat(plain, 64); err == nil {
				return resolved{kind: scalarFloat, f: f}
			}
		}
		if rest, ok := strings.CutPrefix(plain, "0b"); ok {
			if i, err := strconv.ParseInt(rest, 2, 64); err == nil {
				return resolved{kind: scalarInt, text: strconv.FormatInt(i, 10)}
			}
			if u, err := strconv.ParseUint(rest, 2, 64); err == nil {
				return resolved{kind: scalarInt, text: strconv.FormatUint(u, 10)}
			}
		} else if rest, ok := strings.CutPrefix(plain, "-0b"); ok {
			if i, err := strconv.ParseInt("-"+rest, 2, 64); err == nil {
				return resolved{kind: scalarInt, text: strconv.FormatInt(i, 10)}
			}
		}
	}
	return resolved{text: in}
}

// resolveV2 resolves scalar node n as yaml.v2 does, explicit tags included.
func resolveV2(n *yaml.Node) (resolved, error) {
	tagged := n.Style&yaml.TaggedStyle != 0
	if !tagged {
		if n.Style&(yaml.DoubleQuotedStyle|yaml.SingleQuotedStyle|yaml.LiteralStyle|yaml.FoldedStyle) != 0 {
			return resolved{text: n.Value}, nil
		}
		return resolvePlain(n.Value), nil
	}
	switch tag := n.ShortTag(); tag {
	case "!!str":
		return resolved{text: n.Value}, nil
	case "!!binary":
		b, err := base64.StdEncoding.DecodeString(n.Value)
		if err != nil {
			return resolved{}, &convError{line: n.Line, err: errors.New("!!binary value is not base64")}
		}
		return resolved{text: string(b)}, nil
	case "!!bool", "!!int", "!!float", "!!null", "!!timestamp":
		r := resolvePlain(n.Value)
		want := map[string]scalarKind{"!!bool": scalarBool, "!!int": scalarInt, "!!float": scalarFloat, "!!null": scalarNull, "!!timestamp": scalarString}[tag]
		if tag == "!!timestamp" {
			if isTimestamp(n.Value) {
				return resolved{text: n.Value}, nil
			}
		} else if r.kind == want {
			return r, nil
		} else if want == scalarFloat && r.kind == scalarInt {
			f, _ := strconv.ParseFloat(r.text, 64)
			return resolved{kind: scalarFloat, f: f}, nil
		}
		return resolved{}, &convError{line: n.Line, err: fmt.Errorf("%w %s", errTagMismatch, tag)}
	}
	// Other tags: yaml.v2 keeps the text.
	return resolved{text: n.Value}, nil
}

// isTimestamp reports whether s is one of the timestamp forms yaml.v2
// accepts.
func isTimestamp(s string) bool {
	i := 0
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		i++
	}
	if i != 4 || i == len(s) || s[i] != '-' {
		return false
	}
	for _, f := range []string{"2006-1-2T15:4:5.999999999Z07:00", "2006-1-2t15:4:5.999999999Z07:00", "2006-1-2 15:4:5.999999999", "2006-1-2"} {
		if _, err := time.Parse(f, s); err == nil {
			return true
		}
	}
	return false
}

func (w *jsonWriter) writeScalar(n *yaml.Node) error {
	if w.json && n.Style == 0 {
		// A JSON literal: a number, true, false or null.
		w.buf.WriteString(n.Value)
		return nil
	}
	r, err := resolveV2(n)
	if err != nil {
		return err
	}
	switch r.kind {
	case scalarNull:
		w.buf.WriteString("null")
	case scalarBool:
		if r.b {
			w.buf.WriteString("true")
		} else {
			w.buf.WriteString("false")
		}
	case scalarInt:
		w.buf.WriteString(r.text)
	case scalarFloat:
		if math.IsInf(r.f, 0) || math.IsNaN(r.f) {
			return &convError{line: n.Line, err: errInfinity}
		}
		w.buf.Write(appendJSONFloat(w.buf.AvailableBuffer(), r.f))
	default:
		writeString(&w.buf, r.text)
	}
	return nil
}

// appendJSONFloat formats f as encoding/json does.
func appendJSONFloat(b []byte, f float64) []byte {
	abs := math.Abs(f)
	format := byte('f')
	if abs != 0 && (abs < 1e-6 || abs >= 1e21) {
		format = 'e'
	}
	b = strconv.AppendFloat(b, f, format, -1, 64)
	if format == 'e' {
		n := len(b)
		if n >= 4 && b[n-4] == 'e' && b[n-3] == '-' && b[n-2] == '0' {
			b[n-2] = b[n-1]
			b = b[:n-1]
		}
	}
	return b
}

const hexDigits = "0123456789abcdef"

// writeString writes s as a JSON string.
func writeString(buf *bytes.Buffer, s string) {
	buf.WriteByte('"')
	start := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 0x20 && c != '"' && c != '\\' {
			continue
		}
		buf.WriteString(s[start:i])
		switch c {
		case '"':
			buf.WriteString(`\"`)
		case '\\':
			buf.WriteString(`\\`)
		case '\n':
			buf.WriteString(`\n`)
		case '\r':
			buf.WriteString(`\r`)
		case '\t':
			buf.WriteString(`\t`)
		default:
			buf.WriteString(`\u00`)
			buf.WriteByte(hexDigits[c>>4])
			buf.WriteByte(hexDigits[c&0xf])
		}
		start = i + 1
	}
	buf.WriteString(s[start:])
	buf.WriteByte('"')
}
