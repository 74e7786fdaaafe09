package controlplane

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"math/big"
	"strings"
	"testing"
	"time"

	"github.com/kubeward/kubeward/internal/check"
	"github.com/kubeward/kubeward/internal/inventory"
	"github.com/kubeward/kubeward/internal/result"
)

// testCert issues a certificate for key's public half, signed by parent
// (self-signed when parent is nil), valid until notAfter.
func testCert(t *testing.T, cn string, key *ecdsa.PrivateKey, parent *x509.Certificate, parentKey crypto.Signer, notAfter time.Time) *x509.Certificate {
	t.Helper()
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(time.Now().UnixNano()), Subject: pkix.Name{CommonName: cn},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: notAfter, IsCA: parent == nil, BasicConstraintsValid: true,
		KeyUsage: x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign}
	if parent == nil {
		parent, parentKey = tmpl, key
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, parent, &key.PublicKey, parentKey)
	if err != nil {
		t.Fatal(err)
	}
	c, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func testKey(t *testing.T, curve elliptic.Curve) *ecdsa.PrivateKey {
	t.Helper()
	k, err := ecdsa.GenerateKey(curve, rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func certsFact(cs ...*x509.Certificate) *inventory.Certificates {
	out := &inventory.Certificates{}
	for _, c := range cs {
		out.Certs = append(out.Certs, inventory.Certificate{Subject: c.Subject.CommonName, Issuer: c.Issuer.CommonName,
			NotBefore: c.NotBefore, NotAfter: c.NotAfter, DER: c.Raw})
	}
	return out
}

// TestFileAndCertificateChecks: the file-mode checks of private keys,
// certificates and the kubelet's files, the certificate checks (expiry,
// key strength, the serving certificate's CA) and KW-NODE-000, each
// FAILing (KW-NODE-000: ERROR) on a literal inventory.Node that differs in
// one fact from one where it passes.
func TestFileAndCertificateChecks(t *testing.T) {
	const (
		keyPath  = "/etc/kubernetes/pki/apiserver.key"
		certPath = "/etc/kubernetes/pki/apiserver.crt"
		caPath   = "/etc/kubernetes/pki/ca.crt"
		kubelet  = "/var/lib/kubelet/config.yaml"
	)
	yearOn := time.Now().Add(365 * 24 * time.Hour)
	caKey := testKey(t, elliptic.P256())
	ca := testCert(t, "kubernetes", caKey, nil, nil, yearOn)
	otherKey := testKey(t, elliptic.P256())
	other := testCert(t, "other-ca", otherKey, nil, nil, yearOn)
	servingKey := testKey(t, elliptic.P256())
	serving := testCert(t, "kube-apiserver", servingKey, ca, caKey, yearOn)

	// node is the passing inventory; each case changes one thing in it.
	node := func() *inventory.Node {
		api := &inventory.Component{Kind: inventory.APIServer, PID: 7, Source: "process", Flags: map[string][]string{
			"tls-private-key-file": {keyPath}, "tls-cert-file": {certPath}, "client-ca-file": {caPath}}}
		kl := &inventory.Component{Kind: inventory.Kubelet, PID: 9, Source: "process", ConfigFile: kubelet, Config: map[string]any{}}
		return &inventory.Node{Hostname: "cp", Components: []*inventory.Component{api, kl}, Files: []*inventory.File{
			{Path: keyPath, PID: 7, Present: true, Mode: 0o600},
			{Path: certPath, PID: 7, Present: true, Mode: 0o644, Certificates: certsFact(serving)},
			{Path: caPath, PID: 7, Present: true, Mode: 0o644, Certificates: certsFact(ca)},
			{Path: kubelet, PID: 9, Present: true, Mode: 0o600},
		}}
	}
	file := func(n *inventory.Node, path string) *inventory.File {
		for _, f := range n.Files {
			if f.Path == path {
				return f
			}
		}
		t.Fatalf("no file %s in the literal inventory", path)
		return nil
	}
	cases := []struct {
		id     string
		change func(n *inventory.Node)
		want   result.Status
		detail string // in the first FAIL's message
	}{
		{FilePrivateKeys, func(n *inventory.Node) { file(n, keyPath).Mode = 0o640 }, result.Fail, keyPath + " has mode 0640, want 0600"},
		{FilePrivateKeys, nil, result.Pass, ""},
		{FileCertificates, func(n *inventory.Node) { file(n, certPath).Mode = 0o666 }, result.Fail, certPath + " has mode 0666, want 0644"},
		{FileCertificates, nil, result.Pass, ""},
		{FileKubelet, func(n *inventory.Node) { file(n, kubelet).Mode = 0o644 }, result.Fail, kubelet + " has mode 0644"},
		{FileKubelet, nil, result.Pass, ""},
		{CertExpiring, func(n *inventory.Node) {
			file(n, certPath).Certificates = certsFact(testCert(t, "kube-apiserver", servingKey, ca, caKey, time.Now().Add(10*24*time.Hour)))
		}, result.Fail, certPath + " expires in 9 days"},
		{CertExpiring, nil, result.Pass, ""},
		{CertWeakKey, func(n *inventory.Node) {
			file(n, certPath).Certificates = certsFact(testCert(t, "kube-apiserver", testKey(t, elliptic.P224()), ca, caKey, yearOn))
		}, result.Fail, "uses a weak key: ECDSA P-224"},
		{CertWeakKey, nil, result.Pass, ""},
		{CertUntrusted, func(n *inventory.Node) {
			file(n, certPath).Certificates = certsFact(testCert(t, "kube-apiserver", servingKey, other, otherKey, yearOn))
		}, result.Fail, certPath + " is not signed by the CA in " + caPath},
		{CertUntrusted, nil, result.Pass, ""},
		{NodeProblems, func(n *inventory.Node) { n.Problems = []string{"/etc/kubernetes/admission.yaml: permission denied"} },
			result.Error, "could not read: /etc/kubernetes/admission.yaml: permission denied"},
	}
	for _, tc := range cases {
		name := tc.id + "/" + string(tc.want)
		t.Run(name, func(t *testing.T) {
			n := node()
			if tc.change != nil {
				tc.change(n)
			}
			var got []result.Result
			for _, r := range check.EvaluateNode(testEnv(), n) {
				if r.ID == tc.id {
					got = append(got, r)
				}
			}
			if len(got) == 0 {
				t.Fatalf("no %s result", tc.id)
			}
			if tc.want == result.Pass {
				for _, r := range got {
					if r.Status != result.Pass {
						t.Errorf("%s: %s, want PASS", r.Status, r.Message.EN)
					}
				}
				return
			}
			for _, r := range got {
				if r.Status == tc.want {
					if !strings.Contains(r.Message.EN, tc.detail) {
						t.Errorf("message %q, want it to say %q", r.Message.EN, tc.detail)
					}
					return
				}
			}
			t.Errorf("%v, want a %s", got, tc.want)
		})
	}
	// A node whose every file could be read has no KW-NODE-000 result.
	for _, r := range check.EvaluateNode(testEnv(), node()) {
		if r.ID == NodeProblems {
			t.Errorf("%s on a readable node: %s", NodeProblems, r.Message.EN)
		}
	}
}
