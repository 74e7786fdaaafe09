package report_test

import (
	"encoding/json"
	"encoding/xml"
	"fmt"
	"reflect"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/kubeward/kubeward/internal/check"
	"github.com/kubeward/kubeward/internal/inventory"
	"github.com/kubeward/kubeward/internal/report"
	"github.com/kubeward/kubeward/internal/result"
)

// TestPassesCountedOnceWithShowPassed: listing passes one by one (the
// engine's KeepPasses, the CLI's --show-passed) must not change the summary.
func TestPassesCountedOnceWithShowPassed(t *testing.T) {
	cm := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "c", Namespace: "apps"}, Data: map[string]string{"a": "b"}}
	counts := map[bool]int{}
	for _, keep := range []bool{false, true} {
		e := check.New(check.Options{KeepPasses: keep})
		e.Observe(&inventory.Object{Version: "v1", Kind: "ConfigMap", Namespace: "apps", Name: "c", Typed: cm, File: "c.yaml", Line: 1})
		rep := e.Finish()
		run := &report.Run{Results: rep.Results, Passed: rep.Passed}
		counts[keep] = run.Counts()[result.Pass]
	}
	if counts[false] == 0 {
		t.Fatal("no PASS counted for the ConfigMap: the comparison below would be vacuous")
	}
	if counts[false] != counts[true] {
		t.Errorf("PASS = %d without --show-passed, %d with it", counts[false], counts[true])
	}
}

// TestSummariesIndependentOfShowPassed: with object and policy rules (a
// Deployment in a Namespace), the text summary line, the JSON summary and
// the JUnit pass cases say the same with and without --show-passed.
func TestSummariesIndependentOfShowPassed(t *testing.T) {
	d := &appsv1.Deployment{ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: "apps"}}
	d.Spec.Template.Spec.Containers = []corev1.Container{{Name: "app", Image: "registry.example/app:1"}}
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "apps"}}
	runs := map[bool]*report.Run{}
	for _, keep := range []bool{false, true} {
		e := check.New(check.Options{KeepPasses: keep})
		e.Observe(&inventory.Object{Version: "v1", Kind: "Namespace", Name: "apps", Typed: ns, File: "a.yaml", Line: 1})
		e.Observe(&inventory.Object{Group: "apps", Version: "v1", Kind: "Deployment", Namespace: "apps", Name: "web", Typed: d, File: "a.yaml", Line: 5})
		rep := e.Finish()
		runs[keep] = &report.Run{Target: "manifests", Results: rep.Results, Passed: rep.Passed, Objects: rep.Objects}
	}
	if len(result.ListedPasses(runs[true].Results)) == 0 || len(runs[false].Passed) == 0 {
		t.Fatal("no passes listed or counted: the comparisons below would be vacuous")
	}

	summaryLine := func(run *report.Run) string {
		out := render(t, "text", run)
		i := strings.Index(out, "Summary:")
		if i < 0 {
			t.Fatalf("no summary line:\n%s", out)
		}
		line, _, _ := strings.Cut(out[i:], "\n")
		return line
	}
	type jsonSummary struct {
		Statuses map[string]int `json:"statuses"`
		Passed   map[string]int `json:"passedByCheck"`
	}
	jsonOf := func(run *report.Run) jsonSummary {
		var out struct {
			Summary jsonSummary `json:"summary"`
		}
		if err := json.Unmarshal([]byte(render(t, "json", run)), &out); err != nil {
			t.Fatal(err)
		}
		return out.Summary
	}
	// JUnit: one case per PASS verdict, listed or summarised per check.
	junitPasses := func(run *report.Run) int {
		var out junitOut
		if err := xml.Unmarshal([]byte(render(t, "junit", run)), &out); err != nil {
			t.Fatal(err)
		}
		n := 0
		for _, s := range out.Suites {
			for _, c := range s.Cases {
				if c.Failure != nil || c.Error != nil || c.Skipped != nil {
					continue
				}
				// Counted passes: one case per check with a stable name, the count in system-out.
				var k int
				if _, err := fmt.Sscanf(c.SystemOut, "%d subjects passed", &k); err == nil {
					n += k
				} else {
					n++
				}
			}
		}
		return n
	}

	tests := []struct {
		name string
		view func(*report.Run) any
	}{
		{"text summary line", func(r *report.Run) any { return summaryLine(r) }},
		{"JSON summary", func(r *report.Run) any { return jsonOf(r) }},
		{"JUnit passes", func(r *report.Run) any { return junitPasses(r) }},
		{"Counts", func(r *report.Run) any { return r.Counts() }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if without, with := tc.view(runs[false]), tc.view(runs[true]); !reflect.DeepEqual(without, with) {
				t.Errorf("without --show-passed %v, with it %v", without, with)
			}
		})
	}
}
