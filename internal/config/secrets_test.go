package config

import (
	"strings"
	"testing"
)

func TestHardenSecrets(t *testing.T) {
	c, err := Parse([]byte("harden:\n  secrets:\n    vaultServer: https://vault.bank.internal:8200\n    pathPattern: apps/{namespace}/{name}\n    rolePattern: k8s-{namespace}\n"))
	if err != nil {
		t.Fatal(err)
	}
	h := c.Harden.Secrets
	if got := h.Path("payments", "db"); got != "apps/payments/db" {
		t.Errorf("Path = %q", got)
	}
	if got := h.Role("payments"); got != "k8s-payments" {
		t.Errorf("Role = %q", got)
	}
	if h.Server() != "https://vault.bank.internal:8200" || h.Mount() != "secret" || h.KVVersion() != "v2" || h.Store() != "vault" || h.Account() != "vault-secrets" || h.Refresh() != "1h" {
		t.Errorf("defaults: %+v", h)
	}
	d := Default().Harden.Secrets
	if d.Path("a", "b") != "a/b" || d.Role("a") != "a-secrets" || d.Server() != "https://vault.vault.svc:8200" {
		t.Errorf("Default: %q %q %q", d.Path("a", "b"), d.Role("a"), d.Server())
	}
	for _, tc := range []struct{ yaml, want string }{
		{"vaultServer: http://vault:8200", "https:// URL"},
		{"pathPattern: \"{namespace}/shared\"", "must contain {namespace} and {name}"},
		{"pathPattern: \"/{namespace}/{name}\"", "without a leading /"},
		{"vaultKVVersion: v3", "want v1 or v2"},
		{"storeName: Vault_Store", "storeName"},
		{"refreshInterval: soon", "refreshInterval"},
	} {
		_, err := Parse([]byte("harden:\n  secrets:\n    " + tc.yaml + "\n"))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want %q", tc.yaml, err, tc.want)
		}
	}
}
