"""A submission sent again with its Idempotency-Key answers its first receipt and files nothing
twice: what a phone on a weak network, or a client whose answer timed out, relies on to try
again. Through the gateway, on the real tickets database and outbox."""

from __future__ import annotations

import concurrent.futures as futures
import re
import uuid

import requests
import sqlalchemy as sa

from .helpers import jpeg_bytes


def _post(platform, key: str, description: str, **extra):
    data = {
        "office": "tetouan",
        "kind": "complaint",
        "category": "lighting",
        "description": description,
        "email": f"idem.{key[:8]}@example.ma",
        "language": "fr",
    }
    return requests.post(
        f"{platform.base_url}/api/v1/tickets", data=data, headers={"Idempotency-Key": key}, timeout=60, **extra
    )


def _stored(infra, marker: str) -> list[tuple[str, int]]:
    """(ticket id, its events in the outbox: ticket.submitted alone, this soon) for each ticket
    carrying `marker`."""
    engine = sa.create_engine(infra.database_url("tickets"), poolclass=sa.pool.NullPool)
    with engine.connect() as conn:
        ids = conn.execute(
            sa.text("select ticket_id from tickets where description like :m"), {"m": f"%{marker}%"}
        ).scalars()
        return [
            (
                ticket_id,
                conn.execute(
                    sa.text("select count(*) from outbox_events where key = :k"),
                    {"k": ticket_id},
                ).scalar_one(),
            )
            for ticket_id in ids
        ]


def test_the_same_key_sent_again_answers_the_first_receipt(platform, infra):
    key, marker = str(uuid.uuid4()), uuid.uuid4().hex[:10]
    description = f"Lampadaire éteint rue Mohammed V [{marker}]"
    photo = {"photo": ("lampe.jpg", jpeg_bytes(marker.encode()), "image/jpeg")}
    first = _post(platform, key, description, files=photo)
    assert first.status_code == 201, first.text
    again = _post(platform, key, description, files=photo)
    assert again.status_code == 201, again.text
    assert again.json()["tracking_code"] == first.json()["tracking_code"]
    assert again.json()["ticket_id"] == first.json()["ticket_id"]
    assert again.json()["answer_by"] == first.json()["answer_by"]
    assert _stored(infra, marker) == [(first.json()["ticket_id"], 1)]  # one ticket, one event


def test_a_key_sent_with_another_request_is_refused(platform, infra):
    key, marker = str(uuid.uuid4()), uuid.uuid4().hex[:10]
    assert _post(platform, key, f"Trottoir cassé avenue Hassan II [{marker}]").status_code == 201
    other = _post(platform, key, f"Nid de poule avenue des FAR [{marker}]")
    assert other.status_code == 409, other.text
    assert other.headers["Content-Type"] == "application/problem+json"
    assert other.json()["reason"] == "IDEMPOTENCY_KEY_REUSED"
    assert len(_stored(infra, marker)) == 1


def test_a_malformed_key_is_refused_before_anything_is_filed(platform, infra):
    marker = uuid.uuid4().hex[:10]
    refused = _post(platform, "short", f"Poubelle renversée place Hamama [{marker}]")
    assert refused.status_code == 400 and refused.json()["reason"] == "IDEMPOTENCY_KEY_INVALID"
    assert _stored(infra, marker) == []


def test_the_same_key_sent_at_once_from_many_clients_files_one_ticket(platform, infra):
    key, marker = str(uuid.uuid4()), uuid.uuid4().hex[:10]
    description = f"Fuite d'eau devant l'école [{marker}]"
    with futures.ThreadPoolExecutor(8) as pool:
        answers = list(pool.map(lambda _: _post(platform, key, description), range(8)))
    assert [a.status_code for a in answers] == [201] * 8, [a.text for a in answers if a.status_code != 201]
    assert len({a.json()["ticket_id"] for a in answers}) == 1
    assert _stored(infra, marker) == [(answers[0].json()["ticket_id"], 1)]


def test_the_portal_form_sent_twice_files_once(platform, infra):
    marker = uuid.uuid4().hex[:10]
    page = requests.get(f"{platform.base_url}/?lang=fr", timeout=30)
    [key] = re.findall(r'name="idempotency_key" value="([0-9a-f]{32})"', page.text)
    assert key not in requests.get(f"{platform.base_url}/?lang=fr", timeout=30).text  # one key per form shown
    form = {
        "idempotency_key": key,
        "language": "fr",
        "office": "tetouan",
        "kind": "complaint",
        "category": "lighting",
        "description": f"Éclairage en panne derrière le marché [{marker}]",
    }
    codes = set()
    for _ in range(2):  # a double tap, or the form sent again after an answer that never came
        receipt = requests.post(f"{platform.base_url}/submit", data=form, timeout=60)
        assert receipt.status_code == 200, receipt.text[:500]
        codes |= set(re.findall(r"\b[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]\b", receipt.text))
    assert len(codes) == 1
    assert len(_stored(infra, marker)) == 1
