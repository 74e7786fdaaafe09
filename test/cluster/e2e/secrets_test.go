package e2e

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"io"
	"math/big"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/yaml"
	"k8s.io/client-go/discovery"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/restmapper"
	"k8s.io/client-go/tools/clientcmd"

	"github.com/kubeward/kubeward/test/cluster/harness"
)

const secretsTestdata = "testdata/secrets"

// TestSecretsThePlanWay is issue 17 on the real API server (hardened
// profile: RBAC): the External Secrets and Sealed Secrets CRDs are applied;
// the ExternalSecret and SecretStore `kubeward harden secrets` writes for a
// Secret found in YAML pass a server-side dry run (and a broken one does
// not, so the schema is enforced); then `scan cluster` names the store of
// each workload (KW-SEC-004), lists the namespace that keeps hand-made
// Secrets beside the one that uses a central store (KW-SEC-005), and names
// the subjects that can read Secrets beyond their namespace with the
// binding (KW-RBAC-014).
func TestSecretsThePlanWay(t *testing.T) {
	c := up(t, harness.Hardened)
	cs := clientFor(t, c)
	ctx := context.Background()
	k := &creator{t: t, cs: cs, ctx: ctx}

	for _, f := range []string{"bitnami.com_sealedsecrets.yaml", "external-secrets.io_externalsecrets.v1.yaml", "external-secrets.io_secretstores.v1-vault-excerpt.yaml"} {
		serverSideApply(t, c, filepath.Join(secretsTestdata, f))
	}
	dyn, mapper := dynamicFor(t, c, "external-secrets.io/v1/externalsecrets", "external-secrets.io/v1/secretstores", "bitnami.com/v1alpha1/sealedsecrets")

	k.namespace("vaulted", nil)
	k.namespace("legacy", nil)

	// kubeward harden secrets on a Secret written in YAML.
	in := t.TempDir()
	const value = "Corr3ct-Horse-do-not-print"
	if err := os.WriteFile(filepath.Join(in, "db.yaml"), []byte("apiVersion: v1\nkind: Secret\nmetadata:\n  name: db\n  namespace: vaulted\ntype: Opaque\nstringData:\n  password: "+value+"\n  username: app\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(t.TempDir(), "out")
	cert := sealingCert(t)
	cmd := exec.Command(kubewardBin(t), "harden", "secrets", in, "--out", out, "--seal-cert", cert)
	stdout, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("harden secrets: %v\n%s", err, stdout)
	}
	generated := filepath.Join(out, "externalsecrets-vaulted.yaml")
	data, err := os.ReadFile(generated)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(data)+string(stdout), value) {
		t.Fatalf("the secret value is in kubeward's output")
	}
	docs := decodeDocs(t, data)
	kinds := map[string]bool{}
	for _, d := range docs {
		kinds[d.GetKind()] = true
		if err := applyObject(ctx, dyn, mapper, d, true); err != nil {
			t.Errorf("server-side dry run refused the generated %s %s/%s: %v", d.GetKind(), d.GetNamespace(), d.GetName(), err)
		}
	}
	if !kinds["ExternalSecret"] || !kinds["SecretStore"] {
		t.Fatalf("harden secrets wrote %v, want an ExternalSecret and a SecretStore:\n%s", kinds, data)
	}
	sealedData, err := os.ReadFile(filepath.Join(out, "sealedsecrets-vaulted.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(sealedData), value) {
		t.Fatalf("the secret value is in the SealedSecret")
	}
	for _, d := range decodeDocs(t, sealedData) {
		if err := applyObject(ctx, dyn, mapper, d, true); err != nil || d.GetKind() != "SealedSecret" {
			t.Errorf("server-side dry run of the generated %s %s/%s: %v", d.GetKind(), d.GetNamespace(), d.GetName(), err)
		}
	}
	// The schema is enforced: a store kind the CRD does not allow is refused.
	for _, d := range docs {
		if d.GetKind() != "ExternalSecret" {
			continue
		}
		broken := d.DeepCopy()
		if err := unstructured.SetNestedField(broken.Object, "VaultStore", "spec", "secretStoreRef", "kind"); err != nil {
			t.Fatal(err)
		}
		if err := applyObject(ctx, dyn, mapper, broken, true); err == nil || !strings.Contains(err.Error(), "secretStoreRef.kind") {
			t.Errorf("a broken ExternalSecret passed the dry run (err %v): the CRD's schema is not in force", err)
		}
	}
	// Now for real, with what External Secrets Operator and the Sealed
	// Secrets controller would make (neither runs here): the Secrets, owned
	// by their ExternalSecret and SealedSecret.
	var esUID types.UID
	for _, d := range docs {
		if err := applyObject(ctx, dyn, mapper, d, false); err != nil {
			t.Fatalf("applying %s %s: %v", d.GetKind(), d.GetName(), err)
		}
		if d.GetKind() == "ExternalSecret" {
			got, err := dyn.Resource(schema.GroupVersionResource{Group: "external-secrets.io", Version: "v1", Resource: "externalsecrets"}).Namespace("vaulted").Get(ctx, d.GetName(), metav1.GetOptions{})
			if err != nil {
				t.Fatal(err)
			}
			esUID = got.GetUID()
		}
	}
	sealed := &unstructured.Unstructured{Object: map[string]any{"apiVersion": "bitnami.com/v1alpha1", "kind": "SealedSecret",
		"metadata": map[string]any{"name": "api", "namespace": "vaulted"},
		"spec":     map[string]any{"encryptedData": map[string]any{"token": "AgBy3i4OJSWK+PiTySYZZA=="}}}}
	if err := applyObject(ctx, dyn, mapper, sealed, false); err != nil {
		t.Fatal(err)
	}
	sealedObj, err := dyn.Resource(schema.GroupVersionResource{Group: "bitnami.com", Version: "v1alpha1", Resource: "sealedsecrets"}).Namespace("vaulted").Get(ctx, "api", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	owned := func(name, kind, apiVersion string, uid types.UID) *corev1.Secret {
		return &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: name, OwnerReferences: []metav1.OwnerReference{{APIVersion: apiVersion, Kind: kind, Name: name, UID: uid, Controller: ptr(true)}}},
			Type: corev1.SecretTypeOpaque, StringData: map[string]string{"k": "made-by-the-controller"}}
	}
	k.must(cs.CoreV1().Secrets("vaulted").Create(ctx, owned("db", "ExternalSecret", "external-secrets.io/v1", esUID), metav1.CreateOptions{}))
	k.must(cs.CoreV1().Secrets("vaulted").Create(ctx, owned("api", "SealedSecret", "bitnami.com/v1alpha1", sealedObj.GetUID()), metav1.CreateOptions{}))
	k.must(cs.CoreV1().Secrets("legacy").Create(ctx, &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: "creds"}, Type: corev1.SecretTypeOpaque,
		StringData: map[string]string{"password": "hand-made"}}, metav1.CreateOptions{}))

	withEnvSecret := func(secret string) corev1.PodSpec {
		s := hardenedSpec("default")
		s.Containers[0].Env = []corev1.EnvVar{{Name: "DB_PASSWORD", ValueFrom: &corev1.EnvVarSource{SecretKeyRef: &corev1.SecretKeySelector{
			LocalObjectReference: corev1.LocalObjectReference{Name: secret}, Key: "password"}}}}
		return s
	}
	k.must(cs.AppsV1().Deployments("vaulted").Create(ctx, deployment("vaulted", "web", 1, withEnvSecret("db")), metav1.CreateOptions{}))
	k.must(cs.AppsV1().Deployments("vaulted").Create(ctx, deployment("vaulted", "worker", 1, withEnvSecret("api")), metav1.CreateOptions{}))
	vol := hardenedSpec("default")
	vol.Volumes = []corev1.Volume{{Name: "creds", VolumeSource: corev1.VolumeSource{Secret: &corev1.SecretVolumeSource{SecretName: "creds"}}}}
	k.must(cs.AppsV1().Deployments("legacy").Create(ctx, deployment("legacy", "app", 1, vol), metav1.CreateOptions{}))
	lit := hardenedSpec("default")
	lit.Containers[0].Env = []corev1.EnvVar{{Name: "DB_PASSWORD", Value: "Lit3ral-do-not-print"}}
	k.must(cs.AppsV1().Deployments("legacy").Create(ctx, deployment("legacy", "bad", 1, lit), metav1.CreateOptions{}))

	// Who can read Secrets.
	k.must(cs.RbacV1().ClusterRoles().Create(ctx, &rbacv1.ClusterRole{ObjectMeta: metav1.ObjectMeta{Name: "secret-reader"},
		Rules: []rbacv1.PolicyRule{{APIGroups: []string{""}, Resources: []string{"secrets"}, Verbs: []string{"get", "list", "watch"}}}}, metav1.CreateOptions{}))
	bind := func(ns, name string, s rbacv1.Subject) {
		ref := rbacv1.RoleRef{APIGroup: "rbac.authorization.k8s.io", Kind: "ClusterRole", Name: "secret-reader"}
		if ns == "" {
			k.must(cs.RbacV1().ClusterRoleBindings().Create(ctx, &rbacv1.ClusterRoleBinding{ObjectMeta: metav1.ObjectMeta{Name: name}, RoleRef: ref, Subjects: []rbacv1.Subject{s}}, metav1.CreateOptions{}))
			return
		}
		k.must(cs.RbacV1().RoleBindings(ns).Create(ctx, &rbacv1.RoleBinding{ObjectMeta: metav1.ObjectMeta{Name: name}, RoleRef: ref, Subjects: []rbacv1.Subject{s}}, metav1.CreateOptions{}))
	}
	bind("", "support-reads-secrets", rbacv1.Subject{Kind: "User", APIGroup: "rbac.authorization.k8s.io", Name: "alice"})
	bind("legacy", "ci-reads-legacy", rbacv1.Subject{Kind: "ServiceAccount", Namespace: "vaulted", Name: "deployer"})
	bind("vaulted", "own-secrets", rbacv1.Subject{Kind: "ServiceAccount", Namespace: "vaulted", Name: "web"})

	results := scanCluster(t, "--kubeconfig", c.AdminKubeconfig(), "--show-passed")
	got := map[string][]clusterResult{}
	for _, r := range results {
		if strings.Contains(r.Message, "do-not-print") || strings.Contains(r.Message, "hand-made") {
			t.Errorf("a secret value is in %s: %s", r.ID, r.Message)
		}
		switch r.ID {
		case "KW-SEC-004", "KW-SEC-005", "KW-RBAC-014":
			got[r.ID] = append(got[r.ID], r)
			t.Logf("%s %s %s/%s: %s", r.ID, r.Status, r.Subject.Namespace, r.Subject.Name, r.Message)
		}
	}
	expect := func(id, status, ns, name string, want ...string) {
		t.Helper()
		for _, r := range got[id] {
			if r.Subject.Namespace == ns && r.Subject.Name == name {
				if r.Status != status {
					t.Errorf("%s on %s/%s: %s, want %s: %s", id, ns, name, r.Status, status, r.Message)
				}
				for _, w := range want {
					if !strings.Contains(r.Message, w) {
						t.Errorf("%s on %s/%s: %q does not say %q", id, ns, name, r.Message, w)
					}
				}
				return
			}
		}
		t.Errorf("no %s result on %s/%s", id, ns, name)
	}
	expect("KW-SEC-004", "PASS", "vaulted", "web", "Secret db via env DB_PASSWORD", "ExternalSecret db (SecretStore/vault, provider vault)")
	expect("KW-SEC-004", "PASS", "vaulted", "worker", "Sealed Secrets: SealedSecret api")
	expect("KW-SEC-004", "PASS", "legacy", "app", "Secret creds via volume creds")
	expect("KW-SEC-004", "FAIL", "legacy", "bad", "1 secret(s) from literals")
	expect("KW-SEC-005", "WARN", "", "legacy", "keeps 1 Secret(s) made by hand", "central store: vaulted")
	expect("KW-SEC-005", "PASS", "", "vaulted")
	expect("KW-RBAC-014", "FAIL", "", "alice", "cluster-wide")
	expect("KW-RBAC-014", "FAIL", "vaulted", "deployer", "in namespace legacy")
	for _, r := range got["KW-RBAC-014"] {
		if r.Subject.Namespace == "vaulted" && r.Subject.Name == "web" {
			t.Errorf("an account reading its own namespace's Secrets is flagged: %s", r.Message)
		}
		if strings.HasPrefix(r.Subject.Name, "system:") || r.Subject.Namespace == "kube-system" {
			t.Errorf("a system identity is flagged: %s %s", r.Subject.Name, r.Message)
		}
	}
}

// dynamicFor returns a dynamic client and a REST mapper that knows the
// given resources ("group/version/plural"), waiting until the API server
// serves them (a new CRD takes a moment to be established).
func dynamicFor(t *testing.T, c *harness.Cluster, resources ...string) (dynamic.Interface, meta.RESTMapper) {
	t.Helper()
	cfg, err := clientcmd.BuildConfigFromFlags("", c.AdminKubeconfig())
	if err != nil {
		t.Fatal(err)
	}
	dc, err := discovery.NewDiscoveryClientForConfig(cfg)
	if err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(60 * time.Second)
	served := func(gv, plural string) bool {
		list, err := dc.ServerResourcesForGroupVersion(gv)
		if err != nil {
			return false
		}
		for _, r := range list.APIResources {
			if r.Name == plural {
				return true
			}
		}
		return false
	}
	for _, res := range resources {
		gv, plural := res[:strings.LastIndex(res, "/")], res[strings.LastIndex(res, "/")+1:]
		for !served(gv, plural) {
			if time.Now().After(deadline) {
				t.Fatalf("the API server does not serve %s", res)
			}
			time.Sleep(500 * time.Millisecond)
		}
	}
	groups, err := restmapper.GetAPIGroupResources(dc)
	if err != nil {
		t.Fatal(err)
	}
	dyn, err := dynamic.NewForConfig(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return dyn, restmapper.NewDiscoveryRESTMapper(groups)
}

func decodeDocs(t *testing.T, data []byte) []*unstructured.Unstructured {
	t.Helper()
	var out []*unstructured.Unstructured
	dec := yaml.NewYAMLOrJSONDecoder(bytes.NewReader(data), 4096)
	for {
		var raw runtime.RawExtension
		if err := dec.Decode(&raw); errors.Is(err, io.EOF) {
			return out
		} else if err != nil {
			t.Fatal(err)
		}
		if len(bytes.TrimSpace(raw.Raw)) == 0 || string(bytes.TrimSpace(raw.Raw)) == "null" {
			continue
		}
		obj := &unstructured.Unstructured{}
		if err := obj.UnmarshalJSON(raw.Raw); err != nil {
			t.Fatal(err)
		}
		out = append(out, obj)
	}
}

// applyObject applies obj with server-side apply, as a dry run (nothing
// stored, every validation and admission step run) when dryRun is set.
func applyObject(ctx context.Context, dyn dynamic.Interface, mapper meta.RESTMapper, obj *unstructured.Unstructured, dryRun bool) error {
	gvk := obj.GroupVersionKind()
	m, err := mapper.RESTMapping(gvk.GroupKind(), gvk.Version)
	if err != nil {
		return err
	}
	var ri dynamic.ResourceInterface = dyn.Resource(m.Resource)
	if m.Scope.Name() == meta.RESTScopeNameNamespace {
		ri = dyn.Resource(m.Resource).Namespace(obj.GetNamespace())
	}
	body, err := obj.MarshalJSON()
	if err != nil {
		return err
	}
	force := true
	opts := metav1.PatchOptions{FieldManager: "kubeward-e2e", Force: &force}
	if dryRun {
		opts.DryRun = []string{metav1.DryRunAll}
	}
	_, err = ri.Patch(ctx, obj.GetName(), types.ApplyPatchType, body, opts)
	return err
}

// sealingCert writes a self-signed certificate as the Sealed Secrets
// controller publishes one (kubeseal --fetch-cert) and returns its file.
func sealingCert(t *testing.T) string {
	t.Helper()
	priv, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "sealed-secret"}, NotBefore: time.Now(), NotAfter: time.Now().Add(time.Hour)}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &priv.PublicKey, priv)
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(t.TempDir(), "sealing.pem")
	if err := os.WriteFile(p, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}
