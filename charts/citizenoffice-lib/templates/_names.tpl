{{/* Prefix of every resource name: global.namePrefix, else the release name. */}}
{{- define "colib.prefix" -}}
{{- default .Release.Name .Values.global.namePrefix | trunc 40 | trimSuffix "-" -}}
{{- end -}}

{{/* <prefix>-<chart>: the Service name other services dial, so it is fixed by convention. */}}
{{- define "colib.fullname" -}}
{{- printf "%s-%s" (include "colib.prefix" .) .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* Name of a peer service of the same platform. Call with (dict "ctx" $ "name" "registry"). */}}
{{- define "colib.peerName" -}}
{{- printf "%s-%s" (include "colib.prefix" .ctx) .name | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "colib.selectorLabels" -}}
app.kubernetes.io/name: {{ .Chart.Name }}
app.kubernetes.io/instance: {{ include "colib.prefix" . }}
app.kubernetes.io/part-of: citizenoffice
{{- end -}}

{{- define "colib.labels" -}}
{{ include "colib.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | default .Chart.Version | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
{{- end -}}

{{/* Selector of the pods of a peer service. Call with (dict "ctx" $ "name" "registry"). */}}
{{- define "colib.peerSelector" -}}
app.kubernetes.io/name: {{ .name }}
app.kubernetes.io/instance: {{ include "colib.prefix" .ctx }}
app.kubernetes.io/component: server
{{- end -}}

{{/* The image reference: registry/repository, then @digest when given, else :tag (appVersion by default). */}}
{{- define "colib.image" -}}
{{- $repo := .Values.image.repository -}}
{{- with .Values.global.imageRegistry }}{{ $repo = printf "%s/%s" . $repo }}{{ end -}}
{{- if .Values.image.digest -}}
{{- printf "%s@%s" $repo .Values.image.digest -}}
{{- else -}}
{{- printf "%s:%s" $repo (.Values.image.tag | default .Chart.AppVersion) -}}
{{- end -}}
{{- end -}}

{{/* The fixed facts of a service (ports, peers, backends), from its chart's "<chart>.facts". */}}
{{- define "colib.facts" -}}
{{- include (printf "%s.facts" .Chart.Name) . -}}
{{- end -}}

