"""The admin room: the pages of national and commune admins under /staff/admin. The offices they
manage (hours, contacts, status), each office's service catalogue, its staff and roles, and the
instance's calendar (holidays; religious ones confirmed once announced).

Every route is an `admin_page` entrypoint (entrypoints.AdminPage): the staff pages' session and
per-session form token (sessions.py), and admins only, before the route runs. The gateway then
decides with the one policy (cokit.auth.policy): a commune admin manages only the offices of
their commune, the calendar is the national admin's. Roles are granted and revoked by identity
with the admin's own token, so identity decides again which roles they may hand out. A new
admin page goes here, with @admin_page.
"""

from __future__ import annotations

import datetime as dt
from urllib.parse import quote

from nameko_grpc.errors import GrpcError

import comessages
from citizenoffice.identity.v1 import identity_pb2 as identity_pb
from citizenoffice.registry.v1 import registry_pb2 as registry_pb
from cokit import request_types
from cokit.auth import policy
from cokit.errors import error_info

from .. import dependencies, portal, sessions
from ..entrypoints import admin_page
from ..scopes import instance, office_scope, scope_message
from ..sessions import Session, check_csrf, redirect

# The registry asks the same two actions of the policy (cokit.auth.policy.ACTIONS) on every change.
OFFICE_MANAGE, CALENDAR_MANAGE = "office.manage", "calendar.manage"

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
STATUSES = ("planned", "being_implemented", "operational", "suspended")
UNITS = ("working_days", "days", "months")
# Roles people hold at an office or its commune (instance-wide and machine roles are given elsewhere).
PEOPLE_ROLES = ("staff", "office_manager", "information_officer", "deputy_information_officer", "commune_admin")
NAME_LANGUAGES = ("ar", "fr", "en", "zgh")

ADMIN_TEXT = {lang: comessages.table("admin", lang) for lang in portal.LANGUAGES}


def _render(request, template: str, status: int = 200, **context):
    lang = portal.language(request)
    return sessions.render(request, template, status, a=ADMIN_TEXT[lang], **context)


def _form_error(error: GrpcError, form: str) -> dict:
    """A refusal of the registry or identity as what the page shows next to the form."""
    if error.code.name not in (
        "INVALID_ARGUMENT",
        "FAILED_PRECONDITION",
        "PERMISSION_DENIED",
        "NOT_FOUND",
        "ALREADY_EXISTS",
    ):
        raise error
    info = error_info(error.status)
    return {
        "form": form,
        "field": info.metadata.get("field", "") if info else "",
        "reason": info.reason if info else error.code.name,
        "status": 403
        if error.code.name == "PERMISSION_DENIED"
        else 409
        if error.code.name in ("FAILED_PRECONDITION", "ALREADY_EXISTS")
        else 400,
    }


class AdminPages:
    identity = dependencies.identity
    registry = dependencies.registry

    # --- where ---------------------------------------------------------------------------------

    def _managed_office(self, request, office_id: str):
        """The office, if the signed-in admin manages it (PERMISSION_DENIED otherwise)."""
        session = sessions.current(request)
        office = self.registry.GetOffice(registry_pb.GetOfficeRequest(office_id=office_id))
        policy.require(session.caller, OFFICE_MANAGE, office_scope(office))
        return session, office

    def _office_context(self, request, office) -> dict:
        lang = portal.language(request)
        return {
            "office": {
                "id": office.office_id,
                "slug": office.slug,
                "name": portal.office_name(office, lang),
                "zgh": office.name.zgh,
                "commune": office.commune_code,
            }
        }

    # --- offices ------------------------------------------------------------------------------

    @admin_page("GET", "/staff/admin")
    def admin_offices(self, request):
        session = sessions.current(request)
        lang = portal.language(request)
        offices = [
            o
            for o in self.registry.ListOffices(registry_pb.ListOfficesRequest()).offices
            if policy.decide(session.caller, OFFICE_MANAGE, office_scope(o)).allowed
        ]
        calendar = policy.decide(session.caller, CALENDAR_MANAGE, policy.Scope(instance())).allowed
        return _render(
            request,
            "admin_offices.html",
            here="/staff/admin",
            csrf=session.csrf,
            calendar=calendar,
            offices=[
                {
                    "slug": o.slug,
                    "name": portal.office_name(o, lang),
                    "zgh": o.name.zgh,
                    "commune": o.commune_code,
                    "status": o.status,
                }
                for o in offices
            ],
        )

    def _office_page(self, request, office, status: int = 200, error: dict | None = None):
        session = sessions.current(request)
        profile = self.registry.GetOfficeProfile(registry_pb.GetOfficeRequest(office_id=office.office_id))
        hours = {h.weekday: {"opens": h.opens, "closes": h.closes} for h in profile.opening_hours}
        values = {
            "address": profile.address,
            "phone": profile.phone,
            "email": profile.email,
            "status": office.status,
            "hours": hours,
        }
        if error:
            values = {
                "address": request.form.get("address", ""),
                "phone": request.form.get("phone", ""),
                "email": request.form.get("email", ""),
                "status": request.form.get("status", ""),
                "hours": {
                    d: {"opens": request.form.get(f"opens-{d}", ""), "closes": request.form.get(f"closes-{d}", "")}
                    for d in WEEKDAYS
                },
            }
        return _render(
            request,
            "admin_office.html",
            status,
            here=f"/staff/admin/offices/{office.slug}",
            csrf=session.csrf,
            values=values,
            weekdays=WEEKDAYS,
            statuses=STATUSES,
            error=error,
            done=request.args.get("done", ""),
            **self._office_context(request, office),
        )

    @admin_page("GET", "/staff/admin/offices/<string:office_id>")
    def admin_office(self, request, office_id):
        _, office = self._managed_office(request, office_id)
        return self._office_page(request, office)

    @admin_page("POST", "/staff/admin/offices/<string:office_id>")
    def admin_office_save(self, request, office_id):
        check_csrf(request)
        session, office = self._managed_office(request, office_id)
        form = request.form
        hours = [
            registry_pb.OpeningHours(
                weekday=d, opens=form.get(f"opens-{d}", "").strip(), closes=form.get(f"closes-{d}", "").strip()
            )
            for d in WEEKDAYS
            if form.get(f"opens-{d}", "").strip() or form.get(f"closes-{d}", "").strip()
        ]
        status = form.get("status", "")
        if status not in STATUSES:
            return self._office_page(request, office, 400, {"form": "office", "field": "status", "status": 400})
        try:
            self.registry.UpdateOffice(
                registry_pb.UpdateOfficeRequest(
                    office_id=office.office_id,
                    address=form.get("address", "").strip(),
                    phone=form.get("phone", "").strip(),
                    email=form.get("email", "").strip(),
                    status=status,
                    opening_hours=hours,
                ),
                metadata=session.metadata,
            )
        except GrpcError as error:
            problem = _form_error(error, "office")
            return self._office_page(request, office, problem["status"], problem)
        return redirect(f"/staff/admin/offices/{quote(office.slug)}?done=1")

    # --- the service catalogue -----------------------------------------------------------------

    def _catalogue_page(self, request, office, status: int = 200, error: dict | None = None):
        session = sessions.current(request)
        lang = portal.language(request)
        entries = self.registry.ListCategories(
            registry_pb.ListCategoriesRequest(office_id=office.office_id, include_inactive=True)
        ).entries
        listed = [
            {
                "code": e.code,
                "request_type": e.request_type,
                "category": e.category,
                "name": {"ar": e.name.ar, "fr": e.name.fr, "en": e.name.en, "zgh": e.name.zgh},
                "label": {"ar": e.name.ar, "fr": e.name.fr, "en": e.name.en or e.name.fr}.get(lang) or e.name.fr,
                "deadline_count": e.deadline_count,
                "deadline_unit": e.deadline_unit,
                "legal_basis": e.legal_basis,
                "department": e.department,
                "requires_location": e.requires_location,
                "active": e.active,
            }
            for e in entries
        ]
        chosen = request.args.get("code", "")
        editing = next((e for e in listed if e["code"] == chosen), None)
        if error:
            f = request.form
            editing = {
                "code": f.get("code", ""),
                "request_type": f.get("request_type", ""),
                "category": f.get("category", ""),
                "name": {n: f.get(f"name-{n}", "") for n in NAME_LANGUAGES},
                "deadline_count": f.get("deadline_count", ""),
                "deadline_unit": f.get("deadline_unit", ""),
                "legal_basis": f.get("legal_basis", ""),
                "department": f.get("department", ""),
                "requires_location": f.get("requires_location") == "1",
                "active": f.get("active") == "1",
                "existing": f.get("existing") == "1",
            }
        elif editing:
            editing = dict(editing, existing=True)
        return _render(
            request,
            "admin_catalogue.html",
            status,
            here=f"/staff/admin/offices/{office.slug}/catalogue",
            csrf=session.csrf,
            entries=listed,
            editing=editing,
            error=error,
            done=request.args.get("done", ""),
            request_types=request_types.names(),
            units=UNITS,
            name_languages=NAME_LANGUAGES,
            **self._office_context(request, office),
        )

    @admin_page("GET", "/staff/admin/offices/<string:office_id>/catalogue")
    def admin_catalogue(self, request, office_id):
        _, office = self._managed_office(request, office_id)
        return self._catalogue_page(request, office)

    @admin_page("POST", "/staff/admin/offices/<string:office_id>/catalogue")
    def admin_catalogue_save(self, request, office_id):
        check_csrf(request)
        session, office = self._managed_office(request, office_id)
        f = request.form
        try:
            count = int(f.get("deadline_count", "") or 0)
        except ValueError:
            return self._catalogue_page(
                request, office, 400, {"form": "entry", "field": "deadline_count", "status": 400}
            )
        entry = registry_pb.CatalogueEntry(
            code=f.get("code", "").strip(),
            request_type=f.get("request_type", ""),
            category=f.get("category", "").strip(),
            name=registry_pb.LocalizedName(**{n: f.get(f"name-{n}", "").strip() for n in NAME_LANGUAGES}),
            deadline_count=count,
            deadline_unit=f.get("deadline_unit", ""),
            legal_basis=f.get("legal_basis", "").strip(),
            department=f.get("department", "").strip(),
            requires_location=f.get("requires_location") == "1",
            active=f.get("active") == "1",
        )
        try:
            self.registry.SetCatalogueEntry(
                registry_pb.SetCatalogueEntryRequest(office_id=office.office_id, entry=entry), metadata=session.metadata
            )
        except GrpcError as error:
            problem = _form_error(error, "entry")
            return self._catalogue_page(request, office, problem["status"], problem)
        return redirect(f"/staff/admin/offices/{quote(office.slug)}/catalogue?done={quote(entry.code)}")

    # --- staff and roles ------------------------------------------------------------------------

    def _roles_page(self, request, office, status: int = 200, error: dict | None = None):
        session = sessions.current(request)
        meta = session.metadata
        here = scope_message(office_scope(office))
        bindings = list(self.identity.ListRoles(identity_pb.ListRolesRequest(scope=here), metadata=meta).bindings)
        commune = identity_pb.Scope(instance_id=office.instance_id, commune_code=office.commune_code)
        bindings += [
            b
            for b in self.identity.ListRoles(identity_pb.ListRolesRequest(scope=commune), metadata=meta).bindings
            if not b.scope.office_id
        ]
        mine = {b.role for b in session.caller.bindings if b.scope.covers(office_scope(office))}
        grantable = set().union(*(policy.GRANTABLE.get(r, ()) for r in mine)) if mine else set()
        return _render(
            request,
            "admin_roles.html",
            status,
            here=f"/staff/admin/offices/{office.slug}/roles",
            csrf=session.csrf,
            error=error,
            done=request.args.get("done", ""),
            form=request.form,
            bindings=[
                {
                    "id": b.binding_id,
                    "account": b.citizen_id,
                    "role": b.role,
                    "commune_wide": not b.scope.office_id,
                    "granted_by": b.granted_by,
                }
                for b in sorted(bindings, key=lambda b: not b.scope.office_id)
            ],  # this office's first
            roles=[r for r in PEOPLE_ROLES if r in grantable],
            **self._office_context(request, office),
        )

    @admin_page("GET", "/staff/admin/offices/<string:office_id>/roles")
    def admin_roles(self, request, office_id):
        _, office = self._managed_office(request, office_id)
        return self._roles_page(request, office)

    @admin_page("POST", "/staff/admin/offices/<string:office_id>/roles")
    def admin_grant_role(self, request, office_id):
        check_csrf(request)
        session, office = self._managed_office(request, office_id)
        role, account = request.form.get("role", ""), request.form.get("account", "").strip()
        if role not in PEOPLE_ROLES:
            return self._roles_page(request, office, 400, {"form": "grant", "field": "role", "status": 400})
        scope = office_scope(office)
        if policy.ROLES[role].level == policy.COMMUNE:
            scope = policy.Scope(scope.instance, scope.commune)
        try:
            self.identity.GrantRole(
                identity_pb.GrantRoleRequest(citizen_id=account, role=role, scope=scope_message(scope)),
                metadata=session.metadata,
            )
        except GrpcError as error:
            problem = _form_error(error, "grant")
            problem["field"] = problem["field"] or ("account" if problem["status"] != 403 else "role")
            return self._roles_page(request, office, problem["status"], problem)
        return redirect(f"/staff/admin/offices/{quote(office.slug)}/roles?done=granted")

    @admin_page("POST", "/staff/admin/offices/<string:office_id>/roles/<string:binding_id>/revoke")
    def admin_revoke_role(self, request, office_id, binding_id):
        check_csrf(request)
        session, office = self._managed_office(request, office_id)
        try:
            self.identity.RevokeRole(identity_pb.RevokeRoleRequest(binding_id=binding_id), metadata=session.metadata)
        except GrpcError as error:
            problem = _form_error(error, "revoke")
            return self._roles_page(request, office, problem["status"], problem)
        return redirect(f"/staff/admin/offices/{quote(office.slug)}/roles?done=revoked")

    # --- the instance's calendar -----------------------------------------------------------------

    def _calendar_admin(self, request) -> Session:
        session = sessions.current(request)
        policy.require(session.caller, CALENDAR_MANAGE, policy.Scope(instance()))
        return session

    def _calendar_page(self, request, status: int = 200, error: dict | None = None):
        session = sessions.current(request)
        lang = portal.language(request)
        year = dt.date.today().year
        calendar = self.registry.GetCalendar(registry_pb.GetCalendarRequest(from_year=year, to_year=year + 1))
        names = {}
        for r in calendar.rules:
            names[r.key] = r.name_ar if lang == "ar" and r.name_ar else r.name_fr
        pending = [
            {"key": r.key, "name": names[r.key], "date": r.date}
            for r in calendar.rules
            if r.religious and not r.confirmed and r.date and r.date[:4] >= str(year)
        ]
        return _render(
            request,
            "admin_calendar.html",
            status,
            here="/staff/admin/calendar",
            csrf=session.csrf,
            error=error,
            done=request.args.get("done", ""),
            form=request.form,
            pending=pending,
            holidays=[{"date": h.date, "name": h.name, "confirmed": h.confirmed} for h in calendar.holidays],
        )

    @admin_page("GET", "/staff/admin/calendar")
    def admin_calendar(self, request):
        self._calendar_admin(request)
        return self._calendar_page(request)

    @admin_page("POST", "/staff/admin/calendar/confirm")
    def admin_confirm_holiday(self, request):
        """An estimated religious holiday confirmed on the announced date (which may differ)."""
        check_csrf(request)
        session = self._calendar_admin(request)
        key = request.form.get("key", "")
        calendar = self.registry.GetCalendar(registry_pb.GetCalendarRequest())
        rule = next((r for r in calendar.rules if r.key == key), None)
        if rule is None:
            return self._calendar_page(request, 404, {"form": f"confirm-{key}", "field": "key", "status": 404})
        confirmed = registry_pb.HolidayRule()
        confirmed.CopyFrom(rule)
        confirmed.date, confirmed.confirmed = request.form.get("date", "").strip() or rule.date, True
        try:
            self.registry.SetHoliday(registry_pb.SetHolidayRequest(rule=confirmed), metadata=session.metadata)
        except GrpcError as error:
            problem = _form_error(error, f"confirm-{key}")
            return self._calendar_page(request, problem["status"], dict(problem, field=problem["field"] or "date"))
        return redirect(f"/staff/admin/calendar?done={quote(key)}")

    @admin_page("POST", "/staff/admin/calendar/holidays")
    def admin_add_holiday(self, request):
        check_csrf(request)
        session = self._calendar_admin(request)
        f = request.form
        date = f.get("date", "").strip()
        religious = f.get("religious") == "1"
        rule = registry_pb.HolidayRule(
            key=f"day-{date}",
            name_fr=f.get("name_fr", "").strip(),
            name_ar=f.get("name_ar", "").strip(),
            date=date,
            religious=religious,
            confirmed=not religious,
        )
        try:
            self.registry.SetHoliday(registry_pb.SetHolidayRequest(rule=rule), metadata=session.metadata)
        except GrpcError as error:
            problem = _form_error(error, "holiday")
            return self._calendar_page(request, problem["status"], dict(problem, field=problem["field"] or "date"))
        return redirect(f"/staff/admin/calendar?done={quote(rule.key)}")
