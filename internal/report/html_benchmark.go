package report

import (
	"fmt"
	"strings"

	"github.com/kubeward/kubeward/internal/benchmark"
)

// htmlBenchmark is the compliance view (scan node|cluster --benchmark) as
// the HTML report shows it: the pass rate of every CIS section as a bar,
// and each section's recommendations in a collapsible table.
type htmlBenchmark struct {
	Heading, Source     string
	Overall, OverallCnt string
	RateRule            string
	Sections            []htmlBenchSection
	// Column headings.
	Rec, Verdict, Checks, Audit string
}

type htmlBenchSection struct {
	ID, Title   string
	Rate        string
	Counts      string
	Segments    []segment
	Recs        []htmlBenchRec
	RecsSummary string
}

type htmlBenchRec struct {
	ID, Title, Level   string
	Status, StatusWord string
	Checks, Reason     string
	Audit, Note        string
}

// benchStack lays a section's verdicts out as one stacked bar.
func benchStack(run *Run, t benchmark.Tally) []segment {
	if t.Total == 0 {
		return nil
	}
	var out []segment
	x := 0
	for _, p := range []struct {
		n     int
		class string
		s     benchmark.Status
	}{{t.Pass, "b-pass", benchmark.Pass}, {t.Fail, "b-fail", benchmark.Fail}, {t.Error, "b-error", benchmark.Error},
		{t.Manual, "b-warn", benchmark.Manual}, {t.NotApplicable, "b-na", benchmark.NotApplicable}} {
		if p.n == 0 {
			continue
		}
		w := max(1, p.n*stackWidth/t.Total)
		out = append(out, segment{X: x, W: w, Class: p.class, Label: fmt.Sprintf("%s %d", BenchmarkStatusWord(p.s, run.Lang), p.n)})
		x += w
	}
	if len(out) > 0 && x != stackWidth {
		out[len(out)-1].W += stackWidth - x
	}
	return out
}

func htmlBenchmarkOf(run *Run) *htmlBenchmark {
	v := run.Benchmark
	if v == nil {
		return nil
	}
	h := &htmlBenchmark{Heading: fmt.Sprintf(run.bw("compliance"), v.Name, run.tr(v.Scan)), Source: fmt.Sprintf(run.bw("source"), v.Source),
		Overall: BenchmarkRate(v.Total, run.Lang), OverallCnt: run.benchCounts(v.Total), RateRule: run.bw("rateRule"),
		Rec: run.hw("recommendation"), Verdict: run.hw("status"), Checks: run.hw("check"), Audit: run.bw("audit")}
	for _, s := range v.Sections {
		hs := htmlBenchSection{ID: s.ID, Title: s.Title.In(run.Lang), Rate: BenchmarkRate(s.Tally, run.Lang), Counts: run.benchCounts(s.Tally),
			Segments: benchStack(run, s.Tally), RecsSummary: fmt.Sprintf(run.hw("recsOf"), len(s.Recommendations))}
		for _, r := range s.Recommendations {
			level := run.bw("manualLevel")
			if r.Automated {
				level = run.bw("automated")
			}
			hr := htmlBenchRec{ID: r.ID, Title: r.Title, Level: level, Status: string(r.Status), StatusWord: BenchmarkStatusWord(r.Status, run.Lang),
				Checks: strings.Join(r.Checks, ", ")}
			if r.Failed > 0 || r.Passed > 0 {
				hr.Checks += " (" + fmt.Sprintf(run.bw("subjects"), r.Failed, r.Passed) + ")"
			}
			if r.Reason != nil {
				hr.Reason = r.Reason.In(run.Lang)
			}
			if r.Status == benchmark.Manual {
				hr.Audit = r.Audit
			}
			if r.Note != nil {
				hr.Note = run.bw("plan") + ": " + r.Note.In(run.Lang)
			}
			hs.Recs = append(hs.Recs, hr)
		}
		h.Sections = append(h.Sections, hs)
	}
	return h
}

// markdownBenchmark is the compliance view as a Markdown table: one row
// per section with its pass rate and counts, then the overall rate.
func markdownBenchmark(run *Run) string {
	v := run.Benchmark
	if v == nil {
		return ""
	}
	var b strings.Builder
	fmt.Fprintf(&b, "### %s\n\n%s\n\n| %s | %s | %s |\n|---|---:|---|\n", mdText(fmt.Sprintf(run.bw("compliance"), v.Name, run.tr(v.Scan))),
		mdText(fmt.Sprintf(run.bw("source"), v.Source)), run.hw("section"), run.bw("rate"), run.hw("count"))
	for _, s := range v.Sections {
		fmt.Fprintf(&b, "| %s %s | %s | %s |\n", s.ID, mdText(s.Title.In(run.Lang)), BenchmarkRate(s.Tally, run.Lang), run.benchCounts(s.Tally))
	}
	fmt.Fprintf(&b, "| **%s** | **%s** | %s |\n\n%s\n\n", run.bw("overall"), BenchmarkRate(v.Total, run.Lang), run.benchCounts(v.Total), mdText(run.bw("rateRule")))
	return b.String()
}
