package report_test

import (
	"bytes"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/kubeward/kubeward/internal/benchgen"
	"github.com/kubeward/kubeward/internal/check"
	"github.com/kubeward/kubeward/internal/report"
	"github.com/kubeward/kubeward/internal/result"
	"github.com/kubeward/kubeward/internal/source/manifest"
)

// bigRun audits a generated corpus where every object fails 8+ checks.
func bigRun(t testing.TB, objects int, lang string) *report.Run {
	t.Helper()
	var corpus bytes.Buffer
	if err := benchgen.WriteFailing(&corpus, objects); err != nil {
		t.Fatal(err)
	}
	engine := check.New(check.Options{})
	manifest.Load([]string{"-"}, manifest.Options{Stdin: &corpus}, engine.Observe)
	rep := engine.Finish()
	return &report.Run{Target: "manifests", Inputs: []string{"-"}, Results: rep.Results, Passed: rep.Passed, Objects: rep.Objects, Lang: lang}
}

var (
	truncatedRE = regexp.MustCompile(`_(\d+) more left out|_另有 (\d+) 项未列出`)
	findingRE   = regexp.MustCompile(`(?m)^- \*\*`)
)

// A report with more than 5,000 findings stays under the cap, in both
// languages, and says how many findings it left out: the listed and the
// left out add up to every finding.
func TestMarkdownCapOnLargeReport(t *testing.T) {
	for _, lang := range []string{"en", "zh"} {
		run := bigRun(t, 700, lang)
		findings := 0
		for i := range run.Results {
			if report.IsFinding(run.Results[i].Status) && !result.IsNotice(&run.Results[i]) {
				findings++
			}
		}
		if findings < 5000 {
			t.Fatalf("the corpus has %d findings, want at least 5,000", findings)
		}
		out := render(t, "markdown", run)
		if n := utf8.RuneCountInString(out); n >= report.MaxMarkdownChars {
			t.Errorf("%s: %d characters, want under %d", lang, n, report.MaxMarkdownChars)
		}
		m := truncatedRE.FindStringSubmatch(out)
		if m == nil {
			t.Fatalf("%s: no truncation notice", lang)
		}
		left, _ := strconv.Atoi(m[1] + m[2])
		listed := len(findingRE.FindAllString(out, -1))
		if listed+left != findings {
			t.Errorf("%s: %d listed + %d left out = %d, want %d findings", lang, listed, left, listed+left, findings)
		}
		if strings.Count(out, "<details>") != strings.Count(out, "</details>") {
			t.Errorf("%s: unbalanced <details>", lang)
		}
	}
}

// A small report is whole: no truncation notice, every finding listed.
func TestMarkdownSmallReportWhole(t *testing.T) {
	run := sampleRun("en")
	out := render(t, "markdown", run)
	if truncatedRE.MatchString(out) {
		t.Error("a small report is truncated")
	}
	want := 0
	for i := range run.Results {
		if report.IsFinding(run.Results[i].Status) {
			want++
		}
	}
	if got := len(findingRE.FindAllString(out, -1)); got != want {
		t.Errorf("%d findings listed, want %d", got, want)
	}
	// The worst check comes first: a critical FAIL.
	if i, j := strings.Index(out, "KW-POD-002"), strings.Index(out, "KW-NS-005"); i < 0 || j < 0 || i > j {
		t.Errorf("KW-POD-002 (critical FAIL) should come before KW-NS-005 (WARN)")
	}
}

// Markup in attacker-controlled strings is escaped, or inside a code span
// (shown as it is): GitHub renders the HTML a comment holds.
func TestMarkdownEscapes(t *testing.T) {
	out := regexp.MustCompile("`[^`\n]*`").ReplaceAllString(render(t, "markdown", xssRun()), "")
	for _, bad := range []string{"<script", "<img", "</textarea>"} {
		if strings.Contains(out, bad) {
			t.Errorf("payload %q reached the Markdown unescaped", bad)
		}
	}
}

func BenchmarkMarkdownLarge(b *testing.B) {
	run := bigRun(b, 5000, "en")
	b.ReportAllocs()
	for b.Loop() {
		if err := report.Write(&bytes.Buffer{}, "markdown", run); err != nil {
			b.Fatal(err)
		}
	}
}

// The Chinese Markdown has no English prose outside identifiers, paths,
// values and code spans.
func TestMarkdownChinese(t *testing.T) {
	for name, run := range inputRuns(t, "zh") {
		for _, bad := range untranslated(render(t, "markdown", run)) {
			t.Errorf("%s: English in the Chinese Markdown: %s", name, bad)
		}
	}
}
