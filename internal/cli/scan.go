package cli

import (
	"errors"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/kubeward/kubeward/internal/check"
	"github.com/kubeward/kubeward/internal/report"
	"github.com/kubeward/kubeward/internal/source/manifest"
)

func newScanCommand(g *globalOptions) *cobra.Command {
	scan := &cobra.Command{
		Use:   "scan",
		Short: "Audit manifests (and, in later commands, nodes and clusters)",
	}
	scan.AddCommand(newScanManifestsCommand(g), newScanNodeCommand(g), newScanClusterCommand(g))
	return scan
}

type manifestOptions struct {
	namespace  string
	valueFiles []string
	set        []string
	showPassed bool
}

func newScanManifestsCommand(g *globalOptions) *cobra.Command {
	o := &manifestOptions{}
	cmd := &cobra.Command{
		Use:   "manifests PATH...",
		Short: "Audit Kubernetes manifests: files, directories, Helm charts, kustomizations or - for stdin",
		Example: `  kubeward scan manifests examples/insecure
  kubeward scan manifests -o sarif --config kubeward.yaml deploy/ > kubeward.sarif
  helm template ./chart | kubeward scan manifests -
  kubeward scan manifests ./chart --values prod.yaml --set image.tag=1.2.3`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runScanManifests(g, o, args)
		},
	}
	f := cmd.Flags()
	f.StringVarP(&o.namespace, "namespace", "n", "default", "namespace of objects that name none")
	f.StringArrayVarP(&o.valueFiles, "values", "f", nil, "Helm values file for charts (repeatable)")
	f.StringArrayVar(&o.set, "set", nil, "Helm value key=value for charts (repeatable)")
	f.BoolVar(&o.showPassed, "show-passed", false, "list PASS results one by one (otherwise counted)")
	return cmd
}

func runScanManifests(g *globalOptions, o *manifestOptions, paths []string) error {
	failOn, err := g.validate()
	if err != nil {
		return err
	}
	cfg, err := g.loadConfig()
	if err != nil {
		return err
	}
	engine := check.New(check.Options{Config: cfg, KeepPasses: o.showPassed})
	stats := manifest.Load(paths, manifest.Options{
		DefaultNamespace: o.namespace, ValueFiles: o.valueFiles, Set: o.set, Stdin: g.stdin,
	}, engine.Observe)
	rep := engine.Finish()
	run := &report.Run{
		Target: "manifests", Inputs: paths, Results: rep.Results, Passed: rep.Passed,
		Objects: rep.Objects, Skipped: stats.Skipped, Version: Version, Lang: g.lang,
		FailOn: failOn, Color: g.color(), BaseDir: ".",
	}
	for _, e := range stats.Errors {
		run.Errors = append(run.Errors, e.Error())
	}
	if err := report.Write(g.stdout, g.output, run); err != nil {
		return fmt.Errorf("writing report: %w", err)
	}
	if len(stats.Errors) > 0 {
		for _, e := range stats.Errors {
			fmt.Fprintln(g.stderr, "kubeward: "+e.Error())
		}
		return &exitError{code: ExitUsage, err: errors.New("")}
	}
	if run.AtOrAbove(failOn) > 0 {
		return &exitError{code: ExitFindings}
	}
	return nil
}
