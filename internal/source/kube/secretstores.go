package kube

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/dynamic"

	"github.com/kubeward/kubeward/internal/inventory"
)

// The custom resources of the external secret stores (External Secrets
// Operator, Sealed Secrets, the Secrets Store CSI driver), listed when their
// CRDs are installed: a cluster without them simply has none (a 404 on
// every served version is no error), while a refused list is reported like
// any other. The first version the server serves is read, newest first.
func init() {
	for _, s := range []struct {
		group, kind, plural string
		versions            []string
		namespaced          bool
	}{
		{inventory.ExternalSecretsGroup, "ExternalSecret", "externalsecrets", []string{"v1", "v1beta1"}, true},
		{inventory.ExternalSecretsGroup, "SecretStore", "secretstores", []string{"v1", "v1beta1"}, true},
		{inventory.ExternalSecretsGroup, "ClusterSecretStore", "clustersecretstores", []string{"v1", "v1beta1"}, false},
		{inventory.SealedSecretsGroup, "SealedSecret", "sealedsecrets", []string{"v1alpha1"}, true},
		{inventory.SecretsStoreCSIGroup, "SecretProviderClass", "secretproviderclasses", []string{"v1", "v1alpha1"}, true},
	} {
		resources = append(resources, resource{s.group, s.versions[0], s.kind, s.plural, s.namespaced, storeLister(s.group, s.kind, s.plural, s.versions)})
	}
}

// storeList is a page of a store resource, its items decoded into the
// inventory's types.
type storeList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []runtime.Object
}

func (l *storeList) DeepCopyObject() runtime.Object {
	c := *l
	c.Items = append([]runtime.Object(nil), l.Items...)
	return &c
}

var dynamicClients sync.Map // *Client -> dynamic.Interface

func (c *Client) dynamic() (dynamic.Interface, error) {
	if d, ok := dynamicClients.Load(c); ok {
		return d.(dynamic.Interface), nil
	}
	d, err := dynamic.NewForConfig(c.Config)
	if err != nil {
		return nil, err
	}
	dynamicClients.Store(c, d)
	return d, nil
}

func storeLister(group, kind, plural string, versions []string) func(*Client, context.Context, string, metav1.ListOptions) (runtime.Object, error) {
	return func(c *Client, ctx context.Context, ns string, o metav1.ListOptions) (runtime.Object, error) {
		d, err := c.dynamic()
		if err != nil {
			return nil, err
		}
		for _, v := range versions {
			ri := d.Resource(schema.GroupVersionResource{Group: group, Version: v, Resource: plural})
			var lister dynamic.ResourceInterface = ri
			if ns != "" {
				lister = ri.Namespace(ns)
			}
			list, err := lister.List(ctx, o)
			if apierrors.IsNotFound(err) {
				continue
			}
			if err != nil {
				return nil, err
			}
			out := &storeList{ListMeta: metav1.ListMeta{Continue: list.GetContinue(), ResourceVersion: list.GetResourceVersion()}}
			for i := range list.Items {
				data, err := list.Items[i].MarshalJSON()
				if err != nil {
					return nil, err
				}
				typed := inventory.NewTyped(group, kind)
				if err := json.Unmarshal(data, typed); err != nil {
					return nil, fmt.Errorf("%s %s/%s: %w", kind, list.Items[i].GetNamespace(), list.Items[i].GetName(), err)
				}
				obj, ok := typed.(runtime.Object)
				if !ok {
					return nil, fmt.Errorf("%s: no runtime.Object", kind)
				}
				out.Items = append(out.Items, obj)
			}
			return out, nil
		}
		return &storeList{}, nil // the CRD is not installed
	}
}
