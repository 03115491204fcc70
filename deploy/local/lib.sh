# Shared helpers for the local infrastructure scripts (sourced, not run).
# Downloads are cached under .cache/ so a fresh clone fetches each pinned version once;
# everything a running server writes (data, pid, logs) lives under .local/infra/.

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
HERE="$ROOT/deploy/local"
CACHE="$ROOT/.cache"
# A second set of servers, e.g. the fault tests' own (they stop and restart servers, which
# the shared set must never see), lives in INFRA_STATE_DIR on ports shifted by
# INFRA_PORT_OFFSET; unset, both name the shared set.
STATE="${INFRA_STATE_DIR:-$ROOT/.local/infra}"
PORT_OFFSET="${INFRA_PORT_OFFSET:-0}"
M2_REPO="$CACHE/m2"
PY="$ROOT/.venv/bin/python"
mkdir -p "$CACHE" "$STATE"
# The tree that owns the running servers: this one, or the one whose .local/infra this
# checkout links to (a second working copy of the project sharing one set of servers).
OWNER_ROOT=$(cd -P "$STATE/../.." && pwd)

info() { printf '%s\n' "$*"; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

need_python() {
  [ -x "$PY" ] || die "$PY is missing: run 'make venv' (uv sync --all-packages) first"
}

# The services that own a database, one database each (cokit.platform, the one list of them).
platform_databases() {
  need_python
  "$PY" -c 'from cokit import platform; print(*platform.DATABASES)'
}

# Something accepts TCP connections on 127.0.0.1:$1.
port_open() {
  (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

# Names the process holding a port, when the tools to find it exist.
port_owner() {
  if command -v ss >/dev/null 2>&1; then
    ss -ltnpH "sport = :$1" 2>/dev/null | sed -n 's/.*users:((\(.*\)))/\1/p' | head -1
  fi
}

fail_port_taken() {
  local name=$1 port=$2 owner
  owner=$(port_owner "$port")
  die "$name: port 127.0.0.1:$port is already taken by another process${owner:+ ($owner)}; stop it or free the port"
}

# pid recorded in $STATE/$1.pid when that process is still alive.
live_pid() {
  local f="$STATE/$1.pid" pid
  [ -f "$f" ] || return 1
  pid=$(cat "$f" 2>/dev/null) || return 1
  [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null || return 1
  # A stale pid file may name a process that reused the number; ours all name their tree.
  # (A linked working copy may have started it, naming its own path to .local/infra.)
  tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -qF -e "$ROOT" -e "$OWNER_ROOT" -e "/.local/infra/" || return 1
  echo "$pid"
}

# Stops the process recorded in $STATE/$1.pid: TERM, then KILL after $2 seconds.
stop_pid() {
  local name=$1 grace=${2:-20} pid i
  if ! pid=$(live_pid "$name"); then
    rm -f "$STATE/$name.pid"
    info "$name: already stopped"
    return 0
  fi
  kill -TERM "$pid" 2>/dev/null || true
  for ((i = 0; i < grace * 10; i++)); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  if kill -0 "$pid" 2>/dev/null; then
    info "$name: did not stop within ${grace}s, killing pid $pid"
    kill -KILL "$pid" 2>/dev/null || true
    sleep 0.5
  fi
  rm -f "$STATE/$name.pid"
  info "$name: stopped (pid $pid)"
}

# Starts a command detached from this shell (own session, so a Ctrl-C in the caller's
# terminal or the end of a CI step does not take the server down with it).
# The wrapper records its own pid before exec, so the pid file names the server itself
# whether or not setsid had to fork.
spawn() {
  local name=$1 out=$2 i
  shift 2
  rm -f "$STATE/$name.pid"
  setsid bash -c 'echo $$ >"$0"; exec "$@"' "$STATE/$name.pid" "$@" </dev/null >>"$out" 2>&1 &
  for ((i = 0; i < 50; i++)); do
    [ -s "$STATE/$name.pid" ] && return 0
    sleep 0.1
  done
  die "$name: the server process did not start; see $out"
}

# Polls "$@" until it succeeds, the process dies, or the timeout passes.
wait_until() {
  local name=$1 timeout=$2 log=$3
  shift 3
  local deadline=$((SECONDS + timeout)) pid
  while :; do
    if "$@" >/dev/null 2>&1; then return 0; fi
    pid=$(cat "$STATE/$name.pid" 2>/dev/null || true)
    if [ -n "$pid" ] && ! kill -0 "$pid" 2>/dev/null; then
      rm -f "$STATE/$name.pid"
      tail -n 30 "$log" >&2 2>/dev/null || true
      die "$name: the server exited during start; log: $log"
    fi
    if ((SECONDS >= deadline)); then
      tail -n 30 "$log" >&2 2>/dev/null || true
      # A half-started server would hold the port and make the next try fail differently.
      [ -n "$pid" ] && kill -KILL "$pid" 2>/dev/null || true
      rm -f "$STATE/$name.pid"
      die "$name: did not answer within ${timeout}s; log: $log"
    fi
    sleep 0.5
  done
}

# Runs Maven against a pom to copy its runtime dependencies into $2, showing each
# downloaded jar as it arrives (Maven's own output would be hundreds of lines).
mvn_fetch() {
  local pom=$1 dest=$2 label=$3 log="$STATE/$3-fetch.log"
  command -v mvn >/dev/null 2>&1 || die "$label: Maven (mvn) is not installed"
  command -v java >/dev/null 2>&1 || die "$label: Java is not installed"
  info "$label: downloading jars from Maven Central into ${dest#"$ROOT"/} (first run only; full log: ${log#"$ROOT"/})"
  rm -rf "$dest.tmp"
  set +e
  mvn -B -f "$pom" -Dmaven.repo.local="$M2_REPO" \
    dependency:copy-dependencies -DincludeScope=runtime -DoutputDirectory="$dest.tmp/libs" \
    2>&1 | tee "$log" | grep --line-buffered -E '^(\[INFO\] )?Downloaded from .*\.jar' |
    sed -u -E 's#^.*Downloaded from [^:]+: .*/([^/]+\.jar) \((.*)\)#  \1 (\2)#'
  local rc=${PIPESTATUS[0]}
  set -e
  if [ "$rc" -ne 0 ]; then
    grep -E '^\[ERROR\]' "$log" | head -n 15 >&2 || true
    rm -rf "$dest.tmp"
    die "$label: download from Maven Central failed (exit $rc); log: $log"
  fi
  rm -rf "$dest"
  mv "$dest.tmp" "$dest"
}

# Removes the jars of earlier pins next to $1. Called only while the server is stopped:
# a running JVM may still open jars from the folder it started with.
prune_other_dists() {
  find "$(dirname "$1")" -mindepth 1 -maxdepth 1 -type d ! -path "$1" -exec rm -rf {} +
}

# Short content hash: the cache folder of a download follows the file that pins it,
# so changing a pinned version fetches again instead of reusing stale jars.
pin_hash() {
  cat "$@" | sha256sum | cut -c1-12
}

rel() { printf '%s' "${1#"$ROOT"/}"; }

# One status line: `status_line LABEL PORT LOG [PID]`; no PID means stopped (returns 1).
status_line() {
  local label=$1 port=$2 log=$3 pid=${4:-}
  if [ -n "$pid" ]; then
    printf '%-9s running  pid %-8s 127.0.0.1:%-6s log %s\n' "$label" "$pid" "$port" "$log"
  else
    printf '%-9s stopped  pid %-8s 127.0.0.1:%-6s log %s\n' "$label" - "$port" "$log"
    return 1
  fi
}
