package e2e

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestHostSSHD runs the real sshd: `sshd -T -f CONFIG` on an insecure, a
// hardened and a Match configuration, then a real listener started with
// -f CONFIG -h KEY, which `kubeward scan node` must find in /proc and audit
// through `sshd -T` with that listener's own flags.
func TestHostSSHD(t *testing.T) {
	bins := hostNeed(t, "sshd", "ssh-keygen")
	sshd := bins["sshd"]
	bin := hostKubeward(t)
	ownPrivsep := hostPrivsepDir(t)
	dir := t.TempDir()
	key := filepath.Join(dir, "ssh_host_ed25519_key")
	hostRun(t, bins["ssh-keygen"], "-q", "-t", "ed25519", "-N", "", "-f", key)

	ids := []string{"KW-SSH-001", "KW-SSH-002", "KW-SSH-003", "KW-SSH-004"}
	profiles := []struct {
		name   string
		config string            // %[1]d port, %[2]s profile directory
		files  map[string]string // more files in the profile directory
		sshdT  map[string]string // what the real sshd -T must print
		status map[string]string // what kubeward must report
		detail map[string]string // substrings of the evidence
	}{
		{
			name: "insecure",
			config: "Port %[1]d\nListenAddress 127.0.0.1\nPidFile %[2]s/sshd.pid\n" +
				"PasswordAuthentication yes\nKbdInteractiveAuthentication yes\nPermitRootLogin yes\nPubkeyAuthentication no\n",
			sshdT:  map[string]string{"passwordauthentication": "yes", "kbdinteractiveauthentication": "yes", "permitrootlogin": "yes", "pubkeyauthentication": "no"},
			status: map[string]string{"KW-SSH-001": "FAIL", "KW-SSH-002": "FAIL", "KW-SSH-003": "FAIL", "KW-SSH-004": "FAIL"},
			detail: map[string]string{"KW-SSH-001": "PasswordAuthentication yes", "KW-SSH-004": "PubkeyAuthentication no"},
		},
		{
			// The drop-in is read first, so it wins over the lines after the
			// Include, exactly as sshd does.
			name: "hardened",
			config: "Port %[1]d\nListenAddress 127.0.0.1\nPidFile %[2]s/sshd.pid\nInclude %[2]s/sshd_config.d/*.conf\n" +
				"PasswordAuthentication yes\nPermitRootLogin yes\n",
			files:  map[string]string{"sshd_config.d/00-keys-only.conf": "PasswordAuthentication no\nkbdinteractiveauthentication=no\nPermitRootLogin no\nPubkeyAuthentication yes\n"},
			sshdT:  map[string]string{"passwordauthentication": "no", "kbdinteractiveauthentication": "no", "permitrootlogin": "no", "pubkeyauthentication": "yes"},
			status: map[string]string{"KW-SSH-001": "PASS", "KW-SSH-002": "PASS", "KW-SSH-003": "PASS", "KW-SSH-004": "PASS"},
			detail: map[string]string{"KW-SSH-001": "00-keys-only.conf:1", "KW-SSH-003": "00-keys-only.conf:3"},
		},
		{
			// Keys only for everyone but one user.
			name: "match",
			config: "Port %[1]d\nListenAddress 127.0.0.1\nPidFile %[2]s/sshd.pid\n" +
				"PasswordAuthentication no\nChallengeResponseAuthentication no\nPermitRootLogin prohibit-password\n" +
				"Match User deploy\n\tPasswordAuthentication yes\n",
			sshdT:  map[string]string{"passwordauthentication": "no", "kbdinteractiveauthentication": "no", "permitrootlogin": "without-password", "pubkeyauthentication": "yes"},
			status: map[string]string{"KW-SSH-001": "WARN", "KW-SSH-002": "PASS", "KW-SSH-003": "PASS", "KW-SSH-004": "PASS"},
			detail: map[string]string{"KW-SSH-001": "Match User deploy", "KW-SSH-002": "KbdInteractiveAuthentication no"},
		},
	}
	for _, p := range profiles {
		t.Run(p.name, func(t *testing.T) {
			pdir := filepath.Join(dir, p.name)
			port := hostFreePort(t)
			config := filepath.Join(pdir, "sshd_config")
			hostWrite(t, config, fmt.Sprintf(p.config, port, pdir), 0o644)
			for name, data := range p.files {
				hostWrite(t, filepath.Join(pdir, name), data, 0o644)
			}

			// The real program's answer for this configuration.
			got := hostSSHDT(t, sshd, "-f", config, "-h", key)
			for k, want := range p.sshdT {
				if got[k] != want {
					t.Errorf("sshd -T: %s = %q, want %q", k, got[k], want)
				}
			}
			if p.name == "match" {
				deploy := hostSSHDT(t, sshd, "-f", config, "-h", key, "-C", "user=deploy,host=client,addr=192.0.2.7,laddr=127.0.0.1,lport="+fmt.Sprint(port))
				if deploy["passwordauthentication"] != "yes" {
					t.Errorf("sshd -T -C user=deploy: passwordauthentication = %q, want yes", deploy["passwordauthentication"])
				}
			}

			l := hostStartSSHD(t, sshd, config, key, filepath.Join(pdir, "sshd.log"), port)
			subject := fmt.Sprintf("(pid %d)", l.pid())
			check := func(results []hostResult, via string) {
				t.Helper()
				for _, id := range ids {
					var mine []hostResult
					for _, r := range hostResultsOf(results, id) {
						if strings.HasSuffix(r.Subject.Name, subject) {
							mine = append(mine, r)
						}
					}
					if len(mine) != 1 {
						t.Errorf("%s: %d results for the listener %s: %v", id, len(mine), subject, hostResultsOf(results, id))
						continue
					}
					r := mine[0]
					if r.Status != p.status[id] || !strings.Contains(r.Evidence, via) || !strings.Contains(r.Evidence, p.detail[id]) {
						t.Errorf("%s: got %s\n  want %s, evidence with %q and %q", id, r, p.status[id], via, p.detail[id])
					}
				}
			}
			// kubeward reads the listener's -f and -h from /proc and asks sshd itself.
			check(hostScan(t, bin), fmt.Sprintf("sshd -T -f %s -h %s", config, key))

			// Without its privilege separation directory sshd -T refuses to
			// run: kubeward then parses the files itself and must agree.
			if ownPrivsep {
				if err := os.Remove("/run/sshd"); err != nil {
					t.Fatal(err)
				}
				results := hostScan(t, bin)
				if err := os.MkdirAll("/run/sshd", 0o755); err != nil {
					t.Fatal(err)
				}
				check(results, "parsed the files")
			} else {
				t.Log("/run/sshd belongs to the host: file-parsing fallback not exercised here")
			}
		})
	}
}

// TestHostFirewall loads real rulesets into a fresh network namespace and
// runs `ip netns exec NS kubeward scan node` there. A second namespace,
// linked by a veth pair, checks with real connections that what kubeward
// calls open is open and what it calls restricted is dropped.
func TestHostFirewall(t *testing.T) {
	bins := hostNeed(t, "ip", "iptables-save", "iptables-restore", "ip6tables-save", "ip6tables-restore", "nft", "bash", "timeout")
	ip := bins["ip"]
	bin := hostKubeward(t)
	node := hostNetns(t, ip)
	client := hostNetns(t, ip)
	in := func(argv ...string) string { return hostInNetns(t, ip, node, argv...) }
	in(ip, "link", "set", "lo", "up")
	hostInNetns(t, ip, client, ip, "link", "set", "lo", "up")

	veth := true
	if out, err := hostTry(ip, "netns", "exec", node, ip, "link", "add", "kwn0", "type", "veth", "peer", "name", "kwc0"); err != nil {
		t.Logf("no veth pair (%v: %s): scanning only, no IPv6 and no connection checks", err, strings.TrimSpace(out))
		veth = false
	} else {
		in(ip, "link", "set", "kwc0", "netns", client)
		in(ip, "addr", "add", "192.0.2.1/24", "dev", "kwn0")
		in(ip, "-6", "addr", "add", "2001:db8:1::1/64", "dev", "kwn0", "nodad")
		in(ip, "link", "set", "kwn0", "up")
		hostInNetns(t, ip, client, ip, "addr", "add", "192.0.2.2/24", "dev", "kwc0")
		hostInNetns(t, ip, client, ip, "-6", "addr", "add", "2001:db8:1::2/64", "dev", "kwc0", "nodad")
		hostInNetns(t, ip, client, ip, "link", "set", "kwc0", "up")
	}
	scan := func() hostResult {
		t.Helper()
		rs := hostResultsOf(hostScan(t, bin, ip, "netns", "exec", node), "KW-FW-001")
		if len(rs) != 1 {
			t.Fatalf("KW-FW-001: %d results: %v", len(rs), rs)
		}
		return rs[0]
	}
	reach := func(addr string, port int, want string) {
		t.Helper()
		if !veth {
			return
		}
		if got := hostConnect(t, ip, client, addr, port); got != want {
			t.Errorf("connection from %s to %s port %d: %s, want %s", client, addr, port, got, want)
		}
	}
	allPorts := []string{"6443/tcp (API server)", "2379-2380/tcp (etcd)", "10250/tcp (kubelet)", "10255/tcp (kubelet read-only)",
		"10257/tcp (controller-manager)", "10259/tcp (scheduler)", "30000-32767/tcp (NodePort range)"}

	t.Run("empty ruleset", func(t *testing.T) {
		r := scan()
		if r.Status != "WARN" {
			t.Fatalf("got %s", r)
		}
		for _, p := range allPorts {
			if !strings.Contains(r.Message, p) {
				t.Errorf("message does not list %s: %s", p, r.Message)
			}
		}
		if !strings.Contains(r.Evidence, "no filter rules on the input path for IPv4") {
			t.Errorf("evidence: %s", r.Evidence)
		}
		reach("192.0.2.1", 6443, "open")
		reach("192.0.2.1", 10250, "open")
	})

	v4 := `*filter
:INPUT DROP [0:0]
:FORWARD DROP [0:0]
:OUTPUT ACCEPT [0:0]
:K8S - [0:0]
-A INPUT -i lo -j ACCEPT
-A INPUT -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT
-A INPUT -p icmp -j ACCEPT
-A INPUT -p tcp -m tcp --dport 22 -j ACCEPT
-A INPUT -p tcp -m multiport --dports 6443,2379:2380,10250,10255,10257,10259 -j K8S
-A INPUT -s 10.0.0.0/8 -p tcp -m tcp --dport 30000:32767 -j ACCEPT
-A K8S -s 10.0.0.0/8 -m comment --comment "cluster nodes" -j ACCEPT
-A K8S -j LOG --log-prefix "k8s denied: "
-A K8S -j DROP
COMMIT
`
	v6 := `*filter
:INPUT DROP [0:0]
:FORWARD DROP [0:0]
:OUTPUT ACCEPT [0:0]
-A INPUT -i lo -j ACCEPT
-A INPUT -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT
-A INPUT -p ipv6-icmp -j ACCEPT
-A INPUT -s fd00::/8 -p tcp -m multiport --dports 6443,10250 -j ACCEPT
-A INPUT -p tcp -m tcp --dport 22 -j ACCEPT
COMMIT
`
	t.Run("iptables restrictive", func(t *testing.T) {
		hostRunStdin(t, v4, ip, "netns", "exec", node, bins["iptables-restore"])
		hostRunStdin(t, v6, ip, "netns", "exec", node, bins["ip6tables-restore"])
		r := scan()
		if r.Status != "PASS" {
			t.Fatalf("got %s", r)
		}
		for _, want := range []string{`restricted by rule "-A K8S -j DROP"`, `accepted only from sources by "-A K8S -s 10.0.0.0/8`,
			"restricted by policy DROP of filter INPUT", "-s 10.0.0.0/8 -p tcp -m tcp --dport 30000:32767 -j ACCEPT"} {
			if !strings.Contains(r.Evidence, want) {
				t.Errorf("evidence lacks %q: %s", want, r.Evidence)
			}
		}
		if veth && !strings.Contains(r.Evidence, "IPv6 restricted by policy DROP of filter INPUT") {
			t.Errorf("IPv6 not checked: %s", r.Evidence)
		}
		reach("192.0.2.1", 6443, "filtered")
		reach("192.0.2.1", 30080, "filtered")
		reach("192.0.2.1", 22, "open")
		reach("2001:db8:1::1", 10250, "filtered")
	})

	if veth {
		t.Run("IPv6 forgotten", func(t *testing.T) {
			hostRunStdin(t, "*filter\n:INPUT ACCEPT [0:0]\n:FORWARD ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\nCOMMIT\n", ip, "netns", "exec", node, bins["ip6tables-restore"])
			r := scan()
			if r.Status != "WARN" || !strings.Contains(r.Message, "6443/tcp (API server) [IPv6]") || !strings.Contains(r.Evidence, "IPv6 checked: addresses on kwn0") {
				t.Errorf("got %s", r)
			}
			reach("2001:db8:1::1", 10250, "open")
			reach("192.0.2.1", 10250, "filtered")
		})
	}

	nftRules := `flush ruleset
table inet filter {
	set admins {
		type ipv4_addr
		flags interval
		elements = { 10.0.0.0/8, 192.168.10.0/24 }
	}
	chain input {
		type filter hook input priority filter; policy drop;
		ct state vmap { established : accept, related : accept, invalid : drop }
		iifname "lo" accept
		meta l4proto { icmp, ipv6-icmp } accept
		tcp dport 22 accept
		ip saddr @admins tcp dport { 2379-2380, 6443, 10250, 10255, 10257, 10259 } accept
		ip6 saddr fd00::/8 tcp dport 6443 accept
		tcp dport 30000-32767 jump nodeports
	}
	chain nodeports {
		ip saddr @admins accept
		%s
	}
}
`
	t.Run("nftables with a NodePort opened to all", func(t *testing.T) {
		hostRunStdin(t, fmt.Sprintf(nftRules, "tcp dport 30080 accept"), ip, "netns", "exec", node, bins["nft"], "-f", "-")
		if out := in(bins["iptables-save"]); strings.Contains(out, "*filter") {
			t.Fatalf("iptables rules left after nft flush ruleset:\n%s", out)
		}
		r := scan()
		want := "30000-32767/tcp (NodePort range) [IPv4 30080"
		if r.Status != "WARN" || !strings.Contains(r.Message, want) || strings.Contains(r.Message, "6443") {
			t.Errorf("got %s\nwant WARN naming %q only", r, want)
		}
		if !strings.Contains(r.Evidence, `accepted by rule "tcp dport 30080 accept"`) {
			t.Errorf("evidence: %s", r.Evidence)
		}
		reach("192.0.2.1", 30080, "open")
		reach("192.0.2.1", 30081, "filtered")
		reach("192.0.2.1", 10250, "filtered")
	})

	t.Run("nftables restrictive", func(t *testing.T) {
		hostRunStdin(t, fmt.Sprintf(nftRules, "counter drop"), ip, "netns", "exec", node, bins["nft"], "-f", "-")
		r := scan()
		if r.Status != "PASS" || !strings.Contains(r.Evidence, "policy DROP of inet filter input") ||
			!strings.Contains(r.Evidence, `accepted only from sources by "ip saddr @admins tcp dport`) {
			t.Errorf("got %s", r)
		}
		reach("192.0.2.1", 30080, "filtered")
		reach("192.0.2.1", 6443, "filtered")
	})
}
