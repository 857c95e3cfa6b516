"""Task forms in HTML: a JSON Schema becomes fields to render (tasks/_fields.html draws them with the NHS.UK
design system's markup), posted fields become JSON answers (web/form_reading.py).

Pure functions, no Flask. HTML names use dashes for nesting (`scores-0-partner`); error paths use dots,
as the engine reports them (`scores.0.partner`). Words come from the schema (web/form_words.py):
label = `title`, hint = `description`, choices labelled by `x-labels` (or `oneOf` const/title).

How a field is drawn:
- a date (`format: date`) as day, month and year boxes; the error summary links to the day box;
- a number field marked `"x-unit": "GBP"` as an amount of money with a £ before the box;
- an integer whose `minimum` and `maximum` lie at most 10 apart (a 1 to 5 score) as radios, one per value;
- a file field (`"x-file"`, engine.repository.file_fields) as the NHS.UK file upload, the files it already holds
  listed under it as links, each kept by a hidden input of its document's id unless its "Remove" box is ticked;
- a field declared only in the `then` (or, for a yes/no, the `else`) of an `if` that asks for one value of a
  radio or yes/no field beside it (`{"properties": {"gate1_decision": {"const": "defer"}}, "required":
  ["gate1_decision"]}`) is revealed under that choice (the NHS conditional pattern); one that belongs to
  more than one choice, or to a condition of another kind, is always shown and its hint says when it applies.
  The engine keeps only the answers of the branch chosen (engine.repository.forms.answers_that_apply).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Iterator

from engine.repository.file_fields import FILE, KINDS, file_fields
from engine.repository.forms import form_fields
from web.form_conditions import required_somewhere, revealed_by
from web.form_reading import DATE_PARTS, MUST_INCLUDE, REAL_DATE, date_parts, read_form, without_row
from web.form_words import ISO_DATE, MONEY_UNIT, choice_label, choices_of, file_rule_words, humanise
from web.wording import money, uk_date

__all__ = ["Field", "Option", "all_fields", "build_fields", "columns", "error_summary", "humanise", "read_form",
           "widget_for", "without_row"]

MAX_RADIOS = 5  # more choices than this become a drop-down list
MAX_SCALE = 10  # an integer with at most this between its minimum and maximum is a row of radios
LONG_TEXT = 200  # strings allowed to be longer than this get a text area
REQUIRED = "This field is required."
CHOICE_WIDGETS = ("radios", "yesno", "scale", "checkbox")


@dataclass
class Option:
    value: str
    label: str


@dataclass
class Field:
    """One question as the template draws it; `rows` holds a repeating group's rows of fields, `reveals` the
    fields shown under one of its choices."""
    name: str
    path: str
    label: str
    widget: str
    hint: str = ""
    required: bool = False
    optional: bool = False  # asked for in no branch of the form either: the label says "(optional)"
    value: Any = None
    options: list[Option] = field(default_factory=list)
    attrs: dict[str, Any] = field(default_factory=dict)
    error: str = ""
    rows: list[list[Field]] = field(default_factory=list)
    item_label: str = ""
    row_label: str = ""
    focus: bool = False
    reveals: dict[str, list[Field]] = field(default_factory=dict)
    prefix: str = ""
    width: int = 0  # the nhsuk-input--width-N of a box; 0: the column's width
    inline: bool = False
    parts: dict[str, str] = field(default_factory=dict)  # a date's day, month and year boxes
    wrong_parts: tuple[str, ...] = ()

    @property
    def files(self) -> list[dict]:
        """A file field's files: the document references it holds."""
        return self.value if self.widget == "file" and isinstance(self.value, list) else []

    @property
    def id(self) -> str:
        return f"f-{self.name}"

    @property
    def error_target(self) -> str:
        """Where the error summary's link goes: the box to correct first."""
        if self.widget == "date" and self.wrong_parts and self.wrong_parts[0] != "day":
            return f"#{self.id}-{self.wrong_parts[0]}"
        return f"#{self.id}"

    @property
    def shown(self) -> str:
        """The answer as text, for read-only fields and the confirmation summary."""
        if self.widget == "file":
            return ", ".join(str(ref.get("name")) for ref in self.files)
        if self.widget in ("checkbox", "yesno"):
            return {"true": "Yes", "false": "No"}.get(self.value, "No" if self.widget == "checkbox" else "")
        if self.widget == "checkboxes":
            return ", ".join(o.label for o in self.options if o.value in self.value)
        if self.options:
            return next((o.label for o in self.options if o.value == self.value), self.value or "")
        if self.widget == "date" and self.value:
            return uk_date(self.value) or self.value
        if self.prefix == "£" and self.value:
            return money(self.value)
        return self.value or ""

    def revealed_now(self) -> list[Field]:
        """The fields revealed by the choice made."""
        chosen = self.value if isinstance(self.value, list) else [self.value]
        return [f for value, fields in self.reveals.items() if value in chosen for f in fields]


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
    upload_limit: int | None = None  # the server's largest file, in bytes


def build_fields(schema: dict, ui: dict | None = None, values: dict | None = None,
                 errors: dict[str, str] | None = None, *, context: dict | None = None,
                 add_row: str | None = None, upload_limit: int | None = None) -> list[Field]:
    """The form's fields filled with `values`; `add_row` names a repeating group to grow by one row;
    `upload_limit` is the server's own limit on a file's size, said in a file field's hint."""
    build = _Build(errors or {}, context or {}, add_row, upload_limit)
    return _object_fields(schema, ui or {}, values or {}, build, name="", path="", row_label="")


def _object_fields(schema: dict, ui: dict, values: dict, build: _Build, *, name: str, path: str,
                   row_label: str) -> list[Field]:
    props = form_fields(schema)  # conditional fields too: revealed under their choice, or hinted
    required, asked = set(schema.get("required", [])), required_somewhere(schema)
    values = values if isinstance(values, dict) else {}
    order = [k for k in ui.get("ui:order", []) if k in props] + [k for k in props if k not in ui.get("ui:order", [])]
    fields: dict[str, Field] = {}
    for key in order:
        sub, sub_ui = props[key], ui.get(key) or {}
        made = Field(name=name + key, path=path + key, label=sub.get("title") or humanise(key),
                     widget=widget_for(sub, sub_ui, key in required), hint=sub.get("description", ""),
                     required=key in required, optional=key not in asked, row_label=row_label)
        # Read-only answers come from the project (the decision table's recommendation); earlier
        # rounds' answers are not offered again, so a past decision is never resubmitted by accident.
        value = build.context.get(key) if made.widget == "readonly" else values.get(key, sub.get("default"))
        _fill(made, sub, sub_ui, value, build)
        if made.path in build.errors:
            _mark_error(made, build.errors[made.path])
        fields[key] = made
    return _place_reveals(fields, revealed_by(schema))


def widget_for(schema: dict, ui: dict, required: bool) -> str:
    if schema.get("readOnly") or ui.get("ui:readonly"):
        return "readonly"
    if isinstance(schema.get(FILE), dict):
        return "file"
    kind = schema.get("type")
    if kind == "array":
        items = schema.get("items", {})
        return "group" if items.get("type") == "object" else "checkboxes" if choices_of(items) else "lines"
    if kind == "boolean":
        return "yesno" if required and "const" not in schema else "checkbox"
    if choices_of(schema):
        return "radios" if len(choices_of(schema)) <= MAX_RADIOS else "select"
    if kind == "integer" and _scale(schema):
        return "scale"
    if kind in ("integer", "number"):
        return "number"
    if schema.get("format") in ("date", "email"):
        return schema["format"]
    if ui.get("ui:widget") == "textarea" or schema.get("maxLength", 0) > LONG_TEXT:
        return "textarea"
    return "text"


def _scale(schema: dict) -> list[int]:
    low, high = schema.get("minimum"), schema.get("maximum")
    if isinstance(low, int) and isinstance(high, int) and 0 < high - low <= MAX_SCALE:
        return list(range(low, high + 1))
    return []


def _fill(made: Field, schema: dict, ui: dict, value: Any, build: _Build) -> None:
    offered = schema.get("items", {}) if made.widget == "checkboxes" else schema
    choices = _scale(schema) if made.widget == "scale" else choices_of(offered)
    made.options = [Option(str(c), choice_label(offered, c)) for c in choices]
    if made.widget == "yesno":
        made.options = [Option("true", "Yes"), Option("false", "No")]
    # a bare 1 to 5 fits on one line; labelled ends ("5 – Excellent") read better one under another
    made.inline = made.widget == "yesno" or made.widget == "scale" and all(len(o.label) <= 3 for o in made.options)
    if made.widget == "file":
        _fill_files(made, schema, value, build.upload_limit)
        return
    if made.widget == "group":
        _fill_rows(made, schema, ui, value, build)
    elif made.widget == "checkboxes":
        made.value = [str(v) for v in value] if isinstance(value, list) else []
    elif made.widget == "lines":
        made.value = "\n".join(str(v) for v in value) if isinstance(value, list) else _text_of(value)
        made.hint = (made.hint + " " if made.hint else "") + "Enter each one on a new line."
    elif made.widget in ("checkbox", "yesno"):
        made.value = {True: "true", False: "false"}.get(value, "") if isinstance(value, bool) else ""
    elif made.widget == "readonly":
        made.value = _readonly_text(schema, value)
    else:
        made.value = _text_of(value)
    if made.widget == "date":
        made.parts = date_parts(made.value)
    made.attrs = _attributes(schema, made.widget)
    made.prefix = "£" if schema.get("x-unit") == MONEY_UNIT else ""
    made.width = _width(schema, made)


def _fill_files(made: Field, schema: dict, value: Any, upload_limit: int | None) -> None:
    """The files already given (references; ids the page could not vouch for are left out before this), the
    kinds the browser offers, and the rule in the hint: "PDF or Word document, up to 1 MB each, up to 2 files"."""
    rule = file_fields({"properties": {made.name: schema}})[made.name]
    made.value = [ref for ref in value if isinstance(ref, dict) and isinstance(ref.get("document"), int)] \
        if isinstance(value, list) else []
    extensions = [f".{KINDS[k].extension}" for k in rule.kinds] + [".jpeg" for k in rule.kinds if k == "jpeg"]
    made.attrs = {"accept": ",".join(extensions), "multiple": rule.max_files != 1, "max_files": rule.max_files}
    made.hint = " ".join(filter(None, [made.hint, file_rule_words(rule, upload_limit)]))


def _readonly_text(schema: dict, value: Any) -> str:
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, list):  # Gate 2's board members who did not score, by name
        items = schema.get("items") if isinstance(schema.get("items"), dict) else {}
        return ", ".join(choice_label(items, v) if choices_of(items) else _text_of(v) for v in value) or "None"
    if choices_of(schema) and value is not None:
        return choice_label(schema, value)
    if schema.get("x-unit") == MONEY_UNIT and value is not None:
        return money(value)
    return _text_of(value)


def _text_of(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _attributes(schema: dict, widget: str) -> dict[str, Any]:
    attrs: dict[str, Any] = {}
    if widget in ("number", "scale"):
        attrs["inputmode"] = "numeric" if schema.get("type") == "integer" else "decimal"
        attrs.update({k[:3]: schema[k] for k in ("minimum", "maximum") if k in schema})
    elif widget in ("text", "textarea", "email") and "maxLength" in schema:
        attrs["maxlength"] = schema["maxLength"]
    return attrs


def _width(schema: dict, made: Field) -> int:
    """A box about as wide as its answer (nhsuk-input--width-N)."""
    if made.widget == "number":
        return 10 if made.prefix or schema.get("type") == "number" else 4
    if made.widget == "email":
        return 30
    length = schema.get("maxLength", LONG_TEXT + 1)
    return 10 if made.widget == "text" and length <= 20 else 20 if made.widget == "text" and length <= 50 else 0


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


# --- conditional fields ------------------------------------------------------------------

def _place_reveals(fields: dict[str, Field], revealed_by: dict[str, tuple[str, str]]) -> list[Field]:
    """The fields in order, those revealed by a choice moved under their choice."""
    placed = []
    for key, made in fields.items():
        control, choice = revealed_by.get(key, ("", ""))
        owner = fields.get(control)
        if owner is not None and owner.widget in CHOICE_WIDGETS and (
                choice in {o.value for o in owner.options} or owner.widget == "checkbox" and choice == "true"):
            owner.reveals.setdefault(choice, []).append(made)
            owner.inline = False  # the NHS pattern: no conditional content under inline radios
        else:
            placed.append(made)
    return placed


# --- errors ------------------------------------------------------------------------------

def _mark_error(made: Field, message: str) -> None:
    made.error = _file_error(made, message) if made.widget == "file" else _friendly(made, message)
    if made.widget == "date":
        named = message.removeprefix(MUST_INCLUDE) if message.startswith(MUST_INCLUDE) else ""
        made.wrong_parts = tuple(p for p in DATE_PARTS if p in named) or (
            ("year",) if message.startswith("Year must") else DATE_PARTS)


def _friendly(made: Field, message: str) -> str:
    """The engine's messages in words that tell the person what to do."""
    label = made.label[:1].lower() + made.label[1:] if made.label[1:2].islower() else made.label
    if message.startswith(MUST_INCLUDE):
        return f"{made.label} {message}"
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
    return ISO_DATE.sub(lambda found: uk_date(found.group()) or found.group(), message)  # "(3 March 2026 or after)"


_MESSAGES = [
    ("is not of type 'integer'", "Enter a whole number"),
    ("is not of type 'number'", "Enter a number"),
    ("is not a 'date'", REAL_DATE),
    ("is not a 'email'", "Enter an email address in the correct format, like name@example.com"),
    ("does not match", "Enter {label} in the format shown in the hint"),
    ("is too long", "{Label} is too long"),
    ("is too short", "{Label} is too short: give a little more detail"),
    ("was expected", "Tick the box to confirm"),
]


def _file_error(made: Field, message: str) -> str:
    """A file refused says why in its own words (engine.tasks.uploads); the form's rules say what to do."""
    label = made.label[:1].lower() + made.label[1:] if made.label[1:2].islower() else made.label
    if message == REQUIRED or "should be non-empty" in message or "is too short" in message:
        return f"Upload {label}"
    most = made.attrs.get("max_files")
    # more files than maxItems: the schema's message quotes the whole list (and is cut short); a refused file says why
    if most and len(made.files) > most and (message.startswith("[") or "is too long" in message):
        return f"{made.label} takes {'one file' if most == 1 else f'up to {most} files'}: remove one, or upload fewer"
    return message


def _missing(made: Field, label: str) -> str:
    if made.widget == "yesno":
        return "Select yes or no"
    if made.widget == "checkbox":
        return "Tick the box to confirm"
    if made.widget in ("radios", "select", "scale"):
        return f"Select {label}"
    if made.widget == "checkboxes":
        return f"Select at least one option for {label}"
    if made.widget == "group":
        return f"Add at least one {made.item_label[:1].lower() + made.item_label[1:]}"
    if made.widget == "lines":
        return f"Enter {label}, one on each line"
    return f"Enter {label}"


def all_fields(fields: list[Field]) -> Iterator[Field]:
    """Every field of the form in page order: rows' fields and revealed fields too."""
    for made in fields:
        yield made
        for choice in made.options or [Option("true", "")]:
            yield from all_fields(made.reveals.get(choice.value, []))
        for row in made.rows:
            yield from all_fields(row)


def error_summary(fields: list[Field], errors: dict[str, str]) -> list[tuple[str, str | None]]:
    """(message, link target) for every error, in the order of the form; unplaced ones last."""
    summary, placed = [], set()
    for made in all_fields(fields):
        placed.add(made.path)
        if made.error:
            summary.append((f"{made.row_label}: {made.error}" if made.row_label else made.error, made.error_target))
    by_path = {made.path: made for made in all_fields(fields)}
    for path, message in errors.items():
        if path in placed:
            continue
        parts = path.split(".")
        owner = next((by_path[".".join(parts[:n])] for n in range(len(parts) - 1, 0, -1)
                      if ".".join(parts[:n]) in by_path), None)
        summary.append((message, f"#{owner.id}" if owner else None))
    return summary
