package report_test

import (
	"bytes"
	"io"
	"testing"

	"github.com/kubeward/kubeward/internal/benchgen"
	"github.com/kubeward/kubeward/internal/check"
	"github.com/kubeward/kubeward/internal/report"
	"github.com/kubeward/kubeward/internal/source/manifest"
)

// failingRun audits a generated corpus where every object fails 8+ checks.
func failingRun(b *testing.B, objects int) *report.Run {
	b.Helper()
	var corpus bytes.Buffer
	if err := benchgen.WriteFailing(&corpus, objects); err != nil {
		b.Fatal(err)
	}
	engine := check.New(check.Options{})
	manifest.Load([]string{"-"}, manifest.Options{Stdin: &corpus}, engine.Observe)
	rep := engine.Finish()
	return &report.Run{Target: "manifests", Inputs: []string{"-"}, Results: rep.Results, Passed: rep.Passed, Objects: rep.Objects}
}

// BenchmarkWriteFailing renders ~40,000 results (5,000 failing objects) in
// each format: allocations per report are the figure to watch.
func BenchmarkWriteFailing(b *testing.B) {
	run := failingRun(b, 5000)
	b.Logf("%d results", len(run.Results))
	for _, f := range report.Formats {
		b.Run(f, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if err := report.Write(io.Discard, f, run); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
