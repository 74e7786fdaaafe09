package cli

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/kubeward/kubeward/internal/catalog"
	"github.com/kubeward/kubeward/internal/check"
	"github.com/kubeward/kubeward/internal/report"
	"github.com/kubeward/kubeward/internal/source/host"
	nodesrc "github.com/kubeward/kubeward/internal/source/node"
)

func newScanNodeCommand(g *globalOptions) *cobra.Command {
	var root, bench string
	var interval time.Duration
	var reports inClusterReports
	var failOn catalog.Severity
	cmd := &cobra.Command{
		Use:   "node",
		Short: "Audit this node: etcd, control plane, kubelet, kube-proxy, Calico, container runtime, sshd, firewall",
		Long: `Audit the node kubeward runs on. Components are found from /proc (their real
command line and environment, and the config files their own flags name), then
from the kubelet's static pod manifests, then from systemd units. A component
that is not on the node is reported NOT_APPLICABLE, never FAIL.

--root audits a host filesystem mounted elsewhere (a DaemonSet mounting / at
/host) or an unpacked snapshot from "kubeward collect node". --interval keeps
scanning, one report per interval, as the node DaemonSet in deploy/node does.`,
		Example: `  sudo kubeward scan node
  kubeward scan node --root /host -o json
  kubeward scan node --root /host -o json --interval 6h
  kubeward scan node --lang zh --fail-on high
  kubeward scan node --benchmark cis-docker-1.6 -o junit`,
		Args: cobra.NoArgs,
		PreRunE: func(cmd *cobra.Command, _ []string) error {
			var err error
			if failOn, err = g.validate(); err != nil {
				return err
			}
			if root == "" {
				return usageError("--root: must not be empty (/ is the machine kubeward runs on)")
			}
			if err := nonNegativeDuration("interval", interval); err != nil {
				return err
			}
			if err := validateBenchmark(bench, "node"); err != nil {
				return err
			}
			if err := reports.validate(cmd.Flags()); err != nil {
				return err
			}
			if interval > 0 && interval < time.Second {
				return usageError("--interval %s: must be 0 (scan once) or at least 1s", interval)
			}
			_, err = g.loadConfig()
			return err
		},
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := g.loadConfig()
			if err != nil {
				return err
			}
			if strings.HasSuffix(root, ".tar.gz") || strings.HasSuffix(root, ".tgz") {
				dir, remove, err := unpackSnapshot(root)
				if err != nil {
					return err
				}
				defer remove()
				root = dir
			}
			fs := &host.FS{Root: root}
			if _, err := fs.Stat("/proc"); err != nil {
				return usageError("--root %s: no proc directory to read processes from: %v", root, err)
			}
			scan := func() (*report.Run, error) {
				// A snapshot holds its inventory; an older one only its files.
				prog := g.newProgress("node " + root)
				prog.step("reading processes, static pods, units and the files they name")
				n, err := nodesrc.Load(fs)
				if err != nil {
					prog.done()
					return nil, usageError("--root %s: %v", root, err)
				}
				if n == nil {
					n = nodesrc.Read(fs)
				}
				prog.step(fmt.Sprintf("%d components found; evaluating", len(n.Components)))
				env := &check.Env{Config: cfg, Now: nowFunc()}
				results := check.EvaluateNode(env, n)
				prog.done()
				run := &report.Run{Target: "node", Inputs: []string{root}, Results: results, Objects: len(n.Components),
					Version: Version, Lang: g.lang, FailOn: failOn, Color: g.color(), Time: env.Now, Host: nodeName(fs), Compact: interval > 0,
					BaseDir: g.sarifRoot, ConfigFile: g.configFile}
				run.Benchmark = benchmarkView(bench, "node", n, run.Results, run.Passed)
				if err := g.writeReport(run); err != nil {
					return nil, fmt.Errorf("writing report: %w", err)
				}
				if len(n.Components) == 0 && !g.allowEmpty {
					return run, errNoComponents(root)
				}
				if reports.write {
					return run, reports.writeNodeReports(cmd.Context(), g, run.Host, env.Now, run.Results)
				}
				return run, nil
			}
			scan, stopMetrics, err := reports.observed(g, "node", scan)
			if err != nil {
				return err
			}
			defer stopMetrics()
			if interval > 0 {
				return repeat(cmd.Context(), interval, g, scan)
			}
			run, err := scan()
			if err != nil && run == nil {
				return err
			}
			empty := ""
			if err != nil {
				empty = err.Error()
			}
			return g.verdict(run, failOn, empty)
		},
	}
	addReportFlags(cmd, g)
	cmd.Flags().StringVar(&root, "root", "/", "host filesystem to audit: a mounted host, an unpacked snapshot, or a snapshot .tar.gz")
	addBenchmarkFlag(cmd, &bench)
	addInClusterReportFlags(cmd.Flags(), &reports, false)
	cmd.Flags().DurationVar(&interval, "interval", 0, "scan again every interval until SIGTERM, one report each (the DaemonSet in deploy/node); 0 scans once")
	return markWork(cmd)
}

// errNoComponents says a node audit found nothing to evaluate.
func errNoComponents(root string) error {
	return fmt.Errorf("no node component found under --root %s (no etcd, control plane, kubelet, kube-proxy, Calico, container runtime or sshd in /proc, static pods or systemd units)", root)
}

// nodeName is $NODE_NAME (the DaemonSet sets it from spec.nodeName), else
// the audited host's own hostname.
func nodeName(fs *host.FS) string {
	if n := os.Getenv("NODE_NAME"); n != "" {
		return n
	}
	return fs.Hostname()
}

// repeat runs scan now and then every interval until ctx ends or SIGINT or
// SIGTERM arrives; it returns nil then. Each report goes to stdout as it is
// made; a failed scan is reported on stderr and retried at the next tick.
func repeat(ctx context.Context, interval time.Duration, g *globalOptions, scan func() (*report.Run, error)) error {
	if ctx == nil {
		ctx = context.Background()
	}
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		if _, err := scan(); err != nil {
			fmt.Fprintln(g.stderr, "kubeward:", err)
		}
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
	}
}

// unpackSnapshot extracts a `kubeward collect node` snapshot to a temporary
// directory, removed by the returned function, on error, and on SIGINT or
// SIGTERM.
func unpackSnapshot(file string) (string, func(), error) {
	f, err := os.Open(file)
	if err != nil {
		return "", nil, usageError("--root %s: %v", file, err)
	}
	defer f.Close()
	dir, remove, err := newScratchDir("kubeward-snapshot-")
	if err != nil {
		return "", nil, err
	}
	if err := host.Unpack(f, dir); err != nil {
		remove()
		return "", nil, usageError("--root %s: %v", file, err)
	}
	return dir, remove, nil
}
