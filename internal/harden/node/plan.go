// Package node plans the fixes of a node's failed checks: the control
// plane's and the kubelet's settings (kubeadm-style patches, systemd
// drop-ins, a KubeletConfiguration patch), the PKI they need, the API
// server's encryption and audit configuration, and the file modes. Which
// settings to fix comes from the checks themselves: the plan runs every
// registered flag rule (check.FlagRules) on every component and fixes the
// ones that fail, so the checks and the fixes cannot drift apart; a unit
// test requires a fix, or a reason why there is none, for every flag rule.
package node

import (
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
	"time"

	"github.com/kubeward/kubeward/internal/catalog"
	"github.com/kubeward/kubeward/internal/check"
	"github.com/kubeward/kubeward/internal/config"
	"github.com/kubeward/kubeward/internal/harden/node/apiconfig"
	"github.com/kubeward/kubeward/internal/harden/node/hostfix"
	"github.com/kubeward/kubeward/internal/harden/node/pki"
	"github.com/kubeward/kubeward/internal/inventory"
	"github.com/kubeward/kubeward/internal/result"
	"github.com/kubeward/kubeward/internal/source/host"
)

// Names of the generated configuration files (in Options.ConfigDir on the
// node, and at the top of the output directory).
const (
	EncryptionFile   = "encryption-config.yaml"
	AuditPolicyFile  = "audit-policy.yaml"
	AuditWebhookFile = "audit-webhook.kubeconfig"
	// AdmissionConfigFile configures EventRateLimit (KW-API-019).
	AdmissionConfigFile = "admission-config.yaml"
)

// Options say where things live on the node and how to generate them.
type Options struct {
	Layout pki.Layout
	// ConfigDir is where the generated configuration files (encryption,
	// audit policy) live on the node; the patches name them there.
	ConfigDir    string
	AuditLogPath string
	Encryption   apiconfig.Provider
	// Random is the source of the encryption key (crypto/rand when nil).
	Random io.Reader
	Env    *check.Env
	// ReadFile reads a node file (containerd's registry files); nil skips
	// those fixes.
	ReadFile func(path string) ([]byte, error)
	// Firewall holds the networks the firewall admits; nil: no firewall
	// rules (the plan says why).
	Firewall *hostfix.Firewall
	// PermitRootLogin for the sshd drop-in: prohibit-password (default)
	// or no.
	PermitRootLogin string
	// OutDir is where the plan's files are written.
	OutDir string
	// Only limits the plan to some parts (PartControlPlane, PartRuntime,
	// PartHost); empty means all.
	Only map[string]bool
	// Rules keeps only the flag rules it returns true for (nil: all): the
	// golden test pins the rules it was written against.
	Rules func(id string) bool
}

// Parts of a plan (--only).
const (
	PartControlPlane = "control-plane" // components, PKI, encryption, audit, file modes, Calico
	PartRuntime      = "runtime"       // Docker and containerd
	PartHost         = "host"          // sshd and the firewall
)

func (o Options) wants(part string) bool { return len(o.Only) == 0 || o.Only[part] }

// Plan is every fix for one node.
type Plan struct {
	Components []*ComponentPlan `json:"components"`
	// Files are generated files, at paths relative to the output
	// directory.
	Files []*File `json:"files"`
	// FileFixes are mode and owner changes of files on the node.
	FileFixes []*FileFix `json:"fileFixes,omitempty"`
	// PKI is true when the components are pointed at the layout's PKI;
	// Certificates then lists what the layout needs and what exists.
	PKI          bool        `json:"pki"`
	Certificates []pki.Entry `json:"-"`
	// Unfixed are failed checks with no automatic fix, and why.
	Unfixed []Unfixed `json:"unfixed,omitempty"`
	// Steps are what a person runs afterwards (printed, never run).
	Steps []catalog.Text `json:"steps,omitempty"`

	configDir, outDir, dockerConfig string
	// systemdUnits are the units the node's components run from.
	systemdUnits map[string]bool
}

// ComponentPlan is the new configuration of one component.
type ComponentPlan struct {
	Kind       string `json:"kind"`
	Source     string `json:"source"`
	SourceFile string `json:"sourceFile,omitempty"`
	PID        int    `json:"pid,omitempty"`
	// Args is the new command line (argv[0] first).
	Args []string `json:"args"`
	// ConfigFile and ConfigPatch: the kubelet's config file and the
	// KubeletConfiguration fields to set in it.
	ConfigFile  string         `json:"configFile,omitempty"`
	ConfigPatch map[string]any `json:"configPatch,omitempty"`
	// Fixes are the check IDs the changes fix; Changes says what changed,
	// flag by flag.
	Fixes   []string `json:"fixes"`
	Changes []string `json:"changes"`

	old *inventory.Component
}

// File is one generated file.
type File struct {
	Path  string       `json:"path"`
	Mode  os.FileMode  `json:"mode"`
	Fixes []string     `json:"fixes"`
	What  catalog.Text `json:"what"`
	Data  []byte       `json:"-"`
}

// FileFix is a mode or owner change of a file on the node.
type FileFix struct {
	Path  string      `json:"path"`
	Mode  os.FileMode `json:"mode,omitempty"` // the mode to set (0 keeps it)
	Chown bool        `json:"chownRoot,omitempty"`
	Fixes []string    `json:"fixes"`
}

// Unfixed is a failed check without an automatic fix.
type Unfixed struct {
	ID        string       `json:"id"`
	Component string       `json:"component,omitempty"`
	Why       catalog.Text `json:"why"`
}

// kinds are the components whose settings the plan fixes, in start order.
var kinds = []string{inventory.Etcd, inventory.APIServer, inventory.ControllerManager, inventory.Scheduler, inventory.Kubelet, inventory.KubeProxy}

// Make plans the fixes for node n.
func Make(n *inventory.Node, o Options) (*Plan, error) {
	if o.Env == nil {
		o.Env = &check.Env{Now: time.Now()}
	}
	if o.Env.Config == nil {
		e := *o.Env
		e.Config = config.Default()
		o.Env = &e
	}
	x := &ctx{layout: o.Layout, configDir: o.ConfigDir, auditLog: o.AuditLogPath, node: n}
	p := &Plan{configDir: o.ConfigDir, outDir: o.OutDir, systemdUnits: map[string]bool{}}
	for _, c := range n.Components {
		if c.Source == "systemd unit" && c.SourceFile != "" {
			p.systemdUnits[unitName(c.SourceFile)] = true
		}
	}
	results := check.EvaluateNode(o.Env, n)
	if !o.wants(PartControlPlane) {
		if o.wants(PartRuntime) {
			if err := p.runtimeFixes(n, o, results); err != nil {
				return nil, err
			}
		}
		if o.wants(PartHost) {
			if err := p.hostFixes(n, o, results); err != nil {
				return nil, err
			}
		}
		return p, nil
	}
	for _, r := range results {
		if r.Status == result.Fail && pkiIDs[r.ID] {
			p.PKI = true
		}
	}
	failing := map[*inventory.Component][]string{}
	var rules []*check.FlagRule
	for _, r := range check.FlagRules() {
		if o.Rules == nil || o.Rules(r.ID) {
			rules = append(rules, r)
		}
	}
	for _, kind := range kinds {
		for _, c := range n.ComponentsOf(kind) {
			for _, r := range rules {
				if r.Component != kind {
					continue
				}
				v := r.Test(c, n)
				if v.OK || v.NA != "" || v.Warn {
					continue
				}
				failing[c] = append(failing[c], r.ID)
				if pkiIDs[r.ID] {
					p.PKI = true
				}
			}
		}
	}
	for _, kind := range kinds {
		for _, c := range n.ComponentsOf(kind) {
			var changes []change
			var ids []string
			if p.PKI {
				changes = append(changes, pkiChanges(c, x)...)
			}
			for _, id := range failing[c] {
				switch {
				case fixes[id] != nil:
					changes = append(changes, fixes[id](c, x)...)
				case pkiIDs[id]:
				case fileIDs[id]:
					continue // a FileFix
				case manual[id].EN != "":
					p.Unfixed = append(p.Unfixed, Unfixed{ID: id, Component: kind, Why: manual[id]})
					continue
				default:
					p.Unfixed = append(p.Unfixed, Unfixed{ID: id, Component: kind, Why: catalog.Text{EN: "no automatic fix", ZH: "没有自动修复"}})
					continue
				}
				ids = append(ids, id)
			}
			if p.PKI {
				ids = append(ids, pkiFixed(c, failing[c], results)...)
			}
			if cp := apply(c, changes); cp != nil {
				cp.Fixes = uniqSorted(ids)
				p.Components = append(p.Components, cp)
			}
		}
	}
	for _, r := range results {
		if r.Status == result.Warn && r.ID == "KW-API-011" {
			p.Unfixed = append(p.Unfixed, Unfixed{ID: r.ID, Component: inventory.APIServer, Why: manual[r.ID]})
		}
	}
	if err := p.generate(o, x); err != nil {
		return nil, err
	}
	p.reviewSteps(n)
	if err := p.calicoFixes(n, x, results); err != nil {
		return nil, err
	}
	if o.wants(PartRuntime) {
		if err := p.runtimeFixes(n, o, results); err != nil {
			return nil, err
		}
	}
	if o.wants(PartHost) {
		if err := p.hostFixes(n, o, results); err != nil {
			return nil, err
		}
	}
	p.fileFixes(results)
	return p, nil
}

// reviewSteps are what a person must do around changes that can break
// clients: printed with the plan.
func (p *Plan) reviewSteps(n *inventory.Node) {
	for _, cp := range p.Components {
		if cp.Kind != inventory.APIServer {
			continue
		}
		changed := strings.Join(cp.Changes, "\n")
		if strings.Contains(changed, "- --token-auth-file") {
			p.Steps = append(p.Steps, catalog.Text{
				EN: "Before the API server restarts without --token-auth-file, move every client of the static tokens to certificates, OIDC or webhook tokens.",
				ZH: "在 API Server 去掉 --token-auth-file 重启之前，请将所有使用静态令牌的客户端迁移到证书、OIDC 或 Webhook 令牌。"})
		}
		if strings.Contains(changed, "--kubelet-certificate-authority=") {
			p.Steps = append(p.Steps, catalog.Text{
				EN: "The API server will verify kubelets' serving certificates: give every node's kubelet one from the cluster CA (harden node on each node, or serverTLSBootstrap with an approver) first, or kubectl logs and exec fail for that node.",
				ZH: "API Server 将校验 kubelet 的服务证书：请先为每个节点的 kubelet 签发集群 CA 的证书（在每个节点上运行 harden node，或使用 serverTLSBootstrap 并配合审批），否则该节点上的 kubectl logs 与 exec 将失败。"})
		}
		if strings.Contains(changed, "--encryption-provider-config=") && cp.old != nil {
			if old := cp.old.Setting("encryption-provider-config").Value; old != "" {
				if fl := n.File(cp.old.PID, old); fl != nil && fl.Encryption != nil {
					var keyed []string
					for _, r := range fl.Encryption.Resources {
						for _, pr := range r.Providers {
							if pr != "identity" {
								keyed = append(keyed, pr)
							}
						}
					}
					if len(keyed) > 0 {
						p.Steps = append(p.Steps, catalog.F(
							"%s also has the providers %s: copy them (with their keys) after the new key in encryption-config.yaml, or the data they encrypted cannot be read.",
							"%s 还包含提供者 %s：请将它们（连同密钥）复制到 encryption-config.yaml 中新密钥之后，否则无法读取由它们加密的数据。", old, strings.Join(keyed, ", ")))
					}
				}
			}
		}
	}
}

// pkiFixed are the PKI check IDs that fail on c (flag rules or certificate
// results located at one of its files).
func pkiFixed(c *inventory.Component, failing []string, results []result.Result) []string {
	var out []string
	for _, id := range failing {
		if pkiIDs[id] {
			out = append(out, id)
		}
	}
	for _, r := range results {
		if r.Status != result.Fail || !strings.HasPrefix(r.ID, "KW-CERT-") || r.Location == nil {
			continue
		}
		for _, vs := range c.Flags {
			for _, v := range vs {
				if v == r.Location.File {
					out = append(out, r.ID)
				}
			}
		}
	}
	return out
}

// apply makes the component's new configuration; nil when nothing
// changes.
func apply(c *inventory.Component, changes []change) *ComponentPlan {
	if len(changes) == 0 {
		return nil
	}
	cp := &ComponentPlan{Kind: c.Kind, Source: c.Source, SourceFile: c.SourceFile, PID: c.PID, old: c}
	args := append([]string(nil), c.Args...)
	useConfig := c.Kind == inventory.Kubelet && c.ConfigFile != ""
	done := map[string]int{} // flag -> index in changes of its last change
	for i, ch := range changes {
		done[ch.Flag] = i
	}
	for i, ch := range changes {
		if done[ch.Flag] != i {
			continue // a later change of the same flag wins
		}
		if useConfig && ch.Key != "" {
			_, onArgv := c.Flag(ch.Flag)
			if cur, ok := c.ConfigValue(ch.Key); !ok || fmt.Sprint(cur) != fmt.Sprint(ch.Value) {
				if cp.ConfigPatch == nil {
					cp.ConfigPatch = map[string]any{}
				}
				setPath(cp.ConfigPatch, ch.Key, ch.Value)
				cp.Changes = append(cp.Changes, fmt.Sprintf("%s: %s=%v", c.ConfigFile, ch.Key, ch.Value))
			}
			if onArgv {
				args = withoutFlag(args, ch.Flag)
				cp.Changes = append(cp.Changes, "- --"+ch.Flag+" ("+c.ConfigFile+": "+ch.Key+")")
			}
			continue
		}
		old, had := c.Flag(ch.Flag)
		if ch.Remove {
			if had {
				args = withoutFlag(args, ch.Flag)
				cp.Changes = append(cp.Changes, "- --"+ch.Flag)
			}
			continue
		}
		val := fmt.Sprint(ch.Value)
		if had && old == val && len(c.Flags[ch.Flag]) == 1 {
			continue
		}
		args = setFlag(args, ch.Flag, val)
		cp.Changes = append(cp.Changes, fmt.Sprintf("--%s=%s", ch.Flag, val))
	}
	if len(cp.Changes) == 0 {
		return nil
	}
	cp.Args = args
	if cp.ConfigPatch != nil {
		cp.ConfigFile = c.ConfigFile
	}
	return cp
}

// withoutFlag drops every occurrence of --name (with its value).
func withoutFlag(args []string, name string) []string {
	out := args[:0:0]
	for i := 0; i < len(args); i++ {
		a := args[i]
		if i == 0 {
			out = append(out, a)
			continue
		}
		n := strings.TrimLeft(a, "-")
		if !strings.HasPrefix(a, "-") || (n != name && !strings.HasPrefix(n, name+"=")) {
			out = append(out, a)
			continue
		}
		if n == name && i+1 < len(args) && !strings.HasPrefix(args[i+1], "-") {
			i++ // "--name value"
		}
	}
	return out
}

// setFlag sets --name=value where the flag was (its first occurrence), or
// at the end.
func setFlag(args []string, name, value string) []string {
	at := -1
	for i, a := range args {
		if i == 0 || !strings.HasPrefix(a, "-") {
			continue
		}
		if n := strings.TrimLeft(a, "-"); n == name || strings.HasPrefix(n, name+"=") {
			at = i
			break
		}
	}
	rest := withoutFlag(args, name)
	flag := "--" + name + "=" + value
	if at < 0 || at > len(rest) {
		return append(rest, flag)
	}
	out := append(append(append([]string(nil), rest[:at]...), flag), rest[at:]...)
	return out
}

// setPath sets a dotted key in a nested map.
func setPath(m map[string]any, key string, v any) {
	parts := strings.Split(key, ".")
	for _, p := range parts[:len(parts)-1] {
		next, ok := m[p].(map[string]any)
		if !ok {
			next = map[string]any{}
			m[p] = next
		}
		m = next
	}
	m[parts[len(parts)-1]] = v
}

// generate makes the configuration files the changes name.
func (p *Plan) generate(o Options, x *ctx) error {
	uses := func(path string) []string {
		var ids []string
		for _, cp := range p.Components {
			for _, a := range cp.Args {
				if strings.HasSuffix(a, "="+path) {
					ids = append(ids, cp.Fixes...)
				}
			}
		}
		return ids
	}
	filter := func(ids []string, want ...string) []string {
		var out []string
		for _, id := range ids {
			for _, w := range want {
				if id == w {
					out = append(out, id)
				}
			}
		}
		return uniqSorted(out)
	}
	if ids := uses(x.encryptionConfig()); len(ids) > 0 {
		data, err := apiconfig.Encryption(o.Encryption, "key-"+o.Env.Now.UTC().Format("20060102"), o.Random)
		if err != nil {
			return err
		}
		p.Files = append(p.Files, &File{Path: EncryptionFile, Mode: 0o600, Data: data, Fixes: filter(ids, "KW-API-013"),
			What: catalog.F("EncryptionConfiguration: Secrets encrypted with %s and a fresh key (KMS v2 template in a comment)", "EncryptionConfiguration：使用 %s 和新生成的密钥加密 Secret（注释中附 KMS v2 模板）", o.Encryption)})
		p.Steps = append(p.Steps, catalog.Text{
			EN: "After the API server restarts with the encryption config, rewrite existing Secrets so they are stored encrypted: kubectl get secrets -A -o json | kubectl replace -f -",
			ZH: "API Server 使用加密配置重启后，重写已有 Secret 使其加密存储：kubectl get secrets -A -o json | kubectl replace -f -"})
	}
	if ids := uses(x.auditPolicy()); len(ids) > 0 {
		data := apiconfig.AuditPolicy()
		if err := apiconfig.ValidateAuditPolicy(data); err != nil {
			return err
		}
		p.Files = append(p.Files, &File{Path: AuditPolicyFile, Mode: 0o600, Data: data, Fixes: filter(ids, "KW-API-010", "KW-API-012"),
			What: catalog.Text{EN: "audit policy: Secrets, ConfigMaps and tokens at Metadata, writes at RequestResponse, noise dropped", ZH: "审计策略：Secret、ConfigMap 与令牌仅记录 Metadata，写操作记录 RequestResponse，丢弃噪声"}})
	}
	if ids := uses(x.admissionConfig()); len(ids) > 0 {
		data := apiconfig.AdmissionConfig()
		if err := apiconfig.ValidateAdmissionConfig(data); err != nil {
			return err
		}
		p.Files = append(p.Files, &File{Path: AdmissionConfigFile, Mode: 0o600, Data: data, Fixes: filter(ids, "KW-API-019"),
			What: catalog.Text{EN: "AdmissionConfiguration: EventRateLimit limits per server and per namespace", ZH: "AdmissionConfiguration：EventRateLimit 按服务器与命名空间限流"}})
	}
	if len(n(x).ComponentsOf(inventory.APIServer)) > 0 {
		data, err := apiconfig.AuditWebhookKubeconfig("https://audit-collector.example:8443/audit",
			joinPath(x.configDir, "audit-collector-ca.crt"), joinPath(x.configDir, "audit-client.crt"), joinPath(x.configDir, "audit-client.key"))
		if err != nil {
			return err
		}
		p.Files = append(p.Files, &File{Path: AuditWebhookFile, Mode: 0o600, Data: data, Fixes: []string{"KW-API-011"},
			What: catalog.Text{EN: "template: audit webhook kubeconfig for a collector off this node (fill in, then add --audit-webhook-config-file)", ZH: "模板：发送到节点之外收集器的审计 Webhook kubeconfig（填写后添加 --audit-webhook-config-file）"}})
	}
	return nil
}

func n(x *ctx) *inventory.Node { return x.node }

// fileFixes turns the failed file checks into mode and owner changes.
func (p *Plan) fileFixes(results []result.Result) {
	modes := map[string]os.FileMode{"KW-FILE-001": 0o600, "KW-FILE-002": 0o600, "KW-FILE-003": 0o600, "KW-FILE-004": 0o644, "KW-FILE-005": 0o600, "KW-ETCD-008": 0o700}
	byPath := map[string]*FileFix{}
	for _, r := range results {
		if r.Status != result.Fail || r.Location == nil || r.Location.File == "" {
			continue
		}
		mode, isMode := modes[r.ID]
		if !isMode && r.ID != "KW-FILE-006" {
			continue
		}
		path := r.Location.File
		if r.ID == "KW-ETCD-008" {
			path = etcdDataDir(r)
			if path == "" {
				continue
			}
		}
		f := byPath[path]
		if f == nil {
			f = &FileFix{Path: path}
			byPath[path] = f
			p.FileFixes = append(p.FileFixes, f)
		}
		if isMode && (f.Mode == 0 || mode < f.Mode) {
			f.Mode = mode
		}
		if r.ID == "KW-FILE-006" {
			f.Chown = true
		}
		f.Fixes = uniqSorted(append(f.Fixes, r.ID))
	}
	sort.Slice(p.FileFixes, func(i, j int) bool { return p.FileFixes[i].Path < p.FileFixes[j].Path })
}

// etcdDataDir reads the data directory from a KW-ETCD-008 result's
// evidence or location.
func etcdDataDir(r result.Result) string {
	if r.Location != nil && strings.HasPrefix(r.Location.File, "/") && !strings.HasPrefix(r.Location.File, "/proc/") {
		return r.Location.File
	}
	return ""
}

func uniqSorted(s []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, v := range s {
		if !seen[v] {
			seen[v] = true
			out = append(out, v)
		}
	}
	sort.Strings(out)
	return out
}

// reparse rebuilds a component from its new command line (for the
// self-check).
func reparse(c *inventory.Component, args []string) *inventory.Component {
	nc := *c
	nc.Args = args
	nc.Flags = host.ParseFlags(args[1:])
	return &nc
}
