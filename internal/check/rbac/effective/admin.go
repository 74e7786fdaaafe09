package effective

import (
	"strings"

	rbacv1 "k8s.io/api/rbac/v1"
)

// Admin reports whether s is a built-in privileged identity whose grants are
// expected, so a caller can leave them out of (or downgrade them in) a
// report. The identities are:
//
// Groups
//   - system:masters — bypasses RBAC entirely; bound to cluster-admin by
//     the bootstrap policy.
//   - system:nodes — the kubelets. The Node authorizer and the
//     NodeRestriction admission plugin scope what they may do to their own
//     node's objects; RBAC grants to the group are bootstrap leftovers.
//   - kubeadm:cluster-admins — kubeadm (v1.29+) binds it to cluster-admin
//     for admin.conf instead of system:masters.
//
// Users
//   - system:kube-controller-manager, system:kube-scheduler,
//     system:kube-proxy, system:apiserver (the API server's loopback client);
//   - kube-apiserver-kubelet-client (kubeadm) and kube-apiserver (k3s,
//     RKE2): the API server's client certificate towards kubelets, bound to
//     system:kubelet-api-admin (nodes/proxy).
//
// ServiceAccounts of namespace kube-system
//   - every name ending in "-controller" (the built-in controllers run with
//     --use-service-account-credentials: deployment-controller,
//     namespace-controller, clusterrole-aggregation-controller, ...);
//   - the built-in controllers whose names do not end so:
//     generic-garbage-collector, horizontal-pod-autoscaler,
//     persistent-volume-binder, pod-garbage-collector,
//     root-ca-cert-publisher, bootstrap-signer, token-cleaner,
//     legacy-service-account-token-cleaner, storage-version-garbage-collector,
//     kube-apiserver-serving-clustertrustbundle-publisher,
//     podcertificaterequestcleaner, cloud-provider;
//   - kube-controller-manager, kube-scheduler and kube-proxy.
//
// Note that the "-controller" suffix rule also matches third-party
// controllers installed in kube-system (e.g. aws-load-balancer-controller);
// callers wanting the strict built-in list can combine Admin with
// BuiltinController.
//
// A User named system:serviceaccount:<ns>:<name> is a service account; Admin
// expects the normalized Subject produced by Evaluate (Kind ServiceAccount),
// but accepts the User form too.
func Admin(s Subject) bool {
	switch s.Kind {
	case rbacv1.GroupKind:
		return adminGroups[s.Name]
	case rbacv1.UserKind:
		if n, ok := normalize(rbacv1.Subject{Kind: s.Kind, Name: s.Name}, ""); ok && n.Kind == rbacv1.ServiceAccountKind {
			return Admin(n)
		}
		return adminUsers[s.Name]
	case rbacv1.ServiceAccountKind:
		if s.Namespace != "kube-system" {
			return false
		}
		return strings.HasSuffix(s.Name, "-controller") || builtinControllers[s.Name] || adminKubeSystemSAs[s.Name]
	}
	return false
}

// BuiltinController reports whether name is the service account of a
// controller of kube-controller-manager (bootstrap policy of Kubernetes
// v1.37, plus the cloud-controller-manager's cloud-provider) in kube-system.
// Unlike Admin it does not accept any "-controller" name.
func BuiltinController(name string) bool { return builtinControllers[name] }

var adminGroups = map[string]bool{
	"system:masters":         true,
	"system:nodes":           true,
	"kubeadm:cluster-admins": true,
}

var adminUsers = map[string]bool{
	"system:kube-controller-manager": true,
	"system:kube-scheduler":          true,
	"system:kube-proxy":              true,
	"system:apiserver":               true,
	"kube-apiserver-kubelet-client":  true,
	"kube-apiserver":                 true,
}

// adminKubeSystemSAs are the non-controller built-in components running
// with kube-system service accounts.
var adminKubeSystemSAs = map[string]bool{
	"kube-controller-manager": true,
	"kube-scheduler":          true,
	"kube-proxy":              true,
}

// builtinControllers is the bootstrap policy's controller service accounts
// (system:controller:<name> roles bound to kube-system/<name>).
var builtinControllers = map[string]bool{
	"attachdetach-controller":                             true,
	"bootstrap-signer":                                    true,
	"certificate-controller":                              true,
	"cloud-provider":                                      true,
	"clusterrole-aggregation-controller":                  true,
	"cronjob-controller":                                  true,
	"daemon-set-controller":                               true,
	"deployment-controller":                               true,
	"device-taint-eviction-controller":                    true,
	"disruption-controller":                               true,
	"endpoint-controller":                                 true,
	"endpointslice-controller":                            true,
	"endpointslicemirroring-controller":                   true,
	"ephemeral-volume-controller":                         true,
	"expand-controller":                                   true,
	"generic-garbage-collector":                           true,
	"horizontal-pod-autoscaler":                           true,
	"job-controller":                                      true,
	"kube-apiserver-serving-clustertrustbundle-publisher": true,
	"legacy-service-account-token-cleaner":                true,
	"namespace-controller":                                true,
	"node-controller":                                     true,
	"persistent-volume-binder":                            true,
	"pod-garbage-collector":                               true,
	"podcertificaterequestcleaner":                        true,
	"podgroup-protection-controller":                      true,
	"pv-protection-controller":                            true,
	"pvc-protection-controller":                           true,
	"replicaset-controller":                               true,
	"replication-controller":                              true,
	"resource-claim-controller":                           true,
	"resourcepoolstatusrequest-controller":                true,
	"resourcequota-controller":                            true,
	"root-ca-cert-publisher":                              true,
	"route-controller":                                    true,
	"selinux-warning-controller":                          true,
	"service-account-controller":                          true,
	"service-cidrs-controller":                            true,
	"service-controller":                                  true,
	"statefulset-controller":                              true,
	"storage-version-garbage-collector":                   true,
	"storage-version-migrator-controller":                 true,
	"token-cleaner":                                       true,
	"ttl-after-finished-controller":                       true,
	"ttl-controller":                                      true,
	"validatingadmissionpolicy-status-controller":         true,
	"volumeattributesclass-protection-controller":         true,
}
