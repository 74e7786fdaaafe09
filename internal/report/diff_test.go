package report_test

import (
	"bytes"
	"strings"
	"testing"

	"github.com/kubeward/kubeward/internal/catalog"
	"github.com/kubeward/kubeward/internal/report"
	"github.com/kubeward/kubeward/internal/result"
)

func readBack(t *testing.T, run *report.Run) *report.Report {
	t.Helper()
	rep, err := report.ReadReport(strings.NewReader(render(t, "json", run)), "r.json")
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

func TestReadReportErrors(t *testing.T) {
	for _, tc := range []struct {
		name, in, want string
	}{
		{"empty", "", "old.json: empty, not a kubeward JSON report"},
		{"syntax", "{\n  \"schema\": \"kubeward.io/report/v1\",\n  \"results\": [}\n", "old.json:3: invalid JSON"},
		{"type", `{"schema": "kubeward.io/report/v1", "results": {"id": 1}}`, "old.json:1: not a kubeward JSON report: field results"},
		{"schema", `{"schema": "other/v1"}`, `old.json: not a kubeward JSON report (schema "other/v1"`},
		{"SARIF", `{"$schema": "https://json.schemastore.org/sarif-2.1.0.json", "runs": []}`, `old.json: not a kubeward JSON report (schema ""`},
		{"status", `{"schema": "kubeward.io/report/v1", "results": [{"id": "KW-POD-001", "status": "MAYBE"}]}`, `old.json: result 1 (KW-POD-001) has unknown status "MAYBE"`},
		{"no id", `{"schema": "kubeward.io/report/v1", "results": [{"status": "FAIL"}]}`, "old.json: result 1 has no id"},
		{"severity", `{"schema": "kubeward.io/report/v1", "results": [{"id": "X", "status": "FAIL", "severity": "huge"}]}`, `old.json: result 1 (X): unknown severity "huge"`},
		{"two reports", "{\"schema\": \"kubeward.io/report/v1\"}\n{\"schema\": \"kubeward.io/report/v1\"}\n", "old.json:2: data after the report"},
		{"binary", "\xff\xfe{", "old.json: not UTF-8"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := report.ReadReport(strings.NewReader(tc.in), "old.json")
			if err == nil || !strings.HasPrefix(err.Error(), tc.want) {
				t.Errorf("error = %v, want it to start %q", err, tc.want)
			}
			if err != nil && strings.Contains(err.Error(), "\n") {
				t.Errorf("error spans lines: %q", err)
			}
		})
	}
}

// A finding that moved to another line is unchanged, a finding that is
// gone is fixed, one that appeared is new; the languages of the two
// reports do not matter.
func TestCompare(t *testing.T) {
	old := sampleRun("en")
	cur := sampleRun("zh")
	// Every line moves down by 5.
	for i := range cur.Results {
		if l := cur.Results[i].Location; l != nil {
			moved := *l
			moved.Line += 5
			cur.Results[i].Location = &moved
		}
	}
	// KW-POD-002 is fixed, a new KW-HOST-004 appears, KW-NS-005 goes from
	// WARN to IGNORED.
	cur.Results = cur.Results[1:]
	cur.Results = append(cur.Results, result.Result{ID: "KW-HOST-004", Status: result.Fail, Severity: catalog.SeverityHigh,
		Subject: result.Subject{Kind: "Deployment", Namespace: "apps", Name: "web"}, Location: &result.Location{File: "/repo/deploy/app.yaml", Line: 21, Path: "spec.template.spec.hostPID"}})
	for i := range cur.Results {
		if cur.Results[i].ID == "KW-NS-005" {
			cur.Results[i].Status = result.Ignored
		}
	}
	d := report.Compare("old.json", readBack(t, old), "new.json", readBack(t, cur))
	ids := func(es []report.DiffEntry) string {
		var s []string
		for _, e := range es {
			s = append(s, e.ID)
		}
		return strings.Join(s, ",")
	}
	if got := ids(d.New); got != "KW-HOST-004" {
		t.Errorf("new = %s, want KW-HOST-004", got)
	}
	if got := ids(d.Fixed); got != "KW-POD-002" {
		t.Errorf("fixed = %s, want KW-POD-002", got)
	}
	// FAIL, WARN, IGNORED and ERROR are findings; NOT_APPLICABLE is not.
	if got := ids(d.Unchanged); got != "KW-HOST-003,KW-NS-005,KW-RBAC-010,KW-RBAC-001,KW-NODE-000" {
		t.Errorf("unchanged = %s", got)
	}
	for _, e := range d.Unchanged {
		if e.ID == "KW-NS-005" && e.OldStatus != result.Warn {
			t.Errorf("KW-NS-005 old status %q, want WARN", e.OldStatus)
		}
	}
	if n := d.NewAtOrAbove(catalog.SeverityHigh); n != 1 {
		t.Errorf("NewAtOrAbove(high) = %d, want 1", n)
	}
	if n := d.NewAtOrAbove(catalog.SeverityCritical); n != 0 {
		t.Errorf("NewAtOrAbove(critical) = %d, want 0", n)
	}
	for _, f := range report.DiffFormats {
		for _, lang := range []string{"en", "zh"} {
			var b bytes.Buffer
			if err := report.WriteDiff(&b, f, lang, d); err != nil || !strings.Contains(b.String(), "KW-HOST-004") {
				t.Errorf("WriteDiff(%s, %s) = %v:\n%s", f, lang, err, b.String())
			}
		}
	}
}

// With a baseline, every format marks findings new or unchanged, and only
// new FAILs count towards --fail-on.
func TestBaselineMarksEveryFormat(t *testing.T) {
	base := report.NewBaseline("old.json", readBack(t, sampleRun("en")))
	run := sampleRun("en")
	run.Results = append(run.Results, result.Result{ID: "KW-HOST-004", Status: result.Fail, Severity: catalog.SeverityHigh,
		Subject: result.Subject{Kind: "Deployment", Namespace: "apps", Name: "api"}})
	run.Results = run.Results[1:] // KW-POD-002 fixed
	run.Baseline = base
	if c := run.BaselineCounts(); c != (report.BaselineCounts{New: 1, Unchanged: 5, Fixed: 1}) {
		t.Errorf("BaselineCounts = %+v", c)
	}
	if n := run.AtOrAbove(catalog.SeverityLow); n != 1 {
		t.Errorf("AtOrAbove(low) = %d with a baseline, want 1 (the new FAIL)", n)
	}
	for format, want := range map[string][]string{
		"text":     {"(new)", "(unchanged (in baseline))", "Baseline old.json: 1 new, 5 unchanged, 1 fixed"},
		"json":     {`"baselineState": "new"`, `"baselineState": "unchanged"`, `"fixed": 1`},
		"sarif":    {`"baselineState": "new"`, `"baselineState": "unchanged"`},
		"junit":    {"unchanged (in baseline): "},
		"html":     {`data-baseline="new"`, `data-baseline="unchanged"`, `<select name="baseline">`, "1 new, 5 unchanged, 1 fixed"},
		"markdown": {"_new_", "_unchanged (in baseline)_", "1 new, 5 unchanged, 1 fixed"},
	} {
		out := render(t, format, run)
		for _, w := range want {
			if !strings.Contains(out, w) {
				t.Errorf("%s: no %q", format, w)
			}
		}
	}
}

// FuzzReadReport: any input gives a report or a one-line error naming the
// file, never a panic; a report read diffs against itself with nothing new
// or fixed.
func FuzzReadReport(f *testing.F) {
	f.Add([]byte(`{"schema": "kubeward.io/report/v1", "results": [{"id": "KW-POD-001", "status": "FAIL", "severity": "high", "subject": {"kind": "Pod", "name": "a"}, "location": {"file": "a.yaml", "line": 3, "path": "spec"}}]}`))
	f.Add([]byte(`{"schema": "kubeward.io/report/v1", "results": null}`))
	f.Add([]byte(`{"schema": 1}`))
	f.Add([]byte("[]"))
	f.Add([]byte(""))
	f.Fuzz(func(t *testing.T, data []byte) {
		rep, err := report.ReadReport(bytes.NewReader(data), "in.json")
		if err != nil {
			if !strings.HasPrefix(err.Error(), "in.json") || strings.Contains(err.Error(), "\n") {
				t.Fatalf("error %q does not name the file on one line", err)
			}
			return
		}
		d := report.Compare("a", rep, "b", rep)
		if len(d.New) != 0 || len(d.Fixed) != 0 {
			t.Fatalf("a report diffs against itself with %d new, %d fixed", len(d.New), len(d.Fixed))
		}
		for _, f := range report.DiffFormats {
			if err := report.WriteDiff(&bytes.Buffer{}, f, "zh", d); err != nil {
				t.Fatal(err)
			}
		}
	})
}

// A report someone else wrote cannot put a terminal escape into the text
// diff or markup into the Markdown one.
func TestDiffOutputInert(t *testing.T) {
	in := `{"schema": "kubeward.io/report/v1", "results": [{"id": "KW-\u001b[2J<img src=x>", "status": "FAIL", "title": "t\u001b]0;x\u0007",
		"subject": {"kind": "Pod", "name": "a\u001b[31m<script>"}, "location": {"file": "f\u001b.yaml", "line": 1}}]}`
	rep, err := report.ReadReport(strings.NewReader(in), "new.json")
	if err != nil {
		t.Fatal(err)
	}
	d := report.Compare("old.json", &report.Report{}, "new.json", rep)
	for _, f := range []string{"text", "markdown"} {
		var b bytes.Buffer
		if err := report.WriteDiff(&b, f, "en", d); err != nil {
			t.Fatal(err)
		}
		if strings.ContainsAny(b.String(), "\x1b\x07") {
			t.Errorf("%s: a control character reached the output", f)
		}
		if f == "markdown" && (strings.Contains(b.String(), "<img") || strings.Contains(b.String(), "<script")) {
			t.Errorf("markdown: markup reached the output:\n%s", b.String())
		}
	}
}
