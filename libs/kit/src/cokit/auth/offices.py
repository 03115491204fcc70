"""The policy scope of an office (instance, commune, office), looked up in the registry once
per process: an office never moves to another commune."""

from __future__ import annotations

from citizenoffice.registry.v1 import registry_pb2

from .policy import Scope

_SCOPES: dict[str, Scope] = {}


def office_scope(registry, office_id: str, instance: str) -> Scope:
    """`registry` is a RegistryService client; an unknown office raises its NOT_FOUND."""
    scope = _SCOPES.get(office_id)
    if scope is None:
        office = registry.GetOffice(registry_pb2.GetOfficeRequest(office_id=office_id))
        scope = Scope(office.instance_id or instance, office.commune_code, office.office_id)
        _SCOPES[office_id] = scope
    return scope
