#!/usr/bin/env bash
# Installs (or upgrades) the platform on the local cluster: the images of
# .local/cluster/images.txt loaded into the node, the Secrets the charts name (random values,
# made once and kept: data sealed with them stays readable), then
#   helm upgrade --install co charts/citizenoffice -n citizenoffice \
#     -f deploy/profiles/local.yaml -f .local/cluster/images.yaml [more helm arguments]
# waiting for every Deployment, StatefulSet and migration Job.
# Usage: deploy/cluster/install.sh [helm arguments...]   (e.g. -f more-values.yaml)
set -euo pipefail
source "$(dirname "$0")/lib.sh"

NAMESPACE=${CITIZENOFFICE_NAMESPACE:-citizenoffice}
RELEASE=${CITIZENOFFICE_RELEASE:-co}
export KUBECONFIG="$STATE/pki/admin.kubeconfig"
[ -f "$KUBECONFIG" ] || die "no cluster: make cluster-up"
[ -f "$STATE/images.yaml" ] || die "no images built: deploy/images/build.sh"
BIN=$(bash "$HERE/build.sh" kubernetes)
bash "$ROOT/deploy/tools/ensure-chart-tools.sh" >&2
HELM="$ROOT/.cache/chart-tools/bin/helm"
PY="$ROOT/.venv/bin/python"
[ -x "$PY" ] || die "$PY is missing: make venv"
kubectl() { "$BIN/kubectl" "$@"; }

bash "$HERE/cluster.sh" load

kubectl get namespace "$NAMESPACE" >/dev/null 2>&1 || kubectl create namespace "$NAMESPACE" >/dev/null

# secret <name> <type> <python expression giving a dict of keys>: made once; a key that a later
# release adds (a new service's credential) is added to it, and no key is ever replaced. The
# expression sees the Secret's keys as they are in `existing` ({} for a new Secret).
secret() {
  local name=$1 type=$2 expr=$3 current out verb
  current=$(kubectl -n "$NAMESPACE" get secret "$name" -o json 2>/dev/null || true)
  out=$("$PY" -W ignore - "$name" "$type" "$NAMESPACE" "$expr" "$current" <<'PY'
import base64, json, os, secrets, sys
name, kind, namespace, expr, current = sys.argv[1:]
from identity.admin import service_credentials  # noqa: F401 (used by the expression)
existing = {k: base64.b64decode(v).decode() for k, v in (json.loads(current)["data"] if current else {}).items()}
wanted = eval(expr, {"secrets": secrets, "base64": base64, "os": os, "existing": existing,
                     "service_credentials": service_credentials})
added = sorted(set(wanted) - set(existing))
verb = "made" if not current else (f"given {', '.join(added)}" if added else "")
print(verb)
print(json.dumps({"apiVersion": "v1", "kind": "Secret", "type": kind,
                  "metadata": {"name": name, "namespace": namespace},
                  "stringData": {**wanted, **existing}}))
PY
) || die "install: Secret $name could not be written"
  verb=$(head -n 1 <<<"$out")
  [ -n "$verb" ] || return 0 # every key there already
  tail -n +2 <<<"$out" | kubectl apply -f - >/dev/null || die "install: Secret $name could not be applied"
  info "install: Secret $name $verb"
}

secret citizenoffice-postgres Opaque '{"password": secrets.token_urlsafe(24)}'
# One database user per service that owns a database (cokit.platform).
for svc in $("$ROOT/.venv/bin/python" -c 'from cokit import platform; print(*(s.name for s in platform.SERVICES if s.database))'); do
  secret "citizenoffice-$svc-db" kubernetes.io/basic-auth "{\"username\": \"$svc\", \"password\": secrets.token_urlsafe(24)}"
done
secret citizenoffice-object-storage Opaque '{"accessKey": secrets.token_hex(10), "secretKey": secrets.token_urlsafe(30)}'
secret citizenoffice-identity-keys Opaque '{"keySecret": base64.b64encode(os.urandom(32)).decode()}'
secret citizenoffice-federation-keys Opaque '{"keySecret": base64.b64encode(os.urandom(32)).decode()}'
secret citizenoffice-service-credentials Opaque 'service_credentials(existing.get("master", ""))'

started=$SECONDS
info "install: helm upgrade --install $RELEASE charts/citizenoffice -n $NAMESPACE -f deploy/profiles/local.yaml $*"
"$HELM" dependency update --skip-refresh "$ROOT/charts/citizenoffice" >/dev/null
"$HELM" upgrade --install "$RELEASE" "$ROOT/charts/citizenoffice" -n "$NAMESPACE" \
  -f "$ROOT/deploy/profiles/local.yaml" -f "$STATE/images.yaml" "$@" \
  --wait --wait-for-jobs --timeout 15m
info "install: done in $((SECONDS - started)) s"
kubectl -n "$NAMESPACE" get pods -o wide >&2
