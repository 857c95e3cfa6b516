"""Plausible answers generated from a form's JSON Schema: for demo projects and benchmarks."""
from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from engine.repository.file_fields import FILE  # a file field is answered with uploads (demo.documents), never text
from engine.repository.forms import NOT_BEFORE, ON_OR_AFTER, SUM_OF, fields_that_apply, form_fields

SAMPLE_DATE = "2026-04-01"
DAYS_AHEAD = 30  # a date that must lie ahead is set this far after the clock's today


def sample_answers(schema: dict, overrides: dict | None = None, *, today: date | None = None,
                   context: dict | None = None) -> dict:
    """Fill every field of an object schema with a valid value; overrides win.

    Fields of a branch are filled when the branch's condition holds for the answers (and the
    project's `context`, for read-only facts); a date that must lie ahead lies ahead of `today`.
    """
    answers = _sample_object(schema, "", today, overrides or {}, context)
    return answers if isinstance(answers, dict) else {}


def sample_value(schema: dict, name: str = "", today: date | None = None) -> Any:
    for key in ("const", "enum", "default", "examples"):
        if schema.get(key) not in (None, []):
            return schema[key][0] if key in ("enum", "examples") else schema[key]
    kind = schema.get("type")
    if isinstance(kind, list):
        kind = next((k for k in kind if k != "null"), "string")
    if kind == "object" or "properties" in schema:
        return _sample_object(schema, name, today, {}, None)
    if kind == "array":
        return _sample_list(schema, name, today)
    if kind == "boolean":
        return False
    if kind in ("integer", "number"):
        return _sample_number(schema, kind)
    return _sample_text(schema, name, today)


def _sample_object(schema: dict, name: str, today: date | None, overrides: dict, context: dict | None) -> dict:
    answers = {key: sample_value(sub, key, today) for key, sub in (schema.get("properties") or {}).items()
               if isinstance(sub, dict) and not sub.get("readOnly") and FILE not in sub}
    answers.update(overrides)
    for key, sub in fields_that_apply(schema, answers, context).items():  # the branches the answers choose
        if key not in answers and not sub.get("readOnly") and FILE not in sub:
            answers[key] = sample_value(sub, key, today)
    for key, sub in form_fields(schema).items():  # totals add up
        parts = sub.get(SUM_OF)
        if key in answers and key not in overrides and isinstance(parts, list):
            answers[key] = sum(v for p in parts if isinstance(v := answers.get(p), (int, float)))
        earliest = _date(answers.get(sub.get(ON_OR_AFTER)))  # a date after another: this far after it
        if key in answers and key not in overrides and earliest is not None:
            answers[key] = (earliest + timedelta(days=DAYS_AHEAD)).isoformat()
    return answers


def _date(value: Any) -> date | None:
    try:
        return date.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        return None


FORMATTED = {"email": "contact@example.org", "date": SAMPLE_DATE, "date-time": f"{SAMPLE_DATE}T09:00:00+00:00"}


def _sample_list(schema: dict, name: str, today: date | None) -> list:
    items = schema.get("items", {})
    count = max(1, schema.get("minItems", 1))
    if items.get("enum") and schema.get("uniqueItems"):
        return list(items["enum"][:count])
    return [sample_value(items, name, today) for _ in range(count)]


def _sample_number(schema: dict, kind: str) -> int | float:
    low = schema.get("minimum", schema.get("exclusiveMinimum", 0))
    high = schema.get("maximum", max(low, 100))
    value = min(max(low, 3), high)
    return int(value) if kind == "integer" else float(value)


def _sample_text(schema: dict, name: str, today: date | None) -> str:
    if schema.get("format") == "date" and schema.get(NOT_BEFORE) and today is not None:
        return (today + timedelta(days=DAYS_AHEAD)).isoformat()
    if schema.get("format") in FORMATTED:
        return FORMATTED[schema["format"]]
    text = f"Sample {name.replace('_', ' ') or 'text'}"
    text = text if len(text) >= schema.get("minLength", 0) else text.ljust(schema["minLength"], ".")
    return text[: schema["maxLength"]] if "maxLength" in schema else text
