{{/* What the code of participation fixes, written from cokit.platform by deploy/tools/platform_facts.py
     (edit it there): its ports, the services it calls and is called by, its backends.
     NetworkPolicies and the *_GRPC_TARGET settings are derived from it. */}}
{{- define "participation.facts" -}}
grpcPort: 50058
httpPort: 0
peerPort: 0
calls: ["identity", "registry", "tickets"]
calledBy: ["gateway", "notifications"]
database: true
s3: false
smtp: false
{{- end -}}
