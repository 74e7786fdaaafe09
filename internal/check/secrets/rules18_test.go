package secrets_test

import (
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/kubeward/kubeward/internal/check"
	"github.com/kubeward/kubeward/internal/check/checktest"
	"github.com/kubeward/kubeward/internal/check/secrets"
	"github.com/kubeward/kubeward/internal/inventory"
)

func statuses(rep *check.Report, id string) string {
	out := ""
	for _, r := range rep.Results {
		if r.ID == id {
			if out != "" {
				out += " "
			}
			out += string(r.Status)
			if r.Subject.Container != "" {
				out += "[" + r.Subject.Container + "]"
			}
		}
	}
	return out
}

// TestEnvAndConfigMapRules: the new name and value rules as the checks
// report them, ephemeral containers included.
func TestEnvAndConfigMapRules(t *testing.T) {
	env := func(name, value string) *inventory.Object {
		return checktest.Container(func(c *corev1.Container) { c.Env = append(c.Env, corev1.EnvVar{Name: name, Value: value}) })
	}
	debugEnv := func(name, value string) *inventory.Object {
		return checktest.Pod(func(s *corev1.PodSpec) {
			c := checktest.HardenedContainer("debug")
			c.Env = append(c.Env, corev1.EnvVar{Name: name, Value: value})
			s.EphemeralContainers = []corev1.EphemeralContainer{{EphemeralContainerCommon: corev1.EphemeralContainerCommon{Name: c.Name, Image: c.Image, Env: c.Env, SecurityContext: c.SecurityContext}}}
		})
	}
	cm := func(k, v string) *inventory.Object {
		return checktest.Object("", "ConfigMap", &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "c", Namespace: "apps"}, Data: map[string]string{k: v}})
	}
	for _, tc := range []struct {
		name, id, want string
		obj            *inventory.Object
	}{
		{"cloud credential in env", secrets.LiteralInWorkload, "FAIL[app]", env("AWS_SECRET_ACCESS_KEY", "abc")},
		{"cloud credential from a variable", secrets.LiteralInWorkload, "PASS", env("AWS_SECRET_ACCESS_KEY", "$(AWS_KEY)")},
		{"lower-case pwd", secrets.LiteralInWorkload, "FAIL[app]", env("pwd", "hunter2hunter2")},
		{"working directory", secrets.LiteralInWorkload, "PASS", env("PWD", "/srv/app")},
		{"bearer header", secrets.LiteralInWorkload, "FAIL[app]", env("EXTRA_HEADERS", "Authorization: Bearer 9f8e7d6c5b4a39281706abcd")},
		{"ephemeral container only", secrets.LiteralInWorkload, "FAIL[debug]", debugEnv("DB_PASSWORD", "hunter2hunter2")},
		{"ConfigMap cloud credential", secrets.InConfigMap, "FAIL", cm("AZURE_CLIENT_SECRET", "x~8Q")},
		{"ConfigMap auth mode", secrets.InConfigMap, "PASS", cm("auth", "oidc")},
		{"ConfigMap basic header", secrets.InConfigMap, "FAIL", cm("upstream", "Basic YWRtaW46aHVudGVyMiF4")},
		{"Secret with values in the YAML", secrets.SecretInManifest, "FAIL", checktest.Object("", "Secret", &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: "s", Namespace: "apps"}, StringData: map[string]string{"password": "hunter2hunter2"}})},
		{"Secret without values", secrets.SecretInManifest, "PASS", checktest.Object("", "Secret", &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: "s", Namespace: "apps"}})},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rep := checktest.Evaluate(check.Options{Config: checktest.TrustedConfig()}, tc.obj)
			if got := statuses(rep, tc.id); got != tc.want {
				t.Errorf("%s = %q, want %q", tc.id, got, tc.want)
			}
		})
	}
}
