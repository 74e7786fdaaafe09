package harden

import (
	"fmt"
	"reflect"
	"strings"

	corev1 "k8s.io/api/core/v1"

	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/yaml"

	"github.com/kubeward/kubeward/internal/check"
	"github.com/kubeward/kubeward/internal/harden/yamledit"
	"github.com/kubeward/kubeward/internal/inventory"
)

// Tree is an object as decoded YAML (maps and lists).
func Tree(o *inventory.Object) (map[string]any, error) {
	if o.Typed == nil {
		return nil, fmt.Errorf("%s %s: not decoded", o.Kind, o.Name)
	}
	m, err := runtime.DefaultUnstructuredConverter.ToUnstructured(o.Typed)
	if err != nil {
		return nil, fmt.Errorf("%s %s: %w", o.Kind, o.Name, err)
	}
	api := o.Version
	if o.Group != "" {
		api = o.Group + "/" + o.Version
	}
	m["apiVersion"], m["kind"] = api, o.Kind
	if md, ok := m["metadata"].(map[string]any); ok {
		delete(md, "creationTimestamp")
	}
	return m, nil
}

// Hardened is the object with the fix's edits applied.
func Hardened(f *ObjectFix) (map[string]any, error) {
	m, err := Tree(f.Object)
	if err != nil {
		return nil, err
	}
	for _, e := range f.Edits {
		if err := yamledit.Tree(m, e); err != nil {
			return nil, err
		}
	}
	return m, nil
}

// Patch is the strategic-merge patch that makes the fix's edits: the
// object's identity, each set field, null for each removed field, and
// {"$patch": "delete"} for each removed list element; list elements are
// named by their merge key (the selector of the path).
func Patch(f *ObjectFix) (map[string]any, error) {
	orig, err := Tree(f.Object)
	if err != nil {
		return nil, err
	}
	hard, err := Hardened(f)
	if err != nil {
		return nil, err
	}
	meta := map[string]any{"name": f.Object.Name}
	if f.Object.Namespace != "" {
		meta["namespace"] = f.Object.Namespace
	}
	p := map[string]any{"apiVersion": orig["apiVersion"], "kind": orig["kind"], "metadata": meta}
	for _, e := range f.Edits {
		if err := patchEdit(p, orig, hard, e); err != nil {
			return nil, fmt.Errorf("%s %s: %w", f.Object.Kind, f.Object.Name, err)
		}
	}
	return p, nil
}

func patchEdit(p, orig, hard map[string]any, e check.Edit) error {
	segs := splitPath(e.Path)
	cur, o, h := p, orig, hard
	for i, s := range segs {
		key, selK, selV, hasSel := parseSeg(s)
		last := i == len(segs)-1
		if hasSel {
			ol, _ := o[key].([]any)
			var oe map[string]any
			for _, x := range ol {
				if xm, ok := x.(map[string]any); ok && fmt.Sprint(xm[selK]) == selV {
					oe = xm
				}
			}
			if oe == nil {
				return nil // Remove of something absent
			}
			pl, _ := cur[key].([]any)
			var pe map[string]any
			for _, x := range pl {
				if xm, ok := x.(map[string]any); ok && fmt.Sprint(xm[selK]) == selV {
					pe = xm
				}
			}
			if pe == nil {
				pe = map[string]any{selK: oe[selK]}
				cur[key] = append(pl, pe)
			}
			if last {
				pe["$patch"] = "delete"
				return nil
			}
			var he map[string]any
			hl, _ := h[key].([]any)
			for _, x := range hl {
				if xm, ok := x.(map[string]any); ok && fmt.Sprint(xm[selK]) == selV {
					he = xm
				}
			}
			cur, o, h = pe, oe, he
			if h == nil {
				h = map[string]any{}
			}
			continue
		}
		if last {
			switch e.Op {
			case check.Set:
				cur[key] = e.Value
			case check.Remove:
				if _, ok := o[key]; ok {
					cur[key] = nil
				}
			case check.Append:
				list, _ := h[key].([]any)
				if _, isMap := e.Value.(map[string]any); isMap {
					pl, _ := cur[key].([]any)
					cur[key] = append(pl, e.Value) // merged by the list's merge key
				} else {
					cur[key] = list // scalar lists are replaced whole
				}
			}
			return nil
		}
		next, ok := cur[key].(map[string]any)
		if !ok {
			next = map[string]any{}
			cur[key] = next
		}
		om, _ := o[key].(map[string]any)
		hm, _ := h[key].(map[string]any)
		if om == nil {
			om = map[string]any{}
		}
		if hm == nil {
			hm = map[string]any{}
		}
		cur, o, h = next, om, hm
	}
	return nil
}

func splitPath(p string) []string {
	var out []string
	depth, start := 0, 0
	for i := 0; i < len(p); i++ {
		switch p[i] {
		case '[':
			depth++
		case ']':
			depth--
		case '.':
			if depth == 0 {
				out = append(out, p[start:i])
				start = i + 1
			}
		}
	}
	return append(out, p[start:])
}

func parseSeg(s string) (key, selK, selV string, ok bool) {
	i := strings.IndexByte(s, '[')
	if i < 0 || !strings.HasSuffix(s, "]") {
		return s, "", "", false
	}
	sel := s[i+1 : len(s)-1]
	eq := strings.IndexByte(sel, '=')
	if eq < 0 {
		return s, "", "", false
	}
	return s[:i], sel[:eq], sel[eq+1:], true
}

// YAML renders an object or patch.
func YAML(m map[string]any) ([]byte, error) { return yaml.Marshal(m) }

// HardenedObject is a copy of the fix's object with the edits applied.
func HardenedObject(f *ObjectFix) (*inventory.Object, error) {
	m, err := Hardened(f)
	if err != nil {
		return nil, err
	}
	typed := reflect.New(reflect.TypeOf(f.Object.Typed).Elem()).Interface()
	if err := runtime.DefaultUnstructuredConverter.FromUnstructured(m, typed); err != nil {
		return nil, fmt.Errorf("%s %s: %w", f.Object.Kind, f.Object.Name, err)
	}
	c := *f.Object
	c.Typed, c.Locate, c.LocateFile = typed, nil, nil
	return &c, nil
}

// NewObjects are the objects the fix creates, decoded (ServiceAccounts).
func NewObjects(f *ObjectFix) ([]*inventory.Object, error) {
	var out []*inventory.Object
	for _, n := range f.New {
		if n["kind"] != "ServiceAccount" {
			return nil, fmt.Errorf("harden: a fix creates a %v, which kubeward cannot decode", n["kind"])
		}
		sa := &corev1.ServiceAccount{}
		if err := runtime.DefaultUnstructuredConverter.FromUnstructured(n, sa); err != nil {
			return nil, err
		}
		out = append(out, &inventory.Object{Version: "v1", Kind: "ServiceAccount", Namespace: sa.Namespace, Name: sa.Name,
			Labels: sa.Labels, Annotations: sa.Annotations, Typed: sa, File: f.Object.File, Origin: f.Object.Origin})
	}
	return out, nil
}
