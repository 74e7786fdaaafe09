package admit

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"sync/atomic"
	"time"

	admissionv1 "k8s.io/api/admission/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"

	"github.com/kubeward/kubeward/internal/catalog"
	"github.com/kubeward/kubeward/internal/check"
	_ "github.com/kubeward/kubeward/internal/check/all" // register every check
	"github.com/kubeward/kubeward/internal/inventory"
	"github.com/kubeward/kubeward/internal/result"
)

const (
	// MaxRequestBytes bounds an AdmissionReview body (the API server's own
	// limit on objects is 3 MiB; the review wraps object and oldObject).
	MaxRequestBytes = 7 << 20
	// DefaultTimeout bounds one evaluation.
	DefaultTimeout = 8 * time.Second
	// AnnotationPrefix prefixes audit annotations (the API server adds the
	// webhook's name: <webhook>/kubeward.io/<ID>... keys are stored as given).
	AnnotationPrefix = "kubeward.io/"
)

// Handler serves /validate and /mutate.
type Handler struct {
	policy  atomic.Pointer[Policy]
	Timeout time.Duration
	// Metrics, when set, records decisions and latency.
	Metrics *Metrics
	// Now is the clock exceptions expire against (default time.Now).
	Now func() time.Time
}

// NewHandler returns a handler deciding with p (DefaultPolicy when nil).
func NewHandler(p *Policy) *Handler {
	if p == nil {
		p = DefaultPolicy()
	}
	h := &Handler{Timeout: DefaultTimeout, Now: time.Now}
	h.policy.Store(p)
	return h
}

// SetPolicy replaces the policy for the following requests.
func (h *Handler) SetPolicy(p *Policy) { h.policy.Store(p) }

// Policy returns the current policy.
func (h *Handler) Policy() *Policy { return h.policy.Load() }

// ServeHTTP routes /validate and /mutate.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	switch r.URL.Path {
	case "/validate":
		h.serve(w, r, false)
	case "/mutate":
		h.serve(w, r, true)
	default:
		http.NotFound(w, r)
	}
}

func (h *Handler) serve(w http.ResponseWriter, r *http.Request, mutate bool) {
	start := time.Now()
	path := "validate"
	if mutate {
		path = "mutate"
	}
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		writeError(w, http.StatusMethodNotAllowed, "", "admission reviews are POSTed")
		h.Metrics.observeError(path, start)
		return
	}
	if ct := r.Header.Get("Content-Type"); ct != "" && !strings.HasPrefix(ct, "application/json") {
		writeError(w, http.StatusUnsupportedMediaType, "", "content type "+ct+" is not application/json")
		h.Metrics.observeError(path, start)
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxRequestBytes))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			writeError(w, http.StatusRequestEntityTooLarge, "", fmt.Sprintf("request body exceeds %d bytes", MaxRequestBytes))
		} else {
			writeError(w, http.StatusBadRequest, "", "reading request: "+err.Error())
		}
		h.Metrics.observeError(path, start)
		return
	}
	timeout := h.Timeout
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	ctx, cancel := context.WithTimeout(r.Context(), timeout)
	defer cancel()
	out, code, decisions := h.reviewWithTimeout(ctx, body, mutate)
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	_, _ = w.Write(out)
	h.Metrics.observe(path, start, code, decisions)
}

type reviewOutput struct {
	body      []byte
	code      int
	decisions []Decision
}

// reviewWithTimeout evaluates in a goroutine so a pathological object cannot
// hold the response past the deadline; the API server gets a proper error.
func (h *Handler) reviewWithTimeout(ctx context.Context, body []byte, mutate bool) ([]byte, int, []Decision) {
	ch := make(chan reviewOutput, 1)
	go func() {
		b, c, d := h.ReviewContext(ctx, body, mutate)
		ch <- reviewOutput{b, c, d}
	}()
	select {
	case o := <-ch:
		return o.body, o.code, o.decisions
	case <-ctx.Done():
		uid := peekUID(body)
		b, _ := json.Marshal(errorReview(uid, http.StatusGatewayTimeout, "kubeward: evaluation timed out"))
		return b, http.StatusOK, nil
	}
}

func peekUID(body []byte) types.UID {
	var rv struct {
		Request *struct {
			UID types.UID `json:"uid"`
		} `json:"request"`
	}
	if json.Unmarshal(body, &rv) == nil && rv.Request != nil {
		return rv.Request.UID
	}
	return ""
}

// Review decides one serialized AdmissionReview and returns the serialized
// response review, the HTTP status and the decisions taken. It never panics.
func (h *Handler) Review(body []byte, mutate bool) (out []byte, code int, decisions []Decision) {
	return h.ReviewContext(context.Background(), body, mutate)
}

// ReviewContext is Review bounded by ctx: once ctx is done, evaluation stops
// between rules and the review answers with a timeout error (the API server
// then applies the webhook's failurePolicy), never with a partial verdict.
func (h *Handler) ReviewContext(ctx context.Context, body []byte, mutate bool) (out []byte, code int, decisions []Decision) {
	defer func() {
		if v := recover(); v != nil {
			out, _ = json.Marshal(errorReview(peekUID(body), http.StatusInternalServerError, fmt.Sprintf("kubeward: internal error: %v", v)))
			code, decisions = http.StatusInternalServerError, nil
		}
	}()
	var in admissionv1.AdmissionReview
	if err := json.Unmarshal(body, &in); err != nil {
		b, _ := json.Marshal(errorReview("", http.StatusBadRequest, "kubeward: malformed AdmissionReview: "+err.Error()))
		return b, http.StatusBadRequest, nil
	}
	if in.Request == nil {
		b, _ := json.Marshal(errorReview("", http.StatusBadRequest, "kubeward: AdmissionReview has no request"))
		return b, http.StatusBadRequest, nil
	}
	if in.APIVersion != "" && in.APIVersion != "admission.k8s.io/v1" {
		b, _ := json.Marshal(errorReview(in.Request.UID, http.StatusBadRequest, "kubeward: unsupported AdmissionReview version "+in.APIVersion+" (want admission.k8s.io/v1)"))
		return b, http.StatusBadRequest, nil
	}
	resp, decisions := h.DecideContext(ctx, in.Request, mutate)
	if ctx.Err() != nil {
		b, _ := json.Marshal(errorReview(in.Request.UID, http.StatusGatewayTimeout, "kubeward: evaluation timed out"))
		return b, http.StatusOK, nil
	}
	b, err := json.Marshal(&admissionv1.AdmissionReview{
		TypeMeta: metav1.TypeMeta{APIVersion: "admission.k8s.io/v1", Kind: "AdmissionReview"},
		Response: resp,
	})
	if err != nil {
		b, _ = json.Marshal(errorReview(in.Request.UID, http.StatusInternalServerError, "kubeward: "+err.Error()))
		return b, http.StatusInternalServerError, nil
	}
	return b, http.StatusOK, decisions
}

func errorReview(uid types.UID, code int32, msg string) *admissionv1.AdmissionReview {
	return &admissionv1.AdmissionReview{
		TypeMeta: metav1.TypeMeta{APIVersion: "admission.k8s.io/v1", Kind: "AdmissionReview"},
		Response: &admissionv1.AdmissionResponse{UID: uid, Allowed: false,
			Result: &metav1.Status{Status: metav1.StatusFailure, Code: code, Message: msg, Reason: metav1.StatusReasonBadRequest}},
	}
}

func writeError(w http.ResponseWriter, code int, uid types.UID, msg string) {
	b, _ := json.Marshal(errorReview(uid, int32(code), "kubeward: "+msg))
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	_, _ = w.Write(b)
}

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
		return h.mutate(p, view, req, obj, resp)
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
		if e := catalog.Get(r.ID); e == nil || !inScope(e) {
			continue
		}
		rs = append(rs, r)
	}
	return h.apply(p, view, req, namespace, rs, resp)
}

func inScope(e *catalog.Entry) bool {
	for _, s := range e.Scope {
		if s == "admission" {
			return true
		}
	}
	return false
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

// capMessages keeps the first n messages, each cut to MaxMessageRunes, and
// says how many more there were.
func capMessages(msgs []string, n int, lang string) []string {
	for i, m := range msgs {
		if r := []rune(m); len(r) > MaxMessageRunes {
			msgs[i] = string(r[:MaxMessageRunes]) + "…"
		}
	}
	if len(msgs) <= n {
		return msgs
	}
	more := len(msgs) - n
	out := append(msgs[:n:n], fmt.Sprintf("and %d more findings", more))
	if lang == "zh" {
		out[n] = fmt.Sprintf("另有 %d 项发现", more)
	}
	return out
}

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

// FormatResult renders a result as "ID: message — plan item X.Y <title> — fix: <remediation>".
func FormatResult(r *result.Result, lang string) string {
	msg := r.Message.In(lang)
	if r.Subject.Container != "" {
		if lang == "zh" {
			msg = "容器 " + r.Subject.Container + "：" + msg
		} else {
			msg = "container " + r.Subject.Container + ": " + msg
		}
	}
	e := catalog.Get(r.ID)
	if e == nil {
		return r.ID + ": " + msg
	}
	item := catalog.ItemByID(e.Item)
	if lang == "zh" {
		return fmt.Sprintf("%s：%s — 安全计划条目 %s %s — 修复：%s", r.ID, msg, e.Item, item.Title.In(lang), e.Remediation.In(lang))
	}
	return fmt.Sprintf("%s: %s — plan item %s %s — fix: %s", r.ID, msg, e.Item, item.Title.In(lang), e.Remediation.In(lang))
}

// decodeObject builds the inventory object of the request, or nil for kinds
// kubeward does not evaluate.
func decodeObject(req *admissionv1.AdmissionRequest) (*inventory.Object, error) {
	return decodeRaw(req, req.Object.Raw)
}

func decodeRaw(req *admissionv1.AdmissionRequest, raw []byte) (*inventory.Object, error) {
	typed := inventory.NewTyped(req.Kind.Group, req.Kind.Kind)
	if typed == nil {
		return nil, nil
	}
	if len(raw) == 0 {
		return nil, errors.New("the request carries no object")
	}
	if err := json.Unmarshal(raw, typed); err != nil {
		return nil, err
	}
	acc, ok := typed.(metav1.Object)
	if !ok {
		return nil, nil
	}
	o := &inventory.Object{
		Group: req.Kind.Group, Version: req.Kind.Version, Kind: req.Kind.Kind,
		Namespace: acc.GetNamespace(), Name: acc.GetName(),
		Labels: acc.GetLabels(), Annotations: acc.GetAnnotations(),
		Typed:  typed,
		Origin: "admission " + string(req.Operation),
	}
	if o.Name == "" {
		o.Name = req.Name
	}
	if o.Namespace == "" && !inventory.ClusterScoped(o.Kind) {
		o.Namespace = req.Namespace
	}
	if inventory.ClusterScoped(o.Kind) {
		o.Namespace = ""
	}
	return o, nil
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
