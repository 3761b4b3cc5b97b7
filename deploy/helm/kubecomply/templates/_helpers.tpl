{{/* The object name (--name); suffixes are appended to it. */}}
{{- define "kubecomply.name" -}}
{{- .Values.name | trunc 47 | trimSuffix "-" -}}
{{- end -}}

{{/* Labels the Deployment selects its pods by (and the Service, PDB and NetworkPolicy). */}}
{{- define "kubecomply.selectorLabels" -}}
app.kubernetes.io/name: kubecomply
app.kubernetes.io/instance: {{ include "kubecomply.name" . }}
app.kubernetes.io/component: admission-webhook
{{- end -}}

{{/* Labels on every object besides name, instance and component. */}}
{{- define "kubecomply.commonLabels" -}}
app.kubernetes.io/part-of: kubecomply
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
{{- with .Values.labels }}
{{ toYaml . }}
{{- end }}
{{- end -}}

{{- define "kubecomply.labels" -}}
{{ include "kubecomply.selectorLabels" . }}
{{ include "kubecomply.commonLabels" . }}
{{- end -}}

{{/* The image: repository[:tag][@digest]. */}}
{{- define "kubecomply.image" -}}
{{- .Values.image.repository -}}
{{- with (.Values.image.tag | default .Chart.AppVersion) }}:{{ . }}{{ end -}}
{{- with .Values.image.digest }}@{{ . }}{{ end -}}
{{- end -}}

{{/* Webhook rules with a scope: (dict "rules" LIST "scope" "*"|"Namespaced"|"Cluster"). */}}
{{- define "kubecomply.rules" -}}
{{- range .rules }}
- apiGroups: {{ toJson .apiGroups }}
  apiVersions: ["*"]
  operations: {{ toJson .operations }}
  resources: {{ toJson .resources }}
  scope: {{ $.scope | quote }}
{{- end }}
{{- end -}}

{{/*
One webhook entry: (dict "id" "path" "rules" "scope" "expressions" "failurePolicy" "service"
"namespace" "caBundle" "timeout").
*/}}
{{- define "kubecomply.webhook" -}}
- name: {{ .id }}.kubecomply.io
  admissionReviewVersions: ["v1", "v1beta1"]
  clientConfig:
    service:
      name: {{ .service }}
      namespace: {{ .namespace }}
      path: {{ .path }}
      port: 443
    caBundle: {{ .caBundle }}
  failurePolicy: {{ .failurePolicy }}
  matchPolicy: Equivalent
  namespaceSelector:
    matchExpressions:
      {{- toYaml .expressions | nindent 6 }}
  rules:
    {{- include "kubecomply.rules" (dict "rules" .rules "scope" .scope) | trim | nindent 4 }}
  sideEffects: None
  timeoutSeconds: {{ .timeout }}
{{- end -}}
