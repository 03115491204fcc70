#!/usr/bin/env bash
# Installs the tools of `make chart-check` into .cache/chart-tools/ (idempotent, cached):
#   helm        built from the Go module proxy at a pinned version
#   promtool    from Debian's prometheus package
#   kubernetes-validate, checkov   in their own virtualenv (kept out of the workspace lock:
#               checkov's dependency tree is large and conflicts with the services' pins),
#               installed from deploy/tools/chart-tools.requirements.txt (every package pinned)
# Prints the path of each tool's bin folder on success; re-running does nothing once done.
set -euo pipefail
HELM_VERSION=v3.22.0
root=$(cd "$(dirname "$0")/../.." && pwd)
tools="$root/.cache/chart-tools"
requirements="$root/deploy/tools/chart-tools.requirements.txt"
mkdir -p "$tools/bin"

# helm: the Go build cache lives under .cache/ so CI can keep it between runs.
if [ "$("$tools/bin/helm" version --template '{{.Version}}' 2>/dev/null || true)" != "$HELM_VERSION" ]; then
  echo "chart tools: building helm $HELM_VERSION from the Go module proxy"
  export GOPATH="$tools/go" GOMODCACHE="$tools/go/mod" GOCACHE="$tools/go/build"
  export GOFLAGS=-mod=mod GOTOOLCHAIN=local CGO_ENABLED=0
  GOBIN="$tools/bin" go install -trimpath \
    -ldflags "-s -w -X helm.sh/helm/v3/internal/version.version=$HELM_VERSION" \
    "helm.sh/helm/v3/cmd/helm@$HELM_VERSION"
fi

# promtool: Debian's package; the daemon it brings is never started by these checks.
if ! command -v promtool >/dev/null 2>&1; then
  echo "chart tools: installing promtool (Debian package prometheus)"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends prometheus >/dev/null
fi
ln -sf "$(command -v promtool)" "$tools/bin/promtool"

# kubernetes-validate and checkov: a virtualenv keyed by the requirements file's contents.
stamp="$tools/venv/.requirements.sha256"
want=$(sha256sum "$requirements" | cut -d' ' -f1)
if [ "$(cat "$stamp" 2>/dev/null || true)" != "$want" ]; then
  echo "chart tools: installing kubernetes-validate and checkov into .cache/chart-tools/venv"
  bash "$root/deploy/local/ensure-uv.sh"
  uv=$(command -v uv 2>/dev/null || echo "$root/.cache/bin/uv")
  export UV_CACHE_DIR="${UV_CACHE_DIR:-$root/.cache/uv}" UV_PYTHON_DOWNLOADS=never
  rm -rf "$tools/venv"
  "$uv" venv --quiet --python 3.11 "$tools/venv"
  "$uv" pip install --quiet --python "$tools/venv/bin/python" --no-deps -r "$requirements"
  echo "$want" > "$stamp"
fi
ln -sf "$tools/venv/bin/kubernetes-validate" "$tools/bin/kubernetes-validate"
ln -sf "$tools/venv/bin/checkov" "$tools/bin/checkov"
