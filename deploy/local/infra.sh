#!/usr/bin/env bash
# Local infrastructure for development and the e2e tests: the real servers as plain
# processes on 127.0.0.1 (no container engine needed).
#
#   deploy/local/infra.sh up|down|status|fetch [kafka|s3|postgres|smtp|all]
#
# up is idempotent and writes .local/infra/env (KEY=value lines to source);
# status exits 0 when every named server runs, 3 otherwise;
# fetch only downloads and installs what up needs (to warm a cache ahead of time).
set -euo pipefail
source "$(dirname "$0")/lib.sh"

ALL=(kafka s3 postgres smtp)

usage() {
  echo "usage: $0 up|down|status|fetch [$(IFS='|'; echo "${ALL[*]}")|all]" >&2
  exit 2
}

write_env() {
  local tmp="$STATE/env.tmp"
  cat >"$tmp" <<EOF
# Written by deploy/local/infra.sh up: endpoints of the local servers.
KAFKA_BOOTSTRAP_SERVERS=127.0.0.1:$((9092 + PORT_OFFSET))
S3_ENDPOINT=http://127.0.0.1:$((9000 + PORT_OFFSET))
S3_ACCESS_KEY=citizenoffice
S3_SECRET_KEY=citizenoffice-secret
S3_BUCKET=citizenoffice-attachments
S3_REGION=us-east-1
SMTP_HOST=127.0.0.1
SMTP_PORT=$((1025 + PORT_OFFSET))
SMTP_MAIL_DIR=$(printf '%q' "$STATE/mail")
EOF
  local svc dbs
  dbs=$(platform_databases) || exit 1
  for svc in $dbs; do
    echo "DATABASE_URL_${svc^^}=postgresql+pg8000://citizenoffice:citizenoffice@127.0.0.1:$((55432 + PORT_OFFSET))/$svc" >>"$tmp"
  done
  mv "$tmp" "$STATE/env"
}

action=${1:-}
target=${2:-all}
case "$action" in up | down | status | fetch) ;; *) usage ;; esac
if [ "$target" = all ]; then
  servers=("${ALL[@]}")
else
  [[ " ${ALL[*]} " == *" $target "* ]] || usage
  servers=("$target")
fi

case "$action" in
  up)
    for s in "${servers[@]}"; do bash "$HERE/$s.sh" up; done
    write_env
    info "environment: $(rel "$STATE/env")"
    ;;
  down)
    for s in "${servers[@]}"; do bash "$HERE/$s.sh" down; done
    ;;
  fetch)
    for s in "${servers[@]}"; do bash "$HERE/$s.sh" fetch; done
    ;;
  status)
    rc=0
    for s in "${servers[@]}"; do bash "$HERE/$s.sh" status || rc=3; done
    exit "$rc"
    ;;
esac
