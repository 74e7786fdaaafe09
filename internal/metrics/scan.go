// Package metrics holds the scanners' Prometheus metrics: the results of the
// last scan by check, status, severity and layer, the scan's duration, and
// the time of the last successful scan. Their cardinality is bounded by the
// catalogue (checks × statuses), never by the number of findings.
package metrics

import (
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/kubeward/kubeward/internal/catalog"
	"github.com/kubeward/kubeward/internal/result"
)

// Scan is one scanner's metrics (scanner is "node" or "cluster").
type Scan struct {
	Registry    *prometheus.Registry
	results     *prometheus.GaugeVec
	duration    prometheus.Gauge
	lastSuccess prometheus.Gauge
	scans       *prometheus.CounterVec
}

// NewScan registers a scanner's metrics, with the Go and process
// collectors, in a new registry.
func NewScan(scanner string) *Scan {
	c := prometheus.Labels{"scanner": scanner}
	s := &Scan{
		Registry: prometheus.NewRegistry(),
		results: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "kubeward_scan_results", ConstLabels: c,
			Help: "Results of the last scan, by check ID, status, severity and plan layer (1-5).",
		}, []string{"check", "status", "severity", "layer"}),
		duration: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "kubeward_scan_duration_seconds", ConstLabels: c,
			Help: "Duration of the last scan, reports written included.",
		}),
		lastSuccess: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "kubeward_scan_last_success_timestamp_seconds", ConstLabels: c,
			Help: "Unix time the last successful scan ended (0: none yet).",
		}),
		scans: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "kubeward_scans_total", ConstLabels: c,
			Help: "Scans run, by result (ok, error).",
		}, []string{"result"}),
	}
	s.Registry.MustRegister(s.results, s.duration, s.lastSuccess, s.scans,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return s
}

type key struct {
	check  string
	status result.Status
}

// Observe records one scan: its results (passed counts the PASS verdicts not
// listed, by check), how long it took, and whether it succeeded. A failed
// scan keeps the last good scan's results.
func (s *Scan) Observe(rs []result.Result, passed map[string]int, took time.Duration, ok bool, end time.Time) {
	s.duration.Set(took.Seconds())
	if !ok {
		s.scans.WithLabelValues("error").Inc()
		return
	}
	s.scans.WithLabelValues("ok").Inc()
	counts := map[key]int{}
	for i := range rs {
		counts[key{rs[i].ID, rs[i].Status}]++
	}
	listed := result.ListedPasses(rs)
	for id, n := range passed {
		if n > listed[id] {
			counts[key{id, result.Pass}] += n - listed[id]
		}
	}
	s.results.Reset()
	for k, n := range counts {
		sev, layer := "", ""
		if e := catalog.Get(k.check); e != nil {
			sev = e.Severity.String()
			if l := e.Layer(); l != 0 {
				layer = strconv.Itoa(int(l))
			}
		}
		s.results.WithLabelValues(k.check, string(k.status), sev, layer).Set(float64(n))
	}
	s.lastSuccess.Set(float64(end.Unix()))
}
