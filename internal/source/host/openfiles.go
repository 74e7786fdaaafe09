package host

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"syscall"

	"github.com/kubeward/kubeward/internal/inventory"
)

// CaptureOpenFiles holds, in a snapshot, which processes had the watched
// files open when it was made (JSON: a list of openFilesRecord).
const CaptureOpenFiles = "open-files.json"

// watchedFlags name, per component kind, the flags whose files other
// processes may read: a log shipper holding the API server's audit log open
// sends it off the node.
var watchedFlags = map[string][]string{
	APIServer: {"audit-log-path"},
}

// openFilesRecord is one component's watched files in a snapshot.
type openFilesRecord struct {
	Kind  string                `json:"kind"`
	PID   int                   `json:"pid"`
	Files []*inventory.OpenFile `json:"files"`
}

type watch struct {
	c    *inventory.Component
	of   *inventory.OpenFile
	dir  string         // the file's directory, as the flag names it
	base string         // its base name
	bak  *regexp.Regexp // names of its rotated backups
	dev  uint64         // the file's device and inode on the host, when it exists
	ino  uint64
}

// LoadOpenFiles records in each component which other processes hold the
// files its watched flags name open: from a snapshot's record when the
// root is a snapshot, else from every process's /proc/PID/fd under the
// root (the live node or a mounted host).
func LoadOpenFiles(f *FS, n *inventory.Node) {
	var ws []*watch
	for _, c := range n.Components {
		for _, flag := range watchedFlags[c.Kind] {
			p, ok := c.Flag(flag)
			if !ok || p == "" || p == "-" || !filepath.IsAbs(p) {
				continue // unset, standard output, or not a file path
			}
			of := &inventory.OpenFile{Path: p, Setting: flag}
			c.OpenFiles = append(c.OpenFiles, of)
			ws = append(ws, newWatch(c, of))
		}
	}
	if len(ws) == 0 {
		return
	}
	if b, ok := f.Captured(CaptureOpenFiles); ok {
		fromSnapshot(b, ws)
		return
	}
	if _, ok := f.Captured(CaptureFileMeta); ok {
		for _, w := range ws {
			w.of.Unknown = "the snapshot does not record which processes had files open (made by an older kubeward)"
		}
		return
	}
	if f.NoFiles {
		for _, w := range ws {
			w.of.Unknown = "the node's processes are not visible from here"
		}
		return
	}
	scanOpenFiles(f, n, ws)
}

func newWatch(c *inventory.Component, of *inventory.OpenFile) *watch {
	base := filepath.Base(of.Path)
	ext := filepath.Ext(base)
	stem := strings.TrimSuffix(base, ext)
	// The API server rotates its audit log as NAME-2006-01-02T15-04-05.000.EXT
	// (gzipped with --audit-log-compress).
	bak := regexp.MustCompile(`^` + regexp.QuoteMeta(stem) + `-\d{4}-\d\d-\d\dT\d\d-\d\d-\d\d\.\d{3}` + regexp.QuoteMeta(ext) + `(\.gz)?$`)
	return &watch{c: c, of: of, dir: filepath.Dir(of.Path), base: base, bak: bak}
}

func fromSnapshot(b []byte, ws []*watch) {
	var recs []openFilesRecord
	if err := json.Unmarshal(b, &recs); err != nil {
		for _, w := range ws {
			w.of.Unknown = fmt.Sprintf("%s in the snapshot: %v", CaptureOpenFiles, err)
		}
		return
	}
	for _, w := range ws {
		w.of.Unknown = "the snapshot does not record this file"
		for _, r := range recs {
			if r.Kind != w.c.Kind || r.PID != w.c.PID {
				continue
			}
			for _, of := range r.Files {
				if of != nil && of.Path == w.of.Path && of.Setting == w.of.Setting {
					*w.of = *of
				}
			}
		}
	}
}

// OpenFilesRecord renders the components' open-file facts for a snapshot.
func OpenFilesRecord(n *inventory.Node) []byte {
	recs := []openFilesRecord{}
	for _, c := range n.Components {
		if len(c.OpenFiles) > 0 {
			recs = append(recs, openFilesRecord{Kind: c.Kind, PID: c.PID, Files: c.OpenFiles})
		}
	}
	b, _ := json.MarshalIndent(recs, "", "  ")
	return b
}

// scanOpenFiles reads every process's descriptors. A descriptor matches a
// watched file when it shows the same path or a rotated backup of it, or,
// for a process with its own mount namespace (a containerized shipper
// mounting the log directory elsewhere), the same base name and the same
// device and inode.
func scanOpenFiles(f *FS, n *inventory.Node, ws []*watch) {
	for _, w := range ws {
		p := f.ForProcess(w.c.PID, w.of.Path)
		if st, err := f.Stat(p); err == nil {
			if sys, ok := st.Sys().(*syscall.Stat_t); ok {
				w.dev, w.ino = uint64(sys.Dev), sys.Ino
			}
		}
	}
	entries, err := f.ReadDir("/proc")
	if err != nil {
		for _, w := range ws {
			w.of.Unknown = fmt.Sprintf("cannot list processes: %v", unwrap(err))
		}
		return
	}
	self := map[int]bool{} // the writers themselves: every API server process
	for _, c := range n.Components {
		if _, ok := watchedFlags[c.Kind]; ok && c.PID > 0 {
			self[c.PID] = true
		}
	}
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil || self[pid] || (f.Live() && pid == os.Getpid()) {
			continue
		}
		dir := "/proc/" + e.Name()
		fds, err := f.ReadDir(dir + "/fd")
		if err != nil {
			if errors.Is(err, fs.ErrPermission) {
				for _, w := range ws {
					w.of.Unreadable++
				}
			}
			continue // gone, or a kernel thread
		}
		var name, exe string
		known := false
		for _, fd := range fds {
			num, err := strconv.Atoi(fd.Name())
			if err != nil {
				continue
			}
			link := dir + "/fd/" + fd.Name()
			target, err := f.Readlink(link)
			if err != nil || !strings.HasPrefix(target, "/") {
				continue // a socket, pipe or anonymous inode
			}
			target = strings.TrimSuffix(target, " (deleted)")
			base := filepath.Base(target)
			for _, w := range ws {
				if !w.matches(f, link, target, base) || w.has(pid) {
					continue
				}
				if !known {
					name, exe = processName(f, dir)
					known = true
				}
				if kindOf(exe, nil) == APIServer || kindOf(name, nil) == APIServer {
					continue // another API server writing the same file
				}
				w.of.Holders = append(w.of.Holders, inventory.FileHolder{PID: pid, Name: name, Exe: exe, Target: target, FD: num})
			}
		}
	}
	for _, w := range ws {
		sort.Slice(w.of.Holders, func(i, j int) bool { return w.of.Holders[i].PID < w.of.Holders[j].PID })
	}
}

// processName is a process's name (/proc/PID/comm) and executable.
func processName(f *FS, dir string) (name, exe string) {
	comm, _ := f.ReadFile(dir + "/comm")
	exe, _ = f.Readlink(dir + "/exe")
	exe = strings.TrimSuffix(exe, " (deleted)")
	name = strings.TrimSpace(string(comm))
	if name == "" {
		name = filepath.Base(exe)
	}
	return name, exe
}

func (w *watch) has(pid int) bool {
	for _, h := range w.of.Holders {
		if h.PID == pid {
			return true
		}
	}
	return false
}

// matches says whether a descriptor (its /proc link as a host path, the
// path it shows and that path's base name) is the watched file or one of
// its backups.
func (w *watch) matches(f *FS, link, target, base string) bool {
	if base != w.base && !w.bak.MatchString(base) {
		return false
	}
	if filepath.Dir(target) == w.dir {
		return true // the file or a backup, by name
	}
	if w.ino == 0 || base != w.base {
		return false
	}
	// Follows the descriptor to the file itself: on procfs the kernel's
	// link, elsewhere resolved inside the root.
	st, err := f.Stat(link)
	if err != nil {
		return false
	}
	sys, ok := st.Sys().(*syscall.Stat_t)
	return ok && uint64(sys.Dev) == w.dev && sys.Ino == w.ino
}
