package e2e

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/yaml"
	"k8s.io/client-go/dynamic"

	"github.com/kubeward/kubeward/test/cluster/harness"
)

// copyDir copies the regular files of src (recursively) into dst.
func copyDir(t *testing.T, src, dst string) {
	t.Helper()
	err := filepath.WalkDir(src, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		if d.IsDir() {
			return os.MkdirAll(filepath.Join(dst, rel), 0o755)
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(dst, rel), b, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
}

// decodeDir decodes every document of the .yaml files under dir.
func decodeDir(t *testing.T, dir string) []*unstructured.Unstructured {
	t.Helper()
	var out []*unstructured.Unstructured
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(p, ".yaml") {
			return err
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		dec := yaml.NewYAMLOrJSONDecoder(bytes.NewReader(data), 4096)
		for {
			var raw runtime.RawExtension
			if err := dec.Decode(&raw); errors.Is(err, io.EOF) {
				break
			} else if err != nil {
				t.Fatalf("%s: %v", p, err)
			}
			if len(bytes.TrimSpace(raw.Raw)) == 0 || string(bytes.TrimSpace(raw.Raw)) == "null" {
				continue
			}
			o := &unstructured.Unstructured{}
			if err := o.UnmarshalJSON(raw.Raw); err != nil {
				t.Fatalf("%s: %v", p, err)
			}
			if o.GetNamespace() == "" {
				o.SetNamespace("default")
			}
			out = append(out, o)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// podTemplate is the pod spec of a workload object and its path.
func podTemplate(o *unstructured.Unstructured) (map[string]any, bool) {
	var path []string
	switch o.GetKind() {
	case "Deployment", "DaemonSet", "StatefulSet", "ReplicaSet", "Job":
		path = []string{"spec", "template", "spec"}
	case "CronJob":
		path = []string{"spec", "jobTemplate", "spec", "template", "spec"}
	case "Pod":
		path = []string{"spec"}
	default:
		return nil, false
	}
	spec, ok, _ := unstructured.NestedMap(o.Object, path...)
	return spec, ok
}

// TestHardenManifestsAcceptedByTheAPIServer: the files harden manifests
// --write rewrites (kube-prometheus and microservices-demo's release, from
// testdata/corpora) hold objects the real API server accepts (server-side
// apply, dry run: its validation of the edited workloads and the new
// ServiceAccounts), and every hardened pod template is admitted by the
// API server's Pod Security admission at restricted in its namespace.
func TestHardenManifestsAcceptedByTheAPIServer(t *testing.T) {
	c := up(t, harness.Insecure)
	dyn, mapper := adminDynamic(t, c)
	cs := clientFor(t, c)
	ctx := context.Background()

	for _, corpus := range []struct{ name, src string }{
		{"kube-prometheus", "../../../testdata/corpora/kube-prometheus/manifests"},
		{"microservices-demo", "../../../testdata/corpora/microservices-demo/release"},
	} {
		t.Run(corpus.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), corpus.name)
			copyDir(t, corpus.src, dir)
			code, diff, stderr := kubeward(t, "harden", "manifests", "--lang", "en", "--write", dir)
			if code != 0 || diff == "" {
				t.Fatalf("harden manifests --write: exit %d\n%s", code, stderr)
			}
			changed := map[string]bool{} // kind/namespace/name the diff names
			for _, l := range strings.Split(diff, "\n") {
				if f := strings.Fields(l); len(f) >= 4 && f[0] == "#" && f[1] == "kubeward:" {
					changed[f[2]+"/"+f[3]] = true
				}
			}
			objs := decodeDir(t, dir)
			var names []string
			tested := 0
			for _, o := range objs {
				ns := o.GetNamespace()
				key := o.GetKind() + "/" + ns + "/" + o.GetName()
				isNew := o.GetKind() == "ServiceAccount"
				if !changed[o.GetKind()+"/"+ns+"/"+o.GetName()] && !isNew {
					continue
				}
				if _, err := cs.CoreV1().Namespaces().Get(ctx, ns, metav1.GetOptions{}); err != nil {
					nsObj := &unstructured.Unstructured{Object: map[string]any{"apiVersion": "v1", "kind": "Namespace", "metadata": map[string]any{"name": ns}}}
					if _, err := dyn.Resource(nsResource).Create(ctx, nsObj, metav1.CreateOptions{}); err != nil {
						t.Fatalf("namespace %s: %v", ns, err)
					}
				}
				gvk := o.GroupVersionKind()
				m, err := mapper.RESTMapping(gvk.GroupKind(), gvk.Version)
				if err != nil {
					t.Fatalf("%s: %v", key, err)
				}
				var ri dynamic.ResourceInterface = dyn.Resource(m.Resource)
				if m.Scope.Name() == meta.RESTScopeNameNamespace {
					ri = dyn.Resource(m.Resource).Namespace(ns)
				}
				body, err := o.MarshalJSON()
				if err != nil {
					t.Fatal(err)
				}
				force := true
				opts := metav1.PatchOptions{FieldManager: "kubeward-e2e", Force: &force}
				if !isNew {
					opts.DryRun = []string{metav1.DryRunAll}
				}
				// ServiceAccounts are created for real: the pods below name them.
				if _, err := ri.Patch(ctx, o.GetName(), types.ApplyPatchType, body, opts); err != nil {
					t.Errorf("the API server refuses hardened %s: %v", key, err)
					continue
				}
				tested++
				names = append(names, key)
			}
			sort.Strings(names)
			t.Logf("accepted by the API server (dry run; ServiceAccounts created): %d objects: %s", tested, strings.Join(names, ", "))
			if tested == 0 {
				t.Fatal("nothing was checked")
			}

			// Pod Security restricted, enforced by the API server, on every
			// hardened pod template, in its own namespace.
			admitted := 0
			for _, o := range objs {
				if !changed[o.GetKind()+"/"+o.GetNamespace()+"/"+o.GetName()] {
					continue
				}
				spec, ok := podTemplate(o)
				if !ok {
					continue
				}
				ns := o.GetNamespace()
				patch := []byte(`{"metadata":{"labels":{"pod-security.kubernetes.io/enforce":"restricted","pod-security.kubernetes.io/enforce-version":"latest"}}}`)
				if _, err := cs.CoreV1().Namespaces().Patch(ctx, ns, types.MergePatchType, patch, metav1.PatchOptions{}); err != nil {
					t.Fatal(err)
				}
				pod := &unstructured.Unstructured{Object: map[string]any{"apiVersion": "v1", "kind": "Pod",
					"metadata": map[string]any{"generateName": o.GetName() + "-", "namespace": ns}, "spec": spec}}
				if _, err := dyn.Resource(podResource).Namespace(ns).Create(ctx, pod, metav1.CreateOptions{DryRun: []string{metav1.DryRunAll}}); err != nil {
					t.Errorf("a pod of hardened %s %s/%s is refused: %v", o.GetKind(), ns, o.GetName(), err)
					continue
				}
				admitted++
			}
			t.Logf("pods of %d hardened workloads admitted under restricted Pod Security", admitted)
			if admitted == 0 {
				t.Fatal("no hardened workload was checked against Pod Security")
			}
			// The same check refuses the workloads as they were: Pod Security
			// is enforced, and the fixes are what made the difference.
			refused := 0
			for _, o := range decodeDir(t, corpus.src) {
				if !changed[o.GetKind()+"/"+o.GetNamespace()+"/"+o.GetName()] {
					continue
				}
				spec, ok := podTemplate(o)
				if !ok {
					continue
				}
				pod := &unstructured.Unstructured{Object: map[string]any{"apiVersion": "v1", "kind": "Pod",
					"metadata": map[string]any{"generateName": o.GetName() + "-", "namespace": o.GetNamespace()}, "spec": spec}}
				_, err := dyn.Resource(podResource).Namespace(o.GetNamespace()).Create(ctx, pod, metav1.CreateOptions{DryRun: []string{metav1.DryRunAll}})
				if err != nil && strings.Contains(err.Error(), "violates PodSecurity") {
					refused++
				}
			}
			t.Logf("before harden manifests, Pod Security refused %d of those %d workloads", refused, admitted)
			if refused == 0 {
				t.Error("Pod Security refused none of the original workloads: the check proves nothing")
			}
		})
	}
}

var (
	nsResource  = schema.GroupVersionResource{Version: "v1", Resource: "namespaces"}
	podResource = schema.GroupVersionResource{Version: "v1", Resource: "pods"}
)
