package secrets_test

import (
	"strings"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/kubeward/kubeward/internal/check"
	"github.com/kubeward/kubeward/internal/check/checktest"
	"github.com/kubeward/kubeward/internal/check/secrets"
	"github.com/kubeward/kubeward/internal/inventory"
	"github.com/kubeward/kubeward/internal/result"
)

// TestChartDefault (KW-SEC-006): each Helm pattern the manifest source
// tells (internal/source/manifest/sentinel.go) and its verdict.
func TestChartDefault(t *testing.T) {
	cases := []struct {
		source, detail string
		want           result.Status
		evidence       string
	}{
		{inventory.ChartValueLiteral, "", result.Fail, "auth.password = <redacted, 12 chars> in chart/values.yaml"},
		{inventory.ChartValueCommandLine, "--set auth.password", result.Pass, "--set auth.password"},
		{inventory.ChartValueRequired, "", result.Pass, "the chart does not render without auth.password"},
		{inventory.ChartValueGenerated, "", result.Pass, "a template calls lookup"},
		{inventory.ChartValueExistingSecret, "auth.existingSecret = db", result.Pass, "auth.existingSecret = db"},
		{inventory.ChartValueRegenerated, "", result.Warn, "no template calls lookup"},
		{inventory.ChartValueUnknown, "rendering with sentinel values failed", result.Warn, "rendering with sentinel values failed"},
	}
	for _, tc := range cases {
		t.Run(tc.source, func(t *testing.T) {
			cv := &inventory.ChartValue{ObjectMeta: metav1.ObjectMeta{Name: "app:auth.password"}, Chart: "app", Key: "auth.password",
				Flows: []string{"Secret/release-db"}, Source: tc.source, Length: 12, ValuesFile: "chart/values.yaml", Line: 4, Detail: tc.detail}
			rep := checktest.Evaluate(check.Options{Config: checktest.TrustedConfig()},
				checktest.ObjectAt(inventory.ChartValueGroup, inventory.ChartValueKind, cv, "chart/values.yaml", 4))
			var got *result.Result
			for i := range rep.Results {
				if rep.Results[i].ID == secrets.ChartDefault {
					if got != nil {
						t.Fatalf("two results: %v", rep.Results)
					}
					got = &rep.Results[i]
				}
			}
			if got == nil || got.Status != tc.want || !strings.Contains(got.Evidence, tc.evidence) {
				t.Fatalf("got %v, want %s with %q", got, tc.want, tc.evidence)
			}
			if got.Location == nil || got.Location.File != "chart/values.yaml" || got.Location.Line != 4 {
				t.Errorf("location %v", got.Location)
			}
			if rep.Passed[secrets.ChartDefault] != map[bool]int{true: 1, false: 0}[tc.want == result.Pass] {
				t.Errorf("passes counted: %d", rep.Passed[secrets.ChartDefault])
			}
		})
	}
}
