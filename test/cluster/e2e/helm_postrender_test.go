package e2e

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/kubeward/kubeward/test/cluster/harness"
)

// run runs a binary with stdin and the environment env added, and returns
// its exit code, stdout and stderr.
func runWith(t *testing.T, stdin []byte, env []string, bin string, args ...string) (int, []byte, string) {
	t.Helper()
	var out, errb bytes.Buffer
	cmd := exec.Command(bin, args...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = bytes.NewReader(stdin), &out, &errb
	cmd.Env = append(os.Environ(), env...)
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return code, out.Bytes(), errb.String()
}

// fixableFails are the FAILs of a scan of manifests whose check has an
// automatic fix in the catalogue (kubeward checks -o json: fix automatic
// or review).
func fixableFails(t *testing.T, kw string, manifests []byte) []string {
	t.Helper()
	_, cat, _ := runWith(t, nil, nil, kw, "checks", "-o", "json")
	var entries []struct{ ID, Fix string }
	if err := json.Unmarshal(cat, &entries); err != nil {
		t.Fatalf("checks -o json: %v", err)
	}
	auto := map[string]bool{}
	for _, e := range entries {
		if e.Fix == "automatic" || e.Fix == "review" {
			auto[e.ID] = true
		}
	}
	if len(auto) < 15 {
		t.Fatalf("only %d checks with an automatic fix in the catalogue", len(auto))
	}
	_, out, stderr := runWith(t, manifests, nil, kw, "scan", "manifests", "-", "-o", "json", "--lang", "en")
	var rep struct {
		Results []struct {
			ID, Status string
			Subject    struct{ Kind, Name string }
		} `json:"results"`
	}
	if err := json.Unmarshal(out, &rep); err != nil {
		t.Fatalf("scan manifests: %v\n%s", err, stderr)
	}
	var left []string
	for _, r := range rep.Results {
		if r.Status == "FAIL" && auto[r.ID] {
			left = append(left, r.ID+" "+r.Subject.Kind+"/"+r.Subject.Name)
		}
	}
	sort.Strings(left)
	return left
}

// TestHelmTemplatePostRenderer: the helm CLI (built from the pinned module
// by test/helm/build.sh) runs `kubeward harden post-render` as a Helm 4
// post-renderer plugin in `helm template --post-renderer` on the
// microservices-demo chart: the rendered manifests have FAILs with an
// automatic fix, the post-rendered ones none; a post-renderer failure fails
// helm (no half-fixed output).
func TestHelmTemplatePostRenderer(t *testing.T) {
	helm := filepath.Join(harness.DefaultBinDir(), "helm")
	if _, err := os.Stat(helm); err != nil {
		t.Skipf("the helm CLI is not built (%v): run test/cluster/build.sh helm", err)
	}
	kw := kubewardBin(t)
	home := t.TempDir()
	plugins := filepath.Join(home, "plugins")
	writePlugin := func(name, command string, args ...string) {
		dir := filepath.Join(plugins, name)
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		a, _ := json.Marshal(args)
		y := "apiVersion: v1\nname: " + name + "\ntype: postrenderer/v1\nversion: 0.1.0\nruntime: subprocess\n" +
			"runtimeConfig:\n  platformCommand:\n  - command: " + command + "\n    args: " + string(a) + "\n"
		if err := os.WriteFile(filepath.Join(dir, "plugin.yaml"), []byte(y), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	// The plugin of docs/harden.md, with the kubeward under test.
	writePlugin("kubeward-harden", kw, "harden", "post-render")
	env := []string{"HELM_PLUGINS=" + plugins, "HELM_CACHE_HOME=" + filepath.Join(home, "cache"),
		"HELM_CONFIG_HOME=" + filepath.Join(home, "config"), "HELM_DATA_HOME=" + filepath.Join(home, "data")}
	chart, err := filepath.Abs("../../../testdata/corpora/microservices-demo/helm-chart")
	if err != nil {
		t.Fatal(err)
	}

	code, plain, stderr := runWith(t, nil, env, helm, "template", "shop", chart, "--namespace", "shop")
	if code != 0 {
		t.Fatalf("helm template: exit %d: %s", code, stderr)
	}
	before := fixableFails(t, kw, plain)
	if len(before) == 0 {
		t.Fatal("the chart renders nothing to fix")
	}
	code, hardened, stderr := runWith(t, nil, env, helm, "template", "shop", chart, "--namespace", "shop", "--post-renderer", "kubeward-harden")
	if code != 0 {
		t.Fatalf("helm template --post-renderer kubeward-harden: exit %d: %s", code, stderr)
	}
	if !bytes.Contains(hardened, []byte("# Source: ")) || !bytes.Contains(hardened, []byte("kind: ServiceAccount")) {
		t.Errorf("the post-rendered manifests lost Helm's comments or have no ServiceAccount:\n%s", hardened)
	}
	if left := fixableFails(t, kw, hardened); len(left) > 0 {
		t.Errorf("FAILs with an automatic fix after the post-renderer: %v", left)
	}
	t.Logf("helm template: %d FAILs with an automatic fix; with --post-renderer kubeward-harden: none (%d bytes -> %d bytes)", len(before), len(plain), len(hardened))

	// A post-renderer that fails fails helm: kubeward refuses input that
	// does not parse (here a plugin that feeds it broken YAML).
	script := filepath.Join(home, "broken.sh")
	if err := os.WriteFile(script, []byte("#!/bin/sh\ncat >/dev/null\nprintf 'kind: Pod\\nmetadata: {name: [x\\n' | "+kw+" harden post-render\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	writePlugin("broken", script)
	code, _, stderr = runWith(t, nil, env, helm, "template", "shop", chart, "--post-renderer", "broken")
	if code == 0 || !strings.Contains(stderr, `plugin "broken" exited with error`) {
		t.Errorf("helm with a failing post-render: exit %d: %s", code, stderr)
	}
}
