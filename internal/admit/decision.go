package admit

import (
	"cmp"
	"context"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	admissionv1 "k8s.io/api/admission/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/kubeward/kubeward/internal/catalog"
	"github.com/kubeward/kubeward/internal/check"
	_ "github.com/kubeward/kubeward/internal/check/all" // register every check
	"github.com/kubeward/kubeward/internal/result"
)

// Decision is what the policy did with one result.
type Decision struct {
	ID       string
	Mode     Mode // enforce, warn, audit; "exempt" and "off" are recorded too
	Status   result.Status
	Message  string
	Severity catalog.Severity
}

// Decide evaluates one admission request.
func (h *Handler) Decide(req *admissionv1.AdmissionRequest, mutate bool) (*admissionv1.AdmissionResponse, []Decision) {
	return h.DecideContext(context.Background(), req, mutate)
}

// DecideContext evaluates one admission request until ctx is done. An
// evaluation cut short by ctx is an error response, never an allow.
func (h *Handler) DecideContext(ctx context.Context, req *admissionv1.AdmissionRequest, mutate bool) (*admissionv1.AdmissionResponse, []Decision) {
	p := h.policy.Load()
	resp := &admissionv1.AdmissionResponse{UID: req.UID, Allowed: true}
	now := time.Now
	if h.Now != nil {
		now = h.Now
	}

	kind := req.Kind.Kind
	group := req.Kind.Group
	namespace := req.Namespace
	if kind == "Namespace" && group == "" {
		namespace = req.Name
	}
	view := p.forNamespace(namespace)

	if req.Operation == admissionv1.Delete {
		if mutate {
			return resp, nil
		}
		return h.decideDelete(p, view, req, resp)
	}
	if req.SubResource != "" && !(kind == "Pod" && req.SubResource == "ephemeralcontainers") {
		return resp, nil
	}
	obj, err := decodeObject(req)
	if err != nil {
		resp.Allowed = false
		resp.Result = &metav1.Status{Status: metav1.StatusFailure, Code: http.StatusBadRequest, Reason: metav1.StatusReasonBadRequest,
			Message: "kubeward: cannot decode " + kind + ": " + err.Error()}
		return resp, nil
	}
	if obj == nil { // a kind kubeward does not evaluate
		return resp, nil
	}
	if mutate {
		return h.mutate(ctx, p, view, req, obj, resp)
	}

	if !p.AllowAnnotationExceptions && obj.Annotations != nil {
		if _, ok := obj.Annotations[check.IgnoreAnnotation]; ok {
			ann := make(map[string]string, len(obj.Annotations))
			for k, v := range obj.Annotations {
				if k != check.IgnoreAnnotation && k != check.IgnoreReasonAnnotation {
					ann[k] = v
				}
			}
			obj.Annotations = ann
		}
	}

	if err := h.annotateImages(ctx, p, obj); err != nil {
		return supplyChainError(resp, err), nil
	}
	eng := check.New(check.Options{Config: view.config, Mode: "admission", Now: now(), Context: ctx})
	eng.Observe(obj)
	rep := eng.Finish()
	if rep.Interrupted {
		resp.Allowed = false
		resp.Result = &metav1.Status{Status: metav1.StatusFailure, Code: http.StatusGatewayTimeout, Reason: metav1.StatusReasonTimeout,
			Message: "kubeward: evaluation timed out"}
		return resp, nil
	}
	subj := obj.Subject()
	var rs []result.Result
	for _, r := range rep.Results {
		if r.Subject.Kind != subj.Kind || r.Subject.Namespace != subj.Namespace || r.Subject.Name != subj.Name {
			continue
		}
		if r.Status != result.Fail && r.Status != result.Warn {
			continue
		}
		if e := catalog.Get(r.ID); e == nil || !check.InScope(e, "admission") {
			continue
		}
		rs = append(rs, r)
	}
	return h.apply(p, view, req, namespace, rs, resp)
}

// apply turns results into the response according to the policy.
func (h *Handler) apply(p *Policy, view *nsView, req *admissionv1.AdmissionRequest, namespace string, rs []result.Result, resp *admissionv1.AdmissionResponse) (*admissionv1.AdmissionResponse, []Decision) {
	var denies []string
	var decisions []Decision
	// The most severe findings first, so the capped message keeps them.
	slices.SortStableFunc(rs, func(a, b result.Result) int { return cmp.Compare(b.Severity, a.Severity) })
	for i := range rs {
		r := &rs[i]
		msg := FormatResult(r, view.lang)
		d := Decision{ID: r.ID, Status: r.Status, Message: msg, Severity: r.Severity}
		if ex := p.exemption(r.ID, namespace, req.UserInfo.Username, req.UserInfo.Groups); ex != nil {
			d.Mode = "exempt"
			addAnnotation(resp, "exempt."+AnnotationPrefix+r.ID, ex.Reason)
			decisions = append(decisions, d)
			continue
		}
		mode := view.mode(r.ID)
		if mode == Enforce && (r.Status != result.Fail || r.Severity < p.minSev) {
			mode = Warn // WARN results and FAILs below minSeverity never deny
		}
		d.Mode = mode
		switch mode {
		case Enforce:
			denies = append(denies, msg)
		case Warn:
			resp.Warnings = append(resp.Warnings, msg)
		case Audit:
			addAnnotation(resp, AnnotationPrefix+r.ID, msg)
		}
		decisions = append(decisions, d)
	}
	resp.Warnings = capMessages(resp.Warnings, MaxWarnings, view.lang)
	if len(denies) > 0 {
		denies = capMessages(denies, MaxDenyFindings, view.lang)
		resp.Allowed = false
		head := fmt.Sprintf("kubeward denied %s %s: ", req.Kind.Kind, objectName(req))
		if view.lang == "zh" {
			head = fmt.Sprintf("kubeward 拒绝了 %s %s：", req.Kind.Kind, objectName(req))
		}
		resp.Result = &metav1.Status{Status: metav1.StatusFailure, Code: http.StatusForbidden, Reason: metav1.StatusReasonForbidden,
			Message: head + strings.Join(denies, "; ")}
	}
	return resp, decisions
}

// Bounds on what one response carries: the API server relays a denial to
// the client and stores warnings in the response headers, and a workload
// with hundreds of containers can fail the same check hundreds of times.
const (
	MaxDenyFindings = 20  // findings listed in a denial message, most severe first
	MaxWarnings     = 20  // warnings returned, most severe first
	MaxMessageRunes = 512 // runes of one finding's message
)

func objectName(req *admissionv1.AdmissionRequest) string {
	name := req.Name
	if name == "" {
		name = "(generated name)"
	}
	if req.Namespace != "" {
		return req.Namespace + "/" + name
	}
	return name
}

func addAnnotation(resp *admissionv1.AdmissionResponse, key, value string) {
	if resp.AuditAnnotations == nil {
		resp.AuditAnnotations = map[string]string{}
	}
	if old, ok := resp.AuditAnnotations[key]; ok {
		value = old + "; " + value
	}
	resp.AuditAnnotations[key] = value
}

// deletionChecks name the catalogue check a DELETE of the kind weakens.
var deletionChecks = map[string]string{
	"ResourceQuota": "KW-NS-001",
	"LimitRange":    "KW-NS-002",
	"NetworkPolicy": "KW-NS-003",
}

func (h *Handler) decideDelete(p *Policy, view *nsView, req *admissionv1.AdmissionRequest, resp *admissionv1.AdmissionResponse) (*admissionv1.AdmissionResponse, []Decision) {
	id, ok := deletionChecks[req.Kind.Kind]
	mode, configured := p.Deletions[req.Kind.Kind]
	if !ok || !configured || mode == Off {
		return resp, nil
	}
	if view.p.cfg != nil {
		env := check.Env{Config: view.config}
		if env.IsSystemNamespace(req.Namespace) {
			return resp, nil
		}
	}
	r := result.Result{ID: id, Status: result.Fail, Severity: check.Severity(id),
		Subject: result.Subject{Kind: "Namespace", Name: req.Namespace},
		Message: catalog.F("deleting %s %s/%s removes a namespace safeguard", "删除 %s %s/%s 会移除命名空间的防护", req.Kind.Kind, req.Namespace, req.Name)}
	// The per-kind deletion mode wins over the check's mode.
	saved := view.ns
	view.ns = &NamespacePolicy{Checks: map[string]Mode{id: mode}}
	defer func() { view.ns = saved }()
	return h.apply(p, view, req, req.Namespace, []result.Result{r}, resp)
}
