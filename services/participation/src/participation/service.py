"""The participation service: consultations, surveys and citizen proposals.

The rules are in `domain`; this container checks who asks (the one policy), reads and writes
the rows, writes each step's event through the outbox (no person named in any), and runs the
clock: consultations opening and closing, proposals expiring, and proposals that reached their
threshold filed with the office as petitions in tickets (whose follow-up under Organic Law
113-14 then applies). The clock runs on every replica; each step is taken once, by a guarded
update.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import logging
import os

import sqlalchemy as sa
from nameko.timer import timer
from nameko_grpc.errors import GrpcError

from citizenoffice.identity.v1 import identity_pb2  # noqa: F401  (decodes user.erased payloads)
from citizenoffice.participation.v1 import participation_pb2 as pb
from citizenoffice.participation.v1.participation_pb2_grpc import ParticipationServiceStub
from citizenoffice.registry.v1 import registry_pb2
from citizenoffice.registry.v1.registry_pb2_grpc import RegistryServiceStub
from citizenoffice.tickets.v1 import tickets_pb2
from citizenoffice.tickets.v1.tickets_pb2_grpc import TicketsServiceStub
from cokit import platform
from cokit.auth import policy
from cokit.auth.offices import office_scope
from cokit.auth.provider import TokenVerifier
from cokit.clients import ServiceClient
from cokit.events.consumer import consume
from cokit.events.envelope import topic_for
from cokit.events.relay import OutboxRelay
from cokit.events.tables import add_event_tables
from cokit.ids import uuid7
from cokit.refusals import already_exists, failed_precondition, invalid_argument, not_found
from cokit.service import instance_id as current_instance, kit_service, migrator, rpc
from cokit.settings import ServiceSettings
from cokit.timestamps import as_utc, to_timestamp

from . import domain, store

grpc = rpc(ParticipationServiceStub)
add_event_tables(store.metadata)
log = logging.getLogger(__name__)
# Seconds between runs of the clock: read at import, as the timer's interval must be.
CLOCK_INTERVAL = float(os.environ.get("PARTICIPATION_CLOCK_INTERVAL", "30") or 30)


KIND = {
    pb.SINGLE_CHOICE: "single_choice",
    pb.MULTIPLE_CHOICE: "multiple_choice",
    pb.RANKING: "ranking",
    pb.FREE_TEXT: "free_text",
}
KIND_PB = {v: k for k, v in KIND.items()}
ELIGIBILITY = {pb.ANYONE: "anyone", pb.RESIDENTS: "residents", pb.VERIFIED: "verified"}
ELIGIBILITY_PB = {v: k for k, v in ELIGIBILITY.items()}
BALLOT_MIN = 16  # a ballot token is random, at least this long


@dataclasses.dataclass(frozen=True)
class Settings(ServiceSettings):
    service_name: str = "participation"
    grpc_port: int = platform.facts("participation").grpc_port
    metrics_port: int = platform.facts("participation").metrics_port
    database_url: str = "sqlite:///.local/data/participation.db"
    identity_grpc_target: str = platform.local_target("identity")  # the trust state (JWKS) that verifies callers
    registry_grpc_target: str = platform.local_target("registry")  # offices, their communes and workshops
    tickets_grpc_target: str = platform.local_target("tickets")  # closed requests; proposals filed as petitions
    participation_clock_interval: float = 30.0


def _now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc).replace(microsecond=0)


def _when(ts) -> dt.datetime | None:
    return ts.ToDatetime(tzinfo=dt.timezone.utc) if ts.seconds or ts.nanos else None


# --- rows to messages ------------------------------------------------------------------------


def _questions_from(request_questions) -> tuple[domain.Question, ...]:
    return tuple(
        domain.Question(
            q.question_id or f"q{i}",
            KIND.get(q.kind, ""),
            dict(q.prompt),
            tuple(domain.Option(o.option_id or f"q{i}o{j}", dict(o.label)) for j, o in enumerate(q.options, 1)),
        )
        for i, q in enumerate(request_questions, 1)
    )


def _questions_json(questions: tuple[domain.Question, ...]) -> list[dict]:
    return [dataclasses.asdict(q) for q in questions]


def _questions_of(row) -> tuple[domain.Question, ...]:
    return tuple(
        domain.Question(q["question_id"], q["kind"], q["prompt"], tuple(domain.Option(**o) for o in q["options"]))
        for q in json.loads(row["questions"])
    )


def _state(row, now: dt.datetime) -> str:
    return domain.status(row["published"], as_utc(row["opens_at"]), as_utc(row["closes_at"]), now)


def _response_message(row) -> pb.ResponseEntry:
    return pb.ResponseEntry(
        consultation_id=row["consultation_id"],
        stage=row["stage"],
        text=store.load(row["text"]),
        on_date=row["on_date"].isoformat(),
        written_at=to_timestamp(row["written_at"]),
    )


def _consultation_message(row, responses=()) -> pb.Consultation:
    return pb.Consultation(
        consultation_id=row["consultation_id"],
        office_id=row["office_id"],
        commune_code=row["commune_code"],
        whole_commune=row["whole_commune"],
        title=store.load(row["title"]),
        description=store.load(row["description"]),
        opens_at=to_timestamp(row["opens_at"]),
        closes_at=to_timestamp(row["closes_at"]),
        eligibility=ELIGIBILITY_PB[row["eligibility"]],
        questions=[
            pb.Question(
                question_id=q.question_id,
                kind=KIND_PB[q.kind],
                prompt=q.prompt,
                options=[pb.Option(option_id=o.option_id, label=o.label) for o in q.options],
            )
            for q in _questions_of(row)
        ],
        status=_state(row, _now()),
        participants=row["participants"],
        responses=[_response_message(r) for r in responses],
        instance_id=row["instance_id"],
    )


def _proposal_message(row, caller: policy.Caller, supported: bool = False, staff: bool = False) -> pb.Proposal:
    hidden = row["status"] == "hidden"
    shown = staff or not hidden  # moderated text is never shown to the public
    return pb.Proposal(
        proposal_id=row["proposal_id"],
        office_id=row["office_id"],
        title=row["title"] if shown else "",
        body=row["body"] if shown else "",
        language=row["language"],
        status=row["status"],
        supports=row["supports"],
        threshold=row["threshold"],
        posted_at=to_timestamp(row["posted_at"]),
        support_until=to_timestamp(row["support_until"]),
        tracking_code=row["tracking_code"] or "",
        moderation_reason=(row["moderation_reason"] or "") if hidden else "",
        mine=bool(caller.subject) and caller.kind == "user" and row["author_id"] == caller.subject,
        supported_by_me=supported,
    )


class ParticipationService(kit_service(pb)):
    name = "participation"
    events = OutboxRelay(engine="db")
    auth = TokenVerifier()
    registry = ServiceClient("registry", RegistryServiceStub)
    tickets = ServiceClient("tickets", TicketsServiceStub)

    # --- who asks ------------------------------------------------------------------------

    def _office(self, office_id: str) -> policy.Scope:
        if not office_id:
            raise invalid_argument("OFFICE_REQUIRED", "name the office", field="office_id")
        return office_scope(self.registry, office_id, current_instance())

    def _runner(self, office_id: str) -> policy.Caller:
        """A member of the office's staff, its commune's admins or a national admin."""
        caller = self.auth.from_context()
        policy.require(caller, "consultation.manage", self._office(office_id))
        return caller

    def _is_runner(self, caller: policy.Caller, office_id: str) -> bool:
        if not caller.authenticated or caller.kind != "user":
            return False
        return policy.decide(caller, "consultation.manage", self._office(office_id)).allowed

    def _person(self) -> policy.Caller:
        """Anyone through the platform, or signed in; a bare call is refused."""
        return self.auth.require("consultation.take_part")

    def _citizen(self, what: str) -> policy.Caller:
        caller = self._person()
        if caller.kind != "user" or not caller.subject:
            raise failed_precondition("SIGN_IN_REQUIRED", f"sign in to {what}")
        return caller

    def _consultation(self, conn, consultation_id: str):
        row = (
            conn.execute(sa.select(store.consultations).where(store.consultations.c.consultation_id == consultation_id))
            .mappings()
            .first()
        )
        if row is None:
            raise not_found("CONSULTATION_NOT_FOUND", "no consultation has this id")
        return row

    def _responses(self, conn, consultation_id: str):
        r = store.responses
        query = sa.select(r).where(r.c.consultation_id == consultation_id).order_by(r.c.written_at, r.c.response_id)
        return conn.execute(query).mappings().all()

    # --- consultations ---------------------------------------------------------------------

    def _draft(self, request) -> domain.Draft:
        return domain.check_draft(
            domain.Draft(
                title=dict(request.title),
                description=dict(request.description),
                opens_at=_when(request.opens_at),
                closes_at=_when(request.closes_at),
                eligibility=ELIGIBILITY.get(request.eligibility, ""),
                questions=_questions_from(request.questions),
            )
        )

    @grpc
    def CreateConsultation(self, request, context):
        self._runner(request.office_id)
        scope = self._office(request.office_id)
        draft = self._draft(request)
        row = {
            "consultation_id": uuid7(),
            "instance_id": scope.instance,
            "office_id": scope.office,
            "commune_code": scope.commune,
            "whole_commune": request.whole_commune,
            "title": store.dump(draft.title),
            "description": store.dump(draft.description),
            "questions": store.dump(_questions_json(draft.questions)),
            "eligibility": draft.eligibility,
            "opens_at": draft.opens_at,
            "closes_at": draft.closes_at,
            "published": False,
            "participants": 0,
            "created_at": _now(),
        }
        with self.db.begin() as conn:
            conn.execute(store.consultations.insert().values(**row))
            return _consultation_message(self._consultation(conn, row["consultation_id"]))

    @grpc
    def UpdateConsultation(self, request, context):
        with self.db.connect() as conn:
            office_id = self._consultation(conn, request.consultation_id)["office_id"]
        self._runner(office_id)
        draft = self._draft(request)
        c = store.consultations
        with self.db.begin() as conn:
            changed = conn.execute(
                c.update()
                .where(c.c.consultation_id == request.consultation_id, c.c.published.is_(False))
                .values(
                    title=store.dump(draft.title),
                    description=store.dump(draft.description),
                    questions=store.dump(_questions_json(draft.questions)),
                    eligibility=draft.eligibility,
                    opens_at=draft.opens_at,
                    closes_at=draft.closes_at,
                    whole_commune=request.whole_commune,
                )
            ).rowcount
            if not changed:
                raise failed_precondition("CONSULTATION_PUBLISHED", "a published consultation is not changed")
            return _consultation_message(self._consultation(conn, request.consultation_id))

    @grpc
    def PublishConsultation(self, request, context):
        with self.db.connect() as conn:
            row = self._consultation(conn, request.consultation_id)
        self._runner(row["office_id"])
        if as_utc(row["closes_at"]) <= _now():
            raise failed_precondition("CLOSES_IN_THE_PAST", "a consultation published now must close in the future")
        c = store.consultations
        with self.db.begin() as conn:
            conn.execute(c.update().where(c.c.consultation_id == row["consultation_id"]).values(published=True))
            self._note_opening(conn, self._consultation(conn, row["consultation_id"]), _now())
            return _consultation_message(self._consultation(conn, row["consultation_id"]))

    @grpc
    def GetConsultation(self, request, context):
        caller = self._person()
        with self.db.connect() as conn:
            row = self._consultation(conn, request.consultation_id)
            if not row["published"] and not self._is_runner(caller, row["office_id"]):
                raise not_found("CONSULTATION_NOT_FOUND", "no consultation has this id")
            return _consultation_message(row, self._responses(conn, row["consultation_id"]))

    @grpc
    def ListConsultations(self, request, context):
        caller = self._person()
        c = store.consultations
        query = sa.select(c).order_by(c.c.opens_at.desc(), c.c.consultation_id).limit(200)
        if request.office_id:
            query = query.where(c.c.office_id == self._office(request.office_id).office)
        drafts = request.include_drafts and request.office_id and self._is_runner(caller, request.office_id)
        if not drafts:
            query = query.where(c.c.published.is_(True))
        now = _now()
        with self.db.connect() as conn:
            rows = conn.execute(query).mappings().all()
        return pb.ConsultationList(
            consultations=[
                _consultation_message(r) for r in rows if not request.status or _state(r, now) == request.status
            ]
        )

    @grpc
    def Answer(self, request, context):
        caller = self._person()
        signed_in = caller.kind == "user" and bool(caller.subject)
        if not signed_in and len(request.ballot) < BALLOT_MIN:
            raise invalid_argument("BALLOT_REQUIRED", "without an account, a ballot token keeps one answer per person")
        now = _now()
        with self.db.begin() as conn:
            row = self._consultation(conn, request.consultation_id)
            domain.check_open(_state(row, now))
            domain.check_eligibility(row["eligibility"], signed_in, row["commune_code"], request.residence_commune)
            sheet = domain.check_answers(
                _questions_of(row), {a.question_id: (tuple(a.option_ids), a.text) for a in request.answers}
            )
            who = f"account:{caller.subject}" if signed_in else f"ballot:{request.ballot}"
            key = store.participant_key(row["consultation_id"], who)
            a = store.answers
            if conn.execute(sa.select(a.c.answer_id).where(a.c.participant_key == key)).first():
                raise already_exists("ALREADY_ANSWERED", "you have already answered this consultation")
            try:
                with conn.begin_nested():
                    conn.execute(
                        a.insert().values(
                            answer_id=uuid7(),
                            consultation_id=row["consultation_id"],
                            participant_key=key,
                            citizen_id=caller.subject if signed_in else None,
                            sheet=store.dump(sheet),
                            answered_at=now,
                        )
                    )
            except sa.exc.IntegrityError:
                raise already_exists("ALREADY_ANSWERED", "you have already answered this consultation") from None
            c = store.consultations
            conn.execute(
                c.update()
                .where(c.c.consultation_id == row["consultation_id"])
                .values(participants=c.c.participants + 1)
            )
            if request.notify_me and signed_in:
                self._subscribe(conn, row["consultation_id"], caller.subject, request.language)
            self._consultation_event(conn, "consultation.answered", self._consultation(conn, row["consultation_id"]))
        return pb.AnswerReceipt(consultation_id=row["consultation_id"], answered_at=to_timestamp(now))

    def _subscribe(self, conn, subject_id: str, citizen_id: str, language: str) -> None:
        s = store.subscriptions
        if conn.execute(
            sa.select(s.c.subject_id).where(s.c.subject_id == subject_id, s.c.citizen_id == citizen_id)
        ).first():
            return
        conn.execute(
            s.insert().values(
                subject_id=subject_id,
                citizen_id=citizen_id,
                language=language if language in domain.LANGUAGES else "ar",
                created_at=_now(),
            )
        )

    @grpc
    def GetResults(self, request, context):
        caller = self._person()
        with self.db.connect() as conn:
            row = self._consultation(conn, request.consultation_id)
            state = _state(row, _now())
            if state != "closed" and not self._is_runner(caller, row["office_id"]):
                raise failed_precondition(
                    "RESULTS_NOT_PUBLISHED", "the results are published when the consultation closes", status=state
                )
            sheets = [
                json.loads(s)
                for (s,) in conn.execute(
                    sa.select(store.answers.c.sheet).where(store.answers.c.consultation_id == row["consultation_id"])
                )
            ]
        counted = domain.tally(_questions_of(row), sheets)
        return pb.Results(
            consultation_id=row["consultation_id"],
            participants=counted["participants"],
            fold_under=domain.FOLD_UNDER,
            questions=[
                pb.QuestionResult(
                    question_id=q["question_id"],
                    answered=q["answered"],
                    options=[pb.OptionCount(**o) for o in q["options"]],
                    groups=[pb.TextGroup(**g) for g in q["groups"]],
                    folded=q["folded"],
                )
                for q in counted["questions"]
            ],
        )

    @grpc
    def AddResponse(self, request, context):
        with self.db.connect() as conn:
            row = self._consultation(conn, request.consultation_id)
        self._runner(row["office_id"])
        text, day = domain.check_response(_state(row, _now()), request.stage, dict(request.text), request.on_date)
        with self.db.begin() as conn:
            conn.execute(
                store.responses.insert().values(
                    response_id=uuid7(),
                    consultation_id=row["consultation_id"],
                    stage=request.stage,
                    text=store.dump(text),
                    on_date=day,
                    written_at=_now(),
                )
            )
            self._consultation_event(conn, "consultation.responded", row, status=request.stage)
            return _consultation_message(row, self._responses(conn, row["consultation_id"]))

    def _consultation_event(self, conn, type_: str, row, status: str = "") -> None:
        self.events.add(
            conn,
            type_,
            row["consultation_id"],
            pb.ConsultationEvent(
                consultation_id=row["consultation_id"],
                office_id=row["office_id"],
                status=status or _state(row, _now()),
                participants=row["participants"],
            ),
            office_id=row["office_id"],
        )

    # --- surveys ---------------------------------------------------------------------------

    @grpc
    def AnswerSurvey(self, request, context):
        self._person()
        scores, comment = domain.check_survey(request.context, dict(request.scores), request.comment)
        today = _now().date()
        if request.context == "request":
            if not request.tracking_code:
                raise invalid_argument("TRACKING_CODE_REQUIRED", "the survey follows a request: give its tracking code")
            ticket = self.tickets.TrackByCode(tickets_pb2.TrackByCodeRequest(tracking_code=request.tracking_code))
            if ticket.status != "closed":
                raise failed_precondition("REQUEST_NOT_CLOSED", "the survey opens once the request is closed")
            domain.survey_open(as_utc(ticket.updated_at.ToDatetime()).date(), today)
            office_id, subject = ticket.office_id, f"request:{ticket.ticket_id}"
        else:
            if len(request.ballot) < BALLOT_MIN or not request.activity_id:
                raise invalid_argument("BALLOT_REQUIRED", "a workshop survey names the workshop and carries a ballot")
            office_id = self._office(request.office_id).office
            found = self.registry.ListActivities(registry_pb2.ListActivitiesRequest(office_id=office_id))
            activity = next((a for a in found.activities if a.activity_id == request.activity_id), None)
            if activity is None or not activity.kind.endswith("workshop"):
                raise not_found("WORKSHOP_NOT_FOUND", "this office held no workshop with this id")
            domain.survey_open(dt.date.fromisoformat(activity.held_on), today)
            subject = f"workshop:{activity.activity_id}:{request.ballot}"
        survey_id = uuid7()
        try:
            with self.db.begin() as conn:
                conn.execute(
                    store.surveys.insert().values(
                        survey_id=survey_id,
                        office_id=office_id,
                        context=request.context,
                        subject_key=store.participant_key(request.context, subject),
                        scores=store.dump(scores),
                        yes=request.yes,
                        comment=comment,
                        answered_at=_now(),
                    )
                )
                self.events.add(
                    conn,
                    "survey.answered",
                    survey_id,
                    pb.SurveyEvent(survey_id=survey_id, office_id=office_id, context=request.context),
                    office_id=office_id,
                )
        except sa.exc.IntegrityError:
            raise already_exists("ALREADY_ANSWERED", "this survey was already answered") from None
        return pb.SurveyReceipt(survey_id=survey_id, office_id=office_id)

    @grpc
    def GetOfficeFigures(self, request, context):
        self._person()
        office_id = self._office(request.office_id).office
        c, s, p = store.consultations, store.surveys, store.proposals
        with self.db.connect() as conn:
            held = conn.execute(
                sa.select(sa.func.count(), sa.func.coalesce(sa.func.sum(c.c.participants), 0)).where(
                    c.c.office_id == office_id, c.c.published.is_(True)
                )
            ).one()
            surveys = conn.execute(sa.select(s.c.context, s.c.scores, s.c.yes).where(s.c.office_id == office_id)).all()
            proposals = dict(
                conn.execute(
                    sa.select(p.c.status, sa.func.count()).where(p.c.office_id == office_id).group_by(p.c.status)
                ).all()
            )
        figures = [
            domain.survey_figures(
                ctx, [{"scores": json.loads(r.scores), "yes": r.yes} for r in surveys if r.context == ctx]
            )
            for ctx in domain.SURVEY_QUESTIONS
        ]
        return pb.OfficeFigures(
            office_id=office_id,
            consultations=held[0],
            consultation_participants=int(held[1]),
            surveys=[pb.SurveyFigure(**f) for f in figures],
            proposals=sum(n for status, n in proposals.items() if status != "hidden"),
            proposals_forwarded=proposals.get("forwarded", 0),
            fold_under=domain.FOLD_UNDER,
        )

    # --- proposals -------------------------------------------------------------------------

    def _rules(self, conn, office_id: str) -> tuple[int, int]:
        r = store.proposal_rules
        row = conn.execute(sa.select(r).where(r.c.office_id == office_id)).mappings().first()
        return (row["threshold"], row["window_days"]) if row else (domain.DEFAULT_THRESHOLD, domain.DEFAULT_WINDOW_DAYS)

    @grpc
    def SetProposalRules(self, request, context):
        self._runner(request.office_id)
        office_id = self._office(request.office_id).office
        domain.check_rules(request.threshold, request.window_days)
        r = store.proposal_rules
        with self.db.begin() as conn:
            conn.execute(r.delete().where(r.c.office_id == office_id))
            conn.execute(
                r.insert().values(office_id=office_id, threshold=request.threshold, window_days=request.window_days)
            )
        return pb.ProposalRules(office_id=office_id, threshold=request.threshold, window_days=request.window_days)

    @grpc
    def GetProposalRules(self, request, context):
        self._person()
        office_id = self._office(request.office_id).office
        with self.db.connect() as conn:
            threshold, window = self._rules(conn, office_id)
        return pb.ProposalRules(office_id=office_id, threshold=threshold, window_days=window)

    def _proposal(self, conn, proposal_id: str):
        p = store.proposals
        row = conn.execute(sa.select(p).where(p.c.proposal_id == proposal_id)).mappings().first()
        if row is None:
            raise not_found("PROPOSAL_NOT_FOUND", "no proposal has this id")
        return row

    def _supported(self, conn, proposal_id: str, caller: policy.Caller) -> bool:
        if caller.kind != "user" or not caller.subject:
            return False
        key = store.participant_key(proposal_id, caller.subject)
        s = store.supports
        return conn.execute(sa.select(s.c.proposal_id).where(s.c.supporter_key == key)).first() is not None

    def _proposal_event(self, conn, type_: str, row) -> None:
        self.events.add(
            conn,
            type_,
            row["proposal_id"],
            pb.ProposalEvent(
                proposal_id=row["proposal_id"],
                office_id=row["office_id"],
                status=row["status"],
                supports=row["supports"],
                threshold=row["threshold"],
                ticket_id=row["ticket_id"] or "",
                tracking_code=row["tracking_code"] or "",
            ),
            office_id=row["office_id"],
        )

    @grpc
    def PostProposal(self, request, context):
        caller = self._citizen("post a proposal")
        scope = self._office(request.office_id)
        title, body, language = domain.check_proposal(request.title, request.body, request.language)
        now = _now()
        with self.db.begin() as conn:
            threshold, window = self._rules(conn, scope.office)
            proposal_id = uuid7()
            conn.execute(
                store.proposals.insert().values(
                    proposal_id=proposal_id,
                    instance_id=scope.instance,
                    office_id=scope.office,
                    author_id=caller.subject,
                    title=title,
                    body=body,
                    language=language,
                    status="collecting",
                    supports=0,
                    threshold=threshold,
                    posted_at=now,
                    support_until=now + dt.timedelta(days=window),
                )
            )
            if request.notify_me:
                self._subscribe(conn, proposal_id, caller.subject, language)
            row = self._proposal(conn, proposal_id)
            self._proposal_event(conn, "proposal.posted", row)
            return _proposal_message(row, caller)

    @grpc
    def GetProposal(self, request, context):
        caller = self._person()
        with self.db.connect() as conn:
            row = self._proposal(conn, request.proposal_id)
            staff = self._is_runner(caller, row["office_id"])
            return _proposal_message(row, caller, self._supported(conn, row["proposal_id"], caller), staff)

    @grpc
    def ListProposals(self, request, context):
        caller = self._person()
        p = store.proposals
        query = sa.select(p).order_by(p.c.posted_at.desc(), p.c.proposal_id).limit(200)
        staff = False
        if request.office_id:
            office_id = self._office(request.office_id).office
            query = query.where(p.c.office_id == office_id)
            staff = request.include_hidden and self._is_runner(caller, office_id)
        if request.status:
            query = query.where(p.c.status == request.status)
        if not staff:
            query = query.where(p.c.status != "hidden")
        with self.db.connect() as conn:
            rows = conn.execute(query).mappings().all()
            return pb.ProposalList(
                proposals=[
                    _proposal_message(r, caller, self._supported(conn, r["proposal_id"], caller), staff) for r in rows
                ]
            )

    @grpc
    def SimilarProposals(self, request, context):
        caller = self._person()
        office_id = self._office(request.office_id).office
        p = store.proposals
        asked = f"{request.title} {request.body}"
        with self.db.connect() as conn:
            rows = conn.execute(
                sa.select(p).where(p.c.office_id == office_id, p.c.status.in_(("collecting", "reached", "forwarded")))
            ).mappings()
            scored = sorted(
                ((domain.similarity(asked, f"{r['title']} {r['body']}"), r) for r in rows),
                key=lambda pair: (-pair[0], pair[1]["proposal_id"]),
            )
        return pb.ProposalList(
            proposals=[_proposal_message(r, caller) for score, r in scored if score >= domain.SIMILAR_FROM][:5]
        )

    @grpc
    def SupportProposal(self, request, context):
        caller = self._citizen("support a proposal")
        now = _now()
        with self.db.begin() as conn:
            row = self._proposal(conn, request.proposal_id)
            domain.check_support(
                row["status"], row["author_id"] or "", caller.subject, now, as_utc(row["support_until"])
            )
            key = store.participant_key(row["proposal_id"], caller.subject)
            if self._supported(conn, row["proposal_id"], caller):
                raise already_exists("ALREADY_SUPPORTED", "you already support this proposal")
            try:
                with conn.begin_nested():
                    conn.execute(
                        store.supports.insert().values(
                            proposal_id=row["proposal_id"],
                            supporter_key=key,
                            citizen_id=caller.subject,
                            supported_at=now,
                        )
                    )
            except sa.exc.IntegrityError:
                raise already_exists("ALREADY_SUPPORTED", "you already support this proposal") from None
            p = store.proposals
            conn.execute(p.update().where(p.c.proposal_id == row["proposal_id"]).values(supports=p.c.supports + 1))
            row = self._proposal(conn, row["proposal_id"])
            status = domain.proposal_status(
                row["status"], row["supports"], row["threshold"], as_utc(row["support_until"]), now
            )
            if status != row["status"]:
                conn.execute(p.update().where(p.c.proposal_id == row["proposal_id"]).values(status=status))
                row = self._proposal(conn, row["proposal_id"])
            self._proposal_event(conn, "proposal.supported", row)
            if status == "reached":
                self._proposal_event(conn, "proposal.threshold_reached", row)
        return pb.SupportReply(supports=row["supports"], threshold=row["threshold"], status=row["status"])

    @grpc
    def ModerateProposal(self, request, context):
        with self.db.connect() as conn:
            row = self._proposal(conn, request.proposal_id)
        caller = self.auth.from_context()
        policy.require(caller, "proposal.moderate", self._office(row["office_id"]))
        if row["status"] in ("reached", "forwarded"):
            raise failed_precondition("PROPOSAL_FORWARDED", "a proposal filed with the office is not withdrawn")
        if request.hidden and not request.reason.strip():
            raise invalid_argument("REASON_REQUIRED", "say why the proposal is withdrawn", field="reason")
        now = _now()
        status = "hidden" if request.hidden else ("collecting" if now < as_utc(row["support_until"]) else "expired")
        p = store.proposals
        with self.db.begin() as conn:
            conn.execute(
                p.update()
                .where(p.c.proposal_id == row["proposal_id"])
                .values(status=status, moderation_reason=request.reason.strip()[:1000] if request.hidden else None)
            )
            row = self._proposal(conn, row["proposal_id"])
            self._proposal_event(conn, "proposal.moderated", row)
            return _proposal_message(row, caller, staff=True)

    # --- the clock -------------------------------------------------------------------------

    def _note_opening(self, conn, row, now: dt.datetime) -> bool:
        c = store.consultations
        if not row["published"] or row["opened_noted_at"] is not None or as_utc(row["opens_at"]) > now:
            return False
        noted = conn.execute(
            c.update()
            .where(c.c.consultation_id == row["consultation_id"], c.c.opened_noted_at.is_(None))
            .values(opened_noted_at=now)
        ).rowcount
        if noted:
            self._consultation_event(conn, "consultation.opened", row, status="open")
        return bool(noted)

    def run_clock(self) -> dict:
        now = _now()
        done = {"opened": 0, "closed": 0, "forwarded": 0, "expired": 0}
        c, p = store.consultations, store.proposals
        with self.db.begin() as conn:
            for row in (
                conn.execute(
                    sa.select(c).where(c.c.published.is_(True), c.c.opened_noted_at.is_(None), c.c.opens_at <= now)
                )
                .mappings()
                .all()
            ):
                done["opened"] += self._note_opening(conn, row, now)
            for row in (
                conn.execute(
                    sa.select(c).where(c.c.published.is_(True), c.c.closed_noted_at.is_(None), c.c.closes_at <= now)
                )
                .mappings()
                .all()
            ):
                noted = conn.execute(
                    c.update()
                    .where(c.c.consultation_id == row["consultation_id"], c.c.closed_noted_at.is_(None))
                    .values(closed_noted_at=now)
                ).rowcount
                if noted:
                    # Results are published at closing: this event says they are out.
                    self._consultation_event(conn, "consultation.closed", row, status="closed")
                    done["closed"] += 1
            for row in (
                conn.execute(sa.select(p).where(p.c.status == "collecting", p.c.support_until <= now)).mappings().all()
            ):
                if conn.execute(
                    p.update()
                    .where(p.c.proposal_id == row["proposal_id"], p.c.status == "collecting")
                    .values(status="expired")
                ).rowcount:
                    self._proposal_event(conn, "proposal.expired", self._proposal(conn, row["proposal_id"]))
                    done["expired"] += 1
            reached = conn.execute(sa.select(p.c.proposal_id).where(p.c.status == "reached")).scalars().all()
        for proposal_id in reached:
            done["forwarded"] += self._forward(proposal_id)
        return done

    def _forward(self, proposal_id: str) -> int:
        """File a proposal that reached its threshold with its office as a petition (tickets'
        petition workflow and deadlines then apply), once: the request is filed first, then the
        proposal marked; a replica that lost the race leaves the tickets request to the merge
        of duplicates rather than lose it."""
        with self.db.connect() as conn:
            row = self._proposal(conn, proposal_id)
        if row["status"] != "reached":
            return 0
        now = _now()
        receipt = self.tickets.Submit(
            tickets_pb2.SubmitRequest(
                office_id=row["office_id"],
                kind=tickets_pb2.PETITION,
                category=domain.PETITION_CATEGORY,
                description=domain.petition_text(
                    row["title"], row["body"], row["supports"], as_utc(row["posted_at"]).date(), now.date()
                ),
                citizen_id=row["author_id"] or "",
                channel=tickets_pb2.WEB,
                language=row["language"],
            )
        )
        p = store.proposals
        with self.db.begin() as conn:
            if not conn.execute(
                p.update()
                .where(p.c.proposal_id == proposal_id, p.c.status == "reached")
                .values(
                    status="forwarded",
                    ticket_id=receipt.ticket_id,
                    tracking_code=receipt.tracking_code,
                    forwarded_at=now,
                )
            ).rowcount:
                return 0
            self._proposal_event(conn, "proposal.forwarded", self._proposal(conn, proposal_id))
        log.info("proposal filed as a petition", extra={"proposal_id": proposal_id, "ticket_id": receipt.ticket_id})
        return 1

    @timer(interval=CLOCK_INTERVAL)
    def clock(self):
        try:
            done = self.run_clock()
        except GrpcError as error:  # the next run tries again; a proposal tickets refused stays "reached"
            log.warning("participation clock run refused", extra={"code": error.code.name, "details": error.message})
            return
        except Exception:
            log.exception("participation clock run failed")
            return
        if any(done.values()):
            log.info("participation clock", extra=done)

    @grpc
    def RunClock(self, request, context):
        self.auth.require("participation.clock")
        return pb.RunClockReply(**self.run_clock())

    # --- notices, the data subject -----------------------------------------------------------

    @grpc
    def ListSubscribers(self, request, context):
        self.auth.require("participation.subscribers")
        subject = request.consultation_id or request.proposal_id
        if not subject:
            raise invalid_argument("SUBJECT_REQUIRED", "name a consultation or a proposal")
        s = store.subscriptions
        with self.db.connect() as conn:
            rows = conn.execute(sa.select(s.c.citizen_id, s.c.language).where(s.c.subject_id == subject)).all()
        return pb.SubscribersReply(subscribers=[pb.Subscriber(citizen_id=r[0], language=r[1]) for r in rows])

    @grpc
    def ExportCitizenData(self, request, context):
        citizen_id = policy.own_data_subject(self.auth.from_context(), request.citizen_id)
        a, c, p, s, sub = store.answers, store.consultations, store.proposals, store.supports, store.subscriptions
        with self.db.connect() as conn:
            answers = conn.execute(
                sa.select(a.c.consultation_id, a.c.sheet, a.c.answered_at, c.c.title)
                .join(c, c.c.consultation_id == a.c.consultation_id)
                .where(a.c.citizen_id == citizen_id)
                .order_by(a.c.answered_at)
            ).all()
            proposals = conn.execute(sa.select(p).where(p.c.author_id == citizen_id).order_by(p.c.posted_at)).mappings()
            proposals = [
                {
                    "proposal_id": r["proposal_id"],
                    "office_id": r["office_id"],
                    "title": r["title"],
                    "body": r["body"],
                    "status": r["status"],
                    "supports": r["supports"],
                    "posted_at": as_utc(r["posted_at"]).isoformat(),
                    "tracking_code": r["tracking_code"],
                }
                for r in proposals
            ]
            supported = conn.execute(
                sa.select(s.c.proposal_id, s.c.supported_at).where(s.c.citizen_id == citizen_id)
            ).all()
            notices = conn.execute(
                sa.select(sub.c.subject_id, sub.c.language).where(sub.c.citizen_id == citizen_id)
            ).all()
        data = {
            "consultation_answers": [
                {
                    "consultation_id": r.consultation_id,
                    "title": store.load(r.title),
                    "answers": json.loads(r.sheet),
                    "answered_at": as_utc(r.answered_at).isoformat(),
                }
                for r in answers
            ],
            "proposals": proposals,
            "supports": [{"proposal_id": r[0], "supported_at": as_utc(r[1]).isoformat()} for r in supported],
            "notices_asked": [{"about": r[0], "language": r[1]} for r in notices],
        }
        return pb.ExportCitizenDataReply(json=json.dumps(data, ensure_ascii=False))

    @consume(topic_for("identity"), group="participation", types={"user.erased"})
    def on_identity_event(self, event):
        if event.payload is None or not event.payload.citizen_id:
            return
        erased = self.erase(event.payload.citizen_id)
        log.info("citizen's participation unlinked", extra={"event_id": event.event_id, **erased})

    def erase(self, citizen_id: str) -> dict:
        """The person's answers and supports stay counted, tied to nobody: the account and the
        participant key go (a new random key keeps the one-per-person rule's uniqueness); their
        proposals stay public without an author; what they asked to be told of is dropped.
        Erasing again finds nothing."""
        a, s, p, sub = store.answers, store.supports, store.proposals, store.subscriptions
        with self.db.begin() as conn:
            answers = conn.execute(sa.select(a.c.answer_id).where(a.c.citizen_id == citizen_id)).scalars().all()
            for answer_id in answers:
                conn.execute(
                    a.update()
                    .where(a.c.answer_id == answer_id)
                    .values(citizen_id=None, participant_key=store.participant_key("erased", uuid7()))
                )
            supports = conn.execute(
                sa.select(s.c.proposal_id, s.c.supporter_key).where(s.c.citizen_id == citizen_id)
            ).all()
            for proposal_id, key in supports:
                conn.execute(
                    s.update()
                    .where(s.c.proposal_id == proposal_id, s.c.supporter_key == key)
                    .values(citizen_id=None, supporter_key=store.participant_key("erased", uuid7()))
                )
            proposals = conn.execute(p.update().where(p.c.author_id == citizen_id).values(author_id=None)).rowcount
            notices = conn.execute(sub.delete().where(sub.c.citizen_id == citizen_id)).rowcount
        return {"answers": len(answers), "supports": len(supports), "proposals": proposals, "notices": notices}


SERVICE = ParticipationService
migrate = migrator("participation", store.metadata)
