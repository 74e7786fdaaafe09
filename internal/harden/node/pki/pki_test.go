package pki

import (
	"crypto/x509"
	"net"
	"os"
	"path/filepath"
	"testing"
	"time"
)

func testLayout(t *testing.T) Layout {
	d := t.TempDir()
	return Layout{Dir: filepath.Join(d, "pki"), KubeconfigDir: filepath.Join(d, "conf"), Server: "https://127.0.0.1:6443"}
}

func TestGenerateIssuesChainsAndNeverOverwritesKeys(t *testing.T) {
	l := testLayout(t)
	now := time.Date(2026, 12, 6, 0, 0, 0, 0, time.UTC)
	certs := Certs(Host{NodeName: "node1", IPs: []net.IP{net.ParseIP("10.0.0.5")}, ServiceIP: net.ParseIP("10.96.0.1")})
	if _, err := Generate(l, certs, Kubeconfigs(), now); err != nil {
		t.Fatal(err)
	}
	for _, e := range Inspect(l, certs, now) {
		if e.Status != OK {
			t.Errorf("%s: %s %s", e.Cert.Name, e.Status, e.Detail)
		}
		st, err := os.Stat(l.Key(e.Cert.Name))
		if err != nil || st.Mode().Perm() != 0o600 {
			t.Errorf("%s key: %v mode %v", e.Cert.Name, err, st.Mode())
		}
	}
	api, err := readCert(l.Path(APIServer))
	if err != nil {
		t.Fatal(err)
	}
	if err := api.VerifyHostname("10.96.0.1"); err != nil {
		t.Error(err)
	}
	if err := api.VerifyHostname("kubernetes.default.svc"); err != nil {
		t.Error(err)
	}
	etcdClient, _ := readCert(l.Path(APIServerEtcdClient))
	etcdCA, _ := readCert(l.Path(EtcdCA))
	if err := etcdClient.CheckSignatureFrom(etcdCA); err != nil {
		t.Errorf("etcd client not from the etcd CA: %v", err)
	}
	if etcdClient.ExtKeyUsage[0] != x509.ExtKeyUsageClientAuth {
		t.Error("etcd client usage")
	}
	for _, k := range Kubeconfigs() {
		st, err := os.Stat(l.KubeconfigPath(k.Name))
		if err != nil || st.Mode().Perm() != 0o600 {
			t.Errorf("%s: %v", k.Name, err)
		}
	}

	// A second run keeps everything; an expiring leaf is reissued with the
	// same key and its old certificate kept.
	keyBefore, _ := os.ReadFile(l.Key(APIServer))
	later := now.AddDate(0, 11, 10)
	w, err := Generate(l, certs, Kubeconfigs(), later)
	if err != nil {
		t.Fatal(err)
	}
	keyAfter, _ := os.ReadFile(l.Key(APIServer))
	if string(keyBefore) != string(keyAfter) {
		t.Error("apiserver key was overwritten")
	}
	reissued := 0
	for _, x := range w {
		if x.Path == l.Path(APIServer) && x.Action != "kept (valid)" {
			reissued++
		}
	}
	if reissued != 1 {
		t.Errorf("apiserver certificate reissued %d times: %+v", reissued, w)
	}
	baks, _ := filepath.Glob(l.Path(APIServer) + ".bak-*")
	if len(baks) != 1 {
		t.Errorf("backups: %v", baks)
	}
}

func TestExpiringCAIsNotReplaced(t *testing.T) {
	l := testLayout(t)
	now := time.Now()
	certs := Certs(Host{NodeName: "n"})
	if _, err := Generate(l, certs[:1], nil, now); err != nil {
		t.Fatal(err)
	}
	if _, err := Generate(l, certs[:1], nil, now.AddDate(9, 11, 20)); err == nil {
		t.Fatal("an expiring CA was replaced")
	}
}

func TestUnusableKeyIsNotOverwritten(t *testing.T) {
	l := testLayout(t)
	certs := Certs(Host{NodeName: "n"})
	if err := os.MkdirAll(l.Dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(l.Key(ClusterCA), []byte("garbage"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := Generate(l, certs[:1], nil, time.Now()); err == nil {
		t.Fatal("want an error")
	}
	if b, _ := os.ReadFile(l.Key(ClusterCA)); string(b) != "garbage" {
		t.Fatal("key overwritten")
	}
}

func TestInspectFindsWrongCA(t *testing.T) {
	l := testLayout(t)
	now := time.Now()
	certs := Certs(Host{NodeName: "n"})
	if _, err := Generate(l, certs, nil, now); err != nil {
		t.Fatal(err)
	}
	// Replace the cluster CA by another one: the leaves no longer chain.
	other := testLayout(t)
	if _, err := Generate(other, certs[:1], nil, now); err != nil {
		t.Fatal(err)
	}
	data, _ := os.ReadFile(other.Path(ClusterCA))
	if err := os.WriteFile(l.Path(ClusterCA), data, 0o644); err != nil {
		t.Fatal(err)
	}
	got := map[string]Status{}
	for _, e := range Inspect(l, certs, now) {
		got[e.Cert.Name] = e.Status
	}
	if got[APIServer] != WrongCA || got[ClusterCA] != NoKey || got[EtcdServer] != OK {
		t.Errorf("%v", got)
	}
}
