package config

import (
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	"k8s.io/apimachinery/pkg/util/validation"
)

// HardenSecrets is the central store `kubeward harden secrets` moves the
// Secrets found in YAML to: HashiCorp Vault, read through External Secrets
// Operator with Vault's Kubernetes auth method. Every field may be left
// out; the accessors return the defaults.
//
//	harden:
//	  secrets:
//	    vaultServer: https://vault.bank.internal:8200
//	    vaultMount: secret            # the KV engine's mount
//	    vaultKVVersion: v2
//	    pathPattern: "{namespace}/{name}"  # the key under the mount of each Secret
//	    authMount: kubernetes         # Vault's Kubernetes auth mount
//	    rolePattern: "{namespace}-secrets" # the Vault role per namespace
//	    serviceAccount: vault-secrets # the account the SecretStore logs in as
//	    storeName: vault
//	    refreshInterval: 1h
type HardenSecrets struct {
	VaultServer     string `yaml:"vaultServer"`
	VaultMount      string `yaml:"vaultMount"`
	VaultKVVersion  string `yaml:"vaultKVVersion"`
	PathPattern     string `yaml:"pathPattern"`
	AuthMount       string `yaml:"authMount"`
	RolePattern     string `yaml:"rolePattern"`
	ServiceAccount  string `yaml:"serviceAccount"`
	StoreName       string `yaml:"storeName"`
	RefreshInterval string `yaml:"refreshInterval"`
}

func secretsOr(v, def string) string {
	if strings.TrimSpace(v) == "" {
		return def
	}
	return v
}

// Server is Vault's address (default https://vault.vault.svc:8200).
func (h HardenSecrets) Server() string {
	return secretsOr(h.VaultServer, "https://vault.vault.svc:8200")
}

// Mount is the KV engine's mount (default secret).
func (h HardenSecrets) Mount() string { return secretsOr(h.VaultMount, "secret") }

// KVVersion is the KV engine's version, v1 or v2 (default v2).
func (h HardenSecrets) KVVersion() string { return secretsOr(h.VaultKVVersion, "v2") }

// Auth is the Kubernetes auth method's mount (default kubernetes).
func (h HardenSecrets) Auth() string { return secretsOr(h.AuthMount, "kubernetes") }

// Account is the service account the SecretStore logs in to Vault as
// (default vault-secrets), one per namespace.
func (h HardenSecrets) Account() string { return secretsOr(h.ServiceAccount, "vault-secrets") }

// Store is the SecretStore's name (default vault).
func (h HardenSecrets) Store() string { return secretsOr(h.StoreName, "vault") }

// Refresh is how often External Secrets Operator reads Vault again (default 1h).
func (h HardenSecrets) Refresh() string { return secretsOr(h.RefreshInterval, "1h") }

// Path is the key under the mount of the Secret namespace/name: the
// pattern with {namespace} and {name} replaced (default "{namespace}/{name}").
func (h HardenSecrets) Path(namespace, name string) string {
	return expand(secretsOr(h.PathPattern, "{namespace}/{name}"), namespace, name)
}

// Role is the Vault role of namespace (default "{namespace}-secrets").
func (h HardenSecrets) Role(namespace string) string {
	return expand(secretsOr(h.RolePattern, "{namespace}-secrets"), namespace, "")
}

var errBadPath = errors.New("not a relative path")

func expand(pattern, namespace, name string) string {
	return strings.NewReplacer("{namespace}", namespace, "{name}", name).Replace(pattern)
}

// validate refuses a store the generated objects could not use: Vault
// over plain HTTP, a path pattern that does not tell two Secrets apart,
// names the API server would reject.
func (h HardenSecrets) validate() error {
	u, err := url.Parse(h.Server())
	if err != nil || u.Scheme != "https" || u.Host == "" {
		return fmt.Errorf("harden.secrets.vaultServer %q: want an https:// URL (Vault tokens must not cross the network in clear)", h.VaultServer)
	}
	if v := h.KVVersion(); v != "v1" && v != "v2" {
		return fmt.Errorf("harden.secrets.vaultKVVersion %q: want v1 or v2", v)
	}
	p := secretsOr(h.PathPattern, "{namespace}/{name}")
	if !strings.Contains(p, "{name}") || !strings.Contains(p, "{namespace}") {
		return fmt.Errorf("harden.secrets.pathPattern %q: must contain {namespace} and {name}, or two Secrets would share one Vault path", p)
	}
	if strings.HasPrefix(p, "/") || strings.Contains(p, "..") {
		return fmt.Errorf("harden.secrets.pathPattern %q: want a path under the mount, without a leading / and without ..: %w", p, errBadPath)
	}
	for field, v := range map[string]string{"storeName": h.Store(), "serviceAccount": h.Account()} {
		if errs := validation.IsDNS1123Subdomain(v); len(errs) > 0 {
			return fmt.Errorf("harden.secrets.%s %q: %s", field, v, errs[0])
		}
	}
	if _, err := time.ParseDuration(h.Refresh()); err != nil {
		return fmt.Errorf("harden.secrets.refreshInterval %q: %w", h.RefreshInterval, err)
	}
	return nil
}
