package cli

import (
	"context"
	"fmt"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/kubeward/kubeward/internal/source/kube"
)

// injectCABundle writes caPEM into every webhook of the validating and
// mutating webhook configurations named name, so a --self-signed webhook
// is trusted by the API server without a separate step. It returns the
// number of webhooks updated; a configuration that does not exist is skipped.
func injectCABundle(ctx context.Context, kubeconfig, name string, caPEM []byte) (int, error) {
	c, err := kube.Connect(kube.Options{Kubeconfig: kubeconfig})
	if err != nil {
		return 0, err
	}
	api := c.Typed.AdmissionregistrationV1()
	n, found := 0, false
	if v, err := api.ValidatingWebhookConfigurations().Get(ctx, name, metav1.GetOptions{}); err == nil {
		found = true
		for i := range v.Webhooks {
			v.Webhooks[i].ClientConfig.CABundle = caPEM
		}
		if _, err := api.ValidatingWebhookConfigurations().Update(ctx, v, metav1.UpdateOptions{}); err != nil {
			return n, fmt.Errorf("updating ValidatingWebhookConfiguration %s: %w", name, err)
		}
		n += len(v.Webhooks)
	} else if !apierrors.IsNotFound(err) {
		return n, kube.Explain(c.Host, err)
	}
	if m, err := api.MutatingWebhookConfigurations().Get(ctx, name, metav1.GetOptions{}); err == nil {
		found = true
		for i := range m.Webhooks {
			m.Webhooks[i].ClientConfig.CABundle = caPEM
		}
		if _, err := api.MutatingWebhookConfigurations().Update(ctx, m, metav1.UpdateOptions{}); err != nil {
			return n, fmt.Errorf("updating MutatingWebhookConfiguration %s: %w", name, err)
		}
		n += len(m.Webhooks)
	} else if !apierrors.IsNotFound(err) {
		return n, kube.Explain(c.Host, err)
	}
	if !found {
		return 0, fmt.Errorf("no Validating- or MutatingWebhookConfiguration named %s", name)
	}
	return n, nil
}
