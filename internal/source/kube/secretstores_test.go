package kube

import (
	"context"
	"testing"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	dynamicfake "k8s.io/client-go/dynamic/fake"
	k8stesting "k8s.io/client-go/testing"

	"github.com/kubeward/kubeward/internal/inventory"
)

// TestStoreLister: ExternalSecrets come typed from the first served
// version (v1 missing: v1beta1); a store whose CRD is not installed lists
// as empty; a refused list is an error.
func TestStoreLister(t *testing.T) {
	es := &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "external-secrets.io/v1beta1", "kind": "ExternalSecret",
		"metadata": map[string]any{"name": "db", "namespace": "apps"},
		"spec":     map[string]any{"secretStoreRef": map[string]any{"name": "vault", "kind": "ClusterSecretStore"}, "target": map[string]any{"name": "db-creds"}},
	}}
	v1 := schema.GroupVersionResource{Group: "external-secrets.io", Version: "v1", Resource: "externalsecrets"}
	v1beta1 := schema.GroupVersionResource{Group: "external-secrets.io", Version: "v1beta1", Resource: "externalsecrets"}
	d := dynamicfake.NewSimpleDynamicClientWithCustomListKinds(runtime.NewScheme(),
		map[schema.GroupVersionResource]string{v1: "ExternalSecretList", v1beta1: "ExternalSecretList",
			{Group: "bitnami.com", Version: "v1alpha1", Resource: "sealedsecrets"}:                  "SealedSecretList",
			{Group: "secrets-store.csi.x-k8s.io", Version: "v1", Resource: "secretproviderclasses"}: "SecretProviderClassList"}, es)
	d.PrependReactor("list", "externalsecrets", func(a k8stesting.Action) (bool, runtime.Object, error) {
		if a.GetResource().Version == "v1" {
			return true, nil, apierrors.NewNotFound(v1.GroupResource(), "")
		}
		return false, nil, nil
	})
	c := &Client{}
	dynamicClients.Store(c, d)
	defer dynamicClients.Delete(c)

	list := storeLister("external-secrets.io", "ExternalSecret", "externalsecrets", []string{"v1", "v1beta1"})
	obj, err := list(c, context.Background(), "apps", metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	items := obj.(*storeList).Items
	if len(items) != 1 {
		t.Fatalf("items %v", items)
	}
	got, ok := items[0].(*inventory.ExternalSecret)
	if !ok || got.TargetName() != "db-creds" || got.Spec.SecretStoreRef.Kind != "ClusterSecretStore" || got.Namespace != "apps" {
		t.Errorf("item %#v", items[0])
	}
	o := toObject(resource{"external-secrets.io", "v1", "ExternalSecret", "externalsecrets", true, nil}, items[0])
	if o == nil || o.Name != "db" || o.Origin != "/apis/external-secrets.io/v1/namespaces/apps/externalsecrets/db" {
		t.Errorf("object %+v", o)
	}

	d.PrependReactor("list", "sealedsecrets", func(a k8stesting.Action) (bool, runtime.Object, error) {
		return true, nil, apierrors.NewNotFound(schema.GroupResource{Group: "bitnami.com", Resource: "sealedsecrets"}, "")
	})
	obj, err = storeLister("bitnami.com", "SealedSecret", "sealedsecrets", []string{"v1alpha1"})(c, context.Background(), "", metav1.ListOptions{})
	if err != nil || len(obj.(*storeList).Items) != 0 {
		t.Errorf("CRD absent: %v %v", obj, err)
	}
	d.PrependReactor("list", "secretproviderclasses", func(a k8stesting.Action) (bool, runtime.Object, error) {
		return true, nil, apierrors.NewForbidden(schema.GroupResource{Group: "secrets-store.csi.x-k8s.io", Resource: "secretproviderclasses"}, "", nil)
	})
	if _, err := storeLister("secrets-store.csi.x-k8s.io", "SecretProviderClass", "secretproviderclasses", []string{"v1"})(c, context.Background(), "", metav1.ListOptions{}); !apierrors.IsForbidden(err) {
		t.Errorf("refused list: %v", err)
	}
}
