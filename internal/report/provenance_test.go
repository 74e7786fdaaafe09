package report_test

import (
	"strings"
	"testing"
	"time"

	"github.com/kubeward/kubeward/internal/report"
)

// TestWhereAndWhen: live reports say which host was audited and when, in
// UTC; manifest reports (no host, no time) stay reproducible.
func TestWhereAndWhen(t *testing.T) {
	beijing := time.FixedZone("CST", 8*3600)
	at := time.Date(2026, 3, 1, 8, 30, 0, 0, beijing) // 00:30 UTC
	tests := []struct {
		name     string
		host     string
		time     time.Time
		lang     string
		text     string // the last line of the text report, "" for none
		jsonHave []string
		jsonNot  []string
	}{
		{"manifests", "", time.Time{}, "en", "", nil, []string{`"host"`, `"generatedAt"`}},
		{"host and time", "node-1", at, "en", "Audited: node-1, 2026-03-01T00:30:00Z", []string{`"host": "node-1"`, `"generatedAt": "2026-03-01T00:30:00Z"`}, nil},
		{"host only", "https://10.0.0.1:6443", time.Time{}, "en", "Audited: https://10.0.0.1:6443", []string{`"host": "https://10.0.0.1:6443"`}, []string{`"generatedAt"`}},
		{"time only", "", at, "en", "Audited: 2026-03-01T00:30:00Z", []string{`"generatedAt": "2026-03-01T00:30:00Z"`}, []string{`"host"`}},
		{"chinese", "node-1", at, "zh", "审计对象: node-1, 2026-03-01T00:30:00Z", nil, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			run := func() *report.Run {
				r := sampleRun(tc.lang)
				r.Host, r.Time = tc.host, tc.time
				return r
			}
			text := strings.TrimRight(render(t, "text", run()), "\n")
			last := text[strings.LastIndex(text, "\n")+1:]
			if tc.text == "" {
				if strings.Contains(text, "Audited") || strings.Contains(text, "审计对象") {
					t.Errorf("a manifest report names a host or time: %q", last)
				}
			} else if last != tc.text {
				t.Errorf("last text line = %q, want %q", last, tc.text)
			}
			js := render(t, "json", run())
			for _, w := range tc.jsonHave {
				if !strings.Contains(js, w) {
					t.Errorf("JSON lacks %s", w)
				}
			}
			for _, w := range tc.jsonNot {
				if strings.Contains(js, w) {
					t.Errorf("JSON has %s", w)
				}
			}
		})
	}
}

func TestCompactJSON(t *testing.T) {
	tests := []struct {
		compact bool
		lines   int
	}{
		{false, 0}, // indented: many lines
		{true, 1},
	}
	for _, tc := range tests {
		r := sampleRun("en")
		r.Compact = tc.compact
		out := render(t, "json", r)
		if !strings.HasSuffix(out, "\n") {
			t.Errorf("compact=%v: output does not end with a newline", tc.compact)
		}
		n := strings.Count(out, "\n")
		if tc.lines == 1 && n != 1 {
			t.Errorf("compact JSON spans %d lines, want 1", n)
		}
		if tc.lines == 0 && n < 10 {
			t.Errorf("indented JSON spans %d lines", n)
		}
	}
	// Compact only changes JSON.
	r := sampleRun("en")
	r.Compact = true
	if render(t, "text", r) != render(t, "text", sampleRun("en")) {
		t.Error("Compact changes the text report")
	}
}
