"""The session of the signed-in pages (staff and admin under /staff, a citizen's own under /me)
and how those pages are drawn.

The session is identity's token pair in cookies that scripts cannot read (HttpOnly), sent over
HTTPS only (Secure; browsers also accept them on http://localhost), never on another site's
requests (SameSite=Strict) and only under the area's path. An expired access token is refreshed
with the refresh token on the next page (identity rotates it). Every form carries a per-session
token (random, set at sign-in, kept in its own cookie) that must match the cookie.

The session page entrypoints (entrypoints.py) resolve the session before the route, keep it in
the request (`current`), put renewed cookies on whatever the route answered and keep every page
out of caches. The person's token goes to the services on gRPC metadata (`Session.metadata`).
"""

from __future__ import annotations

import dataclasses
import hmac
import secrets

from nameko_grpc.errors import GrpcError
from werkzeug.wrappers import Response

import comessages
from citizenoffice.identity.v1 import identity_pb2 as identity_pb
from cokit.auth import policy
from cokit.errors import error_info, permission_denied
from cokit.refusals import Refusal

from . import portal
from .caller import forward_token
from .limits import STAFF_ACCESS_COOKIE, source_address
from .translate import KIND_LABELS, STATUS_LABELS


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
CITIZEN_COOKIES = SessionCookies("co_me_access", "co_me_refresh", "co_me_csrf", "/me")
CSRF_COOKIE = STAFF_COOKIES.csrf
SESSION_SECONDS = 12 * 3600  # a working day; identity's refresh token lives longer
SESSION_KEY = "citizenoffice.staff_session"

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

# Who may open the admin pages; the staff bar links to them for these roles only.
ADMIN_ROLES = ("national_admin", "commune_admin")


@dataclasses.dataclass
class Session:
    caller: policy.Caller
    token: str
    csrf: str
    refreshed: object = None  # identity's new TokenPair when the access token was renewed

    @property
    def metadata(self) -> list[tuple[str, str]]:
        return forward_token(self.token)


def current(request) -> Session:
    """The session the page's entrypoint resolved for this request."""
    return request.environ[SESSION_KEY]


def is_admin(caller: policy.Caller) -> bool:
    return any(b.role in ADMIN_ROLES for b in caller.bindings)


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


def resolve(request, cookies: SessionCookies, *, auth, identity) -> Session | None:
    """The signed-in person, or None: no cookie, or a token that neither verifies nor
    refreshes (revoked session, reused refresh token, identity unreachable)."""
    token, refresh = request.cookies.get(cookies.access, ""), request.cookies.get(cookies.refresh, "")
    csrf = request.cookies.get(cookies.csrf, "")
    if token:
        try:
            return Session(auth.from_authorization(f"Bearer {token}"), token, csrf)
        except Refusal:
            pass
    if not refresh:
        return None
    try:
        pair = identity.Refresh(identity_pb.RefreshRequest(refresh_token=refresh))
        caller = auth.from_authorization(f"Bearer {pair.access_token}")
    except (GrpcError, Refusal):
        return None
    return Session(caller, pair.access_token, csrf, refreshed=pair)


def render(request, template: str, status: int = 200, here: str | None = None, **context) -> Response:
    """A page of the signed-in areas: the citizen pages' frame with the staff texts (`s`), the
    link to the admin pages for admins, never cached."""
    lang = portal.language(request)
    session = request.environ.get(SESSION_KEY)
    context.setdefault("admin_link", session is not None and is_admin(session.caller))
    response = portal._render(request, template, status, here=here, s=STAFF_TEXT[lang], **context)
    response.headers["Cache-Control"] = "no-store"
    return response


# --- sign-in and sign-out ------------------------------------------------------------------------


def login_page(request, status: int = 200, error: str = "", cookies: SessionCookies = STAFF_COOKIES, **page):
    """The sign-in form; `page` may name another title and a note for this area's sign-in."""
    csrf = request.cookies.get(cookies.csrf) or secrets.token_urlsafe(32)
    response = render(
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


def sign_in(request, cookies: SessionCookies = STAFF_COOKIES, *, identity, **page) -> Response:
    check_csrf(request, cookies)
    try:
        pair = identity.Login(
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
            return login_page(request, 401, "bad_login", cookies, **page)
        if error.code.name == "RESOURCE_EXHAUSTED":
            return login_page(request, 429, "locked", cookies, **page)
        if reason == "ACCOUNT_NOT_VERIFIED":
            return login_page(request, 403, "not_verified", cookies, **page)
        raise
    response = redirect(safe_next(request.form.get("next", ""), cookies))
    set_session_cookies(
        response, pair, csrf=secrets.token_urlsafe(32), cookies=cookies
    )  # a new session, a new form token
    return response


def sign_out(request, cookies: SessionCookies = STAFF_COOKIES, *, identity) -> Response:
    check_csrf(request, cookies)
    refresh = request.cookies.get(cookies.refresh, "")
    if refresh:
        try:
            identity.Logout(
                identity_pb.LogoutRequest(refresh_token=refresh),
                metadata=forward_token(request.cookies.get(cookies.access, "")),
            )
        except GrpcError:
            pass  # an expired or already ended session: signing out still clears the cookies
    response = redirect(cookies.login)
    clear_session_cookies(response, cookies)
    return response
