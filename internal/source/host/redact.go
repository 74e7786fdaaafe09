package host

import (
	"encoding/base64"
	"regexp"
	"strings"
)

// Redacted replaces a secret value in a snapshot.
const Redacted = "REDACTED"

// What may carry a secret, by name: flags, environment variables and
// configuration keys.
var (
	secretWords = regexp.MustCompile(`(?i)(token|passw|secret|key|credential|private|bearer|cookie|signature|salt|username|apikey|auth)`)
	// authOnly are names whose only secret-looking word is a form of
	// "auth" that names a setting, not a secret: --authorization-mode,
	// authentication.x509.clientCAFile, --anonymous-auth (a boolean).
	authSetting = regexp.MustCompile(`(?i)^(authori[sz]ation|authenticat(e|ion)|authn|authz|auth(entication|orization)?[-_.]?(mode|config|webhook|type|kind|method|methods|provider|providers|plugins?|cache|enabled))$`)
	pathWords   = regexp.MustCompile(`(?i)(file|path|dir|authority|cert|certificate|ca)([-_.]|$)`)
	pathValue   = regexp.MustCompile(`^/[A-Za-z0-9._/-]*$`)
	boolValue   = regexp.MustCompile(`(?i)^(true|false|yes|no|on|off|enabled|disabled|0)$`)
	duration    = regexp.MustCompile(`^([0-9]+(\.[0-9]+)?(ns|us|µs|ms|s|m|h|d))+$`)
	// userinfo is the user:password@ of a URL, in any scheme.
	userinfo = regexp.MustCompile(`([A-Za-z][A-Za-z0-9+.-]*://)([^/?#@\s"']*)@`)
	// inline are secret-named key=value (or key: value) pairs inside a
	// longer value: connection strings, header lines, query strings.
	inline = regexp.MustCompile(`(?i)(^|[\s?&;,"'{(])([A-Za-z0-9_.-]*(?:token|passw|pwd|secret|apikey|api_key|api-key|access_key|private_key|credential|auth)[A-Za-z0-9_.-]*)(\s*=\s*|\s*:\s+|"\s*:\s*)("[^"]*"|'[^']*'|[^\s&;,"']+)`)
	bearer = regexp.MustCompile(`(?i)\b(bearer|basic)\s+[A-Za-z0-9._~+/=-]{6,}`)
)

// SecretName reports whether a setting of this name can carry a secret.
func SecretName(name string) bool {
	n := strings.TrimLeft(name, "-")
	return secretWords.MatchString(n) && !authSetting.MatchString(n)
}

// Exists tells whether a host path exists: a path value of a secret-named
// setting is kept only when it names a file (a secret that happens to
// start with a slash does not).
type Exists func(p string) bool

// maskValue masks the value of the setting name: entirely when the name
// can carry a secret and the value is not one of what such settings also
// hold (a boolean, a duration, a file path), otherwise only the user
// information of URLs and secret-named pairs inside it.
func maskValue(name, v string, exists Exists) string {
	if v == "" || v == Redacted {
		return v
	}
	if SecretName(name) && !keepSecretValue(name, v, exists) {
		return Redacted
	}
	return maskInline(v)
}

func keepSecretValue(name, v string, exists Exists) bool {
	if boolValue.MatchString(v) || duration.MatchString(v) {
		return true
	}
	for _, part := range strings.Split(v, ",") {
		part = strings.TrimPrefix(part, "file://")
		if !pathValue.MatchString(part) || strings.Contains(part, "//") {
			return false
		}
		if !pathWords.MatchString(name) && (exists == nil || !exists(part)) {
			return false
		}
	}
	return true
}

// maskInline masks what a value of any name may hide: a URL's user
// information, secret-named pairs, bearer and basic credentials, PEM
// private keys.
func maskInline(v string) string {
	if v == "" || v == Redacted {
		return v
	}
	if privateKeyText(v) {
		return Redacted
	}
	if strings.Contains(v, "://") {
		v = userinfo.ReplaceAllString(v, "${1}"+Redacted+"@")
	}
	v = inline.ReplaceAllStringFunc(v, func(m string) string {
		sub := inline.FindStringSubmatch(m)
		key, val := sub[2], strings.Trim(sub[4], `"'`)
		if boolValue.MatchString(val) || val == Redacted || authSetting.MatchString(key) || (pathValue.MatchString(val) && pathWords.MatchString(key)) {
			return m
		}
		return sub[1] + key + sub[3] + Redacted
	})
	v = bearer.ReplaceAllString(v, "${1} "+Redacted)
	return v
}

// privateKeyText reports whether s holds a private key: PEM, or base64 of
// PEM.
func privateKeyText(s string) bool {
	if strings.Contains(s, "PRIVATE KEY") {
		return true
	}
	if len(s) < 40 {
		return false
	}
	t := strings.Map(func(r rune) rune {
		if r == '\n' || r == '\r' || r == ' ' {
			return -1
		}
		return r
	}, s)
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		if b, err := enc.DecodeString(t); err == nil {
			if strings.Contains(string(b), "PRIVATE KEY") {
				return true
			}
			if _, ok := parseDERKey(b); ok {
				return true
			}
		}
	}
	return false
}

// maskUserinfo masks URL user information in a name=value pair as a
// whole: a URL can straddle the '=' ("A://u=p@h"), and masking the name
// and the value apart misses it.
func maskUserinfo(s string) string {
	if strings.Contains(s, "://") {
		return userinfo.ReplaceAllString(s, "${1}"+Redacted+"@")
	}
	return s
}

// MaskArgs masks a command line: the values of secret-named flags
// (--name=value and --name value), and URLs' user information anywhere.
// Values that are file paths of *-file flags are kept: a path is no secret.
func MaskArgs(args []string, exists Exists) []string {
	out := make([]string, len(args))
	for i := 0; i < len(args); i++ {
		a := args[i]
		out[i] = maskInline(a)
		if !strings.HasPrefix(a, "-") || a == "-" || a == "--" {
			continue
		}
		name := strings.TrimLeft(a, "-")
		if k, v, ok := strings.Cut(name, "="); ok {
			out[i] = maskInline(a[:len(a)-len(v)]) + maskValue(k, v, exists)
			out[i] = maskUserinfo(out[i])
			continue
		}
		if !boolFlags[name] && i+1 < len(args) && !strings.HasPrefix(args[i+1], "-") {
			out[i+1] = maskValue(name, args[i+1], exists)
			i++
		}
	}
	return out
}

// maskEnvValue masks an environment variable's value by its name.
func maskEnvValue(name, v string, exists Exists) string {
	if SecretName(name) {
		return maskValue(name, v, exists)
	}
	if strings.Contains(v, " -") || strings.HasPrefix(v, "-") {
		return maskCommandLine(v, exists) // KUBELET_EXTRA_ARGS="--token=..."
	}
	return maskInline(v)
}

// maskCommandLine masks a command line written as one string, keeping its
// spacing and quotes.
func maskCommandLine(s string, exists Exists) string {
	type tok struct{ start, end int }
	var toks []tok
	for i := 0; i < len(s); {
		for i < len(s) && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\\') {
			i++
		}
		if i >= len(s) {
			break
		}
		start := i
		i = wordEnd(s, i, " \t\n")
		toks = append(toks, tok{start, i})
	}
	words := make([]string, len(toks))
	for i, t := range toks {
		words[i] = strings.Trim(s[t.start:t.end], `"'`)
	}
	masked := MaskArgs(words, exists)
	var b strings.Builder
	last := 0
	for i, t := range toks {
		b.WriteString(s[last:t.start])
		if masked[i] == words[i] {
			b.WriteString(s[t.start:t.end])
		} else {
			raw := s[t.start:t.end]
			q := ""
			if len(raw) > 0 && (raw[0] == '"' || raw[0] == '\'') {
				q = raw[:1]
			}
			b.WriteString(q + masked[i] + q)
		}
		last = t.end
	}
	b.WriteString(s[last:])
	return b.String()
}

// wordEnd is where the shell word starting at s[i] ends: at the first byte
// of seps outside single or double quotes, or at the end of s.
func wordEnd(s string, i int, seps string) int {
	quote := byte(0)
	for ; i < len(s); i++ {
		c := s[i]
		switch {
		case quote != 0:
			if c == quote {
				quote = 0
			}
		case c == '"' || c == '\'':
			quote = c
		case strings.IndexByte(seps, c) >= 0:
			return i
		}
	}
	return i
}
