{{/* gRPC port of each service of the platform (gateway: none), written from cokit.platform
     by deploy/tools/platform_facts.py (edit it there). */}}
{{- define "colib.grpcPorts" -}}
identity: 50051
registry: 50052
tickets: 50053
documents: 50054
notifications: 50055
participation: 50058
federation: 50056
{{- end -}}
