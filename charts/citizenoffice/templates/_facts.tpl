{{/* Written from cokit.platform by deploy/tools/platform_facts.py (edit it there). */}}
{{/* The umbrella chart runs no service of its own. */}}
{{- define "citizenoffice.facts" -}}
grpcPort: 0
httpPort: 0
peerPort: 0
calls: []
calledBy: []
{{- end -}}

{{/* Services that own a database. */}}
{{- define "citizenoffice.dbServices" -}}
[identity, registry, tickets, documents, notifications, participation, federation]
{{- end -}}
