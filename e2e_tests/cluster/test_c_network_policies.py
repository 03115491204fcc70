"""The release's NetworkPolicies, enforced on the cluster (kube-router's firewall): each flow
tried from inside a real pod of the platform, an allowed one beside each denied one so a
denial cannot come from a broken network."""

from __future__ import annotations

import pytest

# A TCP connection from inside a pod: "open" or why not (kubectl exec runs it in the container).
PROBE = """
import socket, sys
try:
    socket.create_connection((sys.argv[1], int(sys.argv[2])), timeout=4).close()
    print("open")
except OSError as exc:
    print(type(exc).__name__)
"""


def connect(cluster, source: str, host: str, port: int) -> str:
    pod = cluster.running_pod(source)
    out = cluster.kubectl("exec", pod, "-c", source, "--", "python", "-c", PROBE, host, str(port), timeout=60)
    return out.stdout.strip().splitlines()[-1]


@pytest.mark.parametrize(
    ("source", "host", "port"),
    [
        ("tickets", "co-postgres", 5432),  # its own database
        ("gateway", "co-tickets", 50053),  # a call the gateway makes
        ("documents", "co-object-storage", 8333),  # the bucket
        ("notifications", "co-kafka", 9092),  # the broker
    ],
)
def test_an_allowed_flow_connects(cluster, source, host, port):
    assert connect(cluster, source, host, port) == "open"


@pytest.mark.parametrize(
    ("source", "host", "port"),
    [
        ("gateway", "co-postgres", 5432),  # the gateway owns no database
        ("notifications", "co-tickets", 50053),  # notifications never calls tickets
        ("tickets", "co-object-storage", 8333),  # only documents reaches the bucket
        ("registry", "co-documents", 50054),  # registry calls identity only
    ],
)
def test_a_denied_flow_is_dropped(cluster, source, host, port):
    assert connect(cluster, source, host, port) in {"TimeoutError", "timeout", "ConnectionRefusedError"}
