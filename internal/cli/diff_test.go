package cli

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// beforeAfter copies examples/insecure to dir/before and, changed, to
// dir/after: three comment lines on top of payments.yaml move every finding
// of that file down three lines, the payments API is no longer privileged
// (fixed findings) and now shares the host's IPC namespace (new findings).
func beforeAfter(t *testing.T, dir string) {
	t.Helper()
	src := filepath.Join("..", "..", "examples", "insecure")
	entries, err := os.ReadDir(src)
	if err != nil {
		t.Fatal(err)
	}
	for _, sub := range []string{"before", "after"} {
		if err := os.MkdirAll(filepath.Join(dir, sub), 0o755); err != nil {
			t.Fatal(err)
		}
		for _, e := range entries {
			b, err := os.ReadFile(filepath.Join(src, e.Name()))
			if err != nil {
				t.Fatal(err)
			}
			if sub == "after" && e.Name() == "payments.yaml" {
				s := string(b)
				for _, r := range [][2]string{{"privileged: true", "privileged: false"}, {"      hostPID: true\n", "      hostPID: true\n      hostIPC: true\n"}} {
					if !strings.Contains(s, r[0]) {
						t.Fatalf("examples/insecure/payments.yaml no longer has %q: update this test", r[0])
					}
					s = strings.Replace(s, r[0], r[1], 1)
				}
				b = []byte("# Reviewed 2026-01-02: the API no longer runs privileged.\n# It shares the host IPC namespace for a legacy driver.\n# (Three lines added: every line below moved.)\n" + s)
			}
			if err := os.WriteFile(filepath.Join(dir, sub, e.Name()), b, 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	cfg, err := os.ReadFile(filepath.Join("..", "..", "examples", "kubeward.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "kubeward.yaml"), cfg, 0o644); err != nil {
		t.Fatal(err)
	}
}

// scanTo writes the JSON report of dir in lang to file.
func scanTo(t *testing.T, dir, lang, file string, extra ...string) (int, string) {
	t.Helper()
	args := append([]string{"scan", "manifests", "--config", "kubeward.yaml", "-o", "json", "--lang", lang, dir}, extra...)
	code, out, errs := run(t, "", args...)
	if err := os.WriteFile(file, []byte(out), 0o644); err != nil {
		t.Fatal(err)
	}
	return code, errs
}

type diffOut struct {
	Summary   map[string]int `json:"summary"`
	New       []diffEntry    `json:"new_findings"`
	Fixed     []diffEntry    `json:"fixed"`
	Unchanged []diffEntry    `json:"unchanged"`
}

type diffEntry struct {
	ID       string
	Status   string
	Subject  struct{ Kind, Namespace, Name, Container string }
	Location struct {
		File string
		Line int
		Path string
	}
	Fingerprint string
}

// TestDiffGolden diffs two scans of examples/insecure, before and after a
// change that moves lines, fixes a finding and adds one, in every diff
// format, and compares with testdata/golden. It also checks what the
// golden files show: the moved findings are unchanged, the privileged
// container is fixed, the host IPC namespace is new; a Chinese report
// diffs against the English one the same way; --fail-on-new gates.
func TestDiffGolden(t *testing.T) {
	golden, err := filepath.Abs(filepath.Join("testdata", "golden"))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	beforeAfter(t, dir)
	t.Chdir(dir)
	t.Setenv("SOURCE_DATE_EPOCH", goldenEpoch)
	t.Setenv("NO_COLOR", "1")
	saved := Version
	Version = "v0.0.0-golden"
	t.Cleanup(func() { Version = saved })

	for _, s := range []struct{ dir, lang, file string }{{"before", "en", "old.json"}, {"after", "en", "new.json"}, {"after", "zh", "new-zh.json"}} {
		if code, errs := scanTo(t, s.dir, s.lang, s.file); code != ExitFindings {
			t.Fatalf("scan %s: exit %d: %s", s.dir, code, errs)
		}
	}
	for _, tc := range []struct {
		file string
		args []string
	}{
		{"diff.txt", []string{"diff", "old.json", "new.json", "--lang", "en"}},
		{"diff.json", []string{"diff", "old.json", "new.json", "-o", "json"}},
		{"diff.md", []string{"diff", "old.json", "new.json", "-o", "markdown", "--lang", "en"}},
		{"diff-zh.txt", []string{"diff", "old.json", "new-zh.json", "--lang", "zh"}},
	} {
		t.Run(tc.file, func(t *testing.T) {
			code, out, errs := run(t, "", tc.args...)
			if code != ExitOK || errs != "" {
				t.Fatalf("kubeward %s: exit %d, stderr %s", strings.Join(tc.args, " "), code, errs)
			}
			path := filepath.Join(golden, tc.file)
			if *update {
				if err := os.WriteFile(path, []byte(out), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (create it with: go test ./internal/cli -run Golden -update)", err)
			}
			if !bytes.Equal(want, []byte(out)) {
				t.Errorf("kubeward %s differs from %s (rewrite with -update if the change is intended):\n%s", strings.Join(tc.args, " "), path, firstDiff(string(want), out))
			}
		})
	}

	diffJSON := func(old, cur string) diffOut {
		t.Helper()
		code, out, errs := run(t, "", "diff", old, cur, "-o", "json")
		if code != ExitOK {
			t.Fatalf("diff: exit %d: %s", code, errs)
		}
		var d diffOut
		if err := json.Unmarshal([]byte(out), &d); err != nil {
			t.Fatal(err)
		}
		return d
	}
	d := diffJSON("old.json", "new.json")
	find := func(es []diffEntry, id, container string) *diffEntry {
		for i := range es {
			if es[i].ID == id && es[i].Subject.Name == "payments-api" && es[i].Subject.Container == container {
				return &es[i]
			}
		}
		return nil
	}
	if find(d.Fixed, "KW-POD-002", "api") == nil {
		t.Error("the privileged container (KW-POD-002 payments-api) is not fixed")
	}
	if e := find(d.New, "KW-HOST-005", ""); e == nil {
		t.Errorf("host IPC (KW-HOST-005 payments-api) is not new: %+v", d.New)
	}
	moved := find(d.Unchanged, "KW-HOST-003", "")
	if moved == nil {
		t.Fatal("host network (KW-HOST-003 payments-api) is not unchanged")
	}
	old := map[string]int{}
	var oldRep struct {
		Results []diffEntry `json:"results"`
	}
	b, _ := os.ReadFile("old.json")
	if err := json.Unmarshal(b, &oldRep); err != nil {
		t.Fatal(err)
	}
	for _, r := range oldRep.Results {
		if r.ID == "KW-HOST-003" && r.Subject.Name == "payments-api" {
			old[r.ID] = r.Location.Line
		}
	}
	if moved.Location.Line != old["KW-HOST-003"]+3 {
		t.Errorf("KW-HOST-003 at line %d, was %d: the change should have moved it 3 lines", moved.Location.Line, old["KW-HOST-003"])
	}
	if len(d.Unchanged) < 90 {
		t.Errorf("only %d unchanged findings", len(d.Unchanged))
	}

	// Across languages: the same matches.
	zh := diffJSON("old.json", "new-zh.json")
	if zh.Summary["new"] != d.Summary["new"] || zh.Summary["fixed"] != d.Summary["fixed"] || zh.Summary["unchanged"] != d.Summary["unchanged"] {
		t.Errorf("en→zh diff %v, en→en %v", zh.Summary, d.Summary)
	}

	// Gates.
	if code, _, _ := run(t, "", "diff", "old.json", "new.json", "--fail-on-new"); code != ExitFindings {
		t.Errorf("--fail-on-new with new FAILs: exit %d, want 1", code)
	}
	if code, _, _ := run(t, "", "diff", "old.json", "new.json", "--fail-on-new", "--fail-on", "critical"); code != ExitOK {
		t.Errorf("--fail-on-new --fail-on critical with only high new FAILs: exit %d, want 0", code)
	}
	if code, _, _ := run(t, "", "diff", "new.json", "old.json", "--fail-on-new"); code != ExitFindings {
		t.Errorf("--fail-on-new the other way (KW-POD-002 is new): exit %d, want 1", code)
	}
	if code, _, _ := run(t, "", "diff", "new.json", "new-zh.json", "--fail-on-new"); code != ExitOK {
		t.Errorf("--fail-on-new between the en and zh reports of one scan: exit %d, want 0", code)
	}
}

// scan --baseline reports only what is new: the same scan against its own
// report passes the gate, the changed one fails it only for its new FAILs,
// and the report's baseline counts agree with kubeward diff.
func TestScanBaseline(t *testing.T) {
	dir := t.TempDir()
	beforeAfter(t, dir)
	t.Chdir(dir)
	if code, errs := scanTo(t, "before", "en", "old.json"); code != ExitFindings {
		t.Fatalf("scan before: exit %d: %s", code, errs)
	}
	if code, errs := scanTo(t, "before", "zh", "same.json", "--baseline", "old.json"); code != ExitOK {
		t.Errorf("scan before --baseline (its own report): exit %d, want 0: %s", code, errs)
	}
	code, errs := scanTo(t, "after", "en", "new.json", "--baseline", "old.json")
	if code != ExitFindings {
		t.Errorf("scan after --baseline: exit %d, want 1 (new FAILs): %s", code, errs)
	}
	if code, _ := scanTo(t, "after", "en", "crit.json", "--baseline", "old.json", "--fail-on", "critical"); code != ExitOK {
		t.Errorf("scan after --baseline --fail-on critical (no new critical): exit %d, want 0", code)
	}
	var rep struct {
		Summary struct {
			Baseline map[string]any `json:"baseline"`
		} `json:"summary"`
		Results []struct {
			Status        string `json:"status"`
			BaselineState string `json:"baselineState"`
		} `json:"results"`
	}
	b, _ := os.ReadFile("new.json")
	if err := json.Unmarshal(b, &rep); err != nil {
		t.Fatal(err)
	}
	states := map[string]int{}
	for _, r := range rep.Results {
		states[r.BaselineState]++
	}
	_, out, _ := run(t, "", "diff", "old.json", "new.json", "-o", "json")
	var d diffOut
	if err := json.Unmarshal([]byte(out), &d); err != nil {
		t.Fatal(err)
	}
	if states["new"] != d.Summary["new"] || states["unchanged"] != d.Summary["unchanged"] {
		t.Errorf("scan --baseline marks %d new, %d unchanged; diff says %v", states["new"], states["unchanged"], d.Summary)
	}
	if rep.Summary.Baseline["fixed"] != float64(d.Summary["fixed"]) || rep.Summary.Baseline["file"] != "old.json" {
		t.Errorf("summary.baseline = %v, diff says %v", rep.Summary.Baseline, d.Summary)
	}
	for _, f := range []string{"text", "sarif", "junit", "html", "markdown"} {
		code, out, errs := run(t, "", "scan", "manifests", "--config", "kubeward.yaml", "-o", f, "after", "--baseline", "old.json")
		if code != ExitFindings || errs != "" {
			t.Errorf("-o %s --baseline: exit %d, stderr %q", f, code, errs)
		}
		if !strings.Contains(out, "unchanged") {
			t.Errorf("-o %s --baseline marks nothing unchanged", f)
		}
	}
}

// A file that is not a JSON report: one line naming it, exit 2, before
// any work.
func TestDiffBadInput(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	os.WriteFile("bad.json", []byte("{\n  \"schema\": \"kubeward.io/report/v1\",\n  \"results\": [\n}"), 0o644)
	os.WriteFile("sarif.json", []byte(`{"version": "2.1.0", "runs": []}`), 0o644)
	os.WriteFile("ok.json", []byte(`{"schema": "kubeward.io/report/v1", "results": []}`), 0o644)
	os.Mkdir("dir.json", 0o755)
	if err := syscall.Mkfifo("pipe.json", 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"diff", "bad.json", "ok.json"}, "kubeward: bad.json:4: invalid JSON"},
		{[]string{"diff", "ok.json", "sarif.json"}, "kubeward: sarif.json: not a kubeward JSON report"},
		{[]string{"diff", "ok.json", "missing.json"}, "kubeward: missing.json: no such file or directory"},
		{[]string{"diff", "dir.json", "ok.json"}, "kubeward: dir.json: not a regular file"},
		{[]string{"diff", "ok.json", "pipe.json"}, "kubeward: pipe.json: not a regular file"}, // never waits for a writer
		{[]string{"diff", "ok.json"}, "kubeward: accepts 2 arg(s)"},
		{[]string{"diff", "ok.json", "ok.json", "-o", "sarif"}, "kubeward: -o: unknown output format \"sarif\" for diff"},
		{[]string{"diff", "ok.json", "ok.json", "--fail-on", "huge"}, "kubeward: --fail-on: unknown severity"},
		{[]string{"scan", "manifests", "--baseline", "bad.json", "."}, "kubeward: bad.json:4: invalid JSON"},
	} {
		code, out, errs := run(t, "", tc.args...)
		if code != ExitUsage || !strings.HasPrefix(errs, tc.want) || strings.Count(errs, "\n") != 1 || out != "" {
			t.Errorf("kubeward %s: exit %d, stdout %q, stderr %q; want exit 2 and one line starting %q", strings.Join(tc.args, " "), code, out, errs, tc.want)
		}
	}
}
