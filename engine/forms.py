"""Task forms: JSON Schemas linked from the diagram, options filled from data, validation, and the
answers that apply to the branch chosen.

A form's conditional fields are declared where JSON Schema puts them: in the `then` (or `else`) of
an `if`, in a `dependentSchemas` entry or in one alternative of `anyOf`/`oneOf`. Such a field exists
only while its condition holds, so an answer to it given under another branch is dropped on
submission (the record must say what was decided, not what was typed in a hidden field).

Rules a form can state beside JSON Schema's own, checked by the server here and nowhere else:
- `"x-not-before": "today"` on a date field: the date may not lie in the past.
- `"x-sum-of": ["a", "b"]` on a number field: it must equal the sum of those sibling fields.
- `"x-at-most": "a"` on a number field: it may not exceed the sibling field `a`.
- `"x-message": "..."` on a (sub)schema: the message shown when its `required` list is not met.
A read-only field shows a fact from the project (the decision table's recommendation, the pack's
total budget); rules and conditions see its current value, answers never change it.
"""
from __future__ import annotations

import copy
from datetime import date
from functools import lru_cache
from typing import Any, Callable, Iterator

from jsonschema import Draft202012Validator, validators
from jsonschema.exceptions import SchemaError, ValidationError
from referencing.exceptions import Unresolvable

SCHEMA_PROPERTY = "formJsonSchemaFilename"
UI_SCHEMA_PROPERTY = "formUiSchemaFilename"
OPTIONS_KEY = "x-options"
NOT_BEFORE, SUM_OF, AT_MOST, MESSAGE = "x-not-before", "x-sum-of", "x-at-most", "x-message"
TODAY = "today"

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
    return _rule_problem(schema)


def _rule_problem(schema: dict) -> str | None:
    for node in _walk(schema):
        if NOT_BEFORE in node and node[NOT_BEFORE] != TODAY:
            return f'says {NOT_BEFORE} {node[NOT_BEFORE]!r}: the only value understood is "{TODAY}"'
        parts = node.get(SUM_OF, [])
        if not isinstance(parts, list) or not all(isinstance(p, str) for p in parts):
            return f"says {SUM_OF} {parts!r}: give a list of the names of the fields to add up"
        if AT_MOST in node and not isinstance(node[AT_MOST], str):
            return f"says {AT_MOST} {node[AT_MOST]!r}: give the name of a field"
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


# --- which fields a form has, and which of them apply ----------------------------------

def form_fields(schema: dict) -> dict[str, dict]:
    """Every field an object schema declares, conditional ones included, by name.

    A field declared both at the top and in a branch keeps its top-level declaration (the branch
    only tightens it, as a comment required on rework); a field declared only in branches is
    known by its first declaration.
    """
    fields: dict[str, dict] = {}
    for key, sub, _applies in _declarations(schema, None):
        fields.setdefault(key, sub if isinstance(sub, dict) else {})
    return fields


def _declarations(schema: Any, instance: dict | None, applies: bool = True,
                  holds: Callable[[Any], bool] | None = None) -> Iterator[tuple[str, Any, bool]]:
    """(field, its schema, whether it applies to `instance`) for every declaration of a field."""
    if not isinstance(schema, dict):
        return
    if holds is None:
        holds = _condition_check(schema, instance)
    for key, sub in (schema.get("properties") or {}).items():
        yield key, sub, applies
    for sub in schema.get("allOf") or []:
        yield from _declarations(sub, instance, applies, holds)
    if "if" in schema:
        met = holds(schema["if"])
        yield from _declarations(schema.get("then"), instance, applies and met, holds)
        yield from _declarations(schema.get("else"), instance, applies and not met, holds)
    for key in ("anyOf", "oneOf"):
        for sub in schema.get(key) or []:
            yield from _declarations(sub, instance, applies and holds(sub), holds)
    for trigger, sub in (schema.get("dependentSchemas") or {}).items():
        yield from _declarations(sub, instance, applies and instance is not None and trigger in instance, holds)


def _condition_check(root: dict, instance: dict | None) -> Callable[[Any], bool]:
    """Whether a condition of the form holds for `instance` ($refs resolved against the form)."""
    validator = Draft202012Validator(root)

    def holds(condition: Any) -> bool:
        if instance is None:
            return False
        try:
            return validator.evolve(schema=condition).is_valid(instance)
        except Unresolvable:  # a reference the form does not define: the condition cannot hold
            return False
    return holds


def facts_for(schema: dict, context: dict | None) -> dict:
    """The current values of the form's read-only fields, from the project's data."""
    if not context:
        return {}
    return {k: context[k] for k, sub in form_fields(schema).items()
            if sub.get("readOnly") and context.get(k) is not None}


def answers_that_apply(schema: dict, answers: dict, context: dict | None = None) -> dict:
    """The answers less those to fields of branches not chosen, at every level of nesting.

    A field declared at the top of its object always applies; one declared only in branches
    applies while one of those branches' conditions holds (read-only fields count as answered
    with the project's current value). Gate 5 confirmed with a stray "stop" in the override
    field must be recorded as confirmed, and nothing else.
    """
    if not isinstance(answers, dict):
        return answers
    applying = fields_that_apply(schema, answers, context)
    fields = form_fields(schema)
    return {key: _nested_that_apply(applying[key], value) for key, value in answers.items()
            if key in applying or key not in fields}


def fields_that_apply(schema: dict, answers: dict, context: dict | None = None) -> dict[str, dict]:
    """The fields of the form that apply to these answers, each with its declaration."""
    instance = {**facts_for(schema, context), **answers}
    fields = form_fields(schema)
    applying = {key for key, _sub, applies in _declarations(schema, instance) if applies}
    return {key: sub for key, sub in fields.items() if key in applying}


def _nested_that_apply(sub: Any, value: Any) -> Any:
    if not isinstance(sub, dict):
        return value
    if isinstance(value, dict) and _is_object(sub):
        return answers_that_apply(sub, value)
    items = sub.get("items")
    if isinstance(value, list) and isinstance(items, dict) and _is_object(items):
        return [answers_that_apply(items, v) if isinstance(v, dict) else v for v in value]
    return value


def _is_object(schema: dict) -> bool:
    return schema.get("type") == "object" or "properties" in schema


def accepted_answers(schema: dict, data: dict) -> tuple[dict, dict[str, str]]:
    """Keep only the form's own writable fields.

    Submitted keys become workflow data, so a field the form does not declare (or declares
    read-only, such as the decision table's recommendation) could overwrite what earlier
    stages or the engine decided. Unknown keys are refused; read-only ones are ignored.
    """
    fields = form_fields(schema)
    errors = {key: "This form has no such field." for key in data if key not in fields}
    kept = {k: v for k, v in data.items() if k in fields and not fields[k].get("readOnly")}
    return kept, errors


def unanswered_fields(schema: dict, data: dict) -> dict[str, None]:
    """The form's writable fields left out of this submission, to be cleared.

    Gates can be passed through many times; a comment given in an earlier round must not
    stand beside this round's decision as if it belonged to it. Fields of branches not chosen
    this time are cleared too: a review date from an earlier deferral is not this round's.
    """
    return {k: None for k, v in form_fields(schema).items() if k not in data and not v.get("readOnly")}


# --- validation ------------------------------------------------------------------------

def field_errors(schema: dict, data: Any, *, today: date | None = None,
                 context: dict | None = None) -> dict[str, str]:
    """Every problem with the submitted data, keyed by dotted field path ('scores.0.partner').

    `today` enables the dates-ahead rule (the caller's clock decides what today is); `context`
    is the project's data, for the read-only fields that conditions and rules refer to.
    """
    errors: dict[str, str] = {}
    facts = facts_for(schema, context) if isinstance(data, dict) else {}
    instance = {**facts, **data} if isinstance(data, dict) else data
    validator = _validator_class(today)(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)
    for error in validator.iter_errors(instance):
        path = [str(p) for p in error.absolute_path]
        if path and path[0] in facts:
            continue  # a fact of the project, not an answer: nothing the person could change
        if error.validator == "required":
            missing = error.message.split("'")[1] if "'" in error.message else ""
            path.append(missing)
            message = _custom_message(error) or "This field is required."
        elif error.validator == "enum":
            message = "Choose one of the options offered."
        elif error.validator in (SUM_OF, AT_MOST):
            message = _sibling_message(error, _fields_at(schema, path[:-1]))
        else:
            message = error.message[:200]
        errors.setdefault(".".join(path) or "_form", message)
    return errors


def _custom_message(error: ValidationError) -> str | None:
    message = error.schema.get(MESSAGE) if isinstance(error.schema, dict) else None
    return message if isinstance(message, str) else None


@lru_cache(maxsize=8)
def _validator_class(today: date | None):
    """Draft 2020-12 with the form rules above; one class per day, as 'today' is part of the rules."""
    draft_properties = Draft202012Validator.VALIDATORS["properties"]

    def not_before(validator, value, instance, schema):
        if today is None or value != TODAY or not isinstance(instance, str):
            return
        try:
            when = date.fromisoformat(instance)
        except ValueError:
            return  # the `format` check reports it
        if when < today:
            yield ValidationError(f"The {_lowered(schema.get('title') or 'date')} must be today or later "
                                  f"({today.isoformat()} or after).")

    def properties(validator, props, instance, schema):
        yield from draft_properties(validator, props, instance, schema)
        if validator.is_type(instance, "object"):
            yield from _sibling_rules(props, instance)

    return validators.extend(Draft202012Validator, {NOT_BEFORE: not_before, "properties": properties})


def _sibling_rules(props: dict, instance: dict) -> Iterator[ValidationError]:
    """Rules between fields of one object: a total that must add up, an amount under a limit."""
    for key, sub in props.items():
        if not isinstance(sub, dict) or not _is_number(instance.get(key)):
            continue
        value = instance[key]
        parts = sub.get(SUM_OF)
        if isinstance(parts, list) and parts and all(_is_number(instance.get(p)) for p in parts):
            total = sum(instance[p] for p in parts)
            if abs(value - total) > 0.005:
                yield ValidationError(f"{key} must equal {' + '.join(parts)}", path=[key], validator=SUM_OF,
                                      validator_value=parts, instance=total)
        limit_key = sub.get(AT_MOST)
        if isinstance(limit_key, str) and _is_number(instance.get(limit_key)) and value > instance[limit_key]:
            yield ValidationError(f"{key} cannot be more than {limit_key}", path=[key], validator=AT_MOST,
                                  validator_value=limit_key, instance=instance[limit_key])


def _sibling_message(error: ValidationError, fields: dict[str, dict]) -> str:
    """The rule's message in the words of the form: its fields' titles, the amount to match."""
    def title(key: str) -> str:
        return fields.get(key, {}).get("title") or key.replace("_", " ").capitalize()

    key = str(error.absolute_path[-1])
    if error.validator == SUM_OF:
        return f"{title(key)} must equal {' + '.join(title(p) for p in error.validator_value)}: " \
               f"{_amount(error.instance)}."
    return f"{title(key)} cannot be more than the {_lowered(title(error.validator_value))} ({_amount(error.instance)})."


def _fields_at(schema: dict, path: list[str]) -> dict[str, dict]:
    """The fields of the object at `path` ('milestones', '0') in the form."""
    node: Any = schema
    for part in path:
        if not isinstance(node, dict):
            return {}
        node = node.get("items") if part.isdigit() else form_fields(node).get(part)
    return form_fields(node) if isinstance(node, dict) else {}


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _amount(value: float) -> str:
    return f"{int(value):,}" if float(value).is_integer() else f"{value:,.2f}"


def _lowered(title: str) -> str:
    """'Review date' reads 'review date' inside a sentence; 'NHS contribution' stays as it is."""
    return title[:1].lower() + title[1:] if title[1:2].islower() else title
