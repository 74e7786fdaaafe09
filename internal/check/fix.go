package check

import (
	"fmt"
	"strings"

	"github.com/kubeward/kubeward/internal/catalog"
)

// Fix is what `kubeward harden` changes to make a check pass (see the top
// of spec.go). Exactly one of Edits, Generated and Manual is set.
type Fix struct {
	// Changes says what the fix changes, in both languages.
	Changes catalog.Text
	// Companions are the changes the fix makes beside it so the app keeps
	// working (an emptyDir for /tmp when the root filesystem becomes
	// read-only), in both languages.
	Companions []catalog.Text
	// NeedsReview is set when a person must review the fix before it is
	// applied: it can break the workload (a removed hostPath volume).
	NeedsReview bool
	// Edits returns the edits that make t pass under env's configuration,
	// or none when t already passes. It is pure: it reads only env and t.
	Edits func(env *Env, t *Target) []Edit
	// Manual is why there is no automatic fix: what a person must decide
	// or look up (a digest, a trusted mirror). Listed, never guessed.
	Manual *catalog.Text
	// Generated says which new objects `kubeward harden` writes to make the
	// check pass, when the fix is a new object beside the user's rather
	// than an edit of one: the namespace layer (a ResourceQuota, a
	// default-deny NetworkPolicy, Pod Security labels), written by
	// `harden manifests --out DIR` and `harden cluster`.
	Generated *catalog.Text
}

// Automatic reports whether the fix makes edits by itself.
func (f *Fix) Automatic() bool { return f != nil && f.Edits != nil }

// kind is the fix's catalogue entry (catalog.Entry.Fix).
func (f *Fix) kind() string {
	switch {
	case f == nil:
		return ""
	case f.Edits != nil && f.NeedsReview:
		return "review"
	case f.Edits != nil:
		return "automatic"
	case f.Generated != nil:
		return "generated"
	case f.Manual != nil:
		return "manual"
	}
	return ""
}

// EditOp is what an Edit does at its path.
type EditOp uint8

// The edit operations.
const (
	// Set writes Value at Path, creating the mappings on the way (and a
	// list element named by a [key=value] selector when none matches).
	Set EditOp = iota + 1
	// Remove deletes the key or the list element Path names; nothing when
	// it is absent. A mapping or list left empty by it is removed too.
	Remove
	// Append adds Value to the list at Path unless the list already holds
	// an equal element (for mappings: one with the same "name"); it
	// creates the list when absent.
	Append
	// Create adds a new object (Value, a map) beside the edited one, once
	// per file: the dedicated ServiceAccount.
	Create
)

func (op EditOp) String() string {
	switch op {
	case Set:
		return "set"
	case Remove:
		return "remove"
	case Append:
		return "append"
	case Create:
		return "create"
	}
	return fmt.Sprintf("op(%d)", op)
}

// Edit is one declarative change on an object.
//
// Path is a dotted field path from the object's root; a list element is
// named by a selector on a scalar field, [name=app] or [containerPort=80],
// never by position, so that edits stay right while other edits change the
// list. Value is a bool, an int64, a string, a []any or a map[string]any
// (written with sorted keys).
type Edit struct {
	Op    EditOp
	Path  string
	Value any
	// Companion marks a change made so the fix does not break the app.
	Companion bool
	// Review marks a change a person must review (it may break the app).
	Review bool
}

func (e Edit) String() string {
	if e.Op == Remove {
		return "remove " + e.Path
	}
	return fmt.Sprintf("%s %s = %s", e.Op, e.Path, FormatValue(e.Value))
}

// FormatValue renders an edit's value in one line (flow YAML).
func FormatValue(v any) string {
	switch t := v.(type) {
	case nil:
		return "null"
	case string:
		return fmt.Sprintf("%q", t)
	case []any:
		parts := make([]string, len(t))
		for i, x := range t {
			parts[i] = FormatValue(x)
		}
		return "[" + strings.Join(parts, ", ") + "]"
	case map[string]any:
		keys := SortedKeys(t)
		parts := make([]string, len(keys))
		for i, k := range keys {
			parts[i] = k + ": " + FormatValue(t[k])
		}
		return "{" + strings.Join(parts, ", ") + "}"
	}
	return fmt.Sprint(v)
}

// SortedKeys are m's keys in order.
func SortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	for i := 1; i < len(keys); i++ { // insertion sort: maps here are tiny
		for j := i; j > 0 && keys[j] < keys[j-1]; j-- {
			keys[j], keys[j-1] = keys[j-1], keys[j]
		}
	}
	return keys
}

// Sel is a list selector for a field path: Sel("containers", "name", "app")
// is containers[name=app].
func Sel(list, key, value string) string { return list + "[" + key + "=" + value + "]" }
