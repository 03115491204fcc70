{{/* `python -m cokit.run <svc> --migrate` as a Helm hook Job: the schema is created or upgraded
     before the new pods roll out, never by a starting container. With a CloudNativePG Cluster
     or the bundled server of this release the first install runs it post-install (the database
     exists only then). */}}
{{- define "colib.migrationJob" -}}
{{- $facts := fromYaml (include "colib.facts" .) -}}
{{- if and $facts.database .Values.migration.enabled }}
apiVersion: batch/v1
kind: Job
metadata:
  name: {{ printf "%s-migrate" (include "colib.fullname" .) | trunc 63 | trimSuffix "-" }}
  namespace: {{ .Release.Namespace }}
  labels:
    {{- include "colib.labels" . | nindent 4 }}
    app.kubernetes.io/component: migration
  annotations:
    helm.sh/hook: {{ if or .Values.global.postgres.cloudnativepg.enabled .Values.global.postgres.bundled.enabled }}post-install,pre-upgrade{{ else }}pre-install,pre-upgrade{{ end }}
    helm.sh/hook-weight: "0"
    helm.sh/hook-delete-policy: before-hook-creation,hook-succeeded
spec:
  backoffLimit: {{ .Values.migration.backoffLimit }}
  activeDeadlineSeconds: {{ .Values.migration.activeDeadlineSeconds }}
  ttlSecondsAfterFinished: 3600
  template:
    metadata:
      labels:
        {{- include "colib.selectorLabels" . | nindent 8 }}
        app.kubernetes.io/component: migration
    spec:
      restartPolicy: Never
      automountServiceAccountToken: false
      enableServiceLinks: false
      securityContext:
        {{- include "colib.podSecurityContext" . | nindent 8 }}
      {{- with .Values.imagePullSecrets }}
      imagePullSecrets:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      containers:
        - name: migrate
          image: {{ include "colib.image" . | quote }}
          imagePullPolicy: {{ .Values.image.pullPolicy }}
          args: [{{ .Chart.Name | quote }}, "--migrate"]
          env:
            {{- include "colib.env" . | nindent 12 }}
          resources:
            {{- toYaml .Values.migration.resources | nindent 12 }}
          securityContext:
            {{- include "colib.containerSecurityContext" . | nindent 12 }}
          volumeMounts:
            - name: tmp
              mountPath: /tmp
      volumes:
        - name: tmp
          emptyDir:
            sizeLimit: 64Mi
{{- end }}
{{- end -}}
