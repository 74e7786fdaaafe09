package benchmark_test

import (
	"errors"
	"regexp"
	"strings"
	"testing"

	"github.com/kubeward/kubeward/internal/benchmark"
	"github.com/kubeward/kubeward/internal/catalog"
	_ "github.com/kubeward/kubeward/internal/check/all"
)

// TestEveryReferenceIsPinned checks every CIS reference of the catalogue:
// it names a shipped benchmark and version and a recommendation the table
// has ("CIS Kubernetes v1.12 1.2.24"), and the check means what the
// recommendation means (meaningOK).
func TestEveryReferenceIsPinned(t *testing.T) {
	cited := 0
	for _, e := range catalog.All() {
		for _, ref := range e.References {
			b, r, err := benchmark.Resolve(ref)
			switch {
			case errors.Is(err, benchmark.ErrNotPinned):
				t.Errorf("%s: %v", e.ID, err)
				continue
			case err != nil:
				t.Errorf("%s: %v", e.ID, err)
				continue
			case b == nil:
				if strings.Contains(ref, "CIS Kubernetes") || strings.Contains(ref, "CIS Docker") {
					t.Errorf("%s: reference %q mentions a CIS benchmark without the pinned form", e.ID, ref)
				}
				continue
			case r == nil:
				continue // a whole section
			}
			cited++
			if why := meaningOK(r, e); why != "" {
				t.Errorf("%s cites %q (%s) but %s", e.ID, ref, r.Title, why)
			}
		}
	}
	if cited < 100 {
		t.Errorf("only %d pinned references in the catalogue", cited)
	}
}

var (
	flagRE = regexp.MustCompile(`--([A-Za-z][A-Za-z0-9-]+)`)
	// Settings named without dashes in the benchmarks' titles.
	namedSettings = regexp.MustCompile(`\b(RotateKubeletServerCertificate|eventRecordQPS|DenyServiceExternalIPs|EventRateLimit|AlwaysPullImages|AlwaysAdmit|ServiceAccount|NamespaceLifecycle|NodeRestriction)\b`)
	words         = regexp.MustCompile(`[a-z][a-z0-9]+`)
)

// meanings are the words a check citing a recommendation must use, where
// the recommendation's title names no setting and shares no plain word
// with a faithful check.
var meanings = map[string]string{
	"5.2.1": "pod security", // "at least one active policy control mechanism"
}

// squash lowercases s and drops everything but letters and digits, so
// "--client-ca-file" matches "clientCAFile".
func squash(s string) string {
	var b strings.Builder
	for _, c := range strings.ToLower(s) {
		if c >= 'a' && c <= 'z' || c >= '0' && c <= '9' {
			b.WriteRune(c)
		}
	}
	return b.String()
}

var stop = map[string]bool{"ensure": true, "that": true, "the": true, "are": true, "set": true, "is": true, "to": true, "or": true, "more": true,
	"restrictive": true, "restrictively": true, "argument": true, "arguments": true, "as": true, "appropriate": true, "file": true, "files": true,
	"for": true, "and": true, "of": true, "not": true, "if": true, "applicable": true, "an": true, "on": true, "in": true, "be": true, "used": true,
	"minimize": true, "admission": true, "containers": true, "container": true, "docker": true, "with": true, "use": true, "using": true, "should": true,
	"access": true, "all": true, "only": true, "your": true, "which": true, "has": true, "have": true, "been": true, "within": true}

// meaningOK reports "" when the check's English title and remediation say
// what the recommendation's title is about: the flag or setting it names;
// for file recommendations, modes or owners; otherwise a word they share.
func meaningOK(r *benchmark.Recommendation, e *catalog.Entry) string {
	text := e.Title.EN + " " + e.Remediation.EN
	sq := squash(text)
	lower := strings.ToLower(text)
	if w, ok := meanings[r.ID]; ok && strings.HasPrefix(e.ID, "KW-") {
		if strings.Contains(lower, w) {
			return ""
		}
		return "it does not speak of " + w
	}
	switch {
	case strings.Contains(r.Title, "permissions are set") || strings.Contains(r.Title, "permissions set"):
		for _, w := range []string{"mode", "permission", "readable", "writable", "chmod"} {
			if strings.Contains(lower, w) {
				return ""
			}
		}
		return "it does not speak of file modes"
	case strings.Contains(r.Title, "ownership"):
		for _, w := range []string{"owner", "owned", "chown"} {
			if strings.Contains(lower, w) {
				return ""
			}
		}
		return "it does not speak of owners"
	}
	var names []string
	for _, m := range flagRE.FindAllStringSubmatch(r.Title, -1) {
		names = append(names, m[1])
	}
	names = append(names, namedSettings.FindAllString(r.Title, -1)...)
	if len(names) > 0 {
		for _, n := range names {
			if strings.Contains(sq, squash(n)) {
				return ""
			}
			// --audit-log-maxage: "maxage 30" in the remediation.
			parts := strings.Split(n, "-")
			if last := parts[len(parts)-1]; len(last) >= 6 && strings.Contains(sq, last) {
				return ""
			}
		}
		if strings.Contains(r.Title, "admission control plugin") && strings.Contains(lower, "admission plugin") {
			return ""
		}
		return "its title and remediation name none of " + strings.Join(names, ", ")
	}
	for _, w := range words.FindAllString(strings.ToLower(r.Title), -1) {
		if stop[w] || len(w) < 3 {
			continue
		}
		stem := w
		if len(stem) > 5 {
			stem = stem[:5]
		}
		if strings.Contains(lower, stem) {
			return ""
		}
	}
	return "they share no word"
}

// TestImplementers checks the compliance view's source of truth: the
// recommendations the issue names are implemented by a check.
func TestImplementers(t *testing.T) {
	for _, id := range []string{benchmark.CISKubernetes, benchmark.CISDocker} {
		b, err := benchmark.Get(id)
		if err != nil {
			t.Fatal(err)
		}
		impl := b.Implementers(catalog.All())
		total, automated := b.Count()
		covered, coveredAutomated := 0, 0
		for _, s := range b.Sections {
			for _, r := range s.Recommendations {
				if len(impl[r.ID]) > 0 {
					covered++
					if r.Automated {
						coveredAutomated++
					}
				}
			}
		}
		t.Logf("%s: %d of %d recommendations implemented (%d of %d automated)", id, covered, total, coveredAutomated, automated)
		if covered == 0 {
			t.Errorf("%s: no recommendation is implemented", id)
		}
	}
}
