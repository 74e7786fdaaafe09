package report

// htmlTemplateText is the page in three parts: "head" (everything before
// the first finding), "row" (one finding) and "foot". html/template
// escapes every value by context: subjects, evidence and messages come
// from the audited objects and are never markup.
const htmlTemplateText = `{{define "head"}}<!DOCTYPE html>
<html lang="{{.HTMLLang}}">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="{{.CSP}}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="kubeward {{.Build.Version}}">
<title>{{w .Run "reportTitle"}}: {{.Target}} {{.Inputs}}</title>
<style>{{.CSS}}</style>
</head>
<body>
<header id="header">
<h1>{{w .Run "reportTitle"}}</h1>
<dl class="meta">
<dt>{{w .Run "scanned"}}</dt><dd id="meta-target" data-target="{{.Run.Target}}">{{.Target}}</dd>
{{- if .Inputs}}
<dt>{{.InputsLabel}}</dt><dd id="meta-inputs">{{.Inputs}}</dd>
{{- end}}
{{- if and .Run.Host (ne .Run.Host .Inputs)}}
<dt>{{w .Run "host"}}</dt><dd id="meta-host">{{.Run.Host}}</dd>
{{- end}}
<dt>{{w .Run "when"}}</dt><dd><time id="meta-time" datetime="{{.DateISO}}">{{.Date}}</time></dd>
<dt>{{w .Run "version"}}</dt><dd id="meta-version">{{.Build.Version}}{{if .Build.Commit}} ({{w .Run "commit"}} {{.Build.Commit}}){{end}}</dd>
<dt>{{w .Run "config"}}</dt><dd id="meta-config">{{.Config}}</dd>
<dt>{{w .Run "objectsH"}}</dt><dd id="meta-objects">{{.Run.Objects}}</dd>
{{- if .Baseline}}
<dt>{{w .Run "baseline"}}</dt><dd id="meta-baseline">{{.Baseline}}: {{.BaselineLine}}</dd>
{{- end}}
</dl>
</header>

<section id="summary">
<h2>{{w .Run "summary"}}</h2>
<div class="cards">
{{- range .Cards}}
<div class="card s-{{.Status}}" data-status="{{.Status}}" data-count="{{.N}}"><span class="n">{{.N}}</span><span class="l">{{.Word}}</span></div>
{{- end}}
</div>
<div class="grid2">
<div>
<h3>{{w .Run "sevChart"}}</h3>
{{template "chart" .SevChart}}
</div>
<div>
{{- if .NSChart.Bars}}
<h3>{{w .Run "topNamespaces"}}</h3>
{{template "chart" .NSChart}}
{{- end}}
{{- if .SubjectChart.Bars}}
<h3>{{w .Run "topSubjects"}}</h3>
{{template "chart" .SubjectChart}}
{{- end}}
</div>
</div>
</section>

<section id="compliance">
<h2>{{w .Run "compliance"}}</h2>
<p class="legend"><span><i class="sw sw-pass"></i>{{w .Run "legendPass"}}</span><span><i class="sw sw-fail"></i>{{w .Run "legendFail"}}</span><span><i class="sw sw-warn"></i>{{w .Run "legendWarn"}}</span><span><i class="sw sw-error"></i>{{w .Run "legendError"}}</span><span><i class="sw sw-ign"></i>{{w .Run "legendIgn"}}</span></p>
{{- range .Layers}}
<h3>{{.Title}} <span class="rate">{{.Rate}}</span></h3>
<table class="items">
<thead><tr><th>{{w $.Run "item"}}</th><th>{{w $.Run "passRate"}}</th><th></th><th>{{w $.Run "count"}}</th></tr></thead>
<tbody>
{{- range .Items}}
<tr data-item="{{.ID}}"><td>{{.ID}} {{.Title}}</td><td class="rate">{{.Rate}}</td><td><svg width="300" height="14" viewBox="0 0 300 14" role="img" aria-label="{{.Rate}}">{{range .Segments}}<rect class="{{.Class}}" x="{{.X}}" y="0" width="{{.W}}" height="14"><title>{{.Label}}</title></rect>{{end}}</svg></td><td class="muted">{{.Counts}}</td></tr>
{{- end}}
</tbody>
</table>
{{- end}}
</section>
{{- with .Benchmark}}

<section id="benchmark">
<h2>{{.Heading}}</h2>
<p class="muted">{{.Source}}</p>
<table class="items">
<thead><tr><th>{{w $.Run "section"}}</th><th>{{w $.Run "passRate"}}</th><th></th><th>{{w $.Run "count"}}</th></tr></thead>
<tbody>
{{- range .Sections}}
<tr class="bench-section" data-section="{{.ID}}"><td>{{.ID}} {{.Title}}</td><td class="rate">{{.Rate}}</td><td><svg width="300" height="14" viewBox="0 0 300 14" role="img" aria-label="{{.Rate}}">{{range .Segments}}<rect class="{{.Class}}" x="{{.X}}" y="0" width="{{.W}}" height="14"><title>{{.Label}}</title></rect>{{end}}</svg></td><td class="muted">{{.Counts}}</td></tr>
{{- end}}
<tr class="bench-total"><td><strong>{{bw $.Run "overall"}}</strong></td><td class="rate">{{.Overall}}</td><td></td><td class="muted">{{.OverallCnt}}</td></tr>
</tbody>
</table>
<p class="muted">{{.RateRule}}</p>
{{- range .Sections}}
<details class="bench-recs"><summary>{{.ID}} {{.Title}}: {{.RecsSummary}}</summary>
<table>
<thead><tr><th>{{$.Benchmark.Rec}}</th><th>{{$.Benchmark.Verdict}}</th><th>{{$.Benchmark.Checks}}</th><th>{{w $.Run "details"}}</th></tr></thead>
<tbody>
{{- range .Recs}}
<tr class="bench-rec" data-status="{{.Status}}"><td>{{.ID}} {{.Title}} <span class="muted">[{{.Level}}]</span></td><td><span class="badge bst-{{.Status}}">{{.StatusWord}}</span></td><td>{{.Checks}}</td><td>{{if .Reason}}<p>{{.Reason}}</p>{{end}}{{if .Audit}}<p><span class="muted">{{$.Benchmark.Audit}}:</span> <code>{{.Audit}}</code></p>{{end}}{{if .Note}}<p class="muted">{{.Note}}</p>{{end}}</td></tr>
{{- end}}
</tbody>
</table>
</details>
{{- end}}
</section>
{{- end}}

<section id="exceptions">
<h2>{{w .Run "exceptions"}}</h2>
{{- if .Exceptions}}
<table>
<thead><tr><th>{{w .Run "check"}}</th><th>{{w .Run "subject"}}</th><th>{{w .Run "reasonH"}}</th><th>{{w .Run "source"}}</th><th>{{w .Run "expires"}}</th></tr></thead>
<tbody>
{{- range .Exceptions}}
<tr class="exception"><td>{{.ID}} <span class="check-title">{{.Title}}</span></td><td class="sub">{{.Subject}}</td><td>{{.Exception.Reason}}</td><td>{{.Exception.Source}}</td><td>{{if .Exception.Expires}}{{.Exception.Expires}}{{else}}{{w $.Run "never"}}{{end}}{{if .Exception.Expired}} <strong class="st-FAIL">{{w $.Run "expiredYes"}}</strong>{{end}}</td></tr>
{{- end}}
</tbody>
</table>
{{- else}}
<p class="muted">{{w .Run "noExceptions"}}</p>
{{- end}}
</section>
{{- if or .Notices .Errors}}

<section id="notices">
{{- if .Errors}}
<h2>{{w .Run "errors"}}</h2>
<ul>{{range .Errors}}<li class="input-error"><code>{{.}}</code></li>{{end}}</ul>
{{- end}}
{{- if .Notices}}
<h2>{{w .Run "notices"}}</h2>
<ul>{{range .Notices}}<li class="notice">{{.}}</li>{{end}}</ul>
{{- end}}
</section>
{{- end}}

<section id="findings">
<h2>{{w .Run "findings"}}</h2>
<form id="filters" class="filters" autocomplete="off">
<label>{{w .Run "layer"}}<select name="layer"><option value="">{{w .Run "all"}}</option>{{range .LayerOpts}}<option value="{{.Value}}">{{.Label}}</option>{{end}}</select></label>
<label>{{w .Run "severity"}}<select name="severity"><option value="">{{w .Run "all"}}</option>{{range .SevOpts}}<option value="{{.Value}}">{{.Label}}</option>{{end}}</select></label>
<label>{{w .Run "status"}}<select name="status"><option value="">{{w .Run "all"}}</option>{{range .StatusOpts}}<option value="{{.Value}}">{{.Label}}</option>{{end}}</select></label>
<label>{{w .Run "namespace"}}<select name="namespace"><option value="">{{w .Run "all"}}</option>{{range .NSOpts}}<option value="{{.Value}}">{{.Label}}</option>{{end}}</select></label>
<label>{{w .Run "check"}}<select name="check"><option value="">{{w .Run "all"}}</option>{{range .CheckOpts}}<option value="{{.Value}}">{{.Label}}</option>{{end}}</select></label>
{{- if .Baseline}}
<label>{{w .Run "baseline"}}<select name="baseline"><option value="">{{w .Run "all"}}</option><option value="new">{{w .Run "blNew"}}</option><option value="unchanged">{{w .Run "blUnchanged"}}</option></select></label>
{{- end}}
<label>{{w .Run "search"}}<input type="search" name="q"></label>
<button type="reset">{{w .Run "reset"}}</button>
<span class="shown"><span id="shown">{{.Ov.Listed}}</span> / <span id="total">{{.Ov.Listed}}</span> {{w .Run "shown"}}</span>
</form>
{{- if not .Ov.Listed}}
<p class="muted">{{w .Run "noneListed"}}</p>
{{- end}}
<table id="results" data-page="{{.Page}}">
<colgroup><col class="c-st"><col class="c-sev"><col class="c-id"><col class="c-sub"><col class="c-loc"><col></colgroup>
<thead><tr><th>{{w .Run "status"}}</th><th>{{w .Run "severity"}}</th><th>{{w .Run "check"}}</th><th>{{w .Run "subject"}}</th><th>{{w .Run "location"}}</th><th>{{w .Run "details"}}</th></tr></thead>
<tbody>
{{end}}

{{define "row"}}<tr class="finding"{{if .Hidden}} hidden{{end}} data-status="{{.Status}}" data-severity="{{.Sev}}" data-layer="{{.Layer}}" data-namespace="{{.NS}}" data-check="{{.ID}}"{{if .Baseline}} data-baseline="{{.Baseline}}"{{end}}><td><span class="badge st-{{.Status}}">{{.StatusWord}}</span>{{if .Baseline}} <span class="badge bl-{{.Baseline}}">{{.BaselineWord}}</span>{{end}}</td><td class="sev-{{.Sev}}">{{.SevWord}}</td><td><code>{{.ID}}</code> <span class="check-title">{{.Title}}</span></td><td class="sub">{{.Subject}}</td><td class="loc">{{if .Loc}}<code>{{.Loc}}</code>{{end}}{{if .Path}}<br><span class="muted">{{.Path}}</span>{{end}}{{if .Origin}}<br><span class="muted">{{.Origin}}</span>{{end}}</td><td>{{if .Message}}<p class="msg">{{.Message}}</p>{{end}}{{if .Evidence}}<p class="ev"><code>{{.Evidence}}</code></p>{{end}}{{with .Exception}}<p class="exc">{{if .Expired}}{{.Expires}}: {{.Reason}}{{else}}{{.Reason}} ({{.Source}}){{end}}</p>{{end}}{{if .Fix}}<details><summary>{{.FixWord}}</summary><p class="fix">{{.Fix}}</p>{{if .Refs}}<p class="refs muted">{{.RefsWord}}: {{.Refs}}</p>{{end}}</details>{{end}}</td></tr>
{{end}}

{{define "foot"}}</tbody>
</table>
<p id="more" class="noprint"{{if le .Ov.Listed .Page}} hidden{{end}}><span class="muted">{{w .Run "paged"}}</span> <button type="button" id="show-more">{{w .Run "showMore"}}</button> <button type="button" id="show-all">{{w .Run "showAll"}}</button></p>
</section>
<footer><p>{{w .Run "generatedBy"}}</p></footer>
<script>{{.JS}}</script>
</body>
</html>
{{end}}

{{define "chart"}}<svg width="{{chartW}}" height="{{.Height}}" viewBox="0 0 {{chartW}} {{.Height}}" role="img">{{range .Bars}}<text x="0" y="{{add .Y 12}}">{{.Label}}</text><rect class="{{.Class}}" x="0" y="{{add .Y 16}}" width="{{.W}}" height="12"></rect><text x="{{add .W 6}}" y="{{add .Y 26}}" class="cnt">{{.N}}</text>{{end}}</svg>{{end}}
`
