package cli

import (
	"bytes"
	"context"
	"errors"
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
