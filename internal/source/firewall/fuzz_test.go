package firewall

import "testing"

// The rulesets come from the audited host or a snapshot: arbitrary text must
// give a ruleset or nothing, never a panic, and the analysis must run on it.
func FuzzParseIPTablesSave(f *testing.F) {
	f.Add([]byte("*filter\n:INPUT DROP [0:0]\n-A INPUT -p tcp -m tcp --dport 6443 -s 10.0.0.0/8 -j ACCEPT\n-A INPUT -p tcp -m multiport --dports 10250,10255:10259 -j DROP\nCOMMIT\n"))
	f.Add([]byte("*nat\n:KUBE-NODEPORTS - [0:0]\n-A PREROUTING -m addrtype --dst-type LOCAL -j KUBE-NODEPORTS\nCOMMIT\n*filter\n-A INPUT ! -s 127.0.0.1 -p tcp --dport 2379:2380 -j REJECT\nCOMMIT\n"))
	f.Add([]byte("-A INPUT -j\n*filter\n-A -p tcp --dport"))
	f.Fuzz(func(t *testing.T, data []byte) {
		rs := ParseIPTablesSave(data, IPv4, "iptables-save", "fuzz")
		if rs == nil {
			return
		}
		Analyze([]*Ruleset{rs}, IPv4, SensitivePorts)
	})
}

func FuzzParseNFT(f *testing.F) {
	f.Add([]byte("table inet filter {\n\tchain input {\n\t\ttype filter hook input priority filter; policy drop;\n\t\ttcp dport { 6443, 10250 } ip saddr 10.0.0.0/8 accept\n\t}\n}\n"))
	f.Add([]byte("table ip nat {\n\tset s {\n\t\ttype ipv4_addr\n\t\telements = { 10.0.0.1, 10.0.0.2 }\n\t}\n\tchain c { tcp dport 30000-32767 drop; }\n}\n"))
	f.Add([]byte("table {\n chain { type filter hook input priority -1; policy accept;\n tcp dport @"))
	f.Fuzz(func(t *testing.T, data []byte) {
		rs := ParseNFT(data, "fuzz", nil)
		if rs == nil {
			return
		}
		Analyze([]*Ruleset{rs}, AnyFamily, SensitivePorts)
	})
}
