package check

import (
	"testing"

	"github.com/kubeward/kubeward/internal/catalog"
	"github.com/kubeward/kubeward/internal/result"
)

func init() {
	catalog.Register(&catalog.Entry{ID: "KW-T-010", Item: "2.4", Severity: catalog.SeverityHigh, Scope: []string{"manifest", "cluster", "admission"},
		Title: catalog.Text{EN: "everywhere", ZH: "处处"}, Remediation: catalog.Text{EN: "fix", ZH: "修复"}})
}

// TestScope: a check is evaluated only in the modes its catalogue scope
// names. KW-T-001 is manifest-only: in a cluster or admission scan it is
// neither a PASS nor a FAIL, whether the rule reports it or stays silent,
// from an object rule or a policy rule. KW-T-010 is evaluated everywhere.
func TestScope(t *testing.T) {
	for _, tc := range []struct {
		mode         string
		wantManifest bool
	}{{"manifest", true}, {"", true}, {"cluster", false}, {"admission", false}} {
		t.Run("mode "+tc.mode, func(t *testing.T) {
			withRegistry(t,
				[]*Rule{{IDs: []string{"KW-T-001", "KW-T-010"}, Run: func(_ *Env, tg *Target, em *Emitter) {
					if tg.Name == "bad" {
						em.Fail("KW-T-001", "app", "spec", catalog.F("bad", "坏"), "")
						em.Fail("KW-T-010", "app", "spec", catalog.F("bad", "坏"), "")
					}
				}}},
				[]*PolicyRule{{Run: func(_ *Env, _ *Index, em *Emitter) {
					em.Pass(Finding{ID: "KW-T-001", Subject: &result.Subject{Kind: "Namespace", Name: "a"}})
					em.Add(Finding{ID: "KW-T-001", Status: result.Warn, Subject: &result.Subject{Kind: "Namespace", Name: "b"}})
				}}}, nil)
			e := New(Options{Mode: tc.mode, KeepPasses: true})
			e.Observe(pod("a", "good", nil))
			e.Observe(pod("a", "bad", nil))
			rep := e.Finish()
			got := map[string]int{}
			for _, r := range rep.Results {
				got[r.ID+" "+string(r.Status)]++
			}
			if got["KW-T-010 PASS"] != 1 || got["KW-T-010 FAIL"] != 1 || rep.Passed["KW-T-010"] != 1 {
				t.Errorf("in-scope check: results %v, passed %v", got, rep.Passed)
			}
			n := got["KW-T-001 PASS"] + got["KW-T-001 FAIL"] + got["KW-T-001 WARN"] + rep.Passed["KW-T-001"]
			if tc.wantManifest && (got["KW-T-001 FAIL"] != 1 || got["KW-T-001 WARN"] != 1 || rep.Passed["KW-T-001"] != 2) {
				t.Errorf("manifest-only check in a manifest scan: results %v, passed %v", got, rep.Passed)
			}
			if !tc.wantManifest && n != 0 {
				t.Errorf("manifest-only check evaluated in a %s scan: results %v, passed %v", tc.mode, got, rep.Passed)
			}
		})
	}
}

func TestInScope(t *testing.T) {
	e := &catalog.Entry{Scope: []string{"manifest", "cluster"}}
	if !InScope(e, "cluster") || InScope(e, "admission") || InScope(e, "node") {
		t.Error("InScope does not follow the entry's scope")
	}
}
