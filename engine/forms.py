"""Task forms: JSON Schemas linked from the diagram, options filled from data, validation."""
from __future__ import annotations

import copy
from typing import Any, Callable

from jsonschema import Draft202012Validator
from jsonschema.exceptions import SchemaError

SCHEMA_PROPERTY = "formJsonSchemaFilename"
UI_SCHEMA_PROPERTY = "formUiSchemaFilename"
OPTIONS_KEY = "x-options"

# Resolves a directory source such as 'organisations' or 'users:board_member' to choices.
OptionSource = Callable[[str], list[str]]


def schema_problem(schema: Any) -> str | None:
    """Why a form file is not a usable JSON Schema, or None."""
    if not isinstance(schema, dict):
        return "is not a JSON object"
    try:
        Draft202012Validator.check_schema(schema)
    except SchemaError as exc:
        return f"is not a valid JSON Schema: {exc.message}"
    return None


def fill_options(schema: dict, *, data: dict, directory: OptionSource) -> dict:
    """Copy the schema with every `x-options` source turned into an `enum` of current choices."""
    filled = copy.deepcopy(schema)
    for node in _walk(filled):
        source = node.get(OPTIONS_KEY)
        if not isinstance(source, str):
            continue
        if source.startswith("data:"):
            value = data.get(source[5:]) or []
            choices = [str(v) for v in (value if isinstance(value, list) else [value])]
        else:
            choices = directory(source)
        node["enum"] = choices
    return filled


def _walk(node: Any):
    if isinstance(node, dict):
        yield node
        for value in node.values():
            yield from _walk(value)
    elif isinstance(node, list):
        for value in node:
            yield from _walk(value)


def accepted_answers(schema: dict, data: dict) -> tuple[dict, dict[str, str]]:
    """Keep only the form's own writable fields.

    Submitted keys become workflow data, so a field the form does not declare (or declares
    read-only, such as the decision table's recommendation) could overwrite what earlier
    stages or the engine decided. Unknown keys are refused; read-only ones are ignored.
    """
    fields = schema.get("properties", {})
    errors = {key: "This form has no such field." for key in data if key not in fields}
    kept = {k: v for k, v in data.items() if k in fields and not fields[k].get("readOnly")}
    return kept, errors


def unanswered_fields(schema: dict, data: dict) -> dict[str, None]:
    """The form's writable fields left out of this submission, to be cleared.

    Gates can be passed through many times; a comment given in an earlier round must not
    stand beside this round's decision as if it belonged to it.
    """
    fields = schema.get("properties", {})
    return {k: None for k, v in fields.items() if k not in data and not v.get("readOnly")}


def field_errors(schema: dict, data: Any) -> dict[str, str]:
    """Every problem with the submitted data, keyed by dotted field path ('scores.0.partner')."""
    errors: dict[str, str] = {}
    validator = Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)
    for error in validator.iter_errors(data):
        path = [str(p) for p in error.absolute_path]
        if error.validator == "required":
            missing = error.message.split("'")[1] if "'" in error.message else ""
            path.append(missing)
            message = "This field is required."
        elif error.validator == "enum":
            message = "Choose one of the options offered."
        else:
            message = error.message[:200]
        errors.setdefault(".".join(path) or "_form", message)
    return errors
