package cli

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestHardenPlan(t *testing.T) {
	code, out, errb := run(t, "", "harden", "plan", "-o", "json", "../../examples/insecure")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errb)
	}
	var rep planReport
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatal(err)
	}
	s := rep.Summary
	if s.Fail == 0 || s.Automatic == 0 || s.Manual == 0 || s.Fail != s.Automatic+s.Generated+s.Manual+s.ByOthers || len(rep.Findings) != s.Fail {
		t.Fatalf("summary %+v, %d findings", s, len(rep.Findings))
	}
	seen := map[string]bool{}
	for _, f := range rep.Findings {
		seen[f.ID] = true
		switch {
		case f.Automatic:
			if len(f.Edits) == 0 || f.Changes == "" || !f.ResolvedAfter {
				t.Errorf("%s %s: automatic without edits, changes or a clean rescan: %+v", f.ID, f.Subject.Name, f)
			}
		case f.Generated != "":
			if !f.ResolvedAfter {
				t.Errorf("%s %s: the namespace layer's objects do not resolve it on a rescan: %+v", f.ID, f.Subject.Name, f)
			}
		case f.Manual == "":
			t.Errorf("%s %s: neither a fix nor a reason", f.ID, f.Subject.Name)
		}
		if f.ID == "KW-IMG-002" && (f.Automatic || !strings.Contains(f.Manual, "digest")) {
			t.Errorf("KW-IMG-002 must be listed, not guessed: %+v", f)
		}
		if f.ID == "KW-HOST-001" && !f.Review {
			t.Errorf("removing a runtime socket must be marked for review")
		}
	}
	for _, id := range []string{"KW-POD-001", "KW-HOST-001", "KW-IMG-003", "KW-SA-001"} {
		if !seen[id] {
			t.Errorf("%s missing from the plan", id)
		}
	}

	code, text, _ := run(t, "", "harden", "plan", "--lang", "zh", "../../examples/insecure")
	if code != 0 || !strings.Contains(text, "修复：") || !strings.Contains(text, "需要人工处理") {
		t.Fatalf("zh: exit %d:\n%s", code, text)
	}
	if code, _, errb := run(t, "", "harden", "plan", "-o", "sarif", "../../examples/insecure"); code != ExitUsage || !strings.Contains(errb, "text or json") {
		t.Fatalf("bad -o: exit %d: %s", code, errb)
	}
	if code, _, _ := run(t, "", "harden", "plan"); code != ExitUsage {
		t.Fatalf("no input: exit %d", code)
	}
}

// TestHardenPlanChartFindingInValues: a chart's finding that points into
// values.yaml before the fixes (the hardened objects have no values-file
// locations) is not "resolved by the other fixes" when it is still there.
func TestHardenPlanChartFindingInValues(t *testing.T) {
	code, out, errb := run(t, "", "harden", "plan", "-o", "json", "../source/manifest/testdata/secretcharts/literal")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errb)
	}
	var rep planReport
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatal(err)
	}
	found := false
	for _, f := range rep.Findings {
		if f.ID != "KW-SEC-001" || f.Location == nil || !strings.HasSuffix(f.Location.File, "values.yaml") {
			continue
		}
		found = true
		if f.ResolvedAfter || f.Automatic || !strings.Contains(f.Manual, "Secret") {
			t.Errorf("KW-SEC-001 in values.yaml: %+v, want a manual step, not resolved", f)
		}
	}
	if !found {
		t.Fatalf("no KW-SEC-001 located in values.yaml: %s", out)
	}
}
