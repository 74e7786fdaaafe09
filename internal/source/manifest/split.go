package manifest

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
)

// MaxDocumentBytes bounds one YAML document. etcd refuses objects over
// 1.5 MiB, so anything far larger is not a Kubernetes object; the bound keeps
// memory flat on huge or hostile inputs.
const MaxDocumentBytes = 64 << 20

// document is one YAML document of a stream and the line it starts on.
type document struct {
	data []byte
	line int  // 1-based line of the document's first byte in its file
	json bool // a value of a JSON stream, not YAML
}

// splitter cuts a YAML stream into documents at "---" separator lines, the
// way kubectl does (k8s.io/apimachinery/pkg/util/yaml.YAMLReader): a line
// that starts with "---" separates documents when only spaces or a comment
// follow; anything else after it is an error, as in kubectl. It tracks line
// numbers and never holds more than one document in memory.
type splitter struct {
	r    *bufio.Reader
	line int // lines consumed so far
	err  error
}

func newSplitter(r io.Reader) *splitter {
	return &splitter{r: bufio.NewReaderSize(r, 64<<10)}
}

// next returns the next document, or io.EOF.
func (s *splitter) next() (document, error) {
	if s.err != nil {
		return document{}, s.err
	}
	var buf bytes.Buffer
	start := s.line + 1
	for {
		line, err := s.r.ReadSlice('\n')
		if errors.Is(err, bufio.ErrBufferFull) {
			// A very long line: accumulate it whole.
			buf.Write(line)
			if buf.Len() > MaxDocumentBytes {
				s.err = &docError{line: start, err: fmt.Errorf("document larger than %d MiB", MaxDocumentBytes>>20)}
				return document{}, s.err
			}
			continue
		}
		if len(line) > 0 {
			s.line++
		}
		if sep, bad := isSeparator(line); bad {
			s.err = &docError{line: s.line, err: errors.New("invalid document separator: only a comment may follow ---")}
			return document{}, s.err
		} else if sep {
			if len(bytes.TrimSpace(buf.Bytes())) > 0 {
				return document{data: buf.Bytes(), line: start}, nil
			}
			if buf.Len() == 0 && len(line) > 3 && line[3] == '#' {
				// kubectl keeps a separator that starts a document in
				// it; "---#" is no document marker for YAML but text.
				buf.Write(line)
				start = s.line
				continue
			}
			buf.Reset()
			start = s.line + 1
			continue
		}
		buf.Write(line)
		if buf.Len() > MaxDocumentBytes {
			s.err = &docError{line: start, err: fmt.Errorf("document larger than %d MiB", MaxDocumentBytes>>20)}
			return document{}, s.err
		}
		if err == io.EOF {
			s.err = io.EOF
			if buf.Len() == 0 {
				return document{}, io.EOF
			}
			return document{data: buf.Bytes(), line: start}, nil
		}
		if err != nil {
			s.err = err
			return document{}, err
		}
	}
}

// isSeparator reports whether line is a document separator: "---" at the
// start of the line followed only by white space or a comment. bad is set
// when something else follows, which kubectl refuses.
func isSeparator(line []byte) (sep, bad bool) {
	if !bytes.HasPrefix(line, []byte("---")) {
		return false, false
	}
	rest := bytes.TrimSpace(line[3:])
	if len(rest) == 0 || rest[0] == '#' {
		return true, false
	}
	return false, true
}
