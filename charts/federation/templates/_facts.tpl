{{/* What the code of federation fixes, written from cokit.platform by deploy/tools/platform_facts.py
     (edit it there): its ports, the services it calls and is called by, its backends.
     NetworkPolicies and the *_GRPC_TARGET settings are derived from it. */}}
{{- define "federation.facts" -}}
grpcPort: 50056
httpPort: 0
peerPort: 50443
calls: ["identity", "registry", "tickets"]
calledBy: ["gateway"]
database: true
s3: false
smtp: false
{{- end -}}
