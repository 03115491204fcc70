#!/usr/bin/env bash
# The programs of the local cluster, built from the Go module proxy once per pinned version and
# kept in .cache/cluster/bin/<name>-<hash of its go.mod, go.sum and flags>/:
#   kubernetes   kube-apiserver, kube-controller-manager, kube-scheduler, kubelet, kube-proxy,
#                kubectl (go/kubernetes: k8s.io/kubernetes v1.34.4, staging modules at v0.34.4)
#   coredns      the cluster DNS (go/coredns)
#   kube-router  its network-policy controller only (go/kube-router)
#   pause        the process that holds each pod's namespaces (go/pause)
# Usage: build.sh [kubernetes|coredns|kube-router|pause|all]; prints the folder of each on stdout.
# The Go build and module caches live in .cache/cluster/go, so a changed pin rebuilds only
# what changed.
set -euo pipefail
source "$(dirname "$0")/lib.sh"

export GOMODCACHE="$CLUSTER_CACHE/go/mod" GOCACHE="$CLUSTER_CACHE/go/build"
export GOFLAGS=-modcacherw GOTOOLCHAIN=local CGO_ENABLED=0
command -v go >/dev/null 2>&1 || die "Go is not installed"

# build <name> <module folder> <ldflags> <package>...
build() {
  local name=$1 dir="$HERE/go/$2" ldflags=$3
  shift 3
  local key out started
  key=$( (cat "$dir/go.mod" "$dir/go.sum"; echo "$ldflags $*"; go env GOVERSION) | sha256sum | cut -c1-12)
  out="$CLUSTER_CACHE/bin/$name-$key"
  if [ -f "$out/.complete" ]; then
    echo "$out"
    return 0
  fi
  started=$SECONDS
  info "build: $name from the Go module proxy into $(rel "$out") (first run only; about 8 min for kubernetes on 2 cores)"
  rm -rf "$out" && mkdir -p "$out"
  local pkg
  for pkg in "$@"; do
    info "build:   $(basename "$pkg")"
    (cd "$dir" && go build -trimpath -ldflags "$ldflags" -o "$out/" "$pkg") >&2 ||
      die "build of $pkg failed"
  done
  touch "$out/.complete"
  info "build: $name done in $((SECONDS - started)) s"
  # Earlier pins of the same program.
  find "$CLUSTER_CACHE/bin" -mindepth 1 -maxdepth 1 -name "$name-*" ! -path "$out" -exec rm -rf {} +
  echo "$out"
}

k8s_version() { sed -n 's/^require k8s.io\/kubernetes \(v[0-9.]*\)$/\1/p' "$HERE/go/kubernetes/go.mod"; }

kubernetes() {
  local v minor major pfx=k8s.io/component-base/version
  v=$(k8s_version)
  major=${v#v}; major=${major%%.*}
  minor=${v#v*.}; minor=${minor%%.*}
  build kubernetes kubernetes \
    "-s -w -X $pfx.gitVersion=$v -X $pfx.gitMajor=$major -X $pfx.gitMinor=$minor -X $pfx.gitTreeState=clean -X $pfx.buildDate=1970-01-01T00:00:00Z" \
    k8s.io/kubernetes/cmd/kube-apiserver k8s.io/kubernetes/cmd/kube-controller-manager \
    k8s.io/kubernetes/cmd/kube-scheduler k8s.io/kubernetes/cmd/kubelet \
    k8s.io/kubernetes/cmd/kube-proxy k8s.io/kubernetes/cmd/kubectl
}

coredns() {
  build coredns coredns "-s -w" citizenoffice.local/cluster/coredns
}

kube_router() {
  build kube-router kube-router "-s -w" github.com/cloudnativelabs/kube-router/v2/cmd/kube-router
}

pause() {
  build pause pause "-s -w" citizenoffice.local/cluster/pause
}

case "${1:-all}" in
  kubernetes) kubernetes ;;
  coredns) coredns ;;
  kube-router) kube_router ;;
  pause) pause ;;
  all) kubernetes && coredns && kube_router && pause ;;
  *) die "usage: $0 [kubernetes|coredns|kube-router|pause|all]" ;;
esac
