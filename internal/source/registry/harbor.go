package registry

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/google/go-containerregistry/pkg/authn"

	"github.com/kubeward/kubeward/internal/inventory"
)

// Harbor reads scan overviews from Harbor's API:
// GET /api/v2.0/projects/{p}/repositories/{r}/artifacts/{digest}?with_scan_overview=true
type Harbor struct {
	URL    string
	Client *http.Client
	Auth   authn.AuthConfig
}

type harborArtifact struct {
	Digest       string                        `json:"digest"`
	ScanOverview map[string]harborScanOverview `json:"scan_overview"`
}

type harborScanOverview struct {
	ScanStatus string `json:"scan_status"`
	Severity   string `json:"severity"`
	EndTime    string `json:"end_time"`
	Summary    struct {
		Total   int            `json:"total"`
		Summary map[string]int `json:"summary"`
	} `json:"summary"`
}

// ParseHarborArtifact reads an artifact with its scan overview; nil when
// no finished scan is in it.
func ParseHarborArtifact(data []byte) (*inventory.Scan, error) {
	var a harborArtifact
	if err := json.Unmarshal(data, &a); err != nil {
		return nil, fmt.Errorf("harbor artifact: %w", err)
	}
	var best *inventory.Scan
	for mime, o := range a.ScanOverview {
		if !strings.EqualFold(o.ScanStatus, "Success") {
			continue
		}
		s := &inventory.Scan{Source: "harbor (" + mime + ")", Counts: map[string]int{}}
		if t, err := time.Parse(time.RFC3339, o.EndTime); err == nil {
			s.Time = t
		}
		for sev, n := range o.Summary.Summary {
			if n > 0 {
				s.Counts[normSeverity(sev)] += n
			}
		}
		if best == nil || s.Time.After(best.Time) {
			best = s
		}
	}
	return best, nil
}

// Scan returns the newest finished scan of project/repository@digest, or
// nil when Harbor has none.
func (h *Harbor) Scan(ctx context.Context, repository, digest string) (*inventory.Scan, error) {
	project, repo, ok := strings.Cut(repository, "/")
	if !ok {
		return nil, fmt.Errorf("harbor: repository %q has no project", repository)
	}
	u := fmt.Sprintf("%s/api/v2.0/projects/%s/repositories/%s/artifacts/%s?with_scan_overview=true",
		h.URL, url.PathEscape(project), url.PathEscape(url.PathEscape(repo)), url.PathEscape(digest))
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, fmt.Errorf("harbor: %w", err)
	}
	req.Header.Set("Accept", "application/json")
	req.Header.Set("X-Accept-Vulnerabilities", "application/vnd.security.vulnerability.report; version=1.1")
	if h.Auth.Username != "" {
		req.SetBasicAuth(h.Auth.Username, h.Auth.Password)
	}
	resp, err := h.Client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("harbor: %w", err)
	}
	defer func() { _ = resp.Body.Close() }()
	if resp.StatusCode == http.StatusNotFound {
		return nil, nil
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("harbor: %s answered %s", h.URL, resp.Status)
	}
	data, err := io.ReadAll(io.LimitReader(resp.Body, 4<<20))
	if err != nil {
		return nil, fmt.Errorf("harbor: %w", err)
	}
	s, err := ParseHarborArtifact(data)
	if err != nil {
		return nil, err
	}
	if s == nil {
		return nil, nil
	}
	return s, nil
}
