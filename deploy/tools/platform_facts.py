"""Writes (or with --check, compares) charts/<service>/templates/_facts.tpl, the library
chart's port table and the umbrella chart's list of databases from cokit.platform, the one
place the platform's ports, calls and backends are written; with --check it also names a
service the umbrella chart does not deploy (its Chart.yaml dependency and values key) and an
event topic its values do not list."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from cokit import platform

CHARTS = Path(__file__).resolve().parents[2] / "charts"


def facts_template(name: str) -> str:
    facts = platform.facts(name)
    lines = [
        f"{{{{/* What the code of {name} fixes, written from cokit.platform by deploy/tools/platform_facts.py",
        "     (edit it there): its ports, the services it calls and is called by, its backends.",
        "     NetworkPolicies and the *_GRPC_TARGET settings are derived from it. */}}",
        f'{{{{- define "{name}.facts" -}}}}',
        f"grpcPort: {facts.grpc_port}",
        f"httpPort: {facts.http_port}",
        f"peerPort: {facts.peer_port}",
        f"calls: {json.dumps(list(facts.calls))}",
        f"calledBy: {json.dumps(list(platform.called_by(name)))}",
        f"database: {json.dumps(facts.database)}",
        f"s3: {json.dumps(facts.s3)}",
        f"smtp: {json.dumps(facts.smtp)}",
        "{{- end -}}",
    ]
    return "\n".join(lines) + "\n"


def ports_template() -> str:
    lines = [
        "{{/* gRPC port of each service of the platform (gateway: none), written from cokit.platform",
        "     by deploy/tools/platform_facts.py (edit it there). */}}",
        '{{- define "colib.grpcPorts" -}}',
        *(f"{s.name}: {s.grpc_port}" for s in platform.SERVICES if s.grpc_port),
        "{{- end -}}",
    ]
    return "\n".join(lines) + "\n"


def umbrella_template() -> str:
    lines = [
        "{{/* Written from cokit.platform by deploy/tools/platform_facts.py (edit it there). */}}",
        "{{/* The umbrella chart runs no service of its own. */}}",
        '{{- define "citizenoffice.facts" -}}',
        "grpcPort: 0",
        "httpPort: 0",
        "peerPort: 0",
        "calls: []",
        "calledBy: []",
        "{{- end -}}",
        "",
        "{{/* Services that own a database. */}}",
        '{{- define "citizenoffice.dbServices" -}}',
        f"[{', '.join(platform.DATABASES)}]",
        "{{- end -}}",
    ]
    return "\n".join(lines) + "\n"


def written() -> dict[Path, str]:
    files = {CHARTS / name / "templates" / "_facts.tpl": facts_template(name) for name in platform.NAMES}
    files[CHARTS / "citizenoffice-lib" / "templates" / "_ports.tpl"] = ports_template()
    files[CHARTS / "citizenoffice" / "templates" / "_facts.tpl"] = umbrella_template()
    return files


def umbrella_gaps() -> list[str]:
    """What the umbrella chart lacks of the platform: a service it does not deploy, a topic it
    does not list (written by hand there: their comments and settings are the operator's)."""
    import yaml

    chart = yaml.safe_load((CHARTS / "citizenoffice" / "Chart.yaml").read_text())
    values = yaml.safe_load((CHARTS / "citizenoffice" / "values.yaml").read_text())
    deployed = {d["name"] for d in chart.get("dependencies", [])}
    gaps = [f"charts/citizenoffice/Chart.yaml: no dependency {n}" for n in platform.NAMES if n not in deployed]
    gaps += [f"charts/citizenoffice/values.yaml: no key {n}" for n in platform.NAMES if n not in values]
    topics = values.get("kafka", {}).get("topics", {})
    gaps += [f"charts/citizenoffice/values.yaml: kafka.topics lacks {t}" for t in platform.TOPICS if t not in topics]
    return gaps


def main(argv: list[str]) -> int:
    check = "--check" in argv
    stale = []
    for path, text in written().items():
        if check:
            if not path.exists() or path.read_text() != text:
                stale.append(str(path.relative_to(CHARTS.parent)))
        else:
            path.write_text(text)
    if stale:
        print("stale, run `python deploy/tools/platform_facts.py`: " + ", ".join(stale), file=sys.stderr)
        return 1
    gaps = umbrella_gaps() if check else []
    if gaps:
        print("the umbrella chart lacks what cokit.platform names:\n  " + "\n  ".join(gaps), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
