{{/* What the code of gateway fixes, written from cokit.platform by deploy/tools/platform_facts.py
     (edit it there): its ports, the services it calls and is called by, its backends.
     NetworkPolicies and the *_GRPC_TARGET settings are derived from it. */}}
{{- define "gateway.facts" -}}
grpcPort: 0
httpPort: 8080
peerPort: 0
calls: ["identity", "registry", "tickets", "documents", "notifications", "participation", "federation"]
calledBy: []
database: false
s3: false
smtp: false
{{- end -}}
