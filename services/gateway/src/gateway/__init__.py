"""The gateway: HTTP for citizens, staff, admins, apps and Open311 clients, over the gRPC services.
It owns no data.

Its routes stand in rooms, one per audience (gateway/rooms), each registered with its audience's
entrypoint (entrypoints.py):

| room | who | where | entrypoint |
|---|---|---|---|
| rooms/api/ | apps, partner systems, scripts | /api/v1, /.well-known, /healthz | @api |
| rooms/open311.py | Open311 GeoReport v2 clients | /open311/v2 | @entrypoints.open311 |
| rooms/public.py | anyone: file, track, the offices in figures | /, /submit, /track, /offices | @public_page |
| rooms/citizen.py | a signed-in citizen's own pages | /me | @citizen_page |
| rooms/staff.py | the office's staff: queue, requests, desk | /staff | @staff_page |
| rooms/admin.py | national and commune admins | /staff/admin | @admin_page |

A new route goes in the room of its audience, with that audience's entrypoint and nothing else:
the entrypoint gives it the request id (X-Request-Id, the trace id the services see), the
request-size limit, the rate limits, the refusal of text no service can store, a page's session
and gate, and the mapping of whatever it raises to the audience's error (a problem body, the
GeoReport error list, or an error page); tests/test_rooms.py fails for a route that escapes.

A room names the dependencies it uses (dependencies.py) and uses nothing else of the service;
what rooms share is in modules named for it: submissions.py (filing a request), office_work.py
(walk-in and transitions), my_data.py (the data-subject export), scopes.py (where a caller acts),
caller.py (who calls), sessions.py (the signed-in pages' session and frame), portal.py (the
citizen pages' frame and the error page), translate.py (messages to JSON and back), openapi.py and
open311.py (the documents the API and GeoReport serve).
"""
