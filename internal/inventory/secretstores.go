package inventory

import (
	"encoding/json"
	"sort"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
)

// The custom resources of the external secret stores the security plan
// prefers to Secrets written by hand (plan item 4.11): External Secrets
// Operator, Sealed Secrets and the Secrets Store CSI driver. Only the fields
// kubeward reads are declared; their shapes have kept the same across the
// API versions listed in init.

// ExternalSecret is external-secrets.io ExternalSecret (v1, v1beta1).
type ExternalSecret struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`
	Spec              ExternalSecretSpec `json:"spec,omitempty"`
}

// ExternalSecretSpec is the part of an ExternalSecret kubeward reads.
type ExternalSecretSpec struct {
	SecretStoreRef StoreRef             `json:"secretStoreRef,omitempty"`
	Target         ExternalSecretTarget `json:"target,omitempty"`
}

// StoreRef names a SecretStore (Kind empty) or ClusterSecretStore.
type StoreRef struct {
	Name string `json:"name,omitempty"`
	Kind string `json:"kind,omitempty"`
}

// ExternalSecretTarget is the Secret an ExternalSecret writes; Name
// defaults to the ExternalSecret's name.
type ExternalSecretTarget struct {
	Name string `json:"name,omitempty"`
}

// TargetName is the name of the Secret the ExternalSecret creates.
func (e *ExternalSecret) TargetName() string {
	if e.Spec.Target.Name != "" {
		return e.Spec.Target.Name
	}
	return e.Name
}

// SecretStore is external-secrets.io SecretStore or ClusterSecretStore.
type SecretStore struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`
	Spec              struct {
		// Provider holds one key naming the backend (vault, aws, gcpsm...).
		Provider map[string]json.RawMessage `json:"provider,omitempty"`
	} `json:"spec,omitempty"`
}

// ProviderName is the backend of the store ("vault"), or "" when unset.
func (s *SecretStore) ProviderName() string {
	names := make([]string, 0, len(s.Spec.Provider))
	for k := range s.Spec.Provider {
		names = append(names, k)
	}
	sort.Strings(names)
	if len(names) == 0 {
		return ""
	}
	return names[0]
}

// SealedSecret is bitnami.com/v1alpha1 SealedSecret.
type SealedSecret struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`
	Spec              struct {
		EncryptedData map[string]string `json:"encryptedData,omitempty"`
		Template      struct {
			metav1.ObjectMeta `json:"metadata,omitempty"`
		} `json:"template,omitempty"`
	} `json:"spec,omitempty"`
}

// TargetName is the name of the Secret the controller unseals it into:
// always the SealedSecret's own name.
func (s *SealedSecret) TargetName() string { return s.Name }

// SecretProviderClass is secrets-store.csi.x-k8s.io SecretProviderClass
// (v1, v1alpha1): what a Secrets Store CSI volume mounts.
type SecretProviderClass struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`
	Spec              struct {
		Provider      string `json:"provider,omitempty"`
		SecretObjects []struct {
			SecretName string `json:"secretName,omitempty"`
		} `json:"secretObjects,omitempty"`
	} `json:"spec,omitempty"`
}

// The API groups of the stores.
const (
	ExternalSecretsGroup = "external-secrets.io"
	SealedSecretsGroup   = "bitnami.com"
	SecretsStoreCSIGroup = "secrets-store.csi.x-k8s.io"
)

func init() {
	known[GroupKind{ExternalSecretsGroup, "ExternalSecret"}] = func() any { return &ExternalSecret{} }
	known[GroupKind{ExternalSecretsGroup, "SecretStore"}] = func() any { return &SecretStore{} }
	known[GroupKind{ExternalSecretsGroup, "ClusterSecretStore"}] = func() any { return &SecretStore{} }
	known[GroupKind{SealedSecretsGroup, "SealedSecret"}] = func() any { return &SealedSecret{} }
	known[GroupKind{SecretsStoreCSIGroup, "SecretProviderClass"}] = func() any { return &SecretProviderClass{} }
	clusterScoped["ClusterSecretStore"] = true
}

// DeepCopyObject makes the store types runtime.Objects, so the API source
// lists them like the built-in kinds. kubeward never changes an object it
// read: a copy of the top level is enough.
func (e *ExternalSecret) DeepCopyObject() runtime.Object { c := *e; return &c }

// DeepCopyObject: see ExternalSecret.DeepCopyObject.
func (s *SecretStore) DeepCopyObject() runtime.Object { c := *s; return &c }

// DeepCopyObject: see ExternalSecret.DeepCopyObject.
func (s *SealedSecret) DeepCopyObject() runtime.Object { c := *s; return &c }

// DeepCopyObject: see ExternalSecret.DeepCopyObject.
func (s *SecretProviderClass) DeepCopyObject() runtime.Object { c := *s; return &c }
