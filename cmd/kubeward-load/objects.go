package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"strings"
)

// reviewsFromFile builds the reviews from a file of objects, one JSON
// object per line (the supply-chain benchmark's pods), instead of the
// built-in mix.
func reviewsFromFile(path string) ([][]byte, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var out [][]byte
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 1<<20), 4<<20)
	line := 0
	for sc.Scan() {
		line++
		b := bytes.TrimSpace(sc.Bytes())
		if len(b) == 0 {
			continue
		}
		var o struct {
			APIVersion string `json:"apiVersion"`
			Kind       string `json:"kind"`
			Metadata   struct {
				Name, Namespace string
			} `json:"metadata"`
		}
		if err := json.Unmarshal(b, &o); err != nil || o.Kind == "" {
			return nil, fmt.Errorf("%s:%d: not a Kubernetes object in JSON", path, line)
		}
		group, version, ok := strings.Cut(o.APIVersion, "/")
		if !ok {
			group, version = "", o.APIVersion
		}
		rv := map[string]any{
			"apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview",
			"request": map[string]any{
				"uid":       fmt.Sprintf("load-file-%d", line),
				"kind":      map[string]string{"group": group, "version": version, "kind": o.Kind},
				"resource":  map[string]string{"group": group, "version": version, "resource": strings.ToLower(o.Kind) + "s"},
				"name":      o.Metadata.Name,
				"namespace": o.Metadata.Namespace,
				"operation": "CREATE",
				"userInfo":  map[string]any{"username": "load", "groups": []string{"system:authenticated"}},
				"object":    json.RawMessage(append([]byte(nil), b...)),
			},
		}
		rb, err := json.Marshal(rv)
		if err != nil {
			return nil, err
		}
		out = append(out, rb)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%s: no object", path)
	}
	return out, sc.Err()
}
