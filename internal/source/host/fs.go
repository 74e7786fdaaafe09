// Package host reads a node: its processes from /proc, the configuration
// files their own flags name, static pod manifests and systemd units, under
// a root that is "/" on the node itself, a host filesystem mounted into a
// pod, or an unpacked snapshot made by `kubeward collect node`.
package host

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"

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
// filesystem, and no link leads out of Root.
//
// /proc is special. When Root/proc is the kernel's procfs (a mounted host),
// it is joined as is so that its files reach the kernel, except below the
// magic links /proc/PID/root and /proc/PID/cwd: what follows them is
// resolved inside the process's own root, so a link in a container's
// filesystem cannot lead to the auditing machine's files. When Root/proc is
// a plain directory (a snapshot), it is resolved inside Root like any other
// path but for its last element, so that links such as /proc/PID/exe can
// still be read with os.Readlink; the FS methods resolve that element too.
func (f *FS) Path(p string) string {
	if f.Live() {
		return p
	}
	if !filepath.IsAbs(p) {
		return f.join(p) // inside Root: a "../" cannot climb out of it
	}
	p = filepath.Clean(p)
	if p == "/proc" || strings.HasPrefix(p, "/proc/") {
		if f.procfs() {
			return f.kernelProcPath(p)
		}
		dir, base := filepath.Split(p)
		return filepath.Join(f.join(dir), base)
	}
	return f.join(p)
}

// resolve is Path with the last element resolved too: what the FS methods
// open or stat.
func (f *FS) resolve(p string) string {
	if f.Live() || !filepath.IsAbs(p) {
		return f.Path(p)
	}
	p = filepath.Clean(p)
	if (p == "/proc" || strings.HasPrefix(p, "/proc/")) && !f.procfs() {
		return f.join(p)
	}
	return f.Path(p)
}

// join resolves p inside Root.
func (f *FS) join(p string) string {
	if j, err := securejoin.SecureJoin(f.Root, p); err == nil {
		return j
	}
	return filepath.Join(f.Root, filepath.Clean("/"+p))
}

// kernelProcPath maps a /proc path on a mounted host's procfs: as is, but
// for what lies below /proc/PID/root or /proc/PID/cwd, resolved inside that
// directory.
func (f *FS) kernelProcPath(p string) string {
	parts := strings.SplitN(strings.TrimPrefix(p, "/proc/"), "/", 3)
	if len(parts) == 3 && (parts[1] == "root" || parts[1] == "cwd") && isPID(parts[0]) {
		base := filepath.Join(f.Root, "proc", parts[0], parts[1])
		if j, err := securejoin.SecureJoin(base, parts[2]); err == nil {
			return j
		}
		return filepath.Join(base, filepath.Clean("/"+parts[2]))
	}
	return filepath.Join(f.Root, p)
}

func isPID(s string) bool {
	if s == "self" || s == "thread-self" {
		return true
	}
	_, err := strconv.Atoi(s)
	return err == nil
}

var procfsCache sync.Map // root -> bool

// procfs reports whether Root/proc is the kernel's procfs.
func (f *FS) procfs() bool {
	if v, ok := procfsCache.Load(f.Root); ok {
		return v.(bool)
	}
	is := isProcfs(filepath.Join(f.Root, "proc"))
	procfsCache.Store(f.Root, is)
	return is
}

// Read bounds: a command line or environment is a few MB at most; a
// configuration file is never more than a few.
const (
	MaxProcRead int64 = 4 << 20
	MaxFileRead int64 = 16 << 20
)

// ErrNotRegular is returned for a path that is a FIFO, socket, device or
// directory where a file is expected: it is refused, never opened.
var ErrNotRegular = errors.New("not a regular file")

// ErrTooLarge is returned for a file over the read bound.
var ErrTooLarge = errors.New("file too large")

// ReadFile reads a host file: a regular file only (a FIFO, a socket, a
// device such as /dev/zero or a directory is refused before it is opened),
// at most MaxProcRead bytes under /proc and MaxFileRead elsewhere.
func (f *FS) ReadFile(p string) ([]byte, error) {
	limit := MaxFileRead
	if c := filepath.Clean(p); c == "/proc" || strings.HasPrefix(c, "/proc/") {
		limit = MaxProcRead
	}
	return f.ReadFileLimit(p, limit)
}

// ReadFileLimit is ReadFile with a bound of limit bytes.
func (f *FS) ReadFileLimit(p string, limit int64) ([]byte, error) {
	if f.NoFiles {
		return nil, ErrNoFiles
	}
	return readRegular(f.resolve(p), limit)
}

// readRegular reads a regular file of at most limit bytes. The type is
// checked before the file is opened (a FIFO would block, /dev/zero never
// ends), the open does not block nor take a terminal, and the descriptor is
// checked again against what was stat'ed.
func readRegular(full string, limit int64) ([]byte, error) {
	st, err := os.Stat(full)
	if err != nil {
		return nil, err
	}
	if err := regularErr(full, st); err != nil {
		return nil, err
	}
	if st.Size() > limit {
		return nil, tooLarge(full, st.Size(), limit)
	}
	fh, err := os.OpenFile(full, os.O_RDONLY|syscall.O_NONBLOCK|syscall.O_NOCTTY, 0)
	if err != nil {
		return nil, err
	}
	defer fh.Close()
	fst, err := fh.Stat()
	if err != nil {
		return nil, err
	}
	if err := regularErr(full, fst); err != nil {
		return nil, err
	}
	if !os.SameFile(st, fst) {
		return nil, &fs.PathError{Op: "read", Path: full, Err: errors.New("file changed while it was opened")}
	}
	size := fst.Size()
	if size <= 0 || size > limit {
		size = 512 // /proc files say 0
	}
	buf := bytes.NewBuffer(make([]byte, 0, size+1))
	n, err := buf.ReadFrom(io.LimitReader(fh, limit+1))
	if err != nil {
		return nil, &fs.PathError{Op: "read", Path: full, Err: err}
	}
	if n > limit {
		return nil, tooLarge(full, n, limit)
	}
	return buf.Bytes(), nil
}

func tooLarge(full string, size, limit int64) error {
	return &fs.PathError{Op: "read", Path: full, Err: fmt.Errorf("%w: more than %d bytes (%d), the bound for this file", ErrTooLarge, limit, size)}
}

// regularErr refuses what is not a regular file, naming what it is.
func regularErr(full string, st fs.FileInfo) error {
	m := st.Mode()
	if m.IsRegular() {
		return nil
	}
	what := "special file"
	switch {
	case m.IsDir():
		what = "directory"
	case m&fs.ModeNamedPipe != 0:
		what = "FIFO"
	case m&fs.ModeSocket != 0:
		what = "socket"
	case m&fs.ModeCharDevice != 0:
		what = "character device"
	case m&fs.ModeDevice != 0:
		what = "block device"
	}
	return &fs.PathError{Op: "open", Path: full, Err: fmt.Errorf("%w: a %s, refused", ErrNotRegular, what)}
}

// Stat returns a host file's metadata, following symlinks (inside Root).
func (f *FS) Stat(p string) (fs.FileInfo, error) {
	if f.NoFiles {
		return nil, ErrNoFiles
	}
	return os.Stat(f.resolve(p))
}

// Lstat returns a host file's metadata without following a last symlink.
func (f *FS) Lstat(p string) (fs.FileInfo, error) {
	if f.NoFiles {
		return nil, ErrNoFiles
	}
	return os.Lstat(f.Path(p))
}

// Readlink reads a host symlink (such as /proc/PID/exe) without following it.
func (f *FS) Readlink(p string) (string, error) {
	if f.NoFiles {
		return "", ErrNoFiles
	}
	return os.Readlink(f.Path(p))
}

// ReadDir lists a host directory; a path that is not a directory (a FIFO
// would block the open) is refused before it is opened.
func (f *FS) ReadDir(p string) ([]fs.DirEntry, error) {
	if f.NoFiles {
		return nil, ErrNoFiles
	}
	full := f.resolve(p)
	st, err := os.Stat(full)
	if err != nil {
		return nil, err
	}
	if !st.IsDir() {
		return nil, &fs.PathError{Op: "readdir", Path: full, Err: syscall.ENOTDIR}
	}
	return os.ReadDir(full)
}

// ForProcess maps a path as process pid sees it: through /proc/PID/root
// when the host path does not exist (a containerized component).
func (f *FS) ForProcess(pid int, p string) string {
	if p == "" || !filepath.IsAbs(p) {
		return p
	}
	if _, err := os.Stat(f.resolve(p)); err == nil || pid <= 0 {
		return p
	}
	alt := filepath.Join("/proc", strconv.Itoa(pid), "root", p)
	if _, err := os.Stat(f.resolve(alt)); err == nil {
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
