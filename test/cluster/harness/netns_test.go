package harness

import (
	"context"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"
)

func testNetns(t *testing.T) *netns {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("network namespaces need root")
	}
	if _, err := exec.LookPath("ip"); err != nil {
		t.Skip("ip (iproute2) not installed")
	}
	ns, err := newNetns(fmt.Sprintf("kw-test-%d", os.Getpid()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := ns.delete(); err != nil {
			t.Error(err)
		}
	})
	return ns
}

// echo serves one greeting per connection on l.
func echo(l net.Listener, greeting string) {
	for {
		c, err := l.Accept()
		if err != nil {
			return
		}
		_, _ = io.WriteString(c, greeting)
		c.Close()
	}
}

func read(t *testing.T, c net.Conn) string {
	t.Helper()
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(5 * time.Second))
	b, err := io.ReadAll(c)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestNetnsForwarderReachesHostLoopback(t *testing.T) {
	ns := testNetns(t)
	host, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer host.Close()
	go echo(host, "host")

	fwd, err := ns.forward(host.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	conn, err := ns.DialContext(context.Background(), "tcp", host.Addr().String())
	if err != nil {
		t.Fatalf("dial from the namespace: %v", err)
	}
	if got := read(t, conn); got != "host" {
		t.Errorf("through the forwarder got %q", got)
	}
	if err := fwd.Close(); err != nil {
		t.Errorf("close: %v", err)
	}
	if c, err := ns.DialContext(context.Background(), "tcp", host.Addr().String()); err == nil {
		c.Close()
		t.Error("the namespace still reaches the host after the forwarder closed")
	}
}

func TestNetnsWildcardListenerStaysInside(t *testing.T) {
	ns := testNetns(t)
	var l net.Listener
	if err := ns.do(func() error {
		var err error
		l, err = net.Listen("tcp", "0.0.0.0:0")
		return err
	}); err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	go echo(l, "inside")
	port := l.Addr().(*net.TCPAddr).Port
	addr := fmt.Sprintf("127.0.0.1:%d", port)

	conn, err := ns.DialContext(context.Background(), "tcp", addr)
	if err != nil {
		t.Fatalf("dial inside the namespace: %v", err)
	}
	if got := read(t, conn); got != "inside" {
		t.Errorf("inside got %q", got)
	}
	// From the host the port is closed (or, by chance, someone else's).
	if c, err := net.DialTimeout("tcp", addr, time.Second); err == nil {
		got := read(t, c)
		if got == "inside" {
			t.Error("a listener on 0.0.0.0 in the namespace is reachable from the host")
		}
	}
	out, err := exec.Command("ip", "-n", ns.name, "-o", "link").CombinedOutput()
	if err != nil {
		t.Fatal(err)
	}
	if links := strings.Count(strings.TrimSpace(string(out)), "\n") + 1; links != 1 || !strings.Contains(string(out), "lo:") {
		t.Errorf("the namespace holds more than loopback:\n%s", out)
	}
}

func TestNetnsCommandRunsInsideWithItsOwnPID(t *testing.T) {
	ns := testNetns(t)
	path, args := ns.command("/bin/sh", []string{"-c", "echo $$; readlink /proc/self/ns/net"})
	cmd := exec.Command(path, args...)
	var out strings.Builder
	cmd.Stdout = &out
	if err := cmd.Run(); err != nil {
		t.Fatal(err)
	}
	lines := strings.Fields(out.String())
	if len(lines) != 2 {
		t.Fatalf("output: %q", out.String())
	}
	// nsenter execs the command: the PID the harness records is the component's.
	if lines[0] != fmt.Sprint(cmd.Process.Pid) {
		t.Errorf("the command ran as pid %s, started as %d", lines[0], cmd.Process.Pid)
	}
	if self, _ := os.Readlink("/proc/self/ns/net"); lines[1] == self {
		t.Errorf("the command ran in the host's network namespace (%s)", self)
	}
}
