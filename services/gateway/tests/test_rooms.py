"""No route escapes its audience's entrypoint, and the entrypoint does the rest.

Every HTTP entrypoint of the service is one of the audience entrypoints, on the addresses of its
audience, and every room uses only the dependencies it names. Then throwaway routes, one per
audience and with no decorator but their entrypoint, run in a real nameko container (its own
WSGI application, driven in this process; the gRPC clients are never called): what they raise
becomes the audience's error (a problem body, the GeoReport error list, an error page), the rate
limits and the size limit apply, the unstorable text is refused, X-Request-Id is the trace id
the route saw, a page's session and gate come first, and the metrics count each answer by route
family.
"""

from __future__ import annotations

import ast
import inspect
import textwrap
from xml.etree import ElementTree

import nameko
import pytest
from nameko.containers import ServiceContainer
from nameko.extensions import DependencyProvider
from nameko.web.handlers import HttpRequestHandler
from werkzeug.test import Client
from werkzeug.wrappers import Response

from cokit import platform
from cokit.auth import policy
from cokit.errors import to_grpc_error
from cokit.metrics import Metrics
from cokit.refusals import invalid_argument, not_found, unauthenticated
from gateway import entrypoints, sessions
from gateway.entrypoints import admin_page, api, citizen_page, public_page, staff_page
from gateway.fallback import Fallback
from gateway.rooms import ROOMS
from gateway.service import GatewayService

# Where each audience's routes live (the fallback is the public pages' route of last resort).
ADDRESSES = {
    entrypoints.Api: ("/api/v1/", "/.well-known/", "/healthz"),
    entrypoints.Open311: ("/open311/v2/",),
    entrypoints.CitizenPage: ("/me",),
    entrypoints.StaffPage: ("/staff",),
    entrypoints.AdminPage: ("/staff/admin",),
}
ELSEWHERE = ("/api", "/open311", "/me", "/staff", "/.well-known", "/healthz")


def http_entrypoints(service_cls) -> list[tuple[str, object]]:
    return [
        (name, entrypoint)
        for name, member in inspect.getmembers(service_cls)
        for entrypoint in getattr(member, "nameko_entrypoints", ())
        if isinstance(entrypoint, HttpRequestHandler)
    ]


# --- no route escapes ---------------------------------------------------------------------------


def test_every_http_route_is_an_audience_entrypoint_on_its_audience_s_addresses():
    found = http_entrypoints(GatewayService)
    assert len(found) > 100
    for name, entrypoint in found:
        assert type(entrypoint) in entrypoints.AUDIENCES or type(entrypoint) is Fallback, name
        if isinstance(entrypoint, Fallback):
            continue
        prefixes = ADDRESSES.get(type(entrypoint))
        if prefixes is None:  # a public page: none of the other audiences' addresses
            assert not entrypoint.url.startswith(ELSEWHERE), (name, entrypoint.url)
        else:
            assert entrypoint.url.startswith(prefixes), (name, entrypoint.url)
        if type(entrypoint) is entrypoints.StaffPage:
            assert not entrypoint.url.startswith("/staff/admin"), (name, entrypoint.url)


def test_every_route_stands_in_a_room():
    rooms = {name for room in ROOMS for name, value in vars(room).items() if callable(value)}
    routes = {name for name, _ in http_entrypoints(GatewayService)}
    assert routes <= rooms
    assert not {name for name, value in vars(GatewayService).items() if hasattr(value, "nameko_entrypoints")}


def test_a_route_has_one_audience():
    with pytest.raises(TypeError, match="one audience"):

        @api("GET", "/api/v1/twice")
        @public_page("GET", "/twice")
        def twice(self, request):
            return Response("")


def _attributes_used(room) -> set[str]:
    tree = ast.parse(textwrap.dedent(inspect.getsource(room)))
    return {
        node.attr
        for node in ast.walk(tree)
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == "self"
    }


@pytest.mark.parametrize("room", ROOMS, ids=lambda room: room.__name__)
def test_a_room_uses_only_what_it_names(room):
    """A room's `self.x` is one of its own methods or a dependency it names, never another
    room's helper nor a dependency it did not declare."""
    own = set(vars(room))
    assert _attributes_used(room) <= own, _attributes_used(room) - own
    for name in {n for n in own if not (n.startswith("__") and n.endswith("__"))}:
        value = vars(room)[name]
        assert callable(value) or isinstance(value, DependencyProvider), (room.__name__, name)


# --- throwaway routes in a real container ------------------------------------------------------

RATE_BURST = 3


def outcome(what: str, trace_id: str) -> Response:
    """What a throwaway route does: raise one of the things routes raise, or answer its trace id."""
    if what == "grpc":
        raise to_grpc_error(not_found("THROWAWAY_NOT_FOUND", "no such throwaway"))
    if what == "refusal":
        raise invalid_argument("THROWAWAY_INVALID", "the throwaway is wrong", field="what")
    if what == "crash":
        raise RuntimeError("a secret detail")
    return Response(trace_id, mimetype="text/plain")


class Callers(DependencyProvider):
    """Stands in for the caller provider: a token "staff" or "admin" names a person with that role."""

    ROLES = {"staff": "staff", "admin": "national_admin"}

    class Authn:
        def from_authorization(self, header: str) -> policy.Caller:
            token = header.removeprefix("Bearer ").strip()
            if token not in Callers.ROLES:
                raise unauthenticated("TOKEN_INVALID", "not a token")
            scope = policy.Scope("ma", "tetouan-commune", "tetouan")
            return policy.Caller(f"u-{token}", "user", "ma", (policy.RoleBinding(Callers.ROLES[token], scope),))

    def get_dependency(self, worker_ctx):
        return self.Authn()


def throwaway_service():
    class WithThrowaways(GatewayService):
        auth = Callers()

        @api("GET", "/api/v1/throwaway/<string:what>")
        def throwaway_api(self, request, what):
            return outcome(what, self.trace_id)

        @api("POST", "/api/v1/throwaway")
        def throwaway_post(self, request):
            return Response(str(len(request.get_data())), mimetype="text/plain")

        @entrypoints.open311("GET", "/open311/v2/throwaway/<string:what>.<string:fmt>")
        def throwaway_open311(self, request, what, fmt):
            return outcome(what, self.trace_id)

        @public_page("GET", "/throwaway/<string:what>")
        def throwaway_public(self, request, what):
            return outcome(what, self.trace_id)

        @public_page("POST", "/throwaway")
        def throwaway_form(self, request):
            return outcome(request.form.get("what", ""), self.trace_id)

        @staff_page("GET", "/staff/throwaway/<string:what>")
        def throwaway_staff(self, request, what):
            return outcome(what, sessions.current(request).caller.subject)

        @admin_page("GET", "/staff/admin/throwaway/<string:what>")
        def throwaway_admin(self, request, what):
            return outcome(what, self.trace_id)

        @citizen_page("GET", "/me/throwaway/<string:what>")
        def throwaway_citizen(self, request, what):
            return outcome(what, self.trace_id)

    return WithThrowaways


@pytest.fixture(scope="module")
def gateway():
    """The service with its throwaway routes in a started container, and a client of its WSGI app."""
    config = {
        "WEB_SERVER_ADDRESS": "127.0.0.1:0",
        "METRICS_PORT": 0,
        "METRICS_HOST": "127.0.0.1",
        "INSTANCE_ID": "ma",
        "MAX_REQUEST_BYTES": 1024,
        "RATE_LIMIT_IP_BURST": RATE_BURST,
        "RATE_LIMIT_IP_PER_MINUTE": 0.1,
        "RATE_LIMIT_CLIENT_BURST": 100,
        "RATE_LIMIT_CLIENT_PER_MINUTE": 0.1,
        # Every service the gateway calls (cokit.platform), none of them there.
        **{f"{name.upper()}_GRPC_TARGET": "127.0.0.1:9" for name in platform.facts("gateway").calls},
    }
    with nameko.config.patch(config):
        container = ServiceContainer(throwaway_service())
        container.start()
        try:
            server = next(e for e in container.entrypoints if isinstance(e, HttpRequestHandler)).server
            yield container, Client(server.get_wsgi_app())
        finally:
            container.kill()


_addresses = iter(range(1, 250))


def fresh_address() -> dict:
    """A source address of its own, so each test starts with full rate-limit buckets."""
    return {"REMOTE_ADDR": f"10.9.0.{next(_addresses)}"}


def get(client, path: str, **kwargs):
    return client.get(path, environ_base=fresh_address(), **kwargs)


def test_the_request_id_is_the_trace_id_the_route_saw(gateway):
    _, client = gateway
    for path in ("/api/v1/throwaway/fine", "/open311/v2/throwaway/fine.json", "/throwaway/fine"):
        response = get(client, path)
        assert response.status_code == 200, path
        assert response.headers["X-Request-Id"] == response.get_data(as_text=True), path


@pytest.mark.parametrize(
    "what, status, reason",
    [("grpc", 404, "THROWAWAY_NOT_FOUND"), ("refusal", 400, "THROWAWAY_INVALID"), ("crash", 500, "INTERNAL")],
)
def test_what_an_api_route_raises_is_a_problem_body(gateway, what, status, reason):
    _, client = gateway
    response = get(client, f"/api/v1/throwaway/{what}")
    assert response.status_code == status
    assert response.mimetype == "application/problem+json"
    body = response.get_json()
    assert body["reason"] == reason and body["status"] == status
    assert body["instance"] == f"urn:request:{response.headers['X-Request-Id']}"
    assert "secret" not in response.get_data(as_text=True)
    if what == "refusal":
        assert body["field"] == "what" and body["detail"] == "the throwaway is wrong"


@pytest.mark.parametrize("what, status", [("grpc", 404), ("refusal", 400), ("crash", 500)])
def test_what_an_open311_route_raises_is_the_specification_s_error(gateway, what, status):
    _, client = gateway
    response = get(client, f"/open311/v2/throwaway/{what}.json")
    assert response.status_code == status and response.mimetype == "application/json"
    [error] = response.get_json()
    assert error["code"] == status and error["description"]
    assert response.headers["X-Request-Id"]
    xml = get(client, f"/open311/v2/throwaway/{what}.xml")
    assert xml.status_code == status and xml.mimetype == "text/xml"
    assert ElementTree.fromstring(xml.get_data()).find("error/code").text == str(status)
    unknown = get(client, f"/open311/v2/throwaway/{what}.csv")
    assert unknown.status_code == 404 and unknown.get_json()[0]["code"] == 404


@pytest.mark.parametrize("what, status", [("grpc", 404), ("refusal", 400), ("crash", 500)])
def test_what_a_page_raises_is_an_error_page_in_the_visitor_s_language(gateway, what, status):
    _, client = gateway
    response = get(client, f"/throwaway/{what}?lang=fr")
    assert response.status_code == status and response.mimetype == "text/html"
    page = response.get_data(as_text=True)
    assert 'lang="fr"' in page and response.headers["X-Request-Id"] in page
    assert "secret" not in page and "Traceback" not in page


def test_the_rate_limit_applies_to_a_new_route_in_each_audience_s_form(gateway):
    container, client = gateway
    metrics = next(d for d in container.dependencies if isinstance(d, Metrics))
    refused_before = metrics.registry.get_sample_value("citizenoffice_gateway_rate_limited_total", {"limit": "ip"}) or 0
    address = fresh_address()
    statuses = [client.get("/api/v1/throwaway/fine", environ_base=address).status_code for _ in range(RATE_BURST)]
    assert statuses == [200] * RATE_BURST
    refused = client.get("/api/v1/throwaway/fine", environ_base=address)
    assert refused.status_code == 429 and refused.mimetype == "application/problem+json"
    assert refused.get_json()["reason"] == "RATE_LIMITED" and int(refused.headers["Retry-After"]) > 0
    assert refused.headers["X-Request-Id"]
    georeport = client.get("/open311/v2/throwaway/fine.json", environ_base=address)
    assert georeport.status_code == 429 and georeport.get_json()[0]["code"] == 429
    assert int(georeport.headers["Retry-After"]) > 0
    form = client.post("/throwaway?lang=fr", data={"what": "fine"}, environ_base=address)  # a page's form
    assert form.status_code == 429 and form.mimetype == "text/html" and 'lang="fr"' in form.get_data(as_text=True)
    assert int(form.headers["Retry-After"]) > 0
    assert client.get("/throwaway/fine", environ_base=address).status_code == 200  # reading a page is not limited
    after = metrics.registry.get_sample_value("citizenoffice_gateway_rate_limited_total", {"limit": "ip"})
    assert after == refused_before + 3


def test_the_size_limit_and_unstorable_text_are_refused_before_the_route(gateway):
    _, client = gateway
    too_large = client.post("/api/v1/throwaway", data=b"x" * 2048, environ_base=fresh_address())
    assert too_large.status_code == 413 and too_large.get_json()["reason"] == "REQUEST_TOO_LARGE"
    assert too_large.headers["X-Request-Id"]
    assert client.post("/api/v1/throwaway", data=b"x" * 10, environ_base=fresh_address()).get_data() == b"10"
    nul = get(client, "/api/v1/throwaway/fine?q=a%00b")
    assert nul.status_code == 400 and nul.get_json()["reason"] == "TEXT_NOT_STORABLE"
    page = get(client, "/throwaway/fine?q=a%00b")
    assert page.status_code == 400 and page.mimetype == "text/html"


def test_a_session_page_sends_the_signed_out_to_sign_in_and_is_never_cached(gateway):
    _, client = gateway
    for path, login in (("/staff/throwaway/fine", "/staff/login"), ("/me/throwaway/fine", "/me/login")):
        response = get(client, path)
        assert response.status_code == 303, path
        assert response.headers["Location"] == f"{login}?next={path}"
        assert response.headers["Cache-Control"] == "no-store" and response.headers["X-Request-Id"]


def test_a_session_page_answers_the_signed_in_and_shows_its_errors_as_pages(gateway):
    _, client = gateway
    client.set_cookie(sessions.STAFF_COOKIES.access, "staff", path="/staff")
    try:
        signed_in = get(client, "/staff/throwaway/fine")
        assert signed_in.status_code == 200 and signed_in.get_data() == b"u-staff"
        assert signed_in.headers["Cache-Control"] == "no-store"
        refused = get(client, "/staff/throwaway/grpc")
        assert refused.status_code == 404 and refused.mimetype == "text/html"
        assert refused.headers["Cache-Control"] == "no-store"
        not_admin = get(client, "/staff/admin/throwaway/fine")
        assert not_admin.status_code == 403 and not_admin.mimetype == "text/html"
    finally:
        client.delete_cookie(sessions.STAFF_COOKIES.access, path="/staff")
    client.set_cookie(sessions.STAFF_COOKIES.access, "admin", path="/staff")
    try:
        assert get(client, "/staff/admin/throwaway/fine").status_code == 200
    finally:
        client.delete_cookie(sessions.STAFF_COOKIES.access, path="/staff")


def test_every_answer_is_counted_by_route_family_and_a_refusal_is_no_error(gateway):
    container, client = gateway
    metrics = next(d for d in container.dependencies if isinstance(d, Metrics))

    def value(name: str, **labels) -> float:
        return metrics.registry.get_sample_value(name, {"service": "gateway", **labels}) or 0

    responses = "citizenoffice_http_responses_total"
    calls = "citizenoffice_entrypoint_calls_total"
    before = {
        "4xx": value(responses, route_family="/api", method="throwaway_api", status_class="4xx"),
        "5xx": value(responses, route_family="/api", method="throwaway_api", status_class="5xx"),
        "ok": value(calls, kind="http", method="throwaway_api", outcome="ok"),
        "error": value(calls, kind="http", method="throwaway_api", outcome="error"),
        "open311": value(responses, route_family="/open311", method="throwaway_open311", status_class="4xx"),
    }
    get(client, "/api/v1/throwaway/grpc")
    get(client, "/api/v1/throwaway/crash")
    get(client, "/open311/v2/throwaway/refusal.json")
    assert value(responses, route_family="/api", method="throwaway_api", status_class="4xx") == before["4xx"] + 1
    assert value(responses, route_family="/api", method="throwaway_api", status_class="5xx") == before["5xx"] + 1
    assert value(calls, kind="http", method="throwaway_api", outcome="ok") == before["ok"] + 1
    assert value(calls, kind="http", method="throwaway_api", outcome="error") == before["error"] + 1
    assert value(responses, route_family="/open311", method="throwaway_open311", status_class="4xx") == (
        before["open311"] + 1
    )


def test_an_unknown_address_still_gets_the_fallback(gateway):
    _, client = gateway
    page = get(client, "/no/such/page?lang=fr")
    assert page.status_code == 404 and page.mimetype == "text/html" and page.headers["X-Request-Id"]
    machine = get(client, "/api/v1/no-such-route")
    assert machine.status_code == 404 and "X-Request-Id" not in machine.headers
    assert get(client, "/api/v1/throwaway").status_code == 405  # a known address, another method
