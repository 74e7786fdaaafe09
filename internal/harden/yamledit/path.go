// Package yamledit applies declarative edits (check.Edit) to YAML text
// without re-encoding it: it takes positions from a goccy/go-yaml AST and
// splices bytes, so comments, blank lines, key order, quoting, indentation,
// document separators and CRLF line ends stay as they were and only the
// edited fields change. Where a splice is not safe (anchors, aliases, tags,
// merge keys, flow mappings it would have to extend, mixed line ends), it
// refuses the object and says why; the caller writes a patch instead.
//
// Tree applies the same edits to decoded YAML (maps and lists): it is the
// reference the splicer is fuzzed against, and it builds patches.
package yamledit

import (
	"fmt"
	"strings"
)

// seg is one step of a field path: a key, optionally followed by a list
// selector [SelKey=SelVal].
type seg struct {
	Key            string
	HasSel         bool
	SelKey, SelVal string
}

// ParsePath splits a field path such as
// spec.containers[name=app].securityContext.runAsNonRoot.
func parsePath(p string) ([]seg, error) {
	var out []seg
	i := 0
	for i < len(p) {
		j := i
		for j < len(p) && p[j] != '.' && p[j] != '[' {
			j++
		}
		s := seg{Key: p[i:j]}
		if s.Key == "" {
			return nil, fmt.Errorf("path %q: empty key at %d", p, i)
		}
		if j < len(p) && p[j] == '[' {
			k := strings.IndexByte(p[j:], ']')
			if k < 0 {
				return nil, fmt.Errorf("path %q: unclosed [", p)
			}
			sel := p[j+1 : j+k]
			eq := strings.IndexByte(sel, '=')
			if eq <= 0 {
				return nil, fmt.Errorf("path %q: selector %q is not key=value", p, sel)
			}
			s.HasSel, s.SelKey, s.SelVal = true, sel[:eq], sel[eq+1:]
			j += k + 1
		}
		out = append(out, s)
		if j < len(p) {
			if p[j] != '.' {
				return nil, fmt.Errorf("path %q: want . after ] at %d", p, j)
			}
			j++
			if j == len(p) {
				return nil, fmt.Errorf("path %q: ends with a dot", p)
			}
		}
		i = j
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("empty path")
	}
	return out, nil
}
