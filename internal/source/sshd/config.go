// Package sshd reads OpenSSH sshd's effective configuration: from the
// output of `sshd -T` when sshd can be asked, otherwise by parsing
// sshd_config the way sshd does (Include with globs relative to /etc/ssh,
// Match blocks, keywords case-insensitive, the first value obtained wins,
// OpenSSH's defaults for what is not set).
package sshd

import (
	"fmt"
	"path"
	"sort"
	"strings"
)

// DefaultConfig is where sshd reads its configuration without -f.
const DefaultConfig = "/etc/ssh/sshd_config"

// Dir is where sshd resolves relative Include paths.
const Dir = "/etc/ssh"

// maxIncludeDepth is sshd's limit (READCONF_MAX_DEPTH).
const maxIncludeDepth = 16

// Files reads the configuration tree.
type Files interface {
	ReadFile(name string) ([]byte, error)
	// Glob returns the names matching pattern in lexical order.
	Glob(pattern string) ([]string, error)
}

// Setting is one keyword line.
type Setting struct {
	// Keyword is the canonical lower-case keyword, aliases resolved
	// (challengeresponseauthentication is kbdinteractiveauthentication).
	Keyword string
	// Written is the keyword as written.
	Written string
	Args    []string
	File    string
	Line    int
}

// Value returns the first argument, lower-cased.
func (s Setting) Value() string {
	if len(s.Args) == 0 {
		return ""
	}
	return strings.ToLower(s.Args[0])
}

// Where renders file:line.
func (s Setting) Where() string {
	if s.Line > 0 {
		return fmt.Sprintf("%s:%d", s.File, s.Line)
	}
	return s.File
}

// Match is a conditional block: the settings sshd applies to connections
// whose user, group, host, address or port match Criteria.
type Match struct {
	Criteria string
	File     string
	Line     int
	Settings []Setting
}

// Where renders file:line of the Match line.
func (m *Match) Where() string { return fmt.Sprintf("%s:%d", m.File, m.Line) }

// Get returns the first setting of keyword inside the block.
func (m *Match) Get(keyword string) (Setting, bool) { return first(m.Settings, keyword) }

// Config is a parsed configuration tree.
type Config struct {
	Main string
	// Files lists every file read, in the order read.
	Files []string
	// Global holds the settings outside Match blocks (and in "Match all"),
	// in the order sshd reads them: command-line -o options first.
	Global  []Setting
	Matches []*Match
	// Problems are lines or includes sshd would reject or could not read.
	Problems []string
}

// Get returns the setting sshd uses for keyword when no Match block
// applies: the first one read.
func (c *Config) Get(keyword string) (Setting, bool) { return first(c.Global, canonical(keyword)) }

func first(ss []Setting, keyword string) (Setting, bool) {
	for _, s := range ss {
		if s.Keyword == keyword {
			return s, true
		}
	}
	return Setting{}, false
}

// aliases maps deprecated keywords to the one sshd treats them as.
var aliases = map[string]string{
	"challengeresponseauthentication": "kbdinteractiveauthentication",
	"skeyauthentication":              "kbdinteractiveauthentication",
	"dsaauthentication":               "pubkeyauthentication",
	"pubkeyacceptedkeytypes":          "pubkeyacceptedalgorithms",
	"hostbasedacceptedkeytypes":       "hostbasedacceptedalgorithms",
	"authorizedkeysfile2":             "authorizedkeysfile",
}

func canonical(keyword string) string {
	k := strings.ToLower(keyword)
	if a, ok := aliases[k]; ok {
		return a
	}
	return k
}

// Load parses the configuration tree rooted at main, with command-line -o
// options (as given to sshd: "Keyword=value" or "Keyword value") read
// before it, as sshd does.
func Load(fsys Files, main string, overrides []string) (*Config, error) {
	c := &Config{Main: main}
	for _, o := range overrides {
		kw, args, ok := splitLine(o)
		if !ok || len(args) == 0 {
			continue
		}
		c.Global = append(c.Global, Setting{Keyword: canonical(kw), Written: kw, Args: args, File: "command line -o"})
	}
	data, err := fsys.ReadFile(main)
	if err != nil {
		return c, err
	}
	p := &parser{fsys: fsys, c: c}
	p.parse(main, data, nil, 0)
	return c, nil
}

type parser struct {
	fsys Files
	c    *Config
}

// parse reads one file. inherited is the Match block an Include sat in:
// the file's lines belong to it, and a Match inside the file ends at the
// end of the file, as sshd restores the match state after an Include.
func (p *parser) parse(name string, data []byte, inherited *Match, depth int) {
	p.c.Files = append(p.c.Files, name)
	cur := inherited
	for i, line := range strings.Split(string(data), "\n") {
		kw, args, ok := splitLine(line)
		if !ok {
			continue
		}
		lineNo := i + 1
		key := canonical(kw)
		switch key {
		case "match":
			criteria := strings.Join(args, " ")
			if strings.EqualFold(criteria, "all") {
				// "Match all" applies to every connection: its settings are global.
				cur = nil
				if inherited != nil {
					cur = inherited
				}
				continue
			}
			if len(args) == 0 {
				p.c.Problems = append(p.c.Problems, fmt.Sprintf("%s:%d: Match without criteria", name, lineNo))
				continue
			}
			cur = &Match{Criteria: criteria, File: name, Line: lineNo}
			if inherited != nil {
				cur.Criteria = inherited.Criteria + " and " + criteria
			}
			p.c.Matches = append(p.c.Matches, cur)
		case "include":
			if depth+1 > maxIncludeDepth {
				p.c.Problems = append(p.c.Problems, fmt.Sprintf("%s:%d: Include nested too deep (more than %d levels)", name, lineNo, maxIncludeDepth))
				continue
			}
			for _, pattern := range args {
				if !path.IsAbs(pattern) {
					pattern = path.Join(Dir, pattern)
				}
				names, err := p.fsys.Glob(pattern)
				if err != nil {
					p.c.Problems = append(p.c.Problems, fmt.Sprintf("%s:%d: Include %s: %v", name, lineNo, pattern, err))
					continue
				}
				sort.Strings(names)
				for _, inc := range names {
					b, err := p.fsys.ReadFile(inc)
					if err != nil {
						p.c.Problems = append(p.c.Problems, fmt.Sprintf("%s:%d: Include %s: %v", name, lineNo, inc, err))
						continue
					}
					p.parse(inc, b, cur, depth+1)
				}
			}
		default:
			if len(args) == 0 {
				p.c.Problems = append(p.c.Problems, fmt.Sprintf("%s:%d: no argument after keyword %q", name, lineNo, kw))
				continue
			}
			s := Setting{Keyword: key, Written: kw, Args: args, File: name, Line: lineNo}
			if cur != nil {
				cur.Settings = append(cur.Settings, s)
			} else {
				p.c.Global = append(p.c.Global, s)
			}
		}
	}
}

// splitLine splits a config line into its keyword and arguments as sshd
// does: the keyword ends at whitespace or "=", one "=" may separate it from
// the arguments, arguments split on whitespace with "double" and 'single'
// quotes and backslash escapes, and an unquoted argument starting with "#"
// ends the line. ok is false for blank and comment lines.
func splitLine(line string) (keyword string, args []string, ok bool) {
	s := strings.TrimLeft(line, " \t\r\f")
	s = strings.TrimRight(s, " \t\r\n\f")
	if s == "" || s[0] == '#' {
		return "", nil, false
	}
	end := strings.IndexAny(s, " \t=")
	if end < 0 {
		return s, nil, true
	}
	keyword = s[:end]
	rest := strings.TrimLeft(s[end:], " \t")
	if strings.HasPrefix(rest, "=") {
		rest = strings.TrimLeft(rest[1:], " \t")
	}
	return keyword, splitArgs(rest), true
}

func splitArgs(s string) []string {
	var out []string
	var cur strings.Builder
	in := false // building an argument
	quote := byte(0)
	for i := 0; i < len(s); i++ {
		ch := s[i]
		switch {
		case quote != 0:
			if ch == quote {
				quote = 0
				continue
			}
			if ch == '\\' && i+1 < len(s) && (s[i+1] == quote || s[i+1] == '\\') {
				i++
				ch = s[i]
			}
			cur.WriteByte(ch)
		case ch == ' ' || ch == '\t':
			if in {
				out = append(out, cur.String())
				cur.Reset()
				in = false
			}
		case ch == '#' && !in:
			return out
		case ch == '"' || ch == '\'':
			quote = ch
			in = true
		case ch == '\\' && i+1 < len(s):
			i++
			cur.WriteByte(s[i])
			in = true
		default:
			cur.WriteByte(ch)
			in = true
		}
	}
	if in {
		out = append(out, cur.String())
	}
	return out
}
