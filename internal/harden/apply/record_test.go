package apply

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

func validRecord() *Record {
	prev := &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "v1", "kind": "Namespace",
		"metadata": map[string]any{"name": "payments", "uid": "u-1", "resourceVersion": "10", "labels": map[string]any{"team": "pay"}},
	}}
	return &Record{Kind: RecordKind, Version: RecordVersion, Server: "https://127.0.0.1:6443", Time: time.Date(2026, 12, 6, 1, 0, 0, 0, time.UTC),
		Entries: []Entry{
			{Action: Changed, APIVersion: "v1", Kind: "Namespace", Name: "payments", Applied: true, UID: "u-1", ResourceVersion: "11", Previous: prev},
			{Action: Created, APIVersion: "networking.k8s.io/v1", Kind: "NetworkPolicy", Namespace: "payments", Name: "kubeward-default-deny", Applied: true, UID: "u-2", ResourceVersion: "12"},
			{Action: Created, APIVersion: "v1", Kind: "ResourceQuota", Namespace: "payments", Name: "kubeward-quota"},
		}}
}

func TestRecordRoundTrip(t *testing.T) {
	file := filepath.Join(t.TempDir(), "undo.json")
	if err := CreateRecordFile(file); err != nil {
		t.Fatal(err)
	}
	if err := CreateRecordFile(file); err == nil {
		t.Error("an existing record file was created again")
	}
	rec := validRecord()
	if err := WriteRecordFile(file, rec); err != nil {
		t.Fatal(err)
	}
	if st, _ := os.Stat(file); st.Mode().Perm() != 0o600 {
		t.Errorf("record mode %v, want 0600 (it holds objects' previous states)", st.Mode().Perm())
	}
	got, err := LoadRecord(file)
	if err != nil {
		t.Fatal(err)
	}
	a, _ := json.Marshal(rec)
	b, _ := json.Marshal(got)
	if string(a) != string(b) {
		t.Errorf("round trip:\n%s\n%s", a, b)
	}
}

func TestParseRecordRejects(t *testing.T) {
	mutate := func(f func(r *Record)) string {
		r := validRecord()
		f(r)
		b, _ := json.MarshalIndent(r, "", "  ")
		return string(b)
	}
	for _, tc := range []struct{ name, data, want string }{
		{"empty", "", "empty file"},
		{"syntax", "{\n  \"kind\": \"KubewardHardenRecord\",\n  oops\n}", ":3: invalid character"},
		{"type", "{\n\"kind\": 5}", ":2: json: cannot unmarshal"},
		{"unknown field", `{"kind":"KubewardHardenRecord","version":1,"extra":1}`, "unknown field \"extra\""},
		{"trailing", mutate(func(*Record) {}) + "\n{}", "data after the record"},
		{"kind", mutate(func(r *Record) { r.Kind = "Other" }), "want KubewardHardenRecord version 1"},
		{"version", mutate(func(r *Record) { r.Version = 2 }), "version 2"},
		{"action", mutate(func(r *Record) { r.Entries[1].Action = "deleted" }), "entries[1]: action \"deleted\""},
		{"kind not applied", mutate(func(r *Record) { r.Entries[1].APIVersion, r.Entries[1].Kind = "v1", "Secret" }), "v1 Secret is not a kind kubeward harden applies"},
		{"bad name", mutate(func(r *Record) { r.Entries[1].Name = "../etc" }), "name \"../etc\""},
		{"no namespace", mutate(func(r *Record) { r.Entries[1].Namespace = "" }), "has no namespace"},
		{"cluster-scoped with namespace", mutate(func(r *Record) { r.Entries[0].Namespace = "x"; r.Entries[0].Previous.SetNamespace("x") }), "cluster-scoped"},
		{"changed without previous", mutate(func(r *Record) { r.Entries[0].Previous = nil }), "needs its previous state"},
		{"previous of another object", mutate(func(r *Record) { r.Entries[0].Previous.SetName("other") }), "previous state is of v1 Namespace /other"},
		{"created with previous", mutate(func(r *Record) { r.Entries[1].Previous = r.Entries[0].Previous }), "a created object has no previous state"},
		{"applied without uid", mutate(func(r *Record) { r.Entries[1].UID = "" }), "without the UID"},
	} {
		_, err := ParseRecord([]byte(tc.data))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: err %v, want %q", tc.name, err, tc.want)
		}
	}
	file := filepath.Join(t.TempDir(), "bad.json")
	os.WriteFile(file, []byte("{\n\n  nope"), 0o600)
	if _, err := LoadRecord(file); err == nil || !strings.HasPrefix(err.Error(), "record "+file+":3: ") {
		t.Errorf("LoadRecord names file and line: %v", err)
	}
}

// FuzzParseRecord: any input is refused with an error or parsed into a
// record that validates again after a round trip; never a panic.
func FuzzParseRecord(f *testing.F) {
	b, _ := json.Marshal(validRecord())
	f.Add(b)
	f.Add([]byte(`{"kind":"KubewardHardenRecord","version":1,"entries":[{"action":"changed","apiVersion":"v1","kind":"Namespace","name":"a","applied":true,"uid":"x","previous":{"apiVersion":"v1","kind":"Namespace","metadata":{"name":"a"}}}]}`))
	f.Add([]byte(`{"kind":"KubewardHardenRecord","version":1,"entries":[{"previous":{}}]}`))
	f.Add([]byte("null"))
	f.Fuzz(func(t *testing.T, data []byte) {
		rec, err := ParseRecord(data)
		if err != nil {
			if !strings.HasPrefix(err.Error(), ":") {
				t.Fatalf("error does not start with ':' for the file name: %v", err)
			}
			return
		}
		again, err := json.Marshal(rec)
		if err != nil {
			t.Fatalf("a parsed record does not encode: %v", err)
		}
		if _, err := ParseRecord(again); err != nil {
			t.Fatalf("a parsed record does not parse again: %v\n%s", err, again)
		}
	})
}
