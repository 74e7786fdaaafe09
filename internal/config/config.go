// Package config reads kubeward's configuration file: trusted registries,
// allowed capabilities and exceptions.
package config

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
)

// Config is the configuration file's content.
type Config struct {
	// TrustedRegistries are registry hosts (optionally with a path prefix)
	// images may come from, e.g. registry.bank.internal or ghcr.io/acme.
	TrustedRegistries []string `yaml:"trustedRegistries"`
	// AllowedCapabilities may be added to containers (default NET_BIND_SERVICE).
	AllowedCapabilities []string `yaml:"allowedCapabilities"`
	// SystemNamespaces are exempt from per-namespace tenant policy
	// (quota, limits, Pod Security labels); default kube-system, kube-public, kube-node-lease.
	// Their workloads are system services that need a priority class
	// (KW-HA-002, which covers kube-system whatever this says).
	SystemNamespaces []string `yaml:"systemNamespaces"`
	// SensitiveNamespaces must run on dedicated nodes (a taint their pods
	// tolerate and a nodeSelector or node affinity).
	SensitiveNamespaces []string `yaml:"sensitiveNamespaces"`
	// Ignore lists exceptions: findings they cover are reported as IGNORED.
	Ignore []Ignore `yaml:"ignore"`
	// Harden configures `kubeward harden`: the values its fixes write.
	Harden Harden `yaml:"harden"`
	// SupplyChain: signatures and vulnerability scans of images (supplychain.go).
	SupplyChain SupplyChain `yaml:"supplyChain"`
}

// Harden configures the fixes `kubeward harden` generates.
type Harden struct {
	// Workloads: the values the workload fixes write (harden_workloads.go).
	Workloads HardenWorkloads `yaml:"workloads"`
	// Namespaces: the namespace layer's objects (harden_namespaces.go).
	Namespaces HardenNamespaces `yaml:"namespaces"`
	// Nodes: the host firewall's allowed networks (harden_nodes.go).
	Nodes HardenNodes `yaml:"nodes"`
	// Secrets: the Vault store harden secrets moves Secrets to (secrets.go).
	Secrets HardenSecrets `yaml:"secrets"`
}

// Ignore is one exception.
type Ignore struct {
	// ID is a check ID or a glob of IDs (KW-RBAC-*).
	ID string `yaml:"id"`
	// Subject is a glob over "namespace/name" (or "name" for cluster-scoped
	// objects); empty matches every subject.
	Subject string `yaml:"subject"`
	// Kind optionally restricts the exception to one kind.
	Kind   string `yaml:"kind"`
	Reason string `yaml:"reason"`
	// Expires is the last day (YYYY-MM-DD, UTC) the exception applies: it
	// applies through that whole day in UTC and no longer from 00:00 UTC
	// the day after.
	Expires string `yaml:"expires"`

	expiry time.Time
}

// Expiry is the instant the exception stops applying: 00:00 UTC on the day
// after Expires (zero: never).
func (ig *Ignore) Expiry() time.Time { return ig.expiry }

// Matches reports whether the exception covers check id on subject.
func (ig *Ignore) Matches(id, kind, namespace, name string) bool {
	if ok, _ := path.Match(ig.ID, id); !ok {
		return false
	}
	if ig.Kind != "" && !strings.EqualFold(ig.Kind, kind) {
		return false
	}
	if ig.Subject == "" {
		return true
	}
	subject := name
	if namespace != "" {
		subject = namespace + "/" + name
	}
	ok, _ := path.Match(ig.Subject, subject)
	return ok
}

// Default is the configuration used without a file.
func Default() *Config {
	c := &Config{}
	c.applyDefaults()
	return c
}

func (c *Config) applyDefaults() {
	if c.AllowedCapabilities == nil {
		c.AllowedCapabilities = []string{"NET_BIND_SERVICE"}
	}
	if c.SystemNamespaces == nil {
		c.SystemNamespaces = []string{"kube-system", "kube-public", "kube-node-lease"}
	}
}

// Load reads a configuration file.
func Load(file string) (*Config, error) {
	data, err := os.ReadFile(file)
	if err != nil {
		return nil, fmt.Errorf("config: %w", err)
	}
	c, err := Parse(data)
	if err != nil {
		return nil, fmt.Errorf("config %s: %w", file, err)
	}
	return c, nil
}

// DecodeStrict decodes YAML into out, refusing unknown fields so a typo in
// a configuration or policy file never silently disables a setting. An
// empty document leaves out unchanged. The file must hold one document: a
// second one with content after "---" is an error naming its line, rather
// than settings silently dropped (empty documents, a trailing "---", are
// allowed). Callers prefix the file name.
func DecodeStrict(data []byte, out any) error {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(out); err != nil {
		if errors.Is(err, io.EOF) {
			return nil
		}
		return err
	}
	for {
		var next yaml.Node
		if err := dec.Decode(&next); err != nil {
			if errors.Is(err, io.EOF) {
				return nil
			}
			return err
		}
		if !emptyDocument(&next) {
			return fmt.Errorf("line %d: more than one YAML document (--- starts another): put every setting in one document", next.Line)
		}
	}
}

// emptyDocument reports whether a decoded document holds nothing (only
// comments, or null).
func emptyDocument(n *yaml.Node) bool {
	if n.Kind == yaml.DocumentNode && len(n.Content) == 1 {
		n = n.Content[0]
	}
	return n.Kind == 0 || (n.Kind == yaml.ScalarNode && n.Tag == "!!null")
}

// Parse reads a configuration from YAML; unknown fields are errors so a typo
// never silently disables an exception or a registry list.
func Parse(data []byte) (*Config, error) {
	c := &Config{}
	if err := DecodeStrict(data, c); err != nil {
		return nil, err
	}
	for i := range c.Ignore {
		ig := &c.Ignore[i]
		if ig.ID == "" {
			return nil, fmt.Errorf("ignore[%d]: id is required", i)
		}
		if _, err := path.Match(ig.ID, ""); err != nil {
			return nil, fmt.Errorf("ignore[%d]: bad id pattern %q", i, ig.ID)
		}
		if _, err := path.Match(ig.Subject, ""); err != nil {
			return nil, fmt.Errorf("ignore[%d]: bad subject pattern %q", i, ig.Subject)
		}
		if strings.TrimSpace(ig.Reason) == "" {
			return nil, fmt.Errorf("ignore[%d] (%s): a reason is required", i, ig.ID)
		}
		if ig.Expires != "" {
			t, err := time.Parse("2006-01-02", ig.Expires)
			if err != nil {
				return nil, fmt.Errorf("ignore[%d] (%s): expires %q is not a YYYY-MM-DD date", i, ig.ID, ig.Expires)
			}
			ig.expiry = t.AddDate(0, 0, 1) // t is 00:00 UTC of the last day
		}
	}
	for _, r := range c.TrustedRegistries {
		if strings.TrimSpace(r) == "" {
			return nil, errors.New("trustedRegistries: empty entry")
		}
	}
	if err := c.Harden.Workloads.validate(); err != nil {
		return nil, err
	}
	if err := c.Harden.Namespaces.validate(); err != nil {
		return nil, err
	}
	if err := c.Harden.Nodes.validate(); err != nil {
		return nil, err
	}
	if err := c.Harden.Secrets.validate(); err != nil {
		return nil, err
	}
	if err := c.SupplyChain.validate(); err != nil {
		return nil, err
	}
	c.applyDefaults()
	return c, nil
}
