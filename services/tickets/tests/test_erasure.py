"""Erasure of a requester (Law 09-08) on a real database: what goes, what stays for the figures."""

import datetime as dt
import json

import pytest
import sqlalchemy as sa

from tickets import erasure, stats, store

from .test_scheduler import NOW, engine, insert

PERSON = "c1"  # test_scheduler.insert files every ticket for c1


def personal(e, **values):
    """Give the request the personal fields a submission can carry."""
    with e.begin() as conn:
        conn.execute(
            store.tickets.update().where(store.tickets.c.ticket_id == values.pop("ticket_id")).values(**values)
        )


def seeded(tmp_path):
    e = engine(tmp_path)
    insert(e, "mine", "complaint", "answered", NOW + dt.timedelta(days=3))
    insert(e, "petition", "petition", "collecting", NOW + dt.timedelta(days=30))
    insert(e, "theirs", "complaint", "submitted", NOW + dt.timedelta(days=3))
    personal(
        e,
        ticket_id="mine",
        description="Fuite d'eau devant le 12 rue des Oliviers",
        latitude=35.578512,
        longitude=-5.368437,
        address="12 rue des Oliviers",
        requester_name="Nadia B.",
        requester_address="12 rue des Oliviers",
        requester_contact="nadia@example.org",
        id_kind="cin",
        id_number_sealed=b"\x01sealed",
        rating=4,
        rating_comment="Merci Nadia ici",
        decided_at=NOW - dt.timedelta(days=10),
    )
    personal(e, ticket_id="theirs", citizen_id="someone-else", description="Autre demande, autre personne")
    personal(e, ticket_id="petition", citizen_id="organiser", signature_count=2, signature_threshold=300)
    with e.begin() as conn:
        for message_id, author, role, body in (
            ("m1", PERSON, "citizen", "Je suis Nadia, 0612345678"),
            ("m2", "agent-7", "staff", "Nous intervenons demain."),
            ("m3", "someone-else", "citizen", "Moi aussi"),
        ):
            store.add_message(
                conn,
                {
                    "message_id": message_id,
                    "ticket_id": "mine" if message_id != "m3" else "theirs",
                    "internal": False,
                    "author_id": author,
                    "author_role": role,
                    "body": body,
                    "attachment_ids": "a1" if author == PERSON else "",
                    "at": NOW,
                },
            )
        conn.execute(
            store.ticket_history.insert().values(
                ticket_id="mine",
                status="withdrawn",
                at=NOW,
                actor=PERSON,
                action="withdraw",
                actor_role="citizen",
                details=json.dumps({"reason": "je déménage au 4 rue X"}),
            )
        )
        store.follow(conn, "theirs", PERSON, True, NOW)
        store.follow(conn, "theirs", "neighbour", False, NOW)
        store.sign(conn, "petition", PERSON, NOW)
        store.sign(conn, "petition", "another-signer", NOW)
    return e


def snapshot(e):
    with e.connect() as conn:
        figures = stats.figures(
            [dict(r) for r in store.for_stats(conn, "o1", NOW - dt.timedelta(days=400), NOW)], {"mine": 3}, public=False
        )
        followers = store.follower_counts(conn, "theirs")
        petition = store.find_by_id(conn, "petition")
        signatures = conn.execute(sa.select(sa.func.count()).select_from(store.petition_signatures)).scalar()
        rows = {r["ticket_id"]: r for r in conn.execute(sa.select(store.tickets)).mappings().all()}
    return figures, followers, (petition["signature_count"], signatures), rows


def test_the_requests_keep_their_figures_and_lose_the_person(tmp_path):
    e = seeded(tmp_path)
    figures, followers, signatures, before = snapshot(e)
    with e.begin() as conn:
        erased = store.anonymise(conn, PERSON, NOW)
    assert [r["ticket_id"] for r in erased.tickets] == ["mine"]
    assert (erased.messages, erased.follows, erased.signatures) == (1, 1, 1)

    figures_after, followers_after, signatures_after, after = snapshot(e)
    assert figures_after == figures and followers_after == followers == (2, 1)
    assert signatures_after == signatures == (4, 2)  # the count column and the rows both stay

    mine = after["mine"]
    assert mine["citizen_id"] == "" and mine["description"] == "" and mine["address"] == ""
    assert (mine["requester_name"], mine["requester_address"], mine["requester_contact"]) == ("", "", "")
    assert mine["id_number_sealed"] is None and mine["rating_comment"] == ""
    assert (mine["latitude"], mine["longitude"]) == (35.58, -5.37)  # a neighbourhood, not the door
    assert mine["anonymised_at"] is not None
    for kept in (
        "kind",
        "category",
        "office_id",
        "status",
        "submitted_at",
        "acknowledge_by",
        "answer_by",
        "decided_at",
        "rating",
        "tracking_code",
        "id_kind",
    ):
        assert mine[kept] == before["mine"][kept], kept
    assert after["theirs"]["description"] == "Autre demande, autre personne"
    assert after["theirs"]["citizen_id"] == "someone-else"


def test_nothing_written_by_or_pointing_at_the_person_is_left(tmp_path):
    e = seeded(tmp_path)
    with e.begin() as conn:
        store.anonymise(conn, PERSON, NOW)
    with e.connect() as conn:
        messages = {r["message_id"]: r for r in conn.execute(sa.select(store.ticket_messages)).mappings().all()}
        withdraw = (
            conn.execute(sa.select(store.ticket_history).where(store.ticket_history.c.action == "withdraw"))
            .mappings()
            .one()
        )
        followers = conn.execute(sa.select(store.ticket_followers.c.follower_id)).scalars().all()
        signers = conn.execute(sa.select(store.petition_signatures.c.signer_id)).scalars().all()
    assert (messages["m1"]["body"], messages["m1"]["author_id"], messages["m1"]["attachment_ids"]) == ("", "", "")
    assert messages["m1"]["author_role"] == "citizen"  # the thread's shape stays
    assert messages["m2"]["body"] == "Nous intervenons demain."  # the office's answer stays
    assert messages["m3"]["body"] == "Moi aussi"
    assert (withdraw["actor"], withdraw["details"], withdraw["status"]) == ("", "{}", "withdrawn")
    assert PERSON not in followers and PERSON not in signers
    pseudonyms = [x for x in followers + signers if x.startswith("erased:")]
    assert len(pseudonyms) == len(set(pseudonyms)) == 2  # unlinkable to each other


def test_a_replayed_erasure_changes_nothing(tmp_path):
    e = seeded(tmp_path)
    with e.begin() as conn:
        store.anonymise(conn, PERSON, NOW)
    first = snapshot(e)
    with e.begin() as conn:
        again = store.anonymise(conn, PERSON, NOW + dt.timedelta(hours=1))
    assert (again.tickets, again.messages, again.follows, again.signatures) == ([], 0, 0, 0)
    assert snapshot(e) == first


def test_the_export_holds_the_persons_requests_thread_follows_and_signatures(tmp_path):
    e = seeded(tmp_path)
    with e.connect() as conn:
        data = store.citizen_export(conn, PERSON)
        other = store.citizen_export(conn, "nobody")
    json.dumps(data)  # plain JSON
    assert [r["ticket_id"] for r in data["requests"]] == ["mine"]
    mine = data["requests"][0]
    assert mine["description"].startswith("Fuite d'eau") and mine["requester_contact"] == "nadia@example.org"
    assert mine["id_number_kept"] is True and "id_number_sealed" not in mine
    assert [(m["author"], m["body"][:5]) for m in mine["thread"]] == [("me", "Je su"), ("staff", "Nous ")]
    assert [f["ticket_id"] for f in data["follows"]] == ["theirs"]
    assert [s["ticket_id"] for s in data["signatures"]] == ["petition"]
    assert other == {"requests": [], "follows": [], "signatures": []}


def test_coordinates_are_coarsened_not_invented():
    assert erasure.coarse(None) is None
    assert erasure.coarse(35.578512) == 35.58
    row = {"latitude": None, "longitude": None}
    assert erasure.ticket_changes(row, NOW)["latitude"] is None
    with pytest.raises(ValueError):
        store.anonymise(None, "", NOW)


def test_a_walk_in_requesters_data_is_erased_from_that_request_only_with_an_audit_entry(tmp_path):
    e = seeded(tmp_path)
    personal(e, ticket_id="mine", citizen_id="", channel="walk_in")
    figures, _, _, before = snapshot(e)
    with e.begin() as conn:
        row = store.find_by_id(conn, "mine")
        assert store.erase_requester(conn, row, NOW, "manager-1", "office_manager", "asked at the desk")
    figures_after, _, _, after = snapshot(e)
    assert figures_after == figures
    mine = after["mine"]
    assert (mine["requester_name"], mine["requester_address"], mine["requester_contact"]) == ("", "", "")
    assert mine["id_number_sealed"] is None and mine["description"] == "" and mine["address"] == ""
    assert (mine["latitude"], mine["longitude"]) == (35.58, -5.37) and mine["anonymised_at"] is not None
    assert after["theirs"]["description"] == before["theirs"]["description"]  # other requests untouched
    with e.connect() as conn:
        bodies = dict(conn.execute(sa.select(store.ticket_messages.c.message_id, store.ticket_messages.c.body)).all())
        history = (
            conn.execute(
                sa.select(store.ticket_history)
                .where(store.ticket_history.c.ticket_id == "mine")
                .order_by(store.ticket_history.c.id)
            )
            .mappings()
            .all()
        )
    assert bodies == {"m1": "", "m2": "Nous intervenons demain.", "m3": "Moi aussi"}
    assert "déménage" not in json.dumps([dict(h, at=None) for h in history])
    audit = history[-1]
    assert (audit["action"], audit["actor"], audit["actor_role"]) == ("requester_erased", "manager-1", "office_manager")
    assert json.loads(audit["details"]) == {"reason": "asked at the desk"}
    with e.begin() as conn:  # a second time: nothing more changes, no second audit entry
        assert not store.erase_requester(
            conn, store.find_by_id(conn, "mine"), NOW, "manager-1", "office_manager", "again"
        )
    with e.connect() as conn:
        assert len(store.history_of(conn, "mine")) == len(history)
