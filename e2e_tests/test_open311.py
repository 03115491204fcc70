"""Open311 GeoReport v2 on the real services, checked field by field against the specification
(wiki.open311.org/GeoReport_v2) in JSON and XML: the commune's services and their definitions,
a request filed with an API key that becomes a ticket of channel open311 with its receipt and
ticket.submitted event, the request lists with their filters, tokens, and every error in the
specification's shape."""

from __future__ import annotations

import datetime as dt
import json
import re
import uuid
from xml.etree import ElementTree

import grpc
import pytest
import requests
import sqlalchemy as sa

from citizenoffice.tickets.v1 import tickets_pb2 as pb
from citizenoffice.tickets.v1 import tickets_pb2_grpc

from .helpers import eventually
from .test_identity_helpers import national_admin, post
from .test_tickets_workflows import EventTap
from .tickets_people import people

BASE = "/open311/v2"
JURISDICTION = "tetouan"
W3C_UTC = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$")

SERVICE_FIELDS = {
    "service_code": str,
    "service_name": str,
    "description": str,
    "metadata": bool,
    "type": str,
    "keywords": str,
    "group": str,
}
OPTIONAL_TEXT = (str, type(None))
REQUEST_FIELDS = {
    "service_request_id": str,
    "status": str,
    "status_notes": OPTIONAL_TEXT,
    "service_name": str,
    "service_code": str,
    "description": OPTIONAL_TEXT,
    "agency_responsible": OPTIONAL_TEXT,
    "service_notice": OPTIONAL_TEXT,
    "requested_datetime": str,
    "updated_datetime": OPTIONAL_TEXT,
    "expected_datetime": OPTIONAL_TEXT,
    "address": OPTIONAL_TEXT,
    "address_id": OPTIONAL_TEXT,
    "zipcode": OPTIONAL_TEXT,
    "lat": (float, type(None)),
    "long": (float, type(None)),
    "media_url": OPTIONAL_TEXT,
}


def url(platform, path: str) -> str:
    return f"{platform.base_url}{BASE}{path}"


def get(platform, path: str, **params) -> requests.Response:
    return requests.get(url(platform, path), params=params, timeout=30)


def submit(platform, fmt: str = "json", **fields) -> requests.Response:
    return requests.post(url(platform, f"/requests.{fmt}"), data=fields, timeout=30)


def xml_items(response: requests.Response, root: str, item: str) -> list[dict]:
    assert response.headers["Content-Type"].startswith("text/xml"), response.headers
    document = ElementTree.fromstring(response.content)
    assert document.tag == root, response.text
    assert all(child.tag == item for child in document), response.text
    return [{field.tag: field.text or "" for field in element} for element in document]


def assert_error(response: requests.Response, status: int, fmt: str, mentions: str = "") -> None:
    """GeoReport's errors: [{"code", "description"}] or <errors><error><code/><description/>."""
    assert response.status_code == status, response.text
    if fmt == "json":
        assert response.headers["Content-Type"].startswith("application/json")
        body = response.json()
        assert isinstance(body, list) and len(body) == 1 and set(body[0]) == {"code", "description"}, body
        code, description = body[0]["code"], body[0]["description"]
        assert isinstance(code, int)
    else:
        [error] = xml_items(response, "errors", "error")
        assert set(error) == {"code", "description"}, error
        code, description = int(error["code"]), error["description"]
    assert code == status and description and mentions in description, (code, description)
    assert "Traceback" not in response.text


def check_service(service: dict) -> None:
    assert set(service) == set(SERVICE_FIELDS), service
    for field, kind in SERVICE_FIELDS.items():
        assert isinstance(service[field], kind), (field, service)
    assert service["type"] in ("realtime", "batch", "blackbox")


def check_request(item: dict) -> None:
    assert set(item) == set(REQUEST_FIELDS), item
    for field, kind in REQUEST_FIELDS.items():
        assert isinstance(item[field], kind), (field, item)
    assert item["status"] in ("open", "closed")
    for field in ("requested_datetime", "updated_datetime", "expected_datetime"):
        assert item[field] is None or W3C_UTC.match(item[field]), (field, item[field])


def check_xml_request(element: dict, item: dict) -> None:
    """The XML request carries the JSON one's fields with the same values (absent as empty)."""
    assert set(element) == set(REQUEST_FIELDS), element
    for field, value in item.items():
        expected = "" if value is None else str(value)
        if isinstance(value, float):
            assert float(element[field]) == value, field
        else:
            assert element[field] == expected, (field, element[field], expected)


@pytest.fixture(scope="module")
def keys(platform, infra_backend) -> dict:
    """open311_client keys bound to the Tétouan office and to the Martil office."""
    _, admin = national_admin(platform, infra_backend)
    found = {}
    for office in ("tetouan", "martil"):
        r = post(
            platform,
            "/api/v1/api-keys",
            {"label": f"open311 {office}", "role": "open311_client", "scope": {"office": office}},
            admin,
        )
        assert r.status_code == 201, r.text
        found[office] = r.json()["secret"]
    return found


@pytest.fixture(scope="module")
def stub(platform):
    with grpc.insecure_channel(platform.grpc_target("tickets")) as channel:
        yield tickets_pb2_grpc.TicketsServiceStub(channel)


@pytest.fixture(scope="module")
def posted(platform, infra, keys) -> dict:
    """One request through POST requests.json, with the reporter's contact, and its event."""
    tap = EventTap(infra.kafka_bootstrap)
    email = f"open311.{uuid.uuid4().hex[:8]}@example.ma"
    try:
        r = submit(
            platform,
            api_key=keys["tetouan"],
            jurisdiction_id=JURISDICTION,
            service_code="lighting",
            lat="35.5785",
            long="-5.3684",
            address_string="Avenue Mohammed V",
            description="Lampadaire éteint depuis une semaine devant le lycée",
            email=email,
            first_name="Salma",
            last_name="Bennani",
            phone="+212600112233",
            media_url="https://photos.example.org/lampadaire.jpg",
            locale="fr",
        )
        assert r.status_code == 201, r.text
        [receipt] = r.json()
        [event] = tap.wait_for(receipt["service_request_id"], "ticket.submitted")
        raw = [value for value, envelope in tap.seen if envelope.aggregate_id == receipt["service_request_id"]]
    finally:
        tap.close()
    return {"receipt": receipt, "event": event, "raw": raw, "email": email}


# --- services -----------------------------------------------------------------------------------


def test_service_list_in_json_and_xml(platform):
    r = get(platform, "/services.json", jurisdiction_id=JURISDICTION)
    assert r.status_code == 200 and r.headers["Content-Type"].startswith("application/json"), r.text
    services = r.json()
    assert isinstance(services, list) and services
    for service in services:
        check_service(service)
    codes = {s["service_code"] for s in services}
    # the office's catalogue, without the requests the law ties to a known person
    assert {"roads", "lighting", "waste", "water", "observation", "suggestion"} <= codes
    assert not codes & {"information", "petition"}
    lighting = next(s for s in services if s["service_code"] == "lighting")
    assert lighting["metadata"] is True and lighting["group"] == "lighting"
    assert lighting["keywords"] == "complaint,lighting" and lighting["service_name"] == "Éclairage public"
    in_arabic = requests.get(
        url(platform, "/services.json"),
        params={"jurisdiction_id": JURISDICTION},
        headers={"Accept-Language": "ar-MA,ar;q=0.9"},
        timeout=30,
    ).json()
    assert {s["service_code"]: s["service_name"] for s in in_arabic}["lighting"] == "الإنارة العمومية"

    x = get(platform, "/services.xml", jurisdiction_id=JURISDICTION)
    assert x.status_code == 200
    as_xml = xml_items(x, "services", "service")
    assert [s["service_code"] for s in as_xml] == [s["service_code"] for s in services]
    for element, service in zip(as_xml, services):
        assert set(element) == set(SERVICE_FIELDS)
        assert element["metadata"] == ("true" if service["metadata"] else "false")
        assert element["service_name"] == service["service_name"] and element["group"] == service["group"]


def test_service_definition_in_json_and_xml(platform):
    r = get(platform, "/services/urbanism.json", jurisdiction_id=JURISDICTION)
    assert r.status_code == 200, r.text
    definition = r.json()
    assert definition["service_code"] == "urbanism" and isinstance(definition["attributes"], list)
    # What the catalogue asks for, then the deadline tickets applies (informational, not asked).
    assert [a["code"] for a in definition["attributes"]] == ["location", "media", "deadline"]
    for attribute in definition["attributes"]:
        assert set(attribute) == {
            "variable",
            "code",
            "datatype",
            "required",
            "datatype_description",
            "order",
            "description",
        }
        assert attribute["variable"] is False and attribute["required"] is (attribute["code"] != "deadline")
        assert attribute["datatype"] in ("string", "number", "datetime", "text", "singlevaluelist", "multivaluelist")
        assert isinstance(attribute["order"], int)
    x = get(platform, "/services/urbanism.xml", jurisdiction_id=JURISDICTION)
    root = ElementTree.fromstring(x.content)
    assert x.status_code == 200 and root.tag == "service_definition"
    assert root.findtext("service_code") == "urbanism"
    assert [a.findtext("code") for a in root.findall("attributes/attribute")] == ["location", "media", "deadline"]
    assert root.find("attributes/attribute/variable").text == "false"
    observation = get(platform, "/services/observation.json", jurisdiction_id=JURISDICTION).json()
    assert observation["service_code"] == "observation"
    assert [a["code"] for a in observation["attributes"]] == ["deadline"]
    assert (
        "working days" in observation["attributes"][0]["description"]
        or "month" in observation["attributes"][0]["description"]
    )


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_service_errors(platform, fmt):
    assert_error(get(platform, f"/services.{fmt}"), 400, fmt, "jurisdiction_id")
    assert_error(get(platform, f"/services.{fmt}", jurisdiction_id="atlantis"), 404, fmt, "atlantis")
    # a commune whose office does not take requests yet
    assert_error(get(platform, f"/services.{fmt}", jurisdiction_id="ouazzane"), 404, fmt, "ouazzane")
    assert_error(
        get(platform, f"/services/no-such-service.{fmt}", jurisdiction_id=JURISDICTION), 404, fmt, "no-such-service"
    )
    assert_error(get(platform, f"/services/roads.{fmt}"), 400, fmt, "jurisdiction_id")


def test_an_unknown_format_is_an_error(platform):
    assert_error(get(platform, "/services.csv", jurisdiction_id=JURISDICTION), 404, "json", ".xml")


# --- POST requests ------------------------------------------------------------------------------


def test_a_posted_request_becomes_a_ticket_of_channel_open311(platform, infra, infra_backend, posted):
    receipt = posted["receipt"]
    assert set(receipt) == {"service_request_id", "token", "service_notice", "account_id"}
    assert isinstance(receipt["service_request_id"], str) and receipt["account_id"] is None
    assert re.fullmatch(r"[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]", receipt["token"])
    assert receipt["token"] in receipt["service_notice"]
    payload = pb.TicketSubmitted()
    assert posted["event"].payload.Unpack(payload)
    assert payload.channel == pb.OPEN311 and payload.category == "lighting" and payload.kind == pb.COMPLAINT
    assert payload.tracking_code == receipt["token"] and payload.citizen_id
    assert all(
        posted["email"].encode() not in raw and b"Bennani" not in raw and b"600112233" not in raw
        for raw in posted["raw"]
    )
    with sa.create_engine(infra.database_url("tickets"), poolclass=sa.pool.NullPool).connect() as conn:
        row = conn.execute(
            sa.text(
                "select channel, public, category, latitude, address, media_url, citizen_id, description "
                "from tickets where ticket_id = :t"
            ),
            {"t": receipt["service_request_id"]},
        ).one()
    assert (row.channel, row.public, row.category, row.address) == ("open311", True, "lighting", "Avenue Mohammed V")
    assert row.latitude == 35.5785 and row.media_url == "https://photos.example.org/lampadaire.jpg"
    assert row.citizen_id == payload.citizen_id and posted["email"] not in " ".join(map(str, row))
    # the receipt can be followed on the portal's tracking by its code
    tracked = requests.get(f"{platform.base_url}/api/v1/tickets/track/{receipt['token']}", timeout=30)
    assert tracked.status_code == 200 and tracked.json()["ticket_id"] == receipt["service_request_id"]
    # the reporter's contact went to identity, so the receipt reaches them by mail like any other
    mail = eventually(
        lambda: [m for m in infra_backend.messages() if m["To"] == posted["email"]], timeout=60, what="the receipt mail"
    )
    assert receipt["token"] in mail[0].get_content()


def test_a_request_posted_in_xml_without_contact(platform, keys):
    r = submit(
        platform,
        "xml",
        api_key=keys["tetouan"],
        jurisdiction_id=JURISDICTION,
        service_code="suggestion",
        description="Installer des bancs publics dans le jardin Moulay Rachid",
    )
    assert r.status_code == 201, r.text
    [receipt] = xml_items(r, "service_requests", "request")
    assert set(receipt) == {"service_request_id", "token", "service_notice", "account_id"}
    assert receipt["service_request_id"] and receipt["account_id"] == ""
    listed = get(platform, f"/requests/{receipt['service_request_id']}.json").json()
    assert listed[0]["service_code"] == "suggestion" and listed[0]["lat"] is None


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_submission_errors(platform, keys, fmt):
    good = dict(
        api_key=keys["tetouan"],
        jurisdiction_id=JURISDICTION,
        service_code="roads",
        lat="35.57",
        long="-5.37",
        description="Nid de poule dangereux au carrefour",
    )
    without_key = {k: v for k, v in good.items() if k != "api_key"}
    assert_error(submit(platform, fmt, **without_key), 403, fmt, "api_key")
    assert_error(submit(platform, fmt, **dict(good, api_key="co_not-a-real-key")), 403, fmt, "api_key")
    assert_error(submit(platform, fmt, **dict(good, api_key=keys["martil"])), 403, fmt, "api_key")
    assert_error(submit(platform, fmt, **dict(good, service_code="teleportation")), 400, fmt, "teleportation")
    assert_error(submit(platform, fmt, **dict(good, service_code="")), 400, fmt, "service_code")
    assert_error(submit(platform, fmt, **dict(good, service_code="information")), 400, fmt, "information")
    assert_error(submit(platform, fmt, **dict(good, jurisdiction_id="")), 400, fmt, "jurisdiction_id")
    assert_error(submit(platform, fmt, **dict(good, jurisdiction_id="atlantis")), 404, fmt, "atlantis")
    no_place = {k: v for k, v in good.items() if k not in ("lat", "long")}
    assert_error(submit(platform, fmt, **no_place), 400, fmt, "address_string")
    assert_error(submit(platform, fmt, **dict(no_place, address_id="A-12")), 400, fmt, "address_string")
    assert_error(submit(platform, fmt, **dict(good, long="")), 400, fmt, "long")
    assert_error(submit(platform, fmt, **dict(good, lat="north")), 400, fmt, "lat")
    assert_error(submit(platform, fmt, **dict(good, lat="95")), 400, fmt, "")
    assert_error(submit(platform, fmt, **dict(good, description="court")), 400, fmt, "")
    assert_error(submit(platform, fmt, **dict(good, service_code="urbanism")), 400, fmt, "media_url")
    assert_error(submit(platform, fmt, **dict(good, media_url="file:///etc/passwd")), 400, fmt, "media_url")


# --- GET requests -------------------------------------------------------------------------------


def test_the_posted_request_in_the_lists_field_by_field(platform, posted):
    request_id = posted["receipt"]["service_request_id"]
    r = get(platform, "/requests.json", jurisdiction_id=JURISDICTION)
    assert r.status_code == 200, r.text
    listed = r.json()
    assert isinstance(listed, list) and len(listed) <= 1000
    for item in listed:
        check_request(item)
    [mine] = [i for i in listed if i["service_request_id"] == request_id]
    assert mine["status"] == "open" and mine["service_code"] == "lighting"
    assert mine["service_name"] == "Éclairage public" and mine["status_notes"]
    assert mine["description"] == "Lampadaire éteint depuis une semaine devant le lycée"
    assert (mine["lat"], mine["long"], mine["address"]) == (35.5785, -5.3684, "Avenue Mohammed V")
    assert mine["media_url"] == "https://photos.example.org/lampadaire.jpg"
    assert mine["agency_responsible"].startswith("Tétouan")
    requested = dt.datetime.fromisoformat(mine["requested_datetime"].replace("Z", "+00:00"))
    expected = dt.datetime.fromisoformat(mine["expected_datetime"].replace("Z", "+00:00"))
    assert abs(dt.datetime.now(dt.timezone.utc) - requested) < dt.timedelta(minutes=30)
    assert dt.timedelta(days=55) < expected - requested < dt.timedelta(days=65)  # two months
    text = r.text
    assert posted["email"] not in text and "Bennani" not in text and "Salma" not in text and "600112233" not in text
    assert posted["receipt"]["token"] not in text

    x = get(platform, "/requests.xml", jurisdiction_id=JURISDICTION)
    assert x.status_code == 200
    elements = {e["service_request_id"]: e for e in xml_items(x, "service_requests", "request")}
    check_xml_request(elements[request_id], mine)

    one = get(platform, f"/requests/{request_id}.json")
    assert one.status_code == 200 and one.json() == [mine]
    [element] = xml_items(
        get(platform, f"/requests/{request_id}.xml", jurisdiction_id=JURISDICTION), "service_requests", "request"
    )
    check_xml_request(element, mine)


def test_request_filters(platform, keys, posted):
    request_id = posted["receipt"]["service_request_id"]
    other = submit(
        platform,
        api_key=keys["tetouan"],
        jurisdiction_id=JURISDICTION,
        service_code="waste",
        address_string="Souk El Fouki",
        description="Conteneurs débordants depuis trois jours",
    ).json()[0]
    both = f"{request_id},{other['service_request_id']}"

    def ids(**params):
        r = get(platform, "/requests.json", jurisdiction_id=JURISDICTION, **params)
        assert r.status_code == 200, r.text
        return {i["service_request_id"] for i in r.json()}

    assert ids(service_request_id=both) == {request_id, other["service_request_id"]}
    # service_request_id overrides the other filters
    assert ids(service_request_id=request_id, service_code="waste", status="closed") == {request_id}
    by_code = ids(service_code="waste")
    assert other["service_request_id"] in by_code and request_id not in by_code
    assert {request_id, other["service_request_id"]} <= ids(status="open")
    assert request_id not in ids(status="closed")
    today = dt.datetime.now(dt.timezone.utc)
    assert request_id in ids(
        start_date=(today - dt.timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%SZ"),
        end_date=(today + dt.timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%S+00:00"),
    )
    assert request_id not in ids(
        start_date=(today - dt.timedelta(days=30)).date().isoformat(),
        end_date=(today - dt.timedelta(days=2)).date().isoformat(),
    )
    assert request_id in ids(start_date=(today - dt.timedelta(days=2)).date().isoformat())
    assert request_id not in get(platform, "/requests.json", jurisdiction_id="martil").text


def test_a_closed_request_is_closed_and_hidden_text_is_not_shown(platform, infra_backend, keys, stub):
    clerk = people(platform, infra_backend, {"clerk": ("staff", {"office": "tetouan"})})["clerk"].metadata
    r = submit(
        platform,
        api_key=keys["tetouan"],
        jurisdiction_id=JURISDICTION,
        service_code="roads",
        lat="35.571",
        long="-5.372",
        description="Trottoir effondré rue Al Jaich Al Malaki",
    )
    request_id = r.json()[0]["service_request_id"]
    for action, extra in (
        ("acknowledge", {}),
        ("start", {}),
        ("answer", {"answer": "Réparé le 3 décembre", "outcome": "positive"}),
    ):
        stub.Transition(pb.TransitionRequest(ticket_id=request_id, action=action, **extra), timeout=30, metadata=clerk)
    stub.Moderate(pb.ModerateRequest(ticket_id=request_id, reason="insulting words"), timeout=30, metadata=clerk)
    [item] = get(platform, f"/requests/{request_id}.json").json()
    check_request(item)
    assert item["status"] == "closed" and item["description"] is None and item["lat"] == 35.571
    assert item["updated_datetime"] >= item["requested_datetime"]
    closed = get(platform, "/requests.json", jurisdiction_id=JURISDICTION, status="closed").json()
    assert request_id in {i["service_request_id"] for i in closed}
    assert all(i["status"] == "closed" for i in closed)
    assert "Trottoir" not in get(platform, "/requests.xml", jurisdiction_id=JURISDICTION).text


def test_requests_of_other_channels_show_no_text_place_or_person(platform):
    """A web complaint is not public unless made so: the list shows that it exists and its
    status, nothing its author wrote or where they are."""
    email = f"web.{uuid.uuid4().hex[:8]}@example.ma"
    r = requests.post(
        f"{platform.base_url}/api/v1/tickets",
        timeout=30,
        data={
            "office": "tetouan",
            "kind": "complaint",
            "category": "water",
            "language": "fr",
            "email": email,
            "name": "Youssef Alami",
            "description": "Fuite d'eau chez moi au 12 rue Tarik",
            "address": "12 rue Tarik",
            "latitude": "35.58",
            "longitude": "-5.36",
        },
    )
    assert r.status_code == 201, r.text
    [item] = get(platform, f"/requests/{r.json()['ticket_id']}.json").json()
    check_request(item)
    assert item["service_code"] == "water" and item["status"] == "open"
    assert [item[k] for k in ("description", "address", "lat", "long", "media_url")] == [None] * 5
    listing = get(platform, "/requests.json", jurisdiction_id=JURISDICTION).text
    assert email not in listing and "Youssef" not in listing and "rue Tarik" not in listing


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_request_errors(platform, fmt):
    assert_error(get(platform, f"/requests.{fmt}"), 400, fmt, "jurisdiction_id")
    assert_error(get(platform, f"/requests.{fmt}", jurisdiction_id="atlantis"), 404, fmt, "atlantis")
    assert_error(
        get(platform, f"/requests.{fmt}", jurisdiction_id=JURISDICTION, start_date="last tuesday"),
        400,
        fmt,
        "start_date",
    )
    assert_error(
        get(platform, f"/requests.{fmt}", jurisdiction_id=JURISDICTION, end_date="2026-02-30"), 400, fmt, "end_date"
    )
    assert_error(
        get(platform, f"/requests.{fmt}", jurisdiction_id=JURISDICTION, start_date="2026-01-01", end_date="2026-12-01"),
        400,
        fmt,
        "90 days",
    )
    assert_error(
        get(platform, f"/requests.{fmt}", jurisdiction_id=JURISDICTION, start_date="2026-03-01", end_date="2026-02-01"),
        400,
        fmt,
        "end_date",
    )
    assert_error(
        get(platform, f"/requests.{fmt}", jurisdiction_id=JURISDICTION, start_date="9999-12-31"), 400, fmt, "period"
    )
    assert_error(get(platform, f"/requests.{fmt}", jurisdiction_id=JURISDICTION, status="pending"), 400, fmt, "status")
    assert_error(
        get(platform, f"/requests.{fmt}", jurisdiction_id=JURISDICTION, service_code="teleportation"),
        400,
        fmt,
        "teleportation",
    )
    assert_error(get(platform, f"/requests/{uuid.uuid4()}.{fmt}"), 404, fmt, "service request")
    assert_error(get(platform, f"/tokens/7K3M-9QX2-B.{fmt}"), 404, fmt, "token")
    assert_error(get(platform, f"/tokens/nonsense.{fmt}"), 404, fmt, "token")


def test_tokens_in_json_and_xml(platform, posted):
    receipt = posted["receipt"]
    r = get(platform, f"/tokens/{receipt['token']}.json")
    assert r.status_code == 200, r.text
    assert r.json() == [{"service_request_id": receipt["service_request_id"], "token": receipt["token"]}]
    [element] = xml_items(get(platform, f"/tokens/{receipt['token']}.xml"), "service_requests", "request")
    assert element == {"service_request_id": receipt["service_request_id"], "token": receipt["token"]}


def test_responses_carry_a_request_id(platform):
    for r in (
        get(platform, "/services.json", jurisdiction_id=JURISDICTION),
        get(platform, "/services.xml"),
        get(platform, "/requests.csv"),
    ):
        assert r.headers.get("X-Request-Id"), r.headers
    assert json.loads(get(platform, "/services.json").text)[0]["code"] == 400


def test_discovery_in_json_and_xml(platform):
    r = get(platform, "/discovery.json")
    assert r.status_code == 200, r.text
    body = r.json()
    assert set(body) == {"changeset", "contact", "key_service", "endpoints"} and W3C_UTC.match(body["changeset"])
    [endpoint] = body["endpoints"]
    assert endpoint["specification"] == "http://wiki.open311.org/GeoReport_v2"
    # the instance's public address (PUBLIC_BASE_URL), which the local stack leaves at its default
    assert endpoint["url"].startswith("http") and endpoint["url"].endswith(BASE)
    assert endpoint["type"] == "production" and W3C_UTC.match(endpoint["changeset"])
    root = ElementTree.fromstring(get(platform, "/discovery.xml").content)
    assert root.tag == "discovery" and root.findtext("endpoints/endpoint/url") == endpoint["url"]
    assert {f.text for f in root.findall("endpoints/endpoint/formats/format")} == {"text/xml", "application/json"}


def test_the_public_list_of_tickets_is_bounded(stub):
    with pytest.raises(grpc.RpcError) as err:
        stub.ListPublicRequests(pb.PublicRequestsQuery(office_ids=["x"], limit=1001), timeout=30)
    assert err.value.code() == grpc.StatusCode.INVALID_ARGUMENT and "limit" in err.value.details()
    assert stub.ListPublicRequests(pb.PublicRequestsQuery(ticket_ids=["no-such-ticket"]), timeout=30).requests == []
