package registry

import (
	"context"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"strings"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	"github.com/notaryproject/notation-go"
	nregistry "github.com/notaryproject/notation-go/registry"
	"github.com/notaryproject/notation-go/verifier"
	"github.com/notaryproject/notation-go/verifier/trustpolicy"
	"github.com/notaryproject/notation-go/verifier/truststore"
	"oras.land/oras-go/v2/registry/remote"
	"oras.land/oras-go/v2/registry/remote/auth"

	"github.com/kubeward/kubeward/internal/config"
	"github.com/kubeward/kubeward/internal/inventory"
)

// maxNotationSignatures bounds the signatures tried per digest.
const maxNotationSignatures = 16

// notationTrust is a policy's Notation verifier and its store names.
type notationTrust struct {
	v      notation.Verifier
	stores []string
}

// memStore is a trust store read from the configured PEM files.
type memStore map[string][]*x509.Certificate

func (m memStore) GetCertificates(_ context.Context, t truststore.Type, name string) ([]*x509.Certificate, error) {
	if t != truststore.TypeCA {
		return nil, fmt.Errorf("trust store %s:%s: only ca stores are configured", t, name)
	}
	cs, ok := m[name]
	if !ok {
		return nil, fmt.Errorf("trust store ca:%s is not configured", name)
	}
	return cs, nil
}

// LoadNotation builds the Notation verifier of a policy (nil for none).
func LoadNotation(n *config.NotationTrust) (*notationTrust, error) {
	if n == nil {
		return nil, nil
	}
	store := memStore{}
	var names []string
	for _, s := range n.TrustStores {
		for _, f := range s.Files {
			data, err := os.ReadFile(f)
			if err != nil {
				return nil, fmt.Errorf("notation trust store %s: %w", s.Name, err)
			}
			certs, err := parseCerts(data)
			if err != nil {
				return nil, fmt.Errorf("notation trust store %s: %s: %w", s.Name, f, err)
			}
			store[s.Name] = append(store[s.Name], certs...)
		}
		names = append(names, "ca:"+s.Name)
	}
	doc := &trustpolicy.Document{Version: "1.0", TrustPolicies: []trustpolicy.TrustPolicy{{
		Name: "kubeward", RegistryScopes: []string{"*"}, TrustStores: names, TrustedIdentities: []string{"*"},
		SignatureVerification: trustpolicy.SignatureVerification{VerificationLevel: trustpolicy.LevelStrict.Name,
			Override: map[trustpolicy.ValidationType]trustpolicy.ValidationAction{trustpolicy.TypeRevocation: trustpolicy.ActionSkip}},
	}}}
	if n.TrustPolicy != "" {
		data, err := os.ReadFile(n.TrustPolicy)
		if err != nil {
			return nil, fmt.Errorf("notation trust policy: %w", err)
		}
		doc = &trustpolicy.Document{}
		if err := json.Unmarshal(data, doc); err != nil {
			return nil, fmt.Errorf("notation trust policy %s: %w", n.TrustPolicy, err)
		}
	}
	v, err := verifier.New(doc, store, nil)
	if err != nil {
		return nil, fmt.Errorf("notation trust policy %s: %w", n.TrustPolicy, err)
	}
	return &notationTrust{v: v, stores: names}, nil
}

func parseCerts(data []byte) ([]*x509.Certificate, error) {
	var out []*x509.Certificate
	for {
		var blk []byte
		blk, data = nextPEM(data)
		if blk == nil {
			break
		}
		c, err := x509.ParseCertificate(blk)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	if len(out) == 0 {
		return nil, errors.New("no PEM certificate")
	}
	return out, nil
}

// orasRepository is repo reached with the client's transport and the
// keychain's credentials.
func (c *Client) orasRepository(repo name.Repository, pull Keychain) (*remote.Repository, error) {
	r, err := remote.NewRepository(repo.Name())
	if err != nil {
		return nil, err
	}
	kc := authn.NewMultiKeychain(pull, c.own)
	r.Client = &auth.Client{
		Client: &http.Client{Transport: c.transport(repo.RegistryStr()), Timeout: c.timeout},
		Credential: func(_ context.Context, hostport string) (auth.Credential, error) {
			a, err := kc.Resolve(repo)
			if err != nil {
				return auth.EmptyCredential, err
			}
			cfg, err := a.Authorization()
			if err != nil || cfg == nil {
				return auth.EmptyCredential, err
			}
			return auth.Credential{Username: cfg.Username, Password: cfg.Password, RefreshToken: cfg.IdentityToken, AccessToken: cfg.RegistryToken}, nil
		},
	}
	return r, nil
}

// VerifyNotation verifies the Notation signatures of repo@digest, found
// through the OCI referrers API or, where the registry has none, the
// referrers tag schema. An error means the registry could not be asked.
func (c *Client) VerifyNotation(ctx context.Context, repo name.Repository, digest string, nt *notationTrust, pull Keychain) (sigVerdict, error) {
	r, err := c.orasRepository(repo, pull)
	if err != nil {
		return sigVerdict{}, err
	}
	ctx, cancel := c.call(ctx)
	defer cancel()
	_, outcomes, err := notation.Verify(ctx, nt.v, nregistry.NewRepository(r), notation.VerifyOptions{
		ArtifactReference: repo.Name() + "@" + digest, MaxSignatureAttempts: maxNotationSignatures})
	if err == nil && len(outcomes) > 0 {
		by := "notation"
		if ec := outcomes[0].EnvelopeContent; ec != nil && len(ec.SignerInfo.CertificateChain) > 0 {
			by = "notation: " + ec.SignerInfo.CertificateChain[0].Subject.String()
		}
		return sigVerdict{State: inventory.SigVerified, By: by}, nil
	}
	var retrieval notation.SignatureRetrievalFailedError
	if errors.As(err, &retrieval) {
		// "no signature is associated" is the registry's answer; any other
		// retrieval failure is the registry not answering (refused, 5xx).
		if strings.HasPrefix(retrieval.Msg, "no signature is associated") {
			return sigVerdict{State: inventory.SigUnsigned, Detail: "no Notation signature"}, nil
		}
		return sigVerdict{}, fmt.Errorf("reading Notation signatures of %s@%s: %w", repo, digest, err)
	}
	if unreachable(err) {
		return sigVerdict{}, fmt.Errorf("reading Notation signatures of %s@%s: %w", repo, digest, err)
	}
	var failed notation.VerificationFailedError
	if !errors.As(err, &failed) {
		return sigVerdict{}, fmt.Errorf("reading Notation signatures of %s@%s: %w", repo, digest, err)
	}
	detail := err.Error()
	for _, o := range outcomes {
		for _, vr := range o.VerificationResults {
			if vr.Error != nil && vr.Type == trustpolicy.TypeIntegrity {
				return sigVerdict{State: inventory.SigInvalid, Detail: "Notation signature: " + vr.Error.Error()}, nil
			}
		}
	}
	return sigVerdict{State: inventory.SigUnsigned, Detail: "no Notation signature verifies with the trust stores " + strings.Join(nt.stores, ", ") + ": " + detail}, nil
}

// unreachable reports whether err is the registry not answering (as
// opposed to it answering that there is no signature).
func unreachable(err error) bool {
	var ne net.Error
	var ue *url.Error
	return err != nil && (errors.As(err, &ne) || errors.As(err, &ue) || errors.Is(err, context.DeadlineExceeded))
}

// nextPEM returns the DER bytes of the next CERTIFICATE block and the rest.
func nextPEM(data []byte) ([]byte, []byte) {
	for {
		b, rest := pem.Decode(data)
		if b == nil {
			return nil, nil
		}
		if b.Type == "CERTIFICATE" {
			return b.Bytes, rest
		}
		data = rest
	}
}
