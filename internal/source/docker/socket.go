package docker

import (
	"fmt"
	"path/filepath"
	"strings"

	"github.com/kubeward/kubeward/internal/inventory"
	"github.com/kubeward/kubeward/internal/source/host"
)

// DefaultSocket is where dockerd listens without -H or "hosts".
const DefaultSocket = "/var/run/docker.sock"

// ParseHost reads one -H / "hosts" value as dockerd does: unix://PATH,
// tcp://HOST:PORT, fd://, npipe://; a bare HOST:PORT or :PORT is TCP.
func ParseHost(raw string) Listener {
	h := strings.TrimSpace(raw)
	l := Listener{Raw: raw}
	scheme, rest, ok := strings.Cut(h, "://")
	if !ok {
		scheme, rest = "tcp", h
	}
	l.Proto = strings.ToLower(scheme)
	switch l.Proto {
	case "unix":
		l.Addr = rest
		if l.Addr == "" {
			l.Addr = DefaultSocket
		}
	case "tcp":
		l.Addr = rest
		if l.Addr == "" {
			l.Addr = "localhost:2375"
		} else if strings.HasPrefix(l.Addr, ":") {
			l.Addr = "0.0.0.0" + l.Addr
		}
	default:
		l.Addr = rest
	}
	return l
}

// Hosts returns the raw -H/--host values of dockerd, or its daemon.json
// "hosts" (dockerd refuses to start with both), with where they came from.
func Hosts(c *inventory.Component) (hosts []string, from, file, key string) {
	flagged := append(append([]string{}, c.Flags["H"]...), c.Flags["host"]...)
	if len(flagged) > 0 {
		name := "-H"
		if len(c.Flags["H"]) == 0 {
			name = "--host"
		}
		return flagged, "flag " + name, c.Origin(), name
	}
	if v, ok := c.ConfigValue("hosts"); ok && v != nil {
		switch t := v.(type) {
		case []any:
			for _, e := range t {
				hosts = append(hosts, fmt.Sprint(e))
			}
		case string:
			hosts = []string{t}
		}
		if len(hosts) > 0 {
			return hosts, "daemon.json key hosts", c.ConfigFile, "hosts"
		}
	}
	file = c.Origin()
	if c.ConfigFile != "" {
		file = c.ConfigFile
	}
	return []string{"unix://" + DefaultSocket}, "default", file, "hosts"
}

// Listeners resolves every address dockerd serves its API on. fd:// means
// systemd socket activation: the addresses are the socket unit's
// ListenStream lines.
func Listeners(f *host.FS, c *inventory.Component) []Listener {
	raw, from, file, key := Hosts(c)
	var out []Listener
	for _, h := range raw {
		l := ParseHost(h)
		l.From, l.File, l.Key = from, file, key
		if l.Proto == "fd" {
			if units := socketUnitListeners(f); len(units) > 0 {
				out = append(out, units...)
				continue
			}
		}
		out = append(out, l)
	}
	return out
}

var socketUnitDirs = []string{"/etc/systemd/system", "/run/systemd/system", "/lib/systemd/system", "/usr/lib/systemd/system"}

// socketUnitListeners reads docker.socket's ListenStream lines (the first
// unit directory holding the unit wins, as systemd's precedence; drop-ins
// may add lines, and an empty ListenStream= resets the list).
func socketUnitListeners(f *host.FS) []Listener {
	var files []string
	for _, d := range socketUnitDirs {
		p := filepath.Join(d, "docker.socket")
		if _, err := f.Stat(p); err == nil {
			files = append(files, p)
			break
		}
	}
	for _, d := range socketUnitDirs {
		drops, _ := filepath.Glob(f.Path(filepath.Join(d, "docker.socket.d", "*.conf")))
		for _, p := range drops {
			if f.Root != "" && f.Root != "/" {
				p = "/" + strings.TrimPrefix(p, filepath.Clean(f.Root)+"/")
			}
			files = append(files, p)
		}
	}
	var out []Listener
	for _, file := range files {
		data, err := f.ReadFile(file)
		if err != nil {
			continue
		}
		for _, line := range strings.Split(string(data), "\n") {
			k, v, ok := strings.Cut(strings.TrimSpace(line), "=")
			if !ok || strings.TrimSpace(k) != "ListenStream" {
				continue
			}
			v = strings.TrimSpace(v)
			if v == "" {
				out = nil
				continue
			}
			l := Listener{Raw: v, From: "systemd socket unit " + file, File: file, Key: "ListenStream"}
			if strings.HasPrefix(v, "/") || strings.HasPrefix(v, "@") {
				l.Proto, l.Addr = "unix", v
			} else {
				l.Proto, l.Addr = "tcp", v
				if !strings.Contains(v, ":") {
					l.Addr = "0.0.0.0:" + v
				}
			}
			out = append(out, l)
		}
	}
	return out
}

// SocketPath is the unix socket to query dockerd's API on: the first unix
// listener it has, else the default.
func SocketPath(f *host.FS, c *inventory.Component) (path, from string) {
	for _, l := range Listeners(f, c) {
		if l.Proto == "unix" {
			return l.Addr, l.From
		}
	}
	return DefaultSocket, "default"
}
