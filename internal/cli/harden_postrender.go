package cli

import (
	"bytes"
	"errors"
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"github.com/kubeward/kubeward/internal/catalog"
	"github.com/kubeward/kubeward/internal/harden"
	"github.com/kubeward/kubeward/internal/source/manifest"
)

func init() {
	hardenSubcommands = append(hardenSubcommands, newHardenPostRenderCommand)
}

// maxPostRender bounds what post-render reads from standard input.
const maxPostRender = 256 << 20

func newHardenPostRenderCommand(g *globalOptions) *cobra.Command {
	var namespace string
	cmd := &cobra.Command{
		Use:   "post-render",
		Short: "Helm post-renderer: hardened manifests on stdout from rendered manifests on stdin",
		Long: `post-render reads the manifests Helm rendered on standard input and writes them
on standard output with the automatic fixes of kubeward harden manifests spliced
in (comments and order kept) and the ServiceAccounts they need appended. The
chart's templates are not touched. It fails, and Helm with it, when the input
does not parse or an object cannot be fixed safely: never a silent half-fix.

Helm 4 runs post-renderers as plugins: see docs/harden.md for the plugin.yaml.`,
		Example: `  helm template ./chart --post-renderer kubeward-harden
  helm template ./chart | kubeward harden post-render | kubectl apply -f -`,
		Args: cobra.NoArgs,
		PreRunE: func(cmd *cobra.Command, _ []string) error {
			if err := validateLang(g.lang); err != nil {
				return err
			}
			_, err := g.loadConfig()
			return err
		},
		RunE: func(cmd *cobra.Command, _ []string) error { return runHardenPostRender(g, namespace) },
	}
	f := cmd.Flags()
	f.StringVarP(&namespace, "namespace", "n", "default", "namespace of objects that name none")
	f.StringVar(&g.configFile, "config", "", "configuration file (allowed capabilities, system namespaces, exceptions, harden.workloads values)")
	f.StringVar(&g.lang, "lang", defaultLang(), "language of messages: en or zh")
	return markWork(cmd)
}

func runHardenPostRender(g *globalOptions, namespace string) error {
	cfg, err := g.loadConfig()
	if err != nil {
		return err
	}
	in, err := io.ReadAll(io.LimitReader(g.stdin, maxPostRender+1))
	if err != nil {
		return &exitError{code: ExitUsage, err: fmt.Errorf("post-render: reading standard input: %w", err)}
	}
	if len(in) > maxPostRender {
		return usageError("post-render: standard input is over %d MiB", maxPostRender>>20)
	}
	if len(bytes.TrimSpace(in)) == 0 {
		return usageError("post-render: standard input is empty (did the render fail?)")
	}
	scan := harden.NewScan(cfg)
	stats := manifest.Load([]string{"-"}, manifest.Options{DefaultNamespace: namespace, Stdin: bytes.NewReader(in)}, scan.Observe)
	if len(stats.Errors) > 0 {
		for _, e := range stats.Errors {
			fmt.Fprintln(g.stderr, "kubeward: post-render: "+e.Error())
		}
		return &exitError{code: ExitUsage, err: errors.New("post-render: the rendered manifests do not parse; nothing written")}
	}
	plan := scan.Plan()
	objs := plan.Objects
	out, applied, refused, err := harden.EditBytes(in, plan.Fixes, objs)
	if err != nil {
		return &exitError{code: ExitUsage, err: fmt.Errorf("post-render: %w; nothing written", err)}
	}
	if len(refused) > 0 {
		for _, r := range refused {
			fmt.Fprintf(g.stderr, "kubeward: post-render: %s %s: %s\n", r.Fix.Object.Kind, objName(r.Fix.Object), r.Reason)
		}
		return &exitError{code: ExitUsage, err: fmt.Errorf("post-render: %d objects cannot be fixed safely; nothing written", len(refused))}
	}
	if _, err := g.stdout.Write(out); err != nil {
		return fmt.Errorf("post-render: writing: %w", err)
	}
	for _, f := range applied {
		fmt.Fprintln(g.stderr, catalog.F("kubeward: %s %s resolves %s%s", "kubeward：%s %s 解决 %s%s", f.Object.Kind, objName(f.Object), joinIDs(f.Resolves), reviewNote(f, g.lang)).In(g.lang))
	}
	return nil
}

func joinIDs(ids []string) string {
	var b bytes.Buffer
	for i, id := range ids {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(id)
	}
	return b.String()
}
