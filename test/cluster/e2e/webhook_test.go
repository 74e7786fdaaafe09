package e2e

import (
	"context"
	"crypto/tls"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	admissionv1 "k8s.io/api/admissionregistration/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/clientcmd"

	"github.com/kubeward/kubeward/test/cluster/harness"
)

// warnings collects the warnings the API server returns to the client.
type warnings struct {
	mu   sync.Mutex
	list []string
}

func (w *warnings) HandleWarningHeader(_ int, _ string, text string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.list = append(w.list, text)
}

func (w *warnings) take() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	s := strings.Join(w.list, "\n")
	w.list = nil
	return s
}

func freePort(t *testing.T) int {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// startWebhook runs `kubeward webhook --self-signed` on loopback and returns
// its CA bundle and a stop function.
func startWebhook(t *testing.T, port int, policy string, extra ...string) ([]byte, func()) {
	t.Helper()
	dir := t.TempDir()
	pol := filepath.Join(dir, "policy.yaml")
	if err := os.WriteFile(pol, []byte(policy), 0o600); err != nil {
		t.Fatal(err)
	}
	ca := filepath.Join(dir, "ca.crt")
	args := append([]string{"webhook", "--self-signed", "--listen", fmt.Sprintf("127.0.0.1:%d", port),
		"--ca-bundle-file", ca, "--config", pol, "--shutdown-delay", "0s", "--shutdown-grace-period", "2s"}, extra...)
	cmd := exec.Command(kubewardBin(t), args...)
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	stop := func() {
		_ = cmd.Process.Signal(os.Interrupt)
		done := make(chan struct{})
		go func() { _ = cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			_ = cmd.Process.Kill()
			<-done
		}
	}
	client := &http.Client{Timeout: time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}}
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(200 * time.Millisecond) {
		resp, err := client.Get(fmt.Sprintf("https://127.0.0.1:%d/readyz", port))
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				b, err := os.ReadFile(ca)
				if err != nil {
					stop()
					t.Fatal(err)
				}
				return b, stop
			}
		}
	}
	stop()
	t.Fatal("kubeward webhook did not become ready")
	return nil, nil
}

func privilegedPod(name, image string) *corev1.Pod {
	return &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: name}, Spec: corev1.PodSpec{ServiceAccountName: "app", Containers: []corev1.Container{{Name: "app", Image: image,
		SecurityContext: &corev1.SecurityContext{Privileged: ptr(true)}}}}}
}

func TestWebhookEnforcesAtTheAPIServer(t *testing.T) {
	c := up(t, harness.Hardened)
	cfg, err := clientcmd.BuildConfigFromFlags("", c.AdminKubeconfig())
	if err != nil {
		t.Fatal(err)
	}
	warn := &warnings{}
	cfg.WarningHandler = warn
	cs := kubernetes.NewForConfigOrDie(cfg)
	ctx := context.Background()
	for _, ns := range []string{"apps", "sandbox"} {
		if _, err := cs.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}}, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
		if _, err := cs.CoreV1().ServiceAccounts(ns).Create(ctx, &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Name: "app"}}, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	// The configuration exists first, without a caBundle: the webhook
	// bootstraps its CA and writes it in (--inject-ca-bundle).
	port := freePort(t)
	fail := admissionv1.Fail
	none := admissionv1.SideEffectClassNone
	url := fmt.Sprintf("https://127.0.0.1:%d/validate", port)
	whc := &admissionv1.ValidatingWebhookConfiguration{ObjectMeta: metav1.ObjectMeta{Name: "kubeward"},
		Webhooks: []admissionv1.ValidatingWebhook{{Name: "validate.kubeward.io", FailurePolicy: &fail, SideEffects: &none,
			TimeoutSeconds: ptr(int32(5)), AdmissionReviewVersions: []string{"v1"},
			ClientConfig: admissionv1.WebhookClientConfig{URL: &url},
			NamespaceSelector: &metav1.LabelSelector{MatchExpressions: []metav1.LabelSelectorRequirement{
				{Key: "kubernetes.io/metadata.name", Operator: metav1.LabelSelectorOpNotIn, Values: []string{"kube-system"}}}},
			Rules: []admissionv1.RuleWithOperations{
				{Operations: []admissionv1.OperationType{admissionv1.Create, admissionv1.Update},
					Rule: admissionv1.Rule{APIGroups: []string{""}, APIVersions: []string{"v1"}, Resources: []string{"pods"}}},
				{Operations: []admissionv1.OperationType{admissionv1.Create, admissionv1.Update},
					Rule: admissionv1.Rule{APIGroups: []string{"rbac.authorization.k8s.io"}, APIVersions: []string{"v1"}, Resources: []string{"clusterrolebindings", "rolebindings"}}},
			}}}}
	if _, err := cs.AdmissionregistrationV1().ValidatingWebhookConfigurations().Create(ctx, whc, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	caBundle, stop := startWebhook(t, port, `defaultMode: enforce
config:
  trustedRegistries: [registry.bank.internal]
namespaces:
  sandbox:
    mode: warn
`, "--inject-ca-bundle", "kubeward", "--kubeconfig", c.AdminKubeconfig())
	defer func() {
		if stop != nil {
			stop()
		}
	}()
	if got, err := cs.AdmissionregistrationV1().ValidatingWebhookConfigurations().Get(ctx, "kubeward", metav1.GetOptions{}); err != nil || string(got.Webhooks[0].ClientConfig.CABundle) != string(caBundle) {
		t.Fatalf("caBundle not written into the webhook configuration: %v", err)
	}
	dry := metav1.CreateOptions{DryRun: []string{metav1.DryRunAll}}
	createPod := func(ns string, p *corev1.Pod) error {
		_, err := cs.CoreV1().Pods(ns).Create(ctx, p, dry)
		return err
	}
	// The API server picks the configuration up within a moment.
	var err1 error
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(500 * time.Millisecond) {
		if err1 = createPod("apps", privilegedPod("priv", "registry.bank.internal/app:1"+digest)); err1 != nil {
			break
		}
	}
	if err1 == nil || !strings.Contains(err1.Error(), "KW-POD-002") {
		t.Fatalf("privileged pod: %v, want a denial naming KW-POD-002", err1)
	}
	hardened := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "good"}, Spec: hardenedSpec("default")}
	hardened.Spec.ServiceAccountName = "app"
	tests := []struct {
		name, ns string
		create   func() error
		deny     string // check ID the denial must name; "" = admitted
		warning  string // check ID a warning must name
	}{
		{"untrusted registry", "apps", func() error {
			p := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "hub"}, Spec: hardenedSpec("app")}
			p.Spec.Containers[0].Image = "docker.io/library/nginx:1.27" + digest
			return createPod("apps", p)
		}, "KW-IMG-001", ""},
		{"cluster-admin to a default service account", "", func() error {
			_, err := cs.RbacV1().ClusterRoleBindings().Create(ctx, &rbacv1.ClusterRoleBinding{ObjectMeta: metav1.ObjectMeta{Name: "oops"},
				RoleRef:  rbacv1.RoleRef{APIGroup: "rbac.authorization.k8s.io", Kind: "ClusterRole", Name: "cluster-admin"},
				Subjects: []rbacv1.Subject{{Kind: "ServiceAccount", Name: "default", Namespace: "apps"}}}, dry)
			return err
		}, "KW-RBAC-010", ""},
		{"hardened pod", "apps", func() error { return createPod("apps", hardened) }, "", ""},
		{"warn mode", "sandbox", func() error {
			return createPod("sandbox", privilegedPod("priv", "registry.bank.internal/app:1"+digest))
		}, "", "KW-POD-002"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			warn.take()
			err := tc.create()
			switch {
			case tc.deny != "" && (err == nil || !strings.Contains(err.Error(), tc.deny)):
				t.Errorf("got %v, want a denial naming %s", err, tc.deny)
			case tc.deny == "" && err != nil:
				t.Errorf("denied: %v", err)
			}
			if w := warn.take(); tc.warning != "" && !strings.Contains(w, tc.warning) {
				t.Errorf("warnings %q, want one naming %s", w, tc.warning)
			}
		})
	}

	// With the webhook down, failurePolicy decides.
	stop()
	stop = nil
	if err := createPod("apps", hardened); err == nil {
		t.Error("webhook down with failurePolicy Fail: pod admitted, want denied")
	}
	cur, err := cs.AdmissionregistrationV1().ValidatingWebhookConfigurations().Get(ctx, "kubeward", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	ignore := admissionv1.Ignore
	cur.Webhooks[0].FailurePolicy = &ignore
	if _, err := cs.AdmissionregistrationV1().ValidatingWebhookConfigurations().Update(ctx, cur, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	var lastErr error
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(500 * time.Millisecond) {
		if lastErr = createPod("apps", hardened); lastErr == nil {
			break
		}
	}
	if lastErr != nil {
		t.Errorf("webhook down with failurePolicy Ignore: %v, want admitted", lastErr)
	}
}
