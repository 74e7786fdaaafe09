package host

import (
	"archive/tar"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
)

// maxSnapshot bounds the bytes a snapshot may unpack to.
const maxSnapshot = 1 << 30

var procExe = regexp.MustCompile(`^proc/[0-9]+/exe$`)

// Unpack extracts a snapshot made by Collect into dir. It refuses paths
// that leave dir and links other than /proc/PID/exe, so a crafted archive
// cannot write outside dir.
func Unpack(r io.Reader, dir string) error {
	gz, err := gzip.NewReader(r)
	if err != nil {
		return fmt.Errorf("not a gzip snapshot: %w", err)
	}
	tr := tar.NewReader(gz)
	var total int64
	for {
		hdr, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("reading snapshot: %w", err)
		}
		name := filepath.Clean(hdr.Name)
		if name == "." {
			continue
		}
		if filepath.IsAbs(name) || name == ".." || strings.HasPrefix(name, "../") {
			return fmt.Errorf("snapshot entry %q leaves the snapshot", hdr.Name)
		}
		target := filepath.Join(dir, name)
		switch hdr.Typeflag {
		case tar.TypeDir:
			if err := os.MkdirAll(target, 0o755); err != nil {
				return err
			}
			_ = os.Chmod(target, os.FileMode(hdr.Mode).Perm())
		case tar.TypeReg:
			total += hdr.Size
			if total > maxSnapshot {
				return fmt.Errorf("snapshot unpacks to more than %d MiB", maxSnapshot>>20)
			}
			if err := os.MkdirAll(filepath.Dir(target), 0o755); err != nil {
				return err
			}
			f, err := os.OpenFile(target, os.O_CREATE|os.O_WRONLY|os.O_TRUNC|os.O_EXCL, os.FileMode(hdr.Mode).Perm()|0o200)
			if err != nil {
				return fmt.Errorf("snapshot entry %q: %w", hdr.Name, err)
			}
			_, err = io.Copy(f, io.LimitReader(tr, hdr.Size))
			if cerr := f.Close(); err == nil {
				err = cerr
			}
			if err != nil {
				return err
			}
		case tar.TypeSymlink:
			if !procExe.MatchString(name) {
				return fmt.Errorf("snapshot entry %q: links are only allowed for /proc/PID/exe", hdr.Name)
			}
			if err := os.MkdirAll(filepath.Dir(target), 0o755); err != nil {
				return err
			}
			if err := os.Symlink(hdr.Linkname, target); err != nil {
				return err
			}
		default:
			return fmt.Errorf("snapshot entry %q: unsupported type", hdr.Name)
		}
	}
}
