"""Participation pages of the portal, without JavaScript, in three rooms by audience:
ParticipationPages for anyone (consultations with their answer form, results once closed and the
office's response; citizen proposals; the surveys after a closed request and at a workshop),
ParticipationCitizenPages under /me (answering where an account is needed, posting and
supporting a proposal) and ParticipationStaffPages under /staff (running a consultation,
moderating proposals). What the three share is in the module's functions, each given the room.

Public pages need no session. Taking part where a consultation asks for an account, posting
and supporting a proposal go through the citizen's session under /me (its cookies are sent
only there); the staff pages use the staff session under /staff. Every gRPC call carries the
person's token, and participation decides.
"""

from __future__ import annotations

import datetime as dt
import secrets
from urllib.parse import quote

from nameko_grpc.errors import GrpcError

import comessages
from citizenoffice.participation.v1 import participation_pb2 as pb
from citizenoffice.registry.v1 import registry_pb2 as registry_pb
from cokit.auth import policy
from cokit.errors import error_info
from cokit.timestamps import to_timestamp

from .. import dependencies, portal, sessions
from ..entrypoints import citizen_page, public_page, staff_page
from ..scopes import office_scope
from ..sessions import CITIZEN_COOKIES, check_csrf, redirect
from .citizen import ME_TEXT

PART_TEXT = {lang: comessages.table("part", lang) for lang in portal.LANGUAGES}
PSTAFF_TEXT = {lang: comessages.table("pstaff", lang) for lang in portal.LANGUAGES}
KINDS = {
    "single_choice": pb.SINGLE_CHOICE,
    "multiple_choice": pb.MULTIPLE_CHOICE,
    "ranking": pb.RANKING,
    "free_text": pb.FREE_TEXT,
}
KIND_NAMES = {v: k for k, v in KINDS.items()}
ELIGIBILITY = {"anyone": pb.ANYONE, "residents": pb.RESIDENTS, "verified": pb.VERIFIED}
ELIGIBILITY_NAMES = {v: k for k, v in ELIGIBILITY.items()}
BALLOT_COOKIE = "co_ballot"
QUESTION_SLOTS = 4  # questions on the new consultation form
SURVEY_SCORES = {"request": ("speed", "clarity", "courtesy"), "workshop": ("useful", "well_run")}


def pick(texts, lang: str) -> dict:
    """A text given in several languages, in the reader's if it has one; `lang` says which, for
    the page's lang attribute."""
    for choice in (lang, "ar", "zgh", "fr", "en"):
        if texts.get(choice):
            return {"text": texts[choice], "lang": choice}
    return {"text": "", "lang": lang}


def _render(request, template: str, status: int = 200, here: str | None = None, **context):
    lang = portal.language(request)
    return portal._render(request, template, status, here=here, p=PART_TEXT[lang], **context)


def _staff_render(request, template: str, status: int = 200, here: str | None = None, **context):
    lang = portal.language(request)
    return sessions.render(request, template, status, here=here, p=PART_TEXT[lang], ps=PSTAFF_TEXT[lang], **context)


def _consultation(c, lang: str) -> dict:
    return {
        "id": c.consultation_id,
        "office_id": c.office_id,
        "title": pick(c.title, lang),
        "description": pick(c.description, lang),
        "opens": portal.when(c.opens_at, with_time=True),
        "closes": portal.when(c.closes_at, with_time=True),
        "status": c.status,
        "eligibility": ELIGIBILITY_NAMES.get(c.eligibility, "anyone"),
        "participants": c.participants,
        "questions": [
            {
                "id": q.question_id,
                "kind": KIND_NAMES.get(q.kind, "free_text"),
                "prompt": pick(q.prompt, lang),
                "options": [{"id": o.option_id, "label": pick(o.label, lang)} for o in q.options],
            }
            for q in c.questions
        ],
        "responses": [
            {"stage": r.stage, "text": pick(r.text, lang), "on": r.on_date, "written": portal.when(r.written_at)}
            for r in c.responses
        ],
    }


def _results(consultation: dict, results) -> list[dict]:
    """Each question with its counts beside the option labels: shares of the participants who
    answered it; free text as the groups shown and the number folded."""
    by_id = {q.question_id: q for q in results.questions}
    out = []
    for q in consultation["questions"]:
        r = by_id.get(q["id"])
        if r is None:
            continue
        counts = {o.option_id: o for o in r.options}
        options = [
            {
                "label": o["label"],
                "count": counts[o["id"]].count if o["id"] in counts else 0,
                "first": counts[o["id"]].first if o["id"] in counts else 0,
                "points": counts[o["id"]].points if o["id"] in counts else 0,
                "share": round(100 * counts[o["id"]].count / r.answered) if r.answered and o["id"] in counts else 0,
            }
            for o in q["options"]
        ]
        if q["kind"] == "ranking":
            options.sort(key=lambda o: -o["points"])
        out.append(
            {
                **q,
                "answered": r.answered,
                "results": options,
                "groups": [{"text": g.text, "count": g.count} for g in r.groups],
                "folded": r.folded,
            }
        )
    return out


def _answers_from(form, questions: list[dict]) -> list[pb.QuestionAnswer] | None:
    """The form's answers; None when a ranking is not a full order (each place once)."""
    answers = []
    for q in questions:
        name = f"q-{q['id']}"
        if q["kind"] == "free_text":
            answers.append(pb.QuestionAnswer(question_id=q["id"], text=form.get(name, "")[:2100]))
        elif q["kind"] == "ranking":
            places = {}
            for o in q["options"]:
                value = form.get(f"rank-{q['id']}-{o['id']}", "")
                if not value.isdigit():
                    return None
                places[o["id"]] = int(value)
            if sorted(places.values()) != list(range(1, len(places) + 1)):
                return None
            answers.append(pb.QuestionAnswer(question_id=q["id"], option_ids=sorted(places, key=places.get)))
        else:
            answers.append(pb.QuestionAnswer(question_id=q["id"], option_ids=form.getlist(name)[:20]))
    return answers


def _local(value: str) -> dt.datetime | None:
    """A datetime-local field (the office's local time) in UTC."""
    try:
        return dt.datetime.fromisoformat(value).replace(tzinfo=portal.LOCAL_TIME).astimezone(dt.timezone.utc)
    except ValueError:
        return None


def _reason(error: GrpcError) -> str:
    info = error_info(error.status)
    return info.reason if info is not None else ""


# --- what the pages of the three rooms share ------------------------------------------------


def _consultation_page(room, request, consultation_id: str, session=None, status: int = 200, **extra):
    lang = portal.language(request)
    metadata = session.metadata if session is not None else []
    found = room.participation.GetConsultation(pb.ConsultationRef(consultation_id=consultation_id), metadata=metadata)
    c = _consultation(found, lang)
    results = None
    if c["status"] == "closed":
        results = _results(c, room.participation.GetResults(pb.ConsultationRef(consultation_id=consultation_id)))
    communes = {}
    if c["eligibility"] == "residents":
        for o in room.registry.ListOffices(registry_pb.ListOfficesRequest()).offices:
            communes.setdefault(o.commune_code, portal.office_name(o, lang))
    signed_in = session is not None
    base = "/me" if signed_in else ""
    response = _render(
        request,
        "part_consultation.html",
        status,
        here=f"{base}/consultations/{consultation_id}",
        c=c,
        results=results,
        fold_under=5,
        communes=communes,
        signed_in=signed_in,
        needs_account=c["eligibility"] != "anyone",
        action=f"{base}/consultations/{quote(consultation_id)}/answer",
        csrf=session.csrf if signed_in else "",
        m=ME_TEXT[lang],
        form=request.form,
        **extra,
    )
    if not signed_in and not request.cookies.get(BALLOT_COOKIE):
        response.set_cookie(
            BALLOT_COOKIE,
            secrets.token_urlsafe(24),
            max_age=365 * 24 * 3600,
            path="/consultations",
            httponly=True,
            samesite="Lax",
        )
    return response


def _answer(room, request, consultation_id: str, session, ballot: str = ""):
    lang = portal.language(request)
    metadata = session.metadata if session is not None else []
    c = _consultation(
        room.participation.GetConsultation(pb.ConsultationRef(consultation_id=consultation_id), metadata=metadata),
        lang,
    )
    answers = _answers_from(request.form, c["questions"])
    if answers is None:
        return _consultation_page(room, request, consultation_id, session, 400, error="check")
    try:
        room.participation.Answer(
            pb.AnswerRequest(
                consultation_id=consultation_id,
                answers=answers,
                ballot=ballot,
                residence_commune=request.form.get("residence", ""),
                notify_me=request.form.get("notify") == "1",
                language=lang,
            ),
            metadata=metadata,
        )
    except GrpcError as error:
        reason = _reason(error)
        if error.code.name not in ("INVALID_ARGUMENT", "FAILED_PRECONDITION", "ALREADY_EXISTS"):
            raise
        known = {
            "ALREADY_ANSWERED": "already",
            "RESIDENTS_ONLY": "not_eligible",
            "SIGN_IN_TO_TAKE_PART": "sign_in_needed",
            "CONSULTATION_NOT_OPEN": "not_open",
        }
        return _consultation_page(room, request, consultation_id, session, 400, error=known.get(reason, "check"))
    base = "/me" if session is not None else ""
    return redirect(f"{base}/consultations/{quote(consultation_id)}?done=1")


def _offices(room, lang: str) -> dict[str, str]:
    offices = room.registry.ListOffices(registry_pb.ListOfficesRequest(status="operational")).offices
    return {o.slug: portal.office_name(o, lang) for o in offices}


def _proposal(room, p, lang: str) -> dict:
    return {
        "id": p.proposal_id,
        "title": p.title,
        "body": p.body,
        "lang": p.language,
        "status": p.status,
        "supports": p.supports,
        "threshold": p.threshold,
        "posted": portal.when(p.posted_at),
        "until": portal.when(p.support_until),
        "code": p.tracking_code,
        "reason": p.moderation_reason,
        "mine": p.mine,
        "supported": p.supported_by_me,
    }


def _proposals_page(room, request, session=None, status: int = 200, **extra):
    lang = portal.language(request)
    offices = _offices(room, lang)
    office = request.values.get("office") or next(iter(offices), "")
    metadata = session.metadata if session is not None else []
    found = room.participation.ListProposals(pb.ListProposalsRequest(office_id=office), metadata=metadata)
    rules = room.participation.GetProposalRules(pb.OfficeFiguresRequest(office_id=office)) if office else None
    return _render(
        request,
        "part_proposals.html",
        status,
        here=f"{'/me' if session else ''}/proposals?office={quote(office)}",
        offices=offices,
        office=office,
        items=[_proposal(room, p, lang) for p in found.proposals],
        rules=rules,
        signed_in=session is not None,
        csrf=session.csrf if session is not None else "",
        m=ME_TEXT[lang],
        form=request.form,
        **extra,
    )


def _proposal_page(room, request, proposal_id: str, session=None, status: int = 200, **extra):
    lang = portal.language(request)
    metadata = session.metadata if session is not None else []
    found = room.participation.GetProposal(pb.ProposalRef(proposal_id=proposal_id), metadata=metadata)
    return _render(
        request,
        "part_proposal.html",
        status,
        here=f"{'/me' if session else ''}/proposals/{proposal_id}",
        item=_proposal(room, found, lang),
        signed_in=session is not None,
        csrf=session.csrf if session is not None else "",
        m=ME_TEXT[lang],
        done=request.args.get("done", ""),
        **extra,
    )


def _survey_page(room, request, context: str, status: int = 200, **extra):
    return _render(
        request,
        "part_survey.html",
        status,
        context=context,
        scores=SURVEY_SCORES[context],
        form=request.form,
        code=request.values.get("code", ""),
        **extra,
    )


def _runnable_offices(room, session, lang: str) -> dict[str, str]:
    offices = room.registry.ListOffices(registry_pb.ListOfficesRequest()).offices
    return {
        o.office_id: portal.office_name(o, lang)
        for o in offices
        if policy.decide(session.caller, "consultation.manage", office_scope(o)).allowed
    }


def _staff_list(room, request, status: int = 200, **extra):
    session = sessions.current(request)
    lang = portal.language(request)
    offices = _runnable_offices(room, session, lang)
    chosen = request.values.get("office") or next(iter(offices), "")
    consultations, proposals, rules = [], [], None
    if chosen in offices:
        consultations = [
            _consultation(c, lang)
            for c in room.participation.ListConsultations(
                pb.ListConsultationsRequest(office_id=chosen, include_drafts=True), metadata=session.metadata
            ).consultations
        ]
        proposals = [
            _proposal(room, p, lang)
            for p in room.participation.ListProposals(
                pb.ListProposalsRequest(office_id=chosen, include_hidden=True), metadata=session.metadata
            ).proposals
        ]
        rules = room.participation.GetProposalRules(pb.OfficeFiguresRequest(office_id=chosen))
    return _staff_render(
        request,
        "part_staff.html",
        status,
        here=f"/staff/consultations?office={quote(chosen)}",
        offices=offices,
        chosen=chosen,
        consultations=consultations,
        proposals=proposals,
        rules=rules,
        csrf=session.csrf,
        done=request.args.get("done", ""),
        **extra,
    )


def _staff_form(room, request, status: int = 200, error: str = ""):
    session = sessions.current(request)
    lang = portal.language(request)
    today = dt.datetime.now(portal.LOCAL_TIME).replace(second=0, microsecond=0, tzinfo=None)
    return _staff_render(
        request,
        "part_staff_new.html",
        status,
        here="/staff/consultations/new",
        offices=_runnable_offices(room, session, lang),
        chosen=request.values.get("office", ""),
        text_languages=portal.LANGUAGES,
        slots=range(1, QUESTION_SLOTS + 1),
        kinds=tuple(KINDS),
        eligibility=tuple(ELIGIBILITY),
        opens=today.isoformat(timespec="minutes"),
        closes=(today + dt.timedelta(days=14)).isoformat(timespec="minutes"),
        csrf=session.csrf,
        form=request.form,
        error=error,
    )


def _staff_consultation(room, request, consultation_id: str, status: int = 200, error: str = ""):
    session = sessions.current(request)
    lang = portal.language(request)
    ref = pb.ConsultationRef(consultation_id=consultation_id)
    c = _consultation(room.participation.GetConsultation(ref, metadata=session.metadata), lang)
    results = None
    if c["status"] in ("open", "closed"):
        results = _results(c, room.participation.GetResults(ref, metadata=session.metadata))
    return _staff_render(
        request,
        "part_staff_consultation.html",
        status,
        here=f"/staff/consultations/{consultation_id}",
        c=c,
        results=results,
        fold_under=5,
        text_languages=portal.LANGUAGES,
        csrf=session.csrf,
        done=request.args.get("done", ""),
        error=error,
        form=request.form,
        today=dt.date.today().isoformat(),
    )


class ParticipationPages:
    """The public pages of participation: consultations, proposals, surveys."""

    participation = dependencies.participation
    registry = dependencies.registry

    @public_page("GET", "/consultations")
    def consultations(self, request):
        lang = portal.language(request)
        found = self.participation.ListConsultations(pb.ListConsultationsRequest()).consultations
        items = [_consultation(c, lang) for c in found]
        order = {"open": 0, "scheduled": 1, "closed": 2}
        items.sort(key=lambda c: order.get(c["status"], 3))
        return _render(request, "part_list.html", items=items)

    @public_page("GET", "/consultations/<string:consultation_id>")
    def consultation(self, request, consultation_id):
        return _consultation_page(self, request, consultation_id, done=request.args.get("done", ""))

    @public_page("POST", "/consultations/<string:consultation_id>/answer")
    def consultation_answer(self, request, consultation_id):
        ballot = request.cookies.get(BALLOT_COOKIE, "")
        return _answer(self, request, consultation_id, None, ballot)

    @public_page("GET", "/proposals")
    def proposals(self, request):
        return _proposals_page(self, request)

    @public_page("GET", "/proposals/<string:proposal_id>")
    def proposal(self, request, proposal_id):
        return _proposal_page(self, request, proposal_id)

    @public_page("GET", "/surveys/request")
    def survey_request(self, request):
        return _survey_page(self, request, "request")

    @public_page("GET", "/surveys/workshop/<string:office>/<string:activity_id>")
    def survey_workshop(self, request, office, activity_id):
        response = _survey_page(self, request, "workshop", office=office, activity=activity_id)
        if not request.cookies.get(BALLOT_COOKIE):
            response.set_cookie(
                BALLOT_COOKIE, secrets.token_urlsafe(24), max_age=365 * 24 * 3600, path="/surveys", httponly=True
            )
        return response

    @public_page("POST", "/surveys/<string:context>")
    def survey_answer(self, request, context):
        if context not in SURVEY_SCORES:
            return portal.not_found(request)
        f = request.form
        scores = {q: int(f[q]) for q in SURVEY_SCORES[context] if f.get(q, "").isdigit()}
        extra = {"office": f.get("office", ""), "activity": f.get("activity", "")}
        try:
            self.participation.AnswerSurvey(
                pb.SurveyAnswer(
                    context=context,
                    tracking_code=f.get("code", "").strip().upper(),
                    activity_id=f.get("activity", ""),
                    office_id=f.get("office", ""),
                    scores=scores,
                    yes=f.get("yes") == "1",
                    comment=f.get("comment", "")[:2100],
                    ballot=request.cookies.get(BALLOT_COOKIE, ""),
                )
            )
        except GrpcError as error:
            if error.code.name not in ("INVALID_ARGUMENT", "FAILED_PRECONDITION", "ALREADY_EXISTS", "NOT_FOUND"):
                raise
            return _survey_page(self, request, context, 400, error=True, **extra)
        return _survey_page(self, request, context, 200, thanks=True, **extra)


class ParticipationCitizenPages:
    """A signed-in citizen's participation pages under /me: answering, posting, supporting."""

    participation = dependencies.participation
    registry = dependencies.registry

    @citizen_page("GET", "/me/consultations/<string:consultation_id>")
    def me_consultation(self, request, consultation_id):
        session = sessions.current(request)
        return _consultation_page(self, request, consultation_id, session, done=request.args.get("done", ""))

    @citizen_page("POST", "/me/consultations/<string:consultation_id>/answer")
    def me_consultation_answer(self, request, consultation_id):
        check_csrf(request, CITIZEN_COOKIES)
        return _answer(self, request, consultation_id, sessions.current(request))

    @citizen_page("GET", "/me/proposals")
    def me_proposals(self, request):
        return _proposals_page(self, request, sessions.current(request))

    @citizen_page("GET", "/me/proposals/<string:proposal_id>")
    def me_proposal(self, request, proposal_id):
        return _proposal_page(self, request, proposal_id, sessions.current(request))

    @citizen_page("POST", "/me/proposals")
    def me_post_proposal(self, request):
        check_csrf(request, CITIZEN_COOKIES)
        session = sessions.current(request)
        lang = portal.language(request)
        f = request.form
        office, title, body = f.get("office", ""), f.get("title", "").strip(), f.get("body", "").strip()
        if not title or not body:
            return _proposals_page(self, request, session, 400, error="proposal_failed")
        if f.get("anyway") != "1":
            similar = self.participation.SimilarProposals(
                pb.SimilarRequest(office_id=office, title=title, body=body), metadata=session.metadata
            ).proposals
            if similar:
                return _proposals_page(self, request, session, 200, similar=[_proposal(self, p, lang) for p in similar])
        try:
            posted = self.participation.PostProposal(
                pb.ProposalDraft(
                    office_id=office, title=title, body=body, language=lang, notify_me=f.get("notify") == "1"
                ),
                metadata=session.metadata,
            )
        except GrpcError as error:
            if error.code.name not in ("INVALID_ARGUMENT", "FAILED_PRECONDITION", "NOT_FOUND"):
                raise
            return _proposals_page(self, request, session, 400, error="proposal_failed")
        return redirect(f"/me/proposals/{quote(posted.proposal_id)}?done=posted")

    @citizen_page("POST", "/me/proposals/<string:proposal_id>/support")
    def me_support_proposal(self, request, proposal_id):
        check_csrf(request, CITIZEN_COOKIES)
        session = sessions.current(request)
        try:
            self.participation.SupportProposal(pb.ProposalRef(proposal_id=proposal_id), metadata=session.metadata)
        except GrpcError as error:
            if error.code.name not in ("FAILED_PRECONDITION", "ALREADY_EXISTS"):
                raise
            return _proposal_page(self, request, proposal_id, session, 400, error="support_failed")
        return redirect(f"/me/proposals/{quote(proposal_id)}?done=supported")


class ParticipationStaffPages:
    """The staff pages that run an office's consultations and moderate its proposals."""

    participation = dependencies.participation
    registry = dependencies.registry

    @staff_page("GET", "/staff/consultations")
    def staff_consultations(self, request):
        return _staff_list(self, request)

    @staff_page("GET", "/staff/consultations/new")
    def staff_new_consultation(self, request):
        return _staff_form(self, request)

    @staff_page("POST", "/staff/consultations")
    def staff_create_consultation(self, request):
        check_csrf(request)
        session = sessions.current(request)
        f = request.form
        langs = portal.LANGUAGES
        questions = []
        for n in range(1, QUESTION_SLOTS + 1):
            kind = f.get(f"kind-{n}", "")
            if kind not in KINDS:
                continue
            lines = {
                lang: [x.strip() for x in f.get(f"options-{n}-{lang}", "").splitlines() if x.strip()] for lang in langs
            }
            count = max((len(v) for v in lines.values()), default=0)
            options = [
                pb.Option(label={lang: lines[lang][i] for lang in langs if i < len(lines[lang])}) for i in range(count)
            ]
            questions.append(
                pb.Question(
                    kind=KINDS[kind],
                    prompt={lang: f.get(f"prompt-{n}-{lang}", "") for lang in langs},
                    options=[] if kind == "free_text" else options,
                )
            )
        opens, closes = _local(f.get("opens", "")), _local(f.get("closes", ""))
        if opens is None or closes is None:
            return _staff_form(self, request, 400, "DATES_REQUIRED")
        try:
            created = self.participation.CreateConsultation(
                pb.ConsultationDraft(
                    office_id=f.get("office", ""),
                    whole_commune=f.get("whole_commune") == "1",
                    title={lang: f.get(f"title-{lang}", "") for lang in langs},
                    description={lang: f.get(f"description-{lang}", "") for lang in langs},
                    opens_at=to_timestamp(opens),
                    closes_at=to_timestamp(closes),
                    eligibility=ELIGIBILITY.get(f.get("eligibility", ""), pb.ELIGIBILITY_UNSPECIFIED),
                    questions=questions,
                ),
                metadata=session.metadata,
            )
        except GrpcError as error:
            if error.code.name not in ("INVALID_ARGUMENT", "FAILED_PRECONDITION", "NOT_FOUND"):
                raise
            return _staff_form(self, request, 400, _reason(error) or "INVALID")
        return redirect(f"/staff/consultations/{quote(created.consultation_id)}?done=created")

    @staff_page("GET", "/staff/consultations/<string:consultation_id>")
    def staff_consultation(self, request, consultation_id):
        return _staff_consultation(self, request, consultation_id)

    @staff_page("POST", "/staff/consultations/<string:consultation_id>/publish")
    def staff_publish_consultation(self, request, consultation_id):
        check_csrf(request)
        session = sessions.current(request)
        try:
            self.participation.PublishConsultation(
                pb.ConsultationRef(consultation_id=consultation_id), metadata=session.metadata
            )
        except GrpcError as error:
            if error.code.name != "FAILED_PRECONDITION":
                raise
            return _staff_consultation(self, request, consultation_id, 400, _reason(error))
        return redirect(f"/staff/consultations/{quote(consultation_id)}?done=published")

    @staff_page("POST", "/staff/consultations/<string:consultation_id>/responses")
    def staff_respond(self, request, consultation_id):
        check_csrf(request)
        session = sessions.current(request)
        f = request.form
        try:
            self.participation.AddResponse(
                pb.ResponseEntry(
                    consultation_id=consultation_id,
                    stage=f.get("stage", ""),
                    text={lang: f.get(f"text-{lang}", "") for lang in portal.LANGUAGES},
                    on_date=f.get("on_date", ""),
                ),
                metadata=session.metadata,
            )
        except GrpcError as error:
            if error.code.name not in ("INVALID_ARGUMENT", "FAILED_PRECONDITION"):
                raise
            return _staff_consultation(self, request, consultation_id, 400, _reason(error))
        return redirect(f"/staff/consultations/{quote(consultation_id)}?done=responded")

    @staff_page("POST", "/staff/proposals/<string:proposal_id>/moderation")
    def staff_moderate_proposal(self, request, proposal_id):
        check_csrf(request)
        session = sessions.current(request)
        f = request.form
        try:
            moderated = self.participation.ModerateProposal(
                pb.ModerateProposalRequest(
                    proposal_id=proposal_id, hidden=f.get("hidden") == "1", reason=f.get("reason", "")
                ),
                metadata=session.metadata,
            )
        except GrpcError as error:
            if error.code.name not in ("INVALID_ARGUMENT", "FAILED_PRECONDITION"):
                raise
            return _staff_list(self, request, 400, error=_reason(error))
        return redirect(f"/staff/consultations?office={quote(moderated.office_id)}&done=saved")

    @staff_page("POST", "/staff/proposals/rules")
    def staff_proposal_rules(self, request):
        check_csrf(request)
        session = sessions.current(request)
        f = request.form
        office = f.get("office", "")
        try:
            self.participation.SetProposalRules(
                pb.ProposalRules(
                    office_id=office,
                    threshold=int(f.get("threshold", "0")) if f.get("threshold", "").isdigit() else 0,
                    window_days=int(f.get("window_days", "0")) if f.get("window_days", "").isdigit() else 0,
                ),
                metadata=session.metadata,
            )
        except GrpcError as error:
            if error.code.name != "INVALID_ARGUMENT":
                raise
            return _staff_list(self, request, 400, error=_reason(error))
        return redirect(f"/staff/consultations?office={quote(office)}&done=saved")
