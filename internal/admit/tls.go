package admit

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"sync"
	"time"
)

// CertReloader serves a certificate/key pair from files, reloading it when
// either file changes (checked at most once per CheckEvery on handshakes).
type CertReloader struct {
	CertFile, KeyFile string
	CheckEvery        time.Duration
	// OnReload is called after each reload attempt.
	OnReload func(error)

	mu        sync.Mutex
	cert      *tls.Certificate
	certMod   time.Time
	keyMod    time.Time
	certSize  int64
	keySize   int64
	lastCheck time.Time
}

// NewCertReloader loads the pair once and fails if it is unusable.
func NewCertReloader(certFile, keyFile string) (*CertReloader, error) {
	r := &CertReloader{CertFile: certFile, KeyFile: keyFile, CheckEvery: time.Second}
	if err := r.reload(); err != nil {
		return nil, err
	}
	return r, nil
}

func (r *CertReloader) reload() error {
	cs, err := os.Stat(r.CertFile)
	if err != nil {
		return err
	}
	ks, err := os.Stat(r.KeyFile)
	if err != nil {
		return err
	}
	pair, err := tls.LoadX509KeyPair(r.CertFile, r.KeyFile)
	if err != nil {
		return fmt.Errorf("tls pair %s, %s: %w", r.CertFile, r.KeyFile, err)
	}
	r.cert = &pair
	r.certMod, r.keyMod, r.certSize, r.keySize = cs.ModTime(), ks.ModTime(), cs.Size(), ks.Size()
	return nil
}

// GetCertificate is tls.Config.GetCertificate: it returns the current pair,
// reloading it first when the files changed. A pair that fails to load
// (a half-written rotation) keeps the previous one in service.
func (r *CertReloader) GetCertificate(*tls.ClientHelloInfo) (*tls.Certificate, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if time.Since(r.lastCheck) >= r.CheckEvery {
		r.lastCheck = time.Now()
		cs, err1 := os.Stat(r.CertFile)
		ks, err2 := os.Stat(r.KeyFile)
		if err1 == nil && err2 == nil && (!cs.ModTime().Equal(r.certMod) || !ks.ModTime().Equal(r.keyMod) || cs.Size() != r.certSize || ks.Size() != r.keySize) {
			err := r.reload()
			if r.OnReload != nil {
				r.OnReload(err)
			}
		}
	}
	if r.cert == nil {
		return nil, errors.New("no serving certificate")
	}
	return r.cert, nil
}

// SelfSigned is a bootstrapped CA and a serving certificate it signed.
type SelfSigned struct {
	CAPEM, CertPEM, KeyPEM []byte
	Cert                   tls.Certificate
}

// ServiceDNSNames are the names the API server uses for a webhook Service.
func ServiceDNSNames(service, namespace string) []string {
	return []string{
		service,
		service + "." + namespace,
		service + "." + namespace + ".svc",
		service + "." + namespace + ".svc.cluster.local",
		"localhost",
	}
}

// NewSelfSigned creates a CA (valid 10 years) and a serving certificate for
// names and 127.0.0.1/::1 (valid 1 year), ECDSA P-256.
func NewSelfSigned(names []string, now time.Time) (*SelfSigned, error) {
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	serial := func() *big.Int {
		n, _ := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 120))
		return n
	}
	caTmpl := &x509.Certificate{
		SerialNumber:          serial(),
		Subject:               pkix.Name{CommonName: "kubeward-webhook-ca", Organization: []string{"kubeward"}},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.AddDate(10, 0, 0),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign | x509.KeyUsageDigitalSignature,
		BasicConstraintsValid: true,
		IsCA:                  true,
		MaxPathLenZero:        true,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		return nil, err
	}
	caCert, err := x509.ParseCertificate(caDER)
	if err != nil {
		return nil, err
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	cn := "kubeward-webhook"
	if len(names) > 0 {
		cn = names[0]
	}
	tmpl := &x509.Certificate{
		SerialNumber: serial(),
		Subject:      pkix.Name{CommonName: cn},
		NotBefore:    now.Add(-time.Hour),
		NotAfter:     now.AddDate(1, 0, 0),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		DNSNames:     names,
		IPAddresses:  []net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, caCert, &key.PublicKey, caKey)
	if err != nil {
		return nil, err
	}
	keyDER, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		return nil, err
	}
	s := &SelfSigned{
		CAPEM:   pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: caDER}),
		CertPEM: pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}),
		KeyPEM:  pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: keyDER}),
	}
	s.Cert, err = tls.X509KeyPair(s.CertPEM, s.KeyPEM)
	return s, err
}

// WriteFiles writes ca.crt, tls.crt and tls.key (0600) into dir.
func (s *SelfSigned) WriteFiles(dir string) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	for name, data := range map[string][]byte{"ca.crt": s.CAPEM, "tls.crt": s.CertPEM} {
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
			return err
		}
	}
	return os.WriteFile(filepath.Join(dir, "tls.key"), s.KeyPEM, 0o600)
}

// WatchPolicy polls file every interval and calls apply with each new,
// valid policy; invalid files keep the current policy and are reported to
// onErr. A change is loaded only once the file's size and modification time
// have held still for one interval, so a policy caught half-written (an
// editor truncating before it writes) is never applied; an empty file is
// refused for the same reason. It returns when ctx is done.
func WatchPolicy(ctx context.Context, file string, interval time.Duration, apply func(*Policy), onErr func(error)) {
	type stamp struct {
		mod  int64
		size int64
	}
	var loaded, seen stamp
	if st, err := os.Stat(file); err == nil {
		loaded = stamp{st.ModTime().UnixNano(), st.Size()}
		seen = loaded
	}
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		st, err := os.Stat(file)
		if err != nil {
			onErr(err)
			continue
		}
		now := stamp{st.ModTime().UnixNano(), st.Size()}
		if now == loaded {
			seen = now
			continue
		}
		if now != seen { // still changing: wait for it to settle
			seen = now
			continue
		}
		loaded = now
		if now.size == 0 {
			onErr(fmt.Errorf("policy %s is empty; keeping the current policy", file))
			continue
		}
		p, err := LoadPolicy(file)
		if err != nil {
			onErr(err)
			continue
		}
		apply(p)
	}
}
