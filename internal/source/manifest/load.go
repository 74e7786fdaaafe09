// Package manifest reads Kubernetes objects from files, directories,
// standard input, Helm charts and kustomizations, streaming one document at
// a time so inputs of any size keep memory flat.
package manifest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"sync"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/kubeward/kubeward/internal/inventory"
)

// Options tune loading.
type Options struct {
	// DefaultNamespace is given to namespaced objects that name none.
	DefaultNamespace string
	// ValueFiles and Set override Helm chart values (helm --values, --set).
	ValueFiles []string
	Set        []string
	// Workers decode documents in parallel (default GOMAXPROCS).
	Workers int
	// Stdin is read for the path "-" (default os.Stdin).
	Stdin io.Reader
	// RenderTimeout bounds one chart render or kustomize build (default
	// DefaultRenderTimeout); AllowRemote lets kustomize fetch remote bases.
	RenderTimeout time.Duration
	AllowRemote   bool
}

// Stats describe what was read.
type Stats struct {
	Files     int
	Documents int
	Objects   int
	// Skipped counts objects not evaluated, by kind (custom resources and
	// kinds without checks).
	Skipped map[string]int
	// Errors are the inputs that could not be read, each naming file and line.
	Errors []error
	// Notices name inputs skipped on purpose: special files (pipes,
	// sockets, devices), symbolic links that leave a scanned directory,
	// broken links. Each is also counted in Skipped under a name in
	// parentheses, like "(special file)".
	Notices []string
}

// job is one document to decode.
type job struct {
	file, origin string
	doc          document
	fix          func([]*inventory.Object, document) // rendered inputs: true source locations (render.go)
}

// Load reads every path and hands each object to sink, from several
// goroutines at once. Errors in one input do not stop the others; they are
// returned in Stats.Errors.
func Load(paths []string, opts Options, sink func(*inventory.Object)) *Stats {
	if opts.DefaultNamespace == "" {
		opts.DefaultNamespace = "default"
	}
	if opts.Stdin == nil {
		opts.Stdin = os.Stdin
	}
	workers := opts.Workers
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	st := &Stats{Skipped: map[string]int{}}
	var mu sync.Mutex
	fail := func(err error) {
		mu.Lock()
		st.Errors = append(st.Errors, err)
		mu.Unlock()
	}
	jobs := make(chan job, workers*4)
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range jobs {
				d, err := decodeDocument(j.file, j.origin, j.doc, opts.DefaultNamespace)
				if err != nil {
					fail(err)
					continue
				}
				if j.fix != nil {
					j.fix(d.objects, j.doc)
				}
				for _, o := range d.objects {
					sink(o)
					o.Locate, o.LocateFile = nil, nil
				}
				mu.Lock()
				st.Documents++
				st.Objects += len(d.objects)
				for k, n := range d.skipped {
					st.Skipped[k] += n
				}
				mu.Unlock()
			}
		}()
	}
	r := &reader{opts: opts, jobs: jobs, fail: fail, skipped: map[string]int{}}
	for _, p := range paths {
		r.path(p)
	}
	close(jobs)
	wg.Wait()
	st.Files = r.files
	st.Notices = r.notices
	for k, n := range r.skipped {
		st.Skipped[k] += n
	}
	sort.Slice(st.Errors, func(i, j int) bool { return st.Errors[i].Error() < st.Errors[j].Error() })
	return st
}

// reader walks inputs and feeds documents to the workers.
type reader struct {
	opts    Options
	jobs    chan<- job
	fail    func(error)
	files   int
	notices []string
	skipped map[string]int
}

func (r *reader) path(p string) {
	if p == "-" {
		r.stream("<stdin>", "", r.opts.Stdin)
		return
	}
	// Stat follows symlinks: a symlinked file or directory given as an
	// argument is read.
	info, err := os.Stat(p)
	if err != nil {
		r.fail(&InputError{File: p, Err: unwrapPathError(err)})
		return
	}
	switch {
	case info.IsDir():
		r.dir(p)
	case info.Mode().IsRegular():
		r.file(p)
	case info.Mode()&fs.ModeNamedPipe != 0:
		// A pipe named on the command line is read like standard input:
		// the user asked for it (`scan manifests <(helm template ...)`
		// passes /dev/fd/63). Inside a directory, pipes are skipped.
		r.file(p)
	default:
		// A socket or device named as an input: never opened, and never
		// silently dropped either.
		r.fail(&InputError{File: p, Err: fmt.Errorf("%s, not a regular file or a pipe: not read", fileType(info.Mode()))})
	}
}

// notice records an input that was skipped on purpose, counting it in
// Skipped under what.
func (r *reader) notice(what, msg string) {
	r.notices = append(r.notices, msg)
	r.skipped[what]++
}

func fileType(m fs.FileMode) string {
	switch {
	case m&fs.ModeNamedPipe != 0:
		return "a named pipe"
	case m&fs.ModeSocket != 0:
		return "a socket"
	case m&fs.ModeCharDevice != 0:
		return "a character device"
	case m&fs.ModeDevice != 0:
		return "a device"
	case m&fs.ModeSymlink != 0:
		return "a symbolic link"
	}
	return "not a regular file"
}

// dir reads the manifests under root. Symbolic links inside it are followed
// only when they resolve inside root (a link out of the tree could read
// anything on the machine); others, broken links and loops are reported as
// notices and skipped. Special files are never opened.
func (r *reader) dir(root string) {
	real, err := filepath.EvalSymlinks(root)
	if err == nil {
		real, err = filepath.Abs(real)
	}
	if err != nil {
		r.fail(&InputError{File: root, Err: unwrapPathError(err)})
		return
	}
	w := &treeWalk{r: r, root: root, real: real, seen: map[string]bool{}}
	w.walk(root, real)
}

type treeWalk struct {
	r          *reader
	root, real string // as given, and its absolute path without links
	seen       map[string]bool
}

// pathWithin reports whether the absolute, link-free path p is root or
// below it.
func pathWithin(root, p string) bool {
	return p == root || strings.HasPrefix(p, root+string(filepath.Separator)) || root == string(filepath.Separator)
}

// walk reads directory path, whose real path is real.
func (w *treeWalk) walk(path, real string) {
	if w.seen[real] {
		return // reached again through a link
	}
	w.seen[real] = true
	if path != w.root && strings.HasPrefix(filepath.Base(path), ".") {
		return
	}
	if isChart(path) {
		w.r.chart(path)
		return
	}
	if k := kustomizationFile(path); k != "" {
		w.r.kustomization(path, k)
		return
	}
	entries, err := os.ReadDir(path)
	if err != nil {
		w.r.fail(&InputError{File: path, Err: unwrapPathError(err)})
		// ReadDir returns what it could read before the error.
	}
	for _, e := range entries {
		p := filepath.Join(path, e.Name())
		rp := filepath.Join(real, e.Name())
		mode := e.Type()
		if mode&fs.ModeSymlink != 0 {
			target, err := filepath.EvalSymlinks(p)
			if err == nil {
				target, err = filepath.Abs(target)
			}
			if err != nil {
				w.r.notice("(broken symbolic link)", fmt.Sprintf("%s: skipped: broken symbolic link or link loop", p))
				continue
			}
			if !pathWithin(w.real, target) {
				w.r.notice("(symbolic link out of the tree)", fmt.Sprintf("%s: skipped: symbolic link to a path outside %s", p, w.root))
				continue
			}
			info, err := os.Stat(p)
			if err != nil {
				w.r.fail(&InputError{File: p, Err: unwrapPathError(err)})
				continue
			}
			mode, rp = info.Mode().Type(), target
		}
		switch {
		case mode.IsDir():
			w.walk(p, rp)
		case mode.IsRegular():
			switch strings.ToLower(filepath.Ext(p)) {
			case ".yaml", ".yml", ".json":
				if !w.seen[rp] {
					w.seen[rp] = true
					w.r.file(p)
				}
			}
		default:
			w.r.notice("(special file)", fmt.Sprintf("%s: skipped: %s, not a regular file", p, fileType(mode)))
		}
	}
}

func unwrapPathError(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

func (r *reader) file(path string) {
	f, err := os.Open(path)
	if err != nil {
		r.fail(&InputError{File: path, Err: unwrapPathError(err)})
		return
	}
	defer f.Close()
	r.stream(path, "", f)
}

func (r *reader) chart(dir string) {
	files, err := renderChart(dir, r.opts)
	if err != nil {
		r.fail(&InputError{File: dir, Err: err})
		return
	}
	for _, f := range files {
		r.streamFix(f.name, "helm template "+dir, bytes.NewReader(f.data), f.fix)
	}
}

func (r *reader) kustomization(dir, file string) {
	files, err := renderKustomizationFiles(dir, r.opts)
	if err != nil {
		r.fail(&InputError{File: file, Err: err})
		return
	}
	for _, f := range files {
		r.streamFix(f.name, "kustomize build "+dir, bytes.NewReader(f.data), f.fix)
	}
}

// stream splits a YAML or JSON stream into documents for the workers, as
// kubectl's k8s.io/apimachinery/pkg/util/yaml.YAMLOrJSONDecoder does: a
// stream whose first non-space character (within 4 KiB) is "{" is read as
// a sequence of JSON values ({...}{...}, one per line or not); if the
// first or second value is not valid JSON, the rest of the stream from
// the end of the last good value is read as YAML.
func (r *reader) stream(name, origin string, in io.Reader) {
	r.streamFix(name, origin, in, nil)
}

// streamFix is stream for rendered inputs: fix gives their objects true
// source locations (render.go, locate.go).
func (r *reader) streamFix(name, origin string, in io.Reader, fix func([]*inventory.Object, document)) {
	r.files++
	br := newPeekReader(in)
	if binary, err := br.looksBinary(); err != nil {
		r.fail(&InputError{File: name, Err: unwrapPathError(err)})
		return
	} else if binary {
		// The line of the first NUL byte, so the message names where.
		nul := bytes.IndexByte(br.head, 0)
		r.fail(&InputError{File: name, Line: 1 + bytes.Count(br.head[:nul], []byte("\n")), Err: errBinary})
		return
	}
	var rest io.Reader = br
	line := 1
	if looksJSON(br.head) {
		var ok bool
		if rest, line, ok = r.jsonStream(name, origin, br, fix); !ok {
			return
		}
	}
	s := newSplitter(rest)
	s.line = line - 1
	for {
		doc, err := s.next()
		if errors.Is(err, io.EOF) {
			return
		}
		if err != nil {
			var de *docError
			if errors.As(err, &de) {
				r.fail(&InputError{File: name, Line: de.line, Err: de.err})
			} else {
				r.fail(&InputError{File: name, Err: unwrapPathError(err)})
			}
			return
		}
		r.jobs <- job{file: name, origin: origin, doc: doc, fix: fix}
	}
}

// jsonPeek is how far kubectl looks for the "{" that makes a stream JSON.
const jsonPeek = 4096

func looksJSON(head []byte) bool {
	head = head[:min(len(head), jsonPeek)]
	return bytes.HasPrefix(bytes.TrimLeftFunc(head, unicode.IsSpace), []byte("{"))
}

// jsonStream reads JSON values from in and queues them as documents. It
// returns what is left to read as YAML and the line it starts on, or false
// when it reported an error or read everything.
func (r *reader) jsonStream(name, origin string, in io.Reader, fix func([]*inventory.Object, document)) (io.Reader, int, bool) {
	cr := &countingReader{r: in}
	dec := json.NewDecoder(cr)
	count := 0
	line := 1          // line at the end of the last good value
	var consumed int64 // offset of the end of the last good value
	for {
		cr.limit = consumed + MaxDocumentBytes
		var raw json.RawMessage
		err := dec.Decode(&raw)
		if err == io.EOF {
			return nil, 0, false
		}
		buffered := bufferedBytes(dec)
		if err == nil {
			count++
			end := dec.InputOffset()
			// Lines read so far, less those still buffered past the value.
			endLine := cr.lines - bytes.Count(buffered, []byte{'\n'}) + 1
			start := endLine - bytes.Count(raw, []byte{'\n'})
			consumed, line = end, endLine
			r.jobs <- job{file: name, origin: origin, doc: document{data: raw, line: start, json: true}, fix: fix}
			continue
		}
		if errors.Is(err, errDocumentTooLarge) {
			r.fail(&InputError{File: name, Line: line, Err: fmt.Errorf("document larger than %d MiB", MaxDocumentBytes>>20)})
			return nil, 0, false
		}
		// As kubectl does (YAMLOrJSONDecoder.consumeWhitespace): read the
		// rest as YAML, from the end of the last good value, past white
		// space up to and including a line break. It looks 4 bytes ahead
		// at each step, and reports the JSON error when fewer are left or
		// they are not UTF-8.
		rest := bytes.Clone(buffered)
		ensure := func(n int) bool {
			if len(rest) < n {
				more := make([]byte, n-len(rest))
				k, _ := io.ReadFull(cr, more)
				rest = append(rest, more[:k]...)
			}
			return len(rest) >= n
		}
		i, restLine := 0, line
		for count <= 1 {
			if !ensure(i + 4) {
				count = 2
				break
			}
			c, size := utf8.DecodeRune(rest[i:])
			if c == utf8.RuneError {
				count = 2
				break
			}
			if !unicode.IsSpace(c) {
				break
			}
			i += size
			if c == '\n' {
				restLine++
				break
			}
		}
		if count > 1 {
			// An unambiguous JSON stream: kubectl stops with an error.
			errLine := line
			var se *json.SyntaxError
			if errors.As(err, &se) && se.Offset > consumed && int(se.Offset-consumed) <= len(buffered) {
				errLine += bytes.Count(buffered[:se.Offset-consumed], []byte{'\n'})
			} else {
				trimmed := bytes.TrimLeftFunc(buffered, unicode.IsSpace)
				errLine += bytes.Count(buffered[:len(buffered)-len(trimmed)], []byte{'\n'})
			}
			r.fail(&InputError{File: name, Line: errLine, Err: errors.New("invalid JSON: " + redact(strings.TrimPrefix(err.Error(), "json: ")))})
			return nil, 0, false
		}
		cr.limit = -1
		return io.MultiReader(bytes.NewReader(rest[i:]), cr), restLine, true
	}
}

var errDocumentTooLarge = errors.New("document too large")

// bufferedBytes returns what dec has read but not decoded.
func bufferedBytes(dec *json.Decoder) []byte {
	b, _ := io.ReadAll(dec.Buffered())
	return b
}

// countingReader counts the line breaks read through it and refuses to
// read more than limit bytes (when limit >= 0).
type countingReader struct {
	r     io.Reader
	n     int64
	lines int
	limit int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	if c.limit >= 0 && c.n > c.limit {
		return 0, errDocumentTooLarge
	}
	n, err := c.r.Read(p)
	c.n += int64(n)
	c.lines += bytes.Count(p[:n], []byte{'\n'})
	return n, err
}

// peekReader lets the first bytes of a stream be inspected.
type peekReader struct {
	r    io.Reader
	head []byte
	err  error
}

func newPeekReader(r io.Reader) *peekReader { return &peekReader{r: r} }

func (p *peekReader) looksBinary() (bool, error) {
	buf := make([]byte, 8192)
	n, err := io.ReadFull(p.r, buf)
	p.head = buf[:n]
	if err != nil && err != io.EOF && err != io.ErrUnexpectedEOF {
		return false, err
	}
	if err != nil {
		p.err = io.EOF
	}
	return bytes.IndexByte(p.head, 0) >= 0, nil
}

func (p *peekReader) Read(b []byte) (int, error) {
	if len(p.head) > 0 {
		n := copy(b, p.head)
		p.head = p.head[n:]
		return n, nil
	}
	if p.err != nil {
		return 0, p.err
	}
	return p.r.Read(b)
}

// String summarises the errors for a one-line message.
func (st *Stats) String() string {
	return fmt.Sprintf("%d files, %d objects, %d skipped, %d errors", st.Files, st.Objects, len(st.Skipped), len(st.Errors))
}
