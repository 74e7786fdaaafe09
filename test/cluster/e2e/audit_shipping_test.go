package e2e

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/kubeward/kubeward/test/cluster/harness"
)

// x509AndFileAudit is a hardened control plane without an identity provider
// or an audit collector: people authenticate with client certificates, and
// audit events go only to the log file.
func x509AndFileAudit(o *harness.Options) { o.NoOIDC, o.NoAuditWebhook = true, true }

// TestNodeAuditHardenedX509FileAudit: on a hardened control plane whose
// people use x509 certificates and whose audit log is a file, the audit
// gives no FAIL; while nothing reads the audit log, exactly one WARN (audit
// shipping, KW-API-011); once a process (tail -F, standing in for a log
// shipper) holds it open, KW-API-011 passes naming that process, and so do
// the audit of a snapshot and the audit from a mounted host.
func TestNodeAuditHardenedX509FileAudit(t *testing.T) {
	c := up(t, harness.Hardened, staticPod, x509AndFileAudit)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	// An x509 user is authenticated, and the request lands in the audit log.
	if _, err := c.Get(ctx, "/api/v1/namespaces/kube-system"); err != nil {
		t.Fatalf("GET as the admin client certificate: %v", err)
	}
	waitFor(t, "audit events in "+c.Files.AuditLog, func() bool {
		st, err := os.Stat(c.Files.AuditLog)
		return err == nil && st.Size() > 0
	})

	results, elapsed := scanNode(t)
	var warns []nodeResult
	count := map[string]int{}
	defer func() {
		t.Logf("scan node took %v; kubelet %v; control-plane results without a reader: %v", elapsed, c.Process("kubelet") != nil, count)
	}()
	for _, r := range results {
		if !isControlPlane(r.ID) {
			continue
		}
		count[r.Status]++
		switch r.Status {
		case "FAIL", "ERROR":
			t.Errorf("%s %s on the hardened control plane: %s (%s)", r.ID, r.Status, r.Message, r.Evidence)
		case "WARN":
			// KW-KLT-012 (CIS 4.2.7, Manual) asks a person to confirm the
			// harness kubelet's --hostname-override=localhost.
			if r.ID != "KW-KLT-012" {
				warns = append(warns, r)
			}
		}
	}
	if len(warns) != 1 || warns[0].ID != "KW-API-011" {
		t.Errorf("want exactly one WARN, KW-API-011, got %+v", warns)
	} else {
		t.Logf("without a reader: %s WARN: %s (%s)", warns[0].ID, warns[0].Message, warns[0].Evidence)
		if !strings.Contains(warns[0].Evidence, "audit-log-path="+c.Files.AuditLog) || !strings.Contains(warns[0].Evidence, "no other process has it open") {
			t.Errorf("KW-API-011 evidence: %s", warns[0].Evidence)
		}
	}
	authn := find(t, results, "KW-API-014")
	t.Logf("KW-API-014 %s: %s", authn.Status, authn.Evidence)
	if authn.Status != "PASS" || !strings.Contains(authn.Evidence, "x509 client certificates") || strings.Contains(authn.Evidence, "OIDC") {
		t.Errorf("KW-API-014 %s: %s", authn.Status, authn.Evidence)
	}

	// A log shipper: any process other than the API server that holds the
	// audit log open.
	tail := exec.Command("tail", "-F", c.Files.AuditLog)
	if err := tail.Start(); err != nil {
		t.Fatalf("starting tail: %v", err)
	}
	t.Cleanup(func() { _ = tail.Process.Kill(); _ = tail.Wait() })
	waitFor(t, "tail to open the audit log", func() bool { return holds(tail.Process.Pid, c.Files.AuditLog) })

	shipped, _ := scanNode(t)
	for _, r := range shipped {
		if isControlPlane(r.ID) && r.Status != "PASS" && r.Status != "NOT_APPLICABLE" && r.Status != "SKIPPED" && (r.ID != "KW-KLT-012" || r.Status != "WARN") {
			t.Errorf("%s %s with a reader: %s (%s)", r.ID, r.Status, r.Message, r.Evidence)
		}
	}
	ship := find(t, shipped, "KW-API-011")
	t.Logf("with a reader: KW-API-011 %s: %s", ship.Status, ship.Evidence)
	if want := fmt.Sprintf("open by tail (pid %d", tail.Process.Pid); ship.Status != "PASS" || !strings.Contains(ship.Evidence, want) {
		t.Errorf("KW-API-011 %s, evidence %q lacks %q", ship.Status, ship.Evidence, want)
	}

	// A snapshot carries who had the audit log open: its audit agrees.
	snap := filepath.Join(t.TempDir(), "node.tar.gz")
	if out, err := exec.Command(kubewardBin(t), "collect", "node", "-o", snap).CombinedOutput(); err != nil {
		t.Fatalf("collect node: %v: %s", err, out)
	}
	offline, _ := scanNode(t, "--root", snap)
	if got, want := verdicts(offline), verdicts(shipped); got != want {
		t.Errorf("snapshot scan differs from live scan:\nlive:     %s\nsnapshot: %s", want, got)
	}
	if got := find(t, offline, "KW-API-011"); got.Evidence != ship.Evidence {
		t.Errorf("snapshot KW-API-011 evidence %q, live %q", got.Evidence, ship.Evidence)
	}
	// And so does the audit of the host mounted at /host (the DaemonSet).
	mounted := scanFromMountedHost(t)
	if got, want := verdicts(mounted), verdicts(shipped); got != want {
		t.Errorf("scan of the host mounted at /host differs from the scan on the host:\nhost:    %s\nmounted: %s", want, got)
	}
	if got := find(t, mounted, "KW-API-011"); got.Evidence != ship.Evidence {
		t.Errorf("mounted-host KW-API-011 evidence %q, live %q", got.Evidence, ship.Evidence)
	}
}

func find(t *testing.T, rs []nodeResult, id string) nodeResult {
	t.Helper()
	var found []nodeResult
	for _, r := range rs {
		if r.ID == id {
			found = append(found, r)
		}
	}
	if len(found) != 1 {
		t.Fatalf("%d %s results, want 1: %+v", len(found), id, found)
	}
	return found[0]
}

// holds says whether process pid has file open.
func holds(pid int, file string) bool {
	dir := filepath.Join("/proc", strconv.Itoa(pid), "fd")
	fds, err := os.ReadDir(dir)
	if err != nil {
		return false
	}
	for _, fd := range fds {
		if target, err := os.Readlink(filepath.Join(dir, fd.Name())); err == nil && target == file {
			return true
		}
	}
	return false
}

func waitFor(t *testing.T, what string, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(100 * time.Millisecond)
	}
}
