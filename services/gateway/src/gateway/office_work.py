"""What the office's staff do to requests, shared by the REST API's staff routes and the staff
pages: registering a request taken at the desk (walk-in) and the fields a workflow transition
may carry. The caller's roles are asked of the policy here first; tickets verifies the token
again and lets its workflow decide.
"""

from __future__ import annotations

from citizenoffice.registry.v1 import registry_pb2
from citizenoffice.tickets.v1 import tickets_pb2 as pb
from cokit import request_types
from cokit.auth import policy
from cokit.errors import invalid_argument

from .scopes import scope_of
from .translate import public_choice

OFFICE_WORKERS = ("staff", "office_manager", "information_officer", "deputy_information_officer", "commune_admin")
policy.register_action("ticket.walk_in", OFFICE_WORKERS)
policy.register_action("ticket.transition", OFFICE_WORKERS)

REQUESTER_FIELDS = ("name", "address", "id_kind", "id_number", "contact", "preferred_format")


def walk_in_kinds() -> tuple[str, ...]:
    """The request types registered at the desk, in the definitions' order."""
    return request_types.where(walk_in=True)


def transition_fields() -> tuple[str, ...]:
    """What a staff member may send with a transition: the fields any type's steps ask for."""
    return request_types.transition_fields()


def register_walk_in(caller: policy.Caller, data: dict, metadata, *, registry, tickets) -> pb.Receipt:
    """Register a request taken at the desk (the JSON route and the staff pages' form)."""
    office = registry.GetOffice(registry_pb2.GetOfficeRequest(office_id=str(data.get("office", ""))))
    policy.require(caller, "ticket.walk_in", scope_of(registry, {"office": office.office_id}))
    requester = data.get("requester") or {}
    kind = str(data.get("kind", "complaint"))
    if kind not in walk_in_kinds():
        raise invalid_argument("KIND_UNKNOWN", f"kind is one of {', '.join(walk_in_kinds())}", field="kind")
    return tickets.Submit(
        pb.SubmitRequest(
            office_id=office.office_id,
            kind=request_types.wire(kind),
            category=str(data.get("category", "")),
            description=str(data.get("description", "")),
            channel=pb.WALK_IN,
            language=str(data.get("language", "ar")),
            urgent=bool(data.get("urgent", False)),
            urgency_reason=str(data.get("urgency_reason", "")),
            public=public_choice(data),
            requester=pb.Requester(**{k: str(requester.get(k, "")) for k in REQUESTER_FIELDS}),
        ),
        metadata=metadata,
    )  # tickets records the verified clerk as the registrant
