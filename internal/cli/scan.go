package cli

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"sort"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/kubeward/kubeward/internal/catalog"
	"github.com/kubeward/kubeward/internal/check"
	"github.com/kubeward/kubeward/internal/inventory"
	"github.com/kubeward/kubeward/internal/report"
	"github.com/kubeward/kubeward/internal/source/manifest"
)

func newScanCommand(g *globalOptions) *cobra.Command {
	scan := &cobra.Command{
		Use:   "scan",
		Short: "Audit manifests, a node or a live cluster",
	}
	scan.AddCommand(newScanManifestsCommand(g), newScanNodeCommand(g), newScanClusterCommand(g))
	return scan
}

type manifestOptions struct {
	namespace  string
	filenames  []string
	valueFiles []string
	set        []string
	showPassed bool

	renderTimeout time.Duration // --render-timeout for charts and kustomizations
	allowRemote   bool          // --allow-remote kustomize bases

	paths  []string         // arguments and --filename, validated
	failOn catalog.Severity // validated --fail-on

	supply supplyChainOptions // --offline, --vuln-report (supplychain.go)
}

func newScanManifestsCommand(g *globalOptions) *cobra.Command {
	o := &manifestOptions{}
	cmd := &cobra.Command{
		Use:   "manifests [PATH...] [-f FILE]...",
		Short: "Audit Kubernetes manifests: files, directories, Helm charts, kustomizations or - for stdin",
		Example: `  kubeward scan manifests examples/insecure
  kubeward scan manifests -f deployment.yaml -f service.yaml
  kubeward scan manifests -o sarif --config kubeward.yaml deploy/ > kubeward.sarif
  helm template ./chart | kubeward scan manifests -
  kubeward scan manifests ./chart --values prod.yaml --set image.tag=1.2.3`,
		Args: cobra.ArbitraryArgs,
		PreRunE: func(cmd *cobra.Command, args []string) error {
			return o.validate(g, args)
		},
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runScanManifests(g, o)
		},
	}
	addReportFlags(cmd, g)
	f := cmd.Flags()
	f.StringVarP(&o.namespace, "namespace", "n", "default", "namespace of objects that name none")
	f.StringArrayVarP(&o.filenames, "filename", "f", nil, "file, directory or - to audit, as kubectl -f (repeatable; same as a PATH argument)")
	f.StringArrayVar(&o.valueFiles, "values", nil, "Helm values file for the charts among the inputs (repeatable)")
	f.StringArrayVar(&o.set, "set", nil, "Helm value key=value for the charts among the inputs (repeatable)")
	f.BoolVar(&o.showPassed, "show-passed", false, "list PASS results one by one (otherwise counted)")
	f.DurationVar(&o.renderTimeout, "render-timeout", manifest.DefaultRenderTimeout, "time limit for rendering one Helm chart or building one kustomization (0 means the default)")
	f.BoolVar(&o.allowRemote, "allow-remote", false, "let kustomizations fetch remote bases and resources (URLs, git repositories), with time and size limits")
	addSupplyChainFlags(f, &o.supply, false)
	return markWork(cmd)
}

// validate checks every flag and input before anything is read.
func (o *manifestOptions) validate(g *globalOptions, args []string) error {
	failOn, err := g.validate()
	if err != nil {
		return err
	}
	o.failOn = failOn
	o.paths = append(append([]string{}, args...), o.filenames...)
	if len(o.paths) == 0 {
		return usageError("scan manifests: no input: give files, directories or - for stdin (as arguments or with -f)")
	}
	stdin := 0
	for _, p := range o.paths {
		if p == "" {
			return usageError("scan manifests: an input path is empty")
		}
		if p == "-" {
			stdin++
		}
	}
	if stdin > 1 {
		return usageError("scan manifests: standard input (-) is given %d times; it can be read once", stdin)
	}
	if o.namespace == "" {
		return usageError("--namespace: must not be empty")
	}
	if err := nonNegativeDuration("render-timeout", o.renderTimeout); err != nil {
		return err
	}
	for _, s := range o.set {
		if !strings.Contains(s, "=") {
			return usageError("--set %q: want key=value", s)
		}
	}
	for _, v := range o.valueFiles {
		if _, err := os.Stat(v); err != nil {
			return usageError("--values %s: %v", v, unwrapPath(err))
		}
	}
	if (len(o.valueFiles) > 0 || len(o.set) > 0) && !manifest.ContainsChart(o.paths) {
		return usageError("--values/--set apply to Helm charts, and no input is a chart (a directory with Chart.yaml); render the chart with them or drop them")
	}
	if _, err := g.loadConfig(); err != nil {
		return err
	}
	return nil
}

func unwrapPath(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

func runScanManifests(g *globalOptions, o *manifestOptions) error {
	cfg, err := g.loadConfig()
	if err != nil {
		return err
	}
	paths := o.paths
	facts, err := o.supply.manifestFacts(cfg) // supplychain.go
	if err != nil {
		return err
	}
	engine := check.New(check.Options{Config: cfg, KeepPasses: o.showPassed})
	prog := g.newProgress("reading manifests")
	stats := manifest.Load(paths, manifest.Options{
		DefaultNamespace: o.namespace, ValueFiles: o.valueFiles, Set: o.set, Stdin: g.stdin,
		RenderTimeout: o.renderTimeout, AllowRemote: o.allowRemote,
	}, func(obj *inventory.Object) { prog.object(obj); facts(obj); engine.Observe(obj) })
	prog.step("evaluating")
	rep := engine.Finish()
	prog.done()
	run := &report.Run{
		Target: "manifests", Inputs: paths, Results: rep.Results, Passed: rep.Passed,
		Objects: rep.Objects, Skipped: stats.Skipped, Version: Version, Lang: g.lang,
		FailOn: o.failOn, Color: g.color(), BaseDir: g.sarifRoot, ConfigFile: g.configFile,
	}
	for _, e := range stats.Errors {
		run.Errors = append(run.Errors, e.Error())
	}
	if err := g.writeReport(run); err != nil {
		return fmt.Errorf("writing report: %w", err)
	}
	// Inputs skipped on purpose (special files, links out of the tree)
	// are named, never dropped silently; the report counts them as skipped.
	for _, n := range stats.Notices {
		fmt.Fprintln(g.stderr, "kubeward: notice: "+n)
	}
	if len(stats.Errors) > 0 {
		for _, e := range stats.Errors {
			fmt.Fprintln(g.stderr, "kubeward: "+e.Error())
		}
		return &exitError{code: ExitUsage}
	}
	empty := ""
	if rep.Objects == 0 {
		empty = emptyManifests(paths, stats)
	}
	return g.verdict(run, o.failOn, empty)
}

// emptyManifests says why inputs that were read gave no object to evaluate.
func emptyManifests(paths []string, st *manifest.Stats) string {
	in := strings.Join(paths, " ")
	switch {
	case len(paths) == 1 && paths[0] == "-" && st.Documents == 0:
		return "standard input was empty (did the command before | fail?)"
	case st.Files == 0:
		return "no .yaml, .yml or .json file in " + in
	case len(st.Skipped) == 0:
		return fmt.Sprintf("no Kubernetes object in %s (%d files, %d documents)", in, st.Files, st.Documents)
	}
	kinds := make([]string, 0, len(st.Skipped))
	for k, n := range st.Skipped {
		kinds = append(kinds, fmt.Sprintf("%s %d", k, n))
	}
	sort.Strings(kinds)
	return fmt.Sprintf("no object kubeward has checks for in %s (skipped: %s)", in, strings.Join(kinds, ", "))
}
