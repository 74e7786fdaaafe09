package supplychain

import (
	"strings"

	"github.com/kubeward/kubeward/internal/catalog"
	"github.com/kubeward/kubeward/internal/check"
	"github.com/kubeward/kubeward/internal/inventory"
	"github.com/kubeward/kubeward/internal/result"
)

// NodeVerifier: containerd's image verifier plugins, where configured.
const NodeVerifier = "KW-SUP-007"

func init() {
	check.Register(check.Spec{ID: NodeVerifier, Item: "2.2", Severity: catalog.SeverityLow, Scope: check.Node,
		Node:        &check.NodeRule{Run: checkNodeVerifier},
		References:  []string{"containerd 2.0 image verifier plugins (io.containerd.image-verifier.v1.bindir)"},
		Title:       catalog.Text{EN: "containerd verifies image signatures at pull (image verifier plugin)", ZH: "containerd 在拉取镜像时验证签名（镜像验证插件）"},
		Remediation: catalog.Text{EN: "Optional beside admission (KW-SUP-001): put a verifier program in containerd's image verifier bin_dir so the node itself refuses unsigned images.", ZH: "可选，作为准入验证（KW-SUP-001）的补充：在 containerd 镜像验证插件的 bin_dir 中放置验证程序，使节点自身拒绝未签名的镜像。"},
	})
}

// checkNodeVerifier reports the verifier programs each containerd runs
// before a pull; without them the node relies on admission, which is not a
// finding (NOT_APPLICABLE with the reason, never a FAIL).
func checkNodeVerifier(_ *check.Env, n *inventory.Node, em *check.NodeEmitter) {
	cs := n.ComponentsOf(inventory.Containerd)
	if len(cs) == 0 {
		em.Absent(NodeVerifier, inventory.Containerd)
		return
	}
	for _, c := range cs {
		dir := c.ContainerdImageVerifierDir()
		switch {
		case len(c.ImageVerifiers) > 0:
			em.Add(NodeVerifier, result.Pass, c, &result.Location{File: c.ConfigFile},
				catalog.F("containerd runs %d image verifier(s) before every pull", "containerd 在每次拉取前运行 %d 个镜像验证程序", len(c.ImageVerifiers)),
				"bin_dir="+dir+": "+strings.Join(c.ImageVerifiers, ", "))
		case dir == "":
			em.Add(NodeVerifier, result.NotApplicable, c, nil, catalog.Text{EN: "this containerd (configuration version 1 or 2) has no image verifier plugin: signatures are verified at admission (KW-SUP-001)", ZH: "此 containerd（配置版本 1 或 2）没有镜像验证插件：签名在准入时验证（KW-SUP-001）"}, "")
		default:
			em.Add(NodeVerifier, result.NotApplicable, c, nil, catalog.F("no image verifier program in %s: signatures are verified at admission (KW-SUP-001)", "%s 中没有镜像验证程序：签名在准入时验证（KW-SUP-001）", dir), "bin_dir="+dir)
		}
	}
}
