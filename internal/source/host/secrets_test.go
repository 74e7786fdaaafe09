package host_test

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/kubeward/kubeward/internal/check"
	_ "github.com/kubeward/kubeward/internal/check/controlplane" // registers the node checks
	"github.com/kubeward/kubeward/internal/config"
	"github.com/kubeward/kubeward/internal/inventory"
	"github.com/kubeward/kubeward/internal/source/host"
	"github.com/kubeward/kubeward/internal/source/host/hosttest"
	nodesrc "github.com/kubeward/kubeward/internal/source/node"
)

// tarContent is every entry of a snapshot: names, link targets and bodies.
func tarContent(t *testing.T, tgz []byte) []byte {
	t.Helper()
	gz, err := gzip.NewReader(bytes.NewReader(tgz))
	if err != nil {
		t.Fatal(err)
	}
	tr := tar.NewReader(gz)
	var b bytes.Buffer
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(&b, "%s -> %s\n", h.Name, h.Linkname)
		if _, err := io.Copy(&b, tr); err != nil {
			t.Fatal(err)
		}
		b.WriteByte('\n')
	}
	return b.Bytes()
}

// verdicts summarises results as "ID subject status" lines.
func verdicts(env *check.Env, f *host.FS) (string, *inventory.Node) {
	n := nodesrc.Read(f)
	var out []string
	for _, r := range check.EvaluateNode(env, n) {
		out = append(out, fmt.Sprintf("%s %s %s", r.ID, r.Subject.Name, r.Status))
	}
	sort.Strings(out)
	return strings.Join(out, "\n"), n
}

// CollectSnapshot collects a planted root with a Docker capture that
// carries container environments and commands.
func collectPlanted(t *testing.T, s *hosttest.Secrets) []byte {
	t.Helper()
	containers := `[{"Id": "abc", "Path": "/app", "Args": ["--db-password", "` + "CaptureArgPassw0rd" + `"],
 "Config": {"Env": ["API_TOKEN=CaptureEnvT0ken", "PATH=/usr/bin", "DSN=mysql://root:CaptureDsnPassw0rd@db/x"], "Cmd": ["/app", "--token=CaptureCmdT0ken"]},
 "HostConfig": {"Privileged": false}}]`
	s.Values = append(s.Values, "CaptureArgPassw0rd", "CaptureEnvT0ken", "CaptureDsnPassw0rd", "CaptureCmdT0ken", "IptablesCommentT0ken")
	caps := map[string]host.Capturer{
		host.CaptureDockerContainers: func(context.Context, *inventory.Node) ([]byte, error) { return []byte(containers), nil },
		host.CaptureIPTables: func(context.Context, *inventory.Node) ([]byte, error) {
			return []byte("*filter\n-A INPUT -m comment --comment \"token=IptablesCommentT0ken\" -j ACCEPT\nCOMMIT\n"), nil
		},
	}
	var buf bytes.Buffer
	sum, err := host.Collect(context.Background(), &host.FS{Root: s.Root}, &buf, caps)
	if err != nil {
		t.Fatal(err)
	}
	if sum.Components < 7 {
		t.Errorf("collected %d components, want 7", sum.Components)
	}
	return buf.Bytes()
}

// TestSnapshotHoldsNoSecret is issue 16 §2: every secret a node keeps is
// planted, none is in the snapshot (plain or base64), and the node checks
// give the same verdicts on the snapshot as on the live root.
func TestSnapshotHoldsNoSecret(t *testing.T) {
	s := hosttest.PlantSecrets(t)
	tgz := collectPlanted(t, s)
	content := tarContent(t, tgz)
	for _, leak := range s.Leaks(content) {
		t.Errorf("the snapshot holds %s", leak)
	}
	if bytes.Contains(content, []byte("PRIVATE KEY")) {
		t.Error("the snapshot holds a PEM private key")
	}

	dir := t.TempDir()
	if err := host.Unpack(bytes.NewReader(tgz), dir); err != nil {
		t.Fatal(err)
	}
	env := &check.Env{Config: config.Default(), Now: time.Now()}
	live, ln := verdicts(env, &host.FS{Root: s.Root})
	snap, sn := verdicts(env, &host.FS{Root: dir})
	if live != snap {
		t.Errorf("snapshot verdicts differ from the live root's:\n%s", diff(live, snap))
	}
	if len(ln.Components) != len(sn.Components) {
		t.Errorf("components: live %d, snapshot %d", len(ln.Components), len(sn.Components))
	}
	if !strings.Contains(live, "KW-FILE-003") || !strings.Contains(live, "PASS") {
		t.Errorf("the planted root is not audited: %s", live)
	}

	// Keys travel as type and size only.
	snapFS := &host.FS{Root: dir}
	for p, want := range map[string]string{
		"/etc/kubernetes/pki/apiserver.key":               "RSA 2048",
		"/etc/kubernetes/pki/sa-signing.der":              "ECDSA 256",
		"/etc/kubernetes/pki/kubelet-client.p8":           "ECDSA 384",
		"/etc/kubernetes/pki/etcd/peer.key":               "encrypted 0",
		"/etc/kubernetes/pki/front-proxy.pem":             "encrypted 0",
		"/etc/docker/key.der":                             "RSA 2048",
		"/var/lib/kubelet/pki/kubelet-client-current.pem": "ECDSA 256",
		"/etc/ssh/ssh_host_ed25519_key":                   "OpenSSH 0",
	} {
		m, err := snapFS.Meta(p)
		if err != nil || m.Key == nil || fmt.Sprintf("%s %d", m.Key.Type, m.Key.Bits) != want || !m.Redacted || m.Mode != 0o600 {
			t.Errorf("%s: meta %+v key %+v (%v), want key %s", p, m, m.Key, err, want)
		}
	}
	// The certificate beside the kubelet's key still parses.
	if b, err := snapFS.ReadFile("/var/lib/kubelet/pki/kubelet-client-current.pem"); err != nil || !bytes.Contains(b, []byte("BEGIN CERTIFICATE")) {
		t.Errorf("kubelet certificate not kept: %q %v", b, err)
	}
	var meta []host.FileMeta
	b, _ := snapFS.Captured(host.CaptureFileMeta)
	if err := json.Unmarshal(b, &meta); err != nil {
		t.Fatal(err)
	}
}

func diff(a, b string) string {
	as, bs := map[string]bool{}, map[string]bool{}
	for _, l := range strings.Split(a, "\n") {
		as[l] = true
	}
	for _, l := range strings.Split(b, "\n") {
		bs[l] = true
	}
	var out []string
	for l := range as {
		if !bs[l] {
			out = append(out, "live only:     "+l)
		}
	}
	for l := range bs {
		if !as[l] {
			out = append(out, "snapshot only: "+l)
		}
	}
	sort.Strings(out)
	return strings.Join(out, "\n")
}
