package firewall

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func fixture(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// want is the expected outcome of one port in one family: restricted or
// not, and a substring of the explanation.
type want struct {
	port       string // label
	fam        Family
	restricted bool
	by         string
	allowed    string // substring of one allow-list rule, if any
}

func verdictOf(t *testing.T, vs []PortVerdict, label string, fam Family) []Decision {
	t.Helper()
	for _, v := range vs {
		if v.Port.Label == label {
			var out []Decision
			for _, d := range v.Decisions {
				if d.Family == fam {
					out = append(out, d)
				}
			}
			return out
		}
	}
	t.Fatalf("no verdict for %s", label)
	return nil
}

func checkWants(t *testing.T, vs []PortVerdict, wants []want) {
	t.Helper()
	for _, w := range wants {
		ds := verdictOf(t, vs, w.port, w.fam)
		if len(ds) == 0 {
			t.Errorf("%s %s: no decision", w.port, w.fam)
			continue
		}
		found := false
		for _, d := range ds {
			if d.Restricted == w.restricted && strings.Contains(d.By, w.by) &&
				(w.allowed == "" || strings.Contains(strings.Join(d.Allowed, "\n"), w.allowed)) {
				found = true
			}
		}
		if !found {
			t.Errorf("%s %s: want restricted=%v by %q allowed %q; got %+v", w.port, w.fam, w.restricted, w.by, w.allowed, ds)
		}
	}
}

func TestIPTablesRestrictive(t *testing.T) {
	v4 := ParseIPTablesSave(fixture(t, "iptables-restrictive.txt"), IPv4, "iptables", "iptables-save")
	v6 := ParseIPTablesSave(fixture(t, "ip6tables-restrictive.txt"), IPv6, "ip6tables", "ip6tables-save")
	if v4.Variant != "nf_tables" || len(v4.Input) != 1 || v4.Input[0].Name != "filter INPUT" {
		t.Fatalf("parsed %+v", v4)
	}
	vs := Analyze([]*Ruleset{v4, v6}, AnyFamily, SensitivePorts)
	for _, v := range vs {
		if !v.Restricted() {
			t.Errorf("%s not restricted: %+v", v.Port, v.Decisions)
		}
	}
	checkWants(t, vs, []want{
		{"API server", IPv4, true, `rule "-A K8S-CONTROL -j DROP" [iptables-save:17]`, "192.168.10.0/24"},
		{"API server", IPv6, true, "policy DROP of filter INPUT [ip6tables-save:3]", "fd00::/8"},
		{"etcd", IPv4, true, "-A K8S-CONTROL -j DROP", "cluster nodes"},
		{"kubelet read-only", IPv4, true, "--dport 10255 -j REJECT", ""},
		{"NodePort range", IPv4, true, "policy DROP of filter INPUT", "--dport 30000:32767"},
		{"NodePort range", IPv6, true, "policy DROP", ""},
	})
}

func TestIPTablesLeaky(t *testing.T) {
	rs := ParseIPTablesSave(fixture(t, "iptables-ufw-leaky.txt"), IPv4, "iptables", "iptables-save")
	vs := Analyze([]*Ruleset{rs}, IPv4, SensitivePorts)
	checkWants(t, vs, []want{
		// ufw-before-input RETURNs local traffic, then ufw-user-input opens 6443 to all.
		{"API server", IPv4, false, "--dport 6443 -j ACCEPT", ""},
		// ! -s 10.0.0.0/8 ... -j DROP: everyone else is dropped.
		{"etcd", IPv4, true, "! -s 10.0.0.0/8", ""},
		// The source-port-53 rule lets anyone in who picks source port 53.
		{"kubelet", IPv4, false, "--sport 53 -j ACCEPT", ""},
		{"scheduler", IPv4, false, "--sport 53", ""},
	})
	// Only 30080 and 30443 are opened explicitly: the range is split there.
	np := verdictOf(t, vs, "NodePort range", IPv4)
	var opened []string
	for _, d := range np {
		if strings.Contains(d.By, "--dports 30080,30443") {
			opened = append(opened, d.Range.String())
		}
	}
	if strings.Join(opened, ",") != "30080,30443" {
		t.Errorf("NodePort decisions: %+v", np)
	}
}

func TestIPTablesEmptyAndAcceptAll(t *testing.T) {
	empty := ParseIPTablesSave(nil, IPv4, "iptables", "iptables-save")
	for _, v := range Analyze([]*Ruleset{empty}, IPv4, SensitivePorts) {
		if v.Restricted() || !strings.Contains(v.Decisions[0].By, "no filter rules") {
			t.Errorf("empty: %+v", v)
		}
	}
	all := ParseIPTablesSave([]byte("*filter\n:INPUT DROP [0:0]\n-A INPUT -j ACCEPT\nCOMMIT\n"), IPv4, "iptables", "x")
	for _, v := range Analyze([]*Ruleset{all}, IPv4, SensitivePorts) {
		if v.Restricted() || !strings.Contains(v.Decisions[0].By, `accepted by rule "-A INPUT -j ACCEPT" [x:3]`) {
			t.Errorf("accept all: %+v", v.Decisions)
		}
	}
}

func TestKubeProxyHost(t *testing.T) {
	// A node with kube-proxy and no firewall of its own: everything is open,
	// kube-proxy's own KUBE-FIREWALL drop (to 127.0.0.0/8) restricts nothing.
	rs := ParseIPTablesSave(fixture(t, "iptables-kube-proxy.txt"), IPv4, "iptables", "iptables-save")
	if !rs.KubeProxy {
		t.Error("kube-proxy NAT not detected")
	}
	for _, v := range Analyze([]*Ruleset{rs}, IPv4, SensitivePorts) {
		if v.Restricted() {
			t.Errorf("%s restricted: %+v", v.Port, v.Decisions)
		}
	}
	// iptables-nft tables appear in nft output too; they are read once.
	nft := ParseNFT(fixture(t, "nft-kube-proxy.txt"), "nft", func(fam, table string) bool {
		for _, tb := range rs.Tables {
			if tb == fam+" "+table {
				return true
			}
		}
		return false
	})
	for _, tb := range nft.Tables {
		if tb == "ip filter" || tb == "ip nat" {
			t.Errorf("table %s read twice", tb)
		}
	}
}

func TestNodePortsBehindKubeProxyDNAT(t *testing.T) {
	rs := ParseIPTablesSave([]byte("*filter\n:INPUT DROP [0:0]\nCOMMIT\n*raw\n:PREROUTING ACCEPT [0:0]\n-A PREROUTING -p tcp -m tcp --dport 30000:30999 -j DROP\nCOMMIT\n"), IPv4, "iptables", "x")
	ports := []Port{{Range: PortRange{30000, 32767}, Label: "NodePort range", PreDNATOnly: true}, {Range: PortRange{6443, 6443}, Label: "API server", PreDNATOnly: false}}
	vs := Analyze([]*Ruleset{rs}, IPv4, ports)
	np := verdictOf(t, vs, "NodePort range", IPv4)
	if len(np) != 2 || !np[0].Restricted || !strings.Contains(np[0].By, "-A PREROUTING") || np[1].Restricted || !strings.Contains(np[1].By, "kube-proxy DNATs") {
		t.Errorf("NodePorts: %+v", np)
	}
	if !vs[1].Restricted() {
		t.Errorf("API server: %+v", vs[1])
	}
}

func TestNFTRestrictive(t *testing.T) {
	rs := ParseNFT(fixture(t, "nft-restrictive.txt"), "nft list ruleset", nil)
	var names []string
	for _, c := range rs.Input {
		names = append(names, c.Name)
	}
	if got := strings.Join(names, ","); got != "ip raw prerouting,inet filter input" {
		t.Fatalf("input chains %s (dormant table and forward must be left out)", got)
	}
	vs := Analyze([]*Ruleset{rs}, AnyFamily, SensitivePorts)
	checkWants(t, vs, []want{
		{"API server", IPv4, true, `"counter packets 0 bytes 0 drop" [nft list ruleset:17]`, "ip saddr @admins tcp dport { 6443, 10250 } accept"},
		{"API server", IPv6, true, "counter packets 0 bytes 0 drop", "fd00::/8"},
		{"etcd", IPv4, true, `log prefix \"etcd-denied \" drop`, "ip saddr 10.0.0.0/8 accept"},
		{"etcd", IPv6, true, "log prefix", ""},
		{"kubelet read-only", IPv4, true, "tcp dport 10255 drop", ""},
		{"NodePort range", IPv4, true, "ip saddr != 10.0.0.0/8 drop", ""},
		// ip saddr matches IPv4 only: IPv6 clients reach the final accept.
		{"NodePort range", IPv6, false, `accepted by rule "accept" [nft list ruleset:27]`, ""},
	})
}

func TestNFTOpen(t *testing.T) {
	rs := ParseNFT(fixture(t, "nft-open.txt"), "nft", nil)
	vs := Analyze([]*Ruleset{rs}, IPv4, SensitivePorts)
	checkWants(t, vs, []want{
		{"kubelet", IPv4, true, "tcp dport 10250 drop", "ip saddr 10.0.0.0/8 tcp dport 10250 accept"},
		{"API server", IPv4, false, "tcp dport 6443 ct state new accept", ""},
		// The rate-limited accept may accept: it opens the port.
		{"etcd", IPv4, false, "limit rate 10/second accept", ""},
		// A drop on a mark kubeward cannot know restricts nothing.
		{"etcd", IPv4, false, "no rule drops it and the policy is ACCEPT: inet filter input", ""},
		{"scheduler", IPv4, false, "policy is ACCEPT", ""},
	})
}

func TestNFTFromIPTablesNFT(t *testing.T) {
	// The same rules as iptables-restrictive.txt, as nft prints them.
	rs := ParseNFT(fixture(t, "nft-iptables-nft.txt"), "nft", nil)
	vs := Analyze([]*Ruleset{rs}, AnyFamily, SensitivePorts)
	for _, v := range vs {
		if !v.Restricted() {
			t.Errorf("%s: %+v", v.Port, v.Decisions)
		}
	}
	checkWants(t, vs, []want{
		{"API server", IPv4, true, "counter packets 0 bytes 0 drop", "ip saddr 192.168.10.0/24 tcp dport 6443"},
		{"kubelet read-only", IPv4, true, "reject with tcp reset", ""},
	})
}

// TestWalk covers the evaluation rules on hand-written chains.
func TestWalk(t *testing.T) {
	ipt := func(rules string) *Ruleset {
		return ParseIPTablesSave([]byte("*filter\n:INPUT ACCEPT [0:0]\n:A - [0:0]\n:B - [0:0]\n"+rules+"COMMIT\n"), IPv4, "iptables", "t")
	}
	port := []Port{{Range: PortRange{6443, 6443}, Label: "api"}}
	cases := []struct {
		name       string
		rules      string
		restricted bool
		by         string
	}{
		{"drop after maybe-return is not certain",
			"-A INPUT -j A\n-A A -m mark --mark 0x1 -j RETURN\n-A A -j DROP\n", false, "policy is ACCEPT"},
		{"return then drop in caller",
			"-A INPUT -j A\n-A INPUT -j DROP\n-A A -m mark --mark 0x1 -j RETURN\n-A A -p tcp --dport 22 -j ACCEPT\n", true, `"-A INPUT -j DROP"`},
		{"maybe-jump into a drop restricts nothing",
			"-A INPUT -m recent --rcheck -j A\n-A A -j DROP\n", false, "policy is ACCEPT"},
		{"maybe-jump into an accept opens",
			"-A INPUT -m recent --rcheck -j A\n-A A -j ACCEPT\n-A INPUT -j DROP\n", false, `accepted by rule "-A A -j ACCEPT"`},
		{"goto falls through to the caller's caller",
			"-A INPUT -j A\n-A INPUT -j DROP\n-A A -g B\n-A A -j ACCEPT\n-A B -p udp -j ACCEPT\n", true, `"-A INPUT -j DROP"`},
		{"udp rule does not open tcp", "-A INPUT -p udp --dport 6443 -j ACCEPT\n-A INPUT -j DROP\n", true, "-A INPUT -j DROP"},
		{"negated port", "-A INPUT -p tcp ! --dport 6443 -j ACCEPT\n-A INPUT -p tcp ! --dport 22 -j DROP\n", true, "! --dport 22"},
		{"loopback only accept", "-A INPUT -i lo -j ACCEPT\n-A INPUT -d 127.0.0.1/32 -j ACCEPT\n-A INPUT -j DROP\n", true, "-A INPUT -j DROP"},
		{"interface accept may match", "-A INPUT -i eth1 -j ACCEPT\n-A INPUT -j DROP\n", false, "-i eth1"},
		{"established only", "-A INPUT -m state --state ESTABLISHED -j ACCEPT\n-A INPUT -j REJECT\n", true, "REJECT"},
		{"new connections accepted", "-A INPUT -m conntrack --ctstate NEW,ESTABLISHED -p tcp --dport 6443 -j ACCEPT\n-A INPUT -j DROP\n", false, "--ctstate NEW"},
		{"ipset allow list", "-A INPUT -m set --match-set admins src -j ACCEPT\n-A INPUT -j DROP\n", true, "-A INPUT -j DROP"},
		{"queue may accept", "-A INPUT -p tcp --dport 6443 -j NFQUEUE --queue-num 1\n-A INPUT -j DROP\n", false, "NFQUEUE"},
		{"LOG continues", "-A INPUT -j LOG\n-A INPUT -j DROP\n", true, "-A INPUT -j DROP"},
		{"old negation syntax", "-A INPUT -s ! 10.0.0.0/8 -j DROP\n", true, "-s ! 10.0.0.0/8"},
		{"0.0.0.0/0 is anywhere", "-A INPUT -s 0.0.0.0/0 -p tcp -m tcp --dport 6443 -j ACCEPT\n-A INPUT -j DROP\n", false, "0.0.0.0/0"},
		{"port range", "-A INPUT -p tcp --dport 6000:7000 -j DROP\n", true, "6000:7000"},
		{"counters prefix", "[1:60] -A INPUT -p tcp -m tcp --dport 6443 -j DROP\n", true, `"-A INPUT -p tcp -m tcp --dport 6443 -j DROP"`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			vs := Analyze([]*Ruleset{ipt(tc.rules)}, IPv4, port)
			d := vs[0].Decisions[0]
			if d.Restricted != tc.restricted || !strings.Contains(d.By, tc.by) {
				t.Errorf("restricted=%v by %q; want %v containing %q", d.Restricted, d.By, tc.restricted, tc.by)
			}
		})
	}
}

func TestNFTExpressions(t *testing.T) {
	wrap := func(body string) []byte {
		return []byte("table inet f {\n\tset s { type ipv4_addr; elements = { 10.0.0.1 } }\n\tmap m { type inet_service : verdict; elements = { 6443 : drop } }\n" +
			"\tchain input {\n\t\ttype filter hook input priority 0; policy accept;\n" + body + "\n\t}\n\tchain c {\n\t\tdrop\n\t}\n}\n")
	}
	port := []Port{{Range: PortRange{6443, 6443}, Label: "api"}}
	cases := []struct {
		name, body string
		restricted bool
	}{
		{"th dport range", "th dport 6000-7000 drop", true},
		{"meta l4proto udp", "meta l4proto udp th dport 6443 drop", false},
		{"less than", "tcp dport < 10000 drop", true},
		{"greater than", "tcp dport > 10000 drop", false},
		{"set of ports", "tcp dport { 22, 6443 } reject with icmpx type admin-prohibited", true},
		{"named set source", "ip saddr @s accept\n\t\tdrop", true},
		{"named verdict map", "tcp dport vmap @m", true},
		{"goto", "tcp dport 6443 goto c", true},
		{"iif lo", `iif "lo" accept` + "\n\t\tdrop", true},
		{"iifname not lo", `iifname != "lo" tcp dport 6443 drop`, true},
		{"fib local", "fib daddr type local tcp dport 6443 drop", true},
		{"fib broadcast", "fib daddr type broadcast drop", false},
		{"nfproto ipv6 only", "meta nfproto ipv6 drop", false},
		{"ct state new", "ct state new tcp dport 6443 drop", true},
		{"ct state set", "ct state { established, related } drop", false},
		{"unknown expression", "socket transparent 1 drop", false},
		{"pkttype", "meta pkttype host drop", true},
		{"concatenation", "ip saddr . tcp dport { 10.0.0.1 . 6443 } accept\n\t\tdrop", true},
		{"comment and counter", `counter packets 5 bytes 300 comment "x" drop`, true},
		{"log then drop", `log prefix "dropped: " level info flags all drop`, true},
		{"daddr loopback", "ip daddr 127.0.0.1 drop", false},
		{"service name", "tcp dport kubernetes drop", true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			rs := ParseNFT(wrap("\t\t"+tc.body), "t", nil)
			vs := Analyze([]*Ruleset{rs}, IPv4, port)
			if d := vs[0].Decisions[0]; d.Restricted != tc.restricted {
				t.Errorf("restricted=%v (%s); want %v; rules %+v", d.Restricted, d.By, tc.restricted, rs.Input[0].Rules)
			}
		})
	}
}

func TestNFTPriorities(t *testing.T) {
	for _, tc := range []struct {
		header string
		input  bool
	}{
		{"type filter hook input priority filter;", true},
		{"type filter hook prerouting priority raw;", true},
		{"type filter hook prerouting priority -150;", true},
		{"type filter hook prerouting priority dstnat;", false},
		{"type filter hook prerouting priority mangle + 60;", false},
		{"type nat hook prerouting priority dstnat;", false},
		{"type filter hook forward priority filter;", false},
		{"type filter hook ingress device eth0 priority 0;", false},
	} {
		rs := ParseNFT([]byte("table ip t {\n\tchain c {\n\t\t"+tc.header+" policy drop;\n\t}\n}\n"), "t", nil)
		if got := len(rs.Input) == 1; got != tc.input {
			t.Errorf("%s: on input path %v, want %v", tc.header, got, tc.input)
		}
	}
}

func TestSplitAndMerge(t *testing.T) {
	rs := ParseIPTablesSave([]byte("*filter\n:INPUT DROP [0:0]\n-A INPUT -p tcp --dport 30100:30199 -j ACCEPT\n-A INPUT -p tcp --dport 30150 -j ACCEPT\nCOMMIT\n"), IPv4, "iptables", "x")
	vs := Analyze([]*Ruleset{rs}, IPv4, []Port{{Range: PortRange{30000, 32767}, Label: "np"}})
	var got []string
	for _, d := range vs[0].Decisions {
		got = append(got, d.Range.String())
	}
	// 30150 is accepted by the first rule like its neighbours: one open range.
	if strings.Join(got, ",") != "30000-30099,30100-30199,30200-32767" {
		t.Errorf("ranges %v", got)
	}
}

func TestFamilies(t *testing.T) {
	dir := t.TempDir()
	write := func(name, s string) {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	f := hostFS(dir)
	if fam, note := families(f, nil); fam != IPv4 || !strings.Contains(note, "no IPv6 address or rules") {
		t.Errorf("snapshot without /proc/net: %v %s", fam, note)
	}
	write("proc/net/if_inet6", "00000000000000000000000000000001 01 80 10 80       lo\n")
	if fam, _ := families(f, nil); fam != IPv4 {
		t.Errorf("loopback only: %v", fam)
	}
	write("proc/net/if_inet6", "00000000000000000000000000000001 01 80 10 80       lo\nfe80000000000000449593fffed129b7 02 40 20 c0     eth0\n")
	if fam, note := families(f, nil); fam != AnyFamily || !strings.Contains(note, "eth0") {
		t.Errorf("eth0: %v %s", fam, note)
	}
}
