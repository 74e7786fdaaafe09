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

// BenchmarkScanManifests runs the whole `scan manifests -o json` command on
// generated corpora. Figures are in docs/BENCHMARKS.md.
func BenchmarkScanManifests(b *testing.B) {
	for _, n := range []int{1_000, 10_000} {
		b.Run(fmt.Sprintf("objects=%d", n), func(b *testing.B) {
			dir := b.TempDir()
			path := filepath.Join(dir, "corpus.yaml")
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
			for b.Loop() {
				code := Main([]string{"scan", "manifests", "-o", "json", "--fail-on", "critical", path}, nil, io.Discard, io.Discard)
				if code == ExitUsage {
					b.Fatalf("exit %d", code)
				}
			}
		})
	}
}
