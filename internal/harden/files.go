package harden

import (
	"github.com/kubeward/kubeward/internal/harden/yamledit"
	"github.com/kubeward/kubeward/internal/inventory"
)

// Refusal is an object whose fix could not be spliced into its file, and why.
type Refusal struct {
	Fix    *ObjectFix
	Reason string
}

// EditBytes splices the fixes of objects of one YAML stream into src and
// appends the new objects of the fixes it applied. It returns the new text,
// the fixes applied and those refused; err means the stream cannot be
// edited at all (it does not parse, or mixes line ends).
//
// inStream are the objects the stream holds (from the loader): a new
// object is not added when the stream already has one of its name.
func EditBytes(src []byte, fixes []*ObjectFix, inStream []*inventory.Object) ([]byte, []*ObjectFix, []Refusal, error) {
	objs := make([]yamledit.Object, len(fixes))
	for i, f := range fixes {
		objs[i] = yamledit.Object{Kind: f.Object.Kind, Namespace: f.Object.Namespace, Name: f.Object.Name, Line: f.Object.Line, Edits: f.Edits}
	}
	have := map[string]bool{}
	for _, o := range inStream {
		have[o.Kind+"/"+o.Namespace+"/"+o.Name] = true
	}
	var applied []*ObjectFix
	var refused []Refusal
	out, _, err := yamledit.ApplyWith(src, objs, func(oc []yamledit.Outcome) []map[string]any {
		var news []map[string]any
		for i, f := range fixes {
			if oc[i].Refused != "" {
				refused = append(refused, Refusal{Fix: f, Reason: oc[i].Refused})
				continue
			}
			applied = append(applied, f)
			news = append(news, f.New...)
		}
		return news
	}, func(kind, ns, name string) bool { return have[kind+"/"+ns+"/"+name] })
	if err != nil {
		return nil, nil, nil, err
	}
	return out, applied, refused, nil
}
