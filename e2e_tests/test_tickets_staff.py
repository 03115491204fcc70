"""The office's work on requests, on the real servers: assignment and transfer, thread and
internal notes, the staff queue, statistics, duplicates and merges, petitions' signatures.
Every caller is a real account whose access token rides on the call's metadata."""

from __future__ import annotations

import datetime as dt
import uuid

import grpc
import pytest

from citizenoffice.tickets.v1 import tickets_pb2 as pb
from citizenoffice.tickets.v1 import tickets_pb2_grpc

from .test_tickets_workflows import EventTap, reason
from .test_identity_helpers import offices
from .tickets_people import people
from .service_callers import through_platform


@pytest.fixture()
def stub(platform):
    with grpc.insecure_channel(platform.grpc_target("tickets")) as channel:
        yield tickets_pb2_grpc.TicketsServiceStub(through_platform(channel, platform))


@pytest.fixture(scope="module")
def crew(platform, infra_backend):
    return people(
        platform,
        infra_backend,
        {
            "clerk": ("staff", {"office": "tetouan"}),
            "citizen": None,
            "neighbour": None,
            "voter": None,
            "petitioner": None,
        },
    )


def complaint(stub, text: str, citizen: str = "", **changes):
    request = pb.SubmitRequest(
        office_id="tetouan",
        kind=pb.COMPLAINT,
        category="lighting",
        description=text,
        citizen_id=citizen,
        channel=pb.WEB,
        language="fr",
        **changes,
    )
    return stub.Submit(request, timeout=30)


def test_assignment_thread_notes_and_queue(platform, stub, infra, crew):
    marker = uuid.uuid4().hex[:10]
    clerk, me = crew["clerk"].metadata, crew["citizen"].metadata
    # pseudonymous ids are in events by design; the text is not
    receipt = complaint(stub, f"Lampadaire éteint impasse {marker}", citizen=crew["citizen"].citizen_id)
    tap = EventTap(infra.kafka_bootstrap)
    try:
        assigned = stub.Assign(
            pb.AssignRequest(ticket_id=receipt.ticket_id, department="voirie", assignee_id="agent-42", priority=1),
            timeout=10,
            metadata=clerk,
        )
        assert (assigned.department, assigned.priority) == ("voirie", 1)
        with pytest.raises(grpc.RpcError) as err:
            stub.Assign(pb.AssignRequest(ticket_id=receipt.ticket_id, assignee_id="me"), timeout=10, metadata=me)
        assert err.value.code() == grpc.StatusCode.PERMISSION_DENIED
        # The request's actor field is not believed: a citizen naming itself staff is still a citizen.
        with pytest.raises(grpc.RpcError) as err:
            stub.Assign(
                pb.AssignRequest(
                    ticket_id=receipt.ticket_id, assignee_id="me", actor=pb.Actor(id="agent-x", role="staff")
                ),
                timeout=10,
                metadata=me,
            )
        assert err.value.code() == grpc.StatusCode.PERMISSION_DENIED
        with pytest.raises(grpc.RpcError) as err:
            stub.Assign(pb.AssignRequest(ticket_id=receipt.ticket_id, assignee_id="me"), timeout=10)
        assert (err.value.code(), reason(err.value)) == (grpc.StatusCode.UNAUTHENTICATED, "AUTHENTICATION_REQUIRED")
        stub.PostMessage(
            pb.MessageRequest(
                ticket_id=receipt.ticket_id, internal=True, body=f"note interne {marker}: voir le prestataire"
            ),
            timeout=10,
            metadata=clerk,
        )
        stub.PostMessage(
            pb.MessageRequest(ticket_id=receipt.ticket_id, body="Une équipe passe jeudi."), timeout=10, metadata=clerk
        )
        stub.PostMessage(pb.MessageRequest(ticket_id=receipt.ticket_id, body="Merci !"), timeout=10, metadata=me)
        with pytest.raises(grpc.RpcError) as err:
            stub.PostMessage(
                pb.MessageRequest(ticket_id=receipt.ticket_id, internal=True, body="note"), timeout=10, metadata=me
            )
        assert err.value.code() == grpc.StatusCode.PERMISSION_DENIED
        as_citizen = stub.Thread(pb.ThreadRequest(ticket_id=receipt.ticket_id), timeout=10, metadata=me)
        as_staff = stub.Thread(pb.ThreadRequest(ticket_id=receipt.ticket_id), timeout=10, metadata=clerk)
        with pytest.raises(grpc.RpcError) as err:
            stub.Thread(pb.ThreadRequest(ticket_id=receipt.ticket_id), timeout=10, metadata=crew["neighbour"].metadata)
        assert (err.value.code(), reason(err.value)) == (grpc.StatusCode.PERMISSION_DENIED, "NOT_YOUR_REQUEST")
        assert [m.body for m in as_citizen.messages] == ["Une équipe passe jeudi.", "Merci !"]
        assert len(as_staff.messages) == 3 and as_staff.messages[0].internal
        tap.wait_for(receipt.ticket_id, "ticket.assigned")
        tap.wait_for(receipt.ticket_id, "ticket.message_posted")
        assert all(marker.encode() not in raw for raw, _ in tap.seen)  # no text, no internal note in events
    finally:
        tap.close()

    # The agent's queue finds it; a text search within the office too; pages do not repeat.
    queue = stub.Search(pb.SearchRequest(assignee_id="agent-42", statuses=["submitted"]), timeout=10, metadata=clerk)
    assert receipt.ticket_id in [i.ticket_id for i in queue.items]
    assert {i.office_id for i in queue.items} == {assigned.office_id}  # the clerk's office only
    found = stub.Search(pb.SearchRequest(office_ids=[assigned.office_id], text=marker), timeout=10, metadata=clerk)
    assert [i.ticket_id for i in found.items] == [receipt.ticket_id]
    for n in range(2):  # at least three requests in the clerk's queue, whatever ran before
        complaint(stub, f"Trottoir abîmé, rue {n}")
    first = stub.Search(pb.SearchRequest(page_size=2), timeout=10, metadata=clerk)
    second = stub.Search(pb.SearchRequest(page_size=2, page_token=first.next_page_token), timeout=10, metadata=clerk)
    assert first.next_page_token and not {i.ticket_id for i in first.items} & {i.ticket_id for i in second.items}
    with pytest.raises(grpc.RpcError) as err:
        stub.Search(pb.SearchRequest(), timeout=10, metadata=me)
    assert err.value.code() == grpc.StatusCode.PERMISSION_DENIED
    with pytest.raises(grpc.RpcError) as err:
        stub.Search(pb.SearchRequest(office_ids=[offices(platform)["martil"]["office_id"]]), timeout=10, metadata=clerk)
    assert (err.value.code(), reason(err.value)) == (grpc.StatusCode.PERMISSION_DENIED, "OUTSIDE_YOUR_SCOPE")


def test_duplicates_suggested_merged_with_followers(stub, crew):
    marker = uuid.uuid4().hex[:8]
    where = dict(location=pb.Location(latitude=35.5711, longitude=-5.3724 + int(marker[:4], 16) * 1e-6))
    first = complaint(stub, f"Câble électrique pendant dangereux {marker}", citizen="c-first", public=True, **where)
    nearby = dict(
        location=pb.Location(latitude=where["location"].latitude + 0.0002, longitude=where["location"].longitude)
    )
    second = complaint(stub, f"Autre description sans rapport {marker[::-1]}", citizen="c-second", **nearby)
    assert first.ticket_id in [d.ticket_id for d in second.possible_duplicates]
    assert {d.why for d in second.possible_duplicates if d.ticket_id == first.ticket_id} == {"nearby"}
    with pytest.raises(grpc.RpcError) as err:
        stub.Follow(pb.FollowRequest(ticket_id=first.ticket_id, me_too=True), timeout=10)
    assert err.value.code() == grpc.StatusCode.UNAUTHENTICATED
    stub.Follow(
        pb.FollowRequest(ticket_id=first.ticket_id, me_too=True), timeout=10, metadata=crew["neighbour"].metadata
    )
    with pytest.raises(grpc.RpcError) as err:
        stub.Merge(
            pb.MergeRequest(ticket_id=second.ticket_id, into_ticket_id=first.ticket_id),
            timeout=10,
            metadata=crew["neighbour"].metadata,
        )
    assert err.value.code() == grpc.StatusCode.PERMISSION_DENIED
    kept = stub.Merge(
        pb.MergeRequest(ticket_id=second.ticket_id, into_ticket_id=first.ticket_id),
        timeout=10,
        metadata=crew["clerk"].metadata,
    )
    assert (kept.followers, kept.me_too) == (2, 2)  # the neighbour and the merged request's author
    merged = stub.Get(pb.GetTicketRequest(ticket_id=second.ticket_id), timeout=10)
    assert (merged.status, merged.merged_into) == ("merged", first.ticket_id)


def test_rating_after_the_answer_and_statistics(stub, crew):
    receipt = complaint(stub, "Trottoir effondré devant l'école primaire", citizen=crew["citizen"].citizen_id)
    me = crew["citizen"].metadata
    with pytest.raises(grpc.RpcError) as err:
        stub.Rate(pb.RateRequest(ticket_id=receipt.ticket_id, rating=5), timeout=10, metadata=me)
    assert reason(err.value) == "NOT_ANSWERED_YET"
    for action, extra in (("acknowledge", {}), ("start", {}), ("answer", {"answer": "Réparé", "outcome": "positive"})):
        stub.Transition(
            pb.TransitionRequest(ticket_id=receipt.ticket_id, action=action, **extra),
            timeout=10,
            metadata=crew["clerk"].metadata,
        )
    with pytest.raises(grpc.RpcError) as err:
        stub.Rate(
            pb.RateRequest(ticket_id=receipt.ticket_id, rating=1), timeout=10, metadata=crew["neighbour"].metadata
        )
    assert reason(err.value) == "NOT_YOUR_REQUEST"
    rated = stub.Rate(pb.RateRequest(ticket_id=receipt.ticket_id, rating=4, comment="rapide"), timeout=10, metadata=me)
    assert rated.rating == 4
    today = dt.date.today()
    figures = stub.Stats(
        pb.StatsRequest(
            office_id=rated.office_id,
            from_date=(today - dt.timedelta(days=1)).isoformat(),
            to_date=(today + dt.timedelta(days=1)).isoformat(),
        ),
        timeout=30,
    )
    assert figures.total >= 1 and figures.answered >= 1 and figures.ratings >= 1
    assert 0 < figures.within_deadline_share <= 1 and figures.by_kind["complaint"] >= 1
    public = stub.Stats(
        pb.StatsRequest(office_id=rated.office_id, public=True, from_date=today.isoformat(), to_date=today.isoformat()),
        timeout=30,
    )
    assert all(count >= 5 for count in public.by_category.values())


def test_petition_signatures_one_per_person(stub, crew):
    receipt = stub.Submit(
        pb.SubmitRequest(
            office_id="tetouan",
            kind=pb.PETITION,
            category="council_agenda",
            channel=pb.WEB,
            language="ar",
            description="Inscrire à l'ordre du jour l'aménagement du jardin public du quartier",
            citizen_id=crew["petitioner"].citizen_id,
            requester=pb.Requester(name="Collectif du quartier"),
        ),
        timeout=30,
    )
    assert receipt.status == "filed"
    clerk = crew["clerk"].metadata
    stub.Transition(
        pb.TransitionRequest(ticket_id=receipt.ticket_id, action="open_signatures"), timeout=10, metadata=clerk
    )
    voter = crew["voter"].metadata
    signed = stub.Sign(pb.SignRequest(ticket_id=receipt.ticket_id, eligible=True), timeout=10, metadata=voter)
    assert signed.signatures == 1 and signed.threshold > 1
    with pytest.raises(grpc.RpcError) as err:
        stub.Sign(pb.SignRequest(ticket_id=receipt.ticket_id, eligible=True), timeout=10, metadata=voter)
    assert reason(err.value) == "ALREADY_SIGNED"
    with pytest.raises(grpc.RpcError) as err:
        stub.Transition(
            pb.TransitionRequest(ticket_id=receipt.ticket_id, action="request_check"), timeout=10, metadata=clerk
        )
    assert reason(err.value) == "NOT_ENOUGH_SIGNATURES"


def test_queue_text_search_folds_arabic_spellings_and_french_accents(stub, crew):
    """On PostgreSQL (full text over the normal form): an attached article, hamza forms, ta
    marbuta, harakat and tatweel on either side; French accents and capitals."""
    marker = uuid.uuid4().hex[:10]
    clerk = crew["clerk"].metadata
    arabic = complaint(stub, f"الإنارة العموميّة معطلة قرب المدرسـة {marker}")
    french = complaint(stub, f"Éclairage défectueux près du cœur de la médina {marker}")

    def found(text: str) -> set[str]:
        page = stub.Search(pb.SearchRequest(text=f"{text} {marker}"), timeout=10, metadata=clerk)
        return {i.ticket_id for i in page.items}

    for words in ("إنارة", "انارة", "بالإنارة", "وللإنارة", "إِنَارَة", "العمومية", "معطّلة مدرسه", "المدرسة"):
        assert found(words) == {arabic.ticket_id}, words
    for words in ("eclairage", "ÉCLAIRAGE defect", "medina", "coeur"):
        assert found(words) == {french.ticket_id}, words
    assert found("") == {arabic.ticket_id, french.ticket_id}
    assert found("إضاءة") == set() and found("éclairer") == set()


def test_the_assignee_is_shown_to_the_office_staff_only(stub, crew):
    clerk, citizen = crew["clerk"], crew["citizen"]
    receipt = complaint(stub, f"Nid de poule devant le n° 12 {uuid.uuid4().hex[:8]}", citizen=citizen.citizen_id)
    assigned = stub.Assign(
        pb.AssignRequest(ticket_id=receipt.ticket_id, department="voirie", assignee_id=clerk.citizen_id),
        timeout=10,
        metadata=clerk.metadata,
    )
    assert (assigned.department, assigned.assignee_id) == ("voirie", clerk.citizen_id)
    as_staff = stub.Get(pb.GetTicketRequest(ticket_id=receipt.ticket_id), timeout=10, metadata=clerk.metadata)
    assert (as_staff.department, as_staff.assignee_id) == ("voirie", clerk.citizen_id)
    # Without a token, as the requester (Get, their own view) or by tracking code: no assignee.
    assert stub.Get(pb.GetTicketRequest(ticket_id=receipt.ticket_id), timeout=10).assignee_id == ""
    assert (
        stub.Get(pb.GetTicketRequest(ticket_id=receipt.ticket_id), timeout=10, metadata=citizen.metadata).assignee_id
        == ""
    )
    assert (
        stub.GetMine(
            pb.GetTicketRequest(ticket_id=receipt.ticket_id), timeout=10, metadata=citizen.metadata
        ).status.assignee_id
        == ""
    )
    assert stub.TrackByCode(pb.TrackByCodeRequest(tracking_code=receipt.tracking_code), timeout=10).assignee_id == ""
