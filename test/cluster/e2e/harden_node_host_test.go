package e2e

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/kubeward/kubeward/test/cluster/harness"
)

// TestHardenNodeSSHDAndFirewall: `kubeward harden node --allow-from` on
// this host writes an sshd drop-in (kubeward itself runs sshd -t on it)
// and firewall rules. A real sshd started with the drop-in in a private
// network namespace passes the sshd checks; the nftables file loads in
// that namespace (nft -f) and, from a second namespace, a connection to
// the API server port from a source that is not allowed is refused, a
// NodePort is dropped, SSH still connects, and the allowed source reaches
// both.
func TestHardenNodeSSHDAndFirewall(t *testing.T) {
	bins := hostNeed(t, "sshd", "ssh-keygen", "nft", "ip", "nsenter")
	hostPrivsepDir(t)
	bin := kubewardBin(t)
	work := t.TempDir()
	out := filepath.Join(work, "out")
	const allowed = "10.99.1.0/24"
	cmd := exec.Command(bin, "harden", "node", "--out", out, "--allow-from", allowed, "--permit-root-login", "no")
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("kubeward harden node: %v\n%s\n%s", err, stdout.String(), stderr.String())
	}
	if strings.Contains(stderr.String(), "not validated") {
		t.Errorf("kubeward did not run sshd -t: %s", stderr.String())
	}
	dropIn := filepath.Join(out, "ssh", "sshd_config.d", "50-kubeward.conf")
	nftFile := filepath.Join(out, "firewall", "kubeward.nft")
	for _, f := range []string{dropIn, nftFile, filepath.Join(out, "firewall", "kubeward.iptables")} {
		if _, err := os.Stat(f); err != nil {
			t.Fatalf("harden node wrote no %s (this host's sshd and firewall checks must fail or warn for the test):\n%s", f, stdout.String())
		}
	}
	if out, err := exec.Command(bins["nft"], "-c", "-f", nftFile).CombinedOutput(); err != nil {
		t.Fatalf("nft -c -f %s: %v\n%s", nftFile, err, out)
	}

	pair, err := harness.NewNetPair(fmt.Sprintf("kwfw%d", os.Getpid()%10000))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := pair.Close(); err != nil {
			t.Error(err)
		}
	})

	// sshd with the drop-in, on port 22 of the server namespace.
	key := filepath.Join(work, "host_key")
	hostRun(t, bins["ssh-keygen"], "-q", "-t", "ed25519", "-N", "", "-f", key)
	config := filepath.Join(work, "sshd_config")
	writeFileT(t, config, fmt.Sprintf("Include %s\nPort 22\nListenAddress 0.0.0.0\nPidFile %s/sshd.pid\nHostKey %s\n", dropIn, work, key))
	if out, err := exec.Command(bins["sshd"], "-t", "-f", config).CombinedOutput(); err != nil {
		t.Fatalf("sshd -t with the drop-in: %v\n%s", err, out)
	}
	sshd := pair.ServerCommand(bins["sshd"], "-D", "-f", config, "-E", filepath.Join(work, "sshd.log"))
	if err := sshd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = sshd.Process.Signal(syscall.SIGTERM)
		_ = sshd.Wait()
	})
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	server := pair.ServerIPs[0]
	refused, permitted := pair.ClientIPs[0], pair.ClientIPs[1]
	waitFor(t, "sshd in the server namespace", func() bool {
		c, err := pair.Dial(ctx, refused, server+":22")
		if err == nil {
			c.Close()
		}
		return err == nil
	})
	// The sshd checks pass on this sshd.
	pid := fmt.Sprintf("(pid %d)", sshd.Process.Pid)
	seen := 0
	for _, r := range hostScan(t, bin) {
		if strings.HasPrefix(r.ID, "KW-SSH-") && strings.HasSuffix(r.Subject.Name, pid) {
			seen++
			if r.Status != "PASS" {
				t.Errorf("sshd with the drop-in: %s", r)
			}
		}
	}
	if seen != 4 {
		t.Errorf("%d KW-SSH results for the sshd %s, want 4", seen, pid)
	}

	// Listeners on the API server port and a NodePort, then the rules.
	for _, port := range []string{"6443", "30080"} {
		l, err := pair.Listen(":" + port)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { l.Close() })
		go func() {
			for {
				c, err := l.Accept()
				if err != nil {
					return
				}
				c.Close()
			}
		}()
	}
	dial := func(from, port string) error {
		c, err := pair.Dial(ctx2(ctx, 3*time.Second), from, server+":"+port)
		if err == nil {
			c.Close()
		}
		return err
	}
	// Before the rules, every source connects: the refusals below are the
	// rules' doing.
	for _, port := range []string{"6443", "30080"} {
		if err := dial(refused, port); err != nil {
			t.Fatalf("%s from %s before the rules: %v", port, refused, err)
		}
	}
	load := pair.ServerCommand(bins["nft"], "-f", nftFile)
	if out, err := load.CombinedOutput(); err != nil {
		t.Fatalf("nft -f in the server namespace: %v\n%s", err, out)
	}
	if err := dial(refused, "6443"); !errors.Is(err, syscall.ECONNREFUSED) {
		t.Errorf("6443 from %s (not in %s): %v, want connection refused", refused, allowed, err)
	}
	if err := dial(refused, "30080"); err == nil {
		t.Errorf("NodePort 30080 from %s (not in %s) connected", refused, allowed)
	}
	if err := dial(permitted, "6443"); err != nil {
		t.Errorf("6443 from %s (in %s): %v", permitted, allowed, err)
	}
	if err := dial(permitted, "30080"); err != nil {
		t.Errorf("NodePort 30080 from %s (in %s): %v", permitted, allowed, err)
	}
	// SSH still connects from the refused source, and speaks SSH.
	c, err := pair.Dial(ctx, refused, server+":22")
	if err != nil {
		t.Fatalf("SSH from %s after the rules: %v", refused, err)
	}
	defer c.Close()
	_ = c.SetReadDeadline(time.Now().Add(10 * time.Second))
	banner, err := bufio.NewReader(c).ReadString('\n')
	if err != nil || !strings.HasPrefix(banner, "SSH-2.0-") {
		t.Errorf("SSH banner: %q %v", banner, err)
	}
}

func ctx2(parent context.Context, d time.Duration) context.Context {
	ctx, cancel := context.WithTimeout(parent, d)
	go func() { <-ctx.Done(); cancel() }()
	return ctx
}

func writeFileT(t *testing.T, path, data string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(data), 0o600); err != nil {
		t.Fatal(err)
	}
}
