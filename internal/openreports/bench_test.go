package openreports

import (
	"fmt"
	"runtime"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/kubeward/kubeward/internal/catalog"
	"github.com/kubeward/kubeward/internal/result"
)

// benchNodeReports builds the ClusterReports of nodes nodes with per results each,
// as the node scanners write them.
func benchNodeReports(b *testing.B, nodes, per int, at time.Time) ([]*unstructured.Unstructured, []NodeState) {
	b.Helper()
	var all []*unstructured.Unstructured
	states := make([]NodeState, nodes)
	ids := []string{"KW-KLT-001", "KW-KLT-002", "KW-API-001", "KW-ETCD-001", "KW-FILE-001"}
	for n := range nodes {
		name := fmt.Sprintf("node-%05d", n)
		states[n] = NodeState{Name: name, Pod: "kubeward-node-" + name, Phase: "Running"}
		rs := make([]result.Result, per)
		for i := range rs {
			rs[i] = result.Result{ID: ids[i%len(ids)], Status: result.Fail, Severity: catalog.SeverityHigh,
				Subject: result.Subject{Kind: "Node", Name: name}, Message: catalog.Text{EN: "anonymous-auth=true (flag --anonymous-auth)", ZH: "anonymous-auth=true（参数 --anonymous-auth）"},
				Evidence: fmt.Sprintf("file /etc/kubernetes/kubelet-%d.conf", i)}
		}
		objs, err := Build(Options{Scanner: ScannerNode, Node: name, Time: at}, rs)
		if err != nil {
			b.Fatal(err)
		}
		all = append(all, objs...)
	}
	return all, states
}

// BenchmarkCoverageMerge merges node reports into one result set, as
// `scan cluster --nodes` does after listing them: 500 and 5,000 nodes of
// 40 results each (20,000 and 200,000 results).
func BenchmarkCoverageMerge(b *testing.B) {
	at := time.Date(2026, 12, 6, 2, 0, 0, 0, time.UTC)
	for _, nodes := range []int{500, 5000} {
		b.Run(fmt.Sprintf("nodes=%d", nodes), func(b *testing.B) {
			objs, states := benchNodeReports(b, nodes, 40, at)
			runtime.GC()
			b.ReportAllocs()
			b.ResetTimer()
			for range b.N {
				c := Coverage{Now: at.Add(time.Hour), MaxAge: 13 * time.Hour}
				for _, u := range objs {
					c.Add(u)
				}
				merged, missing, fresh := c.Finish(append([]NodeState(nil), states...))
				if len(merged) != nodes*40 || len(missing) != 0 || fresh != nodes {
					b.Fatalf("merged %d, missing %d, fresh %d", len(merged), len(missing), fresh)
				}
			}
			b.ReportMetric(float64(nodes*40), "results")
		})
	}
}

// BenchmarkBuildNamespaceReports builds the Reports of a cluster scan of
// 1,000 namespaces with 20 results each.
func BenchmarkBuildNamespaceReports(b *testing.B) {
	var rs []result.Result
	for ns := range 1000 {
		for i := range 20 {
			rs = append(rs, result.Result{ID: "KW-POD-002", Status: result.Fail, Severity: catalog.SeverityCritical,
				Subject: result.Subject{Kind: "Deployment", Namespace: fmt.Sprintf("team-%04d", ns), Name: fmt.Sprintf("app-%d", i), Container: "app"},
				Message: catalog.Text{EN: "container app runs privileged", ZH: "容器 app 以特权模式运行"}})
		}
	}
	b.ReportAllocs()
	for range b.N {
		objs, err := Build(Options{Scanner: ScannerCluster, Time: time.Now()}, rs)
		if err != nil || len(objs) != 1001 {
			b.Fatalf("%d objects, %v", len(objs), err)
		}
	}
}
