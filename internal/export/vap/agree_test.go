package vap_test

import (
	"fmt"
	"slices"
	"sort"
	"strings"
	"testing"

	celgo "github.com/google/cel-go/cel"
	"github.com/google/cel-go/common/types"
	"github.com/google/cel-go/common/types/ref"
	admissionv1 "k8s.io/api/admissionregistration/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apiserver/pkg/cel/environment"

	"github.com/kubeward/kubeward/internal/check"
	_ "github.com/kubeward/kubeward/internal/check/all"
	"github.com/kubeward/kubeward/internal/check/checktest"
	"github.com/kubeward/kubeward/internal/check/rbac"
	"github.com/kubeward/kubeward/internal/export/vap"
	"github.com/kubeward/kubeward/internal/inventory"
	"github.com/kubeward/kubeward/internal/result"
)

// celEnv is the API server's base CEL environment (the Kubernetes CEL
// library, as a ValidatingAdmissionPolicy compiles its expressions) with the
// admission variables; objects are unstructured, as without schemas.
func celEnv(t *testing.T) *celgo.Env {
	t.Helper()
	set, err := environment.MustBaseEnvSet(environment.DefaultCompatibilityVersion()).Extend(environment.VersionedOptions{
		IntroducedVersion: environment.DefaultCompatibilityVersion(),
		EnvOptions: []celgo.EnvOption{
			celgo.Variable("object", celgo.DynType), celgo.Variable("oldObject", celgo.DynType),
			celgo.Variable("request", celgo.DynType),
			celgo.Variable("variables", celgo.MapType(celgo.StringType, celgo.DynType)),
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	env, err := set.Env(environment.StoredExpressions)
	if err != nil {
		t.Fatal(err)
	}
	return env
}

// celPolicy evaluates one exported policy on admission requests.
type celPolicy struct {
	vap.Policy
	env   *celgo.Env
	progs map[string]celgo.Program
}

func (p *celPolicy) eval(t *testing.T, expr string, vars map[string]any) ref.Val {
	t.Helper()
	prg, ok := p.progs[expr]
	if !ok {
		ast, iss := p.env.Compile(expr)
		if iss.Err() != nil {
			t.Fatalf("%s: compile %q: %v", p.ID, expr, iss.Err())
		}
		var err error
		if prg, err = p.env.Program(ast); err != nil {
			t.Fatalf("%s: program: %v", p.ID, err)
		}
		p.progs[expr] = prg
	}
	out, _, err := prg.Eval(vars)
	if err != nil {
		return types.NewErr("%v", err)
	}
	return out
}

// matches reports whether the policy's match constraints select the object.
func (p *celPolicy) matches(o *inventory.Object) bool {
	for _, r := range p.Policy.Policy.Spec.MatchConstraints.ResourceRules {
		if slices.Contains(r.APIGroups, o.Group) && slices.Contains(r.Resources, strings.ToLower(o.Kind)+"s") &&
			slices.Contains(r.Operations, admissionv1.Create) {
			return true
		}
	}
	return false
}

// denies runs the policy on the CREATE of o: its match conditions, its
// variables in order, then its validation. An error denies (failurePolicy
// Fail).
func (p *celPolicy) denies(t *testing.T, o *inventory.Object) (bool, string) {
	t.Helper()
	if !p.matches(o) {
		return false, "not matched"
	}
	u, err := runtime.DefaultUnstructuredConverter.ToUnstructured(o.Typed)
	if err != nil {
		t.Fatal(err)
	}
	apiVersion := o.Version
	if o.Group != "" {
		apiVersion = o.Group + "/" + o.Version
	}
	u["apiVersion"], u["kind"] = apiVersion, o.Kind
	variables := map[string]any{}
	in := map[string]any{
		"object": u, "oldObject": nil, "variables": variables,
		"request": map[string]any{
			"kind":      map[string]any{"group": o.Group, "version": o.Version, "kind": o.Kind},
			"namespace": o.Namespace, "name": o.Name, "operation": "CREATE",
			"userInfo": map[string]any{"username": "alice"},
		},
	}
	spec := p.Policy.Policy.Spec
	for _, c := range spec.MatchConditions {
		if v := p.eval(t, c.Expression, in); v != types.True {
			if types.IsError(v) {
				return true, fmt.Sprintf("match condition %s: %v", c.Name, v)
			}
			return false, "match condition " + c.Name
		}
	}
	for _, v := range spec.Variables {
		variables[v.Name] = p.eval(t, v.Expression, in)
	}
	for _, v := range spec.Validations {
		if out := p.eval(t, v.Expression, in); out != types.True {
			return true, fmt.Sprintf("%v", out)
		}
	}
	return false, ""
}

// TestCELAgreesWithEngine runs the shared fixtures — the failing and the
// passing objects of every check (checktest.Fixtures) — through the engine
// in admission mode, as the webhook does, and through every exported
// policy's CEL, and asserts they agree on every object: the policy of a
// check denies an object exactly when the engine reports a FAIL of that
// check on it (a WARN needs a person: it is not denied).
func TestCELAgreesWithEngine(t *testing.T) {
	opts := &vap.Options{TrustedRegistries: []string{checktest.TrustedRegistry}}
	ps, err := vap.Build(opts)
	if err != nil {
		t.Fatal(err)
	}
	if len(ps) != len(check.Exportable()) {
		t.Fatalf("%d policies built, %d exportable checks", len(ps), len(check.Exportable()))
	}
	env := celEnv(t)
	policies := make([]*celPolicy, len(ps))
	for i, p := range ps {
		policies[i] = &celPolicy{Policy: p, env: env, progs: map[string]celgo.Program{}}
	}
	cfg := checktest.TrustedConfig()

	var objs []*inventory.Object
	exercised := map[string]bool{} // exportable checks with a failing fixture
	for _, f := range checktest.Fixtures() {
		objs = append(objs, f.Fail...)
		objs = append(objs, f.Pass...)
	}
	objs = append(objs, agreementExtras()...)
	compared := 0
	for _, o := range objs {
		rep := checktest.Evaluate(check.Options{Config: cfg, Mode: "admission"}, o)
		failed := map[string]bool{}
		for _, r := range rep.Results {
			if r.Status == result.Fail {
				failed[r.ID] = true
			}
		}
		for _, p := range policies {
			deny, why := p.denies(t, o)
			compared++
			if deny {
				exercised[p.ID] = true
			}
			if deny != failed[p.ID] {
				t.Errorf("%s on %s %s/%s: engine FAIL=%v, CEL deny=%v (%s)", p.ID, o.Kind, o.Namespace, o.Name, failed[p.ID], deny, why)
			}
		}
	}
	var never []string
	for _, s := range check.Exportable() {
		if !exercised[s.ID] {
			never = append(never, s.ID)
		}
	}
	sort.Strings(never)
	if len(never) > 0 {
		t.Errorf("exportable checks no fixture makes the CEL deny: %v", never)
	}
	t.Logf("%d objects × %d policies compared", len(objs), len(policies))
	_ = compared
}

// agreementExtras are objects beyond the shared fixtures whose verdict is a
// WARN or a near miss: kubeadm's cluster-info discovery binding as kubeadm
// creates it (a WARN, so admitted) and the same binding widened (a FAIL).
func agreementExtras() []*inventory.Object {
	kubeadm := func(ns string, s rbacv1.Subject) *inventory.Object {
		return checktest.Object("rbac.authorization.k8s.io", "RoleBinding", &rbacv1.RoleBinding{
			ObjectMeta: metav1.ObjectMeta{Name: rbac.KubeadmClusterInfo, Namespace: ns},
			RoleRef:    rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "Role", Name: rbac.KubeadmClusterInfo},
			Subjects:   []rbacv1.Subject{s}})
	}
	anon := rbacv1.Subject{Kind: "User", Name: "system:anonymous"}
	return []*inventory.Object{
		kubeadm("kube-public", anon),
		kubeadm("default", anon),
		kubeadm("kube-public", rbacv1.Subject{Kind: "Group", Name: "system:unauthenticated"}),
	}
}
