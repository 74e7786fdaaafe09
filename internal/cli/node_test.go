package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kubeward/kubeward/internal/report"
)

func TestRepeatScansUntilStopped(t *testing.T) {
	tests := []struct {
		name     string
		failures map[int]bool // scans (1-based) that fail
		scans    int          // scans before the context ends
		wantErr  int          // error lines on stderr
	}{
		{"every scan succeeds", nil, 3, 0},
		{"a failed scan is reported and retried", map[int]bool{2: true}, 4, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stderr bytes.Buffer
			g := &globalOptions{stderr: &stderr}
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			n := 0
			scan := func() (*report.Run, error) {
				n++
				if n == tt.scans {
					cancel()
				}
				if tt.failures[n] {
					return nil, errors.New("reading /host/proc: permission denied")
				}
				return &report.Run{}, nil
			}
			if err := repeat(ctx, time.Millisecond, g, scan); err != nil {
				t.Fatalf("repeat: %v", err)
			}
			if n != tt.scans {
				t.Errorf("%d scans, want %d", n, tt.scans)
			}
			if got := strings.Count(stderr.String(), "kubeward: reading /host/proc"); got != tt.wantErr {
				t.Errorf("%d errors on stderr, want %d:\n%s", got, tt.wantErr, stderr.String())
			}
		})
	}
}

func TestScanNodeIntervalFlag(t *testing.T) {
	code, _, stderr := run(t, "", "scan", "node", "--interval", "soon")
	if code != ExitUsage || !strings.Contains(stderr, "--interval") {
		t.Errorf("bad --interval: exit %d, %q", code, stderr)
	}
}

func TestLiveReportsSayWhereAndWhen(t *testing.T) {
	root := t.TempDir()
	if err := os.MkdirAll(filepath.Join(root, "proc"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Join(root, "etc"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(root, "etc", "hostname"), []byte("node-7\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Setenv("NODE_NAME", "")
	type header struct {
		Host        string `json:"host"`
		GeneratedAt string `json:"generatedAt"`
	}
	tests := []struct {
		name     string
		args     []string
		nodeName string
		want     header
	}{
		{"node: the mounted host's hostname", []string{"scan", "node", "--root", root, "-o", "json"}, "", header{"node-7", "set"}},
		{"node: NODE_NAME from the downward API wins", []string{"scan", "node", "--root", root, "-o", "json"}, "worker-3", header{"worker-3", "set"}},
		{"manifests: reproducible, neither", []string{"scan", "manifests", "-o", "json", "../../examples/hardened"}, "", header{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv("NODE_NAME", tt.nodeName)
			_, out, errs := run(t, "", tt.args...)
			var h header
			if err := json.Unmarshal([]byte(out), &h); err != nil {
				t.Fatalf("not JSON: %v\n%s\n%s", err, out, errs)
			}
			if h.Host != tt.want.Host {
				t.Errorf("host %q, want %q", h.Host, tt.want.Host)
			}
			if _, err := time.Parse(time.RFC3339, h.GeneratedAt); (err == nil) != (tt.want.GeneratedAt == "set") {
				t.Errorf("generatedAt %q", h.GeneratedAt)
			}
		})
	}
}
