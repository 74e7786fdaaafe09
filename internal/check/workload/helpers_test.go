package workload_test

import (
	"sort"
	"strings"
	"testing"

	"github.com/kubeward/kubeward/internal/check"
	"github.com/kubeward/kubeward/internal/check/checktest"
	"github.com/kubeward/kubeward/internal/config"
	"github.com/kubeward/kubeward/internal/inventory"
	"github.com/kubeward/kubeward/internal/result"
)

func run(cfg *config.Config, objs ...*inventory.Object) *check.Report {
	if cfg == nil {
		cfg = checktest.TrustedConfig()
	}
	return checktest.Evaluate(check.Options{Config: cfg}, objs...)
}

// verdicts lists the results for id as "STATUS" or "STATUS[container]",
// sorted; "" when the check was skipped for every object.
func verdicts(rep *check.Report, id string) string {
	var out []string
	for _, r := range rep.Results {
		if r.ID != id {
			continue
		}
		s := string(r.Status)
		if r.Subject.Container != "" {
			s += "[" + r.Subject.Container + "]"
		}
		out = append(out, s)
	}
	sort.Strings(out)
	return strings.Join(out, " ")
}

func find(rep *check.Report, id string, status result.Status) *result.Result {
	for i := range rep.Results {
		if r := &rep.Results[i]; r.ID == id && r.Status == status {
			return r
		}
	}
	return nil
}

// ruleCase is one object and the verdict one check must give it.
type ruleCase struct {
	name string
	obj  *inventory.Object
	cfg  *config.Config
	want string // verdicts(): "FAIL[app]", "PASS", "" (skipped)...
	// path and evidence, when set, must be those of the first FAIL or WARN.
	path, evidence string
}

func runCases(t *testing.T, id string, cases []ruleCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			rep := run(tc.cfg, tc.obj)
			if got := verdicts(rep, id); got != tc.want {
				t.Fatalf("%s = %q, want %q", id, got, tc.want)
			}
			if tc.path == "" && tc.evidence == "" {
				return
			}
			r := find(rep, id, result.Fail)
			if r == nil {
				r = find(rep, id, result.Warn)
			}
			if r == nil {
				t.Fatal("no FAIL or WARN to check the path of")
			}
			if tc.path != "" && (r.Location == nil || r.Location.Path != tc.path) {
				t.Errorf("path = %+v, want %q", r.Location, tc.path)
			}
			if tc.evidence != "" && r.Evidence != tc.evidence {
				t.Errorf("evidence = %q, want %q", r.Evidence, tc.evidence)
			}
			if r.Message.EN == "" || r.Message.ZH == "" || strings.Contains(r.Message.EN+r.Message.ZH, "%!") {
				t.Errorf("message = %+v, want both languages, well formatted", r.Message)
			}
		})
	}
}
