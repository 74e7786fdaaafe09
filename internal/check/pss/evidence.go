package pss

import (
	"strings"

	"github.com/kubeward/kubeward/internal/catalog"
)

// The evidence of a Pod Security check is the upstream evaluator's
// "REASON (DETAIL)": reports render it in Chinese with the same forms as
// the message (violationZH), identifiers and values kept.
func init() {
	ids := make([]string, 0, len(controls))
	for _, c := range controls {
		ids = append(ids, c.id)
	}
	catalog.RegisterEvidenceZH(evidenceZH, ids...)
}

// evidenceZH renders "REASON (DETAIL)" or "REASON" in Chinese.
func evidenceZH(ev string) (string, bool) {
	reason, detail := ev, ""
	if i := strings.Index(ev, " ("); i >= 0 && strings.HasSuffix(ev, ")") {
		reason, detail = ev[:i], ev[i+2:len(ev)-1]
	}
	return violationZH(reason, detail)
}
