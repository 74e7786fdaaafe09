package report_test

import (
	"crypto/sha256"
	"encoding/base64"
	"html"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/kubeward/kubeward/internal/benchmark"
	"github.com/kubeward/kubeward/internal/catalog"
	"github.com/kubeward/kubeward/internal/report"
	"github.com/kubeward/kubeward/internal/result"
)

// xssRun is a run whose every attacker-controlled string (object names,
// namespaces, evidence, messages, file names, exception reasons) is markup.
func xssRun() *report.Run {
	const p = `<script>alert(1)</script>"><img src=x onerror=alert(2)>'</style></textarea>`
	s := result.Subject{Kind: "Deployment", Namespace: `ns" onmouseover="alert(3)`, Name: p, Container: p}
	return &report.Run{Target: "manifests", Inputs: []string{p}, Version: "1.2.3", Lang: "en", Objects: 1, ConfigFile: p,
		Results: []result.Result{
			{ID: "KW-POD-002", Status: result.Fail, Severity: catalog.SeverityCritical, Subject: s,
				Location: &result.Location{File: p + ".yaml", Line: 3, Path: p, Origin: p},
				Message:  catalog.Text{EN: p, ZH: p}, Evidence: p},
			{ID: "KW-HOST-003", Status: result.Ignored, Severity: catalog.SeverityHigh, Subject: s,
				Exception: &result.Exception{Source: p, Reason: p, Expires: p}},
		},
		Errors: []string{p + ".yaml:1: " + p},
	}
}

func TestHTMLRendersAttackerStringsInert(t *testing.T) {
	out := render(t, "html", xssRun())
	if n := strings.Count(out, "<script"); n != 1 {
		t.Errorf("%d <script elements, want 1 (the report's own)", n)
	}
	for _, bad := range []string{"<img", `" onmouseover="`, "</textarea>"} {
		if strings.Contains(out, bad) {
			t.Errorf("payload %q reached the page unescaped", bad)
		}
	}
	// </style> appears once: the report's own stylesheet.
	if n := strings.Count(out, "</style>"); n != 1 {
		t.Errorf("%d </style>, want 1", n)
	}
	if !strings.Contains(out, "&lt;script&gt;alert(1)&lt;/script&gt;") {
		t.Error("the payload is not shown escaped")
	}
	if _, err := report.ReadReport(strings.NewReader(render(t, "json", xssRun())), "x.json"); err != nil {
		t.Errorf("JSON of the same run does not read back: %v", err)
	}
}

var (
	styleRE  = regexp.MustCompile(`(?s)<style>(.*?)</style>`)
	scriptRE = regexp.MustCompile(`(?s)<script>(.*?)</script>`)
	cspRE    = regexp.MustCompile(`<meta http-equiv="Content-Security-Policy" content="([^"]*)">`)
)

// The page loads nothing: no URL in a src or href, and a Content Security
// Policy that allows only its own stylesheet and script, by hash.
func TestHTMLSelfContained(t *testing.T) {
	for _, lang := range []string{"en", "zh"} {
		out := render(t, "html", sampleRun(lang))
		if regexp.MustCompile(`(?i)(src|href)\s*=`).MatchString(out) {
			t.Errorf("%s: the page has a src or href attribute", lang)
		}
		if strings.Contains(out, "http://") || strings.Contains(out, "https://") {
			t.Errorf("%s: the page names a URL", lang)
		}
		m := cspRE.FindStringSubmatch(out)
		if m == nil {
			t.Fatalf("%s: no Content-Security-Policy", lang)
		}
		csp := html.UnescapeString(m[1])
		for _, re := range []*regexp.Regexp{styleRE, scriptRE} {
			body := re.FindStringSubmatch(out)
			if body == nil {
				t.Fatalf("%s: no inline %s", lang, re)
			}
			sum := sha256.Sum256([]byte(body[1]))
			if h := "'sha256-" + base64.StdEncoding.EncodeToString(sum[:]) + "'"; !strings.Contains(csp, h) {
				t.Errorf("%s: CSP %q lacks the hash %s of the page's own %s", lang, csp, h, re)
			}
		}
		if !strings.Contains(csp, "default-src 'none'") {
			t.Errorf("%s: CSP %q does not deny by default", lang, csp)
		}
	}
}

var (
	cardRE = regexp.MustCompile(`<div class="card s-([A-Z_]+)" data-status="[A-Z_]+" data-count="(\d+)">`)
	rowRE  = regexp.MustCompile(`<tr class="finding" data-status="([A-Z_]+)" data-severity="([a-z]+)"`)
)

// The summary cards say what Counts says, and the table has one row per
// listed result.
func TestHTMLCountsMatchTheRun(t *testing.T) {
	runs := inputRuns(t, "en")
	// scan cluster --nodes: the cluster's results and the node reports'
	// merged into one run.
	merged := clusterRun(t, "en")
	merged.Results = append(merged.Results, nodeRun(t, "en").Results...)
	result.Sort(merged.Results)
	runs["merged"] = merged
	for name, run := range runs {
		out := render(t, "html", run)
		counts := run.Counts()
		for _, m := range cardRE.FindAllStringSubmatch(out, -1) {
			if want := counts[result.Status(m[1])]; m[2] != strconv.Itoa(want) {
				t.Errorf("%s: card %s says %s, Counts says %d", name, m[1], m[2], want)
			}
		}
		rows := map[string]int{}
		for _, m := range rowRE.FindAllStringSubmatch(out, -1) {
			rows[m[1]]++
		}
		listed := map[string]int{}
		for i := range run.Results {
			if !result.IsNotice(&run.Results[i]) {
				listed[string(run.Results[i].Status)]++
			}
		}
		for s, n := range listed {
			if rows[s] != n {
				t.Errorf("%s: %d %s rows, %d listed results", name, rows[s], s, n)
			}
		}
	}
}

var (
	tagRE       = regexp.MustCompile(`(?s)<[^>]*>`)
	labelRE     = regexp.MustCompile(`(?s)<(h1|h2|h3|th|dt|summary|button|span class="l"|p class="legend")[^>]*>(.*?)</`)
	labelOpenRE = regexp.MustCompile(`<label>([^<]+)<`)
	titleRE     = regexp.MustCompile(`<code>(KW-[A-Z0-9-]+)</code> <span class="check-title">([^<]*)</span>`)
	fixRE       = regexp.MustCompile(`<tr class="finding"[^>]*data-check="([^"]+)".*?<p class="fix">([^<]*)</p>`)
	hanRE       = regexp.MustCompile(`\p{Han}`)
)

// The Chinese page has every heading, label and chart label in Chinese,
// and every check's title and remediation as the catalogue has them in
// Chinese.
func TestHTMLChinese(t *testing.T) {
	for name, run := range inputRuns(t, "zh") {
		out := render(t, "html", run)
		if !strings.Contains(out, `<html lang="zh-CN">`) {
			t.Errorf("%s: the page does not declare zh-CN", name)
		}
		var labels []string
		for _, m := range labelRE.FindAllStringSubmatch(out, -1) {
			labels = append(labels, m[2])
		}
		for _, m := range labelOpenRE.FindAllStringSubmatch(out, -1) {
			labels = append(labels, m[1])
		}
		for _, l := range labels {
			l = strings.TrimSpace(html.UnescapeString(tagRE.ReplaceAllString(l, "")))
			if l != "" && !hanRE.MatchString(l) {
				t.Errorf("%s: untranslated heading or label %q", name, l)
			}
		}
		titles := titleRE.FindAllStringSubmatch(out, -1)
		if len(titles) == 0 && len(run.Results) > 0 {
			t.Errorf("%s: no check title found", name)
		}
		for _, m := range titles {
			if e := catalog.Get(m[1]); e != nil && html.UnescapeString(m[2]) != e.Title.ZH {
				t.Errorf("%s: %s title %q, want %q", name, m[1], m[2], e.Title.ZH)
			}
		}
		for _, m := range fixRE.FindAllStringSubmatch(out, -1) {
			if e := catalog.Get(m[1]); e != nil && html.UnescapeString(m[2]) != e.Remediation.ZH {
				t.Errorf("%s: %s remediation %q, want %q", name, m[1], m[2], e.Remediation.ZH)
			}
		}
	}
}

// With --benchmark, the HTML and Markdown reports show the pass rate of
// every CIS section and the overall rate, as the view has them, in both
// languages.
func TestHTMLAndMarkdownBenchmark(t *testing.T) {
	b, err := benchmark.Get("cis-kubernetes-1.12")
	if err != nil {
		t.Fatal(err)
	}
	for _, lang := range []string{"en", "zh"} {
		run := nodeRun(t, lang)
		run.Benchmark = benchmark.Build(b, catalog.All(), run.Results, run.Passed, benchmark.Options{Scan: "node"})
		out := render(t, "html", run)
		md := render(t, "markdown", run)
		if !strings.Contains(out, `<section id="benchmark">`) {
			t.Fatalf("%s: no benchmark section", lang)
		}
		for _, s := range run.Benchmark.Sections {
			rate := report.BenchmarkRate(s.Tally, lang)
			if !strings.Contains(out, `<tr class="bench-section" data-section="`+s.ID+`"><td>`+s.ID+" "+html.EscapeString(s.Title.In(lang))+`</td><td class="rate">`+rate+`</td>`) {
				t.Errorf("%s: HTML lacks section %s at %s", lang, s.ID, rate)
			}
			if !strings.Contains(md, "| "+s.ID+" ") || !strings.Contains(md, " | "+rate+" | ") {
				t.Errorf("%s: Markdown lacks section %s at %s", lang, s.ID, rate)
			}
			if len(s.Recommendations) == 0 {
				t.Errorf("section %s has no recommendation", s.ID)
			}
		}
		if n, want := strings.Count(out, `<tr class="bench-rec"`), run.Benchmark.Total.Total; n != want {
			t.Errorf("%s: %d recommendation rows, the view has %d", lang, n, want)
		}
		if !strings.Contains(md, report.BenchmarkRate(run.Benchmark.Total, lang)) {
			t.Errorf("%s: Markdown lacks the overall rate", lang)
		}
	}
	// Without --benchmark, no section.
	if out := render(t, "html", nodeRun(t, "en")); strings.Contains(out, `id="benchmark"`) {
		t.Error("a benchmark section without --benchmark")
	}
}

// A page of many findings shows the first 1,000 rows and offers the rest
// ("Show more"); a small one shows every row and no such offer.
func TestHTMLPages(t *testing.T) {
	run := bigRun(t, 200, "en")
	out := render(t, "html", run)
	rows := regexp.MustCompile(`<tr class="finding"( hidden)? data-status`).FindAllStringSubmatch(out, -1)
	if len(rows) <= 1000 {
		t.Fatalf("%d rows: the corpus should give more than 1,000", len(rows))
	}
	for i, m := range rows {
		if hidden := m[1] != ""; hidden != (i >= 1000) {
			t.Fatalf("row %d hidden = %v", i, hidden)
		}
	}
	if !strings.Contains(out, `<p id="more" class="noprint"><span`) || !strings.Contains(out, `<table id="results" data-page="1000">`) {
		t.Error("no 'Show more' on a page of more than 1,000 rows")
	}
	if small := render(t, "html", sampleRun("en")); !strings.Contains(small, `<p id="more" class="noprint" hidden>`) || strings.Contains(small, `<tr class="finding" hidden`) {
		t.Error("a small page hides rows or offers more")
	}
}
