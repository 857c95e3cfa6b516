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
    if "const" in schema:
        return schema["const"]
    if schema.get("enum"):
        return schema["enum"][0]
    if "default" in schema:
        return schema["default"]
    kind = schema.get("type")
    if isinstance(kind, list):
        kind = next((k for k in kind if k != "null"), "string")
    if kind == "object" or "properties" in schema:
        return {key: sample_value(sub, key) for key, sub in schema.get("properties", {}).items()
                if not sub.get("readOnly")}
    if kind == "array":
        items = schema.get("items", {})
        count = max(1, schema.get("minItems", 1))
        if items.get("enum") and schema.get("uniqueItems"):
            return list(items["enum"][:count])
        return [sample_value(items, name) for _ in range(count)]
    if kind == "boolean":
        return False
    if kind in ("integer", "number"):
        low = schema.get("minimum", schema.get("exclusiveMinimum", 0))
        high = schema.get("maximum", max(low, 100))
        value = min(max(low, 3), high)
        return int(value) if kind == "integer" else float(value)
    if schema.get("format") == "date":
        return SAMPLE_DATE
    if schema.get("format") == "email":
        return "contact@example.org"
    if schema.get("format") == "date-time":
        return f"{SAMPLE_DATE}T09:00:00+00:00"
    text = f"Sample {name.replace('_', ' ') or 'text'}"
    return text[: schema["maxLength"]] if "maxLength" in schema else text
