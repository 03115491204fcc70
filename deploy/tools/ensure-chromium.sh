#!/usr/bin/env bash
# Chromium from Debian's packages for the browser tests (Playwright drives it; no browser
# is downloaded from elsewhere). Idempotent: does nothing when /usr/bin/chromium exists.
# Fonts: Noto for Arabic and Tifinagh, so both scripts render in the screenshots and in CI.
set -euo pipefail

packages=(chromium fonts-noto-core)
[[ -x /usr/bin/chromium ]] && exit 0

if [[ $(id -u) -ne 0 ]]; then
    SUDO=sudo
else
    SUDO=
fi

# Another apt run may hold the dpkg lock for a while: wait for it rather than fail.
for attempt in $(seq 1 60); do
    if $SUDO apt-get update -qq && \
       DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${packages[@]}"; then
        [[ -x /usr/bin/chromium ]] && exit 0
    fi
    echo "ensure-chromium: apt busy or failed (attempt $attempt), retrying in 10 s" >&2
    sleep 10
done
echo "ensure-chromium: could not install ${packages[*]}" >&2
exit 1
