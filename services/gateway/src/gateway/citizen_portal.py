"""A signed-in citizen's own pages of the portal, under /me: my requests (each with its public
timeline and thread, a reply, a rating once decided), my notifications (the in-app inbox) and
my data (the export as a JSON file, and erasure after a confirmation step).

The session is the staff pages' mechanism (staff_portal.session_page) with its own cookies,
sent only under /me: identity's token pair in Secure, HttpOnly, SameSite=Strict cookies and a
per-session token on every form. The citizen's token goes on every gRPC call
(`caller.forward_token`); the services verify it and decide (a request of someone else's is
not found, internal notes are never sent).
"""
from __future__ import annotations

import json
from urllib.parse import quote, urlencode

from nameko.web.handlers import http
from nameko_grpc.errors import GrpcError
from werkzeug.wrappers import Response

from citizenoffice.identity.v1 import identity_pb2 as identity_pb
from citizenoffice.notifications.v1 import notifications_pb2 as notifications_pb
from citizenoffice.tickets.v1 import tickets_pb2 as pb
from cokit.errors import error_info, permission_denied

from . import portal, staff_portal
from .http import guarded
from .staff_portal import SESSION_KEY, Session, SessionCookies, check_csrf, clear_session_cookies, redirect
from .translate import KIND_KEYS

CITIZEN_COOKIES = SessionCookies("co_me_access", "co_me_refresh", "co_me_csrf", "/me")
me_page = staff_portal.session_page(CITIZEN_COOKIES)
MESSAGE_MAX = 5000
PAGE_SIZE = 20
INBOX_SIZE = 50
# Statuses reached by a decision of the office: the requester may then rate the answer.
DECIDED = frozenset({"answered", "closed", "partially_answered", "refused", "implicitly_refused", "accepted",
                     "declined", "completed", "rejected", "appeal_answered"})

ME_TEXT = {
    "ar": {
        "no_account": "ليس لديكم حساب؟ تتبعوا طلبكم برمز التتبع",
        "actions_title": "ما يمكنكم القيام به", "reason_required": "اذكروا السبب", "done_action": "تم تسجيل ذلك",
        "login_title": "الدخول لتتبع طلباتكم", "requests": "طلباتي", "notifications": "إشعاراتي", "data": "بياناتي",
        "no_requests": "لا توجد لديكم طلبات بعد", "next_page": "الصفحة الموالية", "timeline": "مسار الطلب",
        "thread": "الرسائل", "you": "أنتم", "the_office": "المكتب", "reply_title": "مراسلة المكتب",
        "reply_label": "رسالتكم إلى المكتب", "send": "إرسال", "rate_title": "قيموا رد المكتب",
        "rating": "التقييم من 1 (ضعيف) إلى 5 (ممتاز)", "comment": "تعليق (اختياري)", "rate": "إرسال التقييم",
        "rated": "تقييمكم", "done_message": "تم إرسال رسالتكم", "done_rating": "شكرا على تقييمكم",
        "failed": "تعذر تنفيذ الطلب", "message_empty": "اكتبوا رسالتكم", "unread": "غير مقروء",
        "mark_read": "تعليم كمقروء", "no_notifications": "لا توجد إشعارات", "unread_count": "إشعارات غير مقروءة",
        "export_title": "تحميل بياناتي", "export_text": "كل ما تحتفظ به المنصة عنكم، في ملف JSON.",
        "export": "تحميل البيانات (JSON)", "erase_title": "حذف حسابي وبياناتي",
        "erase_text": "تحذف معلومات الاتصال بكم ويغلق الحساب؛ تبقى طلباتكم في الإحصاءات دون ما يدل عليكم. لا يمكن التراجع عن ذلك.",
        "erase": "متابعة الحذف", "confirm_title": "تأكيد الحذف", "confirm_check": "أفهم أن حذف حسابي نهائي",
        "confirm": "حذف نهائي", "cancel": "إلغاء", "confirm_required": "ضعوا علامة في الخانة للتأكيد",
        "erased_title": "تم حذف حسابكم", "erased_text": "يجري حذف بياناتكم الشخصية من جميع خدمات المنصة.",
        "open": "فتح",
    },
    "fr": {
        "no_account": "Pas de compte ? Suivez votre demande avec son code de suivi",
        "actions_title": "Ce que vous pouvez faire", "reason_required": "Indiquez le motif", "done_action": "C'est enregistré",
        "login_title": "Connexion pour suivre vos demandes", "requests": "Mes demandes", "notifications": "Mes notifications",
        "data": "Mes données", "no_requests": "Vous n'avez pas encore de demande", "next_page": "Page suivante",
        "timeline": "Historique", "thread": "Messages", "you": "Vous", "the_office": "Le bureau",
        "reply_title": "Écrire au bureau", "reply_label": "Votre message au bureau", "send": "Envoyer",
        "rate_title": "Évaluez la réponse du bureau", "rating": "Note de 1 (mauvaise) à 5 (excellente)",
        "comment": "Commentaire (facultatif)", "rate": "Envoyer la note", "rated": "Votre note",
        "done_message": "Message envoyé", "done_rating": "Merci pour votre note", "failed": "L'action n'a pas abouti",
        "message_empty": "Écrivez votre message", "unread": "non lu", "mark_read": "Marquer comme lu",
        "no_notifications": "Aucune notification", "unread_count": "notifications non lues",
        "export_title": "Télécharger mes données", "export_text": "Tout ce que la plateforme garde sur vous, dans un fichier JSON.",
        "export": "Télécharger les données (JSON)", "erase_title": "Effacer mon compte et mes données",
        "erase_text": "Vos coordonnées sont effacées et le compte fermé ; vos demandes restent dans les statistiques, sans rien qui vous désigne. C'est irréversible.",
        "erase": "Continuer vers l'effacement", "confirm_title": "Confirmer l'effacement",
        "confirm_check": "Je comprends que l'effacement de mon compte est définitif", "confirm": "Effacer définitivement",
        "cancel": "Annuler", "confirm_required": "Cochez la case pour confirmer",
        "erased_title": "Votre compte a été effacé", "erased_text": "Vos données personnelles sont en cours d'effacement dans tous les services de la plateforme.",
        "open": "Ouvrir",
    },
    "en": {
        "no_account": "No account? Track your request with its tracking code",
        "actions_title": "What you can do", "reason_required": "Give the reason", "done_action": "Done",
        "login_title": "Sign in to follow your requests", "requests": "My requests", "notifications": "My notifications",
        "data": "My data", "no_requests": "You have no request yet", "next_page": "Next page", "timeline": "Timeline",
        "thread": "Messages", "you": "You", "the_office": "The office", "reply_title": "Write to the office",
        "reply_label": "Your message to the office", "send": "Send", "rate_title": "Rate the office's answer",
        "rating": "Rating from 1 (poor) to 5 (excellent)", "comment": "Comment (optional)", "rate": "Send the rating",
        "rated": "Your rating", "done_message": "Message sent", "done_rating": "Thank you for your rating",
        "failed": "The action did not go through", "message_empty": "Write your message", "unread": "unread",
        "mark_read": "Mark as read", "no_notifications": "No notification", "unread_count": "unread notifications",
        "export_title": "Download my data", "export_text": "Everything the platform holds about you, in a JSON file.",
        "export": "Download the data (JSON)", "erase_title": "Erase my account and my data",
        "erase_text": "Your contact details are erased and the account closed; your requests stay in the statistics with nothing that points to you. This cannot be undone.",
        "erase": "Continue to erasure", "confirm_title": "Confirm the erasure",
        "confirm_check": "I understand that erasing my account is final", "confirm": "Erase for good", "cancel": "Cancel",
        "confirm_required": "Tick the box to confirm", "erased_title": "Your account has been erased",
        "erased_text": "Your personal data is being erased from every service of the platform.", "open": "Open",
    },
}


def _render(request, template: str, status: int = 200, here: str | None = None, **context) -> Response:
    lang = portal.language(request)
    return staff_portal._render(request, template, status, here=here, m=ME_TEXT[lang], **context)


def _session(request) -> Session:
    return request.environ[SESSION_KEY]


def _citizen(request) -> Session:
    """The signed-in person (an API key never reaches these pages; a staff member reads their own)."""
    session = _session(request)
    if session.caller.kind != "user":
        raise permission_denied("CITIZENS_ONLY", "these pages are for a signed-in person")
    return session


def _summary(status) -> dict:
    return {"id": status.ticket_id, "code": status.tracking_code, "kind": KIND_KEYS.get(status.kind, "complaint"),
            "category": status.category, "status": status.status, "rating": status.rating,
            "submitted_at": portal.when(status.submitted_at), "updated_at": portal.when(status.updated_at),
            "answer_by": portal.when(status.answer_by)}


class CitizenPortal:
    # --- sign-in and sign-out ----------------------------------------------------------------

    def _me_sign_in_text(self, request) -> dict:
        text = ME_TEXT[portal.language(request)]
        return {"title": text["login_title"], "note": text["no_account"]}

    @http("GET", "/me/login")
    @portal.html_errors
    @guarded
    def me_login_form(self, request):
        return self._login_page(request, cookies=CITIZEN_COOKIES, **self._me_sign_in_text(request))

    @http("POST", "/me/login")
    @portal.html_errors
    @guarded
    def me_login(self, request):
        return self._sign_in(request, CITIZEN_COOKIES, **self._me_sign_in_text(request))

    @http("POST", "/me/logout")
    @portal.html_errors
    @guarded
    def me_logout(self, request):
        return self._sign_out(request, CITIZEN_COOKIES)

    # --- my requests -------------------------------------------------------------------------

    @http("GET", "/me")
    @me_page
    @portal.html_errors
    @guarded
    def me_requests(self, request):
        session = _citizen(request)
        reply = self.tickets.ListMine(pb.ListMineRequest(page_size=PAGE_SIZE, page_token=request.args.get("page", "")),
                                      metadata=session.metadata)
        next_link = "/me?" + urlencode({"page": reply.next_page_token}) if reply.next_page_token else ""
        return _render(request, "me_requests.html", items=[_summary(s) for s in reply.items], next_link=next_link,
                       csrf=session.csrf)

    def _request_page(self, request, ticket_id: str, status: int = 200, error: str = "") -> Response:
        session = _citizen(request)
        mine = self.tickets.GetMine(pb.GetTicketRequest(ticket_id=ticket_id), metadata=session.metadata)
        events = [{"at": e.at, "type": "step", "action": e.action, "status": e.to_status, "role": e.actor_role,
                   "details": {k: v for k, v in e.details.items() if k in ("answer", "reason", "outcome", "message")}}
                  for e in mine.timeline]
        events += [{"at": m.at, "type": "citizen" if m.author_role == "citizen" else "reply", "body": m.body}
                   for m in mine.thread]
        events.sort(key=lambda e: (e["at"].seconds, e["at"].nanos))
        ticket = _summary(mine.status)
        # What the requester may do now (close an answer, reopen, appeal): tickets lists the
        # citizen's actions only; a reason is the one field they may need.
        actions = [{"action": a.action, "reason": "reason" in a.required} for a in mine.status.action_details]
        return _render(
            request, "me_request.html", status, here=f"/me/requests/{ticket_id}", ticket=ticket, actions=actions,
            events=[dict(e, at=portal.when(e["at"], with_time=True)) for e in events],
            may_rate=ticket["status"] in DECIDED and not ticket["rating"], error=error,
            done=request.args.get("done", ""), csrf=session.csrf, form=request.form,
        )

    @http("GET", "/me/requests/<string:ticket_id>")
    @me_page
    @portal.html_errors
    @guarded
    def me_request(self, request, ticket_id):
        return self._request_page(request, ticket_id)

    @http("POST", "/me/requests/<string:ticket_id>/messages")
    @me_page
    @portal.html_errors
    @guarded
    def me_request_message(self, request, ticket_id):
        check_csrf(request, CITIZEN_COOKIES)
        session = _citizen(request)
        body = request.form.get("body", "").strip()
        if not body:
            return self._request_page(request, ticket_id, 400, "message_empty")
        try:
            self.tickets.PostMessage(pb.MessageRequest(ticket_id=ticket_id, body=body[:MESSAGE_MAX + 1]),
                                     metadata=session.metadata)
        except GrpcError as error:
            if error.code.name not in ("INVALID_ARGUMENT", "FAILED_PRECONDITION"):
                raise
            return self._request_page(request, ticket_id, 400, "failed")
        return redirect(f"/me/requests/{quote(ticket_id)}?done=message")

    @http("POST", "/me/requests/<string:ticket_id>/rating")
    @me_page
    @portal.html_errors
    @guarded
    def me_request_rating(self, request, ticket_id):
        check_csrf(request, CITIZEN_COOKIES)
        session = _citizen(request)
        raw = request.form.get("rating", "")
        if raw not in ("1", "2", "3", "4", "5"):
            return self._request_page(request, ticket_id, 400, "failed")
        try:
            self.tickets.Rate(pb.RateRequest(ticket_id=ticket_id, rating=int(raw),
                                             comment=request.form.get("comment", "").strip()[:1000]),
                              metadata=session.metadata)
        except GrpcError as error:
            if error.code.name not in ("INVALID_ARGUMENT", "FAILED_PRECONDITION"):
                raise
            return self._request_page(request, ticket_id, 409 if error.code.name == "FAILED_PRECONDITION" else 400, "failed")
        return redirect(f"/me/requests/{quote(ticket_id)}?done=rating")

    @http("POST", "/me/requests/<string:ticket_id>/transitions")
    @me_page
    @portal.html_errors
    @guarded
    def me_request_transition(self, request, ticket_id):
        check_csrf(request, CITIZEN_COOKIES)
        session = _citizen(request)
        action, reason = request.form.get("action", ""), request.form.get("reason", "").strip()
        try:
            self.tickets.Transition(pb.TransitionRequest(ticket_id=ticket_id, action=action, reason=reason[:2000]),
                                    metadata=session.metadata)
        except GrpcError as error:
            codes = {"INVALID_ARGUMENT": 400, "FAILED_PRECONDITION": 409, "PERMISSION_DENIED": 403}
            if error.code.name not in codes:
                raise
            info = error_info(error.status)
            missing = info is not None and info.metadata.get("field") == "reason"
            return self._request_page(request, ticket_id, codes[error.code.name], "reason_required" if missing else "failed")
        return redirect(f"/me/requests/{quote(ticket_id)}?done={quote(action)}")

    # --- my notifications --------------------------------------------------------------------

    @http("GET", "/me/notifications")
    @me_page
    @portal.html_errors
    @guarded
    def me_notifications(self, request):
        session = _citizen(request)
        inbox = self.notifications.ListInbox(
            notifications_pb.ListInboxRequest(citizen_id=session.caller.subject, page_size=INBOX_SIZE),
            metadata=session.metadata)
        items = [{"id": i.item_id, "subject": i.subject, "body": i.body, "read": i.read, "language": i.language,
                  "at": portal.when(i.created_at, with_time=True)} for i in inbox.items]
        return _render(request, "me_notifications.html", items=items, unread=inbox.unread, csrf=session.csrf)

    @http("POST", "/me/notifications/<string:item_id>/read")
    @me_page
    @portal.html_errors
    @guarded
    def me_notification_read(self, request, item_id):
        check_csrf(request, CITIZEN_COOKIES)
        session = _citizen(request)
        self.notifications.MarkRead(notifications_pb.MarkReadRequest(citizen_id=session.caller.subject, item_id=item_id),
                                    metadata=session.metadata)
        return redirect("/me/notifications")

    # --- my data (Law 09-08) -----------------------------------------------------------------

    @http("GET", "/me/data")
    @me_page
    @portal.html_errors
    @guarded
    def me_data(self, request):
        session = _citizen(request)
        return _render(request, "me_data.html", csrf=session.csrf, confirm=False, error="")

    @http("GET", "/me/data/export.json")
    @me_page
    @portal.html_errors
    @guarded
    def me_data_export(self, request):
        session = _citizen(request)
        data = self._my_data(session.caller, session.metadata)
        response = Response(json.dumps(data, ensure_ascii=False, indent=1), mimetype="application/json")
        response.headers["Content-Disposition"] = 'attachment; filename="my-data.json"'
        return response

    @http("GET", "/me/data/erase")
    @me_page
    @portal.html_errors
    @guarded
    def me_erase_confirm(self, request):
        session = _citizen(request)
        return _render(request, "me_data.html", here="/me/data/erase", csrf=session.csrf, confirm=True, error="")

    @http("POST", "/me/data/erase")
    @me_page
    @portal.html_errors
    @guarded
    def me_erase(self, request):
        check_csrf(request, CITIZEN_COOKIES)
        session = _citizen(request)
        if request.form.get("confirm") != "yes":
            return _render(request, "me_data.html", 400, here="/me/data/erase", csrf=session.csrf, confirm=True,
                           error="confirm_required")
        self.identity.EraseMe(identity_pb.Empty(), metadata=session.metadata)
        session.refreshed = None      # the session has ended: no renewed cookie either
        response = _render(request, "me_erased.html", here="/")
        clear_session_cookies(response, CITIZEN_COOKIES)
        return response

