#!/usr/bin/env bash
# The platform's container images, built on this machine without a container engine or an
# image registry:
#   base      Debian bookworm made with debootstrap from Debian's packages, with the user
#             app (10001) every image runs as; three flavours of it, each one layer:
#             python (python3.11, tzdata, ca-certificates), java (openjdk-17-jre-headless)
#             and postgres (postgresql-15)
#   services  identity, registry, tickets, documents, notifications, gateway: the python
#             layer plus /opt/venv, the service and exactly its locked dependencies
#             (uv sync --frozen --no-dev --no-editable --package <service>, run inside the
#             image's own root, as deploy/images/Dockerfile does on a container engine)
#   kafka     the java layer plus Apache Kafka's jars from Maven Central (deploy/local/kafka)
#   s3        the java layer plus S3Proxy's jars from Maven Central (deploy/local/s3proxy)
#   postgres  the postgres layer plus its start script
# Each image is a Docker image archive in .cache/cluster/images/, tagged with a hash of what it
# is made of, so an unchanged image is never rebuilt. Writes .local/cluster/images.txt (name,
# reference, archive, size) and .local/cluster/images.yaml (the Helm values naming them).
#
# Usage: deploy/images/build.sh   (as root: debootstrap, chroot, mount namespaces)
set -euo pipefail
source "$(dirname "$0")/../cluster/lib.sh"

IMG_HERE="$ROOT/deploy/images"
SUITE=bookworm
MIRROR=http://deb.debian.org/debian
# Raise to rebuild every base layer (a change to make_debian or make_flavour below).
BASE_REVISION=1
# Every service of cokit.platform (the platform's facts).
read -r -a SERVICES <<<"$("$ROOT/.venv/bin/python" -c 'from cokit import platform; print(*platform.NAMES)')"
ROOTFS="$CLUSTER_CACHE/rootfs"
LAYERS="$CLUSTER_CACHE/layers"
IMAGES="$CLUSTER_CACHE/images"
WORK="$CLUSTER_CACHE/work"
mkdir -p "$ROOTFS" "$LAYERS" "$IMAGES" "$STATE"
[ "$(id -u)" -eq 0 ] || die "building images needs root (debootstrap, chroot, mount namespaces)"

declare -A FLAVOUR_PACKAGES=(
  [python]="python3.11 tzdata ca-certificates netbase"
  [java]="openjdk-17-jre-headless tzdata netbase"
  [postgres]="postgresql-15 tzdata netbase"
)

hash_of() { sha256sum | cut -c1-12; }
# Contents only, never paths: another checkout of the same files finds the same images.
contents() { cat "$@" | sha256sum | cut -c1-64; }

# Runs a shell command chrooted into $1 in a mount namespace of its own (proc, dev and the
# host's resolver for apt and uv), so nothing stays mounted when it ends, even on failure.
in_root() {
  local root=$1 cmd=$2
  shift 2
  unshare --mount --propagation private bash -euo pipefail -c '
    root=$1 cmd=$2
    shift 2
    mount -t proc proc "$root/proc"
    mount --rbind /dev "$root/dev"
    cp /etc/resolv.conf "$root/etc/resolv.conf"
    for bind in "$@"; do mkdir -p "$root/${bind#*:}"; mount --bind "${bind%%:*}" "$root/${bind#*:}"; done
    chroot "$root" /usr/bin/env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
      HOME=/root LANG=C.UTF-8 DEBIAN_FRONTEND=noninteractive /bin/bash -euo pipefail -c "$cmd"
  ' _ "$root" "$cmd" "$@"
}

# What no image needs: documentation, package lists and caches, logs.
strip_root() {
  local root=$1
  rm -rf "$root"/usr/share/doc/* "$root"/usr/share/man/* "$root"/usr/share/info/* \
    "$root"/var/cache/apt/* "$root"/var/lib/apt/lists/* "$root"/var/log/* "$root"/tmp/* \
    "$root"/var/cache/debconf/*-old "$root"/var/lib/dpkg/*-old
  find "$root/usr/share/locale" -mindepth 1 -maxdepth 1 ! -name 'C.*' -exec rm -rf {} + 2>/dev/null || true
  : >"$root/etc/resolv.conf"
}

# A reproducible tarball of $2 (paths relative to root $1) as one layer.
layer_tar() {
  local root=$1 out=$2
  shift 2
  tar -C "$root" --numeric-owner --owner=0 --group=0 --sort=name --mtime=@0 \
    --exclude='./dev/*' --exclude='./proc/*' --exclude='./sys/*' --exclude='./run/*' \
    -cf "$out.partial" "$@"
  mv "$out.partial" "$out"
}

# The minimal Debian root every flavour starts from.
DEBIAN_KEY=$(echo "$SUITE $MIRROR minbase $BASE_REVISION" | hash_of)
make_debian() {
  local dir="$ROOTFS/debian-$DEBIAN_KEY" started=$SECONDS
  [ -f "$dir/.complete" ] && return 0
  apt_need debootstrap debootstrap
  info "images: debootstrap $SUITE (minbase) into $(rel "$dir") (first run only)"
  rm -rf "$dir" && mkdir -p "$dir" "$CLUSTER_CACHE/debs"
  debootstrap --variant=minbase --cache-dir="$CLUSTER_CACHE/debs" "$SUITE" "$dir" "$MIRROR" \
    >"$WORK-debootstrap.log" 2>&1 || { tail -20 "$WORK-debootstrap.log" >&2; die "debootstrap failed"; }
  chroot "$dir" groupadd --system --gid 10001 app
  chroot "$dir" useradd --system --uid 10001 --gid app --no-create-home --home-dir /nonexistent \
    --shell /usr/sbin/nologin app
  # Services are never started while packages install inside an image.
  printf '#!/bin/sh\nexit 101\n' >"$dir/usr/sbin/policy-rc.d"
  chmod 755 "$dir/usr/sbin/policy-rc.d"
  touch "$dir/.complete"
  info "images: debootstrap done in $((SECONDS - started)) s"
}

# The base layer of a flavour: the Debian root plus its packages, as one tarball.
flavour_key() { echo "$DEBIAN_KEY ${FLAVOUR_PACKAGES[$1]}" | hash_of; }
make_flavour() {
  local flavour=$1 key dir out started=$SECONDS
  key=$(flavour_key "$flavour")
  out="$LAYERS/base-$flavour-$key.tar"
  [ -f "$out" ] && return 0
  make_debian
  dir="$WORK/base-$flavour"
  info "images: base layer '$flavour' (${FLAVOUR_PACKAGES[$flavour]}) from Debian's packages"
  rm -rf "$dir" && mkdir -p "$WORK" && cp -a "$ROOTFS/debian-$DEBIAN_KEY" "$dir" && rm -f "$dir/.complete"
  mkdir -p "$dir/etc/postgresql-common"
  # The images' start scripts make their own clusters, on their volume.
  echo "create_main_cluster = false" >"$dir/etc/postgresql-common/createcluster.conf"
  in_root "$dir" "apt-get update -q >/dev/null && apt-get install -y -q --no-install-recommends ${FLAVOUR_PACKAGES[$flavour]} >/dev/null && apt-get clean" ||
    die "installing ${FLAVOUR_PACKAGES[$flavour]} into the '$flavour' base failed"
  strip_root "$dir"
  layer_tar "$dir" "$out" .
  rm -rf "$dir"
  find "$LAYERS" -maxdepth 1 -name "base-$flavour-*.tar" ! -path "$out" -delete
  info "images: base layer '$flavour' done in $((SECONDS - started)) s ($(du -m "$out" | cut -f1) MB)"
}

# archive <name> <tag> <config json> <layer>... : the image archive, listed in images.txt.
archive() {
  local name=$1 tag=$2 config=$3
  shift 3
  local ref="citizenoffice/$name:$tag" out="$IMAGES/$name-$tag.tar"
  if [ ! -f "$out" ]; then
    printf '%s' "$config" >"$WORK/$name.config.json"
    python3 "$IMG_HERE/archive.py" "$out" "$ref" "$WORK/$name.config.json" "$@" >/dev/null ||
      die "writing the archive of $name failed"
    find "$IMAGES" -maxdepth 1 -name "$name-*.tar" ! -path "$out" -delete
  fi
  printf '%s %s %s %s\n' "$name" "docker.io/$ref" "$out" "$(du -m "$out" | cut -f1)" >>"$LIST.partial"
  local image="image: {repository: citizenoffice/$name, tag: \"$tag\", pullPolicy: Never}"
  case $name in
    kafka) printf 'kafka:\n  bundled:\n    %s\n' "$image" ;;
    postgres) printf 'postgres:\n  bundled:\n    %s\n' "$image" ;;
    s3proxy) printf 'objectStorage:\n  bundled:\n    %s\n' "$image" ;;
    *) printf '%s:\n  %s\n' "$name" "$image" ;;
  esac >>"$VALUES.partial"
}

run_config() { # <user> <entrypoint json> [env...]
  local user=$1 entrypoint=$2 env='"PATH=/opt/venv/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"'
  shift 2
  for e in "$@"; do env="$env,\"$e\""; done
  printf '{"User":"%s","Entrypoint":%s,"Env":[%s],"WorkingDir":"/tmp"}' "$user" "$entrypoint" "$env"
}

services() {
  local base key tag started=$SECONDS missing=()
  make_flavour python
  base="$LAYERS/base-python-$(flavour_key python).tar"
  # Everything a service image is made of: the base, the lock, every workspace member.
  key=$( (
    basename "$base"
    contents "$0" "$IMG_HERE/archive.py"
    cd "$ROOT" && find pyproject.toml uv.lock libs services -type f ! -name '*.pyc' ! -path '*/__pycache__/*' \
      ! -path '*/.pytest_cache/*' ! -path '*.egg-info/*' -print0 | sort -z | xargs -0 sha256sum
  ) | hash_of)
  tag="0.1.0-$key"
  for svc in "${SERVICES[@]}"; do [ -f "$LAYERS/$svc-$key.tar" ] || missing+=("$svc"); done
  if [ ${#missing[@]} -gt 0 ]; then
    info "images: ${missing[*]} (uv sync --frozen --no-dev --no-editable inside the python base)"
    bash "$ROOT/deploy/local/ensure-uv.sh" >&2
    local uv root="$WORK/build-root"
    uv=$(command -v uv || echo "$ROOT/.cache/bin/uv")
    rm -rf "$root" && mkdir -p "$root" "${UV_CACHE_DIR:-$ROOT/.cache/uv}" "$WORK/src"
    tar -C "$root" -xf "$base"
    cp "$(readlink -f "$uv")" "$root/usr/local/bin/uv"
    # The host's certificate authorities reach PyPI from here; the build root is thrown away.
    cp "${SSL_CERT_FILE:-/etc/ssl/certs/ca-certificates.crt}" "$root/build-ca.crt"
    rm -rf "$WORK/src" && mkdir -p "$WORK/src"
    (cd "$ROOT" && tar --exclude=__pycache__ --exclude='*.egg-info' --exclude=.pytest_cache \
      -cf - pyproject.toml uv.lock libs services) | tar -C "$WORK/src" -xf -
    in_root "$root" "
      export UV_CACHE_DIR=/uv-cache UV_LINK_MODE=copy UV_COMPILE_BYTECODE=1 UV_PYTHON_DOWNLOADS=never \
        UV_PROJECT_ENVIRONMENT=/opt/venv UV_PYTHON=/usr/bin/python3.11 PYTHONDONTWRITEBYTECODE=1 \
        SSL_CERT_FILE=/build-ca.crt
      cd /src
      for svc in ${missing[*]}; do
        rm -rf /opt/venv
        uv sync --quiet --frozen --no-dev --no-editable --package \"\$svc\"
        /opt/venv/bin/python -W ignore -c 'import cokit.run, importlib, sys; importlib.import_module(sys.argv[1] + \".service\")' \"\$svc\"
        tar -C / --numeric-owner --owner=0 --group=0 --sort=name --mtime=@0 -cf \"/layers/\$svc-$key.tar.partial\" opt/venv
        mv \"/layers/\$svc-$key.tar.partial\" \"/layers/\$svc-$key.tar\"
        echo \"images:   \$svc: \$(du -sm /opt/venv | cut -f1) MB in /opt/venv\" >&2
      done
    " "$WORK/src:/src" "${UV_CACHE_DIR:-$ROOT/.cache/uv}:/uv-cache" "$LAYERS:/layers" ||
      die "building the service layers failed"
    rm -rf "$root" "$WORK/src"
    for svc in "${SERVICES[@]}"; do
      find "$LAYERS" -maxdepth 1 -name "$svc-*.tar" ! -name "$svc-$key.tar" -delete
    done
    info "images: service layers done in $((SECONDS - started)) s"
  fi
  for svc in "${SERVICES[@]}"; do
    archive "$svc" "$tag" "$(run_config 10001:10001 '["python","-m","cokit.run"]' PYTHONUNBUFFERED=1 \
      PYTHONDONTWRITEBYTECODE=1 "SERVICE_NAME=$svc")" "$base" "$LAYERS/$svc-$key.tar"
  done
}

# java_image <name> <deploy/local script> <folder under /opt> <start script> <config script of deploy/local>
java_image() {
  local name=$1 script=$2 opt=$3 start=$4 config=$5 dist base key layer version
  make_flavour java
  base="$LAYERS/base-java-$(flavour_key java).tar"
  dist=$(bash "$ROOT/deploy/local/$script" dist | tail -1)
  [ -d "$dist/libs" ] || die "$name: no jars in $dist"
  version=$(basename "$dist")
  version=${version%-*}
  key=$( (basename "$base"; basename "$dist"; contents "$IMG_HERE/$start" "$ROOT/deploy/local/$config" "$0") | hash_of)
  layer="$LAYERS/$name-$key.tar"
  if [ ! -f "$layer" ]; then
    local stage="$WORK/$name"
    rm -rf "$stage" && mkdir -p "$stage/opt/$opt"
    cp -a "$dist/libs" "$stage/opt/$opt/libs"
    install -m 0755 "$IMG_HERE/$start" "$stage/opt/$opt/run.sh"
    install -m 0644 "$ROOT/deploy/local/$config" "$stage/opt/$opt/$(basename "$config")"
    layer_tar "$stage" "$layer" opt
    rm -rf "$stage"
    find "$LAYERS" -maxdepth 1 -name "$name-*.tar" ! -path "$layer" -delete
  fi
  archive "$name" "$version-$key" "$(run_config 10001:10001 "[\"/opt/$opt/run.sh\"]")" "$base" "$layer"
}

postgres() {
  local base key layer stage
  make_flavour postgres
  base="$LAYERS/base-postgres-$(flavour_key postgres).tar"
  key=$( (basename "$base"; contents "$IMG_HERE/postgres/run.sh" "$0") | hash_of)
  layer="$LAYERS/postgres-$key.tar"
  if [ ! -f "$layer" ]; then
    stage="$WORK/postgres"
    rm -rf "$stage" && mkdir -p "$stage/opt/postgres"
    install -m 0755 "$IMG_HERE/postgres/run.sh" "$stage/opt/postgres/run.sh"
    layer_tar "$stage" "$layer" opt
    rm -rf "$stage"
    find "$LAYERS" -maxdepth 1 -name "postgres-*.tar" ! -path "$layer" -delete
  fi
  archive postgres "15-$key" "$(run_config 10001:10001 '["/opt/postgres/run.sh"]' \
    PATH=/usr/lib/postgresql/15/bin:/usr/sbin:/usr/bin:/sbin:/bin)" "$base" "$layer"
}

LIST="$STATE/images.txt"
VALUES="$STATE/images.yaml"
mkdir -p "$WORK"
: >"$LIST.partial"
echo "# Written by deploy/images/build.sh: the images built on this machine." >"$VALUES.partial"
started=$SECONDS
[ $# -eq 0 ] || die "usage: $0   (builds every image; an unchanged one is not rebuilt)"
services
java_image kafka kafka.sh kafka kafka/run.sh kafka/server-properties.sh
java_image s3proxy s3.sh s3proxy s3proxy/run.sh s3proxy/config.sh
postgres
mv "$LIST.partial" "$LIST"
mv "$VALUES.partial" "$VALUES"
info "images: ready in $((SECONDS - started)) s (archive sizes, uncompressed):"
awk '{printf "  %-14s %5d MB  %s\n", $1, $4, $2}' "$LIST" >&2
