{{/* What the code of notifications fixes, written from cokit.platform by deploy/tools/platform_facts.py
     (edit it there): its ports, the services it calls and is called by, its backends.
     NetworkPolicies and the *_GRPC_TARGET settings are derived from it. */}}
{{- define "notifications.facts" -}}
grpcPort: 50055
httpPort: 0
peerPort: 0
calls: ["identity", "registry", "participation"]
calledBy: ["gateway", "identity"]
database: true
s3: false
smtp: true
{{- end -}}
