package report

import (
	"bufio"
	"fmt"
	"io"
	"strings"
	"time"

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

// writeText prints findings grouped by plan layer, then a summary. PASS and
// NOT_APPLICABLE results are listed only when present in Results.
func writeText(w io.Writer, run *Run) error {
	bw := bufio.NewWriter(w)
	byLayer := map[catalog.Layer][]*result.Result{}
	for i := range run.Results {
		res := &run.Results[i]
		layer := catalog.LayerClusterPolicy
		if e := res.Entry(); e != nil {
			layer = e.Layer()
		}
		byLayer[layer] = append(byLayer[layer], res)
	}
	any := false
	for _, layer := range catalog.Layers() {
		rs := byLayer[layer]
		if len(rs) == 0 {
			continue
		}
		any = true
		fmt.Fprintf(bw, "%s\n", run.paint(bold, layer.Title().In(run.Lang)))
		for _, res := range rs {
			e := res.Entry()
			title := res.ID
			if e != nil {
				title = e.Title.In(run.Lang)
			}
			status := run.tr(string(res.Status))
			fmt.Fprintf(bw, "  %s %s %-8s %s\n", run.paint(statusColor(res.Status), fmt.Sprintf("[%s]", status)), res.ID, res.Severity, title)
			fmt.Fprintf(bw, "      %s", res.Subject.String())
			if loc := res.Location.String(); loc != "" {
				fmt.Fprintf(bw, "  %s", run.paint(grey, loc))
			}
			bw.WriteString("\n")
			if msg := res.Message.In(run.Lang); msg != "" {
				fmt.Fprintf(bw, "      %s\n", msg)
			}
			if res.Evidence != "" {
				fmt.Fprintf(bw, "      %s: %s\n", run.tr("evidence"), res.Evidence)
			}
			if x := res.Exception; x != nil {
				if x.Expired {
					fmt.Fprintf(bw, "      %s %s (%s: %s)\n", run.tr("expired"), x.Expires, run.tr("reason"), x.Reason)
				} else {
					fmt.Fprintf(bw, "      %s [%s] %s: %s\n", run.tr("ignored"), x.Source, run.tr("reason"), x.Reason)
				}
			}
			if res.Status == result.Fail && e != nil {
				fmt.Fprintf(bw, "      %s: %s\n", run.tr("fix"), e.Remediation.In(run.Lang))
			}
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
	if len(run.Skipped) > 0 {
		var sk []string
		total := 0
		for _, k := range sortedKeys(run.Skipped) {
			sk = append(sk, fmt.Sprintf("%s×%d", k, run.Skipped[k]))
			total += run.Skipped[k]
		}
		fmt.Fprintf(bw, "%d %s: %s\n", total, run.tr("skipped"), strings.Join(sk, ", "))
	}
	if run.FailOn > 0 {
		fmt.Fprintf(bw, "%s %s: %d\n", run.tr("failOn"), run.FailOn, run.AtOrAbove(run.FailOn))
	}
	if run.Host != "" || !run.Time.IsZero() {
		var at []string
		if run.Host != "" {
			at = append(at, run.Host)
		}
		if !run.Time.IsZero() {
			at = append(at, run.Time.UTC().Format(time.RFC3339))
		}
		fmt.Fprintf(bw, "%s: %s\n", run.tr("audited"), strings.Join(at, ", "))
	}
	return bw.Flush()
}
