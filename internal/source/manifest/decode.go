package manifest

import (
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"

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

var yamlLineRE = regexp.MustCompile(`^yaml: line (\d+): `)

// decodeDocument parses one YAML or JSON document into objects.
func decodeDocument(file, origin string, doc document, defaultNamespace string) (*decoded, error) {
	var root yaml.Node
	if err := unmarshalYAML(doc.data, &root); err != nil {
		msg := err.Error()
		line := doc.line
		if m := yamlLineRE.FindStringSubmatch(msg); m != nil {
			n, _ := strconv.Atoi(m[1])
			line = doc.line + n - 1
			msg = "invalid YAML: " + msg[len(m[0]):]
		} else {
			msg = "invalid YAML: " + strings.TrimPrefix(msg, "yaml: ")
		}
		return nil, &InputError{File: file, Line: line, Err: errors.New(msg)}
	}
	out := &decoded{}
	if len(root.Content) == 0 {
		return out, nil // empty document or only comments
	}
	body := root.Content[0]
	offset := doc.line - 1
	if body.Kind != yaml.MappingNode {
		out.skip("(not an object)")
		return out, nil
	}
	return out, decodeObject(out, body, file, origin, offset, defaultNamespace)
}

func decodeObject(out *decoded, body *yaml.Node, file, origin string, offset int, defaultNamespace string) error {
	apiVersion, kind := scalarField(body, "apiVersion"), scalarField(body, "kind")
	if kind == "" || apiVersion == "" {
		out.skip("(no apiVersion/kind)")
		return nil
	}
	if items := field(body, "items"); items != nil && strings.HasSuffix(kind, "List") {
		if items.Kind != yaml.SequenceNode {
			return &InputError{File: file, Line: items.Line + offset, Err: fmt.Errorf("%s items is not a list", kind)}
		}
		for i, item := range items.Content {
			if item.Kind != yaml.MappingNode {
				return &InputError{File: file, Line: item.Line + offset, Err: fmt.Errorf("%s item %d is not an object", kind, i)}
			}
			if err := decodeObject(out, item, file, origin, offset, defaultNamespace); err != nil {
				return err
			}
		}
		return nil
	}
	group, version := inventory.SplitAPIVersion(apiVersion)
	typed := inventory.NewTyped(group, kind)
	if typed == nil {
		if group == "" {
			out.skip(kind)
		} else {
			out.skip(group + "/" + kind)
		}
		return nil
	}
	data, err := toJSON(body)
	if err != nil {
		return &InputError{File: file, Line: body.Line + offset, Err: err}
	}
	if err := json.Unmarshal(data, typed); err != nil {
		line := body.Line + offset
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) && te.Field != "" {
			line = locate(body, te.Field) + offset
			err = fmt.Errorf("%s %s: field %s: cannot use %s as %s", apiVersion, kind, te.Field, te.Value, te.Type)
		} else {
			err = fmt.Errorf("%s %s: %v", apiVersion, kind, err)
		}
		return &InputError{File: file, Line: line, Err: err}
	}
	meta, ok := typed.(metav1.Object)
	if !ok {
		return &InputError{File: file, Line: body.Line + offset, Err: fmt.Errorf("%s has no metadata", kind)}
	}
	o := &inventory.Object{
		Group: group, Version: version, Kind: kind,
		Namespace: meta.GetNamespace(), Name: meta.GetName(),
		Labels: meta.GetLabels(), Annotations: meta.GetAnnotations(),
		Typed: typed, File: file, Line: body.Line + offset, Origin: origin,
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
	out.objects = append(out.objects, o)
	return nil
}

func field(m *yaml.Node, key string) *yaml.Node {
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			return m.Content[i+1]
		}
	}
	return nil
}

func scalarField(m *yaml.Node, key string) string {
	if v := field(m, key); v != nil && v.Kind == yaml.ScalarNode {
		return v.Value
	}
	return ""
}
