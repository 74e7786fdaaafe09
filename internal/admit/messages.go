package admit

import (
	"fmt"

	"github.com/kubeward/kubeward/internal/catalog"
	"github.com/kubeward/kubeward/internal/result"
)

// FormatResult renders a result as "ID: message — plan item X.Y <title> — fix: <remediation>".
func FormatResult(r *result.Result, lang string) string {
	msg := r.Message.In(lang)
	if r.Subject.Container != "" {
		if lang == "zh" {
			msg = "容器 " + r.Subject.Container + "：" + msg
		} else {
			msg = "container " + r.Subject.Container + ": " + msg
		}
	}
	e := catalog.Get(r.ID)
	if e == nil {
		return r.ID + ": " + msg
	}
	item := catalog.ItemByID(e.Item)
	if lang == "zh" {
		return fmt.Sprintf("%s：%s — 安全计划条目 %s %s — 修复：%s", r.ID, msg, e.Item, item.Title.In(lang), e.Remediation.In(lang))
	}
	return fmt.Sprintf("%s: %s — plan item %s %s — fix: %s", r.ID, msg, e.Item, item.Title.In(lang), e.Remediation.In(lang))
}

// capMessages keeps the first n messages, each cut to MaxMessageRunes, and
// says how many more there were.
func capMessages(msgs []string, n int, lang string) []string {
	for i, m := range msgs {
		if r := []rune(m); len(r) > MaxMessageRunes {
			msgs[i] = string(r[:MaxMessageRunes]) + "…"
		}
	}
	if len(msgs) <= n {
		return msgs
	}
	more := len(msgs) - n
	out := append(msgs[:n:n], fmt.Sprintf("and %d more findings", more))
	if lang == "zh" {
		out[n] = fmt.Sprintf("另有 %d 项发现", more)
	}
	return out
}
