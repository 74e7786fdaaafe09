package cli

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"sync"
	"time"

	"github.com/spf13/cobra"

	"github.com/kubeward/kubeward/internal/inventory"
	dockersrc "github.com/kubeward/kubeward/internal/source/docker"
	"github.com/kubeward/kubeward/internal/source/host"
	nodesrc "github.com/kubeward/kubeward/internal/source/node"
	"github.com/kubeward/kubeward/internal/source/sshd"
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
command outputs, the Docker Engine's state, and every file's mode and owner,
and the node's inventory gathered from those files (kubeward/node.json:
what "scan node" judges).
Private keys and token files are never copied, only their metadata; kubeconfigs
and encryption configurations are copied with their secrets masked.`,
		Args: cobra.NoArgs,
		PreRunE: func(*cobra.Command, []string) error {
			if out == "" {
				return usageError("collect node: -o FILE.tar.gz is required")
			}
			if root == "" {
				return usageError("--root: must not be empty (/ is the machine kubeward runs on)")
			}
			if info, err := os.Stat(out); err == nil && info.IsDir() {
				return usageError("collect node: -o %s is a directory; give a FILE.tar.gz", out)
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, _ []string) error {
			f, err := os.OpenFile(out, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o600)
			if err != nil {
				return usageError("collect node: %v", err)
			}
			defer f.Close()
			fs := &host.FS{Root: root}
			scratch, remove, err := newScratchDir("kubeward-collect-")
			if err != nil {
				return err
			}
			defer remove()
			sum, err := nodesrc.Snapshot(context.Background(), fs, f, capturers(fs), scratch)
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
	collect.AddCommand(markWork(node))
	return collect
}

// capturers are the command outputs and API answers a snapshot holds: the
// firewall's rules, sshd's effective configuration (asked with the
// listener's own -f and -o options) and the Docker Engine's state.
func capturers(fs *host.FS) map[string]host.Capturer {
	c := host.DefaultCapturers()
	c[host.CaptureSSHD] = func(ctx context.Context, n *inventory.Node) ([]byte, error) {
		if _, err := exec.LookPath("sshd"); err != nil {
			return nil, nil
		}
		args := []string{"-T"}
		for _, s := range n.ComponentsOf(host.SSHD) {
			args = append(args, sshd.ParseArgs(s.Args).TArgs...)
			break
		}
		out, err := host.Run(20*time.Second, "sshd", args...)
		if err != nil {
			return nil, fmt.Errorf("sshd %s: %w (the scan falls back to sshd_config)", strings.Join(args, " "), err)
		}
		return out, nil
	}
	var once sync.Once
	var engine map[string][]byte
	var engineErr error
	docker := func(name string) host.Capturer {
		return func(ctx context.Context, n *inventory.Node) ([]byte, error) {
			ds := n.ComponentsOf(host.Dockerd)
			if len(ds) == 0 {
				return nil, nil
			}
			once.Do(func() {
				socket, _ := dockersrc.SocketPath(fs, ds[0])
				engine, engineErr = dockersrc.Capture(ctx, socket)
			})
			if engineErr != nil {
				if name != host.CaptureDockerInfo {
					return nil, nil // reported once, under info
				}
				return nil, engineErr
			}
			return engine[name], nil
		}
	}
	for _, name := range []string{host.CaptureDockerInfo, host.CaptureDockerVersion, host.CaptureDockerContainers} {
		c[name] = docker(name)
	}
	return c
}
