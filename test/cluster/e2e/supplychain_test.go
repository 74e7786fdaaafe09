package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	admissionv1 "k8s.io/api/admissionregistration/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/clientcmd"

	"github.com/kubeward/kubeward/test/cluster/harness"
)

// testRegistry runs cmd/kubeward-testregistry: a real OCI registry over TLS
// on loopback holding the supply-chain fixtures.
type testRegistry struct {
	dir     string
	Host    string            `json:"host"`
	Digests map[string]string `json:"digests"`
	cmd     *exec.Cmd
}

func startTestRegistry(t *testing.T) *testRegistry {
	t.Helper()
	bin := filepath.Join(filepath.Dir(kubewardBin(t)), "kubeward-testregistry")
	if _, err := os.Stat(bin); err != nil {
		build := exec.Command("go", "build", "-o", bin, "./cmd/kubeward-testregistry")
		build.Dir = "../../.."
		if out, err := build.CombinedOutput(); err != nil {
			t.Fatalf("building kubeward-testregistry: %v\n%s", err, out)
		}
	}
	r := &testRegistry{dir: t.TempDir()}
	r.cmd = exec.Command(bin, "-dir", r.dir)
	r.cmd.Stderr = os.Stderr
	if err := r.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		b, err := os.ReadFile(filepath.Join(r.dir, "fixture.json"))
		if err == nil {
			if err := json.Unmarshal(b, r); err != nil {
				t.Fatal(err)
			}
			return r
		}
	}
	r.stop()
	t.Fatal("kubeward-testregistry did not start")
	return nil
}

func (r *testRegistry) stop() {
	if r.cmd == nil {
		return
	}
	_ = r.cmd.Process.Signal(os.Interrupt)
	_ = r.cmd.Wait()
	r.cmd = nil
}

func (r *testRegistry) image(name string) string { return r.Host + "/team/" + name + ":1.0" }

// supplyChainConfig is the supplyChain block (indented by indent spaces).
func (r *testRegistry) supplyChainConfig(indent int, failureMode string) string {
	var reports []string
	for _, n := range []string{"signed", "tampered", "unsigned", "vulnerable", "fresh", "notation"} {
		reports = append(reports, fmt.Sprintf("%q", filepath.Join(r.dir, "reports", n+".json")))
	}
	s := fmt.Sprintf(`supplyChain:
  failureMode: %s
  pinDigests: true
  timeout: 2s
  registries: [{host: %q, caFile: %q}]
  reports: [%s]
  policies:
    - namespaces: [prod-*]
      cosignKeys: [{name: release, file: %q}]
      notation: {trustStores: [{name: release, files: [%q]}]}
      vulnerabilities: {denyAtOrAbove: HIGH, requireScan: true, maxAgeDays: 7}
`, failureMode, r.Host, filepath.Join(r.dir, "ca.pem"), strings.Join(reports, ", "), filepath.Join(r.dir, "release.pub"), filepath.Join(r.dir, "notation-root.pem"))
	pad := strings.Repeat(" ", indent)
	return pad + strings.ReplaceAll(strings.TrimRight(s, "\n"), "\n", "\n"+pad) + "\n"
}

// TestSupplyChainAtTheAPIServer: the real kube-apiserver calls kubeward's
// /mutate and /validate; images are verified against a real registry on
// loopback (TLS, cosign signatures, Trivy reports). A signed and scanned
// tag is admitted and rewritten to its digest; unsigned, tampered,
// unscanned and critical images are denied naming the check, the key or
// the CVE; with the registry down the configured failure mode decides; and
// scan cluster gives the same verdicts on pods the webhook never saw.
func TestSupplyChainAtTheAPIServer(t *testing.T) {
	c := up(t, harness.Hardened)
	reg := startTestRegistry(t)
	defer reg.stop()
	cfg, err := clientcmd.BuildConfigFromFlags("", c.AdminKubeconfig())
	if err != nil {
		t.Fatal(err)
	}
	warn := &warnings{}
	cfg.WarningHandler = warn
	cs := kubernetes.NewForConfigOrDie(cfg)
	ctx := context.Background()
	for _, ns := range []string{"prod-a", "prod-audit"} {
		if _, err := cs.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}}, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
		if _, err := cs.CoreV1().ServiceAccounts(ns).Create(ctx, &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Name: "app"}}, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	pod := func(name, image string) *corev1.Pod {
		p := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: name}, Spec: hardenedSpec("app")}
		p.Spec.Containers[0].Image = image
		return p
	}
	// Pods the webhook never sees (prod-audit is outside its selector), for
	// scan cluster to judge.
	for _, n := range []string{"signed", "unsigned", "tampered", "unscanned", "vulnerable"} {
		if _, err := cs.CoreV1().Pods("prod-audit").Create(ctx, pod(n, reg.image(n)), metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
	}

	port := freePort(t)
	fail := admissionv1.Fail
	none := admissionv1.SideEffectClassNone
	sel := &metav1.LabelSelector{MatchExpressions: []metav1.LabelSelectorRequirement{
		{Key: "kubernetes.io/metadata.name", Operator: metav1.LabelSelectorOpIn, Values: []string{"prod-a"}}}}
	rules := []admissionv1.RuleWithOperations{{Operations: []admissionv1.OperationType{admissionv1.Create, admissionv1.Update},
		Rule: admissionv1.Rule{APIGroups: []string{""}, APIVersions: []string{"v1"}, Resources: []string{"pods"}}}}
	vurl := fmt.Sprintf("https://127.0.0.1:%d/validate", port)
	murl := fmt.Sprintf("https://127.0.0.1:%d/mutate", port)
	if _, err := cs.AdmissionregistrationV1().ValidatingWebhookConfigurations().Create(ctx, &admissionv1.ValidatingWebhookConfiguration{
		ObjectMeta: metav1.ObjectMeta{Name: "kubeward"},
		Webhooks: []admissionv1.ValidatingWebhook{{Name: "validate.kubeward.io", FailurePolicy: &fail, SideEffects: &none, TimeoutSeconds: ptr(int32(10)),
			AdmissionReviewVersions: []string{"v1"}, ClientConfig: admissionv1.WebhookClientConfig{URL: &vurl}, NamespaceSelector: sel, Rules: rules}}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := cs.AdmissionregistrationV1().MutatingWebhookConfigurations().Create(ctx, &admissionv1.MutatingWebhookConfiguration{
		ObjectMeta: metav1.ObjectMeta{Name: "kubeward"},
		Webhooks: []admissionv1.MutatingWebhook{{Name: "mutate.kubeward.io", FailurePolicy: &fail, SideEffects: &none, TimeoutSeconds: ptr(int32(10)),
			AdmissionReviewVersions: []string{"v1"}, ClientConfig: admissionv1.WebhookClientConfig{URL: &murl}, NamespaceSelector: sel, Rules: rules}}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	policy := func(mode string) string {
		return "defaultMode: off\nchecks:\n  KW-SUP-*: enforce\nconfig:\n" + reg.supplyChainConfig(2, mode)
	}
	_, stop := startWebhook(t, port, policy("deny"), "--inject-ca-bundle", "kubeward", "--kubeconfig", c.AdminKubeconfig())
	defer func() {
		if stop != nil {
			stop()
		}
	}()

	// The API server picks the configuration (and its caBundle) up within a moment.
	var created *corev1.Pod
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(500 * time.Millisecond) {
		created, err = cs.CoreV1().Pods("prod-a").Create(ctx, pod("signed", reg.image("signed")), metav1.CreateOptions{})
		if err == nil && strings.Contains(created.Spec.Containers[0].Image, "@") {
			break
		}
		if err == nil {
			_ = cs.CoreV1().Pods("prod-a").Delete(ctx, "signed", metav1.DeleteOptions{})
			time.Sleep(time.Second)
		}
	}
	if err != nil {
		t.Fatalf("signed and scanned image denied: %v", err)
	}
	want := reg.Host + "/team/signed@" + reg.Digests["signed"]
	if got := created.Spec.Containers[0].Image; got != want {
		t.Fatalf("admitted image %s, want the tag rewritten to the verified digest %s", got, want)
	}

	// A Notation-signed, scanned image (signature as an OCI referrer) is
	// admitted and pinned too.
	created, err = cs.CoreV1().Pods("prod-a").Create(ctx, pod("notation", reg.image("notation")), metav1.CreateOptions{})
	if err != nil {
		t.Fatalf("Notation-signed image denied: %v", err)
	}
	if want := reg.Host + "/team/notation@" + reg.Digests["notation"]; created.Spec.Containers[0].Image != want {
		t.Errorf("admitted image %s, want %s", created.Spec.Containers[0].Image, want)
	}
	dry := metav1.CreateOptions{DryRun: []string{metav1.DryRunAll}}
	for _, tc := range []struct {
		image string
		want  []string
	}{
		{"unsigned", []string{"KW-SUP-001", "not signed by a trusted key", "does not exist) for the trusted keys release", "no Notation signature"}},
		{"tampered", []string{"KW-SUP-002", "key release signed " + reg.Digests["signed"]}},
		{"unscanned", []string{"KW-SUP-003", "no vulnerability scan"}},
		{"vulnerable", []string{"KW-SUP-004", "CVE-2026-31337 (CRITICAL, openssl 3.0.1)"}},
	} {
		t.Run(tc.image, func(t *testing.T) {
			_, err := cs.CoreV1().Pods("prod-a").Create(ctx, pod(tc.image, reg.image(tc.image)), dry)
			if err == nil {
				t.Fatal("admitted")
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("denial %q lacks %q", err, w)
				}
			}
		})
	}

	// scan cluster judges the pods the webhook never saw the same way, and
	// the admitted pod (pinned by /mutate) passes.
	conf := writeConfig(t, reg.supplyChainConfig(0, "deny"))
	rs := scanCluster(t, "--kubeconfig", c.AdminKubeconfig(), "--config", conf, "--show-passed")
	got := map[string]string{}
	for _, r := range rs {
		if strings.HasPrefix(r.ID, "KW-SUP-") && r.Subject.Kind == "Pod" {
			got[r.Subject.Namespace+"/"+r.Subject.Name+" "+r.ID] = r.Status + " " + r.Message
		}
	}
	for k, w := range map[string]string{
		"prod-audit/unsigned KW-SUP-001":   "FAIL",
		"prod-audit/tampered KW-SUP-002":   "FAIL image " + reg.image("tampered"),
		"prod-audit/unscanned KW-SUP-003":  "FAIL",
		"prod-audit/vulnerable KW-SUP-004": "CVE-2026-31337",
		"prod-audit/signed KW-SUP-006":     "FAIL image " + reg.image("signed") + " is a tag: pin it to the verified digest " + reg.Digests["signed"],
		"prod-audit/signed KW-SUP-001":     "PASS",
		"prod-a/signed KW-SUP-001":         "PASS",
		"prod-a/signed KW-SUP-004":         "PASS",
		"prod-a/signed KW-SUP-006":         "PASS",
		"prod-a/notation KW-SUP-001":       "PASS",
	} {
		if !strings.HasPrefix(got[k], w) && !strings.Contains(got[k], w) {
			t.Errorf("scan cluster %s: %q, want %q", k, got[k], w)
		}
	}

	// The registry down: failureMode deny denies an image not in the cache
	// (the digest verified above is still served from it)...
	reg.stop()
	_, err = cs.CoreV1().Pods("prod-a").Create(ctx, pod("fresh", reg.image("fresh")), dry)
	if err == nil || !strings.Contains(err.Error(), "KW-SUP-001") || !strings.Contains(err.Error(), "failureMode: deny") {
		t.Errorf("registry down, failureMode deny: %v, want a denial naming KW-SUP-001 and the failure mode", err)
	}
	// ...and failureMode allow admits it with a warning (a new webhook
	// process: cold cache).
	stop()
	stop = nil
	_, stop = startWebhook(t, port, policy("allow"), "--inject-ca-bundle", "kubeward", "--kubeconfig", c.AdminKubeconfig())
	warn.take()
	pinned := pod("fresh", reg.Host+"/team/fresh@"+reg.Digests["fresh"])
	var lastErr error
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(500 * time.Millisecond) {
		if _, lastErr = cs.CoreV1().Pods("prod-a").Create(ctx, pinned, dry); lastErr == nil {
			break
		}
	}
	if lastErr != nil {
		t.Errorf("registry down, failureMode allow: %v, want admitted", lastErr)
	}
	if w := warn.take(); !strings.Contains(w, "KW-SUP-001") || !strings.Contains(w, "failureMode: allow") {
		t.Errorf("warnings %q, want KW-SUP-001 with the failure mode", w)
	}
}
