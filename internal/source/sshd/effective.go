package sshd

import (
	"strings"
)

// Defaults are OpenSSH's built-in values for the keywords kubeward checks.
var Defaults = map[string]string{
	"passwordauthentication":       "yes",
	"kbdinteractiveauthentication": "yes",
	"permitrootlogin":              "prohibit-password",
	"pubkeyauthentication":         "yes",
	"permitemptypasswords":         "no",
	"usepam":                       "no",
}

// Names gives the keywords' usual spelling for messages.
var Names = map[string]string{
	"passwordauthentication":       "PasswordAuthentication",
	"kbdinteractiveauthentication": "KbdInteractiveAuthentication",
	"permitrootlogin":              "PermitRootLogin",
	"pubkeyauthentication":         "PubkeyAuthentication",
	"permitemptypasswords":         "PermitEmptyPasswords",
	"usepam":                       "UsePAM",
	"authenticationmethods":        "AuthenticationMethods",
}

// Name returns the usual spelling of a keyword.
func Name(keyword string) string {
	if n, ok := Names[canonical(keyword)]; ok {
		return n
	}
	return keyword
}

// ParseT reads `sshd -T` output: one "keyword value..." line per setting,
// keywords in lower case. The first line of a keyword is kept.
func ParseT(out []byte) map[string]string {
	m := map[string]string{}
	for _, line := range strings.Split(string(out), "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		k, v, _ := strings.Cut(line, " ")
		k = canonical(k)
		if _, seen := m[k]; !seen {
			m[k] = strings.TrimSpace(v)
		}
	}
	return m
}

// Value is a keyword's effective value and where it came from.
type Value struct {
	Keyword string // canonical, lower case
	Value   string // lower case
	// Default is true when nothing sets the keyword: OpenSSH's default applies.
	Default bool
	// From says where the value was read: "sshd -T -f FILE", "FILE:LINE",
	// "command line -o" or "OpenSSH default".
	From string
	// File and Line locate the line that sets it (empty when defaulted).
	File string
	Line int
}

// Resolve gives keyword's effective value outside Match blocks. With t
// (parsed `sshd -T` output, tFrom naming where it came from) the value is
// sshd's own answer, located in cfg when a line there sets it; otherwise
// it is the first setting in cfg, or OpenSSH's default.
func Resolve(cfg *Config, t map[string]string, tFrom, keyword string) Value {
	keyword = canonical(keyword)
	v := Value{Keyword: keyword}
	var set Setting
	var found bool
	if cfg != nil {
		set, found = cfg.Get(keyword)
	}
	if found {
		v.File, v.Line = set.File, set.Line
	}
	if t != nil {
		if tv, ok := t[keyword]; ok {
			v.Value = strings.ToLower(firstField(tv))
			v.From = tFrom
			if found && set.Value() != v.Value && !sameValue(keyword, set.Value(), v.Value) {
				// sshd disagrees with our reading of the files: trust sshd
				// and do not point at a line that does not say so.
				v.File, v.Line = "", 0
			}
			if !found {
				v.Default = v.Value == Defaults[keyword]
			}
			return v
		}
	}
	if found {
		v.Value = set.Value()
		v.From = set.Where()
		return v
	}
	v.Value = Defaults[keyword]
	v.Default = true
	v.From = "OpenSSH default"
	return v
}

func firstField(s string) string {
	if f := strings.Fields(s); len(f) > 0 {
		return f[0]
	}
	return ""
}

// sameValue treats aliases of one value as equal.
func sameValue(keyword, a, b string) bool {
	if keyword == "permitrootlogin" {
		norm := func(s string) string {
			if s == "without-password" {
				return "prohibit-password"
			}
			return s
		}
		return norm(a) == norm(b)
	}
	return a == b
}
