"""Erasure of a recipient (Law 09-08) on a real database (SQLite here; PostgreSQL in e2e)."""

import datetime as dt
import json

import sqlalchemy as sa

from notifications import store

NOW = dt.datetime(2026, 11, 25, 10, 0, tzinfo=dt.timezone.utc)
FIELDS = json.dumps({"tracking_code": "7K3M-9QX2-B", "kind": "complaint"})


def seeded(tmp_path):
    e = sa.create_engine(f"sqlite:///{tmp_path / 'n.db'}", poolclass=sa.pool.NullPool)
    store.metadata.create_all(e)
    with e.begin() as conn:
        for who in ("gone", "stays"):
            conn.execute(
                store.inbox_items.insert().values(
                    item_id=f"i-{who}",
                    citizen_id=who,
                    event_id="ev1",
                    kind="ticket.submitted",
                    language="fr",
                    subject="Votre demande 7K3M-9QX2-B",
                    body="Merci.",
                    read=False,
                    created_at=NOW,
                )
            )
            for channel, state, error in (("email", "sent", ""), ("sms", "pending", f"refused {who}@example.org")):
                conn.execute(
                    store.deliveries.insert().values(
                        delivery_id=f"d-{who}-{channel}",
                        event_id="ev1",
                        channel=channel,
                        citizen_id=who,
                        kind="ticket.submitted",
                        language="fr",
                        fields=FIELDS,
                        state=state,
                        attempts=1,
                        last_error=error,
                        next_attempt_at=NOW,
                        created_at=NOW,
                        sent_at=NOW if state == "sent" else None,
                    )
                )
            conn.execute(store.opt_outs.insert().values(citizen_id=who, channel="sms", kind="*"))
            conn.execute(
                store.quiet_hours.insert().values(
                    citizen_id=who, start_minute=1320, end_minute=420, timezone="Africa/Casablanca"
                )
            )
    return e


def rows(e, table):
    with e.connect() as conn:
        return {r[0]: dict(r._mapping) for r in conn.execute(sa.select(table)).all()}


def test_inbox_and_preferences_go_deliveries_stay_as_counts_and_pending_ones_are_cancelled(tmp_path):
    e = seeded(tmp_path)
    with e.connect() as conn:
        exported = store.export(conn, "gone")
    assert [i["subject"] for i in exported["inbox"]] == ["Votre demande 7K3M-9QX2-B"]
    assert exported["opt_outs"] == [{"channel": "sms", "kind": "*"}] and exported["quiet_hours"]["end_minute"] == 420
    assert {d["state"] for d in exported["deliveries"]} == {"sent", "pending"}

    with e.begin() as conn:
        counts = store.erase(conn, "gone", NOW)
    assert counts == {"inbox_items": 1, "preferences": 2, "cancelled": 1, "deliveries": 1}

    inbox, deliveries = rows(e, store.inbox_items), rows(e, store.deliveries)
    assert set(inbox) == {"i-stays"}
    assert set(rows(e, store.opt_outs)) == {"stays"}
    assert set(rows(e, store.quiet_hours)) == {"stays"}
    sent, cancelled = deliveries["d-gone-email"], deliveries["d-gone-sms"]
    assert (sent["state"], sent["channel"], sent["kind"], sent["fields"]) == ("sent", "email", "ticket.submitted", "{}")
    assert sent["sent_at"] is not None and sent["attempts"] == 1
    assert (cancelled["state"], cancelled["fields"], cancelled["last_error"]) == ("cancelled", "{}", "")
    assert deliveries["d-stays-sms"]["fields"] == FIELDS and deliveries["d-stays-sms"]["state"] == "pending"
    assert len(deliveries) == 4  # the figures keep every row

    with e.begin() as conn:
        assert store.is_erased(conn, "gone") and not store.is_erased(conn, "stays")
        again = store.erase(conn, "gone", NOW + dt.timedelta(hours=1))
    assert again == {"inbox_items": 0, "preferences": 0, "cancelled": 0, "deliveries": 0}
    assert rows(e, store.deliveries) == deliveries
    with e.connect() as conn:
        assert store.export(conn, "gone")["inbox"] == []
