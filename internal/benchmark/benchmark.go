// Package benchmark holds the benchmarks kubeward reports compliance with —
// CIS Kubernetes v1.12 and CIS Docker v1.6.0 — as tables of every
// recommendation (ID, title, automated or manual, the audit step), embedded
// from the YAML files beside this file, and builds the compliance view
// (View) of an audit's results against one of them.
//
// A check names the recommendations it implements in its References, in the
// pinned form "<cite> <id>": "CIS Kubernetes v1.12 1.2.24", "CIS Docker
// v1.6.0 5.12". Resolve reads that form; a test checks every reference of the
// catalogue against these tables.
package benchmark

import (
	"bytes"
	"embed"
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync"

	"go.yaml.in/yaml/v3"

	"github.com/kubeward/kubeward/internal/catalog"
)

//go:embed cis-kubernetes-1.12.yaml cis-docker-1.6.0.yaml
var files embed.FS

// The benchmarks' IDs (the --benchmark values).
const (
	CISKubernetes = "cis-kubernetes-1.12"
	CISDocker     = "cis-docker-1.6.0"
)

// aliases are other names --benchmark accepts.
var aliases = map[string]string{"cis-docker-1.6": CISDocker, "cis-kubernetes-v1.12": CISKubernetes, "cis-docker-v1.6.0": CISDocker}

// Benchmark is one benchmark's table of recommendations.
type Benchmark struct {
	// ID names the benchmark on the command line (--benchmark).
	ID string `yaml:"id"`
	// Cite is how a check's reference names the benchmark and its version:
	// a reference is Cite, a space and a recommendation ID.
	Cite string `yaml:"cite"`
	Name string `yaml:"name"`
	// Source is where the numbering and titles were taken from.
	Source   string    `yaml:"source"`
	Sections []Section `yaml:"sections"`
}

// Section is a group of recommendations ("1.2 API Server").
type Section struct {
	ID              string           `yaml:"id"`
	Title           catalog.Text     `yaml:"title"`
	Recommendations []Recommendation `yaml:"recommendations"`
}

// Recommendation is one recommendation of a benchmark.
type Recommendation struct {
	ID string `yaml:"id"`
	// Title is the benchmark's own title, in English as the benchmark
	// publishes it (auditors compare it with the benchmark's text).
	Title string `yaml:"title"`
	// Automated is set when the benchmark scores the recommendation
	// (Automated); otherwise it is Manual.
	Automated bool `yaml:"automated"`
	// Audit is the step a person runs to check it.
	Audit string `yaml:"audit"`
	// Note says where kubeward's plan deliberately differs from the benchmark.
	Note *catalog.Text `yaml:"note,omitempty"`
	// Swarm marks recommendations that apply only when Docker swarm mode is
	// active.
	Swarm bool `yaml:"swarm,omitempty"`
	// Why says why kubeward does not automate a recommendation the
	// benchmark scores (Automated); the coverage table shows it.
	Why *catalog.Text `yaml:"why,omitempty"`
	// Match tells this recommendation's results apart when a check
	// implements several: a FAIL of such a check counts here when its
	// subject or location contains one of these strings (or when it
	// matches none of the check's recommendations: a FAIL is never lost).
	Match []string `yaml:"match,omitempty"`
}

var (
	loadOnce sync.Once
	loaded   []*Benchmark
	loadErr  error
)

// All returns the shipped benchmarks, Kubernetes first.
func All() ([]*Benchmark, error) {
	loadOnce.Do(func() {
		for _, name := range []string{"cis-kubernetes-1.12.yaml", "cis-docker-1.6.0.yaml"} {
			data, err := files.ReadFile(name)
			if err != nil {
				loadErr = err
				return
			}
			b, err := Parse(name, data)
			if err != nil {
				loadErr = err
				return
			}
			loaded = append(loaded, b)
		}
	})
	return loaded, loadErr
}

// MustAll is All for callers that ship with the embedded tables, which a
// test keeps valid.
func MustAll() []*Benchmark {
	bs, err := All()
	if err != nil {
		panic(err)
	}
	return bs
}

// Get returns the benchmark named id (or one of its aliases).
func Get(id string) (*Benchmark, error) {
	if a, ok := aliases[id]; ok {
		id = a
	}
	bs, err := All()
	if err != nil {
		return nil, err
	}
	var names []string
	for _, b := range bs {
		if b.ID == id {
			return b, nil
		}
		names = append(names, b.ID)
	}
	return nil, fmt.Errorf("unknown benchmark %q (want %s)", id, strings.Join(names, " or "))
}

// Names lists the benchmarks' IDs.
func Names() []string {
	var out []string
	for _, b := range MustAll() {
		out = append(out, b.ID)
	}
	return out
}

// Parse reads a benchmark table. Unknown keys, a missing ID or title, and a
// duplicate recommendation ID are errors naming the file and line.
func Parse(name string, data []byte) (*Benchmark, error) {
	var node yaml.Node
	dec := yaml.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&node); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	var b Benchmark
	strict := yaml.NewDecoder(bytes.NewReader(data))
	strict.KnownFields(true)
	if err := strict.Decode(&b); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	if b.ID == "" || b.Cite == "" || b.Name == "" {
		return nil, fmt.Errorf("%s: id, cite and name are required", name)
	}
	if len(b.Sections) == 0 {
		return nil, fmt.Errorf("%s: no sections", name)
	}
	seen := map[string]bool{}
	lines := recommendationLines(&node)
	for si := range b.Sections {
		s := &b.Sections[si]
		if s.ID == "" || s.Title.EN == "" || s.Title.ZH == "" {
			return nil, fmt.Errorf("%s: section %d: id and an English and Chinese title are required", name, si+1)
		}
		if len(s.Recommendations) == 0 {
			return nil, fmt.Errorf("%s: section %s has no recommendations", name, s.ID)
		}
		for _, r := range s.Recommendations {
			at := fmt.Sprintf("%s:%d", name, lines[r.ID])
			switch {
			case r.ID == "" || r.Title == "" || r.Audit == "":
				return nil, fmt.Errorf("%s: recommendation %q: id, title and audit are required", at, r.ID)
			case seen[r.ID]:
				return nil, fmt.Errorf("%s: recommendation %s appears twice", at, r.ID)
			case !strings.HasPrefix(r.ID+".", s.ID+"."):
				return nil, fmt.Errorf("%s: recommendation %s is not numbered within section %s", at, r.ID, s.ID)
			case r.Note != nil && (r.Note.EN == "" || r.Note.ZH == ""):
				return nil, fmt.Errorf("%s: recommendation %s: a note needs English and Chinese", at, r.ID)
			case r.Why != nil && (r.Why.EN == "" || r.Why.ZH == ""):
				return nil, fmt.Errorf("%s: recommendation %s: why needs English and Chinese", at, r.ID)
			}
			seen[r.ID] = true
		}
	}
	return &b, nil
}

// recommendationLines maps each "id:" value of the document to its line,
// for error messages.
func recommendationLines(n *yaml.Node) map[string]int {
	out := map[string]int{}
	var walk func(*yaml.Node)
	walk = func(n *yaml.Node) {
		if n.Kind == yaml.MappingNode {
			for i := 0; i+1 < len(n.Content); i += 2 {
				if n.Content[i].Value == "id" && n.Content[i+1].Kind == yaml.ScalarNode {
					if _, ok := out[n.Content[i+1].Value]; !ok {
						out[n.Content[i+1].Value] = n.Content[i+1].Line
					}
				}
			}
		}
		for _, c := range n.Content {
			walk(c)
		}
	}
	walk(n)
	return out
}

// Recommendation returns the recommendation id and its section, or nil.
func (b *Benchmark) Recommendation(id string) (*Recommendation, *Section) {
	for si := range b.Sections {
		s := &b.Sections[si]
		for ri := range s.Recommendations {
			if s.Recommendations[ri].ID == id {
				return &s.Recommendations[ri], s
			}
		}
	}
	return nil, nil
}

// HasSection reports whether ref names a section of b, or the group of
// sections under a number ("4" for 4.1, 4.2 and 4.3), optionally followed
// by its title in parentheses: "4 (Worker Nodes)".
func (b *Benchmark) HasSection(ref string) bool {
	id, _, _ := strings.Cut(ref, " (")
	if id == "" || (strings.Contains(ref, " (") && !strings.HasSuffix(ref, ")")) {
		return false
	}
	for _, s := range b.Sections {
		if s.ID == id || strings.HasPrefix(s.ID, id+".") {
			return true
		}
	}
	return false
}

// Count returns the number of recommendations and how many are automated.
func (b *Benchmark) Count() (total, automated int) {
	for _, s := range b.Sections {
		for _, r := range s.Recommendations {
			total++
			if r.Automated {
				automated++
			}
		}
	}
	return total, automated
}

// ErrNotPinned is returned by Resolve for a CIS reference that names no
// shipped benchmark version.
var ErrNotPinned = errors.New("not a pinned reference")

// Resolve reads a reference in the pinned form "<cite> <id>". It returns
// (nil, nil, nil) for a reference to something else than a CIS benchmark
// (a Kubernetes docs page, NIST...), ErrNotPinned for a CIS reference
// without a shipped benchmark and version, and an error for an ID the
// benchmark does not have.
func Resolve(ref string) (*Benchmark, *Recommendation, error) {
	if !strings.HasPrefix(ref, "CIS ") {
		return nil, nil, nil
	}
	for _, b := range MustAll() {
		if id, ok := strings.CutPrefix(ref, b.Cite+" "); ok {
			r, _ := b.Recommendation(id)
			if r == nil {
				if b.HasSection(id) {
					return b, nil, nil // a whole section: "CIS Kubernetes v1.12 4 (Worker Nodes)"
				}
				return b, nil, fmt.Errorf("%q: %s has no recommendation %q", ref, b.Name, id)
			}
			return b, r, nil
		}
	}
	if strings.HasPrefix(ref, "CIS Kubernetes ") || strings.HasPrefix(ref, "CIS Docker ") {
		return nil, nil, fmt.Errorf("%q: %w (want \"CIS Kubernetes v1.12 <id>\" or \"CIS Docker v1.6.0 <id>\")", ref, ErrNotPinned)
	}
	return nil, nil, nil
}

// Implementers maps each recommendation ID of b to the IDs of the checks
// whose references cite it, sorted.
func (b *Benchmark) Implementers(entries []*catalog.Entry) map[string][]string {
	out := map[string][]string{}
	prefix := b.Cite + " "
	for _, e := range entries {
		for _, ref := range e.References {
			if id, ok := strings.CutPrefix(ref, prefix); ok {
				out[id] = append(out[id], e.ID)
			}
		}
	}
	for id := range out {
		sort.Strings(out[id])
		out[id] = compactStrings(out[id])
	}
	return out
}

func compactStrings(s []string) []string {
	out := s[:0]
	for i, v := range s {
		if i == 0 || v != s[i-1] {
			out = append(out, v)
		}
	}
	return out
}
