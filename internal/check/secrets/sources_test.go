package secrets_test

import (
	"encoding/json"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/kubeward/kubeward/internal/check"
	"github.com/kubeward/kubeward/internal/check/checktest"
	"github.com/kubeward/kubeward/internal/check/secrets"
	"github.com/kubeward/kubeward/internal/inventory"
	"github.com/kubeward/kubeward/internal/result"
)

func externalSecret(name, target, storeKind, store string) *inventory.Object {
	es := &inventory.ExternalSecret{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "apps"}}
	es.Spec.Target.Name = target
	es.Spec.SecretStoreRef = inventory.StoreRef{Kind: storeKind, Name: store}
	return checktest.Object(inventory.ExternalSecretsGroup, "ExternalSecret", es)
}

func vaultStore(kind, name string) *inventory.Object {
	s := &inventory.SecretStore{ObjectMeta: metav1.ObjectMeta{Name: name}}
	if kind == "SecretStore" {
		s.Namespace = "apps"
	}
	s.Spec.Provider = map[string]json.RawMessage{"vault": json.RawMessage(`{"server":"https://vault.bank.internal"}`)}
	return checktest.Object(inventory.ExternalSecretsGroup, kind, s)
}

func sealedSecret(name string) *inventory.Object {
	s := &inventory.SealedSecret{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "apps"}}
	s.Spec.EncryptedData = map[string]string{"password": "AgBy3i4OJSWK+PiTySYZZA=="}
	return checktest.Object(inventory.SealedSecretsGroup, "SealedSecret", s)
}

func secretWithValue(name string) *inventory.Object {
	return checktest.ObjectAt("", "Secret", &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "apps"},
		StringData: map[string]string{"password": "Tr0ub4dor&3-do-not-print"}}, "secret.yaml", 3)
}

func envFromSecret(name string) *inventory.Object {
	return checktest.Container(func(c *corev1.Container) {
		c.Env = append(c.Env, corev1.EnvVar{Name: "DB_PASSWORD", ValueFrom: &corev1.EnvVarSource{SecretKeyRef: &corev1.SecretKeySelector{
			LocalObjectReference: corev1.LocalObjectReference{Name: name}, Key: "password"}}})
	})
}

func find(rep *check.Report, id string, kind string) *result.Result {
	for i := range rep.Results {
		if r := &rep.Results[i]; r.ID == id && r.Subject.Kind == kind {
			return r
		}
	}
	return nil
}

// TestWorkloadSource (KW-SEC-004): each source kind a workload can read its
// secrets from, with the verdict and the store the evidence names.
func TestWorkloadSource(t *testing.T) {
	cases := []struct {
		name   string
		objs   []*inventory.Object
		status result.Status
		want   string // in the evidence
	}{
		{"literal", []*inventory.Object{checktest.Container(func(c *corev1.Container) {
			c.Env = append(c.Env, corev1.EnvVar{Name: "DB_PASSWORD", Value: "Tr0ub4dor&3-do-not-print"})
		})}, result.Fail, "env DB_PASSWORD = <redacted, 24 chars>"},
		{"literal argument", []*inventory.Object{checktest.Container(func(c *corev1.Container) { c.Args = []string{"--api-key=AKIAIOSFODNN7EXAMPLE"} })},
			result.Fail, "argument --api-key"},
		{"Secret env", []*inventory.Object{envFromSecret("db")}, result.Pass, "Secret db via env DB_PASSWORD"},
		{"Secret envFrom", []*inventory.Object{checktest.Container(func(c *corev1.Container) {
			c.EnvFrom = []corev1.EnvFromSource{{SecretRef: &corev1.SecretEnvSource{LocalObjectReference: corev1.LocalObjectReference{Name: "db"}}}}
		})}, result.Pass, "Secret db via envFrom"},
		{"Secret volume", []*inventory.Object{checktest.Pod(func(s *corev1.PodSpec) {
			s.Volumes = append(s.Volumes, corev1.Volume{Name: "creds", VolumeSource: corev1.VolumeSource{Secret: &corev1.SecretVolumeSource{SecretName: "db"}}})
		})}, result.Pass, "Secret db via volume creds"},
		{"Vault agent annotations", []*inventory.Object{checktest.Deployment("apps", func(d *appsv1.Deployment) {
			d.Spec.Template.Annotations = map[string]string{"vault.hashicorp.com/agent-inject": "true", "vault.hashicorp.com/role": "web",
				"vault.hashicorp.com/agent-inject-secret-db": "secret/data/apps/db"}
		})}, result.Pass, "Vault agent injector (role web)"},
		{"Secrets Store CSI", []*inventory.Object{spc("vault-db", "vault"), checktest.Pod(func(s *corev1.PodSpec) {
			s.Volumes = append(s.Volumes, corev1.Volume{Name: "vault", VolumeSource: corev1.VolumeSource{CSI: &corev1.CSIVolumeSource{
				Driver: "secrets-store.csi.k8s.io", VolumeAttributes: map[string]string{"secretProviderClass": "vault-db"}}}})
		})}, result.Pass, "Secrets Store CSI: SecretProviderClass vault-db (provider vault)"},
		{"ExternalSecret", []*inventory.Object{externalSecret("db", "", "ClusterSecretStore", "vault"), vaultStore("ClusterSecretStore", "vault"), envFromSecret("db")},
			result.Pass, "ExternalSecret db (ClusterSecretStore/vault, provider vault)"},
		{"ExternalSecret with a named target and a namespaced store", []*inventory.Object{externalSecret("db-es", "db", "", "vault"), vaultStore("SecretStore", "vault"), envFromSecret("db")},
			result.Pass, "ExternalSecret db-es (SecretStore/vault, provider vault)"},
		{"SealedSecret", []*inventory.Object{sealedSecret("db"), envFromSecret("db")}, result.Pass, "Sealed Secrets: SealedSecret db"},
		{"Secret owned by an ExternalSecret (live)", []*inventory.Object{ownedSecret("db", "ExternalSecret"), envFromSecret("db")},
			result.Pass, "External Secrets Operator: ExternalSecret/db"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			rep := checktest.Evaluate(check.Options{Config: checktest.TrustedConfig()}, append(checktest.HardenedNamespace("apps"), tc.objs...)...)
			r := find(rep, secrets.WorkloadSource, "Deployment")
			if r == nil {
				t.Fatalf("no %s result; results %v", secrets.WorkloadSource, rep.Results)
			}
			if r.Status != tc.status || !strings.Contains(r.Evidence, tc.want) {
				t.Errorf("got %s %q, want %s with %q", r.Status, r.Evidence, tc.status, tc.want)
			}
			for _, r := range rep.Results {
				if strings.Contains(r.Evidence+r.Message.EN+r.Message.ZH, "do-not-print") {
					t.Errorf("a secret value is in %s: %s %s", r.ID, r.Message.EN, r.Evidence)
				}
			}
		})
	}
	// A workload without secrets says nothing.
	rep := checktest.Evaluate(check.Options{Config: checktest.TrustedConfig()}, append(checktest.HardenedNamespace("apps"), checktest.Deployment("apps", nil))...)
	if r := find(rep, secrets.WorkloadSource, "Deployment"); r != nil {
		t.Errorf("workload without secrets: %v", r)
	}
}

// TestSecretFromStoreIsNotInYAML (KW-SEC-003): a Secret an ExternalSecret
// or a SealedSecret of the scan makes passes; SealedSecret and
// ExternalSecret manifests pass; a Secret on its own fails.
func TestSecretFromStoreIsNotInYAML(t *testing.T) {
	cases := []struct {
		name string
		objs []*inventory.Object
		want result.Status
		kind string
	}{
		{"alone", []*inventory.Object{secretWithValue("db")}, result.Fail, "Secret"},
		{"target of an ExternalSecret", []*inventory.Object{externalSecret("db", "", "", "vault"), secretWithValue("db")}, result.Pass, "Secret"},
		{"from a SealedSecret", []*inventory.Object{sealedSecret("db"), secretWithValue("db")}, result.Pass, "Secret"},
		{"ExternalSecret manifest", []*inventory.Object{externalSecret("db", "", "", "vault")}, result.Pass, "ExternalSecret"},
		{"SealedSecret manifest", []*inventory.Object{sealedSecret("db")}, result.Pass, "SealedSecret"},
		{"other name", []*inventory.Object{sealedSecret("other"), secretWithValue("db")}, result.Fail, "Secret"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			rep := checktest.Evaluate(check.Options{Config: checktest.TrustedConfig()}, tc.objs...)
			r := find(rep, secrets.SecretInManifest, tc.kind)
			if r == nil || r.Status != tc.want {
				t.Fatalf("got %v, want %s; results %v", r, tc.want, rep.Results)
			}
			if tc.want == result.Fail && (r.Location == nil || r.Location.File != "secret.yaml") {
				t.Errorf("location %v", r.Location)
			}
		})
	}
}

// TestHandMadeNamespaces (KW-SEC-005, cluster): namespaces keeping Secrets
// made by hand are listed with those using a central store.
func TestHandMadeNamespaces(t *testing.T) {
	handMade := func(ns, name string, typ corev1.SecretType) *inventory.Object {
		return checktest.Object("", "Secret", &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns}, Type: typ})
	}
	objs := []*inventory.Object{
		handMade("legacy", "db", corev1.SecretTypeOpaque),
		handMade("legacy", "api", corev1.SecretTypeOpaque),
		handMade("legacy", "token", corev1.SecretTypeServiceAccountToken),
		handMade("kube-system", "bootstrap", corev1.SecretTypeOpaque),
		ownedSecret("db", "ExternalSecret"),
		externalSecret("db", "", "ClusterSecretStore", "vault"),
	}
	rep := checktest.Evaluate(check.Options{Config: checktest.TrustedConfig(), Mode: "cluster"}, objs...)
	var got []string
	for _, r := range rep.Results {
		if r.ID == secrets.HandMadeNamespaces {
			got = append(got, string(r.Status)+" "+r.Subject.Name+": "+r.Message.EN+" | "+r.Evidence)
		}
	}
	want := []string{
		"PASS apps: namespace apps takes its Secrets from a central store | ",
		"WARN legacy: namespace legacy keeps 2 Secret(s) made by hand; namespaces using a central store: apps | Secrets: api, db",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	// Manifests: not evaluated there.
	rep = checktest.Evaluate(check.Options{Config: checktest.TrustedConfig()}, objs...)
	for _, r := range rep.Results {
		if r.ID == secrets.HandMadeNamespaces {
			t.Errorf("manifest scan: %v", r)
		}
	}
}

func ownedSecret(name, ownerKind string) *inventory.Object {
	return checktest.Object("", "Secret", &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "apps",
		OwnerReferences: []metav1.OwnerReference{{Kind: ownerKind, Name: name, Controller: checktest.Ptr(true)}}}, Type: corev1.SecretTypeOpaque})
}

func spc(name, provider string) *inventory.Object {
	s := &inventory.SecretProviderClass{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "apps"}}
	s.Spec.Provider = provider
	return checktest.Object(inventory.SecretsStoreCSIGroup, "SecretProviderClass", s)
}
