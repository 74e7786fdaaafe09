package node

import (
	"bytes"
	"crypto/rand"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kubeward/kubeward/internal/check"
	_ "github.com/kubeward/kubeward/internal/check/controlplane"
	"github.com/kubeward/kubeward/internal/config"
	"github.com/kubeward/kubeward/internal/harden/node/apiconfig"
	"github.com/kubeward/kubeward/internal/harden/node/pki"
	"github.com/kubeward/kubeward/internal/inventory"
	"github.com/kubeward/kubeward/internal/result"
	"github.com/kubeward/kubeward/internal/source/host"
	nodesrc "github.com/kubeward/kubeward/internal/source/node"
)

var testNow = time.Date(2026, 12, 6, 0, 0, 0, 0, time.UTC)

// insecureNode is the insecure profile of test/cluster's harness as
// processes: every flag rule that can fail, fails.
func insecureNode(dir string) *inventory.Node {
	comp := func(kind string, args ...string) *inventory.Component {
		args = append([]string{kind}, args...)
		return &inventory.Component{Kind: kind, Source: "static pod", SourceFile: "/etc/kubernetes/manifests/" + kind + ".yaml", Args: args, Flags: host.ParseFlags(args[1:])}
	}
	kubeletCfg := filepath.Join(dir, "kubelet-config.yaml")
	kl := comp(inventory.Kubelet, "--config="+kubeletCfg, "--kubeconfig="+filepath.Join(dir, "kubelet.conf"), "--read-only-port=10255")
	kl.Source, kl.SourceFile = "systemd unit", "/lib/systemd/system/kubelet.service"
	kl.ConfigFile = kubeletCfg
	kl.Config = map[string]any{"readOnlyPort": 10255, "authentication": map[string]any{"anonymous": map[string]any{"enabled": true}},
		"authorization": map[string]any{"mode": "AlwaysAllow"}, "streamingConnectionIdleTimeout": "0s"}
	if err := os.MkdirAll(filepath.Join(dir, "etcd"), 0o755); err != nil {
		panic(err)
	}
	n := &inventory.Node{Hostname: "node1", Root: "/", Components: []*inventory.Component{
		comp(inventory.Etcd, "--name=n", "--data-dir="+filepath.Join(dir, "etcd"), "--listen-client-urls=http://127.0.0.1:2379", "--advertise-client-urls=http://127.0.0.1:2379",
			"--listen-peer-urls=http://127.0.0.1:2380", "--initial-advertise-peer-urls=http://127.0.0.1:2380", "--initial-cluster=n=http://127.0.0.1:2380",
			"--client-cert-auth=false", "--auto-tls=true", "--peer-auto-tls=true"),
		comp(inventory.APIServer, "--advertise-address=127.0.0.1", "--secure-port=6443", "--etcd-servers=http://127.0.0.1:2379",
			"--service-account-issuer=https://kubernetes.default.svc", "--service-account-key-file=/etc/kubernetes/pki/sa.pub",
			"--service-account-signing-key-file=/etc/kubernetes/pki/sa.key", "--anonymous-auth=true", "--token-auth-file=/etc/kubernetes/tokens.csv",
			"--authorization-mode=AlwaysAllow", "--enable-admission-plugins=AlwaysAdmit", "--disable-admission-plugins=ServiceAccount,NodeRestriction",
			"--profiling=true", "--service-account-lookup=false"),
		comp(inventory.ControllerManager, "--kubeconfig=/etc/kubernetes/controller-manager.conf", "--profiling=true", "--use-service-account-credentials=false"),
		comp(inventory.Scheduler, "--kubeconfig=/etc/kubernetes/scheduler.conf", "--bind-address=0.0.0.0", "--profiling", "true"),
		kl,
		comp(inventory.KubeProxy, "--kubeconfig=/etc/kubernetes/proxy.conf", "--metrics-bind-address=0.0.0.0:10249"),
	}}
	return nodesrc.Gather(&host.FS{Root: "/"}, n)
}

func testOptions(dir string) Options {
	return Options{
		Layout:    pki.Layout{Dir: filepath.Join(dir, "pki"), KubeconfigDir: filepath.Join(dir, "kubeconfig"), Server: "https://127.0.0.1:6443"},
		ConfigDir: filepath.Join(dir, "out"), AuditLogPath: filepath.Join(dir, "audit", "audit.log"),
		Encryption: apiconfig.Secretbox, Random: rand.Reader, Env: &check.Env{Now: testNow},
	}
}

// TestPlanMakesEveryFlagRulePass is the drift guard: the plan is applied
// to the insecure node (its PKI issued, its files written), the real node
// source gathers the result, and every flag rule of the fixed components
// passes, except those the plan says it cannot fix.
func TestPlanMakesEveryFlagRulePass(t *testing.T) {
	dir := t.TempDir()
	n := insecureNode(dir)
	o := testOptions(dir)
	p, err := Make(n, o)
	if err != nil {
		t.Fatal(err)
	}
	if !p.PKI {
		t.Fatal("the insecure node needs the PKI")
	}
	if err := p.Render(); err != nil {
		t.Fatal(err)
	}
	if err := p.Write(o.ConfigDir); err != nil {
		t.Fatal(err)
	}
	if _, err := pki.Generate(o.Layout, pki.Certs(pki.Host{NodeName: "node1"}), pki.Kubeconfigs(), testNow); err != nil {
		t.Fatal(err)
	}
	fixed := apply2(t, n, p)
	fixed = nodesrc.Gather(&host.FS{Root: "/"}, fixed)
	unfixed := map[string]bool{}
	for _, u := range p.Unfixed {
		unfixed[u.ID] = true
	}
	for _, r := range check.FlagRules() {
		for _, c := range fixed.ComponentsOf(r.Component) {
			v := r.Test(c, fixed)
			if !v.OK && v.NA == "" && !unfixed[r.ID] {
				t.Errorf("%s still fails on %s after the plan: %s (%s)", r.ID, c.Kind, v.Msg.EN, v.Evidence)
			}
		}
	}
	for _, r := range check.EvaluateNode(&check.Env{Now: testNow, Config: config.Default()}, fixed) {
		if strings.HasPrefix(r.ID, "KW-CERT-") && r.Status != result.Pass && r.Status != result.NotApplicable {
			t.Errorf("%s %s: %s", r.ID, r.Status, r.Message.EN)
		}
	}
}

// apply2 builds the node as it is after the plan: new command lines and
// the kubelet's config merged with its patch.
func apply2(t *testing.T, n *inventory.Node, p *Plan) *inventory.Node {
	t.Helper()
	for _, f := range p.FileFixes {
		if f.Mode != 0 {
			if err := os.Chmod(f.Path, f.Mode); err != nil {
				t.Fatal(err)
			}
		}
	}
	out := &inventory.Node{Hostname: n.Hostname, Root: n.Root}
	planned := map[string]*ComponentPlan{}
	for _, cp := range p.Components {
		planned[cp.Kind] = cp
	}
	for _, c := range n.Components {
		cp := planned[c.Kind]
		if cp == nil {
			out.Components = append(out.Components, c)
			continue
		}
		nc := reparse(c, cp.Args)
		if cp.ConfigPatch != nil {
			nc.Config = mergeMaps(c.Config, cp.ConfigPatch)
		}
		out.Components = append(out.Components, nc)
	}
	return out
}

func mergeMaps(a, b map[string]any) map[string]any {
	out := map[string]any{}
	for k, v := range a {
		out[k] = v
	}
	for k, v := range b {
		if bm, ok := v.(map[string]any); ok {
			if am, ok := out[k].(map[string]any); ok {
				out[k] = mergeMaps(am, bm)
				continue
			}
		}
		out[k] = v
	}
	return out
}

// TestEveryFlagRuleHasAFix: a flag rule added to internal/check/controlplane
// without a fix here, or a reason why there is none, fails this test.
func TestEveryFlagRuleHasAFix(t *testing.T) {
	for _, r := range check.FlagRules() {
		if fixes[r.ID] == nil && !pkiIDs[r.ID] && !fileIDs[r.ID] && manual[r.ID].EN == "" {
			t.Errorf("%s (%s) has no fix in internal/harden/node and no reason for none", r.ID, r.Component)
		}
	}
}

func TestHardenedNodeNeedsNothing(t *testing.T) {
	dir := t.TempDir()
	n := insecureNode(dir)
	o := testOptions(dir)
	p, err := Make(n, o)
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Render(); err != nil {
		t.Fatal(err)
	}
	if err := p.Write(o.ConfigDir); err != nil {
		t.Fatal(err)
	}
	if _, err := pki.Generate(o.Layout, pki.Certs(pki.Host{NodeName: "node1"}), pki.Kubeconfigs(), testNow); err != nil {
		t.Fatal(err)
	}
	fixed := nodesrc.Gather(&host.FS{Root: "/"}, apply2(t, n, p))
	again, err := Make(fixed, o)
	if err != nil {
		t.Fatal(err)
	}
	if again.PKI || len(again.Components) != 0 {
		var b bytes.Buffer
		again.Print(&b, "en")
		t.Errorf("a second plan on the fixed node still changes things:\n%s", b.String())
	}
}

func TestArgEdits(t *testing.T) {
	args := []string{"x", "--a=1", "--b", "2", "--c", "--d=4"}
	if got := strings.Join(withoutFlag(args, "b"), " "); got != "x --a=1 --c --d=4" {
		t.Error(got)
	}
	if got := strings.Join(setFlag(args, "b", "9"), " "); got != "x --a=1 --b=9 --c --d=4" {
		t.Error(got)
	}
	if got := strings.Join(setFlag(args, "e", "5"), " "); got != "x --a=1 --b 2 --c --d=4 --e=5" {
		t.Error(got)
	}
	if got := strings.Join(withoutFlag([]string{"x", "--ab=1", "--a=2"}, "a"), " "); got != "x --ab=1" {
		t.Error(got)
	}
}

func TestUnitName(t *testing.T) {
	for in, want := range map[string]string{
		"/lib/systemd/system/kubelet.service":                   "kubelet.service",
		"/etc/systemd/system/kubelet.service.d/10-kubeadm.conf": "kubelet.service",
		"/etc/systemd/system/etcd.service":                      "etcd.service",
	} {
		if got := unitName(in); got != want {
			t.Errorf("%s: %s", in, got)
		}
	}
}

func TestOnlyLimitsThePlan(t *testing.T) {
	dir := t.TempDir()
	o := testOptions(dir)
	o.Only = map[string]bool{PartRuntime: true, PartHost: true}
	p, err := Make(insecureNode(dir), o)
	if err != nil {
		t.Fatal(err)
	}
	if p.PKI || len(p.Components) != 0 || len(p.FileFixes) != 0 {
		t.Errorf("--only runtime,host planned the control plane: %+v", p)
	}
}

// TestCalicoEtcdTLS: calico-node on the etcd datastore over http without
// certificates gets https endpoints, the etcd CA and a client certificate
// from it; with them in its environment the Calico checks pass.
func TestCalicoEtcdTLS(t *testing.T) {
	dir := t.TempDir()
	calico := &inventory.Component{Kind: inventory.Calico, Source: "process", PID: 42, Args: []string{"calico-node"},
		Env: map[string]string{"DATASTORE_TYPE": "etcdv3", "ETCD_ENDPOINTS": "http://10.0.0.5:2379"}}
	n := &inventory.Node{Hostname: "node1", Components: []*inventory.Component{calico}}
	failed := 0
	for _, r := range check.EvaluateNode(&check.Env{Now: testNow, Config: config.Default()}, n) {
		if strings.HasPrefix(r.ID, "KW-CALICO-") && r.Status == result.Fail {
			failed++
		}
	}
	if failed != 3 {
		t.Fatalf("%d Calico checks fail before the fix, want 3", failed)
	}
	o := testOptions(dir)
	p, err := Make(n, o)
	if err != nil {
		t.Fatal(err)
	}
	if !p.PKI {
		t.Error("Calico's client certificate needs the PKI")
	}
	var env []byte
	for _, f := range p.Files {
		if f.Path == "calico/calico-node.env" {
			env = f.Data
		}
	}
	if env == nil {
		t.Fatal("no calico-node.env")
	}
	fixed := *calico
	fixed.Env = map[string]string{"DATASTORE_TYPE": "etcdv3"}
	for _, line := range strings.Split(string(env), "\n") {
		if k, v, ok := strings.Cut(line, "="); ok && !strings.HasPrefix(line, "#") {
			fixed.Env[k] = v
		}
	}
	if fixed.Env["ETCD_ENDPOINTS"] != "https://10.0.0.5:2379" || fixed.Env["ETCD_CERT_FILE"] != o.Layout.Path(pki.CalicoEtcdClient) {
		t.Errorf("env %v", fixed.Env)
	}
	after := &inventory.Node{Hostname: "node1", Components: []*inventory.Component{&fixed}}
	for _, r := range check.EvaluateNode(&check.Env{Now: testNow, Config: config.Default()}, after) {
		if strings.HasPrefix(r.ID, "KW-CALICO-") && r.Status != result.Pass {
			t.Errorf("%s %s: %s", r.ID, r.Status, r.Message.EN)
		}
	}
}
