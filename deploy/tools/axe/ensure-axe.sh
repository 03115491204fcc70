#!/usr/bin/env bash
# axe-core at the version locked in this folder, installed into .cache/axe for the browser
# tests' accessibility scan. Idempotent: reinstalls only when the lock file changed.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../../.." && pwd)
target="$root/.cache/axe"

if [[ -f "$target/node_modules/axe-core/axe.min.js" ]] && cmp -s "$here/package-lock.json" "$target/package-lock.json"; then
    exit 0
fi
command -v npm >/dev/null || { echo "ensure-axe: npm is needed (Debian: apt-get install npm)" >&2; exit 1; }
mkdir -p "$target"
cp "$here/package.json" "$here/package-lock.json" "$target/"
npm ci --prefix "$target" --ignore-scripts --no-audit --no-fund --loglevel=error
test -f "$target/node_modules/axe-core/axe.min.js"
