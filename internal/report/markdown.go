package report

import (
	"bufio"
	"cmp"
	"fmt"
	"html"
	"io"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/kubeward/kubeward/internal/catalog"
	"github.com/kubeward/kubeward/internal/result"
)

// MaxMarkdownChars caps a Markdown report: GitHub refuses a pull-request
// comment of more than 65,536 characters, and other hosts cap lower.
const MaxMarkdownChars = 65000

// markdownReserve is kept for what follows the findings (the truncation
// notice, input errors, notices).
const markdownReserve = 3000

// mdBudget counts the characters left.
type mdBudget struct{ left int }

// take spends len(s) characters when they fit.
func (b *mdBudget) take(s string) bool {
	n := utf8.RuneCountInString(s)
	if n > b.left {
		return false
	}
	b.left -= n
	return true
}

// mdText makes s inert in Markdown and in the HTML GitHub allows in it:
// markup characters become entities or are escaped, newlines spaces.
func mdText(s string) string {
	s = html.EscapeString(s)
	var b strings.Builder
	for _, c := range s {
		switch c {
		case '\\', '`', '*', '_', '[', ']', '|', '#', '~', '!', '(', ')', '{', '}':
			b.WriteByte('\\')
			b.WriteRune(c)
		case '\n', '\r', '\t':
			b.WriteByte(' ')
		default:
			if c < 0x20 || c == 0x7f || (c >= 0x80 && c < 0xa0) {
				c = '\uFFFD'
			}
			b.WriteRune(c)
		}
	}
	return b.String()
}

// mdCode is s for inside a code span: backticks and newlines removed.
func mdCode(s string) string {
	return noControl(strings.NewReplacer("`", "'", "\n", " ", "\r", " ").Replace(s))
}

// writeMarkdown writes a report for a pull-request comment or a wiki: a
// header, a summary table (statuses, FAIL by severity, compliance per plan
// layer, the baseline), then the findings (FAIL, WARN, ERROR, IGNORED)
// grouped by check in collapsible <details>, the worst checks first. PASS
// and NOT_APPLICABLE are counted, not listed. The whole stays under
// MaxMarkdownChars: what does not fit is left out with a notice that says
// how many.
func writeMarkdown(w io.Writer, run *Run) error {
	bw := bufio.NewWriterSize(w, 64<<10)
	ov := buildOverview(run)
	var head strings.Builder
	b := BuildOf(run.Version)
	_, date := run.shownDate()
	fmt.Fprintf(&head, "## %s: %s\n\n", run.hw("reportTitle"), run.targetWord())
	if len(run.Inputs) > 0 {
		label := run.tr("inputs")
		switch run.Target {
		case "node":
			label = run.tr("nodeRoot")
		case "cluster":
			label = run.tr("apiServer")
		}
		fmt.Fprintf(&head, "%s: `%s`", label, mdCode(strings.Join(run.Inputs, " ")))
		if run.Host != "" {
			fmt.Fprintf(&head, " · %s: `%s`", run.tr("host"), mdCode(run.Host))
		}
		head.WriteString("<br>\n")
	}
	cfg := run.ConfigFile
	if cfg == "" {
		cfg = run.tr("defaultConfig")
	}
	fmt.Fprintf(&head, "%s: %s · %s: %s", run.hw("when"), date, run.hw("version"), mdText(b.Version))
	if b.Commit != "" {
		fmt.Fprintf(&head, " (%s %s)", run.tr("commit"), b.Commit)
	}
	fmt.Fprintf(&head, " · %s: %s\n\n", run.tr("config"), mdText(cfg))
	if run.Baseline != nil {
		fmt.Fprintf(&head, "**%s** `%s`: %s\n\n", run.hw("baseline"), mdCode(run.Baseline.File),
			fmt.Sprintf(run.hw("blSummary"), ov.Baseline.New, ov.Baseline.Unchanged, ov.Baseline.Fixed))
	}

	// Summary: statuses, then FAIL by severity, in one table each.
	fmt.Fprintf(&head, "| %s | %s |\n|---|---:|\n", run.hw("status"), run.hw("count"))
	fmt.Fprintf(&head, "| %s | %d |\n", run.hw("objectsH"), run.Objects)
	for _, s := range statusOrder {
		if n := ov.Statuses[s]; n > 0 {
			fmt.Fprintf(&head, "| %s | %d |\n", run.tr(string(s)), n)
		}
	}
	head.WriteString("\n")
	if len(ov.FailBySev) > 0 {
		fmt.Fprintf(&head, "| %s |", run.hw("sevChart"))
		for _, s := range severitiesDesc {
			fmt.Fprintf(&head, " %s |", run.sev(s))
		}
		head.WriteString("\n|---|")
		for range severitiesDesc {
			head.WriteString("---:|")
		}
		head.WriteString("\n| |")
		for _, s := range severitiesDesc {
			fmt.Fprintf(&head, " %d |", ov.FailBySev[s])
		}
		head.WriteString("\n\n")
	}
	if len(ov.Layers) > 0 {
		fmt.Fprintf(&head, "| %s | %s | %s |\n|---|---:|---|\n", run.hw("layer"), run.hw("passRate"), run.hw("count"))
		for _, ls := range ov.Layers {
			fmt.Fprintf(&head, "| %s | %s | %s |\n", ls.Layer.Title().In(run.Lang), rateText(run, ls.itemStat), countsText(run, ls.itemStat))
		}
		head.WriteString("\n")
	}
	head.WriteString(markdownBenchmark(run))
	for _, t := range []struct {
		key string
		ts  []tally
	}{{"topNamespaces", ov.TopNS}, {"topSubjects", ov.TopSubject}} {
		if len(t.ts) == 0 {
			continue
		}
		var parts []string
		for _, x := range t.ts {
			parts = append(parts, fmt.Sprintf("`%s` %d", mdCode(x.name), x.n))
		}
		fmt.Fprintf(&head, "%s: %s\n\n", run.tr(t.key), strings.Join(parts, ", "))
	}
	budget := &mdBudget{left: MaxMarkdownChars - markdownReserve}
	budget.take(head.String())
	bw.WriteString(head.String())

	// Findings by check, the worst check first.
	groups := markdownGroups(run)
	left := 0
	for _, g := range groups {
		left += len(g.idx)
	}
	if left > 0 {
		sec := fmt.Sprintf("### %s\n\n", run.hw("findings"))
		budget.take(sec)
		bw.WriteString(sec)
	}
	for _, g := range groups {
		r0 := &run.Results[g.idx[0]]
		title, fix, refs := r0.ID, "", ""
		if e := r0.Entry(); e != nil {
			title, fix, refs = e.Title.In(run.Lang), e.Remediation.In(run.Lang), strings.Join(e.References, "; ")
		}
		var counts []string
		for _, s := range statusOrder {
			if g.n[s] > 0 {
				counts = append(counts, fmt.Sprintf("%s %d", run.tr(string(s)), g.n[s]))
			}
		}
		open := fmt.Sprintf("<details><summary><b>%s</b> %s · %s (%s)</summary>\n\n", r0.ID, run.sev(r0.Severity), html.EscapeString(title), strings.Join(counts, ", "))
		closing := fmt.Sprintf("\n**%s:** %s", run.tr("fix"), mdText(fix))
		if refs != "" {
			closing += fmt.Sprintf("<br>\n%s: %s", run.tr("references"), mdText(refs))
		}
		closing += "\n\n</details>\n\n"
		if !budget.take(open + closing) {
			break
		}
		bw.WriteString(open)
		for _, i := range g.idx {
			line := markdownLine(run, &run.Results[i])
			if !budget.take(line) {
				break
			}
			bw.WriteString(line)
			left--
		}
		bw.WriteString(closing)
	}
	var tail strings.Builder
	if left > 0 {
		fmt.Fprintf(&tail, run.hw("truncated")+"\n\n", left)
	}
	if len(run.Errors) > 0 {
		fmt.Fprintf(&tail, "### %s\n\n", run.tr("errors"))
		for i, e := range run.Errors {
			if i == maxNamedErrors {
				fmt.Fprintf(&tail, "- "+run.tr("andMore")+"\n", len(run.Errors)-i)
				break
			}
			fmt.Fprintf(&tail, "- `%s`\n", mdCode(truncateRunes(e, 300)))
		}
		tail.WriteString("\n")
	}
	for _, n := range run.Notices() {
		fmt.Fprintf(&tail, "%s: %s\n\n", run.tr("notice"), mdText(truncateRunes(noticeText(n, run.Lang), 300)))
	}
	bw.WriteString(tail.String())
	return bw.Flush()
}

// markdownLine is one finding: status, subject, location, message,
// evidence and the exception.
func markdownLine(run *Run, r *result.Result) string {
	var b strings.Builder
	fmt.Fprintf(&b, "- **%s**", run.tr(string(r.Status)))
	if st := run.baselineState(r); st != "" {
		fmt.Fprintf(&b, " _%s_", run.hw(map[string]string{"new": "blNew", "unchanged": "blUnchanged"}[st]))
	}
	fmt.Fprintf(&b, " `%s`", mdCode(truncateRunes(r.Subject.String(), 200)))
	if loc := r.Location.String(); loc != "" {
		fmt.Fprintf(&b, " %s `%s`", run.hw("at"), mdCode(truncateRunes(loc, 200)))
	}
	if msg := r.Message.In(run.Lang); msg != "" {
		fmt.Fprintf(&b, ": %s", mdText(truncateRunes(msg, 300)))
	}
	if ev := run.evidence(r); ev != "" {
		fmt.Fprintf(&b, " (%s: `%s`)", run.tr("evidence"), mdCode(truncateRunes(ev, 200)))
	}
	if x := r.Exception; x != nil {
		if x.Expired {
			fmt.Fprintf(&b, " — %s %s (%s: %s)", run.tr("expired"), mdText(x.Expires), run.tr("reason"), mdText(truncateRunes(x.Reason, 200)))
		} else {
			fmt.Fprintf(&b, " — %s (%s: %s)", run.tr("ignored"), run.tr("reason"), mdText(truncateRunes(x.Reason, 200)))
		}
	}
	b.WriteString("\n")
	return b.String()
}

// truncateRunes cuts s to n characters, with an ellipsis.
func truncateRunes(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	rs := []rune(s)
	return string(rs[:n]) + "…"
}

type mdGroup struct {
	idx   []int32
	n     map[result.Status]int
	worst int
	sev   catalog.Severity
	order int
}

// mdRank orders statuses from the one a reviewer must see first.
func mdRank(s result.Status) int {
	switch s {
	case result.Fail:
		return 0
	case result.Error:
		return 1
	case result.Warn:
		return 2
	case result.Ignored:
		return 3
	}
	return 4
}

// markdownGroups groups the listed findings (FAIL, WARN, ERROR, IGNORED)
// by check: FAIL before ERROR before WARN before IGNORED, the most severe
// first, then in catalogue order.
func markdownGroups(run *Run) []*mdGroup {
	byID := map[string]*mdGroup{}
	var out []*mdGroup
	for i := range run.Results {
		r := &run.Results[i]
		if !IsFinding(r.Status) || result.IsNotice(r) {
			continue
		}
		g := byID[r.ID]
		if g == nil {
			g = &mdGroup{n: map[result.Status]int{}, worst: 9, sev: r.Severity, order: itemOrderOf(r.ID)}
			byID[r.ID] = g
			out = append(out, g)
		}
		g.idx = append(g.idx, int32(i))
		g.n[r.Status]++
		g.worst = min(g.worst, mdRank(r.Status))
	}
	slices.SortStableFunc(out, func(a, b *mdGroup) int {
		return cmp.Or(cmp.Compare(a.worst, b.worst), cmp.Compare(b.sev, a.sev), cmp.Compare(a.order, b.order),
			strings.Compare(run.Results[a.idx[0]].ID, run.Results[b.idx[0]].ID))
	})
	return out
}
