package node

import (
	"net"
	"strings"

	"github.com/kubeward/kubeward/internal/catalog"
	"github.com/kubeward/kubeward/internal/harden/node/pki"
	"github.com/kubeward/kubeward/internal/inventory"
)

// change is one setting a fix makes on a component: a flag set to Value,
// or removed. For a kubelet with a config file, Key names the
// KubeletConfiguration field that carries it instead (the flag, if on the
// command line, is removed: it would win over the file).
type change struct {
	Flag   string
	Value  any
	Remove bool
	Key    string
}

func set(flag string, v any) change { return change{Flag: flag, Value: v} }
func drop(flag string) change       { return change{Flag: flag, Remove: true} }

// ctx is what fixes need to know: where the PKI and the generated files
// live, and the node.
type ctx struct {
	layout    pki.Layout
	configDir string
	auditLog  string
	node      *inventory.Node
}

func (x *ctx) encryptionConfig() string { return joinPath(x.configDir, EncryptionFile) }
func (x *ctx) auditPolicy() string      { return joinPath(x.configDir, AuditPolicyFile) }
func (x *ctx) admissionConfig() string  { return joinPath(x.configDir, AdmissionConfigFile) }

// StrongCipherSuites are ECDHE with AEAD ciphers (what KW-API-016 accepts).
const StrongCipherSuites = "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256," +
	"TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305,TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305," +
	"TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384"

// RecommendedAdmissionPlugins is the plan's admission plugin list (the
// list KW-API-008 wants).
var RecommendedAdmissionPlugins = []string{"NamespaceLifecycle", "LimitRanger", "ServiceAccount", "PersistentVolumeClaimResize", "DefaultStorageClass",
	"DefaultTolerationSeconds", "MutatingAdmissionWebhook", "ValidatingAdmissionWebhook", "ResourceQuota", "Priority", "NodeRestriction"}

// fixes are the setting fixes of the flag rules that are not about the
// PKI, by check ID (the PKI's are pkiChanges, applied to every component
// together). Each returns the changes that make the rule pass on c.
var fixes = map[string]func(c *inventory.Component, x *ctx) []change{
	"KW-ETCD-003": func(*inventory.Component, *ctx) []change { return []change{set("auto-tls", "false")} },
	"KW-ETCD-006": func(*inventory.Component, *ctx) []change { return []change{set("peer-auto-tls", "false")} },

	"KW-API-005": func(*inventory.Component, *ctx) []change { return []change{set("anonymous-auth", "false")} },
	"KW-API-006": func(*inventory.Component, *ctx) []change { return []change{drop("token-auth-file")} },
	"KW-API-007": func(*inventory.Component, *ctx) []change {
		return []change{set("authorization-mode", "Node,RBAC")}
	},
	"KW-API-008": admissionChanges,
	"KW-API-009": admissionChanges,
	"KW-API-018": admissionChanges,
	"KW-API-019": admissionChanges,
	"KW-API-020": func(*inventory.Component, *ctx) []change {
		return []change{set("service-account-extend-token-expiration", "false")}
	},
	"KW-API-021": func(*inventory.Component, *ctx) []change { return []change{set("request-timeout", "60s")} },
	"KW-KCM-006": func(*inventory.Component, *ctx) []change {
		return []change{set("terminated-pod-gc-threshold", "10")}
	},
	"KW-KCM-007": func(c *inventory.Component, _ *ctx) []change {
		return featureGateOn(c, "RotateKubeletServerCertificate", false)
	},
	"KW-API-010": func(c *inventory.Component, x *ctx) []change {
		return []change{set("audit-policy-file", x.auditPolicy()), set("audit-log-path", x.auditLog),
			set("audit-log-maxage", "30"), set("audit-log-maxbackup", "10"), set("audit-log-maxsize", "100")}
	},
	"KW-API-012": func(c *inventory.Component, x *ctx) []change {
		return []change{set("audit-policy-file", x.auditPolicy())}
	},
	"KW-API-013": func(c *inventory.Component, x *ctx) []change {
		return []change{set("encryption-provider-config", x.encryptionConfig())}
	},
	// People authenticate with certificates once static tokens and
	// anonymous requests are gone and a client CA is set (the PKI).
	"KW-API-014": func(*inventory.Component, *ctx) []change {
		return []change{drop("token-auth-file"), drop("basic-auth-file"), set("anonymous-auth", "false")}
	},
	"KW-API-015": func(*inventory.Component, *ctx) []change { return []change{set("profiling", "false")} },
	"KW-API-016": func(*inventory.Component, *ctx) []change {
		return []change{set("tls-cipher-suites", StrongCipherSuites), set("tls-min-version", "VersionTLS12")}
	},
	"KW-API-017": func(c *inventory.Component, x *ctx) []change {
		out := []change{set("service-account-lookup", "true")}
		if c.Setting("service-account-key-file").Value == "" {
			out = append(out, set("service-account-key-file", x.layout.SAPub()))
		}
		return out
	},

	"KW-KCM-002": func(*inventory.Component, *ctx) []change { return []change{set("bind-address", "127.0.0.1")} },
	"KW-KCM-003": func(*inventory.Component, *ctx) []change { return []change{set("profiling", "false")} },
	"KW-KCM-004": func(*inventory.Component, *ctx) []change {
		return []change{set("use-service-account-credentials", "true")}
	},
	"KW-KCM-005": func(c *inventory.Component, x *ctx) []change {
		out := []change{set("root-ca-file", x.layout.Path(pki.ClusterCA))}
		if c.Setting("service-account-private-key-file").Value == "" {
			out = append(out, set("service-account-private-key-file", saSigningKey(x)))
		}
		return out
	},
	"KW-SCH-002": func(*inventory.Component, *ctx) []change { return []change{set("bind-address", "127.0.0.1")} },
	"KW-SCH-003": func(*inventory.Component, *ctx) []change { return []change{set("profiling", "false")} },

	"KW-PROXY-002": func(c *inventory.Component, _ *ctx) []change {
		port := "10249"
		if _, p, err := net.SplitHostPort(c.Setting("metrics-bind-address").Value); err == nil && p != "" {
			port = p
		}
		return []change{set("metrics-bind-address", "127.0.0.1:"+port)}
	},

	"KW-KLT-001": kubelet("anonymous-auth", "authentication.anonymous.enabled", false),
	"KW-KLT-002": kubelet("authorization-mode", "authorization.mode", "Webhook"),
	"KW-KLT-004": kubelet("read-only-port", "readOnlyPort", 0),
	"KW-KLT-005": kubelet("streaming-connection-idle-timeout", "streamingConnectionIdleTimeout", "5m0s"),
	"KW-KLT-006": kubelet("protect-kernel-defaults", "protectKernelDefaults", true),
	"KW-KLT-008": kubelet("rotate-certificates", "rotateCertificates", true),
	"KW-KLT-010": kubelet("seccomp-default", "seccompDefault", true),
	"KW-KLT-011": kubelet("make-iptables-util-chains", "makeIPTablesUtilChains", true),
	"KW-KLT-013": kubelet("event-qps", "eventRecordQPS", 50),
	"KW-KLT-014": func(c *inventory.Component, _ *ctx) []change {
		return featureGateOn(c, "RotateKubeletServerCertificate", c.ConfigFile != "")
	},
	"KW-KLT-015": func(*inventory.Component, *ctx) []change {
		var suites []any // as a parsed config file holds a list
		for _, cs := range strings.Split(StrongCipherSuites, ",") {
			suites = append(suites, cs)
		}
		return []change{{Flag: "tls-cipher-suites", Key: "tlsCipherSuites", Value: suites}}
	},
	"KW-KLT-016": kubelet("pod-max-pids", "podPidsLimit", 4096),
}

// featureGateOn turns gate back on: in the component's --feature-gates
// list when it is there (the other gates kept), else, for a kubelet with a
// config file, in its featureGates.
func featureGateOn(c *inventory.Component, gate string, config bool) []change {
	if v, ok := c.Flag("feature-gates"); ok {
		var keep []string
		for _, kv := range splitList(v) {
			if k, _, _ := strings.Cut(kv, "="); strings.TrimSpace(k) != gate {
				keep = append(keep, kv)
			}
		}
		if len(keep) == 0 {
			return []change{drop("feature-gates")}
		}
		return []change{set("feature-gates", strings.Join(keep, ","))}
	}
	if config {
		return []change{{Flag: "feature-gates." + gate, Key: "featureGates." + gate, Value: true}}
	}
	return nil
}

// pkiIDs are the checks the PKI fixes: when one fails anywhere on the
// node, every component is pointed at the one consistent PKI of the layout
// (mixing CAs would break the trust between them).
var pkiIDs = map[string]bool{
	"KW-ETCD-001": true, "KW-ETCD-002": true, "KW-ETCD-004": true, "KW-ETCD-005": true, "KW-ETCD-007": true,
	"KW-API-001": true, "KW-API-002": true, "KW-API-003": true, "KW-API-004": true,
	"KW-KCM-001": true, "KW-SCH-001": true, "KW-KLT-003": true, "KW-KLT-007": true, "KW-KLT-009": true, "KW-PROXY-001": true,
	"KW-CERT-001": true, "KW-CERT-002": true, "KW-CERT-003": true,
	// Calico's etcd client certificate comes from the same etcd CA.
	"KW-CALICO-001": true, "KW-CALICO-002": true, "KW-CALICO-003": true,
}

// manual are the flag rules with no automatic fix, and why.
var manual = map[string]catalog.Text{
	"KW-KLT-012": {EN: "removing --hostname-override renames the node: drain it, remove its Node object and let it register again under its hostname, with a serving certificate for that name",
		ZH: "删除 --hostname-override 会改变节点名称：请先腾空节点，删除其 Node 对象，再以主机名重新注册，并使用该名称的服务证书"},
	"KW-API-011": {EN: "shipping audit events needs a collector off the node: fill in audit-webhook.kubeconfig and add --audit-webhook-config-file", ZH: "转发审计事件需要节点之外的收集器：填写 audit-webhook.kubeconfig 并添加 --audit-webhook-config-file"},
}

// fileIDs are the flag rules fixed by a file mode change (FileFix), not a
// setting.
var fileIDs = map[string]bool{"KW-ETCD-008": true}

// admissionChanges is the plan's whole admission plugin list (KW-API-008,
// -009, -018, -019 share it, so whichever runs last writes all of it):
// what is enabled, the recommended plugins, DenyServiceExternalIPs, and
// EventRateLimit with a configuration kubeward writes, unless the API
// server already reads an admission configuration of its own (then
// EventRateLimit is left to a person).
func admissionChanges(c *inventory.Component, x *ctx) []change {
	want := append([]string(nil), RecommendedAdmissionPlugins...)
	want = append(want, "DenyServiceExternalIPs")
	var out []change
	if c.Setting("admission-control-config-file").Value == "" {
		want = append(want, "EventRateLimit")
		out = append(out, set("admission-control-config-file", x.admissionConfig()))
	}
	var plugins []string
	seen := map[string]bool{}
	for _, p := range append(splitList(c.Setting("enable-admission-plugins").Value), want...) {
		if !strings.EqualFold(p, "AlwaysAdmit") && !seen[p] {
			seen[p] = true
			plugins = append(plugins, p)
		}
	}
	out = append(out, set("enable-admission-plugins", strings.Join(plugins, ",")))
	if dis := c.Setting("disable-admission-plugins").Value; dis != "" {
		var keep []string
		for _, p := range splitList(dis) {
			if !seen[p] {
				keep = append(keep, p)
			}
		}
		if len(keep) == 0 {
			out = append(out, drop("disable-admission-plugins"))
		} else {
			out = append(out, set("disable-admission-plugins", strings.Join(keep, ",")))
		}
	}
	return out
}

func kubelet(flag, key string, v any) func(*inventory.Component, *ctx) []change {
	return func(*inventory.Component, *ctx) []change { return []change{{Flag: flag, Key: key, Value: v}} }
}

// saSigningKey is the key the API server signs service account tokens
// with (the controller-manager must sign with the same), or the layout's.
func saSigningKey(x *ctx) string {
	for _, a := range x.node.ComponentsOf(inventory.APIServer) {
		if v := a.Setting("service-account-signing-key-file").Value; v != "" {
			return v
		}
	}
	return x.layout.SAKey()
}

// pkiChanges points one component at the layout's PKI: every certificate,
// key, CA and kubeconfig flag, and the https URLs that go with them.
func pkiChanges(c *inventory.Component, x *ctx) []change {
	l := x.layout
	ca, etcdCA := l.Path(pki.ClusterCA), l.Path(pki.EtcdCA)
	switch c.Kind {
	case inventory.Etcd:
		out := []change{
			set("cert-file", l.Path(pki.EtcdServer)), set("key-file", l.Key(pki.EtcdServer)),
			set("trusted-ca-file", etcdCA), set("client-cert-auth", "true"),
			set("peer-cert-file", l.Path(pki.EtcdPeer)), set("peer-key-file", l.Key(pki.EtcdPeer)),
			set("peer-trusted-ca-file", etcdCA), set("peer-client-cert-auth", "true"),
		}
		for _, f := range []string{"listen-client-urls", "advertise-client-urls"} {
			v := c.Setting(f).Value
			if v == "" {
				v = "https://127.0.0.1:2379"
			}
			out = append(out, set(f, toHTTPS(v)))
		}
		// Peer URLs follow peer TLS (flags only: their defaults are http).
		for _, f := range []string{"listen-peer-urls", "initial-advertise-peer-urls", "initial-cluster"} {
			if v, ok := c.Flag(f); ok {
				out = append(out, set(f, toHTTPS(v)))
			}
		}
		return out
	case inventory.APIServer:
		out := []change{
			set("tls-cert-file", l.Path(pki.APIServer)), set("tls-private-key-file", l.Key(pki.APIServer)),
			set("client-ca-file", ca),
			set("etcd-certfile", l.Path(pki.APIServerEtcdClient)), set("etcd-keyfile", l.Key(pki.APIServerEtcdClient)),
			set("etcd-cafile", etcdCA),
			set("kubelet-client-certificate", l.Path(pki.APIServerKubelet)), set("kubelet-client-key", l.Key(pki.APIServerKubelet)),
			set("kubelet-certificate-authority", ca),
		}
		servers := c.Setting("etcd-servers").Value
		if servers == "" {
			servers = "https://127.0.0.1:2379"
		}
		return append(out, set("etcd-servers", toHTTPS(servers)))
	case inventory.ControllerManager:
		kc := l.KubeconfigPath(pki.CMConf)
		out := []change{set("kubeconfig", kc), set("authentication-kubeconfig", kc), set("authorization-kubeconfig", kc),
			set("root-ca-file", ca), set("client-ca-file", ca)}
		return append(out, servingChanges(c, l, pki.CMServing)...)
	case inventory.Scheduler:
		kc := l.KubeconfigPath(pki.SchedulerConf)
		out := []change{set("kubeconfig", kc), set("authentication-kubeconfig", kc), set("authorization-kubeconfig", kc),
			set("client-ca-file", ca)}
		return append(out, servingChanges(c, l, pki.SchedulerServing)...)
	case inventory.Kubelet:
		return []change{set("kubeconfig", l.KubeconfigPath(pki.KubeletConf)),
			{Flag: "client-ca-file", Key: "authentication.x509.clientCAFile", Value: ca},
			{Flag: "tls-cert-file", Key: "tlsCertFile", Value: l.Path(pki.KubeletServing)},
			{Flag: "tls-private-key-file", Key: "tlsPrivateKeyFile", Value: l.Key(pki.KubeletServing)}}
	case inventory.KubeProxy:
		return []change{set("kubeconfig", l.KubeconfigPath(pki.ProxyConf))}
	}
	return nil
}

// servingChanges gives the controller-manager or scheduler a serving
// certificate from the cluster CA (otherwise it makes a self-signed one).
func servingChanges(_ *inventory.Component, l pki.Layout, name string) []change {
	return []change{set("tls-cert-file", l.Path(name)), set("tls-private-key-file", l.Key(name))}
}

func toHTTPS(v string) string { return strings.ReplaceAll(v, "http://", "https://") }

func splitList(v string) []string {
	var out []string
	for _, p := range strings.Split(v, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

func joinPath(dir, name string) string { return strings.TrimRight(dir, "/") + "/" + name }
