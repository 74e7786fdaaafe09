package node

import (
	"path/filepath"
	"sort"

	"github.com/kubeward/kubeward/internal/inventory"
	"github.com/kubeward/kubeward/internal/source/host"
)

// imageVerifiers lists the executable files in a containerd's image
// verifier bin_dir, as containerd sees it (KW-SUP-007).
func imageVerifiers(f *host.FS, c *inventory.Component) []string {
	dir := c.ContainerdImageVerifierDir()
	if dir == "" {
		return nil
	}
	entries, err := f.ReadDir(f.ForProcess(c.PID, dir))
	if err != nil {
		return nil
	}
	var out []string
	for _, e := range entries {
		info, err := e.Info()
		if err != nil || !info.Mode().IsRegular() || info.Mode().Perm()&0o111 == 0 {
			continue
		}
		out = append(out, filepath.Join(dir, e.Name()))
	}
	sort.Strings(out)
	return out
}
