package hostsec

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kubeward/kubeward/internal/catalog"
	"github.com/kubeward/kubeward/internal/check"
	_ "github.com/kubeward/kubeward/internal/check/controlplane" // registers the node checks
	"github.com/kubeward/kubeward/internal/config"
	"github.com/kubeward/kubeward/internal/inventory"
	"github.com/kubeward/kubeward/internal/result"
	"github.com/kubeward/kubeward/internal/source/host"
	nodesrc "github.com/kubeward/kubeward/internal/source/node"
)

// snapshot writes files under a temporary root: the audit reads it as a
// mounted host or an unpacked snapshot (not live: no command is run).
func snapshot(t *testing.T, files map[string]string) *host.FS {
	t.Helper()
	root := t.TempDir()
	for p, s := range files {
		full := filepath.Join(root, p)
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			t.Fatal(err)
		}
		mode := os.FileMode(0o644)
		if strings.Contains(p, "/sbin/") {
			mode = 0o755
		}
		if err := os.WriteFile(full, []byte(s), mode); err != nil {
			t.Fatal(err)
		}
	}
	return &host.FS{Root: root}
}

func evaluate(t *testing.T, f *host.FS, comps ...*inventory.Component) map[string][]result.Result {
	t.Helper()
	n := &inventory.Node{Hostname: "node-1", Root: f.Root, Components: comps}
	env := &check.Env{Config: config.Default(), Now: time.Now()}
	out := map[string][]result.Result{}
	for _, r := range check.EvaluateNode(env, nodesrc.Gather(f, n)) {
		out[r.ID] = append(out[r.ID], r)
	}
	return out
}

const (
	insecureConfig = "PasswordAuthentication yes\nPermitRootLogin yes\nPubkeyAuthentication no\nUsePAM yes\n"
	hardenedConfig = "# hardened\nPasswordAuthentication no\nKbdInteractiveAuthentication no\nPermitRootLogin no\nPubkeyAuthentication yes\n"
	matchConfig    = "PasswordAuthentication no\nChallengeResponseAuthentication no\nPermitRootLogin prohibit-password\n" +
		"Include /etc/ssh/sshd_config.d/*.conf\nMatch Address 192.168.0.0/16\n  PasswordAuthentication yes\n  PermitRootLogin yes\n"
	sshdTInsecure = "port 22\npermitrootlogin yes\npubkeyauthentication no\npasswordauthentication yes\nkbdinteractiveauthentication yes\n"
	sshdTHardened = "port 22\npermitrootlogin without-password\npubkeyauthentication yes\npasswordauthentication no\nkbdinteractiveauthentication no\n"
)

var sshIDs = []string{SSHPassword, SSHKbdInteractive, SSHRootLogin, SSHPubkey}

func TestSSHD(t *testing.T) {
	listener := func(title string) *inventory.Component {
		return &inventory.Component{Kind: host.SSHD, PID: 4242, Source: "process", Args: []string{title}}
	}
	type expect struct {
		status   result.Status
		evidence string // substring
		file     string
	}
	cases := []struct {
		name  string
		files map[string]string
		comps []*inventory.Component
		want  map[string]expect
	}{
		{"no sshd and no config", nil, nil, map[string]expect{
			SSHPassword: {result.NotApplicable, "", ""}, SSHKbdInteractive: {result.NotApplicable, "", ""},
			SSHRootLogin: {result.NotApplicable, "", ""}, SSHPubkey: {result.NotApplicable, "", ""}}},
		{"insecure config, sshd not running", map[string]string{"/etc/ssh/sshd_config": insecureConfig}, nil, map[string]expect{
			SSHPassword:       {result.Fail, "PasswordAuthentication yes (/etc/ssh/sshd_config:1)", "/etc/ssh/sshd_config"},
			SSHKbdInteractive: {result.Fail, "KbdInteractiveAuthentication yes (not set: OpenSSH default)", "/etc/ssh/sshd_config"},
			SSHRootLogin:      {result.Fail, "PermitRootLogin yes (/etc/ssh/sshd_config:2)", ""},
			SSHPubkey:         {result.Fail, "PubkeyAuthentication no (/etc/ssh/sshd_config:3)", ""}}},
		{"hardened config", map[string]string{"/etc/ssh/sshd_config": hardenedConfig}, nil, map[string]expect{
			SSHPassword: {result.Pass, "/etc/ssh/sshd_config:2", ""}, SSHKbdInteractive: {result.Pass, "/etc/ssh/sshd_config:3", ""},
			SSHRootLogin: {result.Pass, "PermitRootLogin no", ""}, SSHPubkey: {result.Pass, "PubkeyAuthentication yes", ""}}},
		{"Match blocks reopen passwords", map[string]string{"/etc/ssh/sshd_config": matchConfig,
			"/etc/ssh/sshd_config.d/legacy.conf": "Match Group legacy\nKbdInteractiveAuthentication yes\n"}, nil, map[string]expect{
			SSHPassword:       {result.Warn, "Match Address 192.168.0.0/16 (/etc/ssh/sshd_config:5) sets PasswordAuthentication yes at /etc/ssh/sshd_config:6", "/etc/ssh/sshd_config"},
			SSHKbdInteractive: {result.Warn, "Match Group legacy", "/etc/ssh/sshd_config.d/legacy.conf"},
			SSHRootLogin:      {result.Warn, "PermitRootLogin yes at /etc/ssh/sshd_config:7", ""},
			SSHPubkey:         {result.Pass, "not set: OpenSSH default", ""}}},
		{"captured sshd -T wins over the files", map[string]string{"/etc/ssh/sshd_config": hardenedConfig, "/kubeward/sshd-T.txt": sshdTInsecure}, nil, map[string]expect{
			SSHPassword: {result.Fail, "sshd -T captured in /kubeward/sshd-T.txt", ""}, SSHKbdInteractive: {result.Fail, "captured", ""},
			SSHRootLogin: {result.Fail, "captured", ""}, SSHPubkey: {result.Fail, "captured", ""}}},
		{"captured sshd -T hardened", map[string]string{"/etc/ssh/sshd_config": hardenedConfig, "/kubeward/sshd-T.txt": sshdTHardened}, nil, map[string]expect{
			SSHPassword: {result.Pass, "set at /etc/ssh/sshd_config:2", ""}, SSHKbdInteractive: {result.Pass, "captured", ""},
			SSHRootLogin: {result.Pass, "PermitRootLogin without-password", ""}, SSHPubkey: {result.Pass, "captured", ""}}},
		{"listener's own -f", map[string]string{"/etc/ssh/sshd_config": hardenedConfig, "/srv/sshd/alt_config": insecureConfig},
			[]*inventory.Component{listener("sshd: /usr/sbin/sshd -D -f /srv/sshd/alt_config [listener] 0 of 10-100 startups")}, map[string]expect{
				SSHPassword: {result.Fail, "/srv/sshd/alt_config:1", "/srv/sshd/alt_config"}, SSHKbdInteractive: {result.Fail, "pid 4242", "/srv/sshd/alt_config"},
				SSHRootLogin: {result.Fail, "", ""}, SSHPubkey: {result.Fail, "", ""}}},
		{"-o on the command line comes first", map[string]string{"/etc/ssh/sshd_config": insecureConfig},
			[]*inventory.Component{listener("sshd: /usr/sbin/sshd -D -o PasswordAuthentication=no [listener] 0 of 10-100 startups")}, map[string]expect{
				SSHPassword: {result.Pass, "command line -o", ""}, SSHRootLogin: {result.Fail, "", ""}}},
		{"config file named but missing", nil,
			[]*inventory.Component{listener("sshd: /usr/sbin/sshd -D -f /srv/none [listener] 0 of 10-100 startups")}, map[string]expect{
				SSHPassword: {result.Error, "", "/srv/none"}, SSHPubkey: {result.Error, "", "/srv/none"}}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			res := evaluate(t, snapshot(t, tc.files), tc.comps...)
			for id, w := range tc.want {
				rs := res[id]
				if len(rs) != 1 {
					t.Fatalf("%s: %d results: %+v", id, len(rs), rs)
				}
				r := rs[0]
				if r.Status != w.status || !strings.Contains(r.Evidence, w.evidence) || (w.file != "" && (r.Location == nil || r.Location.File != w.file)) {
					t.Errorf("%s: %s %q at %v, message %q; want %s %q at %q", id, r.Status, r.Evidence, r.Location, r.Message.EN, w.status, w.evidence, w.file)
				}
				if (r.Status == result.Fail || r.Status == result.Warn || r.Status == result.NotApplicable || r.Status == result.Error) && (r.Message.EN == "" || r.Message.ZH == "") {
					t.Errorf("%s: message not in both languages: %+v", id, r.Message)
				}
				if len(tc.comps) > 0 && r.Subject.Name != "node-1 (pid 4242)" {
					t.Errorf("%s: subject %+v", id, r.Subject)
				}
			}
		})
	}
}

const (
	iptRestrictive = "# Generated by iptables-save v1.8.9 (nf_tables)\n*filter\n:INPUT DROP [0:0]\n:FORWARD DROP [0:0]\n:OUTPUT ACCEPT [0:0]\n" +
		"-A INPUT -i lo -j ACCEPT\n-A INPUT -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT\n-A INPUT -p tcp -m tcp --dport 22 -j ACCEPT\n" +
		"-A INPUT -s 10.0.0.0/8 -p tcp -m multiport --dports 6443,10250 -j ACCEPT\nCOMMIT\n"
	ip6Restrictive  = "*filter\n:INPUT DROP [0:0]\n:FORWARD DROP [0:0]\n:OUTPUT ACCEPT [0:0]\n-A INPUT -i lo -j ACCEPT\nCOMMIT\n"
	iptOpen         = "*filter\n:INPUT ACCEPT [0:0]\n:FORWARD ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n-A INPUT -p tcp -m tcp --dport 10250 -j DROP\nCOMMIT\n"
	iptKubeProxyNAT = "*nat\n:PREROUTING ACCEPT [0:0]\n:KUBE-SERVICES - [0:0]\n:KUBE-NODEPORTS - [0:0]\n-A PREROUTING -j KUBE-SERVICES\n" +
		"-A KUBE-SERVICES -m addrtype --dst-type LOCAL -j KUBE-NODEPORTS\nCOMMIT\n"
	ifInet6Eth0    = "00000000000000000000000000000001 01 80 10 80       lo\nfe80000000000000449593fffed129b7 02 40 20 c0     eth0\n"
	nftRestrictive = "table inet filter {\n\tchain input {\n\t\ttype filter hook input priority filter; policy drop;\n" +
		"\t\tct state established,related accept\n\t\tiifname \"lo\" accept\n\t\tip saddr 10.0.0.0/8 accept\n\t}\n}\n"
)

func TestFirewall(t *testing.T) {
	cases := []struct {
		name     string
		files    map[string]string
		comps    []*inventory.Component
		status   result.Status
		message  string // substring of the English message
		evidence string
	}{
		{"no iptables or nft", nil, nil, result.NotApplicable, "neither iptables nor nftables is installed", ""},
		{"installed, not captured", map[string]string{"/usr/sbin/iptables": ""}, nil, result.Error, "no rules were captured", ""},
		{"empty ruleset", map[string]string{"/kubeward/iptables-save.txt": ""}, nil, result.Warn,
			"6443/tcp (API server), 2379-2380/tcp (etcd), 10250/tcp (kubelet), 10255/tcp (kubelet read-only), 10257/tcp (controller-manager), 10259/tcp (scheduler), 30000-32767/tcp (NodePort range);",
			"no filter rules on the input path for IPv4"},
		{"policy ACCEPT with one drop", map[string]string{"/kubeward/iptables-save.txt": iptOpen}, nil, result.Warn, "6443/tcp (API server), 2379-2380/tcp (etcd), 10255/tcp",
			`10250/tcp (kubelet): restricted by rule "-A INPUT -p tcp -m tcp --dport 10250 -j DROP" [/kubeward/iptables-save.txt:5]`},
		{"restrictive IPv4 and IPv6", map[string]string{"/kubeward/iptables-save.txt": iptRestrictive, "/kubeward/ip6tables-save.txt": ip6Restrictive, "/proc/net/if_inet6": ifInet6Eth0},
			nil, result.Pass, "", "6443/tcp (API server), 10250/tcp (kubelet): IPv4 restricted by policy DROP of filter INPUT [/kubeward/iptables-save.txt:3], accepted only from sources by"},
		{"IPv6 left open", map[string]string{"/kubeward/iptables-save.txt": iptRestrictive, "/proc/net/if_inet6": ifInet6Eth0}, nil, result.Warn,
			"6443/tcp (API server) [IPv6]", "IPv6 OPEN: no filter rules on the input path for IPv6"},
		{"nftables inet", map[string]string{"/kubeward/nft-ruleset.txt": nftRestrictive, "/proc/net/if_inet6": ifInet6Eth0}, nil, result.Pass, "",
			"IPv4 restricted by policy DROP of inet filter input [/kubeward/nft-ruleset.txt:3], accepted only from sources by \"ip saddr 10.0.0.0/8 accept\""},
		{"NodePorts behind kube-proxy", map[string]string{"/kubeward/iptables-save.txt": iptRestrictive + iptKubeProxyNAT}, nil, result.Warn,
			"no host firewall rule restricts who can connect to 30000-32767/tcp (NodePort range);", "kube-proxy DNATs these connections to pods before filter INPUT"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			res := evaluate(t, snapshot(t, tc.files), tc.comps...)[FirewallPorts]
			if len(res) != 1 {
				t.Fatalf("%d results: %+v", len(res), res)
			}
			r := res[0]
			if r.Status != tc.status || !strings.Contains(r.Message.EN, tc.message) || !strings.Contains(r.Evidence, tc.evidence) {
				t.Errorf("got %s\n message %q\n evidence %q\nwant %s %q %q", r.Status, r.Message.EN, r.Evidence, tc.status, tc.message, tc.evidence)
			}
			if r.Status != result.Pass && (r.Message.EN == "" || r.Message.ZH == "") {
				t.Errorf("message not in both languages: %+v", r.Message)
			}
		})
	}
}

func TestCatalogue(t *testing.T) {
	for _, id := range append(sshIDs, FirewallPorts) {
		e := catalog.Get(id)
		if e == nil {
			t.Fatalf("%s not registered", id)
		}
		item := map[bool]string{true: "5.2", false: "5.1"}[strings.HasPrefix(id, "KW-SSH")]
		if e.Item != item || len(e.Scope) != 1 || e.Scope[0] != "node" || e.Title.ZH == "" || e.Remediation.ZH == "" {
			t.Errorf("%s: %+v", id, e)
		}
	}
}
