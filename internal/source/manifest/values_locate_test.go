package manifest

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

// valuesEntriesAt returns the values of the values-file entries (mapping
// keys and list items) on line n of file.
func valuesEntriesAt(t *testing.T, file string, n int) []*yaml.Node {
	t.Helper()
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatalf("location names %s: %v", file, err)
	}
	var root yaml.Node
	if err := yaml.Unmarshal(data, &root); err != nil {
		t.Fatalf("%s: %v", file, err)
	}
	var found []*yaml.Node
	var walk func(*yaml.Node)
	walk = func(x *yaml.Node) {
		switch x.Kind {
		case yaml.DocumentNode:
			for _, c := range x.Content {
				walk(c)
			}
		case yaml.MappingNode:
			for i := 0; i+1 < len(x.Content); i += 2 {
				if x.Content[i].Line == n {
					found = append(found, x.Content[i+1])
				}
				walk(x.Content[i+1])
			}
		case yaml.SequenceNode:
			for _, c := range x.Content {
				if c.Line == n {
					found = append(found, c)
				}
				walk(c)
			}
		}
	}
	walk(&root)
	return found
}

// valuesLineHolds reports whether line n of a values file holds an entry
// whose value is rn (any entry when rn is nil).
func valuesLineHolds(t *testing.T, file string, n int, rn *yaml.Node) bool {
	t.Helper()
	for _, v := range valuesEntriesAt(t, file, n) {
		if rn == nil || sameValue(v, rn) {
			return true
		}
	}
	return false
}

// writeChart writes a chart with the given files into a temporary directory.
func writeChart(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	files["Chart.yaml"] = "apiVersion: v2\nname: c\nversion: 0.1.0\n"
	for name, body := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

type wantLoc struct {
	file string // base name
	line int
}

func checkLocs(t *testing.T, dir string, opts Options, want map[string]wantLoc) {
	t.Helper()
	objs := chartObjects(t, dir, opts)
	o := onlyObject(t, objs)
	for path, w := range want {
		l := o.Location(path)
		if filepath.Base(l.File) != w.file || l.Line != w.line {
			t.Errorf("%s at %s:%d, want %s:%d", path, l.File, l.Line, w.file, w.line)
		}
	}
	checkLocations(t, objs)
}

// A field rendered from {{ .Values.x }} is located on the values line of x.
func TestTestdataChartValuesLocations(t *testing.T) {
	checkLocs(t, "testdata/chart", Options{}, map[string]wantLoc{
		"spec.template.spec.containers[0].image":                      {"values.yaml", 1},
		"spec.template.spec.containers[0].securityContext.privileged": {"values.yaml", 2},
		"spec.template.spec.containers[0].securityContext":            {"deployment.yaml", 13},
		"metadata.name": {"deployment.yaml", 4},
	})
}

// A key defined by two values files, or touched by --set, keeps its
// template line: which file won is not certain from the line alone.
func TestValuesLocationsAmbiguous(t *testing.T) {
	override := filepath.Join(t.TempDir(), "prod.yaml")
	if err := os.WriteFile(override, []byte("image: registry.bank.internal/demo:2.0\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	checkLocs(t, "testdata/chart", Options{ValueFiles: []string{override}}, map[string]wantLoc{
		"spec.template.spec.containers[0].image":                      {"deployment.yaml", 12},
		"spec.template.spec.containers[0].securityContext.privileged": {"values.yaml", 2},
	})
	checkLocs(t, "testdata/chart", Options{Set: []string{"privileged=false"}}, map[string]wantLoc{
		"spec.template.spec.containers[0].image":                      {"values.yaml", 1},
		"spec.template.spec.containers[0].securityContext.privileged": {"deployment.yaml", 14},
	})
	// The override file is the one that defines the key: its line.
	other := filepath.Join(t.TempDir(), "extra.yaml")
	if err := os.WriteFile(other, []byte("# extra\nextra:\n  port: 8080\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	checkLocs(t, "testdata/chart", Options{ValueFiles: []string{other}}, map[string]wantLoc{
		"spec.template.spec.containers[0].image": {"values.yaml", 1},
	})
}

// toYaml blocks, with blocks, quoting and lines with several actions.
func TestValuesLocationsBlocks(t *testing.T) {
	dir := writeChart(t, map[string]string{
		"values.yaml": `image:
  repository: nginx
  tag: "1.25"
user: 1000
podSecurityContext:
  runAsNonRoot: true
  seccompProfile:
    type: RuntimeDefault
securityContext:
  allowPrivilegeEscalation: false
  capabilities:
    drop: [ALL]
resources:
  limits:
    memory: 128Mi
tolerations:
  - key: dedicated
    operator: Exists
pullPolicy: IfNotPresent
`,
		"templates/d.yaml": `apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ .Release.Name }}
spec:
  selector: {matchLabels: {app: a}}
  template:
    metadata: {labels: {app: a}}
    spec:
      securityContext:
        {{- toYaml .Values.podSecurityContext | nindent 8 }}
      {{- with .Values.tolerations }}
      tolerations:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      containers:
        - name: app
          image: "{{ .Values.image.repository }}:{{ .Values.image.tag }}"
          imagePullPolicy: {{ .Values.pullPolicy | quote }}
          securityContext: {{- toYaml .Values.securityContext | nindent 12 }}
          {{- with .Values.resources }}
          resources:
            limits:
              memory: {{ .limits.memory }}
          {{- end }}
      initContainers:
        - name: side
          image: busybox
          securityContext:
            runAsUser: {{ .Values.user }}
            runAsGroup: {{ .Values.user }}
`,
	})
	const c0, c1 = "spec.template.spec.containers[0].", "spec.template.spec.initContainers[0]."
	checkLocs(t, dir, Options{}, map[string]wantLoc{
		"spec.template.spec.securityContext.runAsNonRoot":        {"values.yaml", 6},
		"spec.template.spec.securityContext.seccompProfile.type": {"values.yaml", 8},
		"spec.template.spec.securityContext.seccompProfile":      {"values.yaml", 7},
		"spec.template.spec.securityContext":                     {"d.yaml", 10},
		"spec.template.spec.securityContext.runAsUser":           {"d.yaml", 10}, // absent: the key that holds the block
		"spec.template.spec.tolerations[0].key":                  {"values.yaml", 17},
		"spec.template.spec.tolerations[0]":                      {"values.yaml", 17},
		c0 + "image":                                             {"d.yaml", 18}, // two actions
		c0 + "imagePullPolicy":                                   {"values.yaml", 19},
		c0 + "securityContext.allowPrivilegeEscalation":          {"values.yaml", 10},
		c0 + "securityContext.capabilities.drop[0]":              {"values.yaml", 12},
		c0 + "securityContext":                                   {"values.yaml", 9},
		c0 + "resources.limits.memory":                           {"values.yaml", 15},
		c0 + "resources.limits":                                  {"d.yaml", 23},
		c1 + "securityContext.runAsUser":                         {"values.yaml", 4},
		c1 + "securityContext.runAsGroup":                        {"values.yaml", 4},
		c1 + "image":                                             {"d.yaml", 28},
	})
}

// In the microservices-demo chart, fields rendered from values land on
// values lines that hold the rendered value (checkLocations), among them
// the toYaml'd resources and the service names.
func TestCorpusChartValuesLocations(t *testing.T) {
	dir := corpusChartDir(t)
	objs := chartObjects(t, dir, Options{})
	checkLocations(t, objs)
	inValues, located := 0, 0
	for _, ro := range objs {
		var paths []string
		fieldPaths(ro.body, "", &paths)
		for _, p := range paths {
			l := ro.obj.Location(p)
			if l.Line == 0 {
				continue
			}
			located++
			if filepath.Base(l.File) == "values.yaml" {
				inValues++
			}
		}
		if ro.obj.Kind == "Deployment" && ro.obj.Name == "adservice" {
			l := ro.obj.Location("spec.template.spec.containers[0].resources.requests.cpu")
			text := ""
			if l.Line > 0 {
				text = strings.TrimSpace(lineOf(t, l.File, l.Line))
			}
			if filepath.Base(l.File) != "values.yaml" || !strings.HasPrefix(text, "cpu:") {
				t.Errorf("adservice requests.cpu at %s:%d %q, want the adService.resources.requests.cpu line of values.yaml", l.File, l.Line, text)
			}
			if l := ro.obj.Location("spec.template.spec.containers[0].image"); filepath.Base(l.File) != "adservice.yaml" || l.Line != 72 {
				t.Errorf("adservice image at %s:%d, want templates/adservice.yaml:72 (three actions on the line)", l.File, l.Line)
			}
		}
	}
	t.Logf("%s: %d of %d located fields point into values.yaml", dir, inValues, located)
	if inValues == 0 {
		t.Error("no field located in values.yaml")
	}
}
