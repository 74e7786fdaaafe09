package admit

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync/atomic"
	"time"

	admissionv1 "k8s.io/api/admission/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
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

	// supply verifies images against the registry (supplychain.go).
	supply supplyChain
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
