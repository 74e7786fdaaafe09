package admit

import (
	"encoding/json"
	"testing"

	admissionv1 "k8s.io/api/admission/v1"
)

func BenchmarkReview(b *testing.B) {
	h := NewHandler(mustPolicy(b, basePolicy))
	var bodies [][]byte
	for _, m := range []string{privilegedPod, hardenedPod, adminBinding, untrustedPod} {
		body, _ := json.Marshal(review(b, admissionv1.Create, m, "u"))
		bodies = append(bodies, body)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, code, _ := h.Review(bodies[i%len(bodies)], false); code != 200 {
			b.Fatal(code)
		}
	}
}
