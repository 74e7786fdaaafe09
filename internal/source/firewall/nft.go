package firewall

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
)

// ntok is one token of nft output.
type ntok struct {
	s      string
	line   int
	quoted bool
}

func (t ntok) is(s string) bool { return !t.quoted && t.s == s }

const nl = "\n"

// lexNFT splits nft output into words, "strings", { } , ; and newlines,
// dropping # comments.
func lexNFT(data string) []ntok {
	var out []ntok
	line := 1
	var cur strings.Builder
	flush := func() {
		if cur.Len() > 0 {
			out = append(out, ntok{s: cur.String(), line: line})
			cur.Reset()
		}
	}
	for i := 0; i < len(data); i++ {
		ch := data[i]
		switch ch {
		case '"':
			flush()
			j := i + 1
			var b strings.Builder
			for ; j < len(data) && data[j] != '"' && data[j] != '\n'; j++ {
				if data[j] == '\\' && j+1 < len(data) {
					j++
				}
				b.WriteByte(data[j])
			}
			out = append(out, ntok{s: b.String(), line: line, quoted: true})
			i = j
		case '#':
			flush()
			for i+1 < len(data) && data[i+1] != '\n' {
				i++
			}
		case '\n':
			flush()
			out = append(out, ntok{s: nl, line: line})
			line++
		case ' ', '\t', '\r':
			flush()
		case '{', '}', ',', ';':
			flush()
			out = append(out, ntok{s: string(ch), line: line})
		default:
			cur.WriteByte(ch)
		}
	}
	flush()
	return out
}

// statements splits tokens at newlines and semicolons outside braces.
func statements(toks []ntok) [][]ntok {
	return splitTop(toks, func(t ntok) bool { return t.is(nl) || t.is(";") }, false)
}

// splitTop splits tokens at separators outside braces, dropping empty
// parts; dropNewlines also removes newlines everywhere.
func splitTop(toks []ntok, sep func(ntok) bool, dropNewlines bool) [][]ntok {
	var out [][]ntok
	var cur []ntok
	depth := 0
	for _, t := range toks {
		switch {
		case dropNewlines && t.is(nl):
			continue
		case t.is("{"):
			depth++
		case t.is("}"):
			depth--
		case depth == 0 && sep(t):
			if len(cur) > 0 {
				out = append(out, cur)
			}
			cur = nil
			continue
		}
		cur = append(cur, t)
	}
	if len(cur) > 0 {
		out = append(out, cur)
	}
	return out
}

// body returns the tokens between the statement's first "{" and its
// matching "}", and the tokens before the "{".
func body(st []ntok) (head, inner []ntok, ok bool) {
	for i, t := range st {
		if t.is("{") {
			depth := 0
			for j := i; j < len(st); j++ {
				switch {
				case st[j].is("{"):
					depth++
				case st[j].is("}"):
					depth--
					if depth == 0 {
						return st[:i], st[i+1 : j], true
					}
				}
			}
			return st[:i], st[i+1:], true
		}
	}
	return st, nil, false
}

type nftTable struct {
	family, name string
	fams         Family
	chains       map[string]*Chain
	order        []*Chain
	sets         map[string][]string
	maps         map[string][][2]string
}

// ParseNFT reads `nft list ruleset` output. skip, when set, names tables
// to leave out ("ip filter" read from iptables-save instead).
func ParseNFT(data []byte, source string, skip func(family, table string) bool) *Ruleset {
	rs := &Ruleset{Name: "nftables", Source: source}
	for _, st := range statements(lexNFT(string(data))) {
		if len(st) < 3 || !st[0].is("table") {
			if len(st) > 0 && !st[0].is("table") {
				rs.Skipped = append(rs.Skipped, fmt.Sprintf("%s:%d: %s", source, st[0].line, st[0].s))
			}
			continue
		}
		head, inner, _ := body(st)
		family, name := "ip", head[len(head)-1].s
		if len(head) >= 3 {
			family = head[1].s
		}
		var fams Family
		switch family {
		case "ip":
			fams = IPv4
		case "ip6":
			fams = IPv6
		case "inet":
			fams = AnyFamily
		default:
			continue // arp, bridge, netdev: not on the input path of IP packets
		}
		if skip != nil && skip(family, name) {
			continue
		}
		t := &nftTable{family: family, name: name, fams: fams, chains: map[string]*Chain{}, sets: map[string][]string{}, maps: map[string][][2]string{}}
		dormant := false
		var chainStmts [][]ntok
		for _, ts := range statements(inner) {
			switch {
			case ts[0].is("chain") && len(ts) > 1:
				chainStmts = append(chainStmts, ts)
				c := &Chain{Name: ts[1].s, Families: fams}
				t.chains[c.Name] = c
				t.order = append(t.order, c)
			case (ts[0].is("set") || ts[0].is("map")) && len(ts) > 1:
				t.readSet(ts)
			case ts[0].is("flags"):
				for _, x := range ts[1:] {
					if x.is("dormant") {
						dormant = true
					}
				}
			}
		}
		if dormant {
			continue
		}
		rs.Tables = append(rs.Tables, family+" "+name)
		if name == "kube-proxy" {
			rs.KubeProxy = true
		}
		rs.Families |= fams
		for _, cs := range chainStmts {
			c := t.chains[cs[1].s]
			_, cb, _ := body(cs)
			for _, rst := range statements(cb) {
				origin := fmt.Sprintf("%s:%d", source, rst[0].line)
				switch {
				case rst[0].is("type"):
					t.header(c, rst, origin)
				case rst[0].is("policy") && len(rst) > 1:
					if rst[1].is("drop") {
						c.Policy = Drop
					}
					c.Origin = origin
				case rst[0].is("comment") || rst[0].is("devices"):
				default:
					c.Rules = append(c.Rules, t.rule(rst, origin)...)
				}
			}
		}
		for _, c := range t.order {
			for _, r := range c.Rules {
				if r.Verdict == Jump || r.Verdict == Goto {
					if r.Target = t.chains[r.TargetName]; r.Target == nil {
						rs.Skipped = append(rs.Skipped, r.Origin+": jump to unknown chain "+r.TargetName)
						r.Verdict = None
					}
				}
			}
		}
		for _, c := range t.order {
			if c.Base {
				c.Name = fmt.Sprintf("%s %s %s", family, name, c.Name)
				rs.Input = append(rs.Input, c)
			}
		}
	}
	// In the order packets pass them: prerouting, then input, by priority.
	sort.SliceStable(rs.Input, func(i, j int) bool {
		a, b := rs.Input[i], rs.Input[j]
		if a.PreDNAT != b.PreDNAT {
			return a.PreDNAT
		}
		return a.Priority < b.Priority
	})
	return rs
}

// header reads "type filter hook input priority filter" and marks the
// chain as on the input path when it filters input, or prerouting before
// DNAT rewrites the port.
func (t *nftTable) header(c *Chain, st []ntok, origin string) {
	var typ, hook string
	prio, hasPrio := 0, false
	for i := 0; i+1 < len(st); i++ {
		switch st[i].s {
		case "type":
			typ = st[i+1].s
		case "hook":
			hook = st[i+1].s
		case "device":
			hook = "" // bound to one device: not every packet passes it
		case "priority":
			prio, hasPrio = nftPriority(st[i+1:])
		}
	}
	c.Priority = prio
	c.Hook = hook
	c.Policy = Accept
	if c.Origin == "" {
		c.Origin = origin
	}
	if typ != "filter" {
		return
	}
	switch {
	case hook == "input":
		c.Base = true
	case hook == "prerouting" && hasPrio && prio < -100:
		c.Base, c.PreDNAT = true, true
	}
}

var priorityNames = map[string]int{"raw": -300, "mangle": -150, "dstnat": -100, "filter": 0, "security": 50, "srcnat": 100}

// nftPriority reads "filter", "-150", "mangle - 5", "filter + 10".
func nftPriority(toks []ntok) (int, bool) {
	if len(toks) == 0 {
		return 0, false
	}
	base, ok := priorityNames[toks[0].s]
	if !ok {
		n, err := strconv.Atoi(toks[0].s)
		if err != nil {
			return 0, false
		}
		base = n
	}
	if len(toks) >= 3 && (toks[1].s == "+" || toks[1].s == "-") {
		if n, err := strconv.Atoi(toks[2].s); err == nil {
			if toks[1].s == "-" {
				n = -n
			}
			base += n
		}
	}
	return base, true
}

func (t *nftTable) readSet(st []ntok) {
	name := st[1].s
	_, inner, _ := body(st)
	isMap := st[0].is("map")
	for _, s := range statements(inner) {
		if !s[0].is("elements") {
			continue
		}
		_, el, _ := body(s)
		for _, item := range items(el) {
			if isMap {
				if k, v, ok := mapItem(item); ok {
					t.maps[name] = append(t.maps[name], [2]string{k, v})
				}
				continue
			}
			t.sets[name] = append(t.sets[name], joinToks(item))
		}
	}
}

// items splits the tokens inside braces at top-level commas, dropping newlines.
func items(toks []ntok) [][]ntok {
	return splitTop(toks, func(t ntok) bool { return t.is(",") }, true)
}

// mapItem reads "key : verdict [chain]".
func mapItem(item []ntok) (key, verdict string, ok bool) {
	for i, t := range item {
		if t.is(":") {
			return joinToks(item[:i]), joinToks(item[i+1:]), i > 0 && i+1 < len(item)
		}
	}
	return "", "", false
}

func joinToks(ts []ntok) string {
	parts := make([]string, len(ts))
	for i, t := range ts {
		parts[i] = t.s
		if t.quoted {
			parts[i] = strconv.Quote(t.s)
		}
	}
	return strings.Join(parts, " ")
}

// keywords start an expression or statement; unknown constructs are
// skipped up to the next one.
var keywords = map[string]bool{
	"ip": true, "ip6": true, "tcp": true, "udp": true, "udplite": true, "sctp": true, "dccp": true, "th": true,
	"meta": true, "iif": true, "iifname": true, "oif": true, "oifname": true, "ct": true, "fib": true,
	"counter": true, "log": true, "limit": true, "quota": true, "comment": true, "notrack": true,
	"accept": true, "drop": true, "reject": true, "queue": true, "continue": true, "return": true,
	"jump": true, "goto": true, "xt": true, "icmp": true, "icmpv6": true, "ether": true, "vlan": true,
	"arp": true, "socket": true, "masquerade": true, "snat": true, "dnat": true, "redirect": true,
	"mark": true, "add": true, "update": true, "delete": true, "l4proto": true, "nfproto": true,
	"igmp": true, "ah": true, "esp": true, "comp": true, "rt": true, "exthdr": true, "tproxy": true,
}

var ops = map[string]string{"==": "==", "eq": "==", "!=": "!=", "ne": "!=", "<": "<", "lt": "<", ">": ">", "gt": ">", "<=": "<=", "le": "<=", ">=": ">=", "ge": ">="}

// selector is what an nft expression compares.
type selector int

const (
	selUnknown selector = iota
	selSaddr
	selDaddr
	selDport
	selSport
	selL4proto
	selIif
	selOif
	selCtState
	selPkttype
	selNfproto
	selNotTCP // a field of another protocol: never matches a TCP packet
	selFibLocal
)

type nftRuleParser struct {
	t    *nftTable
	toks []ntok
	i    int
}

func (p *nftRuleParser) peek(k int) ntok {
	if p.i+k < len(p.toks) {
		return p.toks[p.i+k]
	}
	return ntok{}
}

// skip moves past tokens up to the next keyword.
func (p *nftRuleParser) skip() {
	for p.i < len(p.toks) && !(keywords[p.toks[p.i].s] && !p.toks[p.i].quoted) {
		if p.toks[p.i].is("{") { // a set: skip it whole
			depth := 0
			for ; p.i < len(p.toks); p.i++ {
				if p.toks[p.i].is("{") {
					depth++
				} else if p.toks[p.i].is("}") {
					if depth--; depth == 0 {
						break
					}
				}
			}
		}
		p.i++
	}
}

// value reads a value: a word, a comma list, { a, b }, or @set.
func (p *nftRuleParser) value() (vals []string, ref string) {
	t := p.peek(0)
	switch {
	case t.is("{"):
		depth := 0
		start := p.i
		for ; p.i < len(p.toks); p.i++ {
			if p.toks[p.i].is("{") {
				depth++
			} else if p.toks[p.i].is("}") {
				if depth--; depth == 0 {
					break
				}
			}
		}
		for _, it := range items(p.toks[start+1 : min(p.i, len(p.toks))]) {
			vals = append(vals, strings.Trim(joinToks(it), `"`))
		}
		p.i++
	case strings.HasPrefix(t.s, "@") && !t.quoted:
		p.i++
		name := t.s[1:]
		if els, ok := p.t.sets[name]; ok {
			return els, t.s
		}
		return nil, t.s
	case t.s == "":
	default:
		vals = append(vals, t.s)
		p.i++
		for p.peek(0).is(",") && p.peek(1).s != "" {
			vals = append(vals, p.peek(1).s)
			p.i += 2
		}
	}
	return vals, ""
}

// rule parses one rule into one Rule, or several for a verdict map.
func (t *nftTable) rule(st []ntok, origin string) []*Rule {
	var toks []ntok
	for _, x := range st {
		if !x.is(nl) {
			toks = append(toks, x)
		}
	}
	r := &Rule{Origin: origin, Text: joinToks(toks), Families: t.fams, Cond: Yes, Ports: AnyPort}
	r.Text = strings.ReplaceAll(r.Text, " ,", ",")
	p := &nftRuleParser{t: t, toks: toks}
	for p.i < len(p.toks) {
		tok := p.peek(0)
		if tok.quoted {
			p.i++
			continue
		}
		switch tok.s {
		case "accept", "queue":
			r.Verdict = Accept
			return []*Rule{r}
		case "drop", "reject":
			r.Verdict = Drop
			return []*Rule{r}
		case "return":
			r.Verdict = Return
			return []*Rule{r}
		case "continue":
			return []*Rule{r}
		case "jump", "goto":
			r.Verdict, r.TargetName = Jump, p.peek(1).s
			if tok.s == "goto" {
				r.Verdict = Goto
			}
			return []*Rule{r}
		case "counter":
			p.i++
			for p.peek(0).s == "packets" || p.peek(0).s == "bytes" || p.peek(0).s == "name" {
				p.i += 2
			}
		case "log":
			p.i++
			for {
				switch p.peek(0).s {
				case "prefix", "level", "group", "snaplen", "queue-threshold":
					p.i += 2
					continue
				case "flags":
					p.i += 2
					for p.peek(0).is(",") {
						p.i += 2
					}
					continue
				}
				break
			}
		case "comment":
			p.i += 2
		case "notrack":
			p.i++
		case "xt":
			r.Cond = and(r.Cond, Maybe) // an iptables extension nft cannot show
			p.i += 3
		case "add", "update", "delete", "masquerade", "snat", "dnat", "redirect", "tproxy", "limit", "quota", "mark":
			if tok.s == "limit" || tok.s == "quota" {
				r.Cond = and(r.Cond, Maybe)
			}
			p.i++
			p.skip()
		default:
			sel, fam, width := p.selector()
			if width == 0 {
				r.Cond = and(r.Cond, Maybe)
				p.i++
				p.skip()
				continue
			}
			p.i += width
			if fam != 0 {
				r.Families &= fam
			}
			if p.peek(0).is("set") { // a statement such as meta mark set 1
				p.i++
				p.skip()
				continue
			}
			if p.peek(0).is(".") { // a concatenation such as ip saddr . tcp dport { ... }
				source := sel == selSaddr
				for p.i < len(p.toks) && !p.peek(0).is("{") && !strings.HasPrefix(p.peek(0).s, "@") {
					source = source || p.peek(0).s == "saddr"
					p.i++
				}
				vals, ref := p.value()
				if source && ref == "" {
					r.Sources = joinNonEmpty(r.Sources, "{ "+strings.Join(vals, ", ")+" }")
				} else if source {
					r.Sources = joinNonEmpty(r.Sources, ref)
				} else {
					r.Cond = and(r.Cond, Maybe)
				}
				continue
			}
			if p.peek(0).is("vmap") {
				p.i++
				return t.vmap(r, sel, p)
			}
			op := "=="
			if o, ok := ops[p.peek(0).s]; ok && !p.peek(0).quoted {
				op = o
				p.i++
			}
			if sel == selUnknown || p.peek(0).is("&") {
				r.Cond = and(r.Cond, Maybe)
				p.skip()
				continue
			}
			vals, ref := p.value()
			apply(r, sel, op, vals, ref)
		}
	}
	return []*Rule{r}
}

// selector reads "ip saddr", "tcp dport", "meta l4proto", "iifname",
// "ct state", "fib daddr type": what is compared, the family it implies and
// how many tokens it spans (0: not an expression kubeward knows).
func (p *nftRuleParser) selector() (selector, Family, int) {
	a, b := p.peek(0).s, p.peek(1).s
	switch a {
	case "ip", "ip6":
		fam := IPv4
		if a == "ip6" {
			fam = IPv6
		}
		switch b {
		case "saddr":
			return selSaddr, fam, 2
		case "daddr":
			return selDaddr, fam, 2
		case "protocol", "nexthdr":
			return selL4proto, fam, 2
		}
		return selUnknown, fam, 2
	case "tcp", "th":
		switch b {
		case "dport":
			return selDport, 0, 2
		case "sport":
			return selSport, 0, 2
		}
		return selUnknown, 0, 2
	case "udp", "udplite", "sctp", "dccp", "icmp", "icmpv6", "igmp", "ah", "esp", "comp":
		if b == "" {
			return selNotTCP, 0, 1
		}
		return selNotTCP, 0, 2
	case "meta":
		switch b {
		case "l4proto":
			return selL4proto, 0, 2
		case "nfproto":
			return selNfproto, 0, 2
		case "iif", "iifname":
			return selIif, 0, 2
		case "oif", "oifname":
			return selOif, 0, 2
		case "pkttype":
			return selPkttype, 0, 2
		}
		return selUnknown, 0, 2
	case "iif", "iifname":
		return selIif, 0, 1
	case "oif", "oifname":
		return selOif, 0, 1
	case "l4proto":
		return selL4proto, 0, 1
	case "nfproto":
		return selNfproto, 0, 1
	case "ct":
		if b == "state" {
			return selCtState, 0, 2
		}
		return selUnknown, 0, 2
	case "fib":
		// fib daddr [. iif] type local
		n := 1
		for p.peek(n).s != "" && p.peek(n).s != "type" && p.peek(n).s != "oif" && p.peek(n).s != "oifname" && n < 6 {
			n++
		}
		if p.peek(1).s == "daddr" && p.peek(n).s == "type" {
			return selFibLocal, 0, n + 1
		}
		return selUnknown, 0, n + 1
	case "ether", "vlan", "arp", "socket", "rt", "exthdr", "mark":
		return selUnknown, 0, 1
	}
	return selUnknown, 0, 0
}

// vmap expands "SELECTOR vmap { key : verdict, ... }" into one rule per entry.
func (t *nftTable) vmap(base *Rule, sel selector, p *nftRuleParser) []*Rule {
	var entries [][2]string
	if tok := p.peek(0); strings.HasPrefix(tok.s, "@") {
		entries = t.maps[tok.s[1:]]
		if entries == nil {
			base.Cond = and(base.Cond, Maybe)
			base.Verdict = Accept // an unknown map may accept: read cautiously
			return []*Rule{base}
		}
	} else if tok.is("{") {
		_, inner, _ := body(p.toks[p.i:])
		for _, it := range items(inner) {
			if k, v, ok := mapItem(it); ok {
				entries = append(entries, [2]string{k, v})
			}
		}
	}
	var out []*Rule
	for _, e := range entries {
		r := *base
		r.Text = base.Text
		v := strings.Fields(e[1])
		if len(v) == 0 {
			continue
		}
		switch v[0] {
		case "accept", "queue":
			r.Verdict = Accept
		case "drop", "reject":
			r.Verdict = Drop
		case "return":
			r.Verdict = Return
		case "jump", "goto":
			if len(v) < 2 {
				continue
			}
			r.Verdict, r.TargetName = Jump, v[1]
			if v[0] == "goto" {
				r.Verdict = Goto
			}
		default:
			continue
		}
		apply(&r, sel, "==", []string{e[0]}, "")
		out = append(out, &r)
	}
	return out
}

// apply adds the condition "sel op vals" to r. ref names a named set.
func apply(r *Rule, sel selector, op string, vals []string, ref string) {
	neg := op == "!="
	cond := func(t Tri) {
		if neg {
			t = not(t)
		}
		r.Cond = and(r.Cond, t)
	}
	if sel == selNotTCP {
		r.Cond = and(r.Cond, No)
		return
	}
	if len(vals) == 0 && (ref == "" || sel != selSaddr) {
		cond(Maybe) // a set kubeward cannot see (dynamic, or not listed)
		return
	}
	switch sel {
	case selSaddr:
		desc := strings.Join(vals, ", ")
		if ref != "" {
			desc = ref
			if len(vals) > 0 {
				desc = fmt.Sprintf("%s (%s)", ref, strings.Join(vals, ", "))
			}
		}
		for _, v := range vals {
			if v == "0.0.0.0/0" || v == "::/0" {
				cond(Yes)
				return
			}
		}
		switch {
		case op != "==" && op != "!=":
			cond(Maybe)
		case neg:
			r.SourcesExcept = joinNonEmpty(r.SourcesExcept, desc)
		default:
			r.Sources = joinNonEmpty(r.Sources, desc)
		}
	case selDaddr:
		t := No
		for _, v := range vals {
			t = max(t, destTri(v))
		}
		cond(t)
	case selDport:
		pm, ok := nftPorts(op, vals)
		if !ok {
			cond(Maybe)
			return
		}
		if r.Ports.Any {
			r.Ports = pm
		} else {
			r.Cond = and(r.Cond, Maybe) // two port conditions: keep it simple
		}
	case selSport, selOif, selUnknown:
		cond(Maybe)
	case selL4proto:
		t := No
		for _, v := range vals {
			if v != "" && protoTri(v) == Yes && !strings.EqualFold(v, "all") {
				t = Yes
			}
		}
		cond(t)
	case selIif:
		t := No
		for _, v := range vals {
			t = max(t, ifaceTri(strings.Trim(v, `"`)))
		}
		cond(t)
	case selCtState:
		var states []string
		for _, v := range vals {
			states = append(states, strings.Split(v, ",")...)
		}
		cond(stateTri(states))
	case selPkttype:
		t := No
		for _, v := range vals {
			if v == "unicast" || v == "host" {
				t = Yes
			}
		}
		cond(t)
	case selNfproto:
		var f Family
		for _, v := range vals {
			switch v {
			case "ipv4":
				f |= IPv4
			case "ipv6":
				f |= IPv6
			}
		}
		if neg {
			f = AnyFamily &^ f
		}
		r.Families &= f
	case selFibLocal:
		has := false
		for _, v := range vals {
			if v == "local" {
				has = true
			}
		}
		cond(tri(has))
	}
}

func joinNonEmpty(a, b string) string {
	if a == "" {
		return b
	}
	return a + " and " + b
}

// nftPorts reads port values: 22, 30000-32767, https, with an operator.
func nftPorts(op string, vals []string) (PortMatch, bool) {
	pm := PortMatch{Neg: op == "!="}
	for _, v := range vals {
		lo, hi, isRange := strings.Cut(v, "-")
		r, ok := portRange(strings.TrimSpace(lo), strings.TrimSpace(hi), isRange)
		if !ok {
			pm.Unsure = true
			continue
		}
		pm.Ranges = append(pm.Ranges, r)
	}
	if op != "==" && op != "!=" {
		if len(vals) != 1 || len(pm.Ranges) != 1 {
			return PortMatch{}, false
		}
		n := pm.Ranges[0].Lo
		var r PortRange
		switch op {
		case "<":
			r = PortRange{0, n - 1}
		case "<=":
			r = PortRange{0, n}
		case ">":
			r = PortRange{n + 1, 65535}
		case ">=":
			r = PortRange{n, 65535}
		}
		if r.Hi < r.Lo {
			return PortMatch{Ranges: nil}, true // matches no port
		}
		return PortMatch{Ranges: []PortRange{r}}, true
	}
	return pm, true
}
