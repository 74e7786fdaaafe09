package node

import (
	"path/filepath"
	"strconv"
	"strings"

	"github.com/kubeward/kubeward/internal/source/host"
)

// mount is one line of /proc/PID/mountinfo.
type mount struct {
	dev    string // major:minor
	point  string
	fstype string
	source string
}

func readMounts(f *host.FS, file string) ([]mount, error) {
	data, err := f.ReadFile(file)
	if err != nil {
		return nil, err
	}
	return parseMountinfo(data), nil
}

// parseMountinfo reads mountinfo lines:
// ID PARENT MAJOR:MINOR ROOT MOUNTPOINT OPTIONS [OPTIONAL...] - FSTYPE SOURCE SUPEROPTIONS
func parseMountinfo(data []byte) []mount {
	var out []mount
	for _, line := range strings.Split(string(data), "\n") {
		fields := strings.Fields(line)
		if len(fields) < 7 {
			continue
		}
		m := mount{dev: fields[2], point: unescapeMount(fields[4])}
		for i := 6; i < len(fields); i++ {
			if fields[i] == "-" {
				if i+1 < len(fields) {
					m.fstype = fields[i+1]
				}
				if i+2 < len(fields) {
					m.source = fields[i+2]
				}
				break
			}
		}
		out = append(out, m)
	}
	return out
}

// unescapeMount decodes the octal escapes (\040 for a space) of mountinfo.
func unescapeMount(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+4 <= len(s) {
			if n, err := strconv.ParseUint(s[i+1:i+4], 8, 8); err == nil {
				b.WriteByte(byte(n))
				i += 3
				continue
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// mountOf returns the mount a path lives on: the longest mount point above
// it, the last mounted when several share the point.
func mountOf(mounts []mount, p string) *mount {
	p = filepath.Clean(p)
	var best *mount
	for i := range mounts {
		m := &mounts[i]
		if !under(p, m.point) {
			continue
		}
		if best == nil || len(m.point) >= len(best.point) {
			best = m
		}
	}
	return best
}

func under(p, dir string) bool {
	return dir == "/" || p == dir || strings.HasPrefix(p, dir+"/")
}
