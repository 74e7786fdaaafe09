package openreports

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	dynamicfake "k8s.io/client-go/dynamic/fake"
	k8stesting "k8s.io/client-go/testing"

	"github.com/kubeward/kubeward/internal/catalog"
	"github.com/kubeward/kubeward/internal/check/cluster"
	"github.com/kubeward/kubeward/internal/result"
)

var t0 = time.Date(2026, 12, 6, 2, 0, 0, 0, time.UTC)

func sample() []result.Result {
	return []result.Result{
		{ID: "KW-POD-002", Status: result.Fail, Severity: catalog.SeverityCritical, Subject: result.Subject{Kind: "Deployment", Namespace: "apps", Name: "web", Container: "app"},
			Message: catalog.Text{EN: "container app runs privileged", ZH: "容器 app 以特权模式运行"}, Evidence: "privileged=true", Location: &result.Location{File: "api", Line: 3}},
		{ID: "KW-POD-002", Status: result.Pass, Severity: catalog.SeverityCritical, Subject: result.Subject{Kind: "Deployment", Namespace: "apps", Name: "api", Container: "api"}},
		{ID: "KW-NS-001", Status: result.Warn, Severity: catalog.SeverityMedium, Subject: result.Subject{Kind: "Namespace", Name: "apps"}, Message: catalog.Text{EN: "w", ZH: "w"}},
		{ID: "KW-NS-001", Status: result.NotApplicable, Severity: catalog.SeverityMedium, Subject: result.Subject{Kind: "Namespace", Name: "db"}, Message: catalog.Text{EN: "n/a", ZH: "不适用"}},
		{ID: "KW-RBAC-001", Status: result.Ignored, Severity: catalog.SeverityHigh, Subject: result.Subject{Kind: "ClusterRole", Name: "admin"},
			Exception: &result.Exception{Source: "annotation", Reason: "break glass"}},
		{ID: "KW-CL-000", Status: result.Error, Severity: catalog.SeverityMedium, Subject: result.Subject{Kind: "Cluster", Name: "https://k"}, Message: catalog.Text{EN: "refused", ZH: "拒绝"}},
	}
}

// TestBuildCluster: a cluster scan gives one Report per namespace (the
// Namespace's own results with its objects') and one ClusterReport for the
// rest, labelled for the scanner, with the summary counting each result.
func TestBuildCluster(t *testing.T) {
	objs, err := Build(Options{Scanner: ScannerCluster, Time: t0, Version: "v1", FullScan: true}, sample())
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, u := range objs {
		s, _, _ := unstructured.NestedMap(u.Object, "summary")
		got = append(got, fmt.Sprintf("%s %s/%s %v", u.GetKind(), u.GetNamespace(), u.GetName(), s))
	}
	want := []string{
		"ClusterReport /kubeward-cluster map[error:1 fail:0 pass:0 skip:1 warn:0]",
		"Report apps/kubeward map[error:0 fail:1 pass:1 skip:0 warn:1]",
		"Report db/kubeward map[error:0 fail:0 pass:0 skip:1 warn:0]",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	cl := objs[0]
	if cl.GetAnnotations()[AnnotationLastFullScan] != "2026-12-06T02:00:00Z" || cl.GetLabels()[LabelScanner] != "cluster" || cl.GetAPIVersion() != "openreports.io/v1alpha1" {
		t.Errorf("cluster report meta: %v %v %s", cl.GetAnnotations(), cl.GetLabels(), cl.GetAPIVersion())
	}
	if s, _, _ := unstructured.NestedString(objs[1].Object, "scope", "name"); s != "apps" {
		t.Errorf("namespace report scope = %q", s)
	}
	if src, _, _ := unstructured.NestedString(cl.Object, "source"); src != Source {
		t.Errorf("source = %q", src)
	}
}

// TestRoundTrip: what Build writes, Read gives back: ID, status (IGNORED and
// NOT_APPLICABLE kept apart), severity, subject with container, messages in
// both languages, evidence, location, exception.
func TestRoundTrip(t *testing.T) {
	in := sample()
	objs, err := Build(Options{Scanner: ScannerCluster, Time: t0}, in)
	if err != nil {
		t.Fatal(err)
	}
	back := map[string]result.Result{}
	for _, u := range objs {
		// Through JSON, as the API server gives them.
		b, _ := json.Marshal(u.Object)
		var v unstructured.Unstructured
		if err := v.UnmarshalJSON(b); err != nil {
			t.Fatal(err)
		}
		_, rs, err := Read(&v)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range rs {
			back[r.ID+" "+r.Subject.String()] = r
		}
	}
	for _, r := range in {
		b, ok := back[r.ID+" "+r.Subject.String()]
		if !ok {
			t.Errorf("%s %s lost", r.ID, r.Subject)
			continue
		}
		if b.Status != r.Status || b.Severity != r.Severity || b.Evidence != r.Evidence || b.Message.EN != r.Message.EN || (r.Message.ZH != "" && b.Message.ZH != r.Message.ZH) {
			t.Errorf("%s %s: got %+v, want %+v", r.ID, r.Subject, b, r)
		}
		if (r.Location == nil) != (b.Location == nil) || (r.Location != nil && *r.Location != *b.Location) {
			t.Errorf("%s location: got %v, want %v", r.ID, b.Location, r.Location)
		}
		if (r.Exception == nil) != (b.Exception == nil) || (r.Exception != nil && b.Exception.Reason != r.Exception.Reason) {
			t.Errorf("%s exception: got %v, want %v", r.ID, b.Exception, r.Exception)
		}
	}
}

// TestSplit: past MaxBytes the results go to several parts, each under the
// bound, numbered PART/TOTAL, together holding every result once.
func TestSplit(t *testing.T) {
	var rs []result.Result
	for i := range 500 {
		rs = append(rs, result.Result{ID: "KW-POD-002", Status: result.Fail, Severity: catalog.SeverityCritical,
			Subject: result.Subject{Kind: "Pod", Namespace: "big", Name: fmt.Sprintf("p-%04d", i)}, Message: catalog.Text{EN: strings.Repeat("x", 200)}})
	}
	const max = 20000
	objs, err := Build(Options{Scanner: ScannerCluster, Time: t0, MaxBytes: max}, rs)
	if err != nil {
		t.Fatal(err)
	}
	total := 0
	var names []string
	for _, u := range objs {
		if u.GetNamespace() != "big" {
			continue
		}
		list, _, _ := unstructured.NestedSlice(u.Object, "results")
		b, _ := json.Marshal(list)
		if len(b) > max {
			t.Errorf("%s: results are %d bytes, over %d", u.GetName(), len(b), max)
		}
		total += len(list)
		names = append(names, u.GetName()+" "+u.GetAnnotations()[AnnotationPart])
	}
	if total != 500 || len(names) < 2 || names[0] != fmt.Sprintf("kubeward 1/%d", len(names)) || !strings.HasPrefix(names[1], "kubeward-2 2/") {
		t.Errorf("%d results in %v", total, names)
	}
	if _, err := Build(Options{Scanner: ScannerCluster, MaxBytes: 100}, rs[:1]); err == nil || !strings.Contains(err.Error(), "more than the 100-byte bound") {
		t.Errorf("a result over the bound: err = %v", err)
	}
}

// TestBuildNodeAndWGPolicy: a node scan gives one ClusterReport named and
// labelled for its node (a hash when the name is too long for a label); the
// wgpolicyk8s format gives ClusterPolicyReports without a source field.
func TestBuildNodeAndWGPolicy(t *testing.T) {
	long := strings.Repeat("n", 80)
	for _, tc := range []struct {
		f          Format
		node, kind string
	}{{OpenReports, "worker-1", "ClusterReport"}, {WGPolicy, "worker-1", "ClusterPolicyReport"}, {OpenReports, long, "ClusterReport"}} {
		o := Options{Format: tc.f, Scanner: ScannerNode, Node: tc.node, Time: t0}
		objs, err := Build(o, []result.Result{{ID: "KW-CL-000", Status: result.Pass, Subject: result.Subject{Kind: "Node", Name: tc.node}}})
		if err != nil || len(objs) != 1 {
			t.Fatalf("%v: %d objects, err %v", tc, len(objs), err)
		}
		u := objs[0]
		if u.GetKind() != tc.kind || u.GetName() != "kubeward-node-"+tc.node || u.GetAnnotations()[AnnotationNode] != tc.node {
			t.Errorf("%v: %s %s %v", tc, u.GetKind(), u.GetName(), u.GetAnnotations())
		}
		if l := u.GetLabels()[LabelNode]; len(l) > 63 || l == "" || !owned(u, &o) {
			t.Errorf("%v: node label %q", tc, l)
		}
		if _, has := u.Object["source"]; has == (tc.f == WGPolicy) {
			t.Errorf("%v: source field present=%v", tc, has)
		}
	}
	if _, err := Build(Options{Scanner: ScannerNode}, nil); err == nil {
		t.Error("a node report without a node name was built")
	}
	if _, err := ParseFormat("yaml"); err == nil {
		t.Error("ParseFormat accepted yaml")
	}
}

// fakeClient is a dynamic client whose server-side apply creates or
// replaces the object (the fake's tracker has no apply of its own).
func fakeClient(objs ...runtime.Object) *dynamicfake.FakeDynamicClient {
	s := runtime.NewScheme()
	c := dynamicfake.NewSimpleDynamicClientWithCustomListKinds(s, map[schemaGVR]string{
		ReportGVR: "ReportList", ClusterReportGVR: "ClusterReportList", PolicyReportGVR: "PolicyReportList", ClusterPolicyReportGVR: "ClusterPolicyReportList",
	}, objs...)
	c.PrependReactor("patch", "*", func(a k8stesting.Action) (bool, runtime.Object, error) {
		p := a.(k8stesting.PatchAction)
		if p.GetPatchType() != types.ApplyPatchType {
			return false, nil, nil
		}
		u := &unstructured.Unstructured{}
		if err := u.UnmarshalJSON(p.GetPatch()); err != nil {
			return true, nil, err
		}
		if _, err := c.Tracker().Get(p.GetResource(), p.GetNamespace(), p.GetName()); err == nil {
			return true, u, c.Tracker().Update(p.GetResource(), u, p.GetNamespace())
		}
		return true, u, c.Tracker().Create(p.GetResource(), u, p.GetNamespace())
	})
	return c
}

// TestWriteUpdatesInPlaceAndCollectsOwnReports: a second run updates the
// reports in place and deletes only this scanner's reports it did not
// write again (a namespace gone); another node's report and a report
// someone else wrote stay.
func TestWriteUpdatesInPlaceAndCollectsOwnReports(t *testing.T) {
	other, _ := Build(Options{Scanner: ScannerNode, Node: "n2", Time: t0}, nil)
	foreign := &unstructured.Unstructured{Object: map[string]any{"apiVersion": "openreports.io/v1alpha1", "kind": "Report",
		"metadata": map[string]any{"name": "kyverno", "namespace": "db", "labels": map[string]any{LabelManagedBy: "kyverno"}}}}
	dyn := fakeClient(other[0], foreign)
	ctx := context.Background()
	o := Options{Scanner: ScannerCluster, Time: t0}
	first, _ := Build(o, sample())
	st, err := Write(ctx, dyn, o, first, 2)
	if err != nil || st.Applied != 3 || len(st.Deleted) != 0 {
		t.Fatalf("first write: %+v %v", st, err)
	}
	o.Time = t0.Add(time.Hour)
	second, _ := Build(o, sample()[:2]) // only namespace apps now
	st, err = Write(ctx, dyn, o, second, 2)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(st.Deleted, ",") != "db/kubeward" {
		t.Errorf("deleted %v, want db/kubeward only", st.Deleted)
	}
	got, err := dyn.Resource(ReportGVR).Namespace("apps").Get(ctx, "kubeward", metav1GetOptions)
	if err != nil || got.GetAnnotations()[AnnotationScanTime] != "2026-12-06T03:00:00Z" {
		t.Errorf("apps report not updated: %v %v", err, got)
	}
	for _, k := range []struct {
		gvr  schemaGVR
		ns   string
		name string
	}{{ClusterReportGVR, "", "kubeward-node-n2"}, {ReportGVR, "db", "kyverno"}, {ClusterReportGVR, "", "kubeward-cluster"}} {
		if _, err := dyn.Resource(k.gvr).Namespace(k.ns).Get(ctx, k.name, metav1GetOptions); err != nil {
			t.Errorf("%s/%s: %v", k.ns, k.name, err)
		}
	}
}

// TestWriteOneNamespaceCollectsOnlyThere: a scan of one namespace (-n)
// leaves the other namespaces' reports alone and deletes only its own
// namespace's parts no longer needed.
func TestWriteOneNamespaceCollectsOnlyThere(t *testing.T) {
	dyn := fakeClient()
	ctx := context.Background()
	o := Options{Scanner: ScannerCluster, Time: t0, MaxBytes: 600}
	all, _ := Build(o, sample())
	if _, err := Write(ctx, dyn, o, all, 1); err != nil {
		t.Fatal(err)
	}
	before, _ := dyn.Resource(ReportGVR).Namespace("apps").List(ctx, metav1.ListOptions{})
	if len(before.Items) < 2 {
		t.Fatalf("apps has %d parts, want a split", len(before.Items))
	}
	o.Namespace = "apps"
	one, _ := Build(o, sample()[2:3]) // apps shrinks to one result
	st, err := Write(ctx, dyn, o, one, 1)
	if err != nil {
		t.Fatal(err)
	}
	inApps := 0
	for _, d := range st.Deleted {
		switch {
		case strings.HasPrefix(d, "apps/"):
			inApps++
		case !strings.HasPrefix(d, "/"): // the cluster report is rewritten by any cluster scan
			t.Errorf("a scan of apps deleted %s", d)
		}
	}
	if inApps != len(before.Items)-1 {
		t.Errorf("deleted %v, want the %d parts of apps no longer needed", st.Deleted, len(before.Items)-1)
	}
	if _, err := dyn.Resource(ReportGVR).Namespace("db").Get(ctx, "kubeward", metav1GetOptions); err != nil {
		t.Errorf("db's report: %v", err)
	}
}

// TestCoverage: fresh complete node reports are merged; a node with no
// scanner pod, a crashing pod, a stale report, an incomplete one or an
// unreadable one is a KW-CL-009 ERROR naming the reason; a deleted node's
// report is left out.
func TestCoverage(t *testing.T) {
	now := t0.Add(time.Hour)
	nodeRep := func(node string, at time.Time, max int, n int) []*unstructured.Unstructured {
		var rs []result.Result
		for i := range n {
			rs = append(rs, result.Result{ID: "KW-CL-000", Status: result.Pass, Subject: result.Subject{Kind: "Node", Name: fmt.Sprintf("%s-%d", node, i)}, Message: catalog.Text{EN: strings.Repeat("m", 100)}})
		}
		objs, err := Build(Options{Scanner: ScannerNode, Node: node, Time: at, MaxBytes: max}, rs)
		if err != nil {
			t.Fatal(err)
		}
		return objs
	}
	c := Coverage{Now: now, MaxAge: 2 * time.Hour}
	add := func(us []*unstructured.Unstructured) {
		for _, u := range us {
			c.Add(u)
		}
	}
	add(nodeRep("fresh", t0, 0, 3))
	add(nodeRep("stale", t0.Add(-3*time.Hour), 0, 1))
	add(nodeRep("gone", t0, 0, 1))
	add(nodeRep("partial", t0, 1000, 20)[:1])
	add(nodeRep("fresh", t0.Add(-time.Hour), 0, 5)) // an older, not yet collected report
	bad := nodeRep("bad", t0, 0, 1)[0]
	bad.Object["results"] = []any{map[string]any{"policy": "KW-CL-000", "result": "maybe"}}
	c.Add(bad)
	merged, missing, fresh := c.Finish([]NodeState{
		{Name: "fresh", Pod: "kw-1", Phase: "Running"},
		{Name: "stale", Pod: "kw-2", Phase: "Running"},
		{Name: "nopod"},
		{Name: "crash", Pod: "kw-3", Phase: "Running", Waiting: "CrashLoopBackOff", Restarts: 4},
		{Name: "partial", Pod: "kw-4", Phase: "Running"},
		{Name: "bad", Pod: "kw-5", Phase: "Running"},
	})
	if len(merged) != 3 || fresh != 1 {
		t.Errorf("merged %d results from %d nodes, want 3 from 1", len(merged), fresh)
	}
	var got []string
	for _, r := range missing {
		if r.ID != cluster.NodeUncovered || r.Status != result.Error || r.Message.ZH == "" || r.Message.ZH == r.Message.EN {
			t.Errorf("%+v", r)
		}
		got = append(got, r.Subject.Name+": "+r.Message.EN)
	}
	want := []string{
		"bad: the node report cannot be read: kubeward-node-bad: results[0]: KW-CL-000: unknown result \"maybe\"; node scanner pod kw-5 is Running",
		"crash: no node report yet: node scanner pod kw-3 is Running (CrashLoopBackOff), restarted 4 times",
		"nopod: no node report: the node scanner is not scheduled on this node (no node scanner pod on the node)",
		"partial: the node report is incomplete: 1 of 10 parts; node scanner pod kw-4 is Running",
		"stale: the last node report is stale: written 4h0m0s ago, at 2026-12-05T23:00:00Z, more than --node-max-age 2h0m0s; node scanner pod kw-2 is Running",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// FuzzRead: any object is read or refused with an error, never a panic.
func FuzzRead(f *testing.F) {
	objs, _ := Build(Options{Scanner: ScannerNode, Node: "n", Time: t0}, sample())
	b, _ := json.Marshal(objs[0].Object)
	f.Add(b)
	f.Add([]byte(`{"kind":"ClusterReport","metadata":{"name":"x","annotations":{"kubeward.io/scan-time":"x"}}}`))
	f.Add([]byte(`{"kind":"Report","results":[{"policy":"A","result":"fail","severity":"urgent","resources":[{}],"properties":{"location":"a:b:3"}}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		var u unstructured.Unstructured
		if err := u.UnmarshalJSON(data); err != nil {
			return
		}
		_, _, _ = Read(&u)
		var c Coverage
		c.Add(&u)
		c.Finish([]NodeState{{Name: "n"}})
	})
}

type schemaGVR = schema.GroupVersionResource

var metav1GetOptions = metav1.GetOptions{}
