"""Writes (or with --check, compares) charts/<service>/templates/_facts.tpl and the library
chart's port table from cokit.platform, the one place the platform's ports, calls and
backends are written."""

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


def written() -> dict[Path, str]:
    files = {CHARTS / name / "templates" / "_facts.tpl": facts_template(name) for name in platform.NAMES}
    files[CHARTS / "citizenoffice-lib" / "templates" / "_ports.tpl"] = ports_template()
    return files


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
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
