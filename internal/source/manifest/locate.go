package manifest

import (
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// locate returns the line of the field at path inside root, or of the
// deepest part of the path that exists. Paths look like
// spec.containers[0].securityContext.privileged; a bracketed key that is not
// a number is a map key that may contain dots: metadata.annotations[a.b/c].
func locate(root *yaml.Node, path string) int {
	n := root
	line := root.Line
	for _, seg := range splitPath(path) {
		for n.Kind == yaml.AliasNode || n.Kind == yaml.DocumentNode {
			if n.Kind == yaml.AliasNode {
				n = n.Alias
			} else if len(n.Content) > 0 {
				n = n.Content[0]
			} else {
				return line
			}
		}
		switch {
		case seg.index >= 0:
			if n.Kind != yaml.SequenceNode || seg.index >= len(n.Content) {
				return line
			}
			n = n.Content[seg.index]
			line = n.Line
		default:
			if n.Kind != yaml.MappingNode {
				return line
			}
			found := false
			for i := 0; i+1 < len(n.Content); i += 2 {
				if n.Content[i].Value == seg.key {
					line = n.Content[i].Line
					n = n.Content[i+1]
					found = true
					break
				}
			}
			if !found {
				return line
			}
		}
	}
	return line
}

type pathSeg struct {
	key   string
	index int // -1 for a key
}

func splitPath(path string) []pathSeg {
	var segs []pathSeg
	for len(path) > 0 {
		switch path[0] {
		case '.':
			path = path[1:]
		case '[':
			end := strings.IndexByte(path, ']')
			if end < 0 {
				return append(segs, pathSeg{key: path[1:], index: -1})
			}
			inner := path[1:end]
			if i, err := strconv.Atoi(inner); err == nil {
				segs = append(segs, pathSeg{index: i})
			} else {
				segs = append(segs, pathSeg{key: inner, index: -1})
			}
			path = path[end+1:]
		default:
			end := strings.IndexAny(path, ".[")
			if end < 0 {
				end = len(path)
			}
			segs = append(segs, pathSeg{key: path[:end], index: -1})
			path = path[end:]
		}
	}
	return segs
}
