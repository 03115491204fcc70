"""The citizen room: a signed-in citizen's own pages of the portal, under /me: my requests (each
with its public timeline and thread, a reply, a rating once decided), my notifications (the
in-app inbox) and my data (the export as a JSON file, and erasure after a confirmation step).

Every route is a `citizen_page` entrypoint (entrypoints.CitizenPage): the staff pages' session
mechanism (sessions.py) with its own cookies, sent only under /me: identity's token pair in
Secure, HttpOnly, SameSite=Strict cookies and a per-session token on every form; the pages are
for a signed-in person (`signed_in=False` for sign-in and sign-out). The citizen's token goes on
every gRPC call (`Session.metadata`); the services verify it and decide (a request of someone
else's is not found, internal notes are never sent). A new page of a citizen's own goes here,
with @citizen_page; a page for anyone, in public.py.
"""

from __future__ import annotations

import json
from urllib.parse import quote, urlencode

from nameko_grpc.errors import GrpcError
from werkzeug.wrappers import Response

import comessages
from citizenoffice.identity.v1 import identity_pb2 as identity_pb
from citizenoffice.notifications.v1 import notifications_pb2 as notifications_pb
from citizenoffice.tickets.v1 import tickets_pb2 as pb
from cokit.errors import error_info

from .. import dependencies, my_data, portal, sessions
from ..entrypoints import citizen_page
from ..sessions import CITIZEN_COOKIES, check_csrf, clear_session_cookies, redirect
from ..translate import kind_key

MESSAGE_MAX = 5000
PAGE_SIZE = 20
INBOX_SIZE = 50
# Statuses reached by a decision of the office: the requester may then rate the answer.
DECIDED = frozenset(
    {
        "answered",
        "closed",
        "partially_answered",
        "refused",
        "implicitly_refused",
        "accepted",
        "declined",
        "completed",
        "rejected",
        "appeal_answered",
    }
)

ME_TEXT = {lang: comessages.table("me", lang) for lang in portal.LANGUAGES}


def _render(request, template: str, status: int = 200, here: str | None = None, **context) -> Response:
    lang = portal.language(request)
    return sessions.render(request, template, status, here=here, m=ME_TEXT[lang], **context)


def _summary(status) -> dict:
    return {
        "id": status.ticket_id,
        "code": status.tracking_code,
        "kind": kind_key(status.kind),
        "category": status.category,
        "status": status.status,
        "rating": status.rating,
        "submitted_at": portal.when(status.submitted_at),
        "updated_at": portal.when(status.updated_at),
        "answer_by": portal.when(status.answer_by),
    }


def _sign_in_text(request) -> dict:
    text = ME_TEXT[portal.language(request)]
    return {"title": text["login_title"], "note": text["no_account"]}


class CitizenPages:
    identity = dependencies.identity
    tickets = dependencies.tickets
    documents = dependencies.documents
    notifications = dependencies.notifications

    # --- sign-in and sign-out ----------------------------------------------------------------

    @citizen_page("GET", "/me/login", signed_in=False)
    def me_login_form(self, request):
        return sessions.login_page(request, cookies=CITIZEN_COOKIES, **_sign_in_text(request))

    @citizen_page("POST", "/me/login", signed_in=False)
    def me_login(self, request):
        return sessions.sign_in(request, CITIZEN_COOKIES, identity=self.identity, **_sign_in_text(request))

    @citizen_page("POST", "/me/logout", signed_in=False)
    def me_logout(self, request):
        return sessions.sign_out(request, CITIZEN_COOKIES, identity=self.identity)

    # --- my requests -------------------------------------------------------------------------

    @citizen_page("GET", "/me")
    def me_requests(self, request):
        session = sessions.current(request)
        reply = self.tickets.ListMine(
            pb.ListMineRequest(page_size=PAGE_SIZE, page_token=request.args.get("page", "")), metadata=session.metadata
        )
        next_link = "/me?" + urlencode({"page": reply.next_page_token}) if reply.next_page_token else ""
        return _render(
            request,
            "me_requests.html",
            items=[_summary(s) for s in reply.items],
            next_link=next_link,
            csrf=session.csrf,
        )

    def _request_page(self, request, ticket_id: str, status: int = 200, error: str = "") -> Response:
        session = sessions.current(request)
        mine = self.tickets.GetMine(pb.GetTicketRequest(ticket_id=ticket_id), metadata=session.metadata)
        events = [
            {
                "at": e.at,
                "type": "step",
                "action": e.action,
                "status": e.to_status,
                "role": e.actor_role,
                "details": {k: v for k, v in e.details.items() if k in ("answer", "reason", "outcome", "message")},
            }
            for e in mine.timeline
        ]
        events += [
            {"at": m.at, "type": "citizen" if m.author_role == "citizen" else "reply", "body": m.body}
            for m in mine.thread
        ]
        events.sort(key=lambda e: (e["at"].seconds, e["at"].nanos))
        ticket = _summary(mine.status)
        # What the requester may do now (close an answer, reopen, appeal): tickets lists the
        # citizen's actions only; a reason is the one field they may need.
        actions = [{"action": a.action, "reason": "reason" in a.required} for a in mine.status.action_details]
        return _render(
            request,
            "me_request.html",
            status,
            here=f"/me/requests/{ticket_id}",
            ticket=ticket,
            actions=actions,
            events=[dict(e, at=portal.when(e["at"], with_time=True)) for e in events],
            may_rate=ticket["status"] in DECIDED and not ticket["rating"],
            error=error,
            done=request.args.get("done", ""),
            csrf=session.csrf,
            form=request.form,
        )

    @citizen_page("GET", "/me/requests/<string:ticket_id>")
    def me_request(self, request, ticket_id):
        return self._request_page(request, ticket_id)

    @citizen_page("POST", "/me/requests/<string:ticket_id>/messages")
    def me_request_message(self, request, ticket_id):
        check_csrf(request, CITIZEN_COOKIES)
        session = sessions.current(request)
        body = request.form.get("body", "").strip()
        if not body:
            return self._request_page(request, ticket_id, 400, "message_empty")
        try:
            self.tickets.PostMessage(
                pb.MessageRequest(ticket_id=ticket_id, body=body[: MESSAGE_MAX + 1]), metadata=session.metadata
            )
        except GrpcError as error:
            if error.code.name not in ("INVALID_ARGUMENT", "FAILED_PRECONDITION"):
                raise
            return self._request_page(request, ticket_id, 400, "failed")
        return redirect(f"/me/requests/{quote(ticket_id)}?done=message")

    @citizen_page("POST", "/me/requests/<string:ticket_id>/rating")
    def me_request_rating(self, request, ticket_id):
        check_csrf(request, CITIZEN_COOKIES)
        session = sessions.current(request)
        raw = request.form.get("rating", "")
        if raw not in ("1", "2", "3", "4", "5"):
            return self._request_page(request, ticket_id, 400, "failed")
        try:
            self.tickets.Rate(
                pb.RateRequest(
                    ticket_id=ticket_id, rating=int(raw), comment=request.form.get("comment", "").strip()[:1000]
                ),
                metadata=session.metadata,
            )
        except GrpcError as error:
            if error.code.name not in ("INVALID_ARGUMENT", "FAILED_PRECONDITION"):
                raise
            return self._request_page(
                request, ticket_id, 409 if error.code.name == "FAILED_PRECONDITION" else 400, "failed"
            )
        return redirect(f"/me/requests/{quote(ticket_id)}?done=rating")

    @citizen_page("POST", "/me/requests/<string:ticket_id>/transitions")
    def me_request_transition(self, request, ticket_id):
        check_csrf(request, CITIZEN_COOKIES)
        session = sessions.current(request)
        action, reason = request.form.get("action", ""), request.form.get("reason", "").strip()
        try:
            self.tickets.Transition(
                pb.TransitionRequest(ticket_id=ticket_id, action=action, reason=reason[:2000]),
                metadata=session.metadata,
            )
        except GrpcError as error:
            codes = {"INVALID_ARGUMENT": 400, "FAILED_PRECONDITION": 409, "PERMISSION_DENIED": 403}
            if error.code.name not in codes:
                raise
            info = error_info(error.status)
            missing = info is not None and info.metadata.get("field") == "reason"
            return self._request_page(
                request, ticket_id, codes[error.code.name], "reason_required" if missing else "failed"
            )
        return redirect(f"/me/requests/{quote(ticket_id)}?done={quote(action)}")

    # --- my notifications --------------------------------------------------------------------

    @citizen_page("GET", "/me/notifications")
    def me_notifications(self, request):
        session = sessions.current(request)
        inbox = self.notifications.ListInbox(
            notifications_pb.ListInboxRequest(citizen_id=session.caller.subject, page_size=INBOX_SIZE),
            metadata=session.metadata,
        )
        items = [
            {
                "id": i.item_id,
                "subject": i.subject,
                "body": i.body,
                "read": i.read,
                "language": i.language,
                "at": portal.when(i.created_at, with_time=True),
            }
            for i in inbox.items
        ]
        return _render(request, "me_notifications.html", items=items, unread=inbox.unread, csrf=session.csrf)

    @citizen_page("POST", "/me/notifications/<string:item_id>/read")
    def me_notification_read(self, request, item_id):
        check_csrf(request, CITIZEN_COOKIES)
        session = sessions.current(request)
        self.notifications.MarkRead(
            notifications_pb.MarkReadRequest(citizen_id=session.caller.subject, item_id=item_id),
            metadata=session.metadata,
        )
        return redirect("/me/notifications")

    # --- my data (Law 09-08) -----------------------------------------------------------------

    @citizen_page("GET", "/me/data")
    def me_data(self, request):
        session = sessions.current(request)
        return _render(request, "me_data.html", csrf=session.csrf, confirm=False, error="")

    @citizen_page("GET", "/me/data/export.json")
    def me_data_export(self, request):
        session = sessions.current(request)
        data = my_data.gather(
            session.caller,
            session.metadata,
            identity=self.identity,
            tickets=self.tickets,
            documents=self.documents,
            notifications=self.notifications,
        )
        response = Response(json.dumps(data, ensure_ascii=False, indent=1), mimetype="application/json")
        response.headers["Content-Disposition"] = 'attachment; filename="my-data.json"'
        return response

    @citizen_page("GET", "/me/data/erase")
    def me_erase_confirm(self, request):
        session = sessions.current(request)
        return _render(request, "me_data.html", here="/me/data/erase", csrf=session.csrf, confirm=True, error="")

    @citizen_page("POST", "/me/data/erase")
    def me_erase(self, request):
        check_csrf(request, CITIZEN_COOKIES)
        session = sessions.current(request)
        if request.form.get("confirm") != "yes":
            return _render(
                request,
                "me_data.html",
                400,
                here="/me/data/erase",
                csrf=session.csrf,
                confirm=True,
                error="confirm_required",
            )
        self.identity.EraseMe(identity_pb.Empty(), metadata=session.metadata)
        session.refreshed = None  # the session has ended: no renewed cookie either
        response = _render(request, "me_erased.html", here="/")
        clear_session_cookies(response, CITIZEN_COOKIES)
        return response
