package cli

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/kubeward/kubeward/internal/benchgen"
)

// benchCorpora runs each at 1,000 and 10,000 generated objects written to
// one file, timing only each.
func benchCorpora(b *testing.B, each func(b *testing.B, path string)) {
	for _, n := range []int{1_000, 10_000} {
		b.Run(fmt.Sprintf("objects=%d", n), func(b *testing.B) {
			path := filepath.Join(b.TempDir(), "corpus.yaml")
			var buf bytes.Buffer
			if err := benchgen.Write(&buf, n); err != nil {
				b.Fatal(err)
			}
			if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
				b.Fatal(err)
			}
			b.SetBytes(int64(buf.Len()))
			b.ReportAllocs()
			b.ResetTimer()
			each(b, path)
		})
	}
}

// BenchmarkScanManifests runs the whole `scan manifests -o json` command on
// generated corpora. Figures are in docs/BENCHMARKS.md.
func BenchmarkScanManifests(b *testing.B) {
	benchCorpora(b, func(b *testing.B, path string) {
		for b.Loop() {
			code := Main([]string{"scan", "manifests", "-o", "json", "--fail-on", "critical", path}, nil, io.Discard, io.Discard)
			if code == ExitUsage {
				b.Fatalf("exit %d", code)
			}
		}
	})
}
