package admit

import (
	"encoding/json"
	"errors"

	admissionv1 "k8s.io/api/admission/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/kubeward/kubeward/internal/inventory"
)

// decodeObject builds the inventory object of the request, or nil for kinds
// kubeward does not evaluate.
func decodeObject(req *admissionv1.AdmissionRequest) (*inventory.Object, error) {
	return decodeRaw(req, req.Object.Raw)
}

func decodeRaw(req *admissionv1.AdmissionRequest, raw []byte) (*inventory.Object, error) {
	typed := inventory.NewTyped(req.Kind.Group, req.Kind.Kind)
	if typed == nil {
		return nil, nil
	}
	if len(raw) == 0 {
		return nil, errors.New("the request carries no object")
	}
	if err := json.Unmarshal(raw, typed); err != nil {
		return nil, err
	}
	acc, ok := typed.(metav1.Object)
	if !ok {
		return nil, nil
	}
	o := &inventory.Object{
		Group: req.Kind.Group, Version: req.Kind.Version, Kind: req.Kind.Kind,
		Namespace: acc.GetNamespace(), Name: acc.GetName(),
		Labels: acc.GetLabels(), Annotations: acc.GetAnnotations(),
		Typed:  typed,
		Origin: "admission " + string(req.Operation),
	}
	if o.Name == "" {
		o.Name = req.Name
	}
	if o.Namespace == "" && !inventory.ClusterScoped(o.Kind) {
		o.Namespace = req.Namespace
	}
	if inventory.ClusterScoped(o.Kind) {
		o.Namespace = ""
	}
	return o, nil
}
