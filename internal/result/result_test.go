package result

import (
	"encoding/json"
	"strings"
	"testing"
	"unsafe"

	"github.com/kubeward/kubeward/internal/catalog"
)

// Test entries: IDs whose lexical order differs from their plan order.
func init() {
	entry := func(id, item string) *catalog.Entry {
		return &catalog.Entry{ID: id, Item: item, Severity: catalog.SeverityHigh, Scope: []string{"manifest"},
			Title: catalog.Text{EN: "t", ZH: "标题"}, Remediation: catalog.Text{EN: "r", ZH: "修复"}}
	}
	catalog.Register(entry("KW-T-A", "5.2"), entry("KW-T-B", "4.10"), entry("KW-T-C", "4.9"), entry("KW-T-D", "1.1"), entry("KW-T-E", "4.9"), entry("KW-T-Z", "1.1"))
}

func TestSubjectString(t *testing.T) {
	tests := []struct {
		s    Subject
		want string
	}{
		{Subject{Kind: "Deployment", Namespace: "apps", Name: "web"}, "Deployment/apps/web"},
		{Subject{Kind: "Deployment", Namespace: "apps", Name: "web", Container: "app"}, "Deployment/apps/web [app]"},
		{Subject{Kind: "ClusterRole", Name: "admin"}, "ClusterRole/admin"},
		{Subject{Kind: "Namespace", Name: "apps"}, "Namespace/apps"},
		{Subject{Kind: "Configuration", Name: "trustedRegistries"}, "Configuration/trustedRegistries"},
		{Subject{Kind: "Node"}, "Node"},
		{Subject{}, ""},
	}
	for _, tc := range tests {
		if got := tc.s.String(); got != tc.want {
			t.Errorf("%+v.String() = %q, want %q", tc.s, got, tc.want)
		}
	}
}

func TestLocationString(t *testing.T) {
	tests := []struct {
		name string
		l    *Location
		want string
	}{
		{"nil", nil, ""},
		{"file and line", &Location{File: "deploy/app.yaml", Line: 12, Path: "spec"}, "deploy/app.yaml:12"},
		{"file only", &Location{File: "deploy/app.yaml"}, "deploy/app.yaml"},
		{"live object has no file", &Location{Path: "spec", Origin: "/api/v1/namespaces/a/pods/p"}, ""},
		{"line without file", &Location{Line: 3}, ""},
	}
	for _, tc := range tests {
		if got := tc.l.String(); got != tc.want {
			t.Errorf("%s: String() = %q, want %q", tc.name, got, tc.want)
		}
	}
}

func TestResultEntry(t *testing.T) {
	if e := (&Result{ID: "KW-T-B"}).Entry(); e == nil || e.Item != "4.10" {
		t.Errorf("Entry() of KW-T-B = %+v", e)
	}
	if e := (&Result{ID: "KW-NOT-REGISTERED"}).Entry(); e != nil {
		t.Errorf("Entry() of an unknown ID = %+v, want nil", e)
	}
}

func TestResultJSON(t *testing.T) {
	r := Result{ID: "KW-T-A", Status: Fail, Severity: catalog.SeverityCritical,
		Subject: Subject{Kind: "Pod", Namespace: "a", Name: "p"}, Message: catalog.Text{EN: "m", ZH: "消息"}}
	b, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	s := string(b)
	for _, want := range []string{`"status":"FAIL"`, `"severity":"critical"`, `"subject":{"kind":"Pod","namespace":"a","name":"p"}`, `"message":{"en":"m","zh":"消息"}`} {
		if !strings.Contains(s, want) {
			t.Errorf("JSON %s lacks %s", s, want)
		}
	}
	for _, absent := range []string{"location", "evidence", "exception", "container"} {
		if strings.Contains(s, absent) {
			t.Errorf("JSON %s has empty field %s", s, absent)
		}
	}
}

func ids(rs []Result) string {
	var out []string
	for _, r := range rs {
		s := r.ID
		if r.Subject.Name != "" {
			s += ":" + r.Subject.Name
		}
		if r.Location != nil {
			s += "@" + r.Location.String()
		}
		if r.Evidence != "" {
			s += "=" + r.Evidence
		}
		out = append(out, s)
	}
	return strings.Join(out, " ")
}

func TestSort(t *testing.T) {
	sub := func(name string) Subject { return Subject{Kind: "Pod", Namespace: "a", Name: name} }
	loc := func(file string, line int) *Location { return &Location{File: file, Line: line} }
	tests := []struct {
		name string
		in   []Result
		want string
	}{
		{"plan order, not ID order",
			[]Result{{ID: "KW-T-A"}, {ID: "KW-T-B"}, {ID: "KW-T-C"}, {ID: "KW-T-D"}},
			"KW-T-D KW-T-C KW-T-B KW-T-A"},
		{"same plan item: by ID",
			[]Result{{ID: "KW-T-E"}, {ID: "KW-T-C"}},
			"KW-T-C KW-T-E"},
		{"unregistered IDs: by ID",
			[]Result{{ID: "KW-X-2"}, {ID: "KW-X-1"}},
			"KW-X-1 KW-X-2"},
		{"same ID: by subject",
			[]Result{{ID: "KW-T-A", Subject: sub("web")}, {ID: "KW-T-A", Subject: sub("api")}},
			"KW-T-A:api KW-T-A:web"},
		{"same subject: by location",
			[]Result{{ID: "KW-T-A", Subject: sub("p"), Location: loc("b.yaml", 1)}, {ID: "KW-T-A", Subject: sub("p"), Location: loc("a.yaml", 9)}, {ID: "KW-T-A", Subject: sub("p")}},
			"KW-T-A:p KW-T-A:p@a.yaml:9 KW-T-A:p@b.yaml:1"},
		{"unregistered IDs after every plan item",
			[]Result{{ID: "KW-A-1"}, {ID: "KW-T-A"}, {ID: "KW-Z-1"}, {ID: "KW-T-D"}},
			"KW-T-D KW-T-A KW-A-1 KW-Z-1"},
		{"lines compare as numbers",
			[]Result{{ID: "KW-T-A", Location: loc("a.yaml", 10)}, {ID: "KW-T-A", Location: loc("a.yaml", 9)}},
			"KW-T-A@a.yaml:9 KW-T-A@a.yaml:10"},
		{"same line: by field path",
			[]Result{{ID: "KW-T-A", Location: &Location{File: "a.yaml", Line: 3, Path: "spec.b"}, Evidence: "b"}, {ID: "KW-T-A", Location: &Location{File: "a.yaml", Line: 3, Path: "spec.a"}, Evidence: "a"}},
			"KW-T-A@a.yaml:3=a KW-T-A@a.yaml:3=b"},
		{"same place: by status, then evidence",
			[]Result{{ID: "KW-T-A", Status: Warn, Evidence: "a"}, {ID: "KW-T-A", Status: Fail, Evidence: "z"}, {ID: "KW-T-A", Status: Fail, Evidence: "b"}},
			"KW-T-A=b KW-T-A=z KW-T-A=a"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			Sort(tc.in)
			if got := ids(tc.in); got != tc.want {
				t.Errorf("Sort = %s, want %s", got, tc.want)
			}
		})
	}
}

// TestSortDeterministic: every permutation of the same results sorts the same.
func TestSortDeterministic(t *testing.T) {
	base := []Result{
		{ID: "KW-T-A", Subject: Subject{Kind: "Pod", Name: "x"}},
		{ID: "KW-T-D"},
		{ID: "KW-T-C", Subject: Subject{Kind: "Pod", Name: "y"}},
		{ID: "KW-T-C", Subject: Subject{Kind: "Pod", Name: "x"}},
		{ID: "KW-T-B"},
	}
	var want string
	permute(base, 0, func(p []Result) {
		rs := append([]Result(nil), p...)
		Sort(rs)
		got := ids(rs)
		if want == "" {
			want = got
		} else if got != want {
			t.Fatalf("input %s sorts to %s, another permutation to %s", ids(p), got, want)
		}
	})
}

// TestSortDeterministicWithUnregisteredID: a result whose check is not in
// the catalogue must not make the order depend on the input order.
func TestSortDeterministicWithUnregisteredID(t *testing.T) {
	base := []Result{{ID: "KW-T-A"}, {ID: "KW-T-M"}, {ID: "KW-T-Z"}}
	const want = "KW-T-Z KW-T-A KW-T-M" // plan items 1.1, 5.2, then the unregistered ID
	permute(base, 0, func(p []Result) {
		rs := append([]Result(nil), p...)
		Sort(rs)
		if got := ids(rs); got != want {
			t.Errorf("input %s sorts to %s, want %s", ids(p), got, want)
		}
	})
}

// TestSortDeterministicWithTies: results that differ only in what a check
// says about one place (several warnings on one object) sort the same
// whatever order they were emitted in.
func TestSortDeterministicWithTies(t *testing.T) {
	at := &Location{File: "q.yaml", Line: 1}
	base := []Result{
		{ID: "KW-T-A", Status: Warn, Location: at, Evidence: "pods", Message: catalog.Text{EN: "pods"}},
		{ID: "KW-T-A", Status: Warn, Location: at, Evidence: "services", Message: catalog.Text{EN: "services"}},
		{ID: "KW-T-A", Status: Warn, Location: at, Evidence: "secrets", Message: catalog.Text{EN: "secrets"}},
		{ID: "KW-T-A", Status: Warn, Location: at, Evidence: "secrets", Message: catalog.Text{EN: "a secrets"}},
	}
	var want string
	permute(base, 0, func(p []Result) {
		rs := append([]Result(nil), p...)
		Sort(rs)
		var got []string
		for _, r := range rs {
			got = append(got, r.Message.EN)
		}
		if g := strings.Join(got, ","); want == "" {
			want = g
		} else if g != want {
			t.Errorf("input %s sorts to %s, another permutation to %s", ids(p), g, want)
		}
	})
	if want != "pods,a secrets,secrets,services" {
		t.Errorf("order %s, want by evidence then message", want)
	}
}

func permute(rs []Result, k int, f func([]Result)) {
	if k == len(rs) {
		f(rs)
		return
	}
	for i := k; i < len(rs); i++ {
		rs[k], rs[i] = rs[i], rs[k]
		permute(rs, k+1, f)
		rs[k], rs[i] = rs[i], rs[k]
	}
}

// TestTally: each PASS verdict is counted once, whether it is counted in
// passed, listed in the results, or both.
func TestTally(t *testing.T) {
	pass := func(id string) Result { return Result{ID: id, Status: Pass} }
	fail := Result{ID: "KW-T-A", Status: Fail}
	tests := []struct {
		name   string
		rs     []Result
		passed map[string]int
		want   Counts
	}{
		{"nothing", nil, nil, Counts{}},
		{"counted only", []Result{fail}, map[string]int{"KW-T-A": 2}, Counts{Fail: 1, Pass: 2}},
		{"counted and listed: the listing adds nothing", []Result{fail, pass("KW-T-A"), pass("KW-T-A")}, map[string]int{"KW-T-A": 2}, Counts{Fail: 1, Pass: 2}},
		{"some listed: the count still holds", []Result{pass("KW-T-A")}, map[string]int{"KW-T-A": 3}, Counts{Pass: 3}},
		{"listed only (a node audit)", []Result{fail, pass("KW-T-B"), pass("KW-T-B")}, nil, Counts{Fail: 1, Pass: 2}},
		{"mixed: a check not in passed counts as listed", []Result{pass("KW-T-A"), pass("KW-T-B")}, map[string]int{"KW-T-A": 1}, Counts{Pass: 2}},
		{"other statuses always count", []Result{{Status: Warn}, {Status: Error}, {Status: Ignored}, {Status: NotApplicable}}, map[string]int{"": 0},
			Counts{Warn: 1, Error: 1, Ignored: 1, NotApplicable: 1}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := Tally(tc.rs, tc.passed)
			if len(got) != len(tc.want) {
				t.Fatalf("Tally = %v, want %v", got, tc.want)
			}
			for s, n := range tc.want {
				if got[s] != n {
					t.Errorf("Tally = %v, want %v", got, tc.want)
				}
			}
		})
	}
}

func TestInternerSharesEqualStrings(t *testing.T) {
	var in Interner
	mk := func() Result {
		return Result{ID: "KW-POD-001", Message: catalog.F("container %s runs as root", "容器 %s 以 root 运行", "app"),
			Location: &Location{File: "a.yaml", Line: 3, Path: "spec.containers[0]"}}
	}
	a, b := mk(), mk()
	in.Result(&a)
	in.Result(&b)
	if a.Message != b.Message || unsafe.StringData(a.Message.EN) != unsafe.StringData(b.Message.EN) ||
		unsafe.StringData(a.Location.Path) != unsafe.StringData(b.Location.Path) {
		t.Error("equal strings are not shared")
	}
	if a.Location.Line != 3 || a.Message.ZH != "容器 app 以 root 运行" {
		t.Errorf("interning changed a value: %+v", a)
	}
}
