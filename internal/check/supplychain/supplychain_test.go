package supplychain_test

import (
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/kubeward/kubeward/internal/check"
	"github.com/kubeward/kubeward/internal/check/checktest"
	"github.com/kubeward/kubeward/internal/check/supplychain"
	"github.com/kubeward/kubeward/internal/config"
	"github.com/kubeward/kubeward/internal/inventory"
	"github.com/kubeward/kubeward/internal/result"
)

const tagged = checktest.TrustedRegistry + "/team/app:1.0.0"

// object is the hardened Deployment running image with the facts f.
func object(image string, f *inventory.Image) *inventory.Object {
	o := checktest.Container(func(c *corev1.Container) { c.Image = image })
	o.Images = map[string]*inventory.Image{image: f}
	return o
}

func verified(ref string) *inventory.Image {
	img := checktest.HardenedImage(ref)
	return img
}

func eval(t *testing.T, mode string, cfg *config.Config, o *inventory.Object) map[string]result.Result {
	t.Helper()
	if cfg == nil {
		cfg = checktest.TrustedConfig()
	}
	rep := checktest.Evaluate(check.Options{Config: cfg, Mode: mode, KeepPasses: true}, o)
	out := map[string]result.Result{}
	for _, r := range rep.Results {
		if strings.HasPrefix(r.ID, "KW-SUP-") {
			out[r.ID] = r
		}
	}
	return out
}

func TestSupplyChainChecks(t *testing.T) {
	pinned := checktest.TrustedRegistry + "/team/app:1.0.0" + checktest.Digest
	cases := []struct {
		name   string
		mode   string
		image  string
		mutate func(*inventory.Image)
		id     string
		status result.Status
		msg    string
	}{
		{"verified pinned passes", "manifest", pinned, nil, supplychain.NotSigned, result.Pass, ""},
		{"unsigned", "manifest", pinned, func(i *inventory.Image) {
			i.Signature, i.SignatureDetail = inventory.SigUnsigned, "1 cosign signature(s), none verifies with the trusted keys release"
		}, supplychain.NotSigned, result.Fail, "none verifies with the trusted keys release"},
		{"tampered", "admission", pinned, func(i *inventory.Image) {
			i.Signature, i.SignatureDetail = inventory.SigInvalid, "key release signed sha256:aaaa, not sha256:0f3c"
		}, supplychain.SignatureInvalid, result.Fail, "key release signed sha256:aaaa"},
		{"registry down in an audit is an ERROR", "cluster", pinned, func(i *inventory.Image) { i.Error = "connection refused" }, supplychain.NotSigned, result.Error, "connection refused"},
		{"registry down at admission denies by default", "admission", pinned, func(i *inventory.Image) { i.Error = "connection refused" }, supplychain.NotSigned, result.Fail, "failureMode: deny"},
		{"no scan", "manifest", pinned, func(i *inventory.Image) { i.Scan = nil }, supplychain.NoScan, result.Fail, "no vulnerability scan"},
		{"no scan but not required", "manifest", pinned, func(i *inventory.Image) { i.Scan, i.Policy.RequireScan = nil, false }, supplychain.NoScan, result.Pass, ""},
		{"critical CVE named", "admission", pinned, func(i *inventory.Image) {
			i.Scan.Vulns = append(i.Scan.Vulns, inventory.Vuln{ID: "CVE-2026-31337", Severity: "CRITICAL", Package: "openssl", Version: "3.0.1"})
		}, supplychain.Vulnerable, result.Fail, "CVE-2026-31337 (CRITICAL, openssl 3.0.1)"},
		{"medium below HIGH passes", "manifest", pinned, func(i *inventory.Image) {
			i.Scan.Vulns = append(i.Scan.Vulns, inventory.Vuln{ID: "CVE-2026-2", Severity: "MEDIUM"})
		}, supplychain.Vulnerable, result.Pass, ""},
		{"exception applies", "manifest", pinned, func(i *inventory.Image) {
			i.Scan.Vulns = append(i.Scan.Vulns, inventory.Vuln{ID: "CVE-2026-31337", Severity: "CRITICAL"})
			i.Policy.Exceptions = []inventory.CVEException{{ID: "CVE-2026-31337", Reason: "r", Expiry: time.Now().Add(time.Hour)}}
		}, supplychain.Vulnerable, result.Pass, ""},
		{"stale scan", "manifest", pinned, func(i *inventory.Image) { i.Scan.Time = time.Now().Add(-9 * 24 * time.Hour) }, supplychain.ScanStale, result.Fail, "is 9 days old; the policy allows 7"},
		{"tag names the verified digest", "manifest", tagged, nil, supplychain.TagNotPinned, result.Fail, "pin it to the verified digest sha256:0f3c"},
		{"tag moved since the pod started", "cluster", tagged, func(i *inventory.Image) { i.RunningDigest = "sha256:" + strings.Repeat("1", 64) }, supplychain.TagNotPinned, result.Fail, "but the tag now points to sha256:0f3c"},
		{"tag of an unsigned digest is not asked to be pinned", "manifest", tagged, func(i *inventory.Image) { i.Signature = inventory.SigUnsigned }, supplychain.TagNotPinned, result.Pass, ""},
		{"tag running the verified digest", "cluster", tagged, func(i *inventory.Image) { i.RunningDigest = i.Digest }, supplychain.TagNotPinned, result.Pass, ""},
		{"no key configured: signature not applicable", "manifest", pinned, func(i *inventory.Image) { i.Signature = inventory.SigNotRequired }, supplychain.NotSigned, result.NotApplicable, "names no cosign key"},
		{"offline: signature not applicable", "manifest", pinned, func(i *inventory.Image) { i.Signature, i.Offline = "", true }, supplychain.NotSigned, result.NotApplicable, "offline"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			img := verified(tc.image)
			if tc.mutate != nil {
				tc.mutate(img)
			}
			rs := eval(t, tc.mode, nil, object(tc.image, img))
			r, ok := rs[tc.id]
			if tc.status == result.Pass {
				if ok && r.Status != result.Pass {
					t.Fatalf("%s: got %s %s", tc.id, r.Status, r.Message.EN)
				}
				return
			}
			if !ok || r.Status != tc.status {
				t.Fatalf("%s: want %s, got %+v", tc.id, tc.status, rs)
			}
			if !strings.Contains(r.Message.EN, tc.msg) || r.Message.ZH == "" {
				t.Errorf("%s message %q lacks %q (zh %q)", tc.id, r.Message.EN, tc.msg, r.Message.ZH)
			}
		})
	}
}

// TestFailureModeAllow: an unreachable registry only warns at admission
// when the configuration says so.
func TestFailureModeAllow(t *testing.T) {
	cfg := checktest.TrustedConfig()
	cfg.SupplyChain.FailureMode = "allow"
	img := verified(tagged)
	img.Error = "timeout"
	r := eval(t, "admission", cfg, object(tagged, img))[supplychain.NotSigned]
	if r.Status != result.Warn || !strings.Contains(r.Message.EN, "failureMode: allow") {
		t.Fatalf("got %+v", r)
	}
}

// TestNoFactsNoVerdict: an object no supply-chain policy covers gets no
// result from these checks, neither PASS nor FAIL.
func TestNoFactsNoVerdict(t *testing.T) {
	o := checktest.Container(func(c *corev1.Container) { c.Image = tagged })
	rep := checktest.Evaluate(check.Options{Config: checktest.TrustedConfig(), KeepPasses: true}, o)
	for _, r := range rep.Results {
		if strings.HasPrefix(r.ID, "KW-SUP-") {
			t.Errorf("unexpected %s %s", r.ID, r.Status)
		}
	}
	for _, id := range supplychain.IDs {
		if rep.Passed[id] != 0 {
			t.Errorf("%s passed without facts", id)
		}
	}
}

// TestPinFix: harden's fix pins a verified tag to its digest, and only then.
func TestPinFix(t *testing.T) {
	spec := check.SpecOf(supplychain.TagNotPinned)
	env := &check.Env{Config: checktest.TrustedConfig(), Mode: "manifest", Now: time.Now()}
	o := object(tagged, verified(tagged))
	w, _ := o.Workload()
	edits := spec.Fix.Edits(env, &check.Target{Object: o, Workload: w})
	want := checktest.TrustedRegistry + "/team/app" + checktest.Digest
	if len(edits) != 1 || edits[0].Value != want || !strings.HasSuffix(edits[0].Path, "containers[name=app].image") {
		t.Fatalf("edits %v, want image %s", edits, want)
	}
	bad := verified(tagged)
	bad.Signature = inventory.SigUnsigned
	o = object(tagged, bad)
	if e := spec.Fix.Edits(env, &check.Target{Object: o, Workload: w}); len(e) != 0 {
		t.Fatalf("an unsigned digest must not be pinned: %v", e)
	}
	for in, out := range map[string]string{
		"r.io:5000/a/b:1.0":        "r.io:5000/a/b@sha256:x",
		"r.io:5000/a/b":            "r.io:5000/a/b@sha256:x",
		"r.io/a/b:1@sha256:abcdef": "r.io/a/b@sha256:x",
	} {
		if got := supplychain.PinnedRef(in, "sha256:x"); got != out {
			t.Errorf("PinnedRef(%s) = %s, want %s", in, got, out)
		}
	}
}

// TestNodeVerifier: containerd's image verifier programs are a PASS with
// their names; none, or a containerd without the plugin, is not a finding.
func TestNodeVerifier(t *testing.T) {
	env := &check.Env{Config: config.Default(), Mode: "node", Now: time.Now()}
	run := func(c *inventory.Component) result.Result {
		t.Helper()
		n := &inventory.Node{Hostname: "n1"}
		if c != nil {
			n.Components = append(n.Components, c)
		}
		for _, r := range check.EvaluateNode(env, n) {
			if r.ID == supplychain.NodeVerifier {
				return r
			}
		}
		t.Fatal("no result")
		return result.Result{}
	}
	v3 := map[string]any{"version": int64(3)}
	for _, tc := range []struct {
		c      *inventory.Component
		status result.Status
		text   string
	}{
		{nil, result.NotApplicable, "does not run"},
		{&inventory.Component{Kind: inventory.Containerd, Config: map[string]any{"version": int64(2)}}, result.NotApplicable, "no image verifier plugin"},
		{&inventory.Component{Kind: inventory.Containerd, Config: v3}, result.NotApplicable, "no image verifier program in " + inventory.DefaultImageVerifierDir},
		{&inventory.Component{Kind: inventory.Containerd, Config: map[string]any{"version": int64(3), "plugins": map[string]any{
			"io.containerd.image-verifier.v1.bindir": map[string]any{"bin_dir": "/etc/verifiers"}}},
			ImageVerifiers: []string{"/etc/verifiers/cosign-verify"}}, result.Pass, "1 image verifier"},
	} {
		r := run(tc.c)
		if r.Status != tc.status || !strings.Contains(r.Message.EN+r.Evidence, tc.text) {
			t.Errorf("%+v: got %s %q %q", tc.c, r.Status, r.Message.EN, r.Evidence)
		}
	}
}

// TestTagMovedUnderAController: a pod a ReplicaSet manages is not judged
// itself, but when it runs an old digest of its tag KW-SUP-006 names it.
func TestTagMovedUnderAController(t *testing.T) {
	old := "sha256:" + strings.Repeat("1", 64)
	mk := func(running string) *inventory.Object {
		p := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "web-1", Namespace: "prod"}, Spec: checktest.HardenedPodSpec()}
		p.Spec.Containers[0].Image = tagged
		img := verified(tagged)
		img.RunningDigest = running
		return &inventory.Object{Kind: "Pod", Version: "v1", Namespace: "prod", Name: "web-1", Typed: p, Owner: "ReplicaSet/web-1a", Origin: "/api/v1/namespaces/prod/pods/web-1",
			Images: map[string]*inventory.Image{tagged: img}}
	}
	for _, tc := range []struct {
		running string
		fail    bool
	}{{old, true}, {strings.TrimPrefix(checktest.Digest, "@"), false}, {"", false}} {
		rep := checktest.Evaluate(check.Options{Config: checktest.TrustedConfig(), Mode: "cluster"}, mk(tc.running))
		n := 0
		for _, r := range rep.Results {
			if r.ID == supplychain.TagNotPinned && r.Status == result.Fail {
				n++
				if r.Subject.Name != "web-1" || !strings.Contains(r.Message.EN, "runs "+old+", but the tag now points to sha256:0f3c") {
					t.Errorf("%+v", r)
				}
			}
		}
		if (n == 1) != tc.fail {
			t.Errorf("running %q: %d FAILs, want fail=%v", tc.running, n, tc.fail)
		}
	}
}
