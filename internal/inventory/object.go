// Package inventory is the one model every check reads: Kubernetes objects
// with their source location, whichever source (manifest files, a live
// cluster, an AdmissionReview) produced them.
package inventory

import (
	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/kubeward/kubeward/internal/result"
)

// Object is one Kubernetes object.
type Object struct {
	Group       string // API group without version ("" for core, "apps", ...)
	Version     string
	Kind        string
	Namespace   string // empty for cluster-scoped kinds
	Name        string
	Labels      map[string]string
	Annotations map[string]string

	// Typed is the decoded object (*corev1.Pod, *appsv1.Deployment, ...), or
	// nil for kinds kubeward does not evaluate.
	Typed any

	// File, Line and Origin say where the object came from; Line is the first
	// line of the object's document.
	File   string
	Line   int
	Origin string

	// Owner is "Kind/name" of the controller that manages the object in a
	// live cluster (a ReplicaSet's Deployment, a pod's ReplicaSet), when that
	// controller is itself evaluated: workload checks then report against
	// the owner only.
	Owner string

	// Locate returns the line of a field path inside the object, or 0. It is
	// nil when the source has no lines (the API server, admission).
	Locate func(path string) int

	// LocateFile, when set, is Locate for sources whose fields may come
	// from another file than File (a chart field rendered from a values
	// file): it returns that file ("" for File) and line, or a line of 0.
	// Location prefers it to Locate.
	LocateFile func(path string) (file string, line int)

	// Images are the supply-chain facts of the pod template's images, keyed
	// by reference as written, when a supply-chain policy applies to the
	// object (image.go); nil otherwise.
	Images map[string]*Image
}

// Subject names the object in results.
func (o *Object) Subject() result.Subject {
	return result.Subject{Kind: o.Kind, Namespace: o.Namespace, Name: o.Name}
}

// Location resolves a field path to a location in the object's source.
func (o *Object) Location(path string) *result.Location {
	if o.File == "" {
		if path == "" && o.Origin == "" {
			return nil
		}
		// A live object: Origin is its API path.
		return &result.Location{Path: path, Origin: o.Origin}
	}
	if o.LocateFile != nil && path != "" {
		if f, l := o.LocateFile(path); l > 0 {
			if f == "" {
				f = o.File
			}
			return &result.Location{File: f, Line: l, Path: path, Origin: o.Origin}
		}
	}
	line := o.Line
	if o.Locate != nil && path != "" {
		if l := o.Locate(path); l > 0 {
			line = l
		}
	}
	return &result.Location{File: o.File, Line: line, Path: path, Origin: o.Origin}
}

// Workload is the pod template of a pod-bearing object.
type Workload struct {
	Meta *metav1.ObjectMeta
	Spec *corev1.PodSpec
	// SpecPath is the field path of Spec inside the object.
	SpecPath string
	// Replicas is the desired replica count of a controller (nil for kinds without one).
	Replicas *int32
}

// Workload returns the pod template of Pods, Deployments, StatefulSets,
// DaemonSets, ReplicaSets, ReplicationControllers, Jobs and CronJobs.
func (o *Object) Workload() (*Workload, bool) {
	switch t := o.Typed.(type) {
	case *corev1.Pod:
		return &Workload{Meta: &t.ObjectMeta, Spec: &t.Spec, SpecPath: "spec"}, true
	case *appsv1.Deployment:
		return &Workload{Meta: &t.Spec.Template.ObjectMeta, Spec: &t.Spec.Template.Spec, SpecPath: "spec.template.spec", Replicas: orOne(t.Spec.Replicas)}, true
	case *appsv1.StatefulSet:
		return &Workload{Meta: &t.Spec.Template.ObjectMeta, Spec: &t.Spec.Template.Spec, SpecPath: "spec.template.spec", Replicas: orOne(t.Spec.Replicas)}, true
	case *appsv1.DaemonSet:
		return &Workload{Meta: &t.Spec.Template.ObjectMeta, Spec: &t.Spec.Template.Spec, SpecPath: "spec.template.spec"}, true
	case *appsv1.ReplicaSet:
		return &Workload{Meta: &t.Spec.Template.ObjectMeta, Spec: &t.Spec.Template.Spec, SpecPath: "spec.template.spec", Replicas: orOne(t.Spec.Replicas)}, true
	case *corev1.ReplicationController:
		if t.Spec.Template == nil {
			return nil, false
		}
		return &Workload{Meta: &t.Spec.Template.ObjectMeta, Spec: &t.Spec.Template.Spec, SpecPath: "spec.template.spec", Replicas: orOne(t.Spec.Replicas)}, true
	case *batchv1.Job:
		return &Workload{Meta: &t.Spec.Template.ObjectMeta, Spec: &t.Spec.Template.Spec, SpecPath: "spec.template.spec"}, true
	case *batchv1.CronJob:
		return &Workload{Meta: &t.Spec.JobTemplate.Spec.Template.ObjectMeta, Spec: &t.Spec.JobTemplate.Spec.Template.Spec, SpecPath: "spec.jobTemplate.spec.template.spec"}, true
	}
	return nil, false
}

func orOne(r *int32) *int32 {
	if r == nil {
		one := int32(1)
		return &one
	}
	return r
}

// Container is one container of a pod spec with its list and index.
type Container struct {
	*corev1.Container
	// Path is the container's field path, e.g. spec.containers[0].
	Path string
	// List is "containers", "initContainers" or "ephemeralContainers".
	List string
}
