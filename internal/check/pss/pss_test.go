package pss

import (
	"sort"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/pod-security-admission/api"
	"k8s.io/pod-security-admission/policy"

	"github.com/kubeward/kubeward/internal/catalog"
	"github.com/kubeward/kubeward/internal/check"
	"github.com/kubeward/kubeward/internal/check/checktest"
	"github.com/kubeward/kubeward/internal/inventory"
	"github.com/kubeward/kubeward/internal/result"
)

// deployment is checktest's Deployment web in apps with the restricted pod
// spec (not the hardened one) and its template changed by mutate.
func deployment(mutate func(*corev1.PodTemplateSpec)) *inventory.Object {
	return checktest.Deployment("apps", func(d *appsv1.Deployment) {
		d.Spec.Template.Spec = checktest.RestrictedPodSpec()
		if mutate != nil {
			mutate(&d.Spec.Template)
		}
	})
}

func podSpec(mutate func(*corev1.PodSpec)) *inventory.Object {
	return deployment(func(t *corev1.PodTemplateSpec) { mutate(&t.Spec) })
}

func container(mutate func(*corev1.Container)) *inventory.Object {
	return podSpec(func(s *corev1.PodSpec) { mutate(&s.Containers[0]) })
}

func evaluate(objs ...*inventory.Object) *check.Report {
	return checktest.Evaluate(check.Options{}, objs...)
}

// failed lists the PSS checks that failed, sorted.
func failed(rep *check.Report) string {
	var ids []string
	for _, r := range rep.Results {
		if r.Status == result.Fail {
			ids = append(ids, r.ID)
		}
	}
	sort.Strings(ids)
	return strings.Join(ids, " ")
}

func TestEveryUpstreamControlIsMapped(t *testing.T) {
	upstream := policy.DefaultChecks()
	if len(checks) != len(upstream) {
		t.Fatalf("%d controls evaluated, upstream has %d", len(checks), len(upstream))
	}
	seen := map[string]bool{}
	for _, c := range upstream {
		ctl, ok := controls[c.ID]
		if !ok {
			t.Errorf("upstream control %s has no catalogue ID", c.ID)
			continue
		}
		if seen[ctl.id] {
			t.Errorf("catalogue ID %s used twice", ctl.id)
		}
		seen[ctl.id] = true
		e := catalog.Get(ctl.id)
		if e == nil {
			t.Errorf("%s (%s) is not registered", ctl.id, c.ID)
			continue
		}
		wantPrefix, wantSev := "KW-PSS-B", catalog.SeverityHigh
		if c.Level == api.LevelRestricted {
			wantPrefix, wantSev = "KW-PSS-R", catalog.SeverityMedium
		}
		if !strings.HasPrefix(ctl.id, wantPrefix) || e.Severity != wantSev || e.Item != "4.7" {
			t.Errorf("%s (%s, %s): ID prefix/severity/item = %s/%v/%s, want %s*/%v/4.7", ctl.id, c.ID, c.Level, ctl.id, e.Severity, e.Item, wantPrefix, wantSev)
		}
		if len(e.References) != 1 || e.References[0] != "PSS "+string(c.Level)+": "+ctl.name {
			t.Errorf("%s references = %v", ctl.id, e.References)
		}
	}
	if len(controls) != len(upstream) {
		t.Errorf("%d controls mapped, upstream has %d: stale entries", len(controls), len(upstream))
	}
	if !sort.SliceIsSorted(checks, func(i, j int) bool { return checks[i].id < checks[j].id }) {
		t.Error("checks are not sorted by ID: findings order would depend on the library")
	}
}

func TestControls(t *testing.T) {
	tests := []struct {
		name string
		obj  *inventory.Object
		want string // the failing PSS checks
	}{
		{"restricted pod", deployment(nil), ""},
		{"hostNetwork", podSpec(func(s *corev1.PodSpec) { s.HostNetwork = true }), "KW-PSS-B01"},
		{"hostPID", podSpec(func(s *corev1.PodSpec) { s.HostPID = true }), "KW-PSS-B01"},
		{"privileged", container(func(c *corev1.Container) { c.SecurityContext.Privileged = checktest.Ptr(true) }), "KW-PSS-B02"},
		{"capability beyond baseline", container(func(c *corev1.Container) { c.SecurityContext.Capabilities.Add = []corev1.Capability{"SYS_ADMIN"} }), "KW-PSS-B03 KW-PSS-R06"},
		{"baseline capability only fails restricted", container(func(c *corev1.Container) { c.SecurityContext.Capabilities.Add = []corev1.Capability{"CHOWN"} }), "KW-PSS-R06"},
		{"NET_BIND_SERVICE is allowed", container(func(c *corev1.Container) {
			c.SecurityContext.Capabilities.Add = []corev1.Capability{"NET_BIND_SERVICE"}
		}), ""},
		{"hostPath", podSpec(func(s *corev1.PodSpec) {
			s.Volumes = []corev1.Volume{{Name: "h", VolumeSource: corev1.VolumeSource{HostPath: &corev1.HostPathVolumeSource{Path: "/data"}}}}
		}), "KW-PSS-B04 KW-PSS-R01"},
		{"host port", container(func(c *corev1.Container) { c.Ports = []corev1.ContainerPort{{ContainerPort: 80, HostPort: 80}} }), "KW-PSS-B05"},
		{"AppArmor unconfined field", container(func(c *corev1.Container) {
			c.SecurityContext.AppArmorProfile = &corev1.AppArmorProfile{Type: corev1.AppArmorProfileTypeUnconfined}
		}), "KW-PSS-B06"},
		{"AppArmor unconfined annotation on the template", deployment(func(t *corev1.PodTemplateSpec) {
			t.Annotations = map[string]string{"container.apparmor.security.beta.kubernetes.io/app": "unconfined"}
		}), "KW-PSS-B06"},
		{"SELinux user", container(func(c *corev1.Container) { c.SecurityContext.SELinuxOptions = &corev1.SELinuxOptions{User: "root"} }), "KW-PSS-B07"},
		{"unmasked /proc", container(func(c *corev1.Container) { c.SecurityContext.ProcMount = checktest.Ptr(corev1.UnmaskedProcMount) }), "KW-PSS-B08 KW-PSS-R07"},
		{"seccomp Unconfined", podSpec(func(s *corev1.PodSpec) { s.SecurityContext.SeccompProfile.Type = corev1.SeccompProfileTypeUnconfined }), "KW-PSS-B09 KW-PSS-R05"},
		{"unsafe sysctl", podSpec(func(s *corev1.PodSpec) {
			s.SecurityContext.Sysctls = []corev1.Sysctl{{Name: "kernel.msgmax", Value: "1"}}
		}), "KW-PSS-B10"},
		{"safe sysctl", podSpec(func(s *corev1.PodSpec) {
			s.SecurityContext.Sysctls = []corev1.Sysctl{{Name: "net.ipv4.ip_unprivileged_port_start", Value: "0"}}
		}), ""},
		{"Windows HostProcess", podSpec(func(s *corev1.PodSpec) {
			s.SecurityContext.WindowsOptions = &corev1.WindowsSecurityContextOptions{HostProcess: checktest.Ptr(true)}
		}), "KW-PSS-B11"},
		{"probe on another host", container(func(c *corev1.Container) {
			c.ReadinessProbe = &corev1.Probe{ProbeHandler: corev1.ProbeHandler{TCPSocket: &corev1.TCPSocketAction{Host: "10.0.0.1"}}}
		}), "KW-PSS-B12"},
		{"NFS volume", podSpec(func(s *corev1.PodSpec) {
			s.Volumes = []corev1.Volume{{Name: "n", VolumeSource: corev1.VolumeSource{NFS: &corev1.NFSVolumeSource{Server: "nfs", Path: "/"}}}}
		}), "KW-PSS-R01"},
		{"allowed volume types", podSpec(func(s *corev1.PodSpec) {
			s.Volumes = []corev1.Volume{{Name: "e", VolumeSource: corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{}}},
				{Name: "c", VolumeSource: corev1.VolumeSource{ConfigMap: &corev1.ConfigMapVolumeSource{}}}}
		}), ""},
		{"privilege escalation allowed", container(func(c *corev1.Container) { c.SecurityContext.AllowPrivilegeEscalation = checktest.Ptr(true) }), "KW-PSS-R02"},
		{"privilege escalation unset", container(func(c *corev1.Container) { c.SecurityContext.AllowPrivilegeEscalation = nil }), "KW-PSS-R02"},
		{"runAsNonRoot unset", podSpec(func(s *corev1.PodSpec) { s.SecurityContext.RunAsNonRoot = nil }), "KW-PSS-R03"},
		{"runAsNonRoot set on the container instead", podSpec(func(s *corev1.PodSpec) {
			s.SecurityContext.RunAsNonRoot = nil
			s.Containers[0].SecurityContext.RunAsNonRoot = checktest.Ptr(true)
		}), ""},
		{"runAsUser 0", container(func(c *corev1.Container) { c.SecurityContext.RunAsUser = checktest.Ptr(int64(0)) }), "KW-PSS-R04"},
		{"seccomp unset", podSpec(func(s *corev1.PodSpec) { s.SecurityContext.SeccompProfile = nil }), "KW-PSS-R05"},
		{"capabilities not dropped", container(func(c *corev1.Container) { c.SecurityContext.Capabilities = nil }), "KW-PSS-R06"},
		{"init containers count", podSpec(func(s *corev1.PodSpec) {
			s.InitContainers = []corev1.Container{{Name: "init", SecurityContext: &corev1.SecurityContext{Privileged: checktest.Ptr(true)}}}
		}), "KW-PSS-B02 KW-PSS-R02 KW-PSS-R06"},
		{"everything wrong at once, one finding per control", podSpec(func(s *corev1.PodSpec) {
			s.HostNetwork, s.HostPID, s.HostIPC = true, true, true
			s.Containers[0].SecurityContext.Privileged = checktest.Ptr(true)
			s.Containers = append(s.Containers, corev1.Container{Name: "b", SecurityContext: &corev1.SecurityContext{Privileged: checktest.Ptr(true)}})
		}), "KW-PSS-B01 KW-PSS-B02 KW-PSS-R02 KW-PSS-R06"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rep := evaluate(tc.obj)
			if got := failed(rep); got != tc.want {
				t.Errorf("failed = %q, want %q", got, tc.want)
			}
			for _, r := range rep.Results {
				if r.Status != result.Fail {
					continue
				}
				if r.Location == nil || r.Location.Path != "spec.template.spec" {
					t.Errorf("%s location = %+v, want the pod spec", r.ID, r.Location)
				}
				level := "baseline"
				if strings.HasPrefix(r.ID, "KW-PSS-R") {
					level = "restricted"
				}
				if !strings.HasPrefix(r.Message.EN, "violates Pod Security "+level+": ") || !strings.HasPrefix(r.Message.ZH, "违反 Pod 安全标准 "+level+" 级别：") {
					t.Errorf("%s message = %+v", r.ID, r.Message)
				}
				if r.Evidence == "" || !strings.Contains(r.Message.EN, r.Evidence) {
					t.Errorf("%s evidence %q is not the upstream reason in the message %q", r.ID, r.Evidence, r.Message.EN)
				}
			}
			// Every control that did not fail passed.
			for _, c := range checks {
				failedIt := strings.Contains(tc.want, c.id)
				passed := false
				for _, r := range rep.Results {
					passed = passed || (r.ID == c.id && r.Status == result.Pass)
				}
				if failedIt == passed {
					t.Errorf("%s: failed=%v passed=%v", c.id, failedIt, passed)
				}
			}
		})
	}
}

func TestAppliesToEveryWorkloadKind(t *testing.T) {
	bad := checktest.RestrictedPodSpec()
	bad.HostIPC = true
	cj := &batchv1.CronJob{ObjectMeta: metav1.ObjectMeta{Name: "c", Namespace: "apps"}}
	cj.Spec.JobTemplate.Spec.Template.Spec = bad
	pod := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "p", Namespace: "apps"}, Spec: bad}
	tests := []struct {
		obj  *inventory.Object
		path string
	}{
		{&inventory.Object{Group: "batch", Kind: "CronJob", Namespace: "apps", Name: "c", Typed: cj}, "spec.jobTemplate.spec.template.spec"},
		{&inventory.Object{Kind: "Pod", Namespace: "apps", Name: "p", Typed: pod}, "spec"},
	}
	for _, tc := range tests {
		t.Run(tc.obj.Kind, func(t *testing.T) {
			rep := evaluate(tc.obj)
			if got := failed(rep); got != "KW-PSS-B01" {
				t.Fatalf("failed = %q", got)
			}
			for _, r := range rep.Results {
				if r.Status == result.Fail && r.Location.Path != tc.path {
					t.Errorf("path = %q, want %q", r.Location.Path, tc.path)
				}
			}
		})
	}
	// Objects without a pod template are not evaluated at all.
	rep := evaluate(&inventory.Object{Kind: "ConfigMap", Namespace: "apps", Name: "c", Typed: &corev1.ConfigMap{}})
	if len(rep.Results) != 0 || len(rep.Passed) != 0 {
		t.Errorf("ConfigMap evaluated: %+v %v", rep.Results, rep.Passed)
	}
}

func TestLevel(t *testing.T) {
	tests := []struct {
		name   string
		mutate func(*corev1.PodSpec)
		want   api.Level
	}{
		{"restricted", func(*corev1.PodSpec) {}, api.LevelRestricted},
		{"baseline: runAsNonRoot unset", func(s *corev1.PodSpec) { s.SecurityContext.RunAsNonRoot = nil }, api.LevelBaseline},
		{"baseline: no security context at all", func(s *corev1.PodSpec) { s.SecurityContext = nil; s.Containers[0].SecurityContext = nil }, api.LevelBaseline},
		{"privileged: hostNetwork", func(s *corev1.PodSpec) { s.HostNetwork = true }, api.LevelPrivileged},
		{"privileged: privileged container", func(s *corev1.PodSpec) { s.Containers[0].SecurityContext.Privileged = checktest.Ptr(true) }, api.LevelPrivileged},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := checktest.RestrictedPodSpec()
			tc.mutate(&s)
			if got := Level(&metav1.ObjectMeta{}, &s); got != tc.want {
				t.Errorf("Level = %s, want %s", got, tc.want)
			}
		})
	}
	// The AppArmor annotation lives in the metadata: Level reads it.
	s := checktest.RestrictedPodSpec()
	meta := &metav1.ObjectMeta{Annotations: map[string]string{"container.apparmor.security.beta.kubernetes.io/app": "unconfined"}}
	if got := Level(meta, &s); got != api.LevelPrivileged {
		t.Errorf("Level with an unconfined AppArmor annotation = %s, want privileged", got)
	}
}
