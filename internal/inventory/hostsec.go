package inventory

import (
	"fmt"
	"strconv"
)

// Firewall is what the node source could read of the host's packet filter
// and what it does to new connections from anywhere to the Kubernetes
// ports a host firewall should restrict (internal/source/firewall reads
// the rules and follows every chain on the input path).
type Firewall struct {
	// Installed is false when neither iptables nor nft is on the node and
	// nothing was captured.
	Installed bool `json:"installed"`
	// Tools lists the programs run or captured outputs read; Errors the
	// commands that failed or outputs that could not be read.
	Tools  []string `json:"tools,omitempty"`
	Errors []string `json:"errors,omitempty"`
	// IPv4Only: remote clients can only use IPv4 (no IPv6 address beyond
	// loopback); IPv6Note says why IPv6 is or is not considered.
	IPv4Only bool   `json:"ipv4Only"`
	IPv6Note string `json:"ipv6Note,omitempty"`
	// Rulesets are what each program printed, with how many of its lines
	// were not understood.
	Rulesets []FirewallRuleset `json:"rulesets,omitempty"`
	// Ports are the sensitive ports and what the filter does to them.
	Ports []FirewallPort `json:"ports,omitempty"`
}

// FirewallRuleset is one program's rules: where they were read and how
// many lines could not be.
type FirewallRuleset struct {
	Source  string `json:"source"`
	Skipped int    `json:"skipped,omitempty"`
}

// PortRange is a range of TCP ports.
type PortRange struct{ Lo, Hi int }

func (r PortRange) String() string {
	if r.Lo == r.Hi {
		return strconv.Itoa(r.Lo)
	}
	return fmt.Sprintf("%d-%d", r.Lo, r.Hi)
}

// FirewallPort is one sensitive port (or range), what listens there, and
// the filter's decision for each part of it in each address family.
type FirewallPort struct {
	Range     PortRange          `json:"range"`
	Label     string             `json:"label"`
	LabelZH   string             `json:"labelZH"`
	Decisions []FirewallDecision `json:"decisions"`
}

func (p FirewallPort) String() string { return fmt.Sprintf("%s/tcp (%s)", p.Range, p.Label) }

// Restricted reports whether every part of the port, in every family, is restricted.
func (p FirewallPort) Restricted() bool {
	for _, d := range p.Decisions {
		if !d.Restricted {
			return false
		}
	}
	return len(p.Decisions) > 0
}

// Open lists the unrestricted parts.
func (p FirewallPort) Open() []FirewallDecision {
	var out []FirewallDecision
	for _, d := range p.Decisions {
		if !d.Restricted {
			out = append(out, d)
		}
	}
	return out
}

// FirewallDecision says what the filter does to new connections from
// anywhere to part of a port range in one family ("IPv4", "IPv6").
type FirewallDecision struct {
	Range      PortRange `json:"range"`
	Family     string    `json:"family"`
	Restricted bool      `json:"restricted"`
	// By names what restricts (a drop rule or a DROP policy) or what lets
	// the packet through (an accept rule, an ACCEPT policy, no rules).
	By string `json:"by"`
	// Allowed are the rules that accept the port only from some sources.
	Allowed []string `json:"allowed,omitempty"`
}

// SSHDConfig is one sshd's configuration as the node source read it: sshd's
// own answer (`sshd -T`, run now or captured in a snapshot) when it gave
// one, the configuration files otherwise, and OpenSSH's defaults.
type SSHDConfig struct {
	// ConfigFile is the main configuration file (-f or the default).
	// Missing: no sshd runs and the default file does not exist.
	ConfigFile string `json:"configFile"`
	Missing    bool   `json:"missing,omitempty"`
	// ConfigError says why the main file could not be read; HasT whether
	// sshd -T answered, TError why not.
	ConfigError string `json:"configError,omitempty"`
	HasT        bool   `json:"hasT"`
	TError      string `json:"tError,omitempty"`
	// Values are the effective values, outside Match blocks, of the
	// keywords kubeward checks (canonical lower-case keywords).
	Values map[string]SSHDValue `json:"values,omitempty"`
	// Matches are the Match blocks of the configuration files.
	Matches []SSHDMatch `json:"matches,omitempty"`
}

// SSHDValue is a keyword's effective value and where it came from.
type SSHDValue struct {
	Name  string `json:"name"`  // the keyword's usual spelling
	Value string `json:"value"` // lower case
	// Default is true when nothing sets the keyword: OpenSSH's default applies.
	Default bool `json:"default,omitempty"`
	// From says where the value was read: "sshd -T -f FILE", "FILE:LINE",
	// "command line -o" or "OpenSSH default".
	From string `json:"from"`
	// File and Line locate the line that sets it (empty when defaulted).
	File string `json:"file,omitempty"`
	Line int    `json:"line,omitempty"`
}

// SSHDMatch is a Match block: the settings sshd applies to connections
// whose user, group, host, address or port match Criteria.
type SSHDMatch struct {
	Criteria string        `json:"criteria"`
	File     string        `json:"file"`
	Line     int           `json:"line"`
	Settings []SSHDSetting `json:"settings,omitempty"`
}

// Where renders file:line of the Match line.
func (m *SSHDMatch) Where() string { return fmt.Sprintf("%s:%d", m.File, m.Line) }

// Get returns the setting of a (canonical) keyword the block applies: the
// first one.
func (m *SSHDMatch) Get(keyword string) (SSHDSetting, bool) {
	for _, s := range m.Settings {
		if s.Keyword == keyword {
			return s, true
		}
	}
	return SSHDSetting{}, false
}

// SSHDSetting is one keyword line inside a Match block.
type SSHDSetting struct {
	Keyword string `json:"keyword"` // canonical, lower case
	Value   string `json:"value"`   // the first argument, lower case
	File    string `json:"file"`
	Line    int    `json:"line"`
}

// Where renders file:line.
func (s SSHDSetting) Where() string {
	if s.Line > 0 {
		return fmt.Sprintf("%s:%d", s.File, s.Line)
	}
	return s.File
}
