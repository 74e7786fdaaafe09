// Package harden turns the FAIL results of a scan into fixes: for each
// object, the edits of the fixes of the checks it fails (check.Fix), the
// new objects they need, and the check IDs they resolve; for each FAIL,
// the fix or why there is none. Writers: yamledit splices the edits into
// the user's files, Patch turns them into strategic-merge patches for
// kustomize.
package harden

import (
	"sort"
	"strings"
	"sync"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/kubeward/kubeward/internal/catalog"
	"github.com/kubeward/kubeward/internal/check"
	"github.com/kubeward/kubeward/internal/config"
	"github.com/kubeward/kubeward/internal/harden/namespaces"
	"github.com/kubeward/kubeward/internal/inventory"
	"github.com/kubeward/kubeward/internal/result"
)

// ObjectFix is every automatic fix of one object.
type ObjectFix struct {
	Object *inventory.Object
	// Edits are the edits of every fix, in check-ID order, each path once.
	Edits []check.Edit
	// New are new objects the fixes need (the dedicated ServiceAccount).
	New []map[string]any
	// Resolves are the check IDs the edits make pass on the object.
	Resolves []string
	// Review is set when an edit must be reviewed (it may break the app).
	Review bool
}

// Finding is one FAIL and what resolves it.
type Finding struct {
	Result result.Result
	// Edits are the fix's edits on the object (nil without an automatic fix).
	Edits []check.Edit
	// Changes says what the fix does; Manual why there is no automatic
	// fix ("" EN when there is one); Review that the fix must be reviewed.
	Changes, Manual catalog.Text
	// Generated says which new objects the namespace layer writes to
	// resolve it (harden manifests --out, harden cluster); "" EN otherwise.
	Generated catalog.Text
	Review    bool
}

// Plan is the fixes of one scan.
type Plan struct {
	Objects  []*inventory.Object
	Fixes    []*ObjectFix // objects with at least one edit, in input order
	Findings []Finding    // every FAIL, in report order
	Report   *check.Report
}

// objectKey identifies an object in results: file, kind, namespace, name.
func objectKey(file, kind, ns, name string) string {
	return file + "\x00" + kind + "\x00" + ns + "\x00" + name
}

// Scan scans objects as they stream in (while the loader still knows the
// line of each field, so findings point at it) and keeps them to plan.
type Scan struct {
	cfg  *config.Config
	eng  *check.Engine
	mu   sync.Mutex
	objs []*inventory.Object
}

// NewScan starts a scan with cfg.
func NewScan(cfg *config.Config) *Scan {
	return &Scan{cfg: cfg, eng: check.New(check.Options{Config: cfg})}
}

// Observe scans o and keeps it; safe from several goroutines.
func (s *Scan) Observe(o *inventory.Object) {
	s.eng.Observe(o)
	s.mu.Lock()
	s.objs = append(s.objs, o)
	s.mu.Unlock()
}

// Objects are the objects observed so far, in a stable order.
func (s *Scan) Objects() []*inventory.Object {
	s.mu.Lock()
	defer s.mu.Unlock()
	SortObjects(s.objs)
	return s.objs
}

// Build scans objs with cfg and plans the fix of every FAIL.
func Build(cfg *config.Config, objs []*inventory.Object) *Plan {
	s := NewScan(cfg)
	for _, o := range objs {
		s.Observe(o)
	}
	return s.Plan()
}

// Plan finishes the scan and plans the fix of every FAIL.
func (s *Scan) Plan() *Plan {
	objs := s.Objects()
	rep := s.eng.Finish()
	env := s.eng.Env()
	p := &Plan{Objects: objs, Report: rep}
	bySubject := make(map[string][]*inventory.Object, len(objs))
	for _, o := range objs {
		k := objectKey("", o.Kind, o.Namespace, o.Name)
		bySubject[k] = append(bySubject[k], o)
	}
	fixes := map[*inventory.Object]*ObjectFix{}
	seen := map[*inventory.Object]map[string]bool{}
	for _, r := range rep.Results {
		if r.Status != result.Fail {
			continue
		}
		f := Finding{Result: r}
		spec := check.SpecOf(r.ID)
		var fx *check.Fix
		if spec != nil {
			fx = spec.Fix
		}
		switch {
		case fx == nil && spec != nil:
			f.Manual = catalog.Text{EN: "no fix in the catalogue; remediation: " + spec.Remediation.EN, ZH: "目录中没有修复；整改建议：" + spec.Remediation.ZH}
		case fx == nil:
			f.Manual = catalog.Text{EN: "no fix in the catalogue", ZH: "目录中没有修复"}
		case fx.Generated != nil:
			f.Generated = *fx.Generated
		case fx.Manual != nil:
			f.Manual = *fx.Manual
		default:
			f.Changes, f.Review = fx.Changes, fx.NeedsReview
		}
		o := objectOf(bySubject[objectKey("", r.Subject.Kind, r.Subject.Namespace, r.Subject.Name)], r.Location)
		if fx.Automatic() && o != nil {
			t := &check.Target{Object: o}
			if w, ok := o.Workload(); ok && o.Owner == "" {
				t.Workload = w
			}
			f.Edits = fx.Edits(env, t)
			if len(f.Edits) > 0 {
				of := fixes[o]
				if of == nil {
					of = &ObjectFix{Object: o}
					fixes[o] = of
					seen[o] = map[string]bool{}
				}
				if !contains(of.Resolves, r.ID) {
					of.Resolves = append(of.Resolves, r.ID)
				}
				for _, e := range f.Edits {
					if e.Op == check.Create {
						of.New = append(of.New, e.Value.(map[string]any))
						continue
					}
					k := e.Op.String() + " " + e.Path + " " + check.FormatValue(e.Value)
					if e.Op != check.Append {
						k = e.Path // one Set or Remove per path: the first wins
					}
					if seen[o][k] {
						continue
					}
					seen[o][k] = true
					of.Edits = append(of.Edits, e)
					of.Review = of.Review || e.Review || fx.NeedsReview
				}
			}
		} else if fx.Automatic() {
			f.Manual = catalog.Text{EN: "the object was not found to fix", ZH: "未找到要修复的对象"}
		}
		p.Findings = append(p.Findings, f)
	}
	for _, o := range objs {
		if of := fixes[o]; of != nil {
			dropInvalid(of)
			sort.Strings(of.Resolves)
			if len(of.Edits) > 0 || len(of.New) > 0 {
				p.Fixes = append(p.Fixes, of)
			}
		}
	}
	return p
}

// mayEscalate reports whether a container of o is privileged or adds
// SYS_ADMIN.
func mayEscalate(o *inventory.Object) bool {
	w, ok := o.Workload()
	if !ok {
		return false
	}
	for _, c := range w.Containers() {
		if escalates(c.SecurityContext) {
			return true
		}
	}
	return false
}

func escalates(sc *corev1.SecurityContext) bool {
	if sc == nil {
		return false
	}
	if sc.Privileged != nil && *sc.Privileged {
		return true
	}
	if sc.Capabilities != nil {
		for _, a := range sc.Capabilities.Add {
			if strings.TrimPrefix(strings.ToUpper(string(a)), "CAP_") == "SYS_ADMIN" {
				return true
			}
		}
	}
	return false
}

// dropInvalid removes the edits that would give a container a combination
// the API server refuses: allowPrivilegeEscalation: false on a container
// that stays privileged or keeps CAP_SYS_ADMIN (when the fix of KW-POD-002
// or KW-POD-005 does not apply, under an exception). The FAIL stays, and
// harden plan's rescan shows it.
func dropInvalid(of *ObjectFix) {
	if !mayEscalate(of.Object) {
		return // nothing privileged or with SYS_ADMIN to begin with: cheap path
	}
	h, err := HardenedObject(of)
	if err != nil {
		return
	}
	w, ok := h.Workload()
	if !ok {
		return
	}
	bad := map[string]bool{}
	for _, c := range w.Containers() {
		sc := c.SecurityContext
		if sc == nil || sc.AllowPrivilegeEscalation == nil || *sc.AllowPrivilegeEscalation {
			continue
		}
		if escalates(sc) {
			bad[w.SpecPath+"."+check.Sel(c.List, "name", c.Name)+".securityContext.allowPrivilegeEscalation"] = true
		}
	}
	if len(bad) == 0 {
		return
	}
	kept := of.Edits[:0]
	for _, e := range of.Edits {
		if !bad[e.Path] {
			kept = append(kept, e)
		}
	}
	of.Edits = kept
}

// objectOf picks the object a result is about among those of its subject:
// the one of the result's file when several share kind, namespace and name.
func objectOf(cands []*inventory.Object, loc *result.Location) *inventory.Object {
	if len(cands) == 1 {
		return cands[0]
	}
	if loc == nil {
		return nil
	}
	var found *inventory.Object
	for _, o := range cands {
		if o.File == loc.File {
			if found != nil {
				return nil
			}
			found = o
		}
	}
	return found
}

func contains(s []string, x string) bool {
	for _, y := range s {
		if y == x {
			return true
		}
	}
	return false
}

// SortObjects orders objects by file, line, kind, namespace and name: the
// loader hands them over from several goroutines.
func SortObjects(objs []*inventory.Object) {
	sort.SliceStable(objs, func(i, j int) bool {
		a, b := objs[i], objs[j]
		if a.File != b.File {
			return a.File < b.File
		}
		if a.Line != b.Line {
			return a.Line < b.Line
		}
		if a.Kind != b.Kind {
			return a.Kind < b.Kind
		}
		if a.Namespace != b.Namespace {
			return a.Namespace < b.Namespace
		}
		return a.Name < b.Name
	})
}

// After is the objects once every fix is applied, with the objects the
// fixes create: what the namespace layer and a rescan read.
func (p *Plan) After() ([]*inventory.Object, error) {
	byObj := map[*inventory.Object]*ObjectFix{}
	for _, f := range p.Fixes {
		byObj[f.Object] = f
	}
	out := make([]*inventory.Object, 0, len(p.Objects))
	for _, ob := range p.Objects {
		f := byObj[ob]
		if f == nil {
			out = append(out, ob)
			continue
		}
		h, err := HardenedObject(f)
		if err != nil {
			return nil, err
		}
		news, err := NewObjects(f)
		if err != nil {
			return nil, err
		}
		out = append(append(out, h), news...)
	}
	return out, nil
}

// FindingKey names a FAIL across scans: check and subject. It leaves the
// file out on purpose: a chart's finding may point into values.yaml before
// the fixes and at the rendered template after them (the hardened object
// has no values-file locations), and a FAIL keyed by file would then look
// resolved when it is not. Two objects of one subject in different files
// share a key, which errs on the safe side: a FAIL left on either counts
// as not resolved.
func FindingKey(r *result.Result) string {
	return r.ID + "\x00" + objectKey("", r.Subject.Kind, r.Subject.Namespace, r.Subject.Name)
}

// Rescan evaluates the objects after every fix, with the namespace layer
// `harden manifests --out` writes beside them (namespaces.Generate on the
// fixed objects), and returns the FAILs that are left, by FindingKey.
func (p *Plan) Rescan(cfg *config.Config) (map[string]bool, error) {
	after, err := p.After()
	if err != nil {
		return nil, err
	}
	after = WithLayer(after, namespaces.Generate(namespaces.Input{Objects: after, Config: cfg}))
	eng := check.New(check.Options{Config: cfg})
	for _, o := range after {
		eng.Observe(o)
	}
	left := map[string]bool{}
	for _, r := range eng.Finish().Results {
		if r.Status == result.Fail {
			left[FindingKey(&r)] = true
		}
	}
	return left, nil
}

// WithLayer returns objs with the namespace layer's objects added; a
// Namespace the layer changes (its Pod Security labels) replaces the one
// of objs, as applying both in order would.
func WithLayer(objs []*inventory.Object, layers []namespaces.Namespace) []*inventory.Object {
	changed := map[string]*inventory.Object{}
	var added []*inventory.Object
	for _, l := range layers {
		for _, g := range l.Objects {
			m, ok := g.Object.(metav1.Object)
			if !ok {
				continue
			}
			group, version := inventory.SplitAPIVersion(apiVersionOf(g.Object))
			o := &inventory.Object{Group: group, Version: version, Kind: g.Kind, Namespace: m.GetNamespace(), Name: m.GetName(),
				Labels: m.GetLabels(), Annotations: m.GetAnnotations(), Typed: g.Object}
			if g.Kind == "Namespace" {
				changed[o.Name] = o
				continue
			}
			added = append(added, o)
		}
	}
	out := make([]*inventory.Object, 0, len(objs)+len(added)+len(changed))
	for _, o := range objs {
		if n := changed[o.Name]; n != nil && o.Kind == "Namespace" && o.Group == "" {
			out = append(out, n)
			delete(changed, o.Name)
			continue
		}
		out = append(out, o)
	}
	for _, l := range layers { // namespaces the input does not declare, in order
		if n := changed[l.Name]; n != nil {
			out = append(out, n)
			delete(changed, l.Name)
		}
	}
	return append(out, added...)
}

func apiVersionOf(obj any) string {
	if t, ok := obj.(interface{ GetObjectKind() schema.ObjectKind }); ok {
		return t.GetObjectKind().GroupVersionKind().GroupVersion().String()
	}
	return ""
}
