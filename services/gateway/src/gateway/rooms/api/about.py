"""What the REST API says about itself: its OpenAPI 3.1 document, and the liveness answer that
probes and the local runner wait for."""

from __future__ import annotations

from werkzeug.wrappers import Response

from ... import openapi
from ...entrypoints import api
from .common import json_response


class AboutApi:
    @api("GET", "/api/v1/openapi.json")
    def openapi_document(self, request):
        return json_response(openapi.document())

    @api("GET", "/healthz")
    def healthz(self, request):
        return Response("ok\n", mimetype="text/plain")
