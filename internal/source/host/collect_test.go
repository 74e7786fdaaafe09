package host

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestCollectWithholdsSecretsAndRoundTrips(t *testing.T) {
	root := t.TempDir()
	key := "-----BEGIN EC PRIVATE KEY-----\nMHcCAQEE\n-----END EC PRIVATE KEY-----\n"
	writeTree(t, root, merge(
		proc("10", "/usr/bin/kube-apiserver", []string{"kube-apiserver", "--tls-private-key-file=/pki/apiserver.key", "--token-auth-file=/etc/tokens.csv",
			"--encryption-provider-config=/etc/enc.yaml", "--kubeconfig=/etc/kc.conf"}, "AWS_SECRET_ACCESS_KEY=abc", "HOME=/root"),
		map[string]string{
			"pki/apiserver.key": key,
			"etc/tokens.csv":    "s3cret-token,admin,1\n",
			"etc/enc.yaml":      "apiVersion: apiserver.config.k8s.io/v1\nkind: EncryptionConfiguration\nresources:\n- resources: [secrets]\n  providers:\n  - aescbc:\n      keys:\n      - name: k1\n        secret: c2VjcmV0LWtleS1ieXRlcw==\n",
			"etc/kc.conf":       "apiVersion: v1\nkind: Config\nusers:\n- name: u\n  user:\n    client-key-data: UFJJVkFURQ==\n    token: tok-123\n",
		},
	))
	var buf bytes.Buffer
	sum, err := Collect(context.Background(), &FS{Root: root}, &buf, nil)
	if err != nil {
		t.Fatal(err)
	}
	if sum.Redacted < 4 {
		t.Errorf("redacted %d files, want at least 4", sum.Redacted)
	}
	raw := allContent(t, buf.Bytes())
	for _, secret := range []string{"MHcCAQEE", "s3cret-token", "c2VjcmV0LWtleS1ieXRlcw==", "UFJJVkFURQ==", "tok-123", "AWS_SECRET_ACCESS_KEY=abc"} {
		if strings.Contains(raw, secret) {
			t.Errorf("snapshot contains %q", secret)
		}
	}
	dir := t.TempDir()
	if err := Unpack(bytes.NewReader(buf.Bytes()), dir); err != nil {
		t.Fatal(err)
	}
	snap := &FS{Root: dir}
	n := Discover(snap)
	if len(n.ComponentsOf(APIServer)) != 1 {
		t.Fatalf("components from snapshot: %+v", n.Components)
	}
	m, err := snap.Meta("/pki/apiserver.key")
	if err != nil || m.Mode != 0o600 || !m.Redacted || m.Size != int64(len(key)) {
		t.Errorf("key metadata %+v, %v", m, err)
	}
}

func allContent(t *testing.T, tgz []byte) string {
	gz, err := gzip.NewReader(bytes.NewReader(tgz))
	if err != nil {
		t.Fatal(err)
	}
	tr := tar.NewReader(gz)
	var b strings.Builder
	for {
		h, err := tr.Next()
		if err != nil {
			break
		}
		b.WriteString(h.Name + "\n")
		var c bytes.Buffer
		_, _ = c.ReadFrom(tr)
		b.Write(c.Bytes())
	}
	return b.String()
}

func TestUnpackRefusesEscapes(t *testing.T) {
	mk := func(hdrs ...*tar.Header) []byte {
		var buf bytes.Buffer
		gz := gzip.NewWriter(&buf)
		tw := tar.NewWriter(gz)
		for _, h := range hdrs {
			_ = tw.WriteHeader(h)
		}
		tw.Close()
		gz.Close()
		return buf.Bytes()
	}
	tests := []struct {
		name string
		data []byte
	}{
		{"dotdot", mk(&tar.Header{Name: "../evil", Typeflag: tar.TypeReg, Mode: 0o644})},
		{"symlink", mk(&tar.Header{Name: "etc", Typeflag: tar.TypeSymlink, Linkname: "/"}, &tar.Header{Name: "etc/passwd", Typeflag: tar.TypeReg})},
		{"not gzip", []byte("plain")},
	}
	for _, tc := range tests {
		dir := t.TempDir()
		if err := Unpack(bytes.NewReader(tc.data), dir); err == nil {
			t.Errorf("%s: unpacked", tc.name)
		}
		if _, err := os.Stat(filepath.Join(filepath.Dir(dir), "evil")); err == nil {
			t.Errorf("%s: wrote outside", tc.name)
		}
	}
}
