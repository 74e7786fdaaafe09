// Package supplychain holds the image supply-chain checks (KW-SUP-*): an
// image's signature by a trusted key, its vulnerability scan and whether
// what runs is what was verified. They judge inventory.Object.Images,
// which internal/source/registry fills from the registry (or, offline,
// from the reports given); an object without those facts (no supply-chain
// policy covers its namespace) gets no verdict from them.
package supplychain

import (
	"fmt"
	"sort"
	"strings"

	"github.com/kubeward/kubeward/internal/catalog"
	"github.com/kubeward/kubeward/internal/check"
	"github.com/kubeward/kubeward/internal/config"
	"github.com/kubeward/kubeward/internal/inventory"
	"github.com/kubeward/kubeward/internal/result"
)

// The checks' IDs.
const (
	NotSigned        = "KW-SUP-001"
	SignatureInvalid = "KW-SUP-002"
	NoScan           = "KW-SUP-003"
	Vulnerable       = "KW-SUP-004"
	ScanStale        = "KW-SUP-005"
	TagNotPinned     = "KW-SUP-006"
)

// IDs are every supply-chain check, in order.
var IDs = []string{NotSigned, SignatureInvalid, NoScan, Vulnerable, ScanStale, TagNotPinned}

var rule = &check.ObjectRule{Applies: func(t *check.Target) bool { return t.Workload != nil }, Run: run}

const scope = check.Manifest | check.Cluster | check.Admission

func init() {
	refs := []string{"NIST SP 800-190 4.1.5", "CIS Kubernetes v1.12 5.5.1"}
	check.Register(
		check.Spec{ID: NotSigned, Item: "2.2", Severity: catalog.SeverityHigh, Scope: scope, Object: rule, References: refs,
			Title:       catalog.Text{EN: "Image is not signed by a trusted key", ZH: "镜像未由受信任的密钥签名"},
			Remediation: catalog.Text{EN: "Sign the image digest with a key listed in supplyChain.policies[].cosignKeys (cosign sign --key ... --tlog-upload=false) when it is pushed, or pull it from a registry whose images are signed.", ZH: "推送镜像时使用 supplyChain.policies[].cosignKeys 中列出的密钥对镜像摘要签名（cosign sign --key ... --tlog-upload=false），或从镜像均已签名的仓库拉取。"},
			Fix:         &check.Fix{Manual: &catalog.Text{EN: "sign the image with a trusted key: kubeward holds no private key", ZH: "使用受信任的密钥签名镜像：kubeward 不持有私钥"}}},
		check.Spec{ID: SignatureInvalid, Item: "2.2", Severity: catalog.SeverityCritical, Scope: scope, Object: rule, References: refs,
			Title:       catalog.Text{EN: "Image signature is invalid: it signs another digest", ZH: "镜像签名无效：签名对应的是另一个摘要"},
			Remediation: catalog.Text{EN: "The image was changed after it was signed, or a signature was copied to it: find out who pushed it, then rebuild, scan and sign it again.", ZH: "镜像在签名后被修改，或签名被复制到该镜像：查明推送者，然后重新构建、扫描并签名。"},
			Fix:         &check.Fix{Manual: &catalog.Text{EN: "investigate the tampered image and push a signed one", ZH: "调查被篡改的镜像并推送已签名的镜像"}}},
		check.Spec{ID: NoScan, Item: "2.2", Severity: catalog.SeverityHigh, Scope: scope, Object: rule, References: []string{"NIST SP 800-190 4.1.1"},
			Title:       catalog.Text{EN: "Image has no vulnerability scan", ZH: "镜像没有漏洞扫描结果"},
			Remediation: catalog.Text{EN: "Scan the image digest in the registry (Harbor) or in CI (Trivy, Grype) and give the report to kubeward.", ZH: "在镜像仓库（Harbor）或 CI（Trivy、Grype）中扫描该镜像摘要，并将报告提供给 kubeward。"},
			Fix:         &check.Fix{Manual: &catalog.Text{EN: "scan the image: kubeward does not scan", ZH: "扫描镜像：kubeward 不执行扫描"}}},
		check.Spec{ID: Vulnerable, Item: "2.2", Severity: catalog.SeverityCritical, Scope: scope, Object: rule, References: []string{"NIST SP 800-190 4.1.1"},
			Title:       catalog.Text{EN: "Image has vulnerabilities at or above the policy's severity", ZH: "镜像存在达到或高于策略严重级别的漏洞"},
			Remediation: catalog.Text{EN: "Rebuild the image with the fixed packages, or record an exception for the CVE with a reason and an expiry (supplyChain.policies[].vulnerabilities.exceptions).", ZH: "使用已修复的软件包重新构建镜像，或为该 CVE 记录带原因和到期日的例外（supplyChain.policies[].vulnerabilities.exceptions）。"},
			Fix:         &check.Fix{Manual: &catalog.Text{EN: "rebuild the image with fixed packages", ZH: "使用已修复的软件包重新构建镜像"}}},
		check.Spec{ID: ScanStale, Item: "2.2", Severity: catalog.SeverityMedium, Scope: scope, Object: rule, References: []string{"NIST SP 800-190 4.1.1"},
			Title:       catalog.Text{EN: "Image's vulnerability scan is older than the policy allows", ZH: "镜像的漏洞扫描结果超过策略允许的时长"},
			Remediation: catalog.Text{EN: "Scan the image again (Harbor can rescan on a schedule) so new CVEs are found.", ZH: "重新扫描镜像（Harbor 可定时重新扫描），以发现新的 CVE。"},
			Fix:         &check.Fix{Manual: &catalog.Text{EN: "rescan the image", ZH: "重新扫描镜像"}}},
		check.Spec{ID: TagNotPinned, Item: "2.2", Severity: catalog.SeverityMedium, Scope: scope, Object: rule, Policy: movedRule, References: []string{"NIST SP 800-190 4.1.4"},
			Title:       catalog.Text{EN: "Image runs by tag, not by the digest that was verified", ZH: "镜像按标签运行，而不是按已验证的摘要运行"},
			Remediation: catalog.Text{EN: "Reference the image by the verified digest (name@sha256:...), or turn on supplyChain.pinDigests so the webhook's /mutate rewrites tags to it.", ZH: "按已验证的摘要（name@sha256:...）引用镜像，或开启 supplyChain.pinDigests，由 webhook 的 /mutate 将标签改写为该摘要。"},
			Fix:         &check.Fix{Changes: catalog.Text{EN: "replaces the image tag with the digest the registry verified", ZH: "将镜像标签替换为镜像仓库验证过的摘要"}, Edits: pinEdits}},
	)
}

func skipAll(em *check.Emitter) {
	for _, id := range IDs {
		em.Skip(id)
	}
}

// run judges every container image of the workload.
func run(env *check.Env, t *check.Target, em *check.Emitter) {
	if t.Images == nil {
		skipAll(em)
		return
	}
	sc := &env.Config.SupplyChain
	failed := map[string]bool{}
	for _, c := range t.Workload.Containers() {
		img := t.Images[c.Image]
		if img == nil || failed[c.Image] {
			continue
		}
		failed[c.Image] = true // each image once per object
		path := c.Path + ".image"
		ev := "image=" + c.Image
		if img.Digest != "" {
			ev += " digest=" + img.Digest
		}
		if img.Error != "" {
			registryDown(env, sc, em, c.Name, path, img, ev)
			continue
		}
		judgeSignature(em, c.Name, path, img, ev)
		judgeScan(env, em, c.Name, path, img, ev)
		judgePin(env, em, c.Name, path, img, ev)
	}
}

// registryDown: the facts could not be gathered. At admission the
// configured failure mode decides (deny: FAIL, allow: WARN); an audit
// says ERROR, never PASS.
func registryDown(env *check.Env, sc *config.SupplyChain, em *check.Emitter, ctr, path string, img *inventory.Image, ev string) {
	msg := catalog.F("image %s could not be verified: %s", "无法验证镜像 %s：%s", img.Ref, img.Error)
	for _, id := range IDs {
		if id != NotSigned {
			em.Skip(id)
		}
	}
	switch {
	case env.Mode != "admission":
		em.Add(check.Finding{ID: NotSigned, Status: result.Error, Container: ctr, Path: path, Message: msg, Evidence: ev})
	case sc.FailOpen():
		em.Warn(NotSigned, ctr, path, catalog.Text{EN: msg.EN + " (supplyChain.failureMode: allow)", ZH: msg.ZH + "（supplyChain.failureMode: allow）"}, ev)
	default:
		em.Fail(NotSigned, ctr, path, catalog.Text{EN: msg.EN + " (supplyChain.failureMode: deny)", ZH: msg.ZH + "（supplyChain.failureMode: deny）"}, ev)
	}
}

func judgeSignature(em *check.Emitter, ctr, path string, img *inventory.Image, ev string) {
	switch img.Signature {
	case inventory.SigVerified:
		// PASS
	case inventory.SigNotRequired:
		why := catalog.F("the supply-chain policy of this namespace names no cosign key or Notation trust store: signatures of %s are not required", "此命名空间的供应链策略未指定 cosign 密钥或 Notation 信任库：不要求 %s 的签名", img.Ref)
		em.NotApplicable(NotSigned, why)
		em.NotApplicable(SignatureInvalid, why)
	case inventory.SigUnsigned:
		em.Fail(NotSigned, ctr, path, catalog.F("image %s (%s) is not signed by a trusted key: %s", "镜像 %s（%s）未由受信任的密钥签名：%s", img.Ref, img.Digest, img.SignatureDetail), ev)
	case inventory.SigInvalid:
		em.Fail(SignatureInvalid, ctr, path, catalog.F("image %s (%s): signature is invalid: %s", "镜像 %s（%s）的签名无效：%s", img.Ref, img.Digest, img.SignatureDetail), ev)
	default: // offline: the registry was not asked
		em.NotApplicable(NotSigned, catalog.F("signatures of %s were not verified: offline, the registry was not asked", "未验证 %s 的签名：离线模式，未访问镜像仓库", img.Ref))
		em.NotApplicable(SignatureInvalid, catalog.F("signatures of %s were not verified: offline, the registry was not asked", "未验证 %s 的签名：离线模式，未访问镜像仓库", img.Ref))
	}
}

func judgeScan(env *check.Env, em *check.Emitter, ctr, path string, img *inventory.Image, ev string) {
	p := img.Policy
	if p == nil {
		p = &inventory.VulnPolicy{}
	}
	if img.Scan == nil {
		em.Skip(Vulnerable)
		em.Skip(ScanStale)
		switch {
		case img.Digest == "" && img.Offline:
			em.NotApplicable(NoScan, catalog.F("%s is not referenced by digest: offline, reports cannot be matched to it", "%s 未按摘要引用：离线模式下无法将报告与其对应", img.Ref))
		case p.RequireScan:
			em.Fail(NoScan, ctr, path, catalog.F("image %s (%s) has no vulnerability scan (Harbor or the reports given)", "镜像 %s（%s）没有漏洞扫描结果（Harbor 或所给报告）", img.Ref, img.Digest), ev)
		}
		return
	}
	s := img.Scan
	ev += " scan=" + s.Source
	if p.MaxAge > 0 {
		switch {
		case s.Time.IsZero():
			em.Fail(ScanStale, ctr, path, catalog.F("the scan of %s (%s) does not say when it ran", "%s 的扫描结果（%s）未注明扫描时间", img.Ref, s.Source), ev)
		case env.Now.Sub(s.Time) > p.MaxAge:
			days := int(env.Now.Sub(s.Time).Hours() / 24)
			em.Fail(ScanStale, ctr, path, catalog.F("the scan of %s (%s) is %d days old; the policy allows %d", "%s 的扫描结果（%s）已有 %d 天；策略允许 %d 天",
				img.Ref, s.Source, days, int(p.MaxAge.Hours()/24)), ev)
		}
	}
	if p.DenyAtOrAbove == "" {
		return
	}
	limit := config.SeverityRank(p.DenyAtOrAbove)
	var bad, excepted []string
	for _, v := range s.Vulns {
		if config.SeverityRank(v.Severity) < limit {
			continue
		}
		if ex := exception(p, v.ID, env); ex != nil {
			excepted = append(excepted, v.ID)
			continue
		}
		bad = append(bad, fmt.Sprintf("%s (%s, %s %s)", v.ID, v.Severity, v.Package, v.Version))
	}
	for _, sev := range config.Severities {
		if n := s.Counts[sev]; n > 0 && config.SeverityRank(sev) >= limit {
			bad = append(bad, fmt.Sprintf("%d %s", n, sev))
		}
	}
	if len(excepted) > 0 {
		ev += " excepted=" + strings.Join(excepted, ",")
	}
	if len(bad) > 0 {
		sort.Strings(bad)
		n := len(bad)
		if len(bad) > 10 {
			bad = append(bad[:10], fmt.Sprintf("and %d more", n-10))
		}
		em.Fail(Vulnerable, ctr, path, catalog.F("image %s (%s) has %d vulnerabilities at or above %s in %s: %s", "镜像 %s（%s）有 %d 个达到或高于 %s 的漏洞（%s）：%s",
			img.Ref, img.Digest, n, p.DenyAtOrAbove, s.Source, strings.Join(bad, ", ")), ev)
	}
}

func exception(p *inventory.VulnPolicy, id string, env *check.Env) *inventory.CVEException {
	for i := range p.Exceptions {
		e := &p.Exceptions[i]
		if e.ID == id && (e.Expiry.IsZero() || env.Now.Before(e.Expiry)) {
			return e
		}
	}
	return nil
}

func judgePin(env *check.Env, em *check.Emitter, ctr, path string, img *inventory.Image, ev string) {
	if img.PinnedDigest != "" || img.Digest == "" {
		return
	}
	if img.RunningDigest != "" && img.RunningDigest != img.Digest {
		em.Fail(TagNotPinned, ctr, path, catalog.F("image %s runs %s, but the tag now points to %s: what runs is not what is verified", "镜像 %s 运行的是 %s，但该标签现在指向 %s：运行的不是已验证的内容",
			img.Ref, img.RunningDigest, img.Digest), ev+" running="+img.RunningDigest)
		return
	}
	if img.Signature != inventory.SigVerified && img.Signature != inventory.SigNotRequired {
		return // the digest is not verified: KW-SUP-001/002 say so; pinning it would not help
	}
	if env.Mode == "cluster" && img.RunningDigest == img.Digest {
		// Running the verified digest by tag: KW-IMG-002 says it is not pinned.
		return
	}
	em.Fail(TagNotPinned, ctr, path, catalog.F("image %s is a tag: pin it to the verified digest %s", "镜像 %s 使用标签：请固定为已验证的摘要 %s", img.Ref, img.Digest), ev)
}

// PinnedRef is ref with its tag replaced by digest.
func PinnedRef(ref, digest string) string {
	if i := strings.Index(ref, "@"); i >= 0 {
		ref = ref[:i]
	}
	if slash, colon := strings.LastIndex(ref, "/"), strings.LastIndex(ref, ":"); colon > slash {
		ref = ref[:colon]
	}
	return ref + "@" + digest
}

// pinEdits sets each image referenced by tag whose digest verified to
// name@digest.
func pinEdits(_ *check.Env, t *check.Target) []check.Edit {
	if t.Images == nil || t.Workload == nil {
		return nil
	}
	var out []check.Edit
	for _, c := range t.Workload.Containers() {
		img := t.Images[c.Image]
		if img == nil || img.Digest == "" || img.PinnedDigest != "" || img.Error != "" ||
			(img.Signature != inventory.SigVerified && img.Signature != inventory.SigNotRequired) {
			continue
		}
		out = append(out, check.Edit{Op: check.Set, Path: t.Workload.SpecPath + "." + check.Sel(c.List, "name", c.Name) + ".image", Value: PinnedRef(c.Image, img.Digest)})
	}
	return out
}
