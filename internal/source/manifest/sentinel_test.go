package manifest

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/kubeward/kubeward/internal/check/secrets"
	"github.com/kubeward/kubeward/internal/inventory"
)

// chartValues loads a chart and returns its ChartValue objects as
// "key source flows file:line", and every object.
func loadChartValues(t *testing.T, dir string, opts Options) ([]string, []*inventory.Object) {
	t.Helper()
	var mu sync.Mutex
	var got []string
	var all []*inventory.Object
	st := Load([]string{dir}, opts, func(o *inventory.Object) {
		mu.Lock()
		defer mu.Unlock()
		all = append(all, o)
		if cv, ok := o.Typed.(*inventory.ChartValue); ok {
			got = append(got, fmt.Sprintf("%s %s [%s] %s:%d", cv.Key, cv.Source, strings.Join(cv.Flows, ", "), filepath.Base(o.File), o.Location("").Line))
		}
	})
	if len(st.Errors) > 0 {
		t.Fatalf("errors: %v", st.Errors)
	}
	sort.Strings(got)
	return got, all
}

// TestChartSecretValues: each Helm pattern, found by rendering with
// sentinels: a literal default (into a Secret through b64enc, a ConfigMap
// inside a file, a secret-looking env var), --set, a --values file,
// required, randAlphaNum with and without lookup, existingSecret.
func TestChartSecretValues(t *testing.T) {
	dir := "testdata/secretcharts"
	extra := filepath.Join(t.TempDir(), "prod-values.yaml")
	if err := os.WriteFile(extra, []byte("auth:\n  username: app\n  password: from-Values-File1\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		chart string
		opts  Options
		want  []string
	}{
		{"literal", Options{}, []string{
			"api.token literal [ConfigMap/release-config] values.yaml:6",
			"auth.password literal [Secret/release-db] values.yaml:4",
			"monitoring.adminPassword literal [Deployment/release-web env GF_SECURITY_ADMIN_PASSWORD] values.yaml:8",
		}},
		{"literal", Options{Set: []string{"auth.password=given-on-the-command-line", "api.token=x", "monitoring.adminPassword=y"}}, []string{
			"api.token command-line [ConfigMap/release-config] values.yaml:6",
			"auth.password command-line [Secret/release-db] values.yaml:4",
			"monitoring.adminPassword command-line [Deployment/release-web env GF_SECURITY_ADMIN_PASSWORD] values.yaml:8",
		}},
		{"literal", Options{ValueFiles: []string{extra}, Set: []string{"api.token=x", "monitoring.adminPassword=y"}}, []string{
			"api.token command-line [ConfigMap/release-config] values.yaml:6",
			"auth.password literal [Secret/release-db] prod-values.yaml:3",
			"monitoring.adminPassword command-line [Deployment/release-web env GF_SECURITY_ADMIN_PASSWORD] values.yaml:8",
		}},
		{"required", Options{}, []string{"auth.password required [Secret/release-db] values.yaml:2"}},
		{"required", Options{Set: []string{"auth.password=given"}}, []string{"auth.password command-line [Secret/release-db] values.yaml:2"}},
		{"random", Options{}, []string{"auth.password generated [Secret/release-db] values.yaml:2"}},
		{"regenerated", Options{}, []string{"auth.password regenerated [Secret/release-db] values.yaml:2"}},
		{"existing", Options{}, []string{"auth.password existing-secret [] values.yaml:2"}},
		{"existing", Options{Set: []string{"auth.existingSecret="}}, nil}, // empty default, neither required nor generated: not told
	}
	for _, tc := range cases {
		t.Run(tc.chart+" "+strings.Join(tc.opts.Set, ","), func(t *testing.T) {
			got, all := loadChartValues(t, filepath.Join(dir, tc.chart), tc.opts)
			if strings.Join(got, "\n") != strings.Join(tc.want, "\n") {
				t.Errorf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(tc.want, "\n"))
			}
			for _, o := range all {
				if _, ok := o.Typed.(*inventory.ChartValue); !ok {
					continue
				}
				data, _ := json.Marshal(o.Typed)
				for _, secret := range []string{"changeme-Lit3ral!", "tok-Lit3ral-value", "grafana-Lit3ral", "from-Values-File1", "given-on-the-command-line"} {
					if strings.Contains(string(data), secret) {
						t.Errorf("ChartValue holds the value %q: %s", secret, data)
					}
				}
			}
		})
	}
}

// TestChartWithoutSecretValues: a chart without secret-looking values gets
// no ChartValue and no extra render.
func TestChartWithoutSecretValues(t *testing.T) {
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{
		"Chart.yaml":          chartYAML,
		"values.yaml":         "replicas: 2\nimage: registry.bank.internal/web:1.0\n",
		"templates/cm.yaml":   "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\ndata:\n  image: {{ .Values.image }}\n",
		"templates/_help.tpl": "",
	})
	got, all := loadChartValues(t, dir, Options{})
	if len(got) != 0 || len(all) != 1 {
		t.Errorf("got %v, %d objects", got, len(all))
	}
}

// TestChartSentinelRenderFails: a chart that renders with its defaults but
// not with sentinel values (a schema, a template that checks the value)
// gets an unknown verdict saying why, not a silent pass.
func TestChartSentinelRenderFails(t *testing.T) {
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{
		"Chart.yaml":  chartYAML,
		"values.yaml": "password: \"1234\"\n",
		"templates/s.yaml": "{{ if ne (len .Values.password) 4 }}{{ fail \"the password must have 4 characters\" }}{{ end }}\n" +
			"apiVersion: v1\nkind: Secret\nmetadata:\n  name: s\nstringData:\n  password: {{ .Values.password | quote }}\n",
	})
	got, _ := loadChartValues(t, dir, Options{})
	want := "password unknown [] values.yaml:1"
	if strings.Join(got, "\n") != want {
		t.Errorf("got %v, want %s", got, want)
	}
}

// TestRequiredPlaceholderIsNoLiteral: the placeholder a required chart is
// rendered with is not taken for a literal secret (no false KW-SEC-001).
func TestRequiredPlaceholderIsNoLiteral(t *testing.T) {
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{
		"Chart.yaml":  chartYAML,
		"values.yaml": "dbPassword: \"\"\n",
		"templates/d.yaml": "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: d\nspec:\n  template:\n    spec:\n      containers:\n        - name: app\n          image: app\n" +
			"          env:\n            - name: DB_PASSWORD\n              value: {{ required \"dbPassword\" .Values.dbPassword | quote }}\n",
	})
	got, all := loadChartValues(t, dir, Options{})
	if strings.Join(got, "") != "dbPassword required [Deployment/d env DB_PASSWORD] values.yaml:1" {
		t.Errorf("got %v", got)
	}
	for _, o := range all {
		w, ok := o.Workload()
		if !ok {
			continue
		}
		for _, e := range w.Spec.Containers[0].Env {
			if !strings.HasPrefix(e.Value, "${KUBEWARD_REQUIRED_") {
				t.Errorf("placeholder %q", e.Value)
			}
			if v := secrets.Classify(e.Name, e.Value); v.Secret {
				t.Errorf("the placeholder is taken for a secret: %s", v.Why)
			}
		}
	}
}

// TestChartSchemaRefusesASentinel: when the values schema refuses one
// key's sentinel, the keys are tried one at a time: the others are still
// told, and the refused one is unknown only when it has a literal default.
func TestChartSchemaRefusesASentinel(t *testing.T) {
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{
		"Chart.yaml":  chartYAML,
		"values.yaml": "password: changeme-please\napiToken: tok-abcdef\nclientSecret: \"\"\n",
		"values.schema.json": `{"type": "object", "properties": {"apiToken": {"type": "string", "pattern": "^tok-"},
			"clientSecret": {"type": "string", "pattern": "^(|cs-.*)$"}}}`,
		"templates/s.yaml": "apiVersion: v1\nkind: Secret\nmetadata:\n  name: s\nstringData:\n  password: {{ .Values.password | quote }}\n  token: {{ .Values.apiToken | quote }}\n  client: {{ .Values.clientSecret | quote }}\n",
	})
	got, _ := loadChartValues(t, dir, Options{})
	want := []string{
		"apiToken unknown [] values.yaml:2",
		"password literal [Secret/s] values.yaml:1",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// FuzzSentinelDocs: the readers of rendered documents (kind and name, the
// env vars holding a sentinel, the document split and diff) take any text.
func FuzzSentinelDocs(f *testing.F) {
	f.Add("apiVersion: v1\nkind: Secret\nmetadata:\n  name: s\n---\nenv:\n- name: DB_PASSWORD\n  value: kwsentinela0000q\n", "kwsentinela0000q")
	f.Add("[", "x")
	f.Fuzz(func(t *testing.T, doc, sentinel string) {
		kindName(doc)
		secretEnv(doc, sentinel)
		changedDocs(map[string]string{"a": doc}, map[string]string{"a": sentinel})
	})
}
