package manifest

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"helm.sh/helm/v4/pkg/chart/common"
	chartutil "helm.sh/helm/v4/pkg/chart/common/util"
	"helm.sh/helm/v4/pkg/chart/v2/loader"
	chartv2util "helm.sh/helm/v4/pkg/chart/v2/util"
	"helm.sh/helm/v4/pkg/cli/values"
	"helm.sh/helm/v4/pkg/engine"
	"helm.sh/helm/v4/pkg/getter"
	"sigs.k8s.io/kustomize/api/krusty"
	"sigs.k8s.io/kustomize/kyaml/filesys"
)

// renderedFile is one file of a rendered chart or kustomization.
type renderedFile struct {
	name string
	data []byte
}

// isChart reports whether dir holds a Helm chart.
func isChart(dir string) bool {
	_, err := os.Stat(filepath.Join(dir, "Chart.yaml"))
	return err == nil
}

// kustomizationFile returns the kustomization file of dir, if any.
func kustomizationFile(dir string) string {
	for _, n := range []string{"kustomization.yaml", "kustomization.yml", "Kustomization"} {
		if _, err := os.Stat(filepath.Join(dir, n)); err == nil {
			return filepath.Join(dir, n)
		}
	}
	return ""
}

// renderChart renders a chart directory as `helm template` does, with the
// chart's values overridden by --values files and --set expressions.
func renderChart(dir string, opts Options) ([]renderedFile, error) {
	ch, err := loader.LoadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("loading chart: %w", err)
	}
	vo := values.Options{ValueFiles: opts.ValueFiles, Values: opts.Set}
	vals, err := vo.MergeValues(getter.Providers{})
	if err != nil {
		return nil, fmt.Errorf("chart values: %w", err)
	}
	if err := chartv2util.ProcessDependencies(ch, vals); err != nil {
		return nil, fmt.Errorf("chart dependencies: %w", err)
	}
	ns := opts.DefaultNamespace
	if ns == "" {
		ns = "default"
	}
	rv, err := chartutil.ToRenderValues(ch, vals, common.ReleaseOptions{Name: "release", Namespace: ns, Revision: 1, IsInstall: true}, nil)
	if err != nil {
		return nil, fmt.Errorf("chart values: %w", err)
	}
	out, err := engine.Render(ch, rv)
	if err != nil {
		return nil, fmt.Errorf("rendering chart: %w", err)
	}
	names := make([]string, 0, len(out))
	for name := range out {
		names = append(names, name)
	}
	sort.Strings(names)
	var files []renderedFile
	for _, name := range names {
		base := filepath.Base(name)
		if strings.HasPrefix(base, "_") || strings.HasSuffix(name, "NOTES.txt") || strings.TrimSpace(out[name]) == "" {
			continue
		}
		// name is "<chart>/templates/x.yaml"; report it under the chart directory.
		rel := name
		if i := strings.IndexByte(name, '/'); i >= 0 {
			rel = name[i+1:]
		}
		files = append(files, renderedFile{name: filepath.Join(dir, rel), data: []byte(out[name])})
	}
	return files, nil
}

// renderKustomization runs `kustomize build` on dir.
func renderKustomization(dir string) ([]byte, error) {
	k := krusty.MakeKustomizer(krusty.MakeDefaultOptions())
	m, err := k.Run(filesys.MakeFsOnDisk(), dir)
	if err != nil {
		return nil, fmt.Errorf("kustomize build: %w", err)
	}
	out, err := m.AsYaml()
	if err != nil {
		return nil, fmt.Errorf("kustomize build: %w", err)
	}
	return bytes.TrimSpace(out), nil
}
