// Package apply puts generated objects into a live cluster safely: a
// server-side dry run of every object first (nothing is applied unless the
// server accepts all of them), a diff against the live objects, then
// server-side apply with the field manager "kubeward", recording what was
// created and each changed object's previous state. Undo restores exactly
// that record: previous states are put back, and only the objects the record
// says kubeward created (with the recorded UID) are deleted. Nothing else is
// ever deleted.
package apply

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strings"

	udiff "github.com/aymanbagabas/go-udiff"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/dynamic"
	"sigs.k8s.io/yaml"
)

// FieldManager owns the fields kubeward applies.
const FieldManager = "kubeward"

type kind struct {
	resource   string
	namespaced bool
}

// kinds are the only kinds harden applies, and so the only kinds a record
// may name (undo touches nothing else).
var kinds = map[schema.GroupVersionKind]kind{
	{Version: "v1", Kind: "Namespace"}:                                 {"namespaces", false},
	{Version: "v1", Kind: "ResourceQuota"}:                             {"resourcequotas", true},
	{Version: "v1", Kind: "LimitRange"}:                                {"limitranges", true},
	{Version: "v1", Kind: "ServiceAccount"}:                            {"serviceaccounts", true},
	{Group: "networking.k8s.io", Version: "v1", Kind: "NetworkPolicy"}: {"networkpolicies", true},
	{Group: "apps", Version: "v1", Kind: "Deployment"}:                 {"deployments", true},
	{Group: "apps", Version: "v1", Kind: "StatefulSet"}:                {"statefulsets", true},
	{Group: "apps", Version: "v1", Kind: "DaemonSet"}:                  {"daemonsets", true},
}

// Ref names an object.
type Ref struct {
	APIVersion, Kind, Namespace, Name string
}

func (r Ref) String() string {
	if r.Namespace == "" {
		return r.Kind + "/" + r.Name
	}
	return r.Kind + " " + r.Namespace + "/" + r.Name
}

func refOf(u *unstructured.Unstructured) Ref {
	return Ref{APIVersion: u.GetAPIVersion(), Kind: u.GetKind(), Namespace: u.GetNamespace(), Name: u.GetName()}
}

// Client applies to one cluster.
type Client struct {
	dyn dynamic.Interface
	// Server is the API server's address, written into records.
	Server string
}

// New returns a client over a dynamic client.
func New(dyn dynamic.Interface, server string) *Client { return &Client{dyn: dyn, Server: server} }

func (c *Client) resource(r Ref) (dynamic.ResourceInterface, error) {
	gvk := schema.FromAPIVersionAndKind(r.APIVersion, r.Kind)
	k, ok := kinds[gvk]
	if !ok {
		return nil, fmt.Errorf("%s %s is not a kind kubeward harden applies", r.APIVersion, r.Kind)
	}
	ri := c.dyn.Resource(gvk.GroupVersion().WithResource(k.resource))
	if k.namespaced {
		if r.Namespace == "" {
			return nil, fmt.Errorf("%s has no namespace", r)
		}
		return ri.Namespace(r.Namespace), nil
	}
	return ri, nil
}

// Change is one object's planned apply.
type Change struct {
	Ref
	Desired *unstructured.Unstructured
	// Live is the object now (nil: it does not exist and will be created).
	Live *unstructured.Unstructured
	// DryRun is the server's answer to the dry-run apply: the object as it
	// would be.
	DryRun *unstructured.Unstructured
	// Diff is a unified diff from Live to DryRun ("" when nothing changes).
	Diff string
	// Patch, when set, is a strategic-merge patch applied instead of
	// Desired (PlanPatches).
	Patch []byte
}

// PatchOp is a strategic-merge patch of an existing object: how workload
// fixes reach a live cluster, since a fix may remove a field (privileged,
// hostNetwork, a hostPath volume) another manager owns, which server-side
// apply cannot do.
type PatchOp struct {
	Ref
	Patch []byte
}

// PlanPatches dry-runs each patch on the server (the object must exist).
func (c *Client) PlanPatches(ctx context.Context, ops []PatchOp) ([]*Change, error) {
	var out []*Change
	for _, op := range ops {
		ch := &Change{Ref: op.Ref, Patch: op.Patch}
		ri, err := c.resource(ch.Ref)
		if err != nil {
			return nil, err
		}
		live, err := ri.Get(ctx, ch.Name, metav1.GetOptions{})
		if err != nil {
			return nil, fmt.Errorf("reading %s: %w", ch.Ref, err)
		}
		ch.Live = live
		dry, err := ri.Patch(ctx, ch.Name, types.StrategicMergePatchType, op.Patch, metav1.PatchOptions{FieldManager: FieldManager, DryRun: []string{metav1.DryRunAll}})
		if err != nil {
			return nil, fmt.Errorf("server-side dry run of patching %s: %w", ch.Ref, err)
		}
		ch.DryRun = dry
		if ch.Diff, err = diff(ch.Ref, live, dry); err != nil {
			return nil, err
		}
		out = append(out, ch)
	}
	return out, nil
}

// Create reports whether the object does not exist yet.
func (ch *Change) Create() bool { return ch.Live == nil }

// Plan reads each object's live state and dry-runs its apply on the server.
// Any refusal fails the whole plan: nothing may be applied then.
func (c *Client) Plan(ctx context.Context, objs []*unstructured.Unstructured) ([]*Change, error) {
	var out []*Change
	for _, o := range objs {
		ch := &Change{Ref: refOf(o), Desired: o}
		ri, err := c.resource(ch.Ref)
		if err != nil {
			return nil, err
		}
		live, err := ri.Get(ctx, ch.Name, metav1.GetOptions{})
		switch {
		case apierrors.IsNotFound(err):
		case err != nil:
			return nil, fmt.Errorf("reading %s: %w", ch.Ref, err)
		default:
			ch.Live = live
		}
		dry, err := ri.Apply(ctx, ch.Name, o, metav1.ApplyOptions{FieldManager: FieldManager, Force: true, DryRun: []string{metav1.DryRunAll}})
		if err != nil {
			return nil, fmt.Errorf("server-side dry run of %s: %w", ch.Ref, err)
		}
		ch.DryRun = dry
		ch.Diff, err = diff(ch.Ref, ch.Live, dry)
		if err != nil {
			return nil, err
		}
		out = append(out, ch)
	}
	return out, nil
}

// serverOwned are the fields the server sets that a diff, a comparison or
// a restore leaves out: identity and bookkeeping, not content.
var serverOwned = []string{"resourceVersion", "managedFields", "generation", "uid", "creationTimestamp"}

// Comparable returns a copy of u without the server's bookkeeping
// (resourceVersion, managedFields, generation) and, with identity, without
// uid and creationTimestamp too.
func Comparable(u *unstructured.Unstructured, identity bool) *unstructured.Unstructured {
	if u == nil {
		return nil
	}
	c := u.DeepCopy()
	for _, f := range serverOwned {
		if !identity && (f == "uid" || f == "creationTimestamp") {
			continue
		}
		unstructured.RemoveNestedField(c.Object, "metadata", f)
	}
	return c
}

func render(u *unstructured.Unstructured) (string, error) {
	if u == nil {
		return "", nil
	}
	b, err := yaml.Marshal(Comparable(u, true).Object)
	if err != nil {
		return "", fmt.Errorf("encoding %s: %w", refOf(u), err)
	}
	return string(b), nil
}

func diff(r Ref, before, after *unstructured.Unstructured) (string, error) {
	a, err := render(before)
	if err != nil {
		return "", err
	}
	b, err := render(after)
	if err != nil {
		return "", err
	}
	if a == b {
		return "", nil
	}
	name := strings.ToLower(r.Kind) + "/" + r.Name
	if r.Namespace != "" {
		name = r.Namespace + "/" + name
	}
	from := "live/" + name
	if before == nil {
		from = "/dev/null"
	}
	return udiff.Unified(from, "kubeward/"+name, a, b), nil
}

// Apply applies the changes that change something, in order. Before each
// apply, the record gets the entry that undoes it, and save is called, so a
// record on disk always covers what reached the server. An object planned as
// new that someone else created meanwhile is recorded as changed, with the
// state it had.
func (c *Client) Apply(ctx context.Context, changes []*Change, rec *Record, save func(*Record) error) error {
	for _, ch := range changes {
		if ch.Diff == "" {
			continue
		}
		ri, err := c.resource(ch.Ref)
		if err != nil {
			return err
		}
		e := Entry{Action: Created, APIVersion: ch.APIVersion, Kind: ch.Kind, Namespace: ch.Namespace, Name: ch.Name}
		// Read again just before applying: the state recorded is the one
		// the apply changes.
		live, err := ri.Get(ctx, ch.Name, metav1.GetOptions{})
		switch {
		case apierrors.IsNotFound(err):
		case err != nil:
			return fmt.Errorf("reading %s: %w", ch.Ref, err)
		default:
			e.Action, e.Previous = Changed, live
		}
		rec.Entries = append(rec.Entries, e)
		if err := save(rec); err != nil {
			return err
		}
		var got *unstructured.Unstructured
		if ch.Patch != nil {
			if e.Action != Changed {
				return fmt.Errorf("patching %s: it no longer exists", ch.Ref)
			}
			got, err = ri.Patch(ctx, ch.Name, types.StrategicMergePatchType, ch.Patch, metav1.PatchOptions{FieldManager: FieldManager})
		} else {
			got, err = ri.Apply(ctx, ch.Name, ch.Desired, metav1.ApplyOptions{FieldManager: FieldManager, Force: true})
		}
		if err != nil {
			return fmt.Errorf("applying %s: %w", ch.Ref, err)
		}
		last := &rec.Entries[len(rec.Entries)-1]
		last.Applied, last.UID, last.ResourceVersion = true, string(got.GetUID()), got.GetResourceVersion()
		if last.Action == Created && got.GetCreationTimestamp().Time.IsZero() {
			return fmt.Errorf("applying %s: the server returned no creation time", ch.Ref)
		}
		if err := save(rec); err != nil {
			return err
		}
	}
	return nil
}

// Step is one action of an undo.
type Step struct {
	Entry *Entry
	// Do is what undo does: "delete", "restore", "re-create", or "skip".
	Do string
	// Why explains a skip or a refusal.
	Why string
	// Refused is set when the object changed since kubeward applied it
	// (or has another UID) and undo is not forced.
	Refused bool
	Diff    string
	current *unstructured.Unstructured
	target  *unstructured.Unstructured
}

// UndoPlan reads the current state of every recorded object, checks each
// is still what kubeward left (same UID; same resourceVersion unless
// force), and dry-runs each step on the server. Steps run in reverse order
// of the record.
func (c *Client) UndoPlan(ctx context.Context, rec *Record, force bool) ([]*Step, error) {
	var steps []*Step
	for i := len(rec.Entries) - 1; i >= 0; i-- {
		e := &rec.Entries[i]
		s := &Step{Entry: e}
		steps = append(steps, s)
		if !e.Applied {
			s.Do, s.Why = "skip", "never applied"
			continue
		}
		ri, err := c.resource(e.Ref())
		if err != nil {
			return nil, err
		}
		cur, err := ri.Get(ctx, e.Name, metav1.GetOptions{})
		switch {
		case apierrors.IsNotFound(err):
			cur = nil
		case err != nil:
			return nil, fmt.Errorf("reading %s: %w", e.Ref(), err)
		}
		s.current = cur
		if cur != nil && string(cur.GetUID()) != e.UID {
			if e.Action == Created {
				s.Do, s.Refused, s.Why = "skip", true, fmt.Sprintf("its UID is %s, not the %s kubeward created: another object by that name, never deleted", cur.GetUID(), e.UID)
				continue
			}
			if !force {
				s.Refused, s.Why = true, fmt.Sprintf("it was deleted and re-created since kubeward applied (UID %s, recorded %s)", cur.GetUID(), e.UID)
			}
		}
		if cur != nil && !s.Refused && cur.GetResourceVersion() != e.ResourceVersion && !force {
			s.Refused, s.Why = true, fmt.Sprintf("it changed since kubeward applied it (resourceVersion %s, recorded %s); --force undoes anyway", cur.GetResourceVersion(), e.ResourceVersion)
		}
		switch {
		case e.Action == Created && cur == nil:
			s.Do, s.Why = "skip", "already gone"
			continue
		case e.Action == Created:
			s.Do = "delete"
			s.Diff, err = diff(e.Ref(), cur, nil)
			if err != nil {
				return nil, err
			}
			if s.Refused {
				continue
			}
			uid := types.UID(e.UID)
			if err := ri.Delete(ctx, e.Name, metav1.DeleteOptions{DryRun: []string{metav1.DryRunAll}, Preconditions: &metav1.Preconditions{UID: &uid}}); err != nil {
				return nil, fmt.Errorf("server-side dry run of deleting %s: %w", e.Ref(), err)
			}
		default:
			s.target = restoreTarget(e.Previous, cur)
			s.Do = "restore"
			if cur == nil {
				s.Do = "re-create"
			}
			s.Diff, err = diff(e.Ref(), cur, s.target)
			if err != nil {
				return nil, err
			}
			if s.Refused {
				continue
			}
			if _, err := c.restore(ctx, ri, s, true); err != nil {
				return nil, fmt.Errorf("server-side dry run of restoring %s: %w", e.Ref(), err)
			}
		}
	}
	return steps, nil
}

// restoreTarget is the previous state to write back: for an update, with
// the current resourceVersion (so a change in between is a conflict, not
// lost); for a re-create, without the server's identity fields.
func restoreTarget(prev, cur *unstructured.Unstructured) *unstructured.Unstructured {
	t := prev.DeepCopy()
	unstructured.RemoveNestedField(t.Object, "status")
	if cur == nil {
		for _, f := range serverOwned {
			unstructured.RemoveNestedField(t.Object, "metadata", f)
		}
		return t
	}
	t.SetResourceVersion(cur.GetResourceVersion())
	t.SetUID(cur.GetUID())
	return t
}

func (c *Client) restore(ctx context.Context, ri dynamic.ResourceInterface, s *Step, dry bool) (*unstructured.Unstructured, error) {
	var dryRun []string
	if dry {
		dryRun = []string{metav1.DryRunAll}
	}
	if s.current == nil {
		return ri.Create(ctx, s.target, metav1.CreateOptions{DryRun: dryRun, FieldManager: FieldManager})
	}
	// The previous managedFields go back too, so field ownership is what it
	// was; a server that refuses them gets the update without.
	got, err := ri.Update(ctx, s.target, metav1.UpdateOptions{DryRun: dryRun, FieldManager: FieldManager})
	if err != nil && apierrors.IsBadRequest(err) && len(s.target.GetManagedFields()) > 0 {
		t := s.target.DeepCopy()
		t.SetManagedFields(nil)
		return ri.Update(ctx, t, metav1.UpdateOptions{DryRun: dryRun, FieldManager: FieldManager})
	}
	return got, err
}

// ErrRefused is returned by Undo when a step was refused.
var ErrRefused = errors.New("some objects changed since kubeward applied them and were left as they are")

// Undo runs the steps of UndoPlan. Deletes carry the recorded UID as a
// precondition, so the server itself refuses to delete another object.
func (c *Client) Undo(ctx context.Context, steps []*Step) error {
	refused := false
	for _, s := range steps {
		if s.Refused {
			refused = true
			continue
		}
		e := s.Entry
		ri, err := c.resource(e.Ref())
		if err != nil {
			return err
		}
		switch s.Do {
		case "delete":
			uid := types.UID(e.UID)
			if err := ri.Delete(ctx, e.Name, metav1.DeleteOptions{Preconditions: &metav1.Preconditions{UID: &uid}}); err != nil && !apierrors.IsNotFound(err) {
				return fmt.Errorf("deleting %s: %w", e.Ref(), err)
			}
		case "restore", "re-create":
			if _, err := c.restore(ctx, ri, s, false); err != nil {
				return fmt.Errorf("restoring %s: %w", e.Ref(), err)
			}
		}
	}
	if refused {
		return ErrRefused
	}
	return nil
}

// Equal reports whether two API objects hold the same content: equal after
// removing resourceVersion, managedFields and generation (and, with
// identity, uid and creationTimestamp).
func Equal(a, b *unstructured.Unstructured, identity bool) bool {
	return reflect.DeepEqual(Comparable(a, identity).Object, Comparable(b, identity).Object)
}

// ToUnstructured converts a typed object or a map to an unstructured one.
func ToUnstructured(obj any) (*unstructured.Unstructured, error) {
	if m, ok := obj.(map[string]any); ok {
		return &unstructured.Unstructured{Object: m}, nil
	}
	b, err := json.Marshal(obj)
	if err != nil {
		return nil, err
	}
	u := &unstructured.Unstructured{}
	if err := u.UnmarshalJSON(b); err != nil {
		return nil, err
	}
	return u, nil
}
