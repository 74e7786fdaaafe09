package cli

import (
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kubeward/kubeward/internal/inventory"
)

// fakeTerminal makes isTerminal and isPipe answer as told for the test.
func fakeTerminal(t *testing.T, terminal, pipe bool) {
	t.Helper()
	savedT, savedP := isTerminal, isPipe
	isTerminal = func(io.Writer) bool { return terminal }
	isPipe = func(io.Writer) bool { return pipe }
	t.Cleanup(func() { isTerminal, isPipe = savedT, savedP })
}

// Progress goes to stderr only when it is a terminal, the report does not
// go to a pipe and CI is not set; the report on stdout is the same either
// way, and the line is cleared before it ends.
func TestProgressOnlyOnATerminal(t *testing.T) {
	args := []string{"scan", "manifests", "--config", "../../examples/kubeward.yaml", "-o", "json", "../../examples/insecure"}
	t.Setenv("SOURCE_DATE_EPOCH", goldenEpoch)
	for _, tc := range []struct {
		name           string
		terminal, pipe bool
		ci             string
		want           bool
	}{
		{"terminal", true, false, "", true},
		{"stderr not a terminal", false, false, "", false},
		{"report to a pipe", true, true, "", false},
		{"CI", true, false, "true", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fakeTerminal(t, tc.terminal, tc.pipe)
			t.Setenv("CI", tc.ci)
			code, out, errs := run(t, "", args...)
			if code != ExitFindings {
				t.Fatalf("exit %d: %s", code, errs)
			}
			shown := strings.Contains(errs, "kubeward: reading manifests: ")
			if shown != tc.want {
				t.Errorf("progress shown = %v, want %v; stderr %q", shown, tc.want, errs)
			}
			if tc.want {
				if !strings.Contains(errs, "objects") || !strings.HasSuffix(errs, "\r\x1b[K") {
					t.Errorf("progress line %q: want a count of objects and the line cleared at the end", errs)
				}
			} else if errs != "" {
				t.Errorf("stderr %q, want nothing", errs)
			}
			if !strings.HasPrefix(out, "{") {
				t.Errorf("the report changed: %.40q", out)
			}
		})
	}
}

// The line names files, objects and the kinds with most objects, and is
// redrawn at most every progressInterval however many objects arrive.
func TestProgressLine(t *testing.T) {
	var b strings.Builder
	now := time.Unix(0, 0)
	p := &progress{w: &b, label: "listing https://127.0.0.1:6443", unit: "objects", byKind: map[string]int{}, now: func() time.Time { return now }}
	for i := range 1000 {
		kind := []string{"Pod", "Pod", "Secret", "Role", "Deployment", "ConfigMap"}[i%6]
		p.object(&inventory.Object{Kind: kind, File: "f" + string(rune('a'+i/500))})
		if i%100 == 99 {
			now = now.Add(progressInterval)
		}
	}
	p.done()
	out := b.String()
	if n := strings.Count(out, "\r\x1b[Kkubeward:"); n < 2 || n > 11 {
		t.Errorf("%d redraws for 1000 objects over 10 intervals", n)
	}
	last := out[strings.LastIndex(out, "kubeward:"):]
	if !strings.HasPrefix(last, "kubeward: listing https://127.0.0.1:6443: 2 files, 901 objects (Pod 301, ConfigMap 150, Deployment 150, Role 150, +1 kinds)") {
		t.Errorf("last line %q", last)
	}
	var nilProgress *progress
	nilProgress.object(&inventory.Object{})
	nilProgress.step("x")
	nilProgress.done()
}

// scan node shows its stages on a terminal, and nothing otherwise.
func TestProgressNode(t *testing.T) {
	root := t.TempDir()
	if err := os.Mkdir(filepath.Join(root, "proc"), 0o755); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		terminal bool
		want     string
	}{{true, "kubeward: node " + root + ": reading processes"}, {false, ""}} {
		fakeTerminal(t, tc.terminal, false)
		t.Setenv("CI", "")
		_, _, errs := run(t, "", "scan", "node", "--root", root, "-o", "json", "--allow-empty")
		if tc.want == "" && strings.Contains(errs, "\x1b[K") || tc.want != "" && !strings.Contains(errs, tc.want) {
			t.Errorf("terminal %v: stderr %q, want %q", tc.terminal, errs, tc.want)
		}
	}
}

// scan cluster --nodes counts the node reports it merges.
func TestProgressNodeReports(t *testing.T) {
	var b strings.Builder
	p := &progress{w: &b, label: "merging node reports", unit: "node reports", byKind: map[string]int{}, now: time.Now}
	p.count("Report", "")
	p.done()
	if !strings.Contains(b.String(), "kubeward: merging node reports: 1 node reports (Report 1)") {
		t.Errorf("progress %q", b.String())
	}
}
