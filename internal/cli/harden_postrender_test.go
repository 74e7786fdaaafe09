package cli

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"helm.sh/helm/v4/pkg/chart/common"
	chartutil "helm.sh/helm/v4/pkg/chart/common/util"
	"helm.sh/helm/v4/pkg/chart/v2/loader"
	helmcli "helm.sh/helm/v4/pkg/cli"
	"helm.sh/helm/v4/pkg/engine"
	"helm.sh/helm/v4/pkg/postrenderer"
)

// TestPostRenderHelperProcess is kubeward as Helm runs a post-renderer
// plugin: the test binary re-executed with KUBEWARD_POSTRENDER_HELPER set.
func TestPostRenderHelperProcess(t *testing.T) {
	if os.Getenv("KUBEWARD_POSTRENDER_HELPER") != "1" {
		t.Skip("helper process for TestHardenPostRenderHelm")
	}
	os.Exit(Main([]string{"harden", "post-render"}, os.Stdin, os.Stdout, os.Stderr))
}

// renderChart renders a chart as helm template does (Helm's SDK engine),
// manifests joined by "---" in template order.
func renderChart(t *testing.T, dir string) []byte {
	t.Helper()
	ch, err := loader.LoadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	rv, err := chartutil.ToRenderValues(ch, map[string]any{}, common.ReleaseOptions{Name: "shop", Namespace: "shop", IsInstall: true}, nil)
	if err != nil {
		t.Fatal(err)
	}
	out, err := engine.Render(ch, rv)
	if err != nil {
		t.Fatal(err)
	}
	names := make([]string, 0, len(out))
	for n := range out {
		names = append(names, n)
	}
	sort.Strings(names)
	var b bytes.Buffer
	for _, n := range names {
		if strings.HasSuffix(n, "NOTES.txt") || strings.TrimSpace(out[n]) == "" {
			continue
		}
		b.WriteString("---\n# Source: " + n + "\n" + out[n] + "\n")
	}
	return b.Bytes()
}

// TestHardenPostRenderHelm runs kubeward harden post-render through Helm's
// own post-renderer plugin runtime (the code behind helm template
// --post-renderer in Helm 4) on the microservices-demo chart: the output
// has no FAIL that an automatic fix exists for.
func TestHardenPostRenderHelm(t *testing.T) {
	rendered := renderChart(t, "../../testdata/corpora/microservices-demo/helm-chart")
	if before := fixableFailsOf(t, rendered); len(before) == 0 {
		t.Fatal("the chart has nothing to fix")
	}
	plugins := t.TempDir()
	dir := filepath.Join(plugins, "kubeward-harden")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	plugin := "apiVersion: v1\nname: kubeward-harden\ntype: postrenderer/v1\nversion: 0.1.0\nruntime: subprocess\n" +
		"runtimeConfig:\n  platformCommand:\n  - command: " + self + "\n    args: [\"-test.run=^TestPostRenderHelperProcess$\"]\n"
	if err := os.WriteFile(filepath.Join(dir, "plugin.yaml"), []byte(plugin), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Setenv("KUBEWARD_POSTRENDER_HELPER", "1")
	settings := helmcli.New()
	settings.PluginsDirectory = plugins
	pr, err := postrenderer.NewPostRendererPlugin(settings, "kubeward-harden")
	if err != nil {
		t.Fatal(err)
	}
	out, err := pr.Run(bytes.NewBuffer(rendered))
	if err != nil {
		t.Fatalf("post-render: %v", err)
	}
	got := out.Bytes()
	if !bytes.Contains(got, []byte("# Source: ")) {
		t.Error("the comments Helm wrote were lost")
	}
	if left := fixableFailsOf(t, got); len(left) > 0 {
		t.Errorf("FAILs with an automatic fix after post-render: %v", left)
	}

	// Bad input fails, and Helm with it: never a silent pass-through.
	if _, err := pr.Run(bytes.NewBufferString("kind: Pod\nmetadata: {name: [x\n")); err == nil {
		t.Error("post-render passed YAML that does not parse")
	}
}

func fixableFailsOf(t *testing.T, manifests []byte) []string {
	t.Helper()
	_, out, errb := run(t, string(manifests), "scan", "manifests", "-", "-o", "json")
	var rep jsonOut
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatalf("scan: %v\n%s", err, errb)
	}
	auto := automaticIDs()
	var left []string
	for _, r := range rep.Results {
		if r.Status == "FAIL" && auto[r.ID] {
			left = append(left, r.ID+" "+r.Subject.Kind+"/"+r.Subject.Name)
		}
	}
	return left
}

func TestHardenPostRenderStdin(t *testing.T) {
	in, _ := os.ReadFile("testdata/harden/fixtures/job.yaml")
	code, out, errb := run(t, string(in), "harden", "post-render")
	if code != 0 || !strings.Contains(out, "runAsNonRoot: true") || !strings.Contains(errb, "CronJob kube-system/report resolves") {
		t.Fatalf("exit %d: %s\n%s", code, out, errb)
	}
	if code, _, errb := run(t, "", "harden", "post-render"); code != ExitUsage || !strings.Contains(errb, "empty") {
		t.Fatalf("empty input: exit %d: %s", code, errb)
	}
}
