package all_test

import (
	"fmt"
	"strings"
	"testing"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/kubeward/kubeward/internal/catalog"
	"github.com/kubeward/kubeward/internal/check"
	_ "github.com/kubeward/kubeward/internal/check/all"
	"github.com/kubeward/kubeward/internal/check/checktest"
	"github.com/kubeward/kubeward/internal/inventory"
	"github.com/kubeward/kubeward/internal/result"
)

func evaluate(objs []*inventory.Object) *check.Report {
	return checktest.Evaluate(check.Options{Config: checktest.TrustedConfig()}, objs...)
}

func statuses(rep *check.Report, id string) map[result.Status]int {
	m := map[result.Status]int{}
	for _, r := range rep.Results {
		if r.ID == id {
			m[r.Status]++
		}
	}
	return m
}

// TestEveryCheckFailsAndPasses runs each check on a case built to fail it and
// one built to pass it, and asserts every manifest check has both.
func TestEveryCheckFailsAndPasses(t *testing.T) {
	all := checktest.Fixtures()
	covered := map[string]bool{}
	for _, tc := range all {
		covered[tc.ID] = true
		t.Run(tc.ID, func(t *testing.T) {
			if tc.Set {
				if rep := evaluate(tc.Fail); statuses(rep, tc.ID)[result.Fail] == 0 {
					t.Errorf("fail set: %s not flagged; results: %v", tc.ID, ids(rep))
				}
			} else {
				for i, o := range tc.Fail {
					rep := evaluate(append(checktest.HardenedNamespace("apps"), o))
					if s := statuses(rep, tc.ID); s[result.Fail]+s[result.Warn] == 0 {
						t.Errorf("fail case %d: %s not flagged; results: %v", i, tc.ID, ids(rep))
					}
				}
			}
			rep := evaluate(append(checktest.HardenedNamespace("apps"), tc.Pass...))
			if s := statuses(rep, tc.ID); s[result.Fail]+s[result.Warn] > 0 {
				t.Errorf("pass case: %s flagged: %v", tc.ID, rep.Results)
			}
			if rep.Passed[tc.ID] == 0 && statuses(rep, tc.ID)[result.Pass] == 0 {
				t.Errorf("pass case: %s never evaluated to PASS", tc.ID)
			}
		})
	}
	for _, e := range catalog.All() {
		if contains(e.Scope, "manifest") && !covered[e.ID] {
			t.Errorf("check %s has no failing and passing test case", e.ID)
		}
	}
}

func contains(list []string, v string) bool {
	for _, s := range list {
		if s == v {
			return true
		}
	}
	return false
}

func ids(rep *check.Report) string {
	var b strings.Builder
	for _, r := range rep.Results {
		if r.Status != result.Pass {
			fmt.Fprintf(&b, "%s:%s ", r.ID, r.Status)
		}
	}
	return b.String()
}

// TestHardenedReferenceHasNoFailures: the hardened objects of every kind
// together produce zero FAIL and zero WARN.
func TestHardenedReferenceHasNoFailures(t *testing.T) {
	objs := checktest.HardenedNamespace("apps")
	objs = append(objs, checktest.Deployment("apps", nil),
		checktest.Object("batch", "CronJob", &batchv1.CronJob{ObjectMeta: metav1.ObjectMeta{Name: "c", Namespace: "apps"},
			Spec: batchv1.CronJobSpec{JobTemplate: batchv1.JobTemplateSpec{Spec: batchv1.JobSpec{Template: corev1.PodTemplateSpec{Spec: checktest.HardenedPodSpec()}}}}}))
	rep := evaluate(objs)
	for _, r := range rep.Results {
		if r.Status == result.Fail || r.Status == result.Warn {
			t.Errorf("%s %s on %s: %s", r.Status, r.ID, r.Subject, r.Message.EN)
		}
	}
}
