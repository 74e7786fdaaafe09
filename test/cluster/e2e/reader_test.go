package e2e

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	admissionv1 "k8s.io/api/admissionregistration/v1"
	authenticationv1 "k8s.io/api/authentication/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/yaml"
	"k8s.io/client-go/discovery"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/restmapper"
	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"

	"github.com/kubeward/kubeward/test/cluster/harness"
)

// readerManifest is the RBAC `kubeward scan cluster` is documented to need.
const readerManifest = "../../../deploy/rbac/kubeward-reader.yaml"

// TestClusterScanAsReaderServiceAccount runs `kubeward scan cluster` as the
// kubeward/kubeward-reader service account of deploy/rbac/kubeward-reader.yaml
// on the hardened (RBAC) control plane. The scan must read everything it
// reads as cluster-admin (no KW-CL-000) and report exactly what an admin
// scan of the same cluster reports. A service account without bindings gets
// one KW-CL-000 per resource the scanner lists, and those resources are
// exactly the ones the ClusterRole grants list on: the role holds nothing
// the scanner does not read.
func TestClusterScanAsReaderServiceAccount(t *testing.T) {
	c := up(t, harness.Hardened)
	cs := clientFor(t, c)
	ctx := context.Background()
	applyManifest(t, c, readerManifest)

	// Something of most kinds the scanner reads, good and bad, so both
	// scans have findings and passes to agree on.
	k := &creator{t: t, cs: cs, ctx: ctx}
	ns := "teller"
	k.namespace(ns, nil)
	k.hardenNamespace(ns)
	k.must(cs.CoreV1().ServiceAccounts(ns).Create(ctx, &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Name: "app"}, AutomountServiceAccountToken: ptr(false)}, metav1.CreateOptions{}))
	k.must(cs.AppsV1().Deployments(ns).Create(ctx, deployment(ns, "web", 1, hardenedSpec("app")), metav1.CreateOptions{}))
	k.must(cs.BatchV1().CronJobs(ns).Create(ctx, &batchv1.CronJob{ObjectMeta: metav1.ObjectMeta{Name: "report"},
		Spec: batchv1.CronJobSpec{Schedule: "0 3 * * *", Suspend: ptr(true), JobTemplate: batchv1.JobTemplateSpec{Spec: batchv1.JobSpec{
			Template: corev1.PodTemplateSpec{Spec: func() corev1.PodSpec { s := hardenedSpec("app"); s.RestartPolicy = corev1.RestartPolicyNever; return s }()}}}}}, metav1.CreateOptions{}))
	k.must(cs.CoreV1().Secrets(ns).Create(ctx, &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: "app-token", Annotations: map[string]string{corev1.ServiceAccountNameKey: "app"}},
		Type: corev1.SecretTypeServiceAccountToken}, metav1.CreateOptions{}))
	k.must(cs.CoreV1().ConfigMaps(ns).Create(ctx, &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "app"}, Data: map[string]string{"API_TOKEN": "tok_live_4eC39HqLyjWDarjtT1zdp7dc"}}, metav1.CreateOptions{}))
	k.must(cs.RbacV1().Roles(ns).Create(ctx, &rbacv1.Role{ObjectMeta: metav1.ObjectMeta{Name: "secrets"},
		Rules: []rbacv1.PolicyRule{{APIGroups: []string{""}, Resources: []string{"secrets"}, Verbs: []string{"get", "list"}}}}, metav1.CreateOptions{}))
	k.must(cs.RbacV1().RoleBindings(ns).Create(ctx, &rbacv1.RoleBinding{ObjectMeta: metav1.ObjectMeta{Name: "app-secrets"},
		RoleRef:  rbacv1.RoleRef{APIGroup: "rbac.authorization.k8s.io", Kind: "Role", Name: "secrets"},
		Subjects: []rbacv1.Subject{{Kind: "ServiceAccount", Name: "app", Namespace: ns}}}, metav1.CreateOptions{}))
	ignore, none := admissionv1.Ignore, admissionv1.SideEffectClassNone
	k.must(cs.AdmissionregistrationV1().ValidatingWebhookConfigurations().Create(ctx, &admissionv1.ValidatingWebhookConfiguration{ObjectMeta: metav1.ObjectMeta{Name: "teller-policy"},
		Webhooks: []admissionv1.ValidatingWebhook{{Name: "teller.policy.example", FailurePolicy: &ignore, SideEffects: &none, AdmissionReviewVersions: []string{"v1"},
			ClientConfig: admissionv1.WebhookClientConfig{URL: ptr("https://127.0.0.1:1/validate")},
			Rules: []admissionv1.RuleWithOperations{{Operations: []admissionv1.OperationType{admissionv1.Delete},
				Rule: admissionv1.Rule{APIGroups: []string{""}, APIVersions: []string{"v1"}, Resources: []string{"configmaps"}}}},
			NamespaceSelector: &metav1.LabelSelector{MatchLabels: map[string]string{"kubernetes.io/metadata.name": ns}}}}}, metav1.CreateOptions{}))
	// The controllers fill new namespaces (default service account, root CA
	// ConfigMap) and the Deployment (ReplicaSet, pod): let them settle so
	// the two scans see the same cluster.
	waitSettled(t, cs, []string{"kubeward", ns}, ns)
	if c.Process("kubelet") != nil {
		waitScheduled(t, cs, ns, 1)
	}

	readerKC := tokenKubeconfig(t, c, cs, "kubeward", "kubeward-reader")
	admin := scanCluster(t, "--kubeconfig", c.AdminKubeconfig(), "--show-passed")
	reader := scanCluster(t, "--kubeconfig", readerKC, "--show-passed")
	for _, r := range reader {
		if r.ID == "KW-CL-000" {
			t.Errorf("the kubeward-reader ClusterRole does not let the scanner read everything: %s %s", r.Status, r.Message)
		}
	}
	if len(admin) < 50 {
		t.Errorf("only %d results from the admin scan", len(admin))
	}
	if only, extra := diffVerdicts(admin, reader); len(only)+len(extra) > 0 {
		// Tell drift between the two scans from a permission gap.
		again := scanCluster(t, "--kubeconfig", c.AdminKubeconfig(), "--show-passed")
		if only2, extra2 := diffVerdicts(again, reader); len(only2)+len(extra2) > 0 {
			t.Errorf("the reader's scan differs from the admin's:\nonly as admin:\n%s\nonly as kubeward-reader:\n%s", lines(only2), lines(extra2))
		} else {
			t.Logf("the cluster changed between the first admin scan and the reader's; a second admin scan agrees with the reader")
		}
	} else {
		t.Logf("admin and kubeward-reader scans agree on %d results", len(reader))
	}

	// A service account with no binding at all: every list is forbidden.
	// The scan fails closed (exit 2, nothing evaluated); with the explicit
	// opt-outs it goes on and names each verb and resource.
	k.must(cs.CoreV1().ServiceAccounts(ns).Create(ctx, &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Name: "nobody"}}, metav1.CreateOptions{}))
	nobody := tokenKubeconfig(t, c, cs, ns, "nobody")
	gate := exec.Command(kubewardBin(t), "scan", "cluster", "-o", "json", "--kubeconfig", nobody)
	var gateErr bytes.Buffer
	gate.Stderr = &gateErr
	gateRunErr := gate.Run()
	if ee, ok := gateRunErr.(*exec.ExitError); !ok || ee.ExitCode() != 2 || !strings.Contains(gateErr.String(), "every list was refused") {
		t.Errorf("a scan where every list is refused: %v, want exit 2 saying every list was refused: %s", gateRunErr, gateErr.String())
	}
	denied := map[string]bool{}
	msg := regexp.MustCompile(`^cannot (\w+) (\S+) in all namespaces: .*forbidden`)
	for _, r := range scanCluster(t, "--kubeconfig", nobody, "--allow-empty", "--ignore-errors") {
		if r.ID != "KW-CL-000" {
			continue
		}
		m := msg.FindStringSubmatch(r.Message)
		switch {
		case r.Status != "ERROR":
			t.Errorf("KW-CL-000 is %s, want ERROR: %s", r.Status, r.Message)
		case m == nil || m[1] != "list":
			t.Errorf("KW-CL-000 does not name the verb list and a resource: %q", r.Message)
		case !strings.Contains(r.Message, "system:serviceaccount:"+ns+":nobody"):
			t.Errorf("KW-CL-000 does not name the denied user: %q", r.Message)
		default:
			denied[m[2]] = true
		}
	}
	role, err := cs.RbacV1().ClusterRoles().Get(ctx, "kubeward-reader", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	granted := map[string]bool{}
	for _, rule := range role.Rules {
		if !slices.Contains(rule.Verbs, "list") {
			continue
		}
		for _, g := range rule.APIGroups {
			for _, res := range rule.Resources {
				if g != "" {
					res += "." + g
				}
				granted[res] = true
			}
		}
	}
	for res := range denied {
		if !granted[res] {
			t.Errorf("the scanner lists %s, which kubeward-reader does not grant", res)
		}
	}
	for res := range granted {
		if !denied[res] {
			t.Errorf("kubeward-reader grants list on %s, which the scanner never lists (not least privilege)", res)
		}
	}
	t.Logf("without a binding: %d resources denied, each reported as KW-CL-000", len(denied))
}

// adminDynamic is a cluster-admin dynamic client with a REST mapper from
// the API server's discovery, to create objects of any kind from YAML.
func adminDynamic(t *testing.T, c *harness.Cluster) (dynamic.Interface, meta.RESTMapper) {
	t.Helper()
	cfg, err := clientcmd.BuildConfigFromFlags("", c.AdminKubeconfig())
	if err != nil {
		t.Fatal(err)
	}
	dc, err := discovery.NewDiscoveryClientForConfig(cfg)
	if err != nil {
		t.Fatal(err)
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

// applyManifest creates every object of a multi-document YAML file through
// the API as cluster-admin, in file order.
func applyManifest(t *testing.T, c *harness.Cluster, path string) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	dyn, mapper := adminDynamic(t, c)
	dec := yaml.NewYAMLOrJSONDecoder(bytes.NewReader(data), 4096)
	for {
		var raw runtime.RawExtension
		if err := dec.Decode(&raw); errors.Is(err, io.EOF) {
			return
		} else if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		if len(bytes.TrimSpace(raw.Raw)) == 0 {
			continue
		}
		obj := &unstructured.Unstructured{}
		if err := obj.UnmarshalJSON(raw.Raw); err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		gvk := obj.GroupVersionKind()
		m, err := mapper.RESTMapping(gvk.GroupKind(), gvk.Version)
		if err != nil {
			t.Fatalf("%s: %s: %v", path, gvk, err)
		}
		var ri dynamic.ResourceInterface = dyn.Resource(m.Resource)
		if m.Scope.Name() == meta.RESTScopeNameNamespace {
			ri = dyn.Resource(m.Resource).Namespace(obj.GetNamespace())
		}
		if _, err := ri.Create(context.Background(), obj, metav1.CreateOptions{FieldValidation: "Strict"}); err != nil {
			t.Fatalf("%s: creating %s %s: %v", path, gvk.Kind, obj.GetName(), err)
		}
	}
}

// tokenKubeconfig asks the TokenRequest API (as admin) for a token of the
// service account ns/sa and writes a kubeconfig that uses it and trusts the
// cluster CA.
func tokenKubeconfig(t *testing.T, c *harness.Cluster, cs kubernetes.Interface, ns, sa string) string {
	t.Helper()
	tr, err := cs.CoreV1().ServiceAccounts(ns).CreateToken(context.Background(), sa,
		&authenticationv1.TokenRequest{Spec: authenticationv1.TokenRequestSpec{ExpirationSeconds: ptr(int64(3600))}}, metav1.CreateOptions{})
	if err != nil {
		t.Fatalf("token for %s/%s: %v", ns, sa, err)
	}
	ca, err := os.ReadFile(c.Files.PKI.CA.CertFile)
	if err != nil {
		t.Fatal(err)
	}
	kc := clientcmdapi.NewConfig()
	kc.Clusters["harness"] = &clientcmdapi.Cluster{Server: c.APIServerURL(), CertificateAuthorityData: ca}
	kc.AuthInfos[sa] = &clientcmdapi.AuthInfo{Token: tr.Status.Token}
	kc.Contexts[sa] = &clientcmdapi.Context{Cluster: "harness", AuthInfo: sa}
	kc.CurrentContext = sa
	p := filepath.Join(t.TempDir(), sa+".kubeconfig")
	if err := clientcmd.WriteToFile(*kc, p); err != nil {
		t.Fatal(err)
	}
	return p
}

// waitSettled waits until every namespace has its default service account
// and root CA ConfigMap, and the Deployments of workloadNS have pods.
func waitSettled(t *testing.T, cs kubernetes.Interface, namespaces []string, workloadNS string) {
	t.Helper()
	ctx := context.Background()
	settled := func() error {
		for _, ns := range namespaces {
			if _, err := cs.CoreV1().ServiceAccounts(ns).Get(ctx, "default", metav1.GetOptions{}); err != nil {
				return err
			}
			if _, err := cs.CoreV1().ConfigMaps(ns).Get(ctx, "kube-root-ca.crt", metav1.GetOptions{}); err != nil {
				return err
			}
		}
		deps, err := cs.AppsV1().Deployments(workloadNS).List(ctx, metav1.ListOptions{})
		if err != nil {
			return err
		}
		for _, d := range deps.Items {
			if d.Status.ObservedGeneration < d.Generation || d.Status.Replicas < *d.Spec.Replicas {
				return fmt.Errorf("deployment %s/%s not rolled out", workloadNS, d.Name)
			}
		}
		return nil
	}
	var err error
	for deadline := time.Now().Add(90 * time.Second); time.Now().Before(deadline); time.Sleep(time.Second) {
		if err = settled(); err == nil {
			return
		}
	}
	t.Logf("cluster not settled in time: %v", err)
}

// diffVerdicts compares two result sets as "ID STATUS kind ns/name" lines and
// returns the lines only in a and only in b.
func diffVerdicts(a, b []clusterResult) (onlyA, onlyB []string) {
	count := map[string]int{}
	line := func(r clusterResult) string {
		return fmt.Sprintf("%s %s %s %s/%s", r.ID, r.Status, r.Subject.Kind, r.Subject.Namespace, r.Subject.Name)
	}
	for _, r := range a {
		count[line(r)]++
	}
	for _, r := range b {
		count[line(r)]--
	}
	for l, n := range count {
		for ; n > 0; n-- {
			onlyA = append(onlyA, l)
		}
		for ; n < 0; n++ {
			onlyB = append(onlyB, l)
		}
	}
	sort.Strings(onlyA)
	sort.Strings(onlyB)
	return onlyA, onlyB
}

func lines(l []string) string {
	if len(l) == 0 {
		return "  (none)"
	}
	return "  " + strings.Join(l, "\n  ")
}
