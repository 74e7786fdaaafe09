package controlplane

import (
	"fmt"
	"path/filepath"
	"strings"

	"github.com/kubeward/kubeward/internal/catalog"
	"github.com/kubeward/kubeward/internal/check"
	"github.com/kubeward/kubeward/internal/inventory"
)

// healthPaths are the endpoints anonymous requests may reach on a hardened
// API server (an AuthenticationConfiguration's anonymous conditions).
var healthPaths = map[string]bool{"/healthz": true, "/readyz": true, "/livez": true}

// peopleAuthn (KW-API-014): people authenticate with x509 client
// certificates, OIDC or webhook tokens, and nothing weaker is accepted:
// no static token file, no basic auth, no anonymous requests.
func peopleAuthn(c *inventory.Component, n *inventory.Node) check.Verdict {
	var on, off, bad, badZH []string
	var badVal *inventory.Setting
	fail := func(v inventory.Setting, reason, zh string) {
		bad = append(bad, reason)
		badZH = append(badZH, zh)
		if badVal == nil {
			badVal = &v
		}
	}
	if v := c.Setting("client-ca-file"); v.Value != "" {
		on = append(on, "x509 client certificates: "+v.Evidence("client-ca-file"))
	}
	if v := c.Setting("oidc-issuer-url"); v.Value != "" {
		on = append(on, "OIDC: "+v.Evidence("oidc-issuer-url"))
	}
	if v := c.Setting("authentication-token-webhook-config-file"); v.Value != "" {
		on = append(on, "webhook tokens: "+v.Evidence("authentication-token-webhook-config-file"))
	}
	anonymous := c.Setting("anonymous-auth")
	anonymousFromConfig := false
	if cfg := c.Setting("authentication-config"); cfg.Value != "" {
		fl, bad, why := readFor(c, n, cfg.Value, func(fl *inventory.File) (bool, string) {
			return fl.Authentication != nil, fl.Authentication.ErrorOf()
		})
		if bad {
			return fileErr(cfg, "authentication-config", fl, why)
		}
		path, ac := fl.Where(), fl.Authentication
		for i, issuer := range ac.JWTIssuers {
			on = append(on, fmt.Sprintf("OIDC: %s jwt[%d] issuer %s", path, i, issuer))
		}
		if a := ac.Anonymous; a != nil {
			anonymousFromConfig = true
			cv := inventory.Setting{Value: fmt.Sprint(a.Enabled), Set: true, From: "config " + path + " key anonymous.enabled", File: path, Key: "anonymous.enabled"}
			var paths []string
			limited := len(a.Paths) > 0
			for _, p := range a.Paths {
				paths = append(paths, p)
				limited = limited && healthPaths[p]
			}
			switch {
			case !a.Enabled:
				off = append(off, "anonymous requests: "+cv.Evidence("anonymous"))
			case limited:
				off = append(off, fmt.Sprintf("anonymous requests only to %s (%s)", strings.Join(paths, ", "), cv.From))
			default:
				fail(cv, "anonymous requests are accepted ("+cv.Evidence("anonymous")+anyPath(paths)+")", "接受匿名请求（"+evidenceZH(cv, "anonymous")+anyPathZH(paths)+"）")
			}
		}
	}
	if !anonymousFromConfig {
		if strings.EqualFold(anonymous.Value, "false") {
			off = append(off, "anonymous requests: "+anonymous.Evidence("anonymous-auth"))
		} else {
			fail(anonymous, "anonymous requests are accepted ("+anonymous.Evidence("anonymous-auth")+")", "接受匿名请求（"+evidenceZH(anonymous, "anonymous-auth")+"）")
		}
	}
	for _, flag := range []string{"token-auth-file", "basic-auth-file"} {
		v := c.Setting(flag)
		if v.Value == "" {
			off = append(off, "--"+flag+" unset")
			continue
		}
		what := "static tokens"
		if flag == "basic-auth-file" {
			what = "basic auth passwords"
		}
		fail(v, fmt.Sprintf("%s are accepted (%s)", what, v.Evidence(flag)), acceptedZH[flag]+"（"+evidenceZH(v, flag)+"）")
	}
	if len(on) == 0 {
		v := c.Setting("client-ca-file")
		bad = append([]string{"no x509 client certificates (--client-ca-file), OIDC or webhook token authentication"}, bad...)
		badZH = append([]string{"未启用 x509 客户端证书（--client-ca-file）、OIDC 或 Webhook 令牌认证"}, badZH...)
		badVal = &v
	}
	authn := "none"
	if len(on) > 0 {
		authn = strings.Join(on, "; ")
	}
	evidence := "authenticators: " + authn + "; off: " + strings.Join(off, "; ")
	if len(bad) == 0 {
		return check.Verdict{OK: true, Evidence: evidence, File: c.Origin(), Key: "--client-ca-file"}
	}
	reasons := strings.Join(bad, "; ")
	return check.Verdict{Evidence: evidence + "; on: " + reasons, File: badVal.File, Key: badVal.Key,
		Msg: catalog.Text{EN: "people do not authenticate only through x509 certificates, OIDC or webhook tokens: " + reasons,
			ZH: "用户并非仅通过 x509 证书、OIDC 或 Webhook 令牌认证：" + strings.Join(badZH, "；")}}
}

func anyPath(paths []string) string {
	if len(paths) == 0 {
		return ", every path"
	}
	return ", paths " + strings.Join(paths, ", ")
}

// knownShippers are log shippers by process name (/proc/PID/comm, at most
// 15 characters) or executable base name.
var knownShippers = map[string]bool{
	"fluent-bit": true, "td-agent-bit": true, "fluentd": true, "td-agent": true, "vector": true, "filebeat": true,
	"auditbeat": true, "elastic-agent": true, "promtail": true, "alloy": true, "grafana-agent": true,
	"otelcol": true, "otelcol-contrib": true, "otel-collector": true, "otelcol-k8s": true, "rsyslogd": true,
	"syslog-ng": true, "splunkd": true, "nxlog": true, "logstash": true,
}

func isShipper(h inventory.FileHolder) bool {
	return knownShippers[h.Name] || knownShippers[filepath.Base(h.Exe)]
}

// auditShipping (KW-API-011): audit events leave the node, through the
// webhook backend or through a process (a log shipper) that has the audit
// log open. A log file nobody else reads is a WARN: a person must confirm
// how it leaves the node. No audit backend at all is a FAIL.
func auditShipping(c *inventory.Component, _ *inventory.Node) check.Verdict {
	if wh := c.Setting("audit-webhook-config-file"); wh.Value != "" {
		return check.Verdict{OK: true, Evidence: wh.Evidence("audit-webhook-config-file") + ": audit events are sent to a webhook backend", File: wh.File, Key: wh.Key}
	}
	lp := c.Setting("audit-log-path")
	pol := c.Setting("audit-policy-file")
	switch {
	case lp.Value == "":
		return check.Verdict{Evidence: lp.Evidence("audit-log-path") + "; audit-webhook-config-file=<unset>", File: lp.File, Key: lp.Key,
			Msg: catalog.F("no audit backend: neither --audit-log-path nor --audit-webhook-config-file is set, so no audit event is kept anywhere", "没有审计后端：未设置 --audit-log-path 或 --audit-webhook-config-file，审计事件不会保存在任何地方")}
	case pol.Value == "":
		return check.Verdict{Evidence: lp.Evidence("audit-log-path") + "; " + pol.Evidence("audit-policy-file"), File: pol.File, Key: pol.Key,
			Msg: catalog.F("no audit policy: the API server records no audit event to ship", "未配置审计策略：API Server 不记录可转发的审计事件")}
	case lp.Value == "-":
		return check.Verdict{Warn: true, Evidence: lp.Evidence("audit-log-path") + ": audit events go to the API server's standard output", File: lp.File, Key: lp.Key,
			Msg: catalog.F("audit events go to standard output: confirm that the container or journal log is shipped off the node", "审计事件写入标准输出：请确认容器日志或 journal 日志被转发到节点之外")}
	}
	of := c.OpenFile(lp.Value)
	if of != nil && len(of.Holders) > 0 {
		var who []string
		for _, h := range of.Holders {
			s := fmt.Sprintf("%s (pid %d, fd %d", h.Name, h.PID, h.FD)
			if isShipper(h) {
				s += ", a known log shipper"
			}
			if h.Target != lp.Value {
				s += ", as " + h.Target
			}
			who = append(who, s+")")
		}
		return check.Verdict{OK: true, Evidence: fmt.Sprintf("%s; open by %s", lp.Evidence("audit-log-path"), strings.Join(who, ", ")), File: lp.File, Key: lp.Key}
	}
	seen := "no other process has it open"
	switch {
	case of == nil:
		seen = "which processes read it is not known here (the node's processes are not visible)"
	case of.Unknown != "":
		seen = "which processes read it is not known: " + of.Unknown
	case of.Unreadable > 0:
		seen = fmt.Sprintf("no other process seen with it open (the open files of %d processes could not be read: audit as root)", of.Unreadable)
	}
	return check.Verdict{Warn: true, Evidence: fmt.Sprintf("%s; audit-webhook-config-file=<unset>; %s", lp.Evidence("audit-log-path"), seen), File: lp.File, Key: lp.Key,
		Msg: catalog.F("audit events are written only to %s on this node and no log shipper was seen reading it: confirm they are shipped off the node", "审计事件仅写入本节点的 %s，且未发现日志转发程序读取该文件：请确认其已转发到节点之外", lp.Value)}
}
