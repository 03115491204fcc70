"""The REST API's OpenAPI 3.1 document: it validates, it describes routes that exist, and a
bounded property-based run (schemathesis) against the running gateway finds no 5xx.
"""

from __future__ import annotations

import json
import os
import pathlib
import subprocess
import sys

import pytest
import requests
from openapi_spec_validator import validate
from openapi_spec_validator.validation.exceptions import OpenAPIValidationError

ROOT = pathlib.Path(__file__).resolve().parents[1]
SCHEMATHESIS = pathlib.Path(sys.executable).with_name("schemathesis")
# 50 examples per operation keeps `make test` short; raise it for a deeper local run.
MAX_EXAMPLES = int(os.environ.get("CITIZENOFFICE_FUZZ_EXAMPLES", "50"))


@pytest.fixture(scope="module")
def document(platform) -> dict:
    response = requests.get(f"{platform.base_url}/api/v1/openapi.json", timeout=10)
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("application/json")
    assert response.headers["X-Request-Id"]
    return response.json()


def test_the_document_is_valid_openapi_3_1(document):
    assert document["openapi"].startswith("3.1")
    validate(document)


def test_the_validator_rejects_a_broken_document(document):
    broken = json.loads(json.dumps(document))
    del broken["paths"]["/api/v1/offices"]["get"]["responses"]["200"]["description"]
    with pytest.raises(OpenAPIValidationError):
        validate(broken)


def test_every_error_response_is_a_problem_body(document):
    """Open311 GeoReport errors keep that specification's own shape (JSON list or XML)."""
    responses = document["components"]["responses"]
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            for status, response in operation["responses"].items():
                if int(status) < 400:
                    continue
                target = responses[response["$ref"].rsplit("/", 1)[1]] if "$ref" in response else response
                expected = "application/json" if path.startswith("/open311/") else "application/problem+json"
                assert expected in target["content"], (method, path, status)


def test_every_described_route_answers(platform, document):
    """No operation is described that the gateway does not route (404 from the router, not a
    problem body, would mean the route is missing)."""
    for path, operations in document["paths"].items():
        url = platform.base_url + path.replace("{code}", "AAAA-AAAA-A").replace("{upload_id}", "x").replace(
            "{office}", "tetouan"
        ).replace("{fmt}", "json").replace("{document_id}", "x").replace("{service_code}", "roads").replace(
            "{service_request_id}", "x"
        ).replace("{token}", "x")
        for method in operations:
            response = requests.request(method.upper(), url, timeout=30, allow_redirects=False)
            assert response.status_code != 405, (method, path)
            if response.status_code == 404 and path.startswith("/open311/"):
                assert response.json()[0]["code"] == 404, (method, path)
            elif response.status_code == 404:
                assert response.headers["Content-Type"].startswith("application/problem+json"), (method, path)


def test_a_bounded_property_run_finds_no_server_error(platform, document):
    report = ROOT / ".local" / "schemathesis"  # also its cache of past failures, replayed first
    report.mkdir(parents=True, exist_ok=True)
    result = subprocess.run(
        [
            str(SCHEMATHESIS),
            "run",
            f"{platform.base_url}/api/v1/openapi.json",
            "--checks",
            "not_a_server_error",
            "--max-examples",
            str(MAX_EXAMPLES),
            "--phases",
            "examples,coverage,fuzzing",
            "--request-timeout",
            "30",
            "--seed",
            "7309",
            "--no-shrink",
            "--workers",
            "1",
            "--report",
            "junit",
            "--report-dir",
            str(report),
        ],
        cwd=report,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-2000:]
