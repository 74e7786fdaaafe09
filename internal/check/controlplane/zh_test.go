package controlplane

import (
	"os"
	"path/filepath"
	"regexp"
	"testing"

	"github.com/kubeward/kubeward/internal/result"
	"github.com/kubeward/kubeward/internal/source/host"
)

// KW-API-014 gives each reason in Chinese: only identifiers, flags, paths
// and values stay in English.
func TestPeopleAuthenticationInChinese(t *testing.T) {
	root := t.TempDir()
	p := filepath.Join(root, "etc/kubernetes/authn-anon.yaml")
	_ = os.MkdirAll(filepath.Dir(p), 0o755)
	if err := os.WriteFile(p, []byte("apiVersion: apiserver.config.k8s.io/v1\nkind: AuthenticationConfiguration\nanonymous:\n  enabled: true\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	f := &host.FS{Root: root}
	prose := regexp.MustCompile(`(^|[\s（(])[A-Za-z]+ [A-Za-z]+($|[\s）),;])`)
	for _, args := range [][]string{
		{"--anonymous-auth=true", "--token-auth-file=/t.csv", "--basic-auth-file=/b.csv"},
		{"--client-ca-file=/ca.crt", "--authentication-config=/etc/kubernetes/authn-anon.yaml"},
	} {
		r := status(t, "KW-API-014", comp(host.APIServer, args, nil, nil), f)
		if r.Status != result.Fail {
			t.Fatalf("%v: %s", args, r.Status)
		}
		if m := prose.FindString(r.Message.ZH); m != "" {
			t.Errorf("English %q in %q", m, r.Message.ZH)
		}
		t.Log(r.Message.ZH)
	}
}
