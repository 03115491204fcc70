# Shared helpers of the local cluster's scripts (sourced, not run).
# Downloads and builds are cached under .cache/cluster/; the running cluster's state (etcd
# data, certificates, logs, pids, volumes) lives under .local/cluster/.

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
HERE="$ROOT/deploy/cluster"
CLUSTER_CACHE="$ROOT/.cache/cluster"
STATE="$ROOT/.local/cluster"
mkdir -p "$CLUSTER_CACHE"

info() { printf '%s\n' "$*" >&2; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }
rel() { printf '%s' "${1#"$ROOT"/}"; }

# Debian packages, installed when a command (or an absolute path) is missing:
#   apt_need <command or /path> <package>...
APT_UPDATED=""
apt_need() {
  local cmd=$1
  shift
  if [[ $cmd == /* ]]; then [ -e "$cmd" ] && return 0; else command -v "$cmd" >/dev/null 2>&1 && return 0; fi
  [ "$(id -u)" -eq 0 ] || die "$cmd is missing: install $* (Debian packages)"
  if [ -z "$APT_UPDATED" ]; then
    info "apt: updating the package lists"
    apt-get -o DPkg::Lock::Timeout=600 update -q >/dev/null || die "apt-get update failed"
    APT_UPDATED=1
  fi
  info "apt: installing $* from Debian's packages (first run only)"
  DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y -q --no-install-recommends "$@" \
    >/dev/null || die "apt-get install $* failed"
}
