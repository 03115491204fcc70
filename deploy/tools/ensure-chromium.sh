#!/usr/bin/env bash
# Chromium from Debian's packages for the browser tests (Playwright drives it; no browser
# is downloaded from elsewhere). Idempotent: does nothing when Chromium and the fonts are there.
# Fonts: Debian's fonts-noto-core carries Noto Sans Arabic and Noto Sans Tifinagh, so Arabic and
# Amazigh render as real glyphs in the screenshots and in CI (never as empty boxes).
set -euo pipefail

packages=(chromium fonts-noto-core)
TIFINAGH_FONT=/usr/share/fonts/truetype/noto/NotoSansTifinagh-Regular.ttf
ready() { [[ -x /usr/bin/chromium && -f $TIFINAGH_FONT ]]; }
ready && exit 0

if [[ $(id -u) -ne 0 ]]; then
    SUDO=sudo
else
    SUDO=
fi

# Another apt run may hold the dpkg lock for a while: wait for it rather than fail.
for attempt in $(seq 1 60); do
    if $SUDO apt-get update -qq && \
       DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${packages[@]}"; then
        ready && exit 0
    fi
    echo "ensure-chromium: apt busy or failed (attempt $attempt), retrying in 10 s" >&2
    sleep 10
done
echo "ensure-chromium: could not install ${packages[*]}" >&2
exit 1
