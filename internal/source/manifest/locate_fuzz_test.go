package manifest

import (
	"bytes"
	"testing"

	"go.yaml.in/yaml/v3"
)

// FuzzTemplateLocator feeds a template and a rendered document to the
// template locator (templateText, analyze, valueRefs, the line patterns,
// find) and to the values locator, as a chart render does. It must not
// panic, and every line it gives must be a line of the template or of the
// values file.
func FuzzTemplateLocator(f *testing.F) {
	f.Add([]byte("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}\ndata:\n  {{ .Values.k }}: {{ .Values.v | quote }}\n"),
		[]byte("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: r\ndata:\n  a: \"b\"\n"),
		[]byte("k: a\nv: b\n"))
	f.Add([]byte("spec:\n  {{- with .Values.pod }}\n  template:\n    {{- toYaml . | nindent 4 }}\n  {{- end }}\n{{ if"),
		[]byte("apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: d}\nspec:\n  template:\n    spec: {hostNetwork: true}\n"),
		[]byte("pod:\n  spec:\n    hostNetwork: true\n"))
	f.Fuzz(func(t *testing.T, tmpl, rendered, values []byte) {
		if len(tmpl)+len(rendered)+len(values) > 1<<14 {
			return
		}
		vals := &chartValues{}
		var root yaml.Node
		if unmarshalYAML(values, &root) == nil && len(root.Content) > 0 {
			vals.files = append(vals.files, valuesFile{name: "values.yaml", root: root.Content[0]})
		}
		tl := newTemplateLocator(tmpl).withValues(vals)
		d, err := decodeDocument("t.yaml", "", document{data: rendered, line: 1}, "default")
		if err != nil || len(d.objects) != 1 {
			return
		}
		tl.fix(d.objects, document{data: rendered, line: 1})
		o := d.objects[0]
		tmplLines := bytes.Count(tmpl, []byte("\n")) + 1
		valuesLines := bytes.Count(values, []byte("\n")) + 1
		for _, p := range []string{"kind", "metadata.name", "data.a", "spec.template.spec.hostNetwork", "spec.template.spec.containers[0].image"} {
			if o.Locate != nil {
				if l := o.Locate(p); l < 0 || l > tmplLines {
					t.Fatalf("Locate(%s) = %d, template has %d lines", p, l, tmplLines)
				}
			}
			if o.LocateFile != nil {
				if file, l := o.LocateFile(p); l < 0 || file == "values.yaml" && l > valuesLines {
					t.Fatalf("LocateFile(%s) = %s:%d, values have %d lines", p, file, l, valuesLines)
				}
			}
		}
	})
}

// FuzzOriginAnnotations feeds a kustomization to addOriginAnnotations,
// which rewrites the top kustomization as kustomize reads it: what it
// returns must still be one YAML mapping asking for origin annotations.
func FuzzOriginAnnotations(f *testing.F) {
	f.Add([]byte("resources: [a.yaml]\n"))
	f.Add([]byte("buildMetadata: [managedByLabel]\nresources:\n- ../base\n"))
	f.Add([]byte("buildMetadata: originAnnotations\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) > 1<<14 {
			return
		}
		out, ok := addOriginAnnotations(data)
		if !ok {
			return
		}
		var doc yaml.Node
		if err := yaml.Unmarshal(out, &doc); err != nil || len(doc.Content) == 0 || doc.Content[0].Kind != yaml.MappingNode {
			t.Fatalf("%q became %q, not a mapping (%v)", data, out, err)
		}
		found := false
		for _, v := range strs(yfield(doc.Content[0], "buildMetadata")) {
			found = found || v == "originAnnotations"
		}
		if !found {
			t.Fatalf("%q became %q, without originAnnotations", data, out)
		}
	})
}
