package report

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"unicode/utf8"

	"github.com/kubeward/kubeward/internal/catalog"
	"github.com/kubeward/kubeward/internal/result"
)

// MaxReportSize is the largest JSON report ReadReport accepts (1 GiB): a
// report of a million findings is about 700 MB.
const MaxReportSize = 1 << 30

// Report is a JSON report (docs/json-report.md) as ReadReport reads it back:
// what `kubeward diff` and `scan --baseline` need of it.
type Report struct {
	Schema  string         `json:"schema"`
	Version string         `json:"kubewardVersion"`
	Target  string         `json:"target"`
	Lang    string         `json:"lang"`
	Inputs  []string       `json:"inputs"`
	Time    string         `json:"generatedAt"`
	Results []ReportResult `json:"results"`
}

// ReportResult is one result of a JSON report.
type ReportResult struct {
	ID          string            `json:"id"`
	Status      result.Status     `json:"status"`
	Severity    string            `json:"severity"`
	Title       string            `json:"title"`
	Subject     result.Subject    `json:"subject"`
	Location    *result.Location  `json:"location,omitempty"`
	Message     string            `json:"message"`
	Evidence    string            `json:"evidence,omitempty"`
	Remediation string            `json:"remediation,omitempty"`
	Exception   *result.Exception `json:"exception,omitempty"`
	// BaselineState is "new" or "unchanged" in a report made with
	// --baseline, else empty.
	BaselineState string `json:"baselineState,omitempty"`
}

// Result is the result the JSON result was written from, as far as the
// fingerprint and the renderers need it.
func (rr *ReportResult) Result() result.Result {
	sev, _ := catalog.ParseSeverity(rr.Severity)
	return result.Result{ID: rr.ID, Status: rr.Status, Severity: sev, Subject: rr.Subject, Location: rr.Location,
		Message: catalog.Text{EN: rr.Message, ZH: rr.Message}, Evidence: rr.Evidence, Exception: rr.Exception}
}

// Fingerprint is the result's Fingerprint.
func (rr *ReportResult) Fingerprint() string {
	r := rr.Result()
	return Fingerprint(&r)
}

// ReadReportFile reads the JSON report in file; every error names the file.
func ReadReportFile(file string) (*Report, error) {
	// Refuse what is not a regular file before opening it: opening a named
	// pipe would wait for a writer.
	if st, err := os.Stat(file); err != nil {
		return nil, fmt.Errorf("%s: %w", file, unwrapPathError(err))
	} else if !st.Mode().IsRegular() {
		return nil, fmt.Errorf("%s: not a regular file", file)
	}
	f, err := os.Open(file)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", file, unwrapPathError(err))
	}
	defer f.Close()
	if st, err := f.Stat(); err == nil && !st.Mode().IsRegular() {
		return nil, fmt.Errorf("%s: not a regular file", file)
	}
	return ReadReport(f, file)
}

func unwrapPathError(err error) error {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

var validStatus = map[result.Status]bool{result.Pass: true, result.Fail: true, result.Warn: true,
	result.NotApplicable: true, result.Error: true, result.Ignored: true}

// ReadReport reads a kubeward JSON report (schema kubeward.io/report/v1,
// -o json of any scan, in any language) from r. name is the file the errors
// name, with the line of a syntax error.
func ReadReport(r io.Reader, name string) (*Report, error) {
	data, err := io.ReadAll(io.LimitReader(r, MaxReportSize+1))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	if len(data) > MaxReportSize {
		return nil, fmt.Errorf("%s: larger than %d bytes", name, MaxReportSize)
	}
	if !utf8.Valid(data) {
		return nil, fmt.Errorf("%s: not UTF-8 text, so not a kubeward JSON report", name)
	}
	var rep Report
	dec := json.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&rep); err != nil {
		var se *json.SyntaxError
		var te *json.UnmarshalTypeError
		switch {
		case errors.As(err, &se):
			return nil, fmt.Errorf("%s:%d: invalid JSON: %w", name, lineOf(data, se.Offset), se)
		case errors.As(err, &te):
			return nil, fmt.Errorf("%s:%d: not a kubeward JSON report: field %s: want %s, got JSON %s", name, lineOf(data, te.Offset), te.Field, te.Type, te.Value)
		case errors.Is(err, io.EOF):
			return nil, fmt.Errorf("%s: empty, not a kubeward JSON report", name)
		}
		return nil, fmt.Errorf("%s: invalid JSON: %w", name, err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("%s:%d: data after the report (one JSON report per file; scan node --interval writes one per line)", name, lineOf(data, dec.InputOffset()))
	}
	if rep.Schema != SchemaVersion {
		return nil, fmt.Errorf("%s: not a kubeward JSON report (schema %q, want %q: write it with -o json)", name, rep.Schema, SchemaVersion)
	}
	for i := range rep.Results {
		rr := &rep.Results[i]
		if rr.ID == "" {
			return nil, fmt.Errorf("%s: result %d has no id", name, i+1)
		}
		if !validStatus[rr.Status] {
			return nil, fmt.Errorf("%s: result %d (%s) has unknown status %q", name, i+1, rr.ID, rr.Status)
		}
		if rr.Severity != "" {
			if _, err := catalog.ParseSeverity(rr.Severity); err != nil {
				return nil, fmt.Errorf("%s: result %d (%s): %w", name, i+1, rr.ID, err)
			}
		}
	}
	return &rep, nil
}

// lineOf is the 1-based line of byte offset off in data.
func lineOf(data []byte, off int64) int {
	off = min(max(off, 0), int64(len(data)))
	return bytes.Count(data[:off], []byte("\n")) + 1
}

// IsFinding reports whether a status is a finding a baseline remembers:
// FAIL, WARN, IGNORED (a finding with an exception) and ERROR (a check that
// could not be evaluated). PASS and NOT_APPLICABLE are not.
func IsFinding(s result.Status) bool {
	switch s {
	case result.Fail, result.Warn, result.Ignored, result.Error:
		return true
	}
	return false
}

// Baseline is the findings of an earlier report (scan --baseline): a result
// whose Fingerprint is among them is "unchanged", any other finding "new".
type Baseline struct {
	File string
	fps  map[string]int // fingerprint → findings of the old report with it
	// Findings is the number of findings of the old report.
	Findings int
}

// NewBaseline remembers the findings of rep, read from file.
func NewBaseline(file string, rep *Report) *Baseline {
	b := &Baseline{File: file, fps: map[string]int{}}
	for i := range rep.Results {
		if IsFinding(rep.Results[i].Status) {
			b.fps[rep.Results[i].Fingerprint()]++
			b.Findings++
		}
	}
	return b
}

// Has reports whether r is a finding the baseline already holds.
func (b *Baseline) Has(r *result.Result) bool {
	if b == nil || !IsFinding(r.Status) {
		return false
	}
	_, ok := b.fps[Fingerprint(r)]
	return ok
}

// BaselineCounts is what a run is relative to its baseline.
type BaselineCounts struct {
	New, Unchanged, Fixed int
}

// BaselineCounts counts the run's new and unchanged findings and the
// baseline's findings the run no longer has (fixed). Zero without a
// baseline.
func (r *Run) BaselineCounts() BaselineCounts {
	var c BaselineCounts
	if r.Baseline == nil {
		return c
	}
	seen := make(map[string]int, len(r.Baseline.fps))
	for i := range r.Results {
		res := &r.Results[i]
		if !IsFinding(res.Status) || result.IsNotice(res) {
			continue
		}
		fp := Fingerprint(res)
		if _, ok := r.Baseline.fps[fp]; ok {
			c.Unchanged++
			seen[fp]++
		} else {
			c.New++
		}
	}
	for fp, n := range r.Baseline.fps {
		c.Fixed += max(0, n-seen[fp])
	}
	return c
}

// baselineState is "new" or "unchanged" for a finding of a run with a
// baseline, else "".
func (r *Run) baselineState(res *result.Result) string {
	if r.Baseline == nil || !IsFinding(res.Status) || result.IsNotice(res) {
		return ""
	}
	if r.Baseline.Has(res) {
		return "unchanged"
	}
	return "new"
}

// Diff is what changed between two reports, matched by Fingerprint: the
// same check on the same subject and field is the same finding whatever
// its line and whatever the language of either report.
type Diff struct {
	OldFile, NewFile string
	New              []DiffEntry
	Fixed            []DiffEntry
	Unchanged        []DiffEntry
}

// DiffEntry is one finding of a diff: the result as the newer report has it
// (the older one for a fixed finding), and for an unchanged finding whose
// status changed (FAIL to IGNORED), the old status.
type DiffEntry struct {
	ReportResult
	Fingerprint string        `json:"fingerprint"`
	OldStatus   result.Status `json:"oldStatus,omitempty"`
}

// Compare matches the findings of old and new by Fingerprint; a
// fingerprint that appears n times in one and m in the other matches
// min(n, m) times.
func Compare(oldFile string, old *Report, newFile string, cur *Report) *Diff {
	d := &Diff{OldFile: oldFile, NewFile: newFile, New: []DiffEntry{}, Fixed: []DiffEntry{}, Unchanged: []DiffEntry{}}
	byFP := map[string][]int{}
	for i := range old.Results {
		if IsFinding(old.Results[i].Status) {
			fp := old.Results[i].Fingerprint()
			byFP[fp] = append(byFP[fp], i)
		}
	}
	matched := make([]bool, len(old.Results))
	for i := range cur.Results {
		rr := &cur.Results[i]
		if !IsFinding(rr.Status) {
			continue
		}
		fp := rr.Fingerprint()
		e := DiffEntry{ReportResult: *rr, Fingerprint: fp}
		if olds := byFP[fp]; len(olds) > 0 {
			o := olds[0]
			byFP[fp] = olds[1:]
			matched[o] = true
			if old.Results[o].Status != rr.Status {
				e.OldStatus = old.Results[o].Status
			}
			d.Unchanged = append(d.Unchanged, e)
			continue
		}
		d.New = append(d.New, e)
	}
	for i := range old.Results {
		if IsFinding(old.Results[i].Status) && !matched[i] {
			d.Fixed = append(d.Fixed, DiffEntry{ReportResult: old.Results[i], Fingerprint: old.Results[i].Fingerprint()})
		}
	}
	return d
}

// NewAtOrAbove counts the new FAIL findings at or above sev.
func (d *Diff) NewAtOrAbove(sev catalog.Severity) int {
	n := 0
	for i := range d.New {
		if s, err := catalog.ParseSeverity(d.New[i].Severity); d.New[i].Status == result.Fail && (err != nil || s >= sev) {
			n++
		}
	}
	return n
}

// DiffFormats lists the output formats of `kubeward diff`.
var DiffFormats = []string{"text", "json", "markdown"}

// WriteDiff renders d in format ("text", "json" or "markdown") and lang.
func WriteDiff(w io.Writer, format, lang string, d *Diff) error {
	bw := bufio.NewWriterSize(w, 64<<10)
	var err error
	switch format {
	case "text", "":
		writeDiffText(bw, lang, d)
	case "json":
		err = writeDiffJSON(bw, d)
	case "markdown", "md":
		writeDiffMarkdown(bw, lang, d)
	default:
		return fmt.Errorf("unknown diff output format %q (want text, json or markdown)", format)
	}
	if err != nil {
		return err
	}
	return bw.Flush()
}
