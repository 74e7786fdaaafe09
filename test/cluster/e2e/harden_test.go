package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/clientcmd"

	"github.com/kubeward/kubeward/test/cluster/harness"
)

// hardenedKinds are the kinds `harden cluster` may create or change.
var hardenedKinds = []schema.GroupVersionResource{
	{Version: "v1", Resource: "namespaces"},
	{Version: "v1", Resource: "resourcequotas"},
	{Version: "v1", Resource: "limitranges"},
	{Version: "v1", Resource: "serviceaccounts"},
	{Group: "networking.k8s.io", Version: "v1", Resource: "networkpolicies"},
	{Group: "apps", Version: "v1", Resource: "deployments"},
}

// snapshot reads every object of the kinds harden touches, keyed by
// resource/namespace/name, as JSON without the fields the API server changes
// on any write: resourceVersion, managedFields and generation (bookkeeping,
// not content; the issue excludes the first two, and generation counts
// writes, so a restore necessarily bumps it). uid and creationTimestamp are
// kept: undo restores changed objects in place, so they must be the same
// objects, not look-alikes. Status is kept too, except a ResourceQuota's
// and a Deployment's, which their controllers rewrite on their own schedule
// (used counts, replica counts), and a Deployment's
// deployment.kubernetes.io/revision annotation, which the deployment
// controller increments on every rollout (the fix rolls the pods, and so
// does undoing it): the spec, labels and other annotations are compared.
func snapshot(t *testing.T, dyn dynamic.Interface) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, gvr := range hardenedKinds {
		l, err := dyn.Resource(gvr).List(context.Background(), metav1.ListOptions{})
		if err != nil {
			t.Fatal(err)
		}
		for _, o := range l.Items {
			for _, f := range []string{"resourceVersion", "managedFields", "generation"} {
				unstructured.RemoveNestedField(o.Object, "metadata", f)
			}
			switch gvr.Resource {
			case "resourcequotas":
				unstructured.RemoveNestedField(o.Object, "status")
			case "deployments":
				unstructured.RemoveNestedField(o.Object, "status")
				unstructured.RemoveNestedField(o.Object, "metadata", "annotations", "deployment.kubernetes.io/revision")
			}
			b, err := json.Marshal(o.Object)
			if err != nil {
				t.Fatal(err)
			}
			out[gvr.Resource+"/"+o.GetNamespace()+"/"+o.GetName()] = string(b)
		}
	}
	return out
}

func dynFor(t *testing.T, c *harness.Cluster) dynamic.Interface {
	cfg, err := clientcmd.BuildConfigFromFlags("", c.AdminKubeconfig())
	if err != nil {
		t.Fatal(err)
	}
	dyn, err := dynamic.NewForConfig(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return dyn
}

// kubeward runs the binary and returns its exit code, stdout and stderr.
func kubeward(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	cmd := exec.Command(kubewardBin(t), args...)
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return code, out.String(), errb.String()
}

// verdicts maps "ID namespace" to the statuses a cluster scan gave it
// (namespace: the subject's, or the Namespace's own name).
func nsVerdicts(rs []clusterResult) map[string]string {
	m := map[string][]string{}
	for _, r := range rs {
		ns := r.Subject.Namespace
		if r.Subject.Kind == "Namespace" {
			ns = r.Subject.Name
		}
		k := r.ID + " " + ns
		m[k] = append(m[k], r.Status)
	}
	out := map[string]string{}
	for k, v := range m {
		sort.Strings(v)
		out[k] = strings.Join(slicesCompact(v), ",")
	}
	return out
}

func slicesCompact(v []string) []string {
	var out []string
	for i, s := range v {
		if i == 0 || s != v[i-1] {
			out = append(out, s)
		}
	}
	return out
}

// TestHardenClusterApplyAndUndo: on the insecure cluster, harden cluster
// --apply makes the namespace-layer checks pass on a rescan, and harden undo
// puts every object back as it was.
func TestHardenClusterApplyAndUndo(t *testing.T) {
	c := up(t, harness.Insecure)
	cs := clientFor(t, c)
	dyn := dynFor(t, c)
	ctx := context.Background()
	k := &creator{t: t, cs: cs, ctx: ctx}
	kc := c.AdminKubeconfig()

	// tidy: one restricted workload behind a Service, nothing enforced.
	k.namespace("tidy", map[string]string{"team": "tidy"})
	k.must(cs.CoreV1().ServiceAccounts("tidy").Create(ctx, &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Name: "web"}}, metav1.CreateOptions{}))
	k.must(cs.AppsV1().Deployments("tidy").Create(ctx, deployment("tidy", "web", 2, hardenedSpec("web")), metav1.CreateOptions{}))
	k.must(cs.CoreV1().Services("tidy").Create(ctx, &corev1.Service{ObjectMeta: metav1.ObjectMeta{Name: "web"},
		Spec: corev1.ServiceSpec{Selector: map[string]string{"app": "web"}, Ports: []corev1.ServicePort{{Port: 80, TargetPort: intstr.FromInt32(8080)}}}}, metav1.CreateOptions{}))
	// shop: a privileged workload, enforce=privileged, and a quota of its own.
	k.namespace("shop", map[string]string{"pod-security.kubernetes.io/enforce": "privileged"})
	risky := corev1.PodSpec{Containers: []corev1.Container{{Name: "app", Image: "docker.io/acme/app:latest", ImagePullPolicy: corev1.PullNever,
		SecurityContext: &corev1.SecurityContext{Privileged: ptr(true)}}}}
	k.must(cs.AppsV1().Deployments("shop").Create(ctx, deployment("shop", "api", 1, risky), metav1.CreateOptions{}))
	k.must(cs.CoreV1().ResourceQuotas("shop").Create(ctx, &corev1.ResourceQuota{ObjectMeta: metav1.ObjectMeta{Name: "own"},
		Spec: corev1.ResourceQuotaSpec{Hard: corev1.ResourceList{"pods": resource.MustParse("10")}}}, metav1.CreateOptions{}))
	waitPods(t, cs, "tidy", 2)
	waitPods(t, cs, "shop", 1)

	before := snapshot(t, dyn)
	v0 := nsVerdicts(scanCluster(t, "--kubeconfig", kc))
	fixed := []string{
		"KW-NS-001 tidy", "KW-NS-002 tidy", "KW-NS-003 tidy", "KW-NS-004 tidy", "KW-NS-006 tidy",
		"KW-CL-020 tidy", "KW-CL-021 tidy", "KW-CL-040 tidy",
		"KW-NS-002 shop", "KW-NS-003 shop", "KW-NS-004 shop", "KW-CL-020 shop", "KW-CL-021 shop",
	}
	for _, f := range fixed {
		if !strings.Contains(v0[f], "FAIL") && !strings.Contains(v0[f], "WARN") {
			t.Errorf("before hardening, %s is %q, want FAIL or WARN", f, v0[f])
		}
	}

	// Default: files and a diff, nothing applied.
	out := filepath.Join(t.TempDir(), "layer")
	code, stdout, stderr := kubeward(t, "harden", "cluster", "--kubeconfig", kc, "--out", out)
	if code != 0 {
		t.Fatalf("harden cluster --out: exit %d\n%s", code, stderr)
	}
	for _, want := range []string{"+++ kubeward/tidy/networkpolicy/kubeward-default-deny", "+    pod-security.kubernetes.io/enforce: restricted"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("diff lacks %q:\n%s", want, stdout)
		}
	}
	if !strings.Contains(stderr, "needs a person: shop: not enforcing a Pod Security level: below baseline: Deployment/api;") {
		t.Errorf("shop's privileged workload is not named:\n%s", stderr)
	}
	layer, err := os.ReadFile(filepath.Join(out, "namespace-tidy.yaml"))
	if err != nil || !strings.Contains(string(layer), "resolves KW-NS-001, KW-CL-030") {
		t.Errorf("namespace-tidy.yaml: %v\n%s", err, layer)
	}
	if after := snapshot(t, dyn); !equalSnapshots(t, before, after) {
		t.Fatal("harden cluster without --apply changed the cluster")
	}

	record := filepath.Join(t.TempDir(), "undo.json")
	code, _, stderr = kubeward(t, "harden", "cluster", "--kubeconfig", kc, "--include", "namespaces,workloads", "--apply", "--record", record)
	if code != 0 {
		t.Fatalf("harden cluster --apply: exit %d\n%s", code, stderr)
	}
	t.Logf("apply: %s", stderr)
	// The workload fixes: the line names the checks each resolves.
	var workloadFixed []string
	for _, line := range strings.Split(stderr, "\n") {
		if rest, ok := strings.CutPrefix(line, "Deployment shop/api: resolves "); ok {
			ids, _, _ := strings.Cut(rest, ";")
			ids, _, _ = strings.Cut(ids, " (review")
			workloadFixed = strings.Split(ids, ", ")
		}
	}
	if len(workloadFixed) == 0 {
		t.Errorf("harden cluster --include workloads fixed nothing on Deployment shop/api:\n%s", stderr)
	}
	d, err := cs.AppsV1().Deployments("shop").Get(ctx, "api", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if sc := d.Spec.Template.Spec.Containers[0].SecurityContext; sc != nil && sc.Privileged != nil && *sc.Privileged {
		t.Errorf("Deployment shop/api is still privileged after --include workloads")
	}
	code, _, stderr = kubeward(t, "harden", "cluster", "--kubeconfig", kc, "--include", "namespaces,workloads", "--apply", "--record", record)
	if code != 0 || !strings.Contains(stderr, "nothing to apply") {
		t.Errorf("a second apply: exit %d, want nothing to apply:\n%s", code, stderr)
	}

	ns, err := cs.CoreV1().Namespaces().Get(ctx, "tidy", metav1.GetOptions{})
	if err != nil || ns.Labels["pod-security.kubernetes.io/enforce"] != "restricted" || ns.Labels["team"] != "tidy" {
		t.Errorf("tidy labels after apply: %v %v", ns.Labels, err)
	}
	rq, err := cs.CoreV1().ResourceQuotas("tidy").Get(ctx, "kubeward-quota", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	// Two pods run: sized 2 + 50% = 3, never below what runs.
	if p := rq.Spec.Hard[corev1.ResourcePods]; p.Value() != 3 {
		t.Errorf("tidy quota pods = %s, want 3 (2 running + 50%%)", p.String())
	}
	if _, err := cs.CoreV1().ResourceQuotas("shop").Get(ctx, "kubeward-quota", metav1.GetOptions{}); err == nil {
		t.Error("shop has a quota of its own and got a second one")
	}

	v1 := nsVerdicts(scanCluster(t, "--kubeconfig", kc, "--show-passed"))
	for _, f := range append(fixed, "KW-NS-001 shop", "KW-CL-030 tidy") {
		if v1[f] != "PASS" {
			t.Errorf("after harden cluster --apply, %s is %q, want PASS", f, v1[f])
		}
	}
	// Each check the workload fix claims: no FAIL or WARN on shop any more
	// (PASS, or no verdict where the fix removed what the check judges, e.g.
	// KW-SA-002 judges only pods that mount a token).
	for _, id := range workloadFixed {
		after := v1[id+" shop"]
		if strings.Contains(after, "FAIL") || strings.Contains(after, "WARN") {
			t.Errorf("after --include workloads, %s on shop is %q", id, after)
		}
		t.Logf("%s on shop: before %q, after %q", id, v0[id+" shop"], after)
	}
	if !strings.Contains(v1["KW-NS-006 shop"], "FAIL") {
		t.Errorf("shop runs a privileged workload: KW-NS-006 needs a person and must still FAIL, got %q", v1["KW-NS-006 shop"])
	}

	// An object changed after the apply is left alone unless forced.
	lr, err := cs.CoreV1().LimitRanges("tidy").Get(ctx, "kubeward-limits", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	lr.Labels["edited"] = "by-hand"
	k.must(cs.CoreV1().LimitRanges("tidy").Update(ctx, lr, metav1.UpdateOptions{}))
	// An object kubeward created, deleted and replaced by someone else under
	// the same name: never deleted, forced or not.
	netpols := cs.NetworkingV1().NetworkPolicies("tidy")
	k.must(nil, netpols.Delete(ctx, "kubeward-allow-same-namespace", metav1.DeleteOptions{}))
	k.must(netpols.Create(ctx, &networkingv1.NetworkPolicy{ObjectMeta: metav1.ObjectMeta{Name: "kubeward-allow-same-namespace"},
		Spec: networkingv1.NetworkPolicySpec{PodSelector: metav1.LabelSelector{MatchLabels: map[string]string{"app": "other"}}}}, metav1.CreateOptions{}))
	code, _, stderr = kubeward(t, "harden", "undo", "--kubeconfig", kc, record)
	if code != 1 || !strings.Contains(stderr, "left alone: LimitRange tidy/kubeward-limits: it changed since kubeward applied it") ||
		!strings.Contains(stderr, "left alone: NetworkPolicy tidy/kubeward-allow-same-namespace: its UID is") {
		t.Fatalf("undo with objects changed since: exit %d, want 1:\n%s", code, stderr)
	}
	if _, err := cs.CoreV1().LimitRanges("tidy").Get(ctx, "kubeward-limits", metav1.GetOptions{}); err != nil {
		t.Fatalf("undo deleted an object that changed since kubeward applied it: %v", err)
	}
	code, _, stderr = kubeward(t, "harden", "undo", "--kubeconfig", kc, "--force", record)
	if code != 1 || !strings.Contains(stderr, "another object by that name, never deleted") {
		t.Fatalf("undo --force with another object by a recorded name: exit %d, want 1:\n%s", code, stderr)
	}
	if np, err := netpols.Get(ctx, "kubeward-allow-same-namespace", metav1.GetOptions{}); err != nil || np.Spec.PodSelector.MatchLabels["app"] != "other" {
		t.Fatalf("undo --force deleted another object of a recorded name: %v", err)
	}
	if _, err := cs.CoreV1().LimitRanges("tidy").Get(ctx, "kubeward-limits", metav1.GetOptions{}); err == nil {
		t.Fatal("undo --force left the LimitRange kubeward created")
	}
	// The test removes the other object itself: it was not there before.
	k.must(nil, netpols.Delete(ctx, "kubeward-allow-same-namespace", metav1.DeleteOptions{}))
	after := snapshot(t, dyn)
	if !equalSnapshots(t, before, after) {
		t.Error("harden undo did not restore every object")
	}
	t.Logf("undo restored %d objects of %d kinds", len(after), len(hardenedKinds))
}

func equalSnapshots(t *testing.T, before, after map[string]string) bool {
	t.Helper()
	ok := true
	for k, b := range before {
		a, found := after[k]
		switch {
		case !found:
			t.Errorf("%s is gone", k)
			ok = false
		case a != b:
			t.Errorf("%s differs:\nbefore %s\nafter  %s", k, b, a)
			ok = false
		}
	}
	for k := range after {
		if _, found := before[k]; !found {
			t.Errorf("%s was not there before", k)
			ok = false
		}
	}
	return ok
}

// waitPods waits until n pods of ns exist (scheduled or not: the quota and
// Pod Security count them either way).
func waitPods(t *testing.T, cs kubernetes.Interface, ns string, n int) {
	t.Helper()
	deadline := time.Now().Add(2 * time.Minute)
	for time.Now().Before(deadline) {
		pods, err := cs.CoreV1().Pods(ns).List(context.Background(), metav1.ListOptions{})
		if err == nil && len(pods.Items) >= n {
			return
		}
		time.Sleep(time.Second)
	}
	t.Fatalf("%d pods of %s not created in time", n, ns)
}

// copyExample copies examples/insecure into dir with every image replaced by
// the locally built application image.
func copyExample(t *testing.T, dir, image string) {
	t.Helper()
	files, err := filepath.Glob("../../../examples/insecure/*.yaml")
	if err != nil || len(files) == 0 {
		t.Fatalf("examples/insecure: %v", err)
	}
	images := []string{"image: nginx", "image: docker.io/acme/payments-api:latest", "image: registry.bank.internal/platform/node-agent:2.4.1"}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, i := range images {
			b = bytes.ReplaceAll(b, []byte(i), []byte("image: "+image))
		}
		if err := os.WriteFile(filepath.Join(dir, filepath.Base(f)), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for _, f := range files {
		if b, _ := os.ReadFile(filepath.Join(dir, filepath.Base(f))); bytes.Contains(b, []byte("image:")) && !bytes.Contains(b, []byte(image)) {
			t.Fatalf("%s has an image this test does not replace", f)
		}
	}
}

// edit replaces old by new in file, failing when old is not there.
func edit(t *testing.T, file, old, new string) {
	t.Helper()
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(b, []byte(old)) {
		t.Fatalf("%s does not hold %q:\n%s", file, old, b)
	}
	if err := os.WriteFile(file, bytes.Replace(b, []byte(old), []byte(new), 1), 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestHardenedExampleRunsUnderRestricted: examples/insecure's workloads,
// with a locally built image, hardened by `harden manifests --write` with
// the namespace layer (--out), run on the real kubelet under restricted Pod
// Security with default deny in place, and a probe pod resolves a Service
// through the cluster DNS and reaches it.
//
// The harness has no cluster DNS: a DNS server built here (cmd/e2eapp dns)
// runs in kube-system with the labels real CoreDNS has (k8s-app: kube-dns)
// behind a kube-dns Service on port 53, which is what the generated DNS
// egress policy allows. The bridge CNI enforces no NetworkPolicy, so the
// probe shows the hardened apps, Pod Security and the generated objects
// leave DNS and Service traffic working; it cannot show the policies
// themselves letting it through.
func TestHardenedExampleRunsUnderRestricted(t *testing.T) {
	if !kubeletWanted() {
		t.Skip("needs a kubelet: no containerd answers (test/cluster/containerd.sh start)")
	}
	if _, err := exec.LookPath("ctr"); err != nil {
		t.Skip("ctr (containerd) not installed")
	}
	c := up(t, harness.Insecure)
	if c.Process("kubelet") == nil {
		t.Skip("the harness started no kubelet")
	}
	const image = "kubeward.local/e2eapp:1"
	images := t.TempDir()
	importImage(t, "kubeward.local/pause:1", buildStatic(t, "..", "./cmd/pause", filepath.Join(images, "pause")), "/pause")
	importImage(t, image, buildStatic(t, "..", "./cmd/e2eapp", filepath.Join(images, "e2eapp")), "/e2eapp")

	ex := t.TempDir()
	copyExample(t, ex, image)
	// Services for the apps (the example has none; the app listens on 8080).
	services := filepath.Join(ex, "services.yaml")
	if err := os.WriteFile(services, []byte(`apiVersion: v1
kind: Service
metadata: {name: payments-api, namespace: payments}
spec:
  selector: {app: payments-api}
  ports: [{port: 80, targetPort: 8080}]
---
apiVersion: v1
kind: Service
metadata: {name: web, namespace: storefront}
spec:
  selector: {app: web}
  ports: [{port: 80, targetPort: 8080}]
`), 0o644); err != nil {
		t.Fatal(err)
	}

	layer := filepath.Join(t.TempDir(), "layer")
	code, _, stderr := kubeward(t, "harden", "manifests", "--write", "--out", layer, ex)
	if code != 0 {
		t.Fatalf("harden manifests --write --out: exit %d\n%s", code, stderr)
	}
	t.Logf("harden manifests --write:\n%s", stderr)
	// What kubeward cannot fix alone is named: storefront's AppArmor and
	// SELinux settings keep it below baseline, and allow-everything cancels
	// a default deny of ingress.
	for _, want := range []string{
		"needs a person: storefront: not enforcing a Pod Security level: below baseline: Deployment/web",
		"needs a person: storefront: NetworkPolicy allow-everything allows all ingress traffic",
		"Namespace/payments: Pod Security: enforce restricted",
	} {
		if !strings.Contains(stderr, want) {
			t.Errorf("harden manifests output lacks %q", want)
		}
	}
	// The person does what kubeward names (in this copy only), and kubeward
	// generates the namespace layer again.
	sf := filepath.Join(ex, "storefront.yaml")
	edit(t, sf, "      annotations:\n        container.apparmor.security.beta.kubernetes.io/web: unconfined\n", "")
	edit(t, sf, "            seLinuxOptions:\n              type: spc_t\n", "")
	edit(t, sf, "---\napiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata:\n  name: allow-everything\n  namespace: storefront\nspec:\n  podSelector: {}\n  ingress:\n    - {}\n", "")
	layer = filepath.Join(t.TempDir(), "layer")
	code, _, stderr = kubeward(t, "harden", "manifests", "--out", layer, ex)
	if code != 0 {
		t.Fatalf("harden manifests --out: exit %d\n%s", code, stderr)
	}
	for _, want := range []string{
		"Namespace/storefront: Pod Security: enforce restricted",
		// storefront denies ingress by its own default-deny: kubeward adds
		// egress only, and no allows to a direction it does not deny.
		"NetworkPolicy/kubeward-default-deny: default deny for egress of every pod in storefront",
		"NetworkPolicy/kubeward-allow-svc-payments-api:",
	} {
		if !strings.Contains(stderr, want) {
			t.Errorf("second run lacks %q:\n%s", want, stderr)
		}
	}
	if strings.Contains(stderr, "needs a person") {
		t.Errorf("after the person's changes nothing should need a person:\n%s", stderr)
	}

	cs := clientFor(t, c)
	ctx := context.Background()
	t.Cleanup(func() {
		deleteNamespace(t, cs, "payments")
		deleteNamespace(t, cs, "storefront")
		cs.AppsV1().DaemonSets("kube-system").Delete(ctx, "node-agent", metav1.DeleteOptions{})
		cs.CoreV1().Pods("kube-system").Delete(ctx, "dns", metav1.DeleteOptions{})
		waitNoPods(t, cs, "kube-system", "app=node-agent")
		waitNoPods(t, cs, "kube-system", "k8s-app=kube-dns")
	})
	// Namespaces, then their layer (Pod Security enforced before any pod
	// exists), then the workloads.
	serverSideApply(t, c, filepath.Join(ex, "namespaces.yaml"), filepath.Join(layer, "namespace-payments.yaml"), filepath.Join(layer, "namespace-storefront.yaml"))
	for _, ns := range []string{"payments", "storefront"} {
		n, err := cs.CoreV1().Namespaces().Get(ctx, ns, metav1.GetOptions{})
		if err != nil || n.Labels["pod-security.kubernetes.io/enforce"] != "restricted" {
			t.Fatalf("%s: enforce label %v (%v)", ns, n.Labels, err)
		}
	}
	// Pod Security is live: the API server refuses a privileged pod.
	bad := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "privileged"}, Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "c", Image: image,
		SecurityContext: &corev1.SecurityContext{Privileged: ptr(true)}}}}}
	if _, err := cs.CoreV1().Pods("payments").Create(ctx, bad, metav1.CreateOptions{}); err == nil || !strings.Contains(err.Error(), "violates PodSecurity") {
		t.Fatalf("a privileged pod in payments: %v, want refused by PodSecurity", err)
	}
	var rest []string
	for _, f := range []string{"rbac.yaml", "services.yaml", "payments.yaml", "storefront.yaml", "kube-system.yaml"} {
		rest = append(rest, filepath.Join(ex, f))
	}
	serverSideApply(t, c, rest...)
	for _, ns := range []string{"payments", "storefront"} {
		// Every pod is isolated both ways: by kubeward's default deny, and in
		// storefront by the example's own default-deny for ingress.
		types := map[networkingv1.PolicyType]bool{}
		for _, name := range []string{"kubeward-default-deny", "default-deny"} {
			np, err := cs.NetworkingV1().NetworkPolicies(ns).Get(ctx, name, metav1.GetOptions{})
			if err != nil || len(np.Spec.PodSelector.MatchLabels) != 0 || len(np.Spec.Ingress) != 0 || len(np.Spec.Egress) != 0 {
				continue
			}
			for _, pt := range np.Spec.PolicyTypes {
				types[pt] = true
			}
		}
		if !types[networkingv1.PolicyTypeIngress] || !types[networkingv1.PolicyTypeEgress] {
			t.Fatalf("%s: default deny covers %v, want ingress and egress", ns, types)
		}
	}

	pay := waitReady(t, cs, "payments", 3, 4*time.Minute)
	web := waitReady(t, cs, "storefront", 2, 3*time.Minute)
	t.Logf("Ready under restricted: %d payments-api pods, %d web pods", len(pay), len(web))

	// The cluster DNS stand-in, then a probe pod in payments.
	svc, err := cs.CoreV1().Services("payments").Get(ctx, "payments-api", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	dnsSvc, err := cs.CoreV1().Services("kube-system").Create(ctx, &corev1.Service{ObjectMeta: metav1.ObjectMeta{Name: "kube-dns", Labels: map[string]string{"k8s-app": "kube-dns"}},
		Spec: corev1.ServiceSpec{Selector: map[string]string{"k8s-app": "kube-dns"}, Ports: []corev1.ServicePort{{Name: "dns", Port: 53, Protocol: corev1.ProtocolUDP, TargetPort: intstr.FromInt32(53)}}}}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	name := "payments-api.payments.svc.cluster.local"
	_, err = cs.CoreV1().Pods("kube-system").Create(ctx, &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "dns", Labels: map[string]string{"k8s-app": "kube-dns"}},
		Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "dns", Image: image, ImagePullPolicy: corev1.PullNever,
			Args: []string{"dns", name + "=" + svc.Spec.ClusterIP}, Ports: []corev1.ContainerPort{{ContainerPort: 53, Protocol: corev1.ProtocolUDP}}}}}}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	waitReadyPod(t, cs, "kube-system", "dns")
	probe := hardenedSpec("default")
	probe.Containers[0].Name, probe.Containers[0].Image = "probe", image
	probe.Containers[0].Args = []string{"probe", dnsSvc.Spec.ClusterIP + ":53", name, "80"}
	probe.Containers[0].Resources = corev1.ResourceRequirements{}
	p, err := cs.CoreV1().Pods("payments").Create(ctx, &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "probe"}, Spec: probe}, metav1.CreateOptions{})
	if err != nil {
		t.Fatalf("probe pod under restricted: %v", err)
	}
	line := logLineWith(t, p, "probe", "probe ok", 3*time.Minute)
	if !strings.Contains(line, name+"="+svc.Spec.ClusterIP+" http 200 ok payments-api-") {
		t.Errorf("probe: %s", line)
	}
	t.Logf("probe pod -> kube-dns -> Service payments-api: %s", line)
}

func waitReadyPod(t *testing.T, cs kubernetes.Interface, ns, name string) {
	t.Helper()
	deadline := time.Now().Add(2 * time.Minute)
	for time.Now().Before(deadline) {
		p, err := cs.CoreV1().Pods(ns).Get(context.Background(), name, metav1.GetOptions{})
		if err == nil {
			for _, c := range p.Status.Conditions {
				if c.Type == corev1.PodReady && c.Status == corev1.ConditionTrue {
					return
				}
			}
		}
		time.Sleep(2 * time.Second)
	}
	t.Fatalf("pod %s/%s not Ready", ns, name)
}
