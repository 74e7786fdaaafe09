package checktest

import (
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/kubeward/kubeward/internal/inventory"
)

// issue17Cases are the fixtures of the secret-source checks (issue 17).
func issue17Cases() []Fixture {
	es := &inventory.ExternalSecret{ObjectMeta: metav1.ObjectMeta{Name: "db", Namespace: "apps"}}
	es.Spec.SecretStoreRef = inventory.StoreRef{Kind: "ClusterSecretStore", Name: "vault"}
	chartValue := func(source string) *inventory.Object {
		cv := &inventory.ChartValue{ObjectMeta: metav1.ObjectMeta{Name: "app:auth.password"}, Chart: "app", Key: "auth.password",
			Flows: []string{"Secret/release-db"}, Source: source, Length: 12, ValuesFile: "values.yaml", Line: 4}
		return Object(inventory.ChartValueGroup, inventory.ChartValueKind, cv)
	}
	return []Fixture{
		{ID: "KW-SEC-006", Fail: []*inventory.Object{chartValue(inventory.ChartValueLiteral)},
			Pass: []*inventory.Object{chartValue(inventory.ChartValueRequired), chartValue(inventory.ChartValueGenerated), chartValue(inventory.ChartValueCommandLine)}},
		{ID: "KW-SEC-004", Fail: []*inventory.Object{Container(func(c *corev1.Container) {
			c.Env = append(c.Env, corev1.EnvVar{Name: "DB_PASSWORD", Value: "Tr0ub4dor&3"})
		})}, Pass: []*inventory.Object{Object(inventory.ExternalSecretsGroup, "ExternalSecret", es), Container(func(c *corev1.Container) {
			c.Env = append(c.Env, corev1.EnvVar{Name: "DB_PASSWORD", ValueFrom: &corev1.EnvVarSource{SecretKeyRef: &corev1.SecretKeySelector{
				LocalObjectReference: corev1.LocalObjectReference{Name: "db"}, Key: "password"}}})
		})}},
	}
}
