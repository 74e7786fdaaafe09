package harness

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"time"
)

// CA is a certificate authority whose key is kept in memory to sign leaf certificates.
type CA struct {
	Cert     *x509.Certificate
	Key      crypto.Signer
	CertFile string
	KeyFile  string
}

// KeyPair names the files of a signed certificate and its private key.
type KeyPair struct {
	CertFile string
	KeyFile  string
	CertPEM  []byte
	KeyPEM   []byte
}

// PKI holds every certificate the control plane needs. Paths are absolute.
type PKI struct {
	Dir string

	CA         *CA // cluster CA: apiserver serving, client certs, kubelet
	EtcdCA     *CA // etcd server, peer and client certs
	FrontProxy *CA // aggregation layer (requestheader) CA

	EtcdServer          KeyPair
	EtcdPeer            KeyPair
	EtcdHealthcheck     KeyPair
	APIServer           KeyPair
	APIServerEtcdClient KeyPair
	APIServerKubelet    KeyPair
	FrontProxyClient    KeyPair
	Admin               KeyPair
	ControllerManager   KeyPair
	Scheduler           KeyPair
	KubeProxy           KeyPair
	Kubelet             KeyPair // client cert system:node:<name>
	KubeletServing      KeyPair

	ServiceAccountKey string // RSA private key (PEM)
	ServiceAccountPub string // RSA public key (PEM)
}

type certSpec struct {
	cn     string
	orgs   []string
	usages []x509.ExtKeyUsage
	dns    []string
	ips    []net.IP
}

var loopbackIPs = []net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback}

// GeneratePKI writes a full set of certificates below dir. keyMode is the file mode of
// private keys (0600 for a hardened layout); certificates are written 0644.
func GeneratePKI(dir, nodeName string, serviceIP net.IP, keyMode os.FileMode) (*PKI, error) {
	if err := os.MkdirAll(filepath.Join(dir, "etcd"), 0o755); err != nil {
		return nil, err
	}
	p := &PKI{Dir: dir}
	var err error
	if p.CA, err = newCA(dir, "ca", "kubernetes", keyMode); err != nil {
		return nil, err
	}
	if p.EtcdCA, err = newCA(dir, "etcd/ca", "etcd-ca", keyMode); err != nil {
		return nil, err
	}
	if p.FrontProxy, err = newCA(dir, "front-proxy-ca", "front-proxy-ca", keyMode); err != nil {
		return nil, err
	}
	server := []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}
	client := []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}
	both := []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth}
	apiIPs := append([]net.IP{serviceIP}, loopbackIPs...)
	leaves := []struct {
		ca   *CA
		name string
		spec certSpec
		out  *KeyPair
	}{
		{p.EtcdCA, "etcd/server", certSpec{cn: "kube-etcd", usages: both, dns: []string{"localhost"}, ips: loopbackIPs}, &p.EtcdServer},
		{p.EtcdCA, "etcd/peer", certSpec{cn: "kube-etcd-peer", usages: both, dns: []string{"localhost"}, ips: loopbackIPs}, &p.EtcdPeer},
		{p.EtcdCA, "etcd/healthcheck-client", certSpec{cn: "kube-etcd-healthcheck-client", usages: client}, &p.EtcdHealthcheck},
		{p.EtcdCA, "apiserver-etcd-client", certSpec{cn: "kube-apiserver-etcd-client", usages: client}, &p.APIServerEtcdClient},
		{p.CA, "apiserver", certSpec{cn: "kube-apiserver", usages: server, ips: apiIPs,
			dns: []string{"localhost", "kubernetes", "kubernetes.default", "kubernetes.default.svc", "kubernetes.default.svc.cluster.local"}}, &p.APIServer},
		{p.CA, "apiserver-kubelet-client", certSpec{cn: "kube-apiserver-kubelet-client", orgs: []string{"system:masters"}, usages: client}, &p.APIServerKubelet},
		{p.FrontProxy, "front-proxy-client", certSpec{cn: "front-proxy-client", usages: client}, &p.FrontProxyClient},
		{p.CA, "admin", certSpec{cn: "kubernetes-admin", orgs: []string{"system:masters"}, usages: client}, &p.Admin},
		{p.CA, "controller-manager", certSpec{cn: "system:kube-controller-manager", usages: client}, &p.ControllerManager},
		{p.CA, "scheduler", certSpec{cn: "system:kube-scheduler", usages: client}, &p.Scheduler},
		{p.CA, "kube-proxy", certSpec{cn: "system:kube-proxy", usages: client}, &p.KubeProxy},
		{p.CA, "kubelet-client", certSpec{cn: "system:node:" + nodeName, orgs: []string{"system:nodes"}, usages: client}, &p.Kubelet},
		{p.CA, "kubelet-server", certSpec{cn: nodeName, usages: server, dns: []string{nodeName, "localhost"}, ips: loopbackIPs}, &p.KubeletServing},
	}
	for _, l := range leaves {
		kp, err := l.ca.issue(dir, l.name, l.spec, keyMode)
		if err != nil {
			return nil, fmt.Errorf("issue %s: %w", l.name, err)
		}
		*l.out = kp
	}

	// Service-account token signing key pair (RSA, as kubeadm does).
	saKey, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return nil, err
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(saKey)
	if err != nil {
		return nil, err
	}
	pubDER, err := x509.MarshalPKIXPublicKey(&saKey.PublicKey)
	if err != nil {
		return nil, err
	}
	p.ServiceAccountKey = filepath.Join(dir, "sa.key")
	p.ServiceAccountPub = filepath.Join(dir, "sa.pub")
	if err := writeFile(p.ServiceAccountKey, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER}), keyMode); err != nil {
		return nil, err
	}
	if err := writeFile(p.ServiceAccountPub, pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: pubDER}), 0o644); err != nil {
		return nil, err
	}
	return p, nil
}

func newKey() (*ecdsa.PrivateKey, error) { return ecdsa.GenerateKey(elliptic.P256(), rand.Reader) }

func serial() (*big.Int, error) { return rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 126)) }

func newCA(dir, name, cn string, keyMode os.FileMode) (*CA, error) {
	key, err := newKey()
	if err != nil {
		return nil, err
	}
	sn, err := serial()
	if err != nil {
		return nil, err
	}
	now := time.Now()
	tmpl := &x509.Certificate{
		SerialNumber:          sn,
		Subject:               pkix.Name{CommonName: cn},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.Add(10 * 365 * 24 * time.Hour),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign | x509.KeyUsageDigitalSignature,
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
	if err != nil {
		return nil, err
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, err
	}
	ca := &CA{Cert: cert, Key: key, CertFile: filepath.Join(dir, name+".crt"), KeyFile: filepath.Join(dir, name+".key")}
	keyPEM, err := encodeKey(key)
	if err != nil {
		return nil, err
	}
	if err := writeFile(ca.CertFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o644); err != nil {
		return nil, err
	}
	return ca, writeFile(ca.KeyFile, keyPEM, keyMode)
}

func (ca *CA) issue(dir, name string, s certSpec, keyMode os.FileMode) (KeyPair, error) {
	key, err := newKey()
	if err != nil {
		return KeyPair{}, err
	}
	sn, err := serial()
	if err != nil {
		return KeyPair{}, err
	}
	now := time.Now()
	tmpl := &x509.Certificate{
		SerialNumber: sn,
		Subject:      pkix.Name{CommonName: s.cn, Organization: s.orgs},
		NotBefore:    now.Add(-time.Hour),
		NotAfter:     now.Add(365 * 24 * time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature | x509.KeyUsageKeyEncipherment,
		ExtKeyUsage:  s.usages,
		DNSNames:     s.dns,
		IPAddresses:  s.ips,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.Cert, key.Public(), ca.Key)
	if err != nil {
		return KeyPair{}, err
	}
	kp := KeyPair{
		CertFile: filepath.Join(dir, name+".crt"),
		KeyFile:  filepath.Join(dir, name+".key"),
		CertPEM:  pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}),
	}
	if kp.KeyPEM, err = encodeKey(key); err != nil {
		return KeyPair{}, err
	}
	if err := writeFile(kp.CertFile, kp.CertPEM, 0o644); err != nil {
		return KeyPair{}, err
	}
	return kp, writeFile(kp.KeyFile, kp.KeyPEM, keyMode)
}

func encodeKey(key *ecdsa.PrivateKey) ([]byte, error) {
	der, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		return nil, err
	}
	return pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: der}), nil
}

// writeFile writes data with exactly the given mode (independent of the umask).
func writeFile(path string, data []byte, mode os.FileMode) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	if err := os.WriteFile(path, data, mode); err != nil {
		return err
	}
	return os.Chmod(path, mode)
}

// WeakSelfSigned writes a deliberately bad serving certificate for the
// insecure profile: a 1024-bit RSA key, self-signed (not from the cluster
// CA), expiring in days, with a world-readable key.
func WeakSelfSigned(dir, name, cn string, days int) (KeyPair, error) {
	key, err := rsa.GenerateKey(rand.Reader, 1024)
	if err != nil {
		return KeyPair{}, err
	}
	sn, err := serial()
	if err != nil {
		return KeyPair{}, err
	}
	now := time.Now()
	tmpl := &x509.Certificate{
		SerialNumber: sn,
		Subject:      pkix.Name{CommonName: cn},
		NotBefore:    now.Add(-time.Hour),
		NotAfter:     now.Add(time.Duration(days) * 24 * time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature | x509.KeyUsageKeyEncipherment,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		DNSNames:     []string{cn, "localhost"},
		IPAddresses:  loopbackIPs,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
	if err != nil {
		return KeyPair{}, err
	}
	kp := KeyPair{
		CertFile: filepath.Join(dir, name+".crt"),
		KeyFile:  filepath.Join(dir, name+".key"),
		CertPEM:  pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}),
		KeyPEM:   pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(key)}),
	}
	if err := writeFile(kp.CertFile, kp.CertPEM, 0o666); err != nil {
		return KeyPair{}, err
	}
	return kp, writeFile(kp.KeyFile, kp.KeyPEM, 0o644)
}
