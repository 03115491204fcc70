"""Validates rendered manifests without a cluster (run by the chart tools' virtualenv).

Built-in kinds are checked with kubernetes-validate (strict: unknown fields fail) against every
Kubernetes version in K8S_VERSIONS. The operators' kinds (ServiceMonitor, PrometheusRule,
KafkaTopic, CloudNativePG Cluster) are not in those schemas: they are checked against the small
schemas in charts/tests/crd-schemas/, which cover the fields the charts render. Any other kind
fails. The PrometheusRule's spec is written to <file>.rules.yaml for promtool.

usage: validate_rendered.py RENDERED.yaml...
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import jsonschema
import kubernetes_validate
import yaml

K8S_VERSIONS = ("1.33.0", "1.35.0", "1.37.0")
CRD_SCHEMAS = Path(__file__).resolve().parents[2] / "charts" / "tests" / "crd-schemas"


def main(paths: list[str]) -> int:
    crd = {p.stem: json.loads(p.read_text()) for p in CRD_SCHEMAS.glob("*.json")}
    failures = 0
    for path in map(Path, paths):
        docs = [d for d in yaml.safe_load_all(path.read_text()) if d]
        rules = []
        for doc in docs:
            kind, name = doc.get("kind"), doc.get("metadata", {}).get("name")
            where = f"{path.name}: {kind} {name}"
            try:
                if kind in crd:
                    jsonschema.validate(doc, crd[kind])
                    if kind == "PrometheusRule":
                        rules.append(doc["spec"])
                else:
                    for version in K8S_VERSIONS:
                        kubernetes_validate.validate(doc, version, strict=True)
            except (jsonschema.ValidationError, kubernetes_validate.ValidationError) as exc:
                failures += 1
                print(f"FAIL {where}: {exc.message} at {'/'.join(map(str, exc.path))}")
            except kubernetes_validate.SchemaNotFoundError as exc:
                failures += 1
                print(f"FAIL {where}: no schema ({exc})")
        if rules:
            out = path.with_suffix(".rules.yaml")
            out.write_text(yaml.safe_dump({"groups": [g for r in rules for g in r["groups"]]}))
        print(
            f"{path.name}: {len(docs)} resources checked against Kubernetes {', '.join(K8S_VERSIONS)} and the CRD schemas"
        )
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
