// Package pki plans and issues the certificates a control plane and its
// nodes need for mutual TLS everywhere (kubeadm's layout), with crypto/x509:
// which certificate each component needs (CN, O, SANs, usages, issuing CA),
// how that compares with what exists (missing, expired, expiring, weak key,
// wrong CA), and, on request, issuing what is missing from an existing CA or
// a new one. It never overwrites a private key, and writes keys 0600.
package pki

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// CA names: the cluster CA and etcd's own CA.
const (
	ClusterCA = "ca"
	EtcdCA    = "etcd/ca"
)

// Cert is one certificate the platform needs.
type Cert struct {
	// Name is the file stem under the PKI directory (etcd/server ->
	// etcd/server.crt and etcd/server.key).
	Name string
	// CA is the Name of the issuing CA ("" for a CA itself).
	CA    string
	CN    string
	Org   []string
	DNS   []string
	IPs   []net.IP
	Usage []x509.ExtKeyUsage
	// For says who uses it, for the plan.
	For string
}

// IsCA reports whether the certificate is a CA.
func (c Cert) IsCA() bool { return c.CA == "" }

// Kubeconfig is a kubeconfig a component needs: a client certificate
// (Cert, issued by the cluster CA) and the API server's address.
type Kubeconfig struct {
	Name string // file stem: admin -> admin.conf
	Cert string // the Cert.Name of its client certificate
	For  string
}

// Layout is where the platform's certificates and kubeconfigs live.
type Layout struct {
	Dir           string // the PKI directory (/etc/kubernetes/pki)
	KubeconfigDir string // where the kubeconfigs live (/etc/kubernetes)
	Server        string // the API server URL the kubeconfigs name
}

// Path is the certificate file of name.
func (l Layout) Path(name string) string {
	return filepath.Join(l.Dir, filepath.FromSlash(name)+".crt")
}

// Key is the private key file of name.
func (l Layout) Key(name string) string { return filepath.Join(l.Dir, filepath.FromSlash(name)+".key") }

// KubeconfigPath is the kubeconfig file of name.
func (l Layout) KubeconfigPath(name string) string {
	return filepath.Join(l.KubeconfigDir, name+".conf")
}

// SAKey and SAPub are the service account signing key pair.
func (l Layout) SAKey() string { return filepath.Join(l.Dir, "sa.key") }
func (l Layout) SAPub() string { return filepath.Join(l.Dir, "sa.pub") }

// Names of the leaf certificates (kubeadm's file names where it has one).
const (
	APIServer           = "apiserver"
	APIServerKubelet    = "apiserver-kubelet-client"
	APIServerEtcdClient = "apiserver-etcd-client"
	EtcdServer          = "etcd/server"
	EtcdPeer            = "etcd/peer"
	EtcdHealthcheck     = "etcd/healthcheck-client"
	CalicoEtcdClient    = "etcd/calico-client"
	KubeletServing      = "kubelet-serving"
	CMServing           = "controller-manager-serving"
	SchedulerServing    = "scheduler-serving"
	AdminClient         = "admin-client"
	CMClient            = "controller-manager-client"
	SchedulerClient     = "scheduler-client"
	KubeletClient       = "kubelet-client"
	ProxyClient         = "kube-proxy-client"
)

// Kubeconfig names.
const (
	AdminConf     = "admin"
	CMConf        = "controller-manager"
	SchedulerConf = "scheduler"
	KubeletConf   = "kubelet"
	ProxyConf     = "kube-proxy"
)

// Host is what the certificates are issued for: the node's names and
// addresses and the cluster's first service IP.
type Host struct {
	NodeName  string
	Hostnames []string
	IPs       []net.IP
	ServiceIP net.IP
}

var (
	serverAuth = []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}
	clientAuth = []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}
	both       = []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth}
)

// Certs is every certificate the platform needs on a host, CAs first.
func Certs(h Host) []Cert {
	names := uniq(append([]string{"localhost", h.NodeName}, h.Hostnames...))
	ips := uniqIPs(append([]net.IP{net.ParseIP("127.0.0.1"), net.ParseIP("::1")}, h.IPs...))
	apiDNS := uniq(append([]string{"kubernetes", "kubernetes.default", "kubernetes.default.svc", "kubernetes.default.svc.cluster.local"}, names...))
	apiIPs := ips
	if h.ServiceIP != nil {
		apiIPs = uniqIPs(append([]net.IP{h.ServiceIP}, ips...))
	}
	return []Cert{
		{Name: ClusterCA, CN: "kubernetes", For: "cluster CA: signs API server, kubelet and client certificates"},
		{Name: EtcdCA, CN: "etcd-ca", For: "etcd CA: signs etcd server, peer and client certificates"},
		{Name: APIServer, CA: ClusterCA, CN: "kube-apiserver", DNS: apiDNS, IPs: apiIPs, Usage: serverAuth, For: "kube-apiserver --tls-cert-file"},
		{Name: APIServerKubelet, CA: ClusterCA, CN: "kube-apiserver-kubelet-client", Org: []string{"system:masters"}, Usage: clientAuth, For: "kube-apiserver --kubelet-client-certificate"},
		{Name: APIServerEtcdClient, CA: EtcdCA, CN: "kube-apiserver-etcd-client", Usage: clientAuth, For: "kube-apiserver --etcd-certfile"},
		{Name: EtcdServer, CA: EtcdCA, CN: h.NodeName, DNS: names, IPs: ips, Usage: both, For: "etcd --cert-file"},
		{Name: EtcdPeer, CA: EtcdCA, CN: h.NodeName, DNS: names, IPs: ips, Usage: both, For: "etcd --peer-cert-file"},
		{Name: EtcdHealthcheck, CA: EtcdCA, CN: "kube-etcd-healthcheck-client", Usage: clientAuth, For: "etcd health probes"},
		{Name: CalicoEtcdClient, CA: EtcdCA, CN: "calico", Usage: clientAuth, For: "calico-node and the Calico CNI plugin (etcd datastore)"},
		{Name: KubeletServing, CA: ClusterCA, CN: h.NodeName, DNS: names, IPs: ips, Usage: serverAuth, For: "kubelet tlsCertFile"},
		{Name: CMServing, CA: ClusterCA, CN: "kube-controller-manager", DNS: names, IPs: ips, Usage: serverAuth, For: "kube-controller-manager --tls-cert-file"},
		{Name: SchedulerServing, CA: ClusterCA, CN: "kube-scheduler", DNS: names, IPs: ips, Usage: serverAuth, For: "kube-scheduler --tls-cert-file"},
		{Name: AdminClient, CA: ClusterCA, CN: "kubernetes-admin", Org: []string{"system:masters"}, Usage: clientAuth, For: "admin.conf (break-glass administrator)"},
		{Name: CMClient, CA: ClusterCA, CN: "system:kube-controller-manager", Usage: clientAuth, For: "controller-manager.conf"},
		{Name: SchedulerClient, CA: ClusterCA, CN: "system:kube-scheduler", Usage: clientAuth, For: "scheduler.conf"},
		{Name: KubeletClient, CA: ClusterCA, CN: "system:node:" + h.NodeName, Org: []string{"system:nodes"}, Usage: clientAuth, For: "kubelet.conf"},
		{Name: ProxyClient, CA: ClusterCA, CN: "system:kube-proxy", Usage: clientAuth, For: "kube-proxy.conf"},
	}
}

// Kubeconfigs is every kubeconfig the platform needs.
func Kubeconfigs() []Kubeconfig {
	return []Kubeconfig{
		{Name: AdminConf, Cert: AdminClient, For: "administrator"},
		{Name: CMConf, Cert: CMClient, For: "kube-controller-manager --kubeconfig"},
		{Name: SchedulerConf, Cert: SchedulerClient, For: "kube-scheduler --kubeconfig"},
		{Name: KubeletConf, Cert: KubeletClient, For: "kubelet --kubeconfig"},
		{Name: ProxyConf, Cert: ProxyClient, For: "kube-proxy --kubeconfig"},
	}
}

// Status is how an existing certificate compares with the plan.
type Status string

const (
	OK       Status = "ok"
	Missing  Status = "missing"
	Expired  Status = "expired"
	Expiring Status = "expiring"
	Weak     Status = "weak key"
	WrongCA  Status = "wrong CA"
	Invalid  Status = "unreadable"
	// NoKey: the certificate exists but its key does not (or does not match).
	NoKey Status = "key missing or mismatched"
)

// Entry is one certificate of the plan and what exists of it.
type Entry struct {
	Cert   Cert
	Status Status
	Detail string
}

// Inspect compares what exists under the layout with the plan, at now.
func Inspect(l Layout, certs []Cert, now time.Time) []Entry {
	loaded := map[string]*x509.Certificate{}
	var out []Entry
	for _, c := range certs {
		e := Entry{Cert: c}
		cert, err := readCert(l.Path(c.Name))
		switch {
		case errors.Is(err, os.ErrNotExist):
			e.Status = Missing
		case err != nil:
			e.Status, e.Detail = Invalid, err.Error()
		default:
			loaded[c.Name] = cert
			e.Status, e.Detail = judge(l, c, cert, loaded, now)
		}
		out = append(out, e)
	}
	return out
}

func judge(l Layout, c Cert, cert *x509.Certificate, loaded map[string]*x509.Certificate, now time.Time) (Status, string) {
	switch {
	case now.After(cert.NotAfter):
		return Expired, "expired " + cert.NotAfter.Format("2006-01-02")
	case now.Add(30 * 24 * time.Hour).After(cert.NotAfter):
		return Expiring, "expires " + cert.NotAfter.Format("2006-01-02")
	}
	if weak, why := weakKey(cert.PublicKey); weak {
		return Weak, why
	}
	if !c.IsCA() {
		ca := loaded[c.CA]
		if ca == nil || cert.CheckSignatureFrom(ca) != nil {
			return WrongCA, "not signed by " + c.CA
		}
	}
	key, err := readKey(l.Key(c.Name))
	if err != nil || !samePublic(key.Public(), cert.PublicKey) {
		return NoKey, l.Key(c.Name)
	}
	return OK, "expires " + cert.NotAfter.Format("2006-01-02")
}

func weakKey(pub any) (bool, string) {
	switch k := pub.(type) {
	case *rsa.PublicKey:
		if k.N.BitLen() < 2048 {
			return true, fmt.Sprintf("RSA %d bits", k.N.BitLen())
		}
	case *ecdsa.PublicKey:
		if k.Curve.Params().BitSize < 256 {
			return true, fmt.Sprintf("ECDSA %d bits", k.Curve.Params().BitSize)
		}
	}
	return false, ""
}

func samePublic(a crypto.PublicKey, b any) bool {
	eq, ok := a.(interface{ Equal(crypto.PublicKey) bool })
	return ok && eq.Equal(b)
}

// Written is what Generate did with one file.
type Written struct {
	Path   string
	Action string // "created", "kept", "reissued (old certificate kept as ...)"
}

// Generate issues every certificate of the plan that is not OK, into the
// layout, and writes the kubeconfigs that do not exist yet. An existing CA
// is used as it is; an existing private key is never replaced (a
// certificate is reissued for it); a certificate replaced is kept beside
// it as NAME.crt.bak-<unix time>. Keys are written 0600, certificates 0644.
func Generate(l Layout, certs []Cert, confs []Kubeconfig, now time.Time) ([]Written, error) {
	var out []Written
	issued := map[string]*keyPair{}
	for _, e := range Inspect(l, certs, now) {
		c := e.Cert
		if e.Status == OK {
			kp, err := loadPair(l, c.Name)
			if err != nil {
				return out, err
			}
			issued[c.Name] = kp
			out = append(out, Written{Path: l.Path(c.Name), Action: "kept (valid)"})
			continue
		}
		var parent *keyPair
		if !c.IsCA() {
			parent = issued[c.CA]
			if parent == nil {
				return out, fmt.Errorf("pki: %s: its CA %s is not available", c.Name, c.CA)
			}
		} else if e.Status != Missing {
			// A CA that is expiring, weak or unreadable is not replaced
			// behind the operator's back: every certificate it signed would
			// stop being trusted.
			return out, fmt.Errorf("pki: CA %s is %s (%s): renew it deliberately; kubeward does not replace a CA", l.Path(c.Name), e.Status, e.Detail)
		}
		key, created, err := loadOrCreateKey(l.Key(c.Name))
		if err != nil {
			return out, err
		}
		if created {
			out = append(out, Written{Path: l.Key(c.Name), Action: "created (0600)"})
		} else {
			out = append(out, Written{Path: l.Key(c.Name), Action: "kept (existing key reused)"})
		}
		cert, der, err := issue(c, key, parent, now)
		if err != nil {
			return out, fmt.Errorf("pki: issuing %s: %w", c.Name, err)
		}
		action := "created"
		if e.Status != Missing {
			bak := fmt.Sprintf("%s.bak-%d", l.Path(c.Name), now.Unix())
			if err := os.Rename(l.Path(c.Name), bak); err != nil {
				return out, fmt.Errorf("pki: keeping the old %s: %w", l.Path(c.Name), err)
			}
			action = fmt.Sprintf("reissued (%s; the old one is %s)", e.Status, bak)
		}
		if err := writeNew(l.Path(c.Name), pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o644); err != nil {
			return out, err
		}
		out = append(out, Written{Path: l.Path(c.Name), Action: action})
		issued[c.Name] = &keyPair{cert: cert, key: key}
	}
	if len(confs) > 0 {
		if _, err := os.Stat(l.SAKey()); errors.Is(err, os.ErrNotExist) {
			if err := writeSA(l); err != nil {
				return out, err
			}
			out = append(out, Written{Path: l.SAKey(), Action: "created (0600)"}, Written{Path: l.SAPub(), Action: "created"})
		}
	}
	ca := issued[ClusterCA]
	for _, k := range confs {
		p := l.KubeconfigPath(k.Name)
		if _, err := os.Stat(p); err == nil {
			out = append(out, Written{Path: p, Action: "kept (exists)"})
			continue
		}
		kp := issued[k.Cert]
		if ca == nil || kp == nil {
			return out, fmt.Errorf("pki: kubeconfig %s: certificate %s not available", k.Name, k.Cert)
		}
		data, err := KubeconfigYAML(l.Server, ca.cert, kp.cert, kp.key, k.Name)
		if err != nil {
			return out, err
		}
		if err := writeNew(p, data, 0o600); err != nil {
			return out, err
		}
		out = append(out, Written{Path: p, Action: "created (0600)"})
	}
	return out, nil
}

type keyPair struct {
	cert *x509.Certificate
	key  crypto.Signer
}

func loadPair(l Layout, name string) (*keyPair, error) {
	cert, err := readCert(l.Path(name))
	if err != nil {
		return nil, err
	}
	key, err := readKey(l.Key(name))
	if err != nil {
		return nil, err
	}
	return &keyPair{cert: cert, key: key}, nil
}

func issue(c Cert, key crypto.Signer, parent *keyPair, now time.Time) (*x509.Certificate, []byte, error) {
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 127))
	if err != nil {
		return nil, nil, err
	}
	tmpl := &x509.Certificate{
		SerialNumber: serial,
		Subject:      pkix.Name{CommonName: c.CN, Organization: c.Org},
		NotBefore:    now.Add(-5 * time.Minute).UTC(),
		DNSNames:     c.DNS,
		IPAddresses:  c.IPs,
		ExtKeyUsage:  c.Usage,
	}
	signer, parentCert := key, tmpl
	if c.IsCA() {
		tmpl.NotAfter = now.AddDate(10, 0, 0).UTC()
		tmpl.IsCA, tmpl.BasicConstraintsValid = true, true
		tmpl.KeyUsage = x509.KeyUsageCertSign | x509.KeyUsageCRLSign | x509.KeyUsageDigitalSignature
	} else {
		tmpl.NotAfter = now.AddDate(1, 0, 0).UTC()
		tmpl.KeyUsage = x509.KeyUsageDigitalSignature | x509.KeyUsageKeyEncipherment
		tmpl.BasicConstraintsValid = true
		signer, parentCert = parent.key, parent.cert
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, parentCert, key.Public(), signer)
	if err != nil {
		return nil, nil, err
	}
	cert, err := x509.ParseCertificate(der)
	return cert, der, err
}

// loadOrCreateKey returns the key at path, or a new ECDSA P-256 key written
// there (0600) when none exists.
func loadOrCreateKey(path string) (crypto.Signer, bool, error) {
	key, err := readKey(path)
	if err == nil {
		return key, false, nil
	}
	if !errors.Is(err, os.ErrNotExist) {
		return nil, false, fmt.Errorf("pki: %s exists but cannot be used (%w); kubeward never overwrites a key", path, err)
	}
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, false, err
	}
	der, err := x509.MarshalECPrivateKey(k)
	if err != nil {
		return nil, false, err
	}
	return k, true, writeNew(path, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: der}), 0o600)
}

func writeSA(l Layout) error {
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return err
	}
	if err := writeNew(l.SAKey(), pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(k)}), 0o600); err != nil {
		return err
	}
	pub, err := x509.MarshalPKIXPublicKey(&k.PublicKey)
	if err != nil {
		return err
	}
	return writeNew(l.SAPub(), pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: pub}), 0o644)
}

// writeNew creates path with mode; it fails rather than replace a file.
func writeNew(path string, data []byte, mode os.FileMode) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, mode)
	if err != nil {
		return fmt.Errorf("pki: %w", err)
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return fmt.Errorf("pki: writing %s: %w", path, err)
	}
	if err := f.Chmod(mode); err != nil { // umask must not widen or narrow it
		f.Close()
		return err
	}
	return f.Close()
}

func readCert(path string) (*x509.Certificate, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	b, _ := pem.Decode(data)
	if b == nil || b.Type != "CERTIFICATE" {
		return nil, fmt.Errorf("%s: no PEM certificate", path)
	}
	c, err := x509.ParseCertificate(b.Bytes)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return c, nil
}

func readKey(path string) (crypto.Signer, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	b, _ := pem.Decode(data)
	if b == nil {
		return nil, fmt.Errorf("%s: no PEM key", path)
	}
	var k any
	switch b.Type {
	case "EC PRIVATE KEY":
		k, err = x509.ParseECPrivateKey(b.Bytes)
	case "RSA PRIVATE KEY":
		k, err = x509.ParsePKCS1PrivateKey(b.Bytes)
	default:
		k, err = x509.ParsePKCS8PrivateKey(b.Bytes)
	}
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	s, ok := k.(crypto.Signer)
	if !ok {
		return nil, fmt.Errorf("%s: unsupported key type %T", path, k)
	}
	return s, nil
}

// KubeconfigYAML renders a kubeconfig with the CA and the client
// certificate and key embedded (kubeadm's form).
func KubeconfigYAML(server string, ca, cert *x509.Certificate, key crypto.Signer, name string) ([]byte, error) {
	if !strings.HasPrefix(server, "https://") {
		return nil, fmt.Errorf("pki: API server address %q is not https", server)
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return nil, err
	}
	b64 := func(typ string, der []byte) string {
		return base64.StdEncoding.EncodeToString(pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der}))
	}
	user := cert.Subject.CommonName
	var buf bytes.Buffer
	fmt.Fprintf(&buf, `apiVersion: v1
kind: Config
clusters:
- name: kubernetes
  cluster:
    server: %s
    certificate-authority-data: %s
users:
- name: %s
  user:
    client-certificate-data: %s
    client-key-data: %s
contexts:
- name: %s@kubernetes
  context:
    cluster: kubernetes
    user: %s
current-context: %s@kubernetes
`, server, b64("CERTIFICATE", ca.Raw), user, b64("CERTIFICATE", cert.Raw), b64("PRIVATE KEY", keyDER), user, user, user)
	return buf.Bytes(), nil
}

func uniq(s []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, v := range s {
		if v != "" && !seen[v] {
			seen[v] = true
			out = append(out, v)
		}
	}
	return out
}

func uniqIPs(s []net.IP) []net.IP {
	seen := map[string]bool{}
	var out []net.IP
	for _, ip := range s {
		if ip != nil && !seen[ip.String()] {
			seen[ip.String()] = true
			out = append(out, ip)
		}
	}
	return out
}
