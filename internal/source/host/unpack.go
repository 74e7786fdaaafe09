package host

import (
	"archive/tar"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"regexp"
	"slices"
	"strings"
)

// UnpackLimits bound what a snapshot may unpack to. A snapshot handed in
// for an air-gapped audit is untrusted input.
type UnpackLimits struct {
	Entries   int   // tar entries of any type
	Total     int64 // bytes of all regular files together
	File      int64 // bytes of one regular file
	ProcFile  int64 // bytes of one /proc/PID/{cmdline,environ,...} file
	NameBytes int   // bytes of one entry name
}

// DefaultUnpackLimits are generous for a real node (a snapshot of a control
// plane node is a few hundred files and a few MiB) and small enough that a
// crafted archive cannot fill a disk.
var DefaultUnpackLimits = UnpackLimits{
	Entries:   100_000,
	Total:     512 << 20,
	File:      64 << 20,
	ProcFile:  4 << 20,
	NameBytes: 4096,
}

var (
	procExe  = regexp.MustCompile(`^proc/[0-9]+/exe$`)
	procFile = regexp.MustCompile(`^proc/[0-9]+/[^/]+$`)
)

// Unpack extracts a snapshot made by Collect into dir with DefaultUnpackLimits.
func Unpack(r io.Reader, dir string) error {
	return UnpackWithLimits(r, dir, DefaultUnpackLimits)
}

// UnpackWithLimits extracts a snapshot into dir, which must exist and should
// be empty. Nothing outside dir is created, written or changed, whatever the
// archive holds:
//   - every write goes through an os.Root opened on dir, which refuses any
//     path that resolves outside it;
//   - entry names must be local paths (no "..", not absolute);
//   - the only links allowed are /proc/PID/exe (a process's binary, read
//     with readlink, never followed). They are created after every file and
//     directory, so no entry is ever written through a link, and a link's
//     target is data;
//   - directory modes are applied after all files are written, before links
//     exist, so a chmod cannot reach through a link either;
//   - hard links, devices, FIFOs and other types are refused;
//   - the number of entries, each file's size and the total are bounded.
//
// On error, dir may hold part of the snapshot; the caller removes it.
func UnpackWithLimits(r io.Reader, dir string, lim UnpackLimits) error {
	gz, err := gzip.NewReader(r)
	if err != nil {
		return fmt.Errorf("not a gzip snapshot: %w", err)
	}
	root, err := os.OpenRoot(dir)
	if err != nil {
		return fmt.Errorf("snapshot directory: %w", err)
	}
	defer root.Close()

	u := unpacker{root: root, lim: lim, dirModes: map[string]fs.FileMode{}, seen: map[string]bool{}}
	tr := tar.NewReader(gz)
	for entries := 0; ; entries++ {
		hdr, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return fmt.Errorf("reading snapshot: %w", err)
		}
		if entries >= lim.Entries {
			return fmt.Errorf("snapshot has more than %d entries", lim.Entries)
		}
		if err := u.entry(hdr, tr); err != nil {
			return err
		}
	}
	return u.finish()
}

type unpacker struct {
	root     *os.Root
	lim      UnpackLimits
	total    int64
	dirModes map[string]fs.FileMode // applied after every file is written
	links    [][2]string            // name, target: created last
	seen     map[string]bool        // names already unpacked
}

// entryName validates and cleans a tar entry name: a local, slash-separated
// path. It returns "" for the snapshot root itself.
func (u *unpacker) entryName(raw string) (string, error) {
	if len(raw) > u.lim.NameBytes {
		return "", fmt.Errorf("snapshot entry name longer than %d bytes", u.lim.NameBytes)
	}
	if strings.ContainsRune(raw, 0) || strings.Contains(raw, `\`) {
		return "", fmt.Errorf("snapshot entry %q: invalid name", raw)
	}
	name := path.Clean(raw)
	if name == "." {
		return "", nil
	}
	if path.IsAbs(name) || name == ".." || strings.HasPrefix(name, "../") {
		return "", fmt.Errorf("snapshot entry %q leaves the snapshot", raw)
	}
	return name, nil
}

func (u *unpacker) entry(hdr *tar.Header, body io.Reader) error {
	name, err := u.entryName(hdr.Name)
	if err != nil || name == "" {
		return err
	}
	if u.seen[name] {
		return fmt.Errorf("snapshot entry %q appears twice", hdr.Name)
	}
	u.seen[name] = true
	// No entry may sit below a link: links are created last, so it would
	// become a real directory that the link then cannot replace, or worse.
	for p := path.Dir(name); p != "."; p = path.Dir(p) {
		if procExe.MatchString(p) {
			return fmt.Errorf("snapshot entry %q is below a link", hdr.Name)
		}
	}
	perm := fs.FileMode(hdr.Mode).Perm()
	switch hdr.Typeflag {
	case tar.TypeDir:
		if err := u.root.MkdirAll(name, 0o755); err != nil {
			return fmt.Errorf("snapshot entry %q: %w", hdr.Name, err)
		}
		u.dirModes[name] = perm | 0o700 // the auditor must be able to read it
		return nil
	case tar.TypeReg:
		return u.file(name, hdr, perm, body)
	case tar.TypeSymlink:
		if !procExe.MatchString(name) {
			return fmt.Errorf("snapshot entry %q: links are only allowed for /proc/PID/exe", hdr.Name)
		}
		if len(hdr.Linkname) > u.lim.NameBytes || strings.ContainsRune(hdr.Linkname, 0) {
			return fmt.Errorf("snapshot entry %q: invalid link target", hdr.Name)
		}
		if err := u.root.MkdirAll(path.Dir(name), 0o755); err != nil {
			return fmt.Errorf("snapshot entry %q: %w", hdr.Name, err)
		}
		u.links = append(u.links, [2]string{name, hdr.Linkname})
		return nil
	default:
		return fmt.Errorf("snapshot entry %q: unsupported type %q", hdr.Name, hdr.Typeflag)
	}
}

func (u *unpacker) file(name string, hdr *tar.Header, perm fs.FileMode, body io.Reader) error {
	limit := u.lim.File
	if procFile.MatchString(name) {
		limit = u.lim.ProcFile
	}
	if hdr.Size < 0 || hdr.Size > limit {
		return fmt.Errorf("snapshot entry %q: %d bytes, more than the %d MiB allowed", hdr.Name, hdr.Size, limit>>20)
	}
	u.total += hdr.Size
	if u.total > u.lim.Total {
		return fmt.Errorf("snapshot unpacks to more than %d MiB", u.lim.Total>>20)
	}
	if dir := path.Dir(name); dir != "." {
		if err := u.root.MkdirAll(dir, 0o755); err != nil {
			return fmt.Errorf("snapshot entry %q: %w", hdr.Name, err)
		}
	}
	f, err := u.root.OpenFile(name, os.O_CREATE|os.O_WRONLY|os.O_EXCL, perm|0o600)
	if err != nil {
		return fmt.Errorf("snapshot entry %q: %w", hdr.Name, err)
	}
	n, err := io.Copy(f, io.LimitReader(body, hdr.Size))
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil && n != hdr.Size {
		err = io.ErrUnexpectedEOF
	}
	if err != nil {
		return fmt.Errorf("snapshot entry %q: %w", hdr.Name, err)
	}
	return nil
}

// finish applies directory modes, deepest first, then creates the links.
func (u *unpacker) finish() error {
	dirs := make([]string, 0, len(u.dirModes))
	for d := range u.dirModes {
		dirs = append(dirs, d)
	}
	slices.SortFunc(dirs, func(a, b string) int { return strings.Count(b, "/") - strings.Count(a, "/") })
	for _, d := range dirs {
		if err := u.root.Chmod(d, u.dirModes[d]); err != nil {
			return fmt.Errorf("snapshot entry %q: %w", d, err)
		}
	}
	for _, l := range u.links {
		// The target is stored as given and never resolved here: readers
		// only readlink it. Root still refuses a link whose parent leaves dir.
		if err := u.root.Symlink(l[1], l[0]); err != nil {
			return fmt.Errorf("snapshot entry %q: %w", l[0], err)
		}
	}
	return nil
}
