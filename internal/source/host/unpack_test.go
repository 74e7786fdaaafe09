package host

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// snapshotOf builds a gzipped tar from headers; a regular entry's body is
// Size bytes of 'x' unless body is given for it by name.
func snapshotOf(t testing.TB, hdrs ...*tar.Header) []byte {
	t.Helper()
	var buf bytes.Buffer
	gz := gzip.NewWriter(&buf)
	tw := tar.NewWriter(gz)
	for _, h := range hdrs {
		if h.Mode == 0 {
			h.Mode = 0o644
		}
		if err := tw.WriteHeader(h); err != nil {
			t.Fatalf("header %s: %v", h.Name, err)
		}
		if h.Typeflag == tar.TypeReg && h.Size > 0 {
			if _, err := tw.Write(bytes.Repeat([]byte("x"), int(h.Size))); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := gz.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// unpackSandbox is a parent directory holding the snapshot directory and an
// "outside" tree that a crafted snapshot would like to write to or chmod.
type unpackSandbox struct {
	parent, dir, outside string
}

func newUnpackSandbox(t testing.TB) unpackSandbox {
	t.Helper()
	parent := t.TempDir()
	s := unpackSandbox{parent: parent, dir: filepath.Join(parent, "snapshot"), outside: filepath.Join(parent, "outside")}
	for _, d := range []string{s.dir, s.outside, filepath.Join(s.outside, "sub")} {
		if err := os.Mkdir(d, 0o750); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(s.outside, "sentinel"), []byte("keep"), 0o640); err != nil {
		t.Fatal(err)
	}
	return s
}

// outsideState records every path under parent except the snapshot itself,
// with its mode and size: any change is a write outside the snapshot.
func (s unpackSandbox) outsideState(t testing.TB) map[string]string {
	t.Helper()
	state := map[string]string{}
	err := filepath.WalkDir(s.parent, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if p == s.dir {
			return filepath.SkipDir
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		state[p] = info.Mode().String() + " " + strings.Repeat("#", int(min(info.Size(), 64)))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return state
}

// linksInside returns every symbolic link under the snapshot directory.
func (s unpackSandbox) linksInside(t testing.TB) []string {
	t.Helper()
	var links []string
	_ = filepath.WalkDir(s.dir, func(p string, d fs.DirEntry, err error) error {
		if err == nil && d.Type()&fs.ModeSymlink != 0 {
			rel, _ := filepath.Rel(s.dir, p)
			links = append(links, rel)
		}
		return nil
	})
	return links
}

// craftedSnapshots are archives that try to leave the snapshot directory.
// The relative link targets point at the sandbox's "outside" directory from
// proc/1/exe (three levels up from the link's directory reaches parent).
func craftedSnapshots(t testing.TB, outside string) map[string][]byte {
	rel := "../../../outside"
	return map[string][]byte{
		"dotdot name":        snapshotOf(t, &tar.Header{Name: "../outside/evil", Typeflag: tar.TypeReg, Size: 1}),
		"absolute name":      snapshotOf(t, &tar.Header{Name: outside + "/evil", Typeflag: tar.TypeReg, Size: 1}),
		"dotdot inside name": snapshotOf(t, &tar.Header{Name: "a/b/../../../outside/evil", Typeflag: tar.TypeReg, Size: 1}),
		"write through absolute link": snapshotOf(t,
			&tar.Header{Name: "proc/1/exe", Typeflag: tar.TypeSymlink, Linkname: outside},
			&tar.Header{Name: "proc/1/exe/evil", Typeflag: tar.TypeReg, Size: 1}),
		"write through relative link": snapshotOf(t,
			&tar.Header{Name: "proc/1/exe", Typeflag: tar.TypeSymlink, Linkname: rel},
			&tar.Header{Name: "proc/1/exe/evil", Typeflag: tar.TypeReg, Size: 1}),
		"mkdir through relative link": snapshotOf(t,
			&tar.Header{Name: "proc/1/exe", Typeflag: tar.TypeSymlink, Linkname: rel},
			&tar.Header{Name: "proc/1/exe/sub/deeper/", Typeflag: tar.TypeDir, Mode: 0o777}),
		"chmod through link": snapshotOf(t,
			&tar.Header{Name: "proc/1/exe", Typeflag: tar.TypeSymlink, Linkname: rel},
			&tar.Header{Name: "proc/1/exe/", Typeflag: tar.TypeDir, Mode: 0o777},
			&tar.Header{Name: "proc/1/exe/sub/", Typeflag: tar.TypeDir, Mode: 0o777}),
		"link below a link": snapshotOf(t,
			&tar.Header{Name: "proc/1/exe", Typeflag: tar.TypeSymlink, Linkname: rel},
			&tar.Header{Name: "proc/1/exe/sub/proc/2/exe", Typeflag: tar.TypeSymlink, Linkname: rel}),
		"other link": snapshotOf(t,
			&tar.Header{Name: "etc", Typeflag: tar.TypeSymlink, Linkname: "/"},
			&tar.Header{Name: "etc/passwd", Typeflag: tar.TypeReg, Size: 1}),
		"hard link": snapshotOf(t, &tar.Header{Name: "l", Typeflag: tar.TypeLink, Linkname: "../outside/sentinel"}),
		"fifo":      snapshotOf(t, &tar.Header{Name: "proc/1/environ", Typeflag: tar.TypeFifo}),
		"device":    snapshotOf(t, &tar.Header{Name: "dev/zero", Typeflag: tar.TypeChar, Devmajor: 1, Devminor: 5}),
		"duplicate file": snapshotOf(t,
			&tar.Header{Name: "etc/a", Typeflag: tar.TypeReg, Size: 1},
			&tar.Header{Name: "./etc//a", Typeflag: tar.TypeReg, Size: 2}),
		"not gzip": []byte("plain"),
	}
}

func TestUnpackRefusesCraftedSnapshots(t *testing.T) {
	probe := newUnpackSandbox(t)
	for name := range craftedSnapshots(t, probe.outside) {
		t.Run(name, func(t *testing.T) {
			s := newUnpackSandbox(t)
			data := craftedSnapshots(t, s.outside)[name]
			before := s.outsideState(t)
			if err := Unpack(bytes.NewReader(data), s.dir); err == nil {
				t.Errorf("unpacked without error")
			}
			if after := s.outsideState(t); !maps.Equal(before, after) {
				t.Errorf("changed outside the snapshot:\nbefore %v\nafter  %v", before, after)
			}
		})
	}
}

func TestUnpackLimits(t *testing.T) {
	small := UnpackLimits{Entries: 4, Total: 3 << 20, File: 2 << 20, ProcFile: 1 << 20, NameBytes: 64}
	tests := []struct {
		name string
		hdrs []*tar.Header
		want string // in the error; "" means success
	}{
		{"within limits", []*tar.Header{{Name: "etc/a", Typeflag: tar.TypeReg, Size: 2 << 20}, {Name: "proc/1/environ", Typeflag: tar.TypeReg, Size: 1 << 20}}, ""},
		{"gzip bomb in one file", []*tar.Header{{Name: "etc/kubernetes/admin.conf", Typeflag: tar.TypeReg, Size: 2<<20 + 1}}, "MiB allowed"},
		{"large environ", []*tar.Header{{Name: "proc/1/environ", Typeflag: tar.TypeReg, Size: 1<<20 + 1}}, "MiB allowed"},
		{"total", []*tar.Header{{Name: "a", Typeflag: tar.TypeReg, Size: 2 << 20}, {Name: "b", Typeflag: tar.TypeReg, Size: 2 << 20}}, "more than 3 MiB"},
		{"entries", []*tar.Header{{Name: "a/", Typeflag: tar.TypeDir}, {Name: "b/", Typeflag: tar.TypeDir}, {Name: "c/", Typeflag: tar.TypeDir}, {Name: "d/", Typeflag: tar.TypeDir}, {Name: "e/", Typeflag: tar.TypeDir}}, "more than 4 entries"},
		{"long name", []*tar.Header{{Name: strings.Repeat("n/", 40), Typeflag: tar.TypeDir}}, "longer than 64 bytes"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := newUnpackSandbox(t)
			err := UnpackWithLimits(bytes.NewReader(snapshotOf(t, tc.hdrs...)), s.dir, small)
			switch {
			case tc.want == "" && err != nil:
				t.Fatalf("unexpected error: %v", err)
			case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
				t.Fatalf("error %v, want it to say %q", err, tc.want)
			}
		})
	}
}

// A real snapshot's layout unpacks: read-only directories get their files,
// and /proc/PID/exe is a link whose target can be read and is not followed.
func TestUnpackKeepsLayout(t *testing.T) {
	s := newUnpackSandbox(t)
	data := snapshotOf(t,
		&tar.Header{Name: "etc/kubernetes/", Typeflag: tar.TypeDir, Mode: 0o500},
		&tar.Header{Name: "etc/kubernetes/manifests/", Typeflag: tar.TypeDir, Mode: 0o500},
		&tar.Header{Name: "etc/kubernetes/manifests/etcd.yaml", Typeflag: tar.TypeReg, Size: 10, Mode: 0o400},
		&tar.Header{Name: "proc/1/exe", Typeflag: tar.TypeSymlink, Linkname: "/usr/bin/kubelet"},
		&tar.Header{Name: "proc/1/cmdline", Typeflag: tar.TypeReg, Size: 7},
	)
	if err := Unpack(bytes.NewReader(data), s.dir); err != nil {
		t.Fatal(err)
	}
	if b, err := os.ReadFile(filepath.Join(s.dir, "etc/kubernetes/manifests/etcd.yaml")); err != nil || len(b) != 10 {
		t.Fatalf("etcd.yaml: %q %v", b, err)
	}
	if target, err := os.Readlink(filepath.Join(s.dir, "proc/1/exe")); err != nil || target != "/usr/bin/kubelet" {
		t.Fatalf("proc/1/exe -> %q %v", target, err)
	}
	if got := s.linksInside(t); len(got) != 1 {
		t.Fatalf("links %v, want only proc/1/exe", got)
	}
}

// A snapshot handed in for an air-gapped audit is untrusted: unpacking any
// bytes must not panic, must never create, write or chmod anything outside
// its directory, and leaves no link but /proc/PID/exe. The crafted cases
// above are the seeds, so a regression fails on the seed corpus alone.
func FuzzUnpack(f *testing.F) {
	seed := newUnpackSandbox(f)
	for _, data := range craftedSnapshots(f, seed.outside) {
		f.Add(data)
	}
	f.Add(snapshotOf(f, &tar.Header{Name: "proc/1/cmdline", Typeflag: tar.TypeReg, Size: 4}))
	f.Add(snapshotOf(f, &tar.Header{Name: "proc/12/exe", Typeflag: tar.TypeSymlink, Linkname: "/usr/bin/etcd"}))
	f.Fuzz(func(t *testing.T, data []byte) {
		s := newUnpackSandbox(t)
		before := s.outsideState(t)
		_ = UnpackWithLimits(bytes.NewReader(data), s.dir, UnpackLimits{Entries: 64, Total: 1 << 20, File: 256 << 10, ProcFile: 64 << 10, NameBytes: 256})
		if after := s.outsideState(t); !maps.Equal(before, after) {
			t.Fatalf("changed outside the snapshot:\nbefore %v\nafter  %v", before, after)
		}
		for _, l := range s.linksInside(t) {
			if !procExe.MatchString(filepath.ToSlash(l)) {
				t.Fatalf("left a link %s", l)
			}
		}
	})
}
