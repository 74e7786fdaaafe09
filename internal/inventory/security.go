package inventory

import (
	corev1 "k8s.io/api/core/v1"
)

// SecurityContext is a container's effective security settings: the
// container's own securityContext over the pod's, field by field, as the
// kubelet combines them (pkg/securitycontext.DetermineEffectiveSecurityContext).
// Each *Path field is where the effective value was set, or the container's
// path when it is unset, so findings point at the line to change.
type SecurityContext struct {
	RunAsUser                    *int64
	RunAsUserPath                string
	RunAsNonRoot                 *bool
	RunAsNonRootPath             string
	SELinuxOptions               *corev1.SELinuxOptions
	SELinuxOptionsPath           string
	SeccompProfile               *corev1.SeccompProfile
	SeccompProfilePath           string
	AppArmorProfile              *corev1.AppArmorProfile
	AppArmorProfilePath          string
	Privileged                   *bool
	AllowPrivilegeEscalation     *bool
	Capabilities                 *corev1.Capabilities
	ReadOnlyRootFilesystem       *bool
	ProcMount                    *corev1.ProcMountType
	ContainerSecurityContextPath string
}

// AppArmorAnnotationPrefix is the legacy per-container AppArmor annotation.
const AppArmorAnnotationPrefix = "container.apparmor.security.beta.kubernetes.io/"

// EffectiveSecurityContext combines the pod's and the container's settings.
func (w *Workload) EffectiveSecurityContext(c Container) SecurityContext {
	podPath := w.SpecPath + ".securityContext"
	ctrPath := c.Path + ".securityContext"
	sc := SecurityContext{
		RunAsUserPath: c.Path, RunAsNonRootPath: c.Path, SELinuxOptionsPath: c.Path,
		SeccompProfilePath: c.Path, AppArmorProfilePath: c.Path, ContainerSecurityContextPath: ctrPath,
	}
	if p := w.Spec.SecurityContext; p != nil {
		if p.RunAsUser != nil {
			sc.RunAsUser, sc.RunAsUserPath = p.RunAsUser, podPath+".runAsUser"
		}
		if p.RunAsNonRoot != nil {
			sc.RunAsNonRoot, sc.RunAsNonRootPath = p.RunAsNonRoot, podPath+".runAsNonRoot"
		}
		if p.SELinuxOptions != nil {
			sc.SELinuxOptions, sc.SELinuxOptionsPath = p.SELinuxOptions, podPath+".seLinuxOptions"
		}
		if p.SeccompProfile != nil {
			sc.SeccompProfile, sc.SeccompProfilePath = p.SeccompProfile, podPath+".seccompProfile"
		}
	}
	// The kubelet takes AppArmor from the container field, then the legacy
	// annotation, then the pod field (pkg/security/apparmor.GetProfile).
	if v, ok := w.Meta.Annotations[AppArmorAnnotationPrefix+c.Name]; ok {
		sc.AppArmorProfile = appArmorFromAnnotation(v)
		sc.AppArmorProfilePath = "metadata.annotations[" + AppArmorAnnotationPrefix + c.Name + "]"
		if w.SpecPath != "spec" {
			sc.AppArmorProfilePath = w.SpecPath[:len(w.SpecPath)-len("spec")] + sc.AppArmorProfilePath
		}
	} else if p := w.Spec.SecurityContext; p != nil && p.AppArmorProfile != nil {
		sc.AppArmorProfile, sc.AppArmorProfilePath = p.AppArmorProfile, podPath+".appArmorProfile"
	}
	if s := c.SecurityContext; s != nil {
		if s.RunAsUser != nil {
			sc.RunAsUser, sc.RunAsUserPath = s.RunAsUser, ctrPath+".runAsUser"
		}
		if s.RunAsNonRoot != nil {
			sc.RunAsNonRoot, sc.RunAsNonRootPath = s.RunAsNonRoot, ctrPath+".runAsNonRoot"
		}
		if s.SELinuxOptions != nil {
			sc.SELinuxOptions, sc.SELinuxOptionsPath = s.SELinuxOptions, ctrPath+".seLinuxOptions"
		}
		if s.SeccompProfile != nil {
			sc.SeccompProfile, sc.SeccompProfilePath = s.SeccompProfile, ctrPath+".seccompProfile"
		}
		if s.AppArmorProfile != nil {
			sc.AppArmorProfile, sc.AppArmorProfilePath = s.AppArmorProfile, ctrPath+".appArmorProfile"
		}
		sc.Privileged = s.Privileged
		sc.AllowPrivilegeEscalation = s.AllowPrivilegeEscalation
		sc.Capabilities = s.Capabilities
		sc.ReadOnlyRootFilesystem = s.ReadOnlyRootFilesystem
		sc.ProcMount = s.ProcMount
	}
	return sc
}

func appArmorFromAnnotation(v string) *corev1.AppArmorProfile {
	switch {
	case v == "runtime/default":
		return &corev1.AppArmorProfile{Type: corev1.AppArmorProfileTypeRuntimeDefault}
	case v == "unconfined":
		return &corev1.AppArmorProfile{Type: corev1.AppArmorProfileTypeUnconfined}
	case len(v) > len("localhost/") && v[:len("localhost/")] == "localhost/":
		name := v[len("localhost/"):]
		return &corev1.AppArmorProfile{Type: corev1.AppArmorProfileTypeLocalhost, LocalhostProfile: &name}
	}
	// An unknown value: the API server rejects it; treat it as not confining.
	return &corev1.AppArmorProfile{Type: corev1.AppArmorProfileTypeUnconfined}
}
