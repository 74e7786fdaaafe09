package apply

import (
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

func ns(labels map[string]any, extra map[string]any) *unstructured.Unstructured {
	md := map[string]any{"name": "payments", "labels": labels}
	for k, v := range extra {
		md[k] = v
	}
	return &unstructured.Unstructured{Object: map[string]any{"apiVersion": "v1", "kind": "Namespace", "metadata": md, "status": map[string]any{"phase": "Active"}}}
}

func TestDiffAndEqual(t *testing.T) {
	server := map[string]any{"uid": "u1", "resourceVersion": "5", "generation": int64(1), "creationTimestamp": "2026-12-06T00:00:00Z",
		"managedFields": []any{map[string]any{"manager": "kubectl"}}}
	live := ns(map[string]any{"team": "pay"}, server)
	after := ns(map[string]any{"team": "pay", "pod-security.kubernetes.io/enforce": "restricted"}, map[string]any{"uid": "u1", "resourceVersion": "6"})
	d, err := diff(refOf(live), live, after)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"--- live/namespace/payments", "+++ kubeward/namespace/payments", "+    pod-security.kubernetes.io/enforce: restricted"} {
		if !strings.Contains(d, want) {
			t.Errorf("diff lacks %q:\n%s", want, d)
		}
	}
	if strings.Contains(d, "resourceVersion") || strings.Contains(d, "managedFields") || strings.Contains(d, "uid") {
		t.Errorf("diff shows server bookkeeping:\n%s", d)
	}
	if d, _ := diff(refOf(live), live, ns(map[string]any{"team": "pay"}, map[string]any{"resourceVersion": "9"})); d != "" {
		t.Errorf("no content change must give no diff:\n%s", d)
	}
	if d, _ := diff(refOf(live), nil, after); !strings.HasPrefix(d, "--- /dev/null") {
		t.Errorf("a new object diffs from /dev/null:\n%s", d)
	}
	if !Equal(live, ns(map[string]any{"team": "pay"}, map[string]any{"uid": "u1", "creationTimestamp": "2026-12-06T00:00:00Z", "resourceVersion": "99"}), false) {
		t.Error("objects differing only in resourceVersion, managedFields and generation are equal")
	}
	if Equal(live, ns(map[string]any{"team": "pay"}, map[string]any{"uid": "u2", "creationTimestamp": "2026-12-06T00:00:00Z"}), false) {
		t.Error("another uid is another object unless identity is excluded")
	}
	if !Equal(live, ns(map[string]any{"team": "pay"}, map[string]any{"uid": "u2"}), true) {
		t.Error("with identity excluded, uid and creationTimestamp do not count")
	}
}

func TestRestoreTarget(t *testing.T) {
	prev := ns(map[string]any{"team": "pay"}, map[string]any{"uid": "u1", "resourceVersion": "5", "managedFields": []any{map[string]any{"manager": "kubectl"}}})
	cur := ns(map[string]any{"team": "pay", "x": "y"}, map[string]any{"uid": "u1", "resourceVersion": "8"})
	up := restoreTarget(prev, cur)
	if up.GetResourceVersion() != "8" || up.GetUID() != "u1" || len(up.GetManagedFields()) != 1 || up.Object["status"] != nil {
		t.Errorf("an update carries the current resourceVersion and the previous managedFields, no status: %v", up.Object)
	}
	re := restoreTarget(prev, nil)
	if re.GetResourceVersion() != "" || re.GetUID() != "" || re.GetManagedFields() != nil || re.GetLabels()["team"] != "pay" {
		t.Errorf("a re-create carries no server identity: %v", re.Object)
	}
	if prev.GetResourceVersion() != "5" {
		t.Error("restoreTarget changed the record's previous state")
	}
}
