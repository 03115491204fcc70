{{- define "colib.deployment" -}}
{{- $facts := fromYaml (include "colib.facts" .) -}}
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ include "colib.fullname" . }}
  namespace: {{ .Release.Namespace }}
  labels:
    {{- include "colib.labels" . | nindent 4 }}
    app.kubernetes.io/component: server
spec:
  {{- if not .Values.autoscaling.enabled }}
  replicas: {{ .Values.replicaCount }}
  {{- end }}
  revisionHistoryLimit: 5
  selector:
    matchLabels:
      {{- include "colib.selectorLabels" . | nindent 6 }}
      app.kubernetes.io/component: server
  strategy:
    type: RollingUpdate
    rollingUpdate:
      maxUnavailable: 0
      maxSurge: 1
  template:
    metadata:
      labels:
        {{- include "colib.labels" . | nindent 8 }}
        app.kubernetes.io/component: server
      {{- with .Values.podAnnotations }}
      annotations:
        {{- toYaml . | nindent 8 }}
      {{- end }}
    spec:
      serviceAccountName: {{ include "colib.fullname" . }}
      automountServiceAccountToken: false
      enableServiceLinks: false
      securityContext:
        {{- include "colib.podSecurityContext" . | nindent 8 }}
      terminationGracePeriodSeconds: 30
      {{- with .Values.imagePullSecrets }}
      imagePullSecrets:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      {{- include "colib.affinity" . | nindent 6 }}
      {{- with .Values.nodeSelector }}
      nodeSelector:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      {{- with .Values.tolerations }}
      tolerations:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      containers:
        - name: {{ .Chart.Name }}
          image: {{ include "colib.image" . | quote }}
          imagePullPolicy: {{ .Values.image.pullPolicy }}
          args: [{{ .Chart.Name | quote }}]
          env:
            {{- include "colib.env" . | nindent 12 }}
          ports:
            {{- if $facts.grpcPort }}
            - name: grpc
              containerPort: {{ $facts.grpcPort }}
              protocol: TCP
            {{- end }}
            {{- if $facts.httpPort }}
            - name: http
              containerPort: {{ $facts.httpPort }}
              protocol: TCP
            {{- end }}
            {{- if $facts.peerPort }}
            - name: peer
              containerPort: {{ $facts.peerPort }}
              protocol: TCP
            {{- end }}
            - name: metrics
              containerPort: {{ .Values.global.metricsPort }}
              protocol: TCP
          {{- /* Generous with time: a node short of CPU (several pods starting at once during a
               rollout) answered health late, and a liveness kill made it later still. */}}
          {{- if $facts.grpcPort }}
          startupProbe:
            grpc:
              port: {{ $facts.grpcPort }}
            periodSeconds: 2
            failureThreshold: 90
          readinessProbe:
            grpc:
              port: {{ $facts.grpcPort }}
            periodSeconds: 5
            timeoutSeconds: 3
            failureThreshold: 3
          livenessProbe:
            grpc:
              port: {{ $facts.grpcPort }}
            periodSeconds: 10
            timeoutSeconds: 5
            failureThreshold: 6
          {{- else }}
          startupProbe:
            httpGet:
              path: /healthz
              port: http
            periodSeconds: 2
            failureThreshold: 90
          readinessProbe:
            httpGet:
              path: /healthz
              port: http
            periodSeconds: 5
            timeoutSeconds: 3
            failureThreshold: 3
          livenessProbe:
            httpGet:
              path: /healthz
              port: http
            periodSeconds: 10
            timeoutSeconds: 5
            failureThreshold: 6
          {{- end }}
          # A pod being replaced leaves its Service at once, but callers learn it a moment
          # later: it keeps serving that moment before it is told to stop.
          lifecycle:
            preStop:
              sleep:
                seconds: 5
          resources:
            {{- toYaml .Values.resources | nindent 12 }}
          securityContext:
            {{- include "colib.containerSecurityContext" . | nindent 12 }}
          volumeMounts:
            - name: tmp
              mountPath: /tmp
      volumes:
        # The root filesystem is read-only; Python and the gRPC runtime still need a /tmp.
        - name: tmp
          emptyDir:
            sizeLimit: 64Mi
{{- end -}}
