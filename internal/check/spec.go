package check

// How to register a check
//
// Every check is one Spec, registered once with Register from the init of
// the package that holds its logic. Register is the only registration path:
// the catalogue (internal/catalog, read by `kubeward checks`,
// docs/checks.md and every report), the engine (object and policy rules),
// the node evaluator (node rules), the admission webhook (through the
// engine's admission mode) and the ValidatingAdmissionPolicy export (the
// CEL) all read the registered specs. Nothing copies a list from them.
//
//	const Privileged = "KW-POD-002"
//
//	var securityContext = &check.ObjectRule{Applies: isWorkload, Run: checkSecurityContext}
//
//	func init() {
//		check.Register(check.Spec{
//			ID: Privileged, Item: "2.4", Severity: catalog.SeverityCritical,
//			Scope:       check.Manifest | check.Cluster | check.Admission,
//			Title:       catalog.Text{EN: "Container runs in privileged mode", ZH: "容器以特权模式运行"},
//			Remediation: catalog.Text{EN: "Remove privileged: true ...", ZH: "删除 privileged: true ……"},
//			References:  []string{"CIS Kubernetes 5.2.2", "Pod Security Standards v1.30 baseline: Privileged Containers"},
//			Object:      securityContext,
//			CEL:         &check.CEL{Target: check.CELPod, List: check.AllContainers, OK: check.Const(`...`)},
//		})
//	}
//
// The fields:
//
//   - ID: stable, KW-AREA-NNN. The area prefix says which package holds it.
//   - Item: the security-plan item it implements (catalog.Plan, e.g. "2.4").
//   - Severity: what --fail-on compares against.
//   - Scope: the audits that evaluate it, a set of Manifest, Cluster, Node
//     and Admission. The engine enforces it: a check outside the scan's
//     mode is neither a PASS nor a FAIL there, whatever its logic reports.
//   - Title and Remediation: in English and Chinese, both required.
//   - References: each names its benchmark and the benchmark's version or
//     control (for instance "CIS Docker v1.6.0 2.2", "CIS Kubernetes 5.2.2").
//   - The logic: Object (each object as it streams in), Policy (the whole
//     scan once, through the Index: cross-object checks), both (a check
//     judged per object that also reports on the scan as a whole, such as
//     KW-IMG-001's WARN when no registry is trusted), or Node; or none for a
//     check whose results are made elsewhere from facts (KW-CL-000: a list
//     the API server refused; KW-CL-090: an etcd read) — such a check
//     provides a Result function in its package instead, and Where names it.
//     Several specs of one package may share one logic value (the same
//     *ObjectRule pointer): it runs once per object for all of them, and an
//     object it reports nothing for under one of their IDs is a PASS of it.
//   - CEL: optional; set when the check can be enforced by a native
//     ValidatingAdmissionPolicy (`kubeward export vap`). It sits beside the
//     Go logic and a test (internal/export/vap) runs every FAIL and PASS
//     fixture of the check through both and asserts that they agree.
//   - Fix: optional; what `kubeward harden` changes to make the check pass
//     (internal/check/fix.go). Either Edits, a pure function of the
//     configuration and the object that returns declarative edits (Set,
//     Remove, Append, Create) at field paths such as
//     spec.template.spec.containers[name=app].securityContext.runAsNonRoot,
//     each marked Companion (needed beside the fix so the app keeps
//     working: an emptyDir at /tmp under a read-only root) or Review (may
//     break the app: a removed hostPath); or Manual, the reason in both
//     languages when the fix needs a fact kubeward lacks (an image digest,
//     a trusted mirror); or Generated, when new objects beside the user's
//     make it pass (the namespace layer `harden manifests --out` and
//     `harden cluster` write). Changes says what it does, for `harden plan`.
//     The fix edits only what fails and is idempotent: on a fixed object it
//     returns nothing. `kubeward harden manifests` splices the edits into
//     the user's YAML (internal/harden), `harden plan` lists them.
//
// Then: add a table test with a FAIL and a PASS case to the package's
// _test.go (internal/check/all's TestCatalogue walks every spec and finds
// its test), its fixtures to internal/check/all (cases), and regenerate
// the docs: `go run ./cmd/kubeward checks -o markdown > docs/checks.md`.

import (
	"fmt"
	"reflect"
	"runtime"
	"sort"
	"strings"

	"github.com/kubeward/kubeward/internal/catalog"
	"github.com/kubeward/kubeward/internal/config"
	"github.com/kubeward/kubeward/internal/inventory"
	"github.com/kubeward/kubeward/internal/result"
)

// Scope is the set of audits that evaluate a check.
type Scope uint8

// The audits a check can be evaluated in.
const (
	Manifest  Scope = 1 << iota // `scan manifests`: files, charts, kustomizations
	Cluster                     // `scan cluster`: live objects through the API
	Node                        // `scan node`: a node's components, files and host
	Admission                   // the webhook and the exported admission policies
)

var scopeNames = []struct {
	s    Scope
	name string
}{{Manifest, "manifest"}, {Cluster, "cluster"}, {Node, "node"}, {Admission, "admission"}}

// ScopeOf returns the scope named by a mode ("manifest", "cluster", "node",
// "admission"), or 0 for an unknown name.
func ScopeOf(mode string) Scope {
	for _, n := range scopeNames {
		if n.name == mode {
			return n.s
		}
	}
	return 0
}

// Has reports whether the set includes the audit named mode.
func (s Scope) Has(mode string) bool {
	m := ScopeOf(mode)
	return m != 0 && s&m != 0
}

// Names lists the audits of the set in the catalogue's order: manifest,
// cluster, admission, node.
func (s Scope) Names() []string {
	var out []string
	for _, name := range []string{"manifest", "cluster", "admission", "node"} {
		if s.Has(name) {
			out = append(out, name)
		}
	}
	return out
}

func (s Scope) String() string { return strings.Join(s.Names(), ",") }

// ObjectRule evaluates single objects and reports for the specs that name
// it. An ID of those specs the rule reports nothing for is a PASS for that
// object.
type ObjectRule struct {
	Applies func(*Target) bool
	Run     func(*Env, *Target, *Emitter)
}

// NodeRule is the logic of a node check: it reads a node's inventory and
// reports through the node emitter. Node rules run in `scan node`.
type NodeRule struct {
	Run func(*Env, *inventory.Node, *NodeEmitter)
}

// CELTarget is the kind of object an exported admission policy admits.
type CELTarget int

// The kinds of object a policy admits.
const (
	CELPod       CELTarget = iota + 1 // Pods and the kinds that carry a pod template
	CELRole                           // Roles and ClusterRoles
	CELBinding                        // RoleBindings and ClusterRoleBindings
	CELNamespace                      // Namespaces
	CELSecret                         // Secrets
)

// The container lists a container predicate runs over (CEL.List).
const (
	AllContainers     = "allContainers"     // containers, initContainers, ephemeralContainers
	RegularContainers = "regularContainers" // containers and initContainers
)

// CEL is a check written as a ValidatingAdmissionPolicy predicate.
//
// Variables the predicate may read: for CELPod, variables.podSpec,
// variables.podSecurityContext (never null), variables.annotations (the
// pod template's), and over List the container c; for CELRole,
// variables.rules; object and request everywhere.
type CEL struct {
	Target CELTarget
	// List is the container list the predicate runs over (AllContainers or
	// RegularContainers); empty for object-level predicates.
	List string
	// OK builds the predicate that holds when the check passes, from the
	// configuration the policies are exported with.
	OK func(*config.Config) string
	// Enabled reports whether the configuration allows exporting the check
	// (KW-IMG-001 needs trusted registries); nil means always.
	Enabled func(*config.Config) bool
}

// Const is a CEL.OK that does not depend on the configuration.
func Const(expr string) func(*config.Config) string {
	return func(*config.Config) string { return expr }
}

// Spec is one check: its identity, texts, where it runs, its logic, and
// optionally its admission-policy CEL and its fix. See the top of this file.
type Spec struct {
	ID          string
	Item        string
	Severity    catalog.Severity
	Scope       Scope
	Title       catalog.Text
	Remediation catalog.Text
	References  []string

	// The logic: Object, Policy, both, or Node (see the top of this file).
	Object *ObjectRule
	Policy *PolicyRule
	Node   *NodeRule

	CEL *CEL
	Fix *Fix

	// Where is the file that holds the check's logic, relative to the
	// module root (internal/check/workload/host.go). Register sets it from
	// the logic function, or from its caller when there is no logic.
	Where string
}

// Entry is the spec's catalogue entry.
func (s *Spec) Entry() *catalog.Entry {
	return &catalog.Entry{ID: s.ID, Item: s.Item, Severity: s.Severity, References: s.References,
		Title: s.Title, Remediation: s.Remediation, Scope: s.Scope.Names(), LivesIn: s.Where, Fix: s.Fix.kind()}
}

var (
	specs    = map[string]*Spec{}
	specList []*Spec
	// collectorSeen dedupes the collectors of policy rules.
	collectorSeen = map[*Collector]bool{}
	objectSeen    = map[*ObjectRule]*Rule{}
	policySeen    = map[*PolicyRule]bool{}
)

// Register adds checks to the catalogue and their logic to the engine or
// the node evaluator. It panics on a malformed spec (duplicate ID, unknown
// plan item, missing text or scope, node logic mixed with object or policy
// logic, CEL on a check that admission does not evaluate): programming errors caught by any test run.
func Register(ss ...Spec) {
	_, caller, _, _ := runtime.Caller(1)
	for i := range ss {
		s := ss[i]
		n := 0
		var fn any
		if s.Policy != nil {
			n++
			fn = s.Policy.Run
		}
		if s.Object != nil {
			n++
			fn = s.Object.Run
		}
		if s.Node != nil {
			n++
			fn = s.Node.Run
		}
		if s.Node != nil && n > 1 {
			panic("check: " + s.ID + " mixes node logic with object or policy logic")
		}
		if s.Scope == 0 {
			panic("check: " + s.ID + " has no scope: no audit evaluates it")
		}
		if s.CEL != nil && (s.Scope&Admission == 0 || s.CEL.OK == nil || s.CEL.Target == 0) {
			panic("check: " + s.ID + " has CEL without admission scope, a target or a predicate")
		}
		if s.Where == "" {
			s.Where = where(fn, caller)
		}
		catalog.Register(s.Entry()) // panics on a duplicate ID, an unknown item or missing texts

		registryLock.Lock()
		sp := &s
		specs[s.ID] = sp
		specList = append(specList, sp)
		if s.Object != nil {
			r := objectSeen[s.Object]
			if r == nil {
				r = &Rule{Applies: s.Object.Applies, Run: s.Object.Run}
				objectSeen[s.Object] = r
				rules = append(rules, r)
			}
			r.IDs = append(r.IDs, s.ID)
		}
		if s.Policy != nil && !policySeen[s.Policy] {
			policySeen[s.Policy] = true
			policyRules = append(policyRules, s.Policy)
			for _, c := range s.Policy.Collect {
				if !collectorSeen[c] {
					collectorSeen[c] = true
					collectors = append(collectors, c)
				}
			}
		}
		if s.Node != nil {
			nodeRules = append(nodeRules, sp)
		}
		registryLock.Unlock()
	}
}

// where is the file of fn relative to the module root, else caller's.
func where(fn any, caller string) string {
	file := caller
	if fn != nil {
		if v := reflect.ValueOf(fn); v.Kind() == reflect.Func && !v.IsNil() {
			if f := runtime.FuncForPC(v.Pointer()); f != nil {
				file, _ = f.FileLine(f.Entry())
			}
		}
	}
	if i := strings.LastIndex(file, "/internal/"); i >= 0 {
		return file[i+1:]
	}
	return file
}

// SpecOf returns the registered spec of id, or nil.
func SpecOf(id string) *Spec {
	registryLock.Lock()
	defer registryLock.Unlock()
	return specs[id]
}

// Specs returns every registered spec, by ID.
func Specs() []*Spec {
	registryLock.Lock()
	out := append([]*Spec(nil), specList...)
	registryLock.Unlock()
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

// Exportable returns the specs that carry CEL, by ID.
func Exportable() []*Spec {
	var out []*Spec
	for _, s := range Specs() {
		if s.CEL != nil {
			out = append(out, s)
		}
	}
	return out
}

var nodeRules []*Spec

// NodeEmitter collects the results of node rules on one node.
type NodeEmitter struct {
	env     *Env
	node    *inventory.Node
	results []result.Result
}

// NewNodeEmitter returns an emitter for results on n.
func NewNodeEmitter(env *Env, n *inventory.Node) *NodeEmitter {
	return &NodeEmitter{env: env, node: n}
}

// Add records a result on component c (nil for the node itself), with
// exceptions applied to a FAIL or WARN.
func (em *NodeEmitter) Add(id string, status result.Status, c *inventory.Component, loc *result.Location, msg catalog.Text, evidence string) {
	r := result.Result{ID: id, Status: status, Severity: Severity(id), Location: loc, Message: msg, Evidence: evidence}
	r.Subject = result.Subject{Kind: "Node", Name: em.node.Hostname}
	if c != nil {
		r.Subject = result.Subject{Kind: c.Kind, Name: c.Subject(em.node.Hostname)}
	}
	if status == result.Fail || status == result.Warn {
		ApplyException(em.env, &r, nil)
	}
	em.results = append(em.results, r)
}

// AddResult records a result made elsewhere, as it is.
func (em *NodeEmitter) AddResult(r result.Result) { em.results = append(em.results, r) }

// Absent records that a component the check needs is not on the node.
func (em *NodeEmitter) Absent(id, kind string) {
	em.Add(id, result.NotApplicable, nil, nil, catalog.F("%s does not run on this node: no process, static pod manifest or systemd unit",
		"此节点未运行 %s：没有进程、静态 Pod 清单或 systemd 单元", kind), "")
}

// Node is the node under evaluation.
func (em *NodeEmitter) Node() *inventory.Node { return em.node }

// Results are the results recorded so far.
func (em *NodeEmitter) Results() []result.Result { return em.results }

// RunNodeRules runs every registered node rule on n, each rule once in
// registration order, into em.
func RunNodeRules(env *Env, n *inventory.Node, em *NodeEmitter) {
	registryLock.Lock()
	rs := append([]*Spec(nil), nodeRules...)
	registryLock.Unlock()
	seen := map[*NodeRule]bool{}
	for _, s := range rs {
		if seen[s.Node] {
			continue
		}
		seen[s.Node] = true
		s.Node.Run(env, n, em)
	}
}

// String is the spec's ID and where it lives.
func (s *Spec) String() string { return fmt.Sprintf("%s (%s)", s.ID, s.Where) }
