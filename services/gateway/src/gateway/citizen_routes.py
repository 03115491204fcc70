"""HTTP routes of a signed-in citizen's own requests: the list, one request with its public
timeline and public thread, a message in that thread, a rating at closure, the transitions the
requester makes (appeal an information-request decision, close or reopen a complaint, resume an
administrative request, ask for a petition's admissibility check), and following ("me too") a
public request.

The caller is the bearer token of a signed-in account. The gateway only checks that there is
one; the token goes on to tickets, which verifies it and decides (its own requests only,
internal notes never shown). Every error is a problem body (RFC 9457).
"""

from __future__ import annotations

import re

from nameko.web.handlers import http

from citizenoffice.tickets.v1 import tickets_pb2 as pb
from cokit.errors import invalid_argument

from .caller import forward
from .http import guarded, json_response
from .problems import problem
from .tickets_routes import _json
from .translate import iso, status_json

MESSAGE_MAX = 5000


def ticket_json(status) -> dict:
    return dict(
        status_json(status),
        available_actions=list(status.available_actions),
        followers=status.followers,
        me_too=status.me_too,
        rating=status.rating or None,
        public=status.public,
        extended=status.extended,
    )


def timeline_json(entry) -> dict:
    return {
        "action": entry.action,
        "from_status": entry.from_status,
        "to_status": entry.to_status,
        "by": entry.actor_role,
        "at": iso(entry.at),
    }


def message_json(message) -> dict:
    return {
        "message_id": message.message_id,
        "by": message.author_role,
        "body": message.body,
        "at": iso(message.at),
        "attachment_ids": list(message.attachment_ids),
    }


def _text(data: dict, name: str, required: bool = True) -> str:
    value = data.get(name, "")
    if not isinstance(value, str):
        raise invalid_argument("FIELD_INVALID", f"{name} is a string", field=name)
    if required and not value.strip():
        raise invalid_argument("FIELD_REQUIRED", f"{name} is required", field=name)
    return value


class CitizenRoutes:
    def _citizen(self, request):
        """A problem response unless the request carries a signed-in person's token."""
        caller = self._who(request)
        if not caller.authenticated:
            return problem(401, "AUTHENTICATION_REQUIRED", "sign in to do this", self.trace_id)
        if caller.kind != "user" or not forward(request):
            return problem(403, "CITIZENS_ONLY", "these routes are for a signed-in person", self.trace_id)
        return None

    @http("GET", "/api/v1/me/tickets")
    @guarded
    def my_tickets(self, request):
        refused = self._citizen(request)
        if refused:
            return refused
        raw = request.args.get("page_size", "")
        if raw and not re.fullmatch(r"[0-9]{1,3}", raw):
            raise invalid_argument("PAGE_SIZE_INVALID", "page_size is 1 to 100", field="page_size")
        reply = self.tickets.ListMine(
            pb.ListMineRequest(page_size=min(int(raw or 20), 100), page_token=request.args.get("page_token", "")),
            metadata=forward(request),
        )
        return json_response(
            {"items": [ticket_json(s) for s in reply.items], "next_page_token": reply.next_page_token or None}
        )

    @http("GET", "/api/v1/me/tickets/<string:ticket_id>")
    @guarded
    def my_ticket(self, request, ticket_id):
        refused = self._citizen(request)
        if refused:
            return refused
        mine = self.tickets.GetMine(pb.GetTicketRequest(ticket_id=ticket_id), metadata=forward(request))
        return json_response(
            {
                "ticket": ticket_json(mine.status),
                "timeline": [timeline_json(e) for e in mine.timeline],
                "thread": [message_json(m) for m in mine.thread],
            }
        )

    @http("POST", "/api/v1/me/tickets/<string:ticket_id>/messages")
    @guarded
    def my_ticket_message(self, request, ticket_id):
        refused = self._citizen(request)
        if refused:
            return refused
        data = _json(request)
        body = _text(data, "body")
        attachments = data.get("attachment_ids") or []
        if not isinstance(attachments, list) or not all(isinstance(a, str) for a in attachments):
            raise invalid_argument("FIELD_INVALID", "attachment_ids is a list of ids", field="attachment_ids")
        message = self.tickets.PostMessage(
            pb.MessageRequest(ticket_id=ticket_id, body=body[: MESSAGE_MAX + 1], attachment_ids=attachments[:10]),
            metadata=forward(request),
        )
        return json_response(message_json(message), status=201)

    @http("POST", "/api/v1/me/tickets/<string:ticket_id>/rating")
    @guarded
    def my_ticket_rating(self, request, ticket_id):
        refused = self._citizen(request)
        if refused:
            return refused
        data = _json(request)
        rating = data.get("rating")
        if type(rating) is not int or not 1 <= rating <= 5:
            raise invalid_argument("RATING_OUT_OF_RANGE", "rating is a whole number from 1 to 5", field="rating")
        status = self.tickets.Rate(
            pb.RateRequest(ticket_id=ticket_id, rating=rating, comment=_text(data, "comment", required=False)[:1000]),
            metadata=forward(request),
        )
        return json_response(ticket_json(status))

    def _my_transition(self, request, ticket_id: str, action: str, needs_reason: bool = False):
        """A transition the requester makes on their own request; tickets checks that the request
        is theirs, that its type's workflow lets a citizen do it and that its guards hold."""
        refused = self._citizen(request)
        if refused:
            return refused
        data = _json(request)
        fields = {"reason": _text(data, "reason")[:2000]} if needs_reason else {}
        status = self.tickets.Transition(
            pb.TransitionRequest(ticket_id=ticket_id, action=action, **fields), metadata=forward(request)
        )
        return json_response(ticket_json(status))

    @http("POST", "/api/v1/me/tickets/<string:ticket_id>/appeal")
    @guarded
    def my_ticket_appeal(self, request, ticket_id):
        return self._my_transition(request, ticket_id, "appeal", needs_reason=True)

    @http("POST", "/api/v1/me/tickets/<string:ticket_id>/close")
    @guarded
    def my_ticket_close(self, request, ticket_id):
        """Confirm the answer: the requester closes an answered complaint or a finished administrative request."""
        return self._my_transition(request, ticket_id, "close")

    @http("POST", "/api/v1/me/tickets/<string:ticket_id>/reopen")
    @guarded
    def my_ticket_reopen(self, request, ticket_id):
        """A closed complaint reopened by its requester, within the window after closure, with a reason."""
        return self._my_transition(request, ticket_id, "reopen", needs_reason=True)

    @http("POST", "/api/v1/me/tickets/<string:ticket_id>/resume")
    @guarded
    def my_ticket_resume(self, request, ticket_id):
        """The requester gave what the office asked for: the administrative request goes on."""
        return self._my_transition(request, ticket_id, "resume")

    @http("POST", "/api/v1/me/tickets/<string:ticket_id>/admissibility-check")
    @guarded
    def my_ticket_admissibility_check(self, request, ticket_id):
        """The petition's agent asks the council bureau to check it once it has its signatures."""
        return self._my_transition(request, ticket_id, "request_check")

    @http("POST", "/api/v1/tickets/<string:ticket_id>/follow")
    @guarded
    def follow_ticket(self, request, ticket_id):
        refused = self._citizen(request)
        if refused:
            return refused
        me_too = _json(request).get("me_too", False)
        if not isinstance(me_too, bool):
            raise invalid_argument("FIELD_INVALID", "me_too is true or false", field="me_too")
        reply = self.tickets.Follow(pb.FollowRequest(ticket_id=ticket_id, me_too=me_too), metadata=forward(request))
        return json_response({"followers": reply.followers, "me_too": reply.me_too})
