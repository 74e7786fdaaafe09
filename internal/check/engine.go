// Package check runs the catalogue's checks over inventory objects. Checks
// are specs (spec.go) registered by the packages under internal/check/...;
// the engine evaluates each object once as it streams in, keeps a compact
// index for cross-object rules, applies exceptions and produces results.
package check

import (
	"context"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/kubeward/kubeward/internal/catalog"
	"github.com/kubeward/kubeward/internal/config"
	"github.com/kubeward/kubeward/internal/inventory"
	"github.com/kubeward/kubeward/internal/result"
)

// Target is one object under evaluation, with its pod template resolved once.
type Target struct {
	*inventory.Object
	// Workload is the pod template, or nil when the object has none.
	Workload *inventory.Workload
}

// Rule is an object rule bound to the IDs of the specs that name it: the
// engine runs it once per object, and an ID it reports nothing for is a
// PASS for that object.
type Rule struct {
	IDs     []string
	Applies func(*Target) bool
	Run     func(*Env, *Target, *Emitter)
}

// PolicyRule evaluates the whole scanned set once, through the Index:
// cross-object checks. Collect lists the facts it reads from Index.Facts,
// gathered from each object as it streams in; rules may share collectors.
type PolicyRule struct {
	Collect []*Collector
	Run     func(*Env, *Index, *Emitter)
}

// Collector gathers a fact from each object it applies to, for a policy
// rule to read from Index.Facts[Name] once the scan is complete. Fact runs
// outside the engine's lock; facts are appended in no particular order.
type Collector struct {
	Name    string
	Applies func(*Env, *Target) bool
	Fact    func(*Env, *Target) any
}

// The engine's registry, filled by Register (spec.go) only.
var (
	rules        []*Rule
	policyRules  []*PolicyRule
	collectors   []*Collector
	registryLock sync.Mutex
)

// Env is what rules may read besides the object.
type Env struct {
	Config *config.Config
	// Mode is "manifest", "cluster" or "admission": what the objects are.
	Mode string
	// Now is the time exceptions expire against.
	Now time.Time
}

// IsSystemNamespace reports whether ns is one of the configured system namespaces.
func (env *Env) IsSystemNamespace(ns string) bool {
	for _, s := range env.Config.SystemNamespaces {
		if s == ns {
			return true
		}
	}
	return false
}

// Options configure an Engine.
type Options struct {
	Config *config.Config
	// KeepPasses lists PASS results individually; otherwise they are counted.
	KeepPasses bool
	// Now defaults to time.Now.
	Now time.Time
	// Only restricts evaluation to these check IDs when not empty.
	Only map[string]bool
	// Mode is "manifest" (default), "cluster" or "admission".
	Mode string
	// Context, when set, bounds evaluation: once it is done, Observe and
	// Finish stop between rules and the report is marked Interrupted.
	Context context.Context
}

// Engine evaluates objects. Observe is safe for concurrent use.
type Engine struct {
	env        Env
	keepPasses bool
	only       map[string]bool

	// outOfScope are the catalogued checks whose scope excludes the mode:
	// they are neither evaluated into results nor counted as PASS.
	outOfScope map[string]bool

	ctx         context.Context
	interrupted bool // set under mu

	mu      sync.Mutex
	results []result.Result
	passes  map[string]int
	index   *Index
	// intern shares equal strings between the results held (IDs,
	// subjects, files, field paths, messages, evidence): when every object
	// fails the same way, memory grows with the distinct texts, not with
	// the findings. Used under mu; dropped by Finish.
	intern result.Interner
}

// New returns an engine.
func New(opts Options) *Engine {
	cfg := opts.Config
	if cfg == nil {
		cfg = config.Default()
	}
	now := opts.Now
	if now.IsZero() {
		now = time.Now()
	}
	m := mode(opts.Mode)
	return &Engine{
		env:        Env{Config: cfg, Now: now, Mode: m},
		keepPasses: opts.KeepPasses,
		only:       opts.Only,
		outOfScope: outOfScope(m),
		ctx:        opts.Context,
		passes:     map[string]int{},
		index:      newIndex(),
	}
}

func mode(m string) string {
	if m == "" {
		return "manifest"
	}
	return m
}

// outOfScope lists the catalogued checks whose Scope does not name mode
// (a spec's entry carries its Scope). Checks missing from the catalogue
// are evaluated in every mode. The lists are built once per mode and
// catalogue generation, not per engine: the webhook makes an engine per
// review. Callers must not modify the map.
func outOfScope(mode string) map[string]bool {
	gen := catalog.Generation()
	scopeCache.Lock()
	defer scopeCache.Unlock()
	if scopeCache.byMode == nil || scopeCache.gen != gen {
		scopeCache.gen, scopeCache.byMode = gen, map[string]map[string]bool{}
	}
	if out, ok := scopeCache.byMode[mode]; ok {
		return out
	}
	out := map[string]bool{}
	for _, e := range catalog.All() {
		if !InScope(e, mode) {
			out[e.ID] = true
		}
	}
	scopeCache.byMode[mode] = out
	return out
}

// scopeCache holds outOfScope's lists for the catalogue generation gen.
var scopeCache struct {
	sync.Mutex
	gen    uint64
	byMode map[string]map[string]bool
}

// InScope reports whether the catalogue entry e is evaluated in mode
// ("manifest", "cluster", "admission", "node"): a check evaluates only the
// inputs its Scope names, so a manifest-only check is never a PASS (or a
// FAIL) of a cluster or admission scan.
func InScope(e *catalog.Entry, mode string) bool {
	for _, s := range e.Scope {
		if s == mode {
			return true
		}
	}
	return false
}

// wants reports whether the engine evaluates id: selected by Only and in
// the scope of the engine's mode.
func (e *Engine) wants(id string) bool {
	if e.only != nil && !e.only[id] {
		return false
	}
	return !e.outOfScope[id]
}

// Env returns the engine's environment (for rules run outside it).
func (e *Engine) Env() *Env { return &e.env }

// AddResults records results produced outside the engine's rules, as they
// are (a PASS is listed, with its evidence, and counted in Report.Passed).
func (e *Engine) AddResults(rs ...result.Result) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.keep(rs)
	for i := range rs {
		if rs[i].Status == result.Pass {
			e.passes[rs[i].ID]++
		}
	}
}

// keep appends rs to the engine's results, their strings interned. The
// caller holds e.mu.
func (e *Engine) keep(rs []result.Result) {
	n := len(e.results)
	e.results = append(e.results, rs...)
	for i := n; i < len(e.results); i++ {
		e.intern.Result(&e.results[i])
	}
}

// Observe evaluates one object with every object rule and records what the
// cross-object rules need. The object's Locate is not used after it returns.
func (e *Engine) Observe(o *inventory.Object) {
	t := &Target{Object: o}
	if w, ok := o.Workload(); ok && o.Owner == "" {
		t.Workload = w
	}
	em := &Emitter{engine: e, obj: o}
	// The IDs an object passes (a few dozen): on the stack, not a
	// growing slice per object.
	passed := make([]string, 0, 64)
	for _, r := range rules {
		if e.expired() {
			return
		}
		if r.Applies != nil && !r.Applies(t) {
			continue
		}
		em.flagged = em.flagged[:0]
		r.Run(&e.env, t, em)
		for _, id := range r.IDs {
			if !e.wants(id) {
				continue
			}
			if !em.wasFlagged(id) {
				passed = append(passed, id)
			}
		}
	}
	facts := e.index.facts(&e.env, t)
	for _, c := range collectors {
		if c.Applies(&e.env, t) {
			if f := c.Fact(&e.env, t); f != nil {
				facts.extra = append(facts.extra, namedFact{c.Name, f})
			}
		}
	}

	e.mu.Lock()
	defer e.mu.Unlock()
	e.keep(em.out)
	for id, n := range em.passes {
		e.passes[id] += n
	}
	for _, id := range passed {
		e.passes[id]++
		if e.keepPasses {
			e.keep([]result.Result{{
				ID: id, Status: result.Pass, Severity: Severity(id),
				Subject: o.Subject(), Location: o.Location(""),
			}})
		}
	}
	e.index.add(facts)
}

// Report is the outcome of an evaluation.
type Report struct {
	Results []result.Result
	// Passed counts every PASS verdict by check ID, whether or not it is
	// listed: it is the one source of PASS counts. Results lists the PASS
	// verdicts of rules only with KeepPasses, and always lists those of
	// results evaluated elsewhere (Emitter.AddResult, Engine.AddResults).
	Passed map[string]int
	// Objects is the number of objects evaluated.
	Objects int
	// Interrupted is set when the evaluation's context ended before every
	// rule ran: the results are incomplete and must not be read as a pass.
	Interrupted bool
}

// Counts tallies results by status, PASS verdicts included (result.Tally:
// the same whether or not passes are listed).
func (r *Report) Counts() map[result.Status]int {
	return result.Tally(r.Results, r.Passed)
}

// Finish runs the cross-object rules and returns the sorted results.
func (e *Engine) Finish() *Report {
	em := &Emitter{engine: e}
	for _, r := range policyRules {
		if e.expired() {
			break
		}
		r.Run(&e.env, e.index, em)
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	e.keep(em.out)
	for id, n := range em.passes {
		e.passes[id] += n
	}
	e.intern = result.Interner{} // the results keep the shared strings, not the table
	result.Sort(e.results)
	return &Report{Results: e.results, Passed: e.passes, Objects: e.index.objects, Interrupted: e.interrupted}
}

// expired reports whether the evaluation's context is done, and marks the
// report interrupted when it is.
func (e *Engine) expired() bool {
	if e.ctx == nil || e.ctx.Err() == nil {
		return false
	}
	e.mu.Lock()
	e.interrupted = true
	e.mu.Unlock()
	return true
}

// Severity is the catalogue severity of a check.
func Severity(id string) catalog.Severity {
	if ent := catalog.Get(id); ent != nil {
		return ent.Severity
	}
	return catalog.SeverityMedium
}

// Finding is what a rule reports.
type Finding struct {
	ID     string
	Status result.Status
	// Object is the subject; Subject overrides it when the subject is not an
	// object of the scan (a namespace only referred to, the configuration).
	Object    *inventory.Object
	Subject   *result.Subject
	Container string
	// Path is the offending field inside Object; Location overrides the
	// location resolved from it.
	Path     string
	Location *result.Location
	Message  catalog.Text
	Evidence string
}

// Emitter collects a rule's findings.
type Emitter struct {
	engine  *Engine
	obj     *inventory.Object
	out     []result.Result
	flagged []string
	passes  map[string]int
}

func (em *Emitter) wasFlagged(id string) bool {
	for _, f := range em.flagged {
		if f == id {
			return true
		}
	}
	return false
}

// Fail reports a failure on the object being evaluated.
func (em *Emitter) Fail(id, container, path string, msg catalog.Text, evidence string) {
	em.Add(Finding{ID: id, Status: result.Fail, Container: container, Path: path, Message: msg, Evidence: evidence})
}

// Warn reports something a person must judge.
func (em *Emitter) Warn(id, container, path string, msg catalog.Text, evidence string) {
	em.Add(Finding{ID: id, Status: result.Warn, Container: container, Path: path, Message: msg, Evidence: evidence})
}

// NotApplicable reports that the check does not apply to the object, and why.
func (em *Emitter) NotApplicable(id string, why catalog.Text) {
	em.Add(Finding{ID: id, Status: result.NotApplicable, Message: why})
}

// Skip marks the check as not evaluated for the object without listing it
// (no PASS is counted).
func (em *Emitter) Skip(id string) { em.flagged = append(em.flagged, id) }

// Pass counts a PASS from a policy rule (object rules pass implicitly), and
// lists it too with KeepPasses.
func (em *Emitter) Pass(f Finding) {
	e := em.engine
	if !e.wants(f.ID) {
		return
	}
	em.countPass(f.ID)
	if e.keepPasses {
		f.Status = result.Pass
		em.Add(f)
	}
}

func (em *Emitter) countPass(id string) {
	if em.passes == nil {
		em.passes = map[string]int{}
	}
	em.passes[id]++
}

// AddResult records a result evaluated elsewhere (node rules run on a
// static pod's command line), exceptions applied. It is listed as it is,
// a PASS included (with its evidence), and a PASS is counted as well.
// Scope is not applied: such results (node checks on a static pod's
// command line in a cluster scan) were chosen by their evaluator.
func (em *Emitter) AddResult(r result.Result) {
	if e := em.engine; e.only != nil && !e.only[r.ID] {
		return
	}
	if r.Status == result.Fail || r.Status == result.Warn {
		ApplyException(&em.engine.env, &r, nil)
	}
	if r.Status == result.Pass {
		em.countPass(r.ID)
	}
	em.out = append(em.out, r)
}

// Add records a finding.
func (em *Emitter) Add(f Finding) {
	e := em.engine
	if !e.wants(f.ID) {
		return
	}
	o := f.Object
	if o == nil {
		o = em.obj
	}
	r := result.Result{ID: f.ID, Status: f.Status, Severity: Severity(f.ID), Message: f.Message, Evidence: f.Evidence}
	switch {
	case f.Subject != nil:
		r.Subject = *f.Subject
	case o != nil:
		r.Subject = o.Subject()
	}
	r.Subject.Container = f.Container
	switch {
	case f.Location != nil:
		r.Location = f.Location
	case o != nil:
		r.Location = o.Location(f.Path)
	}
	if r.Status == result.Fail || r.Status == result.Warn {
		var ann map[string]string
		if o != nil {
			ann = o.Annotations
		}
		ApplyException(&e.env, &r, ann)
	}
	em.out = append(em.out, r)
	em.flagged = append(em.flagged, f.ID)
}

// Annotations that grant an exception on an object.
const (
	IgnoreAnnotation       = "kubeward.io/ignore"
	IgnoreReasonAnnotation = "kubeward.io/ignore-reason"
)

// ApplyException marks a FAIL or WARN as IGNORED when an annotation or a
// configured exception covers it (expired exceptions are recorded, not applied).
func ApplyException(env *Env, r *result.Result, ann map[string]string) {
	if ids, ok := ann[IgnoreAnnotation]; ok {
		for _, id := range strings.Split(ids, ",") {
			id = strings.TrimSpace(id)
			if id != r.ID && id != "*" {
				continue
			}
			reason := strings.TrimSpace(ann[IgnoreReasonAnnotation])
			if reason == "" {
				r.Exception = &result.Exception{Source: "annotation " + IgnoreAnnotation, Reason: "not applied: annotation " + IgnoreReasonAnnotation + " is missing"}
				break
			}
			r.Status = result.Ignored
			r.Exception = &result.Exception{Source: "annotation " + IgnoreAnnotation, Reason: reason}
			return
		}
	}
	for i := range env.Config.Ignore {
		ig := &env.Config.Ignore[i]
		if !ig.Matches(r.ID, r.Subject.Kind, r.Subject.Namespace, r.Subject.Name) {
			continue
		}
		exc := &result.Exception{Source: "config", Reason: ig.Reason, Expires: ig.Expires}
		if exp := ig.Expiry(); !exp.IsZero() && !env.Now.Before(exp) {
			exc.Expired = true
			r.Exception = exc
			continue
		}
		r.Status = result.Ignored
		r.Exception = exc
		return
	}
}

// SortedIDs returns the keys of a count map in order.
func SortedIDs(m map[string]int) []string {
	ids := make([]string, 0, len(m))
	for id := range m {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	return ids
}
