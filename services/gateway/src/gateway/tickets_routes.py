"""HTTP routes of the office's work on requests: walk-in registration and workflow
transitions. The caller is the signed-in staff member (cokit.auth); the policy says whether
their roles reach the ticket's office. The bearer token goes on to tickets, which verifies it
again and lets its workflow say which of the caller's roles may take this transition.
"""

from __future__ import annotations

import json

from nameko.web.handlers import http

from citizenoffice.registry.v1 import registry_pb2
from citizenoffice.tickets.v1 import tickets_pb2 as pb
from cokit.auth import policy
from cokit.errors import invalid_argument

from .caller import forward
from .http import guarded, json_response
from .problems import problem
from .translate import public_choice, receipt_json, status_json

OFFICE_WORKERS = ("staff", "office_manager", "information_officer", "deputy_information_officer", "commune_admin")
policy.register_action("ticket.walk_in", OFFICE_WORKERS)
policy.register_action("ticket.transition", OFFICE_WORKERS)

WALK_IN_KINDS = {
    "complaint": pb.COMPLAINT,
    "observation": pb.OBSERVATION,
    "suggestion": pb.SUGGESTION,
    "information_request": pb.INFORMATION_REQUEST,
    "administrative_request": pb.ADMINISTRATIVE_REQUEST,
    "petition": pb.PETITION,
}
REQUESTER_FIELDS = ("name", "address", "id_kind", "id_number", "contact", "preferred_format")
TRANSITION_FIELDS = (
    "reason",
    "answer",
    "outcome",
    "exception_code",
    "remedies",
    "redaction",
    "message",
    "committee",
    "session_date",
)


def _json(request) -> dict:
    try:
        data = json.loads(request.get_data(cache=False) or b"{}")
    except ValueError:
        raise invalid_argument("BODY_NOT_JSON", "the body is a JSON object") from None
    if not isinstance(data, dict):
        raise invalid_argument("BODY_NOT_JSON", "the body is a JSON object")
    return data


class TicketsRoutes:
    @http("POST", "/api/v1/staff/tickets/walk-in")
    @guarded
    def walk_in(self, request):
        """A request taken at the office's desk for someone who may have no account."""
        caller = self._who(request)
        if not caller.authenticated:
            return problem(401, "AUTHENTICATION_REQUIRED", "sign in to do this", self.trace_id)
        receipt = self._walk_in(caller, _json(request), forward(request))
        return json_response(receipt_json(receipt), status=201)

    def _walk_in(self, caller: policy.Caller, data: dict, metadata) -> pb.Receipt:
        """Register a request taken at the desk (the JSON route and the staff pages' form)."""
        office = self.registry.GetOffice(registry_pb2.GetOfficeRequest(office_id=str(data.get("office", ""))))
        policy.require(caller, "ticket.walk_in", self._scope({"office": office.office_id}))
        requester = data.get("requester") or {}
        kind = WALK_IN_KINDS.get(str(data.get("kind", "complaint")))
        if kind is None:
            raise invalid_argument("KIND_UNKNOWN", f"kind is one of {', '.join(WALK_IN_KINDS)}", field="kind")
        return self.tickets.Submit(
            pb.SubmitRequest(
                office_id=office.office_id,
                kind=kind,
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

    @http("POST", "/api/v1/staff/tickets/<string:ticket_id>/requester-erasure")
    @guarded
    def erase_requester(self, request, ticket_id):
        """Erase the personal data of a walk-in requester (no account) from their request; tickets
        checks that the caller's roles at the request's office allow it."""
        caller = self._who(request)
        if not caller.authenticated:
            return problem(401, "AUTHENTICATION_REQUIRED", "sign in to do this", self.trace_id)
        data = _json(request)
        status = self.tickets.EraseRequester(
            pb.EraseRequesterRequest(ticket_id=ticket_id, reason=str(data.get("reason", ""))), metadata=forward(request)
        )
        return json_response(status_json(status))

    @http("POST", "/api/v1/staff/tickets/<string:ticket_id>/transitions")
    @guarded
    def transition(self, request, ticket_id):
        caller = self._who(request)
        if not caller.authenticated:
            return problem(401, "AUTHENTICATION_REQUIRED", "sign in to do this", self.trace_id)
        data = _json(request)
        ticket = self.tickets.Get(pb.GetTicketRequest(ticket_id=ticket_id))
        policy.require(caller, "ticket.transition", self._scope({"office": ticket.office_id}))
        fields = {k: str(data.get(k, "")) for k in TRANSITION_FIELDS}
        # tickets maps the caller's roles at this office to the workflow's actors itself.
        status = self.tickets.Transition(
            pb.TransitionRequest(ticket_id=ticket_id, action=str(data.get("action", "")), **fields),
            metadata=forward(request),
        )
        return json_response(dict(status_json(status), available_actions=list(status.available_actions)))
