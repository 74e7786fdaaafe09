package yamledit

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"github.com/kubeward/kubeward/internal/check"
)

// omap is new content in the order the edits created it.
type omap struct {
	keys []string
	vals map[string]any
}

func newOmap() *omap { return &omap{vals: map[string]any{}} }

func (o *omap) get(k string) (any, bool) { v, ok := o.vals[k]; return v, ok }

func (o *omap) set(k string, v any) {
	if _, ok := o.vals[k]; !ok {
		o.keys = append(o.keys, k)
	}
	o.vals[k] = v
}

// style is how a document indents: the step of nested mappings, and how far
// a block sequence sits right of its key (0: "key:\n- a", step: "key:\n  - a").
type style struct {
	step, seqIndent int
}

var plainSafe = regexp.MustCompile(`^[A-Za-z_/][A-Za-z0-9_./-]*$|^[0-9]+[A-Za-z][A-Za-z0-9_./-]*$`)

// reserved are plain words YAML 1.1 or 1.2 read as something other than a string.
var reserved = map[string]bool{"true": true, "false": true, "yes": true, "no": true, "on": true, "off": true, "y": true, "n": true, "null": true, "~": true}

// scalar renders a scalar value plainly when YAML reads it back as the same
// value, else double-quoted.
func scalar(v any) string {
	switch t := v.(type) {
	case nil:
		return "null"
	case bool:
		return strconv.FormatBool(t)
	case int:
		return strconv.Itoa(t)
	case int32:
		return strconv.FormatInt(int64(t), 10)
	case int64:
		return strconv.FormatInt(t, 10)
	case string:
		if plainSafe.MatchString(t) && !reserved[strings.ToLower(t)] && !looksNumber(t) {
			return t
		}
		return strconv.Quote(t)
	}
	return strconv.Quote(fmt.Sprint(v))
}

func looksNumber(s string) bool {
	if _, err := strconv.ParseFloat(s, 64); err == nil {
		return true
	}
	if _, err := strconv.ParseInt(s, 0, 64); err == nil {
		return true
	}
	l := strings.ToLower(s)
	return strings.HasPrefix(l, "0x") || strings.HasPrefix(l, "0o") || strings.HasPrefix(l, "0b") || strings.HasPrefix(l, ".") || l == "inf" || l == "nan"
}

// quoteLike renders a string in the quoting style of the scalar it replaces.
func quoteLike(v any, old string) string {
	s, ok := v.(string)
	if !ok {
		return scalar(v)
	}
	switch {
	case strings.HasPrefix(old, `"`):
		return strconv.Quote(s)
	case strings.HasPrefix(old, `'`):
		return "'" + strings.ReplaceAll(s, "'", "''") + "'"
	}
	return scalar(v)
}

// flow renders v in one line.
func flow(v any) string {
	switch t := v.(type) {
	case []any:
		parts := make([]string, len(t))
		for i, x := range t {
			parts[i] = flow(x)
		}
		return "[" + strings.Join(parts, ", ") + "]"
	case map[string]any:
		keys := check.SortedKeys(t)
		parts := make([]string, len(keys))
		for i, k := range keys {
			parts[i] = scalar(k) + ": " + flow(t[k])
		}
		return "{" + strings.Join(parts, ", ") + "}"
	case *omap:
		parts := make([]string, len(t.keys))
		for i, k := range t.keys {
			parts[i] = scalar(k) + ": " + flow(t.vals[k])
		}
		return "{" + strings.Join(parts, ", ") + "}"
	}
	return scalar(v)
}

func entriesOf(v any) ([]string, func(string) any, bool) {
	switch t := v.(type) {
	case map[string]any:
		return check.SortedKeys(t), func(k string) any { return t[k] }, true
	case *omap:
		return t.keys, func(k string) any { return t.vals[k] }, true
	}
	return nil, nil, false
}

func isEmpty(v any) bool {
	switch t := v.(type) {
	case map[string]any:
		return len(t) == 0
	case *omap:
		return len(t.keys) == 0
	case []any:
		return len(t) == 0
	}
	return false
}

// block renders the entries of a mapping at indent, one line each ending
// in "\n".
func (st style) block(b *strings.Builder, v any, indent int) {
	keys, get, _ := entriesOf(v)
	pad := strings.Repeat(" ", indent)
	for _, k := range keys {
		x := get(k)
		b.WriteString(pad + scalar(k) + ":")
		st.value(b, x, indent)
	}
}

// value renders x as the value of a key at indent: on the key's line when
// it is a scalar or empty, below it otherwise.
func (st style) value(b *strings.Builder, x any, indent int) {
	if isEmpty(x) {
		b.WriteString(" " + flow(x) + "\n")
		return
	}
	switch t := x.(type) {
	case map[string]any, *omap:
		b.WriteString("\n")
		st.block(b, t, indent+st.step)
	case []any:
		b.WriteString("\n")
		st.items(b, t, indent+st.seqIndent)
	default:
		b.WriteString(" " + scalar(x) + "\n")
	}
}

// items renders list items with their dash at indent.
func (st style) items(b *strings.Builder, list []any, indent int) {
	pad := strings.Repeat(" ", indent)
	for _, x := range list {
		if _, _, ok := entriesOf(x); ok && !isEmpty(x) {
			var inner strings.Builder
			st.block(&inner, x, indent+2)
			s := inner.String()
			b.WriteString(pad + "- " + s[indent+2:])
			continue
		}
		if l, ok := x.([]any); ok {
			b.WriteString(pad + "- " + flow(l) + "\n")
			continue
		}
		b.WriteString(pad + "- " + flow(x) + "\n")
	}
}
