package inventory

import (
	"fmt"
	"path/filepath"
	"sort"
	"strings"
)

// DefaultContainerdCertsDir is where containerd 2 (config version 3) reads
// registry hosts.toml files when no config_path says otherwise.
const DefaultContainerdCertsDir = "/etc/containerd/certs.d"

// WalkConfig visits every leaf of a parsed TOML document with its dotted
// key (keys holding dots, colons, slashes or spaces quoted), in key order;
// arrays of tables are walked with their index.
func WalkConfig(v any, prefix string, visit func(key string, v any)) {
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
			WalkConfig(t[k], name, visit)
		}
	case []any:
		tables := false
		for i, e := range t {
			if _, ok := e.(map[string]any); ok {
				tables = true
				WalkConfig(e, fmt.Sprintf("%s[%d]", prefix, i), visit)
			}
		}
		if !tables {
			visit(prefix, v)
		}
	default:
		visit(prefix, v)
	}
}

// ConfigVersion is a containerd config's version (1 when unset).
func ConfigVersion(cfg map[string]any) int64 {
	switch v := cfg["version"].(type) {
	case int64:
		return v
	case float64:
		return int64(v)
	}
	return 1
}

// ContainerdConfigPaths are the directories a containerd reads registry
// hosts.toml files from: every config_path of its config (a path list),
// else the default certs.d for a version 3 config.
func (c *Component) ContainerdConfigPaths() []string {
	if c.Config == nil {
		return nil
	}
	var out []string
	WalkConfig(c.Config, "", func(key string, v any) {
		if key[strings.LastIndexByte(key, '.')+1:] != "config_path" {
			return
		}
		if s, ok := v.(string); ok {
			for _, p := range filepath.SplitList(s) {
				if p = strings.TrimSpace(p); p != "" {
					out = append(out, p)
				}
			}
		}
	})
	if len(out) == 0 && ConfigVersion(c.Config) >= 3 {
		out = []string{DefaultContainerdCertsDir}
	}
	return out
}
