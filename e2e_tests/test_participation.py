"""Participation end to end, on the real services: a consultation from its draft to its
published results and the office's response, who may take part, surveys counted into an
office's figures, and a citizen proposal that reaches its threshold and becomes a petition in
tickets, with the petition's follow-up; events name nobody, export and erasure cover it all.

Every count asserted is computed here from what the test itself answered."""

from __future__ import annotations

import collections
import datetime as dt
import secrets

import grpc
import pytest
import requests
import sqlalchemy as sa

from citizenoffice.participation.v1 import participation_pb2 as P
from citizenoffice.participation.v1.participation_pb2_grpc import ParticipationServiceStub
from citizenoffice.registry.v1 import registry_pb2 as R
from citizenoffice.registry.v1.registry_pb2_grpc import RegistryServiceStub
from citizenoffice.tickets.v1 import tickets_pb2 as T
from citizenoffice.tickets.v1.tickets_pb2_grpc import TicketsServiceStub
from cokit.timestamps import to_timestamp

from .helpers import eventually
from .service_callers import relay_metadata
from .test_identity_helpers import get, offices
from .test_registry import reason_of
from .tickets_people import people

TETOUAN = "tetouan"
ANSWERS = 7  # people answering the consultation
SAME = "Plus d'arbres dans les rues"  # five write it (in several spellings), shown as one group


@pytest.fixture(scope="module")
def crew(platform, infra_backend):
    return people(
        platform,
        infra_backend,
        {
            "clerk": ("staff", {"office": TETOUAN}),
            "amina": None,
            "youssef": None,
            "karima": None,
            "omar": None,
            "salma": None,
        },
    )


@pytest.fixture(scope="module")
def part(platform):
    with grpc.insecure_channel(platform.grpc_target("participation")) as channel:
        yield ParticipationServiceStub(channel)


def refused(call) -> tuple[grpc.StatusCode, str]:
    with pytest.raises(grpc.RpcError) as error:
        call()
    return error.value.code(), reason_of(error.value)


def _ts(seconds: float):
    return to_timestamp(dt.datetime.now(dt.timezone.utc).replace(microsecond=0) + dt.timedelta(seconds=seconds))


def questions():
    return [
        P.Question(
            kind=P.SINGLE_CHOICE,
            prompt={"ar": "أي مشروع أولا؟", "zgh": "ⵎⴰⵏ ⴰⵙⵏⴼⴰⵔ ⴰⵎⵣⵡⴰⵔⵓ?", "fr": "Quel projet d'abord ?"},
            options=[
                P.Option(label={"ar": "حديقة", "zgh": "ⵓⵔⵜⵉ", "fr": "Un jardin"}),
                P.Option(label={"ar": "مكتبة", "zgh": "ⵜⴰⵙⴷⵍⵉⵙⵜ", "fr": "Une bibliothèque"}),
            ],
        ),
        P.Question(
            kind=P.MULTIPLE_CHOICE,
            prompt={"fr": "Quels jours ?"},
            options=[P.Option(label={"fr": d}) for d in ("Samedi", "Dimanche", "Mercredi")],
        ),
        P.Question(
            kind=P.RANKING,
            prompt={"fr": "Classez"},
            options=[P.Option(label={"fr": x}) for x in ("Propreté", "Éclairage", "Sécurité")],
        ),
        P.Question(kind=P.FREE_TEXT, prompt={"fr": "Une idée ?", "zgh": "ⵢⴰⵜ ⵜⵡⵏⴳⵉⵎⵜ?"}),
    ]


def test_a_consultation_from_its_draft_to_its_published_results_and_the_offices_response(platform, infra, crew, part):
    clerk = crew["clerk"].metadata
    office_id = offices(platform)[TETOUAN]["office_id"]
    draft = P.ConsultationDraft(
        office_id=TETOUAN,
        title={"ar": "استشارة حول الحي", "zgh": "ⴰⵙⵇⵙⵉ ⵖⴼ ⵓⴳⵔⴰⵡ", "fr": "Consultation du quartier"},
        opens_at=_ts(-60),
        closes_at=_ts(3600),
        eligibility=P.ANYONE,
        questions=questions(),
    )
    # A wrong draft is refused with its reason, never stored.
    bad = P.ConsultationDraft(
        office_id=TETOUAN, title={"fr": "x"}, opens_at=_ts(10), closes_at=_ts(5), eligibility=P.ANYONE
    )
    assert refused(lambda: part.CreateConsultation(bad, metadata=clerk, timeout=30)) == (
        grpc.StatusCode.INVALID_ARGUMENT,
        "CLOSES_BEFORE_OPENING",
    )
    created = part.CreateConsultation(draft, metadata=clerk, timeout=30)
    assert created.status == "draft" and created.office_id == office_id
    consultation_id = created.consultation_id
    # A draft is the office's: nobody else sees it, nor answers it.
    relay = relay_metadata(platform)
    ref = P.ConsultationRef(consultation_id=consultation_id)
    assert refused(lambda: part.GetConsultation(ref, metadata=relay, timeout=30))[0] == grpc.StatusCode.NOT_FOUND
    # Its closing is brought near while it is a draft, then it is published and opens at once.
    draft.consultation_id = consultation_id
    draft.closes_at.CopyFrom(_ts(25))
    part.UpdateConsultation(draft, metadata=clerk, timeout=30)
    published = part.PublishConsultation(ref, metadata=clerk, timeout=30)
    assert published.status == "open"
    assert refused(lambda: part.UpdateConsultation(draft, metadata=clerk, timeout=30)) == (
        grpc.StatusCode.FAILED_PRECONDITION,
        "CONSULTATION_PUBLISHED",
    )
    q = {question.question_id: question for question in published.questions}
    single, multiple, ranking, free = (question.question_id for question in published.questions)
    opts = {qid: [o.option_id for o in q[qid].options] for qid in q}

    # Seven people answer: five signed in (two asking to be told), two through the platform with a ballot.
    texts = [SAME, "plus d’arbres dans les rues !", "PLUS D'ARBRES DANS LES RUES", SAME, "Plus d'arbres, dans les rues"]
    texts += ["Un marché couvert", "Des bancs"]
    sheets = []
    for n in range(ANSWERS):
        sheet = {
            single: [opts[single][n % 2]],
            multiple: opts[multiple][: 1 + n % 3],
            ranking: opts[ranking][n % 3 :] + opts[ranking][: n % 3],
        }
        sheets.append(sheet)
        answers = [P.QuestionAnswer(question_id=k, option_ids=v) for k, v in sheet.items()]
        answers.append(P.QuestionAnswer(question_id=free, text=texts[n]))
        request = P.AnswerRequest(consultation_id=consultation_id, answers=answers, notify_me=n < 2, language="zgh")
        if n < 5:
            person = crew[("amina", "youssef", "karima", "omar", "salma")[n]]
            part.Answer(request, metadata=person.metadata, timeout=30)
        else:
            request.ballot = secrets.token_urlsafe(24)
            part.Answer(request, metadata=relay, timeout=30)
            again = refused(lambda: part.Answer(request, metadata=relay, timeout=30))
            assert again == (grpc.StatusCode.ALREADY_EXISTS, "ALREADY_ANSWERED")
    # One answer per person; a ranking that leaves an option out, two single choices: refused.
    again = request_for(consultation_id, free, sheets[0])
    assert refused(lambda: part.Answer(again, metadata=crew["amina"].metadata))[1] == "ALREADY_ANSWERED"
    half_ranked = request_for(consultation_id, free, {**sheets[0], ranking: opts[ranking][:2]})
    assert refused(lambda: part.Answer(half_ranked, metadata=relay))[1] == "RANK_EVERY_OPTION"
    two = request_for(consultation_id, free, {**sheets[0], single: opts[single]})
    assert refused(lambda: part.Answer(two, metadata=relay))[1] == "ONE_OPTION"
    # Results are published at closing: before, the public is told so.
    assert refused(lambda: part.GetResults(ref, metadata=relay, timeout=30)) == (
        grpc.StatusCode.FAILED_PRECONDITION,
        "RESULTS_NOT_PUBLISHED",
    )

    closed = eventually(
        lambda: (c := part.GetConsultation(ref, metadata=relay, timeout=30)).status == "closed" and c,
        timeout=60,
        what="the consultation's closing",
    )
    assert closed.participants == ANSWERS
    results = part.GetResults(ref, metadata=relay, timeout=30)
    by_q = {r.question_id: r for r in results.questions}
    assert results.participants == ANSWERS and results.fold_under == 5
    expected = collections.Counter(o for s in sheets for o in s[single])
    assert {o.option_id: o.count for o in by_q[single].options} == {o: expected[o] for o in opts[single]}
    expected = collections.Counter(o for s in sheets for o in s[multiple])
    assert {o.option_id: o.count for o in by_q[multiple].options} == {o: expected[o] for o in opts[multiple]}
    points = collections.Counter()
    for s in sheets:
        for place, o in enumerate(s[ranking]):
            points[o] += len(s[ranking]) - 1 - place
    assert {o.option_id: o.points for o in by_q[ranking].options} == dict(points)
    assert sum(o.first for o in by_q[ranking].options) == ANSWERS
    # Free text: the five alike are one group, shown; the two single ideas are counted, never shown.
    assert [(g.count) for g in by_q[free].groups] == [5] and by_q[free].folded == 2
    public = requests.get(f"{platform.base_url}/consultations/{consultation_id}?lang=zgh", timeout=30).text
    assert "ⵜⵉⵢⴰⴼⵓⵜⵉⵏ" in public and "Un marché couvert" not in public and "Des bancs" not in public
    assert "ⴰⵙⵇⵙⵉ ⵖⴼ ⵓⴳⵔⴰⵡ" in public

    # The office's response: what will be done, then what was done, with dates.
    part.AddResponse(
        P.ResponseEntry(
            consultation_id=consultation_id, stage="planned", text={"fr": "Planter 200 arbres"}, on_date="2027-03-01"
        ),
        metadata=clerk,
        timeout=30,
    )
    answered = part.AddResponse(
        P.ResponseEntry(
            consultation_id=consultation_id, stage="done", text={"ar": "غُرست 200 شجرة"}, on_date="2027-04-15"
        ),
        metadata=clerk,
        timeout=30,
    )
    assert [(r.stage, r.on_date) for r in answered.responses] == [("planned", "2027-03-01"), ("done", "2027-04-15")]
    page = requests.get(f"{platform.base_url}/consultations/{consultation_id}?lang=ar", timeout=30).text
    assert "غُرست 200 شجرة" in page and "2027-04-15" in page

    # The two who asked are told, in the catalogue's words; the others are not.
    def told(person):
        r = get(platform, "/api/v1/me/notifications", person.token, page_size=100)
        return [i for i in r.json()["items"] if i["kind"] in ("consultation.closed", "consultation.responded")]

    kinds = eventually(
        lambda: {i["kind"] for i in told(crew["amina"])} == {"consultation.closed", "consultation.responded"},
        timeout=60,
        what="amina's notices",
    )
    assert kinds and told(crew["karima"]) == []

    # The events say what happened, naming nobody.
    engine = sa.create_engine(infra.database_url("participation"), poolclass=sa.pool.NullPool)
    with engine.connect() as conn:
        rows = (
            conn.execute(sa.text("select * from outbox_events where key = :c"), {"c": consultation_id}).mappings().all()
        )
        answer_rows = conn.execute(
            sa.text("select citizen_id from answers where consultation_id = :c"), {"c": consultation_id}
        ).all()
    engine.dispose()
    payloads = b"".join(bytes(r["value"]) for r in rows)
    assert payloads and rows
    for person in crew.values():
        assert person.citizen_id.encode() not in payloads and person.email.encode() not in payloads
    assert sorted(r[0] is None for r in answer_rows) == [False] * 5 + [True] * 2


def request_for(consultation_id, free, sheet=None):
    answers = [P.QuestionAnswer(question_id=k, option_ids=v) for k, v in (sheet or {}).items()]
    answers.append(P.QuestionAnswer(question_id=free, text="encore"))
    return P.AnswerRequest(consultation_id=consultation_id, answers=answers, ballot=secrets.token_urlsafe(24))


def test_who_may_take_part_residents_verified_anyone(platform, crew, part):
    clerk = crew["clerk"].metadata
    known = offices(platform)
    for eligibility in (P.RESIDENTS, P.VERIFIED):
        created = part.CreateConsultation(
            P.ConsultationDraft(
                office_id=TETOUAN,
                title={"fr": f"Consultation réservée {eligibility}"},
                opens_at=_ts(-5),
                closes_at=_ts(3600),
                eligibility=eligibility,
                questions=[P.Question(kind=P.FREE_TEXT, prompt={"fr": "Votre avis ?"})],
            ),
            metadata=clerk,
            timeout=30,
        )
        part.PublishConsultation(P.ConsultationRef(consultation_id=created.consultation_id), metadata=clerk)
        question = created.questions[0].question_id
        answer = P.AnswerRequest(
            consultation_id=created.consultation_id,
            answers=[P.QuestionAnswer(question_id=question, text="D'accord")],
            ballot=secrets.token_urlsafe(24),
        )
        assert refused(lambda: part.Answer(answer, metadata=relay_metadata(platform))) == (
            grpc.StatusCode.FAILED_PRECONDITION,
            "SIGN_IN_TO_TAKE_PART",
        )
        if eligibility == P.RESIDENTS:
            answer.residence_commune = known["martil"]["commune_code"]
            assert refused(lambda: part.Answer(answer, metadata=crew["omar"].metadata))[1] == "RESIDENTS_ONLY"
            answer.residence_commune = known[TETOUAN]["commune_code"]
        part.Answer(answer, metadata=crew["omar"].metadata, timeout=30)


def close_a_request(platform, clerk) -> str:
    """A complaint filed through the portal's API, then acknowledged, answered and closed by the
    office: its tracking code."""
    r = requests.post(
        f"{platform.base_url}/api/v1/tickets",
        data={
            "office": TETOUAN,
            "kind": "complaint",
            "category": "lighting",
            "description": "Lampadaire éteint rue des Orfèvres, à réparer",
            "language": "fr",
        },
        timeout=30,
    )
    assert r.status_code == 201, r.text
    ticket_id, code = r.json()["ticket_id"], r.json()["tracking_code"]
    with grpc.insecure_channel(platform.grpc_target("tickets")) as channel:
        tickets = TicketsServiceStub(channel)
        for action, extra in (
            ("acknowledge", {}),
            ("start", {}),
            ("answer", {"answer": "Réparé", "outcome": "positive"}),
            ("close", {}),
        ):
            tickets.Transition(T.TransitionRequest(ticket_id=ticket_id, action=action, **extra), metadata=clerk)
    return code


def test_surveys_after_a_closed_request_and_at_a_workshop_count_into_the_offices_figures(platform, crew, part):
    clerk = crew["clerk"].metadata
    relay = relay_metadata(platform)
    before = part.GetOfficeFigures(P.OfficeFiguresRequest(office_id=TETOUAN), metadata=relay)
    base = {f.context: f.answers for f in before.surveys}
    code = close_a_request(platform, clerk)
    track = requests.get(f"{platform.base_url}/track", params={"code": code, "lang": "zgh"}, timeout=30).text
    assert 'id="survey"' in track and "ⵉⵏⵉⵜ ⴰⵖ ⵎⴰⵎⴽ ⵉⵣⵔⵉ" in track
    scores = {"speed": 4, "clarity": 5, "courtesy": 3}
    survey = P.SurveyAnswer(context="request", tracking_code=code, scores=scores, yes=True, comment="Merci")
    receipt = part.AnswerSurvey(survey, metadata=relay, timeout=30)
    assert receipt.office_id == offices(platform)[TETOUAN]["office_id"]
    assert refused(lambda: part.AnswerSurvey(survey, metadata=relay))[1] == "ALREADY_ANSWERED"
    partial = P.SurveyAnswer(context="request", tracking_code=code, scores={"speed": 4}, yes=True)
    assert refused(lambda: part.AnswerSurvey(partial, metadata=relay)) == (
        grpc.StatusCode.INVALID_ARGUMENT,
        "SCORES_REQUIRED",
    )

    # A strategic workshop in the office's activity log, and five of its participants answer.
    with grpc.insecure_channel(platform.grpc_target("registry")) as channel:
        activity = RegistryServiceStub(channel).RecordActivity(
            R.RecordActivityRequest(
                activity=R.Activity(
                    office_id=TETOUAN,
                    kind="strategic_workshop",
                    theme="participation",
                    held_on=dt.date.today().isoformat(),
                    place="Salle de la commune",
                    title="Atelier participation",
                    participants=R.Participants(women=3, men=2),
                )
            ),
            metadata=clerk,
            timeout=30,
        )
    given = [(5, 4, True), (4, 4, True), (3, 5, False), (5, 5, True), (4, 3, True)]
    for useful, well_run, again in given:
        part.AnswerSurvey(
            P.SurveyAnswer(
                context="workshop",
                office_id=TETOUAN,
                activity_id=activity.activity_id,
                scores={"useful": useful, "well_run": well_run},
                yes=again,
                ballot=secrets.token_urlsafe(24),
            ),
            metadata=relay,
            timeout=30,
        )
    figures = {
        f.context: f for f in part.GetOfficeFigures(P.OfficeFiguresRequest(office_id=TETOUAN), metadata=relay).surveys
    }
    assert figures["request"].answers == base.get("request", 0) + 1
    workshop = figures["workshop"]
    assert workshop.answers == base.get("workshop", 0) + 5
    if base.get("workshop", 0) == 0:  # the averages are those of the five answers just given
        assert dict(workshop.averages) == pytest.approx(
            {"useful": sum(g[0] for g in given) / 5, "well_run": sum(g[1] for g in given) / 5}
        )
        assert workshop.yes_share == pytest.approx(0.8)
    if base.get("request", 0) + 1 < 5:  # fewer than five answers: no averages shown
        assert dict(figures["request"].averages) == {} and figures["request"].yes_share == -1
    # The office's public page counts them as participation does.
    page = requests.get(f"{platform.base_url}/offices/{TETOUAN}?lang=fr", timeout=30).text
    block = page.split('id="participation"')[1].split("</dl>")[0]
    assert f'<dd dir="ltr">{workshop.answers}</dd>' in block
    assert f'<dd dir="ltr">{figures["request"].answers}</dd>' in block


def test_a_proposal_reaches_its_threshold_and_becomes_a_petition_with_its_follow_up(platform, crew, part):
    clerk = crew["clerk"].metadata
    part.SetProposalRules(P.ProposalRules(office_id=TETOUAN, threshold=3, window_days=30), metadata=clerk)
    author = crew["youssef"]
    title = f"Un jardin public près du marché {secrets.token_hex(3)}"
    posted = part.PostProposal(
        P.ProposalDraft(
            office_id=TETOUAN, title=title, body="Avec des bancs et des arbres", language="fr", notify_me=True
        ),
        metadata=author.metadata,
        timeout=30,
    )
    assert (posted.status, posted.threshold, posted.supports) == ("collecting", 3, 0)
    ref = P.ProposalRef(proposal_id=posted.proposal_id)
    # The same idea typed again is suggested before a second one is posted.
    similar = part.SimilarProposals(
        P.SimilarRequest(office_id=TETOUAN, title="Jardin public près du marché", body="des arbres"),
        metadata=crew["amina"].metadata,
    )
    assert posted.proposal_id in [p.proposal_id for p in similar.proposals]
    assert refused(lambda: part.SupportProposal(ref, metadata=author.metadata))[1] == "OWN_PROPOSAL"
    assert refused(lambda: part.SupportProposal(ref, metadata=relay_metadata(platform)))[1] == "SIGN_IN_REQUIRED"
    replies = [part.SupportProposal(ref, metadata=crew[n].metadata, timeout=30) for n in ("amina", "karima")]
    assert [r.supports for r in replies] == [1, 2] and replies[-1].status == "collecting"
    assert refused(lambda: part.SupportProposal(ref, metadata=crew["amina"].metadata))[1] == "ALREADY_SUPPORTED"
    reached = part.SupportProposal(ref, metadata=crew["omar"].metadata, timeout=30)
    assert (reached.supports, reached.status) == (3, "reached")

    forwarded = eventually(
        lambda: (p := part.GetProposal(ref, metadata=relay_metadata(platform))).status == "forwarded" and p,
        timeout=60,
        what="the proposal filed with the office",
    )
    with grpc.insecure_channel(platform.grpc_target("tickets")) as channel:
        tickets = TicketsServiceStub(channel)
        request = tickets.TrackByCode(T.TrackByCodeRequest(tracking_code=forwarded.tracking_code), metadata=clerk)
        assert request.kind == T.PETITION and request.status == "filed"
        # The petition's follow-up under Organic Law 113-14 is the one tickets runs for petitions.
        moved = tickets.Transition(
            T.TransitionRequest(ticket_id=request.ticket_id, action="open_signatures"), metadata=clerk
        )
        assert moved.status == "collecting_signatures"
        details = tickets.Get(T.GetTicketRequest(ticket_id=request.ticket_id), metadata=clerk)
        assert details.office_id == offices(platform)[TETOUAN]["office_id"]
    # No further support once filed; the author is told, with the tracking code.
    assert refused(lambda: part.SupportProposal(ref, metadata=crew["salma"].metadata))[1] == "PROPOSAL_NOT_COLLECTING"

    def notice():
        r = get(platform, "/api/v1/me/notifications", author.token, page_size=100)
        return [i for i in r.json()["items"] if i["kind"] == "proposal.forwarded"]

    found = eventually(notice, timeout=60, what="the author's notice")
    assert forwarded.tracking_code in found[0]["subject"]


def test_moderation_withdraws_a_proposals_text_from_the_public(platform, crew, part):
    clerk = crew["clerk"].metadata
    posted = part.PostProposal(
        P.ProposalDraft(office_id=TETOUAN, title="Texte injurieux", body="Des propos à retirer", language="fr"),
        metadata=crew["salma"].metadata,
    )
    ref = P.ProposalRef(proposal_id=posted.proposal_id)
    bare = P.ModerateProposalRequest(proposal_id=posted.proposal_id, hidden=True)
    assert refused(lambda: part.ModerateProposal(bare, metadata=clerk))[1] == "REASON_REQUIRED"
    assert (
        refused(lambda: part.ModerateProposal(bare, metadata=crew["amina"].metadata))[0]
        == grpc.StatusCode.PERMISSION_DENIED
    )
    bare.reason = "Propos injurieux"
    assert part.ModerateProposal(bare, metadata=clerk).status == "hidden"
    public = part.GetProposal(ref, metadata=relay_metadata(platform))
    assert (public.status, public.title, public.body, public.moderation_reason) == (
        "hidden",
        "",
        "",
        "Propos injurieux",
    )
    listed = part.ListProposals(P.ListProposalsRequest(office_id=TETOUAN), metadata=relay_metadata(platform))
    assert posted.proposal_id not in [p.proposal_id for p in listed.proposals]
    assert refused(lambda: part.SupportProposal(ref, metadata=crew["amina"].metadata))[1] == "PROPOSAL_HIDDEN"


def test_my_data_holds_my_participation_and_erasure_unlinks_it(platform, infra, infra_backend, crew, part):
    person = people(platform, infra_backend, {"leila": None})["leila"]
    created = part.CreateConsultation(
        P.ConsultationDraft(
            office_id=TETOUAN,
            title={"fr": "Consultation à effacer"},
            opens_at=_ts(-5),
            closes_at=_ts(3600),
            eligibility=P.VERIFIED,
            questions=[P.Question(kind=P.FREE_TEXT, prompt={"fr": "Votre avis ?"})],
        ),
        metadata=crew["clerk"].metadata,
    )
    part.PublishConsultation(
        P.ConsultationRef(consultation_id=created.consultation_id), metadata=crew["clerk"].metadata
    )
    answer = P.AnswerRequest(
        consultation_id=created.consultation_id,
        answers=[P.QuestionAnswer(question_id=created.questions[0].question_id, text="Mon avis à moi")],
        notify_me=True,
    )
    part.Answer(answer, metadata=person.metadata)
    posted = part.PostProposal(
        P.ProposalDraft(office_id=TETOUAN, title="Ma proposition", body="Un texte à moi"), metadata=person.metadata
    )
    r = get(platform, "/api/v1/me/data", person.token)
    assert r.status_code == 200, r.text
    data = r.json()["participation"]
    assert [a["answers"] for a in data["consultation_answers"]] == [
        {created.questions[0].question_id: "Mon avis à moi"}
    ]
    assert [p["proposal_id"] for p in data["proposals"]] == [posted.proposal_id]
    token = person.token
    r = requests.delete(f"{platform.base_url}/api/v1/me", headers={"Authorization": f"Bearer {token}"}, timeout=30)
    assert r.status_code in (200, 202), r.text
    engine = sa.create_engine(infra.database_url("participation"), poolclass=sa.pool.NullPool)

    def unlinked():
        with engine.connect() as conn:
            left = conn.execute(
                sa.text(
                    "select (select count(*) from answers where citizen_id = :p)"
                    " + (select count(*) from proposals where author_id = :p)"
                    " + (select count(*) from subscriptions where citizen_id = :p)"
                ),
                {"p": person.citizen_id},
            ).scalar()
            kept = conn.execute(
                sa.text("select count(*) from answers where consultation_id = :c"), {"c": created.consultation_id}
            ).scalar()
        return left == 0 and kept == 1

    try:
        eventually(unlinked, timeout=60, what="the person's participation unlinked, their answer still counted")
    finally:
        engine.dispose()
    ref = P.ConsultationRef(consultation_id=created.consultation_id)
    assert part.GetConsultation(ref, metadata=relay_metadata(platform)).participants == 1
