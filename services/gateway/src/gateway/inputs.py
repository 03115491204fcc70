"""Text no service can store is refused at the edge, before any service sees it.

A NUL character has no use in a form field or a path, and PostgreSQL cannot store it in a
text column; a lone surrogate (from a JSON "\\ud800" escape) cannot be encoded as UTF-8 for a
gRPC message. Either would surface as an internal error deep in a service; here it is the
client's 400 with the field named. File contents are not text and are not checked.
"""

from __future__ import annotations

import json

from cokit.errors import invalid_argument


def _storable(text: str) -> bool:
    if "\x00" in text:
        return False
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _strings(value, name: str):
    if isinstance(value, str):
        yield name, value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _strings(key, name)
            yield from _strings(item, f"{name}.{key}" if name else str(key))
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item, name)


def refuse_unstorable_text(request, path_args: dict) -> None:
    fields = [*path_args.items(), *request.args.items(multi=True)]
    if request.mimetype in ("multipart/form-data", "application/x-www-form-urlencoded"):
        fields += list(request.form.items(multi=True))
    elif request.mimetype == "application/json":
        try:
            body = json.loads(request.get_data(cache=True) or b"null")
        except ValueError:
            body = None  # malformed JSON is the route's own 400
        fields += list(_strings(body, ""))
    for name, value in fields:
        if not (_storable(str(name)) and _storable(str(value))):
            where = {"field": str(name)} if str(name) and _storable(str(name)) else {}
            raise invalid_argument(
                "TEXT_NOT_STORABLE", "text fields must not contain NUL characters or lone surrogates", **where
            )
