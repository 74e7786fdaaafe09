package config

import (
	"strings"
	"testing"
	"time"
)

func TestSupplyChainConfig(t *testing.T) {
	c, err := Parse([]byte(`
supplyChain:
  failureMode: allow
  pinDigests: true
  timeout: 3s
  registries:
    - host: registry.bank.internal:5000
      caFile: /etc/ca.pem
  harbor: https://registry.bank.internal
  policies:
    - namespaces: ["prod-*", payments]
      cosignKeys:
        - name: release
          file: /etc/release.pub
      vulnerabilities:
        denyAtOrAbove: high
        requireScan: true
        maxAgeDays: 7
        exceptions:
          - cve: CVE-2026-1234
            reason: not reachable
            expires: 2027-01-31
`))
	if err != nil {
		t.Fatal(err)
	}
	sc := &c.SupplyChain
	if !sc.Enabled() || !sc.FailOpen() || sc.CallTimeout() != 3*time.Second || !sc.PinDigests {
		t.Errorf("%+v", sc)
	}
	p := sc.PolicyFor("prod-eu")
	if p == nil || sc.PolicyFor("payments") != p || sc.PolicyFor("dev") != nil {
		t.Fatal("namespace patterns")
	}
	if p.Vulnerabilities.DenyAtOrAbove != "HIGH" || p.Vulnerabilities.Exceptions[0].Expiry() != time.Date(2027, 2, 1, 0, 0, 0, 0, time.UTC) {
		t.Errorf("%+v", p.Vulnerabilities)
	}
	if sc.Registry("REGISTRY.bank.internal:5000") == nil {
		t.Error("registry lookup")
	}
	if Default().SupplyChain.Enabled() || Default().SupplyChain.FailOpen() || Default().SupplyChain.CallTimeout() != 5*time.Second {
		t.Error("defaults: off, deny, 5s")
	}
}

func TestSupplyChainConfigErrors(t *testing.T) {
	for _, tc := range []struct{ yaml, want string }{
		{"failureMode: open", "failureMode"},
		{"timeout: forever", "timeout"},
		{"timeout: 10m", "timeout"},
		{"harbor: registry.bank.internal", "harbor"},
		{"registries: [{host: 'a/b'}]", "registries[0]"},
		{"policies: [{cosignKeys: []}]", "namespaces is required"},
		{"policies: [{namespaces: ['[']}]", "bad namespace pattern"},
		{"policies: [{namespaces: [a], cosignKeys: [{name: k}]}]", "exactly one of file and pem"},
		{"policies: [{namespaces: [a], cosignKeys: [{name: k, pem: x}, {name: k, pem: y}]}]", "unique name"},
		{"policies: [{namespaces: [a], vulnerabilities: {denyAtOrAbove: severe}}]", "denyAtOrAbove"},
		{"policies: [{namespaces: [a], notation: {trustPolicy: p.json}}]", "trustStores is required"},
		{"policies: [{namespaces: [a], notation: {trustStores: [{name: 'ca:x', files: [a.pem]}]}}]", "unique name"},
		{"policies: [{namespaces: [a], notation: {trustStores: [{name: x}]}}]", "files are required"},
		{"policies: [{namespaces: [a], vulnerabilities: {maxAgeDays: -1}}]", "maxAgeDays"},
		{"policies: [{namespaces: [a], vulnerabilities: {exceptions: [{cve: X-1, reason: r}]}}]", "not a CVE"},
		{"policies: [{namespaces: [a], vulnerabilities: {exceptions: [{cve: CVE-1}]}}]", "reason is required"},
		{"policies: [{namespaces: [a], vulnerabilities: {exceptions: [{cve: CVE-1, reason: r, expires: soon}]}}]", "YYYY-MM-DD"},
	} {
		_, err := Parse([]byte("supplyChain:\n  " + strings.ReplaceAll(tc.yaml, "\n", "\n  ")))
		if err == nil || !strings.Contains(err.Error(), tc.want) || strings.Contains(err.Error(), "\n") {
			t.Errorf("%s: %v, want one line with %q", tc.yaml, err, tc.want)
		}
	}
}
