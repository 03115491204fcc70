"""The gateway's rate limits on a gateway process of their own (small limits, 127.0.0.1 as the
trusted proxy) in front of the session's real services: past the per-address burst the API,
Open311 and the portal's forms answer 429 with Retry-After, each in its own error format; a
forged X-Forwarded-For from a peer that is not a trusted proxy does not buy a new bucket; each
API key has its own bucket; refusals are counted in the gateway's metrics."""

from __future__ import annotations

import http.client
import json
import os
import pathlib
import re
import uuid

import pytest
import requests
import stack as stack_module  # deploy/local, put on the path by conftest.py

from .test_identity_helpers import national_admin, post

ROOT = pathlib.Path(__file__).resolve().parents[1]
OFFSET = int(os.environ.get("CITIZENOFFICE_E2E_PORT_OFFSET", "100")) + 37

IP_BURST, CLIENT_BURST = 4, 2
# a token back every ten minutes: nothing refills while a test runs, however slow the machine
PER_MINUTE = "0.1"


@pytest.fixture(scope="module")
def limited(platform, infra):
    """A second gateway (ports shifted by 37 from the session's) on the session's services."""
    targets = {
        f"{name.upper()}_GRPC_TARGET": platform.grpc_target(name)
        for name, service in platform.services.items()
        if service.grpc_port
    }
    stack = stack_module.Stack(
        state_dir=ROOT / ".local" / f"e2e-{OFFSET}-limits",
        port_offset=OFFSET,
        infra=infra.env(),
        overrides={
            "INSTANCE_ID": "ma",
            "LOG_LEVEL": "INFO",
            **targets,
            "RATE_LIMIT_IP_BURST": str(IP_BURST),
            "RATE_LIMIT_IP_PER_MINUTE": PER_MINUTE,
            "RATE_LIMIT_CLIENT_BURST": str(CLIENT_BURST),
            "RATE_LIMIT_CLIENT_PER_MINUTE": PER_MINUTE,
            "GATEWAY_TRUSTED_PROXIES": "127.0.0.1/32",
        },
    )
    stack.stop("gateway")
    stack.start("gateway")
    try:
        stack.wait_ready("gateway")
        yield stack
    finally:
        stack.stop("gateway")


def client_at(address: str) -> dict:
    """Headers of a request a trusted proxy (127.0.0.1) forwards for `address`."""
    return {"X-Forwarded-For": address}


def api(limited, headers: dict) -> requests.Response:
    return requests.get(f"{limited.base_url}/api/v1/offices", headers=headers, timeout=30)


def assert_refused(response: requests.Response, limit: str) -> int:
    assert response.status_code == 429, response.text
    assert response.headers["Content-Type"].startswith("application/problem+json")
    body = response.json()
    assert body["status"] == 429 and body["reason"] == "RATE_LIMITED" and body["limit"] == limit, body
    retry_after = int(response.headers["Retry-After"])
    assert 0 < retry_after <= 600 and body["retry_after"] == retry_after
    assert response.headers["X-Request-Id"]
    return retry_after


def refused_count(limited, limit: str) -> float:
    text = requests.get(f"http://127.0.0.1:{limited.service('gateway').metrics_port}/metrics", timeout=10).text
    found = re.search(rf'^citizenoffice_gateway_rate_limited_total{{[^}}]*limit="{limit}"[^}}]*}} (\S+)$', text, re.M)
    return float(found.group(1)) if found else 0.0


def test_past_the_address_burst_the_api_open311_and_forms_answer_429_with_retry_after(limited):
    before = refused_count(limited, "ip")
    me = client_at(f"198.51.100.{uuid.uuid4().int % 200 + 1}")
    assert [api(limited, me).status_code for _ in range(IP_BURST)] == [200] * IP_BURST
    assert_refused(api(limited, me), "ip")

    # Open311 keeps the specification's error body
    refused = requests.get(
        f"{limited.base_url}/open311/v2/services.json", params={"jurisdiction_id": "tetouan"}, headers=me, timeout=30
    )
    assert refused.status_code == 429 and int(refused.headers["Retry-After"]) > 0
    [error] = refused.json()
    assert error["code"] == 429 and "too many requests" in error["description"]

    # a form of the portal gets a page, in the person's language
    refused = requests.post(
        f"{limited.base_url}/staff/login?lang=fr",
        data={"login": "x", "password": "y"},
        headers=me,
        timeout=30,
        allow_redirects=False,
    )
    assert refused.status_code == 429 and int(refused.headers["Retry-After"]) > 0
    assert refused.headers["Content-Type"].startswith("text/html") and 'lang="fr"' in refused.text
    # reading a page is not limited; another address forwarded by the trusted proxy has its own bucket
    assert requests.get(f"{limited.base_url}/offices", headers=me, timeout=30).status_code == 200
    assert api(limited, client_at("203.0.113.77")).status_code == 200
    assert refused_count(limited, "ip") >= before + 3


def test_a_forged_forwarded_for_from_an_untrusted_peer_does_not_escape_the_limit(limited):
    """127.0.0.2 is not a trusted proxy: its X-Forwarded-For is ignored, each new one included."""
    port = limited.service("gateway").http_port

    def from_untrusted_peer(forged: str) -> tuple[int, dict, bytes]:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30, source_address=("127.0.0.2", 0))
        try:
            connection.request("GET", "/api/v1/offices", headers={"X-Forwarded-For": forged})
            response = connection.getresponse()
            return response.status, dict(response.getheaders()), response.read()
        finally:
            connection.close()

    statuses = [from_untrusted_peer(f"192.0.2.{i}")[0] for i in range(IP_BURST)]
    assert statuses == [200] * IP_BURST
    status, headers, body = from_untrusted_peer("192.0.2.250")
    assert status == 429 and int(headers["Retry-After"]) > 0, body
    assert json.loads(body)["limit"] == "ip"


def test_each_api_key_has_its_own_bucket(limited, platform, infra_backend):
    _, admin = national_admin(platform, infra_backend)
    secrets = []
    for label in ("first", "second"):
        r = post(
            platform,
            "/api/v1/api-keys",
            {"label": f"limits {label}", "role": "open311_client", "scope": {"office": "tetouan"}},
            admin,
        )
        assert r.status_code == 201, r.text
        secrets.append(r.json()["secret"])
    first, second = ({**client_at("198.51.100.250"), "Authorization": f"ApiKey {s}"} for s in secrets)
    assert [api(limited, first).status_code for _ in range(CLIENT_BURST)] == [200] * CLIENT_BURST
    assert_refused(api(limited, first), "client")
    # the same address, another key: a full bucket of its own
    assert [api(limited, second).status_code for _ in range(CLIENT_BURST)] == [200] * CLIENT_BURST
    # the refused requests took nothing from the address, which has spent its burst on the passed ones
    assert_refused(api(limited, client_at("198.51.100.250")), "ip")
