"""The registry's offices as the submission path needs them (the id of the office a form names),
kept per process: dropped when the registry says an office changed (office.created, office.updated,
office.phase_changed, read by every replica through dependencies.registry_changes), else after a
minute."""

from __future__ import annotations

from citizenoffice.registry.v1 import registry_pb2 as registry_pb
from cokit.copies import Copies

OFFICES = Copies(ttl=60.0)


def office(registry, key: str) -> registry_pb.Office:
    """GetOffice by id or slug, from the copy when there is one (errors are never kept)."""
    return OFFICES.get(key, lambda: registry.GetOffice(registry_pb.GetOfficeRequest(office_id=key)))


def on_registry_events(envelopes) -> None:
    if any(envelope.type.startswith("office.") for envelope in envelopes):
        OFFICES.drop()


def on_registry_reset() -> None:
    OFFICES.drop()
