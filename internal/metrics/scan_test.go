package metrics

import (
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"

	_ "github.com/kubeward/kubeward/internal/check/all" // the catalogue: severities and layers
	"github.com/kubeward/kubeward/internal/result"
)

// TestObserve: results are counted by check and status (with the unlisted
// passes), a failed scan keeps the last good results and its success time,
// and a new scan replaces the old series.
func TestObserve(t *testing.T) {
	s := NewScan("node")
	end := time.Unix(1765000000, 0)
	s.Observe([]result.Result{{ID: "KW-KLT-001", Status: result.Fail}, {ID: "KW-KLT-001", Status: result.Fail}, {ID: "KW-KLT-002", Status: result.Pass}},
		map[string]int{"KW-KLT-002": 3}, 2*time.Second, true, end)
	want := `
# HELP kubeward_scan_last_success_timestamp_seconds Unix time the last successful scan ended (0: none yet).
# TYPE kubeward_scan_last_success_timestamp_seconds gauge
kubeward_scan_last_success_timestamp_seconds{scanner="node"} 1.765e+09
`
	if err := testutil.CollectAndCompare(s.lastSuccess, strings.NewReader(want)); err != nil {
		t.Error(err)
	}
	if got := series(t, s, "KW-KLT-001", "FAIL"); got != 2 {
		t.Errorf("KW-KLT-001 FAIL = %v, want 2", got)
	}
	if got := series(t, s, "KW-KLT-002", "PASS"); got != 3 {
		t.Errorf("KW-KLT-002 PASS = %v, want 3 (3 counted, 1 of them listed)", got)
	}
	s.Observe(nil, nil, time.Second, false, end.Add(time.Hour))
	if n := testutil.CollectAndCount(s.results); n != 2 || testutil.ToFloat64(s.lastSuccess) != 1.765e9 || testutil.ToFloat64(s.scans.WithLabelValues("error")) != 1 {
		t.Errorf("after a failed scan: %d series, last success %v", n, testutil.ToFloat64(s.lastSuccess))
	}
	s.Observe([]result.Result{{ID: "KW-KLT-003", Status: result.Warn}}, nil, time.Second, true, end.Add(2*time.Hour))
	if n := testutil.CollectAndCount(s.results); n != 1 {
		t.Errorf("after a new scan: %d series, want 1", n)
	}
}

// series is the value of the results series of check and status, whatever
// its severity and layer labels (0 when absent).
func series(t *testing.T, s *Scan, check, status string) float64 {
	t.Helper()
	mfs, err := s.Registry.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() != "kubeward_scan_results" {
			continue
		}
		for _, m := range mf.GetMetric() {
			l := map[string]string{}
			for _, p := range m.GetLabel() {
				l[p.GetName()] = p.GetValue()
			}
			if l["check"] == check && l["status"] == status {
				if l["severity"] == "" || l["layer"] == "" {
					t.Errorf("%s: labels %v", check, l)
				}
				return m.GetGauge().GetValue()
			}
		}
	}
	return 0
}
