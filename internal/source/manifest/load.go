// Package manifest reads Kubernetes objects from files, directories,
// standard input, Helm charts and kustomizations, streaming one document at
// a time so inputs of any size keep memory flat.
package manifest

import (
	"bytes"
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
					o.Locate = nil
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
	r := &reader{opts: opts, jobs: jobs, fail: fail}
	for _, p := range paths {
		r.path(p)
	}
	close(jobs)
	wg.Wait()
	st.Files = r.files
	sort.Slice(st.Errors, func(i, j int) bool { return st.Errors[i].Error() < st.Errors[j].Error() })
	return st
}

// reader walks inputs and feeds documents to the workers.
type reader struct {
	opts  Options
	jobs  chan<- job
	fail  func(error)
	files int
}

func (r *reader) path(p string) {
	if p == "-" {
		r.stream("<stdin>", "", r.opts.Stdin)
		return
	}
	info, err := os.Stat(p)
	if err != nil {
		r.fail(&InputError{File: p, Err: errors.Unwrap(err)})
		return
	}
	if !info.IsDir() {
		r.file(p)
		return
	}
	err = filepath.WalkDir(p, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			r.fail(&InputError{File: path, Err: unwrapPathError(err)})
			return nil
		}
		if d.IsDir() {
			if path != p && strings.HasPrefix(d.Name(), ".") {
				return filepath.SkipDir
			}
			if isChart(path) {
				r.chart(path)
				return filepath.SkipDir
			}
			if k := kustomizationFile(path); k != "" {
				r.kustomization(path, k)
				return filepath.SkipDir
			}
			return nil
		}
		switch strings.ToLower(filepath.Ext(path)) {
		case ".yaml", ".yml", ".json":
			r.file(path)
		}
		return nil
	})
	if err != nil {
		r.fail(&InputError{File: p, Err: err})
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

// stream splits a YAML or JSON stream into documents for the workers.
func (r *reader) stream(name, origin string, in io.Reader) { r.streamFix(name, origin, in, nil) }

// streamFix is stream for rendered inputs: fix gives their objects true
// source locations (render.go, locate.go).
func (r *reader) streamFix(name, origin string, in io.Reader, fix func([]*inventory.Object, document)) {
	r.files++
	br := newPeekReader(in)
	if binary, err := br.looksBinary(); err != nil {
		r.fail(&InputError{File: name, Err: unwrapPathError(err)})
		return
	} else if binary {
		r.fail(&InputError{File: name, Err: errors.New("binary file, not YAML or JSON")})
		return
	}
	s := newSplitter(br)
	for {
		doc, err := s.next()
		if err == io.EOF {
			return
		}
		if err != nil {
			r.fail(&InputError{File: name, Err: unwrapPathError(err)})
			return
		}
		r.jobs <- job{file: name, origin: origin, doc: doc, fix: fix}
	}
}

// peekReader lets the first bytes of a stream be inspected.
type peekReader struct {
	r    io.Reader
	head []byte
	err  error
	done bool
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
