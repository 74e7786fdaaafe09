package controlplane

import (
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"fmt"
	"net/url"
	"path/filepath"
	"strconv"
	"strings"

	apiserverv1 "k8s.io/apiserver/pkg/apis/apiserver/v1"
	auditv1 "k8s.io/apiserver/pkg/apis/audit/v1"
	"sigs.k8s.io/yaml"

	"github.com/kubeward/kubeward/internal/catalog"
	"github.com/kubeward/kubeward/internal/inventory"
	"github.com/kubeward/kubeward/internal/source/host"
)

// readFor reads a file a component's flag names, as the component sees it.
func readFor(c *inventory.Component, f *host.FS, path string) ([]byte, string, error) {
	p := f.ForProcess(c.PID, path)
	b, err := f.ReadFile(p)
	return b, p, err
}

func fileErr(v inventory.Setting, name string, err error) verdict {
	if errors.Is(err, host.ErrNoFiles) {
		return verdict{na: "file not readable", evidence: v.Evidence(name), file: v.File, key: v.Key,
			msg: catalog.F("%s names %s, which cannot be read from here: audit the node itself", "%s 指向 %s，此处无法读取：请在节点上审计", name, v.Value)}
	}
	return verdict{evidence: v.Evidence(name), file: v.File, key: v.Key,
		msg: catalog.F("cannot read %s %s: %v", "无法读取 %s %s：%v", name, v.Value, err)}
}

func dataDirMode(c *inventory.Component, f *host.FS) verdict {
	v := c.Setting("data-dir")
	dir := v.Value
	if !filepath.IsAbs(dir) {
		if cwd, err := readCwd(f, c.PID); err == nil {
			dir = filepath.Join(cwd, strings.ReplaceAll(dir, "${name}", c.Setting("name").Value))
		}
	}
	meta, err := f.Meta(f.ForProcess(c.PID, dir))
	if err != nil {
		return fileErr(v, "data-dir", err)
	}
	mode := meta.Mode.Perm()
	return verdict{ok: mode&0o077 == 0, evidence: fmt.Sprintf("%s mode %04o (%s)", dir, mode, v.From), file: dir,
		msg: catalog.F("data directory %s has mode %04o, want 0700", "数据目录 %s 权限为 %04o，应为 0700", dir, mode)}
}

func readCwd(f *host.FS, pid int) (string, error) {
	if pid <= 0 {
		return "", fmt.Errorf("no process")
	}
	return readlink(f.Path(fmt.Sprintf("/proc/%d/cwd", pid)))
}

func authorization(c *inventory.Component, f *host.FS) verdict {
	if cfg := c.Setting("authorization-config"); cfg.Value != "" {
		data, _, err := readFor(c, f, cfg.Value)
		if err != nil {
			return fileErr(cfg, "authorization-config", err)
		}
		var ac apiserverv1.AuthorizationConfiguration
		if err := yaml.Unmarshal(data, &ac); err != nil {
			return fileErr(cfg, "authorization-config", err)
		}
		var types []string
		for _, a := range ac.Authorizers {
			types = append(types, string(a.Type))
		}
		ok := contains(types, "Node") && contains(types, "RBAC") && !contains(types, "AlwaysAllow")
		return verdict{ok: ok, evidence: "authorizers=" + strings.Join(types, ",") + " (" + cfg.From + ")", file: cfg.Value, key: "authorizers",
			msg: catalog.F("authorizers are %s, want Node and RBAC without AlwaysAllow", "授权器为 %s，应包含 Node 和 RBAC 且不含 AlwaysAllow", strings.Join(types, ","))}
	}
	return allOf(includes("authorization-mode", "Node", "RBAC"), excludes("authorization-mode", "AlwaysAllow"))(c, f)
}

func admissionPlugins(c *inventory.Component, _ *host.FS) verdict {
	enabled := map[string]bool{}
	for _, p := range list(inventory.APIServerAdmissionDefault) {
		enabled[p] = true
	}
	en := c.Setting("enable-admission-plugins")
	if en.Set {
		for _, p := range list(en.Value) {
			enabled[p] = true
		}
	}
	dis := c.Setting("disable-admission-plugins")
	for _, p := range list(dis.Value) {
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
	return verdict{ok: len(missing) == 0, evidence: ev, file: en.File, key: en.Key,
		msg: catalog.F("admission plugins not enabled: %s", "未启用的准入插件：%s", strings.Join(missing, ", "))}
}

func auditLogging(c *inventory.Component, f *host.FS) verdict {
	pol := c.Setting("audit-policy-file")
	if pol.Value == "" {
		return from(pol, "audit-policy-file", false, catalog.F("no audit policy: the API server records nothing", "未配置审计策略：API Server 不记录任何审计事件"))
	}
	if c.Setting("audit-webhook-config-file").Value != "" {
		return from(c.Setting("audit-webhook-config-file"), "audit-webhook-config-file", true, catalog.Text{})
	}
	return allOf(isSet("audit-log-path"), atLeast("audit-log-maxage", 30), atLeast("audit-log-maxbackup", 10), atLeast("audit-log-maxsize", 100))(c, f)
}

// auditPolicy finds the level the policy gives reads and writes of Secrets:
// the first rule that matches them decides, as in the API server.
func auditPolicy(c *inventory.Component, f *host.FS) verdict {
	v := c.Setting("audit-policy-file")
	data, path, err := readFor(c, f, v.Value)
	if err != nil {
		return fileErr(v, "audit-policy-file", err)
	}
	var p auditv1.Policy
	if err := yaml.UnmarshalStrict(data, &p); err != nil {
		if err2 := yaml.Unmarshal(data, &p); err2 != nil {
			return fileErr(v, "audit-policy-file", err2)
		}
	}
	level, idx := auditv1.LevelNone, -1
	for i, r := range p.Rules {
		if len(r.Users) > 0 || len(r.UserGroups) > 0 || len(r.Verbs) > 0 || len(r.Namespaces) > 0 || len(r.NonResourceURLs) > 0 {
			continue // a rule for some requests only: not the rule secrets fall under
		}
		if matchesSecrets(r.Resources) {
			level, idx = r.Level, i
			break
		}
	}
	ev := fmt.Sprintf("%s: secrets logged at level %s (rule %d)", path, level, idx)
	switch level {
	case auditv1.LevelMetadata:
		return verdict{ok: true, evidence: ev, file: path}
	case auditv1.LevelNone:
		return verdict{evidence: ev, file: path, msg: catalog.F("the audit policy does not record access to Secrets", "审计策略未记录对 Secret 的访问")}
	}
	return verdict{evidence: ev, file: path, key: fmt.Sprintf("rules[%d]", idx), msg: catalog.F("the audit policy writes Secret contents into the audit log (level %s)", "审计策略会将 Secret 内容写入审计日志（级别 %s）", level)}
}

func matchesSecrets(groups []auditv1.GroupResources) bool {
	if len(groups) == 0 {
		return true
	}
	for _, g := range groups {
		if g.Group != "" && g.Group != "*" {
			continue
		}
		if len(g.Resources) == 0 || contains(g.Resources, "secrets") || contains(g.Resources, "*") {
			return true
		}
	}
	return false
}

func encryptionAtRest(c *inventory.Component, f *host.FS) verdict {
	v := c.Setting("encryption-provider-config")
	if v.Value == "" {
		return from(v, "encryption-provider-config", false, catalog.F("no encryption provider: Secrets are stored in etcd in plain text", "未配置加密提供者：Secret 以明文存储在 etcd 中"))
	}
	data, path, err := readFor(c, f, v.Value)
	if err != nil {
		return fileErr(v, "encryption-provider-config", err)
	}
	var ec apiserverv1.EncryptionConfiguration
	if err := yaml.Unmarshal(data, &ec); err != nil {
		return fileErr(v, "encryption-provider-config", err)
	}
	for i, rc := range ec.Resources {
		if !contains(rc.Resources, "secrets") && !contains(rc.Resources, "*.*") && !contains(rc.Resources, "*.") {
			continue
		}
		key := fmt.Sprintf("resources[%d].providers[0]", i)
		if len(rc.Providers) == 0 {
			return verdict{file: path, key: key, evidence: path + ": no providers", msg: catalog.F("no provider for secrets", "secrets 没有提供者")}
		}
		p := rc.Providers[0]
		name := providerName(p)
		ev := fmt.Sprintf("%s: first provider for secrets is %s", path, name)
		switch name {
		case "aescbc", "aesgcm", "secretbox", "kms v2":
			return verdict{ok: true, evidence: ev, file: path, key: key}
		case "kms v1":
			return verdict{evidence: ev, file: path, key: key, msg: catalog.F("KMS v1 is deprecated and disabled by default; use KMS v2", "KMS v1 已弃用且默认禁用；请使用 KMS v2")}
		}
		return verdict{evidence: ev, file: path, key: key, msg: catalog.F("the first provider for secrets is %s: new Secrets are written unencrypted", "secrets 的首个提供者为 %s：新 Secret 将以明文写入", name)}
	}
	return verdict{evidence: path + ": secrets not listed", file: path, msg: catalog.F("the EncryptionConfiguration does not cover secrets", "EncryptionConfiguration 未覆盖 secrets")}
}

func providerName(p apiserverv1.ProviderConfiguration) string {
	switch {
	case p.AESCBC != nil:
		return "aescbc"
	case p.AESGCM != nil:
		return "aesgcm"
	case p.Secretbox != nil:
		return "secretbox"
	case p.KMS != nil && p.KMS.APIVersion == "v2":
		return "kms v2"
	case p.KMS != nil:
		return "kms v1"
	}
	return "identity"
}

// strongCipherSuites are ECDHE with AEAD ciphers (and the TLS 1.3 suites).
var strongCipherSuites = map[string]bool{
	"TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256": true, "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384": true,
	"TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256": true, "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384": true,
	"TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305": true, "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305": true,
	"TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256": true, "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256": true,
	"TLS_AES_128_GCM_SHA256": true, "TLS_AES_256_GCM_SHA384": true, "TLS_CHACHA20_POLY1305_SHA256": true,
}

func strongCiphers(c *inventory.Component, _ *host.FS) verdict {
	v := c.Setting("tls-cipher-suites")
	if v.Value == "" {
		return from(v, "tls-cipher-suites", false, catalog.F("tls-cipher-suites is not set: Go's defaults include CBC suites", "未设置 tls-cipher-suites：Go 默认值包含 CBC 套件"))
	}
	var weak []string
	for _, s := range list(v.Value) {
		if !strongCipherSuites[s] {
			weak = append(weak, s)
		}
	}
	return from(v, "tls-cipher-suites", len(weak) == 0, catalog.F("weak cipher suites allowed: %s", "允许了弱密码套件：%s", strings.Join(weak, ", ")))
}

// kubeconfig is the part of a kubeconfig file the checks read.
type kubeconfig struct {
	CurrentContext string `json:"current-context"`
	Clusters       []struct {
		Name    string `json:"name"`
		Cluster struct {
			Server                   string `json:"server"`
			CertificateAuthority     string `json:"certificate-authority"`
			CertificateAuthorityData string `json:"certificate-authority-data"`
			InsecureSkipTLSVerify    bool   `json:"insecure-skip-tls-verify"`
		} `json:"cluster"`
	} `json:"clusters"`
	Contexts []struct {
		Name    string `json:"name"`
		Context struct {
			Cluster string `json:"cluster"`
			User    string `json:"user"`
		} `json:"context"`
	} `json:"contexts"`
	Users []struct {
		Name string `json:"name"`
		User struct {
			ClientCertificate     string `json:"client-certificate"`
			ClientCertificateData string `json:"client-certificate-data"`
			ClientKey             string `json:"client-key"`
			ClientKeyData         string `json:"client-key-data"`
			Token                 string `json:"token"`
			TokenFile             string `json:"tokenFile"`
		} `json:"user"`
	} `json:"users"`
}

// kubeconfigTLS checks the kubeconfig a component's flag names: an https
// server, a CA to verify it, and a client certificate that parses.
func kubeconfigTLS(flag string) test {
	return func(c *inventory.Component, f *host.FS) verdict {
		v := c.Setting(flag)
		if v.Value == "" {
			return from(v, flag, false, catalog.F("no kubeconfig: the component does not authenticate to the API server with a certificate", "未配置 kubeconfig：组件未使用证书向 API Server 认证"))
		}
		data, path, err := readFor(c, f, v.Value)
		if err != nil {
			return fileErr(v, flag, err)
		}
		var kc kubeconfig
		if err := yaml.Unmarshal(data, &kc); err != nil {
			return fileErr(v, flag, err)
		}
		ctxName := kc.CurrentContext
		var clusterName, userName string
		for _, x := range kc.Contexts {
			if x.Name == ctxName || (ctxName == "" && len(kc.Contexts) == 1) {
				clusterName, userName = x.Context.Cluster, x.Context.User
			}
		}
		bad := func(en, zh string, args ...any) verdict {
			return verdict{evidence: fmt.Sprintf("%s (%s)", path, v.From), file: path, key: "current-context " + ctxName, msg: catalog.F(en, zh, args...)}
		}
		var server string
		found := false
		for _, cl := range kc.Clusters {
			if cl.Name != clusterName {
				continue
			}
			found = true
			server = withoutUserinfo(cl.Cluster.Server)
			switch {
			case !strings.HasPrefix(server, "https://"):
				return bad("server %s is not https", "服务器地址 %s 不是 https", server)
			case cl.Cluster.InsecureSkipTLSVerify:
				return bad("insecure-skip-tls-verify is set: the server's certificate is not verified", "设置了 insecure-skip-tls-verify：不校验服务器证书")
			case cl.Cluster.CertificateAuthority == "" && cl.Cluster.CertificateAuthorityData == "":
				return bad("no certificate-authority to verify the server", "缺少用于校验服务器的 certificate-authority")
			}
		}
		if !found {
			return bad("current context %q names no cluster", "当前上下文 %q 未指向任何集群", ctxName)
		}
		for _, u := range kc.Users {
			if u.Name != userName {
				continue
			}
			certPEM := []byte(nil)
			switch {
			case u.User.ClientCertificateData != "":
				certPEM, _ = base64.StdEncoding.DecodeString(u.User.ClientCertificateData)
			case u.User.ClientCertificate != "":
				p := u.User.ClientCertificate
				if !filepath.IsAbs(p) {
					p = filepath.Join(filepath.Dir(v.Value), p)
				}
				certPEM, _, err = readFor(c, f, p)
				if err != nil {
					return bad("client certificate %s: %v", "客户端证书 %s：%v", p, err)
				}
			default:
				return bad("user %s has no client certificate", "用户 %s 没有客户端证书", userName)
			}
			if u.User.ClientKey == "" && u.User.ClientKeyData == "" {
				return bad("user %s has no client key", "用户 %s 没有客户端密钥", userName)
			}
			block, _ := pem.Decode(certPEM)
			if block == nil {
				return bad("user %s's client certificate is not PEM", "用户 %s 的客户端证书不是 PEM 格式", userName)
			}
			cert, err := x509.ParseCertificate(block.Bytes)
			if err != nil {
				return bad("user %s's client certificate does not parse: %v", "用户 %s 的客户端证书无法解析：%v", userName, err)
			}
			return verdict{ok: true, file: path, evidence: fmt.Sprintf("%s: server %s, client certificate CN=%s expires %s", path, server, cert.Subject.CommonName, cert.NotAfter.Format("2006-01-02"))}
		}
		return bad("current context names user %q, which is not defined", "当前上下文指向的用户 %q 未定义", userName)
	}
}

var _ = strconv.Itoa

// withoutUserinfo drops the user and password a server URL may carry
// (https://user:pass@host), so evidence never prints a credential.
func withoutUserinfo(server string) string {
	u, err := url.Parse(server)
	if err != nil {
		if i := strings.LastIndex(server, "@"); i >= 0 {
			if j := strings.Index(server, "://"); j >= 0 && j < i {
				return server[:j+3] + "REDACTED@" + server[i+1:]
			}
			return "REDACTED@" + server[i+1:]
		}
		return server
	}
	if u.User == nil {
		return server
	}
	u.User = url.User("REDACTED")
	return u.String()
}
