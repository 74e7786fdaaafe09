package controlplane

import (
	"net"
	"strconv"
	"strings"
	"time"

	"github.com/kubeward/kubeward/internal/catalog"
	"github.com/kubeward/kubeward/internal/inventory"
)

// verdict is a test's outcome on one component.
type verdict struct {
	ok       bool
	warn     bool   // a person must confirm (msg says what)
	na       string // not applicable, and why
	evidence string
	file     string
	key      string
	msg      catalog.Text // what is wrong, when !ok
}

// test evaluates one component.
type test func(c *inventory.Component, n *inventory.Node) verdict

// Rule is one flag or config check.
type Rule struct {
	ID        string
	Component string
	Item      string
	Severity  catalog.Severity
	Refs      []string
	Title     catalog.Text
	Fix       catalog.Text
	Test      test
}

var rules []*Rule

func register(rs ...*Rule) {
	for _, r := range rs {
		catalog.Register(&catalog.Entry{
			ID: r.ID, Item: r.Item, Severity: r.Severity, References: r.Refs,
			Title: r.Title, Remediation: r.Fix, Scope: []string{"node"},
		})
		rules = append(rules, r)
	}
}

func from(v inventory.Setting, name string, ok bool, msg catalog.Text) verdict {
	return verdict{ok: ok, evidence: v.Evidence(name), file: v.File, key: v.Key, msg: msg}
}

// isSet: the setting has a non-empty value.
func isSet(name string) test {
	return func(c *inventory.Component, _ *inventory.Node) verdict {
		v := c.Setting(name)
		return from(v, name, v.Value != "", catalog.F("%s is not set", "未设置 %s", name))
	}
}

// equals: the setting is one of want (case-insensitive).
func equals(name string, want ...string) test {
	return func(c *inventory.Component, _ *inventory.Node) verdict {
		v := c.Setting(name)
		for _, w := range want {
			if strings.EqualFold(v.Value, w) {
				return from(v, name, true, catalog.Text{})
			}
		}
		return from(v, name, false, catalog.F("%s is %q, want %s", "%s 为 %q，应为 %s", name, v.Value, strings.Join(want, " or ")))
	}
}

// notEquals: the setting is not bad.
func notEquals(name, bad string) test {
	return func(c *inventory.Component, _ *inventory.Node) verdict {
		v := c.Setting(name)
		return from(v, name, !strings.EqualFold(v.Value, bad), catalog.F("%s is %q", "%s 为 %q", name, v.Value))
	}
}

// unset: the flag is absent or empty.
func unset(name string) test {
	return func(c *inventory.Component, _ *inventory.Node) verdict {
		v := c.Setting(name)
		return from(v, name, v.Value == "", catalog.F("%s is set", "设置了 %s", name))
	}
}

func list(v string) []string {
	var out []string
	for _, p := range strings.Split(v, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

func contains(items []string, s string) bool {
	for _, i := range items {
		if strings.EqualFold(i, s) {
			return true
		}
	}
	return false
}

// includes: the comma-separated setting holds every item of want.
func includes(name string, want ...string) test {
	return func(c *inventory.Component, _ *inventory.Node) verdict {
		v := c.Setting(name)
		have := list(v.Value)
		var missing []string
		for _, w := range want {
			if !contains(have, w) {
				missing = append(missing, w)
			}
		}
		return from(v, name, len(missing) == 0, catalog.F("%s lacks %s", "%s 缺少 %s", name, strings.Join(missing, ", ")))
	}
}

// excludes: the comma-separated setting holds none of bad.
func excludes(name string, bad ...string) test {
	return func(c *inventory.Component, _ *inventory.Node) verdict {
		v := c.Setting(name)
		var found []string
		for _, b := range bad {
			if contains(list(v.Value), b) {
				found = append(found, b)
			}
		}
		return from(v, name, len(found) == 0, catalog.F("%s includes %s", "%s 包含 %s", name, strings.Join(found, ", ")))
	}
}

// httpsOnly: every URL of the comma-separated setting is https.
func httpsOnly(name string) test {
	return func(c *inventory.Component, _ *inventory.Node) verdict {
		v := c.Setting(name)
		urls := list(v.Value)
		for _, u := range urls {
			if !strings.HasPrefix(strings.ToLower(u), "https://") {
				return from(v, name, false, catalog.F("%s has %s, which is not https", "%s 包含非 https 地址 %s", name, u))
			}
		}
		return from(v, name, len(urls) > 0, catalog.F("%s is not set", "未设置 %s", name))
	}
}

// loopback: the address (optionally host:port) is a loopback address.
func loopback(name string) test {
	return func(c *inventory.Component, _ *inventory.Node) verdict {
		v := c.Setting(name)
		h := v.Value
		if hh, _, err := net.SplitHostPort(h); err == nil {
			h = hh
		}
		ip := net.ParseIP(h)
		ok := h == "localhost" || (ip != nil && ip.IsLoopback())
		return from(v, name, ok, catalog.F("%s is %q: reachable from the network", "%s 为 %q：可从网络访问", name, v.Value))
	}
}

// notZeroDuration: the duration setting is not 0.
func notZeroDuration(name string) test {
	return func(c *inventory.Component, _ *inventory.Node) verdict {
		v := c.Setting(name)
		d, err := time.ParseDuration(v.Value)
		if err != nil && v.Value != "0" {
			return from(v, name, v.Value != "", catalog.F("%s is %q", "%s 为 %q", name, v.Value))
		}
		return from(v, name, d != 0, catalog.F("%s is 0: idle streaming connections never time out", "%s 为 0：空闲流连接永不超时", name))
	}
}

// atLeast: the integer setting is at least n.
func atLeast(name string, n int) test {
	return func(c *inventory.Component, _ *inventory.Node) verdict {
		v := c.Setting(name)
		i, err := strconv.Atoi(v.Value)
		return from(v, name, err == nil && i >= n, catalog.F("%s is %q, want at least %d", "%s 为 %q，应至少为 %d", name, v.Value, n))
	}
}

// allOf passes when every test passes; it reports the first failure.
func allOf(ts ...test) test {
	return func(c *inventory.Component, n *inventory.Node) verdict {
		var last verdict
		var evidence []string
		for _, t := range ts {
			v := t(c, n)
			if !v.ok || v.na != "" {
				return v
			}
			evidence = append(evidence, v.evidence)
			last = v
		}
		last.evidence = strings.Join(evidence, "; ")
		return last
	}
}

// anyOf passes when one test passes; it reports the first failure otherwise.
func anyOf(ts ...test) test {
	return func(c *inventory.Component, n *inventory.Node) verdict {
		var first verdict
		for i, t := range ts {
			v := t(c, n)
			if v.ok {
				return v
			}
			if i == 0 {
				first = v
			}
		}
		return first
	}
}

// whenSet applies t only when the setting has a value; otherwise the check
// does not apply (reason given).
func whenSet(name string, why catalog.Text, t test) test {
	return func(c *inventory.Component, n *inventory.Node) verdict {
		if c.Setting(name).Value == "" {
			return verdict{na: why.EN, msg: why}
		}
		return t(c, n)
	}
}
