"""The participation pages' own rules: a ranking read from the form's places, a text in the
reader's language or another one, results beside their option labels, and every page rendered
in the four languages without a key or a value left in."""

from __future__ import annotations

import pytest
from werkzeug.datastructures import MultiDict
from werkzeug.test import EnvironBuilder

from citizenoffice.participation.v1 import participation_pb2 as pb
from comessages import checks
from gateway import portal
from gateway.rooms import participation as pp

QUESTIONS = [
    {"id": "q1", "kind": "single_choice", "options": [{"id": "a"}, {"id": "b"}]},
    {"id": "q2", "kind": "ranking", "options": [{"id": "x"}, {"id": "y"}, {"id": "z"}]},
    {"id": "q3", "kind": "free_text", "options": []},
]


def test_the_form_gives_each_question_its_answer_and_a_ranking_in_the_places_order():
    form = MultiDict({"q-q1": "b", "rank-q2-x": "3", "rank-q2-y": "1", "rank-q2-z": "2", "q-q3": "Des arbres"})
    answers = pp._answers_from(form, QUESTIONS)
    assert [(a.question_id, list(a.option_ids), a.text) for a in answers] == [
        ("q1", ["b"], ""),
        ("q2", ["y", "z", "x"], ""),
        ("q3", [], "Des arbres"),
    ]


@pytest.mark.parametrize("places", [("1", "1", "2"), ("1", "2", ""), ("1", "2", "4")])
def test_a_ranking_that_is_not_a_full_order_is_sent_back(places):
    form = MultiDict({"q-q1": "a", **{f"rank-q2-{o}": p for o, p in zip("xyz", places)}})
    assert pp._answers_from(form, QUESTIONS) is None


def test_a_text_in_the_readers_language_else_arabic_then_the_others():
    assert pp.pick({"fr": "Jardin", "zgh": "ⵓⵔⵜⵉ"}, "zgh") == {"text": "ⵓⵔⵜⵉ", "lang": "zgh"}
    assert pp.pick({"fr": "Jardin", "zgh": "ⵓⵔⵜⵉ"}, "en") == {"text": "ⵓⵔⵜⵉ", "lang": "zgh"}
    assert pp.pick({"fr": "Jardin"}, "ar") == {"text": "Jardin", "lang": "fr"}


def consultation(status="closed") -> pb.Consultation:
    return pb.Consultation(
        consultation_id="c1",
        title={"ar": "استشارة", "zgh": "ⴰⵙⵇⵙⵉ"},
        status=status,
        eligibility=pb.ANYONE,
        participants=6,
        questions=[
            pb.Question(
                question_id="q1",
                kind=pb.SINGLE_CHOICE,
                prompt={"zgh": "ⵎⴰⵏ?"},
                options=[
                    pb.Option(option_id="a", label={"zgh": "ⵓⵔⵜⵉ"}),
                    pb.Option(option_id="b", label={"ar": "مكتبة"}),
                ],
            ),
            pb.Question(question_id="q3", kind=pb.FREE_TEXT, prompt={"zgh": "ⵜⴰⵡⵏⴳⵉⵎⵜ?"}),
        ],
        responses=[pb.ResponseEntry(stage="planned", text={"zgh": "ⴰⴷ ⵏⵙⴽⵔ"}, on_date="2027-03-01")],
    )


RESULTS = pb.Results(
    consultation_id="c1",
    participants=6,
    fold_under=5,
    questions=[
        pb.QuestionResult(
            question_id="q1",
            answered=6,
            options=[pb.OptionCount(option_id="a", count=4), pb.OptionCount(option_id="b", count=2)],
        ),
        pb.QuestionResult(question_id="q3", answered=6, groups=[pb.TextGroup(text="ⴰⵎⴰⵏ", count=5)], folded=1),
    ],
)


def test_results_stand_beside_their_labels_with_their_shares():
    c = pp._consultation(consultation(), "zgh")
    single, free = pp._results(c, RESULTS)
    assert [(o["label"]["text"], o["count"], o["share"]) for o in single["results"]] == [
        ("ⵓⵔⵜⵉ", 4, 67),
        ("مكتبة", 2, 33),
    ]
    assert free["groups"] == [{"text": "ⴰⵎⴰⵏ", "count": 5}] and free["folded"] == 1


@pytest.mark.parametrize("lang", portal.LANGUAGES)
def test_the_results_page_speaks_the_readers_language_only(lang):
    request = EnvironBuilder(query_string=f"lang={lang}").get_request()
    c = pp._consultation(consultation(), lang)
    html = pp._render(
        request,
        "part_consultation.html",
        c=c,
        results=pp._results(c, RESULTS),
        fold_under=5,
        communes={},
        signed_in=False,
        needs_account=False,
        action="/consultations/c1/answer",
        csrf="",
        m={},
        form=MultiDict(),
    ).get_data(as_text=True)
    assert f'<html lang="{lang}" dir="{"rtl" if lang == "ar" else "ltr"}">' in html
    assert "ⵜⵉⵢⴰⴼⵓⵜⵉⵏ" in html if lang == "zgh" else "النتائج" in html if lang == "ar" else True
    assert "4 (67%)" in html and "ⴰⵎⴰⵏ" in html
    words = pp.PART_TEXT[lang]["folded"].replace("{count}", "1").replace("{fold_under}", "5")
    assert words in html
    assert checks.problems(words, lang, values=("1", "5")) == []
    assert "{" not in html.split("<body>")[1].split("<style")[0]


@pytest.mark.parametrize("lang", portal.LANGUAGES)
def test_the_staff_pages_render_in_each_language(lang):
    request = EnvironBuilder(query_string=f"lang={lang}").get_request()
    common = {"csrf": "C", "form": MultiDict(), "error": "", "text_languages": portal.LANGUAGES}
    html = pp._staff_render(
        request,
        "part_staff_new.html",
        offices={"o1": "Tétouan"},
        chosen="o1",
        slots=range(1, 3),
        kinds=tuple(pp.KINDS),
        eligibility=tuple(pp.ELIGIBILITY),
        opens="2026-12-07T10:00:00",
        closes="2026-12-21T10:00:00",
        **common,
    ).get_data(as_text=True)
    assert 'name="options-2-zgh"' in html and pp.PSTAFF_TEXT[lang]["kinds"]["ranking"] in html
    c = pp._consultation(consultation(), lang)
    html = pp._staff_render(
        request,
        "part_staff_consultation.html",
        c=c,
        results=pp._results(c, RESULTS),
        fold_under=5,
        done="",
        today="2026-12-07",
        **common,
    ).get_data(as_text=True)
    assert 'name="text-zgh"' in html and "4 (67%)" in html
