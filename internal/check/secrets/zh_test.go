package secrets

import (
	"encoding/base64"
	"regexp"
	"strings"
	"testing"
)

// formatSamples hold one value of each known credential format.
var formatSamples = map[string]string{
	"private key (PEM)":   "-----BEGIN RSA PRIVATE KEY-----\nMIIEow\n-----END RSA PRIVATE KEY-----",
	"AWS access key ID":   "AKIAIOSFODNN7EXAMPL3",
	"GitHub token":        "ghp_" + strings.Repeat("aB3", 12),
	"GitLab token":        "glpat-" + strings.Repeat("xY7", 7),
	"Slack token":         "xoxb-1234567890-abcdefghij",
	"Google API key":      "AIza" + strings.Repeat("Sy9", 12)[:35],
	"Stripe secret key":   "sk_live_" + strings.Repeat("q1W", 8),
	"JSON Web Token":      "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U",
	"URL with a password": "postgres://app:s3cretPassw0rd@db:5432/app",
}

var englishProse = regexp.MustCompile(`[A-Za-z]+ [A-Za-z]+`)

// Every sentence the classifier builds has a Chinese form, and no form of
// WhyZH goes unused.
func TestEveryWhyTranslated(t *testing.T) {
	b64 := base64.StdEncoding.EncodeToString
	var whys []string
	add := func(why string) {
		if why == "" {
			t.Helper()
			t.Error("no verdict")
		}
		whys = append(whys, why)
	}
	for _, f := range knownFormats {
		v, ok := formatSamples[f.name]
		if !ok {
			t.Errorf("no sample of %s: add one", f.name)
			continue
		}
		add(Classify("", v).Why)
		add(Classify("", b64([]byte(v))).Why)
		_, why, _ := ScanText("a: 1\nb: " + v + "\n")
		add(why)
	}
	for _, c := range []struct{ name, value string }{
		{"", "Basic " + b64([]byte("admin:s3cretPassw0rd"))},
		{"", "Bearer abcdef0123456789abcdef"},
		{"", b64([]byte("Authorization: Bearer abcdef0123456789abcdef"))},
		{"", b64([]byte("db.password = hunter2hunter2\n"))},
		{"", b64([]byte("admin:s3cretPassw0rd"))},
		{"", "Zq8xR2mT9vLp4KwN7sYb3HcJ6dFg"},
		{"DB_PASSWORD", "hunter2hunter2"},
		{"API_AUTH", "Xk29sd8Qp0"},
		{"AWS_SECRET_ACCESS_KEY", "abc"},
		{"GOOGLE_APPLICATION_CREDENTIALS", `{"type": "service_account"}`},
	} {
		add(Classify(c.name, c.value).Why)
	}
	for _, text := range []string{
		"x: 1\nAuthorization: Basic " + b64([]byte("admin:s3cretPassw0rd")) + "\n",
		"x: 1\nAuthorization: Bearer abcdef0123456789abcdef\n",
		"x: 1\ndb.password = hunter2hunter2\n",
		"x: 1\nAWS_SECRET_ACCESS_KEY = abc\n",
	} {
		_, why, _ := ScanText(text)
		add(why)
	}
	used := map[int]bool{}
	for _, why := range whys {
		zh, ok := WhyZH(why)
		if !ok {
			t.Errorf("untranslated: %q → %q", why, zh)
			continue
		}
		if m := englishProse.FindString(zh); m != "" && !strings.Contains(zh, "HTTP Basic") && !strings.Contains(zh, "HTTP Bearer") {
			t.Errorf("English %q left in %q", m, zh)
		}
		for i, f := range whyForms {
			if f.re.MatchString(why) {
				used[i] = true
				break
			}
		}
	}
	for i, f := range whyForms {
		if !used[i] {
			t.Errorf("no classifier sentence reaches form %s: a sample is missing or the form is dead", f.re)
		}
	}
}

func TestWhereZH(t *testing.T) {
	for in, want := range map[string]string{
		"env DB_PASSWORD":        "环境变量 DB_PASSWORD",
		"argument --db-password": "参数 --db-password",
		"data STRIPE_KEY":        "data 键 STRIPE_KEY",
		"data application.properties (line 3 of the value)": "data 键 application.properties（值的第 3 行）",
	} {
		if got := whereZH(in); got != want {
			t.Errorf("whereZH(%q) = %q, want %q", in, got, want)
		}
	}
}
