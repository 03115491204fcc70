"""HTTP routes of the office's work on requests: walk-in registration and workflow
transitions. The caller is the signed-in staff member (cokit.auth); the policy says whether
their roles reach the ticket's office, and the tickets workflow says which of those roles
may take this transition.
"""
from __future__ import annotations

import json

from nameko.web.handlers import http
from nameko_grpc.errors import GrpcError

from citizenoffice.registry.v1 import registry_pb2
from citizenoffice.tickets.v1 import tickets_pb2 as pb
from cokit.auth import policy
from cokit.errors import error_info, invalid_argument

from .http import guarded, json_response
from .problems import problem
from .translate import receipt_json, status_json

OFFICE_WORKERS = ("staff", "office_manager", "information_officer", "deputy_information_officer", "commune_admin")
policy.register_action("ticket.walk_in", OFFICE_WORKERS)
policy.register_action("ticket.transition", OFFICE_WORKERS)

WALK_IN_KINDS = {
    "complaint": pb.COMPLAINT, "observation": pb.OBSERVATION, "suggestion": pb.SUGGESTION,
    "information_request": pb.INFORMATION_REQUEST, "administrative_request": pb.ADMINISTRATIVE_REQUEST,
    "petition": pb.PETITION,
}
TRANSITION_FIELDS = ("reason", "answer", "outcome", "exception_code", "remedies", "redaction", "message",
                     "committee", "session_date")


def _json(request) -> dict:
    try:
        data = json.loads(request.get_data(cache=False) or b"{}")
    except ValueError:
        raise invalid_argument("BODY_NOT_JSON", "the body is a JSON object") from None
    if not isinstance(data, dict):
        raise invalid_argument("BODY_NOT_JSON", "the body is a JSON object")
    return data


def _roles_at(caller: policy.Caller, scope: policy.Scope) -> list[str]:
    """The caller's roles that reach this office, most specific binding first."""
    order = {policy.OFFICE: 0, policy.COMMUNE: 1, policy.INSTANCE: 2}
    reaching = [b for b in caller.bindings if b.scope.covers(scope) and b.role in OFFICE_WORKERS]
    return [b.role for b in sorted(reaching, key=lambda b: order[b.scope.level])]


class TicketsRoutes:
    @http("POST", "/api/v1/staff/tickets/walk-in")
    @guarded
    def walk_in(self, request):
        """A request taken at the office's desk for someone who may have no account."""
        caller = self._who(request)
        if not caller.authenticated:
            return problem(401, "AUTHENTICATION_REQUIRED", "sign in to do this", self.trace_id)
        data = _json(request)
        office = self.registry.GetOffice(registry_pb2.GetOfficeRequest(office_id=str(data.get("office", ""))))
        policy.require(caller, "ticket.walk_in", self._scope({"office": office.office_id}))
        requester = data.get("requester") or {}
        kind = WALK_IN_KINDS.get(str(data.get("kind", "complaint")))
        if kind is None:
            raise invalid_argument("KIND_UNKNOWN", f"kind is one of {', '.join(WALK_IN_KINDS)}", field="kind")
        receipt = self.tickets.Submit(pb.SubmitRequest(
            office_id=office.office_id, kind=kind, category=str(data.get("category", "")),
            description=str(data.get("description", "")), channel=pb.WALK_IN,
            language=str(data.get("language", "ar")), registered_by=caller.subject,
            urgent=bool(data.get("urgent", False)), urgency_reason=str(data.get("urgency_reason", "")),
            requester=pb.Requester(**{k: str(requester.get(k, "")) for k in
                                      ("name", "address", "id_kind", "id_number", "contact", "preferred_format")}),
        ))
        return json_response(receipt_json(receipt), status=201)

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
        roles = _roles_at(caller, self._scope({"office": ticket.office_id}))
        last = None
        # The workflow names the roles a transition allows; try the caller's, most specific first.
        for role in roles:
            try:
                status = self.tickets.Transition(pb.TransitionRequest(
                    ticket_id=ticket_id, action=str(data.get("action", "")),
                    actor=pb.Actor(id=caller.subject, role=role), **fields))
                return json_response(dict(status_json(status), available_actions=list(status.available_actions)))
            except GrpcError as error:
                info = error_info(error.status)
                if info is None or info.reason != "ACTOR_NOT_ALLOWED":
                    raise
                last = error
        if last is not None:
            raise last
        return problem(403, "NOT_ALLOWED", "your roles do not allow this transition here", self.trace_id)
