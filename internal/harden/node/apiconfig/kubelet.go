package apiconfig

import (
	"fmt"

	kubeletv1beta1 "k8s.io/kubelet/config/v1beta1"
	"sigs.k8s.io/yaml"
)

// ValidateKubeletConfig decodes data strictly into the kubelet's
// KubeletConfiguration (k8s.io/kubelet/config/v1beta1): an unknown field or
// a value of the wrong type is an error. The kubelet's own semantic
// validation lives in k8s.io/kubernetes, which this module does not
// import; the end-to-end test starts a real kubelet with the result.
func ValidateKubeletConfig(data []byte) error {
	var kc kubeletv1beta1.KubeletConfiguration
	if err := yaml.UnmarshalStrict(data, &kc); err != nil {
		return fmt.Errorf("KubeletConfiguration: %w", err)
	}
	if kc.Kind != "KubeletConfiguration" || kc.APIVersion != kubeletv1beta1.SchemeGroupVersion.String() {
		return fmt.Errorf("KubeletConfiguration: kind %q apiVersion %q", kc.Kind, kc.APIVersion)
	}
	return nil
}
