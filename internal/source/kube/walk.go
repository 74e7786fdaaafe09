package kube

import (
	"context"
	"fmt"
	"sort"
	"sync"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/tools/pager"

	corev1 "k8s.io/api/core/v1"

	"github.com/kubeward/kubeward/internal/inventory"
)

// resource is one kind kubeward lists.
type resource struct {
	group, version, kind, plural string
	namespaced                   bool
	// list returns one page.
	list func(c *Client, ctx context.Context, ns string, opts metav1.ListOptions) (runtime.Object, error)
}

// ReadError is a resource kubeward could not read: the audit goes on and
// reports it.
type ReadError struct {
	Resource  string // plural, with group: deployments.apps
	Verb      string
	Namespace string
	Err       error
}

func (e *ReadError) Error() string {
	where := "all namespaces"
	if e.Namespace != "" {
		where = "namespace " + e.Namespace
	}
	return fmt.Sprintf("cannot %s %s in %s: %v", e.Verb, e.Resource, where, e.Err)
}

// Stats describe a walk.
type Stats struct {
	Objects  int
	ByKind   map[string]int
	Errors   []*ReadError
	Duration time.Duration
}

// Walk lists every resource kubeward evaluates and hands each object to
// sink (from several goroutines). Objects owned by a controller that is
// itself listed (pods of a ReplicaSet, ReplicaSets of a Deployment, Jobs of
// a CronJob) are marked Owned, so workload checks report against the owner.
func (c *Client) Walk(ctx context.Context, sink func(*inventory.Object)) *Stats {
	start := time.Now()
	st := &Stats{ByKind: map[string]int{}}
	var mu sync.Mutex
	sem := make(chan struct{}, c.opts.Concurrency)
	var wg sync.WaitGroup
	for _, r := range resources {
		wg.Add(1)
		sem <- struct{}{}
		go func(r resource) {
			defer wg.Done()
			defer func() { <-sem }()
			n, err := c.listAll(ctx, r, sink)
			mu.Lock()
			defer mu.Unlock()
			st.ByKind[r.kind] += n
			st.Objects += n
			if err != nil {
				st.Errors = append(st.Errors, err)
			}
		}(r)
	}
	wg.Wait()
	sort.Slice(st.Errors, func(i, j int) bool { return st.Errors[i].Error() < st.Errors[j].Error() })
	st.Duration = time.Since(start)
	return st
}

// transient reports errors worth retrying.
func transient(err error) bool {
	return apierrors.IsTooManyRequests(err) || apierrors.IsServerTimeout(err) || apierrors.IsTimeout(err) ||
		apierrors.IsServiceUnavailable(err) || apierrors.IsInternalError(err) || apierrors.IsUnexpectedServerError(err)
}

func (c *Client) listAll(ctx context.Context, r resource, sink func(*inventory.Object)) (int, *ReadError) {
	ns := ""
	if r.namespaced {
		ns = c.opts.Namespace
	}
	name := r.plural
	if r.group != "" {
		name += "." + r.group
	}
	p := pager.New(func(ctx context.Context, opts metav1.ListOptions) (runtime.Object, error) {
		var obj runtime.Object
		err := wait.ExponentialBackoffWithContext(ctx, wait.Backoff{Duration: 500 * time.Millisecond, Factor: 2, Steps: 5}, func(ctx context.Context) (bool, error) {
			var err error
			obj, err = r.list(c, ctx, ns, opts)
			if err != nil && transient(err) {
				return false, nil
			}
			return true, err
		})
		return obj, err
	})
	p.PageSize = c.opts.PageSize
	n := 0
	err := p.EachListItem(ctx, metav1.ListOptions{}, func(obj runtime.Object) error {
		o := toObject(r, obj)
		if o != nil {
			n++
			sink(o)
		}
		return nil
	})
	if err != nil {
		if !apierrors.IsForbidden(err) && !apierrors.IsNotFound(err) {
			err = Explain(c.Host, err)
		}
		return n, &ReadError{Resource: name, Verb: "list", Namespace: ns, Err: err}
	}
	return n, nil
}

// ownedKinds are controllers whose children report against them.
var ownedKinds = map[string]map[string]bool{
	"Pod":        {"ReplicaSet": true, "DaemonSet": true, "StatefulSet": true, "Job": true, "ReplicationController": true},
	"ReplicaSet": {"Deployment": true},
	"Job":        {"CronJob": true},
}

func toObject(r resource, obj runtime.Object) *inventory.Object {
	m, ok := obj.(metav1.Object)
	if !ok {
		return nil
	}
	typed := any(obj)
	if pm, ok := obj.(*metav1.PartialObjectMetadata); ok && r.kind == "Secret" {
		// Secrets are read as metadata only: never their values.
		typed = &corev1.Secret{ObjectMeta: pm.ObjectMeta}
	}
	o := &inventory.Object{
		Group: r.group, Version: r.version, Kind: r.kind,
		Namespace: m.GetNamespace(), Name: m.GetName(), Labels: m.GetLabels(), Annotations: m.GetAnnotations(),
		Typed: typed, Origin: apiPath(r, m.GetNamespace(), m.GetName()),
	}
	for _, ref := range m.GetOwnerReferences() {
		if ref.Controller != nil && *ref.Controller && ownedKinds[r.kind][ref.Kind] {
			o.Owner = ref.Kind + "/" + ref.Name
		}
	}
	return o
}

func apiPath(r resource, ns, name string) string {
	p := "/api/" + r.version
	if r.group != "" {
		p = "/apis/" + r.group + "/" + r.version
	}
	if ns != "" {
		p += "/namespaces/" + ns
	}
	return p + "/" + r.plural + "/" + name
}

var secretsGVR = schema.GroupVersionResource{Version: "v1", Resource: "secrets"}
