package check

import (
	"fmt"
	"reflect"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"
	"unsafe"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/kubeward/kubeward/internal/catalog"
	"github.com/kubeward/kubeward/internal/config"
	"github.com/kubeward/kubeward/internal/inventory"
	"github.com/kubeward/kubeward/internal/result"
)

func init() {
	entry := func(id string, sev catalog.Severity) *catalog.Entry {
		return &catalog.Entry{ID: id, Item: "2.4", Severity: sev, Scope: []string{"manifest"},
			Title: catalog.Text{EN: id, ZH: id + " 标题"}, Remediation: catalog.Text{EN: "fix", ZH: "修复"}}
	}
	catalog.Register(entry("KW-T-001", catalog.SeverityCritical), entry("KW-T-002", catalog.SeverityLow), entry("KW-T-003", catalog.SeverityHigh))
}

// withRegistry runs the test with only the given rules, policy rules and
// collectors registered.
func withRegistry(t *testing.T, rs []*Rule, ps []*PolicyRule, cs []*Collector) {
	t.Helper()
	registryLock.Lock()
	savedR, savedP, savedC := rules, policyRules, collectors
	rules, policyRules, collectors = rs, ps, cs
	registryLock.Unlock()
	t.Cleanup(func() {
		registryLock.Lock()
		rules, policyRules, collectors = savedR, savedP, savedC
		registryLock.Unlock()
	})
}

func ptr[T any](v T) *T { return &v }

func pod(ns, name string, ann map[string]string) *inventory.Object {
	p := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns, Annotations: ann},
		Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "app"}}}}
	return &inventory.Object{Version: "v1", Kind: "Pod", Namespace: ns, Name: name, Annotations: ann, Typed: p, File: "pods.yaml", Line: 5,
		Locate: func(path string) int {
			if path == "spec.containers[0].image" {
				return 9
			}
			return 0
		}}
}

// scripted is a rule owning KW-T-001..003 that does what its script says
// for each object, keyed by object name.
func scripted(script map[string]func(*Emitter)) *Rule {
	return &Rule{
		IDs:     []string{"KW-T-001", "KW-T-002", "KW-T-003"},
		Applies: func(t *Target) bool { return t.Kind == "Pod" },
		Run: func(_ *Env, t *Target, em *Emitter) {
			if f := script[t.Name]; f != nil {
				f(em)
			}
		},
	}
}

func statusOf(rep *Report) string {
	var out []string
	for _, r := range rep.Results {
		out = append(out, r.ID+":"+string(r.Status)+":"+r.Subject.Name)
	}
	return strings.Join(out, " ")
}

func TestEmitterStatuses(t *testing.T) {
	msg := catalog.Text{EN: "m", ZH: "消息"}
	tests := []struct {
		name       string
		emit       func(*Emitter)
		keepPasses bool
		only       map[string]bool
		results    string
		passed     map[string]int
	}{
		{"nothing emitted: every owned ID passes", func(*Emitter) {}, false, nil,
			"", map[string]int{"KW-T-001": 1, "KW-T-002": 1, "KW-T-003": 1}},
		{"a failure: the other IDs pass", func(em *Emitter) { em.Fail("KW-T-001", "app", "spec", msg, "ev") }, false, nil,
			"KW-T-001:FAIL:p", map[string]int{"KW-T-002": 1, "KW-T-003": 1}},
		{"a warning is not a pass", func(em *Emitter) { em.Warn("KW-T-002", "", "", msg, "") }, false, nil,
			"KW-T-002:WARN:p", map[string]int{"KW-T-001": 1, "KW-T-003": 1}},
		{"not applicable is listed and not a pass", func(em *Emitter) { em.NotApplicable("KW-T-003", msg) }, false, nil,
			"KW-T-003:NOT_APPLICABLE:p", map[string]int{"KW-T-001": 1, "KW-T-002": 1}},
		{"skip: neither listed nor passed", func(em *Emitter) { em.Skip("KW-T-001") }, false, nil,
			"", map[string]int{"KW-T-002": 1, "KW-T-003": 1}},
		{"two failures of one ID are both listed", func(em *Emitter) {
			em.Fail("KW-T-001", "a", "", msg, "")
			em.Fail("KW-T-001", "b", "", msg, "")
		}, false, nil, "KW-T-001:FAIL:p KW-T-001:FAIL:p", map[string]int{"KW-T-002": 1, "KW-T-003": 1}},
		{"keep passes lists them", func(em *Emitter) { em.Fail("KW-T-001", "", "", msg, "") }, true, nil,
			"KW-T-001:FAIL:p KW-T-002:PASS:p KW-T-003:PASS:p", map[string]int{"KW-T-002": 1, "KW-T-003": 1}},
		{"only: other IDs are neither listed nor passed", func(em *Emitter) {
			em.Fail("KW-T-001", "", "", msg, "")
			em.Fail("KW-T-002", "", "", msg, "")
		}, false, map[string]bool{"KW-T-002": true, "KW-T-003": true},
			"KW-T-002:FAIL:p", map[string]int{"KW-T-003": 1}},
		{"only: not applicable of an unselected ID is dropped", func(em *Emitter) { em.NotApplicable("KW-T-001", msg) }, false, map[string]bool{"KW-T-003": true},
			"", map[string]int{"KW-T-003": 1}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			withRegistry(t, []*Rule{scripted(map[string]func(*Emitter){"p": tc.emit})}, nil, nil)
			e := New(Options{KeepPasses: tc.keepPasses, Only: tc.only})
			e.Observe(pod("apps", "p", nil))
			rep := e.Finish()
			if got := statusOf(rep); got != tc.results {
				t.Errorf("results = %q, want %q", got, tc.results)
			}
			if !reflect.DeepEqual(rep.Passed, tc.passed) {
				t.Errorf("passed = %v, want %v", rep.Passed, tc.passed)
			}
			if rep.Objects != 1 {
				t.Errorf("objects = %d", rep.Objects)
			}
		})
	}
}

func TestFindingFields(t *testing.T) {
	msg := catalog.Text{EN: "m", ZH: "消息"}
	other := &inventory.Object{Kind: "ServiceAccount", Namespace: "apps", Name: "sa", File: "sa.yaml", Line: 3}
	tests := []struct {
		name     string
		emit     func(*Emitter)
		subject  result.Subject
		location *result.Location
		severity catalog.Severity
	}{
		{"path is resolved to a line", func(em *Emitter) { em.Fail("KW-T-001", "app", "spec.containers[0].image", msg, "image=x") },
			result.Subject{Kind: "Pod", Namespace: "apps", Name: "p", Container: "app"},
			&result.Location{File: "pods.yaml", Line: 9, Path: "spec.containers[0].image"}, catalog.SeverityCritical},
		{"unknown path falls back to the document line", func(em *Emitter) { em.Fail("KW-T-002", "", "spec.hostPID", msg, "") },
			result.Subject{Kind: "Pod", Namespace: "apps", Name: "p"},
			&result.Location{File: "pods.yaml", Line: 5, Path: "spec.hostPID"}, catalog.SeverityLow},
		{"subject override keeps the object's location", func(em *Emitter) {
			em.Add(Finding{ID: "KW-T-003", Status: result.Fail, Subject: &result.Subject{Kind: "Namespace", Name: "apps"}, Path: "metadata"})
		}, result.Subject{Kind: "Namespace", Name: "apps"}, &result.Location{File: "pods.yaml", Line: 5, Path: "metadata"}, catalog.SeverityHigh},
		{"another object", func(em *Emitter) {
			em.Add(Finding{ID: "KW-T-001", Status: result.Warn, Object: other, Path: "metadata"})
		},
			result.Subject{Kind: "ServiceAccount", Namespace: "apps", Name: "sa"}, &result.Location{File: "sa.yaml", Line: 3, Path: "metadata"}, catalog.SeverityCritical},
		{"explicit location", func(em *Emitter) {
			em.Add(Finding{ID: "KW-T-001", Status: result.Fail, Location: &result.Location{Origin: "/api/v1/nodes/n1"}})
		}, result.Subject{Kind: "Pod", Namespace: "apps", Name: "p"}, &result.Location{Origin: "/api/v1/nodes/n1"}, catalog.SeverityCritical},
		{"uncatalogued ID is medium", func(em *Emitter) { em.Fail("KW-UNKNOWN-1", "", "", msg, "") },
			result.Subject{Kind: "Pod", Namespace: "apps", Name: "p"}, &result.Location{File: "pods.yaml", Line: 5}, catalog.SeverityMedium},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			withRegistry(t, []*Rule{scripted(map[string]func(*Emitter){"p": tc.emit})}, nil, nil)
			e := New(Options{})
			e.Observe(pod("apps", "p", nil))
			rep := e.Finish()
			if len(rep.Results) != 1 {
				t.Fatalf("results = %v", statusOf(rep))
			}
			r := rep.Results[0]
			if r.Subject != tc.subject {
				t.Errorf("subject = %+v, want %+v", r.Subject, tc.subject)
			}
			if !reflect.DeepEqual(r.Location, tc.location) {
				t.Errorf("location = %+v, want %+v", r.Location, tc.location)
			}
			if r.Severity != tc.severity {
				t.Errorf("severity = %v, want %v", r.Severity, tc.severity)
			}
		})
	}
}

func TestSeverity(t *testing.T) {
	tests := map[string]catalog.Severity{"KW-T-001": catalog.SeverityCritical, "KW-T-002": catalog.SeverityLow, "KW-T-003": catalog.SeverityHigh, "KW-NOPE": catalog.SeverityMedium, "": catalog.SeverityMedium}
	for id, want := range tests {
		if got := Severity(id); got != want {
			t.Errorf("Severity(%q) = %v, want %v", id, got, want)
		}
	}
}

func TestApplyException(t *testing.T) {
	now := time.Date(2025, 6, 15, 12, 0, 0, 0, time.UTC)
	cfgWith := func(yaml string) *config.Config {
		c, err := config.Parse([]byte(yaml))
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	fail := func() result.Result {
		return result.Result{ID: "KW-T-001", Status: result.Fail, Subject: result.Subject{Kind: "Deployment", Namespace: "apps", Name: "web"}}
	}
	tests := []struct {
		name       string
		cfg        string
		ann        map[string]string
		now        time.Time
		wantStatus result.Status
		wantExc    *result.Exception
	}{
		{"no exception", "", nil, now, result.Fail, nil},
		{"annotation with reason", "", map[string]string{IgnoreAnnotation: "KW-T-001", IgnoreReasonAnnotation: " vendor chart "}, now,
			result.Ignored, &result.Exception{Source: "annotation kubeward.io/ignore", Reason: "vendor chart"}},
		{"annotation list with spaces", "", map[string]string{IgnoreAnnotation: "KW-T-009, KW-T-001", IgnoreReasonAnnotation: "r"}, now,
			result.Ignored, &result.Exception{Source: "annotation kubeward.io/ignore", Reason: "r"}},
		{"annotation star", "", map[string]string{IgnoreAnnotation: "*", IgnoreReasonAnnotation: "r"}, now,
			result.Ignored, &result.Exception{Source: "annotation kubeward.io/ignore", Reason: "r"}},
		{"annotation for another check", "", map[string]string{IgnoreAnnotation: "KW-T-002", IgnoreReasonAnnotation: "r"}, now, result.Fail, nil},
		{"annotation globs are not expanded", "", map[string]string{IgnoreAnnotation: "KW-T-*", IgnoreReasonAnnotation: "r"}, now, result.Fail, nil},
		{"annotation without reason is not applied but explained", "", map[string]string{IgnoreAnnotation: "KW-T-001"}, now,
			result.Fail, &result.Exception{Source: "annotation kubeward.io/ignore", Reason: "not applied: annotation kubeward.io/ignore-reason is missing"}},
		{"config exception", "ignore:\n- id: KW-T-*\n  subject: apps/*\n  reason: accepted risk\n", nil, now,
			result.Ignored, &result.Exception{Source: "config", Reason: "accepted risk"}},
		{"config exception for another kind", "ignore:\n- id: KW-T-001\n  kind: StatefulSet\n  reason: r\n", nil, now, result.Fail, nil},
		{"config exception not yet expired", "ignore:\n- id: KW-T-001\n  reason: r\n  expires: 2025-06-16\n", nil, now,
			result.Ignored, &result.Exception{Source: "config", Reason: "r", Expires: "2025-06-16"}},
		// An exception applies through its expires day in UTC.
		{"config exception still applies on its day", "ignore:\n- id: KW-T-001\n  reason: r\n  expires: 2025-06-15\n", nil, now,
			result.Ignored, &result.Exception{Source: "config", Reason: "r", Expires: "2025-06-15"}},
		{"config exception at the first instant of its day", "ignore:\n- id: KW-T-001\n  reason: r\n  expires: 2025-06-15\n", nil, time.Date(2025, 6, 15, 0, 0, 0, 0, time.UTC),
			result.Ignored, &result.Exception{Source: "config", Reason: "r", Expires: "2025-06-15"}},
		{"config exception at the last instant of its day", "ignore:\n- id: KW-T-001\n  reason: r\n  expires: 2025-06-15\n", nil, time.Date(2025, 6, 15, 23, 59, 59, 999999999, time.UTC),
			result.Ignored, &result.Exception{Source: "config", Reason: "r", Expires: "2025-06-15"}},
		{"config exception expired at the first instant of the next day", "ignore:\n- id: KW-T-001\n  reason: r\n  expires: 2025-06-15\n", nil, time.Date(2025, 6, 16, 0, 0, 0, 0, time.UTC),
			result.Fail, &result.Exception{Source: "config", Reason: "r", Expires: "2025-06-15", Expired: true}},
		{"the day is UTC whatever the clock's zone: 01:00 on the 16th in UTC+2 is still the 15th", "ignore:\n- id: KW-T-001\n  reason: r\n  expires: 2025-06-15\n", nil,
			time.Date(2025, 6, 16, 1, 0, 0, 0, time.FixedZone("UTC+2", 2*3600)),
			result.Ignored, &result.Exception{Source: "config", Reason: "r", Expires: "2025-06-15"}},
		{"the day is UTC whatever the clock's zone: 20:00 on the 15th in UTC-5 is the 16th", "ignore:\n- id: KW-T-001\n  reason: r\n  expires: 2025-06-15\n", nil,
			time.Date(2025, 6, 15, 20, 0, 0, 0, time.FixedZone("UTC-5", -5*3600)),
			result.Fail, &result.Exception{Source: "config", Reason: "r", Expires: "2025-06-15", Expired: true}},
		{"expired then valid: the valid one applies", "ignore:\n- id: KW-T-001\n  reason: old\n  expires: 2020-01-01\n- id: KW-T-*\n  reason: new\n", nil, now,
			result.Ignored, &result.Exception{Source: "config", Reason: "new"}},
		{"annotation wins over config", "ignore:\n- id: KW-T-001\n  reason: config reason\n", map[string]string{IgnoreAnnotation: "KW-T-001", IgnoreReasonAnnotation: "annotation reason"}, now,
			result.Ignored, &result.Exception{Source: "annotation kubeward.io/ignore", Reason: "annotation reason"}},
		{"annotation without reason falls through to config", "ignore:\n- id: KW-T-001\n  reason: config reason\n", map[string]string{IgnoreAnnotation: "KW-T-001"}, now,
			result.Ignored, &result.Exception{Source: "config", Reason: "config reason"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			env := &Env{Config: cfgWith(tc.cfg), Now: tc.now}
			r := fail()
			ApplyException(env, &r, tc.ann)
			if r.Status != tc.wantStatus {
				t.Errorf("status = %s, want %s", r.Status, tc.wantStatus)
			}
			if !reflect.DeepEqual(r.Exception, tc.wantExc) {
				t.Errorf("exception = %+v, want %+v", r.Exception, tc.wantExc)
			}
		})
	}
}

// TestExceptionsThroughTheEngine: exceptions apply to FAIL and WARN only,
// from the object's annotations and the configuration.
func TestExceptionsThroughTheEngine(t *testing.T) {
	cfg, err := config.Parse([]byte("ignore:\n- id: KW-T-002\n  subject: apps/b\n  reason: cfg\n"))
	if err != nil {
		t.Fatal(err)
	}
	msg := catalog.Text{EN: "m"}
	withRegistry(t, []*Rule{scripted(map[string]func(*Emitter){
		"a": func(em *Emitter) { em.Fail("KW-T-001", "", "", msg, ""); em.NotApplicable("KW-T-002", msg) },
		"b": func(em *Emitter) { em.Warn("KW-T-002", "", "", msg, ""); em.Fail("KW-T-003", "", "", msg, "") },
	})}, nil, nil)
	e := New(Options{Config: cfg})
	e.Observe(pod("apps", "a", map[string]string{IgnoreAnnotation: "*", IgnoreReasonAnnotation: "legacy"}))
	e.Observe(pod("apps", "b", nil))
	rep := e.Finish()
	want := "KW-T-001:IGNORED:a KW-T-002:NOT_APPLICABLE:a KW-T-002:IGNORED:b KW-T-003:FAIL:b"
	if got := statusOf(rep); got != want {
		t.Errorf("results = %s, want %s", got, want)
	}
	if x := rep.Results[1].Exception; x != nil {
		t.Errorf("NOT_APPLICABLE got an exception: %+v", x)
	}
}

func TestModeAndEnv(t *testing.T) {
	tests := []struct {
		mode, want string
	}{
		{"", "manifest"}, {"manifest", "manifest"}, {"cluster", "cluster"}, {"admission", "admission"},
	}
	for _, tc := range tests {
		t.Run(tc.want+"/"+tc.mode, func(t *testing.T) {
			var seen string
			withRegistry(t, []*Rule{{IDs: []string{"KW-T-001"}, Run: func(env *Env, _ *Target, _ *Emitter) { seen = env.Mode }}},
				[]*PolicyRule{{Run: func(env *Env, _ *Index, _ *Emitter) {
					if env.Mode != seen {
						t.Errorf("policy rule sees mode %q, object rule %q", env.Mode, seen)
					}
				}}}, nil)
			e := New(Options{Mode: tc.mode})
			if e.Env().Mode != tc.want {
				t.Errorf("Env().Mode = %q, want %q", e.Env().Mode, tc.want)
			}
			e.Observe(pod("a", "p", nil))
			e.Finish()
			if seen != tc.want {
				t.Errorf("rule saw mode %q, want %q", seen, tc.want)
			}
		})
	}
	e := New(Options{})
	if e.Env().Config == nil || !reflect.DeepEqual(e.Env().Config, config.Default()) {
		t.Error("New without a config does not use config.Default()")
	}
	if time.Since(e.Env().Now) > time.Minute || e.Env().Now.IsZero() {
		t.Errorf("Now = %v, want the current time", e.Env().Now)
	}
	fixed := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	if got := New(Options{Now: fixed}).Env().Now; !got.Equal(fixed) {
		t.Errorf("Now = %v, want %v", got, fixed)
	}
}

func TestIsSystemNamespace(t *testing.T) {
	env := &Env{Config: config.Default()}
	for ns, want := range map[string]bool{"kube-system": true, "kube-public": true, "kube-node-lease": true, "default": false, "apps": false, "": false, "Kube-System": false} {
		if got := env.IsSystemNamespace(ns); got != want {
			t.Errorf("IsSystemNamespace(%q) = %v, want %v", ns, got, want)
		}
	}
	env = &Env{Config: &config.Config{SystemNamespaces: []string{"platform"}}}
	if !env.IsSystemNamespace("platform") || env.IsSystemNamespace("kube-system") {
		t.Error("configured system namespaces replace the defaults")
	}
}

func TestAppliesAndOwner(t *testing.T) {
	var got []string
	withRegistry(t, []*Rule{{
		IDs:     []string{"KW-T-001"},
		Applies: func(t *Target) bool { return t.Workload != nil },
		Run: func(_ *Env, t *Target, _ *Emitter) {
			got = append(got, t.Name)
		},
	}}, nil, nil)
	e := New(Options{})
	owned := pod("apps", "owned", nil)
	owned.Owner = "ReplicaSet/web-123"
	cm := &inventory.Object{Version: "v1", Kind: "ConfigMap", Namespace: "apps", Name: "cm", Typed: &corev1.ConfigMap{}}
	for _, o := range []*inventory.Object{pod("apps", "bare", nil), owned, cm} {
		e.Observe(o)
	}
	rep := e.Finish()
	if strings.Join(got, ",") != "bare" {
		t.Errorf("rule ran on %v, want only the un-owned pod (an owned pod is reported through its owner)", got)
	}
	if rep.Passed["KW-T-001"] != 1 {
		t.Errorf("passes = %v: objects a rule does not apply to must not count as passes", rep.Passed)
	}
	if rep.Objects != 3 {
		t.Errorf("objects = %d, want 3", rep.Objects)
	}
}

func TestPolicyRulesAndCounts(t *testing.T) {
	msg := catalog.Text{EN: "m"}
	policy := &PolicyRule{Run: func(_ *Env, ix *Index, em *Emitter) {
		for _, name := range SortedIDs(map[string]int{"apps": 0, "db": 0}) {
			f := Finding{ID: "KW-T-002", Subject: &result.Subject{Kind: "Namespace", Name: name}}
			if ix.Namespaces[name] != nil && len(ix.Namespaces[name].ResourceQuotas) > 0 {
				em.Pass(f)
				continue
			}
			f.Status = result.Fail
			f.Message = msg
			em.Add(f)
		}
	}}
	objs := func() []*inventory.Object {
		return []*inventory.Object{
			pod("apps", "p", nil),
			{Version: "v1", Kind: "ResourceQuota", Namespace: "apps", Name: "q", Typed: &corev1.ResourceQuota{}, File: "q.yaml", Line: 1},
		}
	}
	tests := []struct {
		keepPasses bool
		results    string
	}{
		{false, "KW-T-002:FAIL:db"},
		{true, "KW-T-001:PASS:p KW-T-002:PASS:apps KW-T-002:FAIL:db"},
	}
	for _, tc := range tests {
		t.Run(fmt.Sprintf("keepPasses=%v", tc.keepPasses), func(t *testing.T) {
			withRegistry(t, []*Rule{{IDs: []string{"KW-T-001"}, Applies: func(t *Target) bool { return t.Kind == "Pod" }, Run: func(*Env, *Target, *Emitter) {}}}, []*PolicyRule{policy}, nil)
			e := New(Options{KeepPasses: tc.keepPasses})
			for _, o := range objs() {
				e.Observe(o)
			}
			rep := e.Finish()
			if got := statusOf(rep); got != tc.results {
				t.Errorf("results = %q, want %q", got, tc.results)
			}
			c := rep.Counts()
			if c[result.Fail] != 1 || c[result.Pass] < 1 {
				t.Errorf("Counts() = %v", c)
			}
			if !tc.keepPasses && (rep.Passed["KW-T-001"] != 1 || rep.Passed["KW-T-002"] != 1 || c[result.Pass] != 2) {
				t.Errorf("passed = %v, counts = %v; want one pass each for the object and the policy rule", rep.Passed, c)
			}
		})
	}
}

// TestCountsIndependentOfKeepPasses: listing passes one by one must not
// change how many there are.
func TestCountsIndependentOfKeepPasses(t *testing.T) {
	policy := &PolicyRule{Run: func(_ *Env, _ *Index, em *Emitter) {
		em.Pass(Finding{ID: "KW-T-002", Subject: &result.Subject{Kind: "Namespace", Name: "apps"}})
	}}
	counts := map[bool]map[result.Status]int{}
	for _, keep := range []bool{false, true} {
		withRegistry(t, nil, []*PolicyRule{policy}, nil)
		e := New(Options{KeepPasses: keep})
		e.Observe(pod("apps", "p", nil))
		counts[keep] = e.Finish().Counts()
	}
	if !reflect.DeepEqual(counts[false], counts[true]) {
		t.Errorf("Counts() without KeepPasses %v, with %v", counts[false], counts[true])
	}
}

// TestPassesFromEverywhereCounted: a PASS counts in Report.Passed whether a
// policy rule passes it, a result evaluated elsewhere brings it (listed as
// is, with its evidence) or the engine is handed it (recorded as is, Only
// not applied: see TestAddResults).
func TestPassesFromEverywhereCounted(t *testing.T) {
	node := result.Subject{Kind: "Node", Name: "n"}
	tests := []struct {
		name       string
		keepPasses bool
		only       map[string]bool
		results    string
		passed     map[string]int
	}{
		{"counted", false, nil, "KW-T-002:PASS:n KW-T-003:PASS:n", map[string]int{"KW-T-001": 1, "KW-T-002": 1, "KW-T-003": 1}},
		{"counted and listed", true, nil, "KW-T-001:PASS:apps KW-T-002:PASS:n KW-T-003:PASS:n", map[string]int{"KW-T-001": 1, "KW-T-002": 1, "KW-T-003": 1}},
		{"only", false, map[string]bool{"KW-T-002": true}, "KW-T-002:PASS:n KW-T-003:PASS:n", map[string]int{"KW-T-002": 1, "KW-T-003": 1}},
		{"only, listed", true, map[string]bool{"KW-T-003": true}, "KW-T-003:PASS:n", map[string]int{"KW-T-003": 1}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			withRegistry(t, nil, []*PolicyRule{{Run: func(_ *Env, _ *Index, em *Emitter) {
				em.Pass(Finding{ID: "KW-T-001", Subject: &result.Subject{Kind: "Namespace", Name: "apps"}})
				em.AddResult(result.Result{ID: "KW-T-002", Status: result.Pass, Subject: node, Evidence: "ok"})
			}}}, nil)
			e := New(Options{KeepPasses: tc.keepPasses, Only: tc.only})
			e.AddResults(result.Result{ID: "KW-T-003", Status: result.Pass, Subject: node})
			rep := e.Finish()
			if got := statusOf(rep); got != tc.results {
				t.Errorf("results = %q, want %q", got, tc.results)
			}
			if !reflect.DeepEqual(rep.Passed, tc.passed) {
				t.Errorf("passed = %v, want %v", rep.Passed, tc.passed)
			}
			n := 0
			for _, k := range tc.passed {
				n += k
			}
			if c := rep.Counts(); c[result.Pass] != n {
				t.Errorf("Counts() = %v, want PASS %d", c, n)
			}
		})
	}
}

func TestAddResults(t *testing.T) {
	cfg, err := config.Parse([]byte("ignore:\n- id: KW-T-002\n  reason: cfg\n"))
	if err != nil {
		t.Fatal(err)
	}
	external := []result.Result{
		{ID: "KW-T-001", Status: result.Fail, Subject: result.Subject{Kind: "Node", Name: "n"}},
		{ID: "KW-T-002", Status: result.Warn, Subject: result.Subject{Kind: "Node", Name: "n"}},
		{ID: "KW-T-003", Status: result.Error, Subject: result.Subject{Kind: "Node", Name: "n"}},
	}
	withRegistry(t, nil, []*PolicyRule{{Run: func(_ *Env, _ *Index, em *Emitter) {
		for _, r := range external {
			em.AddResult(r)
		}
	}}}, nil)
	e := New(Options{Config: cfg, Only: map[string]bool{"KW-T-002": true, "KW-T-003": true}})
	e.AddResults(result.Result{ID: "KW-T-009", Status: result.Fail, Subject: result.Subject{Kind: "X", Name: "direct"}})
	rep := e.Finish()
	// AddResults records as is; Emitter.AddResult applies Only and the configured exceptions.
	want := "KW-T-002:IGNORED:n KW-T-003:ERROR:n KW-T-009:FAIL:direct"
	if got := statusOf(rep); got != want {
		t.Errorf("results = %s, want %s", got, want)
	}
}

func TestFinishSorts(t *testing.T) {
	msg := catalog.Text{EN: "m"}
	withRegistry(t, []*Rule{scripted(map[string]func(*Emitter){
		"z": func(em *Emitter) { em.Fail("KW-T-001", "", "", msg, "") },
		"a": func(em *Emitter) { em.Fail("KW-T-001", "", "", msg, "") },
	})}, nil, nil)
	e := New(Options{})
	e.Observe(pod("apps", "z", nil))
	e.Observe(pod("apps", "a", nil))
	if got := statusOf(e.Finish()); got != "KW-T-001:FAIL:a KW-T-001:FAIL:z" {
		t.Errorf("results = %s, want sorted by subject", got)
	}
}

// TestObserveConcurrently: Observe is safe for concurrent use and loses nothing.
func TestObserveConcurrently(t *testing.T) {
	msg := catalog.Text{EN: "m"}
	var facts []any
	withRegistry(t,
		[]*Rule{{IDs: []string{"KW-T-001", "KW-T-002"}, Run: func(_ *Env, t *Target, em *Emitter) {
			if strings.HasSuffix(t.Name, "0") {
				em.Fail("KW-T-001", "", "", msg, "")
			}
		}}},
		[]*PolicyRule{{Run: func(_ *Env, ix *Index, _ *Emitter) { facts = ix.Facts["names"] }}},
		[]*Collector{{Name: "names", Applies: func(*Env, *Target) bool { return true }, Fact: func(_ *Env, t *Target) any { return t.Name }}})
	e := New(Options{})
	var wg sync.WaitGroup
	for i := 0; i < 200; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			e.Observe(pod("apps", fmt.Sprintf("p%d", i), nil))
		}()
	}
	wg.Wait()
	rep := e.Finish()
	if len(rep.Results) != 20 || rep.Passed["KW-T-001"] != 180 || rep.Passed["KW-T-002"] != 200 || rep.Objects != 200 || len(facts) != 200 {
		t.Errorf("results=%d passed=%v objects=%d facts=%d", len(rep.Results), rep.Passed, rep.Objects, len(facts))
	}
}

func TestSortedIDs(t *testing.T) {
	if got := SortedIDs(map[string]int{"b": 1, "a": 2, "c": 0}); !reflect.DeepEqual(got, []string{"a", "b", "c"}) {
		t.Errorf("SortedIDs = %v", got)
	}
	if got := SortedIDs(nil); len(got) != 0 {
		t.Errorf("SortedIDs(nil) = %v", got)
	}
}

func TestServiceAccountName(t *testing.T) {
	tests := []struct {
		spec corev1.PodSpec
		want string
	}{
		{corev1.PodSpec{}, "default"},
		{corev1.PodSpec{ServiceAccountName: "app"}, "app"},
		{corev1.PodSpec{DeprecatedServiceAccount: "old"}, "old"},
		{corev1.PodSpec{ServiceAccountName: "app", DeprecatedServiceAccount: "old"}, "app"},
	}
	for _, tc := range tests {
		if got := ServiceAccountName(&tc.spec); got != tc.want {
			t.Errorf("ServiceAccountName(%+v) = %q, want %q", tc.spec, got, tc.want)
		}
	}
}

// TestResultsShareTexts: when every object fails the same way, the results
// held share one copy of each text (message in both languages, evidence,
// file, field path), however the rule formatted them, so memory grows with
// the distinct texts, not with the findings (issue 9 §6). The retained
// bytes per result stay under a bound: the result itself and its location.
func TestResultsShareTexts(t *testing.T) {
	withRegistry(t, []*Rule{{IDs: []string{"KW-T-001"}, Run: func(_ *Env, t *Target, em *Emitter) {
		c := t.Workload.Spec.Containers[0].Name
		em.Fail("KW-T-001", c, "spec.containers[0].image", catalog.F("container %s runs as root", "容器 %s 以 root 用户运行", c), fmt.Sprintf("runAsUser=%d", 0))
	}}}, nil, nil)
	const n = 20000
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	e := New(Options{})
	for i := range n {
		e.Observe(pod("apps", fmt.Sprintf("p%d", i), nil))
	}
	rep := e.Finish()
	runtime.GC()
	runtime.ReadMemStats(&after)
	if len(rep.Results) != n {
		t.Fatalf("%d results, want %d", len(rep.Results), n)
	}
	first := &rep.Results[0]
	for i := range rep.Results {
		r := &rep.Results[i]
		for _, p := range [][2]string{{r.Message.EN, first.Message.EN}, {r.Message.ZH, first.Message.ZH}, {r.Evidence, first.Evidence},
			{r.Location.File, first.Location.File}, {r.Location.Path, first.Location.Path}, {r.ID, first.ID}} {
			if unsafe.StringData(p[0]) != unsafe.StringData(p[1]) {
				t.Fatalf("result %d holds its own copy of %q", i, p[0])
			}
		}
	}
	// A result is 168 bytes and its location 64; the slice grows by a
	// quarter at this size; the subjects' names are the objects' own.
	if per := (int64(after.HeapAlloc) - int64(before.HeapAlloc)) / n; per > 400 {
		t.Errorf("%d bytes retained per result, want at most 400", per)
	}
	runtime.KeepAlive(rep)
}
