// Package secrets finds secrets written into manifests: literal environment
// values and command-line flags, ConfigMap data, and Secret objects whose
// values sit in the scanned YAML. IDs: KW-SEC-*. Values are never reported,
// only where they are and why they look secret.
package secrets

import (
	"math"
	"net/url"
	"regexp"
	"strconv"
	"strings"
)

// secretName matches names of variables, keys and flags that hold secrets.
var secretName = regexp.MustCompile(`(?i)(passw(or)?d|passwd|^pwd$|_pwd$|secret|token|api[_.-]?key|apikey|access[_.-]?key|private[_.-]?key|credential|auth[_.-]?key|client[_.-]?secret|conn(ection)?[_.-]?str(ing)?|^dsn$|_dsn$|signing[_.-]?key|encryption[_.-]?key|master[_.-]?key)`)

// notSecretName excludes names that hold a reference to a secret, not the
// secret itself (a file path, a name, a URL, a duration, a switch). PWD,
// the shell's working directory, is left to its value: a path is no secret.
var notSecretName = regexp.MustCompile(`(?i)([_.-](file|path|dir|name|ref|url|uri|endpoint|ttl|expiry|expiration|timeout|lifetime|enabled|enable|header|type|id|length|size|key[_.-]?id|keyref|secretref|mount|location|issuer|audience|algorithm|alg)$)`)

// secretHints are substrings every secretName match contains: a cheap
// filter so the regular expressions run only on candidate names.
var secretHints = []string{"pass", "pwd", "secret", "token", "key", "cred", "conn", "dsn"}

// SecretName reports whether a variable, key or flag name denotes a secret
// (and not a reference to one, such as DB_PASSWORD_FILE).
func SecretName(name string) bool {
	lower := strings.ToLower(name)
	hinted := false
	for _, h := range secretHints {
		if strings.Contains(lower, h) {
			hinted = true
			break
		}
	}
	return hinted && secretName.MatchString(name) && !notSecretName.MatchString(name)
}

// knownFormats are shapes of real credentials, flagged whatever their name.
var knownFormats = []struct {
	name string
	re   *regexp.Regexp
	// hints are literals every match contains: the expression runs only
	// when one is present, which keeps large ConfigMaps cheap.
	hints []string
}{
	{"private key (PEM)", regexp.MustCompile(`-----BEGIN (RSA |EC |DSA |OPENSSH |ENCRYPTED |PGP )?PRIVATE KEY( BLOCK)?-----`), []string{"PRIVATE KEY"}},
	{"AWS access key ID", regexp.MustCompile(`\b(AKIA|ASIA)[0-9A-Z]{16}\b`), []string{"AKIA", "ASIA"}},
	{"GitHub token", regexp.MustCompile(`\b(gh[pousr]_[A-Za-z0-9]{36,}|github_pat_[A-Za-z0-9_]{22,})\b`), []string{"ghp_", "gho_", "ghu_", "ghs_", "ghr_", "github_pat_"}},
	{"GitLab token", regexp.MustCompile(`\bglpat-[A-Za-z0-9_-]{20,}\b`), []string{"glpat-"}},
	{"Slack token", regexp.MustCompile(`\bxox[abposr]-[A-Za-z0-9-]{10,}\b`), []string{"xox"}},
	{"Google API key", regexp.MustCompile(`\bAIza[0-9A-Za-z_-]{35}\b`), []string{"AIza"}},
	{"Stripe secret key", regexp.MustCompile(`\b[sr]k_live_[0-9A-Za-z]{20,}\b`), []string{"k_live_"}},
	{"JSON Web Token", regexp.MustCompile(`\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}`), []string{"eyJ"}},
	{"URL with a password", urlWithPassword, []string{"@"}},
}

// hinted reports whether text contains one of the hints.
func hinted(text string, hints []string) bool {
	for _, h := range hints {
		if strings.Contains(text, h) {
			return true
		}
	}
	return false
}

// urlWithPassword captures the password of scheme://user:password@host.
var urlWithPassword = regexp.MustCompile(`(?i)\b[a-z][a-z0-9+.-]*://[^/\s:@]+:([^/\s@]+)@`)

// Verdict says why a value looks secret.
type Verdict struct {
	Secret bool
	// Certain is true for a known credential format or a secret name with a
	// literal value; false for high entropy alone, which a person must judge.
	Certain bool
	Why     string
}

// Classify judges a literal value held under name.
func Classify(name, value string) Verdict {
	v := strings.TrimSpace(value)
	if v == "" {
		return Verdict{}
	}
	for _, f := range knownFormats {
		if hinted(v, f.hints) && f.re.MatchString(v) {
			if f.name == "URL with a password" && urlPasswordIsPlaceholder(v) {
				continue
			}
			return Verdict{Secret: true, Certain: true, Why: "value has the form of a " + f.name}
		}
	}
	if loc, why := authHeaderSecret(v); loc != nil {
		return Verdict{Secret: true, Certain: true, Why: why}
	}
	if name != "" {
		if verdict, ok := cloudCredential(name, v); ok {
			return verdict
		}
		if SecretName(name) && plausibleSecret(v) {
			return Verdict{Secret: true, Certain: true, Why: "name " + name + " holds a literal value"}
		}
		if weakNameSecret(name, v) {
			return Verdict{Secret: true, Certain: true, Why: "name " + name + " holds a credential-like literal value"}
		}
	}
	if why, ok := base64Secret(v); ok {
		return Verdict{Secret: true, Certain: true, Why: why}
	}
	if highEntropy(v) {
		return Verdict{Secret: true, Why: "value is a long random-looking string"}
	}
	return Verdict{}
}

// plausibleSecret rules out values that are clearly not secrets: switches,
// numbers, paths, references and template placeholders.
func plausibleSecret(v string) bool {
	if len(v) < 4 {
		return false
	}
	switch strings.ToLower(v) {
	case "true", "false", "yes", "no", "on", "off", "null", "none", "nil", "enabled", "disabled", "required", "optional", "auto":
		return false
	}
	if strings.HasPrefix(v, "/") || strings.HasPrefix(v, "$(") || strings.HasPrefix(v, "${") || strings.Contains(v, "{{") {
		return false
	}
	if isNumber(v) {
		return false
	}
	if u, err := url.Parse(v); err == nil && u.Scheme != "" && u.Host != "" {
		_, hasPassword := u.User.Password()
		return hasPassword && !urlPasswordIsPlaceholder(v)
	}
	return true
}

// urlPasswordIsPlaceholder reports a URL whose password is a variable or
// template reference, or a mask, rather than a value.
func urlPasswordIsPlaceholder(v string) bool {
	m := urlWithPassword.FindStringSubmatch(v)
	if m == nil {
		return false
	}
	p := m[1]
	return strings.HasPrefix(p, "$") || strings.Contains(p, "{{") || strings.Trim(p, "*x") == ""
}

func isNumber(v string) bool {
	for _, r := range v {
		if (r < '0' || r > '9') && r != '.' && r != '-' && r != '_' {
			return false
		}
	}
	return true
}

// highEntropy reports a single token of 24+ characters whose characters are
// spread like random base64 or base62: tokens and keys, not words or hex digests.
func highEntropy(v string) bool {
	if len(v) < 24 || len(v) > 4096 || strings.ContainsAny(v, " \t\n") {
		return false
	}
	if strings.Contains(v, "://") || strings.HasPrefix(v, "/") || strings.Contains(v, "sha256:") {
		return false
	}
	var upper, lower, digit bool
	for _, r := range v {
		switch {
		case r >= 'A' && r <= 'Z':
			upper = true
		case r >= 'a' && r <= 'z':
			lower = true
		case r >= '0' && r <= '9':
			digit = true
		}
	}
	if !(upper && lower && digit) {
		return false
	}
	return entropy(v) >= 4.2
}

// entropy is the Shannon entropy of s in bits per character.
func entropy(s string) float64 {
	var counts [256]int
	for i := 0; i < len(s); i++ {
		counts[s[i]]++
	}
	h, n := 0.0, float64(len(s))
	for _, c := range counts {
		if c > 0 {
			p := float64(c) / n
			h -= p * math.Log2(p)
		}
	}
	return h
}

// assignment matches "key = value" and "key: value" lines of config files.
var assignment = regexp.MustCompile(`^\s*["']?([A-Za-z0-9_.\-]+)["']?\s*[:=]\s*["']?(.*?)["']?\s*,?\s*$`)

// ScanText looks for secrets inside a multi-line value (a config file held in
// a ConfigMap) and returns the 1-based line of the first one.
func ScanText(text string) (line int, why string, certain bool) {
	for _, f := range knownFormats {
		if !hinted(text, f.hints) {
			continue
		}
		if loc := f.re.FindStringIndex(text); loc != nil {
			if f.name == "URL with a password" && urlPasswordIsPlaceholder(text[loc[0]:]) {
				continue
			}
			return strings.Count(text[:loc[0]], "\n") + 1, "contains a " + f.name, true
		}
	}
	if loc, why := authHeaderSecret(text); loc != nil {
		return strings.Count(text[:loc[0]], "\n") + 1, strings.Replace(why, "value is", "contains", 1), true
	}
	return scanAssignments(text)
}

// scanAssignments looks for key = value lines whose key names a secret
// holding a literal.
func scanAssignments(text string) (line int, why string, certain bool) {
	for i, l := range strings.Split(text, "\n") {
		if !strings.ContainsAny(l, ":=") || !hinted(strings.ToLower(l), secretHints) {
			continue
		}
		m := assignment.FindStringSubmatch(l)
		if m == nil {
			continue
		}
		if SecretName(m[1]) && plausibleSecret(m[2]) {
			return i + 1, "key " + m[1] + " holds a literal value", true
		}
		if _, ok := cloudCredential(m[1], m[2]); ok {
			return i + 1, "key " + m[1] + " is a cloud credential and holds a literal value", true
		}
	}
	return 0, "", false
}

// Redact describes a value without revealing it.
func Redact(v string) string {
	return "<redacted, " + strconv.Itoa(len(v)) + " chars>"
}
