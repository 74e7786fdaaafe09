package cluster

import (
	"errors"
	"testing"

	"github.com/kubeward/kubeward/internal/catalog"
	"github.com/kubeward/kubeward/internal/result"
)

// TestEncryptionResult: KW-CL-090 on each etcd sample: encrypted (PASS),
// plain text (FAIL), unreadable (ERROR) and no Secret (NOT_APPLICABLE).
func TestEncryptionResult(t *testing.T) {
	base := EtcdSample{Host: "api", Endpoint: "https://10.0.0.10:2379", Namespace: "apps", Name: "db",
		Key: "/registry/secrets/apps/db", Size: 120}
	for _, tc := range []struct {
		name     string
		mutate   func(*EtcdSample)
		status   result.Status
		message  string
		evidence string
	}{
		{"encrypted", func(s *EtcdSample) { s.Provider, s.KeyName = "aescbc", "key1" }, result.Pass,
			"Secret apps/db is encrypted in etcd by aescbc (key key1)", "etcd key /registry/secrets/apps/db: 120 bytes, prefix k8s:enc:aescbc"},
		{"plain text", func(*EtcdSample) {}, result.Fail,
			"Secret apps/db is stored in etcd in plain text", "etcd key /registry/secrets/apps/db: 120 bytes, no k8s:enc: prefix"},
		{"etcd unreadable", func(s *EtcdSample) { s.ReadErr = errors.New("context deadline exceeded") }, result.Error,
			"context deadline exceeded", "key /registry/secrets/apps/db"},
		{"list refused", func(s *EtcdSample) {
			*s = EtcdSample{Host: "api", Endpoint: s.Endpoint, ListErr: errors.New("forbidden")}
		}, result.Error,
			"cannot list Secrets to pick one: forbidden", ""},
		{"no secret", func(s *EtcdSample) { *s = EtcdSample{Host: "api", Endpoint: s.Endpoint, NoSecret: true} }, result.NotApplicable,
			"the cluster has no Secret to check", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := base
			tc.mutate(&s)
			r := EncryptionResult(s)
			if r.ID != EncryptionProven || r.Status != tc.status || r.Severity != catalog.SeverityCritical {
				t.Errorf("got %s %s %v, want KW-CL-090 %s critical", r.ID, r.Status, r.Severity, tc.status)
			}
			if r.Message.EN != tc.message || r.Message.ZH == "" || r.Evidence != tc.evidence {
				t.Errorf("message %+v evidence %q, want %q %q", r.Message, r.Evidence, tc.message, tc.evidence)
			}
			if r.Subject != (result.Subject{Kind: "Cluster", Name: "api"}) || r.Location == nil || r.Location.File != "https://10.0.0.10:2379" {
				t.Errorf("subject %+v location %+v", r.Subject, r.Location)
			}
		})
	}
}
