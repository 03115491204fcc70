"""Accounts for the identity and authorization e2e tests: registered and verified through the
gateway with the code read from the real SMTP server, roles granted through the API (the first
national admin by the operator command, as in a cluster)."""

from __future__ import annotations

import re
import subprocess
import sys
import uuid
from pathlib import Path

import requests

from .helpers import eventually

ROOT = Path(__file__).resolve().parents[1]
PASSWORD = "correct horse battery"


def new_email(prefix: str) -> str:
    return f"{prefix}.{uuid.uuid4().hex[:10]}@example.ma"


def mails(infra_backend, to: str, kind: str):
    return [m for m in infra_backend.messages() if m["To"] == to and m["X-Citizenoffice-Kind"] == kind]


def code_from(infra_backend, to: str, kind: str = "verify", count: int = 1) -> str:
    found = eventually(lambda: mails(infra_backend, to, kind)[count - 1 :] or None, timeout=60, what=f"{kind} mail")
    return re.search(r"\b(\d{6})\b", found[-1].get_content()).group(1)


def post(platform, path: str, body: dict | None = None, token: str = "", headers=None) -> requests.Response:
    hdrs = {"Authorization": f"Bearer {token}"} if token else {}
    hdrs.update(headers or {})
    return requests.post(f"{platform.base_url}{path}", json=body or {}, headers=hdrs, timeout=30)


def get(platform, path: str, token: str = "", headers=None, **params) -> requests.Response:
    hdrs = {"Authorization": f"Bearer {token}"} if token else {}
    hdrs.update(headers or {})
    return requests.get(f"{platform.base_url}{path}", params=params, headers=hdrs, timeout=30)


def register(platform, infra_backend, email: str, password: str = PASSWORD) -> str:
    r = post(platform, "/api/v1/auth/register", {"email": email, "password": password, "language": "fr"})
    assert r.status_code == 202, r.text
    r = post(platform, "/api/v1/auth/verify", {"login": email, "code": code_from(infra_backend, email)})
    assert r.status_code == 200, r.text
    return r.json()["citizen_id"]


def login(platform, email: str, password: str = PASSWORD) -> dict:
    r = post(platform, "/api/v1/auth/login", {"login": email, "password": password})
    assert r.status_code == 200, r.text
    return r.json()


def operator_grant(platform, email: str, role: str) -> None:
    subprocess.run(
        [sys.executable, "-m", "identity.admin", "grant", "--login", email, "--role", role],
        cwd=ROOT,
        env=platform.env("identity"),
        check=True,
        capture_output=True,
    )


def offices(platform) -> dict:
    r = requests.get(f"{platform.base_url}/api/v1/offices", timeout=10)
    assert r.status_code == 200, r.text
    return {o["slug"]: o for o in r.json()["items"]}


def submit_ticket(platform, office: str) -> str:
    data = {
        "office": office,
        "kind": "complaint",
        "category": "lighting",
        "description": "Lampadaire en panne devant l'école depuis une semaine",
        "language": "fr",
    }
    r = requests.post(f"{platform.base_url}/api/v1/tickets", data=data, timeout=30)
    if r.status_code != 201:
        return ""  # the ticket-read cases then fail on their own, the rest of the matrix still runs
    return r.json()["ticket_id"]


def national_admin(platform, infra_backend) -> tuple[str, str]:
    """(citizen_id, access token) of a fresh national admin."""
    email = new_email("admin")
    citizen_id = register(platform, infra_backend, email)
    operator_grant(platform, email, "national_admin")
    return citizen_id, login(platform, email)["access_token"]
