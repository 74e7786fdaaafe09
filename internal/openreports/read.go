package openreports

import (
	"fmt"
	"strings"
	"time"

	v1alpha1 "github.com/openreports/reports-api/apis/openreports.io/v1alpha1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/kubeward/kubeward/internal/catalog"
	"github.com/kubeward/kubeward/internal/result"
)

// Meta is what a report's labels and annotations say about it.
type Meta struct {
	Name     string
	Node     string    // the node a node report is for
	ScanTime time.Time // zero when absent or unreadable
	Scanner  string
}

var reportStatuses = map[v1alpha1.Result]result.Status{
	"pass": result.Pass, "fail": result.Fail, "warn": result.Warn, "error": result.Error, "skip": result.NotApplicable,
}

// Read turns a report object kubeward wrote (Report, ClusterReport or
// their wgpolicyk8s twins) back into results. It refuses an object of
// another kind or a result it cannot map, naming the object and the result.
func Read(u *unstructured.Unstructured) (Meta, []result.Result, error) {
	m := Meta{Name: u.GetName(), Scanner: u.GetLabels()[LabelScanner], Node: u.GetAnnotations()[AnnotationNode]}
	switch u.GetKind() {
	case "Report", "ClusterReport", "PolicyReport", "ClusterPolicyReport":
	default:
		return m, nil, fmt.Errorf("%s: kind %q is not a report", m.Name, u.GetKind())
	}
	if t := u.GetAnnotations()[AnnotationScanTime]; t != "" {
		st, err := time.Parse(time.RFC3339, t)
		if err != nil {
			return m, nil, fmt.Errorf("%s: annotation %s: %w", m.Name, AnnotationScanTime, err)
		}
		m.ScanTime = st
	}
	var rep v1alpha1.Report
	if err := runtime.DefaultUnstructuredConverter.FromUnstructured(u.Object, &rep); err != nil {
		return m, nil, fmt.Errorf("%s: %w", m.Name, err)
	}
	out := make([]result.Result, 0, len(rep.Results))
	for i := range rep.Results {
		r, err := FromResult(&rep.Results[i])
		if err != nil {
			return m, nil, fmt.Errorf("%s: results[%d]: %w", m.Name, i, err)
		}
		out = append(out, r)
	}
	return m, out, nil
}

// FromResult is the kubeward result a report result was written from.
func FromResult(rr *v1alpha1.ReportResult) (result.Result, error) {
	if rr.Policy == "" {
		return result.Result{}, fmt.Errorf("no policy (check ID)")
	}
	r := result.Result{ID: rr.Policy, Message: catalog.Text{EN: rr.Description, ZH: rr.Description}, Evidence: rr.Properties[PropEvidence]}
	if zh := rr.Properties[PropMessageZH]; zh != "" {
		r.Message.ZH = zh
	}
	if st := rr.Properties[PropStatus]; st != "" {
		r.Status = result.Status(st)
		switch r.Status {
		case result.Pass, result.Fail, result.Warn, result.Error, result.NotApplicable, result.Ignored:
		default:
			return r, fmt.Errorf("%s: unknown status %q", rr.Policy, st)
		}
	} else {
		s, ok := reportStatuses[rr.Result]
		if !ok {
			return r, fmt.Errorf("%s: unknown result %q", rr.Policy, rr.Result)
		}
		r.Status = s
	}
	if rr.Severity != "" {
		sev, err := catalog.ParseSeverity(string(rr.Severity))
		if err != nil {
			if e := catalog.Get(rr.Policy); e != nil {
				sev = e.Severity
			} else {
				return r, fmt.Errorf("%s: %w", rr.Policy, err)
			}
		}
		r.Severity = sev
	} else if e := catalog.Get(rr.Policy); e != nil {
		r.Severity = e.Severity
	}
	if len(rr.Subjects) > 0 {
		s := rr.Subjects[0]
		r.Subject = result.Subject{Kind: s.Kind, Namespace: s.Namespace, Name: s.Name, Container: rr.Properties[PropContainer]}
	}
	if l := rr.Properties[PropLocation]; l != "" {
		r.Location = &result.Location{File: l}
		if i := strings.LastIndexByte(l, ':'); i > 0 {
			var line int
			if _, err := fmt.Sscanf(l[i+1:], "%d", &line); err == nil && line > 0 && fmt.Sprint(line) == l[i+1:] {
				r.Location = &result.Location{File: l[:i], Line: line}
			}
		}
	}
	if ex := rr.Properties[PropException]; ex != "" || r.Status == result.Ignored {
		r.Exception = &result.Exception{Source: "report", Reason: ex}
	}
	return r, nil
}
