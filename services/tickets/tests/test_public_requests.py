"""The public list behind Open311: an office's requests over a period or named ones, newest
first, showing text, place and photo only of public requests, and no hidden text."""

import datetime as dt
import math

import pytest
import sqlalchemy as sa

from cokit.migrations import History
from cokit.refusals import Refusal
from tickets import domain, service, store

from .test_scheduler import NOW, engine, insert


def _set(e, ticket_id, **values):
    with e.begin() as conn:
        conn.execute(store.tickets.update().where(store.tickets.c.ticket_id == ticket_id).values(**values))


def test_period_office_and_status_filters_newest_first(tmp_path):
    e = engine(tmp_path)
    for n, days_ago in enumerate((1, 5, 100)):
        insert(e, f"t-{n}", "complaint", "submitted", NOW)
        _set(e, f"t-{n}", submitted_at=NOW - dt.timedelta(days=days_ago))
    insert(e, "other-office", "complaint", "submitted", NOW)
    _set(e, "other-office", office_id="o2", submitted_at=NOW - dt.timedelta(days=2))
    _set(e, "t-1", status="closed")
    start, end = NOW - dt.timedelta(days=90), NOW
    with e.connect() as conn:
        listed = store.public_requests(conn, office_ids=["o1"], start=start, end=end)
        closed = store.public_requests(conn, office_ids=["o1"], statuses=["closed"], start=start, end=end)
        named = store.public_requests(conn, ticket_ids=["t-2", "other-office"], office_ids=["o1"], start=start, end=end)
        one = store.public_requests(conn, office_ids=["o1"], start=start, end=end, limit=1)
    assert [r["ticket_id"] for r in listed] == ["t-0", "t-1"]
    assert [r["ticket_id"] for r in closed] == ["t-1"]
    # named requests ignore the period and the office, as Open311's service_request_id does
    assert sorted(r["ticket_id"] for r in named) == ["other-office", "t-2"]
    assert [r["ticket_id"] for r in one] == ["t-0"]


def test_only_public_requests_show_text_place_and_photo_and_hidden_text_stays_hidden(tmp_path):
    e = engine(tmp_path)
    for ticket_id in ("private", "public", "hidden"):
        insert(e, ticket_id, "complaint", "submitted", NOW)
        _set(
            e,
            ticket_id,
            description="Lampadaire en panne rue 12",
            latitude=35.57,
            longitude=-5.37,
            address="Rue 12",
            media_url="https://example.org/p.jpg",
            public=ticket_id != "private",
            hidden_reason="insult" if ticket_id == "hidden" else "",
        )
    with e.connect() as conn:
        rows = {r["ticket_id"]: service.public_request(r) for r in store.public_requests(conn, office_ids=["o1"])}
    private, public, hidden = rows["private"], rows["public"], rows["hidden"]
    assert (private.description, private.media_url, private.HasField("location")) == ("", "", False)
    assert public.description == "Lampadaire en panne rue 12" and public.media_url == "https://example.org/p.jpg"
    assert (public.location.latitude, public.location.address) == (35.57, "Rue 12")
    assert hidden.description == "" and hidden.location.address == "Rue 12"
    assert not hasattr(public, "citizen_id")


def test_an_address_without_coordinates_keeps_them_unset(tmp_path):
    e = engine(tmp_path)
    insert(e, "addr", "complaint", "submitted", NOW)
    _set(e, "addr", public=True, address="Place Moulay El Mehdi")
    with e.connect() as conn:
        [row] = store.public_requests(conn, ticket_ids=["addr"])
    item = service.public_request(row)
    assert item.location.address == "Place Moulay El Mehdi" and math.isnan(item.location.latitude)


@pytest.mark.parametrize(
    "url", ["ftp://example.org/p.jpg", "javascript:alert(1)", "https://x/" + "a" * 1100, "https://exa mple.org/p.jpg"]
)
def test_media_url_is_an_http_address(url):
    sub = domain.Submission(
        office_id="o1",
        kind="complaint",
        category="roads",
        description="Nid de poule rue 5",
        citizen_id="",
        channel="open311",
        language="fr",
        media_url=url,
    )
    with pytest.raises(Refusal) as err:
        domain.validate_submission(sub)
    assert err.value.reason == "MEDIA_URL_INVALID"


def test_media_url_column_is_added_to_an_older_table(tmp_path):
    e = sa.create_engine(f"sqlite:///{tmp_path / 'old.db'}")
    with e.begin() as conn:
        conn.execute(sa.text("create table tickets (ticket_id varchar(36) primary key)"))
        History.of("tickets").upgrade(conn)
        columns = {c["name"] for c in sa.inspect(conn).get_columns("tickets")}
    assert "media_url" in columns
