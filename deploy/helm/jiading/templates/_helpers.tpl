{{/* Name of a service's objects: <release>-<service>. Call with (dict "root" $ "name" $name). */}}
{{- define "jiading.fullname" -}}
{{- printf "%s-%s" .root.Release.Name .name | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "jiading.selectorLabels" -}}
app.kubernetes.io/name: jiading
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .name }}
{{- end -}}

{{- define "jiading.labels" -}}
{{ include "jiading.selectorLabels" . }}
app.kubernetes.io/version: {{ .root.Values.image.tag | quote }}
app.kubernetes.io/managed-by: {{ .root.Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .root.Chart.Name .root.Chart.Version }}
{{- end -}}

{{- define "jiading.image" -}}
{{ printf "%s/%s:%s" .root.Values.image.registry .name .root.Values.image.tag }}
{{- end -}}

{{/* Environment of a service: ConfigMap (non-secret settings) and the existing Secret (credentials, keys). */}}
{{- define "jiading.envFrom" -}}
- configMapRef:
    name: {{ include "jiading.fullname" . }}
- secretRef:
    name: {{ required (printf "services.%s.secretName is required (an existing Secret)" .name) .svc.secretName }}
{{- end -}}
