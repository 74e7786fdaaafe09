package cli

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestHardenSecrets: a Secret in YAML becomes an ExternalSecret with its
// SecretStore, a chart's literal default an emptied values file, a 0600
// random value file and a helm command; no secret value, old or new, is
// printed or written outside the value files.
func TestHardenSecrets(t *testing.T) {
	dir := t.TempDir()
	secretValue := "Hunter2-do-not-print"
	if err := os.WriteFile(filepath.Join(dir, "db.yaml"), []byte("apiVersion: v1\nkind: Secret\nmetadata:\n  name: db\n  namespace: payments\nstringData:\n  password: "+secretValue+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	// A Secret a SealedSecret makes is left alone.
	if err := os.WriteFile(filepath.Join(dir, "sealed.yaml"), []byte("apiVersion: bitnami.com/v1alpha1\nkind: SealedSecret\nmetadata:\n  name: sealed\n  namespace: payments\nspec:\n  encryptedData:\n    password: AgBy3i4OJSWK\n---\napiVersion: v1\nkind: Secret\nmetadata:\n  name: sealed\n  namespace: payments\nstringData:\n  password: "+secretValue+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	chart := "../source/manifest/testdata/secretcharts/literal"
	out := filepath.Join(t.TempDir(), "out")

	code, stdout, stderr := run(t, "", "harden", "secrets", dir, chart)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	for _, want := range []string{"kind: ExternalSecret", "kind: SecretStore", "key: payments/db", "run with --out DIR"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("dry run: missing %q in\n%s", want, stdout)
		}
	}
	if strings.Contains(stdout, "name: sealed") {
		t.Errorf("the Secret a SealedSecret makes was moved:\n%s", stdout)
	}
	if _, err := os.Stat(out); err == nil {
		t.Error("the dry run wrote files")
	}

	code, stdout2, stderr := run(t, "", "harden", "secrets", dir, chart, "--out", out, "-n", "payments")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	es, err := os.ReadFile(filepath.Join(out, "externalsecrets-payments.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	values, err := os.ReadFile(filepath.Join(out, "charts", "literal", "values.yaml"))
	if err != nil || !strings.Contains(string(values), "  password: \"\"\n") {
		t.Fatalf("values: %v\n%s", err, values)
	}
	var generated []string
	for _, key := range []string{"auth.password", "api.token", "monitoring.adminPassword"} {
		file := filepath.Join(out, "secret-values", "literal", key)
		st, err := os.Stat(file)
		if err != nil || st.Mode().Perm() != 0o600 {
			t.Fatalf("%s: %v %v", file, st, err)
		}
		data, _ := os.ReadFile(file)
		generated = append(generated, string(data))
		if !strings.Contains(stdout2, "--set-file "+key+"="+file) {
			t.Errorf("helm command without %s:\n%s", key, stdout2)
		}
	}
	for _, text := range []string{stdout, stdout2, stderr, string(es), string(values)} {
		for _, v := range append(generated, secretValue, "changeme-Lit3ral!", "tok-Lit3ral-value", "grafana-Lit3ral") {
			if strings.Contains(text, v) {
				t.Errorf("a secret value (%d chars) is in the output:\n%s", len(v), text)
			}
		}
	}
	// A second run keeps the generated values and the files.
	if code, stdout3, stderr := run(t, "", "harden", "secrets", dir, chart, "--out", out, "-n", "payments"); code != 0 || !strings.Contains(stdout3, "auth.password: kept") || !strings.Contains(stdout3, "unchanged") {
		t.Fatalf("second run: exit %d\n%s%s", code, stdout3, stderr)
	}
	if data, _ := os.ReadFile(filepath.Join(out, "secret-values", "literal", "auth.password")); string(data) != generated[0] {
		t.Error("a generated value was replaced")
	}
	// Bad input: non-zero, nothing written.
	bad := t.TempDir()
	if err := os.WriteFile(filepath.Join(bad, "x.yaml"), []byte("kind: [\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if code, _, stderr := run(t, "", "harden", "secrets", bad, "--out", filepath.Join(bad, "out")); code != 2 || !strings.Contains(stderr, "x.yaml") {
		t.Errorf("bad input: exit %d, %s", code, stderr)
	}
}

// TestHardenSecretsSeal: --seal-cert seals each Secret into a SealedSecret
// file; the plaintext is nowhere in the output; a bad certificate is a
// usage error.
func TestHardenSecretsSeal(t *testing.T) {
	priv, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "sealed-secret"}, NotBefore: time.Now(), NotAfter: time.Now().Add(time.Hour)}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &priv.PublicKey, priv)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	cert := filepath.Join(dir, "cert.pem")
	if err := os.WriteFile(cert, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	in := filepath.Join(dir, "in")
	if err := os.MkdirAll(in, 0o755); err != nil {
		t.Fatal(err)
	}
	const value = "Seal-me-do-not-print"
	if err := os.WriteFile(filepath.Join(in, "db.yaml"), []byte("apiVersion: v1\nkind: Secret\nmetadata:\n  name: db\n  namespace: payments\nstringData:\n  password: "+value+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "out")
	code, stdout, stderr := run(t, "", "harden", "secrets", in, "--seal-cert", cert, "--out", out)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	data, err := os.ReadFile(filepath.Join(out, "sealedsecrets-payments.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(data), "kind: SealedSecret") || !strings.Contains(string(data), "encryptedData:\n    password: ") {
		t.Errorf("sealed file:\n%s", data)
	}
	if strings.Contains(string(data)+stdout+stderr, value) {
		t.Error("the plaintext is in the output")
	}
	if code, _, stderr := run(t, "", "harden", "secrets", in, "--seal-cert", filepath.Join(in, "db.yaml")); code != 2 || !strings.Contains(stderr, "--seal-cert") {
		t.Errorf("a bad certificate: exit %d, %s", code, stderr)
	}
}
