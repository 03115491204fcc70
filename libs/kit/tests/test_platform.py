"""The platform's facts hold together: every call names a service of the platform, ports are
distinct, and the charts' facts are the ones written from here."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from cokit import platform

ROOT = Path(__file__).resolve().parents[3]


def test_calls_name_services_of_the_platform_and_never_the_caller_itself():
    for service in platform.SERVICES:
        assert set(service.calls) <= set(platform.NAMES) - {service.name}, service.name


def test_every_port_is_used_once():
    ports = [p for s in platform.SERVICES for p in (s.grpc_port, s.metrics_port, s.http_port) if p]
    assert len(ports) == len(set(ports))


def test_called_by_is_the_inverse_of_calls():
    for service in platform.SERVICES:
        for callee in service.calls:
            assert service.name in platform.called_by(callee)
    assert platform.called_by("gateway") == ()


def test_the_charts_facts_are_written_from_the_platform():
    done = subprocess.run(
        [sys.executable, str(ROOT / "deploy/tools/platform_facts.py"), "--check"], capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
