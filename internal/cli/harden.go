package cli

import (
	"github.com/spf13/cobra"
)

func init() {
	extraCommands = append(extraCommands, newHardenCommand)
}

// hardenSubcommands are added from init functions by the files that define
// them (harden_manifests.go, harden_cluster.go, harden_node.go, ...), so each
// subcommand lives in its own file.
var hardenSubcommands []func(*globalOptions) *cobra.Command

func newHardenCommand(g *globalOptions) *cobra.Command {
	c := &cobra.Command{
		Use:   "harden",
		Short: "Generate and apply the fixes for failed checks, safely",
		Long: `harden turns findings into fixes keyed to the check IDs they resolve.
It is read-only by default: it prints a diff or writes new files to --out.
Anything that changes files or a cluster does a dry run first, shows a diff,
keeps a backup or an undo record, and never deletes.`,
	}
	for _, sub := range hardenSubcommands {
		c.AddCommand(sub(g))
	}
	return c
}
