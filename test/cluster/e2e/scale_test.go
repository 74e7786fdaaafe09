package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/kubeward/kubeward/test/cluster/cmd/loadcluster/loader"
	"github.com/kubeward/kubeward/test/cluster/harness"
)

// scalePortBase keeps the scale cluster off the ports of the other e2e tests.
const scalePortBase = 20300

// TestClusterScanScale loads about 100,000 objects (KUBEWARD_SCALE_OBJECTS)
// into a real API server and runs `kubeward scan cluster` once. It logs the
// load time, the scan's wall time and peak RSS, and asserts only
// correctness: timing depends on the machine (scripts/bench-cluster.sh
// measures it). Opt-in: KUBEWARD_SCALE=1; the load takes many minutes.
func TestClusterScanScale(t *testing.T) {
	if testing.Short() {
		t.Skip("loads a real API server with 100,000 objects")
	}
	if os.Getenv("KUBEWARD_SCALE") != "1" {
		t.Skip("set KUBEWARD_SCALE=1 to run (loads 100,000 objects; ~15-30 min)")
	}
	objects := 100000
	if s := os.Getenv("KUBEWARD_SCALE_OBJECTS"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil {
			t.Fatalf("KUBEWARD_SCALE_OBJECTS: %v", err)
		}
		objects = n
	}
	if missing := harness.MissingBinaries(harness.DefaultBinDir(), "etcd", "kube-apiserver"); len(missing) > 0 {
		t.Skipf("binaries not built (%v): run test/cluster/build.sh", missing)
	}
	bin := kubewardBin(t)

	// etcd and kube-apiserver only: no controller-manager to garbage-collect
	// or scale what the loader writes, no scheduler, kubelet or kube-proxy.
	upCtx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	c, err := harness.Up(upCtx, harness.Options{Profile: harness.Insecure, Dir: t.TempDir(), Ports: harness.PortsFrom(scalePortBase),
		SkipControllers: true, SkipProxy: true, Kubelet: false, Logf: t.Logf})
	if err != nil {
		t.Fatalf("harness up: %v", err)
	}
	t.Cleanup(func() {
		if err := c.Stop(); err != nil {
			t.Errorf("harness stop: %v", err)
		}
	})

	cfg, err := loader.Config(c.AdminKubeconfig(), 2000, 4000)
	if err != nil {
		t.Fatal(err)
	}
	loadCtx, cancelLoad := context.WithTimeout(context.Background(), 90*time.Minute)
	defer cancelLoad()
	res, err := loader.Load(loadCtx, cfg, loader.Options{Objects: objects, Workers: 64, Logf: t.Logf, Progress: 30 * time.Second})
	if err != nil {
		t.Fatalf("load: %v", err)
	}
	present := res.Objects()
	total, readable := 0, 0
	for kind, n := range present {
		total += n
		if !loader.NotReadByKubeward[kind] {
			readable += n
		}
	}
	t.Logf("loaded %d objects (%d of kinds kubeward reads) with %d requests in %s:\n%s",
		total, readable, res.Requests, res.Duration.Round(time.Second), loader.FormatCounts(present))

	out := filepath.Join(t.TempDir(), "report.json")
	f, err := os.Create(out)
	if err != nil {
		t.Fatal(err)
	}
	var stderr bytes.Buffer
	cmd := exec.Command(bin, "scan", "cluster", "--kubeconfig", c.AdminKubeconfig(), "-o", "json")
	cmd.Stdout, cmd.Stderr = f, &stderr
	start := time.Now()
	err = cmd.Run()
	wall := time.Since(start)
	f.Close()
	if ee, ok := err.(*exec.ExitError); err != nil && (!ok || ee.ExitCode() != 1) {
		t.Fatalf("scan cluster: %v\n%s", err, stderr.String())
	}
	ru := cmd.ProcessState.SysUsage().(*syscall.Rusage)
	t.Logf("scan cluster: wall %s, peak RSS %d MB, CPU user %s sys %s, exit %d; %s",
		wall.Round(time.Millisecond), ru.Maxrss/1024, cmd.ProcessState.UserTime().Round(time.Millisecond),
		cmd.ProcessState.SystemTime().Round(time.Millisecond), cmd.ProcessState.ExitCode(), bytes.TrimSpace(stderr.Bytes()))

	m := regexp.MustCompile(`read (\d+) objects from `).FindSubmatch(stderr.Bytes())
	if m == nil {
		t.Fatalf("no \"read N objects\" line on stderr:\n%s", stderr.String())
	}
	read, _ := strconv.Atoi(string(m[1]))
	if read < readable {
		t.Errorf("kubeward read %d objects, the loader put %d of kinds it reads", read, readable)
	}
	if objects >= 100000 && read < 95000 {
		t.Errorf("kubeward read %d objects, want >= 95,000", read)
	}

	data, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	var rep struct {
		Summary struct {
			Objects  int            `json:"objects"`
			Statuses map[string]int `json:"statuses"`
		} `json:"summary"`
		Results []json.RawMessage `json:"results"`
		Errors  []string          `json:"errors"`
	}
	if err := json.Unmarshal(data, &rep); err != nil {
		t.Fatalf("report (%d bytes) is not JSON: %v", len(data), err)
	}
	if len(rep.Errors) > 0 {
		t.Errorf("read errors: %v", rep.Errors)
	}
	if len(rep.Results) == 0 {
		t.Errorf("no results from %d objects", read)
	}
	t.Logf("report: %d MB, %d results, summary objects %d, statuses %v", len(data)>>20, len(rep.Results), rep.Summary.Objects, rep.Summary.Statuses)
}
