{{/* Egress rule to peers on ports; no peers means any destination on those ports. */}}
{{- define "colib.egressRule" -}}
- {{- if .peers }}
  to:
    {{- toYaml .peers | nindent 4 }}
  {{- end }}
  ports:
    {{- range .ports }}
    - protocol: TCP
      port: {{ . }}
    {{- end }}
{{- end -}}

{{/* The allowed flows of one service, both directions; the umbrella chart adds the namespace's
     default deny and DNS. Every rule here is one real flow of the platform. */}}
{{- define "colib.networkPolicy" -}}
{{- if .Values.global.networkPolicy.enabled }}
{{- $facts := fromYaml (include "colib.facts" .) -}}
{{- $ports := fromYaml (include "colib.grpcPorts" .) -}}
{{- $np := .Values.global.networkPolicy -}}
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: {{ include "colib.fullname" . }}
  namespace: {{ .Release.Namespace }}
  labels:
    {{- include "colib.labels" . | nindent 4 }}
spec:
  podSelector:
    matchLabels:
      {{- include "colib.selectorLabels" . | nindent 6 }}
      app.kubernetes.io/component: server
  policyTypes: [Ingress, Egress]
  ingress:
    {{- range $facts.calledBy }}
    - from:
        - podSelector:
            matchLabels:
              {{- include "colib.peerSelector" (dict "ctx" $ "name" .) | nindent 14 }}
      ports:
        - protocol: TCP
          port: {{ $facts.grpcPort }}
    {{- end }}
    {{- if $facts.httpPort }}
    - {{- with $np.ingressPeers }}
      from:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      ports:
        - protocol: TCP
          port: {{ $facts.httpPort }}
    {{- end }}
    {{- if $facts.peerPort }}
    - {{- with .Values.peer.networkPeers }}
      from:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      ports:
        - protocol: TCP
          port: {{ $facts.peerPort }}
    {{- end }}
    - {{- with $np.prometheusPeers }}
      from:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      ports:
        - protocol: TCP
          port: {{ .Values.global.metricsPort }}
  egress:
    {{- range $facts.calls }}
    - to:
        - podSelector:
            matchLabels:
              {{- include "colib.peerSelector" (dict "ctx" $ "name" .) | nindent 14 }}
      ports:
        - protocol: TCP
          port: {{ get $ports . }}
    {{- end }}
    {{- if .Values.global.kafka.bundled.enabled }}
    {{- include "colib.egressRule" (dict "peers" (include "colib.bundledPeers" (dict "ctx" . "name" "kafka") | fromYamlArray) "ports" (list 9092)) | nindent 4 }}
    {{- else }}
    {{- include "colib.egressRule" (dict "peers" .Values.global.kafka.networkPeers "ports" .Values.global.kafka.ports) | nindent 4 }}
    {{- end }}
    {{- if $facts.database }}
    {{- include "colib.egressRule" (dict "peers" (include "colib.dbPeers" . | fromYamlArray) "ports" (list .Values.database.port)) | nindent 4 }}
    {{- end }}
    {{- if $facts.s3 }}
    {{- include "colib.egressRule" (dict "peers" (include "colib.s3Peers" . | fromYamlArray) "ports" (include "colib.s3Ports" . | fromYamlArray)) | nindent 4 }}
    {{- end }}
    {{- if $facts.smtp }}
    {{- include "colib.egressRule" (dict "peers" .Values.global.smtp.networkPeers "ports" .Values.global.smtp.ports) | nindent 4 }}
    {{- end }}
    {{- if $facts.peerPort }}
    {{- include "colib.egressRule" (dict "peers" .Values.peer.egressPeers "ports" .Values.peer.egressPorts) | nindent 4 }}
    {{- end }}
{{- if and $facts.database .Values.migration.enabled }}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: {{ printf "%s-migrate" (include "colib.fullname" .) | trunc 63 | trimSuffix "-" }}
  namespace: {{ .Release.Namespace }}
  labels:
    {{- include "colib.labels" . | nindent 4 }}
spec:
  podSelector:
    matchLabels:
      {{- include "colib.selectorLabels" . | nindent 6 }}
      app.kubernetes.io/component: migration
  policyTypes: [Ingress, Egress]
  egress:
    {{- include "colib.egressRule" (dict "peers" (include "colib.dbPeers" . | fromYamlArray) "ports" (list .Values.database.port)) | nindent 4 }}
{{- end }}
{{- end }}
{{- end -}}

{{- define "colib.dbPeers" -}}
{{- if .Values.global.postgres.cloudnativepg.enabled -}}
- podSelector:
    matchLabels:
      cnpg.io/cluster: {{ printf "%s-db" (include "colib.fullname" .) }}
{{- else if .Values.global.postgres.bundled.enabled -}}
{{- include "colib.bundledPeers" (dict "ctx" . "name" "postgres") -}}
{{- else -}}
{{- toYaml .Values.global.postgres.networkPeers -}}
{{- end -}}
{{- end -}}

{{- define "colib.s3Peers" -}}
{{- if .Values.global.objectStorage.bundled.enabled -}}
{{- include "colib.bundledPeers" (dict "ctx" . "name" "object-storage") -}}
{{- else -}}
{{- toYaml .Values.global.objectStorage.networkPeers -}}
{{- end -}}
{{- end -}}

{{- define "colib.s3Ports" -}}
{{- if .Values.global.objectStorage.bundled.enabled -}}
- 8333
{{- else -}}
{{- toYaml .Values.global.objectStorage.ports -}}
{{- end -}}
{{- end -}}

{{/* The pods of a server the umbrella chart bundles. Call with (dict "ctx" $ "name" "kafka"). */}}
{{- define "colib.bundledPeers" -}}
- podSelector:
    matchLabels:
      app.kubernetes.io/name: {{ .name }}
      app.kubernetes.io/instance: {{ include "colib.prefix" .ctx }}
{{- end -}}
