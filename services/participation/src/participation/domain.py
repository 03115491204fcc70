"""The rules of participation, in plain Python: what a consultation must hold, when it is open,
what a valid answer is, how results are counted and folded, how surveys are scored, and when a
proposal has enough support to go to the office as a petition-like request.

No I/O here: the service reads and writes the rows, these functions decide.
"""

from __future__ import annotations

import collections
import dataclasses
import datetime as dt
import re
import unicodedata

from cokit.refusals import failed_precondition, invalid_argument

LANGUAGES = ("ar", "zgh", "fr", "en")  # a text may be given in any of them, one at least
KINDS = ("single_choice", "multiple_choice", "ranking", "free_text")
ELIGIBILITY = ("anyone", "residents", "verified")
# Free-text answers are published only as groups of this many identical answers or more, and a
# survey's averages only once this many people answered: a smaller group could point to a person.
FOLD_UNDER = 5
MAX_QUESTIONS = 20
MAX_OPTIONS = 12
MAX_TITLE = 200
MAX_DESCRIPTION = 5000
MAX_FREE_TEXT = 2000
MAX_PROPOSAL_BODY = 5000
RESPONSE_STAGES = ("planned", "done")
# A proposal's defaults until the office sets its own rules.
DEFAULT_THRESHOLD = 100
DEFAULT_WINDOW_DAYS = 90
MAX_WINDOW_DAYS = 365
# The questions of each survey, scored 1..5, and what its yes/no question asks.
SURVEY_QUESTIONS = {
    "request": ("speed", "clarity", "courtesy"),  # yes: the problem was solved
    "workshop": ("useful", "well_run"),  # yes: would come to the next one
}
SURVEY_OPEN_DAYS = 30
# The subject a proposal is filed under as a petition: the catalogue's petition to the council.
PETITION_CATEGORY = "council"  # a survey takes answers this long after the request closed or the workshop


def _texts(name: str, given: dict[str, str], limit: int, required: bool = True) -> dict[str, str]:
    texts = {}
    for lang, text in given.items():
        if lang not in LANGUAGES:
            raise invalid_argument("LANGUAGE_UNKNOWN", f"{name}: {lang!r} is not one of {', '.join(LANGUAGES)}")
        text = text.strip()
        if len(text) > limit:
            raise invalid_argument("TEXT_TOO_LONG", f"{name} is at most {limit} characters", field=name, limit=limit)
        if text:
            texts[lang] = text
    if required and not texts:
        raise invalid_argument("TEXT_REQUIRED", f"{name} is needed in one language at least", field=name)
    return texts


@dataclasses.dataclass(frozen=True)
class Option:
    option_id: str
    label: dict[str, str]


@dataclasses.dataclass(frozen=True)
class Question:
    question_id: str
    kind: str
    prompt: dict[str, str]
    options: tuple[Option, ...] = ()


@dataclasses.dataclass(frozen=True)
class Draft:
    title: dict[str, str]
    description: dict[str, str]
    opens_at: dt.datetime
    closes_at: dt.datetime
    eligibility: str
    questions: tuple[Question, ...]


def check_draft(draft: Draft) -> Draft:
    """The draft as it will be kept, or the first thing wrong with it."""
    title = _texts("title", draft.title, MAX_TITLE)
    description = _texts("description", draft.description, MAX_DESCRIPTION, required=False)
    if draft.eligibility not in ELIGIBILITY:
        raise invalid_argument("ELIGIBILITY_UNKNOWN", "eligibility is anyone, residents or verified")
    if draft.opens_at is None or draft.closes_at is None:
        raise invalid_argument("DATES_REQUIRED", "a consultation has an opening and a closing date")
    if draft.closes_at <= draft.opens_at:
        raise invalid_argument("CLOSES_BEFORE_OPENING", "the closing date comes after the opening date")
    if not draft.questions:
        raise invalid_argument("QUESTIONS_REQUIRED", "a consultation asks one question at least")
    if len(draft.questions) > MAX_QUESTIONS:
        raise invalid_argument("TOO_MANY_QUESTIONS", f"at most {MAX_QUESTIONS} questions", limit=MAX_QUESTIONS)
    questions = []
    for number, q in enumerate(draft.questions, 1):
        if q.kind not in KINDS:
            raise invalid_argument("QUESTION_KIND_UNKNOWN", f"question {number}: choose a kind of question")
        prompt = _texts(f"question {number}", q.prompt, MAX_TITLE * 2)
        options = tuple(
            Option(o.option_id, _texts(f"question {number}, option {i}", o.label, MAX_TITLE))
            for i, o in enumerate(q.options, 1)
        )
        if q.kind == "free_text" and options:
            raise invalid_argument("FREE_TEXT_HAS_NO_OPTIONS", f"question {number} is free text: no options")
        if q.kind != "free_text" and not 2 <= len(options) <= MAX_OPTIONS:
            raise invalid_argument(
                "OPTIONS_COUNT", f"question {number} needs 2 to {MAX_OPTIONS} options", limit=MAX_OPTIONS
            )
        questions.append(Question(q.question_id, q.kind, prompt, options))
    return dataclasses.replace(draft, title=title, description=description, questions=tuple(questions))


def status(published: bool, opens_at: dt.datetime, closes_at: dt.datetime, now: dt.datetime) -> str:
    if not published:
        return "draft"
    if now < opens_at:
        return "scheduled"
    if now < closes_at:
        return "open"
    return "closed"


# --- answers -------------------------------------------------------------------------------


def check_answers(questions: tuple[Question, ...], given: dict[str, tuple[tuple[str, ...], str]]) -> dict:
    """`given`: question id -> (option ids, text). Every question is answered, each in its kind's
    shape; the answers as they are kept: question id -> list of option ids, or the text."""
    known = {q.question_id for q in questions}
    if set(given) - known:
        raise invalid_argument("QUESTION_UNKNOWN", "an answer names a question this consultation does not ask")
    kept = {}
    for number, q in enumerate(questions, 1):
        options, text = given.get(q.question_id, ((), ""))
        ids = [o.option_id for o in q.options]
        if q.kind == "free_text":
            text = (text or "").strip()
            if not text:
                raise invalid_argument("ANSWER_REQUIRED", f"answer question {number}", question=q.question_id)
            if len(text) > MAX_FREE_TEXT:
                raise invalid_argument("TEXT_TOO_LONG", f"question {number}: at most {MAX_FREE_TEXT} characters")
            kept[q.question_id] = text
            continue
        chosen = list(options)
        if not chosen:
            raise invalid_argument("ANSWER_REQUIRED", f"answer question {number}", question=q.question_id)
        if any(c not in ids for c in chosen) or len(set(chosen)) != len(chosen):
            raise invalid_argument("OPTION_UNKNOWN", f"question {number}: choose among its options")
        if q.kind == "single_choice" and len(chosen) != 1:
            raise invalid_argument("ONE_OPTION", f"question {number}: choose one option")
        if q.kind == "ranking" and sorted(chosen) != sorted(ids):
            raise invalid_argument("RANK_EVERY_OPTION", f"question {number}: rank every option, each once")
        kept[q.question_id] = chosen
    return kept


def check_eligibility(eligibility: str, signed_in: bool, commune_code: str, declared_commune: str) -> None:
    if eligibility == "anyone":
        return
    if not signed_in:
        raise failed_precondition("SIGN_IN_TO_TAKE_PART", "sign in to take part in this consultation")
    if eligibility == "residents" and declared_commune != commune_code:
        raise failed_precondition(
            "RESIDENTS_ONLY", "this consultation is for the residents of its commune", commune=commune_code
        )


def check_open(state: str) -> None:
    if state != "open":
        raise failed_precondition("CONSULTATION_NOT_OPEN", "this consultation does not take answers now", status=state)


# --- results -------------------------------------------------------------------------------

_SPACES = re.compile(r"\s+")
_MARKS = re.compile(r"[\u064b-\u065f\u0670\u0640]")  # Arabic diacritics and tatweel
_PUNCT = re.compile(r"[^\w\s]")


def text_group(text: str) -> str:
    """Answers that differ only in case, spacing, accents, punctuation or Arabic diacritics
    are one group."""
    plain = unicodedata.normalize("NFKD", text.casefold())
    plain = "".join(c for c in plain if not unicodedata.combining(c))
    plain = _MARKS.sub("", plain)
    return _SPACES.sub(" ", _PUNCT.sub(" ", plain)).strip()


def tally(questions: tuple[Question, ...], answers: list[dict]) -> dict:
    """Counts for each question over every answer sheet (question id -> kept answer). Free
    text appears only as groups of FOLD_UNDER identical answers or more; the rest is a count."""
    out = {"participants": len(answers), "questions": []}
    for q in questions:
        given = [a[q.question_id] for a in answers if q.question_id in a]
        result = {"question_id": q.question_id, "answered": len(given), "options": [], "groups": [], "folded": 0}
        if q.kind == "free_text":
            groups: dict[str, list[str]] = collections.defaultdict(list)
            for text in given:
                groups[text_group(text)].append(text)
            for members in sorted(groups.values(), key=lambda m: (-len(m), m[0])):
                if len(members) >= FOLD_UNDER:
                    shown = collections.Counter(members).most_common(1)[0][0]
                    result["groups"].append({"text": shown, "count": len(members)})
                else:
                    result["folded"] += len(members)
        else:
            n = len(q.options)
            for o in q.options:
                result["options"].append(
                    {
                        "option_id": o.option_id,
                        "count": sum(o.option_id in g for g in given),
                        "first": sum(bool(g) and g[0] == o.option_id for g in given) if q.kind == "ranking" else 0,
                        "points": sum(n - 1 - g.index(o.option_id) for g in given if o.option_id in g)
                        if q.kind == "ranking"
                        else 0,
                    }
                )
        out["questions"].append(result)
    return out


def check_response(state: str, stage: str, text: dict[str, str], on_date: str) -> tuple[dict[str, str], dt.date]:
    if state != "closed":
        raise failed_precondition("CONSULTATION_NOT_CLOSED", "the office responds to results once it has closed")
    if stage not in RESPONSE_STAGES:
        raise invalid_argument("STAGE_UNKNOWN", "a response says what will be done (planned) or what was done (done)")
    try:
        day = dt.date.fromisoformat(on_date)
    except ValueError:
        raise invalid_argument("DATE_INVALID", "the date is YYYY-MM-DD", field="on_date") from None
    return _texts("response", text, MAX_DESCRIPTION), day


# --- surveys -------------------------------------------------------------------------------


def check_survey(context: str, scores: dict[str, int], comment: str) -> tuple[dict[str, int], str]:
    if context not in SURVEY_QUESTIONS:
        raise invalid_argument("SURVEY_UNKNOWN", "a survey follows a closed request or a workshop")
    asked = SURVEY_QUESTIONS[context]
    if set(scores) != set(asked):
        raise invalid_argument("SCORES_REQUIRED", "answer every question of the survey", questions=",".join(asked))
    if any(not 1 <= s <= 5 for s in scores.values()):
        raise invalid_argument("SCORE_RANGE", "each score is from 1 to 5")
    comment = comment.strip()
    if len(comment) > MAX_FREE_TEXT:
        raise invalid_argument("TEXT_TOO_LONG", f"the comment is at most {MAX_FREE_TEXT} characters")
    return {q: int(scores[q]) for q in asked}, comment


def survey_open(ended_on: dt.date, today: dt.date) -> None:
    if today > ended_on + dt.timedelta(days=SURVEY_OPEN_DAYS):
        raise failed_precondition("SURVEY_CLOSED", f"a survey takes answers for {SURVEY_OPEN_DAYS} days")


def survey_figures(context: str, rows: list[dict]) -> dict:
    """Answers counted; averages and the share of yes only from FOLD_UNDER answers on."""
    shown = len(rows) >= FOLD_UNDER
    return {
        "context": context,
        "answers": len(rows),
        "averages": {q: round(sum(r["scores"][q] for r in rows) / len(rows), 2) for q in SURVEY_QUESTIONS[context]}
        if shown
        else {},
        "yes_share": round(sum(bool(r["yes"]) for r in rows) / len(rows), 3) if shown else -1.0,
    }


# --- proposals -----------------------------------------------------------------------------


def check_rules(threshold: int, window_days: int) -> None:
    if threshold < 1:
        raise invalid_argument("THRESHOLD_RANGE", "a proposal needs one support at least", field="threshold")
    if not 1 <= window_days <= MAX_WINDOW_DAYS:
        raise invalid_argument("WINDOW_RANGE", f"the window is 1 to {MAX_WINDOW_DAYS} days", field="window_days")


def check_proposal(title: str, body: str, language: str) -> tuple[str, str, str]:
    title, body = title.strip(), body.strip()
    if not title or not body:
        raise invalid_argument("TEXT_REQUIRED", "a proposal has a title and a text")
    if len(title) > MAX_TITLE or len(body) > MAX_PROPOSAL_BODY:
        raise invalid_argument("TEXT_TOO_LONG", f"title at most {MAX_TITLE}, text at most {MAX_PROPOSAL_BODY}")
    return title, body, language if language in LANGUAGES else "ar"


def proposal_status(status: str, supports: int, threshold: int, until: dt.datetime, now: dt.datetime) -> str:
    """collecting -> reached once supports reach the threshold before `until` (then forwarded,
    once the request is filed with the office), or expired after `until`."""
    if status != "collecting":
        return status
    if supports >= threshold:
        return "reached"
    if now >= until:
        return "expired"
    return "collecting"


def check_support(status: str, author: str, supporter: str, now: dt.datetime, until: dt.datetime) -> None:
    if status == "hidden":
        raise failed_precondition("PROPOSAL_HIDDEN", "this proposal was withdrawn by moderation")
    if status != "collecting" or now >= until:
        raise failed_precondition("PROPOSAL_NOT_COLLECTING", "this proposal no longer takes supports", status=status)
    if author == supporter:
        raise failed_precondition("OWN_PROPOSAL", "the author of a proposal supports it already")


def petition_text(title: str, body: str, supports: int, posted: dt.date, reached: dt.date) -> str:
    """The petition-like request's description: what the office receives (no supporter named)."""
    return (
        f"{title}\n\n{body}\n\n"
        f"[{supports} supports between {posted.isoformat()} and {reached.isoformat()}; citizen proposal]"
    )


_WORD = re.compile(r"[^\W_]{3,}")


def words(text: str) -> set[str]:
    return set(_WORD.findall(text_group(text)))


def similarity(a: str, b: str) -> float:
    """Share of words in common (Jaccard) between two proposals' titles and texts."""
    wa, wb = words(a), words(b)
    return len(wa & wb) / len(wa | wb) if wa and wb else 0.0


SIMILAR_FROM = 0.3
