package harness

import (
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"net"
	"os"
	"strings"
	"testing"
)

func parseCert(t *testing.T, path string) *x509.Certificate {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := pem.Decode(data)
	if b == nil {
		t.Fatalf("%s: no PEM", path)
	}
	c, err := x509.ParseCertificate(b.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestPKI(t *testing.T) {
	dir := t.TempDir()
	p, err := GeneratePKI(dir, "node1", net.ParseIP("10.96.0.1"), 0o600)
	if err != nil {
		t.Fatal(err)
	}
	verify := func(ca *CA, kp KeyPair, usage x509.ExtKeyUsage, host string) *x509.Certificate {
		t.Helper()
		pool := x509.NewCertPool()
		pool.AddCert(ca.Cert)
		c := parseCert(t, kp.CertFile)
		if _, err := c.Verify(x509.VerifyOptions{Roots: pool, KeyUsages: []x509.ExtKeyUsage{usage}, DNSName: host}); err != nil {
			t.Errorf("%s: %v", kp.CertFile, err)
		}
		if _, err := tls.LoadX509KeyPair(kp.CertFile, kp.KeyFile); err != nil {
			t.Errorf("%s: %v", kp.KeyFile, err)
		}
		if st, err := os.Stat(kp.KeyFile); err != nil || st.Mode().Perm() != 0o600 {
			t.Errorf("%s mode %v, want 0600", kp.KeyFile, st.Mode().Perm())
		}
		return c
	}
	srv, cli := x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth
	verify(p.CA, p.APIServer, srv, "127.0.0.1")
	verify(p.CA, p.APIServer, srv, "kubernetes.default.svc")
	verify(p.CA, p.APIServer, srv, "10.96.0.1")
	verify(p.EtcdCA, p.EtcdServer, srv, "127.0.0.1")
	verify(p.EtcdCA, p.EtcdPeer, cli, "")
	verify(p.EtcdCA, p.APIServerEtcdClient, cli, "")
	verify(p.CA, p.KubeletServing, srv, "node1")
	if c := verify(p.CA, p.Admin, cli, ""); len(c.Subject.Organization) != 1 || c.Subject.Organization[0] != "system:masters" {
		t.Errorf("admin organization = %v", c.Subject.Organization)
	}
	if c := verify(p.CA, p.Kubelet, cli, ""); c.Subject.CommonName != "system:node:node1" {
		t.Errorf("kubelet CN = %q", c.Subject.CommonName)
	}
	verify(p.FrontProxy, p.FrontProxyClient, cli, "")
	// The etcd CA must not vouch for cluster certs and vice versa.
	pool := x509.NewCertPool()
	pool.AddCert(p.EtcdCA.Cert)
	if _, err := parseCert(t, p.Admin.CertFile).Verify(x509.VerifyOptions{Roots: pool, KeyUsages: []x509.ExtKeyUsage{cli}}); err == nil {
		t.Error("admin cert verified against the etcd CA")
	}
	for _, f := range []string{p.CA.KeyFile, p.EtcdCA.KeyFile, p.ServiceAccountKey} {
		if st, err := os.Stat(f); err != nil || st.Mode().Perm() != 0o600 {
			t.Errorf("%s mode %v, want 0600", f, st.Mode().Perm())
		}
	}
}

func TestWriteAllProfiles(t *testing.T) {
	for _, profile := range []Profile{Insecure, Hardened} {
		o := Options{Profile: profile, Dir: t.TempDir(), Kubelet: true}
		if err := o.setDefaults(); err != nil {
			t.Fatal(err)
		}
		f, err := writeAll(&o)
		if err != nil {
			t.Fatal(err)
		}
		kc, _ := os.ReadFile(f.AdminKubeconfig)
		kcfg, _ := os.ReadFile(f.KubeletConfig)
		st, _ := os.Stat(f.AdminKubeconfig)
		switch profile {
		case Hardened:
			if !strings.Contains(string(kc), "client-certificate-data") || st.Mode().Perm() != 0o600 {
				t.Errorf("hardened admin kubeconfig lacks client cert or mode %v", st.Mode().Perm())
			}
			for _, s := range []string{"readOnlyPort: 0", "mode: Webhook", "enabled: false", "rotateCertificates: true", "seccompDefault: true", "streamingConnectionIdleTimeout: 5m0s", "failCgroupV1: false"} {
				if !strings.Contains(string(kcfg), s) {
					t.Errorf("hardened kubelet config lacks %q", s)
				}
			}
			if _, err := os.Stat(f.EncryptionConfig); err != nil {
				t.Error(err)
			}
		case Insecure:
			if !strings.Contains(string(kc), "insecure-skip-tls-verify: true") {
				t.Error("insecure admin kubeconfig should skip TLS verification")
			}
			for _, s := range []string{"readOnlyPort: 20008", "mode: AlwaysAllow", "streamingConnectionIdleTimeout: 0s"} {
				if !strings.Contains(string(kcfg), s) {
					t.Errorf("insecure kubelet config lacks %q", s)
				}
			}
		}
		c := &Cluster{Options: o, Files: f}
		for _, comp := range c.components() {
			for _, a := range comp.Args {
				if strings.Contains(a, "0.0.0.0") {
					t.Errorf("%s %s binds beyond loopback: %s", profile, comp.Name, a)
				}
			}
		}
	}
}
