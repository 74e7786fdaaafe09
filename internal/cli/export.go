package cli

import (
	"github.com/spf13/cobra"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

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
	var mode, selector string
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
		RunE: func(cmd *cobra.Command, _ []string) error {
			format := g.output
			switch format {
			case "text", "yaml":
				format = "yaml"
			case "json":
			default:
				return usageError("export vap: unknown output format %q (want yaml or json)", g.output)
			}
			if _, ok := vap.Modes[mode]; !ok {
				return usageError("--mode: unknown mode %q (want deny, warn or audit)", mode)
			}
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
			if len(cfg.TrustedRegistries) == 0 {
				cmd.PrintErrln("kubeward: trustedRegistries is not set in the configuration: KW-IMG-001 is not exported")
			}
			return vap.Write(cmd.OutOrStdout(), ps, format)
		},
	}
	f := cmd.Flags()
	f.StringVar(&mode, "mode", "deny", "binding validationActions: deny, warn or audit")
	f.StringVar(&selector, "namespace-selector", "", "label selector of the namespaces to enforce in (e.g. 'env in (prod),team!=infra'); kube-system is always excluded")
	f.StringSliceVar(&exclude, "exclude", nil, "check IDs or globs not to export (e.g. KW-RES-*,KW-RBAC-005)")
	return cmd
}
