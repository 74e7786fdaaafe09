package catalog_test

import (
	"regexp"
	"sort"
	"strings"
	"testing"
	"unicode"

	"github.com/kubeward/kubeward/internal/catalog"
	_ "github.com/kubeward/kubeward/internal/check/all"
)

var idPattern = regexp.MustCompile(`^KW-[A-Z]+-[A-Z]?[0-9]{2,3}$`)

var validScopes = map[string]bool{"manifest": true, "cluster": true, "node": true, "docker": true, "admission": true}

// TestEveryRegisteredEntry validates the real catalogue as the check
// packages register it.
func TestEveryRegisteredEntry(t *testing.T) {
	all := catalog.All()
	if len(all) < 50 {
		t.Fatalf("only %d checks registered; the check packages did not load", len(all))
	}
	seen := map[string]bool{}
	for _, e := range all {
		t.Run(e.ID, func(t *testing.T) {
			if seen[e.ID] {
				t.Errorf("ID listed twice by All()")
			}
			seen[e.ID] = true
			if !idPattern.MatchString(e.ID) {
				t.Errorf("ID %q does not look like KW-AREA-NNN", e.ID)
			}
			if catalog.Get(e.ID) != e {
				t.Errorf("Get(%s) does not return the entry All() lists", e.ID)
			}
			for what, txt := range map[string]catalog.Text{"title": e.Title, "remediation": e.Remediation} {
				if strings.TrimSpace(txt.EN) == "" || strings.TrimSpace(txt.ZH) == "" {
					t.Errorf("%s lacks a language: %+v", what, txt)
				}
				if !hasHan(txt.ZH) {
					// The Chinese text must be a translation, not a copy.
					t.Errorf("%s has no Chinese text: %q", what, txt.ZH)
				}
				if strings.Contains(txt.EN, "%!") || strings.Contains(txt.ZH, "%!") {
					t.Errorf("%s has a formatting error: %+v", what, txt)
				}
			}
			if e.Severity < catalog.SeverityLow || e.Severity > catalog.SeverityCritical {
				t.Errorf("severity %d out of range", e.Severity)
			}
			if sev, err := catalog.ParseSeverity(e.Severity.String()); err != nil || sev != e.Severity {
				t.Errorf("severity %v does not round-trip: %v %v", e.Severity, sev, err)
			}
			item := catalog.ItemByID(e.Item)
			if item.ID != e.Item {
				t.Errorf("plan item %q is not in the plan", e.Item)
			}
			if e.Layer() != item.Layer || e.Layer() == 0 {
				t.Errorf("Layer() = %d, want the layer of item %s (%d)", e.Layer(), e.Item, item.Layer)
			}
			if len(e.Scope) == 0 {
				t.Error("no scope: no audit evaluates the check")
			}
			for _, s := range e.Scope {
				if !validScopes[s] {
					t.Errorf("unknown scope %q", s)
				}
			}
		})
	}
	// All() is sorted by plan position, then ID.
	sorted := sort.SliceIsSorted(all, func(i, j int) bool {
		a, b := all[i], all[j]
		if oa, ob := catalog.ItemOrder(a.Item), catalog.ItemOrder(b.Item); oa != ob {
			return oa < ob
		}
		return a.ID < b.ID
	})
	if !sorted {
		t.Error("All() is not ordered by plan item, then ID")
	}
}

func hasHan(s string) bool {
	for _, r := range s {
		if unicode.Is(unicode.Han, r) {
			return true
		}
	}
	return false
}

// TestEntryFamilies pins a few well-known entries to their plan items and
// severities so a refactor cannot silently move them.
func TestEntryFamilies(t *testing.T) {
	tests := []struct {
		id    string
		item  string
		sev   catalog.Severity
		scope string
	}{
		{"KW-HOST-001", "1.3", catalog.SeverityCritical, "manifest"},
		{"KW-IMG-001", "2.1", catalog.SeverityHigh, "admission"},
		{"KW-POD-002", "2.4", catalog.SeverityCritical, "cluster"},
		{"KW-POD-001", "2.3", catalog.SeverityHigh, "manifest"},
		{"KW-NS-001", "4.5", catalog.SeverityMedium, "manifest"},
		{"KW-RBAC-010", "4.3", catalog.SeverityCritical, "cluster"},
		{"KW-PSS-B01", "4.7", catalog.SeverityHigh, "admission"},
		{"KW-PSS-R01", "4.7", catalog.SeverityMedium, "manifest"},
		{"KW-CL-008", "4.3", catalog.SeverityCritical, "cluster"},
		{"KW-WH-005", "4.4", catalog.SeverityHigh, "manifest"},
	}
	for _, tc := range tests {
		t.Run(tc.id, func(t *testing.T) {
			e := catalog.Get(tc.id)
			if e == nil {
				t.Fatal("not registered")
			}
			if e.Item != tc.item || e.Severity != tc.sev {
				t.Errorf("item %s severity %v, want item %s severity %v", e.Item, e.Severity, tc.item, tc.sev)
			}
			found := false
			for _, s := range e.Scope {
				found = found || s == tc.scope
			}
			if !found {
				t.Errorf("scope %v lacks %q", e.Scope, tc.scope)
			}
		})
	}
}
