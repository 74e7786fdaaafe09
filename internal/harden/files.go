package harden

import (
	"github.com/kubeward/kubeward/internal/harden/yamledit"
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
func EditBytes(src []byte, fixes []*ObjectFix) ([]byte, []*ObjectFix, []Refusal, error) {
	objs := make([]yamledit.Object, len(fixes))
	for i, f := range fixes {
		objs[i] = yamledit.Object{Kind: f.Object.Kind, Namespace: f.Object.Namespace, Name: f.Object.Name, Edits: f.Edits}
	}
	out, oc, err := yamledit.Apply(src, objs, nil)
	if err != nil {
		return nil, nil, nil, err
	}
	var applied []*ObjectFix
	var refused []Refusal
	var news []map[string]any
	for i, f := range fixes {
		if oc[i].Refused != "" {
			refused = append(refused, Refusal{Fix: f, Reason: oc[i].Refused})
			continue
		}
		applied = append(applied, f)
		news = append(news, f.New...)
	}
	if len(news) > 0 {
		out, _, err = yamledit.Apply(out, nil, news)
		if err != nil {
			return nil, nil, nil, err
		}
	}
	return out, applied, refused, nil
}
