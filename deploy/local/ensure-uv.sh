#!/usr/bin/env bash
# Installs the pinned uv into .cache/bin when the machine has none.
set -euo pipefail
UV_VERSION=0.13.8
root=$(cd "$(dirname "$0")/../.." && pwd)
if command -v uv >/dev/null 2>&1 || [ -x "$root/.cache/bin/uv" ]; then exit 0; fi
echo "installing uv $UV_VERSION into .cache/bin (first run only)"
python3 -m pip install --quiet --target "$root/.cache/uv-pkg" "uv==$UV_VERSION"
mkdir -p "$root/.cache/bin"
ln -sf "$root/.cache/uv-pkg/bin/uv" "$root/.cache/bin/uv"
