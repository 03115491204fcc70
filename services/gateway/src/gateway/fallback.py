"""The route of last resort: an address no other route takes.

Werkzeug's router would answer such an address with its own English page; the portal answers
in the visitor's language instead (a small page, like every citizen page). A known address
asked with another method still gets 405 with its Allow header, and the machine interfaces
(/api, /open311, /.well-known) keep the router's plain 404, so a client can tell a missing
route from a resource the API does not have (a problem body). The page itself is a public page
(entrypoints.PublicPage): request id, limits and the error page as on any other.
"""

from __future__ import annotations

from werkzeug.exceptions import MethodNotAllowed, NotFound
from werkzeug.routing import Map

from cokit.metrics import http_answered

from .entrypoints import PublicPage

METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")
MACHINE_PREFIXES = ("/api/", "/open311/", "/.well-known/")


class Fallback(PublicPage):
    """Any path, any method; the router tries it last (a path converter ranks below every
    static part)."""

    def __init__(self, **kwargs):
        super().__init__(",".join(METHODS), "/<path:path>", **kwargs)
        self._others = None

    def _other_routes(self) -> Map:
        if self._others is None:
            self._others = Map([p.get_url_rule() for p in self.server._providers if p is not self])
        return self._others

    def handle_request(self, request):
        allowed = self._other_routes().bind_to_environ(request.environ).allowed_methods()
        if allowed:
            return self._answered(MethodNotAllowed(valid_methods=allowed).get_response(request.environ))
        if request.path.startswith(MACHINE_PREFIXES):
            return self._answered(NotFound().get_response(request.environ))
        return super().handle_request(request)

    def _answered(self, response):
        # No worker runs for these, so the metrics provider would not see them: a client probing
        # missing API addresses must still show in the 4xx count.
        http_answered(self, response.status_code)
        return response


fallback = Fallback.decorator
