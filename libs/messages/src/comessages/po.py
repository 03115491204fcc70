"""Reading gettext .po files with the standard library only.

The subset the catalogue uses: `msgid`/`msgstr` pairs, strings continued over several quoted
lines, comments, and the header entry. Plural forms and contexts are refused rather than read
wrongly; a `fuzzy` entry (a guess a translator has not confirmed) is left out, as msgfmt does.
"""

from __future__ import annotations

import dataclasses
import pathlib
import re

_ESCAPES = {"n": "\n", "t": "\t", '"': '"', "\\": "\\"}
_ESCAPE = re.compile(r"\\(.)")
_LINE = re.compile(r'^(msgid|msgstr)\s+"(.*)"$')
_CONTINUED = re.compile(r'^"(.*)"$')


class PoError(ValueError):
    """A .po file the catalogue cannot read: the message names the file and line."""


@dataclasses.dataclass(frozen=True)
class PoFile:
    header: dict[str, str]
    entries: dict[str, str]  # msgid -> msgstr, in the file's order; untranslated ones left out


def _unescape(text: str, where: str) -> str:
    def one(match):
        try:
            return _ESCAPES[match.group(1)]
        except KeyError:
            raise PoError(f"{where}: unknown escape \\{match.group(1)}") from None

    return _ESCAPE.sub(one, text)


def read(path: pathlib.Path) -> PoFile:
    entries: dict[str, str] = {}
    header: dict[str, str] = {}
    current: dict[str, str] = {}
    field = ""
    fuzzy = False

    def finish(where: str) -> None:
        nonlocal current, field, fuzzy
        if current:
            if "msgid" not in current or "msgstr" not in current:
                raise PoError(f"{where}: an entry needs a msgid and a msgstr")
            msgid, msgstr = current["msgid"], current["msgstr"]
            if msgid == "":
                header.update(line.split(":", 1) for line in msgstr.splitlines() if ":" in line)
            elif msgid in entries:
                raise PoError(f"{where}: {msgid} is given twice")
            elif msgstr and not fuzzy:
                entries[msgid] = msgstr
        current, field, fuzzy = {}, "", False

    lines = path.read_text(encoding="utf-8").splitlines()
    for number, raw in enumerate(lines, 1):
        where = f"{path.name}:{number}"
        line = raw.strip()
        if not line:
            finish(where)
        elif line.startswith("#"):
            if field == "msgstr":
                finish(where)
            if line.startswith("#,") and "fuzzy" in line:
                fuzzy = True
        elif match := _LINE.match(line):
            if match.group(1) == "msgid" and current:
                finish(where)
            field = match.group(1)
            current[field] = _unescape(match.group(2), where)
        elif (match := _CONTINUED.match(line)) and field:
            current[field] += _unescape(match.group(1), where)
        else:
            raise PoError(f"{where}: not understood (plural forms and msgctxt are not used here): {line[:40]}")
    finish(f"{path.name}:end")
    return PoFile({k.strip(): v.strip() for k, v in header.items()}, entries)
