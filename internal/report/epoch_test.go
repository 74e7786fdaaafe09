package report

import (
	"bytes"
	"strings"
	"testing"
	"time"
)

// TestSourceDateEpoch: SOURCE_DATE_EPOCH, when set, is the time every report
// shows, live audits' included (a manifest's JSON report has none); a
// malformed value is an error.
func TestSourceDateEpoch(t *testing.T) {
	t.Setenv("SOURCE_DATE_EPOCH", "")
	if _, ok, err := SourceDateEpoch(); ok || err != nil {
		t.Fatalf("unset: ok=%v err=%v", ok, err)
	}
	for _, bad := range []string{"abc", "-1", "1.5", "1e9"} {
		t.Setenv("SOURCE_DATE_EPOCH", bad)
		if _, ok, err := SourceDateEpoch(); !ok || err == nil {
			t.Errorf("%q: ok=%v err=%v, want an error", bad, ok, err)
		}
	}
	t.Setenv("SOURCE_DATE_EPOCH", "1767225600")
	want := "2026-01-01T00:00:00Z"
	for _, run := range []*Run{
		{Target: "manifests"},
		{Target: "node", Time: time.Date(2030, 5, 6, 7, 8, 9, 0, time.UTC), Host: "n1"},
	} {
		for _, format := range []string{"text", "json"} {
			var b bytes.Buffer
			if err := Write(&b, format, run); err != nil {
				t.Fatal(err)
			}
			if run.Time.IsZero() && format == "json" {
				// A manifest's JSON report carries no time at all.
				if strings.Contains(b.String(), "generatedAt") {
					t.Errorf("manifest JSON report has a time:\n%s", b.String())
				}
				continue
			}
			if !strings.Contains(b.String(), want) || strings.Contains(b.String(), "2030") {
				t.Errorf("%s %s report does not show %s:\n%s", run.Target, format, want, b.String())
			}
		}
	}
}
