#!/usr/bin/env bash
# Keeps the kernel from handing the platform's fixed ports to outgoing connections as their
# source port. Without it, a client socket can sit on 50153 (say) at the moment a restarted
# service binds it, and the restart fails. Best effort: needs root, changes nothing else.
set -u
# 55432 and up: the shared PostgreSQL and the fault tests' own (lib.sh INFRA_PORT_OFFSET).
ports="8080-8999,9092-9093,9100-9999,50000-50999,55432-55999"
file=/proc/sys/net/ipv4/ip_local_reserved_ports
current=$(cat "$file" 2>/dev/null || true)
[ "$current" = "$ports" ] && exit 0
if ! echo "$ports" >"$file" 2>/dev/null; then
  echo "note: could not reserve local ports $ports (not root?); a service restart may rarely find its port taken" >&2
fi
exit 0
