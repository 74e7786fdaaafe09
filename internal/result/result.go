// Package result defines what a check says about one subject: the Result
// every audit produces and every report renders.
package result

import (
	"cmp"
	"fmt"
	"slices"
	"strings"

	"github.com/kubeward/kubeward/internal/catalog"
)

// Status is the outcome of one check on one subject.
type Status string

const (
	Pass          Status = "PASS"
	Fail          Status = "FAIL"
	Warn          Status = "WARN"           // needs a person to decide
	NotApplicable Status = "NOT_APPLICABLE" // with a reason
	Error         Status = "ERROR"          // could not be evaluated, with a reason
	Ignored       Status = "IGNORED"        // a FAIL or WARN covered by an exception
)

// Subject names what a result is about.
type Subject struct {
	Kind      string `json:"kind,omitempty"`
	Namespace string `json:"namespace,omitempty"`
	Name      string `json:"name,omitempty"`
	Container string `json:"container,omitempty"`
}

// String renders Kind/namespace/name, plus the container when there is one.
func (s Subject) String() string {
	var b strings.Builder
	b.WriteString(s.Kind)
	if s.Namespace != "" {
		b.WriteString("/")
		b.WriteString(s.Namespace)
	}
	if s.Name != "" {
		b.WriteString("/")
		b.WriteString(s.Name)
	}
	if s.Container != "" {
		fmt.Fprintf(&b, " [%s]", s.Container)
	}
	return b.String()
}

// Location is where the offending value sits.
type Location struct {
	File string `json:"file,omitempty"`
	Line int    `json:"line,omitempty"`
	// Path is the field path inside the object, e.g. spec.template.spec.containers[0].image.
	Path string `json:"path,omitempty"`
	// Origin says how the file was produced when it is not the file itself
	// (for example "helm chart ./charts/app").
	Origin string `json:"origin,omitempty"`
}

func (l *Location) String() string {
	if l == nil || l.File == "" {
		return ""
	}
	if l.Line > 0 {
		return fmt.Sprintf("%s:%d", l.File, l.Line)
	}
	return l.File
}

// Exception records why a finding was ignored.
type Exception struct {
	Source  string `json:"source"` // "annotation" or the config file
	Reason  string `json:"reason"`
	Expires string `json:"expires,omitempty"`
	// Expired is set when an exception matched but its date has passed: the
	// finding keeps its status.
	Expired bool `json:"expired,omitempty"`
}

// Result is one check's verdict on one subject.
type Result struct {
	ID        string           `json:"id"`
	Status    Status           `json:"status"`
	Severity  catalog.Severity `json:"severity"`
	Subject   Subject          `json:"subject"`
	Location  *Location        `json:"location,omitempty"`
	Message   catalog.Text     `json:"message"`
	Evidence  string           `json:"evidence,omitempty"`
	Exception *Exception       `json:"exception,omitempty"`
}

// Entry returns the catalogue entry of the result's check.
func (r *Result) Entry() *catalog.Entry { return catalog.Get(r.ID) }

// Counts tallies results by status.
type Counts map[Status]int

// Tally counts results by status, PASS verdicts included, with one rule for
// PASS: passed[id], when the map has an entry for id, is the number of PASS
// verdicts of check id, and its PASS results in rs (listed one by one with
// --show-passed) are a listing of those, not more of them. PASS results of
// checks passed has no entry for (a node audit lists every verdict and
// counts none) are counted as listed.
func Tally(rs []Result, passed map[string]int) Counts {
	c := Counts{}
	for i := range rs {
		if rs[i].Status == Pass {
			if _, counted := passed[rs[i].ID]; counted {
				continue
			}
		}
		c[rs[i].Status]++
	}
	for _, n := range passed {
		if n > 0 {
			c[Pass] += n
		}
	}
	return c
}

// ListedPasses counts the PASS results in rs by check ID.
func ListedPasses(rs []Result) map[string]int {
	m := map[string]int{}
	for i := range rs {
		if rs[i].Status == Pass {
			m[rs[i].ID]++
		}
	}
	return m
}

// Sort orders results by plan item, check ID, subject and location (file,
// line, field path), then status, evidence and message, so every report is
// deterministic whatever order the checks ran in. A check missing from the
// catalogue sorts after every plan item, by ID. The order is total: every
// key is compared the same way for any pair of results.
func Sort(rs []Result) {
	type keyed struct {
		item    int32
		idx     int32
		subject string
	}
	ks := make([]keyed, len(rs))
	for i := range rs {
		item := catalog.ItemOrder("") // after every plan item
		if e := catalog.Get(rs[i].ID); e != nil {
			item = catalog.ItemOrder(e.Item)
		}
		ks[i] = keyed{int32(item), int32(i), rs[i].Subject.String()}
	}
	// Compared field by field, stopping at the first difference (cmp.Or
	// would evaluate every comparison first); sorting small keys, not results.
	slices.SortStableFunc(ks, func(a, b keyed) int {
		if c := cmp.Compare(a.item, b.item); c != 0 {
			return c
		}
		ra, rb := &rs[a.idx], &rs[b.idx]
		if c := strings.Compare(ra.ID, rb.ID); c != 0 {
			return c
		}
		if c := strings.Compare(a.subject, b.subject); c != 0 {
			return c
		}
		if c := compareLocations(ra.Location, rb.Location); c != 0 {
			return c
		}
		if c := strings.Compare(string(ra.Status), string(rb.Status)); c != 0 {
			return c
		}
		if c := strings.Compare(ra.Evidence, rb.Evidence); c != 0 {
			return c
		}
		return strings.Compare(ra.Message.EN, rb.Message.EN)
	})
	// Permute in place, cycle by cycle: no second copy of the results
	// (memory stays flat in the number of findings).
	perm := make([]int32, len(ks))
	for i := range ks {
		perm[i] = ks[i].idx
	}
	for i := range perm {
		if perm[i] < 0 || int(perm[i]) == i {
			continue
		}
		tmp := rs[i]
		j := i
		for {
			k := int(perm[j])
			perm[j] = -1
			if k == i {
				rs[j] = tmp
				break
			}
			rs[j] = rs[k]
			j = k
		}
	}
}

// compareLocations orders no location first, then by file, line (as a
// number), field path and origin.
func compareLocations(a, b *Location) int {
	switch {
	case a == nil && b == nil:
		return 0
	case a == nil:
		return -1
	case b == nil:
		return 1
	}
	return cmp.Or(
		strings.Compare(a.File, b.File),
		cmp.Compare(a.Line, b.Line),
		strings.Compare(a.Path, b.Path),
		strings.Compare(a.Origin, b.Origin),
	)
}

// NoticeKind is the subject kind of a notice: a remark about the
// configuration (trustedRegistries is not set), not a finding about an
// object. Reports list notices apart (SARIF toolConfigurationNotifications)
// and do not count them as findings.
const NoticeKind = "Configuration"

// IsNotice reports whether r is a notice about the configuration rather than
// a finding about a subject.
func IsNotice(r *Result) bool {
	return r.Subject.Kind == NoticeKind && r.Status != Fail && (r.Location == nil || r.Location.File == "")
}

// Interner shares equal strings between results: a scan where every object
// fails the same way holds each message, evidence and field path once, so
// memory grows with the distinct texts, not with the findings. Not safe for
// concurrent use; the zero value is ready.
type Interner struct {
	m map[string]string
}

// String returns the shared copy of s.
func (in *Interner) String(s string) string {
	if s == "" {
		return s
	}
	if in.m == nil {
		in.m = map[string]string{}
	}
	if t, ok := in.m[s]; ok {
		return t
	}
	in.m[s] = s
	return s
}

// Result interns r's strings in place (ID, message, evidence, subject,
// location), and shares an equal Location.
func (in *Interner) Result(r *Result) {
	r.ID = in.String(r.ID)
	r.Message.EN, r.Message.ZH = in.String(r.Message.EN), in.String(r.Message.ZH)
	r.Evidence = in.String(r.Evidence)
	r.Subject.Kind, r.Subject.Namespace = in.String(r.Subject.Kind), in.String(r.Subject.Namespace)
	r.Subject.Name, r.Subject.Container = in.String(r.Subject.Name), in.String(r.Subject.Container)
	if l := r.Location; l != nil {
		l.File, l.Path, l.Origin = in.String(l.File), in.String(l.Path), in.String(l.Origin)
	}
}
