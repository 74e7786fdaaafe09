package kube_test

import (
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/kubeward/kubeward/internal/check"
	_ "github.com/kubeward/kubeward/internal/check/controlplane" // registers the node checks
	"github.com/kubeward/kubeward/internal/config"
	"github.com/kubeward/kubeward/internal/inventory"
	"github.com/kubeward/kubeward/internal/source/host"
	"github.com/kubeward/kubeward/internal/source/kube"
	nodesrc "github.com/kubeward/kubeward/internal/source/node"
)

func staticPod(ns, name string, mirror bool, command ...string) *inventory.Object {
	p := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name}, Spec: corev1.PodSpec{NodeName: "cp1",
		Containers: []corev1.Container{{Name: "c", Command: command}}}}
	if mirror {
		yes := true
		p.Annotations = map[string]string{"kubernetes.io/config.mirror": "abc"}
		p.OwnerReferences = []metav1.OwnerReference{{Kind: "Node", Name: "cp1", Controller: &yes}}
	}
	return &inventory.Object{Version: "v1", Kind: "Pod", Namespace: ns, Name: name, Typed: p,
		Origin: "/api/v1/namespaces/" + ns + "/pods/" + name}
}

// TestStaticPods: the control plane's static pods, as the API server shows
// them, become components; the node audit's flag rules judge their command
// lines.
func TestStaticPods(t *testing.T) {
	tests := []struct {
		name string
		obj  *inventory.Object
		want string // the verdict of KW-API-005 (anonymous-auth)
	}{
		{"anonymous auth on", staticPod("kube-system", "kube-apiserver-cp1", true, "kube-apiserver", "--anonymous-auth=true"), "FAIL"},
		{"anonymous auth off", staticPod("kube-system", "kube-apiserver-cp1", true, "kube-apiserver", "--anonymous-auth=false"), "PASS"},
		{"outside kube-system: not the control plane", staticPod("apps", "kube-apiserver-cp1", true, "kube-apiserver", "--anonymous-auth=true"), ""},
		{"not a mirror pod", staticPod("kube-system", "kube-apiserver-fake", false, "kube-apiserver", "--anonymous-auth=true"), ""},
		{"unknown program", staticPod("kube-system", "x", true, "/bin/sh", "-c", "sleep"), ""},
	}
	env := &check.Env{Config: config.Default(), Mode: "cluster", Now: time.Now()}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := &kube.StaticPods{}
			s.Observe(tc.obj)
			var got []string
			for _, n := range s.Nodes() {
				for _, r := range check.EvaluateFlagRules(env, nodesrc.Gather(&host.FS{NoFiles: true}, n)) {
					if r.ID == "KW-API-005" {
						got = append(got, string(r.Status))
						if r.Location == nil || r.Location.File != tc.obj.Origin || r.Location.Origin != "static pod (API)" {
							t.Errorf("location = %+v, want the pod's API path", r.Location)
						}
						if !strings.HasPrefix(r.Subject.Name, "kube-system/kube-apiserver-cp1 on cp1") {
							t.Errorf("subject = %+v", r.Subject)
						}
					}
					// Checks on files cannot run through the API: never a FAIL for them.
					if r.Status == "FAIL" && strings.Contains(r.Evidence, "not readable from here") {
						t.Errorf("%s failed on an unreadable file: %s", r.ID, r.Evidence)
					}
				}
			}
			if strings.Join(got, " ") != tc.want {
				t.Errorf("KW-API-005 = %q, want %q", strings.Join(got, " "), tc.want)
			}
		})
	}
}
