"""What a text shown in one language must not contain: a key or an enum name instead of words,
a `{value}` nobody put in, letters of another language's script, or words of another language.

The tests run every text of the catalogue and every rendered message through `problems`; a
language added to the catalogue adds its script to SCRIPTS.
"""

from __future__ import annotations

import functools
import re

from . import Catalogue, catalogue

# The script each language of the catalogue is written in.
SCRIPTS = {"ar": "arabic", "zgh": "tifinagh", "fr": "latin", "en": "latin"}
LETTERS = {
    "arabic": re.compile("[\u0600-\u06ff\u0750-\u077f\u08a0-\u08ff\ufb50-\ufdff\ufe70-\ufeff]+"),
    "latin": re.compile("[A-Za-z\u00c0-\u024f]+"),
    "tifinagh": re.compile("[\u2d30-\u2d7f]+"),
}
# Names of file formats, written the same in every language.
EVERY_SCRIPT = ("CSV", "JSON")
# Words English and French spell alike in the labels (`Observation`, `Demande administrative`):
# they prove nothing about the language of a text.
SHARED_WORDS = frozenset({"observation", "suggestion", "information", "administrative", "signatures"})
# Labels that other texts put in: an untranslated one shows up in the other language's words.
LABELS = ("kind", "status")

_VALUE = re.compile(r"\{\w+\}|\$\w+")
_SNAKE = re.compile(r"\b[A-Za-z0-9]+(?:_[A-Za-z0-9]+)+\b")
_WORD = re.compile(r"[^\W\d_]{3,}")


def _words(text: str) -> set[str]:
    return set(_WORD.findall(text.lower()))


@functools.cache
def _key(catalogue_: Catalogue) -> re.Pattern:
    tops = sorted({key.split(".", 1)[0] for key in catalogue_.keys})
    return re.compile(r"\b(?:%s)\.\w+" % "|".join(map(re.escape, tops)))


@functools.cache
def foreign_words(catalogue_: Catalogue) -> dict[str, frozenset[str]]:
    """For French, the English words of the labels and of the kinds' and statuses' own names
    (`implicitly_refused`); for English, the French words of the labels. Taken from the other
    language only, so breaking a French text cannot hide its English words."""
    english = set()
    french = set()
    for key in catalogue_.keys:
        if key.split(".", 1)[0] in LABELS:
            english |= _words(catalogue_.raw(key, "en")) | _words(key.split(".", 1)[1].replace("_", " "))
            french |= _words(catalogue_.raw(key, "fr"))
    return {"fr": frozenset(english - SHARED_WORDS), "en": frozenset(french - SHARED_WORDS)}


def problems(text: str, lang: str, values=(), catalogue_: Catalogue | None = None) -> list[str]:
    """What is wrong with `text` shown in `lang`; `values` are what was put into it (a tracking
    code, a date, a list of codes), which may be in any script."""
    found_in = catalogue_ or catalogue()
    rest = text
    for value in sorted((str(v) for v in values if str(v)), key=len, reverse=True):
        rest = rest.replace(value, " ")
    found = [f"value {m} left in" for m in _VALUE.findall(rest)]
    found += [f"raw name {m}" for m in _SNAKE.findall(rest)]
    found += [f"raw key {m}" for m in _key(found_in).findall(rest)]
    plain = rest
    for name in EVERY_SCRIPT:
        plain = re.sub(rf"\b{name}\b", " ", plain)
    own = SCRIPTS.get(lang)
    for script, letters in LETTERS.items():
        if script != own and (seen := letters.findall(plain)):
            found.append(f"{script} letters in {lang}: {' '.join(seen)[:60]}")
    foreign = foreign_words(found_in).get(lang, frozenset())
    found += [f"word {w!r} of another language in {lang}" for w in sorted(_words(plain) & foreign)]
    return found
