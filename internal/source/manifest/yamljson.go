package manifest

import (
	"bytes"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// maxNodes bounds the JSON a document may expand to, so alias bombs
// ("billion laughs") fail fast instead of exhausting memory.
const maxNodes = 20_000_000

var errTooLarge = errors.New("document expands to too many nodes (alias bomb?)")

// toJSON writes the YAML node as JSON, resolving aliases and merge keys with
// YAML 1.2 scalar rules, as kubectl's decoder sees the document.
func toJSON(n *yaml.Node) ([]byte, error) {
	var buf bytes.Buffer
	budget := maxNodes
	if err := writeJSON(&buf, n, &budget, 0); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

func writeJSON(buf *bytes.Buffer, n *yaml.Node, budget *int, depth int) error {
	*budget--
	if *budget < 0 {
		return errTooLarge
	}
	if depth > 10_000 {
		return fmt.Errorf("line %d: nesting too deep", n.Line)
	}
	switch n.Kind {
	case yaml.DocumentNode:
		if len(n.Content) == 0 {
			buf.WriteString("null")
			return nil
		}
		return writeJSON(buf, n.Content[0], budget, depth+1)
	case yaml.AliasNode:
		return writeJSON(buf, n.Alias, budget, depth+1)
	case yaml.SequenceNode:
		buf.WriteByte('[')
		for i, c := range n.Content {
			if i > 0 {
				buf.WriteByte(',')
			}
			if err := writeJSON(buf, c, budget, depth+1); err != nil {
				return err
			}
		}
		buf.WriteByte(']')
		return nil
	case yaml.MappingNode:
		buf.WriteByte('{')
		first := true
		if err := writePairs(buf, n, budget, depth, &first); err != nil {
			return err
		}
		buf.WriteByte('}')
		return nil
	case yaml.ScalarNode:
		return writeScalar(buf, n)
	}
	return fmt.Errorf("line %d: unsupported YAML node", n.Line)
}

// writePairs writes a mapping's pairs, merged mappings ("<<") first so that
// the mapping's own keys override them (encoding/json keeps the last key).
func writePairs(buf *bytes.Buffer, n *yaml.Node, budget *int, depth int, first *bool) error {
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if k.Kind == yaml.ScalarNode && k.Tag == "!!merge" {
			if err := writeMerge(buf, v, budget, depth, first); err != nil {
				return err
			}
		}
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if k.Kind == yaml.ScalarNode && k.Tag == "!!merge" {
			continue
		}
		if k.Kind == yaml.AliasNode {
			k = k.Alias
		}
		if k.Kind != yaml.ScalarNode {
			return fmt.Errorf("line %d: mapping key is not a scalar", k.Line)
		}
		if !*first {
			buf.WriteByte(',')
		}
		*first = false
		writeString(buf, k.Value)
		buf.WriteByte(':')
		if err := writeJSON(buf, v, budget, depth+1); err != nil {
			return err
		}
	}
	return nil
}

func writeMerge(buf *bytes.Buffer, v *yaml.Node, budget *int, depth int, first *bool) error {
	if depth > 10_000 {
		return fmt.Errorf("line %d: nesting too deep", v.Line)
	}
	switch v.Kind {
	case yaml.AliasNode:
		return writeMerge(buf, v.Alias, budget, depth+1, first)
	case yaml.MappingNode:
		return writePairs(buf, v, budget, depth+1, first)
	case yaml.SequenceNode:
		for _, c := range v.Content {
			if err := writeMerge(buf, c, budget, depth+1, first); err != nil {
				return err
			}
		}
		return nil
	}
	return fmt.Errorf("line %d: merge key value is not a mapping", v.Line)
}

func writeScalar(buf *bytes.Buffer, n *yaml.Node) error {
	switch n.ShortTag() {
	case "!!null":
		buf.WriteString("null")
	case "!!bool":
		if strings.EqualFold(n.Value, "true") {
			buf.WriteString("true")
		} else {
			buf.WriteString("false")
		}
	case "!!int":
		if i, err := strconv.ParseInt(n.Value, 0, 64); err == nil {
			buf.WriteString(strconv.FormatInt(i, 10))
		} else if u, err := strconv.ParseUint(n.Value, 0, 64); err == nil {
			buf.WriteString(strconv.FormatUint(u, 10))
		} else {
			writeString(buf, n.Value)
		}
	case "!!float":
		f, err := strconv.ParseFloat(strings.ReplaceAll(n.Value, "_", ""), 64)
		if err != nil || f != f || f > 1.7e308 || f < -1.7e308 {
			writeString(buf, n.Value) // .inf, .nan: JSON has no such numbers
		} else {
			buf.WriteString(strconv.FormatFloat(f, 'g', -1, 64))
		}
	default:
		writeString(buf, n.Value)
	}
	return nil
}

const hexDigits = "0123456789abcdef"

// writeString writes s as a JSON string.
func writeString(buf *bytes.Buffer, s string) {
	buf.WriteByte('"')
	start := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 0x20 && c != '"' && c != '\\' {
			continue
		}
		buf.WriteString(s[start:i])
		switch c {
		case '"':
			buf.WriteString(`\"`)
		case '\\':
			buf.WriteString(`\\`)
		case '\n':
			buf.WriteString(`\n`)
		case '\r':
			buf.WriteString(`\r`)
		case '\t':
			buf.WriteString(`\t`)
		default:
			buf.WriteString(`\u00`)
			buf.WriteByte(hexDigits[c>>4])
			buf.WriteByte(hexDigits[c&0xf])
		}
		start = i + 1
	}
	buf.WriteString(s[start:])
	buf.WriteByte('"')
}
