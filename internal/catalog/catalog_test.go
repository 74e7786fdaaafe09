package catalog

import (
	"strings"
	"testing"
)

func TestTextIn(t *testing.T) {
	tests := []struct {
		name string
		text Text
		lang string
		want string
	}{
		{"english", Text{EN: "hello", ZH: "你好"}, "en", "hello"},
		{"chinese", Text{EN: "hello", ZH: "你好"}, "zh", "你好"},
		{"empty lang is english", Text{EN: "hello", ZH: "你好"}, "", "hello"},
		{"unknown lang is english", Text{EN: "hello", ZH: "你好"}, "fr", "hello"},
		{"missing chinese falls back", Text{EN: "hello"}, "zh", "hello"},
		{"language code is case sensitive", Text{EN: "hello", ZH: "你好"}, "ZH", "hello"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.text.In(tc.lang); got != tc.want {
				t.Errorf("In(%q) = %q, want %q", tc.lang, got, tc.want)
			}
		})
	}
}

func TestF(t *testing.T) {
	tests := []struct {
		name     string
		en, zh   string
		args     []any
		wantText Text
	}{
		{"no args keeps verbs literally", "100% sure %s", "百分百 %s", nil, Text{EN: "100% sure %s", ZH: "百分百 %s"}},
		{"args formatted in both", "pod %s has %d containers", "Pod %s 有 %d 个容器", []any{"web", 2}, Text{EN: "pod web has 2 containers", ZH: "Pod web 有 2 个容器"}},
		{"indexed verbs reorder", "%[2]s before %[1]s", "%[1]s 之后是 %[2]s", []any{"a", "b"}, Text{EN: "b before a", ZH: "a 之后是 b"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := F(tc.en, tc.zh, tc.args...); got != tc.wantText {
				t.Errorf("F() = %+v, want %+v", got, tc.wantText)
			}
		})
	}
}

func TestSeverity(t *testing.T) {
	tests := []struct {
		in      string
		want    Severity
		wantErr bool
	}{
		{"low", SeverityLow, false},
		{"medium", SeverityMedium, false},
		{"high", SeverityHigh, false},
		{"critical", SeverityCritical, false},
		{"CRITICAL", SeverityCritical, false},
		{"High", SeverityHigh, false},
		{"", 0, true},
		{"severe", 0, true},
		{" high", 0, true},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			got, err := ParseSeverity(tc.in)
			if (err != nil) != tc.wantErr {
				t.Fatalf("ParseSeverity(%q) error = %v, wantErr %v", tc.in, err, tc.wantErr)
			}
			if err != nil {
				if !strings.Contains(err.Error(), "critical, high, medium or low") {
					t.Errorf("error %q does not list the valid severities", err)
				}
				return
			}
			if got != tc.want {
				t.Errorf("ParseSeverity(%q) = %v, want %v", tc.in, got, tc.want)
			}
			// Round trip through the name and MarshalText.
			b, _ := got.MarshalText()
			if string(b) != strings.ToLower(tc.in) || got.String() != strings.ToLower(tc.in) {
				t.Errorf("%v renders as %q / %q, want %q", got, b, got.String(), strings.ToLower(tc.in))
			}
		})
	}
	if !(SeverityLow < SeverityMedium && SeverityMedium < SeverityHigh && SeverityHigh < SeverityCritical) {
		t.Error("severities are not ordered low < medium < high < critical (--fail-on relies on it)")
	}
	if Severity(0).String() != "" {
		t.Errorf("zero severity renders as %q, want empty", Severity(0).String())
	}
}

func TestPlan(t *testing.T) {
	seen := map[string]bool{}
	lastLayer := Layer(0)
	for i, it := range Plan {
		if seen[it.ID] {
			t.Errorf("plan item %s listed twice", it.ID)
		}
		seen[it.ID] = true
		if it.Title.EN == "" || it.Title.ZH == "" {
			t.Errorf("plan item %s lacks a title in both languages: %+v", it.ID, it.Title)
		}
		if it.Layer < lastLayer {
			t.Errorf("plan item %s (layer %d) comes after layer %d: plan not in layer order", it.ID, it.Layer, lastLayer)
		}
		lastLayer = it.Layer
		// The item ID starts with its layer number.
		if want := strings.TrimSuffix(it.Layer.Title().EN[:2], "."); !strings.HasPrefix(it.ID, want+".") {
			t.Errorf("plan item %s is in layer %q", it.ID, it.Layer.Title().EN)
		}
		if got := ItemOrder(it.ID); got != i {
			t.Errorf("ItemOrder(%s) = %d, want %d", it.ID, got, i)
		}
		if got := ItemByID(it.ID); got != it {
			t.Errorf("ItemByID(%s) = %+v, want %+v", it.ID, got, it)
		}
	}
	// Numeric, not lexical, order: 4.10 comes after 4.9.
	if ItemOrder("4.10") <= ItemOrder("4.9") {
		t.Errorf("ItemOrder(4.10)=%d is not after ItemOrder(4.9)=%d", ItemOrder("4.10"), ItemOrder("4.9"))
	}
	for _, unknown := range []string{"", "9.9", "4.12", "1"} {
		if got := ItemOrder(unknown); got != len(Plan) {
			t.Errorf("ItemOrder(%q) = %d, want %d (after every item)", unknown, got, len(Plan))
		}
		if got := ItemByID(unknown); got != (Item{}) {
			t.Errorf("ItemByID(%q) = %+v, want the zero Item", unknown, got)
		}
	}
}

func TestLayers(t *testing.T) {
	layers := Layers()
	if len(layers) != 5 {
		t.Fatalf("Layers() has %d layers, want 5", len(layers))
	}
	used := map[Layer]bool{}
	for _, it := range Plan {
		used[it.Layer] = true
	}
	for i, l := range layers {
		if int(l) != i+1 {
			t.Errorf("Layers()[%d] = %d, want %d", i, l, i+1)
		}
		title := l.Title()
		if title.EN == "" || title.ZH == "" {
			t.Errorf("layer %d lacks a bilingual title: %+v", l, title)
		}
		if !strings.HasPrefix(title.EN, string(rune('1'+i))+". ") || !strings.HasPrefix(title.ZH, string(rune('1'+i))+". ") {
			t.Errorf("layer %d title %+v is not numbered %d", l, title, i+1)
		}
		if !used[l] {
			t.Errorf("layer %d has no plan item", l)
		}
	}
	if (Layer(0)).Title() != (Text{}) || (Layer(6)).Title() != (Text{}) {
		t.Error("a layer outside the plan has a title")
	}
}

// withEntries runs f with the catalogue temporarily holding only es.
func withEntries(t *testing.T, f func()) {
	t.Helper()
	mu.Lock()
	saved := entries
	entries = map[string]*Entry{}
	mu.Unlock()
	defer func() {
		mu.Lock()
		entries = saved
		mu.Unlock()
	}()
	f()
}

func validEntry(id, item string) *Entry {
	return &Entry{ID: id, Item: item, Severity: SeverityHigh, Scope: []string{"manifest"},
		Title: Text{EN: "title " + id, ZH: "标题 " + id}, Remediation: Text{EN: "fix " + id, ZH: "修复 " + id}}
}

func TestRegisterRejects(t *testing.T) {
	tests := []struct {
		name   string
		mutate func(*Entry)
		panics string
	}{
		{"unknown plan item", func(e *Entry) { e.Item = "9.9" }, "unknown plan item 9.9"},
		{"no plan item", func(e *Entry) { e.Item = "" }, "unknown plan item"},
		{"no severity", func(e *Entry) { e.Severity = 0 }, "lacks severity"},
		{"no english title", func(e *Entry) { e.Title.EN = "" }, "lacks severity, title or remediation"},
		{"no chinese title", func(e *Entry) { e.Title.ZH = "" }, "lacks severity, title or remediation"},
		{"no english remediation", func(e *Entry) { e.Remediation.EN = "" }, "lacks severity, title or remediation"},
		{"no chinese remediation", func(e *Entry) { e.Remediation.ZH = "" }, "lacks severity, title or remediation"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			withEntries(t, func() {
				e := validEntry("KW-TEST-001", "2.4")
				tc.mutate(e)
				msg := catchPanic(func() { Register(e) })
				if !strings.Contains(msg, tc.panics) {
					t.Errorf("Register panicked with %q, want it to mention %q", msg, tc.panics)
				}
				if Get("KW-TEST-001") != nil {
					t.Error("the rejected entry was registered")
				}
			})
		})
	}
}

func catchPanic(f func()) (msg string) {
	defer func() {
		if r := recover(); r != nil {
			msg, _ = r.(string)
			if msg == "" {
				msg = "non-string panic"
			}
		}
	}()
	f()
	return ""
}

func TestRegisterDuplicate(t *testing.T) {
	withEntries(t, func() {
		first := validEntry("KW-TEST-001", "2.4")
		Register(first)
		msg := catchPanic(func() { Register(validEntry("KW-TEST-001", "2.3")) })
		if !strings.Contains(msg, "duplicate check ID KW-TEST-001") {
			t.Errorf("duplicate registration panicked with %q", msg)
		}
		if Get("KW-TEST-001") != first {
			t.Error("the duplicate replaced the first entry")
		}
	})
}

func TestGetAllAndLayer(t *testing.T) {
	withEntries(t, func() {
		// Registered out of order: All sorts by plan position (4.10 after 4.9), then ID.
		Register(
			validEntry("KW-B", "4.10"),
			validEntry("KW-A", "4.10"),
			validEntry("KW-Z", "1.1"),
			validEntry("KW-C", "4.9"),
			validEntry("KW-Y", "5.2"),
		)
		var got []string
		for _, e := range All() {
			got = append(got, e.ID)
		}
		want := "KW-Z KW-C KW-A KW-B KW-Y"
		if strings.Join(got, " ") != want {
			t.Errorf("All() order = %v, want %s", got, want)
		}
		tests := []struct {
			id    string
			layer Layer
		}{
			{"KW-Z", LayerRuntime}, {"KW-C", LayerClusterPolicy}, {"KW-A", LayerClusterPolicy}, {"KW-Y", LayerNodes},
		}
		for _, tc := range tests {
			e := Get(tc.id)
			if e == nil {
				t.Fatalf("Get(%s) = nil", tc.id)
			}
			if e.Layer() != tc.layer {
				t.Errorf("%s.Layer() = %d, want %d", tc.id, e.Layer(), tc.layer)
			}
		}
		if Get("KW-NOPE") != nil {
			t.Error("Get of an unregistered ID is not nil")
		}
	})
}
