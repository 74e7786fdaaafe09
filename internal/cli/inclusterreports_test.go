package cli

import (
	"bytes"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/kubeward/kubeward/internal/report"
	"github.com/kubeward/kubeward/internal/result"
)

// TestInClusterReportFlagsUsage: every bad use of the in-cluster report
// flags is one line naming the flag, exit 2, before any API call.
func TestInClusterReportFlagsUsage(t *testing.T) {
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"scan", "cluster", "--write-reports", "--report-format", "yaml"}, "--report-format"},
		{[]string{"scan", "cluster", "--report-format", "wgpolicyk8s"}, "--report-format needs --write-reports"},
		{[]string{"scan", "cluster", "--write-reports", "--report-max-bytes", "10"}, "--report-max-bytes"},
		{[]string{"scan", "cluster", "--nodes", "--node-max-age", "-1h"}, "--node-max-age"},
		{[]string{"scan", "cluster", "--node-max-age", "1h"}, "--node-max-age needs --nodes"},
		{[]string{"scan", "node", "--write-reports", "--report-format", "policyreport"}, "--report-format"},
		{[]string{"scan", "node", "--report-format", "openreports"}, "--report-format needs --write-reports"},
	}
	for _, tc := range tests {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			code, _, errs := run(t, "", tc.args...)
			if code != ExitUsage || !strings.Contains(errs, tc.want) || strings.Count(strings.TrimSpace(errs), "\n") != 0 {
				t.Errorf("exit %d, stderr %q: want exit 2 and one line naming %q", code, errs, tc.want)
			}
		})
	}
}

// TestNodeScanMetrics: --metrics-addr serves the last scan's results by
// check and status, its duration and the last success time; a scan that
// fails counts as an error and keeps the last good results.
func TestNodeScanMetrics(t *testing.T) {
	var errb bytes.Buffer
	g := &globalOptions{stderr: &errb}
	o := &inClusterReports{metricsAddr: "127.0.0.1:0"}
	fail := false
	scan, stop, err := o.observed(g, "node", func() (*report.Run, error) {
		if fail {
			return nil, errors.New("boom")
		}
		return &report.Run{Results: []result.Result{{ID: "KW-KLT-001", Status: result.Fail}}, Passed: map[string]int{"KW-KLT-002": 4}}, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	defer stop()
	addr := strings.TrimSpace(strings.TrimSuffix(strings.TrimPrefix(errb.String(), "kubeward: metrics on "), "\n"))
	scrape := func() string {
		resp, err := http.Get(addr)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return string(b)
	}
	if _, err := scan(); err != nil {
		t.Fatal(err)
	}
	fail = true
	if _, err := scan(); err == nil {
		t.Fatal("the failing scan returned no error")
	}
	body := scrape()
	for _, want := range []string{
		`kubeward_scan_results{check="KW-KLT-001",layer=`, `status="FAIL"`,
		`kubeward_scan_results{check="KW-KLT-002",layer=`, `status="PASS"} 4`,
		`kubeward_scan_last_success_timestamp_seconds{scanner="node"}`,
		`kubeward_scan_duration_seconds{scanner="node"}`,
		`kubeward_scans_total{result="error",scanner="node"} 1`,
		`kubeward_scans_total{result="ok",scanner="node"} 1`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("metrics lack %q", want)
		}
	}
	if t.Failed() {
		t.Log(body)
	}
	if _, _, err := (&inClusterReports{metricsAddr: "256.0.0.1:1"}).observed(g, "node", nil); err == nil {
		t.Error("a bad --metrics-addr was accepted")
	}
}
