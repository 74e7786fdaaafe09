package cli

import (
	"context"
	"fmt"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/kubeward/kubeward/internal/source/host"
)

func newCollectCommand(g *globalOptions) *cobra.Command {
	collect := &cobra.Command{
		Use:   "collect",
		Short: "Capture what an audit needs, to audit it elsewhere (air-gapped sites)",
	}
	var out, root string
	node := &cobra.Command{
		Use:   "node -o FILE.tar.gz",
		Short: "Snapshot this node for `kubeward scan node --root FILE.tar.gz`",
		Long: `Write a gzipped tar of what "scan node" reads: the components' command lines
and environments (secret-looking values masked), the config files, kubeconfigs,
certificates, static pod manifests and systemd units they use, sshd and firewall
command outputs, the Docker Engine's state, and every file's mode and owner.
Private keys and token files are never copied, only their metadata; kubeconfigs
and encryption configurations are copied with their secrets masked.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if out == "" {
				return usageError("collect node: -o FILE.tar.gz is required")
			}
			f, err := os.OpenFile(out, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o600)
			if err != nil {
				return usageError("collect node: %v", err)
			}
			defer f.Close()
			sum, err := host.Collect(context.Background(), &host.FS{Root: root}, f, capturers())
			if err != nil {
				return fmt.Errorf("collect node: writing %s: %w", out, err)
			}
			fmt.Fprintf(g.stderr, "kubeward: wrote %s: %d components, %d files (%d withheld or masked), captured %s\n",
				out, sum.Components, sum.Files, sum.Redacted, strings.Join(sum.Captured, ", "))
			for _, p := range sum.Problems {
				fmt.Fprintln(g.stderr, "kubeward: warning: "+p)
			}
			return f.Close()
		},
	}
	node.Flags().StringVarP(&out, "output", "o", "", "snapshot file to write (.tar.gz)")
	node.Flags().StringVar(&root, "root", "/", "host filesystem to read")
	collect.AddCommand(node)
	return collect
}

// capturers are the command outputs and API answers a snapshot holds.
func capturers() map[string]host.Capturer {
	c := host.DefaultCapturers()
	for name, fn := range extraCapturers {
		c[name] = fn
	}
	return c
}

// extraCapturers are added by source packages (the Docker Engine API).
var extraCapturers = map[string]host.Capturer{}
