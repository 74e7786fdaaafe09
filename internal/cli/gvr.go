package cli

import "k8s.io/apimachinery/pkg/runtime/schema"

func schemaSecrets() schema.GroupVersionResource {
	return schema.GroupVersionResource{Version: "v1", Resource: "secrets"}
}
