package manifest

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kubeward/kubeward/internal/inventory"
)

// BenchmarkChartSecretValues measures a chart render with the sentinel
// analysis (two extra renders, plus one per key a sentinel does not
// explain) against the same chart without secret-looking values (no extra
// render): a Secret and a Deployment per key, keys 0, 4 and 32 (the cap).
func BenchmarkChartSecretValues(b *testing.B) {
	for _, n := range []int{0, 4, 32} {
		b.Run(fmt.Sprintf("keys=%d", n), func(b *testing.B) {
			dir := b.TempDir()
			var values, tmpl strings.Builder
			values.WriteString("replicas: 2\n")
			for i := range n {
				fmt.Fprintf(&values, "app%d:\n  password: \"changeme-%d\"\n", i, i)
				fmt.Fprintf(&tmpl, "---\napiVersion: v1\nkind: Secret\nmetadata:\n  name: s%d\ndata:\n  password: {{ .Values.app%d.password | b64enc | quote }}\n", i, i)
				fmt.Fprintf(&tmpl, "---\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: d%d\nspec:\n  template:\n    spec:\n      containers:\n        - name: app\n          image: registry.bank.internal/app:1\n          env:\n            - name: DB_PASSWORD\n              value: {{ .Values.app%d.password | quote }}\n", i, i)
			}
			if n == 0 {
				tmpl.WriteString("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\ndata:\n  replicas: {{ .Values.replicas | quote }}\n")
			}
			writeFilesB(b, dir, map[string]string{"Chart.yaml": chartYAML, "values.yaml": values.String(), "templates/all.yaml": tmpl.String()})
			b.ReportAllocs()
			for b.Loop() {
				values := 0
				st := Load([]string{dir}, Options{Workers: 1}, func(o *inventory.Object) {
					if _, ok := o.Typed.(*inventory.ChartValue); ok {
						values++
					}
				})
				if len(st.Errors) > 0 || values != n {
					b.Fatalf("errors %v, %d chart values, want %d", st.Errors, values, n)
				}
			}
		})
	}
}

func writeFilesB(b *testing.B, dir string, files map[string]string) {
	b.Helper()
	for name, data := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			b.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
			b.Fatal(err)
		}
	}
}
