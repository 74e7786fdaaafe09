package report

import (
	"bufio"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/kubeward/kubeward/internal/catalog"
	"github.com/kubeward/kubeward/internal/result"
)

var diffWords = map[string]catalog.Text{
	"heading":   {EN: "kubeward diff", ZH: "kubeward 差异"},
	"old":       {EN: "Old report", ZH: "旧报告"},
	"new":       {EN: "New report", ZH: "新报告"},
	"newF":      {EN: "New findings", ZH: "新增问题"},
	"fixedF":    {EN: "Fixed findings", ZH: "已修复问题"},
	"unchanged": {EN: "Unchanged findings", ZH: "未变化问题"},
	"was":       {EN: "was", ZH: "原为"},
	"none":      {EN: "none", ZH: "无"},
	"state":     {EN: "Change", ZH: "变化"},
	"count":     {EN: "Count", ZH: "数量"},
	"check":     {EN: "Check", ZH: "检查项"},
	"subject":   {EN: "Subject", ZH: "对象"},
	"location":  {EN: "Location", ZH: "位置"},
	"status":    {EN: "Status", ZH: "状态"},
	"severity":  {EN: "Severity", ZH: "严重级别"},
}

func diffWord(key, lang string) string { return diffWords[key].In(lang) }

// noControl replaces control characters (a terminal escape sequence in a
// report someone else wrote) with U+FFFD in text output.
func noControl(s string) string {
	return strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) {
			return '\uFFFD'
		}
		return r
	}, s)
}

// diffTitle is a check's title in lang from the catalogue, else the title
// the report carried (a check this build does not know).
func diffTitle(rr *ReportResult, lang string) string {
	if e := catalog.Get(rr.ID); e != nil {
		return e.Title.In(lang)
	}
	if rr.Title != "" {
		return rr.Title
	}
	return rr.ID
}

// diffSev is a severity's word in lang.
func diffSev(s, lang string) string {
	if t, ok := words[s]; ok {
		return t.In(lang)
	}
	return s
}

func diffStatus(s result.Status, lang string) string {
	if t, ok := words[string(s)]; ok {
		return t.In(lang)
	}
	return string(s)
}

func writeDiffText(bw *bufio.Writer, lang string, d *Diff) {
	fmt.Fprintf(bw, "%s\n%s: %s\n%s: %s\n\n", diffWord("heading", lang), diffWord("old", lang), noControl(d.OldFile), diffWord("new", lang), noControl(d.NewFile))
	for _, sec := range []struct {
		key  string
		mark string
		es   []DiffEntry
	}{{"newF", "+", d.New}, {"fixedF", "-", d.Fixed}, {"unchanged", "=", d.Unchanged}} {
		fmt.Fprintf(bw, "%s: %d\n", diffWord(sec.key, lang), len(sec.es))
		for i := range sec.es {
			e := &sec.es[i]
			fmt.Fprintf(bw, "  %s [%s] %s %s %s", sec.mark, diffStatus(e.Status, lang), noControl(e.ID), diffSev(e.Severity, lang), noControl(e.Subject.String()))
			if loc := e.Location.String(); loc != "" {
				fmt.Fprintf(bw, "  %s", noControl(loc))
			}
			if e.OldStatus != "" {
				fmt.Fprintf(bw, "  (%s %s)", diffWord("was", lang), diffStatus(e.OldStatus, lang))
			}
			fmt.Fprintf(bw, "\n      %s\n", noControl(diffTitle(&e.ReportResult, lang)))
		}
		bw.WriteString("\n")
	}
	fmt.Fprintf(bw, "%s %d, %s %d, %s %d\n", diffWord("newF", lang), len(d.New), diffWord("fixedF", lang), len(d.Fixed), diffWord("unchanged", lang), len(d.Unchanged))
}

type diffJSON struct {
	Schema    string         `json:"schema"`
	Old       string         `json:"old"`
	New       string         `json:"new"`
	Summary   map[string]int `json:"summary"`
	NewF      []DiffEntry    `json:"new_findings"`
	Fixed     []DiffEntry    `json:"fixed"`
	Unchanged []DiffEntry    `json:"unchanged"`
}

// DiffSchemaVersion is the version of `kubeward diff -o json`.
const DiffSchemaVersion = "kubeward.io/diff/v1"

func writeDiffJSON(bw *bufio.Writer, d *Diff) error {
	enc := json.NewEncoder(bw)
	enc.SetIndent("", "  ")
	return enc.Encode(diffJSON{Schema: DiffSchemaVersion, Old: d.OldFile, New: d.NewFile,
		Summary: map[string]int{"new": len(d.New), "fixed": len(d.Fixed), "unchanged": len(d.Unchanged)},
		NewF:    d.New, Fixed: d.Fixed, Unchanged: d.Unchanged})
}

func writeDiffMarkdown(bw *bufio.Writer, lang string, d *Diff) {
	fmt.Fprintf(bw, "## %s\n\n%s: `%s` → %s: `%s`\n\n", diffWord("heading", lang), diffWord("old", lang), mdCode(d.OldFile), diffWord("new", lang), mdCode(d.NewFile))
	fmt.Fprintf(bw, "| %s | %s |\n|---|---:|\n| %s | %d |\n| %s | %d |\n| %s | %d |\n\n", diffWord("state", lang), diffWord("count", lang),
		diffWord("newF", lang), len(d.New), diffWord("fixedF", lang), len(d.Fixed), diffWord("unchanged", lang), len(d.Unchanged))
	budget := &mdBudget{left: MaxMarkdownChars - 2000}
	for _, sec := range []struct {
		key  string
		es   []DiffEntry
		open bool
	}{{"newF", d.New, true}, {"fixedF", d.Fixed, false}, {"unchanged", d.Unchanged, false}} {
		if len(sec.es) == 0 {
			continue
		}
		open := ""
		if sec.open {
			open = " open"
		}
		fmt.Fprintf(bw, "<details%s><summary>%s (%d)</summary>\n\n| %s | %s | %s | %s | %s |\n|---|---|---|---|---|\n", open, diffWord(sec.key, lang), len(sec.es),
			diffWord("status", lang), diffWord("severity", lang), diffWord("check", lang), diffWord("subject", lang), diffWord("location", lang))
		for i := range sec.es {
			e := &sec.es[i]
			status := diffStatus(e.Status, lang)
			if e.OldStatus != "" {
				status += " (" + diffWord("was", lang) + " " + diffStatus(e.OldStatus, lang) + ")"
			}
			line := fmt.Sprintf("| %s | %s | %s %s | %s | %s |\n", status, diffSev(e.Severity, lang), mdText(e.ID), mdText(diffTitle(&e.ReportResult, lang)),
				mdText(e.Subject.String()), mdText(e.Location.String()))
			if !budget.take(line) {
				fmt.Fprintf(bw, "\n"+mdWord("truncated", lang)+"\n", len(sec.es)-i)
				break
			}
			bw.WriteString(line)
		}
		bw.WriteString("\n</details>\n\n")
	}
}
