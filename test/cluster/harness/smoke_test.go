package harness

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// kubeletWanted: KUBEWARD_E2E_KUBELET=1 forces a kubelet, =0 disables it, unset starts
// one when the containerd socket exists.
func kubeletWanted(t *testing.T) bool {
	switch os.Getenv("KUBEWARD_E2E_KUBELET") {
	case "1", "true":
		return true
	case "0", "false":
		return false
	}
	return ContainerRuntimeAvailable(DefaultContainerRuntimeEndpoint) && len(RunningKubelets()) == 0
}

func requireBinaries(t *testing.T, names ...string) string {
	t.Helper()
	bin := DefaultBinDir()
	if m := MissingBinaries(bin, names...); len(m) > 0 {
		t.Skipf("real-component binaries missing from %s: %s; build them with test/cluster/build.sh (~20 min cold) or set KUBEWARD_BIN_CACHE",
			bin, strings.Join(m, ", "))
	}
	return bin
}

func TestSmoke(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a real control plane; skipped with -short")
	}
	kubelet := kubeletWanted(t)
	need := ControlPlaneBinaries
	if kubelet {
		need = AllBinaries
	}
	requireBinaries(t, need...)
	for _, profile := range []Profile{Insecure, Hardened} {
		t.Run(string(profile), func(t *testing.T) {
			smoke(t, profile, kubelet)
		})
	}
}

func smoke(t *testing.T, profile Profile, kubelet bool) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	dir := filepath.Join(t.TempDir(), string(profile))
	start := time.Now()
	c, err := Up(ctx, Options{Profile: profile, Dir: dir, Kubelet: kubelet, Logf: t.Logf})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := c.Stop(); err != nil {
			t.Errorf("stop: %v", err)
		}
		for _, p := range c.Processes() {
			if !p.Exited() {
				t.Errorf("%s (pid %d) still running after Stop", p.Name, p.Pid)
			}
		}
		assertPortsClosed(t, c.Options)
	})
	t.Logf("%s control plane up in %s", profile, time.Since(start).Round(time.Second))

	body, err := c.Get(ctx, "/version")
	if err != nil {
		t.Fatal(err)
	}
	var v struct{ GitVersion string }
	if err := json.Unmarshal(body, &v); err != nil || v.GitVersion != K8sVersion {
		t.Fatalf("/version = %s (err %v), want gitVersion %s", body, err, K8sVersion)
	}
	if _, err := c.Get(ctx, "/api/v1/namespaces/kube-system"); err != nil {
		t.Fatal(err)
	}

	// Authorization tells the profiles apart: AlwaysAllow lets kube-proxy read
	// secrets; RBAC does not, and anonymous requests are rejected.
	_, err = c.GetAs(ctx, "system:kube-proxy", "/api/v1/secrets")
	if got, want := StatusCode(err), map[Profile]int{Insecure: 0, Hardened: 403}[profile]; got != want {
		t.Errorf("kube-proxy listing secrets: status %d (err %v), want %d", got, err, want)
	}
	_, err = c.GetAs(ctx, "", "/api/v1/namespaces")
	if got := StatusCode(err); got != 401 {
		t.Errorf("anonymous GET /api/v1/namespaces: status %d (err %v), want 401", got, err)
	}

	if profile == Hardened {
		// etcd must refuse clients without a certificate.
		noCert, err := c.healthClient(healthInsecureTLS)
		if err != nil {
			t.Fatal(err)
		}
		clientURL, _ := c.etcdURLs()
		if resp, err := noCert.Get(clientURL + "/health"); err == nil {
			resp.Body.Close()
			t.Errorf("hardened etcd answered a client without certificate: %s", resp.Status)
		}
		for _, f := range []string{c.Files.PKI.CA.KeyFile, c.Files.PKI.ServiceAccountKey, c.Files.AdminKubeconfig} {
			if st, err := os.Stat(f); err != nil || st.Mode().Perm() != 0o600 {
				t.Errorf("%s: mode %v (err %v), want 0600", f, st.Mode().Perm(), err)
			}
		}
		if st, err := os.Stat(c.Files.EtcdDataDir); err != nil || st.Mode().Perm() != 0o700 {
			t.Errorf("etcd data dir mode %v, want 0700", st.Mode().Perm())
		}
	}

	// kube-controller-manager creates the default ServiceAccount.
	waitFor(ctx, t, "default ServiceAccount", func() error {
		_, err := c.Get(ctx, "/api/v1/namespaces/default/serviceaccounts/default")
		return err
	})
	// Secrets are encrypted at rest only in the hardened profile.
	if _, err := c.Do(ctx, "kubernetes-admin", "POST", "/api/v1/namespaces/default/secrets",
		[]byte(`{"apiVersion":"v1","kind":"Secret","metadata":{"name":"smoke"},"stringData":{"k":"v"}}`)); err != nil {
		t.Fatal(err)
	}
	raw, err := c.EtcdGet(ctx, "/registry/secrets/default/smoke")
	if err != nil || raw == nil {
		t.Fatalf("reading the secret from etcd: %v (value %q)", err, raw)
	}
	if enc := strings.HasPrefix(string(raw), "k8s:enc:aescbc:v1:"); enc != (profile == Hardened) {
		t.Errorf("secret in etcd starts with %q; encrypted=%v, want %v", raw[:min(len(raw), 24)], enc, profile == Hardened)
	}

	if profile == Hardened {
		if st, err := os.Stat(c.Files.AuditLog); err != nil || st.Size() == 0 {
			t.Errorf("audit log %s empty or missing (err %v)", c.Files.AuditLog, err)
		}
	}

	if kubelet {
		waitNode(ctx, t, c)
		// The apiserver's credentials for the kubelet work (hardened: x509 client cert,
		// webhook authorization, serving cert verified against the cluster CA). The
		// nodes/proxy subresource cannot be used for this: the apiserver refuses to
		// proxy to loopback addresses ("address not allowed").
		kp := c.Files.PKI.APIServerKubelet
		cert, err := tls.X509KeyPair(kp.CertPEM, kp.KeyPEM)
		if err != nil {
			t.Fatal(err)
		}
		tlsConf := &tls.Config{Certificates: []tls.Certificate{cert}, InsecureSkipVerify: true}
		if profile == Hardened {
			pool := x509.NewCertPool()
			pool.AddCert(c.Files.PKI.CA.Cert)
			tlsConf = &tls.Config{Certificates: []tls.Certificate{cert}, RootCAs: pool, ServerName: c.Options.NodeName}
		}
		asAPIServer := &http.Client{Transport: &http.Transport{TLSClientConfig: tlsConf}, Timeout: 10 * time.Second}
		waitFor(ctx, t, "kubelet /pods with the apiserver's kubelet client cert", func() error {
			resp, err := asAPIServer.Get("https://" + loopback(c.Options.Ports.Kubelet) + "/pods")
			if err != nil {
				return err
			}
			resp.Body.Close()
			if resp.StatusCode != 200 {
				return fmt.Errorf("%s", resp.Status)
			}
			return nil
		})
		// Anonymous kubelet API: open in the insecure profile, 401 when hardened.
		anon, err := c.ClientAs("")
		if err != nil {
			t.Fatal(err)
		}
		resp, err := anon.Get("https://" + loopback(c.Options.Ports.Kubelet) + "/pods")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if want := map[Profile]int{Insecure: 200, Hardened: 401}[profile]; resp.StatusCode != want {
			t.Errorf("anonymous kubelet /pods: %d, want %d", resp.StatusCode, want)
		}
		if profile == Insecure {
			resp, err := anon.Get("http://" + loopback(c.Options.Ports.KubeletReadOnly) + "/pods")
			if err != nil {
				t.Fatalf("kubelet read-only port: %v", err)
			}
			resp.Body.Close()
			if resp.StatusCode != 200 {
				t.Errorf("kubelet read-only port /pods: %s", resp.Status)
			}
		}
	}
	for _, p := range c.Processes() {
		if p.Exited() {
			t.Errorf("%s exited:\n%s", p.Name, p.LogTail(20))
		}
	}
}

func waitFor(ctx context.Context, t *testing.T, what string, f func() error) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for {
		err := f()
		if err == nil {
			return
		}
		if time.Now().After(deadline) || ctx.Err() != nil {
			t.Fatalf("%s: %v", what, err)
		}
		time.Sleep(500 * time.Millisecond)
	}
}

func waitNode(ctx context.Context, t *testing.T, c *Cluster) {
	t.Helper()
	deadline := time.Now().Add(90 * time.Second)
	for {
		body, err := c.Get(ctx, "/api/v1/nodes/"+c.Options.NodeName)
		if err == nil {
			var n struct {
				Status struct {
					Conditions []struct{ Type, Status string }
				}
			}
			_ = json.Unmarshal(body, &n)
			for _, cond := range n.Status.Conditions {
				if cond.Type == "Ready" {
					t.Logf("node %s registered, Ready=%s", c.Options.NodeName, cond.Status)
					return
				}
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("node %s did not register: %v\n%s", c.Options.NodeName, err, c.Process("kubelet").LogTail(30))
		}
		time.Sleep(time.Second)
	}
}

func assertPortsClosed(t *testing.T, o Options) {
	t.Helper()
	p := o.Ports
	for _, port := range []int{p.EtcdClient, p.EtcdPeer, p.APIServer, p.ControllerManager, p.Scheduler,
		p.ProxyMetrics, p.ProxyHealthz, p.Kubelet, p.KubeletReadOnly, p.KubeletHealthz} {
		if conn, err := net.DialTimeout("tcp", loopback(port), time.Second); err == nil {
			conn.Close()
			t.Errorf("127.0.0.1:%d still accepts connections after Stop", port)
		}
	}
}

// TestBothProfilesAtOnce checks that an insecure and a hardened control plane can run
// side by side (default ports do not collide).
func TestBothProfilesAtOnce(t *testing.T) {
	if testing.Short() {
		t.Skip("starts two real control planes; skipped with -short")
	}
	requireBinaries(t, ControlPlaneBinaries...)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	var clusters []*Cluster
	defer func() {
		for _, c := range clusters {
			if err := c.Stop(); err != nil {
				t.Error(err)
			}
		}
	}()
	for _, profile := range []Profile{Insecure, Hardened} {
		c, err := Up(ctx, Options{Profile: profile, Dir: filepath.Join(t.TempDir(), string(profile)), SkipProxy: true, Logf: t.Logf})
		if err != nil {
			t.Fatal(err)
		}
		clusters = append(clusters, c)
	}
	for _, c := range clusters {
		if _, err := c.Get(ctx, "/readyz"); err != nil {
			t.Errorf("%s: %v", c.Options.Profile, err)
		}
	}
}
