package registry_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	dynamicfake "k8s.io/client-go/dynamic/fake"
	"k8s.io/client-go/kubernetes/fake"

	"github.com/kubeward/kubeward/internal/config"
	"github.com/kubeward/kubeward/internal/inventory"
	"github.com/kubeward/kubeward/internal/source/registry"
	"github.com/kubeward/kubeward/internal/source/registry/registrytest"
)

// fixture is the in-process registry holding the images of every case.
type fixture struct {
	reg     *registrytest.Registry
	trusted *registrytest.Key
	digests map[string]string // repo:tag → digest
	cfg     *config.SupplyChain
	reports registry.Reports
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	reg := registrytest.Start()
	t.Cleanup(reg.Server.Close)
	trusted, err := registrytest.NewKey()
	if err != nil {
		t.Fatal(err)
	}
	other, _ := registrytest.NewKey()
	f := &fixture{reg: reg, trusted: trusted, digests: map[string]string{}}
	for _, rt := range []string{"team/signed:1.0", "team/unsigned:1.0", "team/tampered:1.0", "team/otherkey:1.0", "team/vulnerable:1.0", "team/unscanned:1.0", "team/harbor:1.0"} {
		d, err := reg.PushImage(rt, "content of "+rt)
		if err != nil {
			t.Fatal(err)
		}
		f.digests[rt] = d
	}
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	for _, rt := range []string{"team/signed:1.0", "team/vulnerable:1.0", "team/unscanned:1.0", "team/harbor:1.0"} {
		repo := strings.Split(rt, ":")[0]
		must(reg.SignCosign(trusted, repo, f.digests[rt], f.digests[rt]))
	}
	// tampered: the trusted key's signature of another digest copied onto it.
	must(reg.SignCosign(trusted, "team/tampered", f.digests["team/tampered:1.0"], f.digests["team/signed:1.0"]))
	must(reg.SignCosign(other, "team/otherkey", f.digests["team/otherkey:1.0"], f.digests["team/otherkey:1.0"]))
	reg.Harbor[f.digests["team/harbor:1.0"]] = map[string]int{"Critical": 1, "Low": 3}
	// team/attested: its scan is an attestation signed by the trusted key
	// (and an older one by another key that must be ignored, and one about
	// another digest).
	d, err := reg.PushImage("team/attested:1.0", "attested")
	must(err)
	f.digests["team/attested:1.0"] = d
	must(reg.SignCosign(trusted, "team/attested", d, d))
	crit := registrytest.TrivyReport("local", time.Now(), registrytest.Vuln{ID: "CVE-2026-4242", Severity: "CRITICAL", Package: "glibc", Version: "2.36"})
	must(reg.AttestVuln(other, "team/attested", d, d, registrytest.TrivyReport("local", time.Now()), time.Now().Add(time.Hour)))
	must(reg.AttestVuln(trusted, "team/attested", d, f.digests["team/signed:1.0"], registrytest.TrivyReport("local", time.Now()), time.Now().Add(time.Hour)))
	must(reg.AttestVuln(trusted, "team/attested", d, d, crit, time.Now().Add(-time.Hour)))

	dir := t.TempDir()
	ca := filepath.Join(dir, "ca.pem")
	must(os.WriteFile(ca, reg.CAPEM, 0o600))
	var files []string
	for rt, vulns := range map[string][]registrytest.Vuln{
		"team/signed:1.0":     {{ID: "CVE-2026-0001", Severity: "LOW", Package: "zlib", Version: "1.2"}},
		"team/vulnerable:1.0": {{ID: "CVE-2026-31337", Severity: "CRITICAL", Package: "openssl", Version: "3.0.1"}},
		"team/tampered:1.0":   nil, "team/unsigned:1.0": nil, "team/otherkey:1.0": nil,
	} {
		repo := strings.Split(rt, ":")[0]
		p := filepath.Join(dir, strings.ReplaceAll(repo, "/", "_")+".json")
		must(os.WriteFile(p, registrytest.TrivyReport(reg.Host+"/"+repo+"@"+f.digests[rt], time.Now(), vulns...), 0o600))
		files = append(files, p)
	}
	reports, err := registry.LoadReports(files)
	must(err)
	f.reports = reports
	f.cfg = &config.SupplyChain{
		Registries: []config.SupplyChainRegistry{{Host: reg.Host, CAFile: ca}},
		Harbor:     "https://" + reg.Host,
		Policies: []config.SupplyChainPolicy{{Namespaces: []string{"prod-*"},
			CosignKeys:      []config.CosignKey{{Name: "release", PEM: string(trusted.PublicPEM)}},
			Vulnerabilities: config.VulnGatePolicy{DenyAtOrAbove: "HIGH", RequireScan: true, MaxAgeDays: 7}}},
	}
	return f
}

func pod(ns string, images ...string) *inventory.Object {
	p := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "p", Namespace: ns}}
	for i, im := range images {
		p.Spec.Containers = append(p.Spec.Containers, corev1.Container{Name: "c" + string(rune('a'+i)), Image: im})
	}
	return &inventory.Object{Kind: "Pod", Version: "v1", Namespace: ns, Name: "p", Typed: p}
}

func TestVerifyAgainstRegistry(t *testing.T) {
	f := newFixture(t)
	v, err := registry.NewVerifier(f.cfg, f.reports, false)
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		ref    string
		sig    inventory.SignatureState
		by     string
		detail string
		scan   string // source prefix, "" for none
		vuln   string
	}{
		{"team/signed:1.0", inventory.SigVerified, "release", "", "trivy", ""},
		{"team/unsigned:1.0", inventory.SigUnsigned, "", "does not exist", "trivy", ""},
		{"team/otherkey:1.0", inventory.SigUnsigned, "", "none verifies with the trusted keys release", "trivy", ""},
		{"team/tampered:1.0", inventory.SigInvalid, "", "key release signed " + f.digests["team/signed:1.0"], "trivy", ""},
		{"team/vulnerable:1.0", inventory.SigVerified, "release", "", "trivy", "CVE-2026-31337"},
		{"team/unscanned:1.0", inventory.SigVerified, "release", "", "", ""},
		{"team/harbor:1.0", inventory.SigVerified, "release", "", "harbor", ""},
		{"team/attested:1.0", inventory.SigVerified, "release", "", "trivy attestation signed by release", "CVE-2026-4242"},
	}
	for _, tc := range cases {
		t.Run(tc.ref, func(t *testing.T) {
			ref := f.reg.Host + "/" + tc.ref
			o := pod("prod-payments", ref)
			v.Annotate(context.Background(), o, nil)
			img := o.Images[ref]
			if img == nil || img.Error != "" {
				t.Fatalf("no facts: %+v", img)
			}
			if img.Digest != f.digests[tc.ref] || img.PinnedDigest != "" {
				t.Errorf("digest %s pinned %q, want %s", img.Digest, img.PinnedDigest, f.digests[tc.ref])
			}
			if img.Signature != tc.sig || img.SignedBy != tc.by || !strings.Contains(img.SignatureDetail, tc.detail) {
				t.Errorf("signature %s by %q (%s), want %s by %q (%s)", img.Signature, img.SignedBy, img.SignatureDetail, tc.sig, tc.by, tc.detail)
			}
			switch {
			case tc.scan == "" && img.Scan != nil:
				t.Errorf("unexpected scan %+v", img.Scan)
			case tc.scan != "" && (img.Scan == nil || !strings.HasPrefix(img.Scan.Source, tc.scan)):
				t.Errorf("scan %+v, want from %s", img.Scan, tc.scan)
			}
			if tc.vuln != "" && (len(img.Scan.Vulns) != 1 || img.Scan.Vulns[0].ID != tc.vuln) {
				t.Errorf("vulns %+v, want %s", img.Scan.Vulns, tc.vuln)
			}
			if tc.scan == "harbor" && img.Scan.Counts["CRITICAL"] != 1 {
				t.Errorf("harbor counts %v", img.Scan.Counts)
			}
		})
	}
	// By digest: pinned, the same verdict.
	ref := f.reg.Host + "/team/signed@" + f.digests["team/signed:1.0"]
	o := pod("prod-payments", ref)
	v.Annotate(context.Background(), o, nil)
	if img := o.Images[ref]; img.PinnedDigest != f.digests["team/signed:1.0"] || img.Signature != inventory.SigVerified {
		t.Errorf("by digest: %+v", img)
	}
	// A namespace no policy covers: no facts.
	o = pod("dev", f.reg.Host+"/team/unsigned:1.0")
	v.Annotate(context.Background(), o, nil)
	if o.Images != nil {
		t.Errorf("dev has facts: %+v", o.Images)
	}
}

// TestTagMoved: a pod started from the old digest of a tag that now points
// elsewhere carries both digests.
func TestTagMoved(t *testing.T) {
	f := newFixture(t)
	v, err := registry.NewVerifier(f.cfg, f.reports, false)
	if err != nil {
		t.Fatal(err)
	}
	ref := f.reg.Host + "/team/signed:1.0"
	o := pod("prod-a", ref)
	o.Typed.(*corev1.Pod).Status.ContainerStatuses = []corev1.ContainerStatus{{Name: "ca", ImageID: ref + "@" + f.digests["team/unsigned:1.0"]}}
	v.Annotate(context.Background(), o, nil)
	if img := o.Images[ref]; img.RunningDigest != f.digests["team/unsigned:1.0"] || img.Digest != f.digests["team/signed:1.0"] {
		t.Fatalf("%+v", img)
	}
}

// TestRegistryDownAndTLS: an unreachable registry, one whose certificate
// is not trusted, and a refused TLS all give an Error, never a verdict.
func TestRegistryDownAndTLS(t *testing.T) {
	f := newFixture(t)
	ref := f.reg.Host + "/team/signed:1.0"

	noCA := *f.cfg
	noCA.Registries = nil
	v, err := registry.NewVerifier(&noCA, nil, false)
	if err != nil {
		t.Fatal(err)
	}
	o := pod("prod-a", ref)
	v.Annotate(context.Background(), o, nil)
	if img := o.Images[ref]; !strings.Contains(img.Error, "certificate") {
		t.Errorf("untrusted CA: %+v", img)
	}

	v, _ = registry.NewVerifier(f.cfg, nil, false)
	f.reg.Down = true
	o = pod("prod-a", ref)
	v.Annotate(context.Background(), o, nil)
	if img := o.Images[ref]; img.Error == "" || img.Signature != "" {
		t.Errorf("down: %+v", img)
	}
	f.reg.Down = false
	f.reg.Server.Close()
	o = pod("prod-a", ref)
	start := time.Now()
	v.Annotate(context.Background(), o, nil)
	if img := o.Images[ref]; img.Error == "" {
		t.Errorf("closed: %+v", img)
	}
	_ = start
}

// TestCacheByDigest: a second verification of the same digest asks the
// registry nothing; the cache is bounded.
func TestCacheByDigest(t *testing.T) {
	f := newFixture(t)
	v, _ := registry.NewVerifier(f.cfg, f.reports, false)
	ref := f.reg.Host + "/team/signed:1.0"
	o := pod("prod-a", ref)
	v.Annotate(context.Background(), o, nil)
	f.reg.Down = true
	o = pod("prod-a", ref)
	v.Annotate(context.Background(), o, nil)
	if img := o.Images[ref]; img.Error != "" || img.Signature != inventory.SigVerified {
		t.Fatalf("warm cache asked the registry: %+v", img)
	}
	// After the tag's lifetime, the tag is resolved again (and fails).
	v.Now = func() time.Time { return time.Now().Add(registry.TagTTL + time.Second) }
	o = pod("prod-a", ref)
	v.Annotate(context.Background(), o, nil)
	if img := o.Images[ref]; img.Error == "" {
		t.Fatalf("expired tag served from cache: %+v", img)
	}
}

// TestOffline: with --offline the registry is never asked; reports match
// images referenced by digest.
func TestOffline(t *testing.T) {
	f := newFixture(t)
	f.reg.Down = true
	v, err := registry.NewVerifier(f.cfg, f.reports, true)
	if err != nil {
		t.Fatal(err)
	}
	ref := f.reg.Host + "/team/vulnerable@" + f.digests["team/vulnerable:1.0"]
	tag := f.reg.Host + "/team/vulnerable:1.0"
	o := pod("prod-a", ref, tag)
	v.Annotate(context.Background(), o, nil)
	if img := o.Images[ref]; img.Error != "" || img.Scan == nil || img.Scan.Vulns[0].ID != "CVE-2026-31337" || img.Signature != "" || !img.Offline {
		t.Errorf("by digest: %+v", img)
	}
	if img := o.Images[tag]; img.Error != "" || img.Scan != nil || img.Digest != "" {
		t.Errorf("by tag: %+v", img)
	}
}

func TestPullSecretCredentials(t *testing.T) {
	kc, err := registry.ParseDockerConfig([]byte(`{"auths":{"https://Registry.Bank.Internal/v1/":{"auth":"dXNlcjpwYXNz"},"r2:5000":{"username":"u","password":"p"}}}`))
	if err != nil {
		t.Fatal(err)
	}
	if a := kc["registry.bank.internal"]; a.Username != "user" || a.Password != "pass" {
		t.Errorf("auth: %+v", a)
	}
	if a := kc["r2:5000"]; a.Username != "u" {
		t.Errorf("r2: %+v", a)
	}
	for _, bad := range []string{`[]`, `{"auths":{"h":{"auth":"!!"}}}`, `{"auths":{"h":{"auth":"bm9jb2xvbg=="}}}`} {
		if _, err := registry.ParseDockerConfig([]byte(bad)); err == nil {
			t.Errorf("%s: no error", bad)
		}
	}
}

func TestPullSecretsFromAPI(t *testing.T) {
	cs := fake.NewClientset(
		&corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: "reg", Namespace: "prod"}, Type: corev1.SecretTypeDockerConfigJson,
			Data: map[string][]byte{corev1.DockerConfigJsonKey: []byte(`{"auths":{"r.bank:5000":{"username":"u","password":"secret-value"}}}`)}},
		&corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: "opaque", Namespace: "prod"}, Type: corev1.SecretTypeOpaque},
	)
	ps := registry.NewPullSecrets(cs)
	kc, err := ps.Keychain(context.Background(), "prod", []string{"reg"})
	if err != nil || kc["r.bank:5000"].Username != "u" {
		t.Fatalf("%v %v", kc, err)
	}
	for _, names := range [][]string{{"missing"}, {"opaque"}} {
		_, err := ps.Keychain(context.Background(), "prod", names)
		if err == nil || strings.Contains(err.Error(), "secret-value") {
			t.Errorf("%v: %v", names, err)
		}
	}
}

func TestListVulnerabilityReports(t *testing.T) {
	u := &unstructured.Unstructured{}
	if err := u.UnmarshalJSON([]byte(vulnReport)); err != nil {
		t.Fatal(err)
	}
	dc := dynamicfake.NewSimpleDynamicClientWithCustomListKinds(runtime.NewScheme(),
		map[schema.GroupVersionResource]string{registry.VulnerabilityReports: "VulnerabilityReportList"}, u)
	rs, err := registry.ListVulnerabilityReports(context.Background(), dc, "")
	if err != nil || rs[digestA] == nil || rs[digestA].Vulns[0].ID != "CVE-2026-5" {
		t.Fatalf("%v %v", rs, err)
	}
}
