package cli

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/spf13/pflag"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/client-go/dynamic"

	"github.com/kubeward/kubeward/internal/metrics"
	"github.com/kubeward/kubeward/internal/openreports"
	"github.com/kubeward/kubeward/internal/report"
	"github.com/kubeward/kubeward/internal/result"
	"github.com/kubeward/kubeward/internal/source/kube"
)

// inClusterReports are the flags that write results into the cluster as
// report objects (scan node and scan cluster) and merge the node reports
// into a cluster scan (scan cluster --nodes).
type inClusterReports struct {
	write      bool
	format     string
	maxBytes   int
	nodes      bool
	nodeMaxAge time.Duration
	nodePods   string // label selector of the node scanner's pods
	// scan node only: where to write, where to serve metrics.
	kube        kube.Options
	metricsAddr string
}

func addInClusterReportFlags(f *pflag.FlagSet, o *inClusterReports, cluster bool) {
	f.BoolVar(&o.write, "write-reports", false, "also write the results into the cluster as report objects (see --report-format), updating them in place and deleting this scanner's earlier ones")
	f.StringVar(&o.format, "report-format", string(openreports.OpenReports), "in-cluster report API for --write-reports: openreports (openreports.io/v1alpha1 Report, ClusterReport) or wgpolicyk8s (wgpolicyk8s.io/v1alpha2 PolicyReport)")
	f.IntVar(&o.maxBytes, "report-max-bytes", openreports.DefaultMaxBytes, "largest results of one report object in bytes; more are split over several objects (etcd refuses objects over 1.5 MiB)")
	if cluster {
		f.BoolVar(&o.nodes, "nodes", false, "merge every node's fresh node report into this report, and report each node without one (not scheduled, crashed, stale) as a KW-CL-009 ERROR")
		f.DurationVar(&o.nodeMaxAge, "node-max-age", 13*time.Hour, "with --nodes: a node report older than this is stale (twice the node scanner's --interval plus a margin)")
		f.StringVar(&o.nodePods, "node-scanner-selector", "app.kubernetes.io/name=kubeward-node", "with --nodes: label selector of the node scanner's pods, to say why a node has no report")
		return
	}
	f.StringVar(&o.kube.Kubeconfig, "kubeconfig", "", "with --write-reports: kubeconfig file (default: KUBECONFIG, ~/.kube/config, or in-cluster config)")
	f.StringVar(&o.kube.Context, "context", "", "with --write-reports: kubeconfig context")
	f.StringVar(&o.metricsAddr, "metrics-addr", "", "serve Prometheus metrics (results by check, status, severity and layer; scan duration; last success) on this address, e.g. :9090; empty: none")
}

func (o *inClusterReports) validate(f *pflag.FlagSet) error {
	if _, err := openreports.ParseFormat(o.format); err != nil {
		return usageError("--report-format: %v", err)
	}
	if f.Changed("report-format") && !o.write {
		return usageError("--report-format needs --write-reports")
	}
	if err := atLeast("report-max-bytes", o.maxBytes, 4096); err != nil {
		return err
	}
	if o.nodes && o.nodeMaxAge <= 0 {
		return usageError("--node-max-age %s: must be positive", o.nodeMaxAge)
	}
	if f.Changed("node-max-age") && !o.nodes {
		return usageError("--node-max-age needs --nodes")
	}
	return nil
}

func (o *inClusterReports) options(scanner, node string, now time.Time, full bool) openreports.Options {
	return openreports.Options{Format: openreports.Format(o.format), Scanner: scanner, Node: node, Time: now,
		Version: Version, MaxBytes: o.maxBytes, FullScan: full}
}

// namespaced is options limited to the namespace of a scan of one (-n).
func namespaced(ro openreports.Options, ns string) openreports.Options {
	ro.Namespace = ns
	return ro
}

// writeReports builds and writes the report objects of one scan.
func (o *inClusterReports) writeReports(ctx context.Context, g *globalOptions, dyn dynamic.Interface, ro openreports.Options, rs []result.Result) error {
	objs, err := openreports.Build(ro, rs)
	if err != nil {
		return err
	}
	start := time.Now()
	st, err := openreports.Write(ctx, dyn, ro, objs, 8)
	if err != nil {
		return fmt.Errorf("writing the %s reports: %w", ro.Format, err)
	}
	fmt.Fprintf(g.stderr, "kubeward: wrote %d %s report objects in %s, deleted %d earlier ones\n", st.Applied, ro.Format, time.Since(start).Round(time.Millisecond), len(st.Deleted))
	return nil
}

// writeNodeReports writes a node scan's ClusterReport (scan node --write-reports).
func (o *inClusterReports) writeNodeReports(ctx context.Context, g *globalOptions, node string, now time.Time, rs []result.Result) error {
	if ctx == nil {
		ctx = context.Background()
	}
	client, err := kube.Connect(o.kube)
	if err != nil {
		return usageError("--write-reports: %v", err)
	}
	dyn, err := dynamic.NewForConfig(client.Config)
	if err != nil {
		return fmt.Errorf("client for %s: %w", client.Host, err)
	}
	return o.writeReports(ctx, g, dyn, o.options(openreports.ScannerNode, node, now, false), rs)
}

// clusterReports runs after the cluster scan: with --nodes it reads the
// node reports and the Nodes; with --write-reports it writes the scan's
// results (and the uncovered nodes' errors) as reports. It returns the
// results to report and the PASS counts; without --show-passed PASS
// results are counted, not listed.
func (o *inClusterReports) clusterReports(ctx context.Context, g *globalOptions, client *kube.Client, namespace string, showPassed bool,
	rs []result.Result, passed map[string]int, now time.Time) ([]result.Result, map[string]int, error) {
	full := namespace == "" // every namespace was scanned
	if !o.write && !o.nodes {
		return rs, passed, nil
	}
	dyn, err := dynamic.NewForConfig(client.Config)
	if err != nil {
		return nil, nil, fmt.Errorf("client for %s: %w", client.Host, err)
	}
	counts := make(map[string]int, len(passed))
	for id, n := range passed {
		counts[id] = n
	}
	passed = counts
	var merged, uncovered []result.Result
	if o.nodes {
		if merged, uncovered, err = o.nodeCoverage(ctx, g, client, dyn, now); err != nil {
			return nil, nil, err
		}
	}
	if o.write {
		all := append(append([]result.Result(nil), rs...), uncovered...)
		if err := o.writeReports(ctx, g, dyn, namespaced(o.options(openreports.ScannerCluster, "", now, full), namespace), all); err != nil {
			return nil, nil, err
		}
		if err := clusterScanEvent(ctx, client, full, all, now); err != nil {
			fmt.Fprintf(g.stderr, "kubeward: no event for the completed scan: %v\n", err)
		}
	}
	out := make([]result.Result, 0, len(rs)+len(merged)+len(uncovered))
	for _, r := range rs {
		// --write-reports keeps every PASS for the reports' summaries;
		// the engine counted them already.
		if r.Status != result.Pass || showPassed {
			out = append(out, r)
		}
	}
	for _, r := range merged {
		if r.Status == result.Pass {
			passed[r.ID]++
			if !showPassed {
				continue
			}
		}
		out = append(out, r)
	}
	out = append(out, uncovered...)
	result.Sort(out)
	return out, passed, nil
}

// nodeCoverage merges the fresh node reports and names the nodes without one.
func (o *inClusterReports) nodeCoverage(ctx context.Context, g *globalOptions, client *kube.Client, dyn dynamic.Interface, now time.Time) (merged, uncovered []result.Result, err error) {
	cov := openreports.Coverage{Now: now, MaxAge: o.nodeMaxAge}
	prog := g.newProgress("merging node reports")
	if prog != nil {
		prog.unit = "node reports"
	}
	n, err := openreports.ListNodeReports(ctx, dyn, openreports.Format(o.format), 100, func(u *unstructured.Unstructured) {
		prog.count(u.GetKind(), "")
		cov.Add(u)
	})
	prog.done()
	if err != nil {
		return nil, nil, fmt.Errorf("--nodes: %w", err)
	}
	states := map[string]*openreports.NodeState{}
	var order []string
	opts := metav1.ListOptions{Limit: 500}
	for {
		nodes, err := client.Typed.CoreV1().Nodes().List(ctx, opts)
		if err != nil {
			return nil, nil, fmt.Errorf("--nodes: listing nodes: %w", err)
		}
		for _, nd := range nodes.Items {
			states[nd.Name] = &openreports.NodeState{Name: nd.Name}
			order = append(order, nd.Name)
		}
		if opts.Continue = nodes.Continue; opts.Continue == "" {
			break
		}
	}
	if o.nodePods != "" {
		pods, err := client.Typed.CoreV1().Pods(metav1.NamespaceAll).List(ctx, metav1.ListOptions{LabelSelector: o.nodePods,
			FieldSelector: fields.OneTermNotEqualSelector("spec.nodeName", "").String()})
		if err != nil {
			return nil, nil, fmt.Errorf("--nodes: listing the node scanner's pods (%s): %w", o.nodePods, err)
		}
		for i := range pods.Items {
			p := &pods.Items[i]
			if s := states[p.Spec.NodeName]; s != nil && (s.Pod == "" || p.Status.Phase == corev1.PodRunning) {
				s.Pod, s.Phase, s.Waiting, s.Restarts = p.Name, string(p.Status.Phase), "", 0
				for _, cs := range p.Status.ContainerStatuses {
					s.Restarts += cs.RestartCount
					if cs.State.Waiting != nil {
						s.Waiting = cs.State.Waiting.Reason
					}
				}
			}
		}
	}
	list := make([]openreports.NodeState, 0, len(order))
	for _, name := range order {
		list = append(list, *states[name])
	}
	merged, uncovered, fresh := cov.Finish(list)
	fmt.Fprintf(g.stderr, "kubeward: %d node reports read; %d of %d nodes have a fresh one\n", n, fresh, len(list))
	return merged, uncovered, nil
}

// clusterScanEvent records the completed scan as an Event on the cluster
// report: `kubectl get events` says when the last scan finished.
func clusterScanEvent(ctx context.Context, client *kube.Client, full bool, rs []result.Result, now time.Time) error {
	c := result.Tally(rs, nil)
	scope := "namespace"
	if full {
		scope = "full"
	}
	ev := &corev1.Event{
		ObjectMeta: metav1.ObjectMeta{GenerateName: "kubeward-cluster.", Namespace: metav1.NamespaceDefault,
			Labels: map[string]string{openreports.LabelManagedBy: openreports.ManagedBy}},
		InvolvedObject: corev1.ObjectReference{APIVersion: "openreports.io/v1alpha1", Kind: "ClusterReport", Name: openreports.BaseName + "-cluster"},
		Reason:         "ScanCompleted",
		Message: fmt.Sprintf("kubeward %s cluster scan completed at %s: %d pass, %d fail, %d warn, %d error",
			scope, now.UTC().Format(time.RFC3339), c[result.Pass], c[result.Fail], c[result.Warn], c[result.Error]),
		Type:           corev1.EventTypeNormal,
		Source:         corev1.EventSource{Component: "kubeward"},
		FirstTimestamp: metav1.NewTime(now), LastTimestamp: metav1.NewTime(now), Count: 1,
		ReportingController: "kubeward.io/scanner", ReportingInstance: "kubeward",
	}
	_, err := client.Typed.CoreV1().Events(metav1.NamespaceDefault).Create(ctx, ev, metav1.CreateOptions{})
	return err
}

// observed wraps a scan so each run updates the scanner's metrics, and
// serves them on --metrics-addr (/metrics) until stop is called.
func (o *inClusterReports) observed(g *globalOptions, scanner string, scan func() (*report.Run, error)) (func() (*report.Run, error), func(), error) {
	if o.metricsAddr == "" {
		return scan, func() {}, nil
	}
	ln, err := net.Listen("tcp", o.metricsAddr)
	if err != nil {
		return nil, nil, usageError("--metrics-addr: %v", err)
	}
	m := metrics.NewScan(scanner)
	mux := http.NewServeMux()
	mux.Handle("/metrics", promhttp.HandlerFor(m.Registry, promhttp.HandlerOpts{}))
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go func() {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			fmt.Fprintln(g.stderr, "kubeward: metrics:", err)
		}
	}()
	fmt.Fprintf(g.stderr, "kubeward: metrics on http://%s/metrics\n", ln.Addr())
	wrapped := func() (*report.Run, error) {
		start := time.Now()
		run, err := scan()
		end := time.Now()
		if run != nil {
			m.Observe(run.Results, run.Passed, end.Sub(start), err == nil, end)
		} else {
			m.Observe(nil, nil, end.Sub(start), false, end)
		}
		return run, err
	}
	return wrapped, func() { _ = srv.Close() }, nil
}
