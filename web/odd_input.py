"""Input no page or client sends on purpose, refused at the door with a 400 or 404 before any view or
database sees it: NUL characters, text that is not Unicode, numbers JSON cannot write back (NaN, Infinity),
ids out of range. Large whole numbers in answers are data; where a number becomes an id, the view bounds it."""
from __future__ import annotations

import math
from typing import Any

from flask import Flask, request
from werkzeug.routing import IntegerConverter

from engine.errors import BadRequest

# Ids are 32-bit integers in PostgreSQL; a larger one can name nothing.
MAX_ID = 2**31 - 1


class IdConverter(IntegerConverter):
    """`<int:...>` in every route: a number beyond any id does not match, so the answer is 404."""

    def __init__(self, map, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max", MAX_ID)
        super().__init__(map, *args, **kwargs)


def bounded_int(value: str | None, name: str, *, default: int | None = None, low: int = 0,
                high: int = MAX_ID) -> int | None:
    """A query-string number between low and high; raises BadRequest for anything else."""
    if value is None:
        return default
    value = value.strip()
    if not (value.isascii() and value.lstrip("-").isdigit() and len(value) <= 12 and low <= int(value) <= high):
        raise BadRequest(f"{name} must be a whole number from {low} to {high}.",
                         fields={name: f"a whole number from {low} to {high}"})
    return int(value)


def _bad_text(text: str) -> bool:
    if "\x00" in text:
        return True
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate, e.g. "\ud800" in JSON
        return True
    return False


def _leaves(value: Any):
    """Every key and scalar of a JSON value (RecursionError past Python's depth, answered as 400)."""
    if isinstance(value, dict):
        for key, item in value.items():
            yield key
            yield from _leaves(item)
    elif isinstance(value, list):
        for item in value:
            yield from _leaves(item)
    else:
        yield value


def odd_json(value: Any) -> str | None:
    """Why this JSON value cannot be kept, or None."""
    for leaf in _leaves(value):
        if isinstance(leaf, str) and _bad_text(leaf):
            return "Text may not hold NUL characters or broken Unicode."
        if isinstance(leaf, float) and not math.isfinite(leaf):
            return "Numbers must be finite."
    return None


def refuse_odd_input() -> None:
    """Raises BadRequest when the path, query string, form, upload names or JSON body hold what no
    database column can keep."""
    texts = [*(request.view_args or {}).values()]
    texts += [text for pair in request.args.items(multi=True) for text in pair]
    if request.mimetype in ("application/x-www-form-urlencoded", "multipart/form-data"):
        texts += [text for pair in request.form.items(multi=True) for text in pair]
        texts += [f.filename or "" for _, f in request.files.items(multi=True)]
    if any(isinstance(text, str) and _bad_text(text) for text in texts):
        raise BadRequest("The request holds a NUL character or text that is not Unicode.")
    if request.path.startswith("/api/") and any(len(values) > 1 for values in request.args.listvalues()):
        raise BadRequest("Give each query parameter once.")
    if request.is_json and request.content_length != 0:
        reason = odd_json(request.get_json(silent=True))
        if reason:
            raise BadRequest(reason)


def init_app(app: Flask) -> None:
    app.url_map.converters["int"] = IdConverter  # before any blueprint adds its routes
    app.before_request(refuse_odd_input)
