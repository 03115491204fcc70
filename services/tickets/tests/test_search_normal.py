"""The staff queue search's normal form (domain.search_normal): plain Python, both databases
compute the same (test_queue_text_search)."""

import pytest

from tickets import domain

# Spellings that must read alike: (as typed, as written in a request).
SAME = [
    ("إنارة", "الإنارة"),
    ("انارة", "الإنارة"),
    ("إنارة", "وبالإنارة"),
    ("إنارة", "للإنارة"),
    ("إنارة", "بالانارة"),
    ("إنارة", "فالإنارة"),
    ("إنارة", "كالإنارة"),
    ("إنارة", "وللإنارة"),
    ("أمن", "امن"),
    ("آبار", "ابار"),
    ("ٱلكتاب", "الكتاب"),
    ("مدرسة", "مدرسه"),
    ("مستشفى", "مستشفي"),
    ("إِنَارَةٌ", "إنارة"),
    ("شـــارع", "شارع"),
    ("عموميّة", "العمومية"),
    ("الْمَدْرَسَةُ", "مدرسة"),
    ("éclairage", "ECLAIRAGE"),
    ("Médina", "medina"),
    ("cœur", "coeur"),
    ("Ça", "ca"),
    ("ÀÉÎÕÜ", "aeiou"),
]
# Spellings that must stay apart: the article is kept when fewer than two letters would remain,
# and other letters are not folded.
APART = [("لله", "له"), ("والي", "ي"), ("ال", ""), ("إضاءة", "إنارة"), ("سلام", "صلام"), ("ⵜⴰⵎⴰⵣⵉⵖⵜ", "")]


@pytest.mark.parametrize("typed, written", SAME)
def test_spellings_read_alike(typed, written):
    assert domain.search_normal(typed) == domain.search_normal(written)


@pytest.mark.parametrize("one, other", APART)
def test_spellings_stay_apart(one, other):
    assert domain.search_normal(one) != domain.search_normal(other)


def test_articles_are_dropped_on_every_word_only_at_its_start():
    assert domain.search_normal("الإنارة العمومية بالحي المحمدي") == "اناره عموميه حي محمدي"
    assert domain.search_normal("x-الكتاب 3الكتاب") == "x-كتاب 3كتاب"
    assert domain.search_normal("مالكتاب") == "مالكتاب"  # ال inside a word stays


def test_the_words_typed_are_letters_and_digits_in_normal_form():
    assert domain.search_words("  Éclairage, الإنارة!! 100% :* ") == ["eclairage", "اناره", "100"]
    assert domain.search_words("%_ :*&|!") == []
    assert len(domain.search_words(" ".join(f"w{i}" for i in range(20)))) == domain.SEARCH_WORDS_MAX
