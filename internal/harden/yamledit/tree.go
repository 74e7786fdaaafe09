package yamledit

import (
	"fmt"

	"github.com/kubeward/kubeward/internal/check"
)

// Tree applies e to a decoded object (map[string]any with []any lists), in
// place, with the semantics the splicer keeps:
//   - Set creates the mappings on the way; a selector must match an element;
//   - Remove of something absent does nothing; a mapping or list it leaves
//     empty is removed from its parent too (never the root);
//   - Append adds to the list (created when absent) unless it holds an
//     equal scalar, or, for a mapping, one with the same "name";
//   - Create is not an edit of the object and is ignored here.
func Tree(root map[string]any, e check.Edit) error {
	if e.Op == check.Create {
		return nil
	}
	segs, err := parsePath(e.Path)
	if err != nil {
		return err
	}
	_, err = treeApply(root, segs, e)
	return err
}

// treeApply applies e below m and reports whether m became empty through a
// removal.
func treeApply(m map[string]any, segs []seg, e check.Edit) (bool, error) {
	s := segs[0]
	last := len(segs) == 1
	child, present := m[s.Key]
	if s.HasSel {
		list, ok := child.([]any)
		if !present || child == nil {
			if e.Op == check.Remove {
				return false, nil
			}
			return false, fmt.Errorf("%s: no list %s", e.Path, s.Key)
		}
		if !ok {
			return false, fmt.Errorf("%s: %s is not a list", e.Path, s.Key)
		}
		idx := selectIndex(list, s)
		if idx < 0 {
			if e.Op == check.Remove {
				return false, nil
			}
			return false, fmt.Errorf("%s: no element %s=%s", e.Path, s.SelKey, s.SelVal)
		}
		if last {
			if e.Op != check.Remove {
				return false, fmt.Errorf("%s: only remove may end at a selector", e.Path)
			}
			list = append(list[:idx:idx], list[idx+1:]...)
		} else {
			em, ok := list[idx].(map[string]any)
			if !ok {
				return false, fmt.Errorf("%s: element is not a mapping", e.Path)
			}
			empty, err := treeApply(em, segs[1:], e)
			if err != nil {
				return false, err
			}
			if !empty {
				return false, nil
			}
			list = append(list[:idx:idx], list[idx+1:]...)
		}
		if len(list) == 0 {
			delete(m, s.Key)
			return len(m) == 0, nil
		}
		m[s.Key] = list
		return false, nil
	}
	if last {
		switch e.Op {
		case check.Set:
			m[s.Key] = clone(e.Value)
		case check.Remove:
			if !present {
				return false, nil
			}
			delete(m, s.Key)
			return len(m) == 0, nil
		case check.Append:
			var list []any
			if present && child != nil {
				l, ok := child.([]any)
				if !ok {
					return false, fmt.Errorf("%s: not a list", e.Path)
				}
				list = l
			}
			if !holds(list, e.Value) {
				list = append(list, clone(e.Value))
			}
			m[s.Key] = list
		default:
			return false, fmt.Errorf("%s: unknown op %v", e.Path, e.Op)
		}
		return false, nil
	}
	cm, ok := child.(map[string]any)
	if !present || child == nil {
		if e.Op == check.Remove {
			return false, nil
		}
		cm, ok = map[string]any{}, true
		m[s.Key] = cm
	}
	if !ok {
		return false, fmt.Errorf("%s: %s is not a mapping", e.Path, s.Key)
	}
	empty, err := treeApply(cm, segs[1:], e)
	if err != nil || !empty {
		return false, err
	}
	delete(m, s.Key)
	return len(m) == 0, nil
}

// selectIndex is the index of the first mapping of list whose SelKey
// scalar prints as SelVal, or -1.
func selectIndex(list []any, s seg) int {
	for i, x := range list {
		if mm, ok := x.(map[string]any); ok {
			if v, ok := mm[s.SelKey]; ok && scalarString(v) == s.SelVal {
				return i
			}
		}
	}
	return -1
}

func scalarString(v any) string {
	switch v.(type) {
	case map[string]any, []any, nil:
		return "\x00"
	}
	return fmt.Sprint(v)
}

// holds reports whether Append of v to list does nothing.
func holds(list []any, v any) bool {
	if vm, ok := v.(map[string]any); ok {
		name, named := vm["name"]
		if !named {
			return false
		}
		for _, x := range list {
			if xm, ok := x.(map[string]any); ok && scalarString(xm["name"]) == scalarString(name) {
				return true
			}
		}
		return false
	}
	for _, x := range list {
		if scalarString(x) == scalarString(v) {
			return true
		}
	}
	return false
}

func clone(v any) any {
	switch t := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(t))
		for k, x := range t {
			out[k] = clone(x)
		}
		return out
	case []any:
		out := make([]any, len(t))
		for i, x := range t {
			out[i] = clone(x)
		}
		return out
	}
	return v
}
