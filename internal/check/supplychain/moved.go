package supplychain

import (
	"github.com/kubeward/kubeward/internal/catalog"
	"github.com/kubeward/kubeward/internal/check"
	"github.com/kubeward/kubeward/internal/result"
)

// A pod a controller manages is not judged itself (its controller is), yet
// only the pod knows the digest it started from: a collector keeps, for
// such pods, each image whose tag now points elsewhere, and KW-SUP-006
// reports it on the pod.
var (
	movedCollector = &check.Collector{Name: "supplychain-moved", Applies: movedApplies, Fact: movedFact}
	movedRule      = &check.PolicyRule{Collect: []*check.Collector{movedCollector}, Run: judgeMoved}
)

// moved is one container of a managed pod running an old digest of its tag.
type moved struct {
	subject           result.Subject
	origin, path      string
	container         string
	ref, run, current string
}

func movedApplies(env *check.Env, t *check.Target) bool {
	return env.Mode == "cluster" && t.Workload == nil && t.Owner != "" && t.Kind == "Pod" && t.Images != nil
}

func movedFact(_ *check.Env, t *check.Target) any {
	w, ok := t.Object.Workload()
	if !ok {
		return nil
	}
	var out []moved
	for _, c := range w.Containers() {
		img := t.Images[c.Image]
		if img == nil || img.PinnedDigest != "" || img.Digest == "" || img.RunningDigest == "" || img.RunningDigest == img.Digest || img.Error != "" {
			continue
		}
		out = append(out, moved{subject: t.Subject(), origin: t.Origin, path: c.Path + ".image", container: c.Name,
			ref: img.Ref, run: img.RunningDigest, current: img.Digest})
	}
	if len(out) == 0 {
		return nil
	}
	return out
}

func judgeMoved(_ *check.Env, ix *check.Index, em *check.Emitter) {
	for _, f := range ix.Facts[movedCollector.Name] {
		ms, _ := f.([]moved)
		for i := range ms {
			m := &ms[i]
			subj := m.subject
			em.Add(check.Finding{ID: TagNotPinned, Status: result.Fail, Subject: &subj, Container: m.container,
				Location: &result.Location{Path: m.path, Origin: m.origin},
				Message: catalog.F("image %s runs %s, but the tag now points to %s: what runs is not what is verified", "镜像 %s 运行的是 %s，但该标签现在指向 %s：运行的不是已验证的内容",
					m.ref, m.run, m.current),
				Evidence: "image=" + m.ref + " running=" + m.run + " digest=" + m.current})
		}
	}
}
