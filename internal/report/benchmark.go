package report

import (
	"bufio"
	"fmt"
	"strings"

	"github.com/kubeward/kubeward/internal/benchmark"
	"github.com/kubeward/kubeward/internal/catalog"
)

// The compliance view (Run.Benchmark) in text, SARIF (run properties) and
// JUnit (one suite per section). JSON carries the view as it is.

var benchWords = map[string]catalog.Text{
	"compliance":  {EN: "Compliance with %s (%s scan)", ZH: "%s 合规情况（%s 扫描）"},
	"source":      {EN: "Recommendations as numbered by %s", ZH: "建议项编号依据 %s"},
	"rate":        {EN: "pass rate", ZH: "通过率"},
	"rateNone":    {EN: "n/a (no recommendation decided)", ZH: "无（没有可判定的建议项）"},
	"overall":     {EN: "Overall", ZH: "总计"},
	"counts":      {EN: "%d recommendations: %d pass, %d fail, %d manual, %d not applicable, %d error", ZH: "共 %d 项建议：通过 %d，失败 %d，人工检查 %d，不适用 %d，错误 %d"},
	"rateRule":    {EN: "Pass rate = pass / (pass + fail + error); manual and not-applicable recommendations are listed, not counted.", ZH: "通过率 = 通过 /（通过 + 失败 + 错误）；人工检查与不适用的建议项会列出，但不计入。"},
	"audit":       {EN: "audit", ZH: "审计步骤"},
	"checks":      {EN: "checks", ZH: "检查项"},
	"plan":        {EN: "plan", ZH: "计划说明"},
	"pass":        {EN: "PASS", ZH: "通过"},
	"fail":        {EN: "FAIL", ZH: "失败"},
	"manual":      {EN: "MANUAL", ZH: "人工检查"},
	"n/a":         {EN: "N/A", ZH: "不适用"},
	"error":       {EN: "ERROR", ZH: "错误"},
	"automated":   {EN: "Automated", ZH: "自动"},
	"manualLevel": {EN: "Manual", ZH: "人工"},
	"subjects":    {EN: "%d failed, %d passed", ZH: "失败 %d，通过 %d"},
}

func (r *Run) bw(key string) string {
	if t, ok := benchWords[key]; ok {
		return t.In(r.Lang)
	}
	return key
}

// BenchmarkStatusWord is a verdict's word in lang ("en" or "zh").
func BenchmarkStatusWord(s benchmark.Status, lang string) string {
	key := string(s)
	if s == benchmark.NotApplicable {
		key = "n/a"
	}
	return benchWords[key].In(lang)
}

// BenchmarkRate formats a pass rate in lang ("85.7%", or a word when no
// recommendation was decided).
func BenchmarkRate(t benchmark.Tally, lang string) string {
	if t.Rate < 0 {
		return benchWords["rateNone"].In(lang)
	}
	return fmt.Sprintf("%.1f%%", t.Rate)
}

func benchStatusColor(s benchmark.Status) string {
	switch s {
	case benchmark.Fail:
		return red
	case benchmark.Manual, benchmark.Error:
		return yellow
	case benchmark.Pass:
		return green
	}
	return grey
}

func (r *Run) benchCounts(t benchmark.Tally) string {
	return fmt.Sprintf(r.bw("counts"), t.Total, t.Pass, t.Fail, t.Manual, t.NotApplicable, t.Error)
}

// writeBenchmarkText renders the compliance view after the findings.
func writeBenchmarkText(bw *bufio.Writer, run *Run) {
	v := run.Benchmark
	if v == nil {
		return
	}
	fmt.Fprintf(bw, "%s\n", run.paint(bold, fmt.Sprintf(run.bw("compliance"), v.Name, run.tr(v.Scan))))
	fmt.Fprintf(bw, "%s\n\n", fmt.Sprintf(run.bw("source"), v.Source))
	word := func(s benchmark.Status) string { return BenchmarkStatusWord(s, run.Lang) }
	width := 0
	for _, s := range []benchmark.Status{benchmark.Pass, benchmark.Fail, benchmark.Manual, benchmark.NotApplicable, benchmark.Error} {
		width = max(width, Width(word(s)))
	}
	for _, s := range v.Sections {
		fmt.Fprintf(bw, "%s %s — %s %s (%s)\n", run.paint(bold, s.ID), run.paint(bold, s.Title.In(run.Lang)),
			run.bw("rate"), BenchmarkRate(s.Tally, run.Lang), run.benchCounts(s.Tally))
		for _, rec := range s.Recommendations {
			level := run.bw("manualLevel")
			if rec.Automated {
				level = run.bw("automated")
			}
			fmt.Fprintf(bw, "  %s %-7s %s [%s]\n", run.paint(benchStatusColor(rec.Status), pad(word(rec.Status), width)), rec.ID, rec.Title, level)
			if len(rec.Checks) > 0 {
				line := fmt.Sprintf("      %s: %s", run.bw("checks"), strings.Join(rec.Checks, ", "))
				if rec.Failed > 0 || rec.Passed > 0 {
					line += " (" + fmt.Sprintf(run.bw("subjects"), rec.Failed, rec.Passed) + ")"
				}
				fmt.Fprintln(bw, line)
			}
			if rec.Reason != nil {
				fmt.Fprintf(bw, "      %s\n", rec.Reason.In(run.Lang))
			}
			if rec.Status == benchmark.Manual {
				fmt.Fprintf(bw, "      %s: %s\n", run.bw("audit"), rec.Audit)
			}
			if rec.Note != nil {
				fmt.Fprintf(bw, "      %s: %s\n", run.bw("plan"), rec.Note.In(run.Lang))
			}
		}
		bw.WriteString("\n")
	}
	fmt.Fprintf(bw, "%s: %s %s (%s)\n", run.paint(bold, run.bw("overall")), run.bw("rate"), BenchmarkRate(v.Total, run.Lang), run.benchCounts(v.Total))
	fmt.Fprintf(bw, "%s\n\n", run.bw("rateRule"))
}

// sarifBenchmark is the compliance view for SARIF's run properties: the
// tallies and every recommendation's verdict, in the run's language.
func sarifBenchmark(run *Run) map[string]any {
	v := run.Benchmark
	if v == nil {
		return nil
	}
	type rec struct {
		ID     string   `json:"id"`
		Status string   `json:"status"`
		Checks []string `json:"checks,omitempty"`
		Reason string   `json:"reason,omitempty"`
		Audit  string   `json:"audit,omitempty"`
	}
	type section struct {
		ID              string          `json:"id"`
		Title           string          `json:"title"`
		Tally           benchmark.Tally `json:"tally"`
		Recommendations []rec           `json:"recommendations"`
	}
	var sections []section
	for _, s := range v.Sections {
		sec := section{ID: s.ID, Title: s.Title.In(run.Lang), Tally: s.Tally}
		for _, r := range s.Recommendations {
			x := rec{ID: r.ID, Status: string(r.Status), Checks: r.Checks}
			if r.Reason != nil {
				x.Reason = r.Reason.In(run.Lang)
			}
			if r.Status == benchmark.Manual {
				x.Audit = r.Audit
			}
			sec.Recommendations = append(sec.Recommendations, x)
		}
		sections = append(sections, sec)
	}
	return map[string]any{"kubeward/benchmark": map[string]any{
		"benchmark": v.Benchmark, "name": v.Name, "source": v.Source, "scan": v.Scan, "total": v.Total, "sections": sections}}
}

// benchmarkJUnitSuites are the compliance view as JUnit: one suite per
// section, one case per recommendation (fail: <failure>, error: <error>,
// manual and not applicable: <skipped> with the audit step or reason).
func benchmarkJUnitSuites(run *Run) []junitSuite {
	v := run.Benchmark
	if v == nil {
		return nil
	}
	var out []junitSuite
	for _, s := range v.Sections {
		suite := junitSuite{Name: fmt.Sprintf("%s %s %s", v.Cite, s.ID, s.Title.In(run.Lang))}
		for _, r := range s.Recommendations {
			c := junitCase{Name: r.ID + " " + r.Title, Classname: v.Cite + " " + s.ID}
			reason := ""
			if r.Reason != nil {
				reason = r.Reason.In(run.Lang)
			}
			detail := ""
			if len(r.Checks) > 0 {
				detail = run.bw("checks") + ": " + strings.Join(r.Checks, ", ")
				if r.Failed > 0 || r.Passed > 0 {
					detail += " (" + fmt.Sprintf(run.bw("subjects"), r.Failed, r.Passed) + ")"
				}
			}
			switch r.Status {
			case benchmark.Fail:
				c.Failure = &junitMessage{Message: BenchmarkStatusWord(r.Status, run.Lang) + ": " + r.Title, Type: "FAIL", Body: detail}
				suite.Failures++
			case benchmark.Error:
				c.Error = &junitMessage{Message: reason, Type: "ERROR", Body: detail}
				suite.Errors++
			case benchmark.Manual:
				c.Skipped = &junitMessage{Message: BenchmarkStatusWord(r.Status, run.Lang) + ": " + run.bw("audit") + ": " + r.Audit, Body: reason}
				suite.Skipped++
			case benchmark.NotApplicable:
				c.Skipped = &junitMessage{Message: BenchmarkStatusWord(r.Status, run.Lang) + ": " + reason}
				suite.Skipped++
			default:
				c.SystemOut = detail
			}
			suite.Cases = append(suite.Cases, c)
		}
		suite.Tests = len(suite.Cases)
		out = append(out, suite)
	}
	return out
}
