package inventory

import metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

// ChartValue is a secret-looking value of a Helm chart, with where the
// rendered chart puts it and where its value comes from. It is no
// Kubernetes object: the manifest source makes one per such value when it
// renders a chart (internal/source/manifest/sentinel.go), named
// "<chart>:<key>", located at the values file line that gives the default.
// It never holds the value itself.
type ChartValue struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`
	Chart             string `json:"chart"`
	Key               string `json:"key"`
	// Flows lists where the rendered chart puts the value: "Secret/name",
	// "ConfigMap/name", "Deployment/name env DB_PASSWORD".
	Flows []string `json:"flows,omitempty"`
	// Source is how the chart gets the value, one of the ChartValue*
	// constants.
	Source string `json:"source"`
	// Length is the length of a literal default (the value is never kept).
	Length int `json:"length,omitempty"`
	// ValuesFile and Line locate the default (or the existingSecret key).
	ValuesFile string `json:"valuesFile,omitempty"`
	Line       int    `json:"line,omitempty"`
	// Detail is extra evidence: the existingSecret key, the render error.
	Detail string `json:"detail,omitempty"`
}

// How a chart gets a secret value.
const (
	ChartValueLiteral        = "literal"         // a non-empty default in a values file
	ChartValueCommandLine    = "command-line"    // given with --set
	ChartValueRequired       = "required"        // empty, and the chart refuses to render without it
	ChartValueGenerated      = "generated"       // generated at random, kept with lookup
	ChartValueRegenerated    = "regenerated"     // generated at random on every render, no lookup
	ChartValueExistingSecret = "existing-secret" // read from an existing Secret (existingSecret set)
	ChartValueUnknown        = "unknown"         // the analysis could not finish (Detail says why)
)

// ChartValueGroup and ChartValueKind name the synthetic kind.
const (
	ChartValueGroup = "kubeward.io"
	ChartValueKind  = "ChartValue"
)

func init() {
	known[GroupKind{ChartValueGroup, ChartValueKind}] = func() any { return &ChartValue{} }
	clusterScoped[ChartValueKind] = true
}
