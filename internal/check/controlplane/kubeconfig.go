package controlplane

import (
	"fmt"
	"strings"

	"github.com/kubeward/kubeward/internal/catalog"
	"github.com/kubeward/kubeward/internal/check"
	"github.com/kubeward/kubeward/internal/inventory"
)

// kubeconfigTLS checks the kubeconfig a component's flag names: an https
// server, a CA to verify it, and a client certificate that parses.
func kubeconfigTLS(flag string) check.FlagTest {
	return func(c *inventory.Component, n *inventory.Node) check.Verdict {
		v := c.Setting(flag)
		if v.Value == "" {
			return check.From(v, flag, false, catalog.F("no kubeconfig: the component does not authenticate to the API server with a certificate", "未配置 kubeconfig：组件未使用证书向 API Server 认证"))
		}
		fl, problem, why := readFor(c, n, v.Value, func(fl *inventory.File) (bool, string) {
			return fl.Kubeconfig != nil, fl.Kubeconfig.ErrorOf()
		})
		if problem {
			return fileErr(v, flag, fl, why)
		}
		kc, path := fl.Kubeconfig, fl.Where()
		ctxName := kc.CurrentContext
		var clusterName, userName string
		for _, x := range kc.Contexts {
			if x.Name == ctxName || (ctxName == "" && len(kc.Contexts) == 1) {
				clusterName, userName = x.Cluster, x.User
			}
		}
		bad := func(en, zh string, args ...any) check.Verdict {
			return check.Verdict{Evidence: fmt.Sprintf("%s (%s)", path, v.From), File: path, Key: "current-context " + ctxName, Msg: catalog.F(en, zh, args...)}
		}
		var server string
		found := false
		for _, cl := range kc.Clusters {
			if cl.Name != clusterName {
				continue
			}
			found = true
			server = cl.Server // without user information: the source drops it
			switch {
			case !strings.HasPrefix(server, "https://"):
				return bad("server %s is not https", "服务器地址 %s 不是 https", server)
			case cl.InsecureSkipTLSVerify:
				return bad("insecure-skip-tls-verify is set: the server's certificate is not verified", "设置了 insecure-skip-tls-verify：不校验服务器证书")
			case !cl.HasCA:
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
			switch {
			case !u.HasCert:
				return bad("user %s has no client certificate", "用户 %s 没有客户端证书", userName)
			case u.CertReadError != "":
				return bad("client certificate %s: %v", "客户端证书 %s：%v", u.CertFile, u.CertReadError)
			case !u.HasKey:
				return bad("user %s has no client key", "用户 %s 没有客户端密钥", userName)
			case u.CertNotPEM:
				return bad("user %s's client certificate is not PEM", "用户 %s 的客户端证书不是 PEM 格式", userName)
			case u.CertParseError != "":
				return bad("user %s's client certificate does not parse: %v", "用户 %s 的客户端证书无法解析：%v", userName, u.CertParseError)
			}
			return check.Verdict{OK: true, File: path, Evidence: fmt.Sprintf("%s: server %s, client certificate CN=%s expires %s", path, server, u.CertSubject, u.CertNotAfter.Format("2006-01-02"))}
		}
		return bad("current context names user %q, which is not defined", "当前上下文指向的用户 %q 未定义", userName)
	}
}
