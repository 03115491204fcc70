"""The rules import no transport: no rule module reaches grpc, nameko, eventlet, SQLAlchemy,
Kafka or MinIO, directly or through the kit (DESIGN.md: nameko and eventlet are in
maintenance mode, so the transport must be replaceable without touching the rules).

Which modules are rules:
- every module of a domain service's package (every service of cokit.platform that answers
  gRPC), found on disk, except `service` (the nameko container), `store` (the
  database), `__main__`, and the adapters named in ADAPTERS with what they talk to;
- the kit's plain modules and the gateway's rules, named in KIT_AND_GATEWAY_RULES.
A new module of a domain service is a rule until it is named an adapter.

Each module is imported alone in a fresh interpreter, so sys.modules starts clean and what
it holds afterwards is exactly what the import reached.
"""

from __future__ import annotations

import json
import pathlib
import subprocess
import sys

import pytest

from cokit import platform

ROOT = pathlib.Path(__file__).resolve().parents[3]
TRANSPORT = ("grpc", "nameko", "nameko_grpc", "eventlet", "sqlalchemy", "kafka", "minio")
DOMAIN_SERVICES = platform.GRPC_SERVICES
NOT_RULES = ("service", "store", "__main__")
ADAPTERS = {
    "tickets.scheduler": "the deadline timer's job: claims due tickets in the database",
    "identity.admin": "operator commands run beside the service, on its database",
    "documents.multipart": "S3 multipart uploads on the MinIO client",
    "notifications.sms": "the SMS provider's HTTP API, as a nameko dependency",
    "federation.peer": "the federation port: nameko-grpc over mutual TLS, its server and client",
}
# Named as well as found, so that a rule module moved away or renamed is noticed here.
SERVICE_RULES = (
    "tickets.domain",
    "tickets.workflow",
    "tickets.deadlines",
    "tickets.transitions",
    "tickets.legal",
    "tickets.similarity",
    "tickets.stats",
    "tickets.erasure",
    "tickets.pii",
    "tickets.callers",
    "tickets.federated",
    "registry.domain",
    "registry.calendar",
    "registry.territory",
    "registry.transfer",
    "identity.domain",
    "identity.keyseal",
    "documents.domain",
    "documents.images",
    "notifications.domain",
    "notifications.digest",
    "participation.domain",
    "federation.domain",
    "federation.envelope",
    "federation.keys",
)
KIT_AND_GATEWAY_RULES = (
    "cokit",
    "cokit.refusals",
    "cokit.calendar",
    "cokit.paging",
    "cokit.ids",
    "cokit.timestamps",
    "cokit.sealing",
    "cokit.settings",
    "cokit.legal_deadlines",
    "cokit.request_types",
    "cokit.auth",
    "cokit.auth.tokens",
    "cokit.auth.policy",
    "cokit.events.envelope",
    "gateway.ratelimit",
)
# A module listed here is known to reach a transport still (strict xfail: taken off once it
# no longer does). None is left.
REACHES_TRANSPORT_FOR_NOW: dict[str, str] = {}

PROBE = r"""
import importlib, json, sys

TRANSPORT = set(sys.argv[2].split(","))
chains = {}


class Watch:
    # Notes which module was being imported when a transport package was first asked for.
    def find_spec(self, name, path=None, target=None):
        top = name.partition(".")[0]
        if top in TRANSPORT and top not in chains:
            frames, frame = [], sys._getframe(1)
            while frame is not None:
                module = frame.f_globals.get("__name__", "")
                if frame.f_code.co_name == "<module>" and not module.startswith(("importlib", "_frozen", "__main__")):
                    frames.append(module)
                frame = frame.f_back
            chains[top] = " -> ".join(reversed(frames)) + " -> " + name
        return None


sys.meta_path.insert(0, Watch())
importlib.import_module(sys.argv[1])
print(json.dumps({top: chains.get(top, "?") for top in sorted(TRANSPORT) if top in sys.modules}))
"""


def discovered_rules() -> list[str]:
    found = []
    for service in DOMAIN_SERVICES:
        for path in sorted((ROOT / "services" / service / "src" / service).glob("*.py")):
            name = path.stem
            module = service if name == "__init__" else f"{service}.{name}"
            if name not in NOT_RULES and module not in ADAPTERS:
                found.append(module)
    return found


def transport_reached(module: str) -> dict[str, str]:
    """The transport packages `module` pulls in, each with the chain of imports that did."""
    done = subprocess.run(
        [sys.executable, "-c", PROBE, module, ",".join(TRANSPORT)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


def checked() -> list:
    modules = sorted(set(discovered_rules()) | set(SERVICE_RULES) | set(KIT_AND_GATEWAY_RULES))
    return [
        pytest.param(m, marks=pytest.mark.xfail(strict=True, reason=REACHES_TRANSPORT_FOR_NOW[m]))
        if m in REACHES_TRANSPORT_FOR_NOW
        else m
        for m in modules
    ]


def test_the_named_rule_modules_are_the_ones_found_on_disk():
    assert set(SERVICE_RULES) <= set(discovered_rules())
    assert not set(ADAPTERS) & set(SERVICE_RULES)


def test_the_probe_sees_transport_reached_through_the_kit():
    reached = transport_reached("cokit.errors")
    assert {"grpc", "nameko_grpc"} <= set(reached)
    assert reached["grpc"].startswith("cokit.errors")


@pytest.mark.parametrize("module", checked())
def test_a_rule_module_reaches_no_transport(module):
    reached = transport_reached(module)
    assert not reached, "\n".join(f"{module} reaches {top}: {chain}" for top, chain in reached.items())
