package runtime

import (
	"fmt"
	"net/url"
	"strings"

	"github.com/kubeward/kubeward/internal/catalog"
	"github.com/kubeward/kubeward/internal/check"
	"github.com/kubeward/kubeward/internal/inventory"
	"github.com/kubeward/kubeward/internal/result"
)

type finding struct {
	file, key, what string
}

func (f finding) String() string { return f.file + ": " + f.what }

// registryAudit is what was read of one containerd's registry trust.
type registryAudit struct {
	skip, plain []finding
	configPaths []string // where hosts.toml files are read
	hostsFiles  int
	problems    []string
}

func runContainerd(_ *check.Env, n *inventory.Node, em *check.NodeEmitter) {
	cs := n.ComponentsOf(inventory.Containerd)
	if len(cs) == 0 {
		for _, id := range ContainerdIDs {
			em.Absent(id, inventory.Containerd)
		}
		return
	}
	for _, c := range cs {
		a := auditRegistries(c)
		cfg := c.ConfigFile
		if cfg == "" {
			cfg = "no config file"
		}
		scope := fmt.Sprintf("%s; %d hosts.toml under %s", cfg, a.hostsFiles, listOrNone(a.configPaths))
		for _, p := range a.problems {
			scope += "; " + p
		}
		report := func(id string, fs []finding, msg func([]string) catalog.Text) {
			if len(fs) == 0 {
				file := c.ConfigFile
				if file == "" {
					file = c.Origin()
				}
				em.Add(id, result.Pass, c, &result.Location{File: file}, catalog.Text{}, "none found in "+scope)
				return
			}
			var what []string
			for _, x := range fs {
				what = append(what, x.String())
			}
			em.Add(id, result.Fail, c, &result.Location{File: fs[0].file, Path: fs[0].key}, msg(what), strings.Join(what, "; "))
		}
		report(CtrdSkipVerify, a.skip, func(w []string) catalog.Text {
			return catalog.F("containerd does not verify registry certificates: %s", "containerd 不校验镜像仓库证书：%s", strings.Join(w, "; "))
		})
		report(CtrdPlainHTTP, a.plain, func(w []string) catalog.Text {
			return catalog.F("containerd pulls over plain http: %s", "containerd 通过明文 http 拉取镜像：%s", strings.Join(w, "; "))
		})
	}
}

func auditRegistries(c *inventory.Component) *registryAudit {
	a := &registryAudit{}
	if c.Config != nil {
		inventory.WalkConfig(c.Config, "", func(key string, v any) {
			leaf := key[strings.LastIndexByte(key, '.')+1:]
			switch leaf {
			case "insecure_skip_verify":
				if b, ok := v.(bool); ok && b {
					a.skip = append(a.skip, finding{c.ConfigFile, key, key + " = true"})
				}
			case "endpoint":
				if !strings.Contains(key, ".mirrors.") {
					return
				}
				for _, e := range asStrings(v) {
					if isHTTP(e) {
						a.plain = append(a.plain, finding{c.ConfigFile, key, key + " has " + redactURL(e)})
					}
				}
			}
		})
		a.configPaths = c.ContainerdConfigPaths()
	}
	for _, h := range c.HostsFiles {
		a.hostsFiles++
		a.auditHostsFile(h)
	}
	return a
}

// auditHostsFile judges one hosts.toml: top-level server and skip_verify,
// and every [host."URL"] table.
func (a *registryAudit) auditHostsFile(h inventory.ContainerdHostsFile) {
	file := h.File
	switch {
	case h.ReadError != "":
		a.problems = append(a.problems, fmt.Sprintf("cannot read %s: %v", file, h.ReadError))
		return
	case h.ParseError != "":
		a.problems = append(a.problems, fmt.Sprintf("cannot parse %s: %v", file, h.ParseError))
		return
	}
	if isHTTP(h.Server) {
		a.plain = append(a.plain, finding{file, "server", "server = " + redactURL(h.Server)})
	}
	if h.SkipVerify {
		a.skip = append(a.skip, finding{file, "skip_verify", "skip_verify = true"})
	}
	for _, host := range h.Hosts {
		key := fmt.Sprintf("host.%q", redactURL(host.URL))
		if isHTTP(host.URL) {
			a.plain = append(a.plain, finding{file, key, "[" + key + "]"})
		}
		if host.SkipVerify {
			a.skip = append(a.skip, finding{file, key + ".skip_verify", "[" + key + "] skip_verify = true"})
		}
	}
}

func asStrings(v any) []string {
	switch t := v.(type) {
	case string:
		return []string{t}
	case []any:
		var out []string
		for _, e := range t {
			if s, ok := e.(string); ok {
				out = append(out, s)
			}
		}
		return out
	}
	return nil
}

// redactURL hides the password of a URL's user information.
func redactURL(s string) string {
	u, err := url.Parse(strings.TrimSpace(s))
	if err != nil || u.User == nil {
		return s
	}
	if _, has := u.User.Password(); has {
		u.User = url.UserPassword(u.User.Username(), "REDACTED")
	}
	return u.String()
}

func isHTTP(u string) bool {
	return strings.HasPrefix(strings.ToLower(strings.TrimSpace(u)), "http://")
}
