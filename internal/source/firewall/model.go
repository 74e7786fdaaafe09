// Package firewall reads a node's packet filter (iptables-save,
// ip6tables-save, nft list ruleset) into one small model and decides, for a
// port, whether the filter restricts who can open a connection to it.
//
// Every rule is reduced to what it does to one packet: a new TCP connection
// from an arbitrary remote address, arriving on a non-loopback interface,
// to a local address and a given port. Conditions kubeward understands
// evaluate to Yes or No for that packet; anything else is Maybe, and Maybe
// is read cautiously: a rule that may accept opens the port, a rule that
// may drop does not restrict it.
package firewall

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
)

// Family is a set of address families.
type Family uint8

const (
	IPv4 Family = 1 << iota
	IPv6
	AnyFamily = IPv4 | IPv6
)

func (f Family) String() string {
	switch f {
	case IPv4:
		return "IPv4"
	case IPv6:
		return "IPv6"
	case AnyFamily:
		return "IPv4+IPv6"
	}
	return "none"
}

// Tri is a condition's value for the packet: No, Maybe or Yes.
type Tri int8

const (
	No Tri = iota - 1
	Maybe
	Yes
)

// and combines conditions that must all hold.
func and(a, b Tri) Tri {
	if a < b {
		return a
	}
	return b
}

func not(a Tri) Tri { return -a }

func tri(b bool) Tri {
	if b {
		return Yes
	}
	return No
}

// Verdict is what a rule does to a packet it matches.
type Verdict int8

const (
	None   Verdict = iota // counter, log, mark: evaluation continues
	Accept                // accept (and queue: userspace decides)
	Drop                  // drop or reject
	Jump
	Goto
	Return
)

// PortRange is an inclusive range of ports.
type PortRange struct{ Lo, Hi int }

func (r PortRange) String() string {
	if r.Lo == r.Hi {
		return strconv.Itoa(r.Lo)
	}
	return fmt.Sprintf("%d-%d", r.Lo, r.Hi)
}

// PortMatch is a rule's destination-port condition.
type PortMatch struct {
	// Any is true when the rule names no destination port.
	Any    bool
	Ranges []PortRange
	// Neg inverts Ranges (! --dport, !=).
	Neg bool
	// Unsure makes a port outside Ranges Maybe instead of No (a service
	// name kubeward does not know, --ports matching either direction).
	Unsure bool
}

// AnyPort matches every port.
var AnyPort = PortMatch{Any: true}

func (p PortMatch) match(iv PortRange) Tri {
	if p.Any {
		return Yes
	}
	in := No
	for _, r := range p.Ranges {
		if iv.Lo >= r.Lo && iv.Hi <= r.Hi {
			in = Yes
			break
		}
		if iv.Lo <= r.Hi && iv.Hi >= r.Lo {
			in = Maybe // straddles: not an elementary interval
		}
	}
	if in == No && p.Unsure {
		in = Maybe
	}
	if p.Neg {
		return not(in)
	}
	return in
}

// Rule is one rule reduced to its effect on the packet.
type Rule struct {
	// Origin locates the rule: "iptables-save:14".
	Origin string
	// Text is the rule as written (trimmed of counters).
	Text     string
	Families Family
	// Cond is every condition except the port and the source.
	Cond  Tri
	Ports PortMatch
	// Sources is set when the rule matches only some source addresses
	// (an allow list): "10.0.0.0/8". The arbitrary remote packet does not
	// match it. SourcesExcept is set when it matches every source but
	// these (! -s 10.0.0.0/8): the packet matches.
	Sources       string
	SourcesExcept string
	Verdict       Verdict
	// Target is the chain of a Jump or Goto.
	Target     *Chain
	TargetName string
}

// match evaluates the rule for the packet to ports iv in family fam.
func (r *Rule) match(fam Family, iv PortRange) Tri {
	if r.Families&fam == 0 {
		return No
	}
	m := and(r.Cond, r.Ports.match(iv))
	if r.Sources != "" {
		m = and(m, No)
	}
	return m
}

// allows reports whether the rule accepts the port, but only from Sources.
func (r *Rule) allows(fam Family, iv PortRange) bool {
	return r.Verdict == Accept && r.Sources != "" && r.Families&fam != 0 && and(r.Cond, r.Ports.match(iv)) != No
}

// Describe renders the rule and where it is.
func (r *Rule) Describe() string { return fmt.Sprintf("%q [%s]", r.Text, r.Origin) }

// Chain is a chain of rules. Base chains are where packets enter.
type Chain struct {
	Name string
	// Base chains hang on a hook; Policy applies when no rule decides.
	Base bool
	Hook string
	// Families are the address families whose packets pass the chain.
	Families Family
	// PreDNAT is set for chains that run before DNAT (raw and mangle
	// PREROUTING, nft prerouting below priority dstnat).
	PreDNAT bool
	// Priority orders nft base chains on one hook.
	Priority int
	Policy   Verdict
	// Origin locates the chain's policy: "iptables-save:5".
	Origin string
	Rules  []*Rule
}

// Ruleset is what one program printed: iptables-save, ip6tables-save or
// nft list ruleset.
type Ruleset struct {
	// Name is the program: "iptables", "ip6tables", "nftables".
	Name string
	// Source is where the rules were read: the command or the capture file.
	Source   string
	Families Family
	// Input lists the base chains on the input path: filter INPUT, and the
	// chains that run before DNAT (raw and mangle PREROUTING); for nft the
	// filter chains hooked on input, and on prerouting before dstnat.
	Input []*Chain
	// Tables lists the tables read, as "family name" ("ip filter").
	Tables []string
	// Variant is "nf_tables" or "legacy" for iptables-save output.
	Variant string
	// Skipped are rules or constructs that could not be read.
	Skipped []string
	// KubeProxy is set when kube-proxy's NAT rules are loaded: NodePort
	// connections are then DNATed to pods before the INPUT chain.
	KubeProxy bool
}

// Port is a sensitive port or range and what listens there.
type Port struct {
	Range   PortRange
	Label   string
	LabelZH string
	// PreDNATOnly is set when connections to the port are DNATed (NodePorts
	// under kube-proxy): only chains before DNAT can restrict them.
	PreDNATOnly bool
}

func (p Port) String() string { return fmt.Sprintf("%s/tcp (%s)", p.Range, p.Label) }

// SensitivePorts are the Kubernetes ports a host firewall should restrict.
var SensitivePorts = []Port{
	{Range: PortRange{6443, 6443}, Label: "API server", LabelZH: "API Server"},
	{Range: PortRange{2379, 2380}, Label: "etcd", LabelZH: "etcd"},
	{Range: PortRange{10250, 10250}, Label: "kubelet", LabelZH: "kubelet"},
	{Range: PortRange{10255, 10255}, Label: "kubelet read-only", LabelZH: "kubelet 只读端口"},
	{Range: PortRange{10257, 10257}, Label: "controller-manager", LabelZH: "controller-manager"},
	{Range: PortRange{10259, 10259}, Label: "scheduler", LabelZH: "scheduler"},
	{Range: PortRange{30000, 32767}, Label: "NodePort range", LabelZH: "NodePort 端口范围"},
}

// Decision says what the filter does to new connections from anywhere to
// part of a port range in one family.
type Decision struct {
	Range      PortRange
	Family     Family
	Restricted bool
	// By names what restricts (a drop rule or a DROP policy) or what lets
	// the packet through (an accept rule, an ACCEPT policy, no rules).
	By string
	// Allowed are the rules that accept the port only from some sources.
	Allowed []string
}

// PortVerdict is the analysis of one sensitive port.
type PortVerdict struct {
	Port      Port
	Decisions []Decision
}

// Restricted reports whether every part of the port, in every family, is restricted.
func (v PortVerdict) Restricted() bool {
	for _, d := range v.Decisions {
		if !d.Restricted {
			return false
		}
	}
	return len(v.Decisions) > 0
}

// Open lists the unrestricted parts.
func (v PortVerdict) Open() []Decision {
	var out []Decision
	for _, d := range v.Decisions {
		if !d.Restricted {
			out = append(out, d)
		}
	}
	return out
}

// Analyze decides, for each port and each family in fams, whether the
// rulesets restrict new connections from anywhere. A packet must pass
// every base chain on the input path of every ruleset (an accept ends one
// chain only, a drop is final), so one chain that drops it restricts the
// port. Ranges are split where rules treat their ports differently.
func Analyze(rulesets []*Ruleset, fams Family, ports []Port) []PortVerdict {
	var out []PortVerdict
	for _, p := range ports {
		v := PortVerdict{Port: p}
		for _, fam := range []Family{IPv4, IPv6} {
			if fams&fam == 0 {
				continue
			}
			var ds []Decision
			for _, iv := range split(p.Range, rulesets) {
				d := decide(rulesets, fam, iv, p.PreDNATOnly)
				if n := len(ds); n > 0 && ds[n-1].Restricted == d.Restricted && ds[n-1].By == d.By &&
					strings.Join(ds[n-1].Allowed, "\n") == strings.Join(d.Allowed, "\n") && ds[n-1].Range.Hi+1 == iv.Lo {
					ds[n-1].Range.Hi = iv.Hi
					continue
				}
				ds = append(ds, d)
			}
			v.Decisions = append(v.Decisions, ds...)
		}
		out = append(out, v)
	}
	return out
}

// split cuts r into intervals inside which every rule's port condition is uniform.
func split(r PortRange, rulesets []*Ruleset) []PortRange {
	cuts := map[int]bool{r.Lo: true, r.Hi + 1: true}
	for _, rs := range rulesets {
		for _, c := range chains(rs) {
			for _, rule := range c.Rules {
				for _, pr := range rule.Ports.Ranges {
					if pr.Lo > r.Lo && pr.Lo <= r.Hi {
						cuts[pr.Lo] = true
					}
					if pr.Hi >= r.Lo && pr.Hi < r.Hi {
						cuts[pr.Hi+1] = true
					}
				}
			}
		}
	}
	points := make([]int, 0, len(cuts))
	for c := range cuts {
		points = append(points, c)
	}
	sort.Ints(points)
	out := make([]PortRange, 0, len(points)-1)
	for i := 0; i+1 < len(points); i++ {
		out = append(out, PortRange{points[i], points[i+1] - 1})
	}
	return out
}

// chains lists every chain reachable from the input path.
func chains(rs *Ruleset) []*Chain {
	seen := map[*Chain]bool{}
	var out []*Chain
	var visit func(c *Chain)
	visit = func(c *Chain) {
		if c == nil || seen[c] {
			return
		}
		seen[c] = true
		out = append(out, c)
		for _, r := range c.Rules {
			visit(r.Target)
		}
	}
	for _, c := range rs.Input {
		visit(c)
	}
	return out
}

func decide(rulesets []*Ruleset, fam Family, iv PortRange, preDNATOnly bool) Decision {
	d := Decision{Range: iv, Family: fam}
	// Why the packet gets through: rules that accept it (or drops that come
	// too late), else the ACCEPT policies of the chains it falls through.
	var byRule, byPolicy, byPolicyPre []string
	seen := false
	for _, rs := range rulesets {
		if rs.Families&fam == 0 {
			continue
		}
		for _, base := range rs.Input {
			if base.Families&fam == 0 {
				continue
			}
			seen = true
			w := &walker{fam: fam, iv: iv}
			res := w.walk(base, false, 0)
			verdict, by := res.verdict, ""
			if res.rule != nil {
				by = "rule " + res.rule.Describe()
			}
			if verdict == None {
				verdict = base.Policy
				by = fmt.Sprintf("policy %s of %s [%s]", policyName(base.Policy), base.Name, base.Origin)
			}
			switch {
			case verdict == Drop && preDNATOnly && !base.PreDNAT:
				byRule = append(byRule, by+", but kube-proxy DNATs these connections to pods before "+base.Name)
			case verdict == Drop:
				if !d.Restricted {
					d.Restricted, d.By, d.Allowed = true, by, w.allowed
				}
			case res.rule != nil:
				byRule = append(byRule, "accepted by "+by)
			case base.PreDNAT || (len(base.Rules) == 0 && base.Name != "filter INPUT"):
				// Empty raw, mangle or security chains say little: named only
				// when nothing else is.
				byPolicyPre = append(byPolicyPre, fmt.Sprintf("%s [%s]", base.Name, base.Origin))
			default:
				byPolicy = append(byPolicy, fmt.Sprintf("%s [%s]", base.Name, base.Origin))
			}
		}
	}
	switch {
	case d.Restricted:
	case !seen:
		d.By = "no filter rules on the input path for " + fam.String()
	case len(byRule) > 0:
		d.By = strings.Join(byRule, "; ")
	default:
		if len(byPolicy) == 0 {
			byPolicy = byPolicyPre
		}
		d.By = "no rule drops it and the policy is ACCEPT: " + strings.Join(byPolicy, ", ")
	}
	return d
}

func policyName(v Verdict) string {
	if v == Drop {
		return "DROP"
	}
	return "ACCEPT"
}

type walker struct {
	fam     Family
	iv      PortRange
	allowed []string
}

type walkResult struct {
	verdict Verdict // Accept, Drop, or None: fell off the chain
	rule    *Rule
}

// maxDepth bounds jumps (iptables allows no loops; this guards bad input).
const maxDepth = 64

// walk runs the packet through c. unsure is set when only some of the
// packets considered reach c: a drop then proves nothing for the others,
// while an accept still shows that some remote packets get through.
func (w *walker) walk(c *Chain, unsure bool, depth int) walkResult {
	if c == nil || depth > maxDepth {
		return walkResult{}
	}
	for _, r := range c.Rules {
		m := r.match(w.fam, w.iv)
		if m == No {
			if r.allows(w.fam, w.iv) {
				w.allowed = appendOnce(w.allowed, r.Describe())
			}
			continue
		}
		u := unsure || m == Maybe
		switch r.Verdict {
		case Accept:
			return walkResult{Accept, r}
		case Drop:
			if !u {
				return walkResult{Drop, r}
			}
			if m == Yes {
				// Every packet that got here is dropped; the others never came.
				return walkResult{}
			}
		case Return:
			if m == Yes {
				return walkResult{}
			}
			unsure = true // some packets went back to the caller
		case Jump, Goto:
			sub := w.walk(r.Target, u, depth+1)
			if sub.verdict != None {
				return sub
			}
			if r.Verdict == Goto {
				if m == Yes {
					return walkResult{}
				}
				unsure = true
			}
		}
	}
	return walkResult{}
}

func appendOnce(list []string, s string) []string {
	for _, x := range list {
		if x == s {
			return list
		}
	}
	return append(list, s)
}
