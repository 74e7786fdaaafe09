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

// BenchmarkHardenManifests runs the whole `harden manifests` command (the
// diff, nothing written) on generated corpora: load, scan, plan every fix,
// splice them into the text and diff it. Figures are in docs/BENCHMARKS.md.
func BenchmarkHardenManifests(b *testing.B) {
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
				var out bytes.Buffer
				if code := Main([]string{"harden", "manifests", path}, nil, &out, io.Discard); code != 0 {
					b.Fatalf("exit %d", code)
				}
				if out.Len() == 0 {
					b.Fatal("nothing fixed")
				}
			}
		})
	}
}
