package admit

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	admissionv1 "k8s.io/api/admission/v1"

	"github.com/kubeward/kubeward/internal/source/registry/registrytest"
)

// supplyFixture is a registry in process with a signed and scanned image,
// an unsigned one, a tampered one, an unscanned one and a vulnerable one,
// and the policy that trusts the signing key in prod-*.
type supplyFixture struct {
	reg     *registrytest.Registry
	digests map[string]string
	policy  string
}

func newSupplyFixture(t testing.TB, extra string) *supplyFixture {
	t.Helper()
	reg := registrytest.Start()
	t.Cleanup(reg.Server.Close)
	key, err := registrytest.NewKey()
	if err != nil {
		t.Fatal(err)
	}
	f := &supplyFixture{reg: reg, digests: map[string]string{}}
	for _, n := range []string{"signed", "unsigned", "tampered", "unscanned", "vulnerable"} {
		d, err := reg.PushImage("team/"+n+":1.0", "layer of "+n)
		if err != nil {
			t.Fatal(err)
		}
		f.digests[n] = d
	}
	dir := t.TempDir()
	var reports []string
	for _, n := range []string{"signed", "unsigned", "tampered", "vulnerable"} {
		signed := f.digests[n]
		if n == "tampered" {
			signed = f.digests["signed"]
		}
		if n != "unsigned" {
			if err := reg.SignCosign(key, "team/"+n, f.digests[n], signed); err != nil {
				t.Fatal(err)
			}
		}
		var vulns []registrytest.Vuln
		if n == "vulnerable" {
			vulns = append(vulns, registrytest.Vuln{ID: "CVE-2026-31337", Severity: "CRITICAL", Package: "openssl", Version: "3.0.1"})
		}
		p := filepath.Join(dir, n+".json")
		if err := os.WriteFile(p, registrytest.TrivyReport(reg.Host+"/team/"+n+"@"+f.digests[n], time.Now(), vulns...), 0o600); err != nil {
			t.Fatal(err)
		}
		reports = append(reports, p)
	}
	if err := reg.SignCosign(key, "team/unscanned", f.digests["unscanned"], f.digests["unscanned"]); err != nil {
		t.Fatal(err)
	}
	ca := filepath.Join(dir, "ca.pem")
	if err := os.WriteFile(ca, reg.CAPEM, 0o600); err != nil {
		t.Fatal(err)
	}
	pemJSON, _ := json.Marshal(string(key.PublicPEM))
	reportsJSON, _ := json.Marshal(reports)
	f.policy = fmt.Sprintf(`
defaultMode: off
checks:
  KW-SUP-*: enforce
config:
  supplyChain:
    %s
    registries: [{host: %q, caFile: %q}]
    reports: %s
    policies:
      - namespaces: [prod-*]
        cosignKeys: [{name: release, pem: %s}]
        vulnerabilities: {denyAtOrAbove: HIGH, requireScan: true, maxAgeDays: 7}
`, extra, reg.Host, ca, reportsJSON, pemJSON)
	return f
}

func (f *supplyFixture) pod(ns, image string) string {
	return fmt.Sprintf(`
apiVersion: v1
kind: Pod
metadata: {name: app, namespace: %s}
spec:
  containers:
  - name: app
    image: %s
`, ns, image)
}

func (f *supplyFixture) handler(t testing.TB) *Handler {
	t.Helper()
	p, err := ParsePolicy([]byte(f.policy))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := NewSupplyChainVerifier(p); err != nil {
		t.Fatal(err)
	}
	return NewHandler(p)
}

func TestAdmissionVerifiesImages(t *testing.T) {
	f := newSupplyFixture(t, "pinDigests: true")
	h := f.handler(t)
	img := func(n string) string { return f.reg.Host + "/team/" + n + ":1.0" }
	for _, tc := range []struct {
		image   string
		ns      string
		allowed bool
		want    []string
	}{
		// A tag reaching /validate: /mutate did not pin it.
		{img("signed"), "prod-pay", false, []string{"KW-SUP-006", "pin it to the verified digest " + f.digests["signed"]}},
		{f.reg.Host + "/team/signed@" + f.digests["signed"], "prod-pay", true, nil},
		{img("unsigned"), "prod-pay", false, []string{"KW-SUP-001", "not signed by a trusted key", "does not exist) for the trusted keys release"}},
		{img("tampered"), "prod-pay", false, []string{"KW-SUP-002", "key release signed " + f.digests["signed"]}},
		{img("unscanned"), "prod-pay", false, []string{"KW-SUP-003", "no vulnerability scan"}},
		{img("vulnerable"), "prod-pay", false, []string{"KW-SUP-004", "CVE-2026-31337 (CRITICAL, openssl 3.0.1)"}},
		{img("unsigned"), "dev", true, nil}, // no policy for dev
	} {
		t.Run(tc.image+" in "+tc.ns, func(t *testing.T) {
			resp, _ := post(t, h, "/validate", review(t, admissionv1.Create, f.pod(tc.ns, tc.image), "alice"))
			if resp.Allowed != tc.allowed {
				t.Fatalf("allowed=%v: %+v", resp.Allowed, resp.Result)
			}
			for _, w := range tc.want {
				if !strings.Contains(resp.Result.Message, w) {
					t.Errorf("denial %q lacks %q", resp.Result.Message, w)
				}
			}
		})
	}
	// /mutate pins the verified tag to its digest, and leaves an unsigned one.
	resp, _ := post(t, h, "/mutate", review(t, admissionv1.Create, f.pod("prod-pay", img("signed")), "alice"))
	want := `{"op":"replace","path":"/spec/containers/0/image","value":"` + f.reg.Host + "/team/signed@" + f.digests["signed"] + `"}`
	if !strings.Contains(string(resp.Patch), want) {
		t.Errorf("patch %s lacks %s", resp.Patch, want)
	}
	resp, _ = post(t, h, "/mutate", review(t, admissionv1.Create, f.pod("prod-pay", img("unsigned")), "alice"))
	if len(resp.Patch) != 0 || !resp.Allowed {
		t.Errorf("unsigned image patched: %s", resp.Patch)
	}
}

// TestAdmissionRegistryDown: the decision follows supplyChain.failureMode.
func TestAdmissionRegistryDown(t *testing.T) {
	for _, mode := range []string{"deny", "allow"} {
		t.Run(mode, func(t *testing.T) {
			f := newSupplyFixture(t, "failureMode: "+mode)
			h := f.handler(t)
			f.reg.Down = true
			resp, _ := post(t, h, "/validate", review(t, admissionv1.Create, f.pod("prod-pay", f.reg.Host+"/team/signed@"+f.digests["signed"]), "alice"))
			if resp.Allowed != (mode == "allow") {
				t.Fatalf("allowed=%v %+v", resp.Allowed, resp.Result)
			}
			msg := strings.Join(resp.Warnings, ";")
			if resp.Result != nil {
				msg += resp.Result.Message
			}
			if !strings.Contains(msg, "KW-SUP-001") || !strings.Contains(msg, "could not be verified") || !strings.Contains(msg, "failureMode: "+mode) {
				t.Errorf("message %q", msg)
			}
		})
	}
}

// TestAdmissionBadKeyDenies: a key that does not load denies (and the
// webhook refuses to start with it), never allows.
func TestAdmissionBadKeyDenies(t *testing.T) {
	f := newSupplyFixture(t, "")
	f.policy = strings.Replace(f.policy, "-----BEGIN PUBLIC KEY-----", "-----BEGIN NOTHING-----", 1)
	p, err := ParsePolicy([]byte(f.policy))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := NewSupplyChainVerifier(p); err == nil {
		t.Fatal("bad key accepted")
	}
	resp, _ := post(t, NewHandler(p), "/validate", review(t, admissionv1.Create, f.pod("prod-pay", f.reg.Host+"/team/signed:1.0"), "alice"))
	if resp.Allowed || !strings.Contains(resp.Result.Message, "cosign key release") {
		t.Fatalf("%+v", resp.Result)
	}
}

func benchSupply(b *testing.B, warm bool) {
	f := newSupplyFixture(b, "")
	h := f.handler(b)
	body, _ := json.Marshal(review(b, admissionv1.Create, f.pod("prod-pay", f.reg.Host+"/team/signed@"+f.digests["signed"]), "alice"))
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if !warm {
			b.StopTimer()
			h = f.handler(b) // a new policy: cold cache
			b.StartTimer()
		}
		out, code, _ := h.Review(body, false)
		if code != 200 || !strings.Contains(string(out), `"allowed":true`) {
			b.Fatalf("%d %s", code, out)
		}
	}
}

// BenchmarkAdmissionVerifyCold: every review resolves the tag and verifies
// the signature against the in-process TLS registry (loopback).
func BenchmarkAdmissionVerifyCold(b *testing.B) { benchSupply(b, false) }

// BenchmarkAdmissionVerifyWarm: the digest and verdict come from the cache.
func BenchmarkAdmissionVerifyWarm(b *testing.B) { benchSupply(b, true) }

// BenchmarkAdmissionVerifyWarmParallel: warm reviews from many goroutines,
// as the API server sends them.
func BenchmarkAdmissionVerifyWarmParallel(b *testing.B) {
	f := newSupplyFixture(b, "")
	h := f.handler(b)
	body, _ := json.Marshal(review(b, admissionv1.Create, f.pod("prod-pay", f.reg.Host+"/team/signed@"+f.digests["signed"]), "alice"))
	if _, code, _ := h.Review(body, false); code != 200 {
		b.Fatal(code)
	}
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, code, _ := h.Review(body, false); code != 200 {
				b.Error(code)
			}
		}
	})
}
