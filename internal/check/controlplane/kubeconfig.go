package controlplane

import (
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"fmt"
	"net/url"
	"path/filepath"
	"strings"

	"sigs.k8s.io/yaml"

	"github.com/kubeward/kubeward/internal/catalog"
	"github.com/kubeward/kubeward/internal/inventory"
	"github.com/kubeward/kubeward/internal/source/host"
)

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
