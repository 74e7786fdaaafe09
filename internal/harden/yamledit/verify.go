package yamledit

import (
	"fmt"
	"reflect"

	"github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/parser"

	"github.com/kubeward/kubeward/internal/check"
)

// value converts a parsed node to plain values (map[string]any, []any,
// string, float64 for every number, bool, nil), resolving aliases; false
// for what it cannot read the same way twice (a merge key, NaN).
func value(n ast.Node, anchors map[string]any) (any, bool) {
	switch t := n.(type) {
	case nil:
		return nil, true
	case *ast.DocumentNode:
		return value(t.Body, anchors)
	case *ast.MappingNode:
		m := make(map[string]any, len(t.Values))
		for _, e := range t.Values {
			if !entryValue(m, e, anchors) {
				return nil, false
			}
		}
		return m, true
	case *ast.MappingValueNode:
		m := map[string]any{}
		return m, entryValue(m, t, anchors)
	case *ast.SequenceNode:
		l := make([]any, len(t.Values))
		for i, x := range t.Values {
			v, ok := value(x, anchors)
			if !ok {
				return nil, false
			}
			l[i] = v
		}
		return l, true
	case *ast.AnchorNode:
		v, ok := value(t.Value, anchors)
		if ok && t.Name != nil {
			anchors[t.Name.GetToken().Value] = v
		}
		return v, ok
	case *ast.AliasNode:
		if t.Value == nil {
			return nil, false
		}
		v, ok := anchors[t.Value.GetToken().Value]
		return v, ok
	case *ast.TagNode:
		return value(t.Value, anchors)
	case ast.ScalarNode:
		return scalarValue(t.GetValue())
	}
	return nil, false
}

func entryValue(m map[string]any, e *ast.MappingValueNode, anchors map[string]any) bool {
	if e.Key == nil {
		return false
	}
	if _, ok := e.Key.(*ast.MappingKeyNode); ok {
		return false
	}
	tk := e.Key.GetToken()
	if tk == nil || tk.Value == "<<" {
		return false
	}
	k := tk.Value
	if sn, ok := e.Key.(ast.ScalarNode); ok {
		if v := sn.GetValue(); v != nil {
			k = fmt.Sprint(v)
		}
	}
	v, ok := value(e.Value, anchors)
	if !ok {
		return false
	}
	m[k] = v
	return true
}

func scalarValue(v any) (any, bool) {
	switch t := v.(type) {
	case nil, string, bool:
		return t, true
	case int:
		return float64(t), true
	case int64:
		return float64(t), true
	case uint64:
		return float64(t), true
	case float64:
		return t, t == t // NaN never compares equal
	}
	return fmt.Sprint(v), true
}

// plainValue is an edit value in the same terms as value.
func plainValue(v any) any {
	switch t := v.(type) {
	case map[string]any:
		m := make(map[string]any, len(t))
		for k, x := range t {
			m[k] = plainValue(x)
		}
		return m
	case []any:
		l := make([]any, len(t))
		for i, x := range t {
			l[i] = plainValue(x)
		}
		return l
	case int:
		return float64(t)
	case int32:
		return float64(t)
	case int64:
		return float64(t)
	}
	return v
}

func docsOf(f *ast.File) ([]any, bool) {
	out := make([]any, 0, len(f.Docs))
	for _, d := range f.Docs {
		var v any
		if d != nil && d.Body != nil {
			var ok bool
			if v, ok = value(d.Body, map[string]any{}); !ok {
				return nil, false
			}
		}
		out = append(out, v)
	}
	return out, true
}

func findDecoded(docs []any, o Object) map[string]any {
	var found map[string]any
	match := func(x any) {
		m, ok := x.(map[string]any)
		if !ok || m["kind"] != o.Kind {
			return
		}
		meta, _ := m["metadata"].(map[string]any)
		if meta == nil || meta["name"] != o.Name {
			return
		}
		if ns, _ := meta["namespace"].(string); ns != "" && ns != o.Namespace {
			return
		}
		found = m
	}
	for _, d := range docs {
		match(d)
		if m, ok := d.(map[string]any); ok {
			if items, ok := m["items"].([]any); ok {
				for _, it := range items {
					match(it)
				}
			}
		}
	}
	return found
}

// verify reports whether edited, parsed again, decodes to the documents of
// the original piece with the edits of objs[edited] applied by Tree: the
// guard that no splice changes more, less or other than its edits,
// whatever the layout.
func verify(orig *ast.File, edited []byte, objs []Object, idx []int) bool {
	want, ok := docsOf(orig)
	if !ok {
		return false
	}
	for _, i := range idx {
		m := findDecoded(want, objs[i])
		if m == nil {
			return false
		}
		for _, e := range objs[i].Edits {
			if e.Op == check.Create {
				continue
			}
			e.Value = plainValue(e.Value)
			if Tree(m, e) != nil {
				return false
			}
		}
	}
	f, err := parser.ParseBytes(edited, 0)
	if err != nil {
		return false
	}
	got, ok := docsOf(f)
	return ok && reflect.DeepEqual(want, got)
}
