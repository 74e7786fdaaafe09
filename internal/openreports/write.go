package openreports

import (
	"context"
	"fmt"
	"sync"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/dynamic"
)

// FieldManager is the server-side apply field manager of the reports.
const FieldManager = "kubeward"

// WriteStats says what Write did.
type WriteStats struct {
	Applied int      // objects created or updated in place
	Deleted []string // the scanner's earlier reports no longer written (namespace/name)
}

// Write applies objs (from Build with o) server-side, Workers at a time
// (0: 8), so each report is created or updated in place, then deletes the
// reports carrying o's scanner labels that this run did not write: a
// namespace that is gone, or a part no longer needed. Only objects labelled
// managed-by=kubeward and with this scanner's labels (for a node scanner,
// its own node; for a scan of one namespace, in that namespace) are ever
// deleted. Nothing is deleted when any apply failed.
func Write(ctx context.Context, dyn dynamic.Interface, o Options, objs []*unstructured.Unstructured, workers int) (WriteStats, error) {
	var st WriteStats
	if o.Format == "" {
		o.Format = OpenReports
	}
	if workers <= 0 {
		workers = 8
	}
	nsGVR, clGVR := o.Format.GVRs()
	written := map[string]bool{}
	for _, u := range objs {
		written[u.GetNamespace()+"/"+u.GetName()] = true
	}
	jobs := make(chan *unstructured.Unstructured)
	errs := make(chan error, len(objs))
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for u := range jobs {
				errs <- apply(ctx, dyn, nsGVR, clGVR, u)
			}
		}()
	}
	for _, u := range objs {
		jobs <- u
	}
	close(jobs)
	wg.Wait()
	close(errs)
	var first error
	for err := range errs {
		if err == nil {
			st.Applied++
		} else if first == nil {
			first = err
		}
	}
	if first != nil {
		return st, first
	}
	sel := metav1.ListOptions{LabelSelector: o.Selector()}
	for _, gvr := range []schema.GroupVersionResource{nsGVR, clGVR} {
		ns := metav1.NamespaceAll
		if gvr == nsGVR {
			// A scan of one namespace collects only there.
			ns = o.Namespace
		}
		var cont string
		for {
			sel.Continue = cont
			list, err := dyn.Resource(gvr).Namespace(ns).List(ctx, sel)
			if err != nil {
				return st, fmt.Errorf("listing earlier %s: %w", gvr.Resource, err)
			}
			for i := range list.Items {
				it := &list.Items[i]
				key := it.GetNamespace() + "/" + it.GetName()
				if written[key] || !owned(it, &o) {
					continue
				}
				uid := it.GetUID()
				err := dyn.Resource(gvr).Namespace(it.GetNamespace()).Delete(ctx, it.GetName(),
					metav1.DeleteOptions{Preconditions: &metav1.Preconditions{UID: &uid}})
				if err != nil {
					return st, fmt.Errorf("deleting the earlier report %s: %w", key, err)
				}
				st.Deleted = append(st.Deleted, key)
			}
			if cont = list.GetContinue(); cont == "" {
				break
			}
		}
	}
	return st, nil
}

// owned checks the labels again (a server may ignore a selector it does not
// understand; a fake client does).
func owned(u *unstructured.Unstructured, o *Options) bool {
	l := u.GetLabels()
	if l[LabelManagedBy] != ManagedBy || l[LabelScanner] != o.Scanner {
		return false
	}
	return o.Scanner != ScannerNode || l[LabelNode] == labelValue(o.Node)
}

func apply(ctx context.Context, dyn dynamic.Interface, nsGVR, clGVR schema.GroupVersionResource, u *unstructured.Unstructured) error {
	gvr := clGVR
	if u.GetNamespace() != "" {
		gvr = nsGVR
	}
	r := dyn.Resource(gvr).Namespace(u.GetNamespace())
	_, err := r.Apply(ctx, u.GetName(), u, metav1.ApplyOptions{FieldManager: FieldManager, Force: true})
	if err != nil {
		name := u.GetName()
		if ns := u.GetNamespace(); ns != "" {
			name = ns + "/" + name
		}
		return fmt.Errorf("writing %s %s: %w", u.GetKind(), name, err)
	}
	return nil
}
