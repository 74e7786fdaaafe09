package hostfix

import (
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kubeward/kubeward/internal/source/firewall"
)

func testFirewall(t *testing.T) *Firewall {
	allow, err := ParseAllowFrom([]string{"10.0.0.0/8, 192.168.1.7", "fd00::/8"})
	if err != nil {
		t.Fatal(err)
	}
	return &Firewall{Allow: allow, SSHPort: 22, KeepSources: []net.IP{SSHSource("203.0.113.9 50000 10.0.0.1 22")}}
}

// TestRulesRestrictEveryPort: the check's own parser and analysis find
// every sensitive port restricted by the generated rules, in both forms.
func TestRulesRestrictEveryPort(t *testing.T) {
	f := testFirewall(t)
	nft := firewall.ParseNFT([]byte(f.NFT()), "kubeward.nft", nil)
	if len(nft.Skipped) > 0 {
		t.Errorf("nft lines not understood: %v", nft.Skipped)
	}
	ipt := firewall.ParseIPTablesSave([]byte(f.IPTables(false)), firewall.IPv4, "iptables", "kubeward.rules")
	ip6 := firewall.ParseIPTablesSave([]byte(f.IPTables(true)), firewall.IPv6, "ip6tables", "kubeward6.rules")
	for name, rs := range map[string][]*firewall.Ruleset{"nft": {nft}, "iptables": {ipt, ip6}} {
		for _, v := range firewall.Analyze(rs, firewall.IPv4|firewall.IPv6, firewall.SensitivePorts) {
			if !v.Restricted() {
				t.Errorf("%s: %s is open: %+v", name, v.Port, v.Decisions)
			}
		}
	}
	for _, want := range []string{"10.0.0.0/8", "192.168.1.7/32", "203.0.113.9/32", "fd00::/8", "tcp dport 22 accept", "30000-32767"} {
		if !strings.Contains(f.NFT(), want) {
			t.Errorf("nft lacks %q", want)
		}
	}
}

func TestParseAllowFrom(t *testing.T) {
	for _, bad := range []string{"10.0.0.0/33", "nope", "1.2.3"} {
		if _, err := ParseAllowFrom([]string{bad}); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
	if SSHSource("") != nil || SSHSource("x y") != nil {
		t.Error("SSHSource of nothing")
	}
}

// TestNFTValidates runs nft -c on the ruleset (needs nft and CAP_NET_ADMIN;
// skipped otherwise).
func TestNFTValidates(t *testing.T) {
	nft, err := exec.LookPath("nft")
	if err != nil {
		t.Skip("nft not installed")
	}
	if os.Geteuid() != 0 {
		t.Skip("nft -c needs root")
	}
	p := filepath.Join(t.TempDir(), "kubeward.nft")
	if err := os.WriteFile(p, []byte(testFirewall(t).NFT()), 0o600); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command(nft, "-c", "-f", p).CombinedOutput(); err != nil {
		t.Fatalf("nft -c: %v: %s", err, out)
	}
	empty := &Firewall{}
	if err := os.WriteFile(p, []byte(empty.NFT()), 0o600); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command(nft, "-c", "-f", p).CombinedOutput(); err != nil {
		t.Fatalf("nft -c (no networks allowed): %v: %s", err, out)
	}
}

func TestIPTablesValidates(t *testing.T) {
	bin, err := exec.LookPath("iptables-restore")
	if err != nil || os.Geteuid() != 0 {
		t.Skip("iptables-restore not installed or not root")
	}
	cmd := exec.Command(bin, "--test", "--noflush")
	cmd.Stdin = strings.NewReader(testFirewall(t).IPTables(false))
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("iptables-restore --test: %v: %s", err, out)
	}
}

// TestSSHDDropInValidates runs sshd -t on the drop-in (skipped without
// sshd).
func TestSSHDDropInValidates(t *testing.T) {
	sshd, err := exec.LookPath("sshd")
	if err != nil {
		t.Skip("sshd not installed")
	}
	if _, err := exec.LookPath("ssh-keygen"); err != nil {
		t.Skip("ssh-keygen not installed")
	}
	if _, err := os.Stat("/run/sshd"); err != nil {
		t.Skip("sshd -t needs its privilege separation directory /run/sshd")
	}
	for _, root := range []string{"no", "prohibit-password"} {
		d, err := SSHDDropIn(root)
		if err != nil {
			t.Fatal(err)
		}
		if err := ValidateSSHD(sshd, d); err != nil {
			t.Error(err)
		}
	}
	if err := ValidateSSHD(sshd, []byte("PasswordAuthentication maybe\n")); err == nil {
		t.Error("sshd -t accepted a bad value")
	}
	if _, err := SSHDDropIn("yes"); err == nil {
		t.Error("PermitRootLogin yes accepted")
	}
}

// FuzzParseAllowFrom: what it accepts renders into rules the firewall
// parser reads without skipping a line.
func FuzzParseAllowFrom(f *testing.F) {
	f.Add("10.0.0.0/8,192.168.1.1")
	f.Add("fd00::/8")
	f.Fuzz(func(t *testing.T, s string) {
		allow, err := ParseAllowFrom([]string{s})
		if err != nil {
			return
		}
		fw := &Firewall{Allow: allow, SSHPort: 22}
		if rs := firewall.ParseNFT([]byte(fw.NFT()), "f.nft", nil); len(rs.Skipped) > 0 {
			t.Fatalf("%q: nft lines not understood: %v", s, rs.Skipped)
		}
	})
}
