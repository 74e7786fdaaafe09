package vap_test

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	admissionv1 "k8s.io/api/admissionregistration/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/yaml"

	"github.com/kubeward/kubeward/internal/catalog"
	_ "github.com/kubeward/kubeward/internal/check/all"
	"github.com/kubeward/kubeward/internal/export/vap"
)

// required are the checks the brief asks for.
var required = []string{"KW-POD-001", "KW-POD-002", "KW-POD-003", "KW-POD-004", "KW-POD-005", "KW-POD-006", "KW-POD-007", "KW-POD-009",
	"KW-HOST-001", "KW-HOST-003", "KW-HOST-004", "KW-HOST-005", "KW-HOST-006", "KW-IMG-001", "KW-IMG-003", "KW-SA-001",
	"KW-RES-001", "KW-RES-002", "KW-HA-001", "KW-RBAC-001", "KW-RBAC-010", "KW-RBAC-011", "KW-RBAC-012", "KW-NS-006"}

func build(t *testing.T, o *vap.Options) []vap.Policy {
	t.Helper()
	ps, err := vap.Build(o)
	if err != nil {
		t.Fatal(err)
	}
	return ps
}

func TestStructure(t *testing.T) {
	ps := build(t, &vap.Options{TrustedRegistries: []string{"registry.bank.internal"}})
	got := map[string]vap.Policy{}
	for _, p := range ps {
		got[p.ID] = p
	}
	for _, id := range required {
		if _, ok := got[id]; !ok {
			t.Errorf("%s not exported", id)
		}
	}
	for _, p := range ps {
		e := catalog.Get(p.ID)
		name := "kubeward-" + strings.ToLower(p.ID)
		if p.Policy.Name != name || p.Binding.Name != name || p.Binding.Spec.PolicyName != name {
			t.Errorf("%s: names %s/%s", p.ID, p.Policy.Name, p.Binding.Name)
		}
		if fp := p.Policy.Spec.FailurePolicy; fp == nil || *fp != admissionv1.Fail {
			t.Errorf("%s: failurePolicy %v", p.ID, fp)
		}
		if p.Policy.Spec.ParamKind != nil {
			t.Errorf("%s: has params", p.ID)
		}
		if len(p.Policy.Spec.Validations) != 1 {
			t.Fatalf("%s: %d validations", p.ID, len(p.Policy.Spec.Validations))
		}
		v := p.Policy.Spec.Validations[0]
		if !strings.HasPrefix(v.Message, p.ID+": ") || !strings.Contains(v.Message, "(plan "+e.Item+")") || !strings.Contains(v.Message, "fix: "+e.Remediation.EN) {
			t.Errorf("%s: message %q", p.ID, v.Message)
		}
		if v.MessageExpression != "" && !strings.HasPrefix(v.MessageExpression, "'"+p.ID+": ") {
			t.Errorf("%s: messageExpression %q", p.ID, v.MessageExpression)
		}
		if a := p.Binding.Spec.ValidationActions; len(a) != 1 || a[0] != admissionv1.Deny {
			t.Errorf("%s: actions %v", p.ID, a)
		}
		if !excludesKubeSystem(p.Binding.Spec.MatchResources.NamespaceSelector) {
			t.Errorf("%s: binding does not exclude kube-system", p.ID)
		}
		for where, expr := range p.Expressions() {
			if err := balanced(expr); err != "" {
				t.Errorf("%s %s: %s: %s", p.ID, where, err, expr)
			}
		}
	}
	// Pod checks cover Pods and every pod-bearing kind.
	rr := got["KW-POD-002"].Policy.Spec.MatchConstraints.ResourceRules
	var resources []string
	for _, r := range rr {
		resources = append(resources, r.Resources...)
	}
	for _, want := range []string{"pods", "pods/ephemeralcontainers", "replicationcontrollers", "deployments", "statefulsets", "daemonsets", "replicasets", "jobs", "cronjobs"} {
		if !contains(resources, want) {
			t.Errorf("KW-POD-002 does not match %s", want)
		}
	}
	// The trusted registries are a literal list in the expression.
	if e := got["KW-IMG-001"].Policy.Spec.Validations[0].Expression; !strings.Contains(e, "['registry.bank.internal']") {
		t.Errorf("KW-IMG-001 lacks the registry list: %s", e)
	}
	// Every container list is checked.
	vars := ""
	for _, v := range got["KW-POD-002"].Policy.Spec.Variables {
		vars += v.Expression
	}
	for _, want := range []string{"initContainers", "ephemeralContainers", "spec.jobTemplate.spec.template", "spec.template"} {
		if !strings.Contains(vars, want) {
			t.Errorf("pod variables lack %s", want)
		}
	}
}

func contains(list []string, v string) bool {
	for _, s := range list {
		if s == v {
			return true
		}
	}
	return false
}

func excludesKubeSystem(s *metav1.LabelSelector) bool {
	if s == nil {
		return false
	}
	for _, r := range s.MatchExpressions {
		if r.Key == "kubernetes.io/metadata.name" && r.Operator == metav1.LabelSelectorOpNotIn && contains(r.Values, "kube-system") {
			return true
		}
	}
	return false
}

// balanced is a cheap syntax check: brackets match outside string literals.
// The CEL compiler itself runs in test/cluster/e2e TestVAPExportCompiles
// (cel-go is not a dependency of this module).
func balanced(expr string) string {
	var stack []rune
	pairs := map[rune]rune{')': '(', ']': '[', '}': '{'}
	var quote rune
	esc := false
	for _, r := range expr {
		switch {
		case quote != 0:
			switch {
			case esc:
				esc = false
			case r == '\\':
				esc = true
			case r == quote:
				quote = 0
			}
		case r == '\'' || r == '"':
			quote = r
		case r == '(' || r == '[' || r == '{':
			stack = append(stack, r)
		case pairs[r] != 0:
			if len(stack) == 0 || stack[len(stack)-1] != pairs[r] {
				return "unbalanced " + string(r)
			}
			stack = stack[:len(stack)-1]
		}
	}
	if quote != 0 {
		return "unterminated string"
	}
	if len(stack) > 0 {
		return "unclosed " + string(stack[len(stack)-1])
	}
	return ""
}

func TestOptions(t *testing.T) {
	if ids := vap.Exported(nil); contains(ids, "KW-IMG-001") {
		t.Error("KW-IMG-001 exported without trusted registries")
	}
	ps := build(t, &vap.Options{Mode: "warn", Exclude: []string{"kw-rbac-*"}})
	for _, p := range ps {
		if strings.HasPrefix(p.ID, "KW-RBAC-") {
			t.Errorf("%s not excluded", p.ID)
		}
		if a := p.Binding.Spec.ValidationActions; a[0] != admissionv1.Warn {
			t.Errorf("%s: %v", p.ID, a)
		}
	}
	sel, _ := metav1.ParseToLabelSelector("env in (prod)")
	ps = build(t, &vap.Options{Mode: "audit", NamespaceSelector: sel})
	s := ps[0].Binding.Spec.MatchResources.NamespaceSelector
	if len(s.MatchExpressions) != 2 || !excludesKubeSystem(s) || ps[0].Binding.Spec.ValidationActions[0] != admissionv1.Audit {
		t.Errorf("selector %+v", s)
	}
	if _, err := vap.Build(&vap.Options{Mode: "block"}); err == nil {
		t.Error("unknown mode accepted")
	}
}

func TestWrite(t *testing.T) {
	ps := build(t, nil)
	var y, j bytes.Buffer
	if err := vap.Write(&y, ps, "yaml"); err != nil {
		t.Fatal(err)
	}
	docs := strings.Split(y.String(), "\n---\n")
	if len(docs) != 2*len(ps)+1 { // the header comment, then each object
		t.Errorf("%d YAML documents for %d policies", len(docs), len(ps))
	}
	var first admissionv1.ValidatingAdmissionPolicy
	if err := yaml.UnmarshalStrict([]byte(docs[1]), &first); err != nil {
		t.Fatalf("YAML does not round-trip: %v", err)
	}
	if first.Name != ps[0].Policy.Name || strings.Contains(y.String(), "creationTimestamp") || strings.Contains(y.String(), "status:") {
		t.Errorf("unexpected YAML:\n%s", docs[1])
	}
	if err := vap.Write(&j, ps, "json"); err != nil {
		t.Fatal(err)
	}
	var list struct {
		Kind  string            `json:"kind"`
		Items []json.RawMessage `json:"items"`
	}
	if err := json.Unmarshal(j.Bytes(), &list); err != nil || list.Kind != "List" || len(list.Items) != 2*len(ps) {
		t.Errorf("JSON list: %v %s %d", err, list.Kind, len(list.Items))
	}
}

// TestDocCoversCatalogue keeps docs/vap.md in step with the catalogue.
func TestDocCoversCatalogue(t *testing.T) {
	doc := readDoc(t)
	exported := map[string]bool{}
	for _, id := range vap.Expressible() {
		exported[id] = true
	}
	for _, e := range catalog.All() {
		row := rowOf(doc, e.ID)
		switch {
		case row == "":
			t.Errorf("docs/vap.md has no row for %s", e.ID)
		case exported[e.ID] && !strings.Contains(row, "VAP"):
			t.Errorf("docs/vap.md: %s is exported but its row says %q", e.ID, row)
		case !exported[e.ID] && strings.Contains(row, "| VAP"):
			t.Errorf("docs/vap.md: %s is not exported but its row says %q", e.ID, row)
		}
	}
}

// TestRBACResourceNames: the RBAC policies match resourceNames as the scan
// does — KW-RBAC-002 denies only rules reading every Secret, the other
// permission checks also deny grants on named objects, and create (which
// carries no name) is denied only with an explicit "" among the names.
// (TestCELAgreesWithEngine evaluates the expressions; test/cluster/e2e
// compiles them as kube-apiserver does.)
func TestRBACResourceNames(t *testing.T) {
	got := map[string]string{}
	for _, p := range build(t, nil) {
		got[p.ID] = p.Policy.Spec.Validations[0].Expression
	}
	tests := []struct {
		id            string
		named, absent []string
	}{
		{"KW-RBAC-002", []string{"!has(r.resourceNames) || size(r.resourceNames) == 0", "n == '') && r.verbs.exists(v, v == '*' || v in ['list', 'watch'])"}, []string{"n != ''"}},
		{"KW-RBAC-003", []string{"n != '') && r.verbs.exists(v, v == '*' || v in ['create', 'get'])"}, []string{"n == ''"}},
		{"KW-RBAC-005", []string{"n == '') && r.verbs.exists(v, v == '*' || v in ['create'])"}, []string{"n != ''"}},
		{"KW-RBAC-009", []string{"n == '') && r.verbs.exists(v, v == '*' || v in ['create', 'deletecollection'])", "n != '') && r.verbs.exists(v, v == '*' || v in ['update', 'patch', 'delete'])"}, nil},
	}
	for _, tc := range tests {
		t.Run(tc.id, func(t *testing.T) {
			e := got[tc.id]
			for _, s := range tc.named {
				if !strings.Contains(e, s) {
					t.Errorf("lacks %q:\n%s", s, e)
				}
			}
			for _, s := range tc.absent {
				if strings.Contains(e, s) {
					t.Errorf("has %q:\n%s", s, e)
				}
			}
		})
	}
}
