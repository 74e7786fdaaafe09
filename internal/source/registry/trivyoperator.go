package registry

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/dynamic"

	"github.com/kubeward/kubeward/internal/inventory"
)

// VulnerabilityReports is trivy-operator's resource: one report per
// workload container, keyed here by the image digest it scanned.
var VulnerabilityReports = schema.GroupVersionResource{Group: "aquasecurity.github.io", Version: "v1alpha1", Resource: "vulnerabilityreports"}

// vulnerabilityReport is the part of a VulnerabilityReport kubeward reads.
type vulnerabilityReport struct {
	Metadata struct {
		Namespace string `json:"namespace"`
		Name      string `json:"name"`
	} `json:"metadata"`
	Report struct {
		UpdateTimestamp time.Time `json:"updateTimestamp"`
		Artifact        struct {
			Repository string `json:"repository"`
			Tag        string `json:"tag"`
			Digest     string `json:"digest"`
		} `json:"artifact"`
		Vulnerabilities []struct {
			VulnerabilityID  string `json:"vulnerabilityID"`
			Severity         string `json:"severity"`
			Resource         string `json:"resource"`
			InstalledVersion string `json:"installedVersion"`
			FixedVersion     string `json:"fixedVersion"`
		} `json:"vulnerabilities"`
	} `json:"report"`
}

// ParseVulnerabilityReport reads one trivy-operator VulnerabilityReport
// (JSON); one without the image digest is an error.
func ParseVulnerabilityReport(data []byte) (*Report, error) {
	var v vulnerabilityReport
	if err := json.Unmarshal(data, &v); err != nil {
		return nil, fmt.Errorf("VulnerabilityReport: %w", err)
	}
	d := digestsOf([]string{v.Report.Artifact.Digest})
	if len(d) == 0 {
		return nil, fmt.Errorf("VulnerabilityReport %s/%s: report.artifact.digest %q is not a sha256 digest", v.Metadata.Namespace, v.Metadata.Name, v.Report.Artifact.Digest)
	}
	s := &inventory.Scan{Source: "VulnerabilityReport " + v.Metadata.Namespace + "/" + v.Metadata.Name, Time: v.Report.UpdateTimestamp}
	seen := map[string]bool{}
	for _, x := range v.Report.Vulnerabilities {
		if x.VulnerabilityID == "" || seen[x.VulnerabilityID+"\x00"+x.Resource] {
			continue
		}
		seen[x.VulnerabilityID+"\x00"+x.Resource] = true
		s.Vulns = append(s.Vulns, inventory.Vuln{ID: x.VulnerabilityID, Severity: normSeverity(x.Severity), Package: x.Resource, Version: x.InstalledVersion, Fixed: x.FixedVersion})
	}
	return &Report{Digests: d, Scan: s}, nil
}

// ListVulnerabilityReports reads trivy-operator's reports in namespace
// ("" for all), page by page. A cluster without trivy-operator (no such
// resource) has none: (nil, nil).
func ListVulnerabilityReports(ctx context.Context, dc dynamic.Interface, namespace string) (Reports, error) {
	rs := Reports{}
	opts := metav1.ListOptions{Limit: 500}
	for {
		l, err := dc.Resource(VulnerabilityReports).Namespace(namespace).List(ctx, opts)
		if apierrors.IsNotFound(err) {
			return nil, nil
		}
		if err != nil {
			return nil, fmt.Errorf("listing vulnerabilityreports.aquasecurity.github.io: %w", err)
		}
		for i := range l.Items {
			b, err := l.Items[i].MarshalJSON()
			if err != nil {
				return nil, err
			}
			r, err := ParseVulnerabilityReport(b)
			if err != nil {
				continue // a report of an image by tag only: nothing to key it by
			}
			rs.Add(r)
		}
		if opts.Continue = l.GetContinue(); opts.Continue == "" {
			return rs, nil
		}
	}
}

// AddReports adds scans to the verifier's reports (before it is used).
func (v *Verifier) AddReports(rs Reports) {
	for d, s := range rs {
		if old, ok := v.reports[d]; !ok || s.Time.After(old.Time) {
			v.reports[d] = s
		}
	}
}
