package e2e

import (
	"archive/tar"
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"

	"github.com/kubeward/kubeward/test/cluster/harness"
)

// TestNodeDaemonSetRunsInTheCluster deploys deploy/node/kubeward-node.yaml
// as shipped (only the image swapped for one built here) on the hardened
// control plane's real kubelet and containerd, and requires its first report
// to give the verdicts a scan on the host gives.
func TestNodeDaemonSetRunsInTheCluster(t *testing.T) {
	if !kubeletWanted() {
		t.Skip("needs a kubelet: no containerd answers (test/cluster/containerd.sh start)")
	}
	if _, err := exec.LookPath("ctr"); err != nil {
		t.Skip("ctr (containerd) not installed")
	}
	c := up(t, harness.Hardened)
	if c.Process("kubelet") == nil {
		t.Skip("the harness started no kubelet")
	}
	images := t.TempDir()
	importImage(t, "kubeward.local/pause:1", buildStatic(t, "..", "./cmd/pause", filepath.Join(images, "pause")), "/pause")
	importImage(t, "kubeward.local/kubeward:e2e", buildStatic(t, "../../..", "./cmd/kubeward", filepath.Join(images, "kubeward")), "/kubeward")

	manifest, err := os.ReadFile("../../../deploy/node/kubeward-node.yaml")
	if err != nil {
		t.Fatal(err)
	}
	shipped := "registry.example.internal/kubeward/kubeward@sha256:0000000000000000000000000000000000000000000000000000000000000000"
	if !bytes.Contains(manifest, []byte(shipped)) {
		t.Fatalf("deploy/node/kubeward-node.yaml no longer uses the image %s", shipped)
	}
	local := filepath.Join(images, "kubeward-node.yaml")
	if err := os.WriteFile(local, bytes.ReplaceAll(manifest, []byte(shipped), []byte("kubeward.local/kubeward:e2e")), 0o644); err != nil {
		t.Fatal(err)
	}
	cs := clientFor(t, c)
	applyManifest(t, c, local)
	t.Cleanup(func() { deleteNamespace(t, cs, "kubeward-node") })

	pod := waitRunning(t, cs, "kubeward-node", 3*time.Minute)
	line := firstLogLine(t, pod, "kubeward", 2*time.Minute)
	var rep struct {
		Host    string       `json:"host"`
		Results []nodeResult `json:"results"`
	}
	if err := json.Unmarshal([]byte(line), &rep); err != nil {
		t.Fatalf("the pod's first log line is not a one-line JSON report: %v\n%.400s", err, line)
	}
	if rep.Host != pod.Spec.NodeName {
		t.Errorf("report names host %q, want the node %q (NODE_NAME)", rep.Host, pod.Spec.NodeName)
	}
	onHost, _ := scanNode(t)
	if got, want := verdicts(rep.Results), verdicts(onHost); got != want {
		t.Errorf("the DaemonSet's report differs from a scan on the host:\nhost:      %s\ndaemonset: %s", want, got)
	}
	t.Logf("DaemonSet pod %s on %s: %d results, control-plane verdicts equal the host scan", pod.Name, pod.Spec.NodeName, len(rep.Results))
	// The runtime and host checks are compared by their own tests; show
	// where the pod's view differs (e.g. firewall rules live in the host's
	// network namespace, which the pod does not share).
	host := map[string]string{}
	for _, r := range onHost {
		host[r.ID+" "+r.Subject.Name] = r.Status
	}
	for _, r := range rep.Results {
		if k := r.ID + " " + r.Subject.Name; !isControlPlane(r.ID) && host[k] != r.Status {
			t.Logf("differs: %s: host %s, DaemonSet %s: %s", k, host[k], r.Status, r.Message)
		}
	}
}

// buildStatic builds a static binary of the main package pkg of the module
// in dir (relative to this package).
func buildStatic(t *testing.T, dir, pkg, out string) string {
	t.Helper()
	cmd := exec.Command("go", "build", "-o", out, pkg)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("building %s: %v: %s", pkg, err, b)
	}
	return out
}

// importImage writes a one-layer image (bin at entrypoint) as a Docker
// archive and imports it into containerd's Kubernetes namespace.
func importImage(t *testing.T, ref, bin, entrypoint string) {
	t.Helper()
	data, err := os.ReadFile(bin)
	if err != nil {
		t.Fatal(err)
	}
	var layer bytes.Buffer
	lw := tar.NewWriter(&layer)
	for _, d := range []string{"tmp/", "host/"} {
		lw.WriteHeader(&tar.Header{Name: d, Typeflag: tar.TypeDir, Mode: 0o755})
	}
	lw.WriteHeader(&tar.Header{Name: strings.TrimPrefix(entrypoint, "/"), Typeflag: tar.TypeReg, Mode: 0o755, Size: int64(len(data))})
	lw.Write(data)
	if err := lw.Close(); err != nil {
		t.Fatal(err)
	}
	diffID := fmt.Sprintf("sha256:%x", sha256.Sum256(layer.Bytes()))
	config, _ := json.Marshal(map[string]any{
		"architecture": "amd64", "os": "linux",
		"config": map[string]any{"Entrypoint": []string{entrypoint}},
		"rootfs": map[string]any{"type": "layers", "diff_ids": []string{diffID}},
	})
	manifest, _ := json.Marshal([]map[string]any{{"Config": "config.json", "RepoTags": []string{ref}, "Layers": []string{"layer.tar"}}})
	file := bin + ".tar"
	f, err := os.Create(file)
	if err != nil {
		t.Fatal(err)
	}
	tw := tar.NewWriter(f)
	for _, e := range []struct {
		name string
		data []byte
	}{{"config.json", config}, {"layer.tar", layer.Bytes()}, {"manifest.json", manifest}} {
		tw.WriteHeader(&tar.Header{Name: e.name, Typeflag: tar.TypeReg, Mode: 0o644, Size: int64(len(e.data))})
		tw.Write(e.data)
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	f.Close()
	if out, err := exec.Command("ctr", "-n", "k8s.io", "images", "import", file).CombinedOutput(); err != nil {
		t.Fatalf("ctr images import %s: %v: %s", ref, err, out)
	}
}

// waitRunning waits for a Running pod in ns and returns it; on timeout it
// reports the pods' states and events.
func waitRunning(t *testing.T, cs kubernetes.Interface, ns string, timeout time.Duration) *corev1.Pod {
	t.Helper()
	ctx := context.Background()
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		pods, err := cs.CoreV1().Pods(ns).List(ctx, metav1.ListOptions{})
		if err == nil {
			for i := range pods.Items {
				if pods.Items[i].Status.Phase == corev1.PodRunning {
					return &pods.Items[i]
				}
			}
		}
		time.Sleep(2 * time.Second)
	}
	var why []string
	if pods, err := cs.CoreV1().Pods(ns).List(ctx, metav1.ListOptions{}); err == nil {
		for _, p := range pods.Items {
			why = append(why, fmt.Sprintf("pod %s: %s %s %s", p.Name, p.Status.Phase, p.Status.Reason, p.Status.Message))
			for _, s := range p.Status.ContainerStatuses {
				if s.State.Waiting != nil {
					why = append(why, fmt.Sprintf("  %s waiting: %s %s", s.Name, s.State.Waiting.Reason, s.State.Waiting.Message))
				}
			}
		}
	}
	if ev, err := cs.CoreV1().Events(ns).List(ctx, metav1.ListOptions{}); err == nil {
		for _, e := range ev.Items {
			why = append(why, fmt.Sprintf("event %s %s: %s", e.InvolvedObject.Name, e.Reason, e.Message))
		}
	}
	t.Fatalf("no Running pod in %s after %s:\n%s", ns, timeout, strings.Join(why, "\n"))
	return nil
}

// firstLogLine reads the container's first stdout line from the kubelet's
// log file (/var/log/pods; the API server cannot reach a loopback kubelet
// for logs here).
func firstLogLine(t *testing.T, pod *corev1.Pod, container string, timeout time.Duration) string {
	t.Helper()
	dir := filepath.Join("/var/log/pods", fmt.Sprintf("%s_%s_%s", pod.Namespace, pod.Name, pod.UID), container)
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		files, _ := filepath.Glob(filepath.Join(dir, "*.log"))
		for _, file := range files {
			f, err := os.Open(file)
			if err != nil {
				continue
			}
			sc := bufio.NewScanner(f)
			sc.Buffer(make([]byte, 1<<20), 16<<20)
			var line strings.Builder
			for sc.Scan() {
				// CRI log format: TIME STREAM FLAG TEXT; the runtime splits a
				// long line into P(artial) records ended by an F(ull) one.
				parts := strings.SplitN(sc.Text(), " ", 4)
				if len(parts) < 3 || parts[1] != "stdout" {
					continue
				}
				if len(parts) == 4 {
					line.WriteString(parts[3])
				}
				if parts[2] == "F" {
					f.Close()
					return line.String()
				}
			}
			f.Close()
		}
		time.Sleep(2 * time.Second)
	}
	t.Fatalf("no report in %s after %s", dir, timeout)
	return ""
}

// deleteNamespace deletes ns and waits until its pods are gone (pods must
// not outlive the harness's kubelet).
func deleteNamespace(t *testing.T, cs kubernetes.Interface, ns string) {
	ctx := context.Background()
	if err := cs.CoreV1().Namespaces().Delete(ctx, ns, metav1.DeleteOptions{}); err != nil {
		t.Logf("deleting namespace %s: %v", ns, err)
		return
	}
	deadline := time.Now().Add(90 * time.Second)
	for time.Now().Before(deadline) {
		pods, err := cs.CoreV1().Pods(ns).List(ctx, metav1.ListOptions{})
		if err == nil && len(pods.Items) == 0 {
			return
		}
		time.Sleep(2 * time.Second)
	}
	t.Logf("pods of %s still present after 90 s", ns)
}
