package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/clientcmd"
	"sigs.k8s.io/yaml"

	"github.com/kubeward/kubeward/test/cluster/harness"
)

var (
	reportGVR        = schema.GroupVersionResource{Group: "openreports.io", Version: "v1alpha1", Resource: "reports"}
	clusterReportGVR = schema.GroupVersionResource{Group: "openreports.io", Version: "v1alpha1", Resource: "clusterreports"}
)

// TestInClusterChart is issue 14 end to end on the hardened control plane
// with its real kubelet and containerd: the image built by
// cmd/kubeward-image is imported with ctr; the chart is installed through
// the Helm SDK (deploy/helminstall); the DaemonSet's pod writes its node's
// ClusterReport, whose control-plane verdicts equal `scan node` on the host;
// a Job made from the CronJob writes a Report per namespace matching `scan
// cluster`; `scan cluster --nodes` names a Node object without a kubelet.
func TestInClusterChart(t *testing.T) {
	if !kubeletWanted() {
		t.Skip("needs a kubelet: no containerd answers (test/cluster/containerd.sh start)")
	}
	if _, err := exec.LookPath("ctr"); err != nil {
		t.Skip("ctr (containerd) not installed")
	}
	c := up(t, harness.Hardened)
	if c.Process("kubelet") == nil {
		t.Skip("the harness started no kubelet")
	}
	ctx := context.Background()
	cs := clientFor(t, c)
	dyn := dynFor(t, c)
	images := t.TempDir()
	importImage(t, "kubeward.local/pause:1", buildStatic(t, "..", "./cmd/pause", filepath.Join(images, "pause")), "/pause")

	// The image, as `make image` builds it.
	start := time.Now()
	out := runIn(t, "../../..", "go", "run", "./cmd/kubeward-image", "--out", images, "--version", "e2e", "--ref", "kubeward.local/kubeward:e2e")
	t.Logf("kubeward-image (%s): %s", time.Since(start).Round(time.Second), strings.TrimSpace(out))
	if b, err := exec.Command("ctr", "-n", "k8s.io", "images", "import", filepath.Join(images, "kubeward.tar")).CombinedOutput(); err != nil {
		t.Fatalf("ctr images import: %v: %s", err, b)
	}

	// The chart, through the Helm SDK.
	port := strings.TrimPrefix(c.APIServerURL(), "https://127.0.0.1:")
	out = runIn(t, "../../..", "go", "run", "./deploy/helminstall", "--kubeconfig", c.AdminKubeconfig(),
		"--set", "image.repository=kubeward.local/kubeward", "--set", "image.digest=", "--set", "image.tag=e2e", "--set", "image.pullPolicy=Never",
		"--set", "loopbackAPIServer.enabled=true", "--set", "loopbackAPIServer.port="+port, "--set", "node.interval=1m")
	t.Log(strings.TrimSpace(out))
	t.Cleanup(func() {
		deleteNamespace(t, cs, "kubeward")
		deleteNamespace(t, cs, "kubeward-node")
	})

	// The node scanner's ClusterReport equals a scan on the host.
	pod := waitRunning(t, cs, "kubeward-node", 3*time.Minute)
	node := pod.Spec.NodeName
	rep := waitObject(t, dyn, clusterReportGVR, "", "kubeward-node-"+node, 3*time.Minute)
	onHost, _ := scanNode(t)
	if got, want := reportVerdicts(rep, isControlPlane), verdicts(onHost); got != want {
		t.Errorf("the DaemonSet's ClusterReport differs from a scan on the host:\nhost:   %s\nreport: %s", want, got)
	}
	if s, _, _ := unstructured.NestedString(rep.Object, "scope", "name"); s != node || rep.GetAnnotations()["kubeward.io/node"] != node {
		t.Errorf("node report scope %q, annotations %v", s, rep.GetAnnotations())
	}
	results, _, _ := unstructured.NestedSlice(rep.Object, "results")
	t.Logf("ClusterReport kubeward-node-%s: %d results, summary %v; control-plane verdicts equal the host scan", node, len(results), rep.Object["summary"])
	if rss, err := podRSS(pod); err != nil {
		t.Logf("idle memory of the node scanner: %v", err)
	} else {
		t.Logf("node scanner between scans: RSS %.1f MiB (cgroup memory.stat rss)", float64(rss)/(1<<20))
		if rss > 64<<20 {
			t.Errorf("the node scanner holds %d bytes between scans, more than 64 MiB", rss)
		}
	}

	// The CronJob, triggered once.
	cj, err := cs.BatchV1().CronJobs("kubeward").Get(ctx, "kubeward-cluster-scan", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	job := &batchv1.Job{ObjectMeta: metav1.ObjectMeta{Name: "kubeward-cluster-scan-manual", Namespace: "kubeward"}, Spec: cj.Spec.JobTemplate.Spec}
	if _, err := cs.BatchV1().Jobs("kubeward").Create(ctx, job, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	waitJobDone(t, cs, "kubeward", job.Name, 4*time.Minute)
	cl := waitObject(t, dyn, clusterReportGVR, "", "kubeward-cluster", time.Minute)
	if cl.GetAnnotations()["kubeward.io/last-full-scan"] == "" {
		t.Errorf("the cluster report has no last-full-scan annotation: %v", cl.GetAnnotations())
	}
	evs, err := cs.CoreV1().Events("default").List(ctx, metav1.ListOptions{FieldSelector: "involvedObject.name=kubeward-cluster,reason=ScanCompleted"})
	if err != nil || len(evs.Items) == 0 {
		t.Errorf("no ScanCompleted event on kubeward-cluster: %v", err)
	} else {
		t.Logf("event: %s %s", evs.Items[0].Reason, evs.Items[0].Message)
	}
	reports, err := dyn.Resource(reportGVR).Namespace("").List(ctx, metav1.ListOptions{LabelSelector: "app.kubernetes.io/managed-by=kubeward,kubeward.io/scanner=cluster"})
	if err != nil {
		t.Fatal(err)
	}
	code, stdout, stderr := kubeward(t, "scan", "cluster", "--kubeconfig", c.AdminKubeconfig(), "--show-passed", "-o", "json")
	if code != 0 && code != 1 && code != 3 {
		t.Fatalf("scan cluster: exit %d: %s", code, stderr)
	}
	var host struct {
		Results []clusterResult `json:"results"`
	}
	if err := json.Unmarshal([]byte(stdout), &host); err != nil {
		t.Fatal(err)
	}
	hostNS := nsVerdicts(host.Results)
	var namespaces []string
	for i := range reports.Items {
		r := &reports.Items[i]
		ns := r.GetNamespace()
		namespaces = append(namespaces, ns)
		if ns == "kubeward" {
			continue // the job's own pods changed between the two scans
		}
		got := reportNSVerdicts(r)
		for k, v := range got {
			if hostNS[k] != v {
				t.Errorf("Report %s/%s: %s is %s, scan cluster on the host says %q", ns, r.GetName(), k, v, hostNS[k])
			}
		}
		for k := range hostNS {
			if strings.HasSuffix(k, " "+ns) && got[k] == "" {
				t.Errorf("Report %s/%s lacks %s (host: %s)", ns, r.GetName(), k, hostNS[k])
			}
		}
	}
	sort.Strings(namespaces)
	t.Logf("the CronJob's Job wrote %d namespace Reports (%s) matching scan cluster on the host", len(reports.Items), strings.Join(namespaces, ", "))
	if len(reports.Items) < 3 {
		t.Errorf("only %d namespace Reports", len(reports.Items))
	}
	if cols := printerColumns(t, cs); !strings.Contains(cols, "Pass") || !strings.Contains(cols, "Fail") {
		t.Errorf("kubectl get clusterreports columns: %s", cols)
	} else {
		t.Logf("kubectl get clusterreports columns: %s", cols)
	}

	// A Node object without a kubelet is named as missing.
	ghost := &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: "kubeward-ghost", Labels: map[string]string{"kubernetes.io/hostname": "kubeward-ghost"}}}
	if _, err := cs.CoreV1().Nodes().Create(ctx, ghost, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cs.CoreV1().Nodes().Delete(context.Background(), ghost.Name, metav1.DeleteOptions{}) })
	code, stdout, stderr = kubeward(t, "scan", "cluster", "--kubeconfig", c.AdminKubeconfig(), "--nodes", "--show-passed", "-o", "json")
	if code != 1 && code != 3 {
		t.Errorf("scan cluster --nodes with a node missing: exit %d, want 3 (ERROR results) or 1 (findings first)", code)
	}
	if err := json.Unmarshal([]byte(stdout), &host); err != nil {
		t.Fatalf("%v: %s", err, stderr)
	}
	var missing []string
	merged := 0
	for _, r := range host.Results {
		if r.ID == "KW-CL-009" {
			missing = append(missing, r.Subject.Name+": "+r.Status+" "+r.Message)
		}
		if strings.HasPrefix(r.ID, "KW-KLT-") {
			merged++ // kubelet checks come only from the node report
		}
	}
	if len(missing) != 1 || !strings.HasPrefix(missing[0], "kubeward-ghost: ERROR") {
		t.Errorf("KW-CL-009 results: %v, want one ERROR for kubeward-ghost", missing)
	}
	if merged == 0 {
		t.Error("scan cluster --nodes holds no kubelet result from the node report")
	}
	t.Logf("scan cluster --nodes: %v; %d kubelet results merged from the fresh node report; %s", missing, merged, strings.TrimSpace(stderr))
	_ = cs.CoreV1().Nodes().Delete(ctx, ghost.Name, metav1.DeleteOptions{})

	// The webhook part, through a Helm upgrade: the API server calls it
	// through its Service and it denies a privileged pod.
	inClusterWebhook(t, c, cs, images, port)
}

// inClusterWebhook upgrades the release with the webhook enabled (a serving
// pair from `kubeward webhook manifests --self-signed`, policy enforce) and
// requires a privileged pod to be denied naming KW-POD-002.
func inClusterWebhook(t *testing.T, c *harness.Cluster, cs kubernetes.Interface, dir, port string) {
	ctx := context.Background()
	code, gen, errs := kubeward(t, "webhook", "manifests", "--self-signed", "--namespace", "kubeward-system")
	if code != 0 {
		t.Fatalf("webhook manifests: exit %d: %s", code, errs)
	}
	var secret corev1.Secret
	for _, doc := range strings.Split(gen, "\n---\n") {
		if strings.Contains(doc, "kind: Secret") {
			if err := yaml.Unmarshal([]byte(doc), &secret); err != nil {
				t.Fatal(err)
			}
		}
	}
	if len(secret.Data["ca.crt"]) == 0 || len(secret.Data["tls.key"]) == 0 {
		t.Fatalf("no serving pair in webhook manifests --self-signed: %v", secret.Data)
	}
	vals, _ := yaml.Marshal(map[string]any{"webhook": map[string]any{"enabled": true, "caBundle": string(secret.Data["ca.crt"]), "apiServerCIDR": "0.0.0.0/0"}})
	valuesFile := filepath.Join(dir, "webhook-values.yaml")
	if err := os.WriteFile(valuesFile, vals, 0o600); err != nil {
		t.Fatal(err)
	}
	out := runIn(t, "../../..", "go", "run", "./deploy/helminstall", "--kubeconfig", c.AdminKubeconfig(), "--values", valuesFile,
		"--set", "image.repository=kubeward.local/kubeward", "--set", "image.digest=", "--set", "image.tag=e2e", "--set", "image.pullPolicy=Never",
		"--set", "loopbackAPIServer.enabled=true", "--set", "loopbackAPIServer.port="+port, "--set", "node.interval=1m")
	t.Log(strings.TrimSpace(out))
	t.Cleanup(func() {
		_ = cs.AdmissionregistrationV1().ValidatingWebhookConfigurations().Delete(context.Background(), "kubeward-webhook", metav1.DeleteOptions{})
		deleteNamespace(t, cs, "kubeward-system")
	})
	secret.ObjectMeta = metav1.ObjectMeta{Name: "kubeward-webhook-tls", Namespace: "kubeward-system"}
	if _, err := cs.CoreV1().Secrets("kubeward-system").Create(ctx, &secret, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	policy := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "kubeward-webhook-policy", Namespace: "kubeward-system"},
		Data: map[string]string{"policy.yaml": "defaultMode: enforce\n"}}
	if _, err := cs.CoreV1().ConfigMaps("kubeward-system").Create(ctx, policy, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	pod := waitRunning(t, cs, "kubeward-system", 3*time.Minute)
	t.Logf("webhook pod %s running on %s", pod.Name, pod.Spec.NodeName)
	priv := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "priv"}, Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "app", Image: "kubeward.local/pause:1",
		SecurityContext: &corev1.SecurityContext{Privileged: ptr(true)}}}}}
	var err error
	for deadline := time.Now().Add(90 * time.Second); time.Now().Before(deadline); time.Sleep(2 * time.Second) {
		_, err = cs.CoreV1().Pods("default").Create(ctx, priv, metav1.CreateOptions{DryRun: []string{metav1.DryRunAll}})
		if err != nil && strings.Contains(err.Error(), "KW-POD-002") {
			break
		}
	}
	if err == nil || !strings.Contains(err.Error(), "KW-POD-002") {
		t.Fatalf("privileged pod through the chart's webhook: %v, want a denial naming KW-POD-002", err)
	}
	t.Logf("the chart's webhook denied a privileged pod: %.200s", err)
}

// TestReportsAtScale writes and then updates 1,000 namespace Reports on the
// real API server with `scan cluster --write-reports`, and logs the time of
// the writes and the scanner's peak RSS.
func TestReportsAtScale(t *testing.T) {
	c := up(t, harness.Hardened)
	ctx := context.Background()
	cfg, err := clientcmd.BuildConfigFromFlags("", c.AdminKubeconfig())
	if err != nil {
		t.Fatal(err)
	}
	cfg.QPS, cfg.Burst = 200, 200 // the 1,000 namespaces are set-up, not measured
	cs, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		t.Fatal(err)
	}
	applyManifest(t, c, "../../../deploy/chart/kubeward/crds/openreports.io_reports.yaml")
	applyManifest(t, c, "../../../deploy/chart/kubeward/crds/openreports.io_clusterreports.yaml")
	const n = 1000
	sem := make(chan struct{}, 16)
	errs := make(chan error, n)
	for i := range n {
		sem <- struct{}{}
		go func() {
			defer func() { <-sem }()
			ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprintf("team-%04d", i)}}
			_, err := cs.CoreV1().Namespaces().Create(ctx, ns, metav1.CreateOptions{})
			if apierrors.IsAlreadyExists(err) {
				err = nil
			}
			errs <- err
		}()
	}
	for range n {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	waitObject(t, dynFor(t, c), schema.GroupVersionResource{Group: "apiextensions.k8s.io", Version: "v1", Resource: "customresourcedefinitions"}, "", "reports.openreports.io", time.Minute)
	time.Sleep(2 * time.Second) // the CRD's discovery
	for _, run := range []string{"create", "update"} {
		cmd := exec.Command(kubewardBin(t), "scan", "cluster", "--kubeconfig", c.AdminKubeconfig(), "--write-reports", "--qps", "400", "--burst", "400", "-o", "json")
		var errb strings.Builder
		cmd.Stderr = &errb
		start := time.Now()
		err := cmd.Run()
		elapsed := time.Since(start)
		if ee, ok := err.(*exec.ExitError); err != nil && (!ok || ee.ExitCode() == 2) {
			t.Fatalf("%s: %v: %s", run, err, errb.String())
		}
		rss := cmd.ProcessState.SysUsage().(*syscall.Rusage).Maxrss
		var wrote string
		for _, l := range strings.Split(errb.String(), "\n") {
			if strings.Contains(l, "wrote") {
				wrote = l
			}
		}
		t.Logf("%s: scan cluster --write-reports over %d namespaces: %s total, peak RSS %d MiB; %s", run, n, elapsed.Round(time.Millisecond), rss/1024, wrote)
	}
	list, err := dynFor(t, c).Resource(reportGVR).Namespace("").List(ctx, metav1.ListOptions{LabelSelector: "kubeward.io/scanner=cluster"})
	if err != nil || len(list.Items) < n {
		t.Fatalf("%v: %d Reports, want at least %d", err, len(list.Items), n)
	}

	// One namespace whose results pass etcd's limit is split into parts,
	// each stored; when it shrinks, the parts no longer needed are deleted.
	big := "team-0000"
	errs = make(chan error, 1500)
	for i := range 1500 {
		sem <- struct{}{}
		go func() {
			defer func() { <-sem }()
			d := &appsv1.Deployment{ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprintf("app-%04d", i), Namespace: big},
				Spec: appsv1.DeploymentSpec{Selector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": "a"}},
					Template: corev1.PodTemplateSpec{ObjectMeta: metav1.ObjectMeta{Labels: map[string]string{"app": "a"}},
						Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "app", Image: "registry.example/app:1"}}}}}}
			_, err := cs.AppsV1().Deployments(big).Create(ctx, d, metav1.CreateOptions{})
			errs <- err
		}()
	}
	for range 1500 {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	parts := func() []string {
		l, err := dynFor(t, c).Resource(reportGVR).Namespace(big).List(ctx, metav1.ListOptions{LabelSelector: "kubeward.io/scanner=cluster"})
		if err != nil {
			t.Fatal(err)
		}
		var names []string
		for i := range l.Items {
			b, _ := l.Items[i].MarshalJSON()
			names = append(names, fmt.Sprintf("%s(%s, %d KiB)", l.Items[i].GetName(), l.Items[i].GetAnnotations()["kubeward.io/part"], len(b)/1024))
			if len(b) > 1536*1024 {
				t.Errorf("%s is %d bytes, over etcd's 1.5 MiB", l.Items[i].GetName(), len(b))
			}
		}
		sort.Strings(names)
		return names
	}
	scan := func() {
		if code, _, errs := kubeward(t, "scan", "cluster", "--kubeconfig", c.AdminKubeconfig(), "-n", big, "--write-reports", "--qps", "400", "--burst", "400", "-o", "json"); code == 2 {
			t.Fatalf("scan cluster -n %s --write-reports: %s", big, errs)
		}
	}
	scan()
	grown := parts()
	if len(grown) < 2 {
		t.Fatalf("1,500 Deployments in %s gave %v, want the results split", big, grown)
	}
	if err := cs.AppsV1().Deployments(big).DeleteCollection(ctx, metav1.DeleteOptions{}, metav1.ListOptions{}); err != nil {
		t.Fatal(err)
	}
	scan()
	shrunk := parts()
	if len(shrunk) != 1 || !strings.HasPrefix(shrunk[0], "kubeward(1/1") {
		t.Errorf("after the Deployments went: %v, want one part (the others deleted)", shrunk)
	}
	if after, err := dynFor(t, c).Resource(reportGVR).Namespace("").List(ctx, metav1.ListOptions{LabelSelector: "kubeward.io/scanner=cluster"}); err != nil || len(after.Items) < n {
		t.Errorf("after scans of %s alone: %d Reports in all, want the other namespaces' kept (%v)", big, len(after.Items), err)
	}
	t.Logf("%s with 1,500 Deployments: %s; without them: %s", big, strings.Join(grown, " "), strings.Join(shrunk, " "))
}

func runIn(t *testing.T, dir string, name string, args ...string) string {
	t.Helper()
	cmd := exec.Command(name, args...)
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
	}
	return string(out)
}

func waitObject(t *testing.T, dyn dynamic.Interface, gvr schema.GroupVersionResource, ns, name string, timeout time.Duration) *unstructured.Unstructured {
	t.Helper()
	deadline := time.Now().Add(timeout)
	var last error
	for time.Now().Before(deadline) {
		u, err := dyn.Resource(gvr).Namespace(ns).Get(context.Background(), name, metav1.GetOptions{})
		if err == nil {
			return u
		}
		last = err
		time.Sleep(2 * time.Second)
	}
	t.Fatalf("no %s %s/%s after %s: %v", gvr.Resource, ns, name, timeout, last)
	return nil
}

func waitJobDone(t *testing.T, cs kubernetes.Interface, ns, name string, timeout time.Duration) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		j, err := cs.BatchV1().Jobs(ns).Get(context.Background(), name, metav1.GetOptions{})
		if err == nil && (j.Status.Succeeded > 0 || j.Status.Failed > 0) {
			t.Logf("job %s: succeeded %d, failed %d (exit 1 is findings at --fail-on)", name, j.Status.Succeeded, j.Status.Failed)
			return
		}
		time.Sleep(2 * time.Second)
	}
	waitRunning(t, cs, ns, time.Second) // reports the pods' states
	t.Fatalf("job %s not done after %s", name, timeout)
}

// reportResults are a report's results as kubeward's ID, status (the
// status property) and subject.
func reportResults(u *unstructured.Unstructured) []clusterResult {
	items, _, _ := unstructured.NestedSlice(u.Object, "results")
	var out []clusterResult
	for _, it := range items {
		m, _ := it.(map[string]any)
		var r clusterResult
		r.ID, _ = m["policy"].(string)
		if props, ok := m["properties"].(map[string]any); ok {
			r.Status, _ = props["status"].(string)
		}
		if res, ok := m["resources"].([]any); ok && len(res) > 0 {
			ref, _ := res[0].(map[string]any)
			r.Subject.Kind, _ = ref["kind"].(string)
			r.Subject.Namespace, _ = ref["namespace"].(string)
			r.Subject.Name, _ = ref["name"].(string)
		}
		out = append(out, r)
	}
	return out
}

func reportVerdicts(u *unstructured.Unstructured, keep func(string) bool) string {
	var lines []string
	for _, r := range reportResults(u) {
		if keep(r.ID) {
			lines = append(lines, r.ID+" "+r.Status)
		}
	}
	sort.Strings(lines)
	return strings.Join(lines, "\n")
}

func reportNSVerdicts(u *unstructured.Unstructured) map[string]string {
	return nsVerdicts(reportResults(u))
}

// podRSS is the rss of the pod's cgroup (cgroup v1, cgroupfs driver).
func podRSS(pod *corev1.Pod) (int64, error) {
	files, _ := filepath.Glob(filepath.Join("/sys/fs/cgroup/memory/kubepods*", "*", "pod"+string(pod.UID), "memory.stat"))
	more, _ := filepath.Glob(filepath.Join("/sys/fs/cgroup/memory/kubepods*", "pod"+string(pod.UID), "memory.stat"))
	files = append(files, more...)
	if len(files) == 0 {
		return 0, fmt.Errorf("no memory cgroup for pod %s", pod.UID)
	}
	b, err := os.ReadFile(files[0])
	if err != nil {
		return 0, err
	}
	for _, l := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(l, "total_rss "); ok {
			return strconv.ParseInt(v, 10, 64)
		}
	}
	return 0, fmt.Errorf("%s: no total_rss", files[0])
}

// printerColumns is what `kubectl get clusterreports` shows: the server's
// table columns.
func printerColumns(t *testing.T, cs kubernetes.Interface) string {
	t.Helper()
	raw, err := cs.CoreV1().RESTClient().Get().AbsPath("/apis/openreports.io/v1alpha1/clusterreports").
		SetHeader("Accept", "application/json;as=Table;v=v1;g=meta.k8s.io").DoRaw(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var tbl metav1.Table
	if err := json.Unmarshal(raw, &tbl); err != nil {
		t.Fatal(err)
	}
	var cols []string
	for _, c := range tbl.ColumnDefinitions {
		cols = append(cols, c.Name)
	}
	var rows []string
	for _, r := range tbl.Rows {
		rows = append(rows, fmt.Sprint(r.Cells...))
	}
	return strings.Join(cols, " ") + " | " + strings.Join(rows, "; ")
}
