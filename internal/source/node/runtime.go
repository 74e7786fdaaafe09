package node

import (
	"context"
	"errors"
	"io/fs"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/pelletier/go-toml/v2"

	"github.com/kubeward/kubeward/internal/inventory"
	"github.com/kubeward/kubeward/internal/source/docker"
	"github.com/kubeward/kubeward/internal/source/host"
)

// apiTimeout bounds the Engine API queries made for one daemon.
const apiTimeout = 2 * time.Minute

// runtime gathers the container runtimes' facts: each dockerd's
// listeners, engine state, sockets and data root (and the node's user and
// group names and DOCKER_CONTENT_TRUST settings beside it), each
// containerd's registry hosts.toml files.
func (g *gatherer) runtime() {
	ds := g.n.ComponentsOf(inventory.Dockerd)
	for _, c := range ds {
		g.dockerd(c)
	}
	if len(ds) > 0 {
		g.n.Users = readIDNames(g.f, "/etc/passwd")
		g.n.Groups = readIDNames(g.f, "/etc/group")
		g.n.DockerContentTrust = contentTrust(g.f)
		g.dockerHost(ds)
	}
	for _, c := range g.n.ComponentsOf(inventory.Containerd) {
		g.hostsFiles(c)
		c.ImageVerifiers = imageVerifiers(g.f, c) // imageverifier.go
	}
}

func (g *gatherer) dockerd(c *inventory.Component) {
	f := g.f
	d := &inventory.DockerDaemon{Listeners: docker.Listeners(f, c)}
	c.Docker = d
	sock, _ := docker.SocketPath(f, c)
	ctx, cancel := context.WithTimeout(context.Background(), apiTimeout)
	state, err := docker.Load(ctx, f, f.ForProcess(c.PID, sock))
	cancel()
	d.State = state
	if err != nil {
		d.StateError = err.Error()
	}
	for _, l := range d.Listeners {
		if l.Proto != "unix" || strings.HasPrefix(l.Addr, "@") || d.Socket(l.Addr) != nil {
			continue
		}
		s := inventory.DockerSocket{Addr: l.Addr}
		st, err := f.Stat(f.ForProcess(c.PID, l.Addr))
		if err != nil {
			s.Absent = errors.Is(err, fs.ErrNotExist)
			s.Error = unwrapPath(err).Error()
		} else {
			s.Mode = uint32(st.Mode())
			s.UID, s.GID, s.OwnerKnown = owner(st)
		}
		d.Sockets = append(d.Sockets, s)
	}
	d.DataRoot = g.dataRoot(c)
}

// dataRoot reads the filesystem of dockerd's data root: from the devices
// of it and its parent on the node itself, from the host's mount table
// otherwise.
func (g *gatherer) dataRoot(c *inventory.Component) *inventory.DockerDataRoot {
	f := g.f
	dir := filepath.Clean(c.Setting("data-root").Value)
	if !filepath.IsAbs(dir) {
		return nil
	}
	dr := &inventory.DockerDataRoot{Dir: dir, Live: f.Live()}
	if dr.Live {
		p := f.ForProcess(c.PID, dir)
		if r, err := filepath.EvalSymlinks(p); err == nil {
			p = r
		}
		dr.Path = p
		st, err := f.Stat(p)
		if err != nil {
			dr.Absent = errors.Is(err, fs.ErrNotExist)
			dr.Error = unwrapPath(err).Error()
			return dr
		}
		dr.Parent = filepath.Dir(p)
		pst, err := f.Stat(dr.Parent)
		if err != nil {
			dr.ParentError = unwrapPath(err).Error()
			return dr
		}
		dev, ok1 := device(st)
		pdev, ok2 := device(pst)
		if !ok1 || !ok2 {
			dr.NoDevice = true
			return dr
		}
		dr.Dev, dr.ParentDev = dev, pdev
		mounts, _ := readMounts(f, "/proc/self/mountinfo")
		dr.Mount = mountPoint(mountOf(mounts, p))
		return dr
	}
	if _, err := f.Stat(dir); errors.Is(err, fs.ErrNotExist) {
		dr.Absent = true
	}
	dr.Root = f.Root
	for _, mi := range []string{"/proc/1/mountinfo", "/proc/self/mountinfo"} {
		mounts, err := readMounts(f, mi)
		if err != nil || len(mounts) == 0 {
			continue
		}
		m, pm := mountOf(mounts, dir), mountOf(mounts, filepath.Dir(dir))
		if m == nil || pm == nil {
			continue
		}
		dr.Table, dr.Mount, dr.ParentMount = mi, mountPoint(m), mountPoint(pm)
		break
	}
	return dr
}

func mountPoint(m *mount) *inventory.MountPoint {
	if m == nil {
		return nil
	}
	return &inventory.MountPoint{Dev: m.dev, Point: m.point, FSType: m.fstype, Source: m.source}
}

// contentTrust is every DOCKER_CONTENT_TRUST value /etc/environment sets,
// in order.
func contentTrust(f *host.FS) []string {
	const name = "DOCKER_CONTENT_TRUST"
	data, err := f.ReadFile("/etc/environment")
	if err != nil {
		return nil
	}
	var out []string
	for _, line := range strings.Split(string(data), "\n") {
		line = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(line), "export "))
		k, v, ok := strings.Cut(line, "=")
		if !ok || strings.TrimSpace(k) != name {
			continue
		}
		out = append(out, strings.Trim(strings.TrimSpace(v), `"'`))
	}
	return out
}

// readIDNames maps numeric IDs to names from /etc/passwd or /etc/group.
func readIDNames(f *host.FS, file string) map[uint32]string {
	m := map[uint32]string{}
	data, err := f.ReadFile(file)
	if err != nil {
		return m
	}
	for _, line := range strings.Split(string(data), "\n") {
		parts := strings.Split(line, ":")
		if len(parts) < 3 {
			continue
		}
		id, err := strconv.ParseUint(parts[2], 10, 32)
		if err != nil {
			continue
		}
		if _, dup := m[uint32(id)]; !dup {
			m[uint32(id)] = parts[0]
		}
	}
	return m
}

// hostsFiles reads the registry hosts.toml files of a containerd's config
// paths, as containerd sees them.
func (g *gatherer) hostsFiles(c *inventory.Component) {
	f := g.f
	for _, dir := range c.ContainerdConfigPaths() {
		matches, _ := filepath.Glob(f.Path(filepath.Join(f.ForProcess(c.PID, dir), "*", "hosts.toml")))
		sort.Strings(matches)
		for _, m := range matches {
			file := m
			if f.Root != "" && f.Root != "/" {
				file = "/" + strings.TrimPrefix(m, filepath.Clean(f.Root)+"/")
			}
			c.HostsFiles = append(c.HostsFiles, readHostsFile(f, file))
		}
	}
}

// readHostsFile reads one hosts.toml: top-level server and skip_verify,
// and every [host."URL"] table.
func readHostsFile(f *host.FS, file string) inventory.ContainerdHostsFile {
	h := inventory.ContainerdHostsFile{File: file}
	data, err := f.ReadFile(file)
	if err != nil {
		h.ReadError = unwrapPath(err).Error()
		return h
	}
	m := map[string]any{}
	if err := toml.Unmarshal(data, &m); err != nil {
		h.ParseError = err.Error()
		return h
	}
	h.Server, _ = m["server"].(string)
	h.SkipVerify, _ = m["skip_verify"].(bool)
	hosts, _ := m["host"].(map[string]any)
	names := make([]string, 0, len(hosts))
	for name := range hosts {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		ch := inventory.ContainerdHost{URL: name}
		if t, ok := hosts[name].(map[string]any); ok {
			ch.SkipVerify, _ = t["skip_verify"].(bool)
		}
		h.Hosts = append(h.Hosts, ch)
	}
	return h
}

func unwrapPath(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}
