package harness

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"sync"

	"golang.org/x/sys/unix"
)

// netns is a network namespace that holds nothing but a loopback interface.
// A component started in it can bind every interface (0.0.0.0, as an insecure
// control plane does) and still be reachable only from inside the namespace,
// so the sandbox's loopback-only rule holds.
type netns struct {
	name string
	path string
}

func newNetns(name string) (*netns, error) {
	_ = exec.Command("ip", "netns", "del", name).Run() // a leftover of a killed run
	for _, args := range [][]string{{"netns", "add", name}, {"-n", name, "link", "set", "lo", "up"}} {
		if out, err := exec.Command("ip", args...).CombinedOutput(); err != nil {
			return nil, fmt.Errorf("harness: ip %s: %w: %s", strings.Join(args, " "), err, strings.TrimSpace(string(out)))
		}
	}
	return &netns{name: name, path: "/run/netns/" + name}, nil
}

func (n *netns) delete() error {
	if out, err := exec.Command("ip", "netns", "del", n.name).CombinedOutput(); err != nil {
		return fmt.Errorf("harness: ip netns del %s: %w: %s", n.name, err, strings.TrimSpace(string(out)))
	}
	return nil
}

// command wraps bin so that it runs in the namespace. nsenter joins only the
// network namespace and then execs bin, so the process keeps its PID and its
// own command line in /proc, as the audit needs.
func (n *netns) command(bin string, args []string) (string, []string) {
	return "nsenter", append([]string{"--net=" + n.path, "--", bin}, args...)
}

// do runs fn on an OS thread that has joined the namespace; sockets fn opens
// stay in the namespace whichever thread later uses them. The thread returns
// to its own namespace afterwards. It must not simply be left to die: a
// component started from it (exec on that thread, Pdeathsig) would be killed
// with it. Only if it cannot return is it kept locked, so Go discards it.
func (n *netns) do(fn func() error) error {
	errc := make(chan error, 1)
	go func() {
		runtime.LockOSThread()
		home, err := os.Open("/proc/thread-self/ns/net")
		if err != nil {
			runtime.UnlockOSThread()
			errc <- err
			return
		}
		defer home.Close()
		target, err := os.Open(n.path)
		if err != nil {
			runtime.UnlockOSThread()
			errc <- err
			return
		}
		defer target.Close()
		if err := unix.Setns(int(target.Fd()), unix.CLONE_NEWNET); err != nil {
			runtime.UnlockOSThread()
			errc <- fmt.Errorf("setns %s: %w", n.path, err)
			return
		}
		err = fn()
		if unix.Setns(int(home.Fd()), unix.CLONE_NEWNET) == nil {
			runtime.UnlockOSThread()
		}
		errc <- err
	}()
	return <-errc
}

// DialContext opens a connection from inside the namespace.
func (n *netns) DialContext(ctx context.Context, network, addr string) (net.Conn, error) {
	var conn net.Conn
	err := n.do(func() error {
		var d net.Dialer
		var err error
		conn, err = d.DialContext(ctx, network, addr)
		return err
	})
	return conn, err
}

// forwarder carries TCP connections made to an address inside a namespace to
// the same address on the host's loopback (the components in the namespace
// reach the apiserver this way).
type forwarder struct {
	l     net.Listener
	wg    sync.WaitGroup
	mu    sync.Mutex
	conns map[net.Conn]struct{}
}

func (n *netns) forward(addr string) (*forwarder, error) {
	var l net.Listener
	if err := n.do(func() error {
		var err error
		l, err = net.Listen("tcp", addr)
		return err
	}); err != nil {
		return nil, fmt.Errorf("harness: forwarder on %s in netns %s: %w", addr, n.name, err)
	}
	f := &forwarder{l: l, conns: map[net.Conn]struct{}{}}
	f.wg.Add(1)
	go func() {
		defer f.wg.Done()
		for {
			in, err := l.Accept()
			if err != nil {
				return
			}
			f.wg.Add(1)
			go func() {
				defer f.wg.Done()
				f.pipe(in, addr)
			}()
		}
	}()
	return f, nil
}

func (f *forwarder) track(c net.Conn, add bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if add {
		f.conns[c] = struct{}{}
	} else {
		delete(f.conns, c)
	}
}

func (f *forwarder) pipe(in net.Conn, addr string) {
	defer in.Close()
	out, err := net.Dial("tcp", addr) // this goroutine's thread is in the host namespace
	if err != nil {
		return
	}
	defer out.Close()
	f.track(in, true)
	f.track(out, true)
	defer f.track(in, false)
	defer f.track(out, false)
	done := make(chan struct{}, 2)
	copyHalf := func(dst, src net.Conn) {
		_, _ = io.Copy(dst, src)
		if tc, ok := dst.(*net.TCPConn); ok {
			_ = tc.CloseWrite()
		}
		done <- struct{}{}
	}
	go copyHalf(out, in)
	go copyHalf(in, out)
	<-done
	<-done
}

// Close stops accepting, cuts open connections and waits for the copies.
func (f *forwarder) Close() error {
	err := f.l.Close()
	f.mu.Lock()
	for c := range f.conns {
		_ = c.Close()
	}
	f.mu.Unlock()
	f.wg.Wait()
	if errors.Is(err, net.ErrClosed) {
		return nil
	}
	return err
}
