package checktest

import (
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"

	"github.com/kubeward/kubeward/internal/inventory"
)

// The supply-chain checks (KW-SUP-*) judge the facts the registry source
// records on an object (inventory.Object.Images): these fixtures carry
// them literally, as the source would.

// HardenedImage is the facts of the hardened container's image: signed by
// the trusted key "release", scanned now with no finding at or above HIGH.
func HardenedImage(ref string) *inventory.Image {
	d := strings.TrimPrefix(Digest, "@")
	img := &inventory.Image{Ref: ref, Digest: d, Signature: inventory.SigVerified, SignedBy: "release",
		Scan:   &inventory.Scan{Source: "trivy ci.json", Time: time.Now(), Vulns: []inventory.Vuln{{ID: "CVE-2026-0001", Severity: "LOW", Package: "zlib"}}},
		Policy: &inventory.VulnPolicy{DenyAtOrAbove: "HIGH", RequireScan: true, MaxAge: 7 * 24 * time.Hour}}
	if strings.Contains(ref, "@") {
		img.PinnedDigest = d
	}
	return img
}

// supplyChainObject is the hardened Deployment, its container's image
// set to image (when not empty), with the image's facts changed by mutate.
func supplyChainObject(image string, mutate func(*inventory.Image)) *inventory.Object {
	o := Container(func(c *corev1.Container) {
		if image != "" {
			c.Image = image
		}
	})
	w, _ := o.Workload()
	ref := w.Spec.Containers[0].Image
	img := HardenedImage(ref)
	if mutate != nil {
		mutate(img)
	}
	o.Images = map[string]*inventory.Image{ref: img}
	return o
}

func issue13Cases() []Fixture {
	pass := []*inventory.Object{supplyChainObject("", nil)}
	tag := TrustedRegistry + "/team/app:1.0.0"
	return []Fixture{
		{ID: "KW-SUP-001", Pass: pass, Fail: []*inventory.Object{
			supplyChainObject("", func(i *inventory.Image) {
				i.Signature, i.SignedBy, i.SignatureDetail = inventory.SigUnsigned, "", "no cosign signature"
			}),
		}},
		{ID: "KW-SUP-002", Pass: pass, Fail: []*inventory.Object{supplyChainObject("", func(i *inventory.Image) {
			i.Signature, i.SignatureDetail = inventory.SigInvalid, "key release signed sha256:1111, not sha256:0f3c"
		})}},
		{ID: "KW-SUP-003", Pass: pass, Fail: []*inventory.Object{supplyChainObject("", func(i *inventory.Image) { i.Scan = nil })}},
		{ID: "KW-SUP-004", Pass: append(pass, supplyChainObject("", func(i *inventory.Image) {
			i.Scan.Vulns = append(i.Scan.Vulns, inventory.Vuln{ID: "CVE-2026-9999", Severity: "CRITICAL", Package: "openssl"})
			i.Policy.Exceptions = []inventory.CVEException{{ID: "CVE-2026-9999", Reason: "not reachable"}}
		})), Fail: []*inventory.Object{
			supplyChainObject("", func(i *inventory.Image) {
				i.Scan.Vulns = append(i.Scan.Vulns, inventory.Vuln{ID: "CVE-2026-9999", Severity: "CRITICAL", Package: "openssl", Version: "3.0.1"})
			}),
			supplyChainObject("", func(i *inventory.Image) { i.Scan.Vulns, i.Scan.Counts = nil, map[string]int{"HIGH": 2} }),
			supplyChainObject("", func(i *inventory.Image) {
				i.Scan.Vulns = append(i.Scan.Vulns, inventory.Vuln{ID: "CVE-2026-9999", Severity: "HIGH", Package: "openssl"})
				i.Policy.Exceptions = []inventory.CVEException{{ID: "CVE-2026-9999", Reason: "expired", Expiry: time.Now().Add(-time.Hour)}}
			}),
		}},
		{ID: "KW-SUP-005", Pass: pass, Fail: []*inventory.Object{
			supplyChainObject("", func(i *inventory.Image) { i.Scan.Time = time.Now().Add(-30 * 24 * time.Hour) }),
			supplyChainObject("", func(i *inventory.Image) { i.Scan.Time = time.Time{} }),
		}},
		{ID: "KW-SUP-006", Pass: pass, Fail: []*inventory.Object{supplyChainObject(tag, nil)}},
	}
}
