package manifest

import (
	"bytes"
	"testing"

	"github.com/kubeward/kubeward/internal/benchgen"
	"github.com/kubeward/kubeward/internal/inventory"
)

// BenchmarkLoad measures the whole pipeline on a generated stream: split,
// parse, convert to JSON, decode into typed objects.
func BenchmarkLoad(b *testing.B) {
	var buf bytes.Buffer
	if err := benchgen.Write(&buf, 1000); err != nil {
		b.Fatal(err)
	}
	data := buf.Bytes()
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		st := Load([]string{"-"}, Options{Stdin: bytes.NewReader(data), Workers: 1}, func(*inventory.Object) {})
		if len(st.Errors) > 0 {
			b.Fatal(st.Errors)
		}
	}
}
