package host

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/pem"
	"strings"
	"testing"

	"sigs.k8s.io/yaml"
)

// A kubeconfig's redaction keeps only allowed fields, whatever it is fed:
// no token, key, password or username, no exec arguments or environment,
// no auth-provider configuration.
func FuzzRedactKubeconfig(f *testing.F) {
	f.Add([]byte("apiVersion: v1\nkind: Config\nusers:\n- name: u\n  user:\n    client-key-data: UFJJVkFURQ==\n    token: tok-123\n    username: bob\n    password: pw\n"))
	f.Add([]byte(`{"kind":"Secret","clusters":[{"name":"c","cluster":{"server":"https://u:p@h:6443","certificate-authority-data":"eA=="}}],"users":[{"name":"x","user":{"exec":{"command":"aws","args":["--secret","s"],"env":[{"name":"A","value":"b"}]},"auth-provider":{"name":"oidc","config":{"id-token":"t"}}}}]}`))
	f.Add([]byte("clusters: []\ncontexts:\n- name: a\n  context: {cluster: c, user: u}\ncurrent-context: a\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		var d map[string]any
		if yaml.Unmarshal(data, &d) != nil || d == nil {
			return
		}
		out, _ := RedactKubeconfig(d)
		b, err := yaml.Marshal(out)
		if err != nil {
			t.Fatalf("redacted kubeconfig does not marshal: %v", err)
		}
		var back struct {
			Users []struct {
				User map[string]any `json:"user"`
			} `json:"users"`
		}
		if err := yaml.Unmarshal(b, &back); err != nil {
			t.Fatalf("redacted kubeconfig does not parse: %v\n%s", err, b)
		}
		allowed := map[string]bool{"client-certificate": true, "client-certificate-data": true, "client-key": true, "tokenFile": true, "client-key-data": true, "token": true, "auth-provider": true, "exec": true}
		for _, u := range back.Users {
			for k, v := range u.User {
				if !allowed[k] {
					t.Fatalf("user field %q kept:\n%s", k, b)
				}
				switch k {
				case "client-key-data", "token":
					if v != Redacted {
						t.Fatalf("%s kept as %v", k, v)
					}
				case "auth-provider":
					if m, _ := v.(map[string]any); len(m) > 1 {
						t.Fatalf("auth-provider config kept: %v", m)
					}
				case "exec":
					for ek := range v.(map[string]any) {
						if ek != "apiVersion" && ek != "command" {
							t.Fatalf("exec %s kept", ek)
						}
					}
				}
			}
		}
		if bytes.Contains(b, []byte("PRIVATE KEY")) {
			t.Fatalf("private key kept:\n%s", b)
		}
		for _, m := range userinfo.FindAllStringSubmatch(string(b), -1) {
			if m[2] != Redacted {
				t.Fatalf("URL credentials kept: %s", m[0])
			}
		}
	})
}

// Whatever a file holds, its redaction never carries a private key (PEM,
// or DER in any of its encodings) nor URL credentials.
func FuzzRedactFile(f *testing.F) {
	k, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	der, _ := x509.MarshalPKCS8PrivateKey(k)
	f.Add("/etc/x.pem", "", pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}))
	f.Add("/etc/x.der", "", der)
	f.Add("/etc/containerd/config.toml", "", []byte("[plugins.cri.registry.configs.\"r\".auth]\npassword = \"p\"\n"))
	f.Add("/etc/docker/daemon.json", "", []byte(`{"auths":{"r":{"auth":"eDp5"}},"proxy":"http://u:p@h"}`))
	f.Add("/etc/kubernetes/enc.yaml", "", []byte("kind: EncryptionConfig\nresources:\n- resources: [secrets]\n  providers:\n  - aescbc: {keys: [{name: k, secret: c2VjcmV0}]}\n"))
	f.Add("/etc/systemd/system/kubelet.service", "", []byte("[Service]\nEnvironment=\"TOKEN=abc\"\nExecStart=/usr/bin/kubelet --token abc\n"))
	f.Add("/etc/default/kubelet", "EnvironmentFile", []byte("DB=postgres://u:p@h/x\nexport API_KEY='k'\n"))
	f.Add("/etc/kubernetes/manifests/etcd.yaml", "", []byte("kind: Pod\nspec:\n  containers:\n  - command: [etcd, --password=x]\n    env: [{name: SECRET, value: y}]\n"))
	f.Fuzz(func(t *testing.T, p, setting string, data []byte) {
		if !strings.HasPrefix(p, "/") {
			p = "/" + p
		}
		r := RedactFile(p, setting, data, nil)
		if r.Withheld && r.Data != nil {
			t.Fatalf("withheld content returned")
		}
		out := r.Data
		if bytes.Contains(out, []byte("PRIVATE KEY")) {
			t.Fatalf("private key kept:\n%s", out)
		}
		if len(der) > 0 && bytes.Contains(out, der[:32]) {
			t.Fatalf("DER key kept")
		}
		if _, ok := privateKeyIn(out); ok && len(out) > 0 {
			t.Fatalf("a private key parses from the redaction: %q", out)
		}
		if r.Kind == "PEM" || strings.HasPrefix(r.Kind, "DER") || r.Kind == "private key" || r.Kind == "public" || r.Kind == "empty" {
			return // certificates are public, and copied as they are
		}
		for _, m := range userinfo.FindAllStringSubmatch(string(out), -1) {
			if m[2] != Redacted {
				t.Fatalf("URL credentials kept (%s): %s", r.Kind, m[0])
			}
		}
	})
}

// A masked command line keeps no secret-named flag value (but booleans,
// durations and file paths) and no URL credentials.
func FuzzMaskArgs(f *testing.F) {
	f.Add("kube-apiserver\x00--token=abc\x00--etcd-servers=https://u:p@h:2379\x00--tls-private-key-file=/k.key")
	f.Add("etcd\x00--initial-cluster-token\x00tok\x00--client-cert-auth")
	f.Add("dockerd\x00-H\x00tcp://a:b@0.0.0.0:2375\x00--password\x00p w")
	f.Fuzz(func(t *testing.T, cmdline string) {
		args := strings.Split(cmdline, "\x00")
		out := MaskArgs(args, nil)
		if len(out) != len(args) {
			t.Fatalf("%d args in, %d out", len(args), len(out))
		}
		for i := range out {
			for _, m := range userinfo.FindAllStringSubmatch(out[i], -1) {
				if m[2] != Redacted {
					t.Fatalf("URL credentials kept in %q", out[i])
				}
			}
			name, v, ok := strings.Cut(strings.TrimLeft(args[i], "-"), "=")
			if !strings.HasPrefix(args[i], "-") || !ok || !SecretName(name) || v == "" {
				continue
			}
			if !keepSecretValue(name, v, nil) && !strings.HasSuffix(out[i], "="+Redacted) {
				t.Fatalf("%q masked as %q", args[i], out[i])
			}
		}
	})
}
