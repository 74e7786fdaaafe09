package admit

import (
	"context"
	"encoding/json"
	"strconv"
	"strings"

	admissionv1 "k8s.io/api/admission/v1"
	corev1 "k8s.io/api/core/v1"

	"github.com/kubeward/kubeward/internal/inventory"
)

// patchOp is one RFC 6902 operation.
type patchOp struct {
	Op    string `json:"op"`
	Path  string `json:"path"`
	Value any    `json:"value,omitempty"`
}

// mutate adds the policy's opt-in safe defaults to pod-bearing objects as a
// JSONPatch. It only ever adds fields that are unset: an explicit value,
// even an unsafe one, is left for /validate to judge.
func (h *Handler) mutate(ctx context.Context, p *Policy, view *nsView, req *admissionv1.AdmissionRequest, obj *inventory.Object, resp *admissionv1.AdmissionResponse) (*admissionv1.AdmissionResponse, []Decision) {
	m := p.Mutate
	pin := p.cfg != nil && p.cfg.SupplyChain.PinDigests
	if !m.SeccompRuntimeDefault && !m.AllowPrivilegeEscalationFalse && !m.AutomountServiceAccountTokenFalse && !pin {
		return resp, nil
	}
	w, ok := obj.Workload()
	if !ok {
		return resp, nil
	}
	if p.exemption("mutate", view.nsName(req), req.UserInfo.Username, req.UserInfo.Groups) != nil {
		return resp, nil
	}
	ops := PatchFor(w, m)
	if pin && h.annotateImages(ctx, p, obj) == nil {
		ops = append(ops, pinOps(w, obj.Images)...) // supplychain.go
	}
	if len(ops) == 0 {
		return resp, nil
	}
	b, err := json.Marshal(ops)
	if err != nil {
		return resp, nil
	}
	pt := admissionv1.PatchTypeJSONPatch
	resp.Patch = b
	resp.PatchType = &pt
	return resp, []Decision{{ID: "mutate", Mode: "patched", Message: strconv.Itoa(len(ops)) + " operations"}}
}

func (v *nsView) nsName(req *admissionv1.AdmissionRequest) string {
	if req.Kind.Kind == "Namespace" {
		return req.Name
	}
	return req.Namespace
}

func pointer(fieldPath string) string {
	return "/" + strings.ReplaceAll(fieldPath, ".", "/")
}

// PatchFor returns the operations that set m's defaults on a pod template.
func PatchFor(w *inventory.Workload, m Mutate) []patchOp {
	spec := w.Spec
	base := pointer(w.SpecPath)
	var ops []patchOp
	if m.SeccompRuntimeDefault {
		rd := map[string]any{"type": string(corev1.SeccompProfileTypeRuntimeDefault)}
		switch {
		case spec.SecurityContext == nil:
			ops = append(ops, patchOp{"add", base + "/securityContext", map[string]any{"seccompProfile": rd}})
		case spec.SecurityContext.SeccompProfile == nil:
			ops = append(ops, patchOp{"add", base + "/securityContext/seccompProfile", rd})
		}
	}
	if m.AllowPrivilegeEscalationFalse {
		for _, list := range []struct {
			name string
			cs   []corev1.Container
		}{{"containers", spec.Containers}, {"initContainers", spec.InitContainers}} {
			for i := range list.cs {
				c := &list.cs[i]
				at := base + "/" + list.name + "/" + strconv.Itoa(i) + "/securityContext"
				sc := c.SecurityContext
				if sc != nil && (sc.AllowPrivilegeEscalation != nil || (sc.Privileged != nil && *sc.Privileged) || addsSysAdmin(sc)) {
					continue // explicit, or the API server would reject false
				}
				if sc == nil {
					ops = append(ops, patchOp{"add", at, map[string]any{"allowPrivilegeEscalation": false}})
				} else {
					ops = append(ops, patchOp{"add", at + "/allowPrivilegeEscalation", false})
				}
			}
		}
	}
	if m.AutomountServiceAccountTokenFalse && spec.AutomountServiceAccountToken == nil {
		ops = append(ops, patchOp{"add", base + "/automountServiceAccountToken", false})
	}
	return ops
}

func addsSysAdmin(sc *corev1.SecurityContext) bool {
	if sc.Capabilities == nil {
		return false
	}
	for _, c := range sc.Capabilities.Add {
		if strings.EqualFold(strings.TrimPrefix(strings.ToUpper(string(c)), "CAP_"), "SYS_ADMIN") {
			return true
		}
	}
	return false
}
