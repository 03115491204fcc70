"""The authorization matrix, through the gateway against the real services.

Every role (bound at Tetouan's office or commune, or at the instance) x action x target scope.
The expectations are written out here by hand, not derived from cokit.auth.policy, so the test
catches the policy drifting. Any allow that is not expected fails the test.

The registry holds one office per commune today, so "other office" (Martil) is also another
commune; the office-vs-commune distinction inside one commune is pinned by the policy's unit
tests. "Other instance" targets a scope of the partner instance `tn`.
"""

from __future__ import annotations

import pytest

from .test_identity_helpers import (
    get,
    login,
    national_admin,
    new_email,
    offices,
    post,
    register,
    submit_ticket,
)

ROLES = [
    "citizen",
    "staff",
    "office_manager",
    "information_officer",
    "commune_admin",
    "national_admin",
    "auditor",
    "open311_client",
]
TARGETS = ["own_office", "other_office", "other_commune", "other_instance"]

TETOUAN_READERS = {"staff", "office_manager", "information_officer", "commune_admin", "national_admin", "auditor"}
INSTANCE_WIDE = {"national_admin", "auditor"}
SUPERVISORS = {"office_manager", "commune_admin", "national_admin", "auditor"}

EXPECTED_ALLOW = {
    ("ticket.read", "own_office"): TETOUAN_READERS,
    ("ticket.read", "other_office"): INSTANCE_WIDE,
    ("ticket.read", "other_commune"): INSTANCE_WIDE,
    ("role.read", "own_office"): SUPERVISORS,
    ("role.read", "other_office"): INSTANCE_WIDE,
    ("role.read", "other_commune"): INSTANCE_WIDE,
    ("role.read", "other_instance"): set(),
    ("audit.read", "own_office"): SUPERVISORS,
    ("audit.read", "other_office"): INSTANCE_WIDE,
    ("audit.read", "other_commune"): INSTANCE_WIDE,
    ("audit.read", "other_instance"): set(),
    # staff at an office; a deputy information officer at a commune; an auditor at an instance
    ("role.grant", "own_office"): {"office_manager", "commune_admin", "national_admin"},
    ("role.grant", "other_office"): {"national_admin"},
    ("role.grant", "other_commune"): {"national_admin"},
    ("role.grant", "other_instance"): set(),
}
CASES = [(role, action, target) for (action, target) in EXPECTED_ALLOW for role in ROLES]


@pytest.fixture(scope="module")
def world(platform, infra_backend):
    known = offices(platform)
    tetouan, chefchaouen = known["tetouan"], known["chefchaouen"]
    scopes = {
        "own_office": {"office": "tetouan"},
        "other_office": {"office": "martil"},
        "other_commune": {"commune": chefchaouen["commune_code"]},
        "other_instance": {"instance": "tn"},
    }
    grant_roles = {
        "own_office": "staff",
        "other_office": "staff",
        "other_commune": "deputy_information_officer",
        "other_instance": "auditor",
    }
    tickets = {
        target: submit_ticket(platform, office)
        for target, office in (("own_office", "tetouan"), ("other_office", "martil"), ("other_commune", "chefchaouen"))
    }
    _, admin = national_admin(platform, infra_backend)
    bound = {
        "staff": {"office": "tetouan"},
        "office_manager": {"office": "tetouan"},
        "information_officer": {"commune": tetouan["commune_code"]},
        "commune_admin": {"commune": tetouan["commune_code"]},
        "auditor": {"instance": "ma"},
    }
    headers = {}
    for role in ROLES:
        if role == "open311_client":
            r = post(
                platform, "/api/v1/api-keys", {"label": "matrix", "role": role, "scope": {"office": "tetouan"}}, admin
            )
            assert r.status_code == 201, r.text
            headers[role] = {"Authorization": f"ApiKey {r.json()['secret']}"}
            continue
        email = new_email(role)
        citizen_id = register(platform, infra_backend, email)
        if role in bound:
            r = post(platform, "/api/v1/roles", {"citizen_id": citizen_id, "role": role, "scope": bound[role]}, admin)
            assert r.status_code == 201, r.text
        elif role == "national_admin":
            r = post(
                platform, "/api/v1/roles", {"citizen_id": citizen_id, "role": role, "scope": {"instance": "ma"}}, admin
            )
            assert r.status_code == 201, r.text
        headers[role] = {"Authorization": f"Bearer {login(platform, email)['access_token']}"}
    grantee = register(platform, infra_backend, new_email("grantee"))
    return {"scopes": scopes, "tickets": tickets, "headers": headers, "grantee": grantee, "grant_roles": grant_roles}


def attempt(platform, world, role: str, action: str, target: str):
    headers = world["headers"][role]
    scope = world["scopes"][target]
    if action == "ticket.read":
        assert world["tickets"][target], "tickets could not take a submission"
        return get(platform, f"/api/v1/staff/tickets/{world['tickets'][target]}", headers=headers)
    if action == "role.read":
        return get(platform, "/api/v1/roles", headers=headers, **scope)
    if action == "audit.read":
        return get(platform, "/api/v1/audit", headers=headers, **scope)
    if action == "role.grant":
        body = {"citizen_id": world["grantee"], "role": world["grant_roles"][target], "scope": scope}
        return post(platform, "/api/v1/roles", body, headers=headers)
    raise AssertionError(action)


def test_the_matrix_has_enough_cases():
    assert len(CASES) >= 60


@pytest.mark.parametrize("role,action,target", CASES, ids=["-".join(c) for c in CASES])
def test_authorization_matrix(platform, world, role, action, target):
    response = attempt(platform, world, role, action, target)
    if role in EXPECTED_ALLOW[(action, target)]:
        assert 200 <= response.status_code < 300, f"expected allow, got {response.status_code}: {response.text}"
    else:
        assert response.status_code in (401, 403), f"UNEXPECTED ALLOW or error {response.status_code}: {response.text}"
        assert response.json()["reason"] in {"NOT_ALLOWED", "AUTHENTICATION_REQUIRED"}, response.text


def test_anonymous_callers_are_refused_everywhere(platform, world):
    for action, target in EXPECTED_ALLOW:
        world["headers"]["anonymous"] = {}
        response = attempt(platform, world, "anonymous", action, target)
        assert response.status_code == 401, (action, target, response.text)
