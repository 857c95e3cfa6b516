"""Which fields of a form's object belong to one choice of another field (to be revealed under it), and which
the form asks for anywhere: read from the form's `if`/`then`/`else` branches (see web/task_forms.py)."""
from __future__ import annotations

from typing import Any, Iterator


def required_somewhere(schema: dict) -> set[str]:
    """The fields some part of the object asks for (a review date, when deferring)."""
    asked: set[str] = set()
    for node in _branches(schema):
        asked.update(k for k in node.get("required", []) if isinstance(k, str))
    return asked


def _branches(schema: Any) -> Iterator[dict]:
    """The object schema and every subschema of it that declares its fields (not nested objects' own)."""
    if not isinstance(schema, dict):
        return
    yield schema
    for sub in schema.get("allOf") or []:
        yield from _branches(sub)
    for key in ("then", "else"):
        yield from _branches(schema.get(key))
    for key in ("anyOf", "oneOf"):
        for sub in schema.get(key) or []:
            yield from _branches(sub)
    for sub in (schema.get("dependentSchemas") or {}).values():
        yield from _branches(sub)


def revealed_by(schema: dict) -> dict[str, tuple[str, str]]:
    """field -> (the field whose choice reveals it, that choice as posted), for fields declared only in one
    simple branch of the object (see web/task_forms.py's docstring)."""
    owners: dict[str, set[tuple[str, str] | None]] = {}
    simple: set[int] = set()
    for node in [schema, *(schema.get("allOf") or [])]:
        if not isinstance(node, dict) or "if" not in node:
            continue
        asks = _one_choice(node["if"])
        otherwise = (asks[0], {"true": "false", "false": "true"}.get(asks[1], "")) if asks else None
        for branch, choice in ((node.get("then"), asks), (node.get("else"), otherwise)):
            if isinstance(branch, dict):
                simple.add(id(branch))
                for key in branch.get("properties") or {}:
                    owners.setdefault(key, set()).add(choice if choice and choice[1] else None)
    # a field declared anywhere else too (at the top, in anyOf, deeper) is always shown
    elsewhere = {key for node in _branches(schema) if id(node) not in simple for key in node.get("properties") or {}}
    return {key: next(iter(choices)) for key, choices in owners.items()
            if key not in elsewhere and len(choices) == 1 and None not in choices}


def _one_choice(condition: Any) -> tuple[str, str] | None:
    """('gate1_decision', 'defer') for an `if` that asks only that one field hold that one value."""
    if not isinstance(condition, dict) or set(condition) != {"properties", "required"}:
        return None
    props = condition["properties"]
    if not isinstance(props, dict) or len(props) != 1 or condition["required"] != list(props):
        return None
    (key, rule), = props.items()
    if not isinstance(rule, dict) or set(rule) != {"const"}:
        return None
    value = rule["const"]
    return key, ("true" if value else "false") if isinstance(value, bool) else str(value)
