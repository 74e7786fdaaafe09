// Package openreports turns kubeward's results into in-cluster report
// objects: OpenReports (openreports.io/v1alpha1 Report and ClusterReport)
// or, for older dashboards, wgpolicyk8s.io/v1alpha2 PolicyReports. Both
// have the same fields; only the group and kinds differ.
//
// A cluster scan gives one Report per namespace (the namespace's own
// results and those of the objects in it) and one ClusterReport for the
// cluster-scoped results; a node scan gives one ClusterReport for its node.
// An object's results are bounded in size: past MaxBytes they are split
// over several objects ("kubeward-2", ...), so none reaches etcd's limit.
// Every object carries the labels that let the scanner find, update and
// garbage-collect its own reports, and nobody else's.
package openreports

import (
	"cmp"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"time"

	v1alpha1 "github.com/openreports/reports-api/apis/openreports.io/v1alpha1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/kubeward/kubeward/internal/catalog"
	"github.com/kubeward/kubeward/internal/result"
)

// Format is the API the reports are written as.
type Format string

const (
	// OpenReports is openreports.io/v1alpha1 Report and ClusterReport.
	OpenReports Format = "openreports"
	// WGPolicy is wgpolicyk8s.io/v1alpha2 PolicyReport and ClusterPolicyReport.
	WGPolicy Format = "wgpolicyk8s"
)

// ParseFormat reads --report-format.
func ParseFormat(s string) (Format, error) {
	switch Format(s) {
	case OpenReports, WGPolicy:
		return Format(s), nil
	}
	return "", fmt.Errorf("unknown report format %q (want openreports or wgpolicyk8s)", s)
}

// Labels and annotations kubeward puts on the reports it writes.
const (
	LabelManagedBy = "app.kubernetes.io/managed-by"
	ManagedBy      = "kubeward"
	// LabelScanner is "cluster" or "node".
	LabelScanner = "kubeward.io/scanner"
	// LabelNode is the node a node report is for (a hash when the name is
	// longer than a label value may be; AnnotationNode has the name).
	LabelNode          = "kubeward.io/node"
	AnnotationNode     = "kubeward.io/node"
	AnnotationScanTime = "kubeward.io/scan-time"
	AnnotationPart     = "kubeward.io/part"
	AnnotationVersion  = "kubeward.io/version"
	// AnnotationLastFullScan, on the cluster-scoped report of a cluster
	// scan, says when the last scan of every namespace completed.
	AnnotationLastFullScan = "kubeward.io/last-full-scan"
	// Source is the source field of every result.
	Source = "kubeward"
	// BaseName names every report; parts are BaseName-2, -3...
	BaseName = "kubeward"
)

// Scanner names who wrote a report set.
const (
	ScannerCluster = "cluster"
	ScannerNode    = "node"
)

// DefaultMaxBytes bounds one object's results: etcd refuses requests over
// 1.5 MiB, and the object's metadata and the apply request wrap them.
const DefaultMaxBytes = 1 << 20

// Options describe one scan's report set.
type Options struct {
	Format  Format
	Scanner string // ScannerCluster or ScannerNode
	// Node is the node a node scan audited.
	Node    string
	Time    time.Time
	Version string
	// MaxBytes bounds the JSON size of one object's results (0: DefaultMaxBytes).
	MaxBytes int
	// FullScan marks a cluster scan of every namespace.
	FullScan bool
	// Namespace, for a cluster scan of one namespace (-n), limits the
	// garbage collection of namespace reports to that namespace.
	Namespace string
}

// GVR of each kind.
var (
	ReportGVR              = schema.GroupVersionResource{Group: "openreports.io", Version: "v1alpha1", Resource: "reports"}
	ClusterReportGVR       = schema.GroupVersionResource{Group: "openreports.io", Version: "v1alpha1", Resource: "clusterreports"}
	PolicyReportGVR        = schema.GroupVersionResource{Group: "wgpolicyk8s.io", Version: "v1alpha2", Resource: "policyreports"}
	ClusterPolicyReportGVR = schema.GroupVersionResource{Group: "wgpolicyk8s.io", Version: "v1alpha2", Resource: "clusterpolicyreports"}
)

// GVRs returns the namespaced and the cluster-scoped resource of f.
func (f Format) GVRs() (namespaced, cluster schema.GroupVersionResource) {
	if f == WGPolicy {
		return PolicyReportGVR, ClusterPolicyReportGVR
	}
	return ReportGVR, ClusterReportGVR
}

func (f Format) kinds() (apiVersion, namespaced, cluster string) {
	if f == WGPolicy {
		return "wgpolicyk8s.io/v1alpha2", "PolicyReport", "ClusterPolicyReport"
	}
	return "openreports.io/v1alpha1", "Report", "ClusterReport"
}

// Selector is the label selector of the reports this scanner owns.
func (o *Options) Selector() string {
	s := LabelManagedBy + "=" + ManagedBy + "," + LabelScanner + "=" + o.Scanner
	if o.Scanner == ScannerNode {
		s += "," + LabelNode + "=" + labelValue(o.Node)
	}
	return s
}

// Build groups results (in any order) into report objects, sorted by
// namespace and name. Results must hold every verdict, PASS included, for
// the summaries to count them.
func Build(o Options, results []result.Result) ([]*unstructured.Unstructured, error) {
	if o.Scanner != ScannerCluster && o.Scanner != ScannerNode {
		return nil, fmt.Errorf("openreports: unknown scanner %q", o.Scanner)
	}
	if o.Scanner == ScannerNode && o.Node == "" {
		return nil, fmt.Errorf("openreports: a node report needs the node's name")
	}
	if o.Format == "" {
		o.Format = OpenReports
	}
	if o.MaxBytes <= 0 {
		o.MaxBytes = DefaultMaxBytes
	}
	groups := map[string][]int{} // namespace ("" = cluster-scoped) -> result indexes
	for i := range results {
		ns := ""
		if o.Scanner == ScannerCluster {
			ns = namespaceOf(&results[i].Subject)
		}
		groups[ns] = append(groups[ns], i)
	}
	if _, ok := groups[""]; !ok {
		// The node's (or the cluster's) report exists even when empty:
		// it says the scan ran.
		groups[""] = nil
	}
	keys := make([]string, 0, len(groups))
	for k := range groups {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	ts := metav1.Timestamp{Seconds: o.Time.Unix()}
	var out []*unstructured.Unstructured
	for _, ns := range keys {
		idx := groups[ns]
		rs := make([]v1alpha1.ReportResult, len(idx))
		for j, i := range idx {
			rs[j] = ToResult(&results[i], ts)
		}
		slices.SortStableFunc(rs, compareResults)
		parts, err := split(rs, o.MaxBytes)
		if err != nil {
			return nil, err
		}
		for p, part := range parts {
			u, err := o.object(ns, p, len(parts), part)
			if err != nil {
				return nil, err
			}
			out = append(out, u)
		}
	}
	return out, nil
}

func compareResults(a, b v1alpha1.ReportResult) int {
	if c := cmp.Compare(a.Policy, b.Policy); c != 0 {
		return c
	}
	ka, kb := subjectKey(a.Subjects), subjectKey(b.Subjects)
	if c := cmp.Compare(ka, kb); c != 0 {
		return c
	}
	return cmp.Compare(a.Properties[PropContainer], b.Properties[PropContainer])
}

func subjectKey(s []corev1.ObjectReference) string {
	if len(s) == 0 {
		return ""
	}
	return s[0].Kind + "/" + s[0].Namespace + "/" + s[0].Name
}

// namespaceOf is the namespace whose Report holds a result: the subject's
// namespace, or the Namespace object itself.
func namespaceOf(s *result.Subject) string {
	if s.Namespace != "" {
		return s.Namespace
	}
	if s.Kind == "Namespace" {
		return s.Name
	}
	return ""
}

// split cuts rs into parts whose results each marshal to at most max bytes.
func split(rs []v1alpha1.ReportResult, max int) ([][]v1alpha1.ReportResult, error) {
	var parts [][]v1alpha1.ReportResult
	start, size := 0, 2
	for i := range rs {
		b, err := json.Marshal(&rs[i])
		if err != nil {
			return nil, fmt.Errorf("openreports: result %s: %w", rs[i].Policy, err)
		}
		n := len(b) + 1
		if n+2 > max {
			return nil, fmt.Errorf("openreports: result %s of %s is %d bytes, more than the %d-byte bound of a report", rs[i].Policy, subjectKey(rs[i].Subjects), n, max)
		}
		if size+n > max && i > start {
			parts = append(parts, rs[start:i])
			start, size = i, 2
		}
		size += n
	}
	return append(parts, rs[start:]), nil
}

// Name is the name of part p (0-based) of a report.
func Name(o *Options, ns string, p int) string {
	name := BaseName
	if ns == "" {
		if o.Scanner == ScannerNode {
			name = BaseName + "-node-" + o.Node
		} else {
			name = BaseName + "-cluster"
		}
	}
	if p > 0 {
		name += "-" + strconv.Itoa(p+1)
	}
	if len(name) > 253 {
		sum := sha256.Sum256([]byte(name))
		name = name[:253-17] + "-" + hex.EncodeToString(sum[:8])
	}
	return name
}

// labelValue is s when it is a valid label value length, else a hash of it.
func labelValue(s string) string {
	if len(s) <= 63 {
		return s
	}
	sum := sha256.Sum256([]byte(s))
	return "h-" + hex.EncodeToString(sum[:20])
}

func (o *Options) object(ns string, p, n int, rs []v1alpha1.ReportResult) (*unstructured.Unstructured, error) {
	apiVersion, nsKind, clKind := o.Format.kinds()
	meta := metav1.ObjectMeta{
		Name:      Name(o, ns, p),
		Namespace: ns,
		Labels:    map[string]string{LabelManagedBy: ManagedBy, LabelScanner: o.Scanner},
		Annotations: map[string]string{
			AnnotationScanTime: o.Time.UTC().Format(time.RFC3339),
			AnnotationPart:     fmt.Sprintf("%d/%d", p+1, n),
		},
	}
	if o.Version != "" {
		meta.Annotations[AnnotationVersion] = o.Version
	}
	var scope *corev1.ObjectReference
	kind := clKind
	switch {
	case ns != "":
		kind = nsKind
		scope = &corev1.ObjectReference{APIVersion: "v1", Kind: "Namespace", Name: ns}
	case o.Scanner == ScannerNode:
		meta.Labels[LabelNode] = labelValue(o.Node)
		meta.Annotations[AnnotationNode] = o.Node
		scope = &corev1.ObjectReference{APIVersion: "v1", Kind: "Node", Name: o.Node}
	case o.FullScan:
		meta.Annotations[AnnotationLastFullScan] = o.Time.UTC().Format(time.RFC3339)
	}
	rep := v1alpha1.Report{
		TypeMeta:   metav1.TypeMeta{APIVersion: apiVersion, Kind: kind},
		ObjectMeta: meta,
		Source:     Source,
		Scope:      scope,
		Summary:    Summarize(rs),
		Results:    rs,
	}
	m, err := runtime.DefaultUnstructuredConverter.ToUnstructured(&rep)
	if err != nil {
		return nil, fmt.Errorf("openreports: %s: %w", meta.Name, err)
	}
	delete(m["metadata"].(map[string]any), "creationTimestamp")
	if o.Format == WGPolicy {
		// PolicyReports have no top-level source field.
		delete(m, "source")
	}
	return &unstructured.Unstructured{Object: m}, nil
}

// Summarize counts rs by result.
func Summarize(rs []v1alpha1.ReportResult) v1alpha1.ReportSummary {
	var s v1alpha1.ReportSummary
	for i := range rs {
		switch rs[i].Result {
		case "pass":
			s.Pass++
		case "fail":
			s.Fail++
		case "warn":
			s.Warn++
		case "error":
			s.Error++
		default:
			s.Skip++
		}
	}
	return s
}

// Properties of a result that keep what the report fields do not.
const (
	PropStatus    = "status" // kubeward's own status: NOT_APPLICABLE and IGNORED are both "skip"
	PropContainer = "container"
	PropEvidence  = "evidence"
	PropLocation  = "location"
	PropException = "exception"
	PropMessageZH = "message.zh"
	PropLayer     = "layer"
)

var statusResults = map[result.Status]v1alpha1.Result{
	result.Pass: "pass", result.Fail: "fail", result.Warn: "warn", result.Error: "error",
	result.NotApplicable: "skip", result.Ignored: "skip",
}

// ToResult is one kubeward result as a report result.
func ToResult(r *result.Result, ts metav1.Timestamp) v1alpha1.ReportResult {
	props := map[string]string{PropStatus: string(r.Status)}
	if r.Subject.Container != "" {
		props[PropContainer] = r.Subject.Container
	}
	if r.Evidence != "" {
		props[PropEvidence] = r.Evidence
	}
	if l := r.Location.String(); l != "" {
		props[PropLocation] = l
	} else if r.Location != nil && r.Location.Path != "" {
		props[PropLocation] = r.Location.Path
	}
	if r.Exception != nil {
		props[PropException] = r.Exception.Reason
	}
	if r.Message.ZH != "" && r.Message.ZH != r.Message.EN {
		props[PropMessageZH] = r.Message.ZH
	}
	out := v1alpha1.ReportResult{
		Source:      Source,
		Policy:      r.ID,
		Severity:    v1alpha1.ResultSeverity(r.Severity.String()),
		Timestamp:   ts,
		Result:      statusResults[r.Status],
		Scored:      true,
		Description: r.Message.EN,
		Properties:  props,
	}
	if out.Result == "" {
		out.Result = "error"
	}
	if e := catalog.Get(r.ID); e != nil {
		out.Rule = e.Title.EN
		if l := e.Layer(); l != 0 {
			out.Category = l.Title().EN
			props[PropLayer] = strconv.Itoa(int(l))
		}
	}
	if r.Subject.Kind != "" || r.Subject.Name != "" {
		out.Subjects = []corev1.ObjectReference{{Kind: r.Subject.Kind, Namespace: r.Subject.Namespace, Name: r.Subject.Name}}
	}
	return out
}
