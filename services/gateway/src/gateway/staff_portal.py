"""The staff pages of the portal: sign-in, the office's queue, and the ticket page with its
timeline, replies to the citizen, internal notes and the transitions the status allows.
Server-rendered like the citizen pages, usable without JavaScript, in Arabic, French and English.

The session is identity's token pair in cookies that scripts cannot read (HttpOnly), sent over
HTTPS only (Secure; browsers also accept them on http://localhost), never on another site's
requests (SameSite=Strict) and only under /staff. An expired access token is refreshed with
the refresh token on the next page (identity rotates it). Every form carries a per-session
token (random, set at sign-in, kept in its own cookie) that must match the cookie.

The staff member's token goes to the services on gRPC metadata (`caller.forward_token`), as
the JSON staff routes do; the same policy (cokit.auth.policy) decides here first.
"""

from __future__ import annotations

import dataclasses
import functools
import hmac
import secrets
from urllib.parse import quote, urlencode

from nameko.web.handlers import http
from nameko_grpc.errors import GrpcError
from werkzeug.wrappers import Response

import comessages
from citizenoffice.identity.v1 import identity_pb2 as identity_pb
from citizenoffice.registry.v1 import registry_pb2 as registry_pb
from citizenoffice.tickets.v1 import tickets_pb2 as pb
from cokit.auth import policy
from cokit.errors import error_info, permission_denied
from cokit.refusals import Refusal

from . import portal
from .caller import forward_token
from .http import STAFF_ACCESS_COOKIE, guarded, source_address
from .tickets_routes import TRANSITION_FIELDS
from .translate import KIND_KEYS, KIND_LABELS, STATUS_LABELS


@dataclasses.dataclass(frozen=True)
class SessionCookies:
    """Where one kind of portal session lives: its cookies and the pages they are sent to
    (the staff pages under /staff, a citizen's own pages under /me)."""

    access: str
    refresh: str
    csrf: str
    path: str

    @property
    def login(self) -> str:
        return f"{self.path}/login"


STAFF_COOKIES = SessionCookies(STAFF_ACCESS_COOKIE, "co_staff_refresh", "co_staff_csrf", "/staff")
ACCESS_COOKIE, REFRESH_COOKIE, CSRF_COOKIE = STAFF_COOKIES.access, STAFF_COOKIES.refresh, STAFF_COOKIES.csrf
COOKIE_PATH = STAFF_COOKIES.path
SESSION_SECONDS = 12 * 3600  # a working day; identity's refresh token lives longer
SESSION_KEY = "citizenoffice.staff_session"
LONG_FIELDS = ("answer", "reason", "message", "remedies", "redaction")
OUTCOMES = {"answer": ("positive", "negative"), "answer_appeal": ("upheld", "dismissed")}

# The message catalogue's `staff.*`, with the kinds, statuses, workflow steps and roles every
# page names alike.
STAFF_TEXT = {
    lang: {
        **comessages.table("staff", lang),
        "kinds": KIND_LABELS[lang],
        "statuses": STATUS_LABELS[lang],
        "actions": comessages.table("action", lang),
        "roles": comessages.table("role", lang),
    }
    for lang in portal.LANGUAGES
}


@dataclasses.dataclass
class Session:
    caller: policy.Caller
    token: str
    csrf: str
    refreshed: object = None  # identity's new TokenPair when the access token was renewed

    @property
    def metadata(self) -> list[tuple[str, str]]:
        return forward_token(self.token)


def set_session_cookies(response: Response, pair, csrf: str = "", cookies: SessionCookies = STAFF_COOKIES) -> None:
    common = {"path": cookies.path, "secure": True, "httponly": True, "samesite": "Strict"}
    response.set_cookie(cookies.access, pair.access_token, max_age=max(int(pair.expires_in), 1), **common)
    response.set_cookie(cookies.refresh, pair.refresh_token, max_age=SESSION_SECONDS, **common)
    if csrf:
        response.set_cookie(cookies.csrf, csrf, max_age=SESSION_SECONDS, **common)


def clear_session_cookies(response: Response, cookies: SessionCookies = STAFF_COOKIES) -> None:
    for name in (cookies.access, cookies.refresh, cookies.csrf):
        response.delete_cookie(name, path=cookies.path, secure=True, httponly=True, samesite="Strict")


def redirect(location: str) -> Response:
    response = Response(status=303, headers={"Location": location})
    response.headers["Cache-Control"] = "no-store"
    return response


def safe_next(value: str, cookies: SessionCookies = STAFF_COOKIES) -> str:
    """Only a page of this session's area (no //host, no scheme) after signing in."""
    inside = value == cookies.path or value.startswith((f"{cookies.path}/", f"{cookies.path}?"))
    return value if inside and "//" not in value and "\\" not in value else cookies.path


def check_csrf(request, cookies: SessionCookies = STAFF_COOKIES) -> None:
    cookie, field = request.cookies.get(cookies.csrf, ""), request.form.get("csrf", "")
    if not cookie or not hmac.compare_digest(cookie.encode(), field.encode()):
        raise permission_denied("CSRF_TOKEN_INVALID", "the form's session token does not match; reload the page")


def session_page(cookies: SessionCookies):
    """Resolve the session (refreshing an expired access token) before the route, send the
    signed-out to the sign-in page, and keep the pages out of every cache."""

    def decorator(route):
        @functools.wraps(route)
        def wrapper(self, request, *args, **kwargs):
            session = self._staff_session(request, cookies)
            if session is None:
                # A form sent after the session ended leads back to its page, not to the POST address.
                back = request.full_path.rstrip("?") if request.method == "GET" else request.path.rsplit("/", 1)[0]
                response = redirect(f"{cookies.login}?next={quote(back)}")
                clear_session_cookies(response, cookies)
                response.headers["X-Request-Id"] = self.trace_id
                return response
            request.environ[SESSION_KEY] = session
            response = route(self, request, *args, **kwargs)
            if session.refreshed is not None:
                set_session_cookies(response, session.refreshed, cookies=cookies)
            response.headers["Cache-Control"] = "no-store"
            return response

        return wrapper

    return decorator


staff_page = session_page(STAFF_COOKIES)


# Who may open the admin pages (admin_portal); the staff bar links to them for these roles only.
ADMIN_ROLES = ("national_admin", "commune_admin")


def is_admin(caller: policy.Caller) -> bool:
    return any(b.role in ADMIN_ROLES for b in caller.bindings)


def _render(request, template: str, status: int = 200, here: str | None = None, **context) -> Response:
    lang = portal.language(request)
    session = request.environ.get(SESSION_KEY)
    context.setdefault("admin_link", session is not None and is_admin(session.caller))
    response = portal._render(request, template, status, here=here, s=STAFF_TEXT[lang], **context)
    response.headers["Cache-Control"] = "no-store"
    return response


def _kind(value: int) -> str:
    return KIND_KEYS.get(value, "complaint")


def roles_here(caller: policy.Caller, scope: policy.Scope) -> set[str]:
    """The caller's roles whose binding covers this office (tickets maps the same bindings)."""
    return {b.role for b in caller.bindings if b.scope.covers(scope)}


class StaffPortal:
    # --- the session -------------------------------------------------------------------------

    def _staff_session(self, request, cookies: SessionCookies = STAFF_COOKIES) -> Session | None:
        """The signed-in person, or None: no cookie, or a token that neither verifies nor
        refreshes (revoked session, reused refresh token, identity unreachable)."""
        token, refresh = request.cookies.get(cookies.access, ""), request.cookies.get(cookies.refresh, "")
        csrf = request.cookies.get(cookies.csrf, "")
        if token:
            try:
                return Session(self.auth.from_authorization(f"Bearer {token}"), token, csrf)
            except Refusal:
                pass
        if not refresh:
            return None
        try:
            pair = self.identity.Refresh(identity_pb.RefreshRequest(refresh_token=refresh))
            caller = self.auth.from_authorization(f"Bearer {pair.access_token}")
        except (GrpcError, Refusal):
            return None
        return Session(caller, pair.access_token, csrf, refreshed=pair)

    def _my_offices(self, caller: policy.Caller) -> list:
        offices = self.registry.ListOffices(registry_pb.ListOfficesRequest()).offices
        return [
            o
            for o in offices
            if policy.decide(
                caller, "ticket.queue.read", policy.Scope(o.instance_id, o.commune_code, o.office_id)
            ).allowed
        ]

    # --- sign-in and sign-out ----------------------------------------------------------------

    def _login_page(
        self, request, status: int = 200, error: str = "", cookies: SessionCookies = STAFF_COOKIES, **page
    ) -> Response:
        """The sign-in form; `page` may name another title and a note for this area's sign-in."""
        csrf = request.cookies.get(cookies.csrf) or secrets.token_urlsafe(32)
        response = _render(
            request,
            "staff_login.html",
            status,
            here=cookies.login,
            error=error,
            csrf=csrf,
            next=safe_next(request.values.get("next", ""), cookies),
            login=request.form.get("login", ""),
            action=cookies.login,
            **page,
        )
        response.set_cookie(
            cookies.csrf,
            csrf,
            max_age=SESSION_SECONDS,
            path=cookies.path,
            secure=True,
            httponly=True,
            samesite="Strict",
        )
        return response

    def _sign_in(self, request, cookies: SessionCookies = STAFF_COOKIES, **page) -> Response:
        check_csrf(request, cookies)
        try:
            pair = self.identity.Login(
                identity_pb.LoginRequest(
                    login=request.form.get("login", "").strip(),
                    password=request.form.get("password", ""),
                    source=source_address(request),
                )
            )
        except GrpcError as error:
            info = error_info(error.status)
            reason = info.reason if info else ""
            if error.code.name == "UNAUTHENTICATED":
                return self._login_page(request, 401, "bad_login", cookies, **page)
            if error.code.name == "RESOURCE_EXHAUSTED":
                return self._login_page(request, 429, "locked", cookies, **page)
            if reason == "ACCOUNT_NOT_VERIFIED":
                return self._login_page(request, 403, "not_verified", cookies, **page)
            raise
        response = redirect(safe_next(request.form.get("next", ""), cookies))
        set_session_cookies(
            response, pair, csrf=secrets.token_urlsafe(32), cookies=cookies
        )  # a new session, a new form token
        return response

    def _sign_out(self, request, cookies: SessionCookies = STAFF_COOKIES) -> Response:
        check_csrf(request, cookies)
        refresh = request.cookies.get(cookies.refresh, "")
        if refresh:
            try:
                self.identity.Logout(
                    identity_pb.LogoutRequest(refresh_token=refresh),
                    metadata=forward_token(request.cookies.get(cookies.access, "")),
                )
            except GrpcError:
                pass  # an expired or already ended session: signing out still clears the cookies
        response = redirect(cookies.login)
        clear_session_cookies(response, cookies)
        return response

    @http("GET", "/staff/login")
    @portal.html_errors
    @guarded
    def staff_login_form(self, request):
        return self._login_page(request)

    @http("POST", "/staff/login")
    @portal.html_errors
    @guarded
    def staff_login(self, request):
        return self._sign_in(request)

    @http("POST", "/staff/logout")
    @portal.html_errors
    @guarded
    def staff_logout(self, request):
        return self._sign_out(request)

    # --- the queue ---------------------------------------------------------------------------

    @http("GET", "/staff")
    @staff_page
    @portal.html_errors
    @guarded
    def staff_queue(self, request):
        session: Session = request.environ[SESSION_KEY]
        lang = portal.language(request)
        offices = self._my_offices(session.caller)
        names = {o.office_id: portal.office_name(o, lang) for o in offices}
        chosen = request.args.get("office", "")
        office_ids = [chosen] if chosen in names else list(names)
        status, kind = request.args.get("status", ""), request.args.get("kind", "")
        overdue = request.args.get("overdue") == "1"
        mine = request.args.get("mine") == "1"
        items, next_link = [], ""
        if office_ids:
            kinds = [pb.TicketKind.Value(kind.upper())] if kind in STAFF_TEXT["en"]["kinds"] else []
            reply = self.tickets.Search(
                pb.SearchRequest(
                    office_ids=office_ids,
                    statuses=[status] if status in STAFF_TEXT["en"]["statuses"] else [],
                    kinds=kinds,
                    overdue=overdue,
                    assignee_id=session.caller.subject if mine else "",
                    text=request.args.get("q", "")[:200],
                    page_size=25,
                    page_token=request.args.get("page", ""),
                ),
                metadata=session.metadata,
            )
            items = [
                {
                    "id": i.ticket_id,
                    "code": i.tracking_code,
                    "kind": _kind(i.kind),
                    "category": i.category,
                    "status": i.status,
                    "office": names.get(i.office_id, ""),
                    "overdue": i.overdue,
                    "submitted_at": portal.when(i.submitted_at),
                    "due_at": portal.when(i.due_at),
                }
                for i in reply.items
            ]
            if reply.next_page_token:
                args = [(k, v) for k, v in request.args.items(multi=True) if k != "page"]
                next_link = "/staff?" + urlencode(args + [("page", reply.next_page_token)])
        return _render(
            request,
            "staff_queue.html",
            items=items,
            offices=names,
            chosen=chosen,
            status_filter=status,
            kind=kind,
            overdue=overdue,
            mine=mine,
            q=request.args.get("q", ""),
            next_link=next_link,
            csrf=session.csrf,
        )

    # --- one ticket --------------------------------------------------------------------------

    def _ticket_page(self, request, ticket_id: str, status: int = 200, error: dict | None = None) -> Response:
        session: Session = request.environ[SESSION_KEY]
        meta = session.metadata
        ticket = self.tickets.Get(pb.GetTicketRequest(ticket_id=ticket_id), metadata=meta)
        scope = self._scope({"office": ticket.office_id})
        policy.require(session.caller, "ticket.read", scope)
        history = self.tickets.History(pb.GetTicketRequest(ticket_id=ticket_id), metadata=meta).entries
        thread = self.tickets.Thread(pb.ThreadRequest(ticket_id=ticket_id), metadata=meta).messages
        events = [
            {
                "at": e.at,
                "type": "step",
                "action": e.action,
                "status": e.to_status,
                "role": e.actor_role,
                "details": dict(e.details),
            }
            for e in history
        ]
        events += [
            {
                "at": m.at,
                "type": "note" if m.internal else ("citizen" if m.author_role == "citizen" else "reply"),
                "role": m.author_role,
                "body": m.body,
            }
            for m in thread
        ]
        events.sort(key=lambda e: (e["at"].seconds, e["at"].nanos))
        mine = roles_here(session.caller, scope)
        actions = [
            {"action": a.action, "required": list(a.required), "outcomes": OUTCOMES.get(a.action, ())}
            for a in ticket.action_details
            if mine & set(a.roles)
        ]
        office = self.registry.GetOffice(registry_pb.GetOfficeRequest(office_id=ticket.office_id))
        lang = portal.language(request)
        assign = self._assign_context(session, ticket, lang)
        return _render(
            request,
            "staff_ticket.html",
            status,
            here=f"/staff/tickets/{ticket_id}",
            ticket={
                "id": ticket.ticket_id,
                "code": ticket.tracking_code,
                "kind": _kind(ticket.kind),
                "category": ticket.category,
                "status": ticket.status,
                "priority": ticket.priority,
                "department": ticket.department,
                "office": portal.office_name(office, lang),
                "assignee": self._assignee_name(session, ticket.assignee_id, assign["people"]),
                "attachments": ticket.attachment_count,
                "submitted_at": portal.when(ticket.submitted_at, with_time=True),
                "answer_by": portal.when(ticket.answer_by),
            },
            events=[dict(e, at=portal.when(e["at"], with_time=True)) for e in events],
            actions=actions,
            long_fields=LONG_FIELDS,
            csrf=session.csrf,
            error=error,
            done=request.args.get("done", ""),
            form=request.form,
            assign=assign,
        )

    @http("GET", "/staff/tickets/<string:ticket_id>")
    @staff_page
    @portal.html_errors
    @guarded
    def staff_ticket_page(self, request, ticket_id):
        return self._ticket_page(request, ticket_id)

    @http("POST", "/staff/tickets/<string:ticket_id>/messages")
    @staff_page
    @portal.html_errors
    @guarded
    def staff_post_message(self, request, ticket_id):
        check_csrf(request)
        session: Session = request.environ[SESSION_KEY]
        ticket = self.tickets.Get(pb.GetTicketRequest(ticket_id=ticket_id), metadata=session.metadata)
        scope = self._scope({"office": ticket.office_id})
        policy.require(session.caller, "ticket.transition", scope)
        internal = request.form.get("internal") == "1"
        body = request.form.get("body", "").strip()
        if not body:
            return self._ticket_page(
                request, ticket_id, 400, {"form": "note" if internal else "reply", "field": "body"}
            )
        self.tickets.PostMessage(
            pb.MessageRequest(ticket_id=ticket_id, body=body, internal=internal), metadata=session.metadata
        )
        return redirect(f"/staff/tickets/{quote(ticket_id)}?done={'note' if internal else 'reply'}")

    @http("POST", "/staff/tickets/<string:ticket_id>/transitions")
    @staff_page
    @portal.html_errors
    @guarded
    def staff_transition(self, request, ticket_id):
        check_csrf(request)
        session: Session = request.environ[SESSION_KEY]
        ticket = self.tickets.Get(pb.GetTicketRequest(ticket_id=ticket_id), metadata=session.metadata)
        policy.require(session.caller, "ticket.transition", self._scope({"office": ticket.office_id}))
        action = request.form.get("action", "")
        fields = {k: request.form.get(k, "").strip() for k in TRANSITION_FIELDS}
        try:
            # tickets reads the staff member from the token and picks the workflow role itself.
            self.tickets.Transition(
                pb.TransitionRequest(ticket_id=ticket_id, action=action, **fields), metadata=session.metadata
            )
        except GrpcError as error:
            info = error_info(error.status)
            if error.code.name not in ("INVALID_ARGUMENT", "FAILED_PRECONDITION", "PERMISSION_DENIED"):
                raise
            field = info.metadata.get("field", "") if info else ""
            return self._ticket_page(
                request,
                ticket_id,
                400 if error.code.name == "INVALID_ARGUMENT" else 409,
                {"form": action, "field": field, "reason": info.reason if info else ""},
            )
        return redirect(f"/staff/tickets/{quote(ticket_id)}?done={quote(action)}")
