"""The registry on the real services: calendars, offices and phases, activities and their
figures, import and export, events on Kafka. The registry database is shared by concurrent
e2e sessions, so every test works on codes and offices of its own (a run id)."""

from __future__ import annotations

import csv
import io
import json
import uuid

import grpc
import pytest
import requests
from google.rpc.error_details_pb2 import ErrorInfo
from google.rpc.status_pb2 import Status
from kafka import KafkaConsumer

from citizenoffice.events.v1 import envelope_pb2
from citizenoffice.registry.v1 import registry_pb2 as pb
from citizenoffice.registry.v1.registry_pb2_grpc import RegistryServiceStub
from cokit.calendar import CalendarCache, registry_fetcher

from .service_callers import through_platform
from .tickets_people import instance_admin

RUN = uuid.uuid4().hex[:8]


@pytest.fixture(scope="module")
def registry(platform, infra_backend):
    """The registry as the admin pages call it: a national admin's token, relayed by the gateway."""
    with grpc.insecure_channel(
        platform.grpc_target("registry"), options=[("grpc.max_receive_message_length", 64 << 20)]
    ) as channel:
        yield RegistryServiceStub(through_platform(channel, platform, instance_admin(platform, infra_backend)))


def reason_of(err: grpc.RpcError) -> str:
    for key, value in err.trailing_metadata() or ():
        if key == "grpc-status-details-bin":
            for detail in Status.FromString(value).details:
                info = ErrorInfo()
                if detail.Unpack(info):
                    return info.reason
    return ""


def refused(call, *args):
    with pytest.raises(grpc.RpcError) as err:
        call(*args, timeout=15)
    return err.value.code(), reason_of(err.value)


def new_office(registry, suffix: str, **changes) -> pb.OfficeProfile:
    request = pb.CreateOfficeRequest(
        slug=f"e2e-{RUN}-{suffix}",
        commune_code="tetouan",
        name=pb.LocalizedName(fr=f"Bureau test {suffix}", ar="مكتب تجريبي", zgh="ⵜⵉⵟⵟⴰⵡⵉⵏ"),
        address="Avenue Mohammed V, Tétouan",
        location=pb.Location(latitude=35.5785, longitude=-5.3684),
        opening_hours=[pb.OpeningHours(weekday="mon", opens="08:30", closes="16:30")],
    )
    for key, value in changes.items():
        if key == "location":
            request.location.CopyFrom(value)
        else:
            setattr(request, key, value)
    return registry.CreateOffice(request, timeout=15)


# --- calendars -------------------------------------------------------------------------


def test_deadlines_over_grpc_match_the_hand_computed_dates(registry):
    def add(start, days):
        return registry.AddWorkingDays(pb.AddWorkingDaysRequest(from_date=start, days=days), timeout=15)

    first = add("2026-03-16", 20)  # weekends and Eid al-Fitr (estimated)
    assert first.date == "2026-04-14" and first.provisional
    assert [h.date for h in first.holidays_crossed] == ["2026-03-20", "2026-03-21"]
    assert add(first.date, 20).date == "2026-05-13"  # the extension, across 1 May
    assert add("2026-12-21", 20).date == "2027-01-21"  # the year end, 1, 11 and 14 January
    assert add("2026-07-29", 3).date == "2026-08-04"  # urgent, across Throne Day
    between = registry.WorkingDaysBetween(
        pb.WorkingDaysBetweenRequest(from_date="2026-03-16", to_date="2026-04-14"), timeout=15
    )
    assert between.working_days == 20
    assert refused(registry.AddWorkingDays, pb.AddWorkingDaysRequest(from_date="16/03/2026", days=3)) == (
        grpc.StatusCode.INVALID_ARGUMENT,
        "BAD_DATE",
    )


def test_admin_holiday_reaches_the_cache_of_other_services(registry):
    # A far year nobody else uses, so concurrent sessions are not disturbed.
    key = f"e2e-{RUN}"
    cache = CalendarCache(registry_fetcher(lambda req: registry.GetCalendar(req, timeout=15), from_year=2031, years=0))
    assert cache.add_working_days(__import__("datetime").date(2031, 3, 3), 1).day.isoformat() == "2031-03-04"
    reply = registry.SetHoliday(
        pb.SetHolidayRequest(
            rule=pb.HolidayRule(
                key=key, name_fr="Jour férié de test", date="2031-03-04", religious=True, confirmed=True
            )
        ),
        timeout=15,
    )
    try:
        assert any(h.date == "2031-03-04" for h in reply.holidays)
        cache.invalidate()
        result = cache.add_working_days(__import__("datetime").date(2031, 3, 3), 1)
        assert result.day.isoformat() == "2031-03-05"
        assert 2031 in cache.calendar().covered_years
    finally:
        registry.DeleteHoliday(pb.DeleteHolidayRequest(key=key), timeout=15)

    def about_this_holiday(envelope):
        changed = pb.CalendarChanged()
        return envelope.type == "calendar.changed" and envelope.payload.Unpack(changed) and key in changed.keys

    assert registry_events(about_this_holiday, {"calendar.changed"}) == {"calendar.changed"}
    calendar = registry.GetCalendar(pb.GetCalendarRequest(from_year=2026, to_year=2027), timeout=15)
    dates = {h.date: h for h in calendar.holidays}
    assert not dates["2026-03-20"].confirmed and dates["2026-01-14"].confirmed
    assert list(calendar.weekend_days) == [5, 6] and {2026, 2027} <= set(calendar.covered_years)


# --- offices and their errors ------------------------------------------------------------


def test_unknown_office_bad_coordinates_and_backward_phase_are_refused(registry):
    assert refused(registry.GetOffice, pb.GetOfficeRequest(office_id="no-such-office")) == (
        grpc.StatusCode.NOT_FOUND,
        "OFFICE_NOT_FOUND",
    )
    assert refused(registry.ChangePhase, pb.ChangePhaseRequest(office_id="no-such-office", phase=pb.EVALUATION)) == (
        grpc.StatusCode.NOT_FOUND,
        "OFFICE_NOT_FOUND",
    )
    request = pb.CreateOfficeRequest(
        slug=f"e2e-{RUN}-bad",
        commune_code="tetouan",
        name=pb.LocalizedName(fr="X"),
        location=pb.Location(latitude=135.0, longitude=-5.3),
    )
    assert refused(registry.CreateOffice, request) == (grpc.StatusCode.INVALID_ARGUMENT, "BAD_COORDINATES")
    assert refused(registry.GetOffice, pb.GetOfficeRequest(office_id=request.slug))[1] == "OFFICE_NOT_FOUND"

    office = new_office(registry, "phases").office
    with pytest.raises(grpc.RpcError) as err:
        new_office(registry, "phases")
    assert (err.value.code(), reason_of(err.value)) == (grpc.StatusCode.ALREADY_EXISTS, "OFFICE_EXISTS")
    assert refused(
        registry.UpdateOffice,
        pb.UpdateOfficeRequest(office_id=office.office_id, location=pb.Location(latitude=35.5, longitude=-500)),
    ) == (grpc.StatusCode.INVALID_ARGUMENT, "BAD_COORDINATES")
    registry.ChangePhase(
        pb.ChangePhaseRequest(office_id=office.office_id, phase=pb.EVALUATION, changed_on="2026-06-01"), timeout=15
    )
    assert refused(registry.ChangePhase, pb.ChangePhaseRequest(office_id=office.slug, phase=pb.IMPLEMENTATION)) == (
        grpc.StatusCode.FAILED_PRECONDITION,
        "PHASE_BACKWARDS_NEEDS_REASON",
    )
    profile = registry.ChangePhase(
        pb.ChangePhaseRequest(
            office_id=office.slug, phase=pb.IMPLEMENTATION, reason="moved to the new town hall", changed_on="2026-09-01"
        ),
        timeout=15,
    )
    assert profile.office.phase == pb.IMPLEMENTATION
    assert [(s.phase, s.changed_on) for s in profile.phase_history] == [
        (pb.CREATION, profile.phase_history[0].changed_on),
        (pb.EVALUATION, "2026-06-01"),
        (pb.IMPLEMENTATION, "2026-09-01"),
    ]
    assert profile.phase_history[-1].reason == "moved to the new town hall"
    assert profile.region_code == "ma-01" and profile.province_code == "ma-tet"
    assert profile.location.latitude == pytest.approx(35.5785)


def test_seeded_territory_offices_and_catalogue(registry):
    regions = registry.ListTerritory(pb.ListTerritoryRequest(parent_code="ma", level="region"), timeout=15).units
    assert len(regions) == 12
    provinces = registry.ListTerritory(pb.ListTerritoryRequest(parent_code="ma-01"), timeout=15).units
    assert {u.code for u in provinces} >= {
        "ma-tng",
        "ma-mdf",
        "ma-tet",
        "ma-fah",
        "ma-lar",
        "ma-hoc",
        "ma-che",
        "ma-ouz",
    }
    asilah = registry.GetTerritoryUnit(pb.GetTerritoryUnitRequest(code="asilah"), timeout=15)
    tetouan = registry.GetTerritoryUnit(pb.GetTerritoryUnitRequest(code="tetouan"), timeout=15)
    assert (asilah.petition_signatures, tetouan.petition_signatures) == (100, 200)
    operational = registry.ListOffices(pb.ListOfficesRequest(status="operational"), timeout=15).offices
    assert {"tetouan", "oued-laou", "chefchaouen", "mdiq", "martil"} <= {o.slug for o in operational}
    entries = registry.ListCategories(pb.ListCategoriesRequest(office_id="tetouan"), timeout=15).entries
    info = next(e for e in entries if e.request_type == "information_request")
    assert (info.deadline_count, info.deadline_unit) == (20, "working_days")
    assert {"roads", "lighting", "waste", "water", "civil-status", "urbanism"} <= {e.code for e in entries}


# --- activities and achievements in figures --------------------------------------------

ACTIVITIES = [
    ("strategic_workshop", "access_to_information", 12, 9, 0),
    ("strategic_workshop", "participation", 20, 15, 2),
    ("strategic_workshop", "facilitation_of_administration", 7, 8, 0),
    ("forum", "", 40, 55, 5),
    ("observation_visit", "", 3, 4, 0),
    ("assessment_mission", "", 2, 2, 0),
    ("assessment_mission", "", 1, 3, 0),
    ("harmonization_workshop", "", 6, 6, 0),
    ("institutional_meeting", "", 2, 5, 0),
    ("exchange_visit", "", 10, 10, 0),
]


def figures_of(reply):
    return {
        "offices": reply.offices_total,
        "by_kind": {k.kind: k.count for p in reply.phases for k in p.by_kind},
        "by_phase": {pb.Phase.Name(p.phase): p.activities for p in reply.phases},
        "themes": dict(reply.workshops_by_theme),
        "people": (reply.participants.women, reply.participants.men, reply.participants.others),
        "total": reply.activities_total,
    }


def test_achievements_in_figures_equal_the_activities_recorded(registry):
    before_region = figures_of(
        registry.AchievementsInFigures(pb.AchievementsRequest(scope="region", key="ma-01"), timeout=15)
    )
    office = new_office(registry, "figures").office
    for n, (kind, theme, women, men, others) in enumerate(ACTIVITIES):
        recorded = registry.RecordActivity(
            pb.RecordActivityRequest(
                activity=pb.Activity(
                    office_id=office.slug,
                    kind=kind,
                    theme=theme,
                    held_on=f"2026-0{1 + n % 9}-15",
                    place="Tétouan",
                    title=f"{kind} {n}",
                    participants=pb.Participants(women=women, men=men, others=others),
                )
            ),
            timeout=15,
        )
        assert recorded.office_id == office.office_id and recorded.activity_id
    assert refused(
        registry.RecordActivity,
        pb.RecordActivityRequest(
            activity=pb.Activity(
                office_id=office.slug, kind="strategic_workshop", held_on="2026-02-01", place="Tétouan"
            )
        ),
    ) == (grpc.StatusCode.INVALID_ARGUMENT, "BAD_THEME")

    mine = figures_of(
        registry.AchievementsInFigures(pb.AchievementsRequest(scope="office", key=office.slug), timeout=15)
    )
    assert mine == {
        "offices": 1,
        "by_kind": {
            "strategic_workshop": 3,
            "forum": 1,
            "observation_visit": 1,
            "assessment_mission": 2,
            "harmonization_workshop": 1,
            "institutional_meeting": 1,
            "exchange_visit": 1,
        },
        "by_phase": {
            "CREATION": 0,
            "IMPLEMENTATION": 0,
            "OPERATIONALIZATION": 4,
            "EVALUATION": 4,
            "INSTITUTIONALIZATION": 2,
        },
        "themes": {"access_to_information": 1, "participation": 1, "facilitation_of_administration": 1},
        "people": (103, 117, 7),
        "total": 10,
    }
    listed = registry.ListActivities(pb.ListActivitiesRequest(office_id=office.office_id), timeout=15).activities
    assert len(listed) == 10 and sum(a.participants.women for a in listed) == 103

    # The region's figures grew by exactly this office and its activities.
    after_region = figures_of(
        registry.AchievementsInFigures(pb.AchievementsRequest(scope="region", key="ma-01"), timeout=15)
    )
    assert after_region["offices"] - before_region["offices"] >= 1
    assert after_region["total"] - before_region["total"] >= 10
    for scope in ("instance", "federation"):
        whole = figures_of(registry.AchievementsInFigures(pb.AchievementsRequest(scope=scope), timeout=15))
        assert whole["total"] >= after_region["total"] and whole["offices"] >= after_region["offices"]
    assert refused(registry.AchievementsInFigures, pb.AchievementsRequest(scope="region", key="ma-99")) == (
        grpc.StatusCode.NOT_FOUND,
        "REGION_NOT_FOUND",
    )


def test_federation_figures_add_what_partner_instances_report(registry):
    # A fixed member id with fixed figures: concurrent sessions report the same thing.
    partner = pb.Achievements(
        offices_by_status={"being_implemented": 3},
        phases=[
            pb.PhaseFigures(phase=pb.CREATION, offices=3),
            pb.PhaseFigures(phase=pb.OPERATIONALIZATION, by_kind=[pb.KindCount(kind="forum", count=2)]),
        ],
        participants=pb.Participants(women=11, men=9),
    )
    registry.ReportMemberFigures(
        pb.MemberFigures(instance_id="e2e-partner", name="Partenaire", figures=partner), timeout=15
    )
    for _ in range(5):  # other sessions may record activities between the two reads
        own = registry.AchievementsInFigures(pb.AchievementsRequest(scope="instance"), timeout=15)
        federation = registry.AchievementsInFigures(pb.AchievementsRequest(scope="federation"), timeout=15)
        again = registry.AchievementsInFigures(pb.AchievementsRequest(scope="instance"), timeout=15)
        if own == again:
            break
    mine, whole = figures_of(own), figures_of(federation)
    assert whole["offices"] == mine["offices"] + 3
    assert whole["by_kind"]["forum"] == mine["by_kind"].get("forum", 0) + 2
    assert whole["people"] == (mine["people"][0] + 11, mine["people"][1] + 9, mine["people"][2])
    assert federation.offices_by_status["being_implemented"] == own.offices_by_status["being_implemented"] + 3
    assert {"ma", "e2e-partner"} <= set(federation.instances)
    assert refused(registry.ReportMemberFigures, pb.MemberFigures(instance_id="ma", figures=partner)) == (
        grpc.StatusCode.FAILED_PRECONDITION,
        "OWN_INSTANCE",
    )
    bad = pb.Achievements(offices_by_status={"operational": -1})
    assert refused(registry.ReportMemberFigures, pb.MemberFigures(instance_id="e2e-partner", figures=bad)) == (
        grpc.StatusCode.INVALID_ARGUMENT,
        "BAD_FIGURES",
    )


def test_the_gateway_publishes_figures_profiles_and_deadlines(registry, platform):
    office = new_office(registry, "http").office
    registry.RecordActivity(
        pb.RecordActivityRequest(
            activity=pb.Activity(
                office_id=office.office_id,
                kind="forum",
                held_on="2026-10-02",
                place="Tétouan",
                participants=pb.Participants(women=30, men=25),
            )
        ),
        timeout=15,
    )
    base = platform.base_url + "/api/v1/registry"
    figures = requests.get(f"{base}/achievements", params={"scope": "office", "key": office.slug}, timeout=15).json()
    assert figures["activities_total"] == 1 and figures["participants"] == {"women": 30, "men": 25, "others": 0}
    assert {p["phase"]: p["by_kind"] for p in figures["phases"]}["operationalization"] == {"forum": 1}
    profile = requests.get(f"{base}/offices/{office.slug}", timeout=15).json()
    assert profile["name"]["zgh"] == "ⵜⵉⵟⵟⴰⵡⵉⵏ" and profile["location"]["latitude"] == pytest.approx(35.5785)
    assert "staff" not in profile
    deadline = requests.get(f"{base}/working-days", params={"from": "2026-12-21", "days": 20}, timeout=15).json()
    assert deadline["date"] == "2027-01-21"
    missing = requests.get(f"{base}/offices/no-such-office", timeout=15)
    assert missing.status_code == 404 and missing.json()["reason"] == "OFFICE_NOT_FOUND"
    bad = requests.get(f"{base}/working-days", params={"from": "2026-12-21", "days": "twenty"}, timeout=15)
    assert bad.status_code == 400 and bad.json()["reason"] == "BAD_QUERY"
    catalogue = requests.get(f"{base}/offices/{office.slug}/catalogue", timeout=15).json()["items"]
    assert {"roads", "lighting", "information"} <= {e["code"] for e in catalogue}


# --- import and export -----------------------------------------------------------------


def communes_file(province: str, n: int, bad_rows: dict[int, str] | None = None) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["code", "level", "parent_code", "name_fr", "name_ar", "name_zgh", "population", "commune_type"])
    writer.writerow([province, "province", "ma-01", f"Province {RUN}", "إقليم", "", "", ""])
    for i in range(n):
        writer.writerow(
            [
                f"{province}-c{i:04d}",
                "commune",
                province,
                f"Commune {i}",
                f"جماعة {i}",
                "",
                str(2_000 + 37 * i),
                "rural" if i % 3 else "urban",
            ]
        )
    lines = out.getvalue().splitlines()
    for row, text in (bad_rows or {}).items():
        lines[row] = text  # row numbers count data rows from 1, as the reply does
    return ("\n".join(lines) + "\n").encode()


def test_a_file_with_bad_rows_changes_nothing_and_lists_each_one(registry):
    province = f"e2e-{RUN}-bad"
    bad = {
        7: f"{province}-c0005,commune,{province},Commune 5,,,-3,rural",
        250: f"{province}-c0248,commune,ma-nowhere,Commune 248,,,100,rural",
        1001: f"{province}-c0999,commune,{province},Commune 999,,Latin,100,rural",
        1400: f"{province}-c1398,borough,{province},Commune 1398,,,100,",
    }
    reply = registry.Import(
        pb.ImportRequest(kind="territory", format="csv", content=communes_file(province, 1500, bad)), timeout=60
    )
    assert not reply.applied and reply.rows == 1501
    assert [(e.row, e.reason) for e in reply.errors] == [
        (7, "BAD_POPULATION"),
        (250, "PARENT_NOT_FOUND"),
        (1001, "NOT_TIFINAGH"),
        (1400, "BAD_LEVEL"),
    ]
    assert all(e.key and e.message for e in reply.errors)
    assert refused(registry.GetTerritoryUnit, pb.GetTerritoryUnitRequest(code=province)) == (
        grpc.StatusCode.NOT_FOUND,
        "TERRITORY_NOT_FOUND",
    )
    assert registry.ListTerritory(pb.ListTerritoryRequest(parent_code=province), timeout=15).units == []


def test_importing_1500_communes_then_exporting_them(registry):
    province = f"e2e-{RUN}-ok"
    content = communes_file(province, 1500)
    dry = registry.Import(pb.ImportRequest(kind="territory", format="csv", content=content, dry_run=True), timeout=60)
    assert not dry.applied and not dry.errors
    reply = registry.Import(pb.ImportRequest(kind="territory", format="csv", content=content), timeout=120)
    try:
        imported_then_exported(registry, province, content, reply)
    finally:
        # The e2e database is shared and kept: leave it as found.
        registry.RemoveTerritory(pb.RemoveTerritoryRequest(code=province, with_descendants=True), timeout=60)
    assert (
        refused(registry.GetTerritoryUnit, pb.GetTerritoryUnitRequest(code=f"{province}-c0001"))[1]
        == "TERRITORY_NOT_FOUND"
    )


def imported_then_exported(registry, province, content, reply):
    assert reply.applied and reply.errors == [] and (reply.created, reply.updated) == (1501, 0)
    units = registry.ListTerritory(pb.ListTerritoryRequest(parent_code=province), timeout=15).units
    assert len(units) == 1500 and all(u.level == "commune" for u in units)
    assert {u.petition_signatures for u in units} == {100, 200}  # 2,000 .. 57,463 inhabitants

    again = registry.Import(pb.ImportRequest(kind="territory", format="csv", content=content), timeout=120)
    assert again.applied and (again.created, again.updated) == (0, 1501)

    exported = registry.Export(pb.ExportRequest(kind="territory", format="json"), timeout=60)
    rows = [r for r in json.loads(exported.content)["territory"] if r["code"].startswith(province)]
    assert len(rows) == 1501

    # Offices and catalogue through the same path, and office.created / catalogue.changed on Kafka.
    assert refused(registry.RemoveTerritory, pb.RemoveTerritoryRequest(code=province)) == (
        grpc.StatusCode.FAILED_PRECONDITION,
        "TERRITORY_HAS_CHILDREN",
    )
    assert refused(registry.RemoveTerritory, pb.RemoveTerritoryRequest(code="ma-tet", with_descendants=True)) == (
        grpc.StatusCode.FAILED_PRECONDITION,
        "TERRITORY_HAS_OFFICES",
    )
    slug = f"e2e-{RUN}-imported"
    offices_csv = (
        "slug,commune_code,name_fr,name_ar,status,phase,address,latitude,longitude\n"
        f"{slug},martil,Bureau importé,مكتب,planned,creation,Centre,35.1,-5.2\n"
        f"{slug}-2,{province}-c0001,Bureau importé 2,مكتب,planned,creation,Centre,35.1,-5.2\n"
    ).encode()
    dry = registry.Import(pb.ImportRequest(kind="offices", format="csv", content=offices_csv, dry_run=True), timeout=60)
    assert dry.errors == [] and not dry.applied
    # Only the first row is imported: an office on the imported commune would keep it there.
    done = registry.Import(
        pb.ImportRequest(kind="offices", format="csv", content=b"\n".join(offices_csv.split(b"\n")[:2]) + b"\n"),
        timeout=60,
    )
    assert done.applied and done.created == 1
    catalogue = [
        {
            "office": slug,
            "code": "lighting",
            "request_type": "complaint",
            "category": "lighting",
            "name_fr": "Éclairage public",
            "deadline_count": 10,
            "deadline_unit": "working_days",
            "requires_location": True,
        }
    ]
    done = registry.Import(
        pb.ImportRequest(kind="catalogue", format="json", content=json.dumps(catalogue).encode()), timeout=60
    )
    assert done.applied and (done.created, done.updated) == (0, 1)
    lighting = next(
        e
        for e in registry.ListCategories(pb.ListCategoriesRequest(office_id=slug), timeout=15).entries
        if e.code == "lighting"
    )
    assert (lighting.deadline_count, lighting.deadline_unit) == (10, "working_days")
    office_id = registry.GetOffice(pb.GetOfficeRequest(office_id=slug), timeout=15).office_id
    registry.ChangePhase(pb.ChangePhaseRequest(office_id=office_id, phase=pb.IMPLEMENTATION), timeout=15)
    registry.RecordActivity(
        pb.RecordActivityRequest(
            activity=pb.Activity(office_id=office_id, kind="observation_visit", held_on="2026-11-02", place="Centre")
        ),
        timeout=15,
    )
    expected = {"office.created", "office.phase_changed", "activity.recorded", "catalogue.changed"}
    exported = registry.Export(pb.ExportRequest(kind="offices", format="csv"), timeout=60).content.decode()
    assert f"{slug},martil" in exported

    assert registry_events(lambda e: e.office_id == office_id, expected) >= expected


def registry_events(match, expected: set[str]) -> set[str]:
    """The types of the events on registry.events.v1 that `match`, once `expected` are seen."""
    seen: set[str] = set()
    consumer = KafkaConsumer(
        "registry.events.v1",
        bootstrap_servers=registry_bootstrap(),
        auto_offset_reset="earliest",
        enable_auto_commit=False,
        group_id=None,
        consumer_timeout_ms=20000,
    )
    try:
        for record in consumer:
            envelope = envelope_pb2.Envelope.FromString(record.value)
            if match(envelope):
                seen.add(envelope.type)
                if seen >= expected:
                    break
    finally:
        consumer.close()
    return seen


_BOOTSTRAP: list[str] = []


@pytest.fixture(autouse=True)
def _remember_bootstrap(infra):
    _BOOTSTRAP[:] = [infra.kafka_bootstrap]


def registry_bootstrap() -> str:
    return _BOOTSTRAP[0]
