"""The OpenAPI document against the gateway's own routes: it validates as OpenAPI 3.1, every
operation it describes is routed, and every error it describes is a problem body."""

from __future__ import annotations

import inspect
import re

from openapi_spec_validator import validate

from gateway.openapi import document
from gateway.service import GatewayService


def routes() -> set[tuple[str, str]]:
    found = set()
    for _, member in inspect.getmembers(GatewayService):
        for entrypoint in getattr(member, "nameko_entrypoints", ()):
            if hasattr(entrypoint, "url"):
                # werkzeug's <string:name> is OpenAPI's {name}
                found.add((entrypoint.method.lower(), re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", entrypoint.url)))
    return found


def test_document_is_valid_openapi_3_1():
    doc = document()
    assert doc["openapi"] == "3.1.0"
    validate(doc)


def test_every_described_operation_is_routed():
    described = {(method, path) for path, ops in document()["paths"].items() for method in ops}
    assert described - routes() == set()


def test_every_error_is_a_problem_body_and_open311_errors_are_the_specification_s():
    doc = document()
    shared = doc["components"]["responses"]
    for path, ops in doc["paths"].items():
        for method, op in ops.items():
            assert op["operationId"]
            for status, response in op["responses"].items():
                if int(status) >= 400:
                    target = shared[response["$ref"].rsplit("/", 1)[1]] if "$ref" in response else response
                    expected = (
                        ["application/json", "text/xml"]
                        if path.startswith("/open311/")
                        else ["application/problem+json"]
                    )
                    assert list(target["content"]) == expected, (method, path, status)


def test_document_is_a_copy():
    doc = document()
    doc["paths"].clear()
    assert document()["paths"]
