package controlplane

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/kubeward/kubeward/internal/check"
	"github.com/kubeward/kubeward/internal/config"
	"github.com/kubeward/kubeward/internal/inventory"
	"github.com/kubeward/kubeward/internal/result"
	"github.com/kubeward/kubeward/internal/source/host"
	nodesrc "github.com/kubeward/kubeward/internal/source/node"
)

func comp(kind string, args []string, cfg map[string]any, env map[string]string) *inventory.Component {
	c := &inventory.Component{Kind: kind, PID: 42, Source: "process", Args: append([]string{kind}, args...), Flags: host.ParseFlags(args), Env: env, Config: cfg}
	if cfg != nil {
		c.ConfigFile = "/etc/" + kind + "/config.yaml"
	}
	return c
}

func ruleByID(id string) *check.FlagRule {
	for _, r := range check.FlagRules() {
		if r.ID == id {
			return r
		}
	}
	return nil
}

// TestRules covers the checks the real-component tests cannot fail here
// (non-loopback listeners) and the resolution order of settings.
func TestRules(t *testing.T) {
	tests := []struct {
		name string
		id   string
		c    *inventory.Component
		ok   bool
	}{
		{"kcm bind 0.0.0.0", "KW-KCM-002", comp(host.ControllerManager, []string{"--bind-address=0.0.0.0"}, nil, nil), false},
		{"kcm bind default", "KW-KCM-002", comp(host.ControllerManager, nil, nil, nil), false},
		{"kcm bind loopback", "KW-KCM-002", comp(host.ControllerManager, []string{"--bind-address=127.0.0.1"}, nil, nil), true},
		{"scheduler bind any", "KW-SCH-002", comp(host.Scheduler, []string{"--bind-address", "10.0.0.5"}, nil, nil), false},
		{"scheduler bind ::1", "KW-SCH-002", comp(host.Scheduler, []string{"--bind-address=::1"}, nil, nil), true},
		{"proxy metrics all", "KW-PROXY-002", comp(host.KubeProxy, []string{"--metrics-bind-address=0.0.0.0:10249"}, nil, nil), false},
		{"proxy metrics config", "KW-PROXY-002", comp(host.KubeProxy, nil, map[string]any{"metricsBindAddress": "0.0.0.0:10249"}, nil), false},
		{"proxy metrics default", "KW-PROXY-002", comp(host.KubeProxy, nil, nil, nil), true},
		{"kubelet flags only: anonymous by default", "KW-KLT-001", comp(host.Kubelet, nil, nil, nil), false},
		{"kubelet config default: not anonymous", "KW-KLT-001", comp(host.Kubelet, nil, map[string]any{}, nil), true},
		{"kubelet flag beats config", "KW-KLT-004", comp(host.Kubelet, []string{"--read-only-port=10255"}, map[string]any{"readOnlyPort": float64(0)}, nil), false},
		{"kubelet config read-only 0", "KW-KLT-004", comp(host.Kubelet, nil, map[string]any{"readOnlyPort": float64(0)}, nil), true},
		{"kubelet serving via bootstrap", "KW-KLT-007", comp(host.Kubelet, nil, map[string]any{"serverTLSBootstrap": true}, nil), true},
		{"kubelet idle timeout 0", "KW-KLT-005", comp(host.Kubelet, nil, map[string]any{"streamingConnectionIdleTimeout": "0s"}, nil), false},
		{"etcd cert from env", "KW-ETCD-001", comp(host.Etcd, []string{"--cert-file=/c"}, nil, map[string]string{"ETCD_KEY_FILE": "/k"}), true},
		{"etcd cert missing key", "KW-ETCD-001", comp(host.Etcd, []string{"--cert-file=/c"}, nil, nil), false},
		{"etcd config file", "KW-ETCD-002", comp(host.Etcd, nil, map[string]any{"client-cert-auth": true, "trusted-ca-file": "/ca"}, nil), true},
		{"etcd mixed urls", "KW-ETCD-007", comp(host.Etcd, []string{"--listen-client-urls=https://10.0.0.1:2379,http://127.0.0.1:2379", "--advertise-client-urls=https://10.0.0.1:2379"}, nil, nil), false},
		{"apiserver AlwaysAllow", "KW-API-007", comp(host.APIServer, []string{"--authorization-mode=Node,RBAC,AlwaysAllow"}, nil, nil), false},
		{"apiserver Node,RBAC", "KW-API-007", comp(host.APIServer, []string{"--authorization-mode=Node,RBAC"}, nil, nil), true},
		{"apiserver plugins missing NodeRestriction", "KW-API-008", comp(host.APIServer, nil, nil, nil), false},
		{"apiserver plugins disabled", "KW-API-008", comp(host.APIServer, []string{"--enable-admission-plugins=NodeRestriction", "--disable-admission-plugins=LimitRanger"}, nil, nil), false},
		{"apiserver plugins complete", "KW-API-008", comp(host.APIServer, []string{"--enable-admission-plugins=NodeRestriction"}, nil, nil), true},
		{"apiserver audit retention short", "KW-API-010", comp(host.APIServer, []string{"--audit-policy-file=/p", "--audit-log-path=/l", "--audit-log-maxage=7", "--audit-log-maxbackup=10", "--audit-log-maxsize=100"}, nil, nil), false},
		{"apiserver audit webhook", "KW-API-010", comp(host.APIServer, []string{"--audit-policy-file=/p", "--audit-webhook-config-file=/w"}, nil, nil), true},
		{"apiserver weak ciphers", "KW-API-016", comp(host.APIServer, []string{"--tls-cipher-suites=TLS_RSA_WITH_AES_128_CBC_SHA,TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"}, nil, nil), false},
		{"apiserver oidc", "KW-API-014", comp(host.APIServer, []string{"--oidc-issuer-url=https://idp", "--anonymous-auth=false"}, nil, nil), true},
	}
	f := &host.FS{Root: t.TempDir()}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := ruleByID(tc.id)
			if r == nil {
				t.Fatalf("no rule %s", tc.id)
			}
			v := r.Test(tc.c, nodesrc.Gather(f, &inventory.Node{Components: []*inventory.Component{tc.c}}))
			if v.OK != tc.ok {
				t.Errorf("%s ok=%v, want %v (%s; %s)", tc.id, v.OK, tc.ok, v.Evidence, v.Msg.EN)
			}
			if v.Evidence == "" {
				t.Errorf("%s: no evidence", tc.id)
			}
		})
	}
}

func TestSettingOrigin(t *testing.T) {
	c := comp(host.Kubelet, []string{"--anonymous-auth=true"}, map[string]any{"readOnlyPort": float64(0)}, nil)
	for _, tc := range []struct{ name, from string }{
		{"anonymous-auth", "flag --anonymous-auth"},
		{"read-only-port", "config /etc/kubelet/config.yaml key readOnlyPort"},
		{"rotate-certificates", "default"},
	} {
		if got := c.Setting(tc.name).From; got != tc.from {
			t.Errorf("%s from %q, want %q", tc.name, got, tc.from)
		}
	}
}

func testEnv() *check.Env { return &check.Env{Config: config.Default(), Now: time.Now()} }

func TestAbsentComponentsAreNotApplicable(t *testing.T) {
	res := check.EvaluateNode(testEnv(), nodesrc.Gather(&host.FS{Root: t.TempDir()}, &inventory.Node{Hostname: "worker"}))
	if len(res) < len(check.FlagRules()) {
		t.Fatalf("%d results for %d rules", len(res), len(check.FlagRules()))
	}
	for _, r := range res {
		if r.Status != result.NotApplicable {
			t.Errorf("%s is %s on an empty node, want NOT_APPLICABLE", r.ID, r.Status)
		}
	}
}

func TestFiles(t *testing.T) {
	root := t.TempDir()
	write := func(p string, mode os.FileMode) {
		full := filepath.Join(root, p)
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(full, []byte("x"), mode); err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(full, mode); err != nil {
			t.Fatal(err)
		}
	}
	write("etc/kubernetes/manifests/etcd.yaml", 0o644)
	write("etc/kubernetes/manifests/kube-apiserver.yaml", 0o600)
	write("etc/kubernetes/scheduler.conf", 0o600)
	if os.Getuid() == 0 {
		if err := os.Chown(filepath.Join(root, "etc/kubernetes/scheduler.conf"), 65534, 65534); err != nil {
			t.Fatal(err)
		}
	}
	n := &inventory.Node{Hostname: "cp", Components: []*inventory.Component{
		comp(host.Scheduler, []string{"--kubeconfig=/etc/kubernetes/scheduler.conf"}, nil, nil),
	}}
	got := map[string]map[result.Status]int{}
	for _, r := range check.EvaluateNode(testEnv(), nodesrc.Gather(&host.FS{Root: root}, n)) {
		if got[r.ID] == nil {
			got[r.ID] = map[result.Status]int{}
		}
		got[r.ID][r.Status]++
	}
	if got[FileStaticPods][result.Fail] != 1 || got[FileStaticPods][result.Pass] != 1 {
		t.Errorf("static pods: %v", got[FileStaticPods])
	}
	if os.Getuid() == 0 && got[FileOwner][result.Fail] != 1 {
		t.Errorf("owner: %v", got[FileOwner])
	}
	if got[FileKubeconfigs][result.Pass] != 1 {
		t.Errorf("kubeconfigs: %v", got[FileKubeconfigs])
	}
}

func TestCalico(t *testing.T) {
	tests := []struct {
		name  string
		env   map[string]string
		files map[string]string
		want  map[string]result.Status
	}{
		{"plain etcd", map[string]string{"ETCD_ENDPOINTS": "http://10.0.0.1:2379"}, nil,
			map[string]result.Status{CalicoHTTPS: result.Fail, CalicoCA: result.Fail, CalicoClient: result.Fail}},
		{"mutual TLS", map[string]string{"ETCD_ENDPOINTS": "https://10.0.0.1:2379", "ETCD_CA_CERT_FILE": "/c", "ETCD_CERT_FILE": "/a", "ETCD_KEY_FILE": "/k"}, nil,
			map[string]result.Status{CalicoHTTPS: result.Pass, CalicoCA: result.Pass, CalicoClient: result.Pass}},
		{"kubernetes datastore", map[string]string{"DATASTORE_TYPE": "kubernetes"}, nil,
			map[string]result.Status{CalicoHTTPS: result.NotApplicable}},
		{"CNI config", nil, map[string]string{"etc/cni/net.d/10-calico.conflist": `{"name":"k8s-pod-network","plugins":[{"type":"calico","etcd_endpoints":"https://e:2379","etcd_ca_cert_file":"/ca"}]}`},
			map[string]result.Status{CalicoHTTPS: result.Pass, CalicoCA: result.Pass, CalicoClient: result.Fail}},
		{"absent", nil, nil, map[string]result.Status{CalicoHTTPS: result.NotApplicable}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			root := t.TempDir()
			for p, content := range tc.files {
				full := filepath.Join(root, p)
				_ = os.MkdirAll(filepath.Dir(full), 0o755)
				if err := os.WriteFile(full, []byte(content), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			n := &inventory.Node{Hostname: "n"}
			if tc.env != nil {
				n.Components = append(n.Components, comp(host.Calico, []string{"-felix"}, nil, tc.env))
			}
			got := map[string]result.Status{}
			for _, r := range check.EvaluateNode(testEnv(), nodesrc.Gather(&host.FS{Root: root}, n)) {
				got[r.ID] = r.Status
			}
			for id, want := range tc.want {
				if got[id] != want {
					t.Errorf("%s = %s, want %s", id, got[id], want)
				}
			}
		})
	}
}
