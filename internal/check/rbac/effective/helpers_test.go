package effective

import (
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func rule(groups, resources, verbs []string, names ...string) rbacv1.PolicyRule {
	return rbacv1.PolicyRule{APIGroups: groups, Resources: resources, Verbs: verbs, ResourceNames: names}
}

func l(s ...string) []string { return s }

var core = l("")

func role(ns, name string, rules ...rbacv1.PolicyRule) *rbacv1.Role {
	return &rbacv1.Role{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name}, Rules: rules}
}

func crole(name string, rules ...rbacv1.PolicyRule) *rbacv1.ClusterRole {
	return &rbacv1.ClusterRole{ObjectMeta: metav1.ObjectMeta{Name: name}, Rules: rules}
}

// aggregated builds a ClusterRole carrying labels and aggregating the roles
// matching any of selectors (each a label map).
func aggregated(name string, lbls map[string]string, selectors []map[string]string, rules ...rbacv1.PolicyRule) *rbacv1.ClusterRole {
	cr := crole(name, rules...)
	cr.Labels = lbls
	cr.AggregationRule = &rbacv1.AggregationRule{}
	for _, s := range selectors {
		cr.AggregationRule.ClusterRoleSelectors = append(cr.AggregationRule.ClusterRoleSelectors, metav1.LabelSelector{MatchLabels: s})
	}
	return cr
}

func labelled(name string, lbls map[string]string, rules ...rbacv1.PolicyRule) *rbacv1.ClusterRole {
	cr := crole(name, rules...)
	cr.Labels = lbls
	return cr
}

func rb(ns, name, kind, ref string, subjects ...rbacv1.Subject) *rbacv1.RoleBinding {
	return &rbacv1.RoleBinding{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name},
		RoleRef: rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: kind, Name: ref}, Subjects: subjects}
}

func crb(name, ref string, subjects ...rbacv1.Subject) *rbacv1.ClusterRoleBinding {
	return &rbacv1.ClusterRoleBinding{ObjectMeta: metav1.ObjectMeta{Name: name},
		RoleRef: rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: ref}, Subjects: subjects}
}

func user(n string) rbacv1.Subject {
	return rbacv1.Subject{Kind: rbacv1.UserKind, APIGroup: rbacv1.GroupName, Name: n}
}
func group(n string) rbacv1.Subject {
	return rbacv1.Subject{Kind: rbacv1.GroupKind, APIGroup: rbacv1.GroupName, Name: n}
}
func sa(ns, n string) rbacv1.Subject {
	return rbacv1.Subject{Kind: rbacv1.ServiceAccountKind, Namespace: ns, Name: n}
}

func U(n string) Subject { return Subject{Kind: rbacv1.UserKind, Name: n} }
func G(n string) Subject { return Subject{Kind: rbacv1.GroupKind, Name: n} }
func SA(ns, n string) Subject {
	return Subject{Kind: rbacv1.ServiceAccountKind, Namespace: ns, Name: n}
}

// abilitiesOf lists the distinct abilities of grants, in grant order.
func abilitiesOf(grants []Grant) []Ability {
	var out []Ability
	for _, g := range grants {
		if len(out) == 0 || out[len(out)-1] != g.Ability {
			out = append(out, g.Ability)
		}
	}
	return out
}
