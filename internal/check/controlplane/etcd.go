package controlplane

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/kubeward/kubeward/internal/catalog"
	"github.com/kubeward/kubeward/internal/inventory"
	"github.com/kubeward/kubeward/internal/source/host"
)

// dataDirMode (KW-ETCD-008): etcd's data directory, resolved against its
// working directory when relative, is closed to others.
func dataDirMode(c *inventory.Component, f *host.FS) verdict {
	v := c.Setting("data-dir")
	dir := v.Value
	if !filepath.IsAbs(dir) {
		if cwd, err := readCwd(f, c.PID); err == nil {
			dir = filepath.Join(cwd, strings.ReplaceAll(dir, "${name}", c.Setting("name").Value))
		}
	}
	meta, err := f.Meta(f.ForProcess(c.PID, dir))
	if err != nil {
		return fileErr(v, "data-dir", err)
	}
	mode := meta.Mode.Perm()
	return verdict{ok: mode&0o077 == 0, evidence: fmt.Sprintf("%s mode %04o (%s)", dir, mode, v.From), file: dir,
		msg: catalog.F("data directory %s has mode %04o, want 0700", "数据目录 %s 权限为 %04o，应为 0700", dir, mode)}
}

func readCwd(f *host.FS, pid int) (string, error) {
	if pid <= 0 {
		return "", fmt.Errorf("no process")
	}
	return readlink(f.Path(fmt.Sprintf("/proc/%d/cwd", pid)))
}

func readlink(p string) (string, error) { return os.Readlink(p) }
