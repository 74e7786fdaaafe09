package config

import (
	"errors"
	"fmt"
	"path"
	"strings"
	"time"
)

// SupplyChain is the image supply-chain policy: which keys must have
// signed the images of which namespaces, which vulnerability scans they
// need, and how the registry is reached. It is verified offline: no
// transparency log, no Fulcio, only the keys given here.
//
//	supplyChain:
//	  failureMode: deny          # registry unreachable at admission: deny (default) or allow
//	  pinDigests: true           # /mutate rewrites tags to the verified digest
//	  timeout: 5s                # one registry call
//	  registries:
//	    - host: registry.bank.internal
//	      caFile: /etc/kubeward/registry-ca.pem
//	      dockerConfig: /etc/kubeward/registry-auth.json  # the webhook's own credentials
//	  harbor: https://registry.bank.internal   # scan overviews from Harbor's API
//	  reports: [/etc/kubeward/reports/app-1.4.2.trivy.json]   # Trivy or Grype JSON, by digest
//	  policies:
//	    - namespaces: ["prod-*", "payments"]
//	      cosignKeys:
//	        - name: release
//	          file: /etc/kubeward/keys/release.pub
//	      vulnerabilities:
//	        denyAtOrAbove: HIGH
//	        requireScan: true
//	        maxAgeDays: 7
//	        exceptions:
//	          - cve: CVE-2026-1234
//	            reason: not reachable, ticket SEC-42
//	            expires: 2027-01-31
type SupplyChain struct {
	FailureMode string                `yaml:"failureMode"`
	PinDigests  bool                  `yaml:"pinDigests"`
	Timeout     string                `yaml:"timeout"`
	Registries  []SupplyChainRegistry `yaml:"registries"`
	Harbor      string                `yaml:"harbor"`
	// Reports are Trivy or Grype JSON reports (CI artifacts), matched to
	// images by digest.
	Reports  []string            `yaml:"reports"`
	Policies []SupplyChainPolicy `yaml:"policies"`

	timeout time.Duration
}

// SupplyChainRegistry is how one registry host is reached.
type SupplyChainRegistry struct {
	Host string `yaml:"host"`
	// CAFile is the PEM bundle the registry's certificate chains to.
	CAFile string `yaml:"caFile"`
	// DockerConfig is a docker config.json with the webhook's own
	// credentials (used when the pod names no imagePullSecret).
	DockerConfig string `yaml:"dockerConfig"`
}

// SupplyChainPolicy applies to the namespaces its patterns match; the
// first matching policy wins.
type SupplyChainPolicy struct {
	Namespaces      []string       `yaml:"namespaces"`
	CosignKeys      []CosignKey    `yaml:"cosignKeys"`
	Notation        *NotationTrust `yaml:"notation"`
	Vulnerabilities VulnGatePolicy `yaml:"vulnerabilities"`
}

// NotationTrust verifies Notation signatures: named CA trust stores and,
// optionally, notation's own trust policy document (version 1.0). Without
// one, kubeward's policy trusts every store for every registry at the
// strict level with revocation checks skipped (air-gapped: no OCSP or CRL
// to reach); give a trust policy to check revocation or pin identities.
type NotationTrust struct {
	TrustPolicy string               `yaml:"trustPolicy"`
	TrustStores []NotationTrustStore `yaml:"trustStores"`
}

// NotationTrustStore is a named CA store (ca:NAME in a trust policy).
type NotationTrustStore struct {
	Name  string   `yaml:"name"`
	Files []string `yaml:"files"`
}

// CosignKey is one trusted public key: PEM inline or in a file.
type CosignKey struct {
	Name string `yaml:"name"`
	File string `yaml:"file"`
	PEM  string `yaml:"pem"`
}

// VulnGatePolicy is the vulnerability gate of a policy.
type VulnGatePolicy struct {
	DenyAtOrAbove string         `yaml:"denyAtOrAbove"`
	RequireScan   bool           `yaml:"requireScan"`
	MaxAgeDays    int            `yaml:"maxAgeDays"`
	Exceptions    []CVEException `yaml:"exceptions"`
}

// CVEException accepts one CVE in the policy's namespaces.
type CVEException struct {
	CVE     string `yaml:"cve"`
	Reason  string `yaml:"reason"`
	Expires string `yaml:"expires"`

	expiry time.Time
}

// Expiry is 00:00 UTC the day after Expires (zero: never).
func (e *CVEException) Expiry() time.Time { return e.expiry }

// Severities are the vulnerability severities, most severe first.
var Severities = []string{"CRITICAL", "HIGH", "MEDIUM", "LOW", "UNKNOWN"}

// SeverityRank orders severities: CRITICAL 4 ... UNKNOWN 0; -1 for a word
// that is none of them.
func SeverityRank(s string) int {
	switch strings.ToUpper(strings.TrimSpace(s)) {
	case "CRITICAL":
		return 4
	case "HIGH":
		return 3
	case "MEDIUM", "MODERATE":
		return 2
	case "LOW", "NEGLIGIBLE":
		return 1
	case "UNKNOWN", "":
		return 0
	}
	return -1
}

// Enabled reports whether any supply-chain policy is configured.
func (s *SupplyChain) Enabled() bool { return len(s.Policies) > 0 }

// FailOpen reports whether an unreachable registry admits the object.
func (s *SupplyChain) FailOpen() bool { return strings.EqualFold(s.FailureMode, "allow") }

// CallTimeout bounds one registry call (default 5s).
func (s *SupplyChain) CallTimeout() time.Duration {
	if s.timeout > 0 {
		return s.timeout
	}
	return 5 * time.Second
}

// PolicyFor returns the first policy whose patterns match namespace, or nil.
func (s *SupplyChain) PolicyFor(namespace string) *SupplyChainPolicy {
	for i := range s.Policies {
		for _, p := range s.Policies[i].Namespaces {
			if ok, _ := path.Match(p, namespace); ok {
				return &s.Policies[i]
			}
		}
	}
	return nil
}

// Registry returns the settings of host, or nil.
func (s *SupplyChain) Registry(host string) *SupplyChainRegistry {
	for i := range s.Registries {
		if strings.EqualFold(s.Registries[i].Host, host) {
			return &s.Registries[i]
		}
	}
	return nil
}

func (s *SupplyChain) validate() error {
	switch strings.ToLower(s.FailureMode) {
	case "", "deny", "allow":
	default:
		return fmt.Errorf("supplyChain.failureMode %q: want deny or allow", s.FailureMode)
	}
	if s.Timeout != "" {
		d, err := time.ParseDuration(s.Timeout)
		if err != nil || d <= 0 || d > 2*time.Minute {
			return fmt.Errorf("supplyChain.timeout %q: want a duration between 0 and 2m (e.g. 5s)", s.Timeout)
		}
		s.timeout = d
	}
	if s.Harbor != "" && !strings.HasPrefix(s.Harbor, "https://") && !strings.HasPrefix(s.Harbor, "http://") {
		return fmt.Errorf("supplyChain.harbor %q: want an http(s) URL", s.Harbor)
	}
	for i, r := range s.Registries {
		if strings.TrimSpace(r.Host) == "" || strings.ContainsAny(r.Host, "/ ") {
			return fmt.Errorf("supplyChain.registries[%d]: host %q must be a registry host[:port]", i, r.Host)
		}
	}
	for i := range s.Policies {
		p := &s.Policies[i]
		at := fmt.Sprintf("supplyChain.policies[%d]", i)
		if len(p.Namespaces) == 0 {
			return errors.New(at + ": namespaces is required (patterns such as prod-*)")
		}
		for _, n := range p.Namespaces {
			if _, err := path.Match(n, ""); err != nil || strings.TrimSpace(n) == "" {
				return fmt.Errorf("%s: bad namespace pattern %q", at, n)
			}
		}
		names := map[string]bool{}
		for j, k := range p.CosignKeys {
			if k.Name == "" || names[k.Name] {
				return fmt.Errorf("%s.cosignKeys[%d]: a unique name is required", at, j)
			}
			names[k.Name] = true
			if (k.File == "") == (k.PEM == "") {
				return fmt.Errorf("%s.cosignKeys[%d] (%s): give exactly one of file and pem", at, j, k.Name)
			}
		}
		if n := p.Notation; n != nil {
			if len(n.TrustStores) == 0 {
				return fmt.Errorf("%s.notation: trustStores is required (named CA files)", at)
			}
			seen := map[string]bool{}
			for j, s := range n.TrustStores {
				if s.Name == "" || seen[s.Name] || strings.ContainsAny(s.Name, ":/ ") || len(s.Files) == 0 {
					return fmt.Errorf("%s.notation.trustStores[%d]: a unique name (no ':', '/' or space) and files are required", at, j)
				}
				seen[s.Name] = true
			}
		}
		v := &p.Vulnerabilities
		if v.DenyAtOrAbove != "" {
			if r := SeverityRank(v.DenyAtOrAbove); r < 1 {
				return fmt.Errorf("%s.vulnerabilities.denyAtOrAbove %q: want CRITICAL, HIGH, MEDIUM or LOW", at, v.DenyAtOrAbove)
			}
			v.DenyAtOrAbove = strings.ToUpper(v.DenyAtOrAbove)
		}
		if v.MaxAgeDays < 0 {
			return fmt.Errorf("%s.vulnerabilities.maxAgeDays %d: must not be negative", at, v.MaxAgeDays)
		}
		for j := range v.Exceptions {
			e := &v.Exceptions[j]
			if !strings.HasPrefix(e.CVE, "CVE-") && !strings.HasPrefix(e.CVE, "GHSA-") {
				return fmt.Errorf("%s.vulnerabilities.exceptions[%d]: cve %q is not a CVE or GHSA ID", at, j, e.CVE)
			}
			if strings.TrimSpace(e.Reason) == "" {
				return fmt.Errorf("%s.vulnerabilities.exceptions[%d] (%s): a reason is required", at, j, e.CVE)
			}
			if e.Expires != "" {
				t, err := time.Parse("2006-01-02", e.Expires)
				if err != nil {
					return fmt.Errorf("%s.vulnerabilities.exceptions[%d] (%s): expires %q is not a YYYY-MM-DD date", at, j, e.CVE, e.Expires)
				}
				e.expiry = t.AddDate(0, 0, 1)
			}
		}
	}
	return nil
}
