"""GeoReport v2 documents: statuses, dates, services, requests and errors in JSON and XML."""

from __future__ import annotations

import datetime as dt
import json
import math
from xml.etree import ElementTree

import pytest
from google.protobuf.timestamp_pb2 import Timestamp

from citizenoffice.registry.v1 import registry_pb2 as registry_pb
from citizenoffice.tickets.v1 import tickets_pb2 as tickets_pb
from cokit.errors import DomainError
from gateway import open311

NOW = dt.datetime(2026, 11, 25, 12, 0, tzinfo=dt.timezone.utc)


def ts(moment: dt.datetime) -> Timestamp:
    t = Timestamp()
    t.FromDatetime(moment)
    return t


def entry(**changes):
    values = dict(
        code="lighting",
        request_type="complaint",
        category="lighting",
        name=registry_pb.LocalizedName(fr="Éclairage public", ar="الإنارة العمومية", en="Street lighting"),
        deadline_count=2,
        deadline_unit="months",
        legal_basis="Décret 2-17-265",
        department="Service technique",
        requires_location=True,
        active=True,
        publicity="choice",
        anonymous_allowed=True,
    )
    values.update(changes)
    return registry_pb.CatalogueEntry(**values)


def test_every_workflow_status_is_open_or_closed():
    """Closed once the office has given its decision or the request is over, as each type's
    machine says; a request waiting on its requester, or appealed, is open."""
    closed = {
        "answered",
        "closed",
        "accepted",
        "declined",
        "completed",
        "rejected",
        "partially_answered",
        "refused",
        "implicitly_refused",
        "appeal_answered",
    }
    assert closed <= set(open311.statuses_for("closed"))
    assert not closed & set(open311.statuses_for("open"))
    assert set(open311.statuses_for("open")) >= (
        {
            "submitted",
            "acknowledged",
            "in_progress",
            "reopened",
            "under_study",
            "received",
            "extended",
            "appealed",
            "waiting_for_citizen",
            "filed",
            "collecting_signatures",
            "admissibility_check",
        }
    )
    assert open311.open_or_closed("submitted") == "open" and open311.open_or_closed("closed") == "closed"
    assert open311.open_or_closed("answered") == "closed" and open311.open_or_closed("waiting_for_citizen") == "open"


def test_status_filter():
    assert open311.statuses_for("") == [] and open311.statuses_for("open,closed") == []
    assert "closed" in open311.statuses_for("closed") and "submitted" not in open311.statuses_for("closed")
    assert "submitted" in open311.statuses_for(" Open ")
    with pytest.raises(DomainError) as err:
        open311.statuses_for("pending")
    assert err.value.reason == "STATUS_INVALID"


@pytest.mark.parametrize(
    "text,expected",
    [
        ("2026-11-20", dt.datetime(2026, 11, 20, tzinfo=dt.timezone.utc)),
        ("2026-11-20T10:30:00Z", dt.datetime(2026, 11, 20, 10, 30, tzinfo=dt.timezone.utc)),
        ("2026-11-20T10:30:00+01:00", dt.datetime(2026, 11, 20, 9, 30, tzinfo=dt.timezone.utc)),
        ("2026-11-20T10:30", dt.datetime(2026, 11, 20, 10, 30, tzinfo=dt.timezone.utc)),
    ],
)
def test_w3c_dates(text, expected):
    assert open311.parse_w3c(text, "start_date") == expected


@pytest.mark.parametrize("text", ["yesterday", "2026-13-01", "20261120", "2026-11-20 10:30", "2026-11-20T25:00Z"])
def test_bad_dates_are_refused(text):
    with pytest.raises(DomainError) as err:
        open311.parse_w3c(text, "start_date")
    assert err.value.reason == "DATE_INVALID"


def test_period_defaults_to_ninety_days_and_is_bounded():
    assert open311.period("", "", NOW) == (NOW - dt.timedelta(days=90), NOW)
    start, end = open311.period("2026-11-01", "", NOW)
    assert (start.day, end - start) == (1, dt.timedelta(days=90))
    assert open311.period("", "2026-11-01T00:00:00Z", NOW)[0] == dt.datetime(2026, 8, 3, tzinfo=dt.timezone.utc)
    for start, end, reason in (
        ("2026-11-10", "2026-11-01", "PERIOD_INVALID"),
        ("9999-12-31", "", "PERIOD_INVALID"),
        ("", "0001-01-01", "PERIOD_INVALID"),
        ("2026-01-01", "2026-11-01", "PERIOD_TOO_LONG"),
    ):
        with pytest.raises(DomainError) as err:
            open311.period(start, end, NOW)
        assert err.value.reason == reason


def test_service_and_definition_from_the_catalogue():
    service = open311.service_json(entry(), "fr")
    assert service == {
        "service_code": "lighting",
        "service_name": "Éclairage public",
        "description": "Service technique; answer within 2 months; Décret 2-17-265",
        "metadata": True,
        "type": "realtime",
        "keywords": "complaint,lighting",
        "group": "lighting",
    }
    assert open311.service_json(entry(), "ar")["service_name"] == "الإنارة العمومية"
    # Every definition says the answer deadline, so every service has one to read.
    assert open311.service_json(entry(requires_location=False), "fr")["metadata"] is True
    definition = open311.definition_json(entry(requires_attachments=True))
    assert [(a["code"], a["required"]) for a in definition["attributes"]] == [
        ("location", True),
        ("media", True),
        ("deadline", False),
    ]
    assert all(a["variable"] is False for a in definition["attributes"])
    assert [a["order"] for a in definition["attributes"]] == [1, 2, 3]
    assert not open311.offered(entry(request_type="information_request"))
    assert not open311.offered(entry(active=False))


def test_definition_says_when_a_service_names_its_reporter_or_keeps_requests_private():
    strict = entry(requires_location=False, anonymous_allowed=False, publicity="private")
    assert open311.service_json(strict, "fr")["metadata"] is True
    attributes = open311.definition_json(strict)["attributes"]
    assert [(a["code"], a["required"]) for a in attributes] == [
        ("contact", True),
        ("private", False),
        ("deadline", False),
    ]
    assert "email or phone" in attributes[0]["description"]


@pytest.mark.parametrize(
    "count,unit,said",
    [
        (10, "working_days", "answer within 10 working days"),
        (30, "days", "answer within 30 days"),
        (6, "months", "answer within 2 months"),  # saved before the law's bounds were checked: the decree's
    ],
)
def test_the_advertised_deadline_is_the_one_tickets_applies(count, unit, said):
    from cokit import request_types
    from tickets import domain

    lighting = entry(deadline_count=count, deadline_unit=unit)
    applied = (
        domain.category_rules([lighting], "complaint", "lighting").deadline
        or request_types.get("complaint").deadline.legal
    )
    assert said == f"answer within {applied}"
    assert said in open311.service_json(lighting, "fr")["description"]
    [deadline] = [a for a in open311.definition_json(lighting)["attributes"] if a["code"] == "deadline"]
    assert f"The office will {said} of receipt" in deadline["description"]


def test_language_of_accept_language():
    assert open311.language_of("ar-MA,ar;q=0.9") == "ar"
    assert open311.language_of("de-DE, en;q=0.5") == "en"
    assert open311.language_of("") == "fr"


def request(**changes):
    values = dict(
        ticket_id="0193-abc",
        office_id="o1",
        kind=tickets_pb.COMPLAINT,
        category="lighting",
        status="in_progress",
        submitted_at=ts(NOW),
        updated_at=ts(NOW + dt.timedelta(hours=2)),
        answer_by=ts(NOW + dt.timedelta(days=60)),
        public=True,
        description="Lampadaire éteint",
        media_url="https://example.org/p.jpg",
        location=tickets_pb.Location(latitude=35.57, longitude=-5.37, address="Avenue Hassan II"),
    )
    values.update(changes)
    return tickets_pb.PublicRequest(**values)


def test_a_request_field_by_field():
    body = open311.request_json(request(), entry(), "Tétouan", "fr")
    assert body == {
        "service_request_id": "0193-abc",
        "status": "open",
        "status_notes": "The office is working on it.",
        "service_name": "Éclairage public",
        "service_code": "lighting",
        "description": "Lampadaire éteint",
        "agency_responsible": "Tétouan - Service technique",
        "service_notice": None,
        "requested_datetime": "2026-11-25T12:00:00Z",
        "updated_datetime": "2026-11-25T14:00:00Z",
        "expected_datetime": "2027-01-24T12:00:00Z",
        "address": "Avenue Hassan II",
        "address_id": None,
        "zipcode": None,
        "lat": 35.57,
        "long": -5.37,
        "media_url": "https://example.org/p.jpg",
    }


def test_a_request_tickets_kept_private_shows_no_text_place_or_photo():
    private = tickets_pb.PublicRequest(
        ticket_id="x",
        office_id="o1",
        kind=tickets_pb.COMPLAINT,
        category="lighting",
        status="closed",
        submitted_at=ts(NOW),
        updated_at=ts(NOW),
        answer_by=ts(NOW),
    )
    body = open311.request_json(private, entry(), "Tétouan", "fr")
    assert body["status"] == "closed"
    assert [body[k] for k in ("description", "address", "lat", "long", "media_url")] == [None] * 5
    address_only = open311.request_json(
        request(location=tickets_pb.Location(latitude=math.nan, longitude=math.nan, address="Souk")), entry(), "T", "fr"
    )
    assert (address_only["address"], address_only["lat"], address_only["long"]) == ("Souk", None, None)


def test_json_and_xml_documents():
    items = [open311.request_json(request(description="a\x01b <&>"), entry(), "Tétouan", "fr")]
    as_json = open311.document("json", "service_requests", items)
    assert as_json.mimetype == "application/json" and json.loads(as_json.get_data())[0]["lat"] == 35.57
    as_xml = open311.document("xml", "service_requests", items)
    assert as_xml.mimetype == "text/xml"
    root = ElementTree.fromstring(as_xml.get_data())
    [req] = root.findall("request")
    assert root.tag == "service_requests" and req.findtext("description") == "ab <&>"
    assert req.findtext("lat") == "35.57" and req.findtext("zipcode") == ""
    definition = open311.document("xml", "service_definition", [open311.definition_json(entry())])
    root = ElementTree.fromstring(definition.get_data())
    assert root.tag == "service_definition" and root.find("attributes/attribute/variable").text == "false"


def test_errors_in_the_specification_shape():
    response = open311.errors("json", 400, "service_code is required")
    assert response.status_code == 400 and json.loads(response.get_data()) == [
        {"code": 400, "description": "service_code is required"}
    ]
    root = ElementTree.fromstring(open311.errors("xml", 403, "api_key is required").get_data())
    assert root.tag == "errors" and root.find("error/code").text == "403"
    assert root.find("error/description").text == "api_key is required"
    assert json.loads(open311.errors("csv", 404, "x").get_data())[0]["code"] == 404


def test_discovery_names_the_endpoint_and_its_formats():
    body = open311.discovery_json("https://bureau.example.ma/")
    [endpoint] = body["endpoints"]
    assert endpoint["url"] == "https://bureau.example.ma/open311/v2" and endpoint["type"] == "production"
    assert endpoint["specification"] == "http://wiki.open311.org/GeoReport_v2"
    root = ElementTree.fromstring(open311.document("xml", "discovery", [body]).get_data())
    assert root.tag == "discovery" and root.findtext("endpoints/endpoint/url") == endpoint["url"]
    assert [f.text for f in root.findall("endpoints/endpoint/formats/format")] == ["text/xml", "application/json"]
