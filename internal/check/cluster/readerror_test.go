package cluster

import (
	"errors"
	"strings"
	"testing"

	"github.com/kubeward/kubeward/internal/catalog"
	"github.com/kubeward/kubeward/internal/result"
)

// TestReadErrorResult: a list the API server refused is one KW-CL-000
// ERROR on the cluster, naming the verb and the resource.
func TestReadErrorResult(t *testing.T) {
	r := ReadErrorResult(ListRefused{Host: "https://10.0.0.1:6443", Verb: "list", Resource: "secrets",
		Err: errors.New(`secrets is forbidden: User "reader" cannot list resource "secrets"`)})
	if r.ID != ReadError || r.Status != result.Error || r.Severity != catalog.SeverityMedium {
		t.Errorf("got %s %s %v, want KW-CL-000 ERROR medium", r.ID, r.Status, r.Severity)
	}
	if r.Subject.Kind != "Cluster" || r.Subject.Name != "https://10.0.0.1:6443" {
		t.Errorf("subject = %+v", r.Subject)
	}
	if r.Evidence != "verb=list resource=secrets" || !strings.Contains(r.Message.EN, `User "reader"`) || r.Message.ZH == "" {
		t.Errorf("evidence %q, message %+v", r.Evidence, r.Message)
	}
}
