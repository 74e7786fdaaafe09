// Package redact masks secrets in the text harden node prints (diffs,
// what changed): a URL's user information, and the values of settings
// whose name can carry a secret (token, password, secret, key...), in
// JSON, YAML, TOML and key=value forms. It masks more than it must rather
// than less.
package redact

import (
	"regexp"
	"strings"
)

var (
	userinfo = regexp.MustCompile(`([A-Za-z][A-Za-z0-9+.-]*://)[^/?#@\s"']*@`)
	secretKV = regexp.MustCompile(`(?i)("?[A-Za-z0-9_.-]*(?:token|passw|pwd|secret|apikey|api_key|api-key|access_key|private_key|privatekey|credential|client-key-data|identitytoken|auth)[A-Za-z0-9_.-]*"?)(\s*[:=]\s*)("[^"]*"|'[^']*'|[^\s,}\]]+)`)
)

// Masked replaces a secret.
const Masked = "<redacted>"

// Line masks the secrets of one line.
func Line(s string) string {
	s = userinfo.ReplaceAllString(s, "${1}"+Masked+"@")
	return secretKV.ReplaceAllStringFunc(s, func(m string) string {
		sub := secretKV.FindStringSubmatch(m)
		val := sub[3]
		if strings.HasPrefix(val, "\"") || strings.HasPrefix(val, "'") {
			val = val[:1] + Masked + val[:1]
		} else {
			val = Masked
		}
		return sub[1] + sub[2] + val
	})
}

// Text masks the secrets of every line.
func Text(s string) string {
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		lines[i] = Line(l)
	}
	return strings.Join(lines, "\n")
}
