package harness

import (
	"context"
	"fmt"
	"net/http"
	"path/filepath"
	"time"
)

// Restart stops the named component and starts its binary again with args
// (argv[1:], e.g. a command line a hardening tool produced), in the same
// network namespace, logging to the same file. It then polls health with
// client until it answers 200 (the caller chooses the credentials: a
// restart may change the component's TLS). The new process replaces the
// old one in Processes and state.json, so Stop stops it.
func (c *Cluster) Restart(ctx context.Context, name string, args []string, health string, client *http.Client) (*Process, error) {
	old := c.Process(name)
	if old == nil {
		return nil, fmt.Errorf("harness: no %s to restart", name)
	}
	if old.Netns != "" {
		return nil, fmt.Errorf("harness: restarting %s in network namespace %s is not supported", name, old.Netns)
	}
	c.Options.Logf("restarting %s (pid %d)", name, old.Pid)
	if err := old.Stop(20 * time.Second); err != nil {
		return nil, err
	}
	p, err := startProcess(name, filepath.Join(c.Options.BinDir, name), args, old.Log, c.Options.Detach, nil)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	for i, q := range c.procs {
		if q == old {
			c.procs[i] = p
		}
	}
	c.mu.Unlock()
	if err := c.writeState(); err != nil {
		return p, err
	}
	timeout := 60 * time.Second
	if name == "kube-apiserver" || name == "kubelet" {
		timeout = 120 * time.Second
	}
	if err := waitHealthy(ctx, client, health, p, timeout); err != nil {
		return p, fmt.Errorf("harness: %s did not become healthy after restart: %w\n--- last lines of %s:\n%s", name, err, p.Log, p.LogTail(25))
	}
	return p, nil
}
