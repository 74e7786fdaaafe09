package harden

import (
	"fmt"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"

	"github.com/kubeward/kubeward/internal/check"
	_ "github.com/kubeward/kubeward/internal/check/all" // registers the checks
	"github.com/kubeward/kubeward/internal/check/checktest"
	"github.com/kubeward/kubeward/internal/config"
	"github.com/kubeward/kubeward/internal/inventory"
	"github.com/kubeward/kubeward/internal/result"
)

// fixAll applies every fix of a plan of objs and returns the objects after.
func fixAll(t *testing.T, cfg *config.Config, objs []*inventory.Object) ([]*inventory.Object, *Plan) {
	t.Helper()
	p := Build(cfg, objs)
	byObj := map[*inventory.Object]*ObjectFix{}
	for _, f := range p.Fixes {
		byObj[f.Object] = f
	}
	var out []*inventory.Object
	for _, o := range objs {
		f := byObj[o]
		if f == nil {
			out = append(out, o)
			continue
		}
		h, err := HardenedObject(f)
		if err != nil {
			t.Fatalf("%s: %v", o.Name, err)
		}
		news, err := NewObjects(f)
		if err != nil {
			t.Fatal(err)
		}
		out = append(append(out, h), news...)
	}
	return out, p
}

func fails(cfg *config.Config, objs []*inventory.Object, id string) []result.Result {
	eng := check.New(check.Options{Config: cfg})
	for _, o := range objs {
		eng.Observe(o)
	}
	var out []result.Result
	for _, r := range eng.Finish().Results {
		if r.ID == id && r.Status == result.Fail {
			out = append(out, r)
		}
	}
	return out
}

// TestEveryAutomaticFixResolvesItsFixture: for every check with an
// automatic fix, its failing fixtures pass once the plan's edits are
// applied, and a second plan finds nothing more to edit for that check.
func TestEveryAutomaticFixResolvesItsFixture(t *testing.T) {
	cfg := config.Default()
	n := 0
	for _, tc := range checktest.Fixtures() {
		s := check.SpecOf(tc.ID)
		if s == nil || !s.Fix.Automatic() {
			continue
		}
		n++
		t.Run(tc.ID, func(t *testing.T) {
			cases := [][]*inventory.Object{tc.Fail}
			if !tc.Set {
				cases = nil
				for _, o := range tc.Fail {
					cases = append(cases, append(checktest.HardenedNamespace("apps"), o))
				}
			}
			if tc.ID == "KW-HA-001" { // the fixture's template has no labels to spread by
				labeled := checktest.Pod(func(s *corev1.PodSpec) { s.TopologySpreadConstraints = nil })
				labeled.Typed.(*appsv1.Deployment).Spec.Template.Labels = map[string]string{"app": "web"}
				cases = append(cases, append(checktest.HardenedNamespace("apps"), labeled))
				if p := Build(cfg, cases[0]); len(p.Fixes) > 0 && contains(p.Fixes[0].Resolves, tc.ID) {
					t.Errorf("a spread constraint was written for a template without labels")
				}
				cases = cases[1:]
			}
			for i, objs := range cases {
				if len(fails(cfg, objs, tc.ID)) == 0 {
					continue // a WARN case
				}
				after, p := fixAll(t, cfg, objs)
				if len(p.Fixes) == 0 {
					t.Fatalf("case %d: no fix planned", i)
				}
				if f := fails(cfg, after, tc.ID); len(f) > 0 {
					t.Errorf("case %d: still fails after the fix: %v", i, f[0])
				}
				again := Build(cfg, after)
				for _, f := range again.Fixes {
					for _, id := range f.Resolves {
						if id == tc.ID {
							t.Errorf("case %d: a second plan still edits for %s: %v", i, id, f.Edits)
						}
					}
				}
			}
		})
	}
	if n < 15 {
		t.Fatalf("only %d checks with automatic fixes have fixtures", n)
	}
}

func TestManualFixesAreListedNotGuessed(t *testing.T) {
	for _, id := range []string{"KW-IMG-001", "KW-IMG-002", "KW-IMG-003"} {
		s := check.SpecOf(id)
		if s.Fix == nil || s.Fix.Manual == nil || s.Fix.Edits != nil || s.Fix.Manual.EN == "" || s.Fix.Manual.ZH == "" {
			t.Errorf("%s: want a manual fix with a reason in EN and ZH", id)
		}
	}
}

// TestNoInvalidCombination: under an exception for KW-POD-002 the
// container stays privileged, so allowPrivilegeEscalation: false (which the
// API server refuses beside privileged: true) is not written; the other
// fixes are.
func TestNoInvalidCombination(t *testing.T) {
	cfg, err := config.Parse([]byte("ignore:\n- id: KW-POD-002\n  reason: needs the host (CHG-1)\n"))
	if err != nil {
		t.Fatal(err)
	}
	o := checktest.Container(func(c *corev1.Container) {
		c.SecurityContext.Privileged = checktest.Ptr(true)
		c.SecurityContext.AllowPrivilegeEscalation = nil
		c.SecurityContext.ReadOnlyRootFilesystem = nil
	})
	p := Build(cfg, append(checktest.HardenedNamespace("apps"), o))
	if len(p.Fixes) != 1 {
		t.Fatalf("fixes: %d", len(p.Fixes))
	}
	for _, e := range p.Fixes[0].Edits {
		if strings.HasSuffix(e.Path, "allowPrivilegeEscalation") || strings.HasSuffix(e.Path, "privileged") {
			t.Errorf("edit %v on a container that stays privileged", e)
		}
	}
	if !strings.Contains(fmt.Sprint(p.Fixes[0].Edits), "readOnlyRootFilesystem") {
		t.Errorf("the other fixes were dropped too: %v", p.Fixes[0].Edits)
	}
	// Without the exception both are written.
	p = Build(config.Default(), append(checktest.HardenedNamespace("apps"), o))
	got := fmt.Sprint(p.Fixes[0].Edits)
	if !strings.Contains(got, "allowPrivilegeEscalation") || !strings.Contains(got, "remove spec.template.spec.containers[name=app].securityContext.privileged") {
		t.Errorf("edits: %s", got)
	}
}
