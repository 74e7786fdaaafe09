package admit_test

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kubeward/kubeward/internal/admit"
	"github.com/kubeward/kubeward/internal/cli"
)

// TestManifestsPassScan runs `kubeward scan manifests` on the output of
// `kubeward webhook manifests`: the webhook's own deployment raises no FAIL.
func TestManifestsPassScan(t *testing.T) {
	// The CA a platform team hands in (not --self-signed: that prints the
	// serving key in a Secret, which the scan rightly flags).
	ca, err := admit.NewSelfSigned(admit.ServiceDNSNames("kubeward-webhook", "kubeward-system"), time.Now())
	if err != nil {
		t.Fatal(err)
	}
	caFile := filepath.Join(t.TempDir(), "ca.crt")
	if err := os.WriteFile(caFile, ca.CAPEM, 0o644); err != nil {
		t.Fatal(err)
	}
	var gen, genErr bytes.Buffer
	if code := cli.Main([]string{"webhook", "manifests", "--ca-bundle-file", caFile}, nil, &gen, &genErr); code != 0 {
		t.Fatalf("webhook manifests: exit %d: %s", code, genErr.String())
	}
	out := gen.Bytes()
	file := filepath.Join(t.TempDir(), "webhook.yaml")
	if err := os.WriteFile(file, out, 0o644); err != nil {
		t.Fatal(err)
	}
	var stdout, stderr bytes.Buffer
	code := cli.Main([]string{"scan", "manifests", "-o", "json", "--lang", "en", "--fail-on", "low", file}, nil, &stdout, &stderr)
	var rep struct {
		Results []struct {
			ID, Status, Message string
			Subject             struct{ Kind, Namespace, Name, Container string }
		} `json:"results"`
		Errors []string `json:"errors"`
	}
	if err := json.Unmarshal(stdout.Bytes(), &rep); err != nil {
		t.Fatalf("exit %d: %v: %s %s", code, err, stdout.String(), stderr.String())
	}
	for _, r := range rep.Results {
		if r.Status == "FAIL" {
			t.Errorf("%s FAIL %s/%s/%s: %s", r.ID, r.Subject.Kind, r.Subject.Namespace, r.Subject.Name, r.Message)
		} else if r.Status != "PASS" {
			t.Logf("%s %s %s/%s: %s", r.ID, r.Status, r.Subject.Kind, r.Subject.Name, r.Message)
		}
	}
	if len(rep.Errors) > 0 {
		t.Errorf("scan errors: %v", rep.Errors)
	}
	if code != cli.ExitOK {
		t.Errorf("scan exit %d", code)
	}
	for _, want := range []string{"kind: Deployment", "replicas: 2", "kind: PodDisruptionBudget", "failurePolicy: Fail", "timeoutSeconds: 5",
		"kind: MutatingWebhookConfiguration", "matchConditions:", "kube-system", "podAntiAffinity", "@sha256:", "kind: Service\n"} {
		if !bytes.Contains(out, []byte(want)) {
			t.Errorf("manifests lack %q", want)
		}
	}
	if t.Failed() {
		t.Log(strings.TrimSpace(string(out)))
	}
	if _, err := admit.Manifests(admit.ManifestOptions{Replicas: 1}); err == nil {
		t.Error("one replica accepted")
	}
}
