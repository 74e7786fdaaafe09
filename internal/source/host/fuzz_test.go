package host

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"os"
	"path/filepath"
	"testing"
)

// A snapshot handed in for an air-gapped audit is untrusted: unpacking any
// bytes must not panic and must never write outside its directory.
func FuzzUnpack(f *testing.F) {
	mk := func(hdrs ...*tar.Header) []byte {
		var buf bytes.Buffer
		gz := gzip.NewWriter(&buf)
		tw := tar.NewWriter(gz)
		for _, h := range hdrs {
			_ = tw.WriteHeader(h)
			if h.Size > 0 {
				_, _ = tw.Write(bytes.Repeat([]byte("x"), int(h.Size)))
			}
		}
		tw.Close()
		gz.Close()
		return buf.Bytes()
	}
	f.Add(mk(&tar.Header{Name: "proc/1/cmdline", Typeflag: tar.TypeReg, Mode: 0o644, Size: 4}))
	f.Add(mk(&tar.Header{Name: "../evil", Typeflag: tar.TypeReg, Mode: 0o644, Size: 1}))
	f.Add(mk(&tar.Header{Name: "etc", Typeflag: tar.TypeSymlink, Linkname: "/"}, &tar.Header{Name: "etc/evil", Typeflag: tar.TypeReg, Size: 1}))
	f.Add(mk(&tar.Header{Name: "a/b/../../../evil", Typeflag: tar.TypeReg, Size: 1}))
	f.Add(mk(&tar.Header{Name: "l", Typeflag: tar.TypeLink, Linkname: "../../etc/passwd"}))
	f.Fuzz(func(t *testing.T, data []byte) {
		parent := t.TempDir()
		dir := filepath.Join(parent, "snapshot")
		if err := os.Mkdir(dir, 0o700); err != nil {
			t.Fatal(err)
		}
		_ = Unpack(bytes.NewReader(data), dir)
		entries, err := os.ReadDir(parent)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range entries {
			if e.Name() != "snapshot" {
				t.Fatalf("unpack wrote %s outside its directory", e.Name())
			}
		}
	})
}
