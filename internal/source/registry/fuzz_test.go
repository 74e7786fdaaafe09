package registry_test

import (
	"encoding/base64"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/kubeward/kubeward/internal/source/registry"
	"github.com/kubeward/kubeward/internal/source/registry/registrytest"
)

const digestA = "sha256:0f3c6e7b2a1d4c5e8f9a0b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e6f7a8b9c0d1e"

const grype = `{"matches":[{"vulnerability":{"id":"CVE-2026-7","severity":"Critical","fix":{"versions":["1.2.4"]}},"artifact":{"name":"libfoo","version":"1.2.3"}},
{"vulnerability":{"id":"GHSA-xxxx","severity":"Negligible"},"artifact":{"name":"bar","version":"2"}}],
"source":{"type":"image","target":{"userInput":"r/app:1","manifestDigest":"` + digestA + `","repoDigests":["r/app@` + digestA + `"]}},
"descriptor":{"name":"grype","timestamp":"2026-12-01T10:00:00Z"}}`

func TestParseReports(t *testing.T) {
	tr, err := registry.ParseReport(registrytest.TrivyReport("r/app@"+digestA, time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC),
		registrytest.Vuln{ID: "CVE-1", Severity: "HIGH", Package: "p", Version: "1"}, registrytest.Vuln{ID: "CVE-1", Severity: "HIGH", Package: "p", Version: "1"}), "ci.json")
	if err != nil || tr.Digests[0] != digestA || len(tr.Scan.Vulns) != 1 || tr.Scan.Source != "trivy ci.json" || tr.Scan.Time.Day() != 1 {
		t.Fatalf("trivy: %+v %v", tr, err)
	}
	gr, err := registry.ParseReport([]byte(grype), "g.json")
	if err != nil || len(gr.Digests) != 2 || len(gr.Scan.Vulns) != 2 || gr.Scan.Vulns[0].Severity != "CRITICAL" || gr.Scan.Vulns[1].Severity != "LOW" || gr.Scan.Vulns[0].Fixed != "1.2.4" {
		t.Fatalf("grype: %+v %v", gr, err)
	}
	for _, bad := range []string{``, `[]`, `{}`, `{"SchemaVersion":1}`, `{"SchemaVersion":2,"Metadata":{"RepoDigests":["r/app:1"]}}`,
		`{"matches":[],"source":{"type":"directory"}}`, `{"matches":[],"source":{"type":"image","target":{"userInput":"x"}}}`} {
		if _, err := registry.ParseReport([]byte(bad), "f"); err == nil {
			t.Errorf("%q: no error", bad)
		}
	}
	h, err := registry.ParseHarborArtifact([]byte(`{"digest":"` + digestA + `","scan_overview":{"application/vnd.security.vulnerability.report; version=1.1":{"scan_status":"Success","end_time":"2026-12-01T10:00:00Z","summary":{"summary":{"Critical":2,"High":0}}}}}`))
	if err != nil || h.Counts["CRITICAL"] != 2 || h.Counts["HIGH"] != 0 || h.Time.IsZero() {
		t.Fatalf("harbor: %+v %v", h, err)
	}
	if h, err := registry.ParseHarborArtifact([]byte(`{"scan_overview":{"m":{"scan_status":"Running"}}}`)); err != nil || h != nil {
		t.Fatalf("running scan: %+v %v", h, err)
	}
	if d, err := registry.ParsePayload(registrytest.Payload("r/app", digestA)); err != nil || d != digestA {
		t.Fatalf("payload: %s %v", d, err)
	}
	if _, err := registry.ParsePayload([]byte(strings.Replace(string(registrytest.Payload("r/app", digestA)), "cosign container", "other", 1))); err == nil {
		t.Fatal("payload of another type accepted")
	}
}

func FuzzParseReport(f *testing.F) {
	f.Add(registrytest.TrivyReport("r/app@"+digestA, time.Now(), registrytest.Vuln{ID: "CVE-1", Severity: "HIGH"}))
	f.Add([]byte(grype))
	f.Add([]byte(`{"SchemaVersion":2}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		r, err := registry.ParseReport(data, "f")
		if err == nil && (r == nil || r.Scan == nil || len(r.Digests) == 0) {
			t.Fatalf("no error and no digest: %+v", r)
		}
	})
}

func FuzzParseHarborArtifact(f *testing.F) {
	f.Add([]byte(`{"digest":"x","scan_overview":{"m":{"scan_status":"Success","end_time":"2026-12-01T10:00:00Z","summary":{"summary":{"Critical":2}}}}}`))
	f.Fuzz(func(_ *testing.T, data []byte) { _, _ = registry.ParseHarborArtifact(data) })
}

func FuzzParsePayload(f *testing.F) {
	f.Add(registrytest.Payload("r/app", digestA))
	f.Fuzz(func(t *testing.T, data []byte) {
		d, err := registry.ParsePayload(data)
		if err == nil && len(d) != 71 {
			t.Fatalf("digest %q", d)
		}
	})
}

func FuzzParseDockerConfig(f *testing.F) {
	f.Add([]byte(`{"auths":{"r:5000":{"auth":"dTpw"}}}`))
	f.Add([]byte(`{"r":{"username":"u"}}`))
	f.Fuzz(func(_ *testing.T, data []byte) { _, _ = registry.ParseDockerConfig(data) })
}

const vulnReport = `{"apiVersion":"aquasecurity.github.io/v1alpha1","kind":"VulnerabilityReport","metadata":{"name":"pod-app","namespace":"prod-a"},
"report":{"updateTimestamp":"2026-12-01T10:00:00Z","artifact":{"repository":"team/app","tag":"1.0","digest":"` + digestA + `"},
"vulnerabilities":[{"vulnerabilityID":"CVE-2026-5","severity":"CRITICAL","resource":"openssl","installedVersion":"3.0.1","fixedVersion":"3.0.2"}]}}`

func TestParseVulnerabilityReport(t *testing.T) {
	r, err := registry.ParseVulnerabilityReport([]byte(vulnReport))
	if err != nil || r.Digests[0] != digestA || r.Scan.Source != "VulnerabilityReport prod-a/pod-app" || r.Scan.Vulns[0].Fixed != "3.0.2" || r.Scan.Time.IsZero() {
		t.Fatalf("%+v %v", r, err)
	}
	if _, err := registry.ParseVulnerabilityReport([]byte(strings.Replace(vulnReport, digestA, "", 1))); err == nil {
		t.Fatal("report without digest accepted")
	}
}

func FuzzParseVulnerabilityReport(f *testing.F) {
	f.Add([]byte(vulnReport))
	f.Fuzz(func(t *testing.T, data []byte) {
		r, err := registry.ParseVulnerabilityReport(data)
		if err == nil && (len(r.Digests) != 1 || r.Scan == nil) {
			t.Fatalf("%+v", r)
		}
	})
}

func attestation(subject string, report []byte) []byte {
	stmt, _ := json.Marshal(map[string]any{"_type": "https://in-toto.io/Statement/v0.1",
		"subject":       []any{map[string]any{"digest": map[string]string{"sha256": strings.TrimPrefix(subject, "sha256:")}}},
		"predicateType": "https://cosign.sigstore.dev/attestation/vuln/v1",
		"predicate":     map[string]any{"scanner": map[string]any{"result": json.RawMessage(report)}, "metadata": map[string]any{"scanFinishedOn": "2026-12-01T10:00:00Z"}}})
	env, _ := json.Marshal(map[string]any{"payloadType": "application/vnd.in-toto+json", "payload": base64.StdEncoding.EncodeToString(stmt),
		"signatures": []any{map[string]string{"sig": base64.StdEncoding.EncodeToString([]byte("sig"))}}})
	return env
}

func TestParseVulnAttestation(t *testing.T) {
	yes := func(sig, msg []byte) (string, bool) {
		return "release", string(sig) == "sig" && strings.HasPrefix(string(msg), "DSSEv1 28 application/vnd.in-toto+json ")
	}
	no := func([]byte, []byte) (string, bool) { return "", false }
	rep := registrytest.TrivyReport("local", time.Now(), registrytest.Vuln{ID: "CVE-1", Severity: "HIGH"})
	s, err := registry.ParseVulnAttestation(attestation(digestA, rep), digestA, yes)
	if err != nil || s.Vulns[0].ID != "CVE-1" || s.Time.Day() != 1 || !strings.Contains(s.Source, "signed by release") {
		t.Fatalf("%+v %v", s, err)
	}
	other := "sha256:" + strings.Repeat("1", 64)
	for name, tc := range map[string]struct {
		env    []byte
		verify func([]byte, []byte) (string, bool)
		want   string
	}{
		"untrusted":      {attestation(digestA, rep), no, "no signature verifies"},
		"another digest": {attestation(other, rep), yes, "about another digest"},
		"not a report":   {attestation(digestA, []byte(`{"x":1}`)), yes, "neither"},
		"not dsse":       {[]byte(`[]`), yes, "envelope"},
	} {
		if _, err := registry.ParseVulnAttestation(tc.env, digestA, tc.verify); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want %q", name, err, tc.want)
		}
	}
}

func FuzzParseVulnAttestation(f *testing.F) {
	f.Add(attestation(digestA, registrytest.TrivyReport("local", time.Now(), registrytest.Vuln{ID: "CVE-1", Severity: "HIGH"})))
	f.Add(attestation(digestA, []byte(grype)))
	f.Fuzz(func(t *testing.T, data []byte) {
		s, err := registry.ParseVulnAttestation(data, digestA, func([]byte, []byte) (string, bool) { return "k", true })
		if err == nil && s == nil {
			t.Fatal("no scan and no error")
		}
	})
}
