package cli

import (
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
	"sync"
	"time"

	"golang.org/x/term"

	"github.com/kubeward/kubeward/internal/inventory"
)

// isTerminal reports whether w is a terminal (tests replace it).
var isTerminal = func(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

// isPipe reports whether w is a pipe (kubeward ... | jq).
var isPipe = func(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeNamedPipe != 0
}

// progressInterval is how often the progress line is redrawn at most.
const progressInterval = 150 * time.Millisecond

// progress draws one line on stderr while a long audit reads its input:
// files and objects read, objects listed per resource type. It draws only
// when stderr is a terminal, the report does not go to a pipe, and CI is
// not set; otherwise every method does nothing. The line is cleared before
// the report is written.
type progress struct {
	w     io.Writer
	label string
	unit  string // what the total counts: "objects", "node reports"

	mu     sync.Mutex
	last   time.Time
	drawn  bool
	files  int
	file   string
	total  int
	byKind map[string]int
	now    func() time.Time
}

// newProgress returns the progress line of an audit, nil (which draws
// nothing) when it must stay silent.
func (g *globalOptions) newProgress(label string) *progress {
	if os.Getenv("CI") != "" || !isTerminal(g.stderr) || isPipe(g.stdout) {
		return nil
	}
	return &progress{w: g.stderr, label: label, unit: "objects", byKind: map[string]int{}, now: time.Now}
}

// object counts an object read and redraws the line when it is due.
func (p *progress) object(o *inventory.Object) {
	if p == nil {
		return
	}
	p.count(o.Kind, o.File)
}

// count counts one item of a kind (an object, a node report), read from
// file when it came from one, and redraws the line when it is due.
func (p *progress) count(kind, file string) {
	if p == nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.total++
	p.byKind[kind]++
	if file != "" && file != p.file {
		p.file = file
		p.files++
	}
	if t := p.now(); t.Sub(p.last) >= progressInterval {
		p.last = t
		p.draw()
	}
}

// draw writes the line: the label, files read, objects, and the kinds with
// most objects.
func (p *progress) draw() {
	var b strings.Builder
	fmt.Fprintf(&b, "\r\x1b[Kkubeward: %s: ", p.label)
	if p.files > 0 {
		fmt.Fprintf(&b, "%d files, ", p.files)
	}
	fmt.Fprintf(&b, "%d %s", p.total, p.unit)
	kinds := make([]string, 0, len(p.byKind))
	for k := range p.byKind {
		kinds = append(kinds, k)
	}
	sort.Slice(kinds, func(i, j int) bool {
		if p.byKind[kinds[i]] != p.byKind[kinds[j]] {
			return p.byKind[kinds[i]] > p.byKind[kinds[j]]
		}
		return kinds[i] < kinds[j]
	})
	if len(kinds) > 0 {
		var parts []string
		for _, k := range kinds[:min(4, len(kinds))] {
			parts = append(parts, fmt.Sprintf("%s %d", k, p.byKind[k]))
		}
		fmt.Fprintf(&b, " (%s", strings.Join(parts, ", "))
		if len(kinds) > 4 {
			fmt.Fprintf(&b, ", +%d kinds", len(kinds)-4)
		}
		b.WriteString(")")
	}
	_, _ = io.WriteString(p.w, b.String()) // progress is best effort: a closed stderr must not stop the audit
	p.drawn = true
}

// step shows a stage of the audit that reads no objects (evaluating,
// writing the report).
func (p *progress) step(what string) {
	if p == nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	fmt.Fprintf(p.w, "\r\x1b[Kkubeward: %s: %s", p.label, what)
	p.drawn = true
}

// done clears the line, so the report and messages start on a clean one.
func (p *progress) done() {
	if p == nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.drawn {
		_, _ = io.WriteString(p.w, "\r\x1b[K")
	}
}
