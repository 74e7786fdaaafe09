package report_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kubeward/kubeward/internal/check"
	_ "github.com/kubeward/kubeward/internal/check/controlplane" // registers the node checks
	"github.com/kubeward/kubeward/internal/config"
	"github.com/kubeward/kubeward/internal/inventory"
	"github.com/kubeward/kubeward/internal/report"
	"github.com/kubeward/kubeward/internal/source/host"
	"github.com/kubeward/kubeward/internal/source/manifest"
	nodesrc "github.com/kubeward/kubeward/internal/source/node"
)

// The runs below are real audits of fixtures, one per kind of input, the
// way the CLI builds them.

const repoRoot = "../.."

func exampleConfig(t *testing.T) *config.Config {
	t.Helper()
	c, err := config.Load(filepath.Join(repoRoot, "examples/kubeward.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// manifestRun scans paths (stdin read for "-") as `scan manifests` does,
// with SARIF paths relative to the repository root.
func manifestRun(t *testing.T, cfg *config.Config, stdin string, lang string, paths ...string) *report.Run {
	t.Helper()
	engine := check.New(check.Options{Config: cfg})
	stats := manifest.Load(paths, manifest.Options{Stdin: strings.NewReader(stdin)}, engine.Observe)
	rep := engine.Finish()
	run := &report.Run{Target: "manifests", Inputs: paths, Results: rep.Results, Passed: rep.Passed, Objects: rep.Objects,
		Skipped: stats.Skipped, Version: "1.2.3", Lang: lang, BaseDir: repoRoot}
	for _, e := range stats.Errors {
		run.Errors = append(run.Errors, e.Error())
	}
	return run
}

// clusterRun audits the insecure example as live objects: no files, API
// paths as origins, as `scan cluster` reads them.
func clusterRun(t *testing.T, lang string) *report.Run {
	t.Helper()
	engine := check.New(check.Options{Config: exampleConfig(t), Mode: "cluster"})
	manifest.Load([]string{filepath.Join(repoRoot, "examples/insecure")}, manifest.Options{}, func(o *inventory.Object) {
		o.File, o.Line, o.Locate = "", 0, nil
		o.Origin = "/apis/" + o.Group + "/" + o.Version + "/namespaces/" + o.Namespace + "/" + strings.ToLower(o.Kind) + "s/" + o.Name
		engine.Observe(o)
	})
	rep := engine.Finish()
	return &report.Run{Target: "cluster", Inputs: []string{"https://10.0.0.1:6443"}, Results: rep.Results, Passed: rep.Passed,
		Objects: rep.Objects, Version: "1.2.3", Lang: lang, Host: "https://10.0.0.1:6443",
		Time: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC), Errors: []string{"list secrets: forbidden"}}
}

// nodeRun audits a fake control-plane node: an insecure kube-apiserver and
// a kubelet with its config file, as `scan node --root` reads them.
func nodeRun(t *testing.T, lang string) *report.Run {
	t.Helper()
	root := t.TempDir()
	files := map[string]string{
		"etc/hostname": "cp-1\n",
		"proc/100/cmdline": strings.Join([]string{"kube-apiserver", "--anonymous-auth=true", "--authorization-mode=AlwaysAllow",
			"--insecure-port=8080", "--profiling=true", "--etcd-servers=http://127.0.0.1:2379"}, "\x00") + "\x00",
		"proc/101/cmdline": "kubelet\x00--config=/var/lib/kubelet/config.yaml\x00--kubeconfig=/etc/kubernetes/kubelet.conf\x00",
		"var/lib/kubelet/config.yaml": "apiVersion: kubelet.config.k8s.io/v1beta1\nkind: KubeletConfiguration\n" +
			"authentication:\n  anonymous:\n    enabled: true\n  webhook:\n    enabled: false\nauthorization:\n  mode: AlwaysAllow\nreadOnlyPort: 10255\n",
		"etc/kubernetes/kubelet.conf": "apiVersion: v1\nkind: Config\n",
	}
	for name, body := range files {
		p := filepath.Join(root, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	fs := &host.FS{Root: root}
	n := nodesrc.Read(fs)
	env := &check.Env{Config: config.Default(), Now: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)}
	return &report.Run{Target: "node", Inputs: []string{root}, Results: check.EvaluateNode(env, n), Objects: len(n.Components),
		Version: "1.2.3", Lang: lang, Time: env.Now, Host: "cp-1"}
}

// inputRuns is one audit of every kind of input.
func inputRuns(t *testing.T, lang string) map[string]*report.Run {
	t.Helper()
	cfg := exampleConfig(t)
	stdin, err := os.ReadFile(filepath.Join(repoRoot, "examples/insecure/payments.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	return map[string]*report.Run{
		"files":     manifestRun(t, cfg, "", lang, filepath.Join(repoRoot, "examples/insecure/payments.yaml"), filepath.Join(repoRoot, "examples/insecure/rbac.yaml")),
		"directory": manifestRun(t, cfg, "", lang, filepath.Join(repoRoot, "examples/insecure")),
		// No configuration: the trustedRegistries notice.
		"directory without config": manifestRun(t, nil, "", lang, filepath.Join(repoRoot, "examples/insecure")),
		"stdin":                    manifestRun(t, cfg, string(stdin), lang, "-"),
		"helm":                     manifestRun(t, cfg, "", lang, filepath.Join(repoRoot, "internal/source/manifest/testdata/chart")),
		"kustomize":                manifestRun(t, cfg, "", lang, filepath.Join(repoRoot, "internal/source/manifest/testdata/kustomize")),
		"input error": manifestRun(t, cfg, "kind: Pod\napiVersion: v1\nmetadata: [\n", lang, "-",
			filepath.Join(repoRoot, "examples/insecure/payments.yaml")),
		"node":    nodeRun(t, lang),
		"cluster": clusterRun(t, lang),
	}
}
