{{/* Image of a bundled server: repository, then @digest when given, else :tag. */}}
{{- define "citizenoffice.bundledImage" -}}
{{- if .digest -}}
{{- printf "%s@%s" .repository .digest -}}
{{- else -}}
{{- printf "%s:%s" .repository .tag -}}
{{- end -}}
{{- end -}}
