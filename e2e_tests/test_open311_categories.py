"""Open311 and the catalogue's publicity and anonymity: civil status (private, never anonymous by
default) says so in its service definition, refuses an anonymous report in GeoReport's error
shape, and a named report stays private in the public lists."""

from __future__ import annotations

import uuid

import pytest
import requests

from .test_identity_helpers import national_admin, post

BASE = "/open311/v2"
JURISDICTION = "tetouan"
TEXT = "Mon acte de naissance porte une erreur sur le prénom"


@pytest.fixture(scope="module")
def key(platform, infra_backend) -> str:
    _, admin = national_admin(platform, infra_backend)
    r = post(
        platform,
        "/api/v1/api-keys",
        {"label": "open311 categories", "role": "open311_client", "scope": {"office": "tetouan"}},
        admin,
    )
    assert r.status_code == 201, r.text
    return r.json()["secret"]


def submit(platform, **fields) -> requests.Response:
    return requests.post(f"{platform.base_url}{BASE}/requests.json", data=fields, timeout=30)


def test_the_definition_says_the_service_names_its_reporter_and_stays_private(platform):
    r = requests.get(
        f"{platform.base_url}{BASE}/services/civil-status.json", params={"jurisdiction_id": JURISDICTION}, timeout=30
    )
    assert r.status_code == 200, r.text
    definition = r.json()
    attributes = {a["code"]: a for a in definition["attributes"]}
    assert attributes["contact"]["required"] is True and "email or phone" in attributes["contact"]["description"]
    assert attributes["private"]["required"] is False
    waste = requests.get(
        f"{platform.base_url}{BASE}/services/waste.json", params={"jurisdiction_id": JURISDICTION}, timeout=30
    ).json()
    assert not {"contact", "private"} & {a["code"] for a in waste["attributes"]}


def test_an_anonymous_report_is_refused_and_a_named_one_stays_private(platform, key):
    anonymous = submit(
        platform, api_key=key, jurisdiction_id=JURISDICTION, service_code="civil-status", description=TEXT, locale="fr"
    )
    assert anonymous.status_code == 400, anonymous.text
    [error] = anonymous.json()
    assert error["code"] == 400 and "email or phone" in error["description"]
    named = submit(
        platform,
        api_key=key,
        jurisdiction_id=JURISDICTION,
        service_code="civil-status",
        description=TEXT,
        locale="fr",
        email=f"etat.civil.{uuid.uuid4().hex[:8]}@example.ma",
    )
    assert named.status_code == 201, named.text
    request_id = named.json()[0]["service_request_id"]
    [item] = requests.get(f"{platform.base_url}{BASE}/requests/{request_id}.json", timeout=30).json()
    assert item["service_code"] == "civil-status" and item["description"] is None
    assert (
        TEXT
        not in requests.get(
            f"{platform.base_url}{BASE}/requests.json", params={"jurisdiction_id": JURISDICTION}, timeout=30
        ).text
    )
