package rbac

import (
	"slices"

	rbacv1 "k8s.io/api/rbac/v1"
)

// PublicGroups and PublicUsers are the subjects that stand for everyone: a
// binding to one of them grants its role to every anonymous request or to
// every authenticated identity (every service account of every namespace
// included).
var (
	PublicGroups = []string{"system:anonymous", "system:unauthenticated", "system:authenticated"}
	PublicUsers  = []string{"system:anonymous"}
)

// BootstrapPublicBindings are the ClusterRoleBindings the API server itself
// creates for everyone, with their subjects, each binding the ClusterRole
// of its own name. Written from k8s.io/kubernetes
// plugin/pkg/auth/authorizer/rbac/bootstrappolicy/policy.go,
// ClusterRoleBindings() (v1.37; the same since v1.14, when
// system:unauthenticated left system:discovery and system:basic-user).
var BootstrapPublicBindings = map[string][]string{
	"system:basic-user":         {"system:authenticated"},
	"system:discovery":          {"system:authenticated"},
	"system:public-info-viewer": {"system:authenticated", "system:unauthenticated"},
}

// isPublic reports whether s stands for everyone (anonymous, unauthenticated
// or every authenticated identity).
func isPublic(s rbacv1.Subject) bool {
	switch s.Kind {
	case rbacv1.GroupKind:
		return slices.Contains(PublicGroups, s.Name)
	case rbacv1.UserKind:
		return slices.Contains(PublicUsers, s.Name)
	}
	return false
}

// bootstrapGrant reports whether the public subject s of a binding is one
// the API server grants itself: the binding is a ClusterRoleBinding of a
// bootstrap name, binding the ClusterRole of that name, and s is among the
// groups the API server binds there. A bootstrap binding edited to bind
// another role, or to more public subjects, is not.
func bootstrapGrant(kind, name string, ref rbacv1.RoleRef, s rbacv1.Subject) bool {
	groups, ok := BootstrapPublicBindings[name]
	if !ok || kind != "ClusterRoleBinding" || ref.Kind != "ClusterRole" || ref.Name != name ||
		(ref.APIGroup != "" && ref.APIGroup != rbacv1.GroupName) {
		return false
	}
	return s.Kind == rbacv1.GroupKind && slices.Contains(groups, s.Name)
}

// KubeadmClusterInfo is the RoleBinding (and Role) kubeadm creates in
// kube-public so that `kubeadm join --discovery-token` can read the
// cluster-info ConfigMap (the cluster CA and API address) before it has
// credentials: it binds the user system:anonymous.
const KubeadmClusterInfo = "kubeadm:bootstrap-signer-clusterinfo"

// kubeadmDiscoveryGrant reports whether the public subject s is kubeadm's
// cluster-info discovery grant as kubeadm creates it: the RoleBinding of
// that name in kube-public, binding the Role of that name, to the user
// system:anonymous. It is a deliberate, narrow anonymous grant that a person
// should confirm (and remove once nodes join with a discovery file), not a
// misconfiguration to fail every kubeadm cluster on.
func kubeadmDiscoveryGrant(kind, namespace, name string, ref rbacv1.RoleRef, s rbacv1.Subject) bool {
	return kind == "RoleBinding" && namespace == "kube-public" && name == KubeadmClusterInfo &&
		ref.Kind == "Role" && ref.Name == KubeadmClusterInfo && (ref.APIGroup == "" || ref.APIGroup == rbacv1.GroupName) &&
		s.Kind == rbacv1.UserKind && s.Name == "system:anonymous"
}
