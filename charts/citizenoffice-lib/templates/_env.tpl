{{/* Database host and Secret: the CloudNativePG Cluster of the service when the umbrella
     enables the operator, the umbrella's bundled server (with the service's own Secret) when
     that is enabled, else the values of database.* (an external server). */}}
{{- define "colib.dbHost" -}}
{{- if .Values.global.postgres.cloudnativepg.enabled -}}
{{- printf "%s-db-rw" (include "colib.fullname" .) -}}
{{- else if .Values.global.postgres.bundled.enabled -}}
{{- include "colib.peerName" (dict "ctx" . "name" "postgres") -}}
{{- else -}}
{{- required (printf "%s: database.host is required (or enable global.postgres.cloudnativepg)" .Chart.Name) .Values.database.host -}}
{{- end -}}
{{- end -}}

{{- define "colib.dbSecret" -}}
{{- if .Values.global.postgres.cloudnativepg.enabled -}}
{{- printf "%s-db-app" (include "colib.fullname" .) -}}
{{- else -}}
{{- required (printf "%s: database.existingSecret is required" .Chart.Name) .Values.database.existingSecret -}}
{{- end -}}
{{- end -}}

{{/* Environment of the service container and of its migration Job: the README's settings. */}}
{{- define "colib.env" -}}
{{- $facts := fromYaml (include "colib.facts" .) -}}
{{- $ports := fromYaml (include "colib.grpcPorts" .) -}}
- name: SERVICE_NAME
  value: {{ .Chart.Name | quote }}
- name: INSTANCE_ID
  value: {{ .Values.global.instanceId | quote }}
{{- with $facts.grpcPort }}
- name: GRPC_PORT
  value: {{ . | quote }}
{{- end }}
{{- with $facts.peerPort }}
- name: FEDERATION_PEER_PORT
  value: {{ . | quote }}
{{- end }}
- name: METRICS_PORT
  value: {{ .Values.global.metricsPort | quote }}
- name: KAFKA_BOOTSTRAP_SERVERS
  value: {{ include "colib.kafkaBootstrap" . | quote }}
- name: KAFKA_GROUP_PREFIX
  value: {{ .Values.global.kafka.groupPrefix | quote }}
- name: LOG_LEVEL
  value: {{ .Values.logLevel | quote }}
- name: LOG_FORMAT
  value: "json"
{{- range $facts.calls }}
- name: {{ printf "%s_GRPC_TARGET" (upper .) }}
  value: {{ printf "%s:%v" (include "colib.peerName" (dict "ctx" $ "name" .)) (get $ports .) | quote }}
{{- end }}
{{- if $facts.database }}
- name: DB_USERNAME
  valueFrom:
    secretKeyRef:
      name: {{ include "colib.dbSecret" . }}
      key: {{ .Values.database.usernameKey }}
- name: DB_PASSWORD
  valueFrom:
    secretKeyRef:
      name: {{ include "colib.dbSecret" . }}
      key: {{ .Values.database.passwordKey }}
- name: DATABASE_URL
  value: {{ printf "postgresql+pg8000://$(DB_USERNAME):$(DB_PASSWORD)@%s:%v/%s" (include "colib.dbHost" .) .Values.database.port .Values.database.name | quote }}
{{- end }}
{{- $bundledS3 := and $facts.s3 .Values.global.objectStorage.bundled.enabled }}
{{- if $bundledS3 }}
- name: S3_ENDPOINT
  value: {{ printf "http://%s:8333" (include "colib.peerName" (dict "ctx" . "name" "object-storage")) | quote }}
- name: S3_ACCESS_KEY
  valueFrom:
    secretKeyRef:
      name: {{ .Values.global.objectStorage.bundled.existingSecret }}
      key: accessKey
- name: S3_SECRET_KEY
  valueFrom:
    secretKeyRef:
      name: {{ .Values.global.objectStorage.bundled.existingSecret }}
      key: secretKey
{{- end }}
{{- range $name, $value := .Values.config }}
{{- if not (and $bundledS3 (eq $name "S3_ENDPOINT")) }}
{{- /* Helm reads every number as a float: 12582912 would print as 1.2582912e+07. */}}
{{- $text := toString $value }}
{{- if and (kindIs "float64" $value) (eq $value (floor $value)) }}{{ $text = printf "%d" (int64 $value) }}{{ end }}
- name: {{ $name }}
  value: {{ $text | quote }}
{{- end }}
{{- end }}
{{- range $name, $ref := .Values.secretEnv }}
{{- if not (and $bundledS3 (has $name (list "S3_ACCESS_KEY" "S3_SECRET_KEY"))) }}
- name: {{ $name }}
  valueFrom:
    secretKeyRef:
      name: {{ $ref.secret }}
      key: {{ $ref.key }}
      optional: {{ $ref.optional | default false }}
{{- end }}
{{- end }}
{{- end -}}

{{/* The brokers: the umbrella's bundled Kafka when enabled, else global.kafka.bootstrapServers. */}}
{{- define "colib.kafkaBootstrap" -}}
{{- if .Values.global.kafka.bundled.enabled -}}
{{- printf "%s:9092" (include "colib.peerName" (dict "ctx" . "name" "kafka")) -}}
{{- else -}}
{{- required "global.kafka.bootstrapServers is required" .Values.global.kafka.bootstrapServers -}}
{{- end -}}
{{- end -}}
