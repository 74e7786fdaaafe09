package e2e

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/yaml"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/kubernetes"

	"github.com/kubeward/kubeward/test/cluster/harness"
)

// serverSideApply applies every document of the files with server-side
// apply (field manager e2e, forced), as `kubectl apply --server-side` would:
// a Namespace that appears in two files is merged, not refused.
func serverSideApply(t *testing.T, c *harness.Cluster, files ...string) {
	t.Helper()
	dyn, mapper := adminDynamic(t, c)
	for _, path := range files {
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		dec := yaml.NewYAMLOrJSONDecoder(bytes.NewReader(data), 4096)
		for {
			var raw runtime.RawExtension
			if err := dec.Decode(&raw); errors.Is(err, io.EOF) {
				break
			} else if err != nil {
				t.Fatalf("%s: %v", path, err)
			}
			if len(bytes.TrimSpace(raw.Raw)) == 0 || string(bytes.TrimSpace(raw.Raw)) == "null" {
				continue
			}
			obj := &unstructured.Unstructured{}
			if err := obj.UnmarshalJSON(raw.Raw); err != nil {
				t.Fatalf("%s: %v", path, err)
			}
			gvk := obj.GroupVersionKind()
			m, err := mapper.RESTMapping(gvk.GroupKind(), gvk.Version)
			if err != nil {
				t.Fatalf("%s: %s: %v", path, gvk, err)
			}
			var ri dynamic.ResourceInterface = dyn.Resource(m.Resource)
			if m.Scope.Name() == meta.RESTScopeNameNamespace {
				ri = dyn.Resource(m.Resource).Namespace(obj.GetNamespace())
			}
			body, err := obj.MarshalJSON()
			if err != nil {
				t.Fatal(err)
			}
			force := true
			if _, err := ri.Patch(context.Background(), obj.GetName(), types.ApplyPatchType, body, metav1.PatchOptions{FieldManager: "e2e", Force: &force}); err != nil {
				t.Fatalf("%s: applying %s %s/%s: %v", path, gvk.Kind, obj.GetNamespace(), obj.GetName(), err)
			}
		}
	}
}

// waitReady waits until ns has at least n pods and every pod is Ready; on
// timeout it reports the pods, their containers and the namespace's events
// (a pod Pod Security refused shows as a FailedCreate event).
func waitReady(t *testing.T, cs kubernetes.Interface, ns string, n int, timeout time.Duration) []corev1.Pod {
	t.Helper()
	ctx := context.Background()
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		pods, err := cs.CoreV1().Pods(ns).List(ctx, metav1.ListOptions{})
		if err == nil && len(pods.Items) >= n {
			ready := 0
			for _, p := range pods.Items {
				for _, c := range p.Status.Conditions {
					if c.Type == corev1.PodReady && c.Status == corev1.ConditionTrue {
						ready++
					}
				}
			}
			if ready == len(pods.Items) {
				return pods.Items
			}
		}
		time.Sleep(2 * time.Second)
	}
	var why []string
	if pods, err := cs.CoreV1().Pods(ns).List(ctx, metav1.ListOptions{}); err == nil {
		for _, p := range pods.Items {
			why = append(why, fmt.Sprintf("pod %s: %s %s", p.Name, p.Status.Phase, p.Status.Message))
			for _, s := range p.Status.ContainerStatuses {
				if s.State.Waiting != nil {
					why = append(why, fmt.Sprintf("  %s waiting: %s %s", s.Name, s.State.Waiting.Reason, s.State.Waiting.Message))
				}
				if s.State.Terminated != nil {
					why = append(why, fmt.Sprintf("  %s terminated: %s exit %d", s.Name, s.State.Terminated.Reason, s.State.Terminated.ExitCode))
				}
			}
		}
	}
	if ev, err := cs.CoreV1().Events(ns).List(ctx, metav1.ListOptions{}); err == nil {
		for _, e := range ev.Items {
			why = append(why, fmt.Sprintf("event %s %s: %s", e.InvolvedObject.Name, e.Reason, e.Message))
		}
	}
	t.Fatalf("%s: not %d Ready pods after %s:\n%s", ns, n, timeout, strings.Join(why, "\n"))
	return nil
}

// logLineWith waits for a stdout line of the container that starts with
// prefix (read from the kubelet's log files, as firstLogLine does) and
// returns it; on timeout it shows the last lines.
func logLineWith(t *testing.T, pod *corev1.Pod, container, prefix string, timeout time.Duration) string {
	t.Helper()
	dir := filepath.Join("/var/log/pods", fmt.Sprintf("%s_%s_%s", pod.Namespace, pod.Name, pod.UID), container)
	var last []string
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		files, _ := filepath.Glob(filepath.Join(dir, "*.log"))
		last = nil
		for _, file := range files {
			f, err := os.Open(file)
			if err != nil {
				continue
			}
			sc := bufio.NewScanner(f)
			for sc.Scan() {
				parts := strings.SplitN(sc.Text(), " ", 4)
				if len(parts) < 4 || parts[1] != "stdout" {
					continue
				}
				if strings.HasPrefix(parts[3], prefix) {
					f.Close()
					return parts[3]
				}
				last = append(last, parts[3])
			}
			f.Close()
		}
		time.Sleep(2 * time.Second)
	}
	if len(last) > 5 {
		last = last[len(last)-5:]
	}
	t.Fatalf("no line %q from %s/%s after %s; last lines:\n%s", prefix, pod.Name, container, timeout, strings.Join(last, "\n"))
	return ""
}

// deletePodsOf deletes the named objects' pods in kube-system and waits for
// them to go (pods must not outlive the harness's kubelet).
func waitNoPods(t *testing.T, cs kubernetes.Interface, ns, selector string) {
	deadline := time.Now().Add(90 * time.Second)
	for time.Now().Before(deadline) {
		pods, err := cs.CoreV1().Pods(ns).List(context.Background(), metav1.ListOptions{LabelSelector: selector})
		if err == nil && len(pods.Items) == 0 {
			return
		}
		time.Sleep(2 * time.Second)
	}
	t.Logf("pods %s in %s still present after 90 s", selector, ns)
}
