package sshd

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/kubeward/kubeward/internal/inventory"
	"github.com/kubeward/kubeward/internal/source/host"
)

// HostFiles reads configuration files of the audited host, optionally as
// a process in another mount namespace sees them (Prefix /proc/PID/root).
type HostFiles struct {
	FS     *host.FS
	Prefix string
}

// ReadFile reads a host file.
func (h HostFiles) ReadFile(name string) ([]byte, error) {
	return h.FS.ReadFile(h.Prefix + name)
}

// Glob expands a pattern on the host and returns host paths.
func (h HostFiles) Glob(pattern string) ([]string, error) {
	base := strings.TrimSuffix(filepath.Clean(h.FS.Path("/"+strings.TrimPrefix(h.Prefix, "/"))), "/")
	matches, err := filepath.Glob(base + path.Clean(pattern))
	if err != nil {
		return nil, err
	}
	out := make([]string, 0, len(matches))
	for _, m := range matches {
		name := "/" + strings.TrimPrefix(strings.TrimPrefix(m, base), "/")
		if st, err := h.FS.Stat(h.Prefix + name); err != nil || st.IsDir() {
			continue // what ReadFile would read: resolved inside the root
		}
		out = append(out, name)
	}
	return out, nil
}

// Effective is one sshd's configuration as the audit sees it.
type Effective struct {
	Options Options
	// Config is the parsed file tree; ConfigErr says why the main file
	// could not be read (Config then holds only -o overrides).
	Config    *Config
	ConfigErr error
	// T is sshd's own answer (`sshd -T` run now, or captured in a
	// snapshot), TFrom names it; TErr says why it is missing.
	T     map[string]string
	TFrom string
	TErr  error
}

// Resolve gives keyword's effective value outside Match blocks.
func (e *Effective) Resolve(keyword string) Value { return Resolve(e.Config, e.T, e.TFrom, keyword) }

// TimeoutT bounds one `sshd -T` run.
var TimeoutT = 15 * time.Second

// Read gathers the configuration of the sshd c (nil: the default
// configuration of an sshd that is not running). On the live host it asks
// sshd itself with `sshd -T` and the listener's own -f, -o, -h... options;
// capture is `sshd -T` output from a snapshot (nil for none).
func Read(f *host.FS, c *inventory.Component, capture []byte) *Effective {
	var argv []string
	pid := 0
	if c != nil {
		argv, pid = c.Args, c.PID
	}
	if len(argv) == 0 {
		argv = []string{"sshd"}
	}
	e := &Effective{Options: ParseArgs(argv)}
	cfg := e.Options.ConfigFile
	if !path.IsAbs(cfg) && pid > 0 {
		if cwd, err := f.Readlink("/proc/" + strconv.Itoa(pid) + "/cwd"); err == nil {
			cfg = path.Join(cwd, cfg)
		}
	}
	e.Options.ConfigFile = cfg
	files := HostFiles{FS: f}
	if mapped := f.ForProcess(pid, cfg); mapped != cfg {
		files.Prefix = strings.TrimSuffix(mapped, cfg)
	}
	e.Config, e.ConfigErr = Load(files, cfg, e.Options.Overrides)
	switch {
	case capture != nil:
		e.T, e.TFrom = ParseT(capture), "sshd -T captured in "+host.CaptureDir+"/"+host.CaptureSSHD
	case !f.Live():
		e.TErr = errors.New("no captured sshd -T output")
	case files.Prefix != "":
		e.TErr = fmt.Errorf("sshd runs in another mount namespace: its files were read through %s", files.Prefix)
	case pid > 0 && !rootProcess(f, pid):
		// Its flags and program are someone else's: do not run them as root.
		e.TErr = fmt.Errorf("sshd pid %d does not run as root: its files were read, sshd -T not run", pid)
	default:
		bin, err := binary(f, c)
		if err != nil {
			e.TErr = err
			break
		}
		args := append([]string{"-T"}, e.Options.TArgs...)
		if !hasFlag(args, "-f") && cfg != DefaultConfig {
			args = append(args, "-f", cfg)
		}
		out, err := RunT(bin, args)
		if err != nil {
			e.TErr = err
			break
		}
		e.T, e.TFrom = ParseT(out), strings.Join(append([]string{bin}, args...), " ")
	}
	return e
}

func hasFlag(args []string, flag string) bool {
	for _, a := range args {
		if a == flag {
			return true
		}
	}
	return false
}

// rootProcess reports whether process pid runs as root (real and effective uid 0).
func rootProcess(f *host.FS, pid int) bool {
	b, err := f.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		return false
	}
	for _, line := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, "Uid:"); ok {
			ids := strings.Fields(rest)
			return len(ids) >= 2 && ids[0] == "0" && ids[1] == "0"
		}
	}
	return false
}

// trusted reports whether a program is root's: owned by root and writable
// by no one else, so running it as root runs nothing a user planted.
func trusted(p string) bool {
	st, err := os.Stat(p)
	if err != nil || st.IsDir() || st.Mode().Perm()&0o022 != 0 {
		return false
	}
	sys, ok := st.Sys().(*syscall.Stat_t)
	return ok && sys.Uid == 0
}

// binary finds the sshd program: the running listener's own executable,
// else sshd on PATH or in the usual sbin directories; only one owned by
// root and writable by no one else.
func binary(f *host.FS, c *inventory.Component) (string, error) {
	if c != nil && c.PID > 0 {
		if exe, err := os.Readlink(f.Path("/proc/" + strconv.Itoa(c.PID) + "/exe")); err == nil && trusted(exe) {
			return exe, nil
		}
	}
	if c != nil && len(c.Args) > 0 {
		if a := ParseArgs(c.Args).Argv; len(a) > 0 && path.IsAbs(a[0]) && trusted(a[0]) {
			return a[0], nil
		}
	}
	p, err := LookPath("sshd")
	if err != nil {
		return "", err
	}
	if !trusted(p) {
		return "", fmt.Errorf("%s is not owned by root or is writable by others: not run", p)
	}
	return p, nil
}

// LookPath finds a program on PATH or in the sbin directories root's PATH
// holds but a user's may not.
func LookPath(name string) (string, error) {
	if p, err := exec.LookPath(name); err == nil {
		return p, nil
	}
	for _, dir := range []string{"/usr/sbin", "/sbin", "/usr/local/sbin", "/usr/bin", "/bin"} {
		p := filepath.Join(dir, name)
		if st, err := os.Stat(p); err == nil && !st.IsDir() && st.Mode()&0o111 != 0 {
			return p, nil
		}
	}
	return "", fmt.Errorf("%s is not installed (not on PATH nor in /usr/sbin, /sbin)", name)
}

// RunT runs sshd with args (starting with -T) and returns its output.
func RunT(bin string, args []string) ([]byte, error) {
	out, err := host.Run(TimeoutT, bin, args...)
	if err != nil {
		return nil, fmt.Errorf("%s %s: %w", bin, strings.Join(args, " "), err)
	}
	if !bytes.Contains(out, []byte("passwordauthentication")) {
		return nil, fmt.Errorf("%s %s: output lacks passwordauthentication", bin, strings.Join(args, " "))
	}
	return out, nil
}
