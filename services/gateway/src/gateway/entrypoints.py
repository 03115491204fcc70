"""The gateway's HTTP entrypoints, one per audience, and what each applies to every route it serves.

A route is a method of a room (gateway/rooms) registered with its audience's entrypoint, and with
nothing else:

    @api("GET", "/api/v1/offices")                  the REST API: errors as problem bodies (RFC 9457)
    @open311("GET", "/open311/v2/x.<string:fmt>")   Open311 GeoReport v2: the specification's errors
    @public_page("GET", "/track")                   pages for anyone: errors as a page in their language
    @citizen_page("GET", "/me")                     a signed-in citizen's pages: their session first
    @staff_page("GET", "/staff")                    the staff pages: the staff session first
    @admin_page("GET", "/staff/admin")              the admin pages: the staff session, admins only

`signed_in=False` names a session area's own sign-in and sign-out routes.

Every request gets a request id: the trace id the services see and log, and X-Request-Id on the
answer. Then, inside the worker and in this order: the audience's first step (Open311's format;
a page's session, or the sign-in page for nobody), the request-size limit, the rate limits
(limits.py), the refusal of text no service can store (inputs.py), the audience's gate (admins
only, citizens only), the route. Whatever the route raises (a service's GrpcError, a Refusal, a
body over the size limit) becomes a problem body with the machine-readable reason, anything
else a 500 whose stack trace only the log sees; the audience shows it in its own form. The
worker always answers a response, so cokit.metrics counts a refusal as a 4xx answered by its
route (citizenoffice_http_responses by route family), not as an error.

How: nameko calls the service's method itself, so the entrypoint's decorator registers the route
behind a method that hands the request to the entrypoint that received it (`serve`). The route
cannot be reached any other way, and tests/test_rooms.py checks that every HTTP entrypoint of the
service is one of these and that a throwaway route gets all of the above.
"""

from __future__ import annotations

import functools
import json
import logging
import types
from urllib.parse import quote

from eventlet.event import Event
from nameko.extensions import ENTRYPOINT_EXTENSIONS_ATTR, register_entrypoint
from nameko.web.handlers import HttpRequestHandler
from nameko_grpc.errors import GrpcError
from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.wrappers import Response

from cokit.errors import permission_denied, to_grpc_error
from cokit.logs import TRACE_KEY, new_trace_id
from cokit.refusals import Refusal

from . import open311 as georeport, portal, sessions
from .inputs import refuse_unstorable_text
from .limits import check_rate_limits, max_request_bytes
from .problems import from_grpc_error, problem

log = logging.getLogger("gateway.service")

ENTRYPOINT_KEY = "citizenoffice.entrypoint"
REQUEST_ID_KEY = "citizenoffice.request_id"
REQUEST_ID_HEADER = "X-Request-Id"
PROBLEM = "application/problem+json"


def problem_for(error: Exception, request_id: str) -> Response:
    """What a route raised, as a problem body: a service's status or a refusal with its reason, a
    body beyond the size limit; anything else is a 500 whose stack trace goes to the log only."""
    if isinstance(error, GrpcError):
        return from_grpc_error(error, request_id)
    if isinstance(error, Refusal):
        return from_grpc_error(to_grpc_error(error), request_id)
    if isinstance(error, RequestEntityTooLarge):
        limit = max_request_bytes() // (1024 * 1024)
        return problem(413, "REQUEST_TOO_LARGE", f"requests are limited to {limit} MB", request_id)
    log.error("unhandled error in gateway", exc_info=error)
    return problem(500, "INTERNAL", "something went wrong on our side; please try again", request_id)


def request_id(request) -> str:
    return request.environ.get(REQUEST_ID_KEY, "")


class Edge(HttpRequestHandler):
    """What every audience applies; a subclass says how its audience sees an error (`present`)
    and may add a first step (`before`), a gate (`admit`) and a last touch (`finish`)."""

    @classmethod
    def decorator(cls, *args, **kwargs):
        def register(route, args, kwargs):
            if hasattr(route, ENTRYPOINT_EXTENSIONS_ATTR):
                raise TypeError(f"{route.__qualname__}: a route has one audience, hence one entrypoint")

            @functools.wraps(route)
            def through_its_entrypoint(service, request, **path_values):
                return request.environ[ENTRYPOINT_KEY].serve(service, route, request, path_values)

            register_entrypoint(through_its_entrypoint, cls(*args, **kwargs))
            return through_its_entrypoint

        if len(args) == 1 and isinstance(args[0], types.FunctionType):
            return register(args[0], (), {})
        return functools.partial(register, args=args, kwargs=kwargs)

    def handle_request(self, request):
        request.shallow = False
        trace = new_trace_id()
        request.environ[ENTRYPOINT_KEY] = self
        request.environ[REQUEST_ID_KEY] = trace
        try:
            args, kwargs = self.get_entrypoint_parameters(request)
            event = Event()
            self.container.spawn_worker(
                self,
                args,
                kwargs,
                context_data={TRACE_KEY: trace},
                handle_result=functools.partial(self.handle_result, event),
            )
            response = self.response_from_result(event.wait())
        except Exception as error:  # no worker could take it (the service is stopping)
            response = self.finish(request, self.present(request, problem_for(error, trace)))
        response.headers[REQUEST_ID_HEADER] = trace
        return response

    def serve(self, service, route, request, path_values: dict) -> Response:
        """Inside the worker: the route behind the edge's checks, and whatever it raised as this
        audience's answer."""
        try:
            response = self.before(service, request) or self.refuse_at_the_edge(service, request, path_values)
            if response is None:
                self.admit(request)
                response = route(service, request, **path_values)
        except Exception as error:
            response = problem_for(error, request_id(request))
        return self.finish(request, self.present(request, response))

    def refuse_at_the_edge(self, service, request, path_values: dict) -> Response | None:
        """The size limit and the rate limits (a 413 or 429), then text no service can store (a 400)."""
        limit = max_request_bytes()
        request.max_content_length = limit
        if request.content_length and request.content_length > limit:
            raise RequestEntityTooLarge()
        refused = check_rate_limits(service, request)
        if refused is None:
            refuse_unstorable_text(request, path_values)
        return refused

    def before(self, service, request) -> Response | None:
        """An answer given before the limits are even counted, or None to go on."""
        return None

    def admit(self, request) -> None:
        """Raise a Refusal when this audience's route is not for this caller."""

    def present(self, request, response: Response) -> Response:
        """A problem response as this audience shows it."""
        return response

    def finish(self, request, response: Response) -> Response:
        return response


class Api(Edge):
    """The REST API under /api/v1 (and /.well-known, /healthz): problem bodies as they are."""


class Open311(Edge):
    """Open311 GeoReport v2 under /open311/v2: the format is the URL's extension, and errors are
    the specification's ([{"code", "description"}] or <errors>)."""

    def before(self, service, request):
        if request.path_values.get("fmt", "") not in georeport.FORMATS:
            return georeport.errors("json", 404, "the format is .json or .xml")
        return None

    def present(self, request, response):
        if response.mimetype != PROBLEM:
            return response
        body = json.loads(response.get_data())
        converted = georeport.errors(
            request.path_values.get("fmt", ""), response.status_code, body.get("detail") or body.get("title", "")
        )
        if "Retry-After" in response.headers:
            converted.headers["Retry-After"] = response.headers["Retry-After"]
        return converted


class Page(Edge):
    """Server-rendered pages: an error is a page in the visitor's language (portal.error_page),
    with the same status and the request id shown."""

    def present(self, request, response):
        if response.mimetype != PROBLEM:
            return response
        page = portal.error_page(request, response.status_code, request_id(request))
        if "Retry-After" in response.headers:
            page.headers["Retry-After"] = response.headers["Retry-After"]
        return page


class PublicPage(Page):
    """The portal's pages for anyone: the form, tracking, the offices in figures."""


class SessionPage(Page):
    """Pages of a signed-in area (sessions.py): the session is resolved first (an expired access
    token refreshed), the signed-out are sent to the sign-in page, renewed cookies go on every
    answer, error pages included, and nothing is cached."""

    cookies: sessions.SessionCookies

    def __init__(self, method, url, signed_in: bool = True, **kwargs):
        super().__init__(method, url, **kwargs)
        self.signed_in = signed_in

    def before(self, service, request):
        if not self.signed_in:
            return None
        session = sessions.resolve(request, self.cookies, auth=service.auth, identity=service.identity)
        if session is None:
            # A form sent after the session ended leads back to its page, not to the POST address.
            back = request.full_path.rstrip("?") if request.method == "GET" else request.path.rsplit("/", 1)[0]
            response = sessions.redirect(f"{self.cookies.login}?next={quote(back)}")
            sessions.clear_session_cookies(response, self.cookies)
            return response
        request.environ[sessions.SESSION_KEY] = session
        return None

    def finish(self, request, response):
        session = request.environ.get(sessions.SESSION_KEY)
        if session is not None and session.refreshed is not None:
            sessions.set_session_cookies(response, session.refreshed, cookies=self.cookies)
        response.headers["Cache-Control"] = "no-store"
        return response


class CitizenPage(SessionPage):
    """A signed-in citizen's own pages under /me: their requests, notifications and data."""

    cookies = sessions.CITIZEN_COOKIES

    def admit(self, request):
        # An API key never reaches these pages; a staff member reads their own.
        if self.signed_in and sessions.current(request).caller.kind != "user":
            raise permission_denied("CITIZENS_ONLY", "these pages are for a signed-in person")


class StaffPage(SessionPage):
    """The staff pages under /staff: the office's queue, a request's page, the desk."""

    cookies = sessions.STAFF_COOKIES


class AdminPage(StaffPage):
    """The admin pages under /staff/admin, in the staff session, for national and commune admins."""

    def admit(self, request):
        if not sessions.is_admin(sessions.current(request).caller):
            raise permission_denied("ADMIN_ONLY", "the admin pages are for national and commune admins")


AUDIENCES = (Api, Open311, PublicPage, CitizenPage, StaffPage, AdminPage)

api = Api.decorator
open311 = Open311.decorator
public_page = PublicPage.decorator
citizen_page = CitizenPage.decorator
staff_page = StaffPage.decorator
admin_page = AdminPage.decorator
