package admit

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	admissionv1 "k8s.io/api/admission/v1"
)

func TestMessageFormat(t *testing.T) {
	h := NewHandler(mustPolicy(t, basePolicy))
	resp, _ := post(t, h, "/validate", review(t, admissionv1.Create, privilegedPod, ""))
	t.Log(resp.Result.Message)
	if !strings.HasPrefix(resp.Result.Message, "kubeward denied Pod team-a/priv: ") {
		t.Errorf("message: %s", resp.Result.Message)
	}
	if !strings.Contains(resp.Result.Message, "KW-POD-002: container app: ") || !strings.Contains(resp.Result.Message, " — plan item 2.4 No privileged mode") {
		t.Errorf("message: %s", resp.Result.Message)
	}
}

func TestMutate(t *testing.T) {
	p := mustPolicy(t, basePolicy+"mutate: {seccompRuntimeDefault: true, allowPrivilegeEscalationFalse: true, automountServiceAccountTokenFalse: true}\n")
	h := NewHandler(p)
	pod := `
apiVersion: v1
kind: Pod
metadata: {name: m, namespace: team-a}
spec:
  containers:
  - {name: a, image: x}
  - {name: b, image: x, securityContext: {runAsNonRoot: true}}
  - {name: c, image: x, securityContext: {privileged: true}}
  initContainers:
  - {name: i, image: x, securityContext: {allowPrivilegeEscalation: true}}
`
	resp, _ := post(t, h, "/mutate", review(t, admissionv1.Create, pod, ""))
	if !resp.Allowed || resp.PatchType == nil || *resp.PatchType != admissionv1.PatchTypeJSONPatch {
		t.Fatalf("response: %+v", resp)
	}
	var ops []patchOp
	if err := json.Unmarshal(resp.Patch, &ops); err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, o := range ops {
		v, _ := json.Marshal(o.Value)
		got = append(got, o.Op+" "+o.Path+" "+string(v))
	}
	want := []string{
		`add /spec/securityContext {"seccompProfile":{"type":"RuntimeDefault"}}`,
		`add /spec/containers/0/securityContext {"allowPrivilegeEscalation":false}`,
		`add /spec/containers/1/securityContext/allowPrivilegeEscalation false`,
		`add /spec/automountServiceAccountToken false`,
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("patch:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	// Deployment: the template's spec.
	dep := "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: d, namespace: team-a}\nspec:\n  template:\n    spec:\n      securityContext: {runAsNonRoot: true}\n      containers: [{name: a, image: x}]\n"
	resp, _ = post(t, h, "/mutate", review(t, admissionv1.Create, dep, ""))
	if !strings.Contains(string(resp.Patch), `/spec/template/spec/securityContext/seccompProfile`) {
		t.Errorf("deployment patch: %s", resp.Patch)
	}
	// Off by default.
	resp, _ = post(t, NewHandler(nil), "/mutate", review(t, admissionv1.Create, pod, ""))
	if resp.Patch != nil || !resp.Allowed {
		t.Errorf("default policy patched: %s", resp.Patch)
	}
}

func TestBadInput(t *testing.T) {
	h := NewHandler(nil)
	for _, tc := range []struct {
		name, body, method string
		code               int
	}{
		{"not json", "{", http.MethodPost, http.StatusBadRequest},
		{"no request", `{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview"}`, http.MethodPost, http.StatusBadRequest},
		{"v1beta1", `{"apiVersion":"admission.k8s.io/v1beta1","kind":"AdmissionReview","request":{"uid":"u"}}`, http.MethodPost, http.StatusBadRequest},
		{"GET", "", http.MethodGet, http.StatusMethodNotAllowed},
		{"too large", `{"x":"` + strings.Repeat("a", MaxRequestBytes) + `"}`, http.MethodPost, http.StatusRequestEntityTooLarge},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, httptest.NewRequest(tc.method, "/validate", strings.NewReader(tc.body)))
			if rec.Code != tc.code {
				t.Errorf("HTTP %d, want %d", rec.Code, tc.code)
			}
			var rv admissionv1.AdmissionReview
			if err := json.Unmarshal(rec.Body.Bytes(), &rv); err != nil || rv.Response == nil || rv.Response.Allowed || rv.Response.Result == nil {
				t.Errorf("not an error review: %s", rec.Body.String())
			}
		})
	}
	// An undecodable object: a proper review, denied with 400 and the UID.
	rv := review(t, admissionv1.Create, privilegedPod, "")
	rv.Request.Object.Raw = []byte(`{"spec":{"containers":"nope"}}`)
	resp, code := post(t, h, "/validate", rv)
	if code != http.StatusOK || resp.Allowed || resp.UID != "uid-1" || resp.Result.Code != 400 {
		t.Errorf("bad object: %d %+v", code, resp)
	}
}

func TestPolicyStrict(t *testing.T) {
	for _, bad := range []string{
		"defaultMode: block\n",
		"unknownField: 1\n",
		"config: {trustedRegistry: [x]}\n",
		"lang: fr\n",
		"checks: {KW-POD-002: deny}\n",
		"exemptions: [{namespaces: [x]}]\n",
		"deletions: {Pod: warn}\n",
		"minSeverity: huge\n",
	} {
		if _, err := ParsePolicy([]byte(bad)); err == nil {
			t.Errorf("accepted %q", bad)
		}
	}
}

func FuzzAdmissionReview(f *testing.F) {
	for _, m := range []string{privilegedPod, hardenedPod, adminBinding, untrustedPod} {
		b, _ := json.Marshal(review(f, admissionv1.Create, m, "u"))
		f.Add(b)
	}
	f.Add([]byte(`{"request":{"uid":"x","kind":{"group":"apps","version":"v1","kind":"Deployment"},"operation":"CREATE","object":{"spec":null}}}`))
	f.Add([]byte(`{"request":{"kind":{"kind":"Pod"},"operation":"DELETE"}}`))
	f.Add([]byte(`{"request":{"kind":{"kind":"ReplicationController"},"operation":"CREATE","object":{"spec":{"template":null}}}}`))
	f.Add([]byte(`null`))
	p := mustPolicy(f, basePolicy+"deletions: {ResourceQuota: warn}\nmutate: {seccompRuntimeDefault: true, allowPrivilegeEscalationFalse: true, automountServiceAccountTokenFalse: true}\n")
	h := NewHandler(p)
	f.Fuzz(func(t *testing.T, body []byte) {
		for _, path := range []string{"/validate", "/mutate"} {
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, path, bytes.NewReader(body)))
			if rec.Code == http.StatusInternalServerError {
				t.Fatalf("internal error (recovered panic?) on %s: %s", path, rec.Body.String())
			}
			if rec.Code == http.StatusGatewayTimeout || bytes.Contains(rec.Body.Bytes(), []byte("timed out")) {
				t.Fatalf("evaluation timed out on %s (%d bytes in)", path, len(body))
			}
			var rv admissionv1.AdmissionReview
			if err := json.Unmarshal(rec.Body.Bytes(), &rv); err != nil || rv.Response == nil {
				t.Fatalf("%s: not an AdmissionReview: %s", path, rec.Body.String())
			}
		}
	})
}

func TestCertReload(t *testing.T) {
	dir := t.TempDir()
	first, err := NewSelfSigned([]string{"first.example"}, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if err := first.WriteFiles(dir); err != nil {
		t.Fatal(err)
	}
	crt, key := filepath.Join(dir, "tls.crt"), filepath.Join(dir, "tls.key")
	rl, err := NewCertReloader(crt, key)
	if err != nil {
		t.Fatal(err)
	}
	rl.CheckEvery = 0
	reloaded := make(chan error, 4)
	rl.OnReload = func(err error) { reloaded <- err }
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	srv.TLS = &tls.Config{GetCertificate: rl.GetCertificate, MinVersion: tls.VersionTLS12}
	srv.StartTLS()
	defer srv.Close()
	addr := srv.Listener.Addr().String()
	served := func(ca []byte, name string) string {
		pool := x509.NewCertPool()
		pool.AppendCertsFromPEM(ca)
		conn, err := tls.DialWithDialer(&net.Dialer{Timeout: 5 * time.Second}, "tcp", addr, &tls.Config{RootCAs: pool, ServerName: name})
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		return conn.ConnectionState().PeerCertificates[0].Subject.CommonName
	}
	if cn := served(first.CAPEM, "first.example"); cn != "first.example" {
		t.Fatalf("served %s", cn)
	}
	// Rotate: a new pair from a new CA; a later mtime.
	second, err := NewSelfSigned([]string{"second.example"}, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if err := second.WriteFiles(dir); err != nil {
		t.Fatal(err)
	}
	later := time.Now().Add(2 * time.Second)
	os.Chtimes(crt, later, later)
	os.Chtimes(key, later, later)
	if cn := served(second.CAPEM, "second.example"); cn != "second.example" {
		t.Fatalf("after rotation served %s", cn)
	}
	if err := <-reloaded; err != nil {
		t.Fatal(err)
	}
	// A broken file keeps the previous pair.
	os.WriteFile(crt, []byte("garbage"), 0o644)
	if cn := served(second.CAPEM, "second.example"); cn != "second.example" {
		t.Fatalf("after a broken write served %s", cn)
	}
	if err := <-reloaded; err == nil {
		t.Error("a broken pair reloaded without error")
	}
}

func TestWatchPolicy(t *testing.T) {
	file := filepath.Join(t.TempDir(), "policy.yaml")
	os.WriteFile(file, []byte("defaultMode: enforce\n"), 0o644)
	h := NewHandler(nil)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	errs := make(chan error, 10)
	go WatchPolicy(ctx, file, 10*time.Millisecond, h.SetPolicy, func(err error) { errs <- err })
	time.Sleep(30 * time.Millisecond)
	os.WriteFile(file, []byte("defaultMode: warn\nlang: zh\n"), 0o644)
	later := time.Now().Add(time.Second)
	os.Chtimes(file, later, later)
	deadline := time.Now().Add(5 * time.Second)
	for h.Policy().DefaultMode != Warn {
		if time.Now().After(deadline) {
			t.Fatal("policy not reloaded")
		}
		time.Sleep(10 * time.Millisecond)
	}
	os.WriteFile(file, []byte("defaultMode: nonsense\n"), 0o644)
	later = later.Add(time.Second)
	os.Chtimes(file, later, later)
	select {
	case <-errs:
	case <-time.After(5 * time.Second):
		t.Fatal("bad policy not reported")
	}
	if h.Policy().DefaultMode != Warn || h.Policy().Lang != "zh" {
		t.Error("a bad policy replaced the good one")
	}
}
