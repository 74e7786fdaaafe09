package cli

import (
	"encoding/json"

	"github.com/spf13/cobra"
	"go.yaml.in/yaml/v3"

	"github.com/kubeward/kubeward/internal/catalog"
	"github.com/kubeward/kubeward/internal/report"
)

// catalogEntry is how `kubeward checks -o json|yaml` shows an entry.
type catalogEntry struct {
	ID          string   `json:"id" yaml:"id"`
	Severity    string   `json:"severity" yaml:"severity"`
	Layer       int      `json:"layer" yaml:"layer"`
	Item        string   `json:"item" yaml:"item"`
	ItemTitle   string   `json:"itemTitle" yaml:"itemTitle"`
	Title       string   `json:"title" yaml:"title"`
	Remediation string   `json:"remediation" yaml:"remediation"`
	References  []string `json:"references" yaml:"references"`
	Scope       []string `json:"scope" yaml:"scope"`
	// Fix is what kubeward harden does: automatic, review, manual or empty.
	Fix string `json:"fix,omitempty" yaml:"fix,omitempty"`
}

func catalogEntries(lang string) []catalogEntry {
	var out []catalogEntry
	for _, e := range catalog.All() {
		it := catalog.ItemByID(e.Item)
		out = append(out, catalogEntry{
			ID: e.ID, Severity: e.Severity.String(), Layer: int(it.Layer), Item: e.Item, ItemTitle: it.Title.In(lang),
			Title: e.Title.In(lang), Remediation: e.Remediation.In(lang), References: e.References, Scope: e.Scope, Fix: e.Fix,
		})
	}
	return out
}

func newChecksCommand(g *globalOptions) *cobra.Command {
	var format string
	cmd := &cobra.Command{
		Use:   "checks",
		Short: "List the check catalogue",
		Args:  cobra.NoArgs,
		PreRunE: func(*cobra.Command, []string) error {
			switch format {
			case "table", "text", "json", "yaml", "markdown":
			default:
				return usageError("-o: unknown format %q for checks (want table, json, yaml or markdown)", format)
			}
			return validateLang(g.lang)
		},
		RunE: func(cmd *cobra.Command, _ []string) error {
			entries := catalogEntries(g.lang)
			w := cmd.OutOrStdout()
			switch format {
			case "json":
				enc := json.NewEncoder(w)
				enc.SetIndent("", "  ")
				return enc.Encode(entries)
			case "yaml":
				enc := yaml.NewEncoder(w)
				enc.SetIndent(2)
				return enc.Encode(entries)
			case "markdown":
				return writeCatalogMarkdown(w, entries, g.lang)
			case "table", "text":
				// Headers in lang, columns measured as the terminal shows CJK.
				return report.WriteCatalogTable(w, g.lang)
			}
			return usageError("unknown format %q for checks (want table, json, yaml or markdown)", format)
		},
	}
	// -o on this command selects a catalogue format, not a report format.
	cmd.Flags().StringVarP(&format, "output", "o", "table", "table, json, yaml or markdown")
	cmd.Flags().StringVar(&g.lang, "lang", defaultLang(), "language of titles and remediations: en or zh")
	return cmd
}
