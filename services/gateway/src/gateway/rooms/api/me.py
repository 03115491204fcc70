"""The REST API of a signed-in person: their own requests (the list, one request with its public
timeline and public thread, a message in that thread, a rating at closure, the transitions the
requester makes: appeal an information-request decision, close or reopen a complaint, resume an
administrative request, ask for a petition's admissibility check), following ("me too") a public
request, and their in-app inbox (the list, newest first, in pages, in the person's language, and
marking an item read).

The caller is the bearer token of a signed-in account. The gateway only checks that there is
one; the token goes on to tickets or notifications, which verify it and answer for that person
only (their own requests, internal notes never shown; no route names whose inbox it reads).
"""

from __future__ import annotations

import re

from citizenoffice.notifications.v1 import notifications_pb2
from citizenoffice.tickets.v1 import tickets_pb2 as pb
from cokit.errors import invalid_argument

from ... import dependencies
from ...caller import forward
from ...entrypoints import api
from ...translate import iso, status_json
from .common import json_object, json_response, signed_in_person

MESSAGE_MAX = 5000
INBOX_LANGUAGES = ("ar", "fr", "en", "zgh")


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


def inbox_item_json(item) -> dict:
    return {
        "item_id": item.item_id,
        "kind": item.kind,
        "language": item.language,
        "subject": item.subject,
        "body": item.body,
        "read": item.read,
        "created_at": iso(item.created_at),
    }


def _text(data: dict, name: str, required: bool = True) -> str:
    value = data.get(name, "")
    if not isinstance(value, str):
        raise invalid_argument("FIELD_INVALID", f"{name} is a string", field=name)
    if required and not value.strip():
        raise invalid_argument("FIELD_REQUIRED", f"{name} is required", field=name)
    return value


class MeApi:
    identity = dependencies.identity
    tickets = dependencies.tickets
    notifications = dependencies.notifications
    auth = dependencies.auth

    def _citizen(self, request) -> None:
        """Refused unless the request carries a signed-in person's token."""
        signed_in_person(self.auth.resolve(request, self.identity), request)

    @api("GET", "/api/v1/me/tickets")
    def my_tickets(self, request):
        self._citizen(request)
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

    @api("GET", "/api/v1/me/tickets/<string:ticket_id>")
    def my_ticket(self, request, ticket_id):
        self._citizen(request)
        mine = self.tickets.GetMine(pb.GetTicketRequest(ticket_id=ticket_id), metadata=forward(request))
        return json_response(
            {
                "ticket": ticket_json(mine.status),
                "timeline": [timeline_json(e) for e in mine.timeline],
                "thread": [message_json(m) for m in mine.thread],
            }
        )

    @api("POST", "/api/v1/me/tickets/<string:ticket_id>/messages")
    def my_ticket_message(self, request, ticket_id):
        self._citizen(request)
        data = json_object(request)
        body = _text(data, "body")
        attachments = data.get("attachment_ids") or []
        if not isinstance(attachments, list) or not all(isinstance(a, str) for a in attachments):
            raise invalid_argument("FIELD_INVALID", "attachment_ids is a list of ids", field="attachment_ids")
        message = self.tickets.PostMessage(
            pb.MessageRequest(ticket_id=ticket_id, body=body[: MESSAGE_MAX + 1], attachment_ids=attachments[:10]),
            metadata=forward(request),
        )
        return json_response(message_json(message), status=201)

    @api("POST", "/api/v1/me/tickets/<string:ticket_id>/rating")
    def my_ticket_rating(self, request, ticket_id):
        self._citizen(request)
        data = json_object(request)
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
        self._citizen(request)
        data = json_object(request)
        fields = {"reason": _text(data, "reason")[:2000]} if needs_reason else {}
        status = self.tickets.Transition(
            pb.TransitionRequest(ticket_id=ticket_id, action=action, **fields), metadata=forward(request)
        )
        return json_response(ticket_json(status))

    @api("POST", "/api/v1/me/tickets/<string:ticket_id>/appeal")
    def my_ticket_appeal(self, request, ticket_id):
        return self._my_transition(request, ticket_id, "appeal", needs_reason=True)

    @api("POST", "/api/v1/me/tickets/<string:ticket_id>/close")
    def my_ticket_close(self, request, ticket_id):
        """Confirm the answer: the requester closes an answered complaint or a finished administrative request."""
        return self._my_transition(request, ticket_id, "close")

    @api("POST", "/api/v1/me/tickets/<string:ticket_id>/reopen")
    def my_ticket_reopen(self, request, ticket_id):
        """A closed complaint reopened by its requester, within the window after closure, with a reason."""
        return self._my_transition(request, ticket_id, "reopen", needs_reason=True)

    @api("POST", "/api/v1/me/tickets/<string:ticket_id>/resume")
    def my_ticket_resume(self, request, ticket_id):
        """The requester gave what the office asked for: the administrative request goes on."""
        return self._my_transition(request, ticket_id, "resume")

    @api("POST", "/api/v1/me/tickets/<string:ticket_id>/admissibility-check")
    def my_ticket_admissibility_check(self, request, ticket_id):
        """The petition's agent asks the council bureau to check it once it has its signatures."""
        return self._my_transition(request, ticket_id, "request_check")

    @api("POST", "/api/v1/tickets/<string:ticket_id>/follow")
    def follow_ticket(self, request, ticket_id):
        self._citizen(request)
        me_too = json_object(request).get("me_too", False)
        if not isinstance(me_too, bool):
            raise invalid_argument("FIELD_INVALID", "me_too is true or false", field="me_too")
        reply = self.tickets.Follow(pb.FollowRequest(ticket_id=ticket_id, me_too=me_too), metadata=forward(request))
        return json_response({"followers": reply.followers, "me_too": reply.me_too})

    # --- my notifications (the in-app inbox) ---------------------------------------------------

    @api("GET", "/api/v1/me/notifications")
    def my_notifications(self, request):
        self._citizen(request)
        raw = request.args.get("page_size", "")
        if raw and (not re.fullmatch(r"[0-9]{1,3}", raw) or not 1 <= int(raw) <= 100):
            raise invalid_argument("PAGE_SIZE_INVALID", "page_size is 1 to 100", field="page_size")
        language = request.args.get("lang", "")
        if language and language not in INBOX_LANGUAGES:
            raise invalid_argument("LANGUAGE_UNSUPPORTED", "lang is ar, fr, en or zgh", field="lang")
        reply = self.notifications.ListInbox(
            notifications_pb2.ListInboxRequest(
                page_size=int(raw or 20), page_token=request.args.get("page_token", ""), language=language
            ),
            metadata=forward(request),
        )
        return json_response(
            {
                "items": [inbox_item_json(i) for i in reply.items],
                "unread": reply.unread,
                "next_page_token": reply.next_page_token or None,
            }
        )

    @api("POST", "/api/v1/me/notifications/<string:item_id>/read")
    def my_notification_read(self, request, item_id):
        self._citizen(request)
        reply = self.notifications.MarkRead(
            notifications_pb2.MarkReadRequest(item_id=item_id), metadata=forward(request)
        )
        return json_response({"item_id": item_id, "read": True, "changed": reply.changed})
