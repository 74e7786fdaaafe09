package admit

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"sync"

	admissionv1 "k8s.io/api/admission/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/kubeward/kubeward/internal/check/supplychain"
	"github.com/kubeward/kubeward/internal/inventory"
	"github.com/kubeward/kubeward/internal/source/registry"
)

// PullSecretsFunc returns the credentials of the named imagePullSecrets of
// a namespace (read through the API by `kubeward webhook --pull-secrets`).
type PullSecretsFunc func(ctx context.Context, namespace string, names []string) (registry.Keychain, error)

// supplyState is the verifier built for one policy: it is rebuilt when
// the policy is replaced, and its digest cache goes with it.
type supplyState struct {
	policy *Policy
	v      *registry.Verifier
	err    error
}

type supplyChain struct {
	mu    sync.Mutex
	state *supplyState
	// PullSecrets, when set, reads a pod's imagePullSecrets.
	pullSecrets PullSecretsFunc
}

// SetPullSecrets makes the handler verify images with the credentials of
// the pods' imagePullSecrets (the webhook's own credentials come after).
func (h *Handler) SetPullSecrets(f PullSecretsFunc) { h.supply.pullSecrets = f }

// NewSupplyChainVerifier checks that p's supply-chain configuration loads
// (keys, CA files, docker configs): the webhook calls it at start so a bad
// file stops it rather than denying every pod.
func NewSupplyChainVerifier(p *Policy) (*registry.Verifier, error) {
	if p == nil || p.cfg == nil || !p.cfg.SupplyChain.Enabled() {
		return nil, nil
	}
	reports, err := registry.LoadReports(p.cfg.SupplyChain.Reports)
	if err != nil {
		return nil, err
	}
	return registry.NewVerifier(&p.cfg.SupplyChain, reports, false)
}

// verifier returns the verifier of policy p, built once per policy; nil
// when p has no supply-chain policy.
func (h *Handler) verifier(p *Policy) (*registry.Verifier, error) {
	h.supply.mu.Lock()
	defer h.supply.mu.Unlock()
	if s := h.supply.state; s != nil && s.policy == p {
		return s.v, s.err
	}
	v, err := NewSupplyChainVerifier(p)
	h.supply.state = &supplyState{policy: p, v: v, err: err}
	return v, err
}

var errSupplyChainConfig = errors.New("kubeward: the supply-chain configuration does not load")

// annotateImages fills obj.Images from the registry when a supply-chain
// policy covers its namespace. An error (a key file that no longer loads)
// is returned for the caller to deny with: never an allow by default.
func (h *Handler) annotateImages(ctx context.Context, p *Policy, obj *inventory.Object) error {
	v, err := h.verifier(p)
	if err != nil {
		return errors.Join(errSupplyChainConfig, err)
	}
	if v == nil {
		return nil
	}
	if p.cfg.SupplyChain.PolicyFor(obj.Namespace) == nil {
		return nil
	}
	var pull registry.Keychain
	if w, ok := obj.Workload(); ok && h.supply.pullSecrets != nil && len(w.Spec.ImagePullSecrets) > 0 {
		names := make([]string, 0, len(w.Spec.ImagePullSecrets))
		for _, s := range w.Spec.ImagePullSecrets {
			names = append(names, s.Name)
		}
		kc, err := h.supply.pullSecrets(ctx, obj.Namespace, names)
		if err == nil {
			pull = kc
		} // else: the webhook's own credentials; a registry refusal says why
	}
	v.Annotate(ctx, obj, pull)
	return nil
}

func supplyChainError(resp *admissionv1.AdmissionResponse, err error) *admissionv1.AdmissionResponse {
	resp.Allowed = false
	resp.Result = &metav1.Status{Status: metav1.StatusFailure, Code: http.StatusInternalServerError, Reason: metav1.StatusReasonInternalError, Message: err.Error()}
	return resp
}

// pinOps rewrites each image referenced by tag whose digest verified (or
// needs no signature) to name@digest, so what runs is what was checked.
// An image that did not verify is left alone: /validate denies it.
func pinOps(w *inventory.Workload, images map[string]*inventory.Image) []patchOp {
	if images == nil {
		return nil
	}
	base := pointer(w.SpecPath)
	var ops []patchOp
	for _, list := range []struct {
		name string
		cs   []corev1.Container
	}{{"initContainers", w.Spec.InitContainers}, {"containers", w.Spec.Containers}} {
		for i := range list.cs {
			img := images[list.cs[i].Image]
			if img == nil || img.Error != "" || img.Digest == "" || img.PinnedDigest != "" ||
				(img.Signature != inventory.SigVerified && img.Signature != inventory.SigNotRequired) {
				continue
			}
			ops = append(ops, patchOp{"replace", base + "/" + list.name + "/" + strconv.Itoa(i) + "/image", supplychain.PinnedRef(img.Ref, img.Digest)})
		}
	}
	return ops
}
