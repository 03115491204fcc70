"""Real accounts for the tickets e2e tests: registered and verified through the gateway (code
from the real SMTP server), roles granted by a national admin through the API, and their access
tokens put on gRPC metadata exactly as the gateway forwards them (tickets verifies them itself)."""

from __future__ import annotations

import json
import time

from .test_identity_helpers import login, national_admin, new_email, offices, operator_grant, post, register

AUTH_METADATA = "x-nameko-authorization"
RELOGIN_AFTER = 120.0  # access tokens live 5 minutes; a module of tests can run longer


class Person:
    def __init__(self, platform, email: str, citizen_id: str):
        self.platform = platform
        self.email = email
        self.citizen_id = citizen_id
        self._token = ""
        self._at = 0.0

    @property
    def token(self) -> str:
        if not self._token or time.monotonic() - self._at > RELOGIN_AFTER:
            self._token = login(self.platform, self.email)["access_token"]
            self._at = time.monotonic()
        return self._token

    @property
    def metadata(self) -> list[tuple[str, str]]:
        return [(AUTH_METADATA, json.dumps(f"Bearer {self.token}"))]


def people(platform, infra_backend, wanted: dict[str, tuple[str, dict] | None]) -> dict[str, Person]:
    """{name: (role, scope) or None for a plain citizen} -> {name: Person}. Scopes name an office
    slug ({"office": "tetouan"}) or {"commune_of": "tetouan"} for the office's commune."""
    known = offices(platform)
    _, admin = national_admin(platform, infra_backend)
    found = {}
    for name, grant in wanted.items():
        email = new_email(name.replace("_", "-"))
        citizen_id = register(platform, infra_backend, email)
        if grant is not None:
            role, scope = grant
            if "commune_of" in scope:
                scope = {"commune": known[scope["commune_of"]]["commune_code"]}
            r = post(platform, "/api/v1/roles", {"citizen_id": citizen_id, "role": role, "scope": scope}, admin)
            assert r.status_code == 201, r.text
        found[name] = Person(platform, email, citizen_id)
    return found


_ADMINS: dict[str, Person] = {}


def instance_admin(platform, infra_backend) -> Person:
    """A national admin of the instance (one per e2e session): the operator the registry's
    changes and the schedulers' runs are asked by."""
    key = platform.base_url
    if key not in _ADMINS:
        email = new_email("operator")
        citizen_id = register(platform, infra_backend, email)
        operator_grant(platform, email, "national_admin")
        _ADMINS[key] = Person(platform, email, citizen_id)
    return _ADMINS[key]
