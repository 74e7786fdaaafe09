package controlplane

import (
	"strconv"
	"strings"
	"time"

	"github.com/kubeward/kubeward/internal/catalog"
	"github.com/kubeward/kubeward/internal/check"
	"github.com/kubeward/kubeward/internal/inventory"
)

type T = catalog.Text

const (
	crit = catalog.SeverityCritical
	high = catalog.SeverityHigh
	med  = catalog.SeverityMedium
	low  = catalog.SeverityLow
)

// flagRulesFile is where the flag rules live (docs/checks.md's "Lives in").
const flagRulesFile = "internal/check/controlplane/flagrules.go"

func init() {
	check.RegisterFlagRules(flagRulesFile, etcdRules()...)
	check.RegisterFlagRules(flagRulesFile, apiServerRules()...)
	check.RegisterFlagRules(flagRulesFile, controlPlaneRules()...)
	check.RegisterFlagRules(flagRulesFile, kubeletRules()...)
}

func etcdRules() []*check.FlagRule {
	e := inventory.Etcd
	return []*check.FlagRule{
		{ID: "KW-ETCD-001", Component: e, Item: "3.1", Severity: high, Refs: []string{"CIS Kubernetes v1.12 2.1"},
			Title: T{EN: "etcd serves clients without TLS (cert-file, key-file)", ZH: "etcd 未对客户端使用 TLS（cert-file、key-file）"},
			Fix:   T{EN: "Start etcd with --cert-file and --key-file.", ZH: "使用 --cert-file 与 --key-file 启动 etcd。"},
			Test:  check.AllOf(check.IsSet("cert-file"), check.IsSet("key-file"))},
		{ID: "KW-ETCD-002", Component: e, Item: "3.1", Severity: crit, Refs: []string{"CIS Kubernetes v1.12 2.2"},
			Title: T{EN: "etcd does not require client certificates", ZH: "etcd 未要求客户端证书"},
			Fix:   T{EN: "Set --client-cert-auth=true and --trusted-ca-file.", ZH: "设置 --client-cert-auth=true 和 --trusted-ca-file。"},
			Test:  check.AllOf(check.Equals("client-cert-auth", "true"), check.IsSet("trusted-ca-file"))},
		{ID: "KW-ETCD-003", Component: e, Item: "3.1", Severity: high, Refs: []string{"CIS Kubernetes v1.12 2.3"},
			Title: T{EN: "etcd uses self-signed automatic TLS for clients", ZH: "etcd 对客户端使用自签名自动 TLS"},
			Fix:   T{EN: "Remove --auto-tls or set it to false.", ZH: "删除 --auto-tls 或将其设为 false。"},
			Test:  check.NotEquals("auto-tls", "true")},
		{ID: "KW-ETCD-004", Component: e, Item: "3.1", Severity: high, Refs: []string{"CIS Kubernetes v1.12 2.4"},
			Title: T{EN: "etcd peers talk without TLS (peer-cert-file, peer-key-file)", ZH: "etcd 节点间通信未使用 TLS（peer-cert-file、peer-key-file）"},
			Fix:   T{EN: "Set --peer-cert-file and --peer-key-file.", ZH: "设置 --peer-cert-file 与 --peer-key-file。"},
			Test:  check.AllOf(check.IsSet("peer-cert-file"), check.IsSet("peer-key-file"))},
		{ID: "KW-ETCD-005", Component: e, Item: "3.1", Severity: high, Refs: []string{"CIS Kubernetes v1.12 2.5"},
			Title: T{EN: "etcd does not require peer client certificates", ZH: "etcd 未要求节点间客户端证书"},
			Fix:   T{EN: "Set --peer-client-cert-auth=true and --peer-trusted-ca-file.", ZH: "设置 --peer-client-cert-auth=true 和 --peer-trusted-ca-file。"},
			Test:  check.AllOf(check.Equals("peer-client-cert-auth", "true"), check.IsSet("peer-trusted-ca-file"))},
		{ID: "KW-ETCD-006", Component: e, Item: "3.1", Severity: high, Refs: []string{"CIS Kubernetes v1.12 2.6"},
			Title: T{EN: "etcd uses self-signed automatic TLS for peers", ZH: "etcd 节点间使用自签名自动 TLS"},
			Fix:   T{EN: "Remove --peer-auto-tls or set it to false.", ZH: "删除 --peer-auto-tls 或将其设为 false。"},
			Test:  check.NotEquals("peer-auto-tls", "true")},
		{ID: "KW-ETCD-007", Component: e, Item: "3.1", Severity: high, Refs: []string{"etcd docs: Transport security model (client-to-server TLS)"},
			Title: T{EN: "etcd listens for clients on plain http", ZH: "etcd 通过明文 http 监听客户端"},
			Fix:   T{EN: "Use only https:// URLs in --listen-client-urls and --advertise-client-urls.", ZH: "--listen-client-urls 与 --advertise-client-urls 仅使用 https:// 地址。"},
			Test:  check.AllOf(check.HTTPSOnly("listen-client-urls"), check.HTTPSOnly("advertise-client-urls"))},
		{ID: "KW-ETCD-008", Component: e, Item: "3.6", Severity: high, Refs: []string{"CIS Kubernetes v1.12 1.1.11"},
			Title: T{EN: "etcd data directory is readable by others", ZH: "etcd 数据目录可被其他用户读取"},
			Fix:   T{EN: "chmod 700 the etcd data directory (and chown it to the etcd user).", ZH: "将 etcd 数据目录权限设为 700（并将属主设为 etcd 用户）。"},
			Test:  dataDirMode},
	}
}

var recommendedPlugins = []string{"NamespaceLifecycle", "LimitRanger", "ServiceAccount", "PersistentVolumeClaimResize", "DefaultStorageClass",
	"DefaultTolerationSeconds", "MutatingAdmissionWebhook", "ValidatingAdmissionWebhook", "ResourceQuota", "Priority", "NodeRestriction"}

func apiServerRules() []*check.FlagRule {
	a := inventory.APIServer
	return []*check.FlagRule{
		{ID: "KW-API-001", Component: a, Item: "3.2", Severity: high, Refs: []string{"CIS Kubernetes v1.12 1.2.24"},
			Title: T{EN: "API server has no TLS serving certificate", ZH: "API Server 未配置 TLS 服务证书"},
			Fix:   T{EN: "Set --tls-cert-file and --tls-private-key-file.", ZH: "设置 --tls-cert-file 与 --tls-private-key-file。"},
			Test:  check.AllOf(check.IsSet("tls-cert-file"), check.IsSet("tls-private-key-file"))},
		{ID: "KW-API-002", Component: a, Item: "3.2", Severity: high, Refs: []string{"CIS Kubernetes v1.12 1.2.25"},
			Title: T{EN: "API server does not verify client certificates (client-ca-file)", ZH: "API Server 未校验客户端证书（client-ca-file）"},
			Fix:   T{EN: "Set --client-ca-file to the cluster CA.", ZH: "将 --client-ca-file 设置为集群 CA。"},
			Test:  check.IsSet("client-ca-file")},
		{ID: "KW-API-003", Component: a, Item: "3.2", Severity: crit, Refs: []string{"CIS Kubernetes v1.12 1.2.23", "CIS Kubernetes v1.12 1.2.26"},
			Title: T{EN: "API server talks to etcd without mutual TLS", ZH: "API Server 与 etcd 之间未使用双向 TLS"},
			Fix:   T{EN: "Set --etcd-certfile, --etcd-keyfile, --etcd-cafile and use https:// in --etcd-servers.", ZH: "设置 --etcd-certfile、--etcd-keyfile、--etcd-cafile，并在 --etcd-servers 中使用 https://。"},
			Test:  check.AllOf(check.IsSet("etcd-certfile"), check.IsSet("etcd-keyfile"), check.IsSet("etcd-cafile"), check.HTTPSOnly("etcd-servers"))},
		{ID: "KW-API-004", Component: a, Item: "3.2", Severity: high, Refs: []string{"CIS Kubernetes v1.12 1.2.4", "CIS Kubernetes v1.12 1.2.5"},
			Title: T{EN: "API server talks to kubelets without mutual TLS", ZH: "API Server 与 kubelet 之间未使用双向 TLS"},
			Fix:   T{EN: "Set --kubelet-client-certificate, --kubelet-client-key and --kubelet-certificate-authority.", ZH: "设置 --kubelet-client-certificate、--kubelet-client-key 与 --kubelet-certificate-authority。"},
			Test:  check.AllOf(check.IsSet("kubelet-client-certificate"), check.IsSet("kubelet-client-key"), check.IsSet("kubelet-certificate-authority"))},
		{ID: "KW-API-005", Component: a, Item: "4.1", Severity: high, Refs: []string{"CIS Kubernetes v1.12 1.2.1"},
			Title: T{EN: "API server allows anonymous requests", ZH: "API Server 允许匿名请求"},
			Fix:   T{EN: "Set --anonymous-auth=false (or limit anonymous access to health endpoints with an AuthenticationConfiguration).", ZH: "设置 --anonymous-auth=false（或通过 AuthenticationConfiguration 仅允许匿名访问健康检查端点）。"},
			Test:  check.Equals("anonymous-auth", "false")},
		{ID: "KW-API-006", Component: a, Item: "4.1", Severity: high, Refs: []string{"CIS Kubernetes v1.12 1.2.2"},
			Title: T{EN: "API server accepts static tokens (token-auth-file)", ZH: "API Server 接受静态令牌（token-auth-file）"},
			Fix:   T{EN: "Remove --token-auth-file; use client certificates, OIDC or webhook token authentication.", ZH: "删除 --token-auth-file；使用客户端证书、OIDC 或 Webhook 令牌认证。"},
			Test:  check.Unset("token-auth-file")},
		{ID: "KW-API-007", Component: a, Item: "4.3", Severity: crit, Refs: []string{"CIS Kubernetes v1.12 1.2.6", "CIS Kubernetes v1.12 1.2.7", "CIS Kubernetes v1.12 1.2.8"},
			Title: T{EN: "API server authorization is not Node,RBAC", ZH: "API Server 授权模式不是 Node,RBAC"},
			Fix:   T{EN: "Set --authorization-mode=Node,RBAC (never AlwaysAllow).", ZH: "设置 --authorization-mode=Node,RBAC（不要使用 AlwaysAllow）。"},
			Test:  authorization},
		{ID: "KW-API-008", Component: a, Item: "4.4", Severity: high, Refs: []string{"CIS Kubernetes v1.12 1.2.12", "CIS Kubernetes v1.12 1.2.13", "CIS Kubernetes v1.12 1.2.14"},
			Title: T{EN: "Recommended admission plugins are not all enabled", ZH: "未启用全部推荐的准入插件"},
			Fix:   T{EN: "Add the missing plugins to --enable-admission-plugins.", ZH: "将缺少的插件加入 --enable-admission-plugins。"},
			Test:  admissionPlugins},
		{ID: "KW-API-009", Component: a, Item: "4.4", Severity: crit, Refs: []string{"CIS Kubernetes v1.12 1.2.10"},
			Title: T{EN: "AlwaysAdmit admission plugin is enabled", ZH: "启用了 AlwaysAdmit 准入插件"},
			Fix:   T{EN: "Remove AlwaysAdmit from --enable-admission-plugins.", ZH: "从 --enable-admission-plugins 中删除 AlwaysAdmit。"},
			Test:  check.Excludes("enable-admission-plugins", "AlwaysAdmit")},
		{ID: "KW-API-010", Component: a, Item: "4.10", Severity: high, Refs: []string{"CIS Kubernetes v1.12 1.2.16", "CIS Kubernetes v1.12 1.2.17", "CIS Kubernetes v1.12 1.2.18", "CIS Kubernetes v1.12 1.2.19", "CIS Kubernetes v1.12 3.2.1"},
			Title: T{EN: "API server audit logging is off or not retained", ZH: "API Server 未开启审计日志或未保留"},
			Fix:   T{EN: "Set --audit-policy-file with --audit-log-path (maxage 30, maxbackup 10, maxsize 100) or --audit-webhook-config-file.", ZH: "设置 --audit-policy-file，并配合 --audit-log-path（maxage 30、maxbackup 10、maxsize 100）或 --audit-webhook-config-file。"},
			Test:  auditLogging},
		{ID: "KW-API-011", Component: a, Item: "4.10", Severity: med, Refs: []string{"Kubernetes docs: Auditing (log and webhook backends)"},
			Title: T{EN: "Audit logs are not shipped off the control-plane node", ZH: "审计日志未转发到控制平面节点之外"},
			Fix:   T{EN: "Send audit events to a separate server with --audit-webhook-config-file, or run a log shipper (fluent-bit, vector, filebeat...) that reads the --audit-log-path file; a log file nobody reads is a WARN to confirm.", ZH: "通过 --audit-webhook-config-file 将审计事件发送到独立服务器，或运行读取 --audit-log-path 文件的日志转发程序（fluent-bit、vector、filebeat 等）；无人读取的日志文件需人工确认（WARN）。"},
			Test:  auditShipping},
		{ID: "KW-API-012", Component: a, Item: "4.10", Severity: high, Refs: []string{"CIS Kubernetes v1.12 3.2.2"},
			Title: T{EN: "Audit policy records Secret contents or skips Secrets", ZH: "审计策略记录了 Secret 内容或未审计 Secret"},
			Fix:   T{EN: "Log secrets, configmaps and tokenreviews at level Metadata, before any rule that logs request bodies.", ZH: "对 secrets、configmaps 与 tokenreviews 使用 Metadata 级别，且放在记录请求体的规则之前。"},
			Test:  check.WhenSet("audit-policy-file", T{EN: "audit logging is off (see KW-API-010)", ZH: "未开启审计日志（见 KW-API-010）"}, auditPolicy)},
		{ID: "KW-API-013", Component: a, Item: "4.11", Severity: crit, Refs: []string{"CIS Kubernetes v1.12 1.2.27", "CIS Kubernetes v1.12 1.2.28"},
			Title: T{EN: "Secrets are not encrypted at rest", ZH: "Secret 未进行静态加密"},
			Fix:   T{EN: "Set --encryption-provider-config to an EncryptionConfiguration whose first provider for secrets is aescbc, aesgcm, secretbox or kms v2.", ZH: "设置 --encryption-provider-config，其 EncryptionConfiguration 中 secrets 的首个提供者为 aescbc、aesgcm、secretbox 或 kms v2。"},
			Test:  encryptionAtRest},
		{ID: "KW-API-014", Component: a, Item: "4.1", Severity: med, Refs: []string{"Kubernetes docs: Authenticating (X509 client certificates, OIDC, webhook token)"},
			Title: T{EN: "People do not authenticate only through x509 certificates, OIDC or webhook tokens", ZH: "用户并非仅通过 x509 证书、OIDC 或 Webhook 令牌认证"},
			Fix:   T{EN: "Authenticate people with client certificates (--client-ca-file), OIDC (--oidc-issuer-url or --authentication-config) or webhook tokens (--authentication-token-webhook-config-file); remove --token-auth-file and --basic-auth-file, and set --anonymous-auth=false (or allow anonymous requests to health endpoints only).", ZH: "通过客户端证书（--client-ca-file）、OIDC（--oidc-issuer-url 或 --authentication-config）或 Webhook 令牌（--authentication-token-webhook-config-file）认证用户；删除 --token-auth-file 与 --basic-auth-file，并设置 --anonymous-auth=false（或仅允许匿名访问健康检查端点）。"},
			Test:  peopleAuthn},
		{ID: "KW-API-015", Component: a, Item: "3.2", Severity: med, Refs: []string{"CIS Kubernetes v1.12 1.2.15"},
			Title: T{EN: "API server profiling is enabled", ZH: "API Server 启用了性能分析（profiling）"},
			Fix:   T{EN: "Set --profiling=false.", ZH: "设置 --profiling=false。"},
			Test:  check.Equals("profiling", "false")},
		{ID: "KW-API-016", Component: a, Item: "3.2", Severity: med, Refs: []string{"CIS Kubernetes v1.12 1.2.29"},
			Title: T{EN: "API server allows weak TLS cipher suites", ZH: "API Server 允许弱 TLS 密码套件"},
			Fix:   T{EN: "Set --tls-cipher-suites to ECDHE AES-GCM and ChaCha20-Poly1305 suites only.", ZH: "将 --tls-cipher-suites 仅设置为 ECDHE AES-GCM 与 ChaCha20-Poly1305 套件。"},
			Test:  strongCiphers},
		{ID: "KW-API-017", Component: a, Item: "4.2", Severity: high, Refs: []string{"CIS Kubernetes v1.12 1.2.21", "CIS Kubernetes v1.12 1.2.22"},
			Title: T{EN: "Service account tokens are not verified against a key and looked up", ZH: "未使用密钥校验并查询服务账号令牌"},
			Fix:   T{EN: "Set --service-account-key-file and --service-account-lookup=true.", ZH: "设置 --service-account-key-file 与 --service-account-lookup=true。"},
			Test:  check.AllOf(check.IsSet("service-account-key-file"), check.Equals("service-account-lookup", "true"))},
		{ID: "KW-API-018", Component: a, Item: "4.4", Severity: med, Refs: []string{"CIS Kubernetes v1.12 1.2.3"},
			Title: T{EN: "DenyServiceExternalIPs admission plugin is not enabled", ZH: "未启用 DenyServiceExternalIPs 准入插件"},
			Fix:   T{EN: "Add DenyServiceExternalIPs to --enable-admission-plugins: a Service's externalIPs can capture other tenants' traffic (CVE-2020-8554).", ZH: "将 DenyServiceExternalIPs 加入 --enable-admission-plugins：Service 的 externalIPs 可劫持其他租户的流量（CVE-2020-8554）。"},
			Test:  check.Includes("enable-admission-plugins", "DenyServiceExternalIPs")},
		{ID: "KW-API-019", Component: a, Item: "4.4", Severity: med, Refs: []string{"CIS Kubernetes v1.12 1.2.9"},
			Title: T{EN: "EventRateLimit admission plugin is not enabled with its configuration", ZH: "未启用 EventRateLimit 准入插件或缺少其配置"},
			Fix:   T{EN: "Add EventRateLimit to --enable-admission-plugins and set --admission-control-config-file to an AdmissionConfiguration that configures its limits.", ZH: "将 EventRateLimit 加入 --enable-admission-plugins，并将 --admission-control-config-file 指向配置其限额的 AdmissionConfiguration。"},
			Test:  check.AllOf(check.Includes("enable-admission-plugins", "EventRateLimit"), check.IsSet("admission-control-config-file"))},
		{ID: "KW-API-020", Component: a, Item: "4.2", Severity: med, Refs: []string{"CIS Kubernetes v1.12 1.2.30"},
			Title: T{EN: "Service account tokens are extended beyond their expiry", ZH: "服务账号令牌的有效期被延长"},
			Fix:   T{EN: "Set --service-account-extend-token-expiration=false (it defaults to true).", ZH: "设置 --service-account-extend-token-expiration=false（默认值为 true）。"},
			Test:  check.Equals("service-account-extend-token-expiration", "false")},
		{ID: "KW-API-021", Component: a, Item: "3.2", Severity: low, Refs: []string{"CIS Kubernetes v1.12 1.2.20"},
			Title: T{EN: "API server request timeout is not a positive duration", ZH: "API Server 请求超时不是正的时长"},
			Fix:   T{EN: "Leave --request-timeout unset (60s) or set it to a positive duration suited to the cluster, such as 300s.", ZH: "不设置 --request-timeout（默认 60s），或设置为适合集群的正时长，例如 300s。"},
			Test:  positiveDuration("request-timeout")},
	}
}

func controlPlaneRules() []*check.FlagRule {
	m, s, p := inventory.ControllerManager, inventory.Scheduler, inventory.KubeProxy
	return []*check.FlagRule{
		{ID: "KW-KCM-001", Component: m, Item: "3.3", Severity: high, Refs: []string{"Kubernetes docs: PKI certificates and requirements"},
			Title: T{EN: "controller-manager kubeconfig lacks TLS or a client certificate", ZH: "controller-manager 的 kubeconfig 缺少 TLS 或客户端证书"},
			Fix:   T{EN: "Use a kubeconfig with an https server, its CA and a client certificate and key.", ZH: "使用包含 https 服务器地址、CA 以及客户端证书和密钥的 kubeconfig。"},
			Test:  kubeconfigTLS("kubeconfig")},
		{ID: "KW-KCM-002", Component: m, Item: "3.3", Severity: med, Refs: []string{"CIS Kubernetes v1.12 1.3.7"},
			Title: T{EN: "controller-manager listens beyond localhost", ZH: "controller-manager 监听了非本地地址"},
			Fix:   T{EN: "Set --bind-address=127.0.0.1.", ZH: "设置 --bind-address=127.0.0.1。"},
			Test:  check.Loopback("bind-address")},
		{ID: "KW-KCM-003", Component: m, Item: "3.3", Severity: med, Refs: []string{"CIS Kubernetes v1.12 1.3.2"},
			Title: T{EN: "controller-manager profiling is enabled", ZH: "controller-manager 启用了性能分析"},
			Fix:   T{EN: "Set --profiling=false.", ZH: "设置 --profiling=false。"},
			Test:  check.Equals("profiling", "false")},
		{ID: "KW-KCM-004", Component: m, Item: "4.2", Severity: high, Refs: []string{"CIS Kubernetes v1.12 1.3.3"},
			Title: T{EN: "controllers share the controller-manager's credentials", ZH: "各控制器共享 controller-manager 的凭据"},
			Fix:   T{EN: "Set --use-service-account-credentials=true.", ZH: "设置 --use-service-account-credentials=true。"},
			Test:  check.Equals("use-service-account-credentials", "true")},
		{ID: "KW-KCM-005", Component: m, Item: "3.3", Severity: high, Refs: []string{"CIS Kubernetes v1.12 1.3.4", "CIS Kubernetes v1.12 1.3.5"},
			Title: T{EN: "controller-manager lacks the service account signing key or root CA", ZH: "controller-manager 缺少服务账号签名密钥或根 CA"},
			Fix:   T{EN: "Set --service-account-private-key-file and --root-ca-file.", ZH: "设置 --service-account-private-key-file 与 --root-ca-file。"},
			Test:  check.AllOf(check.IsSet("service-account-private-key-file"), check.IsSet("root-ca-file"))},
		{ID: "KW-KCM-006", Component: m, Item: "3.3", Severity: low, Refs: []string{"CIS Kubernetes v1.12 1.3.1"},
			Title: T{EN: "controller-manager keeps terminated pods without a set threshold", ZH: "controller-manager 未设置已终止 Pod 的回收阈值"},
			Fix:   T{EN: "Set --terminated-pod-gc-threshold to a value suited to the cluster, for example 10 (the default, 12500, lets terminated pods pile up).", ZH: "将 --terminated-pod-gc-threshold 设为适合集群的值，例如 10（默认值 12500 会使已终止的 Pod 大量堆积）。"},
			Test:  check.IsSet("terminated-pod-gc-threshold")},
		{ID: "KW-KCM-007", Component: m, Item: "3.4", Severity: med, Refs: []string{"CIS Kubernetes v1.12 1.3.6"},
			Title: T{EN: "controller-manager turns off RotateKubeletServerCertificate", ZH: "controller-manager 关闭了 RotateKubeletServerCertificate"},
			Fix:   T{EN: "Remove RotateKubeletServerCertificate=false from --feature-gates.", ZH: "从 --feature-gates 中删除 RotateKubeletServerCertificate=false。"},
			Test:  featureGateNotOff("RotateKubeletServerCertificate")},
		{ID: "KW-SCH-001", Component: s, Item: "3.3", Severity: high, Refs: []string{"Kubernetes docs: PKI certificates and requirements"},
			Title: T{EN: "scheduler kubeconfig lacks TLS or a client certificate", ZH: "scheduler 的 kubeconfig 缺少 TLS 或客户端证书"},
			Fix:   T{EN: "Use a kubeconfig with an https server, its CA and a client certificate and key.", ZH: "使用包含 https 服务器地址、CA 以及客户端证书和密钥的 kubeconfig。"},
			Test:  kubeconfigTLS("kubeconfig")},
		{ID: "KW-SCH-002", Component: s, Item: "3.3", Severity: med, Refs: []string{"CIS Kubernetes v1.12 1.4.2"},
			Title: T{EN: "scheduler listens beyond localhost", ZH: "scheduler 监听了非本地地址"},
			Fix:   T{EN: "Set --bind-address=127.0.0.1.", ZH: "设置 --bind-address=127.0.0.1。"},
			Test:  check.Loopback("bind-address")},
		{ID: "KW-SCH-003", Component: s, Item: "3.3", Severity: med, Refs: []string{"CIS Kubernetes v1.12 1.4.1"},
			Title: T{EN: "scheduler profiling is enabled", ZH: "scheduler 启用了性能分析"},
			Fix:   T{EN: "Set --profiling=false.", ZH: "设置 --profiling=false。"},
			Test:  check.Equals("profiling", "false")},
		{ID: "KW-PROXY-001", Component: p, Item: "3.3", Severity: high, Refs: []string{"Kubernetes docs: PKI certificates and requirements"},
			Title: T{EN: "kube-proxy kubeconfig lacks TLS or a client certificate", ZH: "kube-proxy 的 kubeconfig 缺少 TLS 或客户端证书"},
			Fix:   T{EN: "Use a kubeconfig with an https server, its CA and a client certificate (or a service account token over verified TLS).", ZH: "使用包含 https 服务器地址、CA 和客户端证书（或经过校验的 TLS 上的服务账号令牌）的 kubeconfig。"},
			Test:  kubeconfigTLS("kubeconfig")},
		{ID: "KW-PROXY-002", Component: p, Item: "3.3", Severity: med, Refs: []string{"CIS Kubernetes v1.12 4.3.1"},
			Title: T{EN: "kube-proxy metrics are exposed beyond localhost", ZH: "kube-proxy 指标端点暴露在非本地地址"},
			Fix:   T{EN: "Set --metrics-bind-address=127.0.0.1:10249 (or metricsBindAddress in its config).", ZH: "设置 --metrics-bind-address=127.0.0.1:10249（或配置文件中的 metricsBindAddress）。"},
			Test:  check.Loopback("metrics-bind-address")},
	}
}

func kubeletRules() []*check.FlagRule {
	k := inventory.Kubelet
	return []*check.FlagRule{
		{ID: "KW-KLT-001", Component: k, Item: "3.4", Severity: crit, Refs: []string{"CIS Kubernetes v1.12 4.2.1"},
			Title: T{EN: "kubelet allows anonymous requests", ZH: "kubelet 允许匿名请求"},
			Fix:   T{EN: "Set authentication.anonymous.enabled: false (--anonymous-auth=false).", ZH: "设置 authentication.anonymous.enabled: false（--anonymous-auth=false）。"},
			Test:  check.Equals("anonymous-auth", "false")},
		{ID: "KW-KLT-002", Component: k, Item: "3.4", Severity: crit, Refs: []string{"CIS Kubernetes v1.12 4.2.2"},
			Title: T{EN: "kubelet authorizes every request (not Webhook)", ZH: "kubelet 授权所有请求（未使用 Webhook）"},
			Fix:   T{EN: "Set authorization.mode: Webhook.", ZH: "设置 authorization.mode: Webhook。"},
			Test:  check.Equals("authorization-mode", "Webhook")},
		{ID: "KW-KLT-003", Component: k, Item: "3.4", Severity: high, Refs: []string{"CIS Kubernetes v1.12 4.2.3"},
			Title: T{EN: "kubelet does not verify client certificates (client CA)", ZH: "kubelet 未校验客户端证书（client CA）"},
			Fix:   T{EN: "Set authentication.x509.clientCAFile to the cluster CA.", ZH: "将 authentication.x509.clientCAFile 设置为集群 CA。"},
			Test:  check.IsSet("client-ca-file")},
		{ID: "KW-KLT-004", Component: k, Item: "3.4", Severity: high, Refs: []string{"CIS Kubernetes v1.12 4.2.4"},
			Title: T{EN: "kubelet read-only port is open", ZH: "kubelet 只读端口已开启"},
			Fix:   T{EN: "Set readOnlyPort: 0.", ZH: "设置 readOnlyPort: 0。"},
			Test:  check.Equals("read-only-port", "0")},
		{ID: "KW-KLT-005", Component: k, Item: "3.4", Severity: med, Refs: []string{"CIS Kubernetes v1.12 4.2.5"},
			Title: T{EN: "kubelet streaming connections never time out", ZH: "kubelet 流式连接永不超时"},
			Fix:   T{EN: "Set streamingConnectionIdleTimeout to a non-zero duration such as 5m.", ZH: "将 streamingConnectionIdleTimeout 设为非零时长，如 5m。"},
			Test:  check.NotZeroDuration("streaming-connection-idle-timeout")},
		{ID: "KW-KLT-006", Component: k, Item: "3.4", Severity: med, Refs: []string{"Kubernetes docs: Kubelet Configuration (protectKernelDefaults)"},
			Title: T{EN: "kubelet does not protect kernel defaults", ZH: "kubelet 未保护内核默认参数"},
			Fix:   T{EN: "Set protectKernelDefaults: true (and the sysctls it expects).", ZH: "设置 protectKernelDefaults: true（并设置其要求的 sysctl）。"},
			Test:  check.Equals("protect-kernel-defaults", "true")},
		{ID: "KW-KLT-007", Component: k, Item: "3.4", Severity: high, Refs: []string{"CIS Kubernetes v1.12 4.2.9"},
			Title: T{EN: "kubelet has no serving certificate", ZH: "kubelet 没有服务证书"},
			Fix:   T{EN: "Set tlsCertFile and tlsPrivateKeyFile, or serverTLSBootstrap: true with an approver.", ZH: "设置 tlsCertFile 与 tlsPrivateKeyFile，或设置 serverTLSBootstrap: true 并配合审批。"},
			Test:  check.AnyOf(check.AllOf(check.IsSet("tls-cert-file"), check.IsSet("tls-private-key-file")), check.Equals("rotate-server-certificates", "true"))},
		{ID: "KW-KLT-008", Component: k, Item: "3.4", Severity: med, Refs: []string{"CIS Kubernetes v1.12 4.2.10"},
			Title: T{EN: "kubelet client certificate is not rotated", ZH: "kubelet 客户端证书未轮换"},
			Fix:   T{EN: "Set rotateCertificates: true.", ZH: "设置 rotateCertificates: true。"},
			Test:  check.Equals("rotate-certificates", "true")},
		{ID: "KW-KLT-009", Component: k, Item: "3.4", Severity: high, Refs: []string{"Kubernetes docs: PKI certificates and requirements"},
			Title: T{EN: "kubelet kubeconfig lacks TLS or a client certificate", ZH: "kubelet 的 kubeconfig 缺少 TLS 或客户端证书"},
			Fix:   T{EN: "Use a kubeconfig with an https server, its CA and a client certificate.", ZH: "使用包含 https 服务器地址、CA 和客户端证书的 kubeconfig。"},
			Test:  kubeconfigTLS("kubeconfig")},
		{ID: "KW-KLT-010", Component: k, Item: "2.5", Severity: med, Refs: []string{"CIS Kubernetes v1.12 4.2.14"},
			Title: T{EN: "kubelet does not default pods to the RuntimeDefault seccomp profile", ZH: "kubelet 未将 Pod 默认设置为 RuntimeDefault seccomp 配置"},
			Fix:   T{EN: "Set seccompDefault: true.", ZH: "设置 seccompDefault: true。"},
			Test:  check.Equals("seccomp-default", "true")},
		{ID: "KW-KLT-011", Component: k, Item: "3.4", Severity: low, Refs: []string{"CIS Kubernetes v1.12 4.2.6"},
			Title: T{EN: "kubelet does not manage its iptables utility chains", ZH: "kubelet 不管理其 iptables 工具链"},
			Fix:   T{EN: "Set makeIPTablesUtilChains: true (the default) or remove --make-iptables-util-chains=false.", ZH: "设置 makeIPTablesUtilChains: true（默认值），或删除 --make-iptables-util-chains=false。"},
			Test:  check.NotEquals("make-iptables-util-chains", "false")},
		{ID: "KW-KLT-013", Component: k, Item: "3.4", Severity: low, Refs: []string{"CIS Kubernetes v1.12 4.2.8"},
			Title: T{EN: "kubelet eventRecordQPS is not a valid level", ZH: "kubelet 的 eventRecordQPS 不是有效值"},
			Fix:   T{EN: "Set eventRecordQPS (--event-qps) to a non-negative number suited to the node (default 50; 0 means no limit).", ZH: "将 eventRecordQPS（--event-qps）设为适合节点的非负数（默认 50；0 表示不限制）。"},
			Test:  nonNegativeNumber("event-qps")},
		{ID: "KW-KLT-014", Component: k, Item: "3.4", Severity: med, Refs: []string{"CIS Kubernetes v1.12 4.2.11"},
			Title: T{EN: "kubelet turns off RotateKubeletServerCertificate", ZH: "kubelet 关闭了 RotateKubeletServerCertificate"},
			Fix:   T{EN: "Remove RotateKubeletServerCertificate: false from featureGates (--feature-gates).", ZH: "从 featureGates（--feature-gates）中删除 RotateKubeletServerCertificate: false。"},
			Test:  featureGateNotOff("RotateKubeletServerCertificate")},
		{ID: "KW-KLT-015", Component: k, Item: "3.4", Severity: med, Refs: []string{"CIS Kubernetes v1.12 4.2.12"},
			Title: T{EN: "kubelet allows weak TLS cipher suites", ZH: "kubelet 允许弱 TLS 密码套件"},
			Fix:   T{EN: "Set tlsCipherSuites to ECDHE AES-GCM and ChaCha20-Poly1305 suites only.", ZH: "将 tlsCipherSuites 仅设置为 ECDHE AES-GCM 与 ChaCha20-Poly1305 套件。"},
			Test:  strongCiphers},
		{ID: "KW-KLT-016", Component: k, Item: "3.4", Severity: med, Refs: []string{"CIS Kubernetes v1.12 4.2.13"},
			Title: T{EN: "kubelet sets no limit on pod PIDs", ZH: "kubelet 未限制 Pod 的 PID 数量"},
			Fix:   T{EN: "Set podPidsLimit (--pod-max-pids) to a positive number suited to the node, for example 4096.", ZH: "将 podPidsLimit（--pod-max-pids）设为适合节点的正数，例如 4096。"},
			Test:  positiveNumber("pod-max-pids")},
	}
}

// positiveDuration: the duration setting parses and is above zero.
func positiveDuration(name string) check.FlagTest {
	return func(c *inventory.Component, _ *inventory.Node) check.Verdict {
		v := c.Setting(name)
		d, err := time.ParseDuration(v.Value)
		return check.From(v, name, err == nil && d > 0, catalog.F("%s is %q, want a positive duration", "%s 为 %q，应为正的时长", name, v.Value))
	}
}

// positiveNumber: the numeric setting is above zero.
func positiveNumber(name string) check.FlagTest {
	return func(c *inventory.Component, _ *inventory.Node) check.Verdict {
		v := c.Setting(name)
		n, err := strconv.ParseFloat(v.Value, 64)
		return check.From(v, name, err == nil && n > 0, catalog.F("%s is %q, want a positive number", "%s 为 %q，应为正数", name, v.Value))
	}
}

// nonNegativeNumber: the numeric setting is 0 or above.
func nonNegativeNumber(name string) check.FlagTest {
	return func(c *inventory.Component, _ *inventory.Node) check.Verdict {
		v := c.Setting(name)
		n, err := strconv.ParseFloat(v.Value, 64)
		return check.From(v, name, err == nil && n >= 0, catalog.F("%s is %q, want a number of 0 or more", "%s 为 %q，应为不小于 0 的数", name, v.Value))
	}
}

// featureGateNotOff: feature-gates (a flag "A=true,B=false" or a config
// map) does not turn gate off.
func featureGateNotOff(gate string) check.FlagTest {
	return func(c *inventory.Component, _ *inventory.Node) check.Verdict {
		v := c.Setting("feature-gates")
		off := false
		for _, kv := range check.List(v.Value) {
			k, val, _ := strings.Cut(kv, "=")
			if strings.TrimSpace(k) == gate && strings.EqualFold(strings.TrimSpace(val), "false") {
				off = true
			}
		}
		return check.From(v, "feature-gates", !off, catalog.F("feature-gates turns %s off", "feature-gates 关闭了 %s", gate))
	}
}
