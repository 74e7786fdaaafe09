package workload_test

import (
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"

	"github.com/kubeward/kubeward/internal/check/workload"
	"github.com/kubeward/kubeward/internal/config"
	"github.com/kubeward/kubeward/internal/result"
)

const imagePath = "spec.template.spec.containers[0].image"

func image(ref string) func(*corev1.Container) {
	return func(c *corev1.Container) { c.Image = ref }
}

func TestUntrustedRegistry(t *testing.T) {
	prefixes := config.Default()
	prefixes.TrustedRegistries = []string{"ghcr.io/acme/", " registry.bank.internal "}
	runCases(t, workload.ImageUntrustedRegistry, []ruleCase{
		{name: "trusted registry", obj: ctr(image("registry.bank.internal/team/app:1" + digest)), want: "PASS"},
		{name: "untrusted registry", obj: ctr(image("docker.io/evil/app:1" + digest)), want: "FAIL[app]",
			path: imagePath, evidence: "image=docker.io/evil/app:1" + digest},
		{name: "short name is Docker Hub", obj: ctr(image("nginx:1.25" + digest)), want: "FAIL[app]", evidence: "image=nginx:1.25" + digest},
		{name: "registry name as a path component does not count", obj: ctr(image("docker.io/registry.bank.internal/app:1" + digest)), want: "FAIL[app]"},
		{name: "look-alike host", obj: ctr(image("registry.bank.internal.evil.com/app:1" + digest)), want: "FAIL[app]"},
		{name: "trusted path prefix (trailing slash and spaces in the config ignored)", obj: ctr(image("ghcr.io/acme/app:1" + digest)), cfg: prefixes, want: "PASS"},
		{name: "path prefix boundary", obj: ctr(image("ghcr.io/acmecorp/app:1" + digest)), cfg: prefixes, want: "FAIL[app]"},
		{name: "other path on a trusted host", obj: ctr(image("ghcr.io/other/app:1" + digest)), cfg: prefixes, want: "FAIL[app]"},
		{name: "init container", obj: spec(func(s *corev1.PodSpec) {
			s.InitContainers = []corev1.Container{hardenedContainer("init")}
			s.InitContainers[0].Image = "quay.io/x/init:1" + digest
		}), want: "FAIL[init]", path: "spec.template.spec.initContainers[0].image"},
		{name: "ephemeral container", obj: spec(func(s *corev1.PodSpec) {
			s.EphemeralContainers = []corev1.EphemeralContainer{{EphemeralContainerCommon: corev1.EphemeralContainerCommon{Name: "debug", Image: "busybox:1.36" + digest}}}
		}), want: "FAIL[debug]", path: "spec.template.spec.ephemeralContainers[0].image"},
		{name: "no trusted registries configured: not evaluated", obj: ctr(image("docker.io/evil/app:1" + digest)), cfg: config.Default(), want: "WARN"},
		{name: "invalid reference: not evaluated, not a PASS", obj: ctr(image("Registry/App:1")), want: ""},
		{name: "empty image: not evaluated, not a PASS", obj: ctr(image("")), want: ""},
		{name: "an invalid reference beside a trusted image: no PASS for the object", obj: spec(func(s *corev1.PodSpec) {
			s.InitContainers = []corev1.Container{hardenedContainer("init")}
			s.InitContainers[0].Image = "Registry/Init:1"
		}), want: ""},
		{name: "an invalid reference beside an untrusted image: the untrusted one fails", obj: spec(func(s *corev1.PodSpec) {
			s.InitContainers = []corev1.Container{hardenedContainer("init")}
			s.InitContainers[0].Image = "Registry/Init:1"
			s.Containers[0].Image = "docker.io/evil/app:1" + digest
		}), want: "FAIL[app]"},
	})
}

// TestTrustedRegistriesUnset: without trustedRegistries, images are not
// judged and one WARN on the configuration says so, only if workloads exist.
func TestTrustedRegistriesUnset(t *testing.T) {
	rep := run(config.Default(), ctr(image("docker.io/evil/app:1"+digest)), ctr(image("quay.io/x:1"+digest)))
	r := find(rep, workload.ImageUntrustedRegistry, result.Warn)
	if got := verdicts(rep, workload.ImageUntrustedRegistry); got != "WARN" || r == nil {
		t.Fatalf("verdicts = %q, want one WARN", got)
	}
	if r.Subject != (result.Subject{Kind: "Configuration", Name: "trustedRegistries"}) || r.Location != nil {
		t.Errorf("WARN on %+v at %+v, want the configuration", r.Subject, r.Location)
	}
	if rep.Passed[workload.ImageUntrustedRegistry] != 0 {
		t.Errorf("%d passes counted for a check that was not evaluated", rep.Passed[workload.ImageUntrustedRegistry])
	}
	none := run(config.Default(), object("", "ConfigMap", &corev1.ConfigMap{}))
	if got := verdicts(none, workload.ImageUntrustedRegistry); got != "" {
		t.Errorf("without workloads: %q, want nothing", got)
	}
}

func TestImageNotPinned(t *testing.T) {
	runCases(t, workload.ImageNotPinned, []ruleCase{
		{name: "digest", obj: ctr(image("registry.bank.internal/app" + digest)), want: "PASS"},
		{name: "tag and digest", obj: ctr(image("registry.bank.internal/app:1.2" + digest)), want: "PASS"},
		{name: "tag only", obj: ctr(image("registry.bank.internal/app:1.2")), want: "FAIL[app]", path: imagePath, evidence: "image=registry.bank.internal/app:1.2"},
		{name: "nothing", obj: ctr(image("registry.bank.internal/app")), want: "FAIL[app]"},
		{name: "registry with a port", obj: ctr(image("registry.bank.internal:5000/app:1.2")), want: "FAIL[app]"},
		{name: "invalid reference: not evaluated, not a PASS", obj: ctr(image("Registry/App@sha256:" + strings.Repeat("a", 64))), want: ""},
		{name: "empty image: not evaluated, not a PASS", obj: ctr(image("")), want: ""},
	})
}

func TestImageLatestTag(t *testing.T) {
	runCases(t, workload.ImageLatestTag, []ruleCase{
		{name: "version tag", obj: ctr(image("registry.bank.internal/app:1.2")), want: "PASS"},
		{name: "digest without tag", obj: ctr(image("registry.bank.internal/app" + digest)), want: "PASS"},
		{name: "latest", obj: ctr(image("registry.bank.internal/app:latest")), want: "FAIL[app]", path: imagePath, evidence: "image=registry.bank.internal/app:latest"},
		{name: "latest pinned by digest is still latest", obj: ctr(image("registry.bank.internal/app:latest" + digest)), want: "FAIL[app]"},
		{name: "no tag", obj: ctr(image("registry.bank.internal/app")), want: "FAIL[app]", evidence: "image=registry.bank.internal/app"},
		{name: "port is not a tag", obj: ctr(image("registry.bank.internal:5000/app")), want: "FAIL[app]"},
		{name: "invalid reference", obj: ctr(image("Registry/App:1")), want: "FAIL[app]", evidence: "image=Registry/App:1"},
		{name: "empty image", obj: ctr(image("")), want: "FAIL[app]"},
	})
	rep := run(nil, ctr(image("Registry/App:1")))
	if r := find(rep, workload.ImageLatestTag, result.Fail); r == nil || !strings.HasPrefix(r.Message.EN, `image "Registry/App:1" is not a valid reference`) {
		t.Errorf("invalid reference message = %+v", r)
	}
	// Reported once, as KW-IMG-003: the registry and digest checks cannot judge it.
	for _, id := range []string{workload.ImageUntrustedRegistry, workload.ImageNotPinned} {
		if r := find(rep, id, result.Fail); r != nil {
			t.Errorf("invalid reference also reported as %s: %+v", id, r)
		}
	}
}

func TestTrusted(t *testing.T) {
	tests := []struct {
		name    string
		trusted []string
		want    bool
	}{
		{"registry.bank.internal/app", []string{"registry.bank.internal"}, true},
		{"registry.bank.internal", []string{"registry.bank.internal"}, true},
		{"registry.bank.internal/team/app", []string{"registry.bank.internal/team"}, true},
		{"registry.bank.internal/teamx/app", []string{"registry.bank.internal/team"}, false},
		{"registry.bank.internal.evil/app", []string{"registry.bank.internal"}, false},
		{"docker.io/library/nginx", []string{"registry.bank.internal", "docker.io/library"}, true},
		{"docker.io/library/nginx", []string{"docker.io/library/"}, true},
		{"docker.io/library/nginx", nil, false},
		{"docker.io/library/nginx", []string{"  docker.io  "}, true},
	}
	for _, tc := range tests {
		if got := workload.Trusted(tc.name, tc.trusted); got != tc.want {
			t.Errorf("Trusted(%q, %q) = %v, want %v", tc.name, tc.trusted, got, tc.want)
		}
	}
}
