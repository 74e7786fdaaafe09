package inventory

import "time"

// SignatureState is what the registry says about an image's signatures,
// judged against the keys trusted for the object's namespace.
type SignatureState string

// The signature states an image can be in.
const (
	// SigVerified: a signature of the image's digest verifies with a trusted key.
	SigVerified SignatureState = "verified"
	// SigUnsigned: no signature, or none that a trusted key verifies.
	SigUnsigned SignatureState = "unsigned"
	// SigInvalid: a trusted key verifies a signature, but it signs another
	// digest (a tampered or moved image), or its payload is malformed.
	SigInvalid SignatureState = "invalid"
	// SigNotRequired: no key is configured for the namespace.
	SigNotRequired SignatureState = "not-required"
)

// Image is what the supply-chain source learned about one image reference
// of an object: its digest, signatures and vulnerability scan. The source
// (internal/source/registry) fills it; supply-chain checks read it.
type Image struct {
	// Ref is the reference as the pod spec writes it.
	Ref string
	// Digest is the manifest digest the reference resolves to now
	// (sha256:...), "" when it could not be resolved.
	Digest string
	// PinnedDigest is the digest written in Ref (name@sha256:...), or "".
	PinnedDigest string
	// RunningDigest is the digest a running container of a live pod was
	// started from (its status's imageID), or "".
	RunningDigest string
	// Error says why the registry could not be asked (unreachable, refused,
	// timed out); the other facts are then unknown.
	Error string
	// Offline: the registry was not asked (scan --offline); only the
	// reports given were read.
	Offline bool

	Signature SignatureState
	// SignedBy names the trusted key that verified the signature.
	SignedBy string
	// SignatureDetail says why a signature is invalid or none verified
	// (which keys were tried, which digest a signature names).
	SignatureDetail string

	// Scan is the newest vulnerability scan of the digest, nil when none.
	Scan *Scan
	// Policy is the vulnerability policy of the object's namespace.
	Policy *VulnPolicy
}

// Scan is one vulnerability scan of an image digest.
type Scan struct {
	// Source names where it came from: "harbor", "trivy FILE", "grype FILE",
	// "VulnerabilityReport ns/name".
	Source string
	// Time is when the scan ran (zero when the report does not say).
	Time time.Time
	// Vulns are the findings (deduplicated by ID), or only counts when the
	// source gives counts (Harbor's overview): then Counts is set.
	Vulns []Vuln
	// Counts by severity (CRITICAL, HIGH, MEDIUM, LOW, UNKNOWN) when the
	// source gives no IDs.
	Counts map[string]int
}

// Vuln is one vulnerability finding.
type Vuln struct {
	ID       string
	Severity string // CRITICAL, HIGH, MEDIUM, LOW, UNKNOWN
	Package  string
	Version  string
	Fixed    string
}

// VulnPolicy is the vulnerability gate of a namespace, resolved from the
// configuration by the source (so checks need not match patterns again).
type VulnPolicy struct {
	// DenyAtOrAbove is the lowest severity that fails (CRITICAL, HIGH,
	// MEDIUM, LOW); "" turns the severity gate off.
	DenyAtOrAbove string
	// RequireScan fails images without a scan.
	RequireScan bool
	// MaxAge fails scans older than this (0: no limit).
	MaxAge time.Duration
	// Exceptions accept CVE IDs until they expire.
	Exceptions []CVEException
}

// CVEException accepts one CVE until Expiry (zero: no expiry).
type CVEException struct {
	ID     string
	Reason string
	Expiry time.Time
}

// DefaultImageVerifierDir is where containerd 2's image verifier plugin
// (io.containerd.image-verifier.v1.bindir) looks for verifier programs
// when the configuration names no bin_dir.
const DefaultImageVerifierDir = "/opt/containerd/image-verifier/bin"

// ContainerdImageVerifierDir is the bin_dir of containerd's image verifier
// plugin: the configured one, else the default for a version 3 (containerd
// 2) configuration, else "" (containerd 1.x has no image verifier plugin).
func (c *Component) ContainerdImageVerifierDir() string {
	if p, ok := c.Config["plugins"].(map[string]any); ok {
		if b, ok := p["io.containerd.image-verifier.v1.bindir"].(map[string]any); ok {
			if d, ok := b["bin_dir"].(string); ok && d != "" {
				return d
			}
		}
	}
	if c.Config != nil && ConfigVersion(c.Config) >= 3 {
		return DefaultImageVerifierDir
	}
	return ""
}
