// Package hosttest builds fake node roots for tests: a root with every
// kind of secret a node holds, planted where kubeward collects from.
package hosttest

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/pem"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// Secrets is a fake root and what was planted in it.
type Secrets struct {
	Root string
	// Values are secret strings that must appear nowhere, plain or in
	// base64 at any alignment.
	Values []string
	// Binary are secret bytes (DER keys) that must appear nowhere, raw or
	// in base64.
	Binary [][]byte
}

func write(t testing.TB, root, p string, data []byte, mode os.FileMode) {
	t.Helper()
	full := filepath.Join(root, p)
	if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(full, data, mode); err != nil {
		t.Fatal(err)
	}
}

func proc(t testing.TB, root, pid, exe string, args []string, env ...string) {
	t.Helper()
	write(t, root, "proc/"+pid+"/cmdline", []byte(strings.Join(args, "\x00")+"\x00"), 0o444)
	write(t, root, "proc/"+pid+"/environ", []byte(strings.Join(env, "\x00")), 0o400)
	write(t, root, "proc/"+pid+"/stat", []byte(pid+" ("+filepath.Base(exe)+") S 1 1 1"), 0o444)
	if err := os.Symlink(exe, filepath.Join(root, "proc", pid, "exe")); err != nil {
		t.Fatal(err)
	}
}

func pemOf(typ string, der []byte) []byte {
	return pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der})
}

// PlantSecrets writes a control-plane node with secrets everywhere a node
// keeps them: command lines and environments, kubeconfigs (YAML and JSON,
// odd kind lines), EncryptionConfigurations in every spelling, containerd
// and Docker registry credentials, private keys in PEM, DER, PKCS#8 and
// encrypted PEM named by flags, static pod environments, systemd units and
// environment files, CNI configuration, sshd host keys.
func PlantSecrets(t testing.TB) *Secrets {
	t.Helper()
	root := t.TempDir()
	s := &Secrets{Root: root}
	secret := func(v string) string { s.Values = append(s.Values, v); return v }
	b64 := func(v string) string { return base64.StdEncoding.EncodeToString([]byte(v)) }

	// A CA, a serving certificate and a client certificate (ECDSA P-256).
	caKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	now := time.Now()
	caTmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "kubernetes"}, NotBefore: now.Add(-time.Hour), NotAfter: now.Add(3650 * 24 * time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	ca, _ := x509.ParseCertificate(caDER)
	leaf := func(cn string, pub any) []byte {
		tmpl := &x509.Certificate{SerialNumber: big.NewInt(time.Now().UnixNano()), Subject: pkix.Name{CommonName: cn}, NotBefore: now.Add(-time.Hour), NotAfter: now.Add(365 * 24 * time.Hour),
			KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth}, DNSNames: []string{cn}}
		der, err := x509.CreateCertificate(rand.Reader, tmpl, ca, pub, caKey)
		if err != nil {
			t.Fatal(err)
		}
		return der
	}
	rsaKey, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	ecKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	ecKey2, _ := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	ecKey3, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	pkcs1 := x509.MarshalPKCS1PrivateKey(rsaKey)
	pkcs8EC, _ := x509.MarshalPKCS8PrivateKey(ecKey)
	pkcs8EC2, _ := x509.MarshalPKCS8PrivateKey(ecKey2)
	sec1, _ := x509.MarshalECPrivateKey(ecKey3)
	encBody := []byte(secret("EncryptedPemBodyS3cretBytes-0123456789abcdef"))
	s.Binary = append(s.Binary, pkcs1, pkcs8EC, pkcs8EC2, sec1)
	apiCert := pemOf("CERTIFICATE", leaf("kube-apiserver", &rsaKey.PublicKey))
	kubeletCert := pemOf("CERTIFICATE", leaf("system:node:cp-1", &ecKey3.PublicKey))
	caPEM := pemOf("CERTIFICATE", caDER)
	ecPEM := pemOf("EC PRIVATE KEY", sec1)
	secret(b64(string(ecPEM))[:60])

	files := map[string]string{
		"etc/hostname":                                   "cp-1\n",
		"etc/kubernetes/pki/ca.crt":                      string(caPEM),
		"etc/kubernetes/pki/apiserver.crt":               string(apiCert),
		"etc/kubernetes/pki/apiserver.key":               string(pemOf("RSA PRIVATE KEY", pkcs1)),
		"etc/kubernetes/pki/sa-signing.der":              string(pkcs8EC),
		"etc/kubernetes/pki/kubelet-client.p8":           string(pemOf("PRIVATE KEY", pkcs8EC2)),
		"etc/kubernetes/pki/etcd/peer.key":               string(pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Headers: map[string]string{"Proc-Type": "4,ENCRYPTED", "DEK-Info": "AES-256-CBC,00112233445566778899AABBCCDDEEFF"}, Bytes: encBody})),
		"etc/kubernetes/pki/front-proxy.pem":             string(pemOf("ENCRYPTED PRIVATE KEY", []byte(secret("Pkcs8EncryptedBodyS3cret-fedcba9876543210")))),
		"var/lib/kubelet/pki/kubelet-client-current.pem": string(kubeletCert) + string(ecPEM),
		"etc/kubernetes/tokens.csv":                      secret("CsvT0kenValue-77f1") + ",admin,1,\"system:masters\"\n",
		"etc/ssh/ssh_host_ed25519_key":                   string(pemOf("OPENSSH PRIVATE KEY", []byte(secret("OpenSshHostKeyS3cretMaterial-aa55")))),
		"etc/ssh/ssh_host_ed25519_key.pub":               "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIPublicOnly root@cp-1\n",
		"etc/ssh/sshd_config":                            "PermitRootLogin no\nPasswordAuthentication no\n",
		"etc/environment":                                "PATH=/usr/bin\nHTTPS_PROXY=http://proxyuser:" + secret("EtcEnvProxyPassw0rd") + "@proxy:3128\nDOCKER_CONTENT_TRUST=1\nexport REGISTRY_PASSWORD=" + secret("EtcEnvRegistryPassw0rd") + "\n",
	}

	// Kubeconfigs: YAML with an odd kind line, JSON without one.
	clientKeyData := base64.StdEncoding.EncodeToString(pemOf("PRIVATE KEY", pkcs8EC2))
	secret(clientKeyData[:60])
	files["etc/kubernetes/kubelet.conf"] = `apiVersion: v1
kind: KubeletKubeconfig   # odd kind line: detected by content
clusters:
- name: local
  cluster:
    server: https://clusteruser:` + secret("ServerUrlPassw0rd") + `@10.0.0.1:6443
    certificate-authority-data: ` + base64.StdEncoding.EncodeToString(caPEM) + `
contexts:
- name: default
  context: {cluster: local, user: kubelet}
current-context: default
users:
- name: kubelet
  user:
    client-certificate-data: ` + base64.StdEncoding.EncodeToString(kubeletCert) + `
    client-key-data: ` + clientKeyData + `
    token: ` + secret("KubeconfigBearerT0ken-9a9a") + `
    username: ` + secret("kubeconfig-username-zq") + `
    password: ` + secret("KubeconfigPassw0rd-zq") + `
    auth-provider:
      name: oidc
      config:
        client-secret: ` + secret("OidcClientS3cret-41") + `
        id-token: ` + secret("OidcIdT0ken-41") + `
        refresh-token: ` + secret("OidcRefreshT0ken-41") + `
    exec:
      apiVersion: client.authentication.k8s.io/v1
      command: /usr/bin/get-token
      args: ["--secret", "` + secret("ExecArgS3cret-12") + `"]
      env:
      - name: FOO
        value: ` + secret("ExecEnvValue-12") + `
`
	files["etc/kubernetes/webhook-authn.json"] = `{"kind": "Secret", "clusters": [{"name": "wh", "cluster": {"server": "https://authn.example:443", "certificate-authority": "/etc/kubernetes/pki/ca.crt"}}],
 "users": [{"name": "apiserver", "user": {"client-certificate": "/etc/kubernetes/pki/apiserver.crt", "client-key": "/etc/kubernetes/pki/apiserver.key", "token": "` + secret("JsonKubeconfigT0ken-3c") + `"}}],
 "contexts": [{"name": "wh", "context": {"cluster": "wh", "user": "apiserver"}}], "current-context": "wh"}`

	// EncryptionConfigurations, every accepted spelling.
	aes := secret(b64("aescbc-key-bytes-32-long-secret!"))
	files["etc/kubernetes/enc.yaml"] = "apiVersion: apiserver.config.k8s.io/v1\nkind: EncryptionConfiguration\nresources:\n- resources: [secrets]\n  providers:\n  - aescbc:\n      keys:\n      - name: k1\n        secret: " + aes + "\n  - identity: {}\n"
	files["etc/kubernetes/enc-v1beta1.yaml"] = "apiVersion: apiserver.config.k8s.io/v1beta1\nkind: EncryptionConfiguration\nresources:\n- resources: [secrets]\n  providers:\n  - secretbox:\n      keys:\n      - name: k2\n        secret: " + secret(b64("secretbox-key-32-bytes-long-abc!")) + "\n"
	files["etc/kubernetes/enc-legacy.yaml"] = "kind: EncryptionConfig\napiVersion: v1\nresources:\n  - resources:\n    - secrets\n    providers:\n    - aesgcm:\n        keys:\n        - name: k3\n          secret: " + secret(b64("aesgcm-key-16byt")) + "\n"
	files["etc/kubernetes/enc.json"] = `{"apiVersion": "v1", "kind": "EncryptionConfig", "resources": [{"resources": ["secrets"], "providers": [{"aescbc": {"keys": [{"name": "k4", "secret": "` + secret(b64("json-aescbc-key-32-bytes-long-x!")) + `"}]}}]}]}`

	// Registry credentials.
	files["etc/containerd/config.toml"] = `version = 2
[plugins."io.containerd.grpc.v1.cri".registry]
  config_path = "/etc/containerd/certs.d"
[plugins."io.containerd.grpc.v1.cri".registry.configs."registry.example.com".auth]
  username = "` + secret("containerd-reg-user") + `"
  password = "` + secret("ContainerdRegPassw0rd") + `"
  auth = "` + secret(b64("containerd-reg-user:ContainerdRegPassw0rd")) + `"
  identitytoken = "` + secret("ContainerdIdentityT0ken") + `"
`
	files["etc/containerd/certs.d/registry.example.com/hosts.toml"] = "server = \"https://registry.example.com\"\n[host.\"https://mirror.example.com\"]\n  capabilities = [\"pull\"]\n  [host.\"https://mirror.example.com\".header]\n    Authorization = \"Bearer " + secret("HostsTomlBearerT0ken") + "\"\n"
	files["etc/docker/daemon.json"] = `{"icc": false, "tlsverify": true, "tlscert": "/etc/docker/cert.pem", "tlskey": "/etc/docker/key.der", "live-restore": true}`
	files["etc/docker/cert.pem"] = string(apiCert)
	rsaDER := x509.MarshalPKCS1PrivateKey(rsaKey)
	files["etc/docker/key.der"] = string(rsaDER)
	files["root/.docker/config.json"] = `{"auths": {"https://index.docker.io/v1/": {"auth": "` + secret(b64("dockeruser:DockerHubPassw0rd")) + `", "identitytoken": "` + secret("DockerIdentityT0ken") + `"}},
 "HttpHeaders": {"X-Registry-Token": "` + secret("DockerHeaderT0ken") + `"}, "proxies": {"default": {"httpsProxy": "http://u:` + secret("DockerProxyPassw0rd") + `@proxy:3128"}}}`
	secret("DockerHubPassw0rd")

	// CNI: Calico's plugin config carries a token, its kubeconfig another.
	files["etc/cni/net.d/10-calico.conflist"] = `{"name": "k8s-pod-network", "cniVersion": "0.3.1", "plugins": [{"type": "calico", "datastore_type": "kubernetes",
 "policy": {"type": "k8s", "k8s_auth_token": "` + secret("CniK8sAuthT0ken") + `"}, "kubernetes": {"kubeconfig": "/etc/cni/net.d/calico-kubeconfig"}}]}`
	files["etc/cni/net.d/calico-kubeconfig"] = "apiVersion: v1\nkind: Config\nclusters:\n- name: local\n  cluster:\n    server: https://10.96.0.1:443\n    certificate-authority-data: " + base64.StdEncoding.EncodeToString(caPEM) + "\nusers:\n- name: calico\n  user:\n    token: " + secret("CalicoKubeconfigT0ken") + "\ncontexts:\n- name: calico\n  context: {cluster: local, user: calico}\ncurrent-context: calico\n"

	// A static pod (etcd) with secrets in its command line and environment.
	files["etc/kubernetes/manifests/etcd.yaml"] = `apiVersion: v1
kind: Pod
metadata: {name: etcd, namespace: kube-system}
spec:
  containers:
  - name: etcd
    image: registry.k8s.io/etcd:3.5.15-0
    command:
    - etcd
    - --cert-file=/etc/kubernetes/pki/apiserver.crt
    - --key-file=/etc/kubernetes/pki/etcd/peer.key
    - --peer-key-file=/etc/kubernetes/pki/etcd/peer.key
    - --initial-cluster-token=` + secret("EtcdClusterT0ken-55") + `
    - --client-cert-auth=true
    env:
    - name: ETCD_ROOT_PASSWORD
      value: ` + secret("PodEnvPassw0rd-55") + `
    - name: BACKUP_URL
      value: s3://backupuser:` + secret("PodEnvUrlPassw0rd") + `@bucket/etcd
    - name: ETCDCTL_API
      value: "3"
`
	// kube-proxy from a systemd unit, with an environment file.
	files["etc/systemd/system/kube-proxy.service"] = "[Service]\nEnvironment=\"PROXY_API_TOKEN=" + secret("UnitEnvT0ken-66") + "\" \"KUBE_PROXY_ARGS=--kubeconfig=/etc/kubernetes/proxy.conf --master-token=" + secret("UnitArgT0ken-66") + "\"\nEnvironmentFile=-/etc/default/kube-proxy\nExecStart=/usr/bin/kube-proxy $KUBE_PROXY_ARGS $EXTRA --password " + secret("UnitExecPassw0rd-66") + "\n"
	files["etc/default/kube-proxy"] = "EXTRA=--v=2\nPROXY_DB_PASSWORD='" + secret("EnvFilePassw0rd-66") + "'\nDATABASE_URL=postgres://dbu:" + secret("EnvFileDbPassw0rd") + "@db/x\n"
	files["etc/kubernetes/proxy.conf"] = "apiVersion: v1\nkind: Config\nclusters:\n- name: c\n  cluster: {server: \"https://10.0.0.1:6443\", certificate-authority: /etc/kubernetes/pki/ca.crt}\nusers:\n- name: p\n  user: {tokenFile: /var/run/secrets/proxy-token}\ncontexts:\n- name: c\n  context: {cluster: c, user: p}\ncurrent-context: c\n"
	files["var/run/secrets/proxy-token"] = secret("ProjectedProxyT0ken.eyJhbGciOi") + "\n"

	files["var/lib/kubelet/config.yaml"] = "apiVersion: kubelet.config.k8s.io/v1beta1\nkind: KubeletConfiguration\nauthentication:\n  anonymous: {enabled: false}\n  webhook: {enabled: true}\n  x509: {clientCAFile: /etc/kubernetes/pki/ca.crt}\nauthorization: {mode: Webhook}\ntlsCertFile: /var/lib/kubelet/pki/kubelet-client-current.pem\ntlsPrivateKeyFile: /var/lib/kubelet/pki/kubelet-client-current.pem\nreadOnlyPort: 0\nprotectKernelDefaults: true\nrotateCertificates: true\n"

	for p, c := range files {
		write(t, root, p, []byte(c), 0o600)
	}
	_ = os.Chmod(filepath.Join(root, "etc/kubernetes/pki/ca.crt"), 0o644)

	encConfigs := []string{"/etc/kubernetes/enc.yaml", "/etc/kubernetes/enc-v1beta1.yaml", "/etc/kubernetes/enc-legacy.yaml", "/etc/kubernetes/enc.json"}
	for i, enc := range encConfigs {
		args := []string{"kube-apiserver",
			"--encryption-provider-config=" + enc,
			"--tls-cert-file=/etc/kubernetes/pki/apiserver.crt", "--tls-private-key-file=/etc/kubernetes/pki/apiserver.key",
			"--client-ca-file=/etc/kubernetes/pki/ca.crt", "--authorization-mode=Node,RBAC", "--anonymous-auth=false",
		}
		if i == 0 {
			args = append(args,
				"--service-account-signing-key-file=/etc/kubernetes/pki/sa-signing.der",
				"--kubelet-client-key=/etc/kubernetes/pki/kubelet-client.p8",
				"--proxy-client-key-file=/etc/kubernetes/pki/front-proxy.pem",
				"--token-auth-file=/etc/kubernetes/tokens.csv",
				"--authentication-token-webhook-config-file=/etc/kubernetes/webhook-authn.json",
				"--etcd-servers=https://etcduser:"+secret("EtcdUrlPassw0rd")+"@127.0.0.1:2379",
				"--token", secret("CmdlineT0ken-10"),
				"--oidc-client-secret="+secret("CmdlineOidcS3cret-10"),
				"--etcd-keyfile=/etc/kubernetes/pki/etcd/peer.key")
		}
		proc(t, root, []string{"10", "11", "12", "13"}[i], "/usr/local/bin/kube-apiserver", args,
			"AWS_SECRET_ACCESS_KEY="+secret("EnvAwsS3cretKey-10x"), "DATABASE_URL=postgres://u:"+secret("EnvDbUrlPassw0rd")+"@db:5432/k",
			"HTTPS_PROXY=http://proxyuser:"+secret("EnvHttpsProxyPassw0rd")+"@proxy:3128", "MY_API_TOKEN="+secret("EnvApiT0ken-10x"), "HOME=/root")
	}
	proc(t, root, "20", "/usr/bin/kubelet", []string{"kubelet", "--config=/var/lib/kubelet/config.yaml", "--kubeconfig=/etc/kubernetes/kubelet.conf",
		"--bootstrap-token=" + secret("KubeletBootstrapT0ken")}, "KUBELET_PASSWORD="+secret("KubeletEnvPassw0rd"))
	proc(t, root, "30", "/usr/bin/containerd", []string{"containerd", "--config", "/etc/containerd/config.toml"})
	proc(t, root, "40", "/usr/bin/dockerd", []string{"dockerd", "--config-file=/etc/docker/daemon.json"},
		"DOCKER_AUTH_CONFIG_FILE=/root/.docker/config.json", "DOCKER_AUTH_CONFIG="+secret(b64(`{"auths":{"r":{"auth":"eDp5"}}}`)))
	return s
}

// Leaks returns the planted secrets found in data: plain, or base64 at any
// of the three alignments.
func (s *Secrets) Leaks(data []byte) []string {
	var found []string
	text := string(data)
	check := func(label string, v []byte) {
		if len(v) < 6 {
			return
		}
		if strings.Contains(text, string(v)) {
			found = append(found, label)
			return
		}
		for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.URLEncoding} {
			for pad := 0; pad < 3; pad++ {
				e := enc.EncodeToString(append(make([]byte, pad), v...))
				from, to := (pad+2)/3*4, (pad+len(v))/3*4
				if to-from >= 8 && strings.Contains(text, e[from:to]) {
					found = append(found, label+" (base64)")
					return
				}
			}
		}
	}
	for _, v := range s.Values {
		check(v, []byte(v))
	}
	for i, b := range s.Binary {
		check("DER key #"+string(rune('0'+i)), b)
	}
	return found
}
