"""The words a form gives its fields and choices, for the form itself and for pages that show its answers.

A field's label is its schema `title`, its hint its `description`. A choice's label comes from, in order:
- `"x-labels": {"proof_of_value": "Test a new idea (proof of value)"}` beside the field's `enum` (the main
  convention: the `enum` and so what is validated stay as they were; an integer scale keys its labels by
  the number as text, `{"1": "1 – Poor"}`);
- `"oneOf": [{"const": "proof_of_value", "title": "Test a new idea (proof of value)"}]`, JSON Schema's own
  way of titling values;
- a choice filled from the directory or the project's data (an organisation's or a partner's name) is a
  name already, and is shown as it is.
`humanise` is the last resort for a form that gives no words; a test proves the Six Gates forms never need it.
"""
from __future__ import annotations

import re
from typing import Any, Iterable

from engine.documents.kinds import kinds_in_words, size_in_words
from engine.repository.file_fields import FileRule
from engine.repository.forms import form_fields
from web.wording import money, uk_date

LABELS = "x-labels"
ISO_DATE = re.compile(r"\b\d{4}-\d\d-\d\d\b")
CODE = re.compile(r"[a-z][a-z0-9_]*")  # what reads as a code, not a word, unless labelled


MONEY_UNIT = "GBP"  # `"x-unit": "GBP"`: a number field holding pounds

def humanise(value: Any) -> str:
    """Codes such as `proof_of_value` read as words, ISO dates as "5 March 2027"; names and numbers stay as they
    are (the last resort for codes: forms label theirs)."""
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    text = "" if value is None else str(value)
    if CODE.fullmatch(text):
        return text.replace("_", " ").capitalize()
    if ISO_DATE.fullmatch(text):
        return uk_date(text) or text
    return text


def choices_of(schema: dict) -> list[Any]:
    """The values a field (or an array's items) offers: its `enum`, or the `const`s of its `oneOf`."""
    if isinstance(schema.get("enum"), list):
        return schema["enum"]
    return [alt["const"] for alt in schema.get("oneOf") or [] if isinstance(alt, dict) and "const" in alt]


def given_label(schema: dict, value: Any) -> str | None:
    """The label the schema gives this value, or None when it gives none."""
    key = _key(value)
    labels = schema.get(LABELS)
    if isinstance(labels, dict) and isinstance(labels.get(key), str):
        return labels[key]
    for alt in schema.get("oneOf") or []:
        if isinstance(alt, dict) and _key(alt.get("const")) == key and isinstance(alt.get("title"), str):
            return alt["title"]
    return None


def choice_label(schema: dict, value: Any) -> str:
    """A choice in words: the schema's label; a name from the directory or the data as it is."""
    label = given_label(schema, value)
    if label is not None:
        return label
    text = _key(value)
    if "x-options" in schema or not CODE.fullmatch(text):  # a name, a number or words already
        return text
    return humanise(value)


def _key(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return "" if value is None else str(value)


class FormWords:
    """Labels for the answers a project holds, from the forms that asked for them (for pages that list
    project data by key): `label("nhs_contribution")` is "NHS contribution (GBP)",
    `value("pathway", "proof_of_value")` the pathway's label."""

    def __init__(self, schemas: Iterable[dict]):
        self._fields: dict[str, dict] = {}
        self._codes: dict[str, str] = {}  # every labelled code, for a value kept under another key ("status")
        for schema in schemas:
            self._collect(schema)

    def _collect(self, schema: dict) -> None:
        for key, sub in form_fields(schema).items():
            self._fields.setdefault(key, sub)
            for offered in (sub, sub.get("items") if isinstance(sub.get("items"), dict) else {}):
                for code in choices_of(offered):
                    label = given_label(offered, code)
                    if label and isinstance(code, str):
                        self._codes.setdefault(code, label)
            items = sub.get("items") if isinstance(sub.get("items"), dict) else {}
            if items.get("type") == "object" or "properties" in items:
                self._collect(items)

    @property
    def money_keys(self) -> frozenset[str]:
        """The fields the forms mark as amounts in pounds (`"x-unit": "GBP"`)."""
        return frozenset(key for key, sub in self._fields.items() if sub.get("x-unit") == MONEY_UNIT)

    def label(self, key: str) -> str:
        """The field's title; a key no form declares, in words (the last resort)."""
        title = self._fields.get(key, {}).get("title")
        return title if isinstance(title, str) and title else humanise(key)

    def value(self, key: str, value: Any) -> str:
        """An answer in words: a choice's label, Yes/No, a date as "5 March 2027", money as "£12,500", a number
        or text as it is."""
        sub = self._fields.get(key, {})
        if isinstance(value, list):
            return ", ".join(self.value(key, v) for v in value)
        if isinstance(value, bool):
            return "Yes" if value else "No"
        if isinstance(value, str) and (choices_of(sub) or choices_of(sub.get("items") or {})):
            return choice_label(sub if choices_of(sub) else sub["items"], value)
        if isinstance(value, str) and sub.get("format") == "date":
            return uk_date(value) or value
        if sub.get("x-unit") == MONEY_UNIT and isinstance(value, (int, float)):
            return money(value)
        if isinstance(value, str) and CODE.fullmatch(value):  # a code the process copied under a key of its own
            return self._codes.get(value) or humanise(value)
        return _key(value) if not isinstance(value, str) else value


def file_rule_words(rule: FileRule, upload_limit: int | None) -> str:
    """What a file field takes, for its hint: "PDF or Word document, up to 1 MB each, up to 2 files."."""
    largest = min(rule.max_bytes or upload_limit or 0, upload_limit or rule.max_bytes or 0)
    words = [kinds_in_words(rule.kinds)]
    if largest:
        words.append(f"up to {size_in_words(largest)}{' each' if rule.max_files != 1 else ''}")
    if rule.max_files and rule.max_files > 1:
        words.append(f"up to {rule.max_files} files")
    return ", ".join(words) + "."
