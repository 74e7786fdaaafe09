package e2e

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"sigs.k8s.io/yaml"

	"github.com/kubeward/kubeward/test/cluster/harness"
)

// hardenPlan is the part of kubeward's plan.json the harness applies.
type hardenPlan struct {
	Components []struct {
		Kind        string         `json:"kind"`
		Args        []string       `json:"args"`
		ConfigFile  string         `json:"configFile"`
		ConfigPatch map[string]any `json:"configPatch"`
		Fixes       []string       `json:"fixes"`
	} `json:"components"`
	FileFixes []struct {
		Path  string   `json:"path"`
		Mode  uint32   `json:"mode"`
		Chown bool     `json:"chownRoot"`
		Fixes []string `json:"fixes"`
	} `json:"fileFixes"`
	Unfixed []struct {
		ID string `json:"id"`
	} `json:"unfixed"`
}

// TestHardenNodeRestartsInsecureControlPlane: `kubeward harden node
// --generate-pki` on the insecure control plane; the harness applies the
// kubeadm patches (their command), the KubeletConfiguration patch and the
// file fixes and restarts every component with them; each becomes healthy,
// the rescan finds no FAIL among the checks the plan fixed, Secrets are
// encrypted in etcd, etcd refuses clients without a certificate, the API
// server answers anonymous requests with 401 and the kubelet's read-only
// port is closed.
func TestHardenNodeRestartsInsecureControlPlane(t *testing.T) {
	c := up(t, harness.Insecure, staticPod)
	hasKubelet := c.Process("kubelet") != nil
	bin := kubewardBin(t)
	work := t.TempDir()
	out, pkiDir, auditLog := filepath.Join(work, "out"), filepath.Join(work, "pki"), filepath.Join(work, "audit", "audit.log")

	kubeletConfig, err := os.ReadFile(c.Files.KubeletConfig)
	if err != nil {
		t.Fatal(err)
	}
	// --apply on this node, the control plane only (not this machine's
	// dockerd unit or sshd): the kubelet's config merged, file modes fixed,
	// an undo record.
	cmd := exec.Command(bin, "harden", "node", "--out", out, "--generate-pki", pkiDir, "--audit-log-path", auditLog, "--apply", "--only", "control-plane")
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("kubeward harden node: %v\n%s\n%s", err, stdout.String(), stderr.String())
	}
	t.Logf("harden node:\n%s", stdout.String())
	var plan hardenPlan
	readJSON(t, filepath.Join(out, "plan.json"), &plan)

	// --apply fixed the modes and wrote an undo record.
	for _, f := range plan.FileFixes {
		st, err := os.Stat(f.Path)
		if err != nil {
			t.Fatal(err)
		}
		if f.Mode != 0 && st.Mode().Perm() != os.FileMode(f.Mode) {
			t.Errorf("%s: mode %v after --apply, want %04o", f.Path, st.Mode().Perm(), f.Mode)
		}
	}
	records, _ := filepath.Glob(filepath.Join(out, "undo-*.json"))
	if len(records) != 1 {
		t.Fatalf("undo records: %v", records)
	}
	dataDirMode := os.FileMode(0)
	if st, err := os.Stat(c.Files.EtcdDataDir); err == nil {
		dataDirMode = st.Mode().Perm()
	}
	if err := os.MkdirAll(filepath.Dir(auditLog), 0o700); err != nil {
		t.Fatal(err)
	}

	ctx, cancel := context.WithTimeout(context.Background(), 6*time.Minute)
	defer cancel()
	ports := c.Options.Ports
	admin := clientFromKubeconfig(t, filepath.Join(pkiDir, "kubeconfig", "admin.conf"))
	etcdClient := tlsClient(t, filepath.Join(pkiDir, "etcd", "ca.crt"), filepath.Join(pkiDir, "etcd", "healthcheck-client"))
	insecureTLS := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}} //nolint:gosec // health of a serving cert checked below by the rescan
	plain := &http.Client{Timeout: 5 * time.Second}
	health := map[string]struct {
		url    string
		client *http.Client
	}{
		"etcd":                    {fmt.Sprintf("https://127.0.0.1:%d/health", ports.EtcdClient), etcdClient},
		"kube-apiserver":          {fmt.Sprintf("https://127.0.0.1:%d/readyz", ports.APIServer), admin},
		"kube-controller-manager": {fmt.Sprintf("https://127.0.0.1:%d/healthz", ports.ControllerManager), insecureTLS},
		"kube-scheduler":          {fmt.Sprintf("https://127.0.0.1:%d/healthz", ports.Scheduler), insecureTLS},
		"kubelet":                 {fmt.Sprintf("http://127.0.0.1:%d/healthz", ports.KubeletHealthz), plain},
		"kube-proxy":              {fmt.Sprintf("http://127.0.0.1:%d/livez", ports.ProxyHealthz), plain},
	}
	restarted := map[string]bool{}
	fixed := map[string]bool{}
	var kubeletRestart time.Time
	for _, comp := range plan.Components {
		args := comp.Args
		if target := map[string]string{"etcd": "etcd", "kube-apiserver": "kube-apiserver", "kube-controller-manager": "kube-controller-manager",
			"kube-scheduler": "kube-scheduler"}[comp.Kind]; target != "" {
			// The kubeadm patch is what the harness applies: its command.
			args = patchCommand(t, filepath.Join(out, "patches", target+"+strategic.yaml"), target)
			if strings.Join(args, " ") != strings.Join(comp.Args, " ") {
				t.Errorf("%s: the patch's command differs from plan.json's", comp.Kind)
			}
		}
		if comp.ConfigPatch != nil {
			// --apply merged it.
			var cfg map[string]any
			data, _ := os.ReadFile(comp.ConfigFile)
			if err := yaml.Unmarshal(data, &cfg); err != nil || fmt.Sprint(cfg["readOnlyPort"]) != "0" {
				t.Errorf("%s after --apply: readOnlyPort %v (%v)", comp.ConfigFile, cfg["readOnlyPort"], err)
			}
		}
		if comp.Kind == "kubelet" && !hasKubelet {
			continue
		}
		h, ok := health[comp.Kind]
		if !ok {
			t.Fatalf("no health check for %s", comp.Kind)
		}
		if _, err := c.Restart(ctx, comp.Kind, args[1:], h.url, h.client); err != nil {
			t.Fatalf("%v", err)
		}
		t.Logf("%s restarted and healthy (fixes %s)", comp.Kind, strings.Join(comp.Fixes, " "))
		if comp.Kind == "kubelet" {
			kubeletRestart = time.Now().Add(-time.Second)
		}
		restarted[comp.Kind] = true
		for _, id := range comp.Fixes {
			fixed[id] = true
		}
	}
	for _, name := range []string{"etcd", "kube-apiserver", "kube-controller-manager", "kube-scheduler", "kube-proxy"} {
		if !restarted[name] {
			t.Errorf("%s was not changed by the plan", name)
		}
	}
	for _, f := range plan.FileFixes {
		for _, id := range f.Fixes {
			fixed[id] = true
		}
	}

	// The rescan: no FAIL among the checks the plan has fixes for, nor on
	// the control-plane, kubelet and Calico checks but those it says it
	// cannot fix.
	unfixed := map[string]bool{}
	for _, u := range plan.Unfixed {
		unfixed[u.ID] = true
	}
	results, _ := scanNode(t)
	for _, r := range results {
		if r.Status != "FAIL" {
			continue
		}
		if fixed[r.ID] || (isControlPlane(r.ID) && !unfixed[r.ID]) || strings.HasPrefix(r.ID, "KW-CALICO-") {
			t.Errorf("after harden node: %s FAIL: %s (%s)", r.ID, r.Message, r.Evidence)
		}
	}
	if len(fixed) < 30 {
		t.Errorf("the plan fixed only %d checks: %v", len(fixed), fixed)
	}

	// A Secret created now is stored encrypted in etcd.
	secret := `{"apiVersion":"v1","kind":"Secret","metadata":{"name":"kw-harden","namespace":"default"},"stringData":{"password":"s3cr3t-value"}}`
	resp, err := admin.Post(fmt.Sprintf("https://127.0.0.1:%d/api/v1/namespaces/default/secrets", ports.APIServer), "application/json", strings.NewReader(secret))
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("creating a Secret: %s: %s", resp.Status, body)
	}
	raw := etcdRange(t, etcdClient, fmt.Sprintf("https://127.0.0.1:%d", ports.EtcdClient), "/registry/secrets/default/kw-harden")
	if !bytes.HasPrefix(raw, []byte("k8s:enc:secretbox:v1:")) || bytes.Contains(raw, []byte("s3cr3t-value")) {
		t.Errorf("the Secret is not encrypted in etcd: %q", raw[:min(len(raw), 40)])
	}

	// etcd refuses a client without a certificate (its CA trusted).
	noCert := tlsClient(t, filepath.Join(pkiDir, "etcd", "ca.crt"), "")
	if r, err := noCert.Get(fmt.Sprintf("https://127.0.0.1:%d/v3/kv/range", ports.EtcdClient)); err == nil {
		r.Body.Close()
		t.Errorf("etcd answered a client without a certificate: %s", r.Status)
	} else {
		t.Logf("etcd without a client certificate: %v", err)
	}
	// The API server answers anonymous requests with 401.
	anon := tlsClient(t, filepath.Join(pkiDir, "ca.crt"), "")
	r, err := anon.Get(fmt.Sprintf("https://127.0.0.1:%d/api/v1/namespaces", ports.APIServer))
	if err != nil {
		t.Fatal(err)
	}
	r.Body.Close()
	if r.StatusCode != http.StatusUnauthorized {
		t.Errorf("anonymous request: %s, want 401", r.Status)
	}
	// The kubelet's read-only port is closed, and it reports to the API
	// server with its new client certificate (Node authorization).
	if hasKubelet {
		waitFor(t, "the kubelet to renew its Node lease with the new credentials", func() bool {
			var lease struct {
				Spec struct {
					RenewTime time.Time `json:"renewTime"`
				} `json:"spec"`
			}
			r, err := admin.Get(fmt.Sprintf("https://127.0.0.1:%d/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases/%s", ports.APIServer, c.Options.NodeName))
			if err != nil {
				return false
			}
			defer r.Body.Close()
			return r.StatusCode == http.StatusOK && json.NewDecoder(r.Body).Decode(&lease) == nil && lease.Spec.RenewTime.After(kubeletRestart)
		})
		if conn, err := net.DialTimeout("tcp", fmt.Sprintf("127.0.0.1:%d", ports.KubeletReadOnly), 2*time.Second); err == nil {
			conn.Close()
			t.Errorf("the kubelet's read-only port %d still answers", ports.KubeletReadOnly)
		}
	} else {
		t.Log("no kubelet (no containerd): the kubelet part was not restarted")
	}

	// harden undo puts the files back as they were.
	undo := exec.Command(bin, "harden", "undo", records[0])
	if b, err := undo.CombinedOutput(); err != nil {
		t.Fatalf("kubeward harden undo: %v\n%s", err, b)
	}
	if got, _ := os.ReadFile(c.Files.KubeletConfig); !bytes.Equal(got, kubeletConfig) {
		t.Errorf("undo did not restore %s", c.Files.KubeletConfig)
	}
	if st, err := os.Stat(c.Files.EtcdDataDir); err != nil || st.Mode().Perm() == dataDirMode {
		t.Errorf("undo did not restore the mode of %s (still %v)", c.Files.EtcdDataDir, dataDirMode)
	}
}

func readJSON(t *testing.T, path string, v any) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(data, v); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
}

// patchCommand reads a kubeadm strategic patch and returns its container's
// command.
func patchCommand(t *testing.T, path, container string) []string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var pod struct {
		Kind string `json:"kind"`
		Spec struct {
			Containers []struct {
				Name    string   `json:"name"`
				Command []string `json:"command"`
			} `json:"containers"`
		} `json:"spec"`
	}
	if err := yaml.Unmarshal(data, &pod); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	for _, c := range pod.Spec.Containers {
		if c.Name == container && len(c.Command) > 1 {
			return c.Command
		}
	}
	t.Fatalf("%s: no command for container %s", path, container)
	return nil
}

// tlsClient trusts caFile and, unless pair is "", presents pair.crt/.key.
func tlsClient(t *testing.T, caFile, pair string) *http.Client {
	t.Helper()
	pem, err := os.ReadFile(caFile)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(pem)
	cfg := &tls.Config{RootCAs: pool}
	if pair != "" {
		cert, err := tls.LoadX509KeyPair(pair+".crt", pair+".key")
		if err != nil {
			t.Fatal(err)
		}
		cfg.Certificates = []tls.Certificate{cert}
	}
	return &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{TLSClientConfig: cfg, DisableKeepAlives: true}}
}

// clientFromKubeconfig makes an HTTP client from a kubeconfig with
// embedded certificates (what harden node --generate-pki writes).
func clientFromKubeconfig(t *testing.T, path string) *http.Client {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var kc struct {
		Clusters []struct {
			Cluster struct {
				CA string `json:"certificate-authority-data"`
			} `json:"cluster"`
		} `json:"clusters"`
		Users []struct {
			User struct {
				Cert string `json:"client-certificate-data"`
				Key  string `json:"client-key-data"`
			} `json:"user"`
		} `json:"users"`
	}
	if err := yaml.Unmarshal(data, &kc); err != nil || len(kc.Clusters) == 0 || len(kc.Users) == 0 {
		t.Fatalf("%s: %v", path, err)
	}
	dec := func(s string) []byte {
		b, err := base64.StdEncoding.DecodeString(s)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(dec(kc.Clusters[0].Cluster.CA))
	cert, err := tls.X509KeyPair(dec(kc.Users[0].User.Cert), dec(kc.Users[0].User.Key))
	if err != nil {
		t.Fatal(err)
	}
	return &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{DisableKeepAlives: true,
		TLSClientConfig: &tls.Config{RootCAs: pool, Certificates: []tls.Certificate{cert}}}}
}

// etcdRange reads one key's raw value through etcd's JSON gateway.
func etcdRange(t *testing.T, cl *http.Client, url, key string) []byte {
	t.Helper()
	q, _ := json.Marshal(map[string][]byte{"key": []byte(key)})
	resp, err := cl.Post(url+"/v3/kv/range", "application/json", bytes.NewReader(q))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var r struct {
		Kvs []struct{ Value []byte }
	}
	if err := json.NewDecoder(resp.Body).Decode(&r); err != nil || len(r.Kvs) == 0 {
		t.Fatalf("etcd range %s: %v (%d values)", key, err, len(r.Kvs))
	}
	return r.Kvs[0].Value
}

// TestHardenNodeHardenedChangesOnlyWhatFails: on the hardened control
// plane harden node keeps the PKI as it is (every certificate check
// passes) and changes a component only for a check that FAILs on it in
// scan node: no fix without a finding.
func TestHardenNodeHardenedChangesOnlyWhatFails(t *testing.T) {
	up(t, harness.Hardened)
	bin := kubewardBin(t)
	out := filepath.Join(t.TempDir(), "out")
	cmd := exec.Command(bin, "harden", "node", "--out", out, "--only", "control-plane")
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("kubeward harden node: %v\n%s\n%s", err, stdout.String(), stderr.String())
	}
	var plan struct {
		PKI        bool `json:"pki"`
		Components []struct {
			Kind    string   `json:"kind"`
			Fixes   []string `json:"fixes"`
			Changes []string `json:"changes"`
		} `json:"components"`
	}
	readJSON(t, filepath.Join(out, "plan.json"), &plan)
	if plan.PKI {
		t.Errorf("the hardened node's PKI would be replaced:\n%s", stdout.String())
	}
	failing := map[string]bool{}
	results, _ := scanNode(t)
	for _, r := range results {
		if r.Status == "FAIL" {
			failing[r.ID] = true
		}
	}
	for _, c := range plan.Components {
		if len(c.Fixes) == 0 {
			t.Errorf("%s changed without a finding: %v", c.Kind, c.Changes)
		}
		for _, id := range c.Fixes {
			if !failing[id] {
				t.Errorf("%s: a fix for %s, which does not FAIL: %v", c.Kind, id, c.Changes)
			}
		}
		t.Logf("%s: %v for %v", c.Kind, c.Changes, c.Fixes)
	}
}
