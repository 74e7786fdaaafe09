package controlplane

import (
	"fmt"
	"strings"

	"github.com/kubeward/kubeward/internal/catalog"
	"github.com/kubeward/kubeward/internal/check"
	"github.com/kubeward/kubeward/internal/inventory"
	"github.com/kubeward/kubeward/internal/result"
)

// Check is a node check that is not a flag rule (files, certificates, the
// container runtime, sshd, the firewall): it sees the whole node.
type Check struct {
	IDs []string
	Run func(env *check.Env, n *inventory.Node, em *Emitter)
}

var checks []*Check

// RegisterCheck adds a node check; packages call it from init.
func RegisterCheck(c *Check) { checks = append(checks, c) }

// Emitter collects node results.
type Emitter struct {
	env     *check.Env
	node    *inventory.Node
	results []result.Result
}

// Add records a result for a component (nil for the node itself).
func (em *Emitter) Add(id string, status result.Status, c *inventory.Component, loc *result.Location, msg catalog.Text, evidence string) {
	r := result.Result{ID: id, Status: status, Severity: check.Severity(id), Location: loc, Message: msg, Evidence: evidence}
	r.Subject = result.Subject{Kind: "Node", Name: em.node.Hostname}
	if c != nil {
		r.Subject = result.Subject{Kind: c.Kind, Name: c.Subject(em.node.Hostname)}
	}
	if status == result.Fail || status == result.Warn {
		check.ApplyException(em.env, &r, nil)
	}
	em.results = append(em.results, r)
}

// Absent records that a component a check needs is not on the node.
func (em *Emitter) Absent(id, kind string) {
	em.Add(id, result.NotApplicable, nil, nil, absentReason(kind), "")
}

func absentReason(kind string) catalog.Text {
	return catalog.F("%s does not run on this node: no process, static pod manifest or systemd unit", "此节点未运行 %s：没有进程、静态 Pod 清单或 systemd 单元", kind)
}

// Evaluate runs every node check on the node's inventory (internal/source/node
// gathers it).
func Evaluate(env *check.Env, n *inventory.Node) []result.Result {
	em := &Emitter{env: env, node: n}
	for _, r := range rules {
		comps := n.ComponentsOf(r.Component)
		if len(comps) == 0 {
			em.Absent(r.ID, r.Component)
			continue
		}
		for _, c := range comps {
			v := r.Test(c, n)
			file := v.file
			if file == "" {
				file = c.Origin()
			}
			loc := &result.Location{File: file, Path: v.key}
			if c.Source != "process" {
				loc.Origin = c.Source + " " + c.SourceFile
			}
			em.verdict(r, c, loc, v, withPID(c, v.evidence))
		}
	}
	for _, c := range checks {
		c.Run(env, n, em)
	}
	for _, p := range n.Problems {
		em.results = append(em.results, result.Result{ID: "KW-NODE-000", Status: result.Error, Severity: catalog.SeverityMedium,
			Subject: result.Subject{Kind: "Node", Name: n.Hostname}, Message: catalog.F("could not read: %s", "无法读取：%s", p)})
	}
	result.Sort(em.results)
	return em.results
}

// verdict records a rule's verdict on a component; failEvidence is the
// evidence a FAIL carries.
func (em *Emitter) verdict(r *Rule, c *inventory.Component, loc *result.Location, v verdict, failEvidence string) {
	switch {
	case v.na != "":
		em.Add(r.ID, result.NotApplicable, c, loc, v.msg, v.evidence)
	case v.warn:
		em.Add(r.ID, result.Warn, c, loc, v.msg, v.evidence)
	case v.ok:
		em.Add(r.ID, result.Pass, c, loc, catalog.Text{}, v.evidence)
	default:
		msg := v.msg
		if msg.EN == "" {
			msg = r.Title
		}
		em.Add(r.ID, result.Fail, c, loc, msg, failEvidence)
	}
}

func withPID(c *inventory.Component, evidence string) string {
	if c.PID > 0 && !strings.Contains(evidence, "pid ") {
		return fmt.Sprintf("%s [pid %d]", evidence, c.PID)
	}
	return evidence
}

func init() {
	catalog.Register(&catalog.Entry{ID: "KW-NODE-000", Item: "3.6", Severity: catalog.SeverityMedium, Scope: []string{"node"},
		Title:       catalog.Text{EN: "A file a component uses could not be read", ZH: "无法读取组件使用的文件"},
		Remediation: catalog.Text{EN: "Make the file readable to the audit (run as root, or mount it into the audit pod).", ZH: "确保审计可以读取该文件（以 root 运行，或将其挂载到审计 Pod 中）。"}})
}

// EvaluateRules runs only the flag and config rules (not the file,
// certificate or runtime checks) on the given components: the control
// plane as the API server shows it, from its static pods' command lines.
// Components absent from comps are not reported.
func EvaluateRules(env *check.Env, n *inventory.Node) []result.Result {
	em := &Emitter{env: env, node: n}
	for _, r := range rules {
		for _, c := range n.ComponentsOf(r.Component) {
			v := r.Test(c, n)
			em.verdict(r, c, &result.Location{File: c.SourceFile, Path: v.key, Origin: c.Source}, v, v.evidence)
		}
	}
	return em.results
}
