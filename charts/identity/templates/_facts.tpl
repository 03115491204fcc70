{{/* What the code of identity fixes, written from cokit.platform by deploy/tools/platform_facts.py
     (edit it there): its ports, the services it calls and is called by, its backends.
     NetworkPolicies and the *_GRPC_TARGET settings are derived from it. */}}
{{- define "identity.facts" -}}
grpcPort: 50051
httpPort: 0
peerPort: 0
calls: ["notifications"]
calledBy: ["documents", "federation", "gateway", "notifications", "participation", "registry", "tickets"]
database: true
s3: false
smtp: false
{{- end -}}
