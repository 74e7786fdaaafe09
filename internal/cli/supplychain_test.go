package cli

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kubeward/kubeward/internal/source/registry/registrytest"
)

// TestScanManifestsSupplyChain: scan manifests asks the in-process TLS
// registry for the images of prod-* manifests and reports KW-SUP-*; with
// --offline it asks nothing and judges by the reports given.
func TestScanManifestsSupplyChain(t *testing.T) {
	reg := registrytest.Start()
	defer reg.Server.Close()
	key, err := registrytest.NewKey()
	if err != nil {
		t.Fatal(err)
	}
	dig := map[string]string{}
	for _, n := range []string{"signed", "unsigned", "vulnerable"} {
		if dig[n], err = reg.PushImage("team/"+n+":1.0", n); err != nil {
			t.Fatal(err)
		}
	}
	for _, n := range []string{"signed", "vulnerable"} {
		if err := reg.SignCosign(key, "team/"+n, dig[n], dig[n]); err != nil {
			t.Fatal(err)
		}
	}
	dir := t.TempDir()
	write := func(name string, data []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, data, 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	ca := write("ca.pem", reg.CAPEM)
	pub := write("release.pub", key.PublicPEM)
	signedReport := write("signed.json", registrytest.TrivyReport(reg.Host+"/team/signed@"+dig["signed"], time.Now()))
	vulnReport := write("vulnerable.json", registrytest.TrivyReport(reg.Host+"/team/vulnerable@"+dig["vulnerable"], time.Now(),
		registrytest.Vuln{ID: "CVE-2026-31337", Severity: "CRITICAL", Package: "openssl", Version: "3.0.1"}))
	cfg := write("kubeward.yaml", []byte(fmt.Sprintf(`supplyChain:
  registries: [{host: %q, caFile: %q}]
  reports: [%q]
  policies:
    - namespaces: [prod-*]
      cosignKeys: [{name: release, file: %q}]
      vulnerabilities: {denyAtOrAbove: HIGH, requireScan: true}
`, reg.Host, ca, signedReport, pub)))
	var docs []string
	for _, n := range []string{"signed", "unsigned", "vulnerable"} {
		docs = append(docs, fmt.Sprintf("apiVersion: v1\nkind: Pod\nmetadata: {name: %s, namespace: prod-a}\nspec:\n  containers:\n  - name: app\n    image: %s/team/%s:1.0\n", n, reg.Host, n))
	}
	docs = append(docs, fmt.Sprintf("apiVersion: v1\nkind: Pod\nmetadata: {name: pinned, namespace: prod-a}\nspec:\n  containers:\n  - name: app\n    image: %s/team/vulnerable@%s\n", reg.Host, dig["vulnerable"]))
	man := write("pods.yaml", []byte(strings.Join(docs, "---\n")))

	got := func(args ...string) map[string]string {
		t.Helper()
		_, j := scanJSON(t, append([]string{"--config", cfg}, args...)...)
		m := map[string]string{}
		for _, r := range j.Results {
			if strings.HasPrefix(r.ID, "KW-SUP-") {
				m[r.Subject.Name+" "+r.ID] = r.Status + " " + r.Message
			}
		}
		return m
	}
	m := got("--vuln-report", vulnReport, man)
	for k, want := range map[string]string{
		"unsigned KW-SUP-001":   "FAIL image " + reg.Host + "/team/unsigned:1.0",
		"unsigned KW-SUP-003":   "FAIL",
		"vulnerable KW-SUP-004": "FAIL",
		"pinned KW-SUP-004":     "CVE-2026-31337 (CRITICAL, openssl 3.0.1)",
		"signed KW-SUP-006":     "FAIL image " + reg.Host + "/team/signed:1.0 is a tag: pin it to the verified digest " + dig["signed"],
	} {
		if !strings.Contains(m[k], want) {
			t.Errorf("%s: %q, want %q", k, m[k], want)
		}
	}
	for _, k := range []string{"signed KW-SUP-001", "signed KW-SUP-003", "signed KW-SUP-004", "pinned KW-SUP-001"} {
		if v, ok := m[k]; ok && !strings.HasPrefix(v, "PASS") {
			t.Errorf("%s: %s", k, v)
		}
	}
	// harden plan: KW-SUP-006's fix pins the verified tag to its digest
	// (and only that one: the unsigned tag is not pinned).
	code, out, e := run(t, "", "harden", "plan", "--config", cfg, man)
	pinned := reg.Host + "/team/signed@" + dig["signed"]
	if code > 1 || !strings.Contains(out, "KW-SUP-006") || !strings.Contains(out, pinned) || strings.Contains(out, reg.Host+"/team/unsigned@") {
		t.Errorf("harden plan: exit %d, want the pin to %s:\n%s\n%s", code, pinned, out, e)
	}
	// Offline, registry closed: the pinned image is judged by its report,
	// signatures are not applicable, tags cannot be matched.
	reg.Server.Close()
	m = got("--offline", "--vuln-report", vulnReport, man)
	if !strings.Contains(m["pinned KW-SUP-004"], "FAIL") || !strings.Contains(m["pinned KW-SUP-001"], "NOT_APPLICABLE") {
		t.Errorf("offline: %v", m)
	}
	// Online with the registry down: ERROR, exit 3 at worst, never PASS.
	code, j := scanJSON(t, "--config", cfg, man)
	errs := 0
	for _, r := range j.Results {
		if r.ID == "KW-SUP-001" && r.Status == "ERROR" {
			errs++
		}
	}
	if errs != 4 || code == 0 {
		t.Errorf("registry down: %d ERROR results, exit %d", errs, code)
	}
	// Usage errors: a report that does not parse, flags without a policy.
	bad := write("bad.json", []byte(`{"SchemaVersion":2}`))
	if code, _, e := run(t, "", "scan", "manifests", "--config", cfg, "--offline", "--vuln-report", bad, man); code != 2 || !strings.Contains(e, "bad.json") || strings.Count(strings.TrimSpace(e), "\n") > 0 {
		t.Errorf("bad report: exit %d %q", code, e)
	}
	if code, _, e := run(t, "", "scan", "manifests", "--offline", man); code != 2 || !strings.Contains(e, "supplyChain.policies") {
		t.Errorf("no policy: exit %d %q", code, e)
	}
}

// TestWebhookRefusesBadSupplyChain: a key that does not load stops the
// webhook at start (exit 2, one line naming it) rather than denying every pod.
func TestWebhookRefusesBadSupplyChain(t *testing.T) {
	pol := filepath.Join(t.TempDir(), "policy.yaml")
	if err := os.WriteFile(pol, []byte("config:\n  supplyChain:\n    policies:\n      - namespaces: [prod-*]\n        cosignKeys: [{name: release, file: /nonexistent/release.pub}]\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	code, _, e := run(t, "", "webhook", "--self-signed", "--listen", "127.0.0.1:0", "--config", pol)
	if code != 2 || !strings.Contains(e, "cosign key release") || strings.Count(strings.TrimSpace(e), "\n") > 0 {
		t.Fatalf("exit %d %q", code, e)
	}
}
