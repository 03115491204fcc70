"""The office's desk work in the staff pages: assigning a request (department, staff member,
priority) from its page, the walk-in form (a request registered at the desk for a citizen,
perhaps without an account), and the office's activity log (the registry's list, and a new
entry). Same session, form token and rendering as the other staff pages; the staff member's
token goes on every gRPC call.
"""
from __future__ import annotations

import datetime as dt
from urllib.parse import quote, urlencode

from nameko.web.handlers import http
from nameko_grpc.errors import GrpcError

from citizenoffice.identity.v1 import identity_pb2 as identity_pb
from citizenoffice.registry.v1 import registry_pb2 as registry_pb
from citizenoffice.tickets.v1 import tickets_pb2 as pb
from cokit.auth import policy
from cokit.errors import error_info, invalid_argument, status_code
from cokit.refusals import Refusal

from . import portal
from .staff_portal import SESSION_KEY, Session, _render, check_csrf, redirect, staff_page
from .http import guarded
from .tickets_routes import REQUESTER_FIELDS, WALK_IN_KINDS

ACTIVITY_KINDS = ("strategic_workshop", "forum", "observation_visit", "assessment_mission", "harmonization_workshop",
                  "institutional_meeting", "exchange_visit")
WORKSHOP_THEMES = ("access_to_information", "participation", "facilitation_of_administration")
PRIORITIES = (1, 2, 3, 4)
ACTIVITIES_SHOWN = 50     # the registry lists oldest first (date, then id in time order)
ASSIGNEES_SHOWN = 30      # each one is a call to identity for the name
ID_KINDS = ("cin", "residence_permit")
FORMATS = ("electronic", "paper", "on_site")

DESK_TEXT = {
    "ar": {
        "assign_title": "الإسناد", "department": "المصلحة", "assignee": "الموظف المكلف", "nobody": "دون تغيير",
        "me": "أنا", "priority": "الأولوية", "assign": "إسناد", "walk_in_title": "تسجيل طلب بالشباك",
        "walk_in_intro": "طلب يقدمه مواطن حاضر بالمكتب، ولو لم يكن له حساب.", "requester": "صاحب الطلب",
        "show_catalogue": "عرض مواضيع هذا المكتب",
        "requester_name": "الاسم الكامل", "requester_address": "العنوان", "requester_id_kind": "نوع الوثيقة",
        "requester_id_number": "رقم الوثيقة", "requester_contact": "وسيلة الاتصال (هاتف أو بريد)",
        "requester_preferred_format": "الصيغة المفضلة للرد", "urgent": "مستعجل (حياة أو سلامة أو حرية الأشخاص)",
        "urgency_reason": "سبب الاستعجال", "language": "لغة المواطن", "register": "تسجيل الطلب",
        "id_note": "رقم الوثيقة مطلوب لطلبات الحصول على المعلومات فقط، ويحفظ مشفرا.",
        "newest_first": "الأحدث أولا، 50 على الأكثر",
        "activities_title": "سجل أنشطة المكتب", "no_activities": "لا توجد أنشطة مسجلة", "add_activity": "تسجيل نشاط",
        "activity_kind": "نوع النشاط", "theme": "المحور (للورشات الاستراتيجية)", "no_theme": "بدون",
        "held_on": "التاريخ", "place": "المكان", "title": "العنوان", "women": "المشاركات", "men": "المشاركون",
        "others": "مشاركون آخرون", "participants": "المشاركون", "record": "تسجيل النشاط",
        "failed": "تعذر التسجيل", "check_field": "تحققوا من الحقل", "recorded": "تم تسجيل النشاط",
        "walk_in": "طلب بالشباك", "activities": "سجل الأنشطة",
        "activity_kinds": {"strategic_workshop": "ورشة استراتيجية", "forum": "منتدى", "observation_visit": "زيارة ملاحظة",
                           "assessment_mission": "مهمة تقييم", "harmonization_workshop": "ورشة تنسيق تقني",
                           "institutional_meeting": "لقاء مؤسساتي", "exchange_visit": "زيارة تبادل"},
        "themes": {"access_to_information": "الحصول على المعلومات", "participation": "المشاركة المواطنة",
                   "facilitation_of_administration": "تيسير الإدارة"},
        "priorities": {"1": "مستعجلة", "2": "مرتفعة", "3": "عادية", "4": "منخفضة"},
        "id_kinds": {"cin": "البطاقة الوطنية", "residence_permit": "بطاقة الإقامة"},
        "formats": {"electronic": "إلكترونية", "paper": "ورقية", "on_site": "الاطلاع بعين المكان"},
    },
    "fr": {
        "assign_title": "Affectation", "department": "Service", "assignee": "Agent chargé", "nobody": "Inchangé",
        "me": "Moi", "priority": "Priorité", "assign": "Affecter", "walk_in_title": "Enregistrer une demande au guichet",
        "walk_in_intro": "Une demande déposée par un citoyen présent au bureau, même sans compte.", "requester": "Demandeur",
        "show_catalogue": "Afficher le catalogue de ce bureau",
        "requester_name": "Nom complet", "requester_address": "Adresse", "requester_id_kind": "Pièce d'identité",
        "requester_id_number": "Numéro de la pièce", "requester_contact": "Contact (téléphone ou e-mail)",
        "requester_preferred_format": "Forme de réponse souhaitée",
        "urgent": "Urgent (vie, sécurité ou liberté des personnes)", "urgency_reason": "Motif de l'urgence",
        "language": "Langue du citoyen", "register": "Enregistrer la demande",
        "id_note": "Le numéro de pièce n'est demandé que pour l'accès à l'information ; il est conservé chiffré.",
        "newest_first": "Les plus récentes d'abord, 50 au plus",
        "activities_title": "Journal des activités du bureau", "no_activities": "Aucune activité enregistrée",
        "add_activity": "Enregistrer une activité", "activity_kind": "Type d'activité",
        "theme": "Thème (ateliers stratégiques)", "no_theme": "Aucun", "held_on": "Date", "place": "Lieu",
        "title": "Intitulé", "women": "Participantes", "men": "Participants", "others": "Autres participants",
        "participants": "Participants", "record": "Enregistrer l'activité", "failed": "L'enregistrement n'a pas abouti",
        "check_field": "Vérifiez le champ", "recorded": "Activité enregistrée", "walk_in": "Demande au guichet",
        "activities": "Journal des activités",
        "activity_kinds": {"strategic_workshop": "Atelier stratégique", "forum": "Forum", "observation_visit": "Visite d'observation",
                           "assessment_mission": "Mission d'évaluation", "harmonization_workshop": "Atelier d'harmonisation technique",
                           "institutional_meeting": "Rencontre institutionnelle", "exchange_visit": "Visite d'échange"},
        "themes": {"access_to_information": "Accès à l'information", "participation": "Participation citoyenne",
                   "facilitation_of_administration": "Facilitation de l'administration"},
        "priorities": {"1": "Urgente", "2": "Haute", "3": "Normale", "4": "Basse"},
        "id_kinds": {"cin": "Carte nationale (CIN)", "residence_permit": "Carte de séjour"},
        "formats": {"electronic": "Électronique", "paper": "Papier", "on_site": "Consultation sur place"},
    },
    "en": {
        "assign_title": "Assignment", "department": "Department", "assignee": "Staff member", "nobody": "Unchanged",
        "me": "Me", "priority": "Priority", "assign": "Assign", "walk_in_title": "Register a request at the desk",
        "walk_in_intro": "A request from a citizen present at the office, with or without an account.",
        "show_catalogue": "Show this office's catalogue",
        "requester": "Requester", "requester_name": "Full name", "requester_address": "Address",
        "requester_id_kind": "Identity document", "requester_id_number": "Document number",
        "requester_contact": "Contact (phone or e-mail)", "requester_preferred_format": "Preferred form of the answer",
        "urgent": "Urgent (life, safety or freedom of persons)", "urgency_reason": "Why it is urgent",
        "language": "Citizen's language", "register": "Register the request",
        "id_note": "The document number is asked for access-to-information requests only; it is stored encrypted.",
        "newest_first": "Newest first, 50 at most",
        "activities_title": "The office's activity log", "no_activities": "No activity recorded",
        "add_activity": "Record an activity", "activity_kind": "Kind of activity", "theme": "Theme (strategic workshops)",
        "no_theme": "None", "held_on": "Date", "place": "Place", "title": "Title", "women": "Women taking part",
        "men": "Men taking part", "others": "Other participants", "participants": "Participants",
        "record": "Record the activity", "failed": "This could not be recorded", "check_field": "Check the field",
        "recorded": "Activity recorded", "walk_in": "Walk-in request", "activities": "Activity log",
        "activity_kinds": {"strategic_workshop": "Strategic workshop", "forum": "Forum", "observation_visit": "Observation visit",
                           "assessment_mission": "Assessment mission", "harmonization_workshop": "Technical harmonization workshop",
                           "institutional_meeting": "Institutional meeting", "exchange_visit": "Exchange visit"},
        "themes": {"access_to_information": "Access to information", "participation": "Citizen participation",
                   "facilitation_of_administration": "Facilitation of administration"},
        "priorities": {"1": "Urgent", "2": "High", "3": "Normal", "4": "Low"},
        "id_kinds": {"cin": "National identity card", "residence_permit": "Residence permit"},
        "formats": {"electronic": "Electronic", "paper": "Paper", "on_site": "On site"},
    },
}
LANGUAGE_NAMES = {"ar": "العربية", "fr": "Français", "en": "English", "zgh": "ⵜⴰⵎⴰⵣⵉⵖⵜ"}


def _desk(request, template: str, status: int = 200, here: str | None = None, **context):
    return _render(request, template, status, here=here, d=DESK_TEXT[portal.language(request)], **context)


def walk_in_subjects(entries, lang: str) -> list[dict]:
    """The walk-in form's subjects: per request type, the office's active catalogue entries
    ("<request type>:<category>", the entry's name in the page's language); a request type the
    catalogue lacks is offered once, as "other"."""
    other = portal.TEXT[lang]["categories"]["other"]
    groups = []
    for kind in WALK_IN_KINDS:
        options = {f"{kind}:{e.category}": portal.office_name(e, lang) or e.code
                   for e in entries if e.active and e.request_type == kind and e.category}
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


class StaffDesk:
    def _desk_session(self, request) -> Session:
        return request.environ[SESSION_KEY]

    def _office_choices(self, session: Session, action: str, lang: str) -> dict[str, str]:
        offices = self.registry.ListOffices(registry_pb.ListOfficesRequest()).offices
        return {o.office_id: portal.office_name(o, lang) for o in offices if policy.decide(
            session.caller, action, policy.Scope(o.instance_id, o.commune_code, o.office_id)).allowed}

    # --- assignment, on the ticket page ------------------------------------------------------

    def _assign_context(self, session: Session, ticket, lang: str) -> dict:
        """What the ticket page's assignment form offers: the office's departments (from its
        catalogue), the staff member themselves and, for those who may read the office's roles,
        its other staff members by name."""
        entries = self.registry.ListCategories(registry_pb.ListCategoriesRequest(office_id=ticket.office_id)).entries
        departments = sorted({e.department for e in entries if e.department} | ({ticket.department} - {""}))
        people = {session.caller.subject: DESK_TEXT[lang]["me"]}
        scope = self._scope({"office": ticket.office_id})
        bindings = []          # a staff member who may not read the office's roles assigns to themselves
        if policy.decide(session.caller, "role.read", scope).allowed:
            bindings = self.identity.ListRoles(identity_pb.ListRolesRequest(scope=self._scope_message(scope)),
                                               metadata=session.metadata).bindings
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

    @http("POST", "/staff/tickets/<string:ticket_id>/assign")
    @staff_page
    @portal.html_errors
    @guarded
    def staff_assign(self, request, ticket_id):
        check_csrf(request)
        session = self._desk_session(request)
        priority = request.form.get("priority", "0")
        try:
            self.tickets.Assign(pb.AssignRequest(
                ticket_id=ticket_id, department=request.form.get("department", "").strip()[:100],
                assignee_id=request.form.get("assignee", "").strip()[:64],
                priority=int(priority) if priority in ("1", "2", "3", "4") else 0), metadata=session.metadata)
        except GrpcError as error:
            if not _refusal(error, ("INVALID_ARGUMENT", "FAILED_PRECONDITION", "PERMISSION_DENIED")):
                raise
            return self._ticket_page(request, ticket_id, 400 if error.code.name == "INVALID_ARGUMENT" else 403,
                                     dict(_field_error(error), form="assign"))
        return redirect(f"/staff/tickets/{quote(ticket_id)}?done=assign")

    # --- the walk-in form --------------------------------------------------------------------

    def _walk_in_page(self, request, status: int = 200, error: dict | None = None):
        """The form for the office chosen (`?office=`, the form's office, else the first): its
        catalogue's subjects by request type. Choosing another office reloads the page through
        a small GET form, so that no JavaScript is needed."""
        session = self._desk_session(request)
        lang = portal.language(request)
        form = request.form if request.method == "POST" else {}
        offices = self._office_choices(session, "ticket.walk_in", lang)
        chosen = request.args.get("office") or form.get("office", "")
        chosen = chosen if chosen in offices else next(iter(offices), "")
        entries = self.registry.ListCategories(registry_pb.ListCategoriesRequest(office_id=chosen)).entries if chosen else []
        return _desk(request, "staff_walk_in.html", status, here="/staff/walk-in", offices=offices, chosen=chosen,
                     subjects=walk_in_subjects(entries, lang), id_kinds=ID_KINDS, formats=FORMATS,
                     languages_named=LANGUAGE_NAMES, csrf=session.csrf, error=error, form=form)

    @http("GET", "/staff/walk-in")
    @staff_page
    @portal.html_errors
    @guarded
    def staff_walk_in_form(self, request):
        return self._walk_in_page(request)

    @http("POST", "/staff/walk-in")
    @staff_page
    @portal.html_errors
    @guarded
    def staff_walk_in(self, request):
        check_csrf(request)
        session = self._desk_session(request)
        form = request.form
        # The citizen's language is `citizen_language`: a field named `language` sets the page's.
        # `subject` is the catalogue entry chosen, "<request type>:<category>"; kind and category
        # apart are still taken.
        kind, _, category = form.get("subject", "").partition(":")
        data = {
            "office": form.get("office", ""), "kind": kind or form.get("kind", ""),
            "category": category or form.get("category", ""),
            "description": form.get("description", ""), "language": form.get("citizen_language", "ar"),
            "urgent": form.get("urgent") == "1", "urgency_reason": form.get("urgency_reason", ""),
            "requester": {k: form.get(f"requester_{k}", "").strip() for k in REQUESTER_FIELDS},
        }
        try:
            receipt = self._walk_in(session.caller, data, session.metadata)
        except (GrpcError, Refusal) as error:
            if not _refusal(error, ("INVALID_ARGUMENT", "FAILED_PRECONDITION")):
                raise
            return self._walk_in_page(request, 400, _field_error(error))
        return redirect(f"/staff/tickets/{quote(receipt.ticket_id)}?done=walk_in")

    # --- the office's activity log -----------------------------------------------------------

    def _activities_page(self, request, status: int = 200, error: dict | None = None, done: str = ""):
        session = self._desk_session(request)
        lang = portal.language(request)
        offices = self._office_choices(session, "ticket.queue.read", lang)
        chosen = request.values.get("office", "")
        chosen = chosen if chosen in offices else next(iter(offices), "")
        activities, may_record = [], False
        if chosen:
            activities = self.registry.ListActivities(registry_pb.ListActivitiesRequest(office_id=chosen),
                                                      metadata=session.metadata).activities
            office = self.registry.GetOffice(registry_pb.GetOfficeRequest(office_id=chosen))
            may_record = policy.decide(session.caller, "office.activity.record",
                                       policy.Scope(office.instance_id, office.commune_code, office.office_id)).allowed
        items = [{"kind": a.kind, "theme": a.theme, "held_on": a.held_on, "place": a.place, "title": a.title,
                  "participants": a.participants.women + a.participants.men + a.participants.others,
                  "women": a.participants.women} for a in list(reversed(activities))[:ACTIVITIES_SHOWN]]
        return _desk(request, "staff_activities.html", status, here=f"/staff/activities?{urlencode({'office': chosen})}",
                     offices=offices, chosen=chosen, items=items, may_record=may_record, kinds=ACTIVITY_KINDS,
                     themes=WORKSHOP_THEMES, csrf=session.csrf, error=error, done=done or request.args.get("done", ""),
                     today=dt.date.today().isoformat(), form=request.form if request.method == "POST" else {})

    @http("GET", "/staff/activities")
    @staff_page
    @portal.html_errors
    @guarded
    def staff_activities(self, request):
        return self._activities_page(request)

    @http("POST", "/staff/activities")
    @staff_page
    @portal.html_errors
    @guarded
    def staff_record_activity(self, request):
        check_csrf(request)
        session = self._desk_session(request)
        form = request.form
        office = self.registry.GetOffice(registry_pb.GetOfficeRequest(office_id=form.get("office", "")))
        policy.require(session.caller, "office.activity.record",
                       policy.Scope(office.instance_id, office.commune_code, office.office_id))
        try:
            participants = registry_pb.Participants(women=_count(form, "women"), men=_count(form, "men"),
                                                    others=_count(form, "others"))
            # The registry asks the policy again with the token: the check above only shapes the page.
            self.registry.RecordActivity(registry_pb.RecordActivityRequest(activity=registry_pb.Activity(
                office_id=office.office_id, kind=form.get("kind", ""), theme=form.get("theme", ""),
                held_on=form.get("held_on", ""), place=form.get("place", "").strip()[:200],
                title=form.get("title", "").strip()[:300], participants=participants)), metadata=session.metadata)
        except (GrpcError, Refusal) as error:
            if not _refusal(error):
                raise
            return self._activities_page(request, 400, _field_error(error))
        return redirect(f"/staff/activities?{urlencode({'office': office.office_id, 'done': 'recorded'})}")
