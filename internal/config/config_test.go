package config

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestDefault(t *testing.T) {
	c := Default()
	if want := []string{"NET_BIND_SERVICE"}; !reflect.DeepEqual(c.AllowedCapabilities, want) {
		t.Errorf("AllowedCapabilities = %v, want %v", c.AllowedCapabilities, want)
	}
	if want := []string{"kube-system", "kube-public", "kube-node-lease"}; !reflect.DeepEqual(c.SystemNamespaces, want) {
		t.Errorf("SystemNamespaces = %v, want %v", c.SystemNamespaces, want)
	}
	if c.TrustedRegistries != nil || c.SensitiveNamespaces != nil || c.Ignore != nil {
		t.Errorf("Default() sets more than the defaults: %+v", c)
	}
	// Each call returns its own slices: a caller changing one config does not change the next.
	c.AllowedCapabilities[0] = "SYS_ADMIN"
	if Default().AllowedCapabilities[0] != "NET_BIND_SERVICE" {
		t.Error("Default() shares its slices between calls")
	}
}

func TestParse(t *testing.T) {
	tests := []struct {
		name  string
		yaml  string
		check func(t *testing.T, c *Config)
	}{
		{"empty file gets the defaults", "", func(t *testing.T, c *Config) {
			if !reflect.DeepEqual(c, Default()) {
				t.Errorf("got %+v, want Default()", c)
			}
		}},
		{"comment only gets the defaults", "# nothing yet\n", func(t *testing.T, c *Config) {
			if !reflect.DeepEqual(c, Default()) {
				t.Errorf("got %+v, want Default()", c)
			}
		}},
		{"every field", `
trustedRegistries: [registry.bank.internal, ghcr.io/acme]
allowedCapabilities: [NET_BIND_SERVICE, NET_RAW]
systemNamespaces: [kube-system, platform]
sensitiveNamespaces: [payments]
ignore:
  - id: KW-RBAC-*
    subject: "apps/*"
    kind: ClusterRole
    reason: reviewed by security
    expires: "2030-01-31"
`, func(t *testing.T, c *Config) {
			if !reflect.DeepEqual(c.TrustedRegistries, []string{"registry.bank.internal", "ghcr.io/acme"}) {
				t.Errorf("TrustedRegistries = %v", c.TrustedRegistries)
			}
			if !reflect.DeepEqual(c.AllowedCapabilities, []string{"NET_BIND_SERVICE", "NET_RAW"}) {
				t.Errorf("AllowedCapabilities = %v", c.AllowedCapabilities)
			}
			if !reflect.DeepEqual(c.SystemNamespaces, []string{"kube-system", "platform"}) {
				t.Errorf("SystemNamespaces = %v (the file's list replaces the default)", c.SystemNamespaces)
			}
			if !reflect.DeepEqual(c.SensitiveNamespaces, []string{"payments"}) {
				t.Errorf("SensitiveNamespaces = %v", c.SensitiveNamespaces)
			}
			if len(c.Ignore) != 1 {
				t.Fatalf("Ignore = %+v", c.Ignore)
			}
			ig := c.Ignore[0]
			if ig.ID != "KW-RBAC-*" || ig.Subject != "apps/*" || ig.Kind != "ClusterRole" || ig.Reason != "reviewed by security" || ig.Expires != "2030-01-31" {
				t.Errorf("Ignore[0] = %+v", ig)
			}
			if want := time.Date(2030, 2, 1, 0, 0, 0, 0, time.UTC); !ig.Expiry().Equal(want) {
				t.Errorf("Expiry() = %v, want %v (the exception applies through 2030-01-31 UTC)", ig.Expiry(), want)
			}
		}},
		{"explicit empty lists are kept, not defaulted", "allowedCapabilities: []\nsystemNamespaces: []\n", func(t *testing.T, c *Config) {
			if c.AllowedCapabilities == nil || len(c.AllowedCapabilities) != 0 {
				t.Errorf("AllowedCapabilities = %#v, want an empty list (no capability allowed)", c.AllowedCapabilities)
			}
			if c.SystemNamespaces == nil || len(c.SystemNamespaces) != 0 {
				t.Errorf("SystemNamespaces = %#v, want an empty list", c.SystemNamespaces)
			}
		}},
		{"only one list set keeps the other default", "allowedCapabilities: [CHOWN]\n", func(t *testing.T, c *Config) {
			if !reflect.DeepEqual(c.AllowedCapabilities, []string{"CHOWN"}) {
				t.Errorf("AllowedCapabilities = %v", c.AllowedCapabilities)
			}
			if !reflect.DeepEqual(c.SystemNamespaces, Default().SystemNamespaces) {
				t.Errorf("SystemNamespaces = %v, want the default", c.SystemNamespaces)
			}
		}},
		{"exception without expiry never expires", "ignore:\n- id: KW-POD-001\n  reason: legacy\n", func(t *testing.T, c *Config) {
			if !c.Ignore[0].Expiry().IsZero() {
				t.Errorf("Expiry() = %v, want zero", c.Ignore[0].Expiry())
			}
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c, err := Parse([]byte(tc.yaml))
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			tc.check(t, c)
		})
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct {
		name string
		yaml string
		// want are substrings the error must contain, so the user can find the mistake.
		want []string
	}{
		{"unknown top-level field", "trustedRegistrie: [a]\n", []string{"trustedRegistrie", "line 1"}},
		{"unknown field in an exception", "ignore:\n- id: KW-POD-001\n  reasn: typo\n", []string{"reasn", "line 3"}},
		{"wrong type", "trustedRegistries: registry.bank.internal\n", []string{"line 1", "[]string"}},
		{"duplicate key", "trustedRegistries: [a]\ntrustedRegistries: [b]\n", []string{"trustedRegistries", "already defined"}},
		{"exception without id", "ignore:\n- reason: why\n", []string{"ignore[0]", "id is required"}},
		{"bad id pattern", "ignore:\n- id: 'KW-[POD'\n  reason: r\n", []string{"ignore[0]", "bad id pattern", "KW-[POD"}},
		{"bad subject pattern", "ignore:\n- id: KW-*\n  subject: 'apps/[x'\n  reason: r\n", []string{"ignore[0]", "bad subject pattern", "apps/[x"}},
		{"exception without reason", "ignore:\n- id: KW-POD-001\n", []string{"ignore[0]", "KW-POD-001", "reason is required"}},
		{"blank reason", "ignore:\n- id: KW-POD-001\n  reason: '   '\n", []string{"reason is required"}},
		{"second exception is named", "ignore:\n- id: A\n  reason: r\n- id: B\n", []string{"ignore[1]", "(B)"}},
		{"expires not a date", "ignore:\n- id: KW-POD-001\n  reason: r\n  expires: 31/01/2030\n", []string{"ignore[0]", "expires \"31/01/2030\"", "YYYY-MM-DD"}},
		{"expires with a time", "ignore:\n- id: KW-POD-001\n  reason: r\n  expires: 2030-01-31T00:00:00Z\n", []string{"YYYY-MM-DD"}},
		{"empty registry", "trustedRegistries: [registry.bank.internal, '']\n", []string{"trustedRegistries", "empty entry"}},
		{"blank registry", "trustedRegistries: ['  ']\n", []string{"empty entry"}},
		{"not a mapping", "- a\n- b\n", []string{"cannot unmarshal"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c, err := Parse([]byte(tc.yaml))
			if err == nil {
				t.Fatalf("Parse accepted %q: %+v", tc.yaml, c)
			}
			if c != nil {
				t.Errorf("Parse returned a config with the error %v", err)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not mention %q", err, w)
				}
			}
		})
	}
}

func TestDecodeStrict(t *testing.T) {
	type policy struct {
		Mode  string `yaml:"mode"`
		Level int    `yaml:"level"`
	}
	tests := []struct {
		name    string
		yaml    string
		start   policy
		want    policy
		wantErr string
	}{
		{"decodes known fields", "mode: enforce\nlevel: 2\n", policy{}, policy{"enforce", 2}, ""},
		{"empty document leaves the value unchanged", "", policy{"warn", 1}, policy{"warn", 1}, ""},
		{"whitespace leaves the value unchanged", "\n\n", policy{"warn", 1}, policy{"warn", 1}, ""},
		{"fields absent from the document are kept", "level: 3\n", policy{"warn", 1}, policy{"warn", 3}, ""},
		{"unknown field", "mode: enforce\nmdoe: audit\n", policy{}, policy{}, "field mdoe not found"},
		{"syntax error", "mode: [enforce\n", policy{}, policy{}, "yaml:"},
		{"leading document marker", "---\nmode: enforce\n", policy{}, policy{"enforce", 0}, ""},
		{"trailing document marker", "mode: enforce\n---\n", policy{}, policy{"enforce", 0}, ""},
		{"empty second document", "mode: enforce\n---\n# nothing\n...\n", policy{}, policy{"enforce", 0}, ""},
		{"second document", "mode: enforce\n---\nlevel: 2\n", policy{}, policy{}, "line 2: more than one YAML document (--- starts another)"},
		{"second document after an empty one", "---\n---\nlevel: 2\n", policy{}, policy{}, "line 2: more than one YAML document"},
		{"third document", "mode: enforce\n---\n---\nlevel: 2\n", policy{}, policy{}, "line 3: more than one YAML document"},
		{"syntax error in a second document", "mode: enforce\n---\nlevel: [\n", policy{}, policy{}, "yaml: line 3"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := tc.start
			err := DecodeStrict([]byte(tc.yaml), &got)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("error = %v, want one containing %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("DecodeStrict: %v", err)
			}
			if got != tc.want {
				t.Errorf("decoded %+v, want %+v", got, tc.want)
			}
		})
	}
}

// TestParseSecondDocument: a configuration file with a second YAML document
// must not have that document's settings silently dropped.
func TestParseSecondDocument(t *testing.T) {
	c, err := Parse([]byte("trustedRegistries: [registry.bank.internal]\n---\nignore:\n- id: KW-POD-001\n  reason: r\n"))
	if err == nil && len(c.Ignore) == 0 {
		t.Error("the second document's exceptions were silently dropped")
	}
}

func TestLoad(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "kubeward.yaml")
	if err := os.WriteFile(good, []byte("trustedRegistries: [registry.bank.internal]\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	bad := filepath.Join(dir, "bad.yaml")
	if err := os.WriteFile(bad, []byte("trustedRegistry: [x]\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	multi := filepath.Join(dir, "multi.yaml")
	if err := os.WriteFile(multi, []byte("trustedRegistries: [registry.bank.internal]\n---\nignore:\n- id: KW-POD-001\n  reason: r\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		file    string
		wantErr []string
	}{
		{"good file", good, nil},
		{"missing file", filepath.Join(dir, "missing.yaml"), []string{"config:", "missing.yaml", "no such file"}},
		{"invalid file names itself", bad, []string{"config " + bad, "trustedRegistry"}},
		{"two documents: one line naming the file", multi, []string{"config " + multi + ": line 2: more than one YAML document"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c, err := Load(tc.file)
			if tc.wantErr == nil {
				if err != nil {
					t.Fatalf("Load: %v", err)
				}
				if !reflect.DeepEqual(c.TrustedRegistries, []string{"registry.bank.internal"}) || len(c.SystemNamespaces) != 3 {
					t.Errorf("Load = %+v", c)
				}
				return
			}
			if err == nil {
				t.Fatalf("Load(%s) succeeded", tc.file)
			}
			for _, w := range tc.wantErr {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not mention %q", err, w)
				}
			}
			if tc.file == multi && strings.Contains(err.Error(), "\n") {
				t.Errorf("error %q is not one line", err)
			}
		})
	}
}

func TestIgnoreMatches(t *testing.T) {
	tests := []struct {
		name                string
		ig                  Ignore
		id, kind, ns, objNm string
		want                bool
	}{
		{"exact id, any subject", Ignore{ID: "KW-POD-001"}, "KW-POD-001", "Deployment", "apps", "web", true},
		{"other id", Ignore{ID: "KW-POD-001"}, "KW-POD-002", "Deployment", "apps", "web", false},
		{"id glob", Ignore{ID: "KW-RBAC-*"}, "KW-RBAC-010", "ClusterRoleBinding", "", "b", true},
		{"id glob other family", Ignore{ID: "KW-RBAC-*"}, "KW-POD-001", "Deployment", "apps", "web", false},
		{"id star matches every check", Ignore{ID: "*"}, "KW-NS-001", "Namespace", "", "apps", true},
		{"id is case sensitive", Ignore{ID: "kw-pod-001"}, "KW-POD-001", "Deployment", "apps", "web", false},
		{"kind matches case-insensitively", Ignore{ID: "*", Kind: "deployment"}, "KW-POD-001", "Deployment", "apps", "web", true},
		{"other kind", Ignore{ID: "*", Kind: "StatefulSet"}, "KW-POD-001", "Deployment", "apps", "web", false},
		{"namespaced subject", Ignore{ID: "*", Subject: "apps/web"}, "KW-POD-001", "Deployment", "apps", "web", true},
		{"namespaced subject glob", Ignore{ID: "*", Subject: "apps/*"}, "KW-POD-001", "Deployment", "apps", "web", true},
		{"subject in another namespace", Ignore{ID: "*", Subject: "apps/*"}, "KW-POD-001", "Deployment", "prod", "web", false},
		{"bare name does not match a namespaced object", Ignore{ID: "*", Subject: "web"}, "KW-POD-001", "Deployment", "apps", "web", false},
		{"star does not cross the namespace slash", Ignore{ID: "*", Subject: "*"}, "KW-POD-001", "Deployment", "apps", "web", false},
		{"star matches a cluster-scoped name", Ignore{ID: "*", Subject: "*"}, "KW-RBAC-001", "ClusterRole", "", "admin", true},
		{"cluster-scoped by name", Ignore{ID: "KW-RBAC-*", Subject: "system:*"}, "KW-RBAC-001", "ClusterRole", "", "system:controller", true},
		{"any namespace, one name", Ignore{ID: "*", Subject: "*/web"}, "KW-POD-001", "Deployment", "team-a", "web", true},
		{"all conditions", Ignore{ID: "KW-HOST-*", Kind: "DaemonSet", Subject: "kube-system/*"}, "KW-HOST-003", "DaemonSet", "kube-system", "kube-proxy", true},
		{"all but kind", Ignore{ID: "KW-HOST-*", Kind: "DaemonSet", Subject: "kube-system/*"}, "KW-HOST-003", "Deployment", "kube-system", "coredns", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.ig.Matches(tc.id, tc.kind, tc.ns, tc.objNm); got != tc.want {
				t.Errorf("%+v.Matches(%s, %s, %s, %s) = %v, want %v", tc.ig, tc.id, tc.kind, tc.ns, tc.objNm, got, tc.want)
			}
		})
	}
}
