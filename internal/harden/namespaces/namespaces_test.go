package namespaces

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	networkingv1 "k8s.io/api/networking/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/pod-security-admission/api"
	"sigs.k8s.io/yaml"

	"github.com/kubeward/kubeward/internal/check"
	_ "github.com/kubeward/kubeward/internal/check/all"
	"github.com/kubeward/kubeward/internal/config"
	"github.com/kubeward/kubeward/internal/inventory"
	"github.com/kubeward/kubeward/internal/result"
	"github.com/kubeward/kubeward/internal/source/manifest"
)

// input is a small platform: payments (root workload, no policies),
// storefront (a restricted workload, a Service, a policy allowing all
// ingress, enforce=privileged), shop (no Namespace manifest, a baseline
// pod), and kube-system (never touched).
const input = `
apiVersion: v1
kind: Namespace
metadata: {name: payments, labels: {team: pay}, annotations: {owner: alice}}
---
apiVersion: v1
kind: Namespace
metadata: {name: storefront, labels: {pod-security.kubernetes.io/enforce: privileged}}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: api, namespace: payments}
spec:
  selector: {matchLabels: {app: api}}
  template:
    metadata: {labels: {app: api}}
    spec:
      containers:
      - name: api
        image: api
        securityContext: {privileged: true}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: storefront}
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      securityContext: {runAsNonRoot: true, seccompProfile: {type: RuntimeDefault}}
      containers:
      - name: web
        image: web
        ports: [{name: http, containerPort: 8080}]
        securityContext: {allowPrivilegeEscalation: false, capabilities: {drop: [ALL]}}
---
apiVersion: v1
kind: Service
metadata: {name: web, namespace: shop}
spec:
  type: NodePort
  selector: {app: job}
  ports: [{port: 80, targetPort: http}, {port: 81}]
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: allow-everything, namespace: storefront}
spec:
  podSelector: {}
  ingress: [{}]
---
apiVersion: v1
kind: Pod
metadata: {name: job, namespace: shop, labels: {app: job}}
spec:
  containers: [{name: c, image: c, ports: [{name: http, containerPort: 8080}]}]
---
apiVersion: v1
kind: Pod
metadata: {name: dns, namespace: kube-system}
spec:
  hostNetwork: true
  containers: [{name: c, image: c}]
`

func load(t *testing.T, files ...string) []*inventory.Object {
	t.Helper()
	var objs []*inventory.Object
	st := manifest.Load(files, manifest.Options{Workers: 1}, func(o *inventory.Object) { objs = append(objs, o) })
	if len(st.Errors) > 0 {
		t.Fatal(st.Errors)
	}
	return objs
}

func writeInput(t *testing.T, dir string) string {
	t.Helper()
	f := filepath.Join(dir, "in.yaml")
	if err := os.WriteFile(f, []byte(input), 0o644); err != nil {
		t.Fatal(err)
	}
	return f
}

func find(ns Namespace, kind, name string) *Generated {
	for i := range ns.Objects {
		if ns.Objects[i].Kind == kind && ns.Objects[i].Name == name {
			return &ns.Objects[i]
		}
	}
	return nil
}

func TestGenerate(t *testing.T) {
	dir := t.TempDir()
	objs := load(t, writeInput(t, dir))
	layers := Generate(Input{Objects: objs, Config: config.Default()})
	var names []string
	byName := map[string]Namespace{}
	for _, l := range layers {
		names = append(names, l.Name)
		byName[l.Name] = l
	}
	if strings.Join(names, ",") != "payments,shop,storefront" {
		t.Fatalf("namespaces %v, want payments,shop,storefront (kube-system is a system namespace)", names)
	}

	pay := byName["payments"]
	ns := find(pay, "Namespace", "payments").Object.(*corev1.Namespace)
	if _, ok := ns.Labels[api.EnforceLevelLabel]; ok {
		t.Errorf("payments runs a privileged workload: enforce must stay unset, got %v", ns.Labels)
	}
	if ns.Labels["team"] != "pay" || ns.Annotations["owner"] != "alice" || ns.Labels[api.WarnLevelLabel] != "restricted" || ns.Labels[api.AuditLevelLabel] != "restricted" {
		t.Errorf("payments Namespace keeps its labels and annotations and warns/audits restricted: %v %v", ns.Labels, ns.Annotations)
	}
	if len(pay.Notes) != 1 || !strings.Contains(pay.Notes[0].EN, "below baseline: Deployment/api;") {
		t.Errorf("payments notes: %v", pay.Notes)
	}
	q := find(pay, "ResourceQuota", QuotaName).Object.(*corev1.ResourceQuota)
	for k, want := range map[corev1.ResourceName]string{"pods": "500", "requests.cpu": "100", "requests.memory": "500Gi", "limits.cpu": "200", "limits.memory": "2000Gi"} {
		if got := q.Spec.Hard[k]; got.String() != want {
			t.Errorf("quota %s = %s, want %s", k, got.String(), want)
		}
	}
	lr := find(pay, "LimitRange", LimitRangeName).Object.(*corev1.LimitRange)
	if d := lr.Spec.Limits[0].Default[corev1.ResourceMemory]; d.String() != "512Mi" {
		t.Errorf("LimitRange default memory %s", d.String())
	}
	if d := lr.Spec.Limits[0].DefaultRequest[corev1.ResourceCPU]; d.String() != "100m" {
		t.Errorf("LimitRange defaultRequest cpu %s", d.String())
	}
	deny := find(pay, "NetworkPolicy", DefaultDenyName)
	if deny == nil || !slices.Equal(deny.Resolves, []string{"KW-NS-003", "KW-NS-004"}) {
		t.Fatalf("payments default deny: %+v", deny)
	}
	dns := find(pay, "NetworkPolicy", AllowDNSName).Object.(*networkingv1.NetworkPolicy)
	if to := dns.Spec.Egress[0].To[0]; to.NamespaceSelector.MatchLabels["kubernetes.io/metadata.name"] != "kube-system" || to.PodSelector.MatchLabels["k8s-app"] != "kube-dns" || len(dns.Spec.Egress[0].Ports) != 2 {
		t.Errorf("DNS egress: %+v", dns.Spec.Egress)
	}

	shop := byName["shop"]
	if ns := find(shop, "Namespace", "shop").Object.(*corev1.Namespace); ns.Labels[api.EnforceLevelLabel] != "baseline" {
		t.Errorf("shop's pod meets baseline: labels %v", ns.Labels)
	}

	sf := byName["storefront"]
	if ns := find(sf, "Namespace", "storefront").Object.(*corev1.Namespace); ns.Labels[api.EnforceLevelLabel] != "restricted" {
		t.Errorf("storefront's workloads meet restricted: labels %v", ns.Labels)
	}
	deny = find(sf, "NetworkPolicy", DefaultDenyName)
	if deny == nil || !slices.Equal(deny.Resolves, []string{"KW-NS-004"}) || !slices.Equal(deny.Object.(*networkingv1.NetworkPolicy).Spec.PolicyTypes, []networkingv1.PolicyType{"Egress"}) {
		t.Errorf("storefront: allow-everything selects every pod for ingress and allows all of it: only egress is denied, KW-NS-003 is left to a person: %+v", deny)
	}
	if len(sf.Notes) != 1 || !strings.Contains(sf.Notes[0].EN, "allow-everything allows all ingress") {
		t.Errorf("storefront notes: %v", sf.Notes)
	}
	svc := find(shop, "NetworkPolicy", ServicePrefix+"web").Object.(*networkingv1.NetworkPolicy)
	if got := portString(svc.Spec.Ingress[0].Ports); got != "http/TCP, 81/TCP" {
		t.Errorf("service ports %q", got)
	}
	if svc.Spec.PodSelector.MatchLabels["app"] != "job" || len(svc.Spec.Ingress[0].From) != 1 || svc.Spec.Ingress[0].From[0].PodSelector == nil {
		t.Errorf("service policy %+v", svc.Spec)
	}
	if len(shop.Notes) != 1 || !strings.Contains(shop.Notes[0].EN, "type NodePort") {
		t.Errorf("shop notes: %v", shop.Notes)
	}
}

// TestRescan applies the generated layer to the input and rescans: every
// check a generated object claims passes in every namespace it was
// generated for, and the checks that need a person still fail.
func TestRescan(t *testing.T) {
	dir := t.TempDir()
	in := writeInput(t, dir)
	layers := Generate(Input{Objects: load(t, in), Config: config.Default()})
	files := []string{in}
	claimed := map[string]bool{} // "ID namespace"
	for _, l := range layers {
		b, err := Render(l, "en")
		if err != nil {
			t.Fatal(err)
		}
		f := filepath.Join(dir, l.Name+".yaml")
		if err := os.WriteFile(f, b, 0o644); err != nil {
			t.Fatal(err)
		}
		files = append(files, f)
		for _, g := range l.Objects {
			for _, id := range g.Resolves {
				claimed[id+" "+l.Name] = true
			}
		}
	}
	// Both the input's and the generated Namespace are read; the generated
	// one comes last, as it would be applied.
	objs := load(t, files...)
	latest := map[string]*inventory.Object{}
	var keep []*inventory.Object
	for _, o := range objs {
		if o.Kind == "Namespace" {
			latest[o.Name] = o
			continue
		}
		keep = append(keep, o)
	}
	for _, o := range latest {
		keep = append(keep, o)
	}
	e := check.New(check.Options{Config: config.Default(), KeepPasses: true})
	for _, o := range keep {
		e.Observe(o)
	}
	status := map[string]result.Status{}
	for _, r := range e.Finish().Results {
		if strings.HasPrefix(r.ID, "KW-NS-") {
			ns := r.Subject.Namespace
			if r.Subject.Kind == "Namespace" {
				ns = r.Subject.Name
			}
			status[r.ID+" "+ns] = r.Status
		}
	}
	if len(claimed) < 10 {
		t.Fatalf("only %d claims: %v", len(claimed), claimed)
	}
	for c := range claimed {
		if status[c] != result.Pass {
			t.Errorf("%s: generated object claims it, rescan says %s", c, status[c])
		}
	}
	for _, c := range []string{"KW-NS-003 storefront", "KW-NS-006 payments"} {
		if claimed[c] {
			t.Errorf("%s is claimed", c)
		}
		if status[c] != result.Fail {
			t.Errorf("%s needs a person and must still FAIL, got %s", c, status[c])
		}
	}
}

func TestGenerateLive(t *testing.T) {
	objs := load(t, writeInput(t, t.TempDir()))
	pod := func(name, phase, cpu, mem string) *inventory.Object {
		p := &corev1.Pod{}
		p.Name, p.Namespace, p.Status.Phase = name, "payments", corev1.PodPhase(phase)
		p.Spec.Containers = []corev1.Container{{Name: "c", Resources: corev1.ResourceRequirements{
			Requests: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse(cpu), corev1.ResourceMemory: resource.MustParse(mem)},
			Limits:   corev1.ResourceList{corev1.ResourceCPU: resource.MustParse(cpu), corev1.ResourceMemory: resource.MustParse(mem)}}}}
		p.Spec.InitContainers = []corev1.Container{{Name: "i", Resources: corev1.ResourceRequirements{
			Requests: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("3")}}}}
		return &inventory.Object{Kind: "Pod", Namespace: "payments", Name: name, Typed: p}
	}
	objs = append(objs, pod("a", "Running", "1", "1Gi"), pod("b", "Running", "500m", "300Mi"), pod("done", "Succeeded", "50", "50Gi"))
	tcp := corev1.ProtocolTCP
	slice := &discoveryv1.EndpointSlice{Ports: []discoveryv1.EndpointPort{{Port: new(int32(8080)), Protocol: &tcp}}}
	slice.Namespace, slice.Labels = "shop", map[string]string{discoveryv1.LabelServiceName: "web"}
	pvc := &corev1.PersistentVolumeClaim{}
	pvc.Namespace = "payments"
	pvc.Spec.Resources.Requests = corev1.ResourceList{corev1.ResourceStorage: resource.MustParse("10Gi")}
	layers := Generate(Input{Objects: objs, Config: config.Default(), Live: true, EndpointSlices: []*discoveryv1.EndpointSlice{slice}, PVCs: []*corev1.PersistentVolumeClaim{pvc}})
	var pay, shop Namespace
	for _, l := range layers {
		switch l.Name {
		case "payments":
			pay = l
		case "shop":
			shop = l
		}
	}
	q := find(pay, "ResourceQuota", QuotaName).Object.(*corev1.ResourceQuota).Spec.Hard
	// Running: a (cpu max(1, init 3) = 3, 1Gi) and b (max(500m, 3) = 3, 300Mi); the Succeeded pod does not count.
	for k, want := range map[corev1.ResourceName]string{
		"pods":                   "3",      // 2 + 50% = 3
		"requests.cpu":           "9",      // 6 + 50%
		"requests.memory":        "1986Mi", // 1324Mi + 50%, whole MiB
		"limits.cpu":             "2500m",  // 1.5 + 50% = 2.25, but 1.5 + one more pod's default limit (1 cpu) = 2.5 wins
		"persistentvolumeclaims": "2",
		"requests.storage":       "15Gi",
		"services":               "100", // none used: the plan's value
	} {
		got := q[k]
		if got.String() != want {
			t.Errorf("live quota %s = %s, want %s", k, got.String(), want)
		}
	}
	if ns := find(pay, "Namespace", "payments").Object.(*corev1.Namespace); ns.Labels["team"] != "" || len(ns.Annotations) != 0 {
		t.Errorf("a live Namespace carries only the labels kubeward manages: %v %v", ns.Labels, ns.Annotations)
	}
	svc := find(shop, "NetworkPolicy", ServicePrefix+"web").Object.(*networkingv1.NetworkPolicy)
	if got := portString(svc.Spec.Ingress[0].Ports); got != "8080/TCP" {
		t.Errorf("live service ports come from the EndpointSlice: %q", got)
	}
	deny := find(pay, "NetworkPolicy", DefaultDenyName)
	if !slices.Contains(deny.Resolves, "KW-CL-020") || !slices.Contains(deny.Resolves, "KW-CL-021") {
		t.Errorf("live default deny resolves the coverage checks: %v", deny.Resolves)
	}
}

func TestSecondRunAddsNothing(t *testing.T) {
	dir := t.TempDir()
	in := writeInput(t, dir)
	files := []string{in}
	for _, l := range Generate(Input{Objects: load(t, in)}) {
		b, err := Render(l, "zh")
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(string(b), "由 kubeward harden 生成") {
			t.Errorf("zh header missing:\n%s", b)
		}
		f := filepath.Join(dir, l.Name+".yaml")
		os.WriteFile(f, b, 0o644)
		files = append(files, f)
	}
	objs := load(t, files...)
	// Keep the last Namespace document of each name (the generated one).
	var keep []*inventory.Object
	last := map[string]int{}
	for i, o := range objs {
		if o.Kind == "Namespace" {
			last[o.Name] = i
		}
	}
	for i, o := range objs {
		if o.Kind != "Namespace" || last[o.Name] == i {
			keep = append(keep, o)
		}
	}
	for _, l := range Generate(Input{Objects: keep}) {
		for _, g := range l.Objects {
			if g.Kind != "Namespace" || l.Name != "payments" {
				t.Errorf("second run generated %s %s/%s again", g.Kind, l.Name, g.Name)
			}
		}
	}
}

func TestRenderIsYAML(t *testing.T) {
	layers := Generate(Input{Objects: load(t, writeInput(t, t.TempDir()))})
	b, err := Render(layers[0], "en")
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(b), "creationTimestamp") || strings.Contains(string(b), "status:") {
		t.Errorf("rendered objects carry server fields:\n%s", b)
	}
	if !strings.Contains(string(b), "# NetworkPolicy/kubeward-default-deny: default deny for ingress and egress of every pod in payments; resolves KW-NS-003, KW-NS-004") {
		t.Errorf("missing the resolves comment:\n%s", b)
	}
	zh, err := Render(layers[0], "zh")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(zh), "# NetworkPolicy/kubeward-default-deny：payments 中所有 Pod 的入站与出站默认拒绝；修复 KW-NS-003, KW-NS-004") ||
		strings.Contains(string(zh), "ingress and egress") || strings.Contains(string(zh), "resolves") {
		t.Errorf("zh rendering mixes languages:\n%s", zh)
	}
	for _, doc := range strings.Split(string(b), "\n---\n")[1:] {
		var m map[string]any
		if err := yaml.Unmarshal([]byte(doc), &m); err != nil || m["kind"] == nil {
			t.Errorf("document does not parse: %v\n%s", err, doc)
		}
	}
}

// TestLimitRangeKeepsBigRequestsAdmitted: a container requesting more than
// the default limit without a limit of its own would be refused once the
// LimitRange gives it the default limit; the default limit is raised to the
// largest such request, and the plan's value is kept otherwise.
func TestLimitRangeKeepsBigRequestsAdmitted(t *testing.T) {
	dir := t.TempDir()
	f := filepath.Join(dir, "big.yaml")
	os.WriteFile(f, []byte(`apiVersion: apps/v1
kind: Deployment
metadata: {name: batch, namespace: jobs}
spec:
  selector: {matchLabels: {app: batch}}
  template:
    metadata: {labels: {app: batch}}
    spec:
      containers:
      - name: big
        image: b
        resources: {requests: {cpu: "3", memory: 2Gi}, limits: {memory: 4Gi}}
      - name: small
        image: s
        resources: {requests: {cpu: 200m}}
`), 0o644)
	layers := Generate(Input{Objects: load(t, f)})
	g := find(layers[0], "LimitRange", LimitRangeName)
	lr := g.Object.(*corev1.LimitRange)
	if d := lr.Spec.Limits[0].Default[corev1.ResourceCPU]; d.String() != "3" {
		t.Errorf("default cpu limit %s, want 3 (Deployment/batch requests 3 cpu without a limit)", d.String())
	}
	if d := lr.Spec.Limits[0].Default[corev1.ResourceMemory]; d.String() != "512Mi" {
		t.Errorf("default memory limit %s, want the plan's 512Mi (the 2Gi request has its own limit)", d.String())
	}
	if !strings.Contains(g.Why.EN, "default limit raised to cpu 3 (Deployment/batch requests it without a limit)") {
		t.Errorf("why: %s", g.Why.EN)
	}
}

// TestQuotaNeedsDefaults: a quota on cpu or memory refuses new pods that
// leave it unset, so a key no LimitRange defaults is left out while some
// workload sets none, with a note; kubeward's own LimitRange defaults cpu
// and memory, so the plan's quota stays whole then.
func TestQuotaNeedsDefaults(t *testing.T) {
	dir := t.TempDir()
	f := filepath.Join(dir, "ns.yaml")
	os.WriteFile(f, []byte(`apiVersion: v1
kind: LimitRange
metadata: {name: own, namespace: jobs}
spec:
  limits: [{type: Container, defaultRequest: {cpu: 50m}}]
---
apiVersion: v1
kind: Pod
metadata: {name: p, namespace: jobs}
spec:
  containers: [{name: c, image: c}]
`), 0o644)
	l := Generate(Input{Objects: load(t, f)})[0]
	hard := find(l, "ResourceQuota", QuotaName).Object.(*corev1.ResourceQuota).Spec.Hard
	for _, k := range []corev1.ResourceName{"limits.cpu", "limits.memory", "requests.memory"} {
		if _, ok := hard[k]; ok {
			t.Errorf("quota sets %s, which Pod/p leaves unset and no LimitRange defaults", k)
		}
	}
	if _, ok := hard["requests.cpu"]; !ok {
		t.Error("requests.cpu is defaulted by the namespace's LimitRange and belongs in the quota")
	}
	if find(l, "LimitRange", LimitRangeName) != nil {
		t.Error("a second LimitRange was generated")
	}
	notes := ""
	for _, n := range l.Notes {
		notes += n.EN + "\n"
	}
	if !strings.Contains(notes, "the quota leaves limits.cpu out: Pod/p sets none") {
		t.Errorf("notes:\n%s", notes)
	}

	// A config without a memory default: kubeward's LimitRange does not
	// default memory, so memory keys are left out too.
	cfg := config.Default()
	cfg.Harden.Namespaces.LimitDefault = map[string]string{"cpu": "1"}
	cfg.Harden.Namespaces.LimitDefaultRequest = map[string]string{"cpu": "100m"}
	g := filepath.Join(dir, "pod.yaml")
	os.WriteFile(g, []byte("apiVersion: v1\nkind: Pod\nmetadata: {name: p, namespace: web}\nspec:\n  containers: [{name: c, image: c}]\n"), 0o644)
	l = Generate(Input{Objects: load(t, g), Config: cfg})[0]
	hard = find(l, "ResourceQuota", QuotaName).Object.(*corev1.ResourceQuota).Spec.Hard
	if _, ok := hard["limits.memory"]; ok {
		t.Error("limits.memory in the quota though nothing defaults it")
	}
	if _, ok := hard["limits.cpu"]; !ok {
		t.Error("limits.cpu is defaulted by kubeward's LimitRange and belongs in the quota")
	}
}
