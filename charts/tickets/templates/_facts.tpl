{{/* What the code of tickets fixes, written from cokit.platform by deploy/tools/platform_facts.py
     (edit it there): its ports, the services it calls and is called by, its backends.
     NetworkPolicies and the *_GRPC_TARGET settings are derived from it. */}}
{{- define "tickets.facts" -}}
grpcPort: 50053
httpPort: 0
peerPort: 0
calls: ["registry", "identity", "documents"]
calledBy: ["federation", "gateway", "participation"]
database: true
s3: false
smtp: false
{{- end -}}
