"""What the REST API's routes share: JSON responses, and the callers a route may ask for."""

from __future__ import annotations

import json

from werkzeug.wrappers import Response

from cokit.auth import policy
from cokit.errors import invalid_argument, permission_denied
from cokit.refusals import unauthenticated

from ...caller import forward


def json_response(body, status: int = 200) -> Response:
    return Response(json.dumps(body, ensure_ascii=False), status=status, mimetype="application/json")


def json_object(request) -> dict:
    """The body, a JSON object (the routes of requests, staff and citizen alike)."""
    try:
        data = json.loads(request.get_data(cache=False) or b"{}")
    except ValueError:
        raise invalid_argument("BODY_NOT_JSON", "the body is a JSON object") from None
    if not isinstance(data, dict):
        raise invalid_argument("BODY_NOT_JSON", "the body is a JSON object")
    return data


def signed_in(caller: policy.Caller) -> policy.Caller:
    """The caller, if anyone signed in (a token or an API key); a 401 otherwise."""
    if not caller.authenticated:
        raise unauthenticated("AUTHENTICATION_REQUIRED", "sign in to do this")
    return caller


def signed_in_person(caller: policy.Caller, request) -> policy.Caller:
    """The caller, if a person signed in with a bearer token (not an API key); tickets and
    notifications read the token passed on and answer for that person only."""
    signed_in(caller)
    if caller.kind != "user" or not forward(request):
        raise permission_denied("CITIZENS_ONLY", "these routes are for a signed-in person")
    return caller
