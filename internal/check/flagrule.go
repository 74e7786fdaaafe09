package check

import (
	"fmt"
	"net"
	"strconv"
	"strings"
	"time"

	"github.com/kubeward/kubeward/internal/catalog"
	"github.com/kubeward/kubeward/internal/inventory"
	"github.com/kubeward/kubeward/internal/result"
)

// Flag rules: node checks written as data (DESIGN.md, "flag checks are
// data"). A FlagRule names a component kind and a FlagTest over one
// component's settings (flag > config key > env > default, see
// inventory.Component.Setting) and the node's other facts; one evaluator
// runs every rule on every component of its kind, says NOT_APPLICABLE when
// none runs, and locates each verdict at the setting that decided it.
//
//	check.RegisterFlagRules("internal/check/controlplane/flagrules.go", &check.FlagRule{
//		ID: "KW-ETCD-003", Component: inventory.Etcd, Item: "3.1", Severity: catalog.SeverityHigh,
//		Title: ..., Fix: ..., Test: check.NotEquals("auto-tls", "true"),
//	})

// Verdict is a flag test's outcome on one component.
type Verdict struct {
	OK       bool
	Warn     bool   // a person must confirm (Msg says what)
	NA       string // not applicable, and why
	Evidence string
	File     string
	Key      string
	Msg      catalog.Text // what is wrong, when !OK
}

// FlagTest evaluates one component of the node.
type FlagTest func(c *inventory.Component, n *inventory.Node) Verdict

// FlagRule is one flag or config check on one kind of component.
type FlagRule struct {
	ID        string
	Component string // an inventory component kind
	Item      string
	Severity  catalog.Severity
	Refs      []string
	Title     catalog.Text
	Fix       catalog.Text
	Test      FlagTest
}

var flagRules []*FlagRule

// RegisterFlagRules registers flag rules as node checks (one Spec each,
// living in where) and keeps them for EvaluateFlagRules.
func RegisterFlagRules(where string, rs ...*FlagRule) {
	for _, r := range rs {
		Register(Spec{ID: r.ID, Item: r.Item, Severity: r.Severity, Scope: Node, Title: r.Title, Remediation: r.Fix,
			References: r.Refs, Node: &NodeRule{Run: r.run}, Where: where})
		registryLock.Lock()
		flagRules = append(flagRules, r)
		registryLock.Unlock()
	}
}

// FlagRules returns the registered flag rules in registration order.
func FlagRules() []*FlagRule {
	registryLock.Lock()
	defer registryLock.Unlock()
	return append([]*FlagRule(nil), flagRules...)
}

// run evaluates the rule on every component of its kind on the node.
func (r *FlagRule) run(_ *Env, n *inventory.Node, em *NodeEmitter) {
	comps := n.ComponentsOf(r.Component)
	if len(comps) == 0 {
		em.Absent(r.ID, r.Component)
		return
	}
	for _, c := range comps {
		v := r.Test(c, n)
		file := v.File
		if file == "" {
			file = c.Origin()
		}
		loc := &result.Location{File: file, Path: v.Key}
		if c.Source != "process" {
			loc.Origin = c.Source + " " + c.SourceFile
		}
		r.emit(em, c, loc, v, withPID(c, v.Evidence))
	}
}

// EvaluateFlagRules runs only the flag rules (not the file, certificate or
// runtime checks) on the node's components: the control plane as the API
// server shows it, from its static pods' command lines. Components absent
// from the node are not reported.
func EvaluateFlagRules(env *Env, n *inventory.Node) []result.Result {
	em := NewNodeEmitter(env, n)
	for _, r := range FlagRules() {
		for _, c := range n.ComponentsOf(r.Component) {
			v := r.Test(c, n)
			r.emit(em, c, &result.Location{File: c.SourceFile, Path: v.Key, Origin: c.Source}, v, v.Evidence)
		}
	}
	return em.Results()
}

// emit records the rule's verdict on a component; failEvidence is the
// evidence a FAIL carries.
func (r *FlagRule) emit(em *NodeEmitter, c *inventory.Component, loc *result.Location, v Verdict, failEvidence string) {
	switch {
	case v.NA != "":
		em.Add(r.ID, result.NotApplicable, c, loc, v.Msg, v.Evidence)
	case v.Warn:
		em.Add(r.ID, result.Warn, c, loc, v.Msg, v.Evidence)
	case v.OK:
		em.Add(r.ID, result.Pass, c, loc, catalog.Text{}, v.Evidence)
	default:
		msg := v.Msg
		if msg.EN == "" {
			msg = r.Title
		}
		em.Add(r.ID, result.Fail, c, loc, msg, failEvidence)
	}
}

func withPID(c *inventory.Component, evidence string) string {
	if c.PID > 0 && !strings.Contains(evidence, "pid ") {
		return fmt.Sprintf("%s [pid %d]", evidence, c.PID)
	}
	return evidence
}

// From is the verdict ok on setting v (named name), with msg when not ok.
func From(v inventory.Setting, name string, ok bool, msg catalog.Text) Verdict {
	return Verdict{OK: ok, Evidence: v.Evidence(name), File: v.File, Key: v.Key, Msg: msg}
}

// IsSet: the setting has a non-empty value.
func IsSet(name string) FlagTest {
	return func(c *inventory.Component, _ *inventory.Node) Verdict {
		v := c.Setting(name)
		return From(v, name, v.Value != "", catalog.F("%s is not set", "未设置 %s", name))
	}
}

// Equals: the setting is one of want (case-insensitive).
func Equals(name string, want ...string) FlagTest {
	return func(c *inventory.Component, _ *inventory.Node) Verdict {
		v := c.Setting(name)
		for _, w := range want {
			if strings.EqualFold(v.Value, w) {
				return From(v, name, true, catalog.Text{})
			}
		}
		return From(v, name, false, catalog.F("%s is %q, want %s", "%s 为 %q，应为 %s", name, v.Value, strings.Join(want, " or ")))
	}
}

// NotEquals: the setting is not bad.
func NotEquals(name, bad string) FlagTest {
	return func(c *inventory.Component, _ *inventory.Node) Verdict {
		v := c.Setting(name)
		return From(v, name, !strings.EqualFold(v.Value, bad), catalog.F("%s is %q", "%s 为 %q", name, v.Value))
	}
}

// Unset: the flag is absent or empty.
func Unset(name string) FlagTest {
	return func(c *inventory.Component, _ *inventory.Node) Verdict {
		v := c.Setting(name)
		return From(v, name, v.Value == "", catalog.F("%s is set", "设置了 %s", name))
	}
}

// List splits a comma-separated setting, dropping empty items.
func List(v string) []string {
	var out []string
	for _, p := range strings.Split(v, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// ContainsFold reports whether items holds s, ignoring case.
func ContainsFold(items []string, s string) bool {
	for _, i := range items {
		if strings.EqualFold(i, s) {
			return true
		}
	}
	return false
}

// Includes: the comma-separated setting holds every item of want.
func Includes(name string, want ...string) FlagTest {
	return func(c *inventory.Component, _ *inventory.Node) Verdict {
		v := c.Setting(name)
		have := List(v.Value)
		var missing []string
		for _, w := range want {
			if !ContainsFold(have, w) {
				missing = append(missing, w)
			}
		}
		return From(v, name, len(missing) == 0, catalog.F("%s lacks %s", "%s 缺少 %s", name, strings.Join(missing, ", ")))
	}
}

// Excludes: the comma-separated setting holds none of bad.
func Excludes(name string, bad ...string) FlagTest {
	return func(c *inventory.Component, _ *inventory.Node) Verdict {
		v := c.Setting(name)
		var found []string
		for _, b := range bad {
			if ContainsFold(List(v.Value), b) {
				found = append(found, b)
			}
		}
		return From(v, name, len(found) == 0, catalog.F("%s includes %s", "%s 包含 %s", name, strings.Join(found, ", ")))
	}
}

// HTTPSOnly: every URL of the comma-separated setting is https.
func HTTPSOnly(name string) FlagTest {
	return func(c *inventory.Component, _ *inventory.Node) Verdict {
		v := c.Setting(name)
		urls := List(v.Value)
		for _, u := range urls {
			if !strings.HasPrefix(strings.ToLower(u), "https://") {
				return From(v, name, false, catalog.F("%s has %s, which is not https", "%s 包含非 https 地址 %s", name, u))
			}
		}
		return From(v, name, len(urls) > 0, catalog.F("%s is not set", "未设置 %s", name))
	}
}

// Loopback: the address (optionally host:port) is a loopback address.
func Loopback(name string) FlagTest {
	return func(c *inventory.Component, _ *inventory.Node) Verdict {
		v := c.Setting(name)
		h := v.Value
		if hh, _, err := net.SplitHostPort(h); err == nil {
			h = hh
		}
		ip := net.ParseIP(h)
		ok := h == "localhost" || (ip != nil && ip.IsLoopback())
		return From(v, name, ok, catalog.F("%s is %q: reachable from the network", "%s 为 %q：可从网络访问", name, v.Value))
	}
}

// NotZeroDuration: the duration setting is not 0.
func NotZeroDuration(name string) FlagTest {
	return func(c *inventory.Component, _ *inventory.Node) Verdict {
		v := c.Setting(name)
		d, err := time.ParseDuration(v.Value)
		if err != nil && v.Value != "0" {
			return From(v, name, v.Value != "", catalog.F("%s is %q", "%s 为 %q", name, v.Value))
		}
		return From(v, name, d != 0, catalog.F("%s is 0: idle streaming connections never time out", "%s 为 0：空闲流连接永不超时", name))
	}
}

// AtLeast: the integer setting is at least n.
func AtLeast(name string, n int) FlagTest {
	return func(c *inventory.Component, _ *inventory.Node) Verdict {
		v := c.Setting(name)
		i, err := strconv.Atoi(v.Value)
		return From(v, name, err == nil && i >= n, catalog.F("%s is %q, want at least %d", "%s 为 %q，应至少为 %d", name, v.Value, n))
	}
}

// AllOf passes when every test passes; it reports the first failure.
func AllOf(ts ...FlagTest) FlagTest {
	return func(c *inventory.Component, n *inventory.Node) Verdict {
		var last Verdict
		var evidence []string
		for _, t := range ts {
			v := t(c, n)
			if !v.OK || v.NA != "" {
				return v
			}
			evidence = append(evidence, v.Evidence)
			last = v
		}
		last.Evidence = strings.Join(evidence, "; ")
		return last
	}
}

// AnyOf passes when one test passes; it reports the first failure otherwise.
func AnyOf(ts ...FlagTest) FlagTest {
	return func(c *inventory.Component, n *inventory.Node) Verdict {
		var first Verdict
		for i, t := range ts {
			v := t(c, n)
			if v.OK {
				return v
			}
			if i == 0 {
				first = v
			}
		}
		return first
	}
}

// WhenSet applies t only when the setting has a value; otherwise the check
// does not apply (reason given).
func WhenSet(name string, why catalog.Text, t FlagTest) FlagTest {
	return func(c *inventory.Component, n *inventory.Node) Verdict {
		if c.Setting(name).Value == "" {
			return Verdict{NA: why.EN, Msg: why}
		}
		return t(c, n)
	}
}
