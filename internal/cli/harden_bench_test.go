package cli

import (
	"bytes"
	"io"
	"testing"
)

// BenchmarkHardenManifests runs the whole `harden manifests` command (the
// diff, nothing written) on generated corpora: load, scan, plan every fix,
// splice them into the text and diff it. Figures are in docs/BENCHMARKS.md.
func BenchmarkHardenManifests(b *testing.B) {
	benchCorpora(b, func(b *testing.B, path string) {
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
