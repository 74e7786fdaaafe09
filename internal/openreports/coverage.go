package openreports

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/client-go/dynamic"

	"github.com/kubeward/kubeward/internal/catalog"
	"github.com/kubeward/kubeward/internal/check/cluster"
	"github.com/kubeward/kubeward/internal/result"
)

// NodeState is a Node object and the node scanner's pod on it, if any.
type NodeState struct {
	Name string
	// Pod is the node scanner's pod on the node ("" when none).
	Pod string
	// Phase, Waiting (a container's waiting reason, e.g. CrashLoopBackOff)
	// and Restarts describe that pod.
	Phase    string
	Waiting  string
	Restarts int32
}

// Coverage merges node reports into one result set. Add each node report
// (part) as it is listed; Finish then returns the fresh reports' results
// and one KW-CL-009 ERROR for every node without a complete report newer
// than MaxAge, saying why. Memory is the results kept, nothing per report
// beyond its node's bookkeeping.
type Coverage struct {
	Now    time.Time
	MaxAge time.Duration
	nodes  map[string]*nodeReports
}

type nodeReports struct {
	scanTime time.Time
	parts    int // parts announced
	seen     int // parts added with that scan time
	results  []result.Result
	err      error
}

// Add reads one node report. A report it cannot read marks its node
// uncovered with the reason; a report that is not a node report is ignored.
func (c *Coverage) Add(u *unstructured.Unstructured) {
	if c.nodes == nil {
		c.nodes = map[string]*nodeReports{}
	}
	if u.GetLabels()[LabelScanner] != ScannerNode {
		return
	}
	node := u.GetAnnotations()[AnnotationNode]
	if node == "" {
		return
	}
	nr := c.nodes[node]
	if nr == nil {
		nr = &nodeReports{}
		c.nodes[node] = nr
	}
	meta, rs, err := Read(u)
	if err != nil {
		nr.err = err
		return
	}
	n := 1
	if p := u.GetAnnotations()[AnnotationPart]; p != "" {
		_, total, ok := strings.Cut(p, "/")
		if v, err := strconv.Atoi(total); ok && err == nil && v > 0 {
			n = v
		} else {
			nr.err = fmt.Errorf("%s: annotation %s=%q is not PART/TOTAL", u.GetName(), AnnotationPart, p)
			return
		}
	}
	switch {
	case meta.ScanTime.After(nr.scanTime):
		// A newer scan: drop what an older one left (a part not yet
		// garbage-collected).
		nr.scanTime, nr.parts, nr.seen, nr.results = meta.ScanTime, n, 1, rs
	case meta.ScanTime.Equal(nr.scanTime):
		nr.seen++
		nr.results = append(nr.results, rs...)
	}
}

// Finish returns the results of every node in nodes with a fresh, complete
// report, then one ERROR per node without one, both sorted by node.
// Reports of nodes not in nodes (deleted nodes) are left out.
func (c *Coverage) Finish(nodes []NodeState) (merged, uncovered []result.Result, fresh int) {
	slices.SortFunc(nodes, func(a, b NodeState) int { return strings.Compare(a.Name, b.Name) })
	for _, n := range nodes {
		nr := c.nodes[n.Name]
		why, evidence := c.gap(&n, nr)
		if why.EN == "" {
			merged = append(merged, nr.results...)
			fresh++
			continue
		}
		uncovered = append(uncovered, cluster.NodeUncoveredResult(n.Name, why, evidence))
	}
	return merged, uncovered, fresh
}

// gap says why n has no fresh report ("" when it has one).
func (c *Coverage) gap(n *NodeState, nr *nodeReports) (catalog.Text, string) {
	pod := "no node scanner pod on the node"
	podZH := "节点上没有节点扫描器 Pod"
	if n.Pod != "" {
		pod = fmt.Sprintf("node scanner pod %s is %s", n.Pod, n.Phase)
		podZH = fmt.Sprintf("节点扫描器 Pod %s 状态为 %s", n.Pod, n.Phase)
		if n.Waiting != "" {
			pod += " (" + n.Waiting + ")"
			podZH += "（" + n.Waiting + "）"
		}
		if n.Restarts > 0 {
			pod += fmt.Sprintf(", restarted %d times", n.Restarts)
			podZH += fmt.Sprintf("，已重启 %d 次", n.Restarts)
		}
	}
	evidence := "pod=" + n.Pod
	if n.Pod == "" {
		evidence = "pod=none"
	}
	t := func(en, zh string, args ...any) catalog.Text {
		return catalog.Text{EN: fmt.Sprintf(en, append(args, pod)...), ZH: fmt.Sprintf(zh, append(args, podZH)...)}
	}
	switch {
	case nr == nil:
		if n.Pod == "" {
			return t("no node report: the node scanner is not scheduled on this node (%s)", "没有节点报告：节点扫描器未调度到该节点（%s）"), evidence
		}
		return t("no node report yet: %s", "尚无节点报告：%s"), evidence
	case nr.err != nil:
		return t("the node report cannot be read: %v; %s", "无法读取节点报告：%v；%s", nr.err), evidence
	case nr.scanTime.IsZero():
		return t("the node report has no scan time; %s", "节点报告没有扫描时间；%s"), evidence
	case c.MaxAge > 0 && c.Now.Sub(nr.scanTime) > c.MaxAge:
		at := nr.scanTime.UTC().Format(time.RFC3339)
		return t("the last node report is stale: written %s ago, at %s, more than --node-max-age %s; %s",
				"最近的节点报告已过期：写于 %s 前（%s），超过 --node-max-age %s；%s",
				c.Now.Sub(nr.scanTime).Round(time.Second), at, c.MaxAge),
			evidence + " scan-time=" + at
	case nr.seen != nr.parts:
		return t("the node report is incomplete: %d of %d parts; %s", "节点报告不完整：%d / %d 部分；%s", nr.seen, nr.parts), evidence
	}
	return catalog.Text{}, ""
}

// ListNodeReports lists the node reports page by page (pageSize each) and
// gives each to fn; a page is released before the next is read.
func ListNodeReports(ctx context.Context, dyn dynamic.Interface, f Format, pageSize int64, fn func(*unstructured.Unstructured)) (int, error) {
	if f == "" {
		f = OpenReports
	}
	_, gvr := f.GVRs()
	opts := metav1.ListOptions{LabelSelector: LabelManagedBy + "=" + ManagedBy + "," + LabelScanner + "=" + ScannerNode, Limit: pageSize}
	n := 0
	for {
		list, err := dyn.Resource(gvr).List(ctx, opts)
		if err != nil {
			return n, fmt.Errorf("listing the node reports (%s): %w", gvr.GroupResource(), err)
		}
		for i := range list.Items {
			fn(&list.Items[i])
			n++
		}
		if opts.Continue = list.GetContinue(); opts.Continue == "" {
			return n, nil
		}
	}
}
