"""Publicity, anonymity and the answer deadline per category of an office's catalogue, enforced by
tickets on every channel: the registry's defaults for a new office, then entries the office changes."""

from __future__ import annotations

import datetime as dt
import os
import time
import uuid
from zoneinfo import ZoneInfo

import grpc
import pytest
import requests
import sqlalchemy as sa

from citizenoffice.registry.v1 import registry_pb2, registry_pb2_grpc
from citizenoffice.tickets.v1 import tickets_pb2 as pb
from citizenoffice.tickets.v1 import tickets_pb2_grpc

from .helpers import eventually
from .test_tickets_workflows import reason
from .tickets_people import people
from .service_callers import through_platform
from .tickets_people import instance_admin

RUN = uuid.uuid4().hex[:8]
TEXT = "Le trottoir est bloqué par des travaux depuis deux semaines"


@pytest.fixture(scope="module")
def registry(platform, infra_backend):
    with grpc.insecure_channel(platform.grpc_target("registry")) as channel:
        yield registry_pb2_grpc.RegistryServiceStub(
            through_platform(channel, platform, instance_admin(platform, infra_backend))
        )


@pytest.fixture(scope="module")
def tickets(platform):
    with grpc.insecure_channel(platform.grpc_target("tickets")) as channel:
        yield tickets_pb2_grpc.TicketsServiceStub(through_platform(channel, platform))


@pytest.fixture(scope="module")
def office(registry):
    """An office of this run only: its catalogue is changed here without touching anyone else's."""
    profile = registry.CreateOffice(
        registry_pb2.CreateOfficeRequest(
            slug=f"e2e-{RUN}-cat",
            commune_code="tetouan",
            status="operational",
            name=registry_pb2.LocalizedName(fr="Bureau catégories", ar="مكتب الفئات"),
            location=registry_pb2.Location(latitude=35.57, longitude=-5.37),
        ),
        timeout=30,
    )
    office = profile.office
    for code, publicity, anonymous in (("market", "public", True), ("noise", "private", False)):
        registry.SetCatalogueEntry(
            registry_pb2.SetCatalogueEntryRequest(
                office_id=office.office_id,
                entry=(
                    registry_pb2.CatalogueEntry(
                        code=code,
                        request_type="complaint",
                        category=code,
                        active=True,
                        name=registry_pb2.LocalizedName(fr=code),
                        deadline_count=2,
                        deadline_unit="months",
                        publicity=publicity,
                        anonymous_allowed=anonymous,
                    )
                ),
            ),
            timeout=30,
        )
    yield office
    # Out of the lists of offices taking requests (the portal, Open311) once the tests are done.
    registry.UpdateOffice(registry_pb2.UpdateOfficeRequest(office_id=office.office_id, status="suspended"), timeout=30)


def web(platform, office, **fields) -> requests.Response:
    body = {"office": office.slug, "kind": "complaint", "description": TEXT, "language": "fr", **fields}
    return requests.post(f"{platform.base_url}/api/v1/tickets", json=body, timeout=30)


def public_of(infra, ticket_id: str) -> bool:
    with sa.create_engine(infra.database_url("tickets"), poolclass=sa.pool.NullPool).connect() as conn:
        return bool(conn.execute(sa.text("select public from tickets where ticket_id = :t"), {"t": ticket_id}).scalar())


def working_days_entry(office, code: str, count: int, unit: str = "working_days"):
    """A complaint category of `office` answered within `count` `unit`."""
    return registry_pb2.SetCatalogueEntryRequest(
        office_id=office.office_id,
        entry=registry_pb2.CatalogueEntry(
            code=code,
            request_type="complaint",
            category=code,
            active=True,
            name=registry_pb2.LocalizedName(fr="Lampadaires"),
            deadline_count=count,
            deadline_unit=unit,
        ),
    )


def mobile_complaint(tickets, office, code: str):
    """A complaint of category `code` filed from the mobile channel; its receipt."""
    return tickets.Submit(
        pb.SubmitRequest(
            office_id=office.office_id,
            kind=pb.COMPLAINT,
            category=code,
            description=TEXT,
            channel=pb.MOBILE,
            language="fr",
        ),
        timeout=30,
    )


def test_a_new_office_gets_the_default_rules_per_category(registry, office):
    entries = {
        e.code: (e.publicity, e.anonymous_allowed)
        for e in registry.ListCategories(
            registry_pb2.ListCategoriesRequest(office_id=office.office_id), timeout=30
        ).entries
    }
    assert entries["waste"] == ("choice", True)
    assert entries["civil-status"] == ("private", False)
    assert entries["information"] == ("private", False)
    assert entries["petition"] == ("public", False)
    assert entries["noise"] == ("private", False) and entries["market"] == ("public", True)
    # A client that does not know these fields (e.g. an older admin form) keeps what the office chose.
    registry.SetCatalogueEntry(
        registry_pb2.SetCatalogueEntryRequest(
            office_id=office.office_id,
            entry=(
                registry_pb2.CatalogueEntry(
                    code="noise",
                    request_type="complaint",
                    category="noise",
                    active=True,
                    name=registry_pb2.LocalizedName(fr="Bruit la nuit"),
                    deadline_count=2,
                    deadline_unit="months",
                )
            ),
        ),
        timeout=30,
    )
    noise = [
        e
        for e in registry.ListCategories(
            registry_pb2.ListCategoriesRequest(office_id=office.office_id), timeout=30
        ).entries
        if e.code == "noise"
    ][0]
    assert (noise.name.fr, noise.publicity, noise.anonymous_allowed) == ("Bruit la nuit", "private", False)
    with pytest.raises(grpc.RpcError) as err:
        registry.SetCatalogueEntry(
            registry_pb2.SetCatalogueEntryRequest(
                office_id=office.office_id,
                entry=(
                    registry_pb2.CatalogueEntry(
                        code="info2",
                        request_type="information_request",
                        category="info2",
                        name=registry_pb2.LocalizedName(fr="Info"),
                        deadline_count=20,
                        anonymous_allowed=True,
                    )
                ),
            ),
            timeout=30,
        )
    assert (err.value.code(), reason(err.value)) == (grpc.StatusCode.INVALID_ARGUMENT, "ANONYMITY_NOT_LAWFUL")


def test_the_citizen_chooses_where_the_category_lets_them(platform, infra, office):
    chosen = web(platform, office, category="waste", public=True)
    assert chosen.status_code == 201, chosen.text
    assert public_of(infra, chosen.json()["ticket_id"]) is True
    silent = web(platform, office, category="waste")
    assert silent.status_code == 201, silent.text
    assert public_of(infra, silent.json()["ticket_id"]) is False
    form = requests.post(
        f"{platform.base_url}/submit",
        data={
            "office": office.slug,
            "kind": "complaint",
            "category": "waste",
            "description": TEXT,
            "language": "fr",
            "public": "true",
        },
        timeout=30,
    )
    assert form.status_code == 200 and 'class="code"' in form.text, form.text


def test_always_public_and_never_public_categories(platform, infra, office):
    always = web(platform, office, category="market")
    assert always.status_code == 201, always.text
    assert public_of(infra, always.json()["ticket_id"]) is True
    refused = web(platform, office, category="market", public=False)
    assert refused.status_code == 400 and refused.json()["reason"] == "CATEGORY_ALWAYS_PUBLIC", refused.text
    private = web(platform, office, category="civil-status", public=True, email=f"c{RUN}@example.ma")
    assert private.status_code == 400, private.text
    assert private.headers["Content-Type"].startswith("application/problem+json")
    assert private.json()["reason"] == "CATEGORY_NOT_PUBLIC"
    page = requests.post(
        f"{platform.base_url}/submit",
        data={
            "office": office.slug,
            "kind": "complaint",
            "category": "noise",
            "description": TEXT,
            "language": "fr",
            "public": "true",
            "email": f"n{RUN}@example.ma",
        },
        timeout=30,
    )
    assert page.status_code == 400 and "never made public" in page.text, page.text


def test_anonymous_requests_refused_on_every_channel_where_the_category_names_its_requester(platform, office, tickets):
    anonymous = web(platform, office, category="noise")
    assert anonymous.status_code == 400 and anonymous.json()["reason"] == "CATEGORY_NOT_ANONYMOUS", anonymous.text
    named = web(platform, office, category="noise", email=f"a{RUN}@example.ma", name="Amina")
    assert named.status_code == 201, named.text
    for channel in (pb.MOBILE, pb.OPEN311):
        with pytest.raises(grpc.RpcError) as err:
            tickets.Submit(
                pb.SubmitRequest(
                    office_id=office.office_id,
                    kind=pb.COMPLAINT,
                    category="civil-status",
                    description=TEXT,
                    channel=channel,
                    language="fr",
                ),
                timeout=30,
            )
        assert (err.value.code(), reason(err.value)) == (grpc.StatusCode.INVALID_ARGUMENT, "CATEGORY_NOT_ANONYMOUS")
    # The same category is fine with a known requester; anonymity stays open where the category allows it.
    assert tickets.Submit(
        pb.SubmitRequest(
            office_id=office.office_id,
            kind=pb.COMPLAINT,
            category="civil-status",
            description=TEXT,
            channel=pb.MOBILE,
            language="fr",
            citizen_id="c-1",
        ),
        timeout=30,
    ).tracking_code
    assert web(platform, office, category="waste").status_code == 201


def test_walk_in_without_a_name_refused_where_the_category_names_its_requester(platform, infra_backend, office):
    clerk = people(platform, infra_backend, {"clerk": ("staff", {"office": office.office_id})})["clerk"]
    headers = {"Authorization": f"Bearer {clerk.token}"}
    body = {"office": office.slug, "kind": "complaint", "category": "noise", "description": TEXT, "language": "fr"}
    refused = requests.post(f"{platform.base_url}/api/v1/staff/tickets/walk-in", json=body, headers=headers, timeout=30)
    assert refused.status_code == 400 and refused.json()["reason"] == "CATEGORY_NOT_ANONYMOUS", refused.text
    named = requests.post(
        f"{platform.base_url}/api/v1/staff/tickets/walk-in",
        headers=headers,
        timeout=30,
        json=dict(body, requester={"name": "Hassan", "contact": "0611111111"}),
    )
    assert named.status_code == 201, named.text


def test_the_deadline_an_office_sets_on_a_category_is_on_the_receipt_and_in_open311(
    platform, registry, tickets, office
):
    code = f"lamps-{RUN}"

    def lamps(count: int, unit: str):
        return working_days_entry(office, code, count, unit)

    # Beyond the decree's two months: refused, with the reason.
    with pytest.raises(grpc.RpcError) as err:
        registry.SetCatalogueEntry(lamps(3, "months"), timeout=30)
    assert (err.value.code(), reason(err.value)) == (grpc.StatusCode.INVALID_ARGUMENT, "DEADLINE_BEYOND_LEGAL")
    registry.SetCatalogueEntry(lamps(5, "working_days"), timeout=30)
    time.sleep(1.1)  # tickets asks the registry again for a category it has not seen, once a second at most
    receipt = mobile_complaint(tickets, office, code)
    zone = ZoneInfo("Africa/Casablanca")
    received = receipt.submitted_at.ToDatetime().replace(tzinfo=dt.timezone.utc).astimezone(zone).date()
    last_day = dt.date.fromisoformat(
        registry.AddWorkingDays(
            registry_pb2.AddWorkingDaysRequest(from_date=received.isoformat(), days=5), timeout=30
        ).date
    )
    ends = dt.datetime.combine(last_day + dt.timedelta(days=1), dt.time(0), tzinfo=zone).astimezone(dt.timezone.utc)
    assert receipt.answer_by.ToDatetime().replace(tzinfo=dt.timezone.utc) == ends
    assert receipt.acknowledge_by.ToDatetime() <= receipt.answer_by.ToDatetime()
    # What Open311 clients are told is the same rule.
    jurisdiction = {"jurisdiction_id": office.commune_code}
    definition = requests.get(f"{platform.base_url}/open311/v2/services/{code}.json", params=jurisdiction, timeout=30)
    assert definition.status_code == 200, definition.text
    [deadline] = [a for a in definition.json()["attributes"] if a["code"] == "deadline"]
    assert "answer within 5 working days" in deadline["description"]
    services = requests.get(f"{platform.base_url}/open311/v2/services.json", params=jurisdiction, timeout=30).json()
    [service] = [s for s in services if s["service_code"] == code]
    assert "answer within 5 working days" in service["description"]


@pytest.mark.skipif(
    os.environ.get("CITIZENOFFICE_E2E_OWN_DATABASES") != "1",
    reason="adds a holiday this week: only on a registry of the session's own (CITIZENOFFICE_E2E_OWN_DATABASES=1)",
)
def test_a_holiday_added_or_removed_reaches_the_next_receipt(registry, tickets, office):
    """tickets keeps a copy of the registry's calendar (10 minutes); calendar.changed, read by
    every replica, drops it: the next receipt counts the new holiday, and no longer counts it
    once it is removed."""
    code = f"holiday-{RUN}"
    registry.SetCatalogueEntry(working_days_entry(office, code, 5), timeout=30)
    time.sleep(1.1)  # tickets asks the registry again for a category it has not seen, once a second at most

    def answer_by():
        return mobile_complaint(tickets, office, code).answer_by.ToDatetime()

    before = answer_by()
    zone = ZoneInfo("Africa/Casablanca")
    today = dt.datetime.now(zone).date()
    first = dt.date.fromisoformat(
        registry.AddWorkingDays(
            registry_pb2.AddWorkingDaysRequest(from_date=today.isoformat(), days=1), timeout=30
        ).date
    )
    key = f"e2e-{RUN}"
    registry.SetHoliday(
        registry_pb2.SetHolidayRequest(
            rule=registry_pb2.HolidayRule(key=key, name_fr="Jour férié de test", date=first.isoformat(), confirmed=True)
        ),
        timeout=30,
    )
    try:
        later = eventually(lambda: (lambda d: d if d > before else None)(answer_by()), timeout=20, what="a later day")
        assert later - before >= dt.timedelta(days=1)
    finally:
        registry.DeleteHoliday(registry_pb2.DeleteHolidayRequest(key=key), timeout=30)
    eventually(lambda: answer_by() == before, timeout=20, what="the holiday gone from the receipts")
