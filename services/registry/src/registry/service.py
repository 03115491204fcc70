"""The registry service: territory, offices and their phases, activities and figures,
service catalogue and working-day calendars over gRPC."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import zoneinfo

import sqlalchemy as sa
from grpc import StatusCode

from citizenoffice.registry.v1 import registry_pb2 as pb
from citizenoffice.registry.v1.registry_pb2_grpc import RegistryServiceStub
from cokit.auth import policy
from cokit.auth.provider import TokenVerifier
from cokit.errors import DomainError, failed_precondition, invalid_argument, not_found
from cokit.events.relay import OutboxRelay
from cokit.events.tables import add_event_tables
from cokit.ids import uuid7
from cokit.service import instance_id as current_instance, kit_service, migrator, rpc
from cokit import platform
from cokit.settings import ServiceSettings

from . import calendar, domain, store, territory, transfer

grpc = rpc(RegistryServiceStub)
add_event_tables(store.metadata)


@dataclasses.dataclass(frozen=True)
class Settings(ServiceSettings):
    service_name: str = "registry"
    grpc_port: int = platform.facts("registry").grpc_port
    metrics_port: int = platform.facts("registry").metrics_port
    database_url: str = "sqlite:///.local/data/registry.db"
    identity_grpc_target: str = platform.local_target("identity")  # the trust state (JWKS) that verifies callers


def phase_value(name: str) -> int:
    return pb.Phase.Value(name.upper())


def phase_name(value: int, default: str = "") -> str:
    if value == pb.PHASE_UNSPECIFIED:
        return default
    try:
        return pb.Phase.Name(value).lower()
    except ValueError:
        return "?"


def local_today(timezone: str) -> dt.date:
    """The office's date: a phase changed at 00:30 in Tetouan happened that day, not the day before in UTC."""
    try:
        return dt.datetime.now(zoneinfo.ZoneInfo(timezone)).date()
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return dt.datetime.now(dt.timezone.utc).date()


def parse_date(text: str, field: str, default: dt.date | None = None) -> dt.date:
    if not text and default is not None:
        return default
    try:
        return dt.date.fromisoformat(text)
    except (TypeError, ValueError):
        raise invalid_argument("BAD_DATE", f"{field} must be a date YYYY-MM-DD", field=field) from None


def localized(row) -> pb.LocalizedName:
    return pb.LocalizedName(
        ar=row["name_ar"], fr=row["name_fr"], zgh=row.get("name_zgh", ""), en=row.get("name_en", "")
    )


def office_message(row) -> pb.Office:
    return pb.Office(
        office_id=row["office_id"],
        slug=row["slug"],
        commune_code=row["commune_code"],
        name=pb.LocalizedName(ar=row["name_ar"], fr=row["name_fr"], zgh=row["name_zgh"], en=row["name_en"]),
        phase=phase_value(row["phase"]),
        status=row["status"],
        timezone=row["timezone"],
        instance_id=row["instance_id"],
    )


def details_from(request, base: domain.OfficeDetails | None = None) -> domain.OfficeDetails:
    base = base or domain.OfficeDetails()
    lat, lon = base.latitude, base.longitude
    if request.HasField("location"):
        lat, lon = request.location.latitude, request.location.longitude
    hours = tuple(domain.Hours(h.weekday, h.opens, h.closes) for h in request.opening_hours) or base.opening_hours
    return domain.OfficeDetails(
        address=request.address.strip() or base.address,
        latitude=lat,
        longitude=lon,
        opening_hours=hours,
        phone=request.phone.strip() or base.phone,
        email=request.email.strip() or base.email,
    )


def unit_message(row) -> pb.TerritoryUnit:
    population = row["population"]
    signatures = None
    if row["level"] == "commune":
        signatures = territory.petition_signatures_required(population, row["commune_type"])
    return pb.TerritoryUnit(
        code=row["code"],
        level=row["level"],
        parent_code=row["parent_code"],
        name=localized(row),
        population=-1 if population is None else population,
        commune_type=row["commune_type"],
        petition_signatures=signatures or 0,
    )


def entry_message(entry: domain.CatalogueEntry) -> pb.CatalogueEntry:
    return pb.CatalogueEntry(
        code=entry.code,
        request_type=entry.request_type,
        category=entry.category,
        name=pb.LocalizedName(fr=entry.name_fr, ar=entry.name_ar, zgh=entry.name_zgh, en=entry.name_en),
        deadline_count=entry.deadline_count,
        deadline_unit=entry.deadline_unit,
        legal_basis=entry.legal_basis,
        department=entry.department,
        requires_location=entry.requires_location,
        requires_attachments=entry.requires_attachments,
        active=entry.active,
        publicity=entry.publicity,
        anonymous_allowed=bool(entry.anonymous_allowed),
    )


def activity_message(row) -> pb.Activity:
    return pb.Activity(
        activity_id=row["activity_id"],
        office_id=row["office_id"],
        kind=row["kind"],
        theme=row["theme"],
        held_on=row["held_on"].isoformat(),
        place=row["place"],
        title=row["title"],
        participants=pb.Participants(women=row["women"], men=row["men"], others=row["others"]),
        document_ids=json.loads(row["document_ids"] or "[]"),
        phase=phase_value(domain.ACTIVITY_PHASE[row["kind"]]),
        instance_id=row["instance_id"],
    )


def rule_message(rule: calendar.HolidayRule) -> pb.HolidayRule:
    return pb.HolidayRule(
        key=rule.key,
        name_fr=rule.name_fr,
        name_ar=rule.name_ar,
        month=rule.month,
        day=rule.day,
        date=rule.on_date.isoformat() if rule.on_date else "",
        from_year=rule.from_year,
        religious=rule.religious,
        confirmed=rule.confirmed,
    )


def reckoning_message(reckoning) -> pb.WorkingDaysReply:
    return pb.WorkingDaysReply(
        date=reckoning.day.isoformat(),
        working_days=reckoning.working_days,
        provisional=reckoning.provisional,
        holidays_crossed=[
            pb.CalendarHoliday(date=h.day.isoformat(), name=h.name, confirmed=h.confirmed) for h in reckoning.holidays
        ],
    )


def figures_from(message) -> domain.Figures:
    by_phase, activities = {}, {}
    for p in message.phases:
        phase = phase_name(p.phase, "?")
        if phase in domain.PHASES:
            by_phase[phase] = p.offices
            activities[phase] = {k.kind: k.count for k in p.by_kind}
    return domain.Figures(
        offices_by_status=dict(message.offices_by_status),
        offices_by_phase=by_phase,
        activities=activities,
        themes=dict(message.workshops_by_theme),
        women=message.participants.women,
        men=message.participants.men,
        others=message.participants.others,
    )


def achievements_message(scope, key, figures: domain.Figures, instances) -> pb.Achievements:
    return pb.Achievements(
        scope=scope,
        key=key,
        offices_total=sum(figures.offices_by_status.values()),
        offices_by_status=figures.offices_by_status,
        phases=[
            pb.PhaseFigures(
                phase=phase_value(phase),
                offices=figures.offices_by_phase.get(phase, 0),
                activities=sum(figures.activities.get(phase, {}).values()),
                by_kind=[pb.KindCount(kind=k, count=c) for k, c in sorted(figures.activities.get(phase, {}).items())],
            )
            for phase in domain.PHASES
        ],
        workshops_by_theme=figures.themes,
        participants=pb.Participants(women=figures.women, men=figures.men, others=figures.others),
        activities_total=figures.activities_total,
        instances=instances,
    )


def office_exists(slug: str) -> DomainError:
    return DomainError(StatusCode.ALREADY_EXISTS, "OFFICE_EXISTS", f"an office {slug!r} exists", slug=slug)


def raise_problems(problems) -> None:
    domain.raise_first(problems)


def office_scope(row) -> policy.Scope:
    return policy.Scope(row["instance_id"] or current_instance(), row["commune_code"], row["office_id"])


class RegistryService(kit_service(pb)):
    """Reads are public (the directory, the catalogue, the calendar, the figures); every change
    is asked of the one policy with the caller's verified token, whatever the gateway checked."""

    name = "registry"
    events = OutboxRelay(engine="db")
    auth = TokenVerifier()

    def _allow_at_office(self, conn, office_id: str, action: str):
        """The office row, once the caller may do `action` there. An anonymous caller is refused
        before the lookup, so whether an office exists is not what a bare call learns."""
        caller = self.auth.from_context()
        if not caller.authenticated:
            policy.require(caller, action, policy.Scope(current_instance()))
        row = self._office(conn, office_id)
        policy.require(caller, action, office_scope(row))
        return row

    # --- offices ---------------------------------------------------------------------------

    def _office(self, conn, key: str):
        key = key.strip()
        row = store.get_office(conn, key) if key else None
        if row is None:
            raise not_found("OFFICE_NOT_FOUND", f"no office {key!r}", office_id=key)
        return row

    def _profile(self, conn, row) -> pb.OfficeProfile:
        details = store.details_of(store.get_profile(conn, row["office_id"]))
        above = store.ancestors(conn, row["commune_code"])
        reply = pb.OfficeProfile(
            office=office_message(row),
            address=details.address,
            opening_hours=[
                pb.OpeningHours(weekday=h.weekday, opens=h.opens, closes=h.closes) for h in details.opening_hours
            ],
            phone=details.phone,
            email=details.email,
            staff=[
                pb.StaffMember(account_id=s["account_id"], role=s["role"])
                for s in store.staff_of(conn, row["office_id"])
            ],
            phase_history=[
                pb.PhaseStep(
                    phase=phase_value(s["phase"]),
                    changed_on=s["changed_on"].isoformat(),
                    reason=s["reason"],
                    changed_by=s["changed_by"],
                )
                for s in store.phase_history(conn, row["office_id"])
            ],
            region_code=above.get("region", ""),
            province_code=above.get("province") or above.get("prefecture", ""),
        )
        if details.latitude is not None:
            reply.location.CopyFrom(pb.Location(latitude=details.latitude, longitude=details.longitude))
        return reply

    @grpc
    def GetOffice(self, request, context):
        with self.db.connect() as conn:
            return office_message(self._office(conn, request.office_id))

    @grpc
    def ListOffices(self, request, context):
        with self.db.connect() as conn:
            rows = store.list_offices(conn, request.status)
        return pb.ListOfficesResponse(offices=[office_message(r) for r in rows])

    @grpc
    def GetOfficeProfile(self, request, context):
        with self.db.connect() as conn:
            return self._profile(conn, self._office(conn, request.office_id))

    @grpc
    def CreateOffice(self, request, context):
        self.auth.require("office.create", policy.Scope(current_instance(), request.commune_code.strip()))
        try:
            return self._create_office(request)
        except sa.exc.IntegrityError:
            # Another admin created the same slug between our check and our insert.
            raise office_exists(request.slug) from None

    def _create_office(self, request):
        phase = phase_name(request.phase, "creation")
        status = request.status or "planned"
        name = request.name
        raise_problems(domain.office_problems(request.slug, name.fr, name.ar, status, phase))
        if name.zgh and not territory.TIFINAGH.match(name.zgh):
            raise invalid_argument("NOT_TIFINAGH", "the Amazigh name must be written in Tifinagh", field="name.zgh")
        details = details_from(request)
        raise_problems(domain.details_problems(details))
        office_id = uuid7()
        with self.db.begin() as conn:
            unit = store.get_unit(conn, request.commune_code)
            if unit is None or unit["level"] != "commune":
                raise not_found(
                    "COMMUNE_NOT_FOUND", f"no commune {request.commune_code!r}", commune_code=request.commune_code
                )
            if store.get_office(conn, request.slug) is not None:
                raise office_exists(request.slug)
            self._create(
                conn,
                dict(
                    office_id=office_id,
                    instance_id=current_instance(),
                    slug=request.slug,
                    commune_code=request.commune_code,
                    name_ar=name.ar,
                    name_fr=name.fr,
                    name_zgh=name.zgh,
                    name_en=name.en,
                    phase=phase,
                    status=status,
                    timezone="Africa/Casablanca",
                    created_at=store.now(),
                ),
                details,
                request.actor or "admin",
            )
            return self._profile(conn, store.get_office(conn, office_id))

    def _create(self, conn, row, details, actor):
        store.insert_office(conn, row)
        store.save_profile(conn, row["office_id"], details)
        store.add_phase_step(conn, row["office_id"], row["phase"], row["created_at"].date(), "", actor)
        for entry in domain.DEFAULT_CATALOGUE:
            store.upsert_entry(conn, row["office_id"], entry)
        self.events.add(
            conn,
            "office.created",
            row["office_id"],
            pb.OfficeCreated(office=office_message(row)),
            office_id=row["office_id"],
        )

    @grpc
    def UpdateOffice(self, request, context):
        with self.db.begin() as conn:
            row = self._allow_at_office(conn, request.office_id, "office.manage")
            details = details_from(request, store.details_of(store.get_profile(conn, row["office_id"])))
            raise_problems(domain.details_problems(details))
            if request.status:
                if request.status not in domain.STATUSES:
                    raise invalid_argument(
                        "BAD_STATUS", f"status must be one of {', '.join(domain.STATUSES)}", field="status"
                    )
                store.update_office(conn, row["office_id"], status=request.status)
            store.save_profile(conn, row["office_id"], details)
            if request.replace_staff:
                members = [(s.account_id.strip(), s.role.strip() or "agent") for s in request.staff]
                if any(not a for a, _ in members) or len({a for a, _ in members}) != len(members):
                    raise invalid_argument(
                        "BAD_STAFF", "every staff member needs one distinct account_id", field="staff"
                    )
                store.replace_staff(conn, row["office_id"], members)
            updated = store.get_office(conn, row["office_id"])
            self._office_updated(conn, updated)
            return self._profile(conn, updated)

    def _office_updated(self, conn, row) -> None:
        """office.updated: services holding a copy of the office (gateway, tickets) drop it."""
        self.events.add(
            conn,
            "office.updated",
            row["office_id"],
            pb.OfficeUpdated(office=office_message(row)),
            office_id=row["office_id"],
        )

    @grpc
    def ChangePhase(self, request, context):
        new = phase_name(request.phase, "")
        with self.db.begin() as conn:
            row = self._allow_at_office(conn, request.office_id, "office.phase.change")
            changed_on = parse_date(request.changed_on, "changed_on", local_today(row["timezone"]))
            domain.check_phase_change(row["phase"], new, request.reason)
            store.update_office(conn, row["office_id"], phase=new)
            store.add_phase_step(
                conn, row["office_id"], new, changed_on, request.reason.strip(), request.actor or "admin"
            )
            self.events.add(
                conn,
                "office.phase_changed",
                row["office_id"],
                pb.OfficePhaseChanged(
                    office_id=row["office_id"],
                    from_phase=phase_value(row["phase"]),
                    to_phase=phase_value(new),
                    reason=request.reason.strip(),
                    changed_on=changed_on.isoformat(),
                ),
                office_id=row["office_id"],
            )
            return self._profile(conn, store.get_office(conn, row["office_id"]))

    # --- activities and figures ------------------------------------------------------------

    @grpc
    def RecordActivity(self, request, context):
        a = request.activity
        if a.office_id.strip():
            with self.db.connect() as conn:
                self._allow_at_office(conn, a.office_id, "office.activity.record")
        else:
            self.auth.require("office.activity.record")
        p = a.participants
        activity = domain.Activity(
            kind=a.kind,
            held_on=parse_date(a.held_on, "held_on"),
            place=a.place,
            title=a.title,
            theme=a.theme,
            women=p.women,
            men=p.men,
            others=p.others,
            document_ids=tuple(a.document_ids),
        )
        raise_problems(domain.activity_problems(activity))
        with self.db.begin() as conn:
            office_id = self._office(conn, a.office_id)["office_id"] if a.office_id.strip() else ""
            row = dict(
                activity_id=uuid7(),
                instance_id=current_instance(),
                office_id=office_id,
                kind=activity.kind,
                theme=activity.theme,
                held_on=activity.held_on,
                place=activity.place.strip(),
                title=activity.title.strip(),
                women=activity.women,
                men=activity.men,
                others=activity.others,
                document_ids=json.dumps(list(activity.document_ids)),
                recorded_at=store.now(),
            )
            store.insert_activity(conn, row)
            message = activity_message(row)
            self.events.add(
                conn,
                "activity.recorded",
                row["activity_id"],
                pb.ActivityRecorded(activity=message),
                office_id=office_id,
            )
        return message

    @grpc
    def ListActivities(self, request, context):
        from_date = parse_date(request.from_date, "from_date") if request.from_date else None
        to_date = parse_date(request.to_date, "to_date") if request.to_date else None
        with self.db.connect() as conn:
            office_id = self._office(conn, request.office_id)["office_id"] if request.office_id else ""
            rows = store.list_activities(conn, office_id, request.kind, from_date, to_date)
        return pb.ListActivitiesResponse(activities=[activity_message(r) for r in rows])

    @grpc
    def AchievementsInFigures(self, request, context):
        scope = request.scope or "instance"
        with self.db.connect() as conn:
            offices = store.list_offices(conn)
            instance = current_instance()
            if scope == "office":
                chosen = [self._office(conn, request.key)]
                activity_rows = store.activity_figures(conn, office_ids=[chosen[0]["office_id"]])
            elif scope == "region":
                levels, parents = store.territory_levels(conn), store.territory_parents(conn)
                if levels.get(request.key) != "region":
                    raise not_found("REGION_NOT_FOUND", f"no region {request.key!r}", region=request.key)
                chosen = [o for o in offices if store.region_of(parents, levels, o["commune_code"]) == request.key]
                activity_rows = store.activity_figures(conn, office_ids=[o["office_id"] for o in chosen])
            elif scope == "instance":
                chosen = [o for o in offices if o["instance_id"] == instance]
                activity_rows = store.activity_figures(conn, instance_id=instance)
            elif scope == "federation":
                # This instance's own records plus the counts each partner instance reported
                # (ReportMemberFigures): their offices and activities stay in their clusters.
                chosen = [o for o in offices if o["instance_id"] == instance]
                activity_rows = store.activity_figures(conn, instance_id=instance)
                members = [m for m in store.member_figures(conn) if m["instance_id"] != instance]
            else:
                raise invalid_argument(
                    "BAD_SCOPE", "scope must be office, region, instance or federation", field="scope"
                )
        figures = domain.achievements(
            [(o["status"], o["phase"]) for o in chosen],
            [
                (kind, theme, int(n), int(women), int(men), int(others))
                for kind, theme, n, women, men, others in activity_rows
            ],
        )
        instances = {o["instance_id"] for o in chosen}
        if scope in ("instance", "federation"):
            instances.add(instance)
        if scope == "federation" and members:
            figures = domain.merge(
                [figures, *(figures_from(pb.Achievements.FromString(m["figures"])) for m in members)]
            )
            instances |= {m["instance_id"] for m in members}
        return achievements_message(scope, request.key, figures, sorted(instances))

    @grpc
    def ReportMemberFigures(self, request, context):
        self.auth.require("figures.report")
        member = request.instance_id.strip()
        if not territory.CODE.match(member):
            raise invalid_argument(
                "BAD_INSTANCE", "instance_id: lower-case letters, digits, '_' or '-'", field="instance_id"
            )
        if member == current_instance():
            raise failed_precondition(
                "OWN_INSTANCE", "this instance's figures come from its own records", instance_id=member
            )
        if request.withdrawn:
            with self.db.begin() as conn:
                store.forget_member_figures(conn, member)
            return pb.MemberFiguresReply(instance_id=member, reported_at=store.now().isoformat())
        figures = figures_from(request.figures)
        counts = [
            *figures.offices_by_status.values(),
            *figures.themes.values(),
            figures.women,
            figures.men,
            figures.others,
            *(n for kinds in figures.activities.values() for n in kinds.values()),
        ]
        if any(n < 0 for n in counts):
            raise invalid_argument("BAD_FIGURES", "figures are counts: zero or more", field="figures")
        unknown = sorted(
            (set(figures.offices_by_status) - set(domain.STATUSES))
            | {k for kinds in figures.activities.values() for k in kinds} - set(domain.ACTIVITY_PHASE)
        )
        if unknown:
            raise invalid_argument("BAD_FIGURES", f"unknown status or activity kind: {unknown[0]}", field="figures")
        clean = achievements_message("instance", "", figures, [member])
        with self.db.begin() as conn:
            stamp = store.save_member_figures(conn, member, request.name.strip(), clean.SerializeToString())
        return pb.MemberFiguresReply(instance_id=member, reported_at=stamp.isoformat())

    # --- territory -------------------------------------------------------------------------

    @grpc
    def ListTerritory(self, request, context):
        with self.db.connect() as conn:
            rows = store.list_units(conn, request.parent_code, request.level)
        return pb.ListTerritoryResponse(units=[unit_message(r) for r in rows])

    @grpc
    def GetTerritoryUnit(self, request, context):
        with self.db.connect() as conn:
            row = store.get_unit(conn, request.code.strip())
        if row is None:
            raise not_found("TERRITORY_NOT_FOUND", f"no territory unit {request.code!r}", unit=request.code)
        return unit_message(row)

    @grpc
    def RemoveTerritory(self, request, context):
        """For a wrong import: a unit (and what lies below it) goes, unless an office sits there."""
        self.auth.require("territory.manage")
        code = request.code.strip()
        with self.db.begin() as conn:
            if store.get_unit(conn, code) is None:
                raise not_found("TERRITORY_NOT_FOUND", f"no territory unit {code!r}", unit=code)
            parents = store.territory_parents(conn)
            children: dict[str, list[str]] = {}
            for child, parent in parents.items():
                children.setdefault(parent, []).append(child)
            if children.get(code) and not request.with_descendants:
                raise failed_precondition("TERRITORY_HAS_CHILDREN", f"{code!r} has units below it", unit=code)
            doomed, todo = set(), [code]
            while todo:
                current = todo.pop()
                if current not in doomed:
                    doomed.add(current)
                    todo.extend(children.get(current, ()))
            busy = sorted({o["commune_code"] for o in store.list_offices(conn)} & doomed)
            if busy:
                raise failed_precondition("TERRITORY_HAS_OFFICES", f"an office sits in {busy[0]!r}", unit=busy[0])
            return pb.RemoveTerritoryReply(removed=store.remove_units(conn, doomed))

    # --- catalogue -------------------------------------------------------------------------

    @grpc
    def ListCategories(self, request, context):
        with self.db.connect() as conn:
            office = self._office(conn, request.office_id)
            rows = store.entries_of(conn, office["office_id"], include_inactive=request.include_inactive)
        return pb.ListCategoriesResponse(
            office_id=office["office_id"], entries=[entry_message(store.entry_of(r)) for r in rows]
        )

    @grpc
    def SetCatalogueEntry(self, request, context):
        with self.db.connect() as conn:
            self._allow_at_office(conn, request.office_id, "catalogue.manage")
        e = request.entry
        entry = domain.CatalogueEntry(
            code=e.code,
            request_type=e.request_type,
            category=e.category,
            name_fr=e.name.fr,
            name_ar=e.name.ar,
            name_zgh=e.name.zgh,
            name_en=e.name.en,
            deadline_count=e.deadline_count,
            deadline_unit=e.deadline_unit or "working_days",
            legal_basis=e.legal_basis,
            department=e.department,
            requires_location=e.requires_location,
            requires_attachments=e.requires_attachments,
            active=e.active,
            publicity=e.publicity,
            anonymous_allowed=e.anonymous_allowed if e.HasField("anonymous_allowed") else None,
        )
        raise_problems(domain.entry_problems(entry))
        with self.db.begin() as conn:
            office_id = self._office(conn, request.office_id)["office_id"]
            entry = store.with_stored_rules(
                conn,
                office_id,
                entry,
                keep_publicity=not e.publicity,
                keep_anonymity=not e.HasField("anonymous_allowed"),
            )
            store.upsert_entry(conn, office_id, entry)
            self.events.add(
                conn,
                "catalogue.changed",
                office_id,
                pb.CatalogueChanged(office_id=office_id, codes=[entry.code]),
                office_id=office_id,
            )
        return entry_message(entry)

    # --- calendars -------------------------------------------------------------------------

    def _calendar(self, conn, from_year=2000, to_year=2100):
        instance = current_instance()
        rules = store.holiday_rules(conn, instance)
        weekend = store.weekend_of(conn, instance)
        return rules, weekend, calendar.working_calendar(rules, weekend, from_year, to_year)

    def _calendar_reply(self, conn, from_year: int, to_year: int) -> pb.Calendar:
        if to_year < from_year or to_year - from_year > 50:
            raise invalid_argument("BAD_YEARS", "to_year must be within 0..50 years after from_year", field="to_year")
        rules, weekend, cal = self._calendar(conn, from_year, to_year)
        return pb.Calendar(
            instance_id=current_instance(),
            weekend_days=sorted(weekend),
            holidays=[
                pb.CalendarHoliday(date=d.isoformat(), name=h.name, confirmed=h.confirmed)
                for d, h in sorted(cal.holidays.items())
            ],
            covered_years=sorted(cal.covered_years),
            rules=[rule_message(r) for r in rules],
        )

    def _calendar_changed(self, conn, keys) -> None:
        instance = current_instance()
        self.events.add(conn, "calendar.changed", instance, pb.CalendarChanged(instance_id=instance, keys=keys))

    @grpc
    def GetCalendar(self, request, context):
        this_year = dt.date.today().year
        first = request.from_year or this_year
        with self.db.connect() as conn:
            return self._calendar_reply(conn, first, request.to_year or first + 1)

    @grpc
    def SetHoliday(self, request, context):
        self.auth.require("calendar.manage")
        r = request.rule
        rule = calendar.validate_rule(
            calendar.HolidayRule(
                key=r.key,
                name_fr=r.name_fr,
                name_ar=r.name_ar,
                month=r.month,
                day=r.day,
                on_date=parse_date(r.date, "date") if r.date else None,
                from_year=r.from_year,
                religious=r.religious,
                confirmed=r.confirmed,
            )
        )
        with self.db.begin() as conn:
            store.upsert_holiday(conn, current_instance(), rule)
            self._calendar_changed(conn, [rule.key])
            year = rule.on_date.year if rule.on_date else dt.date.today().year
            return self._calendar_reply(conn, year, year)

    @grpc
    def DeleteHoliday(self, request, context):
        self.auth.require("calendar.manage")
        with self.db.begin() as conn:
            if not store.delete_holiday(conn, current_instance(), request.key):
                raise not_found("HOLIDAY_NOT_FOUND", f"no holiday {request.key!r}", key=request.key)
            self._calendar_changed(conn, [request.key])
            year = dt.date.today().year
            return self._calendar_reply(conn, year, year)

    @grpc
    def SetWeekend(self, request, context):
        self.auth.require("calendar.manage")
        days = set(request.weekend_days)
        if not days <= set(range(7)) or len(days) >= 7:
            raise invalid_argument(
                "BAD_WEEKEND", "weekend days are 0 (Monday) to 6, not all seven", field="weekend_days"
            )
        with self.db.begin() as conn:
            store.set_weekend(conn, current_instance(), days)
            self._calendar_changed(conn, [])
            year = dt.date.today().year
            return self._calendar_reply(conn, year, year)

    @grpc
    def WorkingDaysBetween(self, request, context):
        start = parse_date(request.from_date, "from_date")
        end = parse_date(request.to_date, "to_date")
        with self.db.connect() as conn:
            _, _, cal = self._calendar(conn)
        try:
            return reckoning_message(cal.working_days_between(start, end))
        except ValueError as exc:
            raise invalid_argument("SPAN_OUT_OF_RANGE", str(exc), field="to_date") from None

    @grpc
    def AddWorkingDays(self, request, context):
        start = parse_date(request.from_date, "from_date")
        with self.db.connect() as conn:
            _, _, cal = self._calendar(conn)
        try:
            return reckoning_message(cal.add_working_days(start, request.days))
        except ValueError as exc:
            raise invalid_argument("BAD_DAYS", str(exc), field="days") from None

    # --- import and export -----------------------------------------------------------------

    @grpc
    def Import(self, request, context):
        self.auth.require("registry.import")
        try:
            return self._import(request)
        except sa.exc.IntegrityError:
            raise DomainError(
                StatusCode.ABORTED,
                "CONCURRENT_CHANGE",
                "another change to the same rows was committed meanwhile; nothing was imported, retry",
            ) from None

    def _import(self, request):
        try:
            rows = transfer.read_rows(request.kind, request.format, request.content)
        except transfer.FileError as exc:
            raise invalid_argument(exc.reason, exc.message, field="content") from None
        with self.db.begin() as conn:
            if request.kind == "territory":
                units, errors = transfer.validate_territory(rows, store.territory_levels(conn))
                apply = lambda: store.upsert_units(conn, units, current_instance())  # noqa: E731
            elif request.kind == "offices":
                communes = {c for c, level in store.territory_levels(conn).items() if level == "commune"}
                current = {o["slug"]: o["phase"] for o in store.list_offices(conn)}
                offices, errors = transfer.validate_offices(rows, communes, current)
                apply = lambda: self._import_offices(conn, offices)  # noqa: E731
            else:
                slugs = {o["slug"]: o["office_id"] for o in store.list_offices(conn)}
                entries, errors = transfer.validate_catalogue(rows, set(slugs))
                apply = lambda: self._import_catalogue(conn, entries, slugs)  # noqa: E731
            reply = pb.ImportReply(rows=len(rows), errors=[pb.RowError(**dataclasses.asdict(e)) for e in errors])
            if errors or request.dry_run:
                return reply
            reply.created, reply.updated = apply()
            reply.applied = True
            return reply

    def _import_offices(self, conn, offices) -> tuple[int, int]:
        created = updated = 0
        for office in offices:
            row = store.get_office(conn, office.slug)
            if row is None:
                self._create(
                    conn,
                    dict(
                        office_id=uuid7(),
                        instance_id=current_instance(),
                        slug=office.slug,
                        commune_code=office.commune_code,
                        name_ar=office.name_ar,
                        name_fr=office.name_fr,
                        name_zgh=office.name_zgh,
                        name_en=office.name_en,
                        phase=office.phase,
                        status=office.status,
                        timezone="Africa/Casablanca",
                        created_at=store.now(),
                    ),
                    office.details,
                    "import",
                )
                created += 1
                continue
            store.update_office(
                conn,
                row["office_id"],
                commune_code=office.commune_code,
                name_ar=office.name_ar,
                name_fr=office.name_fr,
                name_zgh=office.name_zgh,
                name_en=office.name_en,
                status=office.status,
                phase=office.phase,
            )
            store.save_profile(conn, row["office_id"], office.details)
            self._office_updated(conn, store.get_office(conn, row["office_id"]))
            if office.phase != row["phase"]:
                today = local_today(row["timezone"])
                store.add_phase_step(conn, row["office_id"], office.phase, today, "", "import")
                self.events.add(
                    conn,
                    "office.phase_changed",
                    row["office_id"],
                    pb.OfficePhaseChanged(
                        office_id=row["office_id"],
                        from_phase=phase_value(row["phase"]),
                        to_phase=phase_value(office.phase),
                        changed_on=today.isoformat(),
                    ),
                    office_id=row["office_id"],
                )
            updated += 1
        return created, updated

    def _import_catalogue(self, conn, entries, slugs) -> tuple[int, int]:
        created = updated = 0
        changed: dict[str, list[str]] = {}
        for slug, entry in entries:
            office_id = slugs[slug]
            if store.upsert_entry(conn, office_id, entry):
                created += 1
            else:
                updated += 1
            changed.setdefault(office_id, []).append(entry.code)
        for office_id, codes in changed.items():
            self.events.add(
                conn,
                "catalogue.changed",
                office_id,
                pb.CatalogueChanged(office_id=office_id, codes=codes),
                office_id=office_id,
            )
        return created, updated

    @grpc
    def Export(self, request, context):
        if request.kind not in transfer.KINDS:
            raise invalid_argument("BAD_KIND", f"kind must be one of {', '.join(transfer.KINDS)}", field="kind")
        if request.format not in transfer.FORMATS:
            raise invalid_argument("BAD_FORMAT", f"format must be one of {', '.join(transfer.FORMATS)}", field="format")
        with self.db.connect() as conn:
            if request.kind == "territory":
                rows = [dict(r) for r in store.list_units(conn)]
            elif request.kind == "offices":
                rows = []
                for office in store.list_offices(conn):
                    details = store.details_of(store.get_profile(conn, office["office_id"]))
                    rows.append(
                        dict(
                            office,
                            address=details.address,
                            latitude=details.latitude,
                            longitude=details.longitude,
                            phone=details.phone,
                            email=details.email,
                        )
                    )
            else:
                slug_of = {o["office_id"]: o["slug"] for o in store.list_offices(conn)}
                rows = [dict(r, office=slug_of.get(r["office_id"], "")) for r in store.entries_of(conn)]
        content = transfer.write_rows(request.kind, request.format, rows)
        media = "text/csv; charset=utf-8" if request.format == "csv" else "application/json"
        return pb.ExportReply(content=content, rows=len(rows), media_type=media)


SERVICE = RegistryService


def _seed(conn, settings) -> None:
    store.seed(conn, settings.instance_id)


migrate = migrator("registry", store.metadata, after=_seed)
