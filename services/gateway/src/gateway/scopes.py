"""Where a caller acts: this instance, and the scope (instance, commune, office) a request names,
checked against the registry so that nobody can place an office in a commune it is not in.
Shared by the API's access and staff routes and by the staff and admin pages."""

from __future__ import annotations

import nameko

from citizenoffice.identity.v1 import identity_pb2 as identity_pb
from citizenoffice.registry.v1 import registry_pb2 as registry_pb
from cokit.auth import policy


def instance() -> str:
    return nameko.config.get("INSTANCE_ID") or "ma"


def scope_of(registry, data) -> policy.Scope:
    """The scope a request names ({"instance", "commune", "office"}, a dict or the query string);
    an office of this instance is looked up in the registry for its commune."""
    here = instance()
    named = str(data.get("instance") or here)
    office, commune = str(data.get("office") or ""), str(data.get("commune") or "")
    if named != here:
        return policy.Scope(named, commune, office)
    if office:
        found = registry.GetOffice(registry_pb.GetOfficeRequest(office_id=office))
        return policy.Scope(found.instance_id, found.commune_code, found.office_id)
    return policy.Scope(named, commune)


def office_scope(office) -> policy.Scope:
    """The scope of an office the registry gave."""
    return policy.Scope(office.instance_id, office.commune_code, office.office_id)


def scope_message(scope: policy.Scope) -> identity_pb.Scope:
    return identity_pb.Scope(instance_id=scope.instance, commune_code=scope.commune, office_id=scope.office)
