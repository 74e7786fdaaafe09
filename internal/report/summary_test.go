package report_test

import (
	"testing"

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
	t.Skip("known bug: with KeepPasses the engine lists each object PASS in Results and also counts it in Passed; Run.Counts adds both, so --show-passed doubles PASS in the text and JSON summaries")
	cm := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "c", Namespace: "apps"}, Data: map[string]string{"a": "b"}}
	counts := map[bool]int{}
	for _, keep := range []bool{false, true} {
		e := check.New(check.Options{KeepPasses: keep})
		e.Observe(&inventory.Object{Version: "v1", Kind: "ConfigMap", Namespace: "apps", Name: "c", Typed: cm, File: "c.yaml", Line: 1})
		rep := e.Finish()
		run := &report.Run{Results: rep.Results, Passed: rep.Passed}
		counts[keep] = run.Counts()[result.Pass]
	}
	if counts[false] != counts[true] {
		t.Errorf("PASS = %d without --show-passed, %d with it", counts[false], counts[true])
	}
}
