"""The staff room: the pages of the office's staff under /staff. Sign-in, the office's queue, a
request's page with its timeline, replies to the citizen, internal notes, the transitions the
status allows and its assignment (department, staff member, priority), and the desk: the walk-in
form (a request registered for a citizen, perhaps without an account) and the office's activity
log. Server-rendered, usable without JavaScript, in Arabic, French and English.

Every route is a `staff_page` entrypoint (entrypoints.StaffPage): the staff session is resolved
first (sessions.py; `signed_in=False` for sign-in and sign-out), an error is a page, nothing is
cached. The staff member's token goes on every gRPC call; the same policy (cokit.auth.policy)
decides here first. A new staff page goes here, with @staff_page; an admin's, in admin.py.
"""

from __future__ import annotations

import datetime as dt
from urllib.parse import quote, urlencode

from nameko_grpc.errors import GrpcError
from werkzeug.wrappers import Response

import comessages
from citizenoffice.identity.v1 import identity_pb2 as identity_pb
from citizenoffice.registry.v1 import registry_pb2 as registry_pb
from citizenoffice.tickets.v1 import tickets_pb2 as pb
from cokit import request_types
from cokit.auth import policy
from cokit.errors import error_info, invalid_argument, status_code
from cokit.refusals import Refusal

from .. import dependencies, portal, sessions
from ..entrypoints import staff_page
from ..office_work import REQUESTER_FIELDS, register_walk_in, transition_fields, walk_in_kinds
from ..scopes import office_scope, scope_message, scope_of
from ..sessions import STAFF_TEXT, Session, check_csrf, redirect, render
from ..translate import kind_key

LONG_FIELDS = ("answer", "reason", "message", "remedies", "redaction")

ACTIVITY_KINDS = (
    "strategic_workshop",
    "forum",
    "observation_visit",
    "assessment_mission",
    "harmonization_workshop",
    "institutional_meeting",
    "exchange_visit",
)
WORKSHOP_THEMES = ("access_to_information", "participation", "facilitation_of_administration")
PRIORITIES = (1, 2, 3, 4)
ACTIVITIES_SHOWN = 50  # the registry lists oldest first (date, then id in time order)
ASSIGNEES_SHOWN = 30  # each one is a call to identity for the name
ID_KINDS = ("cin", "residence_permit")
FORMATS = ("electronic", "paper", "on_site")

DESK_TEXT = {lang: comessages.table("desk", lang) for lang in portal.LANGUAGES}

LANGUAGE_NAMES = {"ar": "العربية", "fr": "Français", "en": "English", "zgh": "ⵜⴰⵎⴰⵣⵉⵖⵜ"}


def _desk(request, template: str, status: int = 200, here: str | None = None, **context):
    return render(request, template, status, here=here, d=DESK_TEXT[portal.language(request)], **context)


def walk_in_subjects(entries, lang: str) -> list[dict]:
    """The walk-in form's subjects: per request type, the office's active catalogue entries
    ("<request type>:<category>", the entry's name in the page's language); a request type the
    catalogue lacks is offered once, as "other"."""
    other = portal.TEXT[lang]["categories"]["other"]
    groups = []
    for kind in walk_in_kinds():
        options = {
            f"{kind}:{e.category}": portal.office_name(e, lang) or e.code
            for e in entries
            if e.active and e.request_type == kind and e.category
        }
        groups.append({"kind": kind, "options": options or {f"{kind}:other": other}})
    return groups


def _field_error(error: GrpcError | Refusal) -> dict:
    """The field a refused form names, from a service's status or the gateway's own check."""
    if isinstance(error, Refusal):
        return {"field": error.metadata.get("field", ""), "reason": error.reason}
    info = error_info(error.status)
    return {"field": info.metadata.get("field", "") if info else "", "reason": info.reason if info else ""}


def _refusal(error: GrpcError | Refusal, codes: tuple[str, ...] = ("INVALID_ARGUMENT",)) -> bool:
    """Is this an answer the form shows next to its fields (the rest becomes the error page)?"""
    code = status_code(error) if isinstance(error, Refusal) else error.code
    return code.name in codes


def _count(form, name: str) -> int:
    raw = form.get(name, "").strip() or "0"
    if not raw.isdigit() or len(raw) > 6:
        raise invalid_argument("BAD_PARTICIPANTS", f"{name} is a whole number", field=name)
    return int(raw)


def roles_here(caller: policy.Caller, scope: policy.Scope) -> set[str]:
    """The caller's roles whose binding covers this office (tickets maps the same bindings)."""
    return {b.role for b in caller.bindings if b.scope.covers(scope)}


class StaffPages:
    identity = dependencies.identity
    registry = dependencies.registry
    tickets = dependencies.tickets

    def _offices_for(self, caller: policy.Caller, action: str) -> list:
        """The offices where the caller's roles allow `action`."""
        offices = self.registry.ListOffices(registry_pb.ListOfficesRequest()).offices
        return [o for o in offices if policy.decide(caller, action, office_scope(o)).allowed]

    def _office_choices(self, session: Session, action: str, lang: str) -> dict[str, str]:
        return {o.office_id: portal.office_name(o, lang) for o in self._offices_for(session.caller, action)}

    # --- sign-in and sign-out ----------------------------------------------------------------

    @staff_page("GET", "/staff/login", signed_in=False)
    def staff_login_form(self, request):
        return sessions.login_page(request)

    @staff_page("POST", "/staff/login", signed_in=False)
    def staff_login(self, request):
        return sessions.sign_in(request, identity=self.identity)

    @staff_page("POST", "/staff/logout", signed_in=False)
    def staff_logout(self, request):
        return sessions.sign_out(request, identity=self.identity)

    # --- the queue ---------------------------------------------------------------------------

    @staff_page("GET", "/staff")
    def staff_queue(self, request):
        session = sessions.current(request)
        lang = portal.language(request)
        offices = self._offices_for(session.caller, "ticket.queue.read")
        names = {o.office_id: portal.office_name(o, lang) for o in offices}
        chosen = request.args.get("office", "")
        office_ids = [chosen] if chosen in names else list(names)
        status, kind = request.args.get("status", ""), request.args.get("kind", "")
        overdue = request.args.get("overdue") == "1"
        mine = request.args.get("mine") == "1"
        items, next_link = [], ""
        if office_ids:
            kinds = [request_types.wire(kind)] if request_types.known(kind) else []
            reply = self.tickets.Search(
                pb.SearchRequest(
                    office_ids=office_ids,
                    statuses=[status] if status in STAFF_TEXT["en"]["statuses"] else [],
                    kinds=kinds,
                    overdue=overdue,
                    assignee_id=session.caller.subject if mine else "",
                    text=request.args.get("q", "")[:200],
                    page_size=25,
                    page_token=request.args.get("page", ""),
                ),
                metadata=session.metadata,
            )
            items = [
                {
                    "id": i.ticket_id,
                    "code": i.tracking_code,
                    "kind": kind_key(i.kind),
                    "category": i.category,
                    "status": i.status,
                    "office": names.get(i.office_id, ""),
                    "overdue": i.overdue,
                    "submitted_at": portal.when(i.submitted_at),
                    "due_at": portal.when(i.due_at),
                }
                for i in reply.items
            ]
            if reply.next_page_token:
                args = [(k, v) for k, v in request.args.items(multi=True) if k != "page"]
                next_link = "/staff?" + urlencode(args + [("page", reply.next_page_token)])
        return render(
            request,
            "staff_queue.html",
            items=items,
            offices=names,
            chosen=chosen,
            status_filter=status,
            kind=kind,
            overdue=overdue,
            mine=mine,
            q=request.args.get("q", ""),
            next_link=next_link,
            csrf=session.csrf,
        )

    # --- one ticket --------------------------------------------------------------------------

    def _ticket_page(self, request, ticket_id: str, status: int = 200, error: dict | None = None) -> Response:
        session = sessions.current(request)
        meta = session.metadata
        ticket = self.tickets.Get(pb.GetTicketRequest(ticket_id=ticket_id), metadata=meta)
        scope = scope_of(self.registry, {"office": ticket.office_id})
        policy.require(session.caller, "ticket.read", scope)
        history = self.tickets.History(pb.GetTicketRequest(ticket_id=ticket_id), metadata=meta).entries
        thread = self.tickets.Thread(pb.ThreadRequest(ticket_id=ticket_id), metadata=meta).messages
        events = [
            {
                "at": e.at,
                "type": "step",
                "action": e.action,
                "status": e.to_status,
                "role": e.actor_role,
                "details": dict(e.details),
            }
            for e in history
        ]
        events += [
            {
                "at": m.at,
                "type": "note" if m.internal else ("citizen" if m.author_role == "citizen" else "reply"),
                "role": m.author_role,
                "body": m.body,
            }
            for m in thread
        ]
        events.sort(key=lambda e: (e["at"].seconds, e["at"].nanos))
        mine = roles_here(session.caller, scope)
        machine = request_types.get(kind_key(ticket.kind)).machine
        actions = [
            {"action": a.action, "required": list(a.required), "outcomes": machine.outcomes(a.action)}
            for a in ticket.action_details
            if mine & set(a.roles)
        ]
        office = self.registry.GetOffice(registry_pb.GetOfficeRequest(office_id=ticket.office_id))
        lang = portal.language(request)
        assign = self._assign_context(session, ticket, lang)
        return render(
            request,
            "staff_ticket.html",
            status,
            here=f"/staff/tickets/{ticket_id}",
            ticket={
                "id": ticket.ticket_id,
                "code": ticket.tracking_code,
                "kind": kind_key(ticket.kind),
                "category": ticket.category,
                "status": ticket.status,
                "priority": ticket.priority,
                "department": ticket.department,
                "office": portal.office_name(office, lang),
                "assignee": self._assignee_name(session, ticket.assignee_id, assign["people"]),
                "attachments": ticket.attachment_count,
                "submitted_at": portal.when(ticket.submitted_at, with_time=True),
                "answer_by": portal.when(ticket.answer_by),
            },
            events=[dict(e, at=portal.when(e["at"], with_time=True)) for e in events],
            actions=actions,
            long_fields=LONG_FIELDS,
            csrf=session.csrf,
            error=error,
            done=request.args.get("done", ""),
            form=request.form,
            assign=assign,
        )

    @staff_page("GET", "/staff/tickets/<string:ticket_id>")
    def staff_ticket_page(self, request, ticket_id):
        return self._ticket_page(request, ticket_id)

    @staff_page("POST", "/staff/tickets/<string:ticket_id>/messages")
    def staff_post_message(self, request, ticket_id):
        check_csrf(request)
        session = sessions.current(request)
        ticket = self.tickets.Get(pb.GetTicketRequest(ticket_id=ticket_id), metadata=session.metadata)
        scope = scope_of(self.registry, {"office": ticket.office_id})
        policy.require(session.caller, "ticket.transition", scope)
        internal = request.form.get("internal") == "1"
        body = request.form.get("body", "").strip()
        if not body:
            return self._ticket_page(
                request, ticket_id, 400, {"form": "note" if internal else "reply", "field": "body"}
            )
        self.tickets.PostMessage(
            pb.MessageRequest(ticket_id=ticket_id, body=body, internal=internal), metadata=session.metadata
        )
        return redirect(f"/staff/tickets/{quote(ticket_id)}?done={'note' if internal else 'reply'}")

    @staff_page("POST", "/staff/tickets/<string:ticket_id>/transitions")
    def staff_transition(self, request, ticket_id):
        check_csrf(request)
        session = sessions.current(request)
        ticket = self.tickets.Get(pb.GetTicketRequest(ticket_id=ticket_id), metadata=session.metadata)
        policy.require(session.caller, "ticket.transition", scope_of(self.registry, {"office": ticket.office_id}))
        action = request.form.get("action", "")
        fields = {k: request.form.get(k, "").strip() for k in transition_fields()}
        try:
            # tickets reads the staff member from the token and picks the workflow role itself.
            self.tickets.Transition(
                pb.TransitionRequest(ticket_id=ticket_id, action=action, **fields), metadata=session.metadata
            )
        except GrpcError as error:
            info = error_info(error.status)
            if error.code.name not in ("INVALID_ARGUMENT", "FAILED_PRECONDITION", "PERMISSION_DENIED"):
                raise
            field = info.metadata.get("field", "") if info else ""
            return self._ticket_page(
                request,
                ticket_id,
                400 if error.code.name == "INVALID_ARGUMENT" else 409,
                {"form": action, "field": field, "reason": info.reason if info else ""},
            )
        return redirect(f"/staff/tickets/{quote(ticket_id)}?done={quote(action)}")

    # --- assignment, on the ticket page ------------------------------------------------------

    def _assign_context(self, session: Session, ticket, lang: str) -> dict:
        """What the ticket page's assignment form offers: the office's departments (from its
        catalogue), the staff member themselves and, for those who may read the office's roles,
        its other staff members by name."""
        entries = self.registry.ListCategories(registry_pb.ListCategoriesRequest(office_id=ticket.office_id)).entries
        departments = sorted({e.department for e in entries if e.department} | ({ticket.department} - {""}))
        people = {session.caller.subject: DESK_TEXT[lang]["me"]}
        scope = scope_of(self.registry, {"office": ticket.office_id})
        bindings = []  # a staff member who may not read the office's roles assigns to themselves
        if policy.decide(session.caller, "role.read", scope).allowed:
            bindings = self.identity.ListRoles(
                identity_pb.ListRolesRequest(scope=scope_message(scope)), metadata=session.metadata
            ).bindings
        for b in bindings[:ASSIGNEES_SHOWN]:
            if b.citizen_id not in people and b.role in ("staff", "office_manager", "information_officer"):
                name = self._person_name(session, b.citizen_id)
                if name:
                    people[b.citizen_id] = name
        return {"departments": departments, "people": people, "priorities": PRIORITIES, "d": DESK_TEXT[lang]}

    def _person_name(self, session: Session, citizen_id: str) -> str:
        """A staff member's name as identity gives it to this caller; empty when it does not."""
        try:
            # The page is already the office staff's: the gateway reads the name on its own behalf.
            who = self.identity.GetCitizen(identity_pb.GetCitizenRequest(citizen_id=citizen_id))
        except GrpcError:
            return ""
        return who.display_name or who.email or citizen_id[:8]

    def _assignee_name(self, session: Session, assignee_id: str, people: dict) -> str:
        """Who the ticket page names as the assignee: from the assignment form's people, else
        from identity, else the id's first characters."""
        if not assignee_id:
            return ""
        return people.get(assignee_id) or self._person_name(session, assignee_id) or assignee_id[:8]

    @staff_page("POST", "/staff/tickets/<string:ticket_id>/assign")
    def staff_assign(self, request, ticket_id):
        check_csrf(request)
        session = sessions.current(request)
        priority = request.form.get("priority", "0")
        try:
            self.tickets.Assign(
                pb.AssignRequest(
                    ticket_id=ticket_id,
                    department=request.form.get("department", "").strip()[:100],
                    assignee_id=request.form.get("assignee", "").strip()[:64],
                    priority=int(priority) if priority in ("1", "2", "3", "4") else 0,
                ),
                metadata=session.metadata,
            )
        except GrpcError as error:
            if not _refusal(error, ("INVALID_ARGUMENT", "FAILED_PRECONDITION", "PERMISSION_DENIED")):
                raise
            return self._ticket_page(
                request,
                ticket_id,
                400 if error.code.name == "INVALID_ARGUMENT" else 403,
                dict(_field_error(error), form="assign"),
            )
        return redirect(f"/staff/tickets/{quote(ticket_id)}?done=assign")

    # --- the walk-in form --------------------------------------------------------------------

    def _walk_in_page(self, request, status: int = 200, error: dict | None = None):
        """The form for the office chosen (`?office=`, the form's office, else the first): its
        catalogue's subjects by request type. Choosing another office reloads the page through
        a small GET form, so that no JavaScript is needed."""
        session = sessions.current(request)
        lang = portal.language(request)
        form = request.form if request.method == "POST" else {}
        offices = self._office_choices(session, "ticket.walk_in", lang)
        chosen = request.args.get("office") or form.get("office", "")
        chosen = chosen if chosen in offices else next(iter(offices), "")
        entries = (
            self.registry.ListCategories(registry_pb.ListCategoriesRequest(office_id=chosen)).entries if chosen else []
        )
        return _desk(
            request,
            "staff_walk_in.html",
            status,
            here="/staff/walk-in",
            offices=offices,
            chosen=chosen,
            subjects=walk_in_subjects(entries, lang),
            id_kinds=ID_KINDS,
            formats=FORMATS,
            languages_named=LANGUAGE_NAMES,
            csrf=session.csrf,
            error=error,
            form=form,
        )

    @staff_page("GET", "/staff/walk-in")
    def staff_walk_in_form(self, request):
        return self._walk_in_page(request)

    @staff_page("POST", "/staff/walk-in")
    def staff_walk_in(self, request):
        check_csrf(request)
        session = sessions.current(request)
        form = request.form
        # The citizen's language is `citizen_language`: a field named `language` sets the page's.
        # `subject` is the catalogue entry chosen, "<request type>:<category>"; kind and category
        # apart are still taken.
        kind, _, category = form.get("subject", "").partition(":")
        data = {
            "office": form.get("office", ""),
            "kind": kind or form.get("kind", ""),
            "category": category or form.get("category", ""),
            "description": form.get("description", ""),
            "language": form.get("citizen_language", "ar"),
            "urgent": form.get("urgent") == "1",
            "urgency_reason": form.get("urgency_reason", ""),
            "requester": {k: form.get(f"requester_{k}", "").strip() for k in REQUESTER_FIELDS},
        }
        try:
            receipt = register_walk_in(
                session.caller, data, session.metadata, registry=self.registry, tickets=self.tickets
            )
        except (GrpcError, Refusal) as error:
            if not _refusal(error, ("INVALID_ARGUMENT", "FAILED_PRECONDITION")):
                raise
            return self._walk_in_page(request, 400, _field_error(error))
        return redirect(f"/staff/tickets/{quote(receipt.ticket_id)}?done=walk_in")

    # --- the office's activity log -----------------------------------------------------------

    def _activities_page(self, request, status: int = 200, error: dict | None = None, done: str = ""):
        session = sessions.current(request)
        lang = portal.language(request)
        offices = self._office_choices(session, "ticket.queue.read", lang)
        chosen = request.values.get("office", "")
        chosen = chosen if chosen in offices else next(iter(offices), "")
        activities, may_record = [], False
        if chosen:
            activities = self.registry.ListActivities(
                registry_pb.ListActivitiesRequest(office_id=chosen), metadata=session.metadata
            ).activities
            office = self.registry.GetOffice(registry_pb.GetOfficeRequest(office_id=chosen))
            may_record = policy.decide(
                session.caller,
                "office.activity.record",
                policy.Scope(office.instance_id, office.commune_code, office.office_id),
            ).allowed
        items = [
            {
                "kind": a.kind,
                "theme": a.theme,
                "held_on": a.held_on,
                "place": a.place,
                "title": a.title,
                "participants": a.participants.women + a.participants.men + a.participants.others,
                "women": a.participants.women,
            }
            for a in list(reversed(activities))[:ACTIVITIES_SHOWN]
        ]
        return _desk(
            request,
            "staff_activities.html",
            status,
            here=f"/staff/activities?{urlencode({'office': chosen})}",
            offices=offices,
            chosen=chosen,
            items=items,
            may_record=may_record,
            kinds=ACTIVITY_KINDS,
            themes=WORKSHOP_THEMES,
            csrf=session.csrf,
            error=error,
            done=done or request.args.get("done", ""),
            today=dt.date.today().isoformat(),
            form=request.form if request.method == "POST" else {},
        )

    @staff_page("GET", "/staff/activities")
    def staff_activities(self, request):
        return self._activities_page(request)

    @staff_page("POST", "/staff/activities")
    def staff_record_activity(self, request):
        check_csrf(request)
        session = sessions.current(request)
        form = request.form
        office = self.registry.GetOffice(registry_pb.GetOfficeRequest(office_id=form.get("office", "")))
        policy.require(
            session.caller,
            "office.activity.record",
            policy.Scope(office.instance_id, office.commune_code, office.office_id),
        )
        try:
            participants = registry_pb.Participants(
                women=_count(form, "women"), men=_count(form, "men"), others=_count(form, "others")
            )
            # The registry asks the policy again with the token: the check above only shapes the page.
            self.registry.RecordActivity(
                registry_pb.RecordActivityRequest(
                    activity=registry_pb.Activity(
                        office_id=office.office_id,
                        kind=form.get("kind", ""),
                        theme=form.get("theme", ""),
                        held_on=form.get("held_on", ""),
                        place=form.get("place", "").strip()[:200],
                        title=form.get("title", "").strip()[:300],
                        participants=participants,
                    )
                ),
                metadata=session.metadata,
            )
        except (GrpcError, Refusal) as error:
            if not _refusal(error):
                raise
            return self._activities_page(request, 400, _field_error(error))
        return redirect(f"/staff/activities?{urlencode({'office': office.office_id, 'done': 'recorded'})}")
