package benchmark_test

import (
	"bytes"
	"flag"
	"os"
	"strings"
	"testing"

	"github.com/kubeward/kubeward/internal/benchmark"
	"github.com/kubeward/kubeward/internal/catalog"
)

var update = flag.Bool("update", false, "rewrite docs/cis-coverage.md")

const coverageDoc = "../../docs/cis-coverage.md"

// TestCoverageDoc keeps docs/cis-coverage.md what WriteCoverage makes of
// the catalogue, and checks it lists every recommendation of both
// benchmarks, each with a check or "manual" and a reason.
func TestCoverageDoc(t *testing.T) {
	var buf bytes.Buffer
	if err := benchmark.WriteCoverage(&buf, catalog.All()); err != nil {
		t.Fatal(err)
	}
	if *update {
		if err := os.WriteFile(coverageDoc, buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	have, err := os.ReadFile(coverageDoc)
	if err != nil {
		t.Fatalf("%v (go test ./internal/benchmark -run TestCoverageDoc -update)", err)
	}
	if !bytes.Equal(have, buf.Bytes()) {
		t.Errorf("%s is stale: go test ./internal/benchmark -run TestCoverageDoc -update", coverageDoc)
	}
	for _, b := range benchmark.MustAll() {
		at := bytes.Index(buf.Bytes(), []byte("## "+b.Name))
		if at < 0 {
			t.Errorf("%s has no section in the coverage table", b.ID)
			continue
		}
		section := string(buf.Bytes()[at:])
		for _, s := range b.Sections {
			for _, r := range s.Recommendations {
				row := "| " + r.ID + " | "
				i := strings.Index(section, row)
				if i < 0 {
					t.Errorf("%s %s is missing from the coverage table", b.ID, r.ID)
					continue
				}
				line := section[i:]
				line = line[:strings.IndexByte(line, '\n')]
				if !strings.Contains(line, "KW-") && !(strings.Contains(line, "| manual |") && strings.Contains(line, "Audit: ")) {
					t.Errorf("%s %s: neither a check nor manual with its audit step: %s", b.ID, r.ID, line)
				}
			}
		}
	}
}
