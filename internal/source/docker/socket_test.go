package docker

import (
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/kubeward/kubeward/internal/inventory"
	"github.com/kubeward/kubeward/internal/source/host"
)

func TestParseHost(t *testing.T) {
	for _, tc := range []struct{ in, proto, addr string }{
		{"unix:///var/run/docker.sock", "unix", "/var/run/docker.sock"},
		{"unix://", "unix", DefaultSocket},
		{"tcp://0.0.0.0:2376", "tcp", "0.0.0.0:2376"},
		{"tcp://", "tcp", "localhost:2375"},
		{"127.0.0.1:2375", "tcp", "127.0.0.1:2375"},
		{":2375", "tcp", "0.0.0.0:2375"},
		{"fd://", "fd", ""},
		{"TCP://10.0.0.1:2375", "tcp", "10.0.0.1:2375"},
	} {
		l := ParseHost(tc.in)
		if l.Proto != tc.proto || l.Addr != tc.addr {
			t.Errorf("ParseHost(%q) = %s %s, want %s %s", tc.in, l.Proto, l.Addr, tc.proto, tc.addr)
		}
	}
}

func dockerd(args []string, cfg map[string]any) *inventory.Component {
	c := &inventory.Component{Kind: host.Dockerd, PID: 7, Source: "process", Args: append([]string{"dockerd"}, args...), Flags: host.ParseFlags(args), Config: cfg}
	if cfg != nil {
		c.ConfigFile = "/etc/docker/daemon.json"
	}
	return c
}

func TestHosts(t *testing.T) {
	cfg := map[string]any{"hosts": []any{"unix:///run/a.sock", "tcp://127.0.0.1:2375"}}
	for _, tc := range []struct {
		name  string
		c     *inventory.Component
		hosts []string
		from  string
	}{
		{"flags -H and --host", dockerd([]string{"-H", "unix:///x.sock", "--host=tcp://1.2.3.4:2375"}, nil), []string{"unix:///x.sock", "tcp://1.2.3.4:2375"}, "flag -H"},
		{"--host only", dockerd([]string{"--host", "unix:///x.sock"}, nil), []string{"unix:///x.sock"}, "flag --host"},
		{"flag wins over daemon.json", dockerd([]string{"-H", "unix:///x.sock"}, cfg), []string{"unix:///x.sock"}, "flag -H"},
		{"daemon.json", dockerd(nil, cfg), []string{"unix:///run/a.sock", "tcp://127.0.0.1:2375"}, "daemon.json key hosts"},
		{"default", dockerd(nil, map[string]any{}), []string{"unix:///var/run/docker.sock"}, "default"},
	} {
		hosts, from, _, _ := Hosts(tc.c)
		if !reflect.DeepEqual(hosts, tc.hosts) || from != tc.from {
			t.Errorf("%s: Hosts = %v (%s), want %v (%s)", tc.name, hosts, from, tc.hosts, tc.from)
		}
	}
}

func TestSocketActivation(t *testing.T) {
	root := t.TempDir()
	unit := filepath.Join(root, "lib/systemd/system/docker.socket")
	os.MkdirAll(filepath.Dir(unit), 0o755)
	os.WriteFile(unit, []byte("[Socket]\nListenStream=/run/docker.sock\nSocketMode=0660\n"), 0o644)
	drop := filepath.Join(root, "etc/systemd/system/docker.socket.d/tcp.conf")
	os.MkdirAll(filepath.Dir(drop), 0o755)
	os.WriteFile(drop, []byte("[Socket]\nListenStream=2375\n"), 0o644)
	f := &host.FS{Root: root}
	c := dockerd([]string{"-H", "fd://", "--containerd=/run/containerd/containerd.sock"}, nil)
	ls := Listeners(f, c)
	var got []string
	for _, l := range ls {
		got = append(got, l.String()+" "+l.From)
	}
	want := []string{
		"unix:///run/docker.sock systemd socket unit /lib/systemd/system/docker.socket",
		"tcp://0.0.0.0:2375 systemd socket unit /etc/systemd/system/docker.socket.d/tcp.conf",
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Listeners = %q, want %q", got, want)
	}
	if p, _ := SocketPath(f, c); p != "/run/docker.sock" {
		t.Errorf("SocketPath = %s", p)
	}
	// Without the unit, fd:// says nothing about the address: the default socket.
	if p, _ := SocketPath(&host.FS{Root: t.TempDir()}, c); p != DefaultSocket {
		t.Errorf("SocketPath without unit = %s", p)
	}
}
