package cli

import (
	"strings"
	"testing"
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
