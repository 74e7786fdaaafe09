package inventory

import (
	"reflect"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func ptr[T any](v T) *T { return &v }

// spec is a pod spec whose container names say which one it is.
func spec() corev1.PodSpec {
	return corev1.PodSpec{
		InitContainers: []corev1.Container{{Name: "init"}},
		Containers:     []corev1.Container{{Name: "app"}, {Name: "sidecar"}},
		EphemeralContainers: []corev1.EphemeralContainer{{EphemeralContainerCommon: corev1.EphemeralContainerCommon{
			Name: "debug", Image: "busybox",
		}}},
	}
}

func template() corev1.PodTemplateSpec {
	return corev1.PodTemplateSpec{ObjectMeta: metav1.ObjectMeta{Labels: map[string]string{"tmpl": "yes"}}, Spec: spec()}
}

func TestWorkload(t *testing.T) {
	one, three := int32(1), int32(3)
	tests := []struct {
		kind     string
		typed    any
		specPath string
		replicas *int32 // nil: the kind has no replica count
	}{
		{"Pod", &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Labels: map[string]string{"tmpl": "yes"}}, Spec: spec()}, "spec", nil},
		{"Deployment", &appsv1.Deployment{Spec: appsv1.DeploymentSpec{Replicas: &three, Template: template()}}, "spec.template.spec", &three},
		{"Deployment without replicas", &appsv1.Deployment{Spec: appsv1.DeploymentSpec{Template: template()}}, "spec.template.spec", &one},
		{"StatefulSet", &appsv1.StatefulSet{Spec: appsv1.StatefulSetSpec{Replicas: &three, Template: template()}}, "spec.template.spec", &three},
		{"StatefulSet without replicas", &appsv1.StatefulSet{Spec: appsv1.StatefulSetSpec{Template: template()}}, "spec.template.spec", &one},
		{"DaemonSet", &appsv1.DaemonSet{Spec: appsv1.DaemonSetSpec{Template: template()}}, "spec.template.spec", nil},
		{"ReplicaSet", &appsv1.ReplicaSet{Spec: appsv1.ReplicaSetSpec{Replicas: &three, Template: template()}}, "spec.template.spec", &three},
		{"ReplicaSet without replicas", &appsv1.ReplicaSet{Spec: appsv1.ReplicaSetSpec{Template: template()}}, "spec.template.spec", &one},
		{"ReplicationController", &corev1.ReplicationController{Spec: corev1.ReplicationControllerSpec{Replicas: &three, Template: ptr(template())}}, "spec.template.spec", &three},
		{"ReplicationController without replicas", &corev1.ReplicationController{Spec: corev1.ReplicationControllerSpec{Template: ptr(template())}}, "spec.template.spec", &one},
		{"Job", &batchv1.Job{Spec: batchv1.JobSpec{Template: template()}}, "spec.template.spec", nil},
		{"CronJob", &batchv1.CronJob{Spec: batchv1.CronJobSpec{JobTemplate: batchv1.JobTemplateSpec{Spec: batchv1.JobSpec{Template: template()}}}}, "spec.jobTemplate.spec.template.spec", nil},
	}
	for _, tc := range tests {
		t.Run(tc.kind, func(t *testing.T) {
			o := &Object{Kind: tc.kind, Typed: tc.typed}
			w, ok := o.Workload()
			if !ok || w == nil {
				t.Fatal("Workload() found no pod template")
			}
			if w.SpecPath != tc.specPath {
				t.Errorf("SpecPath = %q, want %q", w.SpecPath, tc.specPath)
			}
			if w.Meta.Labels["tmpl"] != "yes" {
				t.Errorf("Meta is not the pod template's metadata: %+v", w.Meta)
			}
			switch {
			case tc.replicas == nil && w.Replicas != nil:
				t.Errorf("Replicas = %d, want nil", *w.Replicas)
			case tc.replicas != nil && (w.Replicas == nil || *w.Replicas != *tc.replicas):
				t.Errorf("Replicas = %v, want %d", w.Replicas, *tc.replicas)
			}
			// Spec points into the typed object, not at a copy.
			w.Spec.Containers[0].Image = "changed"
			w2, _ := o.Workload()
			if w2.Spec.Containers[0].Image != "changed" {
				t.Error("Spec is a copy of the object's pod spec")
			}
			var names, paths, lists []string
			for _, c := range w.Containers() {
				names = append(names, c.Name)
				paths = append(paths, c.Path)
				lists = append(lists, c.List)
			}
			if want := []string{"init", "app", "sidecar", "debug"}; !reflect.DeepEqual(names, want) {
				t.Errorf("Containers() names = %v, want %v", names, want)
			}
			p := tc.specPath
			if want := []string{p + ".initContainers[0]", p + ".containers[0]", p + ".containers[1]", p + ".ephemeralContainers[0]"}; !reflect.DeepEqual(paths, want) {
				t.Errorf("Containers() paths = %v, want %v", paths, want)
			}
			if want := []string{"initContainers", "containers", "containers", "ephemeralContainers"}; !reflect.DeepEqual(lists, want) {
				t.Errorf("Containers() lists = %v, want %v", lists, want)
			}
		})
	}
}

func TestWorkloadAbsent(t *testing.T) {
	tests := []struct {
		name  string
		typed any
	}{
		{"untyped object", nil},
		{"Service", &corev1.Service{}},
		{"ConfigMap", &corev1.ConfigMap{}},
		{"PodTemplate", &corev1.PodTemplate{Template: template()}},
		{"ReplicationController without template", &corev1.ReplicationController{}},
		{"Pod by value, not pointer", corev1.Pod{}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if w, ok := (&Object{Typed: tc.typed}).Workload(); ok || w != nil {
				t.Errorf("Workload() = %+v, %v; want none", w, ok)
			}
		})
	}
}

func TestContainersEmpty(t *testing.T) {
	w := &Workload{Spec: &corev1.PodSpec{}, SpecPath: "spec"}
	if cs := w.Containers(); len(cs) != 0 {
		t.Errorf("Containers() of an empty spec = %v", cs)
	}
}
