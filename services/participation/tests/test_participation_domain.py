"""The rules of consultations, surveys and proposals, without a database or a transport."""

from __future__ import annotations

import datetime as dt

import pytest

from cokit.refusals import Refusal
from participation import domain

UTC = dt.timezone.utc
T0 = dt.datetime(2026, 12, 1, 9, tzinfo=UTC)
CHOICES = (domain.Option("a", {"fr": "A"}), domain.Option("b", {"fr": "B"}), domain.Option("c", {"fr": "C"}))
QUESTIONS = (
    domain.Question("one", "single_choice", {"ar": "؟"}, CHOICES),
    domain.Question("many", "multiple_choice", {"zgh": "ⵎⴰⵏⵉ?"}, CHOICES),
    domain.Question("rank", "ranking", {"fr": "Classez"}, CHOICES),
    domain.Question("free", "free_text", {"en": "Why?"}),
)


def draft(**changes) -> domain.Draft:
    base = dict(
        title={"ar": "استشارة", "zgh": "ⴰⵙⵎⵓⵏ"},
        description={},
        opens_at=T0,
        closes_at=T0 + dt.timedelta(days=14),
        eligibility="anyone",
        questions=QUESTIONS,
    )
    return domain.Draft(**{**base, **changes})


def reason(call) -> str:
    with pytest.raises(Refusal) as refused:
        call()
    return refused.value.reason


def test_a_draft_in_any_of_the_four_languages_is_kept_trimmed():
    kept = domain.check_draft(draft(title={"zgh": "  ⴰⵙⵎⵓⵏ  ", "fr": ""}))
    assert kept.title == {"zgh": "ⴰⵙⵎⵓⵏ"} and len(kept.questions) == 4


@pytest.mark.parametrize(
    "changes, expected",
    [
        ({"title": {}}, "TEXT_REQUIRED"),
        ({"title": {"de": "Umfrage"}}, "LANGUAGE_UNKNOWN"),
        ({"closes_at": T0}, "CLOSES_BEFORE_OPENING"),
        ({"eligibility": "everyone"}, "ELIGIBILITY_UNKNOWN"),
        ({"questions": ()}, "QUESTIONS_REQUIRED"),
        ({"questions": (domain.Question("q", "single_choice", {"fr": "?"}, CHOICES[:1]),)}, "OPTIONS_COUNT"),
        ({"questions": (domain.Question("q", "free_text", {"fr": "?"}, CHOICES),)}, "FREE_TEXT_HAS_NO_OPTIONS"),
        ({"questions": (domain.Question("q", "vote", {"fr": "?"}, CHOICES),)}, "QUESTION_KIND_UNKNOWN"),
    ],
)
def test_a_wrong_draft_is_refused_with_its_reason(changes, expected):
    assert reason(lambda: domain.check_draft(draft(**changes))) == expected


def test_the_status_follows_the_dates_once_published():
    closes = T0 + dt.timedelta(days=1)
    assert domain.status(False, T0, closes, T0) == "draft"
    assert domain.status(True, T0, closes, T0 - dt.timedelta(seconds=1)) == "scheduled"
    assert domain.status(True, T0, closes, T0) == "open"
    assert domain.status(True, T0, closes, closes) == "closed"


def sheet(one="a", many=("a", "b"), rank=("c", "a", "b"), free="Plus d'arbres"):
    return {"one": ((one,), ""), "many": (many, ""), "rank": (rank, ""), "free": ((), free)}


def test_answers_take_each_questions_shape():
    kept = domain.check_answers(QUESTIONS, sheet())
    assert kept == {"one": ["a"], "many": ["a", "b"], "rank": ["c", "a", "b"], "free": "Plus d'arbres"}


@pytest.mark.parametrize(
    "given, expected",
    [
        (sheet(one="z"), "OPTION_UNKNOWN"),
        ({**sheet(), "one": (("a", "b"), "")}, "ONE_OPTION"),
        (sheet(rank=("a", "b")), "RANK_EVERY_OPTION"),
        (sheet(rank=("a", "a", "b")), "OPTION_UNKNOWN"),
        (sheet(free="   "), "ANSWER_REQUIRED"),
        ({k: v for k, v in sheet().items() if k != "many"}, "ANSWER_REQUIRED"),
        ({**sheet(), "other": (("a",), "")}, "QUESTION_UNKNOWN"),
    ],
)
def test_a_wrong_answer_is_refused(given, expected):
    assert reason(lambda: domain.check_answers(QUESTIONS, given)) == expected


def test_who_may_take_part():
    domain.check_eligibility("anyone", False, "tetouan", "")
    domain.check_eligibility("verified", True, "tetouan", "")
    domain.check_eligibility("residents", True, "tetouan", "tetouan")
    assert reason(lambda: domain.check_eligibility("verified", False, "tetouan", "")) == "SIGN_IN_TO_TAKE_PART"
    assert reason(lambda: domain.check_eligibility("residents", True, "tetouan", "martil")) == "RESIDENTS_ONLY"
    assert reason(lambda: domain.check_open("closed")) == "CONSULTATION_NOT_OPEN"


def test_results_count_every_sheet_and_fold_small_free_text_groups():
    sheets = [domain.check_answers(QUESTIONS, sheet(free="Plus d'arbres !")) for _ in range(4)]
    sheets.append(domain.check_answers(QUESTIONS, sheet(one="b", rank=("a", "b", "c"), free="plus d’arbres")))
    sheets += [domain.check_answers(QUESTIONS, sheet(free=f"Idée {i}")) for i in range(3)]
    counted = domain.tally(QUESTIONS, sheets)
    one, many, rank, free = counted["questions"]
    assert counted["participants"] == 8
    assert {o["option_id"]: o["count"] for o in one["options"]} == {"a": 7, "b": 1, "c": 0}
    assert {o["option_id"]: o["count"] for o in many["options"]} == {"a": 8, "b": 8, "c": 0}
    assert {o["option_id"]: (o["first"], o["points"]) for o in rank["options"]} == {
        "c": (7, 14),
        "a": (1, 9),
        "b": (0, 1),
    }
    # Five answers differing in case, punctuation and apostrophe are one group, shown; the three
    # single ideas are counted, never shown.
    assert free["groups"] == [{"text": "Plus d'arbres !", "count": 5}] and free["folded"] == 3


def test_four_identical_answers_stay_folded():
    sheets = [domain.check_answers(QUESTIONS, sheet(free="ⴰⵎⴰⵏ")) for _ in range(4)]
    free = domain.tally(QUESTIONS, sheets)["questions"][3]
    assert free["groups"] == [] and free["folded"] == 4


def test_the_office_responds_once_closed_with_a_stage_and_a_date():
    text, day = domain.check_response("closed", "planned", {"ar": "سنزرع الأشجار"}, "2027-03-01")
    assert text == {"ar": "سنزرع الأشجار"} and day == dt.date(2027, 3, 1)
    assert (
        reason(lambda: domain.check_response("open", "planned", {"ar": "x"}, "2027-03-01")) == "CONSULTATION_NOT_CLOSED"
    )
    assert reason(lambda: domain.check_response("closed", "later", {"ar": "x"}, "2027-03-01")) == "STAGE_UNKNOWN"
    assert reason(lambda: domain.check_response("closed", "done", {"ar": "x"}, "March")) == "DATE_INVALID"


def test_surveys_score_their_own_questions_and_fold_under_five():
    scores, comment = domain.check_survey("request", {"speed": 4, "clarity": 5, "courtesy": 3}, " merci ")
    assert comment == "merci"
    assert reason(lambda: domain.check_survey("request", {"speed": 4}, "")) == "SCORES_REQUIRED"
    assert reason(lambda: domain.check_survey("workshop", {"useful": 6, "well_run": 1}, "")) == "SCORE_RANGE"
    rows = [{"scores": scores, "yes": True}] * 4
    assert domain.survey_figures("request", rows) == {
        "context": "request",
        "answers": 4,
        "averages": {},
        "yes_share": -1.0,
    }
    rows.append({"scores": {"speed": 1, "clarity": 1, "courtesy": 1}, "yes": False})
    shown = domain.survey_figures("request", rows)
    assert shown["averages"] == {"speed": 3.4, "clarity": 4.2, "courtesy": 2.6} and shown["yes_share"] == 0.8
    domain.survey_open(dt.date(2026, 12, 1), dt.date(2026, 12, 31))
    assert reason(lambda: domain.survey_open(dt.date(2026, 12, 1), dt.date(2027, 1, 1))) == "SURVEY_CLOSED"


def test_a_proposal_reaches_its_threshold_within_its_window_or_expires():
    until = T0 + dt.timedelta(days=90)
    assert domain.proposal_status("collecting", 2, 3, until, T0) == "collecting"
    assert domain.proposal_status("collecting", 3, 3, until, T0) == "reached"
    assert domain.proposal_status("collecting", 2, 3, until, until) == "expired"
    assert domain.proposal_status("hidden", 3, 3, until, T0) == "hidden"
    assert reason(lambda: domain.check_support("collecting", "author", "author", T0, until)) == "OWN_PROPOSAL"
    assert reason(lambda: domain.check_support("expired", "a", "b", T0, until)) == "PROPOSAL_NOT_COLLECTING"
    assert reason(lambda: domain.check_support("hidden", "a", "b", T0, until)) == "PROPOSAL_HIDDEN"
    assert reason(lambda: domain.check_rules(0, 30)) == "THRESHOLD_RANGE"
    assert reason(lambda: domain.check_rules(10, 400)) == "WINDOW_RANGE"


def test_similar_proposals_share_their_words():
    a = "Un jardin public près du marché de Martil"
    assert domain.similarity(a, "Jardin PUBLIC près du marché") >= domain.SIMILAR_FROM
    assert domain.similarity(a, "Éclairage de la corniche la nuit") < domain.SIMILAR_FROM
    assert domain.similarity("حديقة عمومية قرب السوق", "حديقة عمومية") >= domain.SIMILAR_FROM


def test_the_petition_text_names_no_supporter():
    text = domain.petition_text("Jardin", "Au centre", 150, dt.date(2026, 9, 1), dt.date(2026, 11, 2))
    assert text.startswith("Jardin\n\nAu centre") and "150 supports between 2026-09-01 and 2026-11-02" in text
