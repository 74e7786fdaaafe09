package controlplane

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/pem"
	"math/big"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/kubeward/kubeward/internal/check"
	"github.com/kubeward/kubeward/internal/inventory"
	"github.com/kubeward/kubeward/internal/source/host"
	nodesrc "github.com/kubeward/kubeward/internal/source/node"
)

// flagRuleRoot writes the few files the flag rules that read a file need
// (kubeconfigs, an audit policy, an encryption configuration, etcd data
// directories) under a temporary root.
func flagRuleRoot(t *testing.T) string {
	t.Helper()
	root := t.TempDir()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "system:kube-scheduler"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(365 * 24 * time.Hour)}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert := base64.StdEncoding.EncodeToString(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}))
	kubeconfig := func(server string) string {
		return `apiVersion: v1
kind: Config
current-context: c
contexts: [{name: c, context: {cluster: k, user: u}}]
clusters: [{name: k, cluster: {server: "` + server + `", certificate-authority-data: Q0E=}}]
users: [{name: u, user: {client-certificate-data: ` + cert + `, client-key-data: S0VZ}}]
`
	}
	files := map[string]string{
		"etc/kubernetes/good.conf": kubeconfig("https://10.0.0.1:6443"),
		"etc/kubernetes/http.conf": kubeconfig("http://10.0.0.1:8080"),
		"etc/kubernetes/audit-metadata.yaml": `apiVersion: audit.k8s.io/v1
kind: Policy
rules:
- level: Metadata
  resources: [{group: "", resources: [secrets, configmaps]}]
- level: RequestResponse
`,
		"etc/kubernetes/audit-bodies.yaml": `apiVersion: audit.k8s.io/v1
kind: Policy
rules:
- level: RequestResponse
`,
		"etc/kubernetes/enc-aescbc.yaml": `apiVersion: apiserver.config.k8s.io/v1
kind: EncryptionConfiguration
resources:
- resources: [secrets]
  providers: [{aescbc: {keys: [{name: k1, secret: c2VjcmV0}]}}, {identity: {}}]
`,
		"etc/kubernetes/enc-identity.yaml": `apiVersion: apiserver.config.k8s.io/v1
kind: EncryptionConfiguration
resources:
- resources: [secrets]
  providers: [{identity: {}}]
`,
	}
	for p, content := range files {
		full := filepath.Join(root, p)
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(full, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	for dir, mode := range map[string]os.FileMode{"var/lib/etcd-private": 0o700, "var/lib/etcd-open": 0o755} {
		full := filepath.Join(root, dir)
		if err := os.MkdirAll(full, mode); err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(full, mode); err != nil {
			t.Fatal(err)
		}
	}
	return root
}

// TestEveryFlagRuleFailsAndPasses: each control-plane flag rule gets a FAIL
// and a PASS case over a literal component (its command line, config file
// and environment), no real component needed.
func TestEveryFlagRuleFailsAndPasses(t *testing.T) {
	e, a, m, s, k, p := host.Etcd, host.APIServer, host.ControllerManager, host.Scheduler, host.Kubelet, host.KubeProxy
	c := func(kind string, args ...string) *inventory.Component { return comp(kind, args, nil, nil) }
	cfg := func(kind string, config map[string]any) *inventory.Component { return comp(kind, nil, config, nil) }
	goodAPIAuthn := []string{"--client-ca-file=/ca", "--anonymous-auth=false"}
	cases := map[string]struct{ fail, pass *inventory.Component }{
		"KW-ETCD-001": {c(e, "--cert-file=/c"), c(e, "--cert-file=/c", "--key-file=/k")},
		"KW-ETCD-002": {c(e, "--trusted-ca-file=/ca"), c(e, "--client-cert-auth=true", "--trusted-ca-file=/ca")},
		"KW-ETCD-003": {c(e, "--auto-tls=true"), c(e)},
		"KW-ETCD-004": {c(e, "--peer-key-file=/k"), c(e, "--peer-cert-file=/c", "--peer-key-file=/k")},
		"KW-ETCD-005": {c(e, "--peer-client-cert-auth=false", "--peer-trusted-ca-file=/ca"), c(e, "--peer-client-cert-auth=true", "--peer-trusted-ca-file=/ca")},
		"KW-ETCD-006": {c(e, "--peer-auto-tls=true"), c(e, "--peer-auto-tls=false")},
		"KW-ETCD-007": {c(e), c(e, "--listen-client-urls=https://10.0.0.1:2379", "--advertise-client-urls=https://10.0.0.1:2379")},
		"KW-ETCD-008": {c(e, "--data-dir=/var/lib/etcd-open"), c(e, "--data-dir=/var/lib/etcd-private")},

		"KW-API-001": {c(a, "--tls-cert-file=/c"), c(a, "--tls-cert-file=/c", "--tls-private-key-file=/k")},
		"KW-API-002": {c(a), c(a, "--client-ca-file=/ca")},
		"KW-API-003": {c(a, "--etcd-certfile=/c", "--etcd-keyfile=/k", "--etcd-cafile=/ca", "--etcd-servers=http://127.0.0.1:2379"),
			c(a, "--etcd-certfile=/c", "--etcd-keyfile=/k", "--etcd-cafile=/ca", "--etcd-servers=https://127.0.0.1:2379")},
		"KW-API-004": {c(a, "--kubelet-client-certificate=/c", "--kubelet-client-key=/k"),
			c(a, "--kubelet-client-certificate=/c", "--kubelet-client-key=/k", "--kubelet-certificate-authority=/ca")},
		"KW-API-005": {c(a), c(a, "--anonymous-auth=false")},
		"KW-API-006": {c(a, "--token-auth-file=/tokens.csv"), c(a)},
		"KW-API-007": {c(a, "--authorization-mode=AlwaysAllow"), c(a, "--authorization-mode=Node,RBAC")},
		"KW-API-008": {c(a, "--disable-admission-plugins=ServiceAccount"), c(a, "--enable-admission-plugins=NodeRestriction")},
		"KW-API-009": {c(a, "--enable-admission-plugins=AlwaysAdmit"), c(a, "--enable-admission-plugins=NodeRestriction")},
		"KW-API-010": {c(a, "--audit-policy-file=/p", "--audit-log-path=/log", "--audit-log-maxage=7"),
			c(a, "--audit-policy-file=/p", "--audit-log-path=/log", "--audit-log-maxage=30", "--audit-log-maxbackup=10", "--audit-log-maxsize=100")},
		"KW-API-011": {c(a), c(a, "--audit-policy-file=/p", "--audit-webhook-config-file=/wh")},
		"KW-API-012": {c(a, "--audit-policy-file=/etc/kubernetes/audit-bodies.yaml"), c(a, "--audit-policy-file=/etc/kubernetes/audit-metadata.yaml")},
		"KW-API-013": {c(a, "--encryption-provider-config=/etc/kubernetes/enc-identity.yaml"), c(a, "--encryption-provider-config=/etc/kubernetes/enc-aescbc.yaml")},
		"KW-API-014": {c(a, append([]string{"--token-auth-file=/t"}, goodAPIAuthn...)...), c(a, goodAPIAuthn...)},
		"KW-API-015": {c(a), c(a, "--profiling=false")},
		"KW-API-016": {c(a, "--tls-cipher-suites=TLS_RSA_WITH_AES_128_CBC_SHA"), c(a, "--tls-cipher-suites=TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256")},
		"KW-API-017": {c(a, "--service-account-key-file=/sa.pub", "--service-account-lookup=false"), c(a, "--service-account-key-file=/sa.pub")},

		"KW-KCM-001": {c(m, "--kubeconfig=/etc/kubernetes/http.conf"), c(m, "--kubeconfig=/etc/kubernetes/good.conf")},
		"KW-KCM-002": {c(m), c(m, "--bind-address=127.0.0.1")},
		"KW-KCM-003": {c(m), c(m, "--profiling=false")},
		"KW-KCM-004": {c(m), c(m, "--use-service-account-credentials=true")},
		"KW-KCM-005": {c(m, "--root-ca-file=/ca"), c(m, "--root-ca-file=/ca", "--service-account-private-key-file=/sa.key")},
		"KW-SCH-001": {c(s), c(s, "--kubeconfig=/etc/kubernetes/good.conf")},
		"KW-SCH-002": {c(s, "--bind-address=0.0.0.0"), c(s, "--bind-address=127.0.0.1")},
		"KW-SCH-003": {cfg(s, map[string]any{"enableProfiling": true}), cfg(s, map[string]any{"enableProfiling": false})},
		"KW-PROXY-001": {cfg(p, map[string]any{"clientConnection": map[string]any{"kubeconfig": "/etc/kubernetes/http.conf"}}),
			cfg(p, map[string]any{"clientConnection": map[string]any{"kubeconfig": "/etc/kubernetes/good.conf"}})},
		"KW-PROXY-002": {c(p, "--metrics-bind-address=0.0.0.0:10249"), c(p)},

		"KW-KLT-001": {c(k), cfg(k, map[string]any{})},
		"KW-KLT-002": {c(k), cfg(k, map[string]any{"authorization": map[string]any{"mode": "Webhook"}})},
		"KW-KLT-003": {c(k), cfg(k, map[string]any{"authentication": map[string]any{"x509": map[string]any{"clientCAFile": "/ca"}}})},
		"KW-KLT-004": {c(k), cfg(k, map[string]any{"readOnlyPort": float64(0)})},
		"KW-KLT-005": {cfg(k, map[string]any{"streamingConnectionIdleTimeout": "0s"}), cfg(k, map[string]any{"streamingConnectionIdleTimeout": "5m"})},
		"KW-KLT-006": {cfg(k, map[string]any{}), cfg(k, map[string]any{"protectKernelDefaults": true})},
		"KW-KLT-007": {cfg(k, map[string]any{"tlsCertFile": "/c"}), cfg(k, map[string]any{"tlsCertFile": "/c", "tlsPrivateKeyFile": "/k"})},
		"KW-KLT-008": {cfg(k, map[string]any{}), cfg(k, map[string]any{"rotateCertificates": true})},
		"KW-KLT-009": {c(k, "--kubeconfig=/etc/kubernetes/http.conf"), c(k, "--kubeconfig=/etc/kubernetes/good.conf")},
		"KW-KLT-010": {cfg(k, map[string]any{"seccompDefault": false}), cfg(k, map[string]any{"seccompDefault": true})},
		"KW-KLT-011": {cfg(k, map[string]any{"makeIPTablesUtilChains": false}), cfg(k, map[string]any{})},
		"KW-KLT-013": {cfg(k, map[string]any{"eventRecordQPS": float64(-1)}), cfg(k, map[string]any{"eventRecordQPS": float64(0)})},
		"KW-KLT-014": {cfg(k, map[string]any{"featureGates": map[string]any{"RotateKubeletServerCertificate": false}}), c(k, "--feature-gates=RotateKubeletServerCertificate=true")},
		"KW-KLT-015": {cfg(k, map[string]any{"tlsCipherSuites": []any{"TLS_RSA_WITH_AES_128_CBC_SHA"}}), cfg(k, map[string]any{"tlsCipherSuites": []any{"TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"}})},
		"KW-KLT-016": {cfg(k, map[string]any{}), cfg(k, map[string]any{"podPidsLimit": float64(4096)})},
		"KW-API-018": {c(a), c(a, "--enable-admission-plugins=NodeRestriction,DenyServiceExternalIPs")},
		"KW-API-019": {c(a, "--enable-admission-plugins=EventRateLimit"), c(a, "--enable-admission-plugins=EventRateLimit", "--admission-control-config-file=/etc/kubernetes/admission.yaml")},
		"KW-API-020": {c(a), c(a, "--service-account-extend-token-expiration=false")},
		"KW-API-021": {c(a, "--request-timeout=0s"), c(a)},
		"KW-KCM-006": {c(m), c(m, "--terminated-pod-gc-threshold=10")},
		"KW-KCM-007": {c(m, "--feature-gates=A=true,RotateKubeletServerCertificate=false"), c(m, "--feature-gates=A=true")},
	}
	f := &host.FS{Root: flagRuleRoot(t)}
	for _, r := range check.FlagRules() {
		tc, ok := cases[r.ID]
		if !ok {
			t.Errorf("%s: no FAIL and PASS case", r.ID)
			continue
		}
		delete(cases, r.ID)
		for _, want := range []bool{false, true} {
			comp := tc.fail
			if want {
				comp = tc.pass
			}
			if comp.Kind != r.Component {
				t.Errorf("%s: case is a %s, the rule judges %s", r.ID, comp.Kind, r.Component)
				continue
			}
			v := r.Test(comp, nodesrc.Gather(f, &inventory.Node{Components: []*inventory.Component{comp}}))
			if v.NA != "" || v.Warn || v.OK != want {
				t.Errorf("%s on %v: ok=%v warn=%v na=%q (%s), want ok=%v", r.ID, comp.Args, v.OK, v.Warn, v.NA, v.Msg.EN, want)
			}
		}
	}
	for id := range cases {
		t.Errorf("%s: a case for a rule that does not exist", id)
	}
}
