// Package deploy holds kubeward's Helm chart (chart/kubeward) and the plain
// manifests generated from it (node/, cluster/, rbac/). Its tests lint the
// chart with Helm's own linter, validate values against values.schema.json,
// run kubeward's audit on every template, keep the vendored CRDs verbatim
// and the plain manifests equal to the chart's rendering.
//
//	go test ./deploy -update    # rewrite the plain manifests from the chart
package deploy

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"helm.sh/helm/v4/pkg/chart/common"
	chartutil "helm.sh/helm/v4/pkg/chart/common/util"
	"helm.sh/helm/v4/pkg/chart/v2/lint"
	"helm.sh/helm/v4/pkg/chart/v2/lint/support"
	"helm.sh/helm/v4/pkg/chart/v2/loader"
	"helm.sh/helm/v4/pkg/engine"

	"github.com/kubeward/kubeward/internal/admit"
	"github.com/kubeward/kubeward/internal/cli"
)

var update = flag.Bool("update", false, "rewrite the plain manifests from the chart")

const chartDir = "chart/kubeward"

// Render renders the chart with vals over its defaults (schema validated)
// and returns each template's output by file name (templates/x.yaml).
func Render(vals map[string]any) (map[string]string, error) {
	ch, err := loader.LoadDir(chartDir)
	if err != nil {
		return nil, err
	}
	rv, err := chartutil.ToRenderValuesWithSchemaValidation(ch, vals, common.ReleaseOptions{Name: "kubeward", Namespace: "default", Revision: 1, IsInstall: true}, nil, false)
	if err != nil {
		return nil, err
	}
	out, err := engine.Render(ch, rv)
	if err != nil {
		return nil, err
	}
	files := map[string]string{}
	for name, s := range out {
		files[strings.TrimPrefix(name, "kubeward/")] = s
	}
	return files, nil
}

// plain is each plain manifest: the chart's values and the templates it is
// made of. They keep today's behaviour (reports in the logs, no token on
// the node scanner); the chart's defaults add the in-cluster reports.
var plain = []struct {
	file      string
	templates []string
	values    map[string]any
}{
	{"node/kubeward-node.yaml", []string{"templates/node.yaml"},
		map[string]any{"node": map[string]any{"writeReports": false}}},
	{"rbac/kubeward-reader.yaml", []string{"templates/cluster-rbac.yaml"}, nil},
	{"cluster/kubeward-cluster-scan.yaml", []string{"templates/cluster-cronjob.yaml"},
		map[string]any{"cluster": map[string]any{"writeReports": false, "nodes": false}}},
}

const generatedHeader = "# Generated from deploy/chart/kubeward (go test ./deploy -update): edit the chart, not this file.\n"

// TestPlainManifestsAreGeneratedFromChart: deploy/node, deploy/cluster and
// deploy/rbac are the chart's rendering, byte for byte.
func TestPlainManifestsAreGeneratedFromChart(t *testing.T) {
	for _, p := range plain {
		out, err := Render(p.values)
		if err != nil {
			t.Fatalf("%s: %v", p.file, err)
		}
		var b strings.Builder
		b.WriteString(generatedHeader)
		for i, tpl := range p.templates {
			s, ok := out[tpl]
			if !ok {
				t.Fatalf("%s: no template %s", p.file, tpl)
			}
			if i > 0 {
				b.WriteString("---\n")
			}
			b.WriteString(strings.TrimLeft(s, "\n"))
		}
		got := b.String()
		if !strings.HasSuffix(got, "\n") {
			got += "\n"
		}
		if *update {
			if err := os.WriteFile(p.file, []byte(got), 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		want, err := os.ReadFile(p.file)
		if err != nil {
			t.Fatal(err)
		}
		if string(want) != got {
			t.Errorf("deploy/%s differs from the chart's rendering: run go test ./deploy -update", p.file)
		}
	}
}

// TestChartLint: Helm's linter (the one `helm lint` runs) finds nothing
// above INFO, with the defaults and with every part enabled.
func TestChartLint(t *testing.T) {
	for name, vals := range map[string]map[string]any{"defaults": nil, "everything": everything(t)} {
		l := lint.RunAll(chartDir, vals, "default")
		for _, m := range l.Messages {
			if m.Severity > support.InfoSev {
				t.Errorf("%s: %s", name, m)
			} else {
				t.Logf("%s: %s", name, m)
			}
		}
	}
}

// everything enables every part, the webhook with a CA a platform team
// hands in.
func everything(t *testing.T) map[string]any {
	t.Helper()
	ca, err := admit.NewSelfSigned(admit.ServiceDNSNames("kubeward-webhook", "kubeward-system"), time.Unix(1765000000, 0))
	if err != nil {
		t.Fatal(err)
	}
	return map[string]any{"webhook": map[string]any{"enabled": true, "caBundle": string(ca.CAPEM)}, "node": map[string]any{"metricsPort": 9090}}
}

// TestValuesSchema: values.schema.json refuses bad input, naming the field.
func TestValuesSchema(t *testing.T) {
	tests := []struct {
		vals map[string]any
		want string
	}{
		{map[string]any{"node": map[string]any{"interval": "soon"}}, "interval"},
		{map[string]any{"reports": map[string]any{"format": "yaml"}}, "format"},
		{map[string]any{"cluster": map[string]any{"failOn": "urgent"}}, "failOn"},
		{map[string]any{"webhook": map[string]any{"enabled": true}}, "caBundle"},
		{map[string]any{"webhook": map[string]any{"replicas": 1}}, "replicas"},
		{map[string]any{"image": map[string]any{"digest": "latest"}}, "digest"},
		{map[string]any{"nodes": true}, "nodes"},
	}
	for _, tc := range tests {
		_, err := Render(tc.vals)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%v: err = %v, want one naming %q", tc.vals, err, tc.want)
		}
	}
	if _, err := Render(everything(t)); err != nil {
		t.Errorf("every part enabled: %v", err)
	}
}

// TestChartPassesOwnAudit: `kubeward scan manifests` on every template, every
// part enabled, finds no FAIL: each exception is annotated with its reason
// (IGNORED).
func TestChartPassesOwnAudit(t *testing.T) {
	for name, vals := range map[string]map[string]any{
		"everything":  everything(t),
		"wgpolicyk8s": {"reports": map[string]any{"format": "wgpolicyk8s"}},
		"no reports":  {"node": map[string]any{"writeReports": false}, "cluster": map[string]any{"writeReports": false, "nodes": false}},
	} {
		out, err := Render(vals)
		if err != nil {
			t.Fatal(err)
		}
		dir := t.TempDir()
		names := make([]string, 0, len(out))
		for n := range out {
			names = append(names, n)
		}
		sort.Strings(names)
		for _, n := range names {
			if strings.TrimSpace(out[n]) == "" || !strings.HasSuffix(n, ".yaml") {
				continue
			}
			if err := os.WriteFile(filepath.Join(dir, filepath.Base(n)), []byte(out[n]), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		var stdout, stderr bytes.Buffer
		code := cli.Main([]string{"scan", "manifests", "-o", "json", "--lang", "en", "--fail-on", "low", dir}, nil, &stdout, &stderr)
		var rep struct {
			Results []struct {
				ID, Status, Message string
				Subject             struct{ Kind, Namespace, Name string }
			} `json:"results"`
			Errors []string `json:"errors"`
		}
		if err := json.Unmarshal(stdout.Bytes(), &rep); err != nil {
			t.Fatalf("%s: exit %d: %v: %s", name, code, err, stderr.String())
		}
		ignored := 0
		for _, r := range rep.Results {
			switch r.Status {
			case "FAIL":
				t.Errorf("%s: %s FAIL %s/%s/%s: %s", name, r.ID, r.Subject.Kind, r.Subject.Namespace, r.Subject.Name, r.Message)
			case "IGNORED":
				ignored++
			}
		}
		if len(rep.Errors) > 0 || code != cli.ExitOK {
			t.Errorf("%s: exit %d, errors %v", name, code, rep.Errors)
		}
		t.Logf("%s: %d results, %d IGNORED by annotated exceptions", name, len(rep.Results), ignored)
	}
}

// TestCRDsAreVerbatim: the CRDs in crds/ are the reports-api module's files
// (v0.2.1) under a two-line provenance header.
func TestCRDsAreVerbatim(t *testing.T) {
	b, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", "github.com/openreports/reports-api").Output()
	dir := strings.TrimSpace(string(b))
	if err != nil || dir == "" {
		t.Skipf("module github.com/openreports/reports-api not in the module cache: %v", err)
	}
	for _, f := range []string{"openreports.io_reports.yaml", "openreports.io_clusterreports.yaml"} {
		want, err := os.ReadFile(filepath.Join(dir, "config", "crd", f))
		if err != nil {
			t.Fatal(err)
		}
		got, err := os.ReadFile(filepath.Join(chartDir, "crds", f))
		if err != nil {
			t.Fatal(err)
		}
		lines := strings.SplitN(string(got), "\n", 3)
		if len(lines) != 3 || !strings.HasPrefix(lines[0], "# Verbatim from github.com/openreports/reports-api v0.2.1") || lines[2] != string(want) {
			t.Errorf("crds/%s is not the module's file under the provenance header", f)
		}
	}
}
