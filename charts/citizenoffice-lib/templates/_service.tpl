{{- define "colib.service" -}}
{{- $facts := fromYaml (include "colib.facts" .) -}}
apiVersion: v1
kind: Service
metadata:
  name: {{ include "colib.fullname" . }}
  namespace: {{ .Release.Namespace }}
  labels:
    {{- include "colib.labels" . | nindent 4 }}
    app.kubernetes.io/component: server
spec:
  type: ClusterIP
  selector:
    {{- include "colib.selectorLabels" . | nindent 4 }}
    app.kubernetes.io/component: server
  ports:
    {{- if $facts.grpcPort }}
    - name: grpc
      port: {{ $facts.grpcPort }}
      targetPort: grpc
      appProtocol: grpc
    {{- end }}
    {{- if $facts.httpPort }}
    - name: http
      port: {{ $facts.httpPort }}
      targetPort: http
    {{- end }}
    - name: metrics
      port: {{ .Values.global.metricsPort }}
      targetPort: metrics
{{- if $facts.peerPort }}
---
# The federation port, reached by the other instances (mutual TLS ends in the pod itself: a
# load balancer or an ingress in front of it passes TCP through, never terminates TLS).
apiVersion: v1
kind: Service
metadata:
  name: {{ printf "%s-peer" (include "colib.fullname" .) | trunc 63 | trimSuffix "-" }}
  namespace: {{ .Release.Namespace }}
  labels:
    {{- include "colib.labels" . | nindent 4 }}
    app.kubernetes.io/component: server
  {{- with .Values.peer.service.annotations }}
  annotations:
    {{- toYaml . | nindent 4 }}
  {{- end }}
spec:
  type: {{ .Values.peer.service.type }}
  selector:
    {{- include "colib.selectorLabels" . | nindent 4 }}
    app.kubernetes.io/component: server
  ports:
    - name: peer
      port: {{ .Values.peer.service.port }}
      targetPort: peer
      protocol: TCP
{{- end }}
{{- end -}}

{{- define "colib.serviceAccount" -}}
apiVersion: v1
kind: ServiceAccount
metadata:
  name: {{ include "colib.fullname" . }}
  namespace: {{ .Release.Namespace }}
  labels:
    {{- include "colib.labels" . | nindent 4 }}
automountServiceAccountToken: false
{{- end -}}

{{- define "colib.pdb" -}}
{{- if .Values.podDisruptionBudget.enabled }}
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata:
  name: {{ include "colib.fullname" . }}
  namespace: {{ .Release.Namespace }}
  labels:
    {{- include "colib.labels" . | nindent 4 }}
spec:
  {{- if .Values.podDisruptionBudget.maxUnavailable }}
  maxUnavailable: {{ .Values.podDisruptionBudget.maxUnavailable }}
  {{- else }}
  minAvailable: {{ .Values.podDisruptionBudget.minAvailable }}
  {{- end }}
  selector:
    matchLabels:
      {{- include "colib.selectorLabels" . | nindent 6 }}
      app.kubernetes.io/component: server
{{- end }}
{{- end -}}

{{- define "colib.hpa" -}}
{{- if .Values.autoscaling.enabled }}
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata:
  name: {{ include "colib.fullname" . }}
  namespace: {{ .Release.Namespace }}
  labels:
    {{- include "colib.labels" . | nindent 4 }}
spec:
  scaleTargetRef:
    apiVersion: apps/v1
    kind: Deployment
    name: {{ include "colib.fullname" . }}
  minReplicas: {{ .Values.autoscaling.minReplicas }}
  maxReplicas: {{ .Values.autoscaling.maxReplicas }}
  metrics:
    - type: Resource
      resource:
        name: cpu
        target:
          type: Utilization
          averageUtilization: {{ .Values.autoscaling.targetCPUUtilizationPercentage }}
{{- end }}
{{- end -}}

{{- define "colib.serviceMonitor" -}}
{{- if .Values.global.serviceMonitor.enabled }}
apiVersion: monitoring.coreos.com/v1
kind: ServiceMonitor
metadata:
  name: {{ include "colib.fullname" . }}
  namespace: {{ .Release.Namespace }}
  labels:
    {{- include "colib.labels" . | nindent 4 }}
    {{- with .Values.global.serviceMonitor.labels }}
    {{- toYaml . | nindent 4 }}
    {{- end }}
spec:
  selector:
    matchLabels:
      {{- include "colib.selectorLabels" . | nindent 6 }}
      app.kubernetes.io/component: server
  endpoints:
    - port: metrics
      path: /metrics
      interval: {{ .Values.global.serviceMonitor.interval }}
{{- end }}
{{- end -}}
