package secrets

import (
	"encoding/base64"
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"
)

// cloudCredentialNames hold a cloud provider credential whatever their value
// looks like (a short or word-like value is still the credential), unless
// the value is a placeholder. Compared upper-cased.
var cloudCredentialNames = map[string]bool{
	"AWS_SECRET_ACCESS_KEY": true, "AWS_SESSION_TOKEN": true, "AWS_SECURITY_TOKEN": true,
	"AZURE_CLIENT_SECRET": true, "AZURE_STORAGE_KEY": true, "AZURE_STORAGE_ACCOUNT_KEY": true, "AZURE_STORAGE_CONNECTION_STRING": true,
	"AZURE_STORAGE_SAS_TOKEN": true, "ARM_CLIENT_SECRET": true, "ARM_ACCESS_KEY": true,
	"GOOGLE_CREDENTIALS": true, "GOOGLE_CLOUD_KEYFILE_JSON": true, "GCP_SERVICE_ACCOUNT_KEY": true, "GOOGLE_OAUTH_ACCESS_TOKEN": true,
	"ALICLOUD_SECRET_KEY": true, "ALIBABA_CLOUD_ACCESS_KEY_SECRET": true, "TENCENTCLOUD_SECRET_KEY": true, "HUAWEICLOUD_SDK_SK": true,
	"DIGITALOCEAN_TOKEN": true, "DIGITALOCEAN_ACCESS_TOKEN": true, "OS_PASSWORD": true, "IBMCLOUD_API_KEY": true,
}

// cloudJSONCredentialNames usually name a key file (a path, fine) but may
// hold the JSON key itself.
var cloudJSONCredentialNames = map[string]bool{"GOOGLE_APPLICATION_CREDENTIALS": true, "CLOUDSDK_AUTH_CREDENTIAL_FILE_OVERRIDE": true}

// placeholder reports a value that is not one: empty, a Kubernetes
// $(VAR) reference, a shell or template ${...} / {{ ... }} reference.
func placeholder(v string) bool {
	v = strings.TrimSpace(v)
	return v == "" || strings.HasPrefix(v, "$(") || strings.HasPrefix(v, "${") || strings.Contains(v, "{{") ||
		(strings.HasPrefix(v, "$") && len(v) > 1 && !strings.ContainsAny(v[1:], " $"))
}

// cloudCredential judges the names of cloud credentials.
func cloudCredential(name, v string) (Verdict, bool) {
	n := strings.ToUpper(name)
	if cloudCredentialNames[n] && !placeholder(v) {
		return Verdict{Secret: true, Certain: true, Why: "name " + name + " is a cloud credential and holds a literal value"}, true
	}
	if cloudJSONCredentialNames[n] && strings.HasPrefix(strings.TrimSpace(v), "{") {
		return Verdict{Secret: true, Certain: true, Why: "name " + name + " holds a service account key (JSON) rather than its path"}, true
	}
	return Verdict{}, false
}

// weakSecretName matches short or generic names that hold a secret only
// when their value looks like one: auth, authorization, *_key.
var weakSecretName = regexp.MustCompile(`(?i)(^auth$|[_.-]auth$|^authorization$|[_.-]authorization$|^http[_.-]?auth|[_.-]key$|^key$)`)

// notSecretKey excludes key names that are identifiers, not credentials.
var notSecretKey = regexp.MustCompile(`(?i)(public[_.-]?key|(cache|partition|sort|routing|primary|foreign|hash|shard|lookup|idempotency|group|label|map|object|message|queue|topic|dedup|sharding|index|row|column|sequence|session[_.-]?cookie|cookie|header|query|field|json|yaml|config|metric|selector|topology|node|tenant|region|zone|feature|flag|locale|lang|sign[_.-]?in|template|bucket|prefix|suffix|storage[_.-]?class|kms|license[_.-]?file)[_.-]?key$)`)

// authModeWords are values of auth settings that name a method, not a secret.
var authModeWords = map[string]bool{
	"basic": true, "bearer": true, "digest": true, "oauth": true, "oauth2": true, "oidc": true, "ldap": true, "jwt": true, "token": true,
	"password": true, "apikey": true, "api-key": true, "kerberos": true, "ntlm": true, "saml": true, "mtls": true, "tls": true, "anonymous": true,
	"internal": true, "external": true, "default": true, "local": true, "header": true, "cookie": true, "session": true, "sasl": true, "plain": true,
	"scram-sha-256": true, "scram-sha-512": true, "md5": true, "trust": true, "cert": true, "x509": true, "iam": true, "hmac": true,
}

// weakNameSecret judges a value held under a weak secret name: it must look
// like a credential, not a word, an identifier, a label key or a host name.
func weakNameSecret(name, v string) bool {
	if !weakSecretName.MatchString(name) || notSecretKey.MatchString(name) || notSecretName.MatchString(name) {
		return false
	}
	if !plausibleSecret(v) || len(v) < 8 || authModeWords[strings.ToLower(v)] || strings.ContainsAny(v, " \t/") {
		return false
	}
	// Lower-case words joined by dots, dashes or underscores (orders.created,
	// my-app_key) are identifiers.
	identifier := true
	for _, r := range v {
		if !(unicode.IsLower(r) || r == '.' || r == '-' || r == '_') {
			identifier = false
			break
		}
	}
	return !identifier
}

// authHeader finds an HTTP Authorization credential in text: "Bearer
// <token>" with a token of 16+ characters mixing letters and digits (or a
// JSON Web Token), or "Basic <base64 of user:password>".
var authHeader = regexp.MustCompile(`(?i)\b(bearer|basic)\s+([A-Za-z0-9._~+/-]{8,}=*)`)

func authHeaderSecret(text string) (loc []int, why string) {
	if !hinted(strings.ToLower(text), []string{"bearer", "basic"}) {
		return nil, ""
	}
	for _, m := range authHeader.FindAllStringSubmatchIndex(text, -1) {
		scheme, cred := strings.ToLower(text[m[2]:m[3]]), text[m[4]:m[5]]
		switch scheme {
		case "basic":
			if d, ok := decodeBase64(cred); ok && strings.Contains(d, ":") && !strings.HasSuffix(d, ":") {
				return m[:2], "value is an HTTP Basic authorization header (user:password in base64)"
			}
		case "bearer":
			if placeholder(cred) {
				continue
			}
			hasDigit := strings.ContainsAny(cred, "0123456789")
			hasLetter := strings.IndexFunc(cred, unicode.IsLetter) >= 0
			if len(cred) >= 16 && hasDigit && hasLetter {
				return m[:2], "value is an HTTP Bearer authorization header"
			}
		}
	}
	return nil, ""
}

// decodeBase64 decodes standard or URL base64 (padded or not) into
// printable UTF-8 text.
func decodeBase64(s string) (string, bool) {
	s = strings.TrimSpace(s)
	if len(s) < 8 {
		return "", false
	}
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.URLEncoding, base64.RawStdEncoding, base64.RawURLEncoding} {
		b, err := enc.DecodeString(s)
		if err != nil || !utf8.Valid(b) {
			continue
		}
		d := string(b)
		printable := true
		for _, r := range d {
			if !unicode.IsPrint(r) && r != '\n' && r != '\r' && r != '\t' {
				printable = false
				break
			}
		}
		if printable {
			return d, true
		}
	}
	return "", false
}

// base64Secret reports a value that is base64 of something secret: a known
// credential format, an authorization header, or key = value lines with a
// secret name.
func base64Secret(v string) (string, bool) {
	if len(v) < 12 || strings.ContainsAny(v, " \t\n:") {
		return "", false
	}
	d, ok := decodeBase64(v)
	if !ok {
		return "", false
	}
	for _, f := range knownFormats {
		if hinted(d, f.hints) && f.re.MatchString(d) {
			if f.name == "URL with a password" && urlPasswordIsPlaceholder(d) {
				continue
			}
			return "value is base64 of a " + f.name, true
		}
	}
	if loc, _ := authHeaderSecret(d); loc != nil {
		return "value is base64 of an HTTP authorization header", true
	}
	if line, _, certain := scanAssignments(d); line > 0 && certain {
		return "value is base64 of a secret setting", true
	}
	// user:password
	if u, p, ok := strings.Cut(d, ":"); ok && u != "" && len(p) >= 6 && !strings.ContainsAny(d, " /\n") && plausibleSecret(p) && strings.IndexFunc(u, unicode.IsLetter) >= 0 {
		return "value is base64 of user:password credentials", true
	}
	return "", false
}
