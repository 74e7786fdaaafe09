package report_test

import (
	"encoding/xml"
	"path/filepath"
	"slices"
	"testing"
)

// Every test case is one check and one subject, named the same in every
// run: CI systems track a case's history by its name.
func TestJUnitCasesStableAndUnique(t *testing.T) {
	names := func() []string {
		run := manifestRun(t, exampleConfig(t), "kind: Pod\napiVersion: v1\nmetadata: [\n", "en", "-", filepath.Join(repoRoot, "examples/insecure"))
		var out junitOut
		if err := xml.Unmarshal([]byte(render(t, "junit", run)), &out); err != nil {
			t.Fatal(err)
		}
		var ns []string
		seen := map[string]bool{}
		inputErrors := 0
		for _, s := range out.Suites {
			for _, c := range s.Cases {
				k := s.Name + "\x00" + c.Classname + "\x00" + c.Name
				if seen[k] {
					t.Errorf("two cases %s / %s", s.Name, c.Name)
				}
				seen[k] = true
				ns = append(ns, k)
				if s.Name == "input-errors" && c.Error != nil && c.Name == "<stdin>:3" {
					inputErrors++
				}
			}
		}
		if inputErrors != 1 {
			t.Errorf("the malformed stdin is not an <error> case named <stdin>:3")
		}
		return ns
	}
	if a, b := names(), names(); !slices.Equal(a, b) {
		t.Error("case names differ between two runs on the same input")
	}
}
