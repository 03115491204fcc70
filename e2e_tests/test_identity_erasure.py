"""Erasure (Law 09-08) on the real services: identity forgets the person, ends every session and
announces user.erased on Kafka; no event about the person ever carried a password or a contact.

What other services hold (tickets' text and place, documents' files in the bucket, notifications'
inbox and deliveries) is erased by their user.erased consumers, which are not written yet: the
strict xfail below pins that gap and turns red the day it closes, so it gets removed then.
"""
from __future__ import annotations

import requests
import pytest
import sqlalchemy as sa
from kafka import KafkaConsumer

from citizenoffice.events.v1 import envelope_pb2

from .helpers import eventually
from .test_identity_helpers import PASSWORD, get, login, new_email, post, register


def engine(infra, service):
    return sa.create_engine(infra.database_url(service), poolclass=sa.pool.NullPool)


def identity_events(infra, citizen_id: str) -> list:
    consumer = KafkaConsumer("identity.events.v1", bootstrap_servers=infra.kafka_bootstrap,
                             auto_offset_reset="earliest", enable_auto_commit=False, group_id=None,
                             consumer_timeout_ms=5000)
    try:
        return [envelope_pb2.Envelope.FromString(r.value) for r in consumer if r.key == citizen_id.encode()]
    finally:
        consumer.close()


@pytest.fixture(scope="module")
def erased(platform, infra_backend, infra):
    email = new_email("erase")
    citizen_id = register(platform, infra_backend, email)
    pair = login(platform, email)
    data = {"office": "tetouan", "kind": "complaint", "category": "lighting", "email": email, "name": "Nadia",
            "description": "Fuite d'eau devant le numéro 12 de la rue des Oliviers", "language": "fr"}
    submitted = requests.post(f"{platform.base_url}/api/v1/tickets", data=data, timeout=30)
    assert submitted.status_code == 201, submitted.text
    r = requests.delete(f"{platform.base_url}/api/v1/me", headers={"Authorization": f"Bearer {pair['access_token']}"}, timeout=30)
    assert r.status_code == 200 and r.json()["status"] == "erased", r.text
    return {"email": email, "citizen_id": citizen_id, "pair": pair, "ticket_id": submitted.json()["ticket_id"]}


def test_identity_keeps_no_personal_field(infra, erased):
    with engine(infra, "identity").connect() as conn:
        person = conn.execute(sa.text("select email, phone, display_name from citizens where citizen_id = :c"),
                              {"c": erased["citizen_id"]}).first()
        account = conn.execute(sa.text("select password_hash, status from accounts where citizen_id = :c"),
                               {"c": erased["citizen_id"]}).first()
        codes = conn.execute(sa.text("select count(*) from one_time_codes where citizen_id = :c"), {"c": erased["citizen_id"]}).scalar()
        open_sessions = conn.execute(sa.text("select count(*) from sessions where citizen_id = :c and revoked_at is null"),
                                     {"c": erased["citizen_id"]}).scalar()
        anywhere = conn.execute(sa.text("select count(*) from citizens where email = :e"), {"e": erased["email"]}).scalar()
    assert tuple(person) == (None, None, "")
    assert account.password_hash is None and account.status == "erased"
    assert codes == 0 and open_sessions == 0 and anywhere == 0


def test_the_erased_person_can_no_longer_sign_in_or_use_a_token(platform, erased):
    r = post(platform, "/api/v1/auth/login", {"login": erased["email"], "password": PASSWORD})
    assert r.status_code == 401, r.text
    r = post(platform, "/api/v1/auth/refresh", {"refresh_token": erased["pair"]["refresh_token"]})
    assert r.status_code == 401, r.text
    eventually(lambda: get(platform, "/api/v1/me/data", erased["pair"]["access_token"]).status_code == 401,
               timeout=10, what="session ended")


def test_user_erased_is_announced_and_no_event_carried_personal_data(infra, erased):
    events = eventually(lambda: (lambda found: found if "user.erased" in {e.type for e in found} else None)(
        identity_events(infra, erased["citizen_id"])), timeout=30, what="user.erased")
    assert {"user.registered", "user.verified", "user.erased"} <= {e.type for e in events}
    for envelope in events:
        raw = envelope.SerializeToString()
        assert erased["email"].encode() not in raw and PASSWORD.encode() not in raw


@pytest.mark.xfail(strict=True, reason="tickets, documents and notifications do not consume user.erased yet")
def test_other_services_forget_the_person_and_keep_their_counts(infra, erased):
    def ticket_text():
        with engine(infra, "tickets").connect() as conn:
            return conn.execute(sa.text("select description from tickets where ticket_id = :t"),
                                {"t": erased["ticket_id"]}).scalar()

    eventually(lambda: "Oliviers" not in (ticket_text() or ""), timeout=15, what="ticket anonymised")
