package result

import (
	"fmt"
	"testing"
)

// BenchmarkSort sorts the results of a large scan: many checks, subjects
// and locations, most of them differing early in the comparison.
func BenchmarkSort(b *testing.B) {
	ids := []string{"KW-POD-001", "KW-POD-002", "KW-IMG-001", "KW-RES-001", "KW-HOST-002", "KW-NS-003", "KW-RBAC-002"}
	base := make([]Result, 0, 50000)
	for i := range 50000 {
		base = append(base, Result{ID: ids[i%len(ids)], Status: Fail,
			Subject:  Subject{Kind: "Deployment", Namespace: fmt.Sprintf("ns-%d", i%97), Name: fmt.Sprintf("app-%d", i)},
			Location: &Location{File: fmt.Sprintf("corpus/%d.yaml", i%13), Line: i % 1000, Path: "spec.template.spec.containers[0]"},
			Evidence: "securityContext.runAsNonRoot unset"})
	}
	rs := make([]Result, len(base))
	b.ReportAllocs()
	for b.Loop() {
		copy(rs, base)
		Sort(rs)
	}
}
