package admit

import (
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
)

// Metrics are the webhook's Prometheus metrics.
type Metrics struct {
	Registry  *prometheus.Registry
	decisions *prometheus.CounterVec
	reviews   *prometheus.CounterVec
	latency   *prometheus.HistogramVec
	reloads   *prometheus.CounterVec
}

// NewMetrics registers the webhook's metrics, and the Go and process
// collectors, in a new registry.
func NewMetrics() *Metrics {
	m := &Metrics{
		Registry: prometheus.NewRegistry(),
		decisions: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "kubeward_admission_decisions_total",
			Help: "Check results turned into admission decisions, by check ID and decision (enforce, warn, audit, exempt, patched).",
		}, []string{"check", "decision"}),
		reviews: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "kubeward_admission_reviews_total",
			Help: "AdmissionReviews answered, by path and HTTP status code.",
		}, []string{"path", "code"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "kubeward_admission_review_duration_seconds",
			Help:    "Time to answer an AdmissionReview, from the request's arrival to the response's write.",
			Buckets: []float64{.0001, .00025, .0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10},
		}, []string{"path"}),
		reloads: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "kubeward_admission_reloads_total",
			Help: "Reloads of the policy file and TLS pair, by what and result (ok, error).",
		}, []string{"what", "result"}),
	}
	m.Registry.MustRegister(m.decisions, m.reviews, m.latency, m.reloads,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

func (m *Metrics) observe(path string, start time.Time, code int, ds []Decision) {
	if m == nil {
		return
	}
	m.latency.WithLabelValues(path).Observe(time.Since(start).Seconds())
	m.reviews.WithLabelValues(path, strconv.Itoa(code)).Inc()
	for _, d := range ds {
		m.decisions.WithLabelValues(d.ID, string(d.Mode)).Inc()
	}
}

func (m *Metrics) observeError(path string, start time.Time) {
	if m == nil {
		return
	}
	m.latency.WithLabelValues(path).Observe(time.Since(start).Seconds())
	m.reviews.WithLabelValues(path, "error").Inc()
}

// Reloaded counts a reload of what ("policy", "tls").
func (m *Metrics) Reloaded(what string, err error) {
	if m == nil {
		return
	}
	res := "ok"
	if err != nil {
		res = "error"
	}
	m.reloads.WithLabelValues(what, res).Inc()
}
