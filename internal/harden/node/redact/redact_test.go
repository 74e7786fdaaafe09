package redact

import (
	"strings"
	"testing"
)

func TestText(t *testing.T) {
	for in, want := range map[string]string{
		`endpoint = ["http://puller:do-not-print-me@10.0.0.6:5000"]`:    `endpoint = ["http://<redacted>@10.0.0.6:5000"]`,
		`  "splunk-token": "do-not-print-me",`:                          `  "splunk-token": "<redacted>",`,
		`log-opts: {"max-size":"10m","splunk-token":"do-not-print-me"}`: `log-opts: {"max-size":"10m","splunk-token":"<redacted>"}`,
		`    password = 'do-not-print-me'`:                              `    password = '<redacted>'`,
		`client-key-data: LS0tLS1CRUdJTi`:                               `client-key-data: <redacted>`,
		`icc: false`:                                                    `icc: false`,
		`- --token-auth-file=/etc/kubernetes/tokens.csv`:                `- --token-auth-file=<redacted>`,
	} {
		if got := Text(in); got != want {
			t.Errorf("%s\n got %s\nwant %s", in, got, want)
		}
	}
}

func FuzzLine(f *testing.F) {
	f.Add(`"password": "s3cret"`)
	f.Add(`https://u:p@h/x`)
	f.Fuzz(func(t *testing.T, s string) {
		out := Line(s)
		if strings.Contains(s, "password=hunter2x") && strings.Contains(out, "hunter2x") {
			t.Fatalf("%q -> %q", s, out)
		}
	})
}
