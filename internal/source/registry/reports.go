package registry

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/kubeward/kubeward/internal/inventory"
)

// Our own structs for the scanners' report formats: the fields kubeward
// reads, nothing imported from the scanners.

type trivyReport struct {
	SchemaVersion int       `json:"SchemaVersion"`
	CreatedAt     time.Time `json:"CreatedAt"`
	ArtifactName  string    `json:"ArtifactName"`
	ArtifactType  string    `json:"ArtifactType"`
	Metadata      struct {
		RepoDigests []string `json:"RepoDigests"`
	} `json:"Metadata"`
	Results []struct {
		Target          string `json:"Target"`
		Vulnerabilities []struct {
			VulnerabilityID  string `json:"VulnerabilityID"`
			PkgName          string `json:"PkgName"`
			InstalledVersion string `json:"InstalledVersion"`
			FixedVersion     string `json:"FixedVersion"`
			Severity         string `json:"Severity"`
		} `json:"Vulnerabilities"`
	} `json:"Results"`
}

type grypeReport struct {
	Matches []struct {
		Vulnerability struct {
			ID       string `json:"id"`
			Severity string `json:"severity"`
			Fix      struct {
				Versions []string `json:"versions"`
			} `json:"fix"`
		} `json:"vulnerability"`
		Artifact struct {
			Name    string `json:"name"`
			Version string `json:"version"`
		} `json:"artifact"`
	} `json:"matches"`
	Source struct {
		Type   string          `json:"type"`
		Target json.RawMessage `json:"target"`
	} `json:"source"`
	Descriptor struct {
		Name      string `json:"name"`
		Timestamp string `json:"timestamp"`
	} `json:"descriptor"`
}

type grypeImageTarget struct {
	UserInput      string   `json:"userInput"`
	ManifestDigest string   `json:"manifestDigest"`
	RepoDigests    []string `json:"repoDigests"`
}

// Report is one parsed scanner report: the digests it covers and its scan.
type Report struct {
	Digests []string
	Scan    *inventory.Scan
}

// ParseReport reads a Trivy or Grype JSON report (told apart by their
// fields). source names the file for the scan's Source.
func ParseReport(data []byte, source string) (*Report, error) {
	data = bytes.TrimSpace(data)
	if len(data) == 0 || data[0] != '{' {
		return nil, errors.New("not a JSON object: want a Trivy or Grype JSON report")
	}
	var probe map[string]json.RawMessage
	if err := json.Unmarshal(data, &probe); err != nil {
		return nil, fmt.Errorf("report: %w", err)
	}
	switch {
	case probe["SchemaVersion"] != nil:
		return parseTrivy(data, source)
	case probe["matches"] != nil:
		return parseGrype(data, source)
	}
	return nil, errors.New("neither a Trivy report (SchemaVersion) nor a Grype report (matches)")
}

func parseTrivy(data []byte, source string) (*Report, error) {
	var t trivyReport
	if err := json.Unmarshal(data, &t); err != nil {
		return nil, fmt.Errorf("trivy report: %w", err)
	}
	if t.SchemaVersion != 2 {
		return nil, fmt.Errorf("trivy report: SchemaVersion %d (want 2)", t.SchemaVersion)
	}
	r := &Report{Digests: digestsOf(t.Metadata.RepoDigests), Scan: &inventory.Scan{Source: "trivy " + source, Time: t.CreatedAt}}
	seen := map[string]bool{}
	for _, res := range t.Results {
		for _, v := range res.Vulnerabilities {
			if v.VulnerabilityID == "" || seen[v.VulnerabilityID+"\x00"+v.PkgName] {
				continue
			}
			seen[v.VulnerabilityID+"\x00"+v.PkgName] = true
			r.Scan.Vulns = append(r.Scan.Vulns, inventory.Vuln{ID: v.VulnerabilityID, Severity: normSeverity(v.Severity),
				Package: v.PkgName, Version: v.InstalledVersion, Fixed: v.FixedVersion})
		}
	}
	if len(r.Digests) == 0 {
		return nil, errors.New("trivy report: Metadata.RepoDigests names no digest: scan the image from the registry so the report is keyed by digest")
	}
	return r, nil
}

func parseGrype(data []byte, source string) (*Report, error) {
	var g grypeReport
	if err := json.Unmarshal(data, &g); err != nil {
		return nil, fmt.Errorf("grype report: %w", err)
	}
	var tgt grypeImageTarget
	if g.Source.Type != "image" || json.Unmarshal(g.Source.Target, &tgt) != nil {
		return nil, fmt.Errorf("grype report: source type %q is not an image", g.Source.Type)
	}
	r := &Report{Digests: digestsOf(append(tgt.RepoDigests, tgt.ManifestDigest)), Scan: &inventory.Scan{Source: "grype " + source}}
	if ts, err := time.Parse(time.RFC3339, g.Descriptor.Timestamp); err == nil {
		r.Scan.Time = ts
	}
	seen := map[string]bool{}
	for _, m := range g.Matches {
		v := m.Vulnerability
		if v.ID == "" || seen[v.ID+"\x00"+m.Artifact.Name] {
			continue
		}
		seen[v.ID+"\x00"+m.Artifact.Name] = true
		r.Scan.Vulns = append(r.Scan.Vulns, inventory.Vuln{ID: v.ID, Severity: normSeverity(v.Severity),
			Package: m.Artifact.Name, Version: m.Artifact.Version, Fixed: strings.Join(v.Fix.Versions, ",")})
	}
	if len(r.Digests) == 0 {
		return nil, errors.New("grype report: source.target names no manifest or repo digest")
	}
	return r, nil
}

// digestsOf keeps the sha256 digests of name@sha256:... or bare digests.
func digestsOf(refs []string) []string {
	var out []string
	for _, s := range refs {
		if i := strings.LastIndex(s, "@"); i >= 0 {
			s = s[i+1:]
		}
		if strings.HasPrefix(s, "sha256:") && len(s) == 71 {
			out = append(out, s)
		}
	}
	return out
}

func normSeverity(s string) string {
	switch strings.ToUpper(strings.TrimSpace(s)) {
	case "CRITICAL":
		return "CRITICAL"
	case "HIGH":
		return "HIGH"
	case "MEDIUM", "MODERATE":
		return "MEDIUM"
	case "LOW", "NEGLIGIBLE":
		return "LOW"
	}
	return "UNKNOWN"
}

// Reports are scanner reports keyed by digest: the newest scan of each.
type Reports map[string]*inventory.Scan

// Add keeps r's scan for each of its digests when newer than the one held.
func (rs Reports) Add(r *Report) {
	for _, d := range r.Digests {
		if old, ok := rs[d]; !ok || r.Scan.Time.After(old.Time) {
			rs[d] = r.Scan
		}
	}
}

// LoadReports reads report files; an unreadable or unparsable file is an
// error naming it.
func LoadReports(files []string) (Reports, error) {
	rs := Reports{}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			return nil, fmt.Errorf("vulnerability report: %w", err)
		}
		r, err := ParseReport(data, f)
		if err != nil {
			return nil, fmt.Errorf("vulnerability report %s: %w", f, err)
		}
		rs.Add(r)
	}
	return rs, nil
}
