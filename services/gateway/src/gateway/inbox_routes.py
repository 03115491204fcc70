"""HTTP routes of a signed-in person's in-app inbox: the list (newest first, in pages, in the
person's language) and marking an item read.

The bearer token goes on to notifications, which verifies it and answers for its caller only:
no route names whose inbox it reads. Every error is a problem body (RFC 9457).
"""

from __future__ import annotations

import re

from nameko.web.handlers import http

from citizenoffice.notifications.v1 import notifications_pb2 as pb
from cokit.errors import invalid_argument

from .caller import forward
from .http import guarded, json_response
from .translate import iso

INBOX_LANGUAGES = ("ar", "fr", "en", "zgh")


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


class InboxRoutes:
    @http("GET", "/api/v1/me/notifications")
    @guarded
    def my_notifications(self, request):
        refused = self._citizen(request)
        if refused:
            return refused
        raw = request.args.get("page_size", "")
        if raw and (not re.fullmatch(r"[0-9]{1,3}", raw) or not 1 <= int(raw) <= 100):
            raise invalid_argument("PAGE_SIZE_INVALID", "page_size is 1 to 100", field="page_size")
        language = request.args.get("lang", "")
        if language and language not in INBOX_LANGUAGES:
            raise invalid_argument("LANGUAGE_UNSUPPORTED", "lang is ar, fr, en or zgh", field="lang")
        reply = self.notifications.ListInbox(
            pb.ListInboxRequest(
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

    @http("POST", "/api/v1/me/notifications/<string:item_id>/read")
    @guarded
    def my_notification_read(self, request, item_id):
        refused = self._citizen(request)
        if refused:
            return refused
        reply = self.notifications.MarkRead(pb.MarkReadRequest(item_id=item_id), metadata=forward(request))
        return json_response({"item_id": item_id, "read": True, "changed": reply.changed})
