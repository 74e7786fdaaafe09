package apply

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/validation"
)

// RecordKind and RecordVersion identify an undo record file.
const (
	RecordKind    = "KubewardHardenRecord"
	RecordVersion = 1
	// MaxRecordSize bounds the file ParseRecord accepts.
	MaxRecordSize = 64 << 20
)

// Actions of a record entry.
const (
	// Created: kubeward created the object; undo deletes it (only it, and
	// only while its UID is the one recorded).
	Created = "created"
	// Changed: the object existed; Previous is its state before kubeward
	// applied, which undo restores.
	Changed = "changed"
)

// Record is what `harden cluster --apply` did, enough to undo it exactly.
type Record struct {
	Kind    string    `json:"kind"`
	Version int       `json:"version"`
	Server  string    `json:"server"`
	Time    time.Time `json:"time"`
	Entries []Entry   `json:"entries"`
}

// Entry is one object kubeward created or changed.
type Entry struct {
	Action     string `json:"action"`
	APIVersion string `json:"apiVersion"`
	Kind       string `json:"kind"`
	Namespace  string `json:"namespace,omitempty"`
	Name       string `json:"name"`
	// Applied is false until the server accepted the apply: an entry
	// recorded before a failure that was never applied is skipped by undo.
	Applied bool `json:"applied"`
	// UID and ResourceVersion are the object's after kubeward applied it:
	// undo refuses an object that changed since (unless forced) and never
	// deletes an object with another UID.
	UID             string `json:"uid,omitempty"`
	ResourceVersion string `json:"resourceVersion,omitempty"`
	// Previous is the object as it was before (Changed only), as the API
	// server returned it.
	Previous *unstructured.Unstructured `json:"previous,omitempty"`
}

// Ref names the entry's object.
func (e *Entry) Ref() Ref {
	return Ref{APIVersion: e.APIVersion, Kind: e.Kind, Namespace: e.Namespace, Name: e.Name}
}

// WriteRecordFile writes rec to file, replacing what an earlier call of the
// same run wrote (create it first with CreateRecordFile).
func WriteRecordFile(file string, rec *Record) error {
	data, err := json.MarshalIndent(rec, "", "  ")
	if err != nil {
		return fmt.Errorf("record %s: %w", file, err)
	}
	tmp := file + ".tmp"
	if err := os.WriteFile(tmp, append(data, '\n'), 0o600); err != nil {
		return fmt.Errorf("record %s: %w", file, err)
	}
	if err := os.Rename(tmp, file); err != nil {
		return fmt.Errorf("record %s: %w", file, err)
	}
	return nil
}

// CreateRecordFile creates an empty record file, refusing one that exists
// (an earlier run's record is never overwritten).
func CreateRecordFile(file string) error {
	f, err := os.OpenFile(file, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return fmt.Errorf("record: %w", err)
	}
	return f.Close()
}

// LoadRecord reads and validates a record file.
func LoadRecord(file string) (*Record, error) {
	f, err := os.Open(file)
	if err != nil {
		return nil, fmt.Errorf("record: %w", err)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, MaxRecordSize+1))
	if err != nil {
		return nil, fmt.Errorf("record %s: %w", file, err)
	}
	rec, err := ParseRecord(data)
	if err != nil {
		return nil, fmt.Errorf("record %s%w", file, err)
	}
	return rec, nil
}

// lineError is a parse error at a line of the record (its message starts
// with ":LINE: " so LoadRecord prefixes the file name).
func lineError(data []byte, offset int64, err error) error {
	if offset > int64(len(data)) {
		offset = int64(len(data))
	}
	line := 1 + bytes.Count(data[:offset], []byte("\n"))
	return fmt.Errorf(":%d: %w", line, err)
}

// ParseRecord decodes and validates a record: one JSON object of the
// current version, every entry of a kind kubeward manages with a valid name,
// a Changed entry's previous state naming the same object. Errors start
// with ":LINE: " or ": ".
func ParseRecord(data []byte) (*Record, error) {
	if len(data) > MaxRecordSize {
		return nil, fmt.Errorf(": larger than %d bytes, not a kubeward record", MaxRecordSize)
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var rec Record
	if err := dec.Decode(&rec); err != nil {
		var se *json.SyntaxError
		var te *json.UnmarshalTypeError
		switch {
		case errors.As(err, &se):
			return nil, lineError(data, se.Offset, err)
		case errors.As(err, &te):
			return nil, lineError(data, te.Offset, err)
		case errors.Is(err, io.EOF):
			return nil, errors.New(": empty file, not a kubeward record")
		}
		return nil, fmt.Errorf(": %w", err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, lineError(data, dec.InputOffset(), errors.New("data after the record"))
	}
	if rec.Kind != RecordKind || rec.Version != RecordVersion {
		return nil, fmt.Errorf(": kind %q version %d, want %s version %d", rec.Kind, rec.Version, RecordKind, RecordVersion)
	}
	for i := range rec.Entries {
		if err := rec.Entries[i].validate(); err != nil {
			return nil, fmt.Errorf(": entries[%d]: %w", i, err)
		}
	}
	return &rec, nil
}

func (e *Entry) validate() error {
	if e.Action != Created && e.Action != Changed {
		return fmt.Errorf("action %q, want %s or %s", e.Action, Created, Changed)
	}
	gvk := schema.FromAPIVersionAndKind(e.APIVersion, e.Kind)
	r, ok := kinds[gvk]
	if !ok {
		return fmt.Errorf("%s %s is not a kind kubeward harden applies", e.APIVersion, e.Kind)
	}
	if errs := validation.IsDNS1123Subdomain(e.Name); len(errs) > 0 {
		return fmt.Errorf("name %q: %s", e.Name, errs[0])
	}
	switch {
	case r.namespaced && e.Namespace == "":
		return fmt.Errorf("%s %s has no namespace", e.Kind, e.Name)
	case !r.namespaced && e.Namespace != "":
		return fmt.Errorf("%s %s is cluster-scoped but names namespace %q", e.Kind, e.Name, e.Namespace)
	case e.Namespace != "":
		if errs := validation.IsDNS1123Label(e.Namespace); len(errs) > 0 {
			return fmt.Errorf("namespace %q: %s", e.Namespace, errs[0])
		}
	}
	if e.Action == Created && e.Previous != nil {
		return fmt.Errorf("%s: a created object has no previous state", e.Ref())
	}
	if e.Action == Changed && e.Applied {
		p := e.Previous
		if p == nil || p.Object == nil {
			return fmt.Errorf("%s: a changed object needs its previous state", e.Ref())
		}
		if p.GetAPIVersion() != e.APIVersion || p.GetKind() != e.Kind || p.GetNamespace() != e.Namespace || p.GetName() != e.Name {
			return fmt.Errorf("%s: previous state is of %s %s %s/%s", e.Ref(), p.GetAPIVersion(), p.GetKind(), p.GetNamespace(), p.GetName())
		}
	}
	if e.Applied && e.UID == "" {
		return fmt.Errorf("%s: applied without the UID the server gave it", e.Ref())
	}
	return nil
}
