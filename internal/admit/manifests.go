package admit

import (
	"bytes"
	"fmt"
	"strings"

	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	policyv1 "k8s.io/api/policy/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"sigs.k8s.io/yaml"
)

// ManifestOptions parameterise the deployment manifests.
type ManifestOptions struct {
	Namespace   string
	ServiceName string
	// Image should be pinned by digest: registry/kubeward@sha256:...
	Image    string
	Replicas int32
	// CABundle is the PEM of the CA that signed the serving certificate
	// (the webhook configurations' caBundle); empty leaves a placeholder.
	CABundle []byte
	// TLSSecret holds tls.crt and tls.key (kubectl create secret tls, cert-manager).
	TLSSecret string
	// APIServerCIDR is where the API server's calls come from (NetworkPolicy).
	APIServerCIDR string
	// FailurePolicy of the validating webhook: Fail (default) or Ignore.
	FailurePolicy  string
	TimeoutSeconds int32
	// Mutating adds the MutatingWebhookConfiguration (the policy's mutate
	// section decides what it patches).
	Mutating bool
}

// DefaultManifestOptions are the defaults of `kubeward webhook manifests`.
func DefaultManifestOptions() ManifestOptions {
	return ManifestOptions{
		Namespace: "kubeward-system", ServiceName: "kubeward-webhook",
		Image:    "registry.example.internal/kubeward/kubeward@sha256:0000000000000000000000000000000000000000000000000000000000000000",
		Replicas: 2, TLSSecret: "kubeward-webhook-tls", APIServerCIDR: "10.0.0.0/8",
		FailurePolicy: "Fail", TimeoutSeconds: 5, Mutating: true,
	}
}

// Manifests renders the webhook's deployment as a multi-document YAML stream.
func Manifests(o ManifestOptions) ([]byte, error) {
	if o.Replicas < 2 {
		return nil, fmt.Errorf("replicas: %d; a webhook with failurePolicy Fail needs 2 or more", o.Replicas)
	}
	fp := admissionregistrationv1.FailurePolicyType(o.FailurePolicy)
	if fp != admissionregistrationv1.Fail && fp != admissionregistrationv1.Ignore {
		return nil, fmt.Errorf("failure policy %q (want Fail or Ignore)", o.FailurePolicy)
	}
	if o.TimeoutSeconds < 1 || o.TimeoutSeconds > 30 {
		return nil, fmt.Errorf("timeoutSeconds %d (want 1..30)", o.TimeoutSeconds)
	}
	ns, name := o.Namespace, o.ServiceName
	labels := map[string]string{"app.kubernetes.io/name": name, "app.kubernetes.io/part-of": "kubeward"}
	meta := func(kind, n string) metav1.ObjectMeta {
		return metav1.ObjectMeta{Name: n, Namespace: ns, Labels: labels}
	}
	tm := func(apiVersion, kind string) metav1.TypeMeta {
		return metav1.TypeMeta{APIVersion: apiVersion, Kind: kind}
	}
	f, t := false, true
	uid := int64(65532)
	q := resource.MustParse

	objs := []any{
		&corev1.Namespace{TypeMeta: tm("v1", "Namespace"), ObjectMeta: metav1.ObjectMeta{Name: ns, Labels: map[string]string{
			"pod-security.kubernetes.io/enforce": "restricted", "pod-security.kubernetes.io/audit": "restricted", "pod-security.kubernetes.io/warn": "restricted"}}},
		// Least privilege: the webhook never calls the API server, so its
		// service account has no token and no role binding at all.
		&corev1.ServiceAccount{TypeMeta: tm("v1", "ServiceAccount"), ObjectMeta: meta("ServiceAccount", name), AutomountServiceAccountToken: &f},
		&corev1.ResourceQuota{TypeMeta: tm("v1", "ResourceQuota"), ObjectMeta: meta("ResourceQuota", name), Spec: corev1.ResourceQuotaSpec{Hard: corev1.ResourceList{
			"requests.cpu": q("2"), "requests.memory": q("2Gi"), "limits.cpu": q("4"), "limits.memory": q("4Gi"), "pods": q("10"), "services": q("2"),
			"persistentvolumeclaims": q("0"), "requests.storage": q("0"), "requests.ephemeral-storage": q("2Gi"), "limits.ephemeral-storage": q("4Gi")}}},
		&corev1.LimitRange{TypeMeta: tm("v1", "LimitRange"), ObjectMeta: meta("LimitRange", name), Spec: corev1.LimitRangeSpec{Limits: []corev1.LimitRangeItem{{
			Type:           corev1.LimitTypeContainer,
			Default:        corev1.ResourceList{"cpu": q("500m"), "memory": q("256Mi"), "ephemeral-storage": q("256Mi")},
			DefaultRequest: corev1.ResourceList{"cpu": q("100m"), "memory": q("128Mi"), "ephemeral-storage": q("64Mi")}}}}},
		&networkingv1.NetworkPolicy{TypeMeta: tm("networking.k8s.io/v1", "NetworkPolicy"), ObjectMeta: meta("NetworkPolicy", "default-deny"),
			Spec: networkingv1.NetworkPolicySpec{PodSelector: metav1.LabelSelector{}, PolicyTypes: []networkingv1.PolicyType{networkingv1.PolicyTypeIngress, networkingv1.PolicyTypeEgress}}},
		&networkingv1.NetworkPolicy{TypeMeta: tm("networking.k8s.io/v1", "NetworkPolicy"), ObjectMeta: meta("NetworkPolicy", name+"-from-apiserver"),
			Spec: networkingv1.NetworkPolicySpec{
				PodSelector: metav1.LabelSelector{MatchLabels: map[string]string{"app.kubernetes.io/name": name}},
				PolicyTypes: []networkingv1.PolicyType{networkingv1.PolicyTypeIngress},
				Ingress: []networkingv1.NetworkPolicyIngressRule{{
					From:  []networkingv1.NetworkPolicyPeer{{IPBlock: &networkingv1.IPBlock{CIDR: o.APIServerCIDR}}},
					Ports: []networkingv1.NetworkPolicyPort{{Port: ptr(intstr.FromInt32(8443))}},
				}}}},
		deployment(o, labels, uid, t, f),
		&policyv1.PodDisruptionBudget{TypeMeta: tm("policy/v1", "PodDisruptionBudget"), ObjectMeta: meta("PodDisruptionBudget", name),
			Spec: policyv1.PodDisruptionBudgetSpec{MinAvailable: ptr(intstr.FromInt32(1)), Selector: &metav1.LabelSelector{MatchLabels: map[string]string{"app.kubernetes.io/name": name}}}},
		&corev1.Service{TypeMeta: tm("v1", "Service"), ObjectMeta: meta("Service", name), Spec: corev1.ServiceSpec{
			Type:     corev1.ServiceTypeClusterIP,
			Selector: map[string]string{"app.kubernetes.io/name": name},
			Ports:    []corev1.ServicePort{{Name: "https", Port: 443, TargetPort: intstr.FromString("https"), Protocol: corev1.ProtocolTCP}}}},
	}
	objs = append(objs, webhookConfigurations(o, fp)...)
	var b bytes.Buffer
	b.WriteString("# kubeward admission webhook. Create the serving certificate first:\n")
	fmt.Fprintf(&b, "#   kubectl -n %s create secret tls %s --cert=tls.crt --key=tls.key\n", ns, o.TLSSecret)
	fmt.Fprintf(&b, "# (names: %s), and put its CA in caBundle.\n", strings.Join(ServiceDNSNames(name, ns)[:4], ", "))
	for _, obj := range objs {
		y, err := yaml.Marshal(obj)
		if err != nil {
			return nil, err
		}
		b.WriteString("---\n")
		b.Write(dropNullCreation(y))
	}
	return b.Bytes(), nil
}

func dropNullCreation(y []byte) []byte {
	y = bytes.ReplaceAll(y, []byte("  creationTimestamp: null\n"), nil)
	y = bytes.ReplaceAll(y, []byte("      creationTimestamp: null\n"), nil)
	y = bytes.ReplaceAll(y, []byte("status: {}\n"), nil)
	return bytes.ReplaceAll(y, []byte("status:\n  currentHealthy: 0\n  desiredHealthy: 0\n  disruptionsAllowed: 0\n  expectedPods: 0\n"), nil)
}

func ptr[T any](v T) *T { return &v }

// webhookMemoryLimit is the webhook container's memory limit.
var webhookMemoryLimit = resource.MustParse("256Mi")

func deployment(o ManifestOptions, labels map[string]string, uid int64, t, f bool) *appsv1.Deployment {
	name := o.ServiceName
	sel := map[string]string{"app.kubernetes.io/name": name}
	q := resource.MustParse
	args := []string{"webhook", "--listen=:8443",
		"--tls-cert-file=/etc/kubeward/tls/tls.crt", "--tls-private-key-file=/etc/kubeward/tls/tls.key",
		"--config=/etc/kubeward/policy/policy.yaml"}
	return &appsv1.Deployment{
		TypeMeta:   metav1.TypeMeta{APIVersion: "apps/v1", Kind: "Deployment"},
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: o.Namespace, Labels: labels},
		Spec: appsv1.DeploymentSpec{
			Replicas: &o.Replicas,
			Selector: &metav1.LabelSelector{MatchLabels: sel},
			Strategy: appsv1.DeploymentStrategy{Type: appsv1.RollingUpdateDeploymentStrategyType, RollingUpdate: &appsv1.RollingUpdateDeployment{
				MaxUnavailable: ptr(intstr.FromInt32(0)), MaxSurge: ptr(intstr.FromInt32(1))}},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: labels},
				Spec: corev1.PodSpec{
					ServiceAccountName:           name,
					AutomountServiceAccountToken: &f,
					PriorityClassName:            "system-cluster-critical",
					EnableServiceLinks:           &f,
					SecurityContext: &corev1.PodSecurityContext{
						RunAsNonRoot: &t, RunAsUser: &uid, RunAsGroup: &uid, FSGroup: &uid,
						SeccompProfile: &corev1.SeccompProfile{Type: corev1.SeccompProfileTypeRuntimeDefault},
					},
					Affinity: &corev1.Affinity{PodAntiAffinity: &corev1.PodAntiAffinity{
						RequiredDuringSchedulingIgnoredDuringExecution: []corev1.PodAffinityTerm{{
							LabelSelector: &metav1.LabelSelector{MatchLabels: sel}, TopologyKey: "kubernetes.io/hostname"}}}},
					TopologySpreadConstraints: []corev1.TopologySpreadConstraint{{MaxSkew: 1, TopologyKey: "topology.kubernetes.io/zone",
						WhenUnsatisfiable: corev1.ScheduleAnyway, LabelSelector: &metav1.LabelSelector{MatchLabels: sel}}},
					Containers: []corev1.Container{{
						Name: "webhook", Image: o.Image, ImagePullPolicy: corev1.PullIfNotPresent,
						Args: args,
						// 90% of the memory limit: the Go runtime collects harder
						// before the container would be OOM-killed.
						Env:   []corev1.EnvVar{{Name: "GOMEMLIMIT", Value: fmt.Sprintf("%dMiB", webhookMemoryLimit.Value()*9/10>>20)}},
						Ports: []corev1.ContainerPort{{Name: "https", ContainerPort: 8443, Protocol: corev1.ProtocolTCP}},
						Resources: corev1.ResourceRequirements{
							Requests: corev1.ResourceList{"cpu": q("100m"), "memory": q("64Mi"), "ephemeral-storage": q("16Mi")},
							Limits:   corev1.ResourceList{"cpu": q("1"), "memory": webhookMemoryLimit, "ephemeral-storage": q("64Mi")},
						},
						SecurityContext: &corev1.SecurityContext{
							AllowPrivilegeEscalation: &f, ReadOnlyRootFilesystem: &t, RunAsNonRoot: &t, Privileged: &f,
							Capabilities:   &corev1.Capabilities{Drop: []corev1.Capability{"ALL"}},
							SeccompProfile: &corev1.SeccompProfile{Type: corev1.SeccompProfileTypeRuntimeDefault},
						},
						ReadinessProbe: &corev1.Probe{ProbeHandler: corev1.ProbeHandler{HTTPGet: &corev1.HTTPGetAction{Path: "/readyz", Port: intstr.FromString("https"), Scheme: corev1.URISchemeHTTPS}},
							PeriodSeconds: 5},
						LivenessProbe: &corev1.Probe{ProbeHandler: corev1.ProbeHandler{HTTPGet: &corev1.HTTPGetAction{Path: "/healthz", Port: intstr.FromString("https"), Scheme: corev1.URISchemeHTTPS}},
							PeriodSeconds: 10, FailureThreshold: 3},
						VolumeMounts: []corev1.VolumeMount{
							{Name: "tls", MountPath: "/etc/kubeward/tls", ReadOnly: true},
							{Name: "policy", MountPath: "/etc/kubeward/policy", ReadOnly: true},
						},
					}},
					TerminationGracePeriodSeconds: ptr(int64(30)),
					Volumes: []corev1.Volume{
						{Name: "tls", VolumeSource: corev1.VolumeSource{Secret: &corev1.SecretVolumeSource{SecretName: o.TLSSecret, DefaultMode: ptr(int32(0o440))}}},
						{Name: "policy", VolumeSource: corev1.VolumeSource{ConfigMap: &corev1.ConfigMapVolumeSource{LocalObjectReference: corev1.LocalObjectReference{Name: o.ServiceName + "-policy"}, Optional: &t}}},
					},
				},
			},
		},
	}
}

// WebhookRules are the operations and resources the validating webhook sees.
func webhookRules() []admissionregistrationv1.RuleWithOperations {
	cu := []admissionregistrationv1.OperationType{admissionregistrationv1.Create, admissionregistrationv1.Update}
	rule := func(ops []admissionregistrationv1.OperationType, group string, resources ...string) admissionregistrationv1.RuleWithOperations {
		scope := admissionregistrationv1.AllScopes
		return admissionregistrationv1.RuleWithOperations{Operations: ops, Rule: admissionregistrationv1.Rule{
			APIGroups: []string{group}, APIVersions: []string{"v1"}, Resources: resources, Scope: &scope}}
	}
	return []admissionregistrationv1.RuleWithOperations{
		rule(cu, "", "pods", "pods/ephemeralcontainers", "replicationcontrollers", "namespaces", "configmaps", "services"),
		rule(cu, "apps", "deployments", "statefulsets", "daemonsets", "replicasets"),
		rule(cu, "batch", "jobs", "cronjobs"),
		rule(cu, "rbac.authorization.k8s.io", "roles", "clusterroles", "rolebindings", "clusterrolebindings"),
		rule(cu, "networking.k8s.io", "networkpolicies"),
		rule([]admissionregistrationv1.OperationType{admissionregistrationv1.Delete}, "", "resourcequotas", "limitranges"),
	}
}

func webhookConfigurations(o ManifestOptions, fp admissionregistrationv1.FailurePolicyType) []any {
	none := admissionregistrationv1.SideEffectClassNone
	exact := admissionregistrationv1.Equivalent
	ca := o.CABundle
	if len(ca) == 0 {
		ca = []byte("REPLACE WITH THE PEM OF THE CA THAT SIGNED " + o.TLSSecret)
	}
	nsSel := &metav1.LabelSelector{MatchExpressions: []metav1.LabelSelectorRequirement{{
		Key: "kubernetes.io/metadata.name", Operator: metav1.LabelSelectorOpNotIn, Values: []string{"kube-system", o.Namespace}}}}
	conds := []admissionregistrationv1.MatchCondition{{
		Name:       "not-node-or-controller-noise",
		Expression: "!(request.userInfo.username.startsWith('system:node:'))",
	}}
	client := func(path string) admissionregistrationv1.WebhookClientConfig {
		return admissionregistrationv1.WebhookClientConfig{CABundle: ca, Service: &admissionregistrationv1.ServiceReference{
			Namespace: o.Namespace, Name: o.ServiceName, Path: ptr(path), Port: ptr(int32(443))}}
	}
	labels := map[string]string{"app.kubernetes.io/name": o.ServiceName, "app.kubernetes.io/part-of": "kubeward"}
	out := []any{&admissionregistrationv1.ValidatingWebhookConfiguration{
		TypeMeta:   metav1.TypeMeta{APIVersion: "admissionregistration.k8s.io/v1", Kind: "ValidatingWebhookConfiguration"},
		ObjectMeta: metav1.ObjectMeta{Name: o.ServiceName, Labels: labels},
		Webhooks: []admissionregistrationv1.ValidatingWebhook{{
			Name: "validate.kubeward.io", ClientConfig: client("/validate"), Rules: webhookRules(),
			FailurePolicy: &fp, MatchPolicy: &exact, NamespaceSelector: nsSel, SideEffects: &none,
			TimeoutSeconds: &o.TimeoutSeconds, AdmissionReviewVersions: []string{"v1"}, MatchConditions: conds,
		}},
	}}
	if o.Mutating {
		cu := []admissionregistrationv1.OperationType{admissionregistrationv1.Create}
		scope := admissionregistrationv1.NamespacedScope
		rules := []admissionregistrationv1.RuleWithOperations{
			{Operations: cu, Rule: admissionregistrationv1.Rule{APIGroups: []string{""}, APIVersions: []string{"v1"}, Resources: []string{"pods"}, Scope: &scope}},
		}
		never := admissionregistrationv1.NeverReinvocationPolicy
		// The mutating webhook only adds defaults: failing open is safe
		// because the validating webhook (failurePolicy Fail) still judges.
		ign := admissionregistrationv1.Ignore
		out = append(out, &admissionregistrationv1.MutatingWebhookConfiguration{
			TypeMeta:   metav1.TypeMeta{APIVersion: "admissionregistration.k8s.io/v1", Kind: "MutatingWebhookConfiguration"},
			ObjectMeta: metav1.ObjectMeta{Name: o.ServiceName, Labels: labels},
			Webhooks: []admissionregistrationv1.MutatingWebhook{{
				Name: "mutate.kubeward.io", ClientConfig: client("/mutate"), Rules: rules,
				FailurePolicy: &ign, MatchPolicy: &exact, NamespaceSelector: nsSel, SideEffects: &none,
				TimeoutSeconds: &o.TimeoutSeconds, AdmissionReviewVersions: []string{"v1"}, MatchConditions: conds,
				ReinvocationPolicy: &never,
			}},
		})
	}
	return out
}
