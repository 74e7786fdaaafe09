package workload_test

import (
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"

	"github.com/kubeward/kubeward/internal/check/checktest"
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
		{name: "trusted registry", obj: checktest.Container(image("registry.bank.internal/team/app:1" + checktest.Digest)), want: "PASS"},
		{name: "untrusted registry", obj: checktest.Container(image("docker.io/evil/app:1" + checktest.Digest)), want: "FAIL[app]",
			path: imagePath, evidence: "image=docker.io/evil/app:1" + checktest.Digest},
		{name: "short name is Docker Hub", obj: checktest.Container(image("nginx:1.25" + checktest.Digest)), want: "FAIL[app]", evidence: "image=nginx:1.25" + checktest.Digest},
		{name: "registry name as a path component does not count", obj: checktest.Container(image("docker.io/registry.bank.internal/app:1" + checktest.Digest)), want: "FAIL[app]"},
		{name: "look-alike host", obj: checktest.Container(image("registry.bank.internal.evil.com/app:1" + checktest.Digest)), want: "FAIL[app]"},
		{name: "trusted path prefix (trailing slash and spaces in the config ignored)", obj: checktest.Container(image("ghcr.io/acme/app:1" + checktest.Digest)), cfg: prefixes, want: "PASS"},
		{name: "path prefix boundary", obj: checktest.Container(image("ghcr.io/acmecorp/app:1" + checktest.Digest)), cfg: prefixes, want: "FAIL[app]"},
		{name: "other path on a trusted host", obj: checktest.Container(image("ghcr.io/other/app:1" + checktest.Digest)), cfg: prefixes, want: "FAIL[app]"},
		{name: "init container", obj: checktest.Pod(func(s *corev1.PodSpec) {
			s.InitContainers = []corev1.Container{checktest.HardenedContainer("init")}
			s.InitContainers[0].Image = "quay.io/x/init:1" + checktest.Digest
		}), want: "FAIL[init]", path: "spec.template.spec.initContainers[0].image"},
		{name: "ephemeral container", obj: checktest.Pod(func(s *corev1.PodSpec) {
			s.EphemeralContainers = []corev1.EphemeralContainer{{EphemeralContainerCommon: corev1.EphemeralContainerCommon{Name: "debug", Image: "busybox:1.36" + checktest.Digest}}}
		}), want: "FAIL[debug]", path: "spec.template.spec.ephemeralContainers[0].image"},
		{name: "no trusted registries configured: not evaluated", obj: checktest.Container(image("docker.io/evil/app:1" + checktest.Digest)), cfg: config.Default(), want: "WARN"},
		{name: "invalid reference: not evaluated, not a PASS", obj: checktest.Container(image("Registry/App:1")), want: ""},
		{name: "empty image: not evaluated, not a PASS", obj: checktest.Container(image("")), want: ""},
		{name: "an invalid reference beside a trusted image: no PASS for the object", obj: checktest.Pod(func(s *corev1.PodSpec) {
			s.InitContainers = []corev1.Container{checktest.HardenedContainer("init")}
			s.InitContainers[0].Image = "Registry/Init:1"
		}), want: ""},
		{name: "an invalid reference beside an untrusted image: the untrusted one fails", obj: checktest.Pod(func(s *corev1.PodSpec) {
			s.InitContainers = []corev1.Container{checktest.HardenedContainer("init")}
			s.InitContainers[0].Image = "Registry/Init:1"
			s.Containers[0].Image = "docker.io/evil/app:1" + checktest.Digest
		}), want: "FAIL[app]"},
	})
}

// TestTrustedRegistriesUnset: without trustedRegistries, images are not
// judged and one WARN on the configuration says so, only if workloads exist.
func TestTrustedRegistriesUnset(t *testing.T) {
	rep := run(config.Default(), checktest.Container(image("docker.io/evil/app:1"+checktest.Digest)), checktest.Container(image("quay.io/x:1"+checktest.Digest)))
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
	none := run(config.Default(), checktest.Object("", "ConfigMap", &corev1.ConfigMap{}))
	if got := verdicts(none, workload.ImageUntrustedRegistry); got != "" {
		t.Errorf("without workloads: %q, want nothing", got)
	}
}

func TestImageNotPinned(t *testing.T) {
	runCases(t, workload.ImageNotPinned, []ruleCase{
		{name: "digest", obj: checktest.Container(image("registry.bank.internal/app" + checktest.Digest)), want: "PASS"},
		{name: "tag and digest", obj: checktest.Container(image("registry.bank.internal/app:1.2" + checktest.Digest)), want: "PASS"},
		{name: "tag only", obj: checktest.Container(image("registry.bank.internal/app:1.2")), want: "FAIL[app]", path: imagePath, evidence: "image=registry.bank.internal/app:1.2"},
		{name: "nothing", obj: checktest.Container(image("registry.bank.internal/app")), want: "FAIL[app]"},
		{name: "registry with a port", obj: checktest.Container(image("registry.bank.internal:5000/app:1.2")), want: "FAIL[app]"},
		{name: "invalid reference: not evaluated, not a PASS", obj: checktest.Container(image("Registry/App@sha256:" + strings.Repeat("a", 64))), want: ""},
		{name: "empty image: not evaluated, not a PASS", obj: checktest.Container(image("")), want: ""},
	})
}

func TestImageLatestTag(t *testing.T) {
	runCases(t, workload.ImageLatestTag, []ruleCase{
		{name: "version tag", obj: checktest.Container(image("registry.bank.internal/app:1.2")), want: "PASS"},
		{name: "digest without tag", obj: checktest.Container(image("registry.bank.internal/app" + checktest.Digest)), want: "PASS"},
		{name: "latest", obj: checktest.Container(image("registry.bank.internal/app:latest")), want: "FAIL[app]", path: imagePath, evidence: "image=registry.bank.internal/app:latest"},
		{name: "latest pinned by digest is still latest", obj: checktest.Container(image("registry.bank.internal/app:latest" + checktest.Digest)), want: "FAIL[app]"},
		{name: "no tag", obj: checktest.Container(image("registry.bank.internal/app")), want: "FAIL[app]", evidence: "image=registry.bank.internal/app"},
		{name: "port is not a tag", obj: checktest.Container(image("registry.bank.internal:5000/app")), want: "FAIL[app]"},
		{name: "invalid reference", obj: checktest.Container(image("Registry/App:1")), want: "FAIL[app]", evidence: "image=Registry/App:1"},
		{name: "empty image", obj: checktest.Container(image("")), want: "FAIL[app]"},
	})
	rep := run(nil, checktest.Container(image("Registry/App:1")))
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
