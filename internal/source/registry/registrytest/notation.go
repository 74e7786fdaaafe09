package registrytest

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net/http"
	"time"

	"github.com/notaryproject/notation-go"
	nregistry "github.com/notaryproject/notation-go/registry"
	"github.com/notaryproject/notation-go/signer"
	"oras.land/oras-go/v2/registry/remote"
	"oras.land/oras-go/v2/registry/remote/auth"
)

// NotationCA is a root CA and a code-signing leaf under it, as a Notation
// signing identity.
type NotationCA struct {
	Root    *x509.Certificate
	RootPEM []byte
	leaf    *x509.Certificate
	leafKey *ecdsa.PrivateKey
}

// NewNotationCA makes a root CA named cn and a signing certificate.
func NewNotationCA(cn string) (*NotationCA, error) {
	now := time.Now().Add(-time.Hour)
	rootKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	rootTmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: cn + " root", Organization: []string{"kubeward test"}},
		NotBefore: now, NotAfter: now.Add(48 * time.Hour), IsCA: true, BasicConstraintsValid: true,
		KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature}
	rootDER, err := x509.CreateCertificate(rand.Reader, rootTmpl, rootTmpl, &rootKey.PublicKey, rootKey)
	if err != nil {
		return nil, err
	}
	root, _ := x509.ParseCertificate(rootDER)
	leafKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	leafTmpl := &x509.Certificate{SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: cn, Organization: []string{"kubeward test"}},
		NotBefore: now, NotAfter: now.Add(24 * time.Hour), BasicConstraintsValid: true,
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageCodeSigning}}
	leafDER, err := x509.CreateCertificate(rand.Reader, leafTmpl, root, &leafKey.PublicKey, rootKey)
	if err != nil {
		return nil, err
	}
	leaf, _ := x509.ParseCertificate(leafDER)
	return &NotationCA{Root: root, RootPEM: pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: rootDER}), leaf: leaf, leafKey: leafKey}, nil
}

// SignNotation signs repo@digest as `notation sign` does (JWS envelope),
// pushing the signature as a referrer of the image (or, on a registry
// without the referrers API, under the referrers tag schema).
func (r *Registry) SignNotation(ca *NotationCA, repo, digest string) error {
	s, err := signer.NewGenericSigner(ca.leafKey, []*x509.Certificate{ca.leaf, ca.Root})
	if err != nil {
		return err
	}
	or, err := remote.NewRepository(r.Host + "/" + repo)
	if err != nil {
		return err
	}
	or.Client = &auth.Client{Client: &http.Client{Transport: r.Server.Client().Transport}}
	_, err = notation.Sign(context.Background(), s, nregistry.NewRepository(or), notation.SignOptions{
		SignerSignOptions: notation.SignerSignOptions{SignatureMediaType: "application/jose+json"},
		ArtifactReference: r.Host + "/" + repo + "@" + digest,
	})
	return err
}
