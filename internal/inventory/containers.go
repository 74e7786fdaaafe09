package inventory

import (
	"strconv"

	corev1 "k8s.io/api/core/v1"
)

// Containers lists every container of the workload: init containers,
// containers and ephemeral containers, each with its field path.
func (w *Workload) Containers() []Container {
	s := w.Spec
	out := make([]Container, 0, len(s.InitContainers)+len(s.Containers)+len(s.EphemeralContainers))
	for i := range s.InitContainers {
		out = append(out, Container{Container: &s.InitContainers[i], Path: w.SpecPath + ".initContainers[" + strconv.Itoa(i) + "]", List: "initContainers"})
	}
	for i := range s.Containers {
		out = append(out, Container{Container: &s.Containers[i], Path: w.SpecPath + ".containers[" + strconv.Itoa(i) + "]", List: "containers"})
	}
	for i := range s.EphemeralContainers {
		c := (*corev1.Container)(&s.EphemeralContainers[i].EphemeralContainerCommon)
		out = append(out, Container{Container: c, Path: w.SpecPath + ".ephemeralContainers[" + strconv.Itoa(i) + "]", List: "ephemeralContainers"})
	}
	return out
}
