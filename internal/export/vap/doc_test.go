package vap_test

import (
	"os"
	"strings"
	"testing"
)

func readDoc(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile("../../../docs/vap.md")
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// rowOf returns the table row of id in doc.
func rowOf(doc, id string) string {
	for _, l := range strings.Split(doc, "\n") {
		if strings.HasPrefix(l, "| "+id+" |") {
			return l
		}
	}
	return ""
}
