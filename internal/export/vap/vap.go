// Package vap exports the catalogue checks that CEL can express as
// admissionregistration.k8s.io/v1 ValidatingAdmissionPolicies and their
// bindings: admission enforcement without a webhook. The checks and their
// CEL come from the check specs (check.Exportable): each check writes its
// predicate beside its Go logic, and this package only wraps it. Each check becomes one
// policy named after its ID (kubeward-kw-pod-002) whose messages start with
// the ID, name the plan item and the fix.
package vap

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"path"
	"slices"
	"strings"
	"unicode"

	admissionv1 "k8s.io/api/admissionregistration/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/yaml"

	"github.com/kubeward/kubeward/internal/catalog"
	"github.com/kubeward/kubeward/internal/check"
	"github.com/kubeward/kubeward/internal/check/cel"
	"github.com/kubeward/kubeward/internal/check/workload"
	"github.com/kubeward/kubeward/internal/config"
)

// Modes maps --mode to the binding's validationActions.
var Modes = map[string]admissionv1.ValidationAction{
	"deny":  admissionv1.Deny,
	"warn":  admissionv1.Warn,
	"audit": admissionv1.Audit,
}

// Options shape the exported policies.
type Options struct {
	// Mode is deny, warn or audit (default deny).
	Mode string
	// TrustedRegistries enable KW-IMG-001 (config trustedRegistries).
	TrustedRegistries []string
	// AllowedCapabilities may be added by containers (KW-POD-005).
	AllowedCapabilities []string
	// SystemNamespaces need no Pod Security label (KW-NS-006).
	SystemNamespaces []string
	// NamespaceSelector picks the namespaces the bindings cover; kube-system
	// is always excluded.
	NamespaceSelector *metav1.LabelSelector
	// Exclude lists check IDs or globs (KW-RBAC-*) not to export.
	Exclude []string
}

// Labels and annotations set on every exported object.
const (
	ManagedByLabel     = "app.kubernetes.io/managed-by"
	CheckIDAnnotation  = "kubeward.io/check-id"
	PlanItemAnnotation = "kubeward.io/plan-item"
	SeverityAnnotation = "kubeward.io/severity"
	namePrefix         = "kubeward-"
	systemNamespace    = "kube-system"
	namespaceNameLabel = "kubernetes.io/metadata.name"
)

// Name is the policy (and binding) name of a check ID.
func Name(id string) string { return namePrefix + strings.ToLower(id) }

// Exported returns the IDs of the checks exported with opts (nil: defaults,
// trusted registries unset).
func Exported(opts *Options) []string {
	o := opts.withDefaults()
	var ids []string
	for _, r := range check.Exportable() {
		if o.wants(r) {
			ids = append(ids, r.ID)
		}
	}
	return ids
}

// Expressible returns every check ID kubeward can export, whatever the options.
func Expressible() []string {
	var ids []string
	for _, r := range check.Exportable() {
		ids = append(ids, r.ID)
	}
	return ids
}

func (o *Options) withDefaults() *Options {
	c := Options{}
	if o != nil {
		c = *o
	}
	if c.Mode == "" {
		c.Mode = "deny"
	}
	if c.AllowedCapabilities == nil {
		c.AllowedCapabilities = []string{"NET_BIND_SERVICE"}
	}
	if c.SystemNamespaces == nil {
		c.SystemNamespaces = []string{"kube-system", "kube-public", "kube-node-lease"}
	}
	return &c
}

// config is the configuration the checks' CEL is built from.
func (o *Options) config() *config.Config {
	c := config.Default()
	c.TrustedRegistries = o.TrustedRegistries
	c.AllowedCapabilities = o.AllowedCapabilities
	c.SystemNamespaces = o.SystemNamespaces
	return c
}

func (o *Options) wants(r *check.Spec) bool {
	if r.CEL.Enabled != nil && !r.CEL.Enabled(o.config()) {
		return false
	}
	for _, x := range o.Exclude {
		if ok, _ := path.Match(strings.ToUpper(x), r.ID); ok {
			return false
		}
	}
	return true
}

// Policy is one exported check: its policy and binding.
type Policy struct {
	ID      string
	Policy  *admissionv1.ValidatingAdmissionPolicy
	Binding *admissionv1.ValidatingAdmissionPolicyBinding
}

// Build returns the policies and bindings for opts.
func Build(opts *Options) ([]Policy, error) {
	o := opts.withDefaults()
	action, ok := Modes[o.Mode]
	if !ok {
		return nil, fmt.Errorf("unknown mode %q (want deny, warn or audit)", o.Mode)
	}
	for _, x := range o.Exclude {
		if _, err := path.Match(x, ""); err != nil {
			return nil, fmt.Errorf("bad exclude pattern %q", x)
		}
	}
	sel := namespaceSelector(o.NamespaceSelector)
	var out []Policy
	for _, r := range check.Exportable() {
		if !o.wants(r) {
			continue
		}
		e := catalog.Get(r.ID)
		if e == nil {
			return nil, fmt.Errorf("check %s is not in the catalogue", r.ID)
		}
		p := policy(o, r, e)
		b := &admissionv1.ValidatingAdmissionPolicyBinding{
			TypeMeta:   metav1.TypeMeta{APIVersion: admissionv1.SchemeGroupVersion.String(), Kind: "ValidatingAdmissionPolicyBinding"},
			ObjectMeta: meta(e),
			Spec: admissionv1.ValidatingAdmissionPolicyBindingSpec{
				PolicyName:        p.Name,
				ValidationActions: []admissionv1.ValidationAction{action},
				MatchResources:    &admissionv1.MatchResources{NamespaceSelector: sel.DeepCopy()},
			},
		}
		out = append(out, Policy{ID: r.ID, Policy: p, Binding: b})
	}
	return out, nil
}

// namespaceSelector adds the exclusion of kube-system to sel: a policy that
// blocks the control plane's own pods can lock the cluster.
func namespaceSelector(sel *metav1.LabelSelector) *metav1.LabelSelector {
	out := &metav1.LabelSelector{}
	if sel != nil {
		out = sel.DeepCopy()
	}
	for _, r := range out.MatchExpressions {
		if r.Key == namespaceNameLabel && r.Operator == metav1.LabelSelectorOpNotIn && contains(r.Values, systemNamespace) {
			return out
		}
	}
	out.MatchExpressions = append(out.MatchExpressions, metav1.LabelSelectorRequirement{
		Key: namespaceNameLabel, Operator: metav1.LabelSelectorOpNotIn, Values: []string{systemNamespace},
	})
	return out
}

func contains(list []string, v string) bool {
	for _, s := range list {
		if s == v {
			return true
		}
	}
	return false
}

func meta(e *catalog.Entry) metav1.ObjectMeta {
	return metav1.ObjectMeta{
		Name:   Name(e.ID),
		Labels: map[string]string{ManagedByLabel: "kubeward"},
		Annotations: map[string]string{
			CheckIDAnnotation:  e.ID,
			PlanItemAnnotation: e.Item,
			SeverityAnnotation: e.Severity.String(),
		},
	}
}

// lowerFirst lower-cases a title's first letter unless its first word is a
// name or an acronym (AppArmor, CPU).
func lowerFirst(s string) string {
	word, _, _ := strings.Cut(s, " ")
	r := []rune(word)
	if len(r) < 2 || !unicode.IsUpper(r[0]) {
		return s
	}
	for _, c := range r[1:] {
		if !unicode.IsLower(c) {
			return s
		}
	}
	return string(unicode.ToLower(r[0])) + s[len(string(r[0])):]
}

// Message is the static message of a check's validation.
func Message(e *catalog.Entry) string {
	return fmt.Sprintf("%s: %s (plan %s) — fix: %s", e.ID, lowerFirst(e.Title.EN), e.Item, e.Remediation.EN)
}

var podResources = []struct {
	group    string
	resource []string
}{
	{"", []string{"pods", "pods/ephemeralcontainers", "replicationcontrollers"}},
	{"apps", []string{"deployments", "statefulsets", "daemonsets", "replicasets"}},
	{"batch", []string{"jobs", "cronjobs"}},
}

func resourceRule(group string, resources ...string) admissionv1.NamedRuleWithOperations {
	return admissionv1.NamedRuleWithOperations{RuleWithOperations: admissionv1.RuleWithOperations{
		Operations: []admissionv1.OperationType{admissionv1.Create, admissionv1.Update},
		Rule: admissionv1.Rule{
			APIGroups: []string{group}, APIVersions: []string{"v1"}, Resources: resources,
		},
	}}
}

// podVariables pick the pod template of any pod-bearing kind and its parts.
var podVariables = []admissionv1.Variable{
	{Name: "podTemplate", Expression: "request.kind.kind == 'Pod' ? dyn(object) : (request.kind.kind == 'CronJob' ? dyn(object).spec.jobTemplate.spec.template : dyn(object).spec.template)"},
	{Name: "podSpec", Expression: "has(variables.podTemplate.spec) ? variables.podTemplate.spec : dyn({})"},
	{Name: "annotations", Expression: "has(variables.podTemplate.metadata) && has(variables.podTemplate.metadata.annotations) ? variables.podTemplate.metadata.annotations : dyn({})"},
	{Name: "podSecurityContext", Expression: "has(variables.podSpec.securityContext) ? variables.podSpec.securityContext : dyn({})"},
	{Name: "windows", Expression: "has(variables.podSpec.os) && has(variables.podSpec.os.name) && variables.podSpec.os.name == 'windows'"},
	{Name: "regularContainers", Expression: "(has(variables.podSpec.containers) ? variables.podSpec.containers : []) + (has(variables.podSpec.initContainers) ? variables.podSpec.initContainers : [])"},
	{Name: "allContainers", Expression: "variables.regularContainers + (has(variables.podSpec.ephemeralContainers) ? variables.podSpec.ephemeralContainers : [])"},
}

// builtInCondition skips the API server's own default RBAC objects, as the
// scanner does; the label alone is not trusted, the requester must be the
// API server.
const builtInCondition = "!(has(object.metadata.labels) && 'kubernetes.io/bootstrapping' in object.metadata.labels && object.metadata.labels['kubernetes.io/bootstrapping'] == 'rbac-defaults' && request.userInfo.username == 'system:apiserver')"

func policy(o *Options, r *check.Spec, e *catalog.Entry) *admissionv1.ValidatingAdmissionPolicy {
	fail := admissionv1.Fail
	spec := admissionv1.ValidatingAdmissionPolicySpec{FailurePolicy: &fail}
	msg := Message(e)
	ok := r.CEL.OK(o.config())
	v := admissionv1.Validation{Expression: ok, Message: msg, Reason: ptr(metav1.StatusReasonForbidden)}
	switch r.CEL.Target {
	case check.CELPod:
		var rr []admissionv1.NamedRuleWithOperations
		for _, g := range podResources {
			rr = append(rr, resourceRule(g.group, g.resource...))
		}
		spec.MatchConstraints = &admissionv1.MatchResources{ResourceRules: rr}
		spec.Variables = append([]admissionv1.Variable(nil), podVariables...)
		// An update that leaves the pod template alone (labels, finalizers,
		// scaling) is not judged again: the object was admitted before.
		spec.MatchConditions = []admissionv1.MatchCondition{{
			Name:       "pod-template-changed",
			Expression: "request.operation != 'UPDATE' || oldObject == null || dyn(object).spec != dyn(oldObject).spec",
		}}
		if list := r.CEL.List; list != "" {
			v.Expression = fmt.Sprintf("variables.%s.all(c, %s)", list, ok)
			head, fix, _ := strings.Cut(msg, " — fix: ")
			v.MessageExpression = fmt.Sprintf("%s + variables.%s.filter(c, !(%s)).map(c, c.name).join(', ') + %s",
				cel.String(head+" [containers: "), list, ok, cel.String("] — fix: "+fix))
		}
		if slices.Contains(workload.LinuxOnly, r.ID) { // as the scanner skips them
			v.Expression = "variables.windows || " + paren(v.Expression)
		}
	case check.CELRole:
		spec.MatchConstraints = &admissionv1.MatchResources{ResourceRules: []admissionv1.NamedRuleWithOperations{
			resourceRule("rbac.authorization.k8s.io", "roles", "clusterroles"),
		}}
		spec.MatchConditions = []admissionv1.MatchCondition{{Name: "not-built-in", Expression: builtInCondition}}
		spec.Variables = []admissionv1.Variable{{Name: "rules", Expression: "has(object.rules) ? object.rules : []"}}
	case check.CELBinding:
		spec.MatchConstraints = &admissionv1.MatchResources{ResourceRules: []admissionv1.NamedRuleWithOperations{
			resourceRule("rbac.authorization.k8s.io", "rolebindings", "clusterrolebindings"),
		}}
		spec.MatchConditions = []admissionv1.MatchCondition{{Name: "not-built-in", Expression: builtInCondition}}
	case check.CELNamespace:
		spec.MatchConstraints = &admissionv1.MatchResources{ResourceRules: []admissionv1.NamedRuleWithOperations{
			resourceRule("", "namespaces"),
		}}
	case check.CELSecret:
		spec.MatchConstraints = &admissionv1.MatchResources{ResourceRules: []admissionv1.NamedRuleWithOperations{
			resourceRule("", "secrets"),
		}}
	}
	spec.Validations = []admissionv1.Validation{v}
	return &admissionv1.ValidatingAdmissionPolicy{
		TypeMeta:   metav1.TypeMeta{APIVersion: admissionv1.SchemeGroupVersion.String(), Kind: "ValidatingAdmissionPolicy"},
		ObjectMeta: meta(e),
		Spec:       spec,
	}
}

func paren(s string) string { return "(" + s + ")" }

func ptr[T any](v T) *T { return &v }

// Expressions returns every CEL expression of p with a label saying where it is.
func (p Policy) Expressions() map[string]string {
	out := map[string]string{}
	s := p.Policy.Spec
	for _, v := range s.Variables {
		out["variables."+v.Name] = v.Expression
	}
	for _, m := range s.MatchConditions {
		out["matchConditions."+m.Name] = m.Expression
	}
	for i, v := range s.Validations {
		out[fmt.Sprintf("validations[%d].expression", i)] = v.Expression
		if v.MessageExpression != "" {
			out[fmt.Sprintf("validations[%d].messageExpression", i)] = v.MessageExpression
		}
	}
	return out
}

// Objects flattens policies into the objects to apply, each policy before its binding.
func Objects(ps []Policy) []any {
	out := make([]any, 0, 2*len(ps))
	for _, p := range ps {
		out = append(out, p.Policy, p.Binding)
	}
	return out
}

// clean drops the empty creationTimestamp and status of typed objects.
func clean(obj any) (map[string]any, error) {
	raw, err := json.Marshal(obj)
	if err != nil {
		return nil, err
	}
	var m map[string]any
	if err := json.Unmarshal(raw, &m); err != nil {
		return nil, err
	}
	delete(m, "status")
	if md, ok := m["metadata"].(map[string]any); ok {
		delete(md, "creationTimestamp")
	}
	return m, nil
}

// Write renders the policies as a YAML stream ("yaml") or a v1 List ("json").
func Write(w io.Writer, ps []Policy, format string) error {
	var items []any
	for _, obj := range Objects(ps) {
		m, err := clean(obj)
		if err != nil {
			return err
		}
		items = append(items, m)
	}
	switch format {
	case "json":
		list := map[string]any{"apiVersion": "v1", "kind": "List", "items": items}
		if items == nil {
			list["items"] = []any{}
		}
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		enc.SetEscapeHTML(false)
		return enc.Encode(list)
	case "yaml":
		var buf bytes.Buffer
		buf.WriteString("# Generated by `kubeward export vap`: ValidatingAdmissionPolicies for the\n# catalogue checks CEL can express (see docs/vap.md).\n")
		for _, it := range items {
			y, err := yaml.Marshal(it)
			if err != nil {
				return err
			}
			buf.WriteString("---\n")
			buf.Write(y)
		}
		_, err := w.Write(buf.Bytes())
		return err
	}
	return fmt.Errorf("unknown format %q (want yaml or json)", format)
}
