package benchmark

import (
	"strings"
	"testing"
)

func TestShippedTables(t *testing.T) {
	bs, err := All()
	if err != nil {
		t.Fatal(err)
	}
	// The counts of recommendations in kube-bench cfg/cis-1.12 and
	// docker-bench-security's v1.6.0 tests.
	want := map[string]struct{ total, sections int }{
		CISKubernetes: {131, 16},
		CISDocker:     {117, 8},
	}
	for _, b := range bs {
		total, automated := b.Count()
		w, ok := want[b.ID]
		if !ok {
			t.Fatalf("unexpected benchmark %s", b.ID)
		}
		if total != w.total || len(b.Sections) != w.sections {
			t.Errorf("%s: %d recommendations in %d sections, want %d in %d", b.ID, total, len(b.Sections), w.total, w.sections)
		}
		if automated == 0 || automated == total {
			t.Errorf("%s: %d of %d automated", b.ID, automated, total)
		}
	}
	k, err := Get(CISKubernetes)
	if err != nil {
		t.Fatal(err)
	}
	r, s := k.Recommendation("1.2.24")
	if r == nil || s.ID != "1.2" || !strings.Contains(r.Title, "--tls-cert-file") || !r.Automated {
		t.Errorf("1.2.24 = %+v in %+v", r, s)
	}
	if r, _ := k.Recommendation("1.2.27"); r == nil || !strings.Contains(r.Title, "--encryption-provider-config") || r.Automated {
		t.Errorf("1.2.27 = %+v", r)
	}
	if r, _ := k.Recommendation("5.4.1"); r == nil || r.Note == nil || r.Note.ZH == "" {
		t.Errorf("5.4.1 has no bilingual note: %+v", r)
	}
	d, err := Get("cis-docker-1.6")
	if err != nil {
		t.Fatal(err)
	}
	if r, _ := d.Recommendation("5.12"); r == nil || !strings.Contains(r.Title, "CPU priority") {
		t.Errorf("docker 5.12 = %+v", r)
	}
	if r, _ := d.Recommendation("7.3"); r == nil || !r.Swarm {
		t.Errorf("docker 7.3 should be swarm-only: %+v", r)
	}
	if _, err := Get("cis-docker-9"); err == nil || !strings.Contains(err.Error(), "cis-kubernetes-1.12 or cis-docker-1.6.0") {
		t.Errorf("Get(unknown) = %v", err)
	}
}

func TestResolve(t *testing.T) {
	for _, tc := range []struct {
		ref, bench, id, err string
	}{
		{ref: "CIS Kubernetes v1.12 1.2.24", bench: CISKubernetes, id: "1.2.24"},
		{ref: "CIS Docker v1.6.0 5.12", bench: CISDocker, id: "5.12"},
		{ref: "Kubernetes docs: Auditing"},
		{ref: "NIST SP 800-190 4.4"},
		{ref: "CIS Kubernetes 1.2.27", err: "not a pinned reference"},
		{ref: "CIS Docker 5.31", err: "not a pinned reference"},
		{ref: "CIS Kubernetes v1.12 1.2.99", err: `has no recommendation "1.2.99"`},
		{ref: "CIS Kubernetes v1.12 1.2.9-1.2.14", err: "has no recommendation"},
		{ref: "CIS Docker v1.6.0 5.12 (related)", err: "has no recommendation"},
		{ref: "CIS Kubernetes v1.12 4 (Worker Nodes)", bench: CISKubernetes, id: ""},
		{ref: "CIS Kubernetes v1.12 5.2", bench: CISKubernetes, id: ""},
		{ref: "CIS Kubernetes v1.12 9 (Nothing)", err: "has no recommendation"},
	} {
		b, r, err := Resolve(tc.ref)
		switch {
		case tc.err != "":
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("Resolve(%q) error = %v, want %q", tc.ref, err, tc.err)
			}
		case err != nil:
			t.Errorf("Resolve(%q): %v", tc.ref, err)
		case tc.bench == "":
			if b != nil || r != nil {
				t.Errorf("Resolve(%q) = %v, %v, want nothing", tc.ref, b, r)
			}
		case tc.id == "":
			if b == nil || b.ID != tc.bench || r != nil {
				t.Errorf("Resolve(%q) = %v, %v, want the section of %s", tc.ref, b, r, tc.bench)
			}
		case b == nil || r == nil || b.ID != tc.bench || r.ID != tc.id:
			t.Errorf("Resolve(%q) = %v, %v", tc.ref, b, r)
		}
	}
}

func TestParseRejects(t *testing.T) {
	head := "id: x\ncite: CIS X v1\nname: X\nsource: here\n"
	for _, tc := range []struct{ name, doc, want string }{
		{"syntax", "id: [", "t.yaml: yaml:"},
		{"unknown key", head + "colour: red\n", "field colour not found"},
		{"no sections", head, "no sections"},
		{"section without zh", head + "sections:\n  - id: \"1\"\n    title: {en: One}\n    recommendations: []\n", "English and Chinese title"},
		{"empty section", head + "sections:\n  - id: \"1\"\n    title: {en: One, zh: 一}\n", "has no recommendations"},
		{"no audit", head + "sections:\n  - id: \"1\"\n    title: {en: One, zh: 一}\n    recommendations:\n      - {id: \"1.1\", title: T}\n", "t.yaml:9: recommendation \"1.1\": id, title and audit are required"},
		{"duplicate", head + "sections:\n  - id: \"1\"\n    title: {en: One, zh: 一}\n    recommendations:\n      - {id: \"1.1\", title: T, audit: a}\n      - {id: \"1.1\", title: T, audit: a}\n", "appears twice"},
		{"wrong section", head + "sections:\n  - id: \"1\"\n    title: {en: One, zh: 一}\n    recommendations:\n      - {id: \"2.1\", title: T, audit: a}\n", "not numbered within section 1"},
		{"note without zh", head + "sections:\n  - id: \"1\"\n    title: {en: One, zh: 一}\n    recommendations:\n      - {id: \"1.1\", title: T, audit: a, note: {en: N}}\n", "a note needs English and Chinese"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse("t.yaml", []byte(tc.doc))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("Parse error = %v, want %q", err, tc.want)
			}
		})
	}
}

func FuzzParse(f *testing.F) {
	for _, name := range []string{"cis-kubernetes-1.12.yaml", "cis-docker-1.6.0.yaml"} {
		data, err := files.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Add([]byte("id: x\ncite: c\nname: n\nsections:\n  - id: \"1\"\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		b, err := Parse("fuzz.yaml", data)
		if err != nil {
			if b != nil {
				t.Fatal("a table with an error")
			}
			return
		}
		total, _ := b.Count()
		if total == 0 {
			t.Fatal("a valid table without recommendations")
		}
	})
}
