package controlplane

import (
	"fmt"
	"strings"

	"github.com/kubeward/kubeward/internal/catalog"
	"github.com/kubeward/kubeward/internal/check"
	"github.com/kubeward/kubeward/internal/inventory"
)

// readFor is the file a component's setting names, as the source read it
// for the component, and why its content is not there: the file could not
// be read, or parseErr (the content did not parse). A nil file with
// problem true was not read at all (the node's files are not readable
// from where the audit ran).
func readFor(c *inventory.Component, n *inventory.Node, path string, content func(*inventory.File) (bool, string)) (fl *inventory.File, problem bool, why string) {
	fl = n.File(c.PID, path)
	if fl == nil {
		return nil, true, ""
	}
	if fl.ReadError != "" {
		return fl, true, fl.ReadError
	}
	parsed, parseErr := content(fl)
	if !parsed {
		return nil, true, ""
	}
	if parseErr != "" {
		return fl, true, parseErr
	}
	return fl, false, ""
}

// statError is why a file's metadata could not be read.
func statError(fl *inventory.File) string {
	if fl == nil {
		return ""
	}
	return fl.StatError
}

// fileErr: the file a setting names could not be read (err) or, when fl is
// nil or says so, cannot be read from where the audit ran.
func fileErr(v inventory.Setting, name string, fl *inventory.File, err string) check.Verdict {
	if fl == nil || fl.NoAccess {
		return check.Verdict{NA: "file not readable", Evidence: v.Evidence(name), File: v.File, Key: v.Key,
			Msg: catalog.F("%s names %s, which cannot be read from here: audit the node itself", "%s 指向 %s，此处无法读取：请在节点上审计", name, v.Value)}
	}
	return check.Verdict{Evidence: v.Evidence(name), File: v.File, Key: v.Key,
		Msg: catalog.F("cannot read %s %s: %v", "无法读取 %s %s：%v", name, v.Value, err)}
}

func authorization(c *inventory.Component, n *inventory.Node) check.Verdict {
	if cfg := c.Setting("authorization-config"); cfg.Value != "" {
		fl, bad, why := readFor(c, n, cfg.Value, func(fl *inventory.File) (bool, string) {
			return fl.Authorization != nil, fl.Authorization.ErrorOf()
		})
		if bad {
			return fileErr(cfg, "authorization-config", fl, why)
		}
		types := fl.Authorization.Authorizers
		ok := check.ContainsFold(types, "Node") && check.ContainsFold(types, "RBAC") && !check.ContainsFold(types, "AlwaysAllow")
		return check.Verdict{OK: ok, Evidence: "authorizers=" + strings.Join(types, ",") + " (" + cfg.From + ")", File: cfg.Value, Key: "authorizers",
			Msg: catalog.F("authorizers are %s, want Node and RBAC without AlwaysAllow", "授权器为 %s，应包含 Node 和 RBAC 且不含 AlwaysAllow", strings.Join(types, ","))}
	}
	return check.AllOf(check.Includes("authorization-mode", "Node", "RBAC"), check.Excludes("authorization-mode", "AlwaysAllow"))(c, n)
}

func admissionPlugins(c *inventory.Component, _ *inventory.Node) check.Verdict {
	enabled := map[string]bool{}
	for _, p := range check.List(inventory.APIServerAdmissionDefault) {
		enabled[p] = true
	}
	en := c.Setting("enable-admission-plugins")
	if en.Set {
		for _, p := range check.List(en.Value) {
			enabled[p] = true
		}
	}
	dis := c.Setting("disable-admission-plugins")
	for _, p := range check.List(dis.Value) {
		delete(enabled, p)
	}
	var missing []string
	for _, p := range recommendedPlugins {
		if !enabled[p] {
			missing = append(missing, p)
		}
	}
	ev := en.Evidence("enable-admission-plugins")
	if dis.Value != "" {
		ev += "; " + dis.Evidence("disable-admission-plugins")
	}
	return check.Verdict{OK: len(missing) == 0, Evidence: ev, File: en.File, Key: en.Key,
		Msg: catalog.F("admission plugins not enabled: %s", "未启用的准入插件：%s", strings.Join(missing, ", "))}
}

func auditLogging(c *inventory.Component, n *inventory.Node) check.Verdict {
	pol := c.Setting("audit-policy-file")
	if pol.Value == "" {
		return check.From(pol, "audit-policy-file", false, catalog.F("no audit policy: the API server records nothing", "未配置审计策略：API Server 不记录任何审计事件"))
	}
	if c.Setting("audit-webhook-config-file").Value != "" {
		return check.From(c.Setting("audit-webhook-config-file"), "audit-webhook-config-file", true, catalog.Text{})
	}
	return check.AllOf(check.IsSet("audit-log-path"), check.AtLeast("audit-log-maxage", 30), check.AtLeast("audit-log-maxbackup", 10), check.AtLeast("audit-log-maxsize", 100))(c, n)
}

// auditPolicy finds the level the policy gives reads and writes of Secrets:
// the first rule that matches them decides, as in the API server.
func auditPolicy(c *inventory.Component, n *inventory.Node) check.Verdict {
	v := c.Setting("audit-policy-file")
	fl, bad, why := readFor(c, n, v.Value, func(fl *inventory.File) (bool, string) {
		return fl.AuditPolicy != nil, fl.AuditPolicy.ErrorOf()
	})
	if bad {
		return fileErr(v, "audit-policy-file", fl, why)
	}
	path := fl.Where()
	level, idx := levelNone, -1
	for i, r := range fl.AuditPolicy.Rules {
		if r.Limited {
			continue // a rule for some requests only: not the rule secrets fall under
		}
		if matchesSecrets(r.Resources) {
			level, idx = r.Level, i
			break
		}
	}
	ev := fmt.Sprintf("%s: secrets logged at level %s (rule %d)", path, level, idx)
	switch level {
	case levelMetadata:
		return check.Verdict{OK: true, Evidence: ev, File: path}
	case levelNone:
		return check.Verdict{Evidence: ev, File: path, Msg: catalog.F("the audit policy does not record access to Secrets", "审计策略未记录对 Secret 的访问")}
	}
	return check.Verdict{Evidence: ev, File: path, Key: fmt.Sprintf("rules[%d]", idx), Msg: catalog.F("the audit policy writes Secret contents into the audit log (level %s)", "审计策略会将 Secret 内容写入审计日志（级别 %s）", level)}
}

// Audit levels (k8s.io/apiserver/pkg/apis/audit).
const (
	levelNone     = "None"
	levelMetadata = "Metadata"
)

func matchesSecrets(groups []inventory.AuditGroupResources) bool {
	if len(groups) == 0 {
		return true
	}
	for _, g := range groups {
		if g.Group != "" && g.Group != "*" {
			continue
		}
		if len(g.Resources) == 0 || check.ContainsFold(g.Resources, "secrets") || check.ContainsFold(g.Resources, "*") {
			return true
		}
	}
	return false
}

func encryptionAtRest(c *inventory.Component, n *inventory.Node) check.Verdict {
	v := c.Setting("encryption-provider-config")
	if v.Value == "" {
		return check.From(v, "encryption-provider-config", false, catalog.F("no encryption provider: Secrets are stored in etcd in plain text", "未配置加密提供者：Secret 以明文存储在 etcd 中"))
	}
	fl, bad, why := readFor(c, n, v.Value, func(fl *inventory.File) (bool, string) {
		return fl.Encryption != nil, fl.Encryption.ErrorOf()
	})
	if bad {
		return fileErr(v, "encryption-provider-config", fl, why)
	}
	path := fl.Where()
	for i, rc := range fl.Encryption.Resources {
		if !check.ContainsFold(rc.Resources, "secrets") && !check.ContainsFold(rc.Resources, "*.*") && !check.ContainsFold(rc.Resources, "*.") {
			continue
		}
		key := fmt.Sprintf("resources[%d].providers[0]", i)
		if len(rc.Providers) == 0 {
			return check.Verdict{File: path, Key: key, Evidence: path + ": no providers", Msg: catalog.F("no provider for secrets", "secrets 没有提供者")}
		}
		name := rc.Providers[0]
		ev := fmt.Sprintf("%s: first provider for secrets is %s", path, name)
		switch name {
		case "aescbc", "aesgcm", "secretbox", "kms v2":
			return check.Verdict{OK: true, Evidence: ev, File: path, Key: key}
		case "kms v1":
			return check.Verdict{Evidence: ev, File: path, Key: key, Msg: catalog.F("KMS v1 is deprecated and disabled by default; use KMS v2", "KMS v1 已弃用且默认禁用；请使用 KMS v2")}
		}
		return check.Verdict{Evidence: ev, File: path, Key: key, Msg: catalog.F("the first provider for secrets is %s: new Secrets are written unencrypted", "secrets 的首个提供者为 %s：新 Secret 将以明文写入", name)}
	}
	return check.Verdict{Evidence: path + ": secrets not listed", File: path, Msg: catalog.F("the EncryptionConfiguration does not cover secrets", "EncryptionConfiguration 未覆盖 secrets")}
}

// strongCipherSuites are ECDHE with AEAD ciphers (and the TLS 1.3 suites).
var strongCipherSuites = map[string]bool{
	"TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256": true, "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384": true,
	"TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256": true, "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384": true,
	"TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305": true, "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305": true,
	"TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256": true, "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256": true,
	"TLS_AES_128_GCM_SHA256": true, "TLS_AES_256_GCM_SHA384": true, "TLS_CHACHA20_POLY1305_SHA256": true,
}

func strongCiphers(c *inventory.Component, _ *inventory.Node) check.Verdict {
	v := c.Setting("tls-cipher-suites")
	if v.Value == "" {
		return check.From(v, "tls-cipher-suites", false, catalog.F("tls-cipher-suites is not set: Go's defaults include CBC suites", "未设置 tls-cipher-suites：Go 默认值包含 CBC 套件"))
	}
	var weak []string
	for _, s := range check.List(v.Value) {
		if !strongCipherSuites[s] {
			weak = append(weak, s)
		}
	}
	return check.From(v, "tls-cipher-suites", len(weak) == 0, catalog.F("weak cipher suites allowed: %s", "允许了弱密码套件：%s", strings.Join(weak, ", ")))
}
