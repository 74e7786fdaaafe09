package check

import (
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"

	"github.com/kubeward/kubeward/internal/inventory"
	"github.com/kubeward/kubeward/internal/result"
)

// Index holds what cross-object rules need, built once while objects stream
// in, so every cross-object rule is linear in the number of objects. It keeps
// small objects (namespaces, quotas, policies, service accounts) and only
// facts of workloads.
type Index struct {
	objects    int
	Namespaces map[string]*Namespace
	// ServiceAccounts by "namespace/name".
	ServiceAccounts map[string]*inventory.Object
	// BoundServiceAccounts are "namespace/name" of service accounts that some
	// RoleBinding or ClusterRoleBinding of the scan grants permissions.
	BoundServiceAccounts map[string]bool
	// TokenMounts are workloads that do not disable automountServiceAccountToken.
	TokenMounts []TokenMount
	// ServiceAccountUse says, by "namespace/name" of a service account, how
	// the workloads of the scan that run as it decide on its token.
	ServiceAccountUse map[string]*ServiceAccountUse
	// Workloads counts pod-bearing objects.
	Workloads int
	// Facts are what collectors gathered, by collector name.
	Facts map[string][]any
}

// Namespace is everything the scan saw of one namespace.
type Namespace struct {
	Name string
	// Object is the Namespace manifest, when the scan has it.
	Object *inventory.Object
	// First is the first object (by file and line) seen in the namespace: the
	// location of namespace findings when there is no Namespace manifest.
	First           *inventory.Object
	ResourceQuotas  []*inventory.Object
	LimitRanges     []*inventory.Object
	NetworkPolicies []*inventory.Object
	Workloads       int
}

// TokenMount is a workload that mounts its service account token, or leaves
// the decision to its service account.
type TokenMount struct {
	Object         *inventory.Object
	ServiceAccount string
	// Explicit is set when the pod sets automountServiceAccountToken: true.
	Explicit bool
	Location *result.Location
}

// ServiceAccountUse is how the workloads running as one service account
// decide on its token.
type ServiceAccountUse struct {
	// Workloads counts them.
	Workloads int
	// Explicit counts those whose pod sets automountServiceAccountToken
	// (true or false): the account's own default does not decide for them.
	Explicit int
}

func newIndex() *Index {
	return &Index{
		ServiceAccountUse:    map[string]*ServiceAccountUse{},
		Namespaces:           map[string]*Namespace{},
		ServiceAccounts:      map[string]*inventory.Object{},
		BoundServiceAccounts: map[string]bool{},
		Facts:                map[string][]any{},
	}
}

// objectFacts is what one object contributes to the index.
type objectFacts struct {
	obj        *inventory.Object // a copy without Locate (and without Typed for workloads)
	workload   bool
	sa         string // the workload's service account, "namespace/name"
	explicit   bool   // the workload sets automountServiceAccountToken
	tokenMount *TokenMount
	bound      []string
	extra      []namedFact
}

type namedFact struct {
	name string
	fact any
}

// facts extracts an object's contribution; it runs outside the engine's lock.
func (ix *Index) facts(env *Env, t *Target) objectFacts {
	lite := *t.Object
	lite.Locate, lite.LocateFile = nil, nil
	f := objectFacts{obj: &lite}
	if w := t.Workload; w != nil {
		f.workload = true
		f.sa = t.Namespace + "/" + ServiceAccountName(w.Spec)
		f.explicit = w.Spec.AutomountServiceAccountToken != nil
		if a := w.Spec.AutomountServiceAccountToken; a == nil || *a {
			path := w.SpecPath
			if a != nil {
				path += ".automountServiceAccountToken"
			}
			f.tokenMount = &TokenMount{ServiceAccount: ServiceAccountName(w.Spec), Explicit: a != nil, Location: t.Location(path)}
		}
		lite.Typed = nil
	}
	switch o := t.Typed.(type) {
	case *rbacv1.RoleBinding:
		f.bound = boundServiceAccounts(o.Namespace, o.Subjects)
	case *rbacv1.ClusterRoleBinding:
		f.bound = boundServiceAccounts("", o.Subjects)
	}
	if f.tokenMount != nil {
		f.tokenMount.Object = &lite
	}
	return f
}

func boundServiceAccounts(bindingNS string, subjects []rbacv1.Subject) []string {
	var out []string
	for _, s := range subjects {
		if s.Kind != rbacv1.ServiceAccountKind {
			continue
		}
		ns := s.Namespace
		if ns == "" {
			ns = bindingNS
		}
		out = append(out, ns+"/"+s.Name)
	}
	return out
}

// ServiceAccountName is the account a pod spec runs as.
func ServiceAccountName(s *corev1.PodSpec) string {
	switch {
	case s.ServiceAccountName != "":
		return s.ServiceAccountName
	case s.DeprecatedServiceAccount != "":
		return s.DeprecatedServiceAccount
	}
	return "default"
}

func (ix *Index) add(f objectFacts) {
	ix.objects++
	o := f.obj
	if o.Kind == "Namespace" && o.Group == "" {
		ix.namespace(o.Name).Object = o
	}
	if o.Namespace != "" {
		ns := ix.namespace(o.Namespace)
		if ns.First == nil || before(o, ns.First) {
			ns.First = o
		}
		switch o.Typed.(type) {
		case *corev1.ResourceQuota:
			ns.ResourceQuotas = append(ns.ResourceQuotas, o)
		case *corev1.LimitRange:
			ns.LimitRanges = append(ns.LimitRanges, o)
		case *corev1.ServiceAccount:
			ix.ServiceAccounts[o.Namespace+"/"+o.Name] = o
		}
		if o.Kind == "NetworkPolicy" {
			ns.NetworkPolicies = append(ns.NetworkPolicies, o)
		}
		if f.workload {
			ns.Workloads++
		}
	}
	if f.workload {
		ix.Workloads++
		u := ix.ServiceAccountUse[f.sa]
		if u == nil {
			u = &ServiceAccountUse{}
			ix.ServiceAccountUse[f.sa] = u
		}
		u.Workloads++
		if f.explicit {
			u.Explicit++
		}
	}
	if f.tokenMount != nil {
		ix.TokenMounts = append(ix.TokenMounts, *f.tokenMount)
	}
	for _, b := range f.bound {
		ix.BoundServiceAccounts[b] = true
	}
	for _, x := range f.extra {
		ix.Facts[x.name] = append(ix.Facts[x.name], x.fact)
	}
}

func (ix *Index) namespace(name string) *Namespace {
	ns := ix.Namespaces[name]
	if ns == nil {
		ns = &Namespace{Name: name}
		ix.Namespaces[name] = ns
	}
	return ns
}

func before(a, b *inventory.Object) bool {
	if a.File != b.File {
		return a.File < b.File
	}
	return a.Line < b.Line
}
