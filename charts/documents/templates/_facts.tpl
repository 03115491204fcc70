{{/* What the code of documents fixes, written from cokit.platform by deploy/tools/platform_facts.py
     (edit it there): its ports, the services it calls and is called by, its backends.
     NetworkPolicies and the *_GRPC_TARGET settings are derived from it. */}}
{{- define "documents.facts" -}}
grpcPort: 50054
httpPort: 0
peerPort: 0
calls: ["registry", "identity"]
calledBy: ["gateway", "tickets"]
database: true
s3: true
smtp: false
{{- end -}}
