package check

import (
	"strings"
	"testing"

	"github.com/kubeward/kubeward/internal/catalog"
)

func testSpec(id string, scope Scope) Spec {
	return Spec{ID: id, Item: "2.4", Severity: catalog.SeverityHigh, Scope: scope,
		Title: catalog.Text{EN: id, ZH: id + " 标题"}, Remediation: catalog.Text{EN: "fix", ZH: "修复"}}
}

func runTwoIDs(_ *Env, tg *Target, em *Emitter) {
	if tg.Name == "bad" {
		em.Fail("KW-T-101", "app", "spec", catalog.F("bad", "坏"), "")
	}
}

// TestRegisterSpec: specs sharing one object rule run it once per object;
// each spec's ID passes where the rule reports nothing for it; the catalogue
// entry is derived from the spec, scopes included, with where its logic
// lives; the engine enforces each spec's scope.
func TestRegisterSpec(t *testing.T) {
	withRegistry(t, nil, nil, nil)
	runs := 0
	shared := &ObjectRule{Applies: func(*Target) bool { runs++; return true }, Run: runTwoIDs}
	a, b := testSpec("KW-T-101", Manifest|Cluster|Admission), testSpec("KW-T-102", Manifest)
	a.Object, b.Object = shared, shared
	Register(a, b)

	e := catalog.Get("KW-T-102")
	if e == nil || strings.Join(e.Scope, ",") != "manifest" || catalog.Get("KW-T-101").Scope[2] != "admission" {
		t.Fatalf("catalogue entries not derived from the specs: %+v", e)
	}
	if s := SpecOf("KW-T-101"); s == nil || s.Where != "internal/check/spec_test.go" || e.LivesIn != s.Where {
		t.Errorf("where = %v, entry %q: want internal/check/spec_test.go (the file of runTwoIDs)", s, e.LivesIn)
	}
	for _, mode := range []string{"manifest", "cluster"} {
		runs = 0
		eng := New(Options{Mode: mode})
		eng.Observe(pod("a", "good", nil))
		eng.Observe(pod("a", "bad", nil))
		rep := eng.Finish()
		if runs != 2 {
			t.Errorf("%s: the shared rule ran %d times for 2 objects", mode, runs)
		}
		if rep.Passed["KW-T-101"] != 1 || len(rep.Results) != 1 || rep.Results[0].ID != "KW-T-101" {
			t.Errorf("%s: KW-T-101 results %v, passed %v", mode, rep.Results, rep.Passed)
		}
		want := map[string]int{"manifest": 2, "cluster": 0}[mode]
		if rep.Passed["KW-T-102"] != want {
			t.Errorf("%s: KW-T-102 passed %d times, want %d (its scope is manifest only)", mode, rep.Passed["KW-T-102"], want)
		}
	}
}

// TestRegisterRefusesMalformedSpecs: no scope, node logic mixed with object
// logic, CEL without admission scope.
func TestRegisterRefusesMalformedSpecs(t *testing.T) {
	withRegistry(t, nil, nil, nil)
	noScope := testSpec("KW-T-111", 0)
	mixed := testSpec("KW-T-112", Node)
	mixed.Node, mixed.Object = &NodeRule{}, &ObjectRule{}
	celNoAdmission := testSpec("KW-T-113", Manifest)
	celNoAdmission.CEL = &CEL{Target: CELPod, OK: Const("true")}
	for _, s := range []Spec{noScope, mixed, celNoAdmission} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%s registered", s.ID)
				}
			}()
			Register(s)
		}()
		if catalog.Get(s.ID) != nil {
			t.Errorf("%s reached the catalogue", s.ID)
		}
	}
}

func TestScopeNames(t *testing.T) {
	s := Manifest | Admission | Node
	if got := strings.Join(s.Names(), ","); got != "manifest,admission,node" || !s.Has("node") || s.Has("cluster") || s.Has("docker") {
		t.Errorf("Names = %s", got)
	}
	if ScopeOf("cluster") != Cluster || ScopeOf("x") != 0 {
		t.Error("ScopeOf")
	}
}
