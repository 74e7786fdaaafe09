{{/* The image, by digest when one is given. */}}
{{- define "kubeward.image" -}}
{{- if .Values.image.digest -}}
{{ .Values.image.repository }}@{{ .Values.image.digest }}
{{- else -}}
{{ .Values.image.repository }}:{{ required "image.tag or image.digest is required" .Values.image.tag }}
{{- end -}}
{{- end -}}

{{/* The report resources the format writes: namespaced, cluster-scoped. */}}
{{- define "kubeward.reportGroup" -}}
{{- if eq .Values.reports.format "wgpolicyk8s" }}wgpolicyk8s.io{{ else }}openreports.io{{ end -}}
{{- end -}}
{{- define "kubeward.reportResource" -}}
{{- if eq .Values.reports.format "wgpolicyk8s" }}policyreports{{ else }}reports{{ end -}}
{{- end -}}
{{- define "kubeward.clusterReportResource" -}}
{{- if eq .Values.reports.format "wgpolicyk8s" }}clusterpolicyreports{{ else }}clusterreports{{ end -}}
{{- end -}}

{{/* With loopbackAPIServer: the pod's network and the API server's address. */}}
{{- define "kubeward.loopbackPod" -}}
{{- if .Values.loopbackAPIServer.enabled }}
hostNetwork: true
dnsPolicy: ClusterFirstWithHostNet
{{- end -}}
{{- end -}}
{{- define "kubeward.loopbackEnv" -}}
{{- if .Values.loopbackAPIServer.enabled }}
- name: KUBERNETES_SERVICE_HOST
  value: 127.0.0.1
- name: KUBERNETES_SERVICE_PORT
  value: {{ .Values.loopbackAPIServer.port | quote }}
{{- end -}}
{{- end -}}
