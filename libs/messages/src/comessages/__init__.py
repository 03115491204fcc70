"""The message catalogue: every text a person reads (portal, staff and admin pages, e-mails, SMS,
inbox items, receipts, labels), one file a language, read by every service that writes to people.

The files are gettext catalogues in `locale/<language>.po`, the format translators' tools
(Poedit, Weblate, Transifex) open as they are. The msgid is a stable key naming what the text is
for (`status.implicitly_refused`, `notice.ticket_submitted.subject`), never the text of another
language: rewording a text touches no code, and every language is translated from the same
keys. `{name}` marks a value put in when the text is used; the `#.` comment above an entry says
where it is shown and what its values are.

The interface speaks the four languages of LANGUAGES, Arabic, Amazigh (Tifinagh), French and
English: the catalogue does not load without a file for each, and the tests fail while any key
lacks any of them. A key missing all the same at run time is taken from French, the language
every text is written in first; a key no language has is a mistake and raises. A reader asking
for a language the catalogue does not have reads Arabic, the official language.
"""

from __future__ import annotations

import functools
import pathlib
import re

from .po import PoError, read

LOCALE = pathlib.Path(__file__).parent / "locale"
REFERENCE = "fr"  # where a missing translation is taken from
DEFAULT = "ar"  # the language of a reader whose language the catalogue lacks
# Every key is written in each of these (Amazigh as Standard Moroccan Amazigh in Tifinagh).
LANGUAGES = ("ar", "zgh", "fr", "en")
_FIELD = re.compile(r"\{(\w+)\}")

__all__ = ["LANGUAGES", "Catalogue", "MissingText", "PoError", "catalogue", "has", "language", "table", "text"]


class MissingText(KeyError):
    """A key no language of the catalogue has, or a text used without one of its values."""


class Catalogue:
    def __init__(self, texts: dict[str, dict[str, str]], required: tuple[str, ...] = ()):
        if REFERENCE not in texts:
            raise PoError(f"the catalogue needs {REFERENCE}.po: missing translations are taken from it")
        self.texts = texts
        self.required = required
        self.languages = tuple(sorted(texts))
        self.keys = tuple(dict.fromkeys(k for lang in (REFERENCE, *self.languages) for k in texts[lang]))

    @classmethod
    def load(cls, directory: pathlib.Path = LOCALE, required: tuple[str, ...] = LANGUAGES) -> "Catalogue":
        absent = [lang for lang in required if not (directory / f"{lang}.po").exists()]
        if absent:
            raise PoError("the catalogue needs " + ", ".join(f"{lang}.po" for lang in absent))
        texts = {}
        for path in sorted(directory.glob("*.po")):
            po = read(path)
            declared = po.header.get("Language", path.stem)
            if declared != path.stem:
                raise PoError(f"{path.name} says it is in {declared}")
            texts[path.stem] = po.entries
        return cls(texts, required)

    def language(self, lang: str) -> str:
        return lang if lang in self.texts else DEFAULT if DEFAULT in self.texts else REFERENCE

    def has(self, key: str) -> bool:
        return any(key in by_key for by_key in self.texts.values())

    def raw(self, key: str, lang: str) -> str:
        """The text as written, `{values}` still in it."""
        for source in (self.language(lang), REFERENCE):
            found = self.texts[source].get(key)
            if found is not None:
                return found
        raise MissingText(f"no text for {key}")

    def text(self, key: str, lang: str, **fields) -> str:
        template = self.raw(key, lang)

        def value(match):
            try:
                return str(fields[match.group(1)])
            except KeyError:
                raise MissingText(f"{key} needs the value {match.group(1)}") from None

        return _FIELD.sub(value, template)

    def table(self, prefix: str, lang: str) -> dict:
        """The texts under `prefix.`, as nested dicts by the rest of their keys
        (`desk.priorities.1` is `table("desk", lang)["priorities"]["1"]`), in the file's order:
        what page templates read. Values are left in (`{distance}`) for the page to put in."""
        start = prefix + "."
        found: dict = {}
        for key in self.keys:
            if not key.startswith(start):
                continue
            *parents, leaf = key[len(start) :].split(".")
            node = found
            for part in parents:
                node = node.setdefault(part, {})
            node[leaf] = self.raw(key, lang)
        if not found:
            raise MissingText(f"no text under {prefix}")
        return found

    def missing(self) -> list[tuple[str, str]]:
        """(key, language) for every text a language of the catalogue or a required one lacks."""
        languages = self.languages + tuple(lang for lang in self.required if lang not in self.texts)
        return [(key, lang) for key in self.keys for lang in languages if key not in self.texts.get(lang, {})]


@functools.cache
def catalogue() -> Catalogue:
    return Catalogue.load()


def text(key: str, lang: str, **fields) -> str:
    return catalogue().text(key, lang, **fields)


def table(prefix: str, lang: str) -> dict:
    return catalogue().table(prefix, lang)


def has(key: str) -> bool:
    return catalogue().has(key)


def language(lang: str) -> str:
    return catalogue().language(lang)
