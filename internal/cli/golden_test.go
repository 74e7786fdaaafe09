package cli

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// update rewrites the golden files instead of comparing with them:
//
//	go test ./internal/cli -run Golden -update    (or: make golden)
//
// Review the diff before committing it: a golden change is a change of what
// users see.
var update = flag.Bool("update", false, "rewrite testdata/golden from the current output")

// goldenEpoch pins the time reports show (SOURCE_DATE_EPOCH):
// 2026-01-01T00:00:00Z.
const goldenEpoch = "1767225600"

// TestGoldenReports runs the README's first command on the bundled insecure
// platform in every report format (and Chinese) and compares the output byte
// for byte with testdata/golden. A refactoring that changes no result leaves
// them as they are; one that does shows exactly what changed.
func TestGoldenReports(t *testing.T) {
	golden, err := filepath.Abs(filepath.Join("testdata", "golden"))
	if err != nil {
		t.Fatal(err)
	}
	// Run from the repository root, as the README does, so every path in a
	// report is the relative one a user sees (examples/insecure/...).
	t.Chdir(filepath.Join("..", ".."))
	t.Setenv("SOURCE_DATE_EPOCH", goldenEpoch)
	t.Setenv("NO_COLOR", "1")
	t.Setenv("KUBEWARD_LANG", "")
	saved := Version
	Version = "v0.0.0-golden" // not the build's: the same on every machine and commit
	t.Cleanup(func() { Version = saved })

	for _, tc := range []struct {
		file string
		args []string
	}{
		{"text.txt", []string{"-o", "text", "--lang", "en"}},
		{"json.json", []string{"-o", "json", "--lang", "en"}},
		{"sarif.sarif", []string{"-o", "sarif", "--lang", "en"}},
		{"junit.xml", []string{"-o", "junit", "--lang", "en"}},
		{"zh.txt", []string{"-o", "text", "--lang", "zh"}},
		{"zh.json", []string{"-o", "json", "--lang", "zh"}},
		{"html.html", []string{"-o", "html", "--lang", "en"}},
		{"zh.html", []string{"-o", "html", "--lang", "zh"}},
		{"markdown.md", []string{"-o", "markdown", "--lang", "en"}},
		{"zh.md", []string{"-o", "markdown", "--lang", "zh"}},
	} {
		t.Run(tc.file, func(t *testing.T) {
			args := append([]string{"scan", "manifests", "--config", "examples/kubeward.yaml"}, tc.args...)
			args = append(args, "examples/insecure")
			code, out, errs := run(t, "", args...)
			if code != ExitFindings {
				t.Fatalf("kubeward %s: exit %d, want %d (findings)\n%s", strings.Join(args, " "), code, ExitFindings, errs)
			}
			if errs != "" {
				t.Errorf("stderr: %s", errs)
			}
			if cwd, _ := os.Getwd(); cwd != "" && strings.Contains(out, cwd) {
				t.Errorf("output holds the absolute working directory %s; paths must be relative", cwd)
			}
			path := filepath.Join(golden, tc.file)
			if *update {
				if err := os.MkdirAll(golden, 0o755); err != nil {
					t.Fatal(err)
				}
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
				t.Errorf("kubeward %s differs from %s (rewrite with -update if the change is intended):\n%s",
					strings.Join(args, " "), path, firstDiff(string(want), out))
			}
		})
	}
}

// firstDiff shows the first line that differs, with its line number and a
// little context, instead of two whole reports.
func firstDiff(want, got string) string {
	wl, gl := strings.Split(want, "\n"), strings.Split(got, "\n")
	for i := 0; i < len(wl) || i < len(gl); i++ {
		var w, g string
		if i < len(wl) {
			w = wl[i]
		}
		if i < len(gl) {
			g = gl[i]
		}
		if w != g || i >= len(wl) || i >= len(gl) {
			return fmt.Sprintf("line %d:\n  want: %s\n  got:  %s\n(%d lines wanted, %d got)", i+1, w, g, len(wl), len(gl))
		}
	}
	return "(no line differs)"
}
