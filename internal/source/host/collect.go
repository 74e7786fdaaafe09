package host

import (
	"archive/tar"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/kubeward/kubeward/internal/inventory"
)

// Capturer produces one captured output of a snapshot (an Engine API
// answer, a command's output).
type Capturer func(ctx context.Context, n *inventory.Node) ([]byte, error)

// CollectSummary says what a snapshot holds.
type CollectSummary struct {
	Components int
	Files      int
	Redacted   int
	Captured   []string
	Problems   []string
}

// maxCopy bounds a copied file: configuration, not data.
const maxCopy = 8 << 20

// Collect writes a gzipped tar snapshot of what `scan node` reads: the
// components' /proc entries, the files their flags and config files name,
// static pod manifests, systemd units, runtime and sshd configuration,
// captured command outputs, and files.json with every file's mode, owner
// and size. A snapshot holds no secret: command lines, environments and
// captured outputs are masked (MaskArgs), and a file's content is copied
// only as RedactFile allows — private keys and token files never (a key's
// type and size are recorded), kubeconfigs and encryption configurations
// rebuilt from what the checks read, other configurations parsed and
// written back without secret-named values or URL credentials, anything
// that does not parse withheld.
func Collect(ctx context.Context, f *FS, w io.Writer, capturers map[string]Capturer) (*CollectSummary, error) {
	n := Discover(f)
	gz := gzip.NewWriter(w)
	tw := tar.NewWriter(gz)
	c := &collector{f: f, tw: tw, seen: map[string]bool{}, sum: &CollectSummary{Components: len(n.Components)}}
	now := time.Now()

	for _, comp := range n.Components {
		if comp.PID > 0 {
			c.proc(comp, now)
		}
	}
	for _, p := range []string{"/etc/hostname", "/etc/environment", "/etc/os-release"} {
		c.file(p, "")
	}
	for _, comp := range n.Components {
		c.file(comp.SourceFile, "")
		c.file(comp.ConfigFile, "")
		for name, vals := range comp.Flags {
			for _, v := range vals {
				c.pathsIn(v, name)
			}
		}
		for k, v := range comp.Env {
			c.pathsIn(v, k)
		}
		walkStrings(comp.Config, func(key, v string) { c.pathsIn(v, key) })
	}
	c.dir(staticPodPath(n), "")
	for _, d := range unitDirs {
		for _, unit := range []string{"kubelet", "docker", "containerd", "etcd", "kube-apiserver", "kube-controller-manager", "kube-scheduler", "kube-proxy", "crio", "ssh", "sshd"} {
			c.file(filepath.Join(d, unit+".service"), "")
			c.dir(filepath.Join(d, unit+".service.d"), "")
		}
	}
	for _, p := range []string{"/etc/docker/daemon.json", "/etc/containerd/config.toml", "/etc/ssh/sshd_config"} {
		c.file(p, "")
	}
	c.dir("/etc/ssh/sshd_config.d", "")
	c.dir("/etc/ssh", "")
	if b, err := f.ReadFile("/proc/net/if_inet6"); err == nil {
		b = lines(b, "", maskInline).Data
		c.write("/proc/net/if_inet6", b, 0o444, 0, 0, now) // which addresses make IPv6 rules matter
	}
	c.dir("/etc/cni/net.d", "")
	c.dir("/etc/containerd/certs.d", "")
	if entries, err := f.ReadDir("/etc/containerd/certs.d"); err == nil {
		for _, e := range entries {
			c.file(filepath.Join("/etc/containerd/certs.d", e.Name(), "hosts.toml"), "")
		}
	}

	// Command outputs and API answers.
	for _, name := range sortedKeys(capturers) {
		out, err := capturers[name](ctx, n)
		if err != nil {
			c.sum.Problems = append(c.sum.Problems, fmt.Sprintf("%s: %v", name, err))
			continue
		}
		if out == nil {
			continue
		}
		out, err = redactCapture(name, out)
		if err != nil {
			c.sum.Problems = append(c.sum.Problems, fmt.Sprintf("%s: %v", name, err))
			continue
		}
		c.write(CaptureDir+"/"+name, out, 0o644, 0, 0, now)
		c.sum.Captured = append(c.sum.Captured, name)
	}
	c.write(CaptureDir+"/"+CaptureOpenFiles, OpenFilesRecord(n), 0o644, 0, 0, now) // who had watched files open
	meta, _ := json.MarshalIndent(c.meta, "", "  ")
	c.write(CaptureDir+"/"+CaptureFileMeta, meta, 0o644, 0, 0, now)
	if err := tw.Close(); err != nil {
		return nil, err
	}
	if err := gz.Close(); err != nil {
		return nil, err
	}
	c.sum.Files = len(c.meta)
	return c.sum, c.err
}

// DefaultCapturers run the host commands a node scan reads, when installed.
func DefaultCapturers() map[string]Capturer {
	run := func(name string, args ...string) Capturer {
		return func(ctx context.Context, _ *inventory.Node) ([]byte, error) {
			if _, err := exec.LookPath(name); err != nil {
				return nil, nil // not installed: nothing to capture
			}
			out, err := Run(20*time.Second, name, args...)
			if err != nil {
				return nil, fmt.Errorf("%s %s: %w", name, strings.Join(args, " "), err)
			}
			return out, nil
		}
	}
	return map[string]Capturer{
		CaptureIPTables:  run("iptables-save"),
		CaptureIP6Tables: run("ip6tables-save"),
		CaptureNFT:       run("nft", "list", "ruleset"),
		CaptureSSHD: func(ctx context.Context, n *inventory.Node) ([]byte, error) {
			args := []string{"-T"}
			for _, s := range n.ComponentsOf(SSHD) {
				if cfg, ok := s.Flag("f"); ok {
					args = append(args, "-f", cfg)
				}
			}
			return run("sshd", args...)(ctx, n)
		},
	}
}

type collector struct {
	f    *FS
	tw   *tar.Writer
	seen map[string]bool
	meta []FileMeta
	sum  *CollectSummary
	err  error
}

func (c *collector) write(name string, data []byte, mode fs.FileMode, uid, gid int, mtime time.Time) {
	if c.err != nil {
		return
	}
	hdr := &tar.Header{Name: strings.TrimPrefix(name, "/"), Mode: int64(mode.Perm()), Size: int64(len(data)), Uid: uid, Gid: gid, ModTime: mtime, Typeflag: tar.TypeReg}
	if c.err = c.tw.WriteHeader(hdr); c.err == nil {
		_, c.err = c.tw.Write(data)
	}
}

func (c *collector) proc(comp *inventory.Component, now time.Time) {
	dir := "/proc/" + strconv.Itoa(comp.PID)
	// The command line is written from what discovery read, masked.
	args := MaskArgs(comp.Args, c.exists)
	c.write(dir+"/cmdline", []byte(strings.Join(args, "\x00")+"\x00"), 0o444, 0, 0, now)
	if b, err := c.f.ReadFile(dir + "/stat"); err == nil {
		c.write(dir+"/stat", b, 0o444, 0, 0, now)
	}
	var env []string
	for k, v := range comp.Env {
		env = append(env, maskUserinfo(maskInline(k)+"="+maskEnvValue(k, v, c.exists)))
	}
	sort.Strings(env)
	c.write(dir+"/environ", []byte(strings.Join(env, "\x00")), 0o400, 0, 0, now)
	if exe, err := c.f.Readlink(dir + "/exe"); err == nil && c.err == nil {
		c.err = c.tw.WriteHeader(&tar.Header{Name: strings.TrimPrefix(dir+"/exe", "/"), Typeflag: tar.TypeSymlink, Linkname: maskInline(exe), ModTime: now, Mode: 0o777})
	}
}

// exists tells whether a host path exists (a path value of a secret-named
// setting is kept only then).
func (c *collector) exists(p string) bool {
	if !filepath.IsAbs(p) {
		return false
	}
	_, err := c.f.Stat(p)
	return err == nil
}

// pathsIn adds the files a setting's value names (comma-separated lists and
// key=path pairs included).
func (c *collector) pathsIn(v, setting string) {
	for _, part := range strings.Split(v, ",") {
		if _, after, ok := strings.Cut(part, "="); ok {
			part = after
		}
		part = strings.TrimPrefix(strings.TrimSpace(part), "file://")
		if filepath.IsAbs(part) && !strings.ContainsAny(part, " \n") {
			c.file(part, setting)
		}
	}
}

func (c *collector) dir(p, setting string) {
	if p == "" {
		return
	}
	entries, err := c.f.ReadDir(p)
	if err != nil {
		return
	}
	for _, e := range entries {
		c.file(filepath.Join(p, e.Name()), setting)
	}
}

// file adds one host file: its metadata always; its content only as
// RedactFile allows (rewritten without secrets, or not at all).
func (c *collector) file(p, setting string) {
	p = filepath.Clean(p)
	if p == "/" || c.seen[p] || !filepath.IsAbs(p) || strings.HasPrefix(p, "/proc/") || strings.HasPrefix(p, "/dev/") || strings.HasPrefix(p, "/sys/") {
		return
	}
	c.seen[p] = true
	st, err := c.f.Stat(p)
	if err != nil {
		return
	}
	m := metaOf(p, st)
	if st.IsDir() {
		c.meta = append(c.meta, m)
		if c.err == nil {
			c.err = c.tw.WriteHeader(&tar.Header{Name: strings.TrimPrefix(p, "/") + "/", Typeflag: tar.TypeDir, Mode: int64(m.Mode), Uid: int(m.UID), Gid: int(m.GID), ModTime: st.ModTime()})
		}
		return
	}
	if err := regularErr(p, st); err != nil {
		c.sum.Problems = append(c.sum.Problems, err.Error())
		return
	}
	data, err := c.f.ReadFileLimit(p, maxCopy)
	var r Redaction
	if err != nil {
		r = Redaction{Withheld: true}
		if errors.Is(err, ErrTooLarge) || errors.Is(err, ErrNotRegular) {
			c.sum.Problems = append(c.sum.Problems, fmt.Sprintf("%s: %v (metadata only)", p, unwrap(err)))
		}
	} else {
		r = RedactFile(p, setting, data, c.exists)
	}
	m.Key = r.Key
	switch {
	case r.Withheld:
		data, m.Redacted = nil, true
	case r.Masked:
		data, m.Redacted = r.Data, true
	default:
		data = r.Data
	}
	if m.Redacted {
		c.sum.Redacted++
	}
	c.meta = append(c.meta, m)
	c.write(p, data, m.Mode, int(m.UID), int(m.GID), st.ModTime())
	for _, ref := range r.Refs {
		v := ref.Path
		if !filepath.IsAbs(v) {
			v = filepath.Join(filepath.Dir(p), v)
		}
		c.file(v, ref.Key)
	}
	if textKind(p, setting) == "unit" && data != nil {
		c.unitRefs(data)
	}
}

// unitRefs adds the environment files a systemd unit reads: discovery
// expands their variables into the command line.
func (c *collector) unitRefs(data []byte) {
	for _, line := range strings.Split(string(data), "\n") {
		k, v, ok := strings.Cut(strings.TrimSpace(line), "=")
		if ok && strings.TrimSpace(k) == "EnvironmentFile" {
			c.file(strings.TrimPrefix(strings.TrimSpace(v), "-"), "EnvironmentFile")
		}
	}
}

// redactCapture masks a captured output: JSON answers (the Engine's
// containers carry their environments and commands) value by value, text
// line by line.
func redactCapture(name string, out []byte) ([]byte, error) {
	if !strings.HasSuffix(name, ".json") {
		return lines(out, "capture", maskInline).Data, nil
	}
	var v any
	if err := json.Unmarshal(out, &v); err != nil {
		return nil, fmt.Errorf("not JSON, withheld: %w", err)
	}
	return json.MarshalIndent(redactValue("", v, nil), "", "  ")
}

func walkStrings(v any, fn func(key, value string)) {
	var walk func(key string, v any)
	walk = func(key string, v any) {
		switch t := v.(type) {
		case map[string]any:
			for k, e := range t {
				walk(k, e)
			}
		case []any:
			for _, e := range t {
				walk(key, e)
			}
		case string:
			fn(key, t)
		}
	}
	walk("", v)
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
