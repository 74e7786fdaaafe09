package registry

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/remote"

	"github.com/kubeward/kubeward/internal/inventory"
)

// Vulnerability attestations as `cosign attest --key --type vuln` stores
// them: the tag sha256-<hex>.att holds DSSE envelopes whose payload is an
// in-toto statement about the digest, with cosign's vuln predicate
// (scanner.result: the scanner's own report, Trivy or Grype JSON).
const (
	vulnPredicateType = "https://cosign.sigstore.dev/attestation/vuln/v1"
	inTotoPayloadType = "application/vnd.in-toto+json"
	maxEnvelopeBytes  = 8 << 20
)

type dsseEnvelope struct {
	PayloadType string `json:"payloadType"`
	Payload     string `json:"payload"`
	Signatures  []struct {
		Sig string `json:"sig"`
	} `json:"signatures"`
}

type inTotoStatement struct {
	Type    string `json:"_type"`
	Subject []struct {
		Digest map[string]string `json:"digest"`
	} `json:"subject"`
	PredicateType string `json:"predicateType"`
	Predicate     struct {
		Scanner struct {
			URI    string          `json:"uri"`
			Result json.RawMessage `json:"result"`
		} `json:"scanner"`
		Metadata struct {
			ScanFinishedOn time.Time `json:"scanFinishedOn"`
		} `json:"metadata"`
	} `json:"predicate"`
}

// PAE is DSSE's pre-authentication encoding: what the signature covers.
func PAE(payloadType string, payload []byte) []byte {
	return []byte(fmt.Sprintf("DSSEv1 %d %s %d %s", len(payloadType), payloadType, len(payload), payload))
}

// ParseVulnAttestation reads a DSSE envelope, checks a signature with
// verify, and returns the scan it attests for digest. A statement about
// another digest, of another predicate or unsigned by a trusted key is an
// error.
func ParseVulnAttestation(envelope []byte, digest string, verify func(sig, msg []byte) (string, bool)) (*inventory.Scan, error) {
	var env dsseEnvelope
	if err := json.Unmarshal(envelope, &env); err != nil {
		return nil, fmt.Errorf("attestation envelope: %w", err)
	}
	if env.PayloadType != inTotoPayloadType {
		return nil, fmt.Errorf("attestation payload type %q is not in-toto", env.PayloadType)
	}
	payload, err := base64.StdEncoding.DecodeString(env.Payload)
	if err != nil {
		return nil, fmt.Errorf("attestation payload: %w", err)
	}
	signer := ""
	for _, s := range env.Signatures {
		sig, err := base64.StdEncoding.DecodeString(s.Sig)
		if err != nil {
			continue
		}
		if k, ok := verify(sig, PAE(env.PayloadType, payload)); ok {
			signer = k
			break
		}
	}
	if signer == "" {
		return nil, fmt.Errorf("attestation: no signature verifies with the trusted keys")
	}
	var st inTotoStatement
	if err := json.Unmarshal(payload, &st); err != nil {
		return nil, fmt.Errorf("attestation statement: %w", err)
	}
	if st.PredicateType != vulnPredicateType {
		return nil, fmt.Errorf("attestation predicate %q is not a vulnerability scan", st.PredicateType)
	}
	hex := strings.TrimPrefix(digest, "sha256:")
	about := false
	for _, s := range st.Subject {
		if s.Digest["sha256"] == hex {
			about = true
		}
	}
	if !about {
		return nil, fmt.Errorf("attestation is about another digest, not %s", digest)
	}
	r, err := ParseReportFor(st.Predicate.Scanner.Result, "attestation signed by "+signer, digest)
	if err != nil {
		return nil, err
	}
	if !st.Predicate.Metadata.ScanFinishedOn.IsZero() {
		r.Time = st.Predicate.Metadata.ScanFinishedOn
	}
	return r, nil
}

// ParseReportFor reads a Trivy or Grype report embedded in an attestation,
// whose subject already names the digest: the report itself need not.
func ParseReportFor(data []byte, source, digest string) (*inventory.Scan, error) {
	r, err := ParseReport(data, source)
	if err == nil {
		return r.Scan, nil
	}
	// A report of a local scan names no repo digest: keyed by the statement.
	var probe map[string]json.RawMessage
	if json.Unmarshal(data, &probe) != nil {
		return nil, err
	}
	switch {
	case probe["SchemaVersion"] != nil:
		var t trivyReport
		_ = json.Unmarshal(data, &t)
		t.Metadata.RepoDigests = []string{digest}
		b, _ := json.Marshal(t)
		r, err = parseTrivy(b, source)
	case probe["matches"] != nil:
		var g grypeReport
		_ = json.Unmarshal(data, &g)
		g.Source.Type = "image"
		g.Source.Target, _ = json.Marshal(grypeImageTarget{ManifestDigest: digest})
		b, _ := json.Marshal(g)
		r, err = parseGrype(b, source)
	}
	if err != nil {
		return nil, fmt.Errorf("attestation scanner.result: %w", err)
	}
	if r == nil {
		return nil, fmt.Errorf("attestation scanner.result is neither a Trivy nor a Grype report")
	}
	return r.Scan, nil
}

// VulnAttestation returns the newest vulnerability scan attested for
// repo@digest by a trusted key, or nil when there is none.
func (c *Client) VulnAttestation(ctx context.Context, repo name.Repository, digest string, keys []Key, pull Keychain) (*inventory.Scan, error) {
	if len(keys) == 0 {
		return nil, nil
	}
	tag := repo.Tag(strings.Replace(digest, ":", "-", 1) + ".att")
	ctx, cancel := c.call(ctx)
	defer cancel()
	img, err := remote.Image(tag, c.options(ctx, tag, pull)...)
	if err != nil {
		if isNotFound(err) {
			return nil, nil
		}
		return nil, fmt.Errorf("reading attestations %s: %w", tag, err)
	}
	layers, err := img.Layers()
	if err != nil {
		return nil, fmt.Errorf("reading attestations %s: %w", tag, err)
	}
	verify := func(sig, msg []byte) (string, bool) {
		for _, k := range keys {
			if k.verifier.VerifySignature(bytes.NewReader(sig), bytes.NewReader(msg)) == nil {
				return k.Name, true
			}
		}
		return "", false
	}
	var best *inventory.Scan
	for i, l := range layers {
		if i >= maxSignatureLayers {
			break
		}
		rc, err := l.Compressed()
		if err != nil {
			return nil, fmt.Errorf("reading attestation: %w", err)
		}
		env, err := io.ReadAll(io.LimitReader(rc, maxEnvelopeBytes))
		_ = rc.Close()
		if err != nil {
			return nil, fmt.Errorf("reading attestation: %w", err)
		}
		s, err := ParseVulnAttestation(env, digest, verify)
		if err != nil {
			continue // another predicate, another key: not a scan kubeward trusts
		}
		if best == nil || s.Time.After(best.Time) {
			best = s
		}
	}
	return best, nil
}
