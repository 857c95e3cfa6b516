"""Task forms in HTML: a JSON Schema becomes fields to render, posted fields become JSON answers.

Pure functions, no Flask. HTML names use dashes for nesting (`scores-0-partner`); error
paths use dots, as the engine reports them (`scores.0.partner`).
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import Any

from werkzeug.datastructures import MultiDict

from engine.repository.forms import form_fields

MAX_RADIOS = 5  # more choices than this become a drop-down list
LONG_TEXT = 200  # strings allowed to be longer than this get a text area
MAX_ROWS = 100  # repeating-group rows read from one post
REQUIRED = "This field is required."
MISSING = object()


@dataclass
class Option:
    value: str
    label: str


@dataclass
class Field:
    """One question as the template draws it; `rows` holds a repeating group's rows of fields."""
    name: str
    path: str
    label: str
    widget: str
    hint: str = ""
    required: bool = False
    value: Any = None
    options: list[Option] = field(default_factory=list)
    attrs: dict[str, Any] = field(default_factory=dict)
    error: str = ""
    rows: list[list[Field]] = field(default_factory=list)
    item_label: str = ""
    row_label: str = ""
    focus: bool = False

    @property
    def id(self) -> str:
        return f"f-{self.name}"

    @property
    def shown(self) -> str:
        """The answer as text, for read-only fields and the confirmation summary."""
        if self.widget in ("checkbox", "yesno"):
            return {"true": "Yes", "false": "No"}.get(self.value, "No" if self.widget == "checkbox" else "")
        if self.widget == "checkboxes":
            return ", ".join(o.label for o in self.options if o.value in self.value)
        if self.options:
            return next((o.label for o in self.options if o.value == self.value), self.value or "")
        return self.value or ""


def humanise(value: Any) -> str:
    """Codes such as `proof_of_value` read as words; names and numbers stay as they are."""
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    text = "" if value is None else str(value)
    if re.fullmatch(r"[a-z][a-z0-9_]*", text):
        return text.replace("_", " ").capitalize()
    return text


def columns(rows: list) -> list[str]:
    """The keys of a list of records, in first-seen order: the columns of its table."""
    seen: dict[str, None] = {}
    for row in rows:
        if isinstance(row, dict):
            seen.update(dict.fromkeys(row))
    return list(seen)


# --- JSON Schema -> fields -------------------------------------------------------------

@dataclass
class _Build:
    errors: dict[str, str]
    context: dict
    add_row: str | None


def build_fields(schema: dict, ui: dict | None = None, values: dict | None = None,
                 errors: dict[str, str] | None = None, *, context: dict | None = None,
                 add_row: str | None = None) -> list[Field]:
    """The form's fields filled with `values`; `add_row` names a repeating group to grow by one row."""
    build = _Build(errors or {}, context or {}, add_row)
    return _object_fields(schema, ui or {}, values or {}, build, name="", path="", row_label="")


def _object_fields(schema: dict, ui: dict, values: dict, build: _Build, *, name: str, path: str,
                   row_label: str) -> list[Field]:
    props = form_fields(schema)  # conditional fields too: their hints say when they apply
    required = set(schema.get("required", []))
    values = values if isinstance(values, dict) else {}
    order = [k for k in ui.get("ui:order", []) if k in props] + [k for k in props if k not in ui.get("ui:order", [])]
    fields = []
    for key in order:
        sub, sub_ui = props[key], ui.get(key) or {}
        made = Field(name=name + key, path=path + key, label=sub.get("title") or humanise(key),
                     widget=widget_for(sub, sub_ui, key in required), hint=sub.get("description", ""),
                     required=key in required, row_label=row_label)
        # Read-only answers come from the project (the decision table's recommendation); earlier
        # rounds' answers are not offered again, so a past decision is never resubmitted by accident.
        value = build.context.get(key) if made.widget == "readonly" else values.get(key, sub.get("default"))
        _fill(made, sub, sub_ui, value, build)
        made.error = _friendly(made, build.errors[made.path]) if made.path in build.errors else ""
        fields.append(made)
    return fields


def widget_for(schema: dict, ui: dict, required: bool) -> str:
    if schema.get("readOnly") or ui.get("ui:readonly"):
        return "readonly"
    kind = schema.get("type")
    if kind == "array":
        items = schema.get("items", {})
        return "group" if items.get("type") == "object" else "checkboxes" if "enum" in items else "lines"
    if kind == "boolean":
        return "yesno" if required and "const" not in schema else "checkbox"
    if "enum" in schema:
        return "radios" if len(schema["enum"]) <= MAX_RADIOS else "select"
    if kind in ("integer", "number"):
        return "number"
    if schema.get("format") in ("date", "email"):
        return schema["format"]
    if ui.get("ui:widget") == "textarea" or schema.get("maxLength", 0) > LONG_TEXT:
        return "textarea"
    return "text"


def _fill(made: Field, schema: dict, ui: dict, value: Any, build: _Build) -> None:
    choices = schema.get("items", {}).get("enum") if made.widget == "checkboxes" else schema.get("enum")
    made.options = [Option(str(c), humanise(c)) for c in choices or []]
    if made.widget == "group":
        _fill_rows(made, schema, ui, value, build)
    elif made.widget == "checkboxes":
        made.value = [str(v) for v in value] if isinstance(value, list) else []
    elif made.widget == "lines":
        made.value = "\n".join(str(v) for v in value) if isinstance(value, list) else _text_of(value)
        made.hint = (made.hint + " " if made.hint else "") + "Enter each one on a new line."
    elif made.widget in ("checkbox", "yesno"):
        made.value = {True: "true", False: "false"}.get(value, "") if isinstance(value, bool) else ""
    elif made.widget == "readonly" and isinstance(value, bool):
        made.value = humanise(value)
    elif made.widget == "readonly" and isinstance(value, list):  # Gate 2's board members who did not score
        made.value = ", ".join(_text_of(v) for v in value) or "None"
    else:
        made.value = _text_of(value)
    made.attrs = _attributes(schema, made.widget)


def _text_of(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _attributes(schema: dict, widget: str) -> dict[str, Any]:
    attrs: dict[str, Any] = {}
    if widget == "number":
        attrs["step"] = "1" if schema.get("type") == "integer" else "any"
        attrs.update({k[:3]: schema[k] for k in ("minimum", "maximum") if k in schema})
    elif widget in ("text", "textarea", "email") and "maxLength" in schema:
        attrs["maxlength"] = schema["maxLength"]
    return attrs


def _fill_rows(made: Field, schema: dict, ui: dict, value: Any, build: _Build) -> None:
    items_schema = schema.get("items", {})
    items = value if isinstance(value, list) else _seed_rows(items_schema)
    made.item_label = items_schema.get("title") or "Item"
    count = max(len(items), schema.get("minItems", 0), 1) + (1 if build.add_row == made.name else 0)
    for i in range(count):
        row = items[i] if i < len(items) else {}
        made.rows.append(_object_fields(items_schema, ui.get("items") or {}, row, _Build(build.errors, {}, None),
                                        name=f"{made.name}-{i}-", path=f"{made.path}.{i}.",
                                        row_label=f"{made.item_label} {i + 1}"))
    if build.add_row == made.name and made.rows[-1]:
        made.rows[-1][0].focus = True


def _seed_rows(items_schema: dict) -> list[dict]:
    """One row per choice of a list drawn from the project's data (one score per submitted EoI)."""
    for key, sub in items_schema.get("properties", {}).items():
        if str(sub.get("x-options", "")).startswith("data:") and sub.get("enum"):
            return [{key: choice} for choice in sub["enum"]]
    return []


def _friendly(made: Field, message: str) -> str:
    """The engine's messages in words that tell the person what to do."""
    label = made.label[:1].lower() + made.label[1:] if made.label[1:2].islower() else made.label
    if message == REQUIRED or "should be non-empty" in message or (
            "is too short" in message and not made.value):
        return _missing(made, label)
    if "is less than the minimum" in message or "is greater than the maximum" in message:
        low, high = made.attrs.get("min"), made.attrs.get("max")
        bound = f"between {low} and {high}" if None not in (low, high) else \
            f"{low} or more" if low is not None else f"{high} or less"
        return f"{made.label} must be {bound}"
    for pattern, text in _MESSAGES:
        if pattern in message:
            return text.format(label=label, Label=made.label)
    return message


_MESSAGES = [
    ("is not of type 'integer'", "Enter a whole number"),
    ("is not of type 'number'", "Enter a number"),
    ("is not a 'date'", "Enter a real date"),
    ("is not a 'email'", "Enter an email address in the correct format, like name@example.com"),
    ("does not match", "Enter {label} in the format shown in the hint"),
    ("is too long", "{Label} is too long"),
    ("is too short", "{Label} is too short: give a little more detail"),
    ("was expected", "Tick the box to confirm"),
]


def _missing(made: Field, label: str) -> str:
    if made.widget == "yesno":
        return "Select yes or no"
    if made.widget == "checkbox":
        return "Tick the box to confirm"
    if made.widget in ("radios", "select"):
        return f"Select {label}"
    if made.widget == "checkboxes":
        return f"Select at least one option for {label}"
    if made.widget == "group":
        return f"Add at least one {made.item_label[:1].lower() + made.item_label[1:]}"
    if made.widget == "lines":
        return f"Enter {label}, one on each line"
    return f"Enter {label}"


def all_fields(fields: list[Field]):
    for made in fields:
        yield made
        for row in made.rows:
            yield from all_fields(row)


def error_summary(fields: list[Field], errors: dict[str, str]) -> list[tuple[str, str | None]]:
    """(message, link target) for every error, in the order of the form; unplaced ones last."""
    summary, placed = [], set()
    for made in all_fields(fields):
        placed.add(made.path)
        if made.error:
            summary.append((f"{made.row_label}: {made.error}" if made.row_label else made.error, f"#{made.id}"))
    by_path = {made.path: made for made in all_fields(fields)}
    for path, message in errors.items():
        if path in placed:
            continue
        parts = path.split(".")
        owner = next((by_path[".".join(parts[:n])] for n in range(len(parts) - 1, 0, -1)
                      if ".".join(parts[:n]) in by_path), None)
        summary.append((message, f"#{owner.id}" if owner else None))
    return summary


# --- posted fields -> JSON -------------------------------------------------------------

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
    if kind == "array":
        return _read_array(schema, form, name, path)
    if kind == "boolean":
        return {"true": True, "on": True, "false": False}.get(form.get(name, ""), MISSING), {}
    raw = form.get(name, "").replace("\r\n", "\n").strip()
    if raw == "":
        return MISSING, {}
    if "enum" in schema:
        return _choice(schema["enum"], raw), {}
    if kind in ("integer", "number"):
        return _read_number(raw, kind, path)
    return raw, {}


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
    if "enum" in items:
        chosen = [_choice(items["enum"], v) for v in form.getlist(name) if v]
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
