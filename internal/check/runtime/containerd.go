package runtime

import (
	"fmt"
	"net/url"
	"path/filepath"
	"sort"
	"strings"

	"github.com/pelletier/go-toml/v2"

	"github.com/kubeward/kubeward/internal/catalog"
	"github.com/kubeward/kubeward/internal/check"
	"github.com/kubeward/kubeward/internal/check/controlplane"
	"github.com/kubeward/kubeward/internal/inventory"
	"github.com/kubeward/kubeward/internal/result"
	"github.com/kubeward/kubeward/internal/source/host"
)

// defaultCertsDir is the registry config_path containerd 2 (config
// version 3) uses when none is set.
const defaultCertsDir = "/etc/containerd/certs.d"

// finding is one insecure registry setting.
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

func runContainerd(_ *check.Env, n *inventory.Node, f *host.FS, em *controlplane.Emitter) {
	cs := n.ComponentsOf(host.Containerd)
	if len(cs) == 0 {
		for _, id := range ContainerdIDs {
			em.Absent(id, host.Containerd)
		}
		return
	}
	for _, c := range cs {
		a := auditRegistries(f, c)
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

func auditRegistries(f *host.FS, c *inventory.Component) *registryAudit {
	a := &registryAudit{}
	if c.Config != nil {
		walkConfig(c.Config, "", func(key string, v any) {
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
			case "config_path":
				if s, ok := v.(string); ok {
					for _, p := range filepath.SplitList(s) {
						if p = strings.TrimSpace(p); p != "" {
							a.configPaths = append(a.configPaths, p)
						}
					}
				}
			}
		})
		if len(a.configPaths) == 0 && configVersion(c.Config) >= 3 {
			a.configPaths = []string{defaultCertsDir}
		}
	}
	for _, dir := range a.configPaths {
		matches, _ := filepath.Glob(f.Path(filepath.Join(f.ForProcess(c.PID, dir), "*", "hosts.toml")))
		sort.Strings(matches)
		for _, m := range matches {
			file := m
			if f.Root != "" && f.Root != "/" {
				file = "/" + strings.TrimPrefix(m, filepath.Clean(f.Root)+"/")
			}
			a.hostsFiles++
			a.auditHostsFile(f, file)
		}
	}
	return a
}

// auditHostsFile reads one hosts.toml: top-level server and skip_verify,
// and every [host."URL"] table.
func (a *registryAudit) auditHostsFile(f *host.FS, file string) {
	data, err := f.ReadFile(file)
	if err != nil {
		a.problems = append(a.problems, fmt.Sprintf("cannot read %s: %v", file, unwrapPath(err)))
		return
	}
	m := map[string]any{}
	if err := toml.Unmarshal(data, &m); err != nil {
		a.problems = append(a.problems, fmt.Sprintf("cannot parse %s: %v", file, err))
		return
	}
	if s, ok := m["server"].(string); ok && isHTTP(s) {
		a.plain = append(a.plain, finding{file, "server", "server = " + redactURL(s)})
	}
	if b, ok := m["skip_verify"].(bool); ok && b {
		a.skip = append(a.skip, finding{file, "skip_verify", "skip_verify = true"})
	}
	hosts, _ := m["host"].(map[string]any)
	names := make([]string, 0, len(hosts))
	for h := range hosts {
		names = append(names, h)
	}
	sort.Strings(names)
	for _, h := range names {
		key := fmt.Sprintf("host.%q", redactURL(h))
		if isHTTP(h) {
			a.plain = append(a.plain, finding{file, key, "[" + key + "]"})
		}
		if t, ok := hosts[h].(map[string]any); ok {
			if b, ok := t["skip_verify"].(bool); ok && b {
				a.skip = append(a.skip, finding{file, key + ".skip_verify", "[" + key + "] skip_verify = true"})
			}
		}
	}
}

// walkConfig visits every leaf of a parsed TOML document with its dotted key.
func walkConfig(v any, prefix string, visit func(key string, v any)) {
	switch t := v.(type) {
	case map[string]any:
		keys := make([]string, 0, len(t))
		for k := range t {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			name := k
			if strings.ContainsAny(k, ".:/ ") {
				name = fmt.Sprintf("%q", k)
			}
			if prefix != "" {
				name = prefix + "." + name
			}
			walkConfig(t[k], name, visit)
		}
	case []any:
		tables := false
		for i, e := range t {
			if _, ok := e.(map[string]any); ok {
				tables = true
				walkConfig(e, fmt.Sprintf("%s[%d]", prefix, i), visit)
			}
		}
		if !tables {
			visit(prefix, v)
		}
	default:
		visit(prefix, v)
	}
}

func configVersion(cfg map[string]any) int64 {
	switch v := cfg["version"].(type) {
	case int64:
		return v
	case float64:
		return int64(v)
	}
	return 1
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
