"""Posted task-form fields become the JSON answers the engine checks.

HTML names use dashes for nesting (`scores-0-partner`), error paths dots (`scores.0.partner`). A date
comes as three boxes (`review_date-day`, `-month`, `-year`) and leaves as the ISO date the engine
and the API use (2026-03-12); a date that is not whole or not real keeps what was typed
("2026--12"), so the page can show it again, with an error in words. A file field's files kept from before come
as hidden inputs of their document ids (`evidence=17`), less those ticked to remove (`evidence-remove=17`); files
sent with the form are uploaded by the page itself (web/pages/tasks.py), not read here.
"""
from __future__ import annotations

import math
import re
from datetime import date
from typing import Any

from werkzeug.datastructures import MultiDict

from engine.repository.file_fields import FILE
from engine.repository.forms import form_fields
from web.form_words import choices_of
from web.odd_input import MAX_ID

MAX_ROWS = 100  # repeating-group rows read from one post
REMOVE = "-remove"  # a file field's "Remove" boxes are named after it with this
MISSING = object()
DATE_PARTS = ("day", "month", "year")
MUST_INCLUDE = "must include "  # the start of a date's "must include a month" error, the label goes before it
REAL_DATE = "Enter a real date"


def read_form(schema: dict, form: MultiDict) -> tuple[dict, dict[str, str]]:
    """The answers in a posted form, and the ones that could not be read ("Enter a number").

    Text is trimmed and empty optional answers left out; an unreadable number keeps its text,
    so the page can show what was typed. Empty rows of a repeating group are dropped.
    """
    return _read_object(schema, form, name="", path="")


def _read_object(schema: dict, form: MultiDict, *, name: str, path: str) -> tuple[dict, dict[str, str]]:
    data: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for key, sub in form_fields(schema).items():
        if sub.get("readOnly"):
            continue
        value, problems = _read_value(sub, form, name + key, path + key)
        errors.update(problems)
        if value is not MISSING:
            data[key] = value
    return data, errors


def _read_value(schema: dict, form: MultiDict, name: str, path: str) -> tuple[Any, dict[str, str]]:
    kind = schema.get("type")
    if isinstance(schema.get(FILE), dict):
        return read_kept_files(form, name), {}
    if kind == "array":
        return _read_array(schema, form, name, path)
    if kind == "boolean":
        return {"true": True, "on": True, "false": False}.get(form.get(name, ""), MISSING), {}
    if schema.get("format") == "date" and name not in form:
        return read_date(form, name, path)
    raw = form.get(name, "").replace("\r\n", "\n").strip()
    if raw == "":
        return MISSING, {}
    if choices_of(schema):
        return _choice(choices_of(schema), raw), {}
    if kind in ("integer", "number"):
        return _read_number(raw, kind, path)
    return raw, {}


def read_kept_files(form: MultiDict, name: str) -> Any:
    """The document ids a file field keeps: its hidden inputs' ids, less those whose Remove box is ticked."""
    removed = set(form.getlist(name + REMOVE))
    ids = [int(v) for v in form.getlist(name)
           if v not in removed and v.isascii() and v.isdigit() and len(v) <= 10 and int(v) <= MAX_ID]
    return list(dict.fromkeys(ids)) or MISSING


def read_date(form: MultiDict, name: str, path: str) -> tuple[Any, dict[str, str]]:
    """The ISO date in a field's day, month and year boxes; what was typed, and why, when it is not one."""
    parts = {p: form.get(f"{name}-{p}", "").strip() for p in DATE_PARTS}
    if not any(parts.values()):
        return MISSING, {}
    # what was typed comes back in the boxes; "-" separates the boxes in that copy, so a typed "-" is left out of it
    typed = "-".join(parts[p].replace("-", "") for p in ("year", "month", "day"))
    missing = [p for p in DATE_PARTS if not parts[p]]
    if missing:
        return typed, {path: MUST_INCLUDE + "a " + " and ".join(missing)}
    # digits 0-9 only: "1.5", "-5" or another script's digits are not read as some other date
    if not all(parts[p].isascii() and parts[p].isdigit() and len(parts[p]) <= 4 for p in DATE_PARTS):
        return typed, {path: REAL_DATE}
    if len(parts["year"]) != 4:
        return typed, {path: "Year must include 4 numbers"}
    try:
        return date(int(parts["year"]), int(parts["month"]), int(parts["day"])).isoformat(), {}
    except ValueError:
        return typed, {path: REAL_DATE}


def labelled_date(form: MultiDict, name: str, label: str, example: str) -> tuple[date | None, str | None]:
    """A date asked outside task forms (the register, out of office): its boxes read as read_date reads them,
    as a date (None when all are empty) or why not, in a sentence naming the field."""
    value, errors = read_date(form, name, name)
    if value is MISSING:
        return None, None
    if not errors:
        return date.fromisoformat(value), None
    problem = errors[name]
    if problem.startswith(MUST_INCLUDE):
        return None, f"{label} {problem}."
    return None, f"{label} must be a real date, such as {example}."


def date_parts(value: Any) -> dict[str, str]:
    """The day, month and year boxes' text for a date field's value (ISO, or as typed)."""
    pieces = str(value or "").split("-")
    if len(pieces) != 3:
        return dict.fromkeys(DATE_PARTS, "")
    year, month, day = pieces
    return {"day": _unpadded(day), "month": _unpadded(month), "year": year}


def _unpadded(text: str) -> str:
    return str(int(text)) if text.isdigit() else text


def _choice(choices: list, raw: str) -> Any:
    return next((c for c in choices if str(c) == raw), raw)


def _read_number(raw: str, kind: str, path: str) -> tuple[Any, dict[str, str]]:
    cleaned = raw.replace(",", "").removeprefix("£").strip()
    try:
        number = float(cleaned)
    except ValueError:
        number = math.nan
    if not math.isfinite(number):
        return raw, {path: "Enter a number"}
    if kind == "integer" and not number.is_integer():
        return raw, {path: "Enter a whole number"}
    whole = kind == "integer" or re.fullmatch(r"-?\d+", cleaned)
    return (int(number) if whole else number), {}


def _read_array(schema: dict, form: MultiDict, name: str, path: str) -> tuple[Any, dict[str, str]]:
    items = schema.get("items", {})
    if items.get("type") == "object":
        return _read_rows(items, form, name, path)
    if choices_of(items):
        chosen = [_choice(choices_of(items), v) for v in form.getlist(name) if v]
        return chosen or MISSING, {}
    lines = [line.strip() for line in form.get(name, "").splitlines()]
    unique = list(dict.fromkeys(line for line in lines if line))
    return unique or MISSING, {}


def _read_rows(items: dict, form: MultiDict, name: str, path: str) -> tuple[Any, dict[str, str]]:
    pattern = re.compile(re.escape(name) + r"-(\d{1,4})-")
    indices = sorted({int(m.group(1)) for key in form.keys() if (m := pattern.match(key))})[:MAX_ROWS]
    rows: list[dict] = []
    errors: dict[str, str] = {}
    for index in indices:
        row, problems = _read_object(items, form, name=f"{name}-{index}-", path=f"{path}.{len(rows)}.")
        if row:
            rows.append(row)
            errors.update(problems)
    return rows or MISSING, errors


def without_row(form: MultiDict, row: str) -> MultiDict:
    """The posted form less one repeating-group row (`row` is its name prefix, e.g. `scores-1`)."""
    prefix = f"{row}-"
    return MultiDict([(k, v) for k, v in form.items(multi=True) if not k.startswith(prefix)])
