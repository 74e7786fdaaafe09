// Package workload holds the checks on pod templates: images, security
// context, host access, service accounts, resources and placement. IDs:
// KW-IMG-*, KW-POD-*, KW-HOST-*, KW-SA-*, KW-RES-*, KW-HA-*.
package workload

import (
	"fmt"
	"strings"

	"github.com/distribution/reference"

	"github.com/kubeward/kubeward/internal/catalog"
	"github.com/kubeward/kubeward/internal/check"
	"github.com/kubeward/kubeward/internal/check/cel"
	"github.com/kubeward/kubeward/internal/config"
	"github.com/kubeward/kubeward/internal/result"
)

const (
	ImageUntrustedRegistry = "KW-IMG-001"
	ImageNotPinned         = "KW-IMG-002"
	ImageLatestTag         = "KW-IMG-003"
)

func init() {
	check.Register(
		check.Spec{
			ID: ImageUntrustedRegistry, Fix: fixes[ImageUntrustedRegistry], CEL: imageUntrustedRegistryCEL, Object: imageRule, Policy: registriesConfiguredRule, Item: "2.1", Severity: catalog.SeverityHigh,
			Scope:       check.Manifest | check.Cluster | check.Admission,
			Title:       catalog.Text{EN: "Image comes from a registry that is not trusted", ZH: "镜像来自不受信任的镜像仓库"},
			Remediation: catalog.Text{EN: "Mirror the image into a trusted registry listed in trustedRegistries and reference it from there.", ZH: "将镜像同步到 trustedRegistries 中列出的可信仓库，并从该仓库引用镜像。"},
			References:  []string{"CIS Kubernetes v1.12 5.5.1", "NIST SP 800-190 4.1.5"},
		},
		check.Spec{
			ID: ImageNotPinned, Fix: fixes[ImageNotPinned], CEL: imageNotPinnedCEL, Object: imageRule, Item: "2.2", Severity: catalog.SeverityMedium,
			Scope:       check.Manifest | check.Cluster | check.Admission,
			Title:       catalog.Text{EN: "Image is not pinned by digest", ZH: "镜像未通过摘要（digest）固定"},
			Remediation: catalog.Text{EN: "Reference the scanned and signed image by digest: image: registry/app@sha256:<digest>.", ZH: "通过摘要引用已扫描并签名的镜像：image: registry/app@sha256:<digest>。"},
			References:  []string{"NIST SP 800-190 4.1.4"},
		},
		check.Spec{
			ID: ImageLatestTag, Fix: fixes[ImageLatestTag], CEL: imageLatestTagCEL, Object: imageRule, Item: "2.2", Severity: catalog.SeverityHigh,
			Scope:       check.Manifest | check.Cluster | check.Admission,
			Title:       catalog.Text{EN: "Image uses the :latest tag or no tag", ZH: "镜像使用 :latest 标签或未指定标签"},
			Remediation: catalog.Text{EN: "Use an immutable version tag and, better, a digest.", ZH: "使用不可变的版本标签，最好使用摘要。"},
			References:  []string{"Kubernetes configuration best practices: container images"},
		},
	)
}

// The checks as admission-policy predicates (check.CEL): what holds when
// each passes, exported by `kubeward export vap`.
var (
	imageUntrustedRegistryCEL = &check.CEL{Target: check.CELPod, List: check.AllContainers,
		Enabled: func(o *config.Config) bool { return len(o.TrustedRegistries) > 0 },
		OK: func(o *config.Config) string {
			trusted := make([]string, len(o.TrustedRegistries))
			for i, t := range o.TrustedRegistries {
				trusted[i] = strings.TrimSuffix(strings.TrimSpace(t), "/")
			}
			return fmt.Sprintf("[%s].all(n, %s.exists(t, n == t || n.startsWith(t + '/')))", cel.ImageName("c.image"), cel.List(trusted))
		}}
	imageNotPinnedCEL = &check.CEL{Target: check.CELPod, List: check.AllContainers, OK: check.Const("c.image.contains('@')")}
	imageLatestTagCEL = &check.CEL{Target: check.CELPod, List: check.AllContainers, OK: check.Const(
		fmt.Sprintf("[%s].all(t, t != 'latest' && (t != '' || c.image.contains('@')))", cel.ImageTag("c.image")))}
)

var (
	imageRule                = &check.ObjectRule{Applies: isWorkload, Run: checkImages}
	registriesConfiguredRule = &check.PolicyRule{Run: checkRegistriesConfigured}
)

// checkRegistriesConfigured warns once per scan with workloads when no
// registry is trusted: KW-IMG-001 could not be judged.
func checkRegistriesConfigured(env *check.Env, ix *check.Index, em *check.Emitter) {
	if len(env.Config.TrustedRegistries) == 0 && ix.Workloads > 0 {
		em.Add(check.Finding{
			ID: ImageUntrustedRegistry, Status: result.Warn,
			Subject: configSubject,
			Message: catalog.Text{
				EN: "trustedRegistries is not set in the configuration: image registries were not checked",
				ZH: "配置中未设置 trustedRegistries：未检查镜像仓库",
			},
		})
	}
}

func isWorkload(t *check.Target) bool { return t.Workload != nil }

func checkImages(env *check.Env, t *check.Target, em *check.Emitter) {
	trusted := env.Config.TrustedRegistries
	if len(trusted) == 0 {
		em.Skip(ImageUntrustedRegistry)
	}
	for _, c := range t.Workload.Containers() {
		path := c.Path + ".image"
		ref, err := reference.ParseNormalizedNamed(c.Image)
		if err != nil {
			// Reported once, as KW-IMG-003. Without a name there is no
			// registry or digest to judge: the object is neither a
			// finding nor a PASS for KW-IMG-001 and KW-IMG-002 (the
			// kubelet refuses to pull such an image: InvalidImageName).
			em.Skip(ImageUntrustedRegistry)
			em.Skip(ImageNotPinned)
			em.Fail(ImageLatestTag, c.Name, path, catalog.F("image %q is not a valid reference: %v (its registry and digest cannot be checked)",
				"镜像 %q 不是有效的引用：%v（无法检查其仓库与摘要）", c.Image, err), "image="+c.Image)
			continue
		}
		name := ref.Name()
		if len(trusted) > 0 && !Trusted(name, trusted) {
			em.Fail(ImageUntrustedRegistry, c.Name, path,
				catalog.F("image %s is from registry %s, which is not in trustedRegistries", "镜像 %s 来自不在 trustedRegistries 中的仓库 %s", c.Image, reference.Domain(ref)),
				"image="+c.Image)
		}
		_, digested := ref.(reference.Digested)
		if !digested {
			em.Fail(ImageNotPinned, c.Name, path, catalog.F("image %s is not pinned by digest", "镜像 %s 未通过摘要固定", c.Image), "image="+c.Image)
		}
		tagged, hasTag := ref.(reference.Tagged)
		switch {
		case hasTag && tagged.Tag() == "latest":
			em.Fail(ImageLatestTag, c.Name, path, catalog.F("image %s uses the mutable :latest tag", "镜像 %s 使用可变的 :latest 标签", c.Image), "image="+c.Image)
		case !hasTag && !digested:
			em.Fail(ImageLatestTag, c.Name, path, catalog.F("image %s has no tag, so :latest is pulled", "镜像 %s 未指定标签，将拉取 :latest", c.Image), "image="+c.Image)
		}
	}
}

// Trusted reports whether the fully qualified image name (registry/path)
// lies under one of the trusted registry prefixes.
func Trusted(name string, trusted []string) bool {
	for _, t := range trusted {
		t = strings.TrimSuffix(strings.TrimSpace(t), "/")
		if name == t || strings.HasPrefix(name, t+"/") {
			return true
		}
	}
	return false
}
