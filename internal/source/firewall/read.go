package firewall

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/kubeward/kubeward/internal/source/host"
)

// Filter is what the audit could read of a node's packet filter.
type Filter struct {
	Rulesets []*Ruleset
	// Installed is false when neither iptables nor nft is on the node and
	// nothing was captured.
	Installed bool
	// Tools lists the programs found or captured outputs read.
	Tools []string
	// Errors are commands that failed or outputs that could not be read.
	Errors []string
	// Families are the address families a remote client can use: IPv4,
	// and IPv6 when the node has an IPv6 address beyond loopback.
	Families Family
	// IPv6Note says why IPv6 is or is not checked.
	IPv6Note string
}

// Timeout bounds each command.
var Timeout = 20 * time.Second

// commands are the programs that print the rules, with their capture files.
var commands = []struct {
	bin     string
	args    []string
	capture string
}{
	{"iptables-save", nil, host.CaptureIPTables},
	{"ip6tables-save", nil, host.CaptureIP6Tables},
	{"nft", []string{"list", "ruleset"}, host.CaptureNFT},
}

// Read gathers the node's rules: by running iptables-save, ip6tables-save
// and nft on the live host, or from the outputs captured in a snapshot.
func Read(f *host.FS) *Filter {
	fl := &Filter{}
	outs := map[string][]byte{}
	source := map[string]string{}
	for _, c := range commands {
		if f.Live() {
			bin, err := lookPath(c.bin)
			if err != nil {
				continue
			}
			fl.Installed = true
			cmdline := strings.Join(append([]string{c.bin}, c.args...), " ")
			out, err := host.Run(Timeout, bin, c.args...)
			if err != nil {
				if c.bin == "ip6tables-save" && unsupported(err) {
					continue // IPv6 disabled in the kernel
				}
				fl.Errors = append(fl.Errors, fmt.Sprintf("%s: %v", cmdline, err))
				continue
			}
			fl.Tools = append(fl.Tools, cmdline)
			outs[c.bin], source[c.bin] = out, cmdline
			continue
		}
		if out, ok := f.Captured(c.capture); ok {
			fl.Installed = true
			name := host.CaptureDir + "/" + c.capture
			fl.Tools = append(fl.Tools, name)
			outs[c.bin], source[c.bin] = out, name
		}
	}
	if !f.Live() && !fl.Installed {
		for _, p := range []string{"/usr/sbin/iptables", "/sbin/iptables", "/usr/sbin/nft", "/sbin/nft", "/usr/bin/nft"} {
			if _, err := f.Stat(p); err == nil {
				fl.Installed = true
				fl.Errors = append(fl.Errors, fmt.Sprintf("%s is installed but no rules were captured (run the audit on the node, or `kubeward collect node`)", p))
				break
			}
		}
	}
	// iptables-nft keeps its tables in nftables: read them once, from
	// iptables-save, which prints them faithfully.
	covered := map[string]bool{}
	for _, c := range []struct {
		bin string
		fam Family
	}{{"iptables-save", IPv4}, {"ip6tables-save", IPv6}} {
		out, ok := outs[c.bin]
		if !ok {
			continue
		}
		rs := ParseIPTablesSave(out, c.fam, strings.TrimSuffix(c.bin, "-save"), source[c.bin])
		fl.Rulesets = append(fl.Rulesets, rs)
		if rs.Variant == "nf_tables" {
			for _, t := range rs.Tables {
				covered[t] = true
			}
		}
	}
	if out, ok := outs["nft"]; ok {
		rs := ParseNFT(out, source["nft"], func(family, table string) bool { return covered[family+" "+table] })
		fl.Rulesets = append(fl.Rulesets, rs)
	}
	fl.Families, fl.IPv6Note = families(f, fl.Rulesets)
	return fl
}

// families decides whether IPv6 is checked: when the node has an IPv6
// address on an interface other than lo (a link-local address is reachable
// from the same network), or, when that cannot be read, when IPv6 rules exist.
func families(f *host.FS, rulesets []*Ruleset) (Family, string) {
	data, err := f.ReadFile("/proc/net/if_inet6")
	if err == nil {
		var ifaces []string
		seen := map[string]bool{}
		for _, line := range strings.Split(string(data), "\n") {
			fields := strings.Fields(line)
			if len(fields) < 6 || fields[5] == "lo" || seen[fields[5]] {
				continue
			}
			seen[fields[5]] = true
			ifaces = append(ifaces, fields[5])
		}
		sort.Strings(ifaces)
		if len(ifaces) == 0 {
			return IPv4, "IPv6 not checked: no IPv6 address beyond loopback"
		}
		return AnyFamily, "IPv6 checked: addresses on " + strings.Join(ifaces, ", ")
	}
	if f.Live() {
		return IPv4, "IPv6 not checked: disabled in the kernel"
	}
	for _, rs := range rulesets {
		if rs.Families&IPv6 != 0 && len(rs.Input) > 0 {
			return AnyFamily, "IPv6 checked: the snapshot holds IPv6 rules"
		}
	}
	return IPv4, "IPv6 not checked: the snapshot shows no IPv6 address or rules"
}

func unsupported(err error) bool {
	s := err.Error()
	return strings.Contains(s, "Address family not supported") || strings.Contains(s, "not supported by protocol")
}

func lookPath(name string) (string, error) {
	if p, err := exec.LookPath(name); err == nil {
		return p, nil
	}
	for _, dir := range []string{"/usr/sbin", "/sbin", "/usr/local/sbin"} {
		p := filepath.Join(dir, name)
		if st, err := os.Stat(p); err == nil && !st.IsDir() && st.Mode()&0o111 != 0 {
			return p, nil
		}
	}
	return "", exec.ErrNotFound
}
