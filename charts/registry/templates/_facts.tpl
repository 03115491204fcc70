{{/* What the code of registry fixes, written from cokit.platform by deploy/tools/platform_facts.py
     (edit it there): its ports, the services it calls and is called by, its backends.
     NetworkPolicies and the *_GRPC_TARGET settings are derived from it. */}}
{{- define "registry.facts" -}}
grpcPort: 50052
httpPort: 0
peerPort: 0
calls: ["identity"]
calledBy: ["documents", "federation", "gateway", "notifications", "participation", "tickets"]
database: true
s3: false
smtp: false
{{- end -}}
