package secrets

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kubeward/kubeward/internal/config"
)

func TestGenerateAndRender(t *testing.T) {
	cfg := config.Default().Harden.Secrets
	ns := Generate([]Secret{
		{Namespace: "payments", Name: "db", Type: "Opaque", Keys: []string{"password", "username"}, File: "payments.yaml", Line: 40},
		{Namespace: "payments", Name: "tls", Type: "kubernetes.io/tls", Keys: []string{"tls.crt", "tls.key"}, File: "payments.yaml", Line: 60},
		{Namespace: "shop", Name: "api", Keys: []string{"token"}, File: "shop.yaml", Line: 1},
	}, cfg)
	if len(ns) != 2 || ns[0].Name != "payments" || ns[1].Name != "shop" {
		t.Fatalf("namespaces %+v", ns)
	}
	data, err := Render(ns[0], "en")
	if err != nil {
		t.Fatal(err)
	}
	got := string(data)
	for _, want := range []string{
		"vault write auth/kubernetes/role/payments-secrets bound_service_account_names=vault-secrets bound_service_account_namespaces=payments policies=payments-secrets",
		"vault kv put -mount=secret payments/db password=@password.txt username=@username.txt",
		"kind: ServiceAccount\nmetadata:\n  labels:\n    app.kubernetes.io/managed-by: kubeward\n  name: vault-secrets\n  namespace: payments\n",
		"apiVersion: external-secrets.io/v1\nkind: SecretStore\n",
		"      auth:\n        kubernetes:\n          mountPath: kubernetes\n          role: payments-secrets\n          serviceAccountRef:\n            name: vault-secrets\n",
		"      server: https://vault.vault.svc:8200\n      version: v2\n",
		"  data:\n  - remoteRef:\n      key: payments/db\n      property: password\n    secretKey: password\n",
		"  secretStoreRef:\n    kind: SecretStore\n    name: vault\n",
		"  target:\n    creationPolicy: Owner\n    name: tls\n    template:\n      type: kubernetes.io/tls\n",
		"kubeward.io/replaces: Secret payments/db at payments.yaml:40",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("missing %q in\n%s", want, got)
		}
	}
	if strings.Count(got, "kind: ExternalSecret") != 2 {
		t.Errorf("want 2 ExternalSecrets:\n%s", got)
	}
	zh, err := Render(ns[1], "zh")
	if err != nil || !strings.Contains(string(zh), "由 kubeward harden secrets 生成") {
		t.Errorf("zh: %v\n%s", err, zh)
	}
}

func TestEmptyDefault(t *testing.T) {
	cases := []struct {
		name, in, key string
		line          int
		want, err     string
	}{
		{"double quoted with a comment", "# db\nauth:\n  password: \"ch#ange\" # the default\n  user: app\n", "auth.password", 3,
			"# db\nauth:\n  password: \"\" # the default\n  user: app\n", ""},
		{"plain", "password: changeme\n", "password", 1, "password: \"\"\n", ""},
		{"single quoted", "a:\n  b:\n    token: 'it''s'\n", "a.b.token", 3, "a:\n  b:\n    token: \"\"\n", ""},
		{"CRLF", "password: changeme\r\nother: x\r\n", "password", 1, "password: \"\"\r\nother: x\r\n", ""},
		{"block scalar", "password: |\n  changeme\n", "password", 1, "", "not a one-line scalar"},
		{"wrong line", "password: changeme\n", "password", 2, "", "not a one-line scalar"},
		{"missing", "a: 1\n", "password", 1, "", "not in the file"},
		{"not yaml", "a: [\n", "a", 1, "", "parsing the values file"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := EmptyDefault([]byte(tc.in), tc.key, tc.line)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("error %v, want %q", err, tc.err)
				}
				return
			}
			if err != nil || string(got) != tc.want {
				t.Fatalf("got %q, %v; want %q", got, err, tc.want)
			}
		})
	}
}

func FuzzEmptyDefault(f *testing.F) {
	f.Add([]byte("auth:\n  password: \"x\" # c\n"), "auth.password", 2)
	f.Add([]byte("password: 'a''b'\r\n"), "password", 1)
	f.Fuzz(func(t *testing.T, data []byte, key string, line int) {
		out, err := EmptyDefault(data, key, line)
		if err == nil && len(out) > len(data)+2 {
			t.Fatalf("output grew by more than the empty quotes: %q -> %q", data, out)
		}
	})
}

func TestWriteValueFile(t *testing.T) {
	file := filepath.Join(t.TempDir(), "secrets", "app.auth.password")
	wrote, err := WriteValueFile(file)
	if err != nil || !wrote {
		t.Fatalf("first write: %v %v", wrote, err)
	}
	st, err := os.Stat(file)
	if err != nil || st.Mode().Perm() != 0o600 || st.Size() != 32 {
		t.Fatalf("file %v %v", st, err)
	}
	if dst, _ := os.Stat(filepath.Dir(file)); dst.Mode().Perm() != 0o700 {
		t.Errorf("directory mode %v", dst.Mode())
	}
	first, _ := os.ReadFile(file)
	wrote, err = WriteValueFile(file)
	if err != nil || wrote {
		t.Fatalf("second write: %v %v", wrote, err)
	}
	if again, _ := os.ReadFile(file); string(again) != string(first) {
		t.Error("an existing value was replaced")
	}
	if err := os.Chmod(file, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := WriteValueFile(file); err == nil || !strings.Contains(err.Error(), "mode 0600") {
		t.Errorf("readable file accepted: %v", err)
	}
	a, _ := RandomValue(32)
	b, _ := RandomValue(32)
	if a == b || len(a) != 32 {
		t.Errorf("random values %q %q", a, b)
	}
}

func TestHelmCommand(t *testing.T) {
	got := HelmCommand("app", "./charts/app", "payments", []string{"prod values.yaml"}, map[string]string{"b.token": "out/s/b", "auth.password": "out/s/a"})
	want := "helm upgrade --install app ./charts/app --namespace payments --values 'prod values.yaml' --set-file auth.password=out/s/a --set-file b.token=out/s/b"
	if got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
}
