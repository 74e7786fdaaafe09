package controlplane

import (
	"fmt"

	"github.com/kubeward/kubeward/internal/catalog"
	"github.com/kubeward/kubeward/internal/check"
	"github.com/kubeward/kubeward/internal/inventory"
)

// dataDirMode (KW-ETCD-008): etcd's data directory, resolved against its
// working directory when relative, is closed to others.
func dataDirMode(c *inventory.Component, n *inventory.Node) check.Verdict {
	v := c.Setting("data-dir")
	dir := c.DataDir()
	fl := n.File(c.PID, dir)
	if fl == nil || !fl.Present {
		return fileErr(v, "data-dir", fl, statError(fl))
	}
	mode := fl.Mode
	return check.Verdict{OK: mode&0o077 == 0, Evidence: fmt.Sprintf("%s mode %04o (%s)", dir, mode, v.From), File: dir,
		Msg: catalog.F("data directory %s has mode %04o, want 0700", "数据目录 %s 权限为 %04o，应为 0700", dir, mode)}
}
