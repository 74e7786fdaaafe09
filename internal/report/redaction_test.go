package report_test

import (
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/kubeward/kubeward/internal/check"
	"github.com/kubeward/kubeward/internal/inventory"
	"github.com/kubeward/kubeward/internal/report"
	"github.com/kubeward/kubeward/internal/result"
)

// TestSecretValuesNeverReachAReport scans objects holding secret literals
// with the real checks and renders the findings in every format and
// language: the values must never be printed, only their redacted form.
func TestSecretValuesNeverReachAReport(t *testing.T) {
	secrets := []string{
		"Tr0ub4dor&3-horse",                        // env value under a secret name
		"AKIAIOSFODNN7EXAMPLE",                     // AWS key in an argument
		"hunter2-but-longer",                       // value after a bare --password flag
		"s3cr3t-value-in-config",                   // password line in a ConfigMap file
		"c3VwZXItc2VjcmV0LWRiLXBhc3N3b3Jk",         // ConfigMap single value
		"Secret-Data-Value-42",                     // a Secret's data
		"postgres://app:Pa55w0rdInUrl@db:5432/app", // URL with a password
	}
	d := &appsv1.Deployment{ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: "apps"}}
	d.Spec.Template.Spec.Containers = []corev1.Container{{
		Name: "app", Image: "registry.bank.internal/app:1",
		Env: []corev1.EnvVar{
			{Name: "DB_PASSWORD", Value: secrets[0]},
			{Name: "DATABASE_URL", Value: secrets[6]},
		},
		Args: []string{"--api-key=" + secrets[1], "--password", secrets[2]},
	}}
	cm := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "cfg", Namespace: "apps"}, Data: map[string]string{
		"app.yaml":     "db:\n  host: db\n  password: " + secrets[3] + "\n",
		"API_TOKEN":    secrets[4],
		"SERVICE_HOST": "api.internal",
	}}
	sec := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: "db", Namespace: "apps"}, Data: map[string][]byte{"password": []byte(secrets[5])}}

	e := check.New(check.Options{KeepPasses: true})
	for _, o := range []*inventory.Object{
		{Group: "apps", Version: "v1", Kind: "Deployment", Namespace: "apps", Name: "web", Typed: d, File: "app.yaml", Line: 1},
		{Version: "v1", Kind: "ConfigMap", Namespace: "apps", Name: "cfg", Typed: cm, File: "app.yaml", Line: 30},
		{Version: "v1", Kind: "Secret", Namespace: "apps", Name: "db", Typed: sec, File: "app.yaml", Line: 40},
	} {
		e.Observe(o)
	}
	rep := e.Finish()

	flagged := map[string]int{}
	for _, r := range rep.Results {
		if r.Status == result.Fail || r.Status == result.Warn {
			flagged[r.ID]++
		}
	}
	// Guard: the checks did find the secrets, so the assertion below is not vacuous.
	if flagged["KW-SEC-001"] < 4 || flagged["KW-SEC-002"] < 2 || flagged["KW-SEC-003"] != 1 {
		t.Fatalf("secret findings = %v, want ≥4 KW-SEC-001, ≥2 KW-SEC-002, 1 KW-SEC-003", flagged)
	}
	for _, lang := range []string{"en", "zh"} {
		for _, format := range report.Formats {
			t.Run(format+"/"+lang, func(t *testing.T) {
				out := render(t, format, &report.Run{Target: "manifests", Lang: lang, Results: rep.Results, Passed: rep.Passed, Objects: rep.Objects})
				for _, s := range secrets {
					// The whole value, and any 8-character piece of it.
					for i := 0; i+8 <= len(s); i++ {
						if piece := s[i : i+8]; strings.Contains(out, piece) {
							t.Errorf("%s output contains %q from secret %q", format, piece, s)
							break
						}
					}
				}
				if format == "text" || format == "json" {
					if !strings.Contains(out, "<redacted, ") && !strings.Contains(out, `\u003credacted, `) {
						t.Errorf("%s output shows no redacted evidence", format)
					}
				}
			})
		}
	}
}
