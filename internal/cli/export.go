package cli

import (
	"path"
	"strings"

	"github.com/spf13/cobra"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/kubeward/kubeward/internal/catalog"
	"github.com/kubeward/kubeward/internal/export/vap"
)

func init() {
	extraCommands = append(extraCommands, newExportCommand)
}

func newExportCommand(g *globalOptions) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "export",
		Short: "Export the catalogue as admission policies",
	}
	cmd.AddCommand(newExportVAPCommand(g))
	return cmd
}

func newExportVAPCommand(g *globalOptions) *cobra.Command {
	var mode, selector, format string
	var exclude []string
	cmd := &cobra.Command{
		Use:   "vap",
		Short: "Export the checks CEL can express as ValidatingAdmissionPolicies and bindings",
		Long: `Writes admissionregistration.k8s.io/v1 ValidatingAdmissionPolicy and
ValidatingAdmissionPolicyBinding manifests for the pod, RBAC and namespace checks
that CEL can express: admission enforcement without a webhook. Apply them with
kubectl apply -f. Every policy is named after its check (kubeward-kw-pod-002) and
its messages start with the check ID. trustedRegistries from --config enable
KW-IMG-001. The bindings never cover kube-system. See docs/vap.md.`,
		Args: cobra.NoArgs,
		PreRunE: func(*cobra.Command, []string) error {
			switch format {
			case "yaml", "json":
			default:
				return usageError("-o: unknown format %q for export vap (want yaml or json)", format)
			}
			if _, ok := vap.Modes[mode]; !ok {
				return usageError("--mode: unknown mode %q (want deny, warn or audit)", mode)
			}
			for _, x := range exclude {
				if err := matchesACheck(x); err != nil {
					return err
				}
			}
			if selector != "" {
				if _, err := metav1.ParseToLabelSelector(selector); err != nil {
					return usageError("--namespace-selector: %v", err)
				}
			}
			_, err := g.loadConfig()
			return err
		},
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := g.loadConfig()
			if err != nil {
				return err
			}
			opts := &vap.Options{
				Mode:                mode,
				TrustedRegistries:   cfg.TrustedRegistries,
				AllowedCapabilities: cfg.AllowedCapabilities,
				SystemNamespaces:    cfg.SystemNamespaces,
				Exclude:             exclude,
			}
			if selector != "" {
				sel, err := metav1.ParseToLabelSelector(selector)
				if err != nil {
					return usageError("--namespace-selector: %v", err)
				}
				opts.NamespaceSelector = sel
			}
			ps, err := vap.Build(opts)
			if err != nil {
				return usageError("export vap: %v", err)
			}
			if len(ps) == 0 {
				return usageError("export vap: --exclude leaves no policy to export")
			}
			if len(cfg.TrustedRegistries) == 0 {
				cmd.PrintErrln("kubeward: trustedRegistries is not set in the configuration: KW-IMG-001 is not exported")
			}
			return vap.Write(cmd.OutOrStdout(), ps, format)
		},
	}
	f := cmd.Flags()
	f.StringVarP(&format, "output", "o", "yaml", "yaml or json")
	f.StringVar(&g.configFile, "config", "", "configuration file (trustedRegistries, allowedCapabilities, systemNamespaces)")
	f.StringVar(&mode, "mode", "deny", "binding validationActions: deny, warn or audit")
	f.StringVar(&selector, "namespace-selector", "", "label selector of the namespaces to enforce in (e.g. 'env in (prod),team!=infra'); kube-system is always excluded")
	f.StringSliceVar(&exclude, "exclude", nil, "check IDs or globs not to export (e.g. KW-RES-*,KW-RBAC-005); each must match a check")
	return cmd
}

// matchesACheck refuses an --exclude pattern that is malformed or matches
// no check of the catalogue (a typo would otherwise exclude nothing).
func matchesACheck(pattern string) error {
	p := strings.ToUpper(pattern)
	if _, err := path.Match(p, ""); err != nil {
		return usageError("--exclude %q: bad pattern: %v", pattern, err)
	}
	for _, e := range catalog.All() {
		if ok, _ := path.Match(p, e.ID); ok {
			return nil
		}
	}
	return usageError("--exclude %q matches no check (see kubeward checks)", pattern)
}
