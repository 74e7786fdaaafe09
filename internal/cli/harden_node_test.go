package cli

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kubeward/kubeward/internal/inventory"
	"github.com/kubeward/kubeward/internal/source/host"
)

// nodeSnapshot writes a snapshot root holding an insecure control plane's
// inventory (kubeward/node.json), as `collect node` would.
func nodeSnapshot(t *testing.T) string {
	t.Helper()
	root := t.TempDir()
	comp := func(kind string, args ...string) *inventory.Component {
		args = append([]string{kind}, args...)
		return &inventory.Component{Kind: kind, Source: "static pod", SourceFile: "/etc/kubernetes/manifests/" + kind + ".yaml", Args: args, Flags: host.ParseFlags(args[1:])}
	}
	n := &inventory.Node{Hostname: "node1", Components: []*inventory.Component{
		comp(inventory.Etcd, "--listen-client-urls=http://127.0.0.1:2379", "--advertise-client-urls=http://127.0.0.1:2379"),
		comp(inventory.APIServer, "--etcd-servers=http://127.0.0.1:2379", "--anonymous-auth=true", "--authorization-mode=AlwaysAllow",
			"--service-cluster-ip-range=10.96.0.0/12", "--advertise-address=10.0.0.5"),
	}}
	data, err := json.Marshal(n)
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range []string{"proc", "kubeward"} {
		if err := os.MkdirAll(filepath.Join(root, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(root, "kubeward", "node.json"), data, 0o644); err != nil {
		t.Fatal(err)
	}
	return root
}

func TestHardenNodeFromSnapshot(t *testing.T) {
	root := nodeSnapshot(t)
	out := filepath.Join(t.TempDir(), "out")
	code, stdout, stderr := run(t, "", "harden", "node", "--root", root, "--out", out)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	for _, want := range []string{"patches/kube-apiserver+strategic.yaml", "KW-API-005", "KW-ETCD-007", "nothing on the node was changed",
		"apiserver", "missing", "CN=kube-apiserver", "--generate-pki"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("output lacks %q:\n%s", want, stdout)
		}
	}
	for _, f := range []string{"patches/etcd+strategic.yaml", "patches/kube-apiserver+strategic.yaml", "encryption-config.yaml", "audit-policy.yaml", "plan.json"} {
		st, err := os.Stat(filepath.Join(out, f))
		if err != nil {
			t.Errorf("%s: %v", f, err)
			continue
		}
		if f == "encryption-config.yaml" && st.Mode().Perm() != 0o600 {
			t.Errorf("%s mode %v", f, st.Mode())
		}
	}
	// A second run into the same directory never replaces a file.
	code, _, stderr = run(t, "", "harden", "node", "--root", root, "--out", out)
	if code != ExitUsage || !strings.Contains(stderr, "does not replace files") {
		t.Errorf("second run: exit %d: %s", code, stderr)
	}
	// Chinese.
	code, stdout, _ = run(t, "", "harden", "node", "--root", root, "--out", filepath.Join(t.TempDir(), "zh"), "--lang", "zh")
	if code != 0 || !strings.Contains(stdout, "节点上的文件均未改动") || !strings.Contains(stdout, "静态 Pod 的 kubeadm 补丁") {
		t.Errorf("zh: exit %d:\n%s", code, stdout)
	}
}

func TestHardenNodeGeneratesPKI(t *testing.T) {
	root := nodeSnapshot(t)
	dir := t.TempDir()
	code, stdout, stderr := run(t, "", "harden", "node", "--root", root, "--out", filepath.Join(dir, "out"), "--generate-pki", filepath.Join(dir, "pki"))
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	for _, f := range []string{"ca.key", "etcd/ca.key", "apiserver.key", "kubeconfig/admin.conf"} {
		st, err := os.Stat(filepath.Join(dir, "pki", f))
		if err != nil || st.Mode().Perm() != 0o600 {
			t.Errorf("%s: %v %v", f, err, st)
		}
	}
	kc, _ := os.ReadFile(filepath.Join(dir, "pki", "kubeconfig", "admin.conf"))
	if !strings.Contains(string(kc), "server: https://10.0.0.5:6443") {
		t.Errorf("admin.conf:\n%s", kc)
	}
	plan, _ := os.ReadFile(filepath.Join(dir, "out", "patches", "kube-apiserver+strategic.yaml"))
	if !strings.Contains(string(plan), "--client-ca-file="+filepath.Join(dir, "pki", "ca.crt")) {
		t.Errorf("the patch does not name the generated CA:\n%s", plan)
	}
	if !strings.Contains(stdout, "created (0600)") {
		t.Errorf("output:\n%s", stdout)
	}
}

func TestHardenNodeUsageErrors(t *testing.T) {
	root := nodeSnapshot(t)
	out := filepath.Join(t.TempDir(), "out")
	empty := t.TempDir()
	if err := os.MkdirAll(filepath.Join(empty, "proc"), 0o755); err != nil {
		t.Fatal(err)
	}
	for name, tc := range map[string]struct {
		args []string
		want string
	}{
		"no --out":              {[]string{"--root", root}, "--out"},
		"apply on another root": {[]string{"--root", root, "--out", out, "--apply"}, "--apply: only with --root /"},
		"bad encryption":        {[]string{"--root", root, "--out", out, "--encryption", "rot13"}, "--encryption"},
		"bad allow-from":        {[]string{"--root", root, "--out", out, "--allow-from", "10.0.0.0/33"}, "--allow-from"},
		"bad root login":        {[]string{"--root", root, "--out", out, "--permit-root-login", "yes"}, "--permit-root-login"},
		"http server":           {[]string{"--root", root, "--out", out, "--server", "http://x:6443"}, "--server"},
		"no proc":               {[]string{"--root", t.TempDir(), "--out", out}, "no proc directory"},
		"nothing to harden":     {[]string{"--root", empty, "--out", out}, "no node component found"},
		"bad --only":            {[]string{"--root", root, "--out", out, "--only", "kernel"}, "--only"},
		"missing undo record":   {[]string{"--undo", filepath.Join(out, "nope.json")}, "harden undo"},
	} {
		code, _, stderr := run(t, "", append([]string{"harden", "node"}, tc.args...)...)
		if code != ExitUsage || !strings.Contains(stderr, tc.want) || strings.Count(strings.TrimSpace(stderr), "\n") > 1 {
			t.Errorf("%s: exit %d, stderr %q (want %q)", name, code, stderr, tc.want)
		}
	}
	if _, err := os.Stat(out); err == nil {
		t.Error("a refused run wrote --out")
	}
}

func TestHardenUndoDispatchesNodeRecords(t *testing.T) {
	dir := t.TempDir()
	target := filepath.Join(dir, "drop-in.conf")
	if err := os.WriteFile(target, []byte("x\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	rec := `{"kind":"KubewardNodeFilesRecord","version":1,"host":"n","time":"2026-12-06T00:00:00Z","entries":[` +
		`{"action":"created","path":"` + target + `","sha256":"` + "0000" + `"}]}`
	file := filepath.Join(dir, "undo.json")
	if err := os.WriteFile(file, []byte(rec), 0o600); err != nil {
		t.Fatal(err)
	}
	// The file changed since (its hash differs): left alone, exit 1.
	code, _, stderr := run(t, "", "harden", "undo", file)
	if code != ExitFindings || !strings.Contains(stderr, "left alone") {
		t.Errorf("exit %d: %s", code, stderr)
	}
	if _, err := os.Stat(target); err != nil {
		t.Error("the changed file was touched")
	}
	code, stdout, _ := run(t, "", "harden", "undo", "--force", file)
	if code != 0 || !strings.Contains(stdout, "move aside") {
		t.Errorf("--force: exit %d %s", code, stdout)
	}
	if _, err := os.Stat(target); !os.IsNotExist(err) {
		t.Error("not moved aside")
	}
}

func TestHardenNodeConfigAllowFrom(t *testing.T) {
	root := nodeSnapshot(t)
	cfg := filepath.Join(t.TempDir(), "kubeward.yaml")
	if err := os.WriteFile(cfg, []byte("harden:\n  nodes:\n    allowFrom: [node-1]\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	code, _, stderr := run(t, "", "harden", "node", "--root", root, "--out", filepath.Join(t.TempDir(), "o"), "--config", cfg)
	if code != ExitUsage || !strings.Contains(stderr, "allowFrom") {
		t.Errorf("exit %d: %s", code, stderr)
	}
}
