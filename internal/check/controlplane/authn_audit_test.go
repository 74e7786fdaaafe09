package controlplane

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kubeward/kubeward/internal/check"
	"github.com/kubeward/kubeward/internal/inventory"
	"github.com/kubeward/kubeward/internal/result"
	"github.com/kubeward/kubeward/internal/source/host"
	nodesrc "github.com/kubeward/kubeward/internal/source/node"
)

// status runs one rule on one API server the way Evaluate reports it.
func status(t *testing.T, id string, c *inventory.Component, f *host.FS) result.Result {
	t.Helper()
	n := &inventory.Node{Hostname: "cp", Components: []*inventory.Component{c}}
	for _, r := range check.EvaluateNode(testEnv(), nodesrc.Gather(f, n)) {
		if r.ID == id {
			return r
		}
	}
	t.Fatalf("no %s result", id)
	return result.Result{}
}

func TestPeopleAuthentication(t *testing.T) {
	root := t.TempDir()
	for p, content := range map[string]string{
		"etc/kubernetes/authn-jwt.yaml":       "apiVersion: apiserver.config.k8s.io/v1\nkind: AuthenticationConfiguration\njwt:\n- issuer:\n    url: https://idp.example\n    audiences: [kubernetes]\n  claimMappings:\n    username: {claim: sub, prefix: ''}\nanonymous:\n  enabled: true\n  conditions:\n  - path: /healthz\n  - path: /readyz\n",
		"etc/kubernetes/authn-anon.yaml":      "apiVersion: apiserver.config.k8s.io/v1\nkind: AuthenticationConfiguration\nanonymous:\n  enabled: true\n",
		"etc/kubernetes/authn-anon-path.yaml": "apiVersion: apiserver.config.k8s.io/v1\nkind: AuthenticationConfiguration\nanonymous:\n  enabled: true\n  conditions:\n  - path: /api\n",
	} {
		full := filepath.Join(root, p)
		_ = os.MkdirAll(filepath.Dir(full), 0o755)
		if err := os.WriteFile(full, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	f := &host.FS{Root: root}
	const ca, anonOff = "--client-ca-file=/etc/kubernetes/pki/ca.crt", "--anonymous-auth=false"
	tests := []struct {
		name     string
		args     []string
		want     result.Status
		evidence []string // substrings of the evidence
	}{
		{"x509 only", []string{ca, anonOff}, result.Pass, []string{"x509 client certificates: client-ca-file=/etc/kubernetes/pki/ca.crt (flag --client-ca-file)", "anonymous-auth=false", "--token-auth-file unset", "--basic-auth-file unset"}},
		{"x509 and OIDC", []string{ca, anonOff, "--oidc-issuer-url=https://idp"}, result.Pass, []string{"x509 client certificates", "OIDC: oidc-issuer-url=https://idp"}},
		{"webhook tokens", []string{anonOff, "--authentication-token-webhook-config-file=/etc/kubernetes/webhook.kubeconfig"}, result.Pass, []string{"webhook tokens"}},
		{"structured OIDC, anonymous to health only", []string{"--authentication-config=/etc/kubernetes/authn-jwt.yaml"}, result.Pass, []string{"issuer https://idp.example", "anonymous requests only to /healthz, /readyz"}},
		{"no authenticator", []string{anonOff}, result.Fail, []string{"authenticators: none"}},
		{"static tokens", []string{ca, anonOff, "--token-auth-file=/etc/kubernetes/tokens.csv"}, result.Fail, []string{"static tokens are accepted (token-auth-file=/etc/kubernetes/tokens.csv"}},
		{"basic auth", []string{ca, anonOff, "--basic-auth-file=/etc/kubernetes/basic.csv"}, result.Fail, []string{"basic auth passwords are accepted"}},
		{"anonymous by default", []string{ca}, result.Fail, []string{"anonymous requests are accepted (anonymous-auth=true (default))"}},
		{"anonymous flag", []string{ca, "--anonymous-auth=true"}, result.Fail, []string{"anonymous-auth=true (flag --anonymous-auth)"}},
		{"anonymous in authentication config", []string{ca, "--authentication-config=/etc/kubernetes/authn-anon.yaml"}, result.Fail, []string{"anonymous=true (config /etc/kubernetes/authn-anon.yaml key anonymous.enabled), every path"}},
		{"anonymous beyond health endpoints", []string{ca, "--authentication-config=/etc/kubernetes/authn-anon-path.yaml"}, result.Fail, []string{"paths /api"}},
		{"insecure profile", []string{"--anonymous-auth=true", "--token-auth-file=/t.csv"}, result.Fail, []string{"authenticators: none"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := status(t, "KW-API-014", comp(host.APIServer, tc.args, nil, nil), f)
			if r.Status != tc.want {
				t.Errorf("%s, want %s: %s (%s)", r.Status, tc.want, r.Message.EN, r.Evidence)
			}
			for _, s := range tc.evidence {
				if !strings.Contains(r.Evidence, s) {
					t.Errorf("evidence %q lacks %q", r.Evidence, s)
				}
			}
		})
	}
}

func TestAuditShipping(t *testing.T) {
	const log = "/var/log/kubernetes/audit/audit.log"
	base := []string{"--audit-policy-file=/etc/kubernetes/audit-policy.yaml", "--audit-log-path=" + log}
	withOpen := func(of *inventory.OpenFile) *inventory.Component {
		c := comp(host.APIServer, base, nil, nil)
		if of != nil {
			c.OpenFiles = []*inventory.OpenFile{of}
		}
		return c
	}
	tests := []struct {
		name     string
		c        *inventory.Component
		want     result.Status
		evidence []string
	}{
		{"webhook backend", comp(host.APIServer, append(base, "--audit-webhook-config-file=/etc/kubernetes/audit-webhook.yaml"), nil, nil), result.Pass,
			[]string{"audit-webhook-config-file=/etc/kubernetes/audit-webhook.yaml (flag --audit-webhook-config-file): audit events are sent to a webhook backend"}},
		{"fluent-bit reads the log", withOpen(&inventory.OpenFile{Path: log, Setting: "audit-log-path", Holders: []inventory.FileHolder{{PID: 100, Name: "fluent-bit", Exe: "/usr/bin/fluent-bit", Target: log, FD: 12}}}), result.Pass,
			[]string{"open by fluent-bit (pid 100, fd 12, a known log shipper)"}},
		{"any other reader", withOpen(&inventory.OpenFile{Path: log, Setting: "audit-log-path", Holders: []inventory.FileHolder{{PID: 7, Name: "tail", Exe: "/usr/bin/tail", Target: log, FD: 3}}}), result.Pass,
			[]string{"open by tail (pid 7, fd 3)"}},
		{"a containerized shipper sees another path", withOpen(&inventory.OpenFile{Path: log, Setting: "audit-log-path", Holders: []inventory.FileHolder{{PID: 8, Name: "vector", Target: "/host/audit/audit.log", FD: 9}}}), result.Pass,
			[]string{"vector (pid 8, fd 9, a known log shipper, as /host/audit/audit.log)"}},
		{"local file, no reader", withOpen(&inventory.OpenFile{Path: log, Setting: "audit-log-path"}), result.Warn,
			[]string{"audit-log-path=" + log + " (flag --audit-log-path)", "no other process has it open"}},
		{"local file, some processes unreadable", withOpen(&inventory.OpenFile{Path: log, Setting: "audit-log-path", Unreadable: 3}), result.Warn,
			[]string{"open files of 3 processes could not be read"}},
		{"local file, readers unknown", withOpen(nil), result.Warn, []string{"not known here"}},
		{"standard output", comp(host.APIServer, []string{"--audit-policy-file=/p", "--audit-log-path=-"}, nil, nil), result.Warn, []string{"standard output"}},
		{"no audit at all", comp(host.APIServer, nil, nil, nil), result.Fail, []string{"audit-log-path=<unset>", "audit-webhook-config-file=<unset>"}},
		{"policy but no backend", comp(host.APIServer, []string{"--audit-policy-file=/p"}, nil, nil), result.Fail, []string{"audit-log-path=<unset>"}},
		{"log path but no policy", comp(host.APIServer, []string{"--audit-log-path=" + log}, nil, nil), result.Fail, []string{"audit-policy-file=<unset>"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := status(t, "KW-API-011", tc.c, &host.FS{Root: t.TempDir()})
			if r.Status != tc.want {
				t.Errorf("%s, want %s: %s (%s)", r.Status, tc.want, r.Message.EN, r.Evidence)
			}
			if r.Status != result.Pass && r.Message.EN == "" {
				t.Error("no message")
			}
			for _, s := range tc.evidence {
				if !strings.Contains(r.Evidence, s) {
					t.Errorf("evidence %q lacks %q", r.Evidence, s)
				}
			}
		})
	}
}

// The open-file fact the host source records reaches the check: a real
// root where a shipper holds the audit log open passes, one without warns.
func TestAuditShippingFromDiscoveredNode(t *testing.T) {
	for _, reader := range []bool{true, false} {
		root := t.TempDir()
		files := map[string]string{
			"proc/42/cmdline":   "kube-apiserver\x00--audit-policy-file=/p\x00--audit-log-path=/var/log/audit.log\x00",
			"proc/42/exe":       "->/usr/local/bin/kube-apiserver",
			"var/log/audit.log": "{}\n",
		}
		if reader {
			files["proc/77/cmdline"] = "fluent-bit\x00"
			files["proc/77/comm"] = "fluent-bit\n"
			files["proc/77/exe"] = "->/usr/bin/fluent-bit"
			files["proc/77/fd/5"] = "->/var/log/audit.log"
		}
		for p, content := range files {
			full := filepath.Join(root, p)
			_ = os.MkdirAll(filepath.Dir(full), 0o755)
			var err error
			if target, ok := strings.CutPrefix(content, "->"); ok {
				err = os.Symlink(target, full)
			} else {
				err = os.WriteFile(full, []byte(content), 0o600)
			}
			if err != nil {
				t.Fatal(err)
			}
		}
		f := &host.FS{Root: root}
		n := nodesrc.Read(f)
		var got result.Result
		for _, r := range check.EvaluateNode(testEnv(), nodesrc.Gather(f, n)) {
			if r.ID == "KW-API-011" {
				got = r
			}
		}
		want := map[bool]result.Status{true: result.Pass, false: result.Warn}[reader]
		if got.Status != want {
			t.Errorf("reader=%v: %s, want %s (%s)", reader, got.Status, want, got.Evidence)
		}
	}
}
