// Package controlplane holds the checks of a node's components: etcd, the control
// plane, kubelet, kube-proxy and Calico. Flag and config checks are data
// (component, setting, test) run by one evaluator; each setting is read the
// way the component itself reads it: its command-line flag first, then the
// config file its flag names, then its environment, then its default.
// IDs: KW-ETCD-*, KW-API-*, KW-KCM-*, KW-SCH-*, KW-KLT-*, KW-PROXY-*,
// KW-CALICO-*, KW-FILE-*, KW-CERT-*.
package controlplane

import (
	"fmt"
	"strings"

	"github.com/kubeward/kubeward/internal/inventory"
	"github.com/kubeward/kubeward/internal/source/host"
)

// Value is a setting's effective value and where it came from.
type Value struct {
	Value string
	Set   bool   // set explicitly (flag, config file or environment)
	From  string // "flag --x", "config FILE key k", "env X", "default"
	File  string // where to look: the command line or the config file
	Key   string // the flag or config key
}

// def says where else a setting lives and its defaults.
type def struct {
	config string // dotted key in the component's config file
	env    string // environment variable
	// flagDefault applies when the component runs without a config file;
	// configDefault when it has one (the kubelet's defaults differ).
	flagDefault, configDefault string
}

var defs = map[string]map[string]def{
	host.Kubelet: {
		"anonymous-auth":                    {config: "authentication.anonymous.enabled", flagDefault: "true", configDefault: "false"},
		"authorization-mode":                {config: "authorization.mode", flagDefault: "AlwaysAllow", configDefault: "Webhook"},
		"client-ca-file":                    {config: "authentication.x509.clientCAFile"},
		"read-only-port":                    {config: "readOnlyPort", flagDefault: "10255", configDefault: "0"},
		"streaming-connection-idle-timeout": {config: "streamingConnectionIdleTimeout", flagDefault: "4h0m0s", configDefault: "4h0m0s"},
		"protect-kernel-defaults":           {config: "protectKernelDefaults", flagDefault: "false", configDefault: "false"},
		"tls-cert-file":                     {config: "tlsCertFile"},
		"tls-private-key-file":              {config: "tlsPrivateKeyFile"},
		"rotate-certificates":               {config: "rotateCertificates", flagDefault: "false", configDefault: "false"},
		"rotate-server-certificates":        {config: "serverTLSBootstrap", flagDefault: "false", configDefault: "false"},
		"seccomp-default":                   {config: "seccompDefault", flagDefault: "false", configDefault: "false"},
	},
	host.KubeProxy: {
		"kubeconfig":           {config: "clientConnection.kubeconfig"},
		"metrics-bind-address": {config: "metricsBindAddress", flagDefault: "127.0.0.1:10249", configDefault: "127.0.0.1:10249"},
	},
	host.Scheduler: {
		"kubeconfig":   {config: "clientConnection.kubeconfig"},
		"profiling":    {config: "enableProfiling", flagDefault: "true", configDefault: "true"},
		"bind-address": {flagDefault: "0.0.0.0"},
	},
	host.ControllerManager: {
		"profiling":                       {flagDefault: "true"},
		"bind-address":                    {flagDefault: "0.0.0.0"},
		"use-service-account-credentials": {flagDefault: "false"},
	},
	host.APIServer: {
		"profiling":                {flagDefault: "true"},
		"anonymous-auth":           {flagDefault: "true"},
		"authorization-mode":       {flagDefault: "AlwaysAllow"},
		"service-account-lookup":   {flagDefault: "true"},
		"enable-admission-plugins": {flagDefault: "NamespaceLifecycle,LimitRanger,ServiceAccount,TaintNodesByCondition,PodSecurity,Priority,DefaultTolerationSeconds,DefaultStorageClass,StorageObjectInUseProtection,PersistentVolumeClaimResize,RuntimeClass,CertificateApproval,CertificateSigning,ClusterTrustBundleAttest,CertificateSubjectRestriction,DefaultIngressClass,MutatingAdmissionPolicy,MutatingAdmissionWebhook,ValidatingAdmissionPolicy,ValidatingAdmissionWebhook,ResourceQuota"},
	},
	host.Etcd: {
		"client-cert-auth":      {flagDefault: "false"},
		"peer-client-cert-auth": {flagDefault: "false"},
		"auto-tls":              {flagDefault: "false"},
		"peer-auto-tls":         {flagDefault: "false"},
		"listen-client-urls":    {flagDefault: "http://localhost:2379"},
		"advertise-client-urls": {flagDefault: "http://localhost:2379"},
		"data-dir":              {flagDefault: "${name}.etcd"},
	},
}

// etcdEnv is the ETCD_ variable of an etcd flag.
func etcdEnv(flag string) string {
	return "ETCD_" + strings.ToUpper(strings.ReplaceAll(flag, "-", "_"))
}

// Get resolves a setting of a component.
func Get(c *inventory.Component, name string) Value {
	d := defs[c.Kind][name]
	if v, ok := c.Flag(name); ok {
		return Value{Value: v, Set: true, From: "flag --" + name, File: c.Origin(), Key: "--" + name}
	}
	key := d.config
	if key == "" && c.Kind == host.Etcd {
		key = name // etcd's config file uses the flag names
	}
	if key != "" {
		if v, ok := c.ConfigValue(key); ok && v != nil {
			return Value{Value: inventory.FormatValue(v), Set: true, From: "config " + c.ConfigFile + " key " + key, File: c.ConfigFile, Key: key}
		}
	}
	env := d.env
	if env == "" && c.Kind == host.Etcd {
		env = etcdEnv(name)
	}
	if env != "" {
		if v, ok := c.Env[env]; ok {
			return Value{Value: v, Set: true, From: "env " + env, File: c.Origin(), Key: env}
		}
	}
	dv := d.flagDefault
	file, k := c.Origin(), "--"+name
	if c.Config != nil {
		dv = d.configDefault
		if key != "" {
			file, k = c.ConfigFile, key
		}
	}
	return Value{Value: dv, From: "default", File: file, Key: k}
}

// Evidence renders a value for a report: name=value (origin).
func (v Value) Evidence(name string) string {
	val := v.Value
	if val == "" {
		val = "<unset>"
	}
	return fmt.Sprintf("%s=%s (%s)", name, val, v.From)
}
