#!/usr/bin/env bash
# make chart-check: the charts validated without a cluster.
#   helm lint --strict on every chart and every instance profile
#   helm template of every profile (and of each service chart alone)
#   the output against the Kubernetes JSON schemas of several minor versions, the operators'
#   kinds against charts/tests/crd-schemas, promtool check rules on the alerts and
#   promtool test rules with charts/tests/promtool
#   checkov on the rendered manifests and the Dockerfiles (skips with reasons: checkov.yaml)
#   pytest charts/tests: the hardening and network-flow tests over the rendered YAML
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
bash deploy/tools/ensure-chart-tools.sh
tools="$root/.cache/chart-tools"
export PATH="$tools/bin:$PATH"
out="$root/.cache/chart-render"
rm -rf "$out" && mkdir -p "$out"
# The services of cokit.platform, one chart each.
# shellcheck disable=SC2207
services=($(.venv/bin/python -c 'from cokit import platform; print(*platform.NAMES)'))
profiles=(default national partner local)
profile_args() { [ "$1" = default ] || echo "-f deploy/profiles/$1.yaml"; }

.venv/bin/python deploy/tools/values_schema.py --check
.venv/bin/python deploy/tools/platform_facts.py --check

echo "chart-check: helm lint --strict"
helm lint --strict charts/citizenoffice-lib >/dev/null
for svc in "${services[@]}"; do
  helm dependency update --skip-refresh "charts/$svc" >/dev/null
  helm lint --strict -n citizenoffice "charts/$svc" >/dev/null
  helm template co "charts/$svc" -n citizenoffice > "$out/chart-$svc.yaml"
done
helm dependency update --skip-refresh charts/citizenoffice >/dev/null
for p in "${profiles[@]}"; do
  # shellcheck disable=SC2046
  helm lint --strict -n citizenoffice charts/citizenoffice $(profile_args "$p") >/dev/null
  # shellcheck disable=SC2046
  helm template co charts/citizenoffice -n citizenoffice $(profile_args "$p") > "$out/profile-$p.yaml"
done

echo "chart-check: Kubernetes and CRD schemas"
"$tools/venv/bin/python" deploy/tools/validate_rendered.py "$out"/*.yaml

echo "chart-check: promtool"
for rules in "$out"/*.rules.yaml; do promtool check rules "$rules" >/dev/null; done
# The alerts' unit tests run on the rules rendered with the default values.
cp charts/tests/promtool/*.yaml "$out/"
for test in charts/tests/promtool/*.yaml; do promtool test rules "$out/$(basename "$test")"; done

echo "chart-check: checkov"
mkdir -p "$out/checkov"
cp "$out"/profile-*.yaml "$out"/chart-*.yaml "$out/checkov/"
rm "$out/checkov/profile-local.yaml"
checkov --config-file deploy/tools/checkov.yaml -d "$out/checkov" --framework kubernetes >/dev/null \
  || { checkov --config-file deploy/tools/checkov.yaml -d "$out/checkov" --framework kubernetes; exit 1; }
# The local profile loads images into the node and never pulls them (imagePullPolicy Never):
# CKV_K8S_15 (pull policy Always) does not apply there; every other check does.
local_checks=(--config-file deploy/tools/checkov.yaml --skip-check CKV_K8S_35,CKV_K8S_43,CKV_DOCKER_2,CKV_K8S_15)
checkov "${local_checks[@]}" -f "$out/profile-local.yaml" --framework kubernetes >/dev/null \
  || { checkov "${local_checks[@]}" -f "$out/profile-local.yaml" --framework kubernetes; exit 1; }
dockerfiles=(--file deploy/images/Dockerfile)
checkov --config-file deploy/tools/checkov.yaml --framework dockerfile "${dockerfiles[@]}" >/dev/null \
  || { checkov --config-file deploy/tools/checkov.yaml --framework dockerfile "${dockerfiles[@]}"; exit 1; }

echo "chart-check: tests over the rendered YAML"
CHART_RENDER_DIR="$out" .venv/bin/python -m pytest -q charts/tests
