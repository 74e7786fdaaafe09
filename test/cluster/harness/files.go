package harness

import (
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// Files are the paths of everything Up writes below Options.Dir.
type Files struct {
	PKI *PKI

	AdminKubeconfig             string
	ControllerManagerKubeconfig string
	SchedulerKubeconfig         string
	KubeProxyKubeconfig         string
	KubeletKubeconfig           string

	KubeletConfig    string
	StaticPodDir     string // the kubelet's staticPodPath; holds a manifest with Options.StaticPod
	EncryptionConfig string // hardened: aescbc first; insecure: identity first
	AuditPolicy      string // hardened: secrets at Metadata; insecure: everything at RequestResponse
	AuditLog         string // both; only hardened sets retention
	AuditWebhook     string // hardened only: ships audit events off the node
	AdmissionConfig  string // hardened only: EventRateLimit's limits (CIS Kubernetes v1.12 1.2.9)
	// WeakServing is the insecure scheduler's serving certificate: RSA 1024,
	// self-signed (not from the cluster CA), expiring within days, key
	// world-readable.
	WeakServing KeyPair
	TokenFile   string            // insecure only: --token-auth-file
	Tokens      map[string]string // insecure only: user name -> bearer token

	EtcdDataDir     string
	KubeletRootDir  string
	KubeletCertDir  string
	APIServerCerts  string // --cert-dir (self-signed serving cert in the insecure profile)
	ControllerCerts string
	SchedulerCerts  string
	LogDir          string
}

// modes returns (private keys and kubeconfigs, other config files, private directories).
func modes(p Profile) (secret, config, privateDir os.FileMode) {
	if p == Hardened {
		return 0o600, 0o600, 0o700
	}
	// Deliberately loose so that file-permission checks have something to find.
	return 0o644, 0o644, 0o755
}

const strongCipherSuites = "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256," +
	"TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305,TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384," +
	"TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305,TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384"

func writeAll(o *Options) (*Files, error) {
	secret, config, privDir := modes(o.Profile)
	d := func(parts ...string) string { return filepath.Join(append([]string{o.Dir}, parts...)...) }
	f := &Files{
		AdminKubeconfig:             d("kubeconfig", "admin.conf"),
		ControllerManagerKubeconfig: d("kubeconfig", "controller-manager.conf"),
		SchedulerKubeconfig:         d("kubeconfig", "scheduler.conf"),
		KubeProxyKubeconfig:         d("kubeconfig", "kube-proxy.conf"),
		KubeletKubeconfig:           d("kubeconfig", "kubelet.conf"),
		KubeletConfig:               d("config", "kubelet-config.yaml"),
		StaticPodDir:                d("manifests"),
		EtcdDataDir:                 d("etcd-data"),
		KubeletRootDir:              d("kubelet"),
		KubeletCertDir:              d("kubelet", "pki"),
		APIServerCerts:              d("run", "apiserver"),
		ControllerCerts:             d("run", "controller-manager"),
		SchedulerCerts:              d("run", "scheduler"),
		LogDir:                      d("logs"),
	}
	for _, dir := range []string{d("kubeconfig"), d("config"), f.StaticPodDir, f.APIServerCerts, f.ControllerCerts, f.SchedulerCerts, f.LogDir} {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return nil, err
		}
	}
	for _, dir := range []string{f.EtcdDataDir, f.KubeletRootDir, f.KubeletCertDir} {
		if err := os.MkdirAll(dir, privDir); err != nil {
			return nil, err
		}
		if err := os.Chmod(dir, privDir); err != nil {
			return nil, err
		}
	}
	svcIP, err := firstServiceIP(o.ServiceCIDR)
	if err != nil {
		return nil, err
	}
	if f.PKI, err = GeneratePKI(d("pki"), o.NodeName, svcIP, secret); err != nil {
		return nil, err
	}
	p := f.PKI
	server := fmt.Sprintf("https://127.0.0.1:%d", o.Ports.APIServer)

	// Hardened: every client authenticates with a certificate and verifies the server.
	// Insecure: clients skip server verification and authenticate with a static token
	// (--token-auth-file); AlwaysAllow authorizes everything. (They cannot simply be
	// anonymous: kube-apiserver resets --anonymous-auth to false under AlwaysAllow.)
	kcs := []struct {
		path, user string
		kp         KeyPair
	}{
		{f.AdminKubeconfig, "kubernetes-admin", p.Admin},
		{f.ControllerManagerKubeconfig, "system:kube-controller-manager", p.ControllerManager},
		{f.SchedulerKubeconfig, "system:kube-scheduler", p.Scheduler},
		{f.KubeProxyKubeconfig, "system:kube-proxy", p.KubeProxy},
		{f.KubeletKubeconfig, "system:node:" + o.NodeName, p.Kubelet},
	}
	caPEM, err := os.ReadFile(p.CA.CertFile)
	if err != nil {
		return nil, err
	}
	if o.Profile == Insecure {
		f.TokenFile = d("config", "tokens.csv")
		f.Tokens = map[string]string{}
		var csv strings.Builder
		for i, kc := range kcs {
			tok := make([]byte, 16)
			if _, err := rand.Read(tok); err != nil {
				return nil, err
			}
			f.Tokens[kc.user] = fmt.Sprintf("%x", tok)
			group := "system:authenticated"
			switch {
			case kc.user == "kubernetes-admin":
				group = "system:masters"
			case strings.HasPrefix(kc.user, "system:node:"):
				group = "system:nodes"
			}
			fmt.Fprintf(&csv, "%s,%s,%d,\"%s\"\n", f.Tokens[kc.user], kc.user, 1000+i, group)
		}
		if err := writeFile(f.TokenFile, []byte(csv.String()), secret); err != nil {
			return nil, err
		}
	}
	for _, kc := range kcs {
		var data string
		if o.Profile == Hardened {
			data = kubeconfig(server, caPEM, kc.user, kc.kp.CertPEM, kc.kp.KeyPEM, "")
		} else {
			data = kubeconfig(server, nil, kc.user, nil, nil, f.Tokens[kc.user])
		}
		if err := writeFile(kc.path, []byte(data), secret); err != nil {
			return nil, err
		}
	}

	if o.Profile == Insecure {
		if f.WeakServing, err = WeakSelfSigned(p.Dir, "scheduler-weak-server", "kube-scheduler", 10); err != nil {
			return nil, err
		}
	}
	if err := writeFile(f.KubeletConfig, []byte(kubeletConfig(o, f)), config); err != nil {
		return nil, err
	}
	if o.StaticPod {
		if err := writeFile(filepath.Join(f.StaticPodDir, "kubeward-static.yaml"), []byte(staticPod), config); err != nil {
			return nil, err
		}
	}
	if o.Profile == Insecure {
		// One control-plane file owned by an ordinary user, as after a careless
		// copy: root still reads it, and the ownership check has it to find.
		if err := os.Chown(f.SchedulerKubeconfig, 1000, 1000); err != nil {
			return nil, err
		}
	}

	f.EncryptionConfig = d("config", "encryption-config.yaml")
	f.AuditPolicy = d("config", "audit-policy.yaml")
	f.AuditLog = d("logs", "audit", "audit.log")
	key := make([]byte, 32)
	if _, err := rand.Read(key); err != nil {
		return nil, err
	}
	encryption, policy := encryptionConfig(key), auditPolicy
	if o.Profile == Insecure {
		// Present but weak: identity first stores Secrets in plain text, and
		// the policy writes every request and response body, Secrets included.
		encryption, policy = identityEncryptionConfig, auditEverything
	}
	if err := writeFile(f.EncryptionConfig, []byte(encryption), secret); err != nil {
		return nil, err
	}
	if err := writeFile(f.AuditPolicy, []byte(policy), config); err != nil {
		return nil, err
	}
	if o.Profile == Hardened {
		f.AdmissionConfig = d("config", "admission-config.yaml")
		if err := writeFile(f.AdmissionConfig, []byte(admissionConfig), config); err != nil {
			return nil, err
		}
	}
	if err := os.MkdirAll(filepath.Dir(f.AuditLog), 0o700); err != nil {
		return nil, err
	}
	if o.Profile == Hardened && !o.NoAuditWebhook {
		// An audit webhook backend ships events off the node. Nothing needs to
		// listen there for the API server to start: it buffers and retries.
		f.AuditWebhook = d("config", "audit-webhook.kubeconfig")
		wh := kubeconfig(fmt.Sprintf("https://127.0.0.1:%d/audit", o.Ports.APIServer+96), caPEM, "kube-apiserver", nil, nil, "")
		if err := writeFile(f.AuditWebhook, []byte(wh), config); err != nil {
			return nil, err
		}
	}
	return f, nil
}

func b64(b []byte) string { return base64.StdEncoding.EncodeToString(b) }

func kubeconfig(server string, caPEM []byte, user string, certPEM, keyPEM []byte, token string) string {
	var b strings.Builder
	b.WriteString("apiVersion: v1\nkind: Config\nclusters:\n- name: kubeward\n  cluster:\n")
	fmt.Fprintf(&b, "    server: %s\n", server)
	if caPEM != nil {
		fmt.Fprintf(&b, "    certificate-authority-data: %s\n", b64(caPEM))
	} else {
		b.WriteString("    insecure-skip-tls-verify: true\n")
	}
	fmt.Fprintf(&b, "users:\n- name: %q\n  user:", user)
	if certPEM != nil {
		fmt.Fprintf(&b, "\n    client-certificate-data: %s\n    client-key-data: %s\n", b64(certPEM), b64(keyPEM))
	} else if token != "" {
		fmt.Fprintf(&b, "\n    token: %s\n", token)
	} else {
		b.WriteString(" {}\n")
	}
	fmt.Fprintf(&b, "contexts:\n- name: kubeward\n  context:\n    cluster: kubeward\n    user: %q\ncurrent-context: kubeward\n", user)
	return b.String()
}

func kubeletConfig(o *Options, f *Files) string {
	var b strings.Builder
	w := func(format string, args ...any) { fmt.Fprintf(&b, format+"\n", args...) }
	w("apiVersion: kubelet.config.k8s.io/v1beta1")
	w("kind: KubeletConfiguration")
	w("# cgroup v1 host without systemd, swap tolerated")
	w("failCgroupV1: false")
	w("cgroupDriver: cgroupfs")
	w("failSwapOn: false")
	w("containerRuntimeEndpoint: %s", o.ContainerRuntimeEndpoint)
	w("staticPodPath: %s", f.StaticPodDir)
	w("address: 127.0.0.1")
	w("port: %d", o.Ports.Kubelet)
	w("healthzBindAddress: 127.0.0.1")
	w("healthzPort: %d", o.Ports.KubeletHealthz)
	w("clusterDomain: cluster.local")
	w("resolvConf: /etc/resolv.conf")
	w("registerNode: true")
	w("# keep the kubelet from evicting pods on a nearly full sandbox disk")
	w("evictionHard:\n  memory.available: \"100Mi\"\n  nodefs.available: \"1%%\"\n  imagefs.available: \"1%%\"")
	w("imageGCHighThresholdPercent: 100")
	w("imageGCLowThresholdPercent: 99")
	if o.Profile == Hardened {
		w("readOnlyPort: 0")
		w("authentication:\n  anonymous:\n    enabled: false\n  webhook:\n    enabled: true\n    cacheTTL: 2m0s\n  x509:\n    clientCAFile: %s", f.PKI.CA.CertFile)
		w("authorization:\n  mode: Webhook\n  webhook:\n    cacheAuthorizedTTL: 5m0s\n    cacheUnauthorizedTTL: 30s")
		w("tlsCertFile: %s", f.PKI.KubeletServing.CertFile)
		w("tlsPrivateKeyFile: %s", f.PKI.KubeletServing.KeyFile)
		w("tlsMinVersion: VersionTLS12")
		w("tlsCipherSuites: [%s]", strongCipherSuites)
		w("rotateCertificates: true")
		w("serverTLSBootstrap: false")
		w("seccompDefault: true")
		w("protectKernelDefaults: %t", protectKernelDefaults(o))
		w("makeIPTablesUtilChains: true")
		w("streamingConnectionIdleTimeout: 5m0s")
		w("eventRecordQPS: 5")
		w("podPidsLimit: 4096")
		w("enableDebuggingHandlers: true")
	} else {
		w("readOnlyPort: %d", o.Ports.KubeletReadOnly)
		w("authentication:\n  anonymous:\n    enabled: true\n  webhook:\n    enabled: false")
		w("authorization:\n  mode: AlwaysAllow")
		w("rotateCertificates: false")
		w("seccompDefault: false")
		w("protectKernelDefaults: false")
		w("makeIPTablesUtilChains: false")
		w("streamingConnectionIdleTimeout: 0s")
		w("eventRecordQPS: 0")
		w("enableDebuggingHandlers: true")
	}
	return b.String()
}

// staticPod is the manifest Options.StaticPod puts into the kubelet's
// staticPodPath. Its image is the sandbox image containerd.sh configures; where
// that was not imported the kubelet only reports a failed pull.
const staticPod = `apiVersion: v1
kind: Pod
metadata:
  name: kubeward-static
  namespace: kube-system
spec:
  containers:
  - name: pause
    image: kubeward.local/pause:1
`

// kernelDefaults are the sysctls the kubelet checks when protectKernelDefaults is true.
var kernelDefaults = map[string]string{
	"vm/overcommit_memory":      "1",
	"vm/panic_on_oom":           "0",
	"kernel/panic":              "10",
	"kernel/panic_on_oops":      "1",
	"kernel/keys/root_maxkeys":  "1000000",
	"kernel/keys/root_maxbytes": "25000000",
}

// KernelDefaultsMismatch lists host sysctls that differ from what a kubelet with
// protectKernelDefaults=true requires (it refuses to start while any differ).
func KernelDefaultsMismatch() []string {
	var out []string
	for k, want := range kernelDefaults {
		got, err := os.ReadFile("/proc/sys/" + k)
		if err != nil || strings.TrimSpace(string(got)) != want {
			out = append(out, fmt.Sprintf("%s=%s (want %s)", strings.ReplaceAll(k, "/", "."), strings.TrimSpace(string(got)), want))
		}
	}
	return out
}

func protectKernelDefaults(o *Options) bool {
	return o.ProtectKernelDefaults == nil || *o.ProtectKernelDefaults
}

// applyKernelDefaults writes the sysctls a kubelet expects. A kubelet with
// protectKernelDefaults=false (the insecure profile) does exactly this itself at
// startup; the hardened kubelet instead refuses to start while they differ.
func applyKernelDefaults() error {
	var errs []error
	for k, want := range kernelDefaults {
		path := "/proc/sys/" + k
		if got, err := os.ReadFile(path); err == nil && strings.TrimSpace(string(got)) == want {
			continue
		}
		if err := os.WriteFile(path, []byte(want), 0o644); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

func encryptionConfig(key []byte) string {
	return `apiVersion: apiserver.config.k8s.io/v1
kind: EncryptionConfiguration
resources:
- resources:
  - secrets
  providers:
  - aescbc:
      keys:
      - name: key1
        secret: ` + b64(key) + `
  - identity: {}
`
}

const auditPolicy = `apiVersion: audit.k8s.io/v1
kind: Policy
omitStages:
- RequestReceived
rules:
- level: None
  users: ["system:kube-proxy"]
  verbs: ["watch"]
- level: None
  nonResourceURLs: ["/healthz*", "/readyz*", "/livez*", "/version"]
- level: Metadata
  resources:
  - group: ""
    resources: ["secrets", "configmaps", "serviceaccounts/token"]
  - group: "authentication.k8s.io"
    resources: ["tokenreviews"]
- level: RequestResponse
  resources:
  - group: "rbac.authorization.k8s.io"
- level: Metadata
`

// admissionConfig configures EventRateLimit: events per second the API
// server accepts, server-wide and per namespace.
const admissionConfig = `apiVersion: apiserver.config.k8s.io/v1
kind: AdmissionConfiguration
plugins:
- name: EventRateLimit
  configuration:
    apiVersion: eventratelimit.admission.k8s.io/v1alpha1
    kind: Configuration
    limits:
    - type: Server
      qps: 5000
      burst: 20000
    - type: Namespace
      qps: 500
      burst: 2000
      cacheSize: 2000
`

const identityEncryptionConfig = `apiVersion: apiserver.config.k8s.io/v1
kind: EncryptionConfiguration
resources:
- resources:
  - secrets
  providers:
  - identity: {}
`

const auditEverything = `apiVersion: audit.k8s.io/v1
kind: Policy
rules:
- level: RequestResponse
`
