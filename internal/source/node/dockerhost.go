package node

import (
	"bufio"
	"bytes"
	"fmt"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"github.com/kubeward/kubeward/internal/inventory"
	"github.com/kubeward/kubeward/internal/source/host"
)

// Where the daemon's unit files may be: the administrator's override
// first, then the package's.
var unitDirs = []string{"/etc/systemd/system", "/lib/systemd/system", "/usr/lib/systemd/system"}

// binDirs are where the runtime's binaries may be installed.
var binDirs = []string{"/usr/bin", "/usr/sbin", "/usr/local/bin", "/usr/local/sbin", "/bin", "/sbin"}

// The audit targets of CIS Docker v1.6.0 1.1.3-1.1.18 that are binaries,
// looked up in binDirs (Debian installs dockerd and runc in /usr/sbin).
var auditBinaries = []string{"dockerd", "containerd", "containerd-shim", "containerd-shim-runc-v1", "containerd-shim-runc-v2", "runc"}

// dockerHost gathers the host's facts around Docker: the daemon socket
// group's members, the auditd file watches, and the daemon's files by
// role (their metadata in Node.Files).
func (g *gatherer) dockerHost(ds []*inventory.Component) {
	h := &inventory.DockerHost{Group: "docker"}
	g.n.DockerHost = h
	if len(ds) > 0 {
		h.Group = ds[0].Setting("group").Value
	}
	h.GroupFound, h.GroupMembers = groupMembers(g.f, h.Group)
	g.auditRules(h)

	add := func(role, path string) {
		if path == "" {
			return
		}
		path = filepath.Clean(path)
		for _, f := range h.Files {
			if f.Role == role && f.Path == path {
				return
			}
		}
		h.Files = append(h.Files, inventory.DockerHostFile{Role: role, Path: path})
		g.file(nil, path, "")
	}
	// first adds the first candidate that exists (else the first one).
	first := func(role string, candidates []string) {
		for _, p := range candidates {
			if fl, err := g.f.Stat(p); err == nil && fl != nil {
				add(role, p)
				return
			}
		}
		add(role, candidates[0])
	}
	units := func(name string) []string {
		var out []string
		for _, d := range unitDirs {
			out = append(out, filepath.Join(d, name))
		}
		return out
	}
	first("docker.service", units("docker.service"))
	first("docker.socket", units("docker.socket"))
	add("/etc/docker", "/etc/docker")
	add("/etc/default/docker", "/etc/default/docker")
	add("/etc/sysconfig/docker", "/etc/sysconfig/docker")
	add("containerd.sock", "/run/containerd/containerd.sock")
	add("/run/containerd", "/run/containerd")
	add("/etc/containerd/config.toml", "/etc/containerd/config.toml")
	for _, c := range ds {
		cfg := c.ConfigFile
		if cfg == "" {
			cfg = "/etc/docker/daemon.json"
		}
		add("daemon.json", cfg)
		add("data-root", c.Setting("data-root").Value)
		for _, role := range []string{"tlscacert", "tlscert", "tlskey"} {
			add(role, c.Setting(role).Value)
		}
	}
	for _, b := range auditBinaries {
		var cands []string
		for _, d := range binDirs {
			cands = append(cands, filepath.Join(d, b))
		}
		first(b, cands)
	}
	// Registry certificates: /etc/docker/certs.d/<registry>/<file>.
	if regs, err := g.f.ReadDir("/etc/docker/certs.d"); err == nil {
		for _, r := range regs {
			if !r.IsDir() {
				continue
			}
			dir := filepath.Join("/etc/docker/certs.d", r.Name())
			files, _ := g.f.ReadDir(dir)
			for _, f := range files {
				if !f.IsDir() {
					add("registry certificate", filepath.Join(dir, f.Name()))
				}
			}
		}
	}
}

// groupMembers reads a group's members from /etc/group and the users
// whose primary group it is from /etc/passwd.
func groupMembers(f *host.FS, group string) (bool, []string) {
	data, err := f.ReadFile("/etc/group")
	if err != nil {
		return false, nil
	}
	found, gid := false, ""
	set := map[string]bool{}
	for _, line := range strings.Split(string(data), "\n") {
		parts := strings.Split(strings.TrimSpace(line), ":")
		if len(parts) < 4 || parts[0] != group {
			continue
		}
		found, gid = true, parts[2]
		for _, m := range strings.Split(parts[3], ",") {
			if m = strings.TrimSpace(m); m != "" {
				set[m] = true
			}
		}
		break
	}
	if found {
		if pw, err := f.ReadFile("/etc/passwd"); err == nil {
			for _, line := range strings.Split(string(pw), "\n") {
				parts := strings.Split(strings.TrimSpace(line), ":")
				if len(parts) >= 4 && parts[3] == gid && parts[0] != "" {
					set[parts[0]] = true
				}
			}
		}
	}
	out := make([]string, 0, len(set))
	for m := range set {
		out = append(out, m)
	}
	sort.Strings(out)
	return found, out
}

// auditRules reads the file watches of auditd's rules: /etc/audit/audit.rules
// (what augenrules builds, or what auditd loads) and /etc/audit/rules.d/*.rules.
func (g *gatherer) auditRules(h *inventory.DockerHost) {
	var files []string
	if _, err := g.f.Stat("/etc/audit/audit.rules"); err == nil {
		files = append(files, "/etc/audit/audit.rules")
	}
	if entries, err := g.f.ReadDir("/etc/audit/rules.d"); err == nil {
		for _, e := range entries {
			if !e.IsDir() && strings.HasSuffix(e.Name(), ".rules") {
				files = append(files, filepath.Join("/etc/audit/rules.d", e.Name()))
			}
		}
	}
	sort.Strings(files)
	for _, file := range files {
		data, err := g.f.ReadFileLimit(file, 4<<20)
		if err != nil {
			h.AuditError = fmt.Sprintf("%s: %v", file, unwrapPath(err))
			continue
		}
		h.AuditFiles = append(h.AuditFiles, file)
		h.AuditRules = append(h.AuditRules, ParseAuditWatches(file, data)...)
	}
}

// ParseAuditWatches returns the file watches of an auditd rules file: the
// path of each "-w PATH" rule and of each "-F path=PATH" or "-F dir=PATH"
// field. Comments and blank lines are skipped; a rule that deletes
// (-W) or a line it cannot read declares nothing.
func ParseAuditWatches(file string, data []byte) []inventory.AuditWatch {
	var out []inventory.AuditWatch
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	n := 0
	for sc.Scan() {
		n++
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		f := strings.Fields(line)
		for i := 0; i < len(f); i++ {
			var p string
			switch {
			case f[i] == "-w" && i+1 < len(f):
				p = f[i+1]
				i++
			case strings.HasPrefix(f[i], "-w") && len(f[i]) > 2 && f[i][2] == '/':
				p = f[i][2:]
			case f[i] == "-F" && i+1 < len(f):
				k, v, ok := strings.Cut(f[i+1], "=")
				if ok && (k == "path" || k == "dir") {
					p = v
				}
				i++
			}
			if p != "" && strings.HasPrefix(p, "/") {
				out = append(out, inventory.AuditWatch{File: file, Line: n, Path: filepath.Clean(p), Text: truncate(line, 200)})
			}
		}
	}
	return out
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…(" + strconv.Itoa(len(s)-n) + " more bytes)"
}
