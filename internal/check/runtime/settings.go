package runtime

import (
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/kubeward/kubeward/internal/inventory"
)

// setting says where dockerd reads one of its settings: command-line flags
// (first name canonical), a daemon.json key, an environment variable and
// its built-in default. dockerd refuses to start when a setting is given
// both as a flag and in daemon.json, so the flag, when present, is the
// value in force.
type setting struct {
	flags []string
	keys  []string
	env   string
	def   string
	multi string // "list" or "map" for settings given several times
}

var settings = map[string]setting{
	"icc":               {flags: []string{"icc"}, keys: []string{"icc"}, def: "true"},
	"userns-remap":      {flags: []string{"userns-remap"}, keys: []string{"userns-remap"}},
	"live-restore":      {flags: []string{"live-restore"}, keys: []string{"live-restore"}, def: "false"},
	"no-new-privileges": {flags: []string{"no-new-privileges"}, keys: []string{"no-new-privileges"}, def: "false"},
	"log-driver":        {flags: []string{"log-driver"}, keys: []string{"log-driver"}, def: "json-file"},
	"storage-driver":    {flags: []string{"storage-driver", "s"}, keys: []string{"storage-driver"}},
	"data-root":         {flags: []string{"data-root", "graph", "g"}, keys: []string{"data-root", "graph"}, def: "/var/lib/docker"},
	"insecure-registry": {flags: []string{"insecure-registry"}, keys: []string{"insecure-registries"}, multi: "list"},
	"tlsverify":         {flags: []string{"tlsverify"}, keys: []string{"tlsverify"}, env: "DOCKER_TLS_VERIFY", def: "false"},
	"tlscacert":         {flags: []string{"tlscacert"}, keys: []string{"tlscacert"}},
	"group":             {flags: []string{"group", "G"}, keys: []string{"group"}, def: "docker"},
	"log-opt":           {flags: []string{"log-opt"}, keys: []string{"log-opts"}, multi: "map"},
}

// value is a dockerd setting in force and where it came from.
type value struct {
	Value string
	List  []string          // every value of a list setting
	Map   map[string]string // a map setting (log-opts)
	Set   bool
	From  string // "flag --icc", "daemon.json key icc", "env X", "default"
	File  string // the file to change: the command line's origin or daemon.json
	Key   string // the flag or key
}

// get resolves a dockerd setting: flag, then daemon.json, then
// environment, then default.
func get(c *inventory.Component, name string) value {
	s := settings[name]
	for _, fl := range s.flags {
		if vs := c.Flags[fl]; len(vs) > 0 {
			dash := "--"
			if len(fl) == 1 {
				dash = "-"
			}
			v := value{Value: vs[len(vs)-1], List: vs, Set: true, From: "flag " + dash + fl, File: c.Origin(), Key: dash + fl}
			switch s.multi {
			case "list":
				v.Value = strings.Join(vs, ",")
			case "map":
				v.Map = kvMap(vs)
				v.Value = mapString(v.Map)
			}
			return v
		}
	}
	for _, k := range s.keys {
		raw, ok := c.ConfigValue(k)
		if !ok || raw == nil {
			continue
		}
		v := value{Set: true, From: "daemon.json key " + k, File: c.ConfigFile, Key: k}
		switch t := raw.(type) {
		case []any:
			for _, e := range t {
				v.List = append(v.List, inventory.FormatValue(e))
			}
			v.Value = strings.Join(v.List, ",")
		case map[string]any:
			v.Map = map[string]string{}
			for mk, mv := range t {
				v.Map[mk] = inventory.FormatValue(mv)
			}
			v.Value = mapString(v.Map)
		default:
			v.Value = inventory.FormatValue(raw)
			v.List = []string{v.Value}
		}
		return v
	}
	if s.env != "" {
		if ev, ok := c.Env[s.env]; ok {
			v := value{Set: true, From: "env " + s.env, File: c.Origin(), Key: s.env, Value: ev}
			if s.env == "DOCKER_TLS_VERIFY" {
				// dockerd turns TLS verification on when the variable is non-empty.
				v.Value = strconv.FormatBool(ev != "")
			}
			return v
		}
	}
	file, key := c.Origin(), "--"+s.flags[0]
	if c.ConfigFile != "" && len(s.keys) > 0 {
		file, key = c.ConfigFile, s.keys[0]
	}
	v := value{Value: s.def, From: "default", File: file, Key: key}
	if s.def != "" {
		v.List = []string{s.def}
	}
	return v
}

// kvMap reads repeated key=value flags (--log-opt max-size=10m).
func kvMap(vs []string) map[string]string {
	m := map[string]string{}
	for _, e := range vs {
		if k, v, ok := strings.Cut(e, "="); ok {
			m[k] = v
		}
	}
	return m
}

func mapString(m map[string]string) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = k + "=" + m[k]
	}
	return strings.Join(parts, ",")
}

// evidence renders name=value (origin).
func (v value) evidence(name string) string {
	val := v.Value
	if val == "" {
		val = "<unset>"
	}
	return fmt.Sprintf("%s=%s (%s)", name, val, v.From)
}

func isTrue(s string) bool {
	b, err := strconv.ParseBool(strings.TrimSpace(s))
	return err == nil && b
}

func isFalse(s string) bool {
	b, err := strconv.ParseBool(strings.TrimSpace(s))
	return err == nil && !b
}
