package registry

import (
	"bytes"
	"context"
	"crypto"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/sigstore/sigstore/pkg/cryptoutils"
	"github.com/sigstore/sigstore/pkg/signature"

	"github.com/kubeward/kubeward/internal/config"
	"github.com/kubeward/kubeward/internal/inventory"
)

// The cosign signature format without a transparency log: the tag
// sha256-<hex>.sig holds an image whose layers are simple-signing payloads,
// each with its base64 signature in this annotation.
const (
	cosignSigAnnotation = "dev.cosignproject.cosign/signature"
	maxPayloadBytes     = 64 << 10
	maxSignatureLayers  = 32
)

// Key is one trusted public key.
type Key struct {
	Name     string
	verifier signature.Verifier
}

// LoadKeys reads the cosign keys of a policy (PEM inline or files).
func LoadKeys(ks []config.CosignKey) ([]Key, error) {
	var out []Key
	for _, k := range ks {
		data := []byte(k.PEM)
		if k.File != "" {
			b, err := os.ReadFile(k.File)
			if err != nil {
				return nil, fmt.Errorf("cosign key %s: %w", k.Name, err)
			}
			data = b
		}
		pub, err := cryptoutils.UnmarshalPEMToPublicKey(data)
		if err != nil {
			return nil, fmt.Errorf("cosign key %s (%s): not a PEM public key: %w", k.Name, k.File, err)
		}
		v, err := signature.LoadVerifier(pub, crypto.SHA256)
		if err != nil {
			return nil, fmt.Errorf("cosign key %s: %w", k.Name, err)
		}
		out = append(out, Key{Name: k.Name, verifier: v})
	}
	return out, nil
}

// simpleSigning is the payload cosign signs.
type simpleSigning struct {
	Critical struct {
		Identity struct {
			DockerReference string `json:"docker-reference"`
		} `json:"identity"`
		Image struct {
			DockerManifestDigest string `json:"docker-manifest-digest"`
		} `json:"image"`
		Type string `json:"type"`
	} `json:"critical"`
}

// ParsePayload reads a simple-signing payload and returns the digest it
// signs.
func ParsePayload(data []byte) (string, error) {
	var p simpleSigning
	if err := json.Unmarshal(data, &p); err != nil {
		return "", fmt.Errorf("signature payload: %w", err)
	}
	if p.Critical.Type != "cosign container image signature" {
		return "", fmt.Errorf("signature payload: type %q is not a cosign container image signature", p.Critical.Type)
	}
	d := p.Critical.Image.DockerManifestDigest
	if !strings.HasPrefix(d, "sha256:") || len(d) != 71 {
		return "", fmt.Errorf("signature payload: digest %q is not sha256", d)
	}
	return d, nil
}

// sigVerdict is the outcome of verifying one digest's signatures.
type sigVerdict struct {
	State  inventory.SignatureState
	By     string
	Detail string
}

// VerifyCosign verifies the cosign signatures of repo@digest with keys.
// An error means the registry could not be asked; a missing signature tag
// is SigUnsigned, not an error.
func (c *Client) VerifyCosign(ctx context.Context, repo name.Repository, digest string, keys []Key, pull Keychain) (sigVerdict, error) {
	if len(keys) == 0 {
		return sigVerdict{State: inventory.SigNotRequired}, nil
	}
	tag := repo.Tag(strings.Replace(digest, ":", "-", 1) + ".sig")
	ctx, cancel := c.call(ctx)
	defer cancel()
	img, err := remote.Image(tag, c.options(ctx, tag, pull)...)
	if err != nil {
		if isNotFound(err) {
			return sigVerdict{State: inventory.SigUnsigned, Detail: "no cosign signature (" + tag.TagStr() + " does not exist) for the trusted keys " + keyNames(keys)}, nil
		}
		return sigVerdict{}, fmt.Errorf("reading signatures %s: %w", tag, err)
	}
	m, err := img.Manifest()
	if err != nil {
		return sigVerdict{}, fmt.Errorf("reading signatures %s: %w", tag, err)
	}
	var other []string
	tried := 0
	for i, l := range m.Layers {
		if i >= maxSignatureLayers {
			break
		}
		sig64, ok := l.Annotations[cosignSigAnnotation]
		if !ok {
			continue
		}
		sig, err := base64.StdEncoding.DecodeString(sig64)
		if err != nil {
			continue
		}
		if l.Size > maxPayloadBytes {
			continue
		}
		layer, err := img.LayerByDigest(l.Digest)
		if err != nil {
			return sigVerdict{}, fmt.Errorf("reading signature payload %s: %w", l.Digest, err)
		}
		rc, err := layer.Compressed()
		if err != nil {
			return sigVerdict{}, fmt.Errorf("reading signature payload %s: %w", l.Digest, err)
		}
		payload, err := io.ReadAll(io.LimitReader(rc, maxPayloadBytes))
		_ = rc.Close()
		if err != nil {
			return sigVerdict{}, fmt.Errorf("reading signature payload %s: %w", l.Digest, err)
		}
		tried++
		for _, k := range keys {
			if k.verifier.VerifySignature(bytes.NewReader(sig), bytes.NewReader(payload)) != nil {
				continue
			}
			signed, err := ParsePayload(payload)
			switch {
			case err != nil:
				other = append(other, fmt.Sprintf("key %s verifies a malformed payload: %v", k.Name, err))
			case signed != digest:
				other = append(other, fmt.Sprintf("key %s signed %s, not %s", k.Name, signed, digest))
			default:
				return sigVerdict{State: inventory.SigVerified, By: k.Name}, nil
			}
		}
	}
	if len(other) > 0 {
		return sigVerdict{State: inventory.SigInvalid, Detail: strings.Join(other, "; ")}, nil
	}
	return sigVerdict{State: inventory.SigUnsigned, Detail: fmt.Sprintf("%d cosign signature(s), none verifies with the trusted keys %s", tried, keyNames(keys))}, nil
}

func keyNames(keys []Key) string {
	n := make([]string, len(keys))
	for i, k := range keys {
		n[i] = k.Name
	}
	return strings.Join(n, ", ")
}
