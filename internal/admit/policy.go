// Package admit serves Kubernetes admission webhooks (admission.k8s.io/v1
// AdmissionReview) that decide with kubeward's check catalogue: the rule
// that audits a manifest denies, warns about or annotates the same object,
// with the same ID and message, when it reaches the API server.
package admit

import (
	"fmt"
	"os"
	"path"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/kubeward/kubeward/internal/catalog"
	"github.com/kubeward/kubeward/internal/config"
)

// Mode is what a failing check does to an admission request.
type Mode string

const (
	// Enforce denies the request (allowed: false) listing each failing check.
	Enforce Mode = "enforce"
	// Warn admits it with AdmissionResponse.warnings, which kubectl prints.
	Warn Mode = "warn"
	// Audit admits it with auditAnnotations kubeward.io/<ID>.
	Audit Mode = "audit"
	// Off ignores the check.
	Off Mode = "off"
)

func (m Mode) valid() bool {
	switch m {
	case Enforce, Warn, Audit, Off:
		return true
	}
	return false
}

// Policy is the admission policy file.
type Policy struct {
	// DefaultMode applies where no namespace or check mode does (default enforce).
	DefaultMode Mode `yaml:"defaultMode"`
	// Lang is the language of messages: en (default) or zh.
	Lang string `yaml:"lang"`
	// MinSeverity: only FAIL results at or above it are enforced; lower ones
	// are reported as warnings (default low: all).
	MinSeverity string `yaml:"minSeverity"`
	// AllowAnnotationExceptions honours kubeward.io/ignore and
	// kubeward.io/ignore-reason on the admitted object (default false: an
	// object cannot exempt itself).
	AllowAnnotationExceptions bool `yaml:"allowAnnotationExceptions"`
	// Config is kubeward's configuration (trustedRegistries, allowedCapabilities,
	// systemNamespaces, ignore), in the same schema as `--config` of the scans.
	Config yaml.Node `yaml:"config"`
	// Checks sets a mode per check ID or ID glob (KW-RBAC-*).
	Checks map[string]Mode `yaml:"checks"`
	// Namespaces overrides by namespace name or glob.
	Namespaces map[string]NamespacePolicy `yaml:"namespaces"`
	// Exemptions skip checks for namespaces, users or groups.
	Exemptions []Exemption `yaml:"exemptions"`
	// Deletions sets a mode for DELETE of kinds whose removal weakens a
	// namespace: ResourceQuota (KW-NS-001), LimitRange (KW-NS-002),
	// NetworkPolicy (KW-NS-003). Absent kinds are not evaluated on DELETE.
	Deletions map[string]Mode `yaml:"deletions"`
	// Mutate enables the safe defaults /mutate adds as a JSONPatch.
	Mutate Mutate `yaml:"mutate"`

	cfg    *config.Config
	minSev catalog.Severity
}

// NamespacePolicy overrides the policy in matching namespaces.
type NamespacePolicy struct {
	Mode Mode   `yaml:"mode"`
	Lang string `yaml:"lang"`
	// TrustedRegistries replaces the configured trusted registries, e.g.
	// production namespaces: the private registry only.
	TrustedRegistries []string        `yaml:"trustedRegistries"`
	Checks            map[string]Mode `yaml:"checks"`
}

// Exemption skips checks for requests matching any of its namespaces, users
// or groups (globs).
type Exemption struct {
	Namespaces []string `yaml:"namespaces"`
	Users      []string `yaml:"users"`
	Groups     []string `yaml:"groups"`
	// Checks are the exempted IDs or globs; empty exempts every check.
	Checks []string `yaml:"checks"`
	Reason string   `yaml:"reason"`
}

// Mutate lists the opt-in defaults /mutate sets when a field is unset.
type Mutate struct {
	SeccompRuntimeDefault             bool `yaml:"seccompRuntimeDefault"`
	AllowPrivilegeEscalationFalse     bool `yaml:"allowPrivilegeEscalationFalse"`
	AutomountServiceAccountTokenFalse bool `yaml:"automountServiceAccountTokenFalse"`
}

// DefaultPolicy enforces every check in English with the default configuration.
func DefaultPolicy() *Policy {
	p, err := ParsePolicy(nil)
	if err != nil {
		panic(err)
	}
	return p
}

// LoadPolicy reads a policy file.
func LoadPolicy(file string) (*Policy, error) {
	data, err := os.ReadFile(file)
	if err != nil {
		return nil, fmt.Errorf("policy: %w", err)
	}
	p, err := ParsePolicy(data)
	if err != nil {
		return nil, fmt.Errorf("policy %s: %w", file, err)
	}
	return p, nil
}

// ParsePolicy reads a policy from YAML; unknown fields are errors.
func ParsePolicy(data []byte) (*Policy, error) {
	p := &Policy{}
	if err := config.DecodeStrict(data, p); err != nil {
		return nil, err
	}
	if p.DefaultMode == "" {
		p.DefaultMode = Enforce
	}
	if !p.DefaultMode.valid() {
		return nil, fmt.Errorf("defaultMode: unknown mode %q (want enforce, warn, audit or off)", p.DefaultMode)
	}
	if err := checkLang(p.Lang); err != nil {
		return nil, fmt.Errorf("lang: %w", err)
	}
	if p.Lang == "" {
		p.Lang = "en"
	}
	p.minSev = catalog.SeverityLow
	if p.MinSeverity != "" {
		s, err := catalog.ParseSeverity(p.MinSeverity)
		if err != nil {
			return nil, fmt.Errorf("minSeverity: %w", err)
		}
		p.minSev = s
	}
	if p.Config.Kind != 0 {
		raw, err := yaml.Marshal(&p.Config)
		if err != nil {
			return nil, fmt.Errorf("config: %w", err)
		}
		if p.cfg, err = config.Parse(raw); err != nil {
			return nil, fmt.Errorf("config: %w", err)
		}
	} else {
		p.cfg = config.Default()
	}
	if err := checkModes("checks", p.Checks); err != nil {
		return nil, err
	}
	for name, ns := range p.Namespaces {
		if _, err := path.Match(name, ""); err != nil {
			return nil, fmt.Errorf("namespaces: bad pattern %q", name)
		}
		if ns.Mode != "" && !ns.Mode.valid() {
			return nil, fmt.Errorf("namespaces[%s].mode: unknown mode %q", name, ns.Mode)
		}
		if err := checkLang(ns.Lang); err != nil {
			return nil, fmt.Errorf("namespaces[%s].lang: %w", name, err)
		}
		if err := checkModes("namespaces["+name+"].checks", ns.Checks); err != nil {
			return nil, err
		}
		for _, r := range ns.TrustedRegistries {
			if strings.TrimSpace(r) == "" {
				return nil, fmt.Errorf("namespaces[%s].trustedRegistries: empty entry", name)
			}
		}
	}
	for i, ex := range p.Exemptions {
		if len(ex.Namespaces)+len(ex.Users)+len(ex.Groups) == 0 {
			return nil, fmt.Errorf("exemptions[%d]: name namespaces, users or groups", i)
		}
		if strings.TrimSpace(ex.Reason) == "" {
			return nil, fmt.Errorf("exemptions[%d]: a reason is required", i)
		}
		for _, l := range [][]string{ex.Namespaces, ex.Users, ex.Groups, ex.Checks} {
			for _, g := range l {
				if _, err := path.Match(g, ""); err != nil {
					return nil, fmt.Errorf("exemptions[%d]: bad pattern %q", i, g)
				}
			}
		}
	}
	for kind, m := range p.Deletions {
		if _, ok := deletionChecks[kind]; !ok {
			return nil, fmt.Errorf("deletions: kind %q is not one of ResourceQuota, LimitRange, NetworkPolicy", kind)
		}
		if !m.valid() {
			return nil, fmt.Errorf("deletions[%s]: unknown mode %q", kind, m)
		}
	}
	return p, nil
}

func checkLang(l string) error {
	switch l {
	case "", "en", "zh":
		return nil
	}
	return fmt.Errorf("unknown language %q (want en or zh)", l)
}

func checkModes(field string, m map[string]Mode) error {
	for id, mode := range m {
		if _, err := path.Match(id, ""); err != nil {
			return fmt.Errorf("%s: bad check pattern %q", field, id)
		}
		if !mode.valid() {
			return fmt.Errorf("%s[%s]: unknown mode %q (want enforce, warn, audit or off)", field, id, mode)
		}
	}
	return nil
}

func match(pattern, s string) bool {
	ok, _ := path.Match(pattern, s)
	return ok
}

// lookupMode finds the mode of id in m: an exact ID first, then the longest glob.
func lookupMode(m map[string]Mode, id string) (Mode, bool) {
	if mode, ok := m[id]; ok {
		return mode, true
	}
	best, found := "", false
	var mode Mode
	for pat, md := range m {
		if match(pat, id) && (!found || len(pat) > len(best) || (len(pat) == len(best) && pat < best)) {
			best, mode, found = pat, md, true
		}
	}
	return mode, found
}

// nsView is the policy as it applies in one namespace.
type nsView struct {
	p      *Policy
	ns     *NamespacePolicy
	lang   string
	config *config.Config
}

// forNamespace resolves the namespace overrides: an exact name first, then
// the longest matching glob.
func (p *Policy) forNamespace(namespace string) *nsView {
	v := &nsView{p: p, lang: p.Lang, config: p.cfg}
	var ns *NamespacePolicy
	if o, ok := p.Namespaces[namespace]; ok {
		ns = &o
	} else {
		best := ""
		for pat, o := range p.Namespaces {
			if match(pat, namespace) && (ns == nil || len(pat) > len(best) || (len(pat) == len(best) && pat < best)) {
				o := o
				best, ns = pat, &o
			}
		}
	}
	if ns == nil {
		return v
	}
	v.ns = ns
	if ns.Lang != "" {
		v.lang = ns.Lang
	}
	if ns.TrustedRegistries != nil {
		c := *p.cfg
		c.TrustedRegistries = ns.TrustedRegistries
		v.config = &c
	}
	return v
}

// mode is the mode of check id: the namespace's per-check mode, then the
// namespace mode, then the global per-check mode, then the default.
func (v *nsView) mode(id string) Mode {
	if v.ns != nil {
		if m, ok := lookupMode(v.ns.Checks, id); ok {
			return m
		}
		if v.ns.Mode != "" {
			return v.ns.Mode
		}
	}
	if m, ok := lookupMode(v.p.Checks, id); ok {
		return m
	}
	return v.p.DefaultMode
}

// exemption returns the exemption covering check id for the request, or nil.
func (p *Policy) exemption(id, namespace, user string, groups []string) *Exemption {
	for i := range p.Exemptions {
		ex := &p.Exemptions[i]
		if len(ex.Checks) > 0 && !anyMatch(ex.Checks, id) {
			continue
		}
		if anyMatch(ex.Namespaces, namespace) || anyMatch(ex.Users, user) {
			return ex
		}
		for _, g := range groups {
			if anyMatch(ex.Groups, g) {
				return ex
			}
		}
	}
	return nil
}

func anyMatch(patterns []string, s string) bool {
	for _, p := range patterns {
		if match(p, s) {
			return true
		}
	}
	return false
}
