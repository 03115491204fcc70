"""The REST API of the office's work on requests: one request as staff read it, walk-in
registration, workflow transitions and the erasure of a walk-in requester's personal data.

The caller is the signed-in staff member (cokit.auth); the policy says whether their roles reach
the ticket's office. The bearer token goes on to tickets, which verifies it again and lets its
workflow say which of the caller's roles may take this transition.
"""

from __future__ import annotations

from citizenoffice.tickets.v1 import tickets_pb2 as pb
from cokit.auth import policy

from ... import dependencies
from ...caller import forward
from ...entrypoints import api
from ...office_work import register_walk_in, transition_fields
from ...scopes import scope_of
from ...translate import receipt_json, status_json
from .common import json_object, json_response, signed_in


class StaffApi:
    identity = dependencies.identity
    registry = dependencies.registry
    tickets = dependencies.tickets
    auth = dependencies.auth

    def _staff_member(self, request) -> policy.Caller:
        return signed_in(self.auth.resolve(request, self.identity))

    @api("GET", "/api/v1/staff/tickets/<string:ticket_id>")
    def staff_ticket(self, request, ticket_id):
        caller = self._staff_member(request)
        ticket = self.tickets.Get(pb.GetTicketRequest(ticket_id=ticket_id))
        policy.require(caller, "ticket.read", scope_of(self.registry, {"office": ticket.office_id}))
        return json_response(status_json(ticket))

    @api("POST", "/api/v1/staff/tickets/walk-in")
    def walk_in(self, request):
        """A request taken at the office's desk for someone who may have no account."""
        caller = self._staff_member(request)
        receipt = register_walk_in(
            caller, json_object(request), forward(request), registry=self.registry, tickets=self.tickets
        )
        return json_response(receipt_json(receipt), status=201)

    @api("POST", "/api/v1/staff/tickets/<string:ticket_id>/requester-erasure")
    def erase_requester(self, request, ticket_id):
        """Erase the personal data of a walk-in requester (no account) from their request; tickets
        checks that the caller's roles at the request's office allow it."""
        self._staff_member(request)
        data = json_object(request)
        status = self.tickets.EraseRequester(
            pb.EraseRequesterRequest(ticket_id=ticket_id, reason=str(data.get("reason", ""))), metadata=forward(request)
        )
        return json_response(status_json(status))

    @api("POST", "/api/v1/staff/tickets/<string:ticket_id>/transitions")
    def transition(self, request, ticket_id):
        caller = self._staff_member(request)
        data = json_object(request)
        ticket = self.tickets.Get(pb.GetTicketRequest(ticket_id=ticket_id))
        policy.require(caller, "ticket.transition", scope_of(self.registry, {"office": ticket.office_id}))
        fields = {k: str(data.get(k, "")) for k in transition_fields()}
        # tickets maps the caller's roles at this office to the workflow's actors itself.
        status = self.tickets.Transition(
            pb.TransitionRequest(ticket_id=ticket_id, action=str(data.get("action", "")), **fields),
            metadata=forward(request),
        )
        return json_response(dict(status_json(status), available_actions=list(status.available_actions)))
