// Package catalog holds the check catalogue: stable IDs with their bilingual
// titles and remediation, the security-plan layer and item they implement,
// severity and references. The entries are derived from the check specs:
// check.Register (internal/check/spec.go) is the one path that adds them.
// The CLI's `kubeward checks`, docs/checks.md and every report read from it.
package catalog

import (
	"fmt"
	"sort"
	"strings"
	"sync"
)

// Text is a message in the languages kubeward reports in.
type Text struct {
	EN string `json:"en"`
	ZH string `json:"zh"`
}

// In returns the text in lang ("en" or "zh"), falling back to English.
func (t Text) In(lang string) string {
	if lang == "zh" && t.ZH != "" {
		return t.ZH
	}
	return t.EN
}

// F formats a bilingual message: en and zh are format strings taking the same args.
func F(en, zh string, args ...any) Text {
	if len(args) == 0 {
		return Text{EN: en, ZH: zh}
	}
	return Text{EN: fmt.Sprintf(en, args...), ZH: fmt.Sprintf(zh, args...)}
}

// Severity orders findings for --fail-on.
type Severity int

const (
	SeverityLow Severity = iota + 1
	SeverityMedium
	SeverityHigh
	SeverityCritical
)

var severityNames = map[Severity]string{
	SeverityLow: "low", SeverityMedium: "medium", SeverityHigh: "high", SeverityCritical: "critical",
}

func (s Severity) String() string { return severityNames[s] }

// MarshalText renders the severity as its lower-case name.
func (s Severity) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// ParseSeverity reads "low", "medium", "high" or "critical".
func ParseSeverity(s string) (Severity, error) {
	for sev, name := range severityNames {
		if strings.EqualFold(s, name) {
			return sev, nil
		}
	}
	return 0, fmt.Errorf("unknown severity %q (want critical, high, medium or low)", s)
}

// Entry is one check of the catalogue.
type Entry struct {
	ID          string   `json:"id"`
	Title       Text     `json:"title"`
	Remediation Text     `json:"remediation"`
	Item        string   `json:"item"` // plan item ID, e.g. "2.4"
	Severity    Severity `json:"severity"`
	References  []string `json:"references,omitempty"`
	// Scope says which audits evaluate the check: manifest, cluster, admission,
	// node. The engine evaluates a check only in the modes its Scope names.
	Scope []string `json:"scope"`
	// LivesIn is the file that holds the check's logic (check.Spec.Where).
	LivesIn string `json:"livesIn,omitempty"`
	// Fix is what `kubeward harden` does for the check (check.Spec.Fix):
	// "automatic", "review" (automatic, to be reviewed), "generated" (new
	// objects the namespace layer writes), "manual" (a person decides;
	// harden plan says why) or "" (no fix in the catalogue).
	Fix string `json:"fix,omitempty"`
}

// Layer returns the plan layer of the entry's item.
func (e *Entry) Layer() Layer { return ItemByID(e.Item).Layer }

var (
	mu      sync.RWMutex
	entries = map[string]*Entry{}
	// generation counts the calls to Register (see Generation).
	generation uint64
)

// Register adds entries to the catalogue; check.Register calls it with the
// entry of each spec, and nothing else should (a test in internal/check/all
// enforces it). It panics on a duplicate ID or an
// unknown plan item: both are programming errors caught by any test run.
func Register(es ...*Entry) {
	mu.Lock()
	defer mu.Unlock()
	for _, e := range es {
		if _, dup := entries[e.ID]; dup {
			panic("catalog: duplicate check ID " + e.ID)
		}
		if _, ok := itemIndex[e.Item]; !ok {
			panic("catalog: check " + e.ID + " names unknown plan item " + e.Item)
		}
		if e.Severity == 0 || e.Title.EN == "" || e.Title.ZH == "" || e.Remediation.EN == "" || e.Remediation.ZH == "" {
			panic("catalog: check " + e.ID + " lacks severity, title or remediation in both languages")
		}
		entries[e.ID] = e
		generation++
	}
}

// Generation changes whenever an entry is registered: a cache built from
// the catalogue (check's per-mode scope lists) is current while it stays
// the same.
func Generation() uint64 {
	mu.RLock()
	defer mu.RUnlock()
	return generation
}

// Get returns the entry for id, or nil.
func Get(id string) *Entry {
	mu.RLock()
	defer mu.RUnlock()
	return entries[id]
}

// All returns every entry ordered by plan item, then ID.
func All() []*Entry {
	mu.RLock()
	out := make([]*Entry, 0, len(entries))
	for _, e := range entries {
		out = append(out, e)
	}
	mu.RUnlock()
	sort.Slice(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if a.Item != b.Item {
			return itemIndex[a.Item] < itemIndex[b.Item]
		}
		return a.ID < b.ID
	})
	return out
}
