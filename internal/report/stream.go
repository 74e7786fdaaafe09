package report

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"io"
)

// streamPlaceholder stands in the envelope for the array that is streamed.
var streamPlaceholder = json.RawMessage(`"\u0000kubeward:stream\u0000"`)

// writeStreamed writes the JSON envelope v, one of whose fields holds
// streamPlaceholder, and streams an array of n items in its place: item(i)
// returns the i-th value, or false to leave it out. Each item is encoded on
// its own, so memory does not grow with the number of items; the output is
// the same as encoding the whole value at once (json.Encoder, indented by two
// spaces unless compact, with a final newline).
func writeStreamed(w io.Writer, v any, compact bool, n int, item func(i int) (any, bool)) error {
	var env []byte
	var err error
	if compact {
		env, err = json.Marshal(v)
	} else {
		env, err = json.MarshalIndent(v, "", "  ")
	}
	if err != nil {
		return err
	}
	ph := []byte(`"\u0000kubeward:stream\u0000"`)
	at := bytes.Index(env, ph)
	if at < 0 {
		return errors.New("report: stream placeholder missing")
	}
	lineStart := bytes.LastIndexByte(env[:at], '\n') + 1
	indent := ""
	for _, c := range env[lineStart:at] {
		if c != ' ' {
			break
		}
		indent += " "
	}
	itemIndent := indent + "  "
	bw := bufio.NewWriterSize(w, 64<<10)
	bw.Write(env[:at])
	bw.WriteByte('[')
	written := 0
	// One encoder and buffer for every item: little garbage per item.
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	if !compact {
		enc.SetIndent(itemIndent, "  ")
	}
	for i := range n {
		x, ok := item(i)
		if !ok {
			continue
		}
		buf.Reset()
		if err := enc.Encode(x); err != nil {
			return err
		}
		b := bytes.TrimSuffix(buf.Bytes(), []byte("\n"))
		if written > 0 {
			bw.WriteByte(',')
		}
		if !compact {
			bw.WriteByte('\n')
			bw.WriteString(itemIndent)
		}
		bw.Write(b)
		written++
	}
	if written > 0 && !compact {
		bw.WriteByte('\n')
		bw.WriteString(indent)
	}
	bw.WriteByte(']')
	bw.Write(env[at+len(ph):])
	bw.WriteByte('\n')
	return bw.Flush()
}
