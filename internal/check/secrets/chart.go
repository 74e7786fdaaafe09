package secrets

import (
	"strings"

	"github.com/kubeward/kubeward/internal/catalog"
	"github.com/kubeward/kubeward/internal/check"
	"github.com/kubeward/kubeward/internal/inventory"
	"github.com/kubeward/kubeward/internal/result"
)

// ChartDefault is a chart password with a literal default in a values file:
// the plan wants it on the command line, generated at random, or read from
// an existing Secret (plan item 4.11: Helm with the password given at
// install time, preferably random).
const ChartDefault = "KW-SEC-006"

func init() {
	check.Register(check.Spec{ID: ChartDefault, Fix: chartDefaultFix, Object: chartRule, Item: "4.11", Severity: catalog.SeverityHigh, Scope: check.Manifest,
		Title: catalog.Text{EN: "Helm chart gives a secret a literal default in a values file", ZH: "Helm Chart 在 values 文件中为机密提供了明文默认值"},
		Remediation: catalog.Text{
			EN: "Leave the default empty and make the chart refuse to install without it ({{ required \"set it with --set\" .Values.x }}), generate it (randAlphaNum 32, kept across upgrades with lookup of the existing Secret), or read an existing Secret (an existingSecret value); give it at install time with helm install --set or --set-file. `kubeward harden secrets` writes the values change and the command.",
			ZH: "将默认值留空，并让 Chart 在未提供时拒绝安装（{{ required \"请用 --set 设置\" .Values.x }}）；或随机生成（randAlphaNum 32，并通过 lookup 读取已有 Secret 以在升级间保持不变）；或读取已有 Secret（existingSecret 值）；安装时通过 `helm install --set` 或 `--set-file` 提供。`kubeward harden secrets` 会生成 values 修改与安装命令。"},
		References: []string{"Helm docs: Chart Template Guide, Template Functions (required, randAlphaNum, lookup)"}})
}

var chartRule = &check.ObjectRule{
	Applies: func(t *check.Target) bool {
		_, ok := t.Typed.(*inventory.ChartValue)
		return ok
	},
	Run: checkChartValue,
}

func checkChartValue(_ *check.Env, t *check.Target, em *check.Emitter) {
	cv := t.Typed.(*inventory.ChartValue)
	flows := strings.Join(cv.Flows, ", ")
	switch cv.Source {
	case inventory.ChartValueLiteral:
		ev := cv.Key + " = " + Redact(strings.Repeat("x", cv.Length)) + " in " + cv.ValuesFile
		if cv.Detail != "" {
			ev += "; " + cv.Detail
		}
		em.Add(check.Finding{ID: ChartDefault, Status: result.Fail,
			Message: catalog.F("chart %s: value %s has a literal default in a values file and goes into %s",
				"Chart %s：值 %s 在 values 文件中有明文默认值，并写入 %s", cv.Chart, cv.Key, flows),
			Evidence: ev})
	case inventory.ChartValueRegenerated:
		em.Add(check.Finding{ID: ChartDefault, Status: result.Warn,
			Message: catalog.F("chart %s: value %s is generated at random on every render, so every upgrade changes it (goes into %s); keep it with lookup",
				"Chart %s：值 %s 每次渲染都随机生成，每次升级都会改变（写入 %s）；请用 lookup 保持", cv.Chart, cv.Key, flows),
			Evidence: "two renders without " + cv.Key + " differ; no template calls lookup"})
	case inventory.ChartValueUnknown:
		em.Add(check.Finding{ID: ChartDefault, Status: result.Warn,
			Message:  catalog.F("chart %s: value %s has a literal default, and where it goes could not be told: %s", "Chart %s：值 %s 有明文默认值，但无法判断其去向：%s", cv.Chart, cv.Key, cv.Detail),
			Evidence: cv.Detail})
	default:
		em.Skip(ChartDefault)
		em.Pass(check.Finding{ID: ChartDefault, Message: passText(cv, flows), Evidence: passEvidence(cv)})
	}
}

func passText(cv *inventory.ChartValue, flows string) catalog.Text {
	switch cv.Source {
	case inventory.ChartValueCommandLine:
		return catalog.F("chart %s: value %s is given on the command line (goes into %s)", "Chart %s：值 %s 由命令行提供（写入 %s）", cv.Chart, cv.Key, flows)
	case inventory.ChartValueRequired:
		return catalog.F("chart %s: value %s has no default and the chart requires it (goes into %s)", "Chart %s：值 %s 没有默认值且为必填（写入 %s）", cv.Chart, cv.Key, flows)
	case inventory.ChartValueGenerated:
		return catalog.F("chart %s: value %s is generated at random and kept with lookup (goes into %s)", "Chart %s：值 %s 随机生成并通过 lookup 保持（写入 %s）", cv.Chart, cv.Key, flows)
	}
	return catalog.F("chart %s: value %s is read from an existing Secret (%s)", "Chart %s：值 %s 读取自已有 Secret（%s）", cv.Chart, cv.Key, cv.Detail)
}

func passEvidence(cv *inventory.ChartValue) string {
	switch cv.Source {
	case inventory.ChartValueCommandLine:
		return cv.Detail
	case inventory.ChartValueRequired:
		return "the chart does not render without " + cv.Key
	case inventory.ChartValueGenerated:
		return "two renders without " + cv.Key + " differ; a template calls lookup"
	}
	return cv.Detail
}
