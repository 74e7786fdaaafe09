// Package host reads a node: its processes from /proc, the configuration
// files their own flags name, static pod manifests and systemd units, under
// a root that is "/" on the node itself, a host filesystem mounted into a
// pod, or an unpacked snapshot made by `kubeward collect node`.
package host

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	securejoin "github.com/cyphar/filepath-securejoin"
)

// FS reads files of the audited host.
type FS struct {
	Root string
	// NoFiles is set when only command lines are known (static pods seen
	// through the API): every file read fails with ErrNoFiles.
	NoFiles bool
}

// ErrNoFiles is returned by an FS that cannot read the host's files.
var ErrNoFiles = errors.New("the node's files are not readable from here")

// Path maps a host path to where it can be read. Under a Root, symbolic
// links are resolved as the host resolves them: an absolute target (Debian's
// /var/run -> /run) points into Root, not into the auditing container's own
// filesystem, and no link leads out of Root. /proc is joined as is: its
// magic links (/proc/PID/root, /proc/PID/cwd) must reach the kernel.
func (f *FS) Path(p string) string {
	if f.Root == "" || f.Root == "/" {
		return p
	}
	if !filepath.IsAbs(p) || p == "/proc" || strings.HasPrefix(p, "/proc/") {
		return filepath.Join(f.Root, p)
	}
	if j, err := securejoin.SecureJoin(f.Root, p); err == nil {
		return j
	}
	return filepath.Join(f.Root, p)
}

// ReadFile reads a host file.
func (f *FS) ReadFile(p string) ([]byte, error) {
	if f.NoFiles {
		return nil, ErrNoFiles
	}
	return os.ReadFile(f.Path(p))
}

// Stat returns a host file's metadata, following symlinks.
func (f *FS) Stat(p string) (fs.FileInfo, error) {
	if f.NoFiles {
		return nil, ErrNoFiles
	}
	return os.Stat(f.Path(p))
}

// ForProcess maps a path as process pid sees it: through /proc/PID/root
// when the host path does not exist (a containerized component).
func (f *FS) ForProcess(pid int, p string) string {
	if p == "" || !filepath.IsAbs(p) {
		return p
	}
	if _, err := os.Stat(f.Path(p)); err == nil || pid <= 0 {
		return p
	}
	alt := filepath.Join("/proc", strconv.Itoa(pid), "root", p)
	if _, err := os.Stat(f.Path(alt)); err == nil {
		return alt
	}
	return p
}

// Hostname names the audited host: its /etc/hostname (a mounted host or a
// snapshot has its own), else, on the node itself, the kernel's hostname.
func (f *FS) Hostname() string {
	if b, err := f.ReadFile("/etc/hostname"); err == nil {
		if name := strings.TrimSpace(string(b)); name != "" {
			return name
		}
	}
	if f.Live() {
		if name, err := os.Hostname(); err == nil {
			return name
		}
	}
	return ""
}
