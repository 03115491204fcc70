#!/usr/bin/env bash
# Local SMTP server on 127.0.0.1:1025 that stores every message in .local/infra/mail/.
# Usage: smtp.sh up|down|status|fetch
set -euo pipefail
source "$(dirname "$0")/lib.sh"

NAME=smtp
PORT=$((1025 + PORT_OFFSET))
MAIL_DIR="$STATE/mail"
LOG="$STATE/smtp.log"

check_python() {
  need_python
  "$PY" -c 'import aiosmtpd' 2>/dev/null ||
    die "smtp: aiosmtpd is missing from .venv; run: uv sync --all-packages (it is in the dev group)"
}

up() {
  local pid
  if pid=$(live_pid "$NAME"); then
    info "smtp: already running (pid $pid) on 127.0.0.1:$PORT; mail in $(rel "$MAIL_DIR"); log: $LOG"
    return 0
  fi
  check_python
  port_open "$PORT" && fail_port_taken smtp "$PORT"
  mkdir -p "$MAIL_DIR"
  info "smtp: starting the mail sink on 127.0.0.1:$PORT (mail in $(rel "$MAIL_DIR"))"
  spawn "$NAME" "$LOG" "$PY" -u "$HERE/smtp_sink.py" --host 127.0.0.1 --port "$PORT" --mail-dir "$MAIL_DIR"
  wait_until "$NAME" "${SMTP_START_TIMEOUT:-20}" "$LOG" "$PY" "$HERE/probe.py" smtp 127.0.0.1 "$PORT"
  info "smtp: ready (pid $(cat "$STATE/$NAME.pid")); log: $LOG"
}

down() {
  stop_pid "$NAME" 10
}

status() {
  status_line smtp "$PORT" "$LOG" "$(live_pid "$NAME" || true)"
}

case "${1:-}" in
  up) up ;;
  down) down ;;
  status) status ;;
  fetch) check_python ;;
  *) die "usage: $0 up|down|status|fetch" ;;
esac
