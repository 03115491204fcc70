"""One-time codes leave through notifications (SendOneTimeCode), on the real servers: a phone
registration gets its code by SMS at the local provider and verifies with it; the code shows
in no Kafka message, no row of the notifications database and no service log; with
notifications down, registration answers a clear problem, and a resend later works.

The session's notifications runs on its own SMTP server, SMS provider and database here
(test_notifications.own_notifications), so its tables hold this module's rows only.
"""

from __future__ import annotations

import random
import re
import uuid

import pytest
import requests
import sqlalchemy as sa
from kafka import KafkaConsumer, TopicPartition

from .helpers import eventually
from .test_identity_helpers import PASSWORD, post
from .test_notifications import own_notifications

SERVICES_LOGGED = ("gateway", "identity", "notifications")


@pytest.fixture(scope="module")
def own(platform, infra):
    # Ports 20041-20042 + OFFSET: apart from the other modules' own servers at every offset.
    with own_notifications(platform, infra, "identity-codes", 20041) as servers:
        yield servers


def new_phone() -> str:
    return "+2126" + "".join(random.choice("0123456789") for _ in range(8))


def code_in(text: str) -> str:
    return re.search(r"\b(\d{6})\b", text).group(1)


def shows(code: str, data: bytes | str) -> bool:
    """The code as such, not six digits inside a hex id or a timestamp's microseconds."""
    if isinstance(data, str):
        data = data.encode("utf-8", "replace")
    return re.search(rb"(?<![0-9a-fA-F.])" + code.encode() + rb"(?![0-9a-fA-F])", data) is not None


class KafkaWatch:
    """Every message written to any topic after the watch began."""

    def __init__(self, bootstrap: str):
        self.bootstrap = bootstrap
        consumer = self._consumer()
        try:
            self.start = consumer.end_offsets(self._partitions(consumer))
        finally:
            consumer.close()

    def _consumer(self) -> KafkaConsumer:
        return KafkaConsumer(bootstrap_servers=self.bootstrap, enable_auto_commit=False, group_id=None)

    @staticmethod
    def _partitions(consumer) -> list[TopicPartition]:
        return [TopicPartition(t, p) for t in consumer.topics() for p in (consumer.partitions_for_topic(t) or ())]

    def values(self) -> list[bytes]:
        consumer = self._consumer()
        try:
            end = consumer.end_offsets(self._partitions(consumer))
            wanted = {tp: offset for tp, offset in end.items() if offset > self.start.get(tp, 0)}
            if not wanted:
                return []
            consumer.assign(list(wanted))
            for tp in wanted:
                consumer.seek(tp, self.start.get(tp, 0))
            found, done = [], set()
            while len(done) < len(wanted):
                batch = consumer.poll(timeout_ms=5000)
                if not batch:
                    break
                for tp, records in batch.items():
                    found += [r.value or b"" for r in records if r.offset < wanted[tp]]
                    if records and records[-1].offset + 1 >= wanted[tp]:
                        done.add(tp)
                        consumer.pause(tp)
            return found
        finally:
            consumer.close()


def log_sizes(platform) -> dict[str, int]:
    return {s: platform.log_path(s).stat().st_size if platform.log_path(s).exists() else 0 for s in SERVICES_LOGGED}


def logs_since(platform, sizes: dict[str, int]) -> dict[str, bytes]:
    found = {}
    for service, size in sizes.items():
        with open(platform.log_path(service), "rb") as fh:
            fh.seek(size)
            found[service] = fh.read()
    return found


def all_rows(engine: sa.Engine) -> list[tuple[str, str]]:
    """(table, row as text) of every row of every table."""
    found = []
    with engine.connect() as conn:
        for table in sa.inspect(conn).get_table_names():
            for row in conn.execute(sa.text(f'select * from "{table}"')):
                found.append((table, " | ".join(str(v) for v in row)))
    return found


def test_a_phone_registration_gets_its_code_by_sms_and_the_code_is_kept_nowhere(platform, infra, own):
    phone = new_phone()
    watch, sizes = KafkaWatch(infra.kafka_bootstrap), log_sizes(platform)
    r = post(platform, "/api/v1/auth/register", {"phone": phone, "password": PASSWORD, "language": "ar"})
    assert r.status_code == 202, r.text
    sms = eventually(lambda: own.sms_to(phone), timeout=60, what=f"an SMS to {phone}")
    assert len(sms) == 1
    code = code_in(sms[0]["text"])
    assert "مكتب المواطن" in sms[0]["text"]  # rendered in the recipient's language
    assert own.mails_to(phone) == []

    r = post(platform, "/api/v1/auth/verify", {"login": phone, "code": code})
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "active"
    citizen_id = r.json()["citizen_id"]
    r = post(platform, "/api/v1/auth/login", {"login": phone, "password": PASSWORD})
    assert r.status_code == 200, r.text

    # The delivery is recorded: channel, kind and state, and nothing else.
    with own.db().connect() as conn:
        rows = conn.execute(
            sa.text("select channel, kind, state, fields from deliveries where citizen_id = :c"), {"c": citizen_id}
        ).all()
    assert [tuple(r) for r in rows] == [("sms", "security.verify", "sent", "{}")]
    leaks = [(table, text) for table, text in all_rows(own.db()) if shows(code, text) or phone in text]
    assert leaks == []

    # user.registered and user.verified went out; neither the code nor the number did.
    def with_this_account():
        found = watch.values()
        return found if sum(citizen_id.encode() in v for v in found) >= 2 else None

    values = eventually(with_this_account, timeout=60, interval=2, what="this account's two events on Kafka")
    assert [v for v in values if shows(code, v) or phone.encode() in v] == []
    leaked_logs = {
        s: text for s, text in logs_since(platform, sizes).items() if shows(code, text) or phone.encode() in text
    }
    assert leaked_logs == {}


def test_a_password_reset_code_goes_by_sms_to_a_phone_account(platform, own):
    phone = new_phone()
    assert (
        post(platform, "/api/v1/auth/register", {"phone": phone, "password": PASSWORD, "language": "fr"}).status_code
        == 202
    )
    code = code_in(eventually(lambda: own.sms_to(phone), timeout=60, what="the verification SMS")[0]["text"])
    assert post(platform, "/api/v1/auth/verify", {"login": phone, "code": code}).status_code == 200

    assert post(platform, "/api/v1/auth/password-reset", {"login": phone}).status_code == 202
    sms = eventually(lambda: own.sms_to(phone)[1:], timeout=60, what="the reset SMS")
    assert "réinitialisation" in sms[0]["text"]
    r = post(
        platform,
        "/api/v1/auth/password-reset/confirm",
        {"login": phone, "code": code_in(sms[0]["text"]), "new_password": "another long passphrase"},
    )
    assert r.status_code == 204, r.text


def test_with_notifications_down_registration_says_so_and_a_resend_works_later(platform, own):
    email = f"codes.{uuid.uuid4().hex[:10]}@example.ma"
    platform.stop("notifications")
    try:
        r = post(platform, "/api/v1/auth/register", {"email": email, "password": PASSWORD, "language": "fr"})
        assert r.status_code == 503, r.text
        assert r.headers["Content-Type"].startswith("application/problem+json")
        problem = r.json()
        assert problem["reason"] == "CODE_NOT_SENT"
        assert "/api/v1/auth/verify/resend" in problem["detail"]
        assert "Traceback" not in r.text
    finally:
        platform.start("notifications")
        platform.wait_ready("notifications")

    # The account waits for its code; the resend sends a new one, which verifies it.
    r = post(platform, "/api/v1/auth/login", {"login": email, "password": PASSWORD})
    assert r.status_code == 409 and r.json()["reason"] == "ACCOUNT_NOT_VERIFIED", r.text
    r = post(platform, "/api/v1/auth/verify/resend", {"login": email})
    assert r.status_code == 202, r.text
    mails = eventually(
        lambda: [m for m in own.mails_to(email) if m["X-Citizenoffice-Kind"] == "verify"],
        timeout=60,
        what="the resent code",
    )
    assert len(mails) == 1 and mails[0]["Content-Language"] == "fr"
    r = post(platform, "/api/v1/auth/verify", {"login": email, "code": code_in(mails[0].get_content())})
    assert r.status_code == 200, r.text

    # A login nobody registered gets the same answer, and nothing is sent.
    r = post(platform, "/api/v1/auth/verify/resend", {"login": f"nobody.{uuid.uuid4().hex[:8]}@example.ma"})
    assert r.status_code == 202, r.text


def test_a_resend_refuses_bad_input_with_a_problem(platform):
    r = requests.post(
        f"{platform.base_url}/api/v1/auth/verify/resend",
        data=b"[1, 2",
        timeout=30,
        headers={"Content-Type": "application/json"},
    )
    assert r.status_code == 400, r.text
    assert r.json()["reason"] == "BODY_INVALID"


def test_an_sms_provider_failing_once_gives_a_clear_error_and_the_resend_goes_by_sms(platform, own):
    phone = new_phone()
    requests.post(f"{own.sms_url}/control", json={"fail_next": 1}, timeout=5)
    r = post(platform, "/api/v1/auth/register", {"phone": phone, "password": PASSWORD, "language": "en"})
    assert r.status_code == 503 and r.json()["reason"] == "CODE_NOT_SENT", r.text
    assert own.sms_to(phone) == []
    assert post(platform, "/api/v1/auth/verify/resend", {"login": phone}).status_code == 202
    sms = eventually(lambda: own.sms_to(phone), timeout=60, what="the resent SMS")
    assert "verification code" in sms[0]["text"]
    r = post(platform, "/api/v1/auth/verify", {"login": phone, "code": code_in(sms[0]["text"])})
    assert r.status_code == 200, r.text
