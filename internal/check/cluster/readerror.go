package cluster

import (
	"fmt"

	"github.com/kubeward/kubeward/internal/catalog"
	"github.com/kubeward/kubeward/internal/check"
	"github.com/kubeward/kubeward/internal/result"
)

// ReadError is the check a resource the API server refused to list reports
// under: the scan goes on, and the report says what it could not see.
const ReadError = "KW-CL-000"

func init() {
	check.Register(check.Spec{ID: ReadError, Item: "4.3", Severity: catalog.SeverityMedium, Scope: check.Cluster,
		Title:       catalog.Text{EN: "A resource could not be read from the API server", ZH: "无法从 API Server 读取某类资源"},
		Remediation: catalog.Text{EN: "Grant kubeward the read-only ClusterRole in deploy/rbac/kubeward-reader.yaml.", ZH: "为 kubeward 授予 deploy/rbac/kubeward-reader.yaml 中的只读 ClusterRole。"}})
}

// ListRefused is a list the API server at host refused: the verb, the
// resource and the error it answered.
type ListRefused struct {
	Host, Verb, Resource string
	Err                  error
}

// ReadErrorResult is the KW-CL-000 ERROR of a refused list.
func ReadErrorResult(f ListRefused) result.Result {
	return result.Result{ID: ReadError, Status: result.Error, Severity: check.Severity(ReadError),
		Subject: result.Subject{Kind: "Cluster", Name: f.Host}, Message: catalog.F("%s", "%s", f.Err.Error()),
		Evidence: fmt.Sprintf("verb=%s resource=%s", f.Verb, f.Resource)}
}
