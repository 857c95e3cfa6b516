"""Task forms: JSON Schemas linked from the diagram, options filled from data, validation, and the
answers that apply to the branch chosen.

A form's conditional fields are declared where JSON Schema puts them: in the `then` (or `else`) of
an `if`, in a `dependentSchemas` entry or in one alternative of `anyOf`/`oneOf`. Such a field exists
only while its condition holds, so an answer to it given under another branch is dropped on
submission (the record must say what was decided, not what was typed in a hidden field).

Rules a form can state beside JSON Schema's own, checked by the server here and nowhere else:
- `"x-not-before": "today"` on a date field: the date may not lie in the past; `"tomorrow"`: it must
  lie after today (a date whose timer fires during the day, such as a review at 09:00, is past by then).
- `"x-duration-at-most": "P1Y"` on an ISO 8601 duration field: the duration may not be longer (a timer
  reads it, and one past the calendar's end cannot be set).
- `"x-sum-of": ["a", "b"]` on a number field: it must equal the sum of those sibling fields.
- `"x-at-most": "a"` on a number field: it may not exceed the sibling field `a`.
- `"x-on-or-after": "a"` on a date field: it may not lie before the sibling date field `a` (scoring closes
  on or after the day the call closes).
- `"x-message": "..."` on a (sub)schema: the message shown when its `required` list is not met, or when
  an answer is not one of its `enum` (Gate 2's "extend scoring" when everyone scored).
- `"x-ends-project": ["reject"]` on a field: these answers end the project, so the task page asks a second
  time before they count (ends_project). On a field declared in a branch, only while its condition holds:
  Gate 5's recommendation ends the project when it is confirmed, the override's "stop" when it is not.
Words only, checked by nothing: `"x-labels": {"proof_of_value": "Proof of value (pilot first)"}` names a field's
choices (fill_options adds the names of people offered by username), `"x-unit": "GBP"` marks an amount in pounds.
A read-only field shows a fact from the project (the decision table's recommendation, the pack's
total budget); rules and conditions see its current value, answers never change it.
"""
from __future__ import annotations

import copy
import json
import re
import threading
from datetime import date, datetime, timedelta
from functools import lru_cache
from typing import Any, Callable, Iterator

from jsonschema import Draft202012Validator, validators
from jsonschema.exceptions import SchemaError, ValidationError
from referencing import Registry
from referencing.exceptions import Unresolvable
from referencing.jsonschema import DRAFT202012

from engine.repository.file_fields import file_rule_problem

OPTIONS_KEY = "x-options"
NOT_BEFORE, SUM_OF, AT_MOST, MESSAGE = "x-not-before", "x-sum-of", "x-at-most", "x-message"
DURATION_AT_MOST = "x-duration-at-most"
ON_OR_AFTER = "x-on-or-after"
ENDS_PROJECT = "x-ends-project"
TODAY, TOMORROW = "today", "tomorrow"
DAYS_AHEAD = {TODAY: 0, TOMORROW: 1}  # how many days after today the earliest date allowed lies
NO_SUCH_FIELD = "This form has no such field."
# An ISO 8601 duration as timers read it: weeks alone, or years, months, days and a time part.
DURATION = re.compile(r"P(?:(\d+)W|(?=\d|T\d)(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)D)?"
                      r"(?:T(?=\d)(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?)")

# Resolves a directory source such as 'organisations' or 'users:board_member' to choices: values, or
# (value, label) pairs where the value is not how people know it (a username; the label is the name).
OptionSource = Callable[[str], list[str] | list[tuple[str, str]]]
LABELS = "x-labels"


def schema_problem(schema: Any) -> str | None:
    """Why a form file is not a usable JSON Schema, or None."""
    if not isinstance(schema, dict):
        return "is not a JSON object"
    try:
        text = json.dumps(schema, sort_keys=True)
    except (TypeError, ValueError):
        return "is not plain JSON"
    return _problem_of(text)


@lru_cache(maxsize=512)
def _problem_of(text: str) -> str | None:
    # Checking a form against the JSON Schema meta-schema is most of a deployment's checks; the same form is checked
    # again at every deployment and every modeller check, so each distinct form is checked once.
    schema = json.loads(text)
    try:
        Draft202012Validator.check_schema(schema)
    except SchemaError as exc:
        return f"is not a valid JSON Schema: {exc.message}"
    return _rule_problem(schema) or file_rule_problem(schema, _walk(schema)) or _reference_problem(schema)


def _rule_problem(schema: dict) -> str | None:
    for node in _walk(schema):
        if NOT_BEFORE in node and node[NOT_BEFORE] not in DAYS_AHEAD:
            return f'says {NOT_BEFORE} {node[NOT_BEFORE]!r}: the values understood are "{TODAY}" and "{TOMORROW}"'
        if DURATION_AT_MOST in node and _duration_end(node[DURATION_AT_MOST], REFERENCE_DAY) is None:
            return f"says {DURATION_AT_MOST} {node[DURATION_AT_MOST]!r}: give an ISO 8601 duration such as P1Y"
        parts = node.get(SUM_OF, [])
        if not isinstance(parts, list) or not all(isinstance(p, str) for p in parts):
            return f"says {SUM_OF} {parts!r}: give a list of the names of the fields to add up"
        if AT_MOST in node and not isinstance(node[AT_MOST], str):
            return f"says {AT_MOST} {node[AT_MOST]!r}: give the name of a field"
        if ON_OR_AFTER in node and not isinstance(node[ON_OR_AFTER], str):
            return f"says {ON_OR_AFTER} {node[ON_OR_AFTER]!r}: give the name of a date field"
    return _ending_problem(schema)


def _ending_problem(schema: dict) -> str | None:
    """An x-ends-project mark that could never match an answer: the project would end unasked."""
    fields = form_fields(schema)
    marked = set()
    for key, sub, _applies in _declarations(schema, None):
        if not isinstance(sub, dict) or ENDS_PROJECT not in sub:
            continue
        marked.add(id(sub))
        values, offered = sub[ENDS_PROJECT], sub.get("enum", fields[key].get("enum"))
        if not isinstance(values, list) or not values or not all(isinstance(v, (str, int, float)) for v in values):
            return f"says {ENDS_PROJECT} {values!r} on {key}: give a list of the answers that end the project"
        if isinstance(offered, list) and any(v not in offered for v in values):
            return (f"says {ENDS_PROJECT} {values!r} on {key}, which offers only "
                    f"{', '.join(map(str, offered))}")
    if any(ENDS_PROJECT in node and id(node) not in marked for node in _walk(schema)):
        return f"says {ENDS_PROJECT} outside the form's own fields: put it on the field whose answer ends the project"
    return None


def _reference_problem(schema: dict) -> str | None:
    """A `$ref` that names nothing in the form: it would deploy, then fail every submission."""
    resource = DRAFT202012.create_resource(schema)
    base = resource.id() or ""
    resolver = Registry().with_resource(base, resource).resolver(base_uri=base)
    for node in _subschemas(schema, top=True):
        ref = node.get("$ref")
        if not isinstance(ref, str):
            continue
        try:
            resolver.lookup(ref)
        except Unresolvable:
            return f"has a $ref to {ref!r} that names nothing in the form"
    return None


# Keywords whose values are data, not schemas: a "$ref" key inside them is an answer, not a reference.
DATA_KEYWORDS = frozenset({"const", "enum", "default", "examples", ENDS_PROJECT})


def _subschemas(node: Any, top: bool = False) -> Iterator[dict]:
    """Every schema inside the form, except those under their own `$id` (they resolve elsewhere)."""
    if isinstance(node, dict):
        if "$id" in node and not top:
            return
        yield node
        for key, value in node.items():
            if key not in DATA_KEYWORDS:
                yield from _subschemas(value)
    elif isinstance(node, list):
        for value in node:
            yield from _subschemas(value)


def fill_options(schema: dict, *, data: dict, directory: OptionSource) -> dict:
    """Copy the schema with every `x-options` source turned into an `enum` of current choices (and the
    `x-labels` of those the directory names)."""
    filled = copy.deepcopy(schema)
    for node in _walk(filled):
        source = node.get(OPTIONS_KEY)
        if not isinstance(source, str):
            continue
        if source.startswith("data:"):
            value = data.get(source[5:]) or []
            choices: list = [str(v) for v in (value if isinstance(value, list) else [value])]
        else:
            choices = directory(source)
        node["enum"] = [c[0] if isinstance(c, tuple) else c for c in choices]
        labels = {c[0]: c[1] for c in choices if isinstance(c, tuple)}
        if labels:
            node[LABELS] = {**labels, **(node.get(LABELS) or {})}
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
    cached = _fields_seen.get(id(schema))
    if cached is not None and cached[0] is schema:
        return cached[1]
    fields: dict[str, dict] = {}
    for key, sub, _applies in _declarations(schema, None):
        fields.setdefault(key, sub if isinstance(sub, dict) else {})
    with _fields_lock:
        if len(_fields_seen) >= 512:
            _fields_seen.pop(next(iter(_fields_seen)))
        _fields_seen[id(schema)] = (schema, fields)  # the schema is kept, so its id is not reused meanwhile
    return fields


# Validating one submission asks for the same (sub)schemas' fields many times over.
_fields_seen: dict[int, tuple[dict, dict[str, dict]]] = {}
_fields_lock = threading.Lock()


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
    if instance is None:
        return lambda _condition: False
    validators: list = []  # built on first use: most forms have no condition at all

    def holds(condition: Any) -> bool:
        if not validators:
            validators.append(Draft202012Validator(root))
        try:
            return validators[0].evolve(schema=condition).is_valid(instance)
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
    return {key: _nested_that_apply(applying.get(key), value) for key, value in answers.items()
            if key in applying or key not in fields}


def fields_that_apply(schema: dict, answers: dict, context: dict | None = None) -> dict[str, dict]:
    """The fields of the form that apply to these answers, each with its declaration."""
    instance = {**facts_for(schema, context), **answers}
    fields = form_fields(schema)
    applying = {key for key, _sub, applies in _declarations(schema, instance) if applies}
    return {key: sub for key, sub in fields.items() if key in applying}


# Versions deployed before forms could mark their ending answers keep their forms unmarked (a version's files
# are part of its hash): for a form with no mark at all, these Six Gates answers end the project, as they did.
UNMARKED_ENDINGS = {"gate1_decision": "reject", "gate2_decision": "close", "gate5_decision": "stop",
                    "gate6_decision": "reject"}


def ends_project(schema: dict, answers: dict, context: dict | None = None) -> bool:
    """Whether these answers end the project: a field the form marks x-ends-project holds one of the marked
    answers, where the mark applies to them (read-only fields hold the project's current value)."""
    instance = {**answers, **facts_for(schema, context)}
    declared = list(_declarations(schema, instance))
    if not any(isinstance(sub, dict) and ENDS_PROJECT in sub for _key, sub, _applies in declared):
        return _ends_unmarked(answers, context or {})
    return any(applies and isinstance(sub, dict) and key in instance
               and any(instance[key] == value for value in sub.get(ENDS_PROJECT) or [])
               for key, sub, applies in declared)


def _ends_unmarked(answers: dict, context: dict) -> bool:
    if answers.get("gate5_confirm") is True:  # confirming Gate 5 takes the decision table's recommendation
        return context.get("gate5_recommendation") == "stop"
    return any(answers.get(key) == value for key, value in UNMARKED_ENDINGS.items())


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
    errors = {key: NO_SUCH_FIELD for key in data if key not in fields}
    kept = {k: v for k, v in data.items() if k in fields and not fields[k].get("readOnly")}
    return kept, errors


def unknown_fields(schema: Any, answers: Any, path: tuple[str, ...] = ()) -> dict[str, str]:
    """Keys the form does not declare, at every level of nesting ('scores.0.extra'), as errors.

    An object that declares its fields is closed, as the form itself is: a key it does not declare
    would be recorded as a decision nobody was asked for. One that declares none, or allows others
    (`additionalProperties`, `patternProperties`), takes any key.
    """
    errors: dict[str, str] = {}
    if not isinstance(schema, dict):
        return errors
    if isinstance(answers, dict) and _is_object(schema):
        fields = form_fields(schema)
        if not fields or schema.get("additionalProperties", False) is not False or schema.get("patternProperties"):
            return errors
        for key, value in answers.items():
            if key in fields:
                errors.update(unknown_fields(fields[key], value, (*path, key)))
            else:
                errors[".".join((*path, key))] = NO_SUCH_FIELD
    elif isinstance(answers, list) and isinstance(schema.get("items"), dict):
        for index, value in enumerate(answers):
            errors.update(unknown_fields(schema["items"], value, (*path, str(index))))
    return errors


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
    errors: dict[str, str] = dict(unknown_fields(schema, data))
    facts = facts_for(schema, context) if isinstance(data, dict) else {}
    instance = {**facts, **data} if isinstance(data, dict) else data
    validator = _validator_class(today)(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)
    try:
        found = list(validator.iter_errors(instance))
    except Unresolvable:  # deployed before deployment checked references: the form, not the answers, is wrong
        return {"_form": "This form refers to a part of itself that does not exist, so no answer can be checked. "
                         "Ask the process owner to correct the form."}
    for error in found:
        path = [str(p) for p in error.absolute_path]
        if path and path[0] in facts:
            continue  # a fact of the project, not an answer: nothing the person could change
        if error.validator == "required":
            missing = error.message.split("'")[1] if "'" in error.message else ""
            path.append(missing)
            message = _custom_message(error) or "This field is required."
        elif error.validator == "enum":
            message = _custom_message(error) or "Choose one of the options offered."
        elif error.validator in (SUM_OF, AT_MOST, ON_OR_AFTER):
            message = _sibling_message(error, _fields_at(schema, path[:-1]))
        elif error.validator == "maximum" and _is_number(error.validator_value):
            # jsonschema's message repeats the number given, which may be hundreds of digits long
            limit = _amount(error.validator_value)
            message = f"The {_lowered(_title(error.schema, path))} cannot be more than {limit}."
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
        if today is None or value not in DAYS_AHEAD or not isinstance(instance, str):
            return
        try:
            when = date.fromisoformat(instance)
        except ValueError:
            return  # the `format` check reports it
        earliest = today + timedelta(days=DAYS_AHEAD[value])
        if when < earliest:
            rule = "be today or later" if value == TODAY else "be after today"
            yield ValidationError(f"The {_lowered(schema.get('title') or 'date')} must {rule} "
                                  f"({earliest.isoformat()} or after).")

    def duration_at_most(validator, value, instance, schema):
        if not isinstance(instance, str) or DURATION.fullmatch(instance) is None:
            return  # not a duration at all: the form's `pattern` says so
        start = today or REFERENCE_DAY
        longest, given = _duration_end(value, start), _duration_end(instance, start)
        if longest is not None and (given is None or given > longest):
            yield ValidationError(f"The {_lowered(schema.get('title') or 'duration')} cannot be longer than "
                                  f"{_duration_words(value)} ({value}).")

    def properties(validator, props, instance, schema):
        yield from draft_properties(validator, props, instance, schema)
        if validator.is_type(instance, "object"):
            yield from _sibling_rules(props, instance)

    return validators.extend(Draft202012Validator, {NOT_BEFORE: not_before, DURATION_AT_MOST: duration_at_most,
                                                    "properties": properties})


REFERENCE_DAY = date(2001, 1, 1)  # durations are compared from here when no today is given
UNITS = ("week", "year", "month", "day", "hour", "minute", "second")


def _duration_parts(text: Any) -> dict[str, int] | None:
    """{'year': 1, 'month': 6} for 'P1Y6M'; None for what is not a duration or has a part past nine digits."""
    match = DURATION.fullmatch(text) if isinstance(text, str) else None
    if match is None or any(len(number) > 9 for number in match.groups() if number is not None):
        return None
    return {unit: int(number) for unit, number in zip(UNITS, match.groups(), strict=True) if number is not None}


def _duration_end(text: Any, start: date) -> datetime | None:
    """When a timer of this duration armed at the start of `start` fires, counting months as the timers do
    (the lengths of the months that follow); None if never (past the calendar's last day)."""
    parts = _duration_parts(text)
    if parts is None:
        return None
    months = start.month - 1 + parts.get("month", 0) + 12 * parts.get("year", 0)
    try:
        month_days = (date(start.year + months // 12, months % 12 + 1, 1) - start.replace(day=1)).days
        return datetime(start.year, start.month, start.day) + timedelta(
            days=month_days + parts.get("day", 0) + 7 * parts.get("week", 0), hours=parts.get("hour", 0),
            minutes=parts.get("minute", 0), seconds=parts.get("second", 0))
    except (OverflowError, ValueError):
        return None


def _duration_words(text: str) -> str:
    """'P1Y6M' reads '1 year 6 months'."""
    parts = _duration_parts(text) or {}
    return " ".join(f"{n} {unit}{'' if n == 1 else 's'}" for unit, n in parts.items()) or text


def _sibling_rules(props: dict, instance: dict) -> Iterator[ValidationError]:
    """Rules between fields of one object: a total that must add up, an amount under a limit, a date not
    before another."""
    def usable(key: str) -> bool:  # a number over its own maximum is reported there, not added up
        limit = props.get(key, {}).get("maximum") if isinstance(props.get(key), dict) else None
        return _is_number(instance.get(key)) and not (_is_number(limit) and instance[key] > limit)

    for key, sub in props.items():
        if isinstance(sub, dict) and isinstance(sub.get(ON_OR_AFTER), str):
            earliest_key = sub[ON_OR_AFTER]
            when, earliest = _date_of(instance.get(key)), _date_of(instance.get(earliest_key))
            if when is not None and earliest is not None and when < earliest:
                yield ValidationError(f"{key} cannot be before {earliest_key}", path=[key], validator=ON_OR_AFTER,
                                      validator_value=earliest_key, instance=instance[earliest_key])
        if not isinstance(sub, dict) or not usable(key):
            continue
        value = instance[key]
        parts = sub.get(SUM_OF)
        if isinstance(parts, list) and parts and all(usable(p) for p in parts):
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
    if error.validator == ON_OR_AFTER:
        return f"{title(key)} cannot be before the {_lowered(title(error.validator_value))} ({error.instance})."
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


def _date_of(value: Any) -> date | None:
    """The date a date field holds; None when it holds none (the `format` check reports a bad one)."""
    try:
        return date.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        return None


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _amount(value: float) -> str:
    if isinstance(value, int):  # float() of a whole number past 10^308 overflows
        return f"{value:,}"
    return f"{int(value):,}" if value.is_integer() else f"{value:,.2f}"


def _title(schema: Any, path: list[str]) -> str:
    """The field's title, or its name in words."""
    title = schema.get("title") if isinstance(schema, dict) else None
    name = next((p for p in reversed(path) if not p.isdigit()), "value")
    return title if isinstance(title, str) and title else name.replace("_", " ")


def _lowered(title: str) -> str:
    """'Review date' reads 'review date' inside a sentence; 'NHS contribution' stays as it is."""
    return title[:1].lower() + title[1:] if title[1:2].islower() else title
