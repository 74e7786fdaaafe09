package host

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"sigs.k8s.io/yaml"

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

var secretEnv = regexp.MustCompile(`(?i)(pass|secret|token|key|credential|auth)`)

// Collect writes a gzipped tar snapshot of what `scan node` reads: the
// components' /proc entries (environment values that look secret masked),
// the files their flags and config files name, static pod manifests,
// systemd units, runtime and sshd configuration, captured command outputs,
// and files.json with every file's mode and owner. Private keys and token
// files are never copied: only their metadata. Kubeconfigs and encryption
// configurations are copied with their secrets masked.
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
		c.write("/proc/net/if_inet6", b, 0o444, 0, 0, now) // which addresses make IPv6 rules matter
	}
	c.dir("/etc/cni/net.d", "")
	c.dir("/etc/containerd/certs.d", "")

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
	for _, name := range []string{"cmdline", "stat"} {
		if b, err := c.f.ReadFile(dir + "/" + name); err == nil {
			c.write(dir+"/"+name, b, 0o444, 0, 0, now)
		}
	}
	var env []string
	for k, v := range comp.Env {
		if secretEnv.MatchString(k) && !strings.HasPrefix(v, "/") {
			v = "REDACTED"
		}
		env = append(env, k+"="+v)
	}
	sort.Strings(env)
	c.write(dir+"/environ", []byte(strings.Join(env, "\x00")), 0o400, 0, 0, now)
	if exe, err := os.Readlink(c.f.Path(dir + "/exe")); err == nil && c.err == nil {
		c.err = c.tw.WriteHeader(&tar.Header{Name: strings.TrimPrefix(dir+"/exe", "/"), Typeflag: tar.TypeSymlink, Linkname: exe, ModTime: now, Mode: 0o777})
	}
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
	entries, err := os.ReadDir(c.f.Path(p))
	if err != nil {
		return
	}
	for _, e := range entries {
		c.file(filepath.Join(p, e.Name()), setting)
	}
}

// file adds one host file: copied, masked or as metadata only.
func (c *collector) file(p, setting string) {
	p = filepath.Clean(p)
	if p == "/" || c.seen[p] || !filepath.IsAbs(p) || strings.HasPrefix(p, "/proc/") || strings.HasPrefix(p, "/dev/") || strings.HasPrefix(p, "/sys/") {
		return
	}
	c.seen[p] = true
	st, err := os.Stat(c.f.Path(p))
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
	if !st.Mode().IsRegular() {
		return
	}
	var data []byte
	if st.Size() <= maxCopy {
		data, _ = c.f.ReadFile(p)
	}
	switch {
	case st.Size() > maxCopy:
		data, m.Redacted = nil, true
	case isSecretFile(p, setting, data):
		data, m.Redacted = nil, true
	case bytes.Contains(data, []byte("kind: Config")) || bytes.Contains(data, []byte("kind: EncryptionConfiguration")) || bytes.Contains(data, []byte(`"kind":"Config"`)):
		data, m.Redacted = maskYAMLSecrets(data)
		if bytes.Contains(data, []byte("kind: Config")) {
			c.kubeconfigRefs(data, filepath.Dir(p))
		}
	}
	if m.Redacted {
		c.sum.Redacted++
	}
	c.meta = append(c.meta, m)
	c.write(p, data, m.Mode, int(m.UID), int(m.GID), st.ModTime())
}

func isSecretFile(p, setting string, data []byte) bool {
	s := strings.ToLower(setting + " " + filepath.Base(p))
	if strings.Contains(s, "token-auth-file") || strings.Contains(s, "basic-auth") || strings.HasSuffix(p, ".key") || strings.HasSuffix(p, "tokens.csv") {
		return true
	}
	return bytes.Contains(data, []byte("PRIVATE KEY-----"))
}

// secretKeys are YAML keys whose values kubeconfigs and encryption
// configurations keep secret.
var secretKeys = map[string]bool{"client-key-data": true, "token": true, "password": true, "secret": true, "id-token": true, "refresh-token": true}

func maskYAMLSecrets(data []byte) ([]byte, bool) {
	var doc any
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, true // cannot tell what is secret: withhold it all
	}
	masked := false
	var walk func(v any) any
	walk = func(v any) any {
		switch t := v.(type) {
		case map[string]any:
			for k, e := range t {
				if secretKeys[k] {
					t[k], masked = "REDACTED", true
					continue
				}
				t[k] = walk(e)
			}
		case []any:
			for i := range t {
				t[i] = walk(t[i])
			}
		}
		return v
	}
	out, err := yaml.Marshal(walk(doc))
	if err != nil {
		return nil, true
	}
	return out, masked
}

// kubeconfigRefs adds the certificate files a kubeconfig names.
func (c *collector) kubeconfigRefs(data []byte, base string) {
	walkStrings(unmarshalMap(data), func(key, v string) {
		switch key {
		case "certificate-authority", "client-certificate", "client-key", "tokenFile":
			if !filepath.IsAbs(v) {
				v = filepath.Join(base, v)
			}
			c.file(v, key)
		}
	})
}

func unmarshalMap(data []byte) map[string]any {
	m := map[string]any{}
	_ = yaml.Unmarshal(data, &m)
	return m
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
