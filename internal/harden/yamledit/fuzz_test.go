package yamledit

import (
	"bytes"
	"testing"

	"github.com/kubeward/kubeward/internal/check"
)

// fuzzEdits are the edits FuzzApply draws from: every op, into existing
// and new content, through selectors.
var fuzzEdits = []check.Edit{
	set("spec.securityContext.runAsNonRoot", true),
	set("spec.securityContext.runAsUser", int64(65532)),
	set("spec.containers[name=a].securityContext.allowPrivilegeEscalation", false),
	set("spec.containers[name=a].image", "x:1"),
	set("spec.containers[name=a].securityContext.capabilities.add", []any{"NET_BIND_SERVICE"}),
	set("spec.containers[name=a].resources", map[string]any{"limits": map[string]any{"cpu": "1"}}),
	del("spec.hostPID"),
	del("spec.containers[name=a].securityContext.privileged"),
	del("spec.volumes[name=v]"),
	del("spec.containers[name=a].ports[containerPort=80].hostPort"),
	appendTo("spec.containers[name=a].securityContext.capabilities.drop", "ALL"),
	appendTo("spec.volumes", map[string]any{"name": "tmp", "emptyDir": map[string]any{}}),
	appendTo("spec.containers[name=a].args", "--x"),
	set("metadata.labels.app", "web"),
}

// FuzzApply: whatever the text and the edits, Apply does not panic, and
// when it edits an object the output parses and decodes to the input with
// the edits applied (Tree), other documents unchanged.
func FuzzApply(f *testing.F) {
	f.Add([]byte(deploy), []byte{0, 1, 2})
	f.Add([]byte("kind: Pod\nmetadata:\n  name: p\nspec:\n  hostPID: true\n  containers:\n  - name: a\n    securityContext: {privileged: true}\n    ports: [{containerPort: 80, hostPort: 80}]\n  volumes:\n  - name: v\n    hostPath: {path: /}\n"), []byte{6, 7, 8, 9, 10, 11})
	f.Add([]byte("kind: Pod\r\nmetadata:\r\n  name: p\r\nspec:\r\n  containers:\r\n  - name: a\r\n    args: [\"a\", 'b']\r\n    securityContext:\r\n      capabilities:\r\n        add:\r\n        - SYS_ADMIN\r\n"), []byte{4, 10, 12, 13})
	f.Add([]byte("kind: Pod\nmetadata:\n  name: p\nspec:\n  hostPID: true\n---\nbad: [\n"), []byte{0x86, 0})
	f.Add([]byte("# c\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n  - name: a\n    resources: {}\n---\nkind: Pod\nmetadata:\n  name: q\n"), []byte{5, 0, 3})
	f.Fuzz(func(t *testing.T, src []byte, pick []byte) {
		if len(src) > 4096 || len(pick) > 16 {
			return
		}
		var edits []check.Edit
		for _, p := range pick {
			edits = append(edits, fuzzEdits[int(p)%len(fuzzEdits)])
		}
		objs := []Object{{Kind: "Pod", Name: "p", Edits: edits}}
		if len(pick) > 0 && pick[0]&0x80 != 0 {
			objs[0].Line = 1 // only the first document is parsed
		}
		out, oc, err := Apply(src, objs, nil)
		if err != nil {
			return
		}
		if oc[0].Refused != "" {
			if !bytes.Equal(out, src) {
				t.Fatalf("refused (%s) but changed:\n%s", oc[0].Refused, out)
			}
			return
		}
		in := bytes.ReplaceAll(src, []byte("\r\n"), []byte("\n"))
		if !decodes(in) {
			return // the parser accepted what the decoder refuses: nothing to compare
		}
		if !decodes(bytes.ReplaceAll(out, []byte("\r\n"), []byte("\n"))) {
			t.Fatalf("output does not decode:\n%s\n--- from:\n%s", out, src)
		}
		if !treeApplies(in, objs) {
			return
		}
		expect(t, in, bytes.ReplaceAll(out, []byte("\r\n"), []byte("\n")), objs, oc)
	})
}

func decodes(b []byte) (ok bool) {
	defer func() {
		if recover() != nil {
			ok = false
		}
	}()
	ft := &fakeT{}
	decodeAll(ft, b)
	return !ft.failed
}

// treeApplies reports whether the reference model accepts the edits (it
// refuses, for instance, a selector on a list that is not there).
func treeApplies(in []byte, objs []Object) bool {
	ft := &fakeT{}
	docs := decodeAll(ft, in)
	if ft.failed {
		return false
	}
	for _, d := range docs {
		m, ok := d.(map[string]any)
		if !ok {
			continue
		}
		meta, _ := m["metadata"].(map[string]any)
		if m["kind"] != "Pod" || meta == nil || meta["name"] != "p" {
			continue
		}
		for _, e := range objs[0].Edits {
			if Tree(m, e) != nil {
				return false
			}
		}
	}
	return true
}

type fakeT struct {
	testing.TB
	failed bool
}

func (f *fakeT) Helper()               {}
func (f *fakeT) Fatalf(string, ...any) { f.failed = true; panic(f) }
func (f *fakeT) Fatal(...any)          { f.failed = true; panic(f) }
