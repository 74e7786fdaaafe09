package yamledit

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"reflect"
	"strings"
	"testing"

	"github.com/goccy/go-yaml"

	"github.com/kubeward/kubeward/internal/check"
)

func set(p string, v any) check.Edit      { return check.Edit{Op: check.Set, Path: p, Value: v} }
func del(p string) check.Edit             { return check.Edit{Op: check.Remove, Path: p} }
func appendTo(p string, v any) check.Edit { return check.Edit{Op: check.Append, Path: p, Value: v} }

// decodeAll decodes every document of a stream into JSON-like values.
func decodeAll(t testing.TB, b []byte) []any {
	t.Helper()
	dec := yaml.NewDecoder(bytes.NewReader(b))
	var out []any
	for {
		var v any
		err := dec.Decode(&v)
		if errors.Is(err, io.EOF) {
			return out
		}
		if err != nil {
			t.Fatalf("decode: %v\n%s", err, b)
		}
		j, err := json.Marshal(v)
		if err != nil {
			t.Fatalf("json: %v", err)
		}
		var n any
		if err := json.Unmarshal(j, &n); err != nil {
			t.Fatal(err)
		}
		out = append(out, n)
	}
}

// expect is the property: the output decodes to the input with the edits
// applied by Tree to the document named by kind and name.
func expect(t testing.TB, in, out []byte, objs []Object, outcomes []Outcome) {
	t.Helper()
	want := decodeAll(t, in)
	for i, o := range objs {
		if outcomes[i].Refused != "" {
			continue
		}
		var cands []any
		for _, d := range want {
			cands = append(cands, d)
			if m, ok := d.(map[string]any); ok {
				if items, ok := m["items"].([]any); ok {
					cands = append(cands, items...)
				}
			}
		}
		for _, d := range cands {
			m, ok := d.(map[string]any)
			if !ok {
				continue
			}
			meta, _ := m["metadata"].(map[string]any)
			if m["kind"] != o.Kind || meta == nil || meta["name"] != o.Name {
				continue
			}
			for _, e := range o.Edits {
				if err := Tree(m, e); err != nil {
					t.Fatalf("tree %v: %v", e, err)
				}
			}
		}
	}
	norm := decodeAll(t, mustJSON(t, want))
	got := decodeAll(t, out)
	if len(got) > len(norm) {
		got = got[:len(norm)] // new objects follow
	}
	if !reflect.DeepEqual(norm, got) {
		t.Fatalf("decoded output differs\nwant %v\ngot  %v\n--- out:\n%s", norm, got, out)
	}
}

func mustJSON(t testing.TB, docs []any) []byte {
	var b bytes.Buffer
	for _, d := range docs {
		j, err := json.Marshal(d)
		if err != nil {
			t.Fatal(err)
		}
		b.WriteString("---\n")
		b.Write(j)
		b.WriteString("\n")
	}
	return b.Bytes()
}

const deploy = `# The web app.
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web   # keep me
  namespace: shop

spec:
  replicas: 2
  template:
    metadata:
      labels: {app: web}
    spec:
      hostNetwork: true
      containers:
        - name: app
          image: "nginx:1.27"   # pinned later
          securityContext:
            privileged: true
          ports:
            - containerPort: 80
              hostPort: 80
          volumeMounts:
            - name: sock
              mountPath: /var/run/docker.sock

        # the sidecar
        - name: side
          image: busybox
          securityContext: {}
          args: ["sleep", "1d"]
      volumes:
        - name: sock
          hostPath: {path: /var/run/docker.sock}
        - name: data
          emptyDir: {}
`

func TestApply(t *testing.T) {
	c0 := "spec.template.spec.containers[name=app]"
	c1 := "spec.template.spec.containers[name=side]"
	tests := []struct {
		name  string
		in    string
		edits []check.Edit
		want  string // the whole output, or "" to check only the property
		diff  []string
	}{
		{name: "set into a new mapping, remove, keep comments and blank lines", in: deploy, edits: []check.Edit{
			set(c0+".securityContext.allowPrivilegeEscalation", false),
			del(c0 + ".securityContext.privileged"),
			del("spec.template.spec.hostNetwork"),
			set(c1+".securityContext.runAsNonRoot", true),
			set(c1+".securityContext.runAsUser", int64(65532)),
			set("spec.template.spec.securityContext.seccompProfile.type", "RuntimeDefault"),
			appendTo(c1+".args", "--quiet"),
			del(c0 + ".ports[containerPort=80].hostPort"),
			del("spec.template.spec.volumes[name=sock]"),
			del(c0 + ".volumeMounts[mountPath=/var/run/docker.sock]"),
			appendTo(c0+".securityContext.capabilities.drop", "ALL"),
		}},
		{name: "only the value changes, quoting kept", in: "kind: Pod\nmetadata:\n  name: p\nspec:\n  securityContext:\n    runAsUser: 0 # root!\n  x: 'a'\n", edits: []check.Edit{
			set("spec.securityContext.runAsUser", int64(65532)), set("spec.x", "b"),
		}, want: "kind: Pod\nmetadata:\n  name: p\nspec:\n  securityContext:\n    runAsUser: 65532 # root!\n  x: 'b'\n"},
		{name: "CRLF kept", in: "kind: Pod\r\nmetadata:\r\n  name: p\r\nspec:\r\n  containers:\r\n  - name: a\r\n    image: x\r\n", edits: []check.Edit{
			set("spec.containers[name=a].securityContext.readOnlyRootFilesystem", true),
			appendTo("spec.containers[name=a].volumeMounts", map[string]any{"name": "tmp", "mountPath": "/tmp"}),
			appendTo("spec.volumes", map[string]any{"name": "tmp", "emptyDir": map[string]any{}}),
		}, want: "kind: Pod\r\nmetadata:\r\n  name: p\r\nspec:\r\n  containers:\r\n  - name: a\r\n    image: x\r\n    securityContext:\r\n      readOnlyRootFilesystem: true\r\n    volumeMounts:\r\n    - mountPath: /tmp\r\n      name: tmp\r\n  volumes:\r\n  - emptyDir: {}\r\n    name: tmp\r\n"},
		{name: "flow list extended, flow list replaced", in: "kind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n  - name: a\n    securityContext:\n      capabilities: {drop: [NET_RAW], add: [SYS_ADMIN, NET_BIND_SERVICE]}\n", edits: []check.Edit{
			appendTo("spec.containers[name=a].securityContext.capabilities.drop", "ALL"),
			set("spec.containers[name=a].securityContext.capabilities.add", []any{"NET_BIND_SERVICE"}),
		}, want: "kind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n  - name: a\n    securityContext:\n      capabilities: {drop: [NET_RAW, ALL], add: [NET_BIND_SERVICE]}\n"},
		{name: "empty value filled, comment kept on its line", in: "kind: Pod\nmetadata:\n  name: p\nspec:\n  containers:\n  - name: a\n    resources: {} # tune me\n    image: x\n", edits: []check.Edit{
			set("spec.containers[name=a].resources.requests.cpu", "100m"),
			set("spec.containers[name=a].resources.limits.cpu", "1"),
		}, want: "kind: Pod\nmetadata:\n  name: p\nspec:\n  containers:\n  - name: a\n    resources: # tune me\n      requests:\n        cpu: 100m\n      limits:\n        cpu: \"1\"\n    image: x\n"},
		{name: "removal empties the parent, which goes too", in: "kind: Pod\nmetadata:\n  name: p\nspec:\n  hostPID: true\n  containers:\n  - name: a\n    securityContext:\n      privileged: true\n    image: x\n", edits: []check.Edit{
			del("spec.containers[name=a].securityContext.privileged"), del("spec.hostPID"),
		}, want: "kind: Pod\nmetadata:\n  name: p\nspec:\n  containers:\n  - name: a\n    image: x\n"},
		{name: "first key of an item removed", in: "kind: Pod\nmetadata:\n  name: p\nspec:\n  containers:\n  - name: a\n    ports:\n    - hostPort: 80\n      containerPort: 80\n", edits: []check.Edit{
			del("spec.containers[name=a].ports[containerPort=80].hostPort"),
		}, want: "kind: Pod\nmetadata:\n  name: p\nspec:\n  containers:\n  - name: a\n    ports:\n    - containerPort: 80\n"},
		{name: "multi-doc and List", in: "---\nkind: List\nitems:\n- kind: Pod\n  metadata:\n    name: p\n  spec:\n    containers:\n    - name: a\n---\n# two\nkind: Pod\nmetadata:\n  name: q\nspec: {}\n...\n", edits: nil},
		{name: "four-space indent detected", in: "kind: Pod\nmetadata:\n    name: p\nspec:\n    containers:\n        -   name: a\n            image: x\n", edits: []check.Edit{
			set("spec.securityContext.runAsNonRoot", true),
		}, want: "kind: Pod\nmetadata:\n    name: p\nspec:\n    containers:\n        -   name: a\n            image: x\n    securityContext:\n        runAsNonRoot: true\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			objs := []Object{{Kind: "Pod", Name: "p", Edits: tt.edits}}
			if strings.Contains(tt.in, "Deployment") {
				objs = []Object{{Kind: "Deployment", Name: "web", Namespace: "shop", Edits: tt.edits}}
			}
			if tt.name == "multi-doc and List" {
				objs = []Object{{Kind: "Pod", Name: "p", Namespace: "default", Edits: []check.Edit{set("spec.containers[name=a].securityContext.runAsNonRoot", true)}},
					{Kind: "Pod", Name: "q", Namespace: "default", Edits: []check.Edit{set("spec.hostPID", false)}}}
			}
			out, oc, err := Apply([]byte(tt.in), objs, nil)
			if err != nil {
				t.Fatal(err)
			}
			for _, o := range oc {
				if o.Refused != "" {
					t.Fatalf("refused: %s", o.Refused)
				}
			}
			if tt.want != "" && string(out) != tt.want {
				t.Fatalf("got\n%s\nwant\n%s", out, tt.want)
			}
			if strings.Contains(tt.in, "\r") {
				in2 := bytes.ReplaceAll([]byte(tt.in), []byte("\r\n"), []byte("\n"))
				expect(t, in2, bytes.ReplaceAll(out, []byte("\r\n"), []byte("\n")), objs, oc)
				return
			}
			expect(t, []byte(tt.in), out, objs, oc)
			// Every line of the input that no edit touched is still there, in order.
			if strings.Contains(tt.in, "# the sidecar") && !strings.Contains(string(out), "        # the sidecar\n        - name: side") {
				t.Fatalf("comment lost:\n%s", out)
			}
		})
	}
}

func TestRefused(t *testing.T) {
	for _, tt := range []struct{ name, in, why string }{
		{"anchor", "kind: Pod\nmetadata:\n  name: p\nspec:\n  securityContext: &sc\n    runAsUser: 0\n", "anchor"},
		{"alias", "x: &sc {runAsUser: 0}\n---\nkind: Pod\nmetadata:\n  name: p\nspec:\n  securityContext: *sc\n", "anchor or alias"},
		{"flow mapping to grow", "kind: Pod\nmetadata:\n  name: p\nspec:\n  securityContext: {fsGroup: 1}\n", "flow mapping"},
		{"json", `{"kind": "Pod", "metadata": {"name": "p"}, "spec": {"securityContext": {"fsGroup": 1}}}`, "a JSON file"},
		{"merge key", "kind: Pod\nmetadata:\n  name: p\nspec:\n  <<: {hostPID: true}\n  securityContext:\n    fsGroup: 1\n", "merge key"},
		{"not found", "kind: Pod\nmetadata:\n  name: other\n", "not found"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			objs := []Object{{Kind: "Pod", Name: "p", Edits: []check.Edit{set("spec.securityContext.runAsNonRoot", true)}}}
			out, oc, err := Apply([]byte(tt.in), objs, nil)
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(oc[0].Refused, tt.why) {
				t.Fatalf("refused %q, want %q", oc[0].Refused, tt.why)
			}
			if string(out) != tt.in {
				t.Fatalf("a refused object changed:\n%s", out)
			}
		})
	}
	if _, _, err := Apply([]byte("a: 1\r\nb: 2\n"), nil, nil); err == nil {
		t.Fatal("mixed line ends accepted")
	}
	if _, _, err := Apply([]byte("a: [1\n"), nil, nil); err == nil {
		t.Fatal("broken YAML accepted")
	}
}

func TestNewObjects(t *testing.T) {
	sa := map[string]any{"apiVersion": "v1", "kind": "ServiceAccount", "metadata": map[string]any{"name": "web", "namespace": "shop"}, "automountServiceAccountToken": false}
	out, _, err := Apply([]byte("kind: Pod\nmetadata:\n  name: p"), nil, []map[string]any{sa, sa})
	if err != nil {
		t.Fatal(err)
	}
	want := "kind: Pod\nmetadata:\n  name: p\n---\napiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: web\n  namespace: shop\nautomountServiceAccountToken: false\n"
	if string(out) != want {
		t.Fatalf("got\n%s", out)
	}
	out2, _, _ := Apply(out, nil, []map[string]any{sa})
	if string(out2) != string(out) {
		t.Fatal("an existing ServiceAccount was added again")
	}
}

// TestApplyChunked: with lines, only the documents of the objects are
// parsed, and the result is the same as parsing the whole stream.
func TestApplyChunked(t *testing.T) {
	in := []byte("# head\nkind: Pod\nmetadata:\n  name: a\nspec:\n  hostPID: true\n---\nkind: Pod\nmetadata:\n  name: b\nspec: {}\n--- # c\nkind: Pod\nmetadata:\n  name: c\nspec:\n  containers:\n  - name: x\n---\nbroken: [\n")
	objs := func(lines bool) []Object {
		o := []Object{
			{Kind: "Pod", Name: "a", Line: 1, Edits: []check.Edit{del("spec.hostPID"), set("spec.x", true)}},
			{Kind: "Pod", Name: "c", Line: 12, Edits: []check.Edit{set("spec.containers[name=x].image", "i:1")}},
		}
		if !lines {
			for i := range o {
				o[i].Line = 0
			}
		}
		return o
	}
	sa := []map[string]any{{"apiVersion": "v1", "kind": "ServiceAccount", "metadata": map[string]any{"name": "b"}}}
	out, oc, err := ApplyWith(in, objs(true), func([]Outcome) []map[string]any { return sa }, func(kind, ns, name string) bool { return false })
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range oc {
		if o.Refused != "" {
			t.Fatal(o.Refused)
		}
	}
	want := "# head\nkind: Pod\nmetadata:\n  name: a\nspec:\n  x: true\n---\nkind: Pod\nmetadata:\n  name: b\nspec: {}\n--- # c\nkind: Pod\nmetadata:\n  name: c\nspec:\n  containers:\n  - name: x\n    image: \"i:1\"\n---\nbroken: [\n---\napiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: b\n"
	if string(out) != want {
		t.Fatalf("got\n%s", out)
	}
	// The whole stream does not parse (the last document): without lines it is refused whole.
	if _, _, err := Apply(in, objs(false), nil); err == nil {
		t.Fatal("a broken stream parsed whole")
	}
}
