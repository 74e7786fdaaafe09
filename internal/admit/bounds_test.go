package admit

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"runtime"
	"strings"
	"testing"

	admissionv1 "k8s.io/api/admission/v1"
)

// manyPrivilegedContainers is a pod whose n containers each fail several
// checks: a denial must still be one bounded message.
func manyPrivilegedContainers(n int) string {
	var b strings.Builder
	b.WriteString("apiVersion: v1\nkind: Pod\nmetadata: {name: many, namespace: team-a}\nspec:\n  containers:\n")
	for i := range n {
		fmt.Fprintf(&b, "  - name: c%d\n    image: docker.io/library/busybox:latest\n    securityContext: {privileged: true, runAsUser: 0}\n", i)
	}
	return b.String()
}

func TestDenialAndWarningsAreCapped(t *testing.T) {
	h := NewHandler(mustPolicy(t, basePolicy))
	rv := review(t, admissionv1.Create, manyPrivilegedContainers(60), "u")
	resp, decisions := h.Decide(rv.Request, false)
	if resp.Allowed || resp.Result == nil {
		t.Fatalf("allowed a pod with 60 privileged containers")
	}
	if len(decisions) <= MaxDenyFindings {
		t.Fatalf("only %d decisions: the fixture must produce more findings than the cap", len(decisions))
	}
	msg := resp.Result.Message
	if !strings.Contains(msg, "more findings") {
		t.Errorf("denial does not say how many findings were left out: %.200s", msg)
	}
	if n := strings.Count(msg, " — plan item "); n > MaxDenyFindings {
		t.Errorf("denial lists %d findings, want at most %d plus the count", n, MaxDenyFindings)
	}
	if max := MaxDenyFindings*(MaxMessageRunes+3)*4 + 200; len(msg) > max {
		t.Errorf("denial is %d bytes, more than %d", len(msg), max)
	}
	if len(resp.Warnings) > MaxWarnings+1 {
		t.Errorf("%d warnings, want at most %d plus the count", len(resp.Warnings), MaxWarnings)
	}
}

func TestCapMessages(t *testing.T) {
	long := strings.Repeat("x", MaxMessageRunes+10)
	tests := []struct {
		in   []string
		lang string
		want []string
	}{
		{nil, "en", nil},
		{[]string{"a", "b"}, "en", []string{"a", "b"}},
		{[]string{"a", "b", "c"}, "en", []string{"a", "b", "and 1 more findings"}},
		{[]string{"a", "b", "c", "d"}, "zh", []string{"a", "b", "另有 2 项发现"}},
		{[]string{long}, "en", []string{strings.Repeat("x", MaxMessageRunes) + "…"}},
	}
	for _, tc := range tests {
		got := capMessages(append([]string(nil), tc.in...), 2, tc.lang)
		if strings.Join(got, "|") != strings.Join(tc.want, "|") {
			t.Errorf("capMessages(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

// An evaluation whose deadline passed stops and answers with a timeout
// error: never an allow, never a partial set of findings.
func TestEvaluationStopsAtDeadline(t *testing.T) {
	h := NewHandler(mustPolicy(t, basePolicy))
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	for _, m := range []string{hardenedPod, privilegedPod} {
		rv := review(t, admissionv1.Create, m, "u")
		resp, decisions := h.DecideContext(ctx, rv.Request, false)
		if resp.Allowed || resp.Result == nil || resp.Result.Code != http.StatusGatewayTimeout || decisions != nil {
			t.Errorf("expired deadline: allowed=%v result=%+v decisions=%v", resp.Allowed, resp.Result, decisions)
		}
		body, _ := json.Marshal(rv)
		out, code, _ := h.ReviewContext(ctx, body, false)
		var got admissionv1.AdmissionReview
		if err := json.Unmarshal(out, &got); err != nil || code != http.StatusOK || got.Response == nil || got.Response.Allowed ||
			!strings.Contains(got.Response.Result.Message, "timed out") {
			t.Errorf("expired deadline review: code %d %s", code, out)
		}
	}
}

// largePod is a pod of about size bytes as JSON: containers with many
// environment variables, the shape that makes the most work per byte.
func largePod(size int) []byte {
	var b strings.Builder
	b.WriteString(`{"apiVersion":"v1","kind":"Pod","metadata":{"name":"big","namespace":"team-a"},"spec":{"containers":[`)
	for c := 0; b.Len() < size; c++ {
		if c > 0 {
			b.WriteString(",")
		}
		fmt.Fprintf(&b, `{"name":"c%d","image":"registry.bank.internal/app:1","securityContext":{"privileged":true},"env":[`, c)
		for e := range 200 {
			if e > 0 {
				b.WriteString(",")
			}
			fmt.Fprintf(&b, `{"name":"VAR_%d_%d","value":"%s"}`, c, e, strings.Repeat("v", 40))
		}
		b.WriteString("]}")
	}
	b.WriteString("]}}")
	return []byte(b.String())
}

func largeReview(t testing.TB, size int) []byte {
	rv := review(t, admissionv1.Create, hardenedPod, "u")
	rv.Request.Object.Raw = largePod(size)
	body, err := json.Marshal(rv)
	if err != nil {
		t.Fatal(err)
	}
	return body
}

// BenchmarkReviewLargeObject measures one review of objects at the API
// server's default maximum (1.5 MiB) and twice that. B/op is everything one
// review allocates, an upper bound on its peak heap.
func BenchmarkReviewLargeObject(b *testing.B) {
	h := NewHandler(mustPolicy(b, basePolicy))
	for _, size := range []int{1536 << 10, 3 << 20} {
		body := largeReview(b, size)
		b.Run(fmt.Sprintf("%.1fMiB", float64(size)/(1<<20)), func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(body)))
			for b.Loop() {
				if _, code, _ := h.Review(body, false); code != http.StatusOK {
					b.Fatal(code)
				}
			}
		})
	}
}

// One review of a 3 MiB object allocates a bounded multiple of its size,
// well under the shipped Deployment's memory limit. The figure is logged
// for docs/admission.md; the bound is on bytes, never on time.
func TestReviewMemoryAtMaxObjectSize(t *testing.T) {
	if testing.Short() {
		t.Skip("allocates a few hundred MiB")
	}
	h := NewHandler(mustPolicy(t, basePolicy))
	limit := webhookMemoryLimit.Value()
	for _, size := range []int{1536 << 10, 3 << 20} {
		body := largeReview(t, size)
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		out, code, _ := h.Review(body, false)
		runtime.ReadMemStats(&after)
		if code != http.StatusOK || !strings.Contains(string(out), `"allowed":false`) {
			t.Fatalf("%d bytes: code %d, not denied", size, code)
		}
		alloc := int64(after.TotalAlloc - before.TotalAlloc)
		t.Logf("object %d KiB: one review allocates %d MiB (limit %d MiB)", size>>10, alloc>>20, limit>>20)
		if alloc > limit/2 {
			t.Errorf("object %d KiB: one review allocates %d MiB, more than half the %d MiB limit", size>>10, alloc>>20, limit>>20)
		}
	}
}
