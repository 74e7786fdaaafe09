package report

import (
	"encoding/json"
	"io"
	"time"

	"github.com/kubeward/kubeward/internal/benchmark"
	"github.com/kubeward/kubeward/internal/catalog"
	"github.com/kubeward/kubeward/internal/result"
)

// SchemaVersion is the version of the JSON report format (docs/json-report.md).
const SchemaVersion = "kubeward.io/report/v1"

type jsonResult struct {
	ID          string            `json:"id"`
	Status      result.Status     `json:"status"`
	Severity    catalog.Severity  `json:"severity"`
	Layer       int               `json:"layer"`
	Item        string            `json:"item"`
	Title       string            `json:"title"`
	Subject     result.Subject    `json:"subject"`
	Location    *result.Location  `json:"location,omitempty"`
	Message     string            `json:"message"`
	Evidence    string            `json:"evidence,omitempty"`
	Remediation string            `json:"remediation"`
	Exception   *result.Exception `json:"exception,omitempty"`
	// BaselineState is "new" or "unchanged" with --baseline.
	BaselineState string `json:"baselineState,omitempty"`
}

type jsonReport struct {
	Schema  string          `json:"schema"`
	Version string          `json:"kubewardVersion"`
	Target  string          `json:"target"`
	Host    string          `json:"host,omitempty"`
	Time    string          `json:"generatedAt,omitempty"`
	Inputs  []string        `json:"inputs,omitempty"`
	Lang    string          `json:"lang"`
	Summary jsonSummary     `json:"summary"`
	Results json.RawMessage `json:"results"` // streamed (writeStreamed)
	Errors  []string        `json:"errors"`
	// Notices are remarks about the configuration, not findings
	// (result.IsNotice): not in results, not counted.
	Notices []jsonNotice `json:"notices,omitempty"`
	// Benchmark is the compliance view (scan --benchmark).
	Benchmark *benchmark.View `json:"benchmark,omitempty"`
}

type jsonNotice struct {
	ID      string `json:"id"`
	Subject string `json:"subject"`
	Message string `json:"message"`
}

type jsonSummary struct {
	Objects  int                   `json:"objects"`
	Statuses map[result.Status]int `json:"statuses"`
	Passed   map[string]int        `json:"passedByCheck"`
	Skipped  map[string]int        `json:"skippedKinds"`
	// Baseline counts new, unchanged and fixed findings with --baseline.
	Baseline *jsonBaseline `json:"baseline,omitempty"`
}

type jsonBaseline struct {
	File      string `json:"file"`
	New       int    `json:"new"`
	Unchanged int    `json:"unchanged"`
	Fixed     int    `json:"fixed"`
}

func writeJSON(w io.Writer, run *Run) error {
	out := jsonReport{
		Schema: SchemaVersion, Version: run.Version, Target: run.Target, Inputs: run.Inputs, Lang: langOrEN(run.Lang),
		Summary: jsonSummary{Objects: run.Objects, Statuses: run.Counts(), Passed: nonNil(run.Passed), Skipped: nonNil(run.Skipped)},
		Results: streamPlaceholder,
		Errors:  append([]string{}, run.Errors...),
	}
	for _, n := range run.Notices() {
		out.Notices = append(out.Notices, jsonNotice{ID: n.ID, Subject: n.Subject.Name, Message: noticeText(n, run.Lang)})
	}
	if run.Baseline != nil {
		c := run.BaselineCounts()
		out.Summary.Baseline = &jsonBaseline{File: run.Baseline.File, New: c.New, Unchanged: c.Unchanged, Fixed: c.Fixed}
	}
	out.Host = run.Host
	out.Benchmark = run.Benchmark
	if !run.Time.IsZero() {
		out.Time = run.shownTime().UTC().Format(time.RFC3339)
	}
	// Results are rendered one at a time as they are written: memory does
	// not grow with the number of findings.
	var jr jsonResult // reused: each item is encoded before the next is built
	return writeStreamed(w, out, run.Compact, len(run.Results), func(i int) (any, bool) {
		r := &run.Results[i]
		if result.IsNotice(r) {
			return nil, false
		}
		jr = jsonResult{ID: r.ID, Status: r.Status, Severity: r.Severity, Subject: r.Subject, Location: r.Location,
			Message: r.Message.In(run.Lang), Evidence: r.Evidence, Exception: r.Exception, BaselineState: run.baselineState(r)}
		if e := r.Entry(); e != nil {
			jr.Layer, jr.Item, jr.Title, jr.Remediation = int(e.Layer()), e.Item, e.Title.In(run.Lang), e.Remediation.In(run.Lang)
		}
		return &jr, true
	})
}

// noticeText is a notice's message, or its check's title.
func noticeText(r *result.Result, lang string) string {
	if m := r.Message.In(lang); m != "" {
		return m
	}
	if e := r.Entry(); e != nil {
		return e.Title.In(lang)
	}
	return r.ID
}

func langOrEN(l string) string {
	if l == "" {
		return "en"
	}
	return l
}

func nonNil(m map[string]int) map[string]int {
	if m == nil {
		return map[string]int{}
	}
	return m
}
