// Package hostsec holds the checks of the node's own doors: sshd accepting
// keys only (plan item 5.2) and a host firewall in front of the Kubernetes
// ports (plan item 5.1). IDs: KW-SSH-*, KW-FW-*.
package hostsec

import (
	"fmt"
	"strings"

	"github.com/kubeward/kubeward/internal/catalog"
	"github.com/kubeward/kubeward/internal/check"
	"github.com/kubeward/kubeward/internal/inventory"
	"github.com/kubeward/kubeward/internal/result"
)

// Check IDs.
const (
	SSHPassword       = "KW-SSH-001"
	SSHKbdInteractive = "KW-SSH-002"
	SSHRootLogin      = "KW-SSH-003"
	SSHPubkey         = "KW-SSH-004"
	FirewallPorts     = "KW-FW-001"
)

type T = catalog.Text

// sshRule is one sshd keyword and the values that pass.
type sshRule struct {
	id      string
	keyword string
	ok      func(v string) bool
	want    T
}

func is(vals ...string) func(string) bool {
	return func(v string) bool {
		for _, x := range vals {
			if v == x {
				return true
			}
		}
		return false
	}
}

var sshRules = []sshRule{
	{SSHPassword, "passwordauthentication", is("no"), T{EN: "no", ZH: "no"}},
	{SSHKbdInteractive, "kbdinteractiveauthentication", is("no"), T{EN: "no", ZH: "no"}},
	// forced-commands-only is stricter than prohibit-password: keys, and only with a forced command.
	{SSHRootLogin, "permitrootlogin", is("no", "prohibit-password", "without-password", "forced-commands-only"),
		T{EN: "no or prohibit-password", ZH: "no 或 prohibit-password"}},
	{SSHPubkey, "pubkeyauthentication", is("yes"), T{EN: "yes", ZH: "yes"}},
}

func init() {
	refs := []string{"CIS Distribution Independent Linux: SSH Server Configuration", "sshd_config(5)"}
	logic := &check.NodeRule{Run: runSSHD}
	reg := func(id string, sev catalog.Severity, title, fix T) {
		check.Register(check.Spec{ID: id, Item: "5.2", Severity: sev, References: refs, Title: title, Remediation: fix, Scope: check.Node, Node: logic})
	}
	reg(SSHPassword, catalog.SeverityHigh,
		T{EN: "SSH accepts password logins (PasswordAuthentication)", ZH: "SSH 允许密码登录（PasswordAuthentication）"},
		T{EN: "Set PasswordAuthentication no in sshd_config, above any Include or Match that could set it first (sshd keeps the first value it reads), give every user a key, and reload sshd.",
			ZH: "在 sshd_config 中设置 PasswordAuthentication no，并放在可能先设置该项的 Include 或 Match 之前（sshd 采用最先读取到的值）；为每个用户配置密钥后重新加载 sshd。"})
	reg(SSHKbdInteractive, catalog.SeverityHigh,
		T{EN: "SSH accepts keyboard-interactive logins (KbdInteractiveAuthentication)", ZH: "SSH 允许键盘交互式登录（KbdInteractiveAuthentication）"},
		T{EN: "Set KbdInteractiveAuthentication no (ChallengeResponseAuthentication no before OpenSSH 8.7): with UsePAM yes it prompts for the password through PAM.",
			ZH: "设置 KbdInteractiveAuthentication no（OpenSSH 8.7 之前为 ChallengeResponseAuthentication no）：在 UsePAM yes 时它会通过 PAM 询问密码。"})
	reg(SSHRootLogin, catalog.SeverityHigh,
		T{EN: "SSH lets root log in with a password (PermitRootLogin)", ZH: "SSH 允许 root 使用密码登录（PermitRootLogin）"},
		T{EN: "Set PermitRootLogin no (or prohibit-password when automation must log in as root with a key); people log in as themselves and use sudo.",
			ZH: "设置 PermitRootLogin no（若自动化必须以 root 使用密钥登录，则设为 prohibit-password）；人员以自己的账号登录并使用 sudo。"})
	reg(SSHPubkey, catalog.SeverityMedium,
		T{EN: "SSH public-key authentication is disabled (PubkeyAuthentication)", ZH: "SSH 禁用了公钥认证（PubkeyAuthentication）"},
		T{EN: "Set PubkeyAuthentication yes (the OpenSSH default) so that users log in with keys.",
			ZH: "设置 PubkeyAuthentication yes（OpenSSH 默认值），使用户通过密钥登录。"})
}

// runSSHD checks every sshd listener (or the default configuration of an
// sshd installed but not running).
func runSSHD(_ *check.Env, n *inventory.Node, em *check.NodeEmitter) {
	comps := n.ComponentsOf(inventory.SSHD)
	if len(comps) == 0 {
		e := n.SSHDDefault
		if e == nil || e.Missing {
			file := defaultSSHDConfig
			if e != nil {
				file = e.ConfigFile
			}
			for _, r := range sshRules {
				em.Add(r.id, result.NotApplicable, nil, nil,
					catalog.F("sshd does not run on this node (no process, static pod or systemd unit) and %s does not exist",
						"此节点未运行 sshd（没有进程、静态 Pod 或 systemd 单元），且 %s 不存在", file), "")
			}
			return
		}
		evaluateSSHD(em, nil, e)
		return
	}
	for _, c := range comps {
		e := c.SSHD
		if e == nil {
			e = &inventory.SSHDConfig{ConfigFile: defaultSSHDConfig, ConfigError: "not gathered by the node source"}
		}
		evaluateSSHD(em, c, e)
	}
}

// defaultSSHDConfig is OpenSSH's configuration file when -f names none.
const defaultSSHDConfig = "/etc/ssh/sshd_config"

func evaluateSSHD(em *check.NodeEmitter, c *inventory.Component, e *inventory.SSHDConfig) {
	cfgFile := e.ConfigFile
	if e.ConfigError != "" && !e.HasT {
		for _, r := range sshRules {
			em.Add(r.id, result.Error, c, &result.Location{File: cfgFile},
				catalog.F("cannot read sshd's configuration %s: %v", "无法读取 sshd 配置 %s：%v", cfgFile, e.ConfigError), tNote(e))
		}
		return
	}
	for _, r := range sshRules {
		v := e.Values[r.keyword]
		name := v.Name
		loc := &result.Location{File: v.File, Line: v.Line, Path: name}
		if loc.File == "" {
			loc.File = cfgFile
		}
		evidence := fmt.Sprintf("%s %s (%s)", name, v.Value, from(v))
		if note := tNote(e); note != "" {
			evidence += "; " + note
		}
		if c != nil && c.PID > 0 {
			evidence += fmt.Sprintf(" [pid %d]", c.PID)
		}
		if !r.ok(v.Value) {
			how := T{EN: "set", ZH: "设置为"}
			if v.Default {
				how = T{EN: "left at its default", ZH: "未设置，默认为"}
			}
			msg := T{EN: fmt.Sprintf("%s is %s %s, want %s", name, how.EN, v.Value, r.want.EN),
				ZH: fmt.Sprintf("%s %s %s，应为 %s", name, how.ZH, v.Value, r.want.ZH)}
			em.Add(r.id, result.Fail, c, loc, msg, evidence)
			continue
		}
		// The default passes: a Match block may still turn it back on for some connections.
		var reopened, reopenedZH []string
		var first *inventory.SSHDSetting
		for _, m := range e.Matches {
			s, ok := m.Get(r.keyword)
			if !ok || r.ok(s.Value) {
				continue
			}
			if first == nil {
				first = &s
			}
			reopened = append(reopened, fmt.Sprintf("Match %s (%s) sets %s %s at %s", m.Criteria, m.Where(), name, s.Value, s.Where()))
			reopenedZH = append(reopenedZH, fmt.Sprintf("Match %s（%s）在 %s 将 %s 设为 %s", m.Criteria, m.Where(), s.Where(), name, s.Value))
		}
		if len(reopened) > 0 {
			mloc := &result.Location{File: first.File, Line: first.Line, Path: name}
			msg := T{EN: fmt.Sprintf("%s is %s for most connections, but a Match block sets it back for some: %s", name, v.Value, strings.Join(reopened, "; ")),
				ZH: fmt.Sprintf("%s 对大多数连接为 %s，但 Match 块为部分连接重新设置了该项：%s", name, v.Value, strings.Join(reopenedZH, "；"))}
			em.Add(r.id, result.Warn, c, mloc, msg, evidence+"; "+strings.Join(reopened, "; "))
			continue
		}
		em.Add(r.id, result.Pass, c, loc, catalog.Text{}, evidence)
	}
}

// from says where a value came from, and which line sets it.
func from(v inventory.SSHDValue) string {
	switch {
	case v.From == "OpenSSH default":
		return "not set: OpenSSH default"
	case v.Line > 0 && !strings.HasPrefix(v.From, v.File):
		return fmt.Sprintf("%s; set at %s:%d", v.From, v.File, v.Line)
	case v.Default:
		return v.From + "; not set in the files: OpenSSH default"
	}
	return v.From
}

// tNote says why sshd itself was not asked.
func tNote(e *inventory.SSHDConfig) string {
	if e.HasT || e.TError == "" {
		return ""
	}
	return "parsed the files: " + e.TError
}
