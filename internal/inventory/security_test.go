package inventory

import (
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// effective builds a Deployment with the given pod and container security
// contexts and template annotations, and returns the effective context of
// its container "app".
func effective(pod *corev1.PodSecurityContext, ctr *corev1.SecurityContext, ann map[string]string) SecurityContext {
	d := &appsv1.Deployment{}
	d.Spec.Template.Annotations = ann
	d.Spec.Template.Spec = corev1.PodSpec{SecurityContext: pod, Containers: []corev1.Container{{Name: "app", SecurityContext: ctr}}}
	w, _ := (&Object{Typed: d}).Workload()
	return w.EffectiveSecurityContext(w.Containers()[0])
}

const (
	podSC = "spec.template.spec.securityContext"
	ctr   = "spec.template.spec.containers[0]"
	ctrSC = ctr + ".securityContext"
)

func TestEffectiveSecurityContextMerge(t *testing.T) {
	rtDefault := &corev1.SeccompProfile{Type: corev1.SeccompProfileTypeRuntimeDefault}
	localhost := &corev1.SeccompProfile{Type: corev1.SeccompProfileTypeLocalhost, LocalhostProfile: ptr("p.json")}
	podSEL := &corev1.SELinuxOptions{Level: "s0:c1,c2"}
	ctrSEL := &corev1.SELinuxOptions{Type: "container_t"}
	tests := []struct {
		name  string
		pod   *corev1.PodSecurityContext
		ctr   *corev1.SecurityContext
		check func(t *testing.T, sc SecurityContext)
	}{
		{"nothing set: values nil, paths at the container", nil, nil, func(t *testing.T, sc SecurityContext) {
			if sc.RunAsUser != nil || sc.RunAsNonRoot != nil || sc.SeccompProfile != nil || sc.SELinuxOptions != nil || sc.AppArmorProfile != nil ||
				sc.Privileged != nil || sc.AllowPrivilegeEscalation != nil || sc.Capabilities != nil || sc.ReadOnlyRootFilesystem != nil || sc.ProcMount != nil {
				t.Errorf("values set from nothing: %+v", sc)
			}
			for name, p := range map[string]string{"RunAsUser": sc.RunAsUserPath, "RunAsNonRoot": sc.RunAsNonRootPath, "SELinux": sc.SELinuxOptionsPath, "Seccomp": sc.SeccompProfilePath, "AppArmor": sc.AppArmorProfilePath} {
				if p != ctr {
					t.Errorf("%sPath = %q, want the container %q", name, p, ctr)
				}
			}
			if sc.ContainerSecurityContextPath != ctrSC {
				t.Errorf("ContainerSecurityContextPath = %q", sc.ContainerSecurityContextPath)
			}
		}},
		{"pod level only is inherited", &corev1.PodSecurityContext{RunAsUser: ptr(int64(1000)), RunAsNonRoot: ptr(true), SeccompProfile: rtDefault, SELinuxOptions: podSEL}, nil,
			func(t *testing.T, sc SecurityContext) {
				if sc.RunAsUser == nil || *sc.RunAsUser != 1000 || sc.RunAsUserPath != podSC+".runAsUser" {
					t.Errorf("RunAsUser = %v at %q", sc.RunAsUser, sc.RunAsUserPath)
				}
				if sc.RunAsNonRoot == nil || !*sc.RunAsNonRoot || sc.RunAsNonRootPath != podSC+".runAsNonRoot" {
					t.Errorf("RunAsNonRoot = %v at %q", sc.RunAsNonRoot, sc.RunAsNonRootPath)
				}
				if sc.SeccompProfile != rtDefault || sc.SeccompProfilePath != podSC+".seccompProfile" {
					t.Errorf("SeccompProfile = %v at %q", sc.SeccompProfile, sc.SeccompProfilePath)
				}
				if sc.SELinuxOptions != podSEL || sc.SELinuxOptionsPath != podSC+".seLinuxOptions" {
					t.Errorf("SELinuxOptions = %v at %q", sc.SELinuxOptions, sc.SELinuxOptionsPath)
				}
			}},
		{"container overrides the pod field by field", &corev1.PodSecurityContext{RunAsUser: ptr(int64(1000)), RunAsNonRoot: ptr(true), SeccompProfile: rtDefault, SELinuxOptions: podSEL},
			&corev1.SecurityContext{RunAsUser: ptr(int64(0)), SeccompProfile: localhost, SELinuxOptions: ctrSEL},
			func(t *testing.T, sc SecurityContext) {
				if sc.RunAsUser == nil || *sc.RunAsUser != 0 || sc.RunAsUserPath != ctrSC+".runAsUser" {
					t.Errorf("RunAsUser = %v at %q, want the container's 0", sc.RunAsUser, sc.RunAsUserPath)
				}
				// runAsNonRoot is not set on the container: the pod's stays.
				if sc.RunAsNonRoot == nil || !*sc.RunAsNonRoot || sc.RunAsNonRootPath != podSC+".runAsNonRoot" {
					t.Errorf("RunAsNonRoot = %v at %q, want the pod's", sc.RunAsNonRoot, sc.RunAsNonRootPath)
				}
				if sc.SeccompProfile != localhost || sc.SeccompProfilePath != ctrSC+".seccompProfile" {
					t.Errorf("SeccompProfile = %v at %q", sc.SeccompProfile, sc.SeccompProfilePath)
				}
				// SELinux options replace the pod's as a whole, as the kubelet does.
				if sc.SELinuxOptions != ctrSEL || sc.SELinuxOptionsPath != ctrSC+".seLinuxOptions" {
					t.Errorf("SELinuxOptions = %v at %q", sc.SELinuxOptions, sc.SELinuxOptionsPath)
				}
			}},
		{"container false overrides pod true", &corev1.PodSecurityContext{RunAsNonRoot: ptr(true)}, &corev1.SecurityContext{RunAsNonRoot: ptr(false)},
			func(t *testing.T, sc SecurityContext) {
				if sc.RunAsNonRoot == nil || *sc.RunAsNonRoot || sc.RunAsNonRootPath != ctrSC+".runAsNonRoot" {
					t.Errorf("RunAsNonRoot = %v at %q, want the container's false", sc.RunAsNonRoot, sc.RunAsNonRootPath)
				}
			}},
		{"container-only fields are copied", nil, &corev1.SecurityContext{Privileged: ptr(true), AllowPrivilegeEscalation: ptr(false),
			Capabilities: &corev1.Capabilities{Drop: []corev1.Capability{"ALL"}}, ReadOnlyRootFilesystem: ptr(true), ProcMount: ptr(corev1.UnmaskedProcMount)},
			func(t *testing.T, sc SecurityContext) {
				if sc.Privileged == nil || !*sc.Privileged || sc.AllowPrivilegeEscalation == nil || *sc.AllowPrivilegeEscalation ||
					sc.Capabilities == nil || len(sc.Capabilities.Drop) != 1 || sc.ReadOnlyRootFilesystem == nil || !*sc.ReadOnlyRootFilesystem ||
					sc.ProcMount == nil || *sc.ProcMount != corev1.UnmaskedProcMount {
					t.Errorf("container-only fields not copied: %+v", sc)
				}
			}},
		{"pod-level settings without container equivalents are not invented", &corev1.PodSecurityContext{FSGroup: ptr(int64(2000)), RunAsGroup: ptr(int64(3000))}, nil,
			func(t *testing.T, sc SecurityContext) {
				if sc.RunAsUser != nil || sc.RunAsNonRoot != nil {
					t.Errorf("fsGroup/runAsGroup leaked into the user: %+v", sc)
				}
			}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tc.check(t, effective(tc.pod, tc.ctr, nil))
		})
	}
}

func TestEffectiveAppArmor(t *testing.T) {
	const ann = "metadata.annotations[container.apparmor.security.beta.kubernetes.io/app]"
	runtimeDefault := &corev1.AppArmorProfile{Type: corev1.AppArmorProfileTypeRuntimeDefault}
	tests := []struct {
		name      string
		pod       *corev1.AppArmorProfile
		ctr       *corev1.AppArmorProfile
		ann       map[string]string
		wantType  corev1.AppArmorProfileType // "" for no profile
		wantLocal string
		wantPath  string
	}{
		{"none", nil, nil, nil, "", "", ctr},
		{"pod field", runtimeDefault, nil, nil, corev1.AppArmorProfileTypeRuntimeDefault, "", podSC + ".appArmorProfile"},
		{"container field", nil, runtimeDefault, nil, corev1.AppArmorProfileTypeRuntimeDefault, "", ctrSC + ".appArmorProfile"},
		{"annotation runtime/default", nil, nil, map[string]string{AppArmorAnnotationPrefix + "app": "runtime/default"}, corev1.AppArmorProfileTypeRuntimeDefault, "", "spec.template." + ann},
		{"annotation unconfined", nil, nil, map[string]string{AppArmorAnnotationPrefix + "app": "unconfined"}, corev1.AppArmorProfileTypeUnconfined, "", "spec.template." + ann},
		{"annotation localhost", nil, nil, map[string]string{AppArmorAnnotationPrefix + "app": "localhost/k8s-nginx"}, corev1.AppArmorProfileTypeLocalhost, "k8s-nginx", "spec.template." + ann},
		{"annotation with an invalid value does not confine", nil, nil, map[string]string{AppArmorAnnotationPrefix + "app": "enforce"}, corev1.AppArmorProfileTypeUnconfined, "", "spec.template." + ann},
		{"annotation localhost/ without a name does not confine", nil, nil, map[string]string{AppArmorAnnotationPrefix + "app": "localhost/"}, corev1.AppArmorProfileTypeUnconfined, "", "spec.template." + ann},
		{"annotation beats pod field", runtimeDefault, nil, map[string]string{AppArmorAnnotationPrefix + "app": "unconfined"}, corev1.AppArmorProfileTypeUnconfined, "", "spec.template." + ann},
		{"container field beats annotation", nil, runtimeDefault, map[string]string{AppArmorAnnotationPrefix + "app": "unconfined"}, corev1.AppArmorProfileTypeRuntimeDefault, "", ctrSC + ".appArmorProfile"},
		{"another container's annotation is ignored", runtimeDefault, nil, map[string]string{AppArmorAnnotationPrefix + "sidecar": "unconfined"}, corev1.AppArmorProfileTypeRuntimeDefault, "", podSC + ".appArmorProfile"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var pod *corev1.PodSecurityContext
			if tc.pod != nil {
				pod = &corev1.PodSecurityContext{AppArmorProfile: tc.pod}
			}
			var c *corev1.SecurityContext
			if tc.ctr != nil {
				c = &corev1.SecurityContext{AppArmorProfile: tc.ctr}
			}
			sc := effective(pod, c, tc.ann)
			switch {
			case tc.wantType == "" && sc.AppArmorProfile != nil:
				t.Errorf("AppArmorProfile = %+v, want none", sc.AppArmorProfile)
			case tc.wantType != "" && (sc.AppArmorProfile == nil || sc.AppArmorProfile.Type != tc.wantType):
				t.Errorf("AppArmorProfile = %+v, want type %s", sc.AppArmorProfile, tc.wantType)
			}
			if tc.wantLocal != "" && (sc.AppArmorProfile.LocalhostProfile == nil || *sc.AppArmorProfile.LocalhostProfile != tc.wantLocal) {
				t.Errorf("LocalhostProfile = %v, want %q", sc.AppArmorProfile.LocalhostProfile, tc.wantLocal)
			}
			if sc.AppArmorProfilePath != tc.wantPath {
				t.Errorf("AppArmorProfilePath = %q, want %q", sc.AppArmorProfilePath, tc.wantPath)
			}
		})
	}
}

// TestAppArmorAnnotationPathPerKind: the annotation path is the pod
// template's metadata, wherever the kind keeps its template.
func TestAppArmorAnnotationPathPerKind(t *testing.T) {
	ann := map[string]string{AppArmorAnnotationPrefix + "app": "unconfined"}
	meta := metav1.ObjectMeta{Annotations: ann}
	ps := corev1.PodSpec{Containers: []corev1.Container{{Name: "app"}}}
	tests := []struct {
		name  string
		typed any
		want  string
	}{
		{"Pod", &corev1.Pod{ObjectMeta: meta, Spec: ps}, "metadata.annotations[" + AppArmorAnnotationPrefix + "app]"},
		{"DaemonSet", &appsv1.DaemonSet{Spec: appsv1.DaemonSetSpec{Template: corev1.PodTemplateSpec{ObjectMeta: meta, Spec: ps}}}, "spec.template.metadata.annotations[" + AppArmorAnnotationPrefix + "app]"},
		{"CronJob", &batchv1.CronJob{Spec: batchv1.CronJobSpec{JobTemplate: batchv1.JobTemplateSpec{Spec: batchv1.JobSpec{Template: corev1.PodTemplateSpec{ObjectMeta: meta, Spec: ps}}}}},
			"spec.jobTemplate.spec.template.metadata.annotations[" + AppArmorAnnotationPrefix + "app]"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			w, ok := (&Object{Typed: tc.typed}).Workload()
			if !ok {
				t.Fatal("no workload")
			}
			sc := w.EffectiveSecurityContext(w.Containers()[0])
			if sc.AppArmorProfilePath != tc.want {
				t.Errorf("AppArmorProfilePath = %q, want %q", sc.AppArmorProfilePath, tc.want)
			}
			if sc.AppArmorProfile == nil || sc.AppArmorProfile.Type != corev1.AppArmorProfileTypeUnconfined {
				t.Errorf("AppArmorProfile = %+v, want Unconfined", sc.AppArmorProfile)
			}
		})
	}
}

// TestEffectiveSecurityContextPerContainer: each container of a pod gets the
// pod's settings merged with its own, including init and ephemeral containers.
func TestEffectiveSecurityContextPerContainer(t *testing.T) {
	p := &corev1.Pod{Spec: corev1.PodSpec{
		SecurityContext: &corev1.PodSecurityContext{RunAsUser: ptr(int64(1000))},
		InitContainers:  []corev1.Container{{Name: "init", SecurityContext: &corev1.SecurityContext{RunAsUser: ptr(int64(0))}}},
		Containers:      []corev1.Container{{Name: "app"}},
		EphemeralContainers: []corev1.EphemeralContainer{{EphemeralContainerCommon: corev1.EphemeralContainerCommon{
			Name: "debug", SecurityContext: &corev1.SecurityContext{RunAsUser: ptr(int64(2000))}}}},
	}}
	w, _ := (&Object{Typed: p}).Workload()
	want := map[string]struct {
		uid  int64
		path string
	}{
		"init":  {0, "spec.initContainers[0].securityContext.runAsUser"},
		"app":   {1000, "spec.securityContext.runAsUser"},
		"debug": {2000, "spec.ephemeralContainers[0].securityContext.runAsUser"},
	}
	for _, c := range w.Containers() {
		sc := w.EffectiveSecurityContext(c)
		wnt := want[c.Name]
		if sc.RunAsUser == nil || *sc.RunAsUser != wnt.uid || sc.RunAsUserPath != wnt.path {
			t.Errorf("%s: RunAsUser = %v at %q, want %d at %q", c.Name, sc.RunAsUser, sc.RunAsUserPath, wnt.uid, wnt.path)
		}
	}
}
