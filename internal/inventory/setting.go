package inventory

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
)

// Component kinds: the programs a node audit knows how to find.
const (
	Etcd              = "etcd"
	APIServer         = "kube-apiserver"
	ControllerManager = "kube-controller-manager"
	Scheduler         = "kube-scheduler"
	Kubelet           = "kubelet"
	KubeProxy         = "kube-proxy"
	Calico            = "calico-node"
	Dockerd           = "dockerd"
	Containerd        = "containerd"
	CRIO              = "crio"
	SSHD              = "sshd"
)

// Setting is a component setting's effective value and where it came from.
type Setting struct {
	Value string
	// List holds every value of a setting given several times (the flag
	// repeated, a config list); Map a key=value setting (dockerd log-opts).
	List []string
	Map  map[string]string
	Set  bool   // set explicitly (flag, config file or environment)
	From string // "flag --x", "config FILE key k", "daemon.json key k", "env X", "default"
	File string // where to change it: the command line's origin or the config file
	Key  string // the flag or config key
}

// Evidence renders a setting for a report: name=value (origin).
func (s Setting) Evidence(name string) string {
	val := s.Value
	if val == "" {
		val = "<unset>"
	}
	return fmt.Sprintf("%s=%s (%s)", name, val, s.From)
}

// SettingDef says where a component reads one setting besides its own
// flag, and its defaults.
type SettingDef struct {
	// Flags are the flag names (first canonical); empty means the setting's
	// own name.
	Flags []string
	// Keys are dotted keys in the component's config file, tried in order.
	Keys []string
	// Env is the environment variable; EnvBool makes any non-empty value
	// mean "true" (dockerd's DOCKER_TLS_VERIFY).
	Env     string
	EnvBool bool
	// Default applies when the component runs without a config file,
	// ConfigDefault when it has one (the kubelet's defaults differ).
	Default, ConfigDefault string
	// Multi is "list" or "map" for settings given several times.
	Multi string
}

// settingKind is how one kind of component resolves its settings.
type settingKind struct {
	defs map[string]SettingDef
	// implied gives the def of a setting not listed (etcd: the config file
	// and ETCD_ variables use the flag's name).
	implied func(name string) SettingDef
	// configFrom names the config file in an origin.
	configFrom func(c *Component) string
	// hasConfig says whether the component has a config file: the default
	// then points at its key.
	hasConfig func(c *Component) bool
	// oneDefault: the default does not change with a config file.
	oneDefault bool
}

func configFromFile(c *Component) string { return "config " + c.ConfigFile }
func configParsed(c *Component) bool     { return c.Config != nil }

var kubeletDefs = map[string]SettingDef{
	"anonymous-auth":                    {Keys: []string{"authentication.anonymous.enabled"}, Default: "true", ConfigDefault: "false"},
	"authorization-mode":                {Keys: []string{"authorization.mode"}, Default: "AlwaysAllow", ConfigDefault: "Webhook"},
	"client-ca-file":                    {Keys: []string{"authentication.x509.clientCAFile"}},
	"read-only-port":                    {Keys: []string{"readOnlyPort"}, Default: "10255", ConfigDefault: "0"},
	"streaming-connection-idle-timeout": {Keys: []string{"streamingConnectionIdleTimeout"}, Default: "4h0m0s", ConfigDefault: "4h0m0s"},
	"protect-kernel-defaults":           {Keys: []string{"protectKernelDefaults"}, Default: "false", ConfigDefault: "false"},
	"tls-cert-file":                     {Keys: []string{"tlsCertFile"}},
	"tls-private-key-file":              {Keys: []string{"tlsPrivateKeyFile"}},
	"rotate-certificates":               {Keys: []string{"rotateCertificates"}, Default: "false", ConfigDefault: "false"},
	"rotate-server-certificates":        {Keys: []string{"serverTLSBootstrap"}, Default: "false", ConfigDefault: "false"},
	"seccomp-default":                   {Keys: []string{"seccompDefault"}, Default: "false", ConfigDefault: "false"},
	"make-iptables-util-chains":         {Keys: []string{"makeIPTablesUtilChains"}, Default: "true", ConfigDefault: "true"},
	"event-qps":                         {Keys: []string{"eventRecordQPS"}, Default: "50", ConfigDefault: "50"},
	"tls-cipher-suites":                 {Keys: []string{"tlsCipherSuites"}},
	"pod-max-pids":                      {Keys: []string{"podPidsLimit"}, Default: "-1", ConfigDefault: "-1"},
	"feature-gates":                     {Keys: []string{"featureGates"}},
}

// APIServerAdmissionDefault is the API server's default
// --enable-admission-plugins.
const APIServerAdmissionDefault = "NamespaceLifecycle,LimitRanger,ServiceAccount,TaintNodesByCondition,PodSecurity,Priority,DefaultTolerationSeconds,DefaultStorageClass,StorageObjectInUseProtection,PersistentVolumeClaimResize,RuntimeClass,CertificateApproval,CertificateSigning,ClusterTrustBundleAttest,CertificateSubjectRestriction,DefaultIngressClass,MutatingAdmissionPolicy,MutatingAdmissionWebhook,ValidatingAdmissionPolicy,ValidatingAdmissionWebhook,ResourceQuota"

var settingKinds = map[string]settingKind{
	Kubelet: {defs: kubeletDefs},
	KubeProxy: {defs: map[string]SettingDef{
		"kubeconfig":           {Keys: []string{"clientConnection.kubeconfig"}},
		"metrics-bind-address": {Keys: []string{"metricsBindAddress"}, Default: "127.0.0.1:10249", ConfigDefault: "127.0.0.1:10249"},
	}},
	Scheduler: {defs: map[string]SettingDef{
		"kubeconfig":   {Keys: []string{"clientConnection.kubeconfig"}},
		"profiling":    {Keys: []string{"enableProfiling"}, Default: "true", ConfigDefault: "true"},
		"bind-address": {Default: "0.0.0.0"},
	}},
	ControllerManager: {defs: map[string]SettingDef{
		"profiling":                       {Default: "true"},
		"bind-address":                    {Default: "0.0.0.0"},
		"use-service-account-credentials": {Default: "false"},
	}},
	APIServer: {defs: map[string]SettingDef{
		"profiling":                               {Default: "true"},
		"anonymous-auth":                          {Default: "true"},
		"authorization-mode":                      {Default: "AlwaysAllow"},
		"service-account-lookup":                  {Default: "true"},
		"enable-admission-plugins":                {Default: APIServerAdmissionDefault},
		"service-account-extend-token-expiration": {Default: "true"},
		"request-timeout":                         {Default: "1m0s"},
	}},
	Etcd: {
		defs: map[string]SettingDef{
			"client-cert-auth":      {Default: "false"},
			"peer-client-cert-auth": {Default: "false"},
			"auto-tls":              {Default: "false"},
			"peer-auto-tls":         {Default: "false"},
			"listen-client-urls":    {Default: "http://localhost:2379"},
			"advertise-client-urls": {Default: "http://localhost:2379"},
			"data-dir":              {Default: "${name}.etcd"},
		},
		// etcd's config file uses the flag names, its environment ETCD_X.
		implied: func(name string) SettingDef {
			return SettingDef{Keys: []string{name}, Env: "ETCD_" + strings.ToUpper(strings.ReplaceAll(name, "-", "_"))}
		},
	},
	// dockerd refuses to start when a setting is given both as a flag and in
	// daemon.json, so the flag, when present, is the value in force.
	Dockerd: {
		defs: map[string]SettingDef{
			"icc":               {Keys: []string{"icc"}, Default: "true"},
			"userns-remap":      {Keys: []string{"userns-remap"}},
			"live-restore":      {Keys: []string{"live-restore"}, Default: "false"},
			"no-new-privileges": {Keys: []string{"no-new-privileges"}, Default: "false"},
			"log-driver":        {Keys: []string{"log-driver"}, Default: "json-file"},
			"storage-driver":    {Flags: []string{"storage-driver", "s"}, Keys: []string{"storage-driver"}},
			"data-root":         {Flags: []string{"data-root", "graph", "g"}, Keys: []string{"data-root", "graph"}, Default: "/var/lib/docker"},
			"insecure-registry": {Keys: []string{"insecure-registries"}, Multi: "list"},
			"tlsverify":         {Keys: []string{"tlsverify"}, Env: "DOCKER_TLS_VERIFY", EnvBool: true, Default: "false"},
			"tlscacert":         {Keys: []string{"tlscacert"}},
			"group":             {Flags: []string{"group", "G"}, Keys: []string{"group"}, Default: "docker"},
			"log-opt":           {Keys: []string{"log-opts"}, Multi: "map"},
			// CIS Docker v1.6.0 section 2.
			"log-level":            {Flags: []string{"log-level", "l"}, Keys: []string{"log-level"}, Default: "info"},
			"iptables":             {Keys: []string{"iptables"}, Default: "true"},
			"cgroup-parent":        {Keys: []string{"cgroup-parent"}},
			"storage-opt":          {Keys: []string{"storage-opts"}, Multi: "list"},
			"authorization-plugin": {Keys: []string{"authorization-plugins"}, Multi: "list"},
			"userland-proxy":       {Keys: []string{"userland-proxy"}, Default: "true"},
			"experimental":         {Keys: []string{"experimental"}, Default: "false"},
			"tlscert":              {Keys: []string{"tlscert"}},
			"tlskey":               {Keys: []string{"tlskey"}},
		},
		configFrom: func(*Component) string { return "daemon.json" },
		hasConfig:  func(c *Component) bool { return c.ConfigFile != "" },
		oneDefault: true,
	},
}

// Setting resolves a setting the way the component itself does: its
// command-line flag first, then its config file, then its environment,
// then its default (which may differ with a config file).
func (c *Component) Setting(name string) Setting {
	k := settingKinds[c.Kind]
	d := k.defs[name]
	if k.implied != nil {
		imp := k.implied(name)
		if len(d.Keys) == 0 {
			d.Keys = imp.Keys
		}
		if d.Env == "" {
			d.Env = imp.Env
		}
	}
	flags := d.Flags
	if len(flags) == 0 {
		flags = []string{name}
	}
	for _, fl := range flags {
		vs := c.Flags[fl]
		if len(vs) == 0 {
			continue
		}
		dash := "--"
		if len(fl) == 1 {
			dash = "-"
		}
		s := Setting{Value: vs[len(vs)-1], List: vs, Set: true, From: "flag " + dash + fl, File: c.Origin(), Key: dash + fl}
		switch d.Multi {
		case "list":
			s.Value = strings.Join(vs, ",")
		case "map":
			s.Map = kvMap(vs)
			s.Value = MapString(s.Map)
		}
		return s
	}
	configFrom := k.configFrom
	if configFrom == nil {
		configFrom = configFromFile
	}
	for _, key := range d.Keys {
		raw, ok := c.ConfigValue(key)
		if !ok || raw == nil {
			continue
		}
		s := Setting{Set: true, From: configFrom(c) + " key " + key, File: c.ConfigFile, Key: key}
		switch t := raw.(type) {
		case []any:
			for _, e := range t {
				s.List = append(s.List, FormatValue(e))
			}
			s.Value = strings.Join(s.List, ",")
		case map[string]any:
			s.Map = map[string]string{}
			for mk, mv := range t {
				s.Map[mk] = FormatValue(mv)
			}
			s.Value = MapString(s.Map)
		default:
			s.Value = FormatValue(raw)
			s.List = []string{s.Value}
		}
		return s
	}
	if d.Env != "" {
		if ev, ok := c.Env[d.Env]; ok {
			s := Setting{Value: ev, Set: true, From: "env " + d.Env, File: c.Origin(), Key: d.Env}
			if d.EnvBool {
				s.Value = strconv.FormatBool(ev != "")
			}
			return s
		}
	}
	hasConfig := k.hasConfig
	if hasConfig == nil {
		hasConfig = configParsed
	}
	s := Setting{Value: d.Default, From: "default", File: c.Origin(), Key: "--" + flags[0]}
	if hasConfig(c) {
		if !k.oneDefault {
			s.Value = d.ConfigDefault
		}
		if len(d.Keys) > 0 {
			s.File, s.Key = c.ConfigFile, d.Keys[0]
		}
	}
	if s.Value != "" {
		s.List = []string{s.Value}
	}
	return s
}

// kvMap reads repeated key=value flags (--log-opt max-size=10m).
func kvMap(vs []string) map[string]string {
	m := map[string]string{}
	for _, e := range vs {
		if k, v, ok := strings.Cut(e, "="); ok {
			m[k] = v
		}
	}
	return m
}

// MapString renders a map setting as sorted key=value pairs.
func MapString(m map[string]string) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = k + "=" + m[k]
	}
	return strings.Join(parts, ",")
}
