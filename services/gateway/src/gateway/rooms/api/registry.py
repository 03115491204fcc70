"""The REST API's public reads of the registry: the offices, their profiles and catalogues, the
territory, the achievements in figures and the working-day calendar, for the portal and open data.
Staff account ids stay out of these public bodies.
"""

from __future__ import annotations

from citizenoffice.registry.v1 import registry_pb2 as registry_pb
from cokit.errors import invalid_argument

from ... import dependencies
from ...entrypoints import api
from ...translate import office_json
from .common import json_response


def _int_arg(request, name: str, default: int = 0) -> int:
    value = request.args.get(name, "")
    if value == "":
        return default
    try:
        number = int(value)
    except ValueError:
        number = None
    if number is None or not -(2**31) <= number < 2**31:  # the gRPC field is an int32
        raise invalid_argument("BAD_QUERY", f"{name} must be a whole number", field=name)
    return number


def _name(n) -> dict:
    return {"ar": n.ar, "fr": n.fr, "zgh": n.zgh, "en": n.en}


def _phase(value: int) -> str:
    return registry_pb.Phase.Name(value).lower()


def profile_json(p) -> dict:
    o = p.office
    return {
        "office_id": o.office_id,
        "slug": o.slug,
        "commune_code": o.commune_code,
        "name": _name(o.name),
        "phase": _phase(o.phase),
        "status": o.status,
        "timezone": o.timezone,
        "region_code": p.region_code,
        "province_code": p.province_code,
        "address": p.address,
        "location": {"latitude": p.location.latitude, "longitude": p.location.longitude}
        if p.HasField("location")
        else None,
        "opening_hours": [{"weekday": h.weekday, "opens": h.opens, "closes": h.closes} for h in p.opening_hours],
        "phone": p.phone,
        "email": p.email,
        "phase_history": [
            {"phase": _phase(s.phase), "changed_on": s.changed_on, "reason": s.reason} for s in p.phase_history
        ],
    }


def entry_json(e) -> dict:
    return {
        "code": e.code,
        "request_type": e.request_type,
        "category": e.category,
        "name": _name(e.name),
        "deadline": {"count": e.deadline_count, "unit": e.deadline_unit},
        "legal_basis": e.legal_basis,
        "department": e.department,
        "requires_location": e.requires_location,
        "requires_attachments": e.requires_attachments,
        "publicity": e.publicity or "choice",
        "anonymous_allowed": e.anonymous_allowed,
    }


def achievements_json(a) -> dict:
    return {
        "scope": a.scope,
        "key": a.key,
        "offices_total": a.offices_total,
        "offices_by_status": dict(a.offices_by_status),
        "phases": [
            {
                "phase": _phase(p.phase),
                "offices": p.offices,
                "activities": p.activities,
                "by_kind": {k.kind: k.count for k in p.by_kind},
            }
            for p in a.phases
        ],
        "workshops_by_theme": dict(a.workshops_by_theme),
        "participants": {"women": a.participants.women, "men": a.participants.men, "others": a.participants.others},
        "activities_total": a.activities_total,
    }


class RegistryApi:
    registry = dependencies.registry

    @api("GET", "/api/v1/offices")
    def list_offices(self, request):
        reply = self.registry.ListOffices(registry_pb.ListOfficesRequest(status=request.args.get("status", "")))
        return json_response({"items": [office_json(o) for o in reply.offices]})

    @api("GET", "/api/v1/registry/offices/<string:office>")
    def registry_office(self, request, office):
        return json_response(
            profile_json(self.registry.GetOfficeProfile(registry_pb.GetOfficeRequest(office_id=office)))
        )

    @api("GET", "/api/v1/registry/offices/<string:office>/catalogue")
    def registry_catalogue(self, request, office):
        reply = self.registry.ListCategories(registry_pb.ListCategoriesRequest(office_id=office))
        return json_response({"office_id": reply.office_id, "items": [entry_json(e) for e in reply.entries]})

    @api("GET", "/api/v1/registry/achievements")
    def registry_achievements(self, request):
        reply = self.registry.AchievementsInFigures(
            registry_pb.AchievementsRequest(
                scope=request.args.get("scope", "instance"), key=request.args.get("key", "")
            )
        )
        return json_response(achievements_json(reply))

    @api("GET", "/api/v1/registry/territory")
    def registry_territory(self, request):
        reply = self.registry.ListTerritory(
            registry_pb.ListTerritoryRequest(
                parent_code=request.args.get("parent", ""), level=request.args.get("level", "")
            )
        )
        return json_response(
            {
                "items": [
                    {
                        "code": u.code,
                        "level": u.level,
                        "parent_code": u.parent_code,
                        "name": _name(u.name),
                        "population": None if u.population < 0 else u.population,
                        "commune_type": u.commune_type,
                        "petition_signatures": u.petition_signatures or None,
                    }
                    for u in reply.units
                ]
            }
        )

    @api("GET", "/api/v1/registry/calendar")
    def registry_calendar(self, request):
        first = _int_arg(request, "from_year")
        reply = self.registry.GetCalendar(
            registry_pb.GetCalendarRequest(from_year=first, to_year=_int_arg(request, "to_year", first))
        )
        return json_response(
            {
                "weekend_days": list(reply.weekend_days),
                "covered_years": list(reply.covered_years),
                "holidays": [{"date": h.date, "name": h.name, "confirmed": h.confirmed} for h in reply.holidays],
            }
        )

    @api("GET", "/api/v1/registry/working-days")
    def registry_working_days(self, request):
        """?from=YYYY-MM-DD&days=N (the deadline) or ?from=...&to=... (days between)."""
        start = request.args.get("from", "")
        if request.args.get("to"):
            reply = self.registry.WorkingDaysBetween(
                registry_pb.WorkingDaysBetweenRequest(from_date=start, to_date=request.args["to"])
            )
        else:
            reply = self.registry.AddWorkingDays(
                registry_pb.AddWorkingDaysRequest(from_date=start, days=_int_arg(request, "days"))
            )
        return json_response(
            {
                "date": reply.date,
                "working_days": reply.working_days,
                "provisional": reply.provisional,
                "holidays_crossed": [
                    {"date": h.date, "name": h.name, "confirmed": h.confirmed} for h in reply.holidays_crossed
                ],
            }
        )
