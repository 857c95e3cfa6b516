"""Plausible answers generated from a form's JSON Schema: for demo projects and benchmarks."""
from __future__ import annotations

from typing import Any

SAMPLE_DATE = "2026-04-01"


def sample_answers(schema: dict, overrides: dict | None = None) -> dict:
    """Fill every field of an object schema with a valid value; overrides win."""
    answers = sample_value(schema)
    if not isinstance(answers, dict):
        answers = {}
    answers.update(overrides or {})
    return answers


def sample_value(schema: dict, name: str = "") -> Any:
    for key in ("const", "enum", "default"):
        if schema.get(key) not in (None, []):
            return schema[key][0] if key == "enum" else schema[key]
    kind = schema.get("type")
    if isinstance(kind, list):
        kind = next((k for k in kind if k != "null"), "string")
    if kind == "object" or "properties" in schema:
        return {key: sample_value(sub, key) for key, sub in schema.get("properties", {}).items()
                if not sub.get("readOnly")}
    if kind == "array":
        return _sample_list(schema, name)
    if kind == "boolean":
        return False
    if kind in ("integer", "number"):
        return _sample_number(schema, kind)
    return _sample_text(schema, name)


FORMATTED = {"email": "contact@example.org", "date": SAMPLE_DATE, "date-time": f"{SAMPLE_DATE}T09:00:00+00:00"}


def _sample_list(schema: dict, name: str) -> list:
    items = schema.get("items", {})
    count = max(1, schema.get("minItems", 1))
    if items.get("enum") and schema.get("uniqueItems"):
        return list(items["enum"][:count])
    return [sample_value(items, name) for _ in range(count)]


def _sample_number(schema: dict, kind: str) -> int | float:
    low = schema.get("minimum", schema.get("exclusiveMinimum", 0))
    high = schema.get("maximum", max(low, 100))
    value = min(max(low, 3), high)
    return int(value) if kind == "integer" else float(value)


def _sample_text(schema: dict, name: str) -> str:
    if schema.get("format") in FORMATTED:
        return FORMATTED[schema["format"]]
    text = f"Sample {name.replace('_', ' ') or 'text'}"
    return text[: schema["maxLength"]] if "maxLength" in schema else text
