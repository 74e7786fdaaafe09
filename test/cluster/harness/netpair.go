package harness

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os/exec"
	"strings"
)

// NetPair is two private network namespaces joined by a veth pair, for
// tests of host firewall rules: a server namespace (addresses ServerIPs)
// and a client namespace (ClientIPs, one per subnet of the server's), so a
// test can connect from an allowed and from a refused source. Nothing in
// them reaches the host's network.
type NetPair struct {
	server, client *netns
	ServerIPs      []string
	ClientIPs      []string
}

// NewNetPair creates the namespaces <name>-s and <name>-c (root only).
// Subnets are 10.99.0.0/24 and 10.99.1.0/24: the server is .1 in both, the
// client .2.
func NewNetPair(name string) (*NetPair, error) {
	s, err := newNetns(name + "-s")
	if err != nil {
		return nil, err
	}
	c, err := newNetns(name + "-c")
	if err != nil {
		_ = s.delete()
		return nil, err
	}
	p := &NetPair{server: s, client: c, ServerIPs: []string{"10.99.0.1", "10.99.1.1"}, ClientIPs: []string{"10.99.0.2", "10.99.1.2"}}
	vs, vc := "kwv"+short(name)+"s", "kwv"+short(name)+"c"
	steps := [][]string{
		{"link", "add", vs, "type", "veth", "peer", "name", vc},
		{"link", "set", vs, "netns", s.name},
		{"link", "set", vc, "netns", c.name},
		{"-n", s.name, "addr", "add", "10.99.0.1/24", "dev", vs},
		{"-n", s.name, "addr", "add", "10.99.1.1/24", "dev", vs},
		{"-n", c.name, "addr", "add", "10.99.0.2/24", "dev", vc},
		{"-n", c.name, "addr", "add", "10.99.1.2/24", "dev", vc},
		{"-n", s.name, "link", "set", vs, "up"},
		{"-n", c.name, "link", "set", vc, "up"},
	}
	for _, a := range steps {
		if out, err := exec.Command("ip", a...).CombinedOutput(); err != nil {
			_ = p.Close()
			return nil, fmt.Errorf("harness: ip %s: %w: %s", strings.Join(a, " "), err, strings.TrimSpace(string(out)))
		}
	}
	return p, nil
}

func short(name string) string {
	if len(name) > 8 {
		return name[:8]
	}
	return name
}

// ServerCommand runs bin inside the server namespace.
func (p *NetPair) ServerCommand(bin string, args ...string) *exec.Cmd {
	path, argv := p.server.command(bin, args)
	return exec.Command(path, argv...)
}

// Listen listens on addr inside the server namespace.
func (p *NetPair) Listen(addr string) (net.Listener, error) {
	var l net.Listener
	err := p.server.do(func() error {
		var err error
		l, err = net.Listen("tcp", addr)
		return err
	})
	return l, err
}

// Dial connects to addr from the client namespace, from the local address
// from (one of ClientIPs).
func (p *NetPair) Dial(ctx context.Context, from, addr string) (net.Conn, error) {
	var conn net.Conn
	err := p.client.do(func() error {
		d := net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(from)}}
		var err error
		conn, err = d.DialContext(ctx, "tcp", addr)
		return err
	})
	return conn, err
}

// Close deletes both namespaces (and so the veth pair).
func (p *NetPair) Close() error {
	return errors.Join(p.server.delete(), p.client.delete())
}
