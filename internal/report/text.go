package report

import (
	"bufio"
	"cmp"
	"fmt"
	"io"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"golang.org/x/text/width"

	"github.com/kubeward/kubeward/internal/catalog"
	"github.com/kubeward/kubeward/internal/result"
)

const (
	red    = "\x1b[31m"
	yellow = "\x1b[33m"
	green  = "\x1b[32m"
	grey   = "\x1b[90m"
	bold   = "\x1b[1m"
	reset  = "\x1b[0m"
)

// topN is how many namespaces and workloads the summary names.
const topN = 5

// maxNamedErrors is how many ERROR results the summary names.
const maxNamedErrors = 20

// nowFunc is the clock of the text header when the run has no time:
// SOURCE_DATE_EPOCH when it is set, else the current time.
var nowFunc = func() time.Time {
	if t, ok, err := SourceDateEpoch(); ok && err == nil {
		return t
	}
	return time.Now()
}

// SourceDateEpoch is the time the SOURCE_DATE_EPOCH environment variable
// sets (https://reproducible-builds.org/specs/source-date-epoch/: decimal
// seconds since 1970-01-01T00:00:00Z). When it is set, reports show it
// instead of the time they were generated, so the same inputs give
// byte-identical reports. It changes only the time a report shows: an
// exception's expiry is always judged against the real clock. ok is false
// when the variable is unset or empty; err says why a set value is invalid.
func SourceDateEpoch() (t time.Time, ok bool, err error) {
	v := os.Getenv("SOURCE_DATE_EPOCH")
	if v == "" {
		return time.Time{}, false, nil
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n < 0 {
		return time.Time{}, true, fmt.Errorf("SOURCE_DATE_EPOCH=%q: want a non-negative whole number of seconds since 1970-01-01T00:00:00Z", v)
	}
	return time.Unix(n, 0).UTC(), true, nil
}

// shownTime is the time a report shows for the run: SOURCE_DATE_EPOCH when
// it is set, else the run's Time (zero for manifest reports).
func (r *Run) shownTime() time.Time {
	if r.Time.IsZero() {
		return r.Time
	}
	if t, ok, err := SourceDateEpoch(); ok && err == nil {
		return t
	}
	return r.Time
}

func (r *Run) paint(code, s string) string {
	if !r.Color {
		return s
	}
	return code + s + reset
}

func statusColor(s result.Status) string {
	switch s {
	case result.Fail, result.Error:
		return red
	case result.Warn:
		return yellow
	case result.Pass:
		return green
	}
	return grey
}

// Width is the number of terminal columns s takes: East Asian wide and
// full-width characters (Chinese) take two.
func Width(s string) int {
	n := 0
	for _, r := range s {
		switch width.LookupRune(r).Kind() {
		case width.EastAsianWide, width.EastAsianFullwidth:
			n += 2
		default:
			n++
		}
	}
	return n
}

// pad pads s with spaces to w terminal columns.
func pad(s string, w int) string {
	if d := w - Width(s); d > 0 {
		return s + strings.Repeat(" ", d)
	}
	return s
}

// writeText prints a header, the findings grouped by plan layer and check
// (each check's remediation once, after its findings), then a summary.
// PASS and NOT_APPLICABLE results are listed only when present in Results.
func writeText(w io.Writer, run *Run) error {
	bw := bufio.NewWriterSize(w, 64<<10)
	writeTextHeader(bw, run)
	byLayer := map[catalog.Layer][]*result.Result{}
	for i := range run.Results {
		res := &run.Results[i]
		if result.IsNotice(res) {
			continue
		}
		layer := catalog.LayerClusterPolicy
		if e := res.Entry(); e != nil {
			layer = e.Layer()
		}
		byLayer[layer] = append(byLayer[layer], res)
	}
	idWidth, sevWidth := 0, 0
	for i := range run.Results {
		idWidth = max(idWidth, len(run.Results[i].ID))
	}
	for _, s := range []catalog.Severity{catalog.SeverityLow, catalog.SeverityMedium, catalog.SeverityHigh, catalog.SeverityCritical} {
		sevWidth = max(sevWidth, Width(run.sev(s)))
	}
	any := false
	for _, layer := range catalog.Layers() {
		rs := byLayer[layer]
		if len(rs) == 0 {
			continue
		}
		any = true
		fmt.Fprintf(bw, "%s\n", run.paint(bold, layer.Title().In(run.Lang)))
		// Results are sorted by check: one heading and one fix per check.
		for start := 0; start < len(rs); {
			end := start + 1
			for end < len(rs) && rs[end].ID == rs[start].ID {
				end++
			}
			writeTextCheck(bw, run, rs[start:end], idWidth, sevWidth)
			start = end
		}
		bw.WriteString("\n")
	}
	if !any {
		fmt.Fprintf(bw, "%s\n\n", run.tr("noFindings"))
	}
	if len(run.Errors) > 0 {
		fmt.Fprintf(bw, "%s\n", run.paint(bold, run.tr("errors")))
		for _, e := range run.Errors {
			fmt.Fprintf(bw, "  %s %s\n", run.paint(red, "✗"), e)
		}
		bw.WriteString("\n")
	}
	writeBenchmarkText(bw, run)
	writeTextSummary(bw, run)
	return bw.Flush()
}

func writeTextHeader(bw *bufio.Writer, run *Run) {
	b := BuildOf(run.Version)
	fmt.Fprintf(bw, "kubeward %s", b.Version)
	if b.Commit != "" {
		fmt.Fprintf(bw, " (%s %s)", run.tr("commit"), b.Commit)
	}
	bw.WriteString("\n")
	if len(run.Inputs) > 0 {
		label := run.tr("inputs")
		switch run.Target {
		case "node":
			label = run.tr("nodeRoot")
		case "cluster":
			label = run.tr("apiServer")
		}
		fmt.Fprintf(bw, "%s: %s\n", label, strings.Join(run.Inputs, " "))
	}
	cfg := run.ConfigFile
	if cfg == "" {
		cfg = run.tr("defaultConfig")
	}
	fmt.Fprintf(bw, "%s: %s\n", run.tr("config"), cfg)
	at := run.shownTime()
	if at.IsZero() {
		at = nowFunc()
	}
	fmt.Fprintf(bw, "%s: %s", run.tr("time"), at.UTC().Format(time.RFC3339))
	if run.Host != "" {
		fmt.Fprintf(bw, "  %s: %s", run.tr("host"), run.Host)
	}
	bw.WriteString("\n\n")
}

// writeTextCheck prints one check's results: its heading, each subject with
// its status, then the fix once when a FAIL or WARN needs one.
func writeTextCheck(bw *bufio.Writer, run *Run, rs []*result.Result, idWidth, sevWidth int) {
	id := rs[0].ID
	e := rs[0].Entry()
	title := id
	sev := rs[0].Severity
	if e != nil {
		title, sev = e.Title.In(run.Lang), e.Severity
	}
	// Columns measured as the terminal shows them (CJK takes two).
	fmt.Fprintf(bw, "  %s%s %s %s\n", run.paint(bold, id), strings.Repeat(" ", idWidth-len(id)), pad(run.sev(sev), sevWidth), title)
	needsFix := false
	for _, res := range rs {
		status := run.paint(statusColor(res.Status), "["+run.tr(string(res.Status))+"]")
		if st := run.baselineState(res); st != "" {
			status += " (" + run.hw(map[string]string{"new": "blNew", "unchanged": "blUnchanged"}[st]) + ")"
		}
		fmt.Fprintf(bw, "    %s %s", status, res.Subject.String())
		if loc := res.Location.String(); loc != "" {
			fmt.Fprintf(bw, "  %s", run.paint(grey, loc))
		}
		bw.WriteString("\n")
		if res.Status == result.Pass {
			// A listed PASS reads as a pass, whatever the check's title says.
			fmt.Fprintf(bw, "        %s\n", run.tr("passed"))
			if res.Evidence != "" {
				fmt.Fprintf(bw, "        %s: %s\n", run.tr("evidence"), run.evidence(res))
			}
			continue
		}
		if msg := res.Message.In(run.Lang); msg != "" {
			fmt.Fprintf(bw, "        %s\n", msg)
		}
		if res.Evidence != "" {
			fmt.Fprintf(bw, "        %s: %s\n", run.tr("evidence"), run.evidence(res))
		}
		if x := res.Exception; x != nil {
			if x.Expired {
				fmt.Fprintf(bw, "        %s %s (%s: %s)\n", run.tr("expired"), x.Expires, run.tr("reason"), x.Reason)
			} else {
				fmt.Fprintf(bw, "        %s [%s] %s: %s\n", run.tr("ignored"), x.Source, run.tr("reason"), x.Reason)
			}
		}
		if res.Status == result.Fail || res.Status == result.Warn {
			needsFix = true
		}
	}
	if needsFix && e != nil {
		fmt.Fprintf(bw, "    %s: %s\n", run.paint(bold, run.tr("fix")), e.Remediation.In(run.Lang))
	}
}

type tally struct {
	name string
	n    int
}

// top returns the n largest counts, ties by name.
func top(m map[string]int, n int) []tally {
	out := make([]tally, 0, len(m))
	for k, v := range m {
		out = append(out, tally{k, v})
	}
	slices.SortFunc(out, func(a, b tally) int { return cmp.Or(cmp.Compare(b.n, a.n), strings.Compare(a.name, b.name)) })
	return out[:min(n, len(out))]
}

func writeTextSummary(bw *bufio.Writer, run *Run) {
	fmt.Fprintf(bw, "%s: %d %s", run.paint(bold, run.tr("summary")), run.Objects, run.tr("objects"))
	counts := run.Counts()
	var parts []string
	for _, s := range statusOrder {
		if counts[s] > 0 {
			parts = append(parts, fmt.Sprintf("%s %d", run.paint(statusColor(s), run.tr(string(s))), counts[s]))
		}
	}
	if len(parts) > 0 {
		fmt.Fprintf(bw, "; %s", strings.Join(parts, ", "))
	}
	bw.WriteString("\n")

	bySev := map[catalog.Severity]int{}
	byNS := map[string]int{}
	byWorkload := map[string]int{}
	var errs []*result.Result
	for i := range run.Results {
		r := &run.Results[i]
		switch r.Status {
		case result.Fail:
			bySev[r.Severity]++
			if r.Subject.Namespace != "" {
				byNS[r.Subject.Namespace]++
			}
			s := r.Subject
			s.Container = ""
			byWorkload[s.String()]++
		case result.Error:
			errs = append(errs, r)
		}
	}
	if len(bySev) > 0 {
		var sp []string
		for _, s := range []catalog.Severity{catalog.SeverityCritical, catalog.SeverityHigh, catalog.SeverityMedium, catalog.SeverityLow} {
			if bySev[s] > 0 {
				sp = append(sp, fmt.Sprintf("%s %d", run.sev(s), bySev[s]))
			}
		}
		fmt.Fprintf(bw, "  %s: %s\n", run.tr("failBySeverity"), strings.Join(sp, ", "))
	}
	for _, t := range []struct {
		key string
		m   map[string]int
	}{{"topNamespaces", byNS}, {"topSubjects", byWorkload}} {
		if len(t.m) == 0 {
			continue
		}
		var tp []string
		for _, x := range top(t.m, topN) {
			tp = append(tp, fmt.Sprintf("%s %d", x.name, x.n))
		}
		fmt.Fprintf(bw, "  %s: %s\n", run.tr(t.key), strings.Join(tp, ", "))
	}
	if len(errs) > 0 {
		fmt.Fprintf(bw, "  %s:\n", run.tr("notEvaluated"))
		for i, r := range errs {
			if i == maxNamedErrors {
				fmt.Fprintf(bw, "    "+run.tr("andMore")+"\n", len(errs)-i)
				break
			}
			fmt.Fprintf(bw, "    %s %s %s: %s\n", run.paint(red, "✗"), r.ID, r.Subject.String(), r.Message.In(run.Lang))
		}
	}
	if len(run.Errors) > 0 {
		fmt.Fprintf(bw, "  %s: %d\n", run.tr("errors"), len(run.Errors))
	}
	for _, n := range run.Notices() {
		fmt.Fprintf(bw, "%s: %s\n", run.tr("notice"), noticeText(n, run.Lang))
	}
	if len(run.Skipped) > 0 {
		var sk []string
		total := 0
		for _, k := range sortedKeys(run.Skipped) {
			sk = append(sk, fmt.Sprintf("%s×%d", k, run.Skipped[k]))
			total += run.Skipped[k]
		}
		fmt.Fprintf(bw, "%d %s: %s\n", total, run.tr("skipped"), strings.Join(sk, ", "))
	}
	if run.Baseline != nil {
		c := run.BaselineCounts()
		fmt.Fprintf(bw, "%s %s: %s\n", run.hw("baseline"), run.Baseline.File, fmt.Sprintf(run.hw("blSummary"), c.New, c.Unchanged, c.Fixed))
	}
	if run.FailOn > 0 {
		fmt.Fprintf(bw, "%s %s: %d\n", run.tr("failOn"), run.sev(run.FailOn), run.AtOrAbove(run.FailOn))
	}
	if run.Host != "" || !run.Time.IsZero() {
		var at []string
		if run.Host != "" {
			at = append(at, run.Host)
		}
		if !run.Time.IsZero() {
			at = append(at, run.shownTime().UTC().Format(time.RFC3339))
		}
		fmt.Fprintf(bw, "%s: %s\n", run.tr("audited"), strings.Join(at, ", "))
	}
}
