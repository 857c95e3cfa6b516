"""A project's answers as the project page lists them: each field by its form's title, choices by their
labels, money as £, dates as "20 December 2026", people by their names (never a username), files as links."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Iterable

from engine.documents.kinds import size_in_words
from engine.repository.file_fields import FILE, KIND_BY_MEDIA_TYPE
from engine.repository.forms import form_fields
from engine.tasks.decisions import DATA_TITLES
from web.form_words import MONEY_UNIT, FormWords, humanise
from web.wording import money, uk_date, uk_datetime

MONEY_SUFFIX = " (GBP)"  # money fields' titles end so (engine messages quote them); pages say £ instead
# The parts of a document reference, as the history's "Data submitted" names them.
REFERENCE_LABELS = {"document": "Document number", "name": "File name", "type": "Kind", "size": "Size",
                    "sha256": "Fingerprint (SHA-256)"}


def is_files(value: Any) -> bool:
    """Whether an answer is a file field's: a list of document references ({"document", ..., "sha256"})."""
    return isinstance(value, list) and bool(value) and all(
        isinstance(v, dict) and isinstance(v.get("document"), int) and isinstance(v.get("sha256"), str) for v in value)


def _kind_label(media_type, unknown: str = "File") -> str:
    kind = KIND_BY_MEDIA_TYPE.get(media_type)
    return kind.label if kind else unknown


def file_words(ref: dict) -> str:
    """A document in one line: "JWA signed.pdf (PDF, 120 KB)"."""
    size = size_in_words(ref["size"]) if isinstance(ref.get("size"), int) else "size unknown"
    return f"{ref.get('name')} ({_kind_label(ref.get('type'))}, {size})"


@dataclass
class Answer:
    """One answer: `text`, or `parts` (a record's own answers), or `records` (a list of records), or `files`
    (document references, shown as links)."""
    label: str
    text: str = ""
    parts: list[Answer] = field(default_factory=list)
    records: list[list[Answer]] = field(default_factory=list)
    files: list[dict] = field(default_factory=list)


class ProjectAnswers:
    def __init__(self, schemas: Iterable[dict], people: dict[str, str]):
        schemas = list(schemas)
        self.words = FormWords(schemas)
        self.people = people  # username -> display name, for the answers that name people
        self.top: dict[str, dict] = {}  # the forms' own fields: a project's answers
        self.inner: dict[str, dict] = {}  # the fields of the records they hold (a milestone's title)
        for schema in schemas:
            for key, sub in form_fields(schema).items():
                self.top.setdefault(key, sub)
                self._collect_inner(sub)

    def _collect_inner(self, sub: dict) -> None:
        items = sub.get("items") if isinstance(sub.get("items"), dict) else {}
        if items.get("type") == "object" or "properties" in items:
            for key, inner in form_fields(items).items():
                self.inner.setdefault(key, inner)
                self._collect_inner(inner)

    def rows(self, data: dict, *, inner: bool = False) -> list[Answer]:
        return [self.answer(key, value, inner=inner) for key, value in data.items()
                if value not in (None, "", [], {})]

    def label(self, key: str, *, inner: bool = False) -> str:
        found = (self.inner if inner else self.top).get(key) or self.top.get(key) or self.inner.get(key) or {}
        title = found.get("title")
        return title if isinstance(title, str) and title else DATA_TITLES.get(key) or self.people.get(key) \
            or humanise(key)

    def answer(self, key: str, value: Any, *, inner: bool = False) -> Answer:
        label = self.label(key, inner=inner)
        if is_files(value):
            return Answer(label, text=", ".join(file_words(ref) for ref in value), files=value)
        if isinstance(value, dict):
            return Answer(label, parts=self.rows(value, inner=True))
        if isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
            return Answer(label, records=[self.rows(v, inner=True) for v in value])
        pounds = self._pounds(key, inner)
        return Answer(label.removesuffix(MONEY_SUFFIX), text=self.text(key, value, money_field=pounds))

    def text(self, key: str, value: Any, *, money_field: bool = False) -> str:
        """An answer in words: a person's name, £ for money, a date, a choice's label, a field's title, a file."""
        if is_files(value):
            return ", ".join(file_words(ref) for ref in value)
        if isinstance(value, list):
            return ", ".join(self.text(key, v, money_field=money_field) for v in value)
        if isinstance(value, str) and value in self.people:
            return self.people[value]
        if money_field and isinstance(value, (int, float)) and not isinstance(value, bool):
            return money(value)
        if self.top.get(key, self.inner.get(key, {})).get("format") == "date" and isinstance(value, str):
            return uk_date(value)
        if isinstance(value, str) and key not in self.top and value in self.inner:  # a criterion's key
            return self.label(value, inner=True)
        return self.words.value(key, value)

    def path_words(self, path: str) -> str:
        """A changed field's path in words: "eois[Medtech Innovations Ltd].solution_name" reads
        "Expressions of interest (Medtech Innovations Ltd) › Solution name"; "board_scores[2]" "… 3"."""
        parts, owner = [], ""
        for segment in re.split(r"\.(?![^\[]*\])", path):
            found = re.fullmatch(r"([^\[]+)(?:\[(.*)\])?", segment)
            if not found:
                parts.append(segment)
                continue
            key, which = found.groups()
            label = REFERENCE_LABELS[key] if self.is_file_field(owner) and key in REFERENCE_LABELS \
                else self.label(key, inner=bool(parts)).removesuffix(MONEY_SUFFIX)
            owner = key
            parts.append(label if which is None else f"{label} {int(which) + 1}" if which.isdigit()
                         else f"{label} ({self.people.get(which, which)})")
        return " › ".join(parts)

    def change_words(self, change: dict) -> dict:
        """A change (data_diff.Change.as_dict()) with its field and values in words."""
        key = re.split(r"[.\[]", change["path"].rsplit(".", 1)[-1])[0]
        return {"kind": change["kind"], "field": self.path_words(change["path"]),
                "old_words": self._value_words(key, change["old"], change["old_text"]),
                "new_words": self._value_words(key, change["new"], change["new_text"])}

    def _value_words(self, key: str, value: Any, text: str) -> str:
        if value is None or value == "":
            return "None" if text == "–" else text
        return self.words_of(key, value)

    def words_of(self, key: str, value: Any) -> str:
        """Any answer in one line of words: a record's fields as "Label: answer; …", records apart by " | "."""
        if is_files(value):
            return self.text(key, value)
        if isinstance(value, dict):
            return "; ".join(f"{self.label(k, inner=True).removesuffix(MONEY_SUFFIX)}: {self.words_of(k, v)}"
                             for k, v in value.items() if v not in (None, "", [], {}))
        if isinstance(value, list) and any(isinstance(v, (dict, list)) for v in value):
            return " | ".join(self.words_of(key, v) for v in value)
        return self.text(key, value, money_field=self._pounds(key, inner=False))

    def is_file_field(self, key: str) -> bool:
        """Whether the forms hold files in this field (`"x-file"`)."""
        return isinstance(self.top.get(key, {}).get(FILE), dict)

    def _pounds(self, key: str, inner: bool) -> bool:
        """Whether the form marks the field as an amount in pounds (`"x-unit": "GBP"`)."""
        found = (self.inner if inner else self.top).get(key) or self.top.get(key) or self.inner.get(key) or {}
        return found.get("x-unit") == MONEY_UNIT

    def detail_words(self, path: str, text: str) -> tuple[str, str]:
        """An event's detail (data_diff.flatten's path and text, or a label and text) in words: people by
        name, moments as "20 December 2026 at 2:30pm", choices by their labels."""
        key = re.split(r"[.\[]", path.rsplit(".", 1)[-1])[0]
        if text in ("–", ""):
            return self.path_words(path), "None"
        owner = re.sub(r"\[[^\]]*\]$", "", path.rsplit(".", 1)[0]).rsplit(".", 1)[-1] if "." in path else ""
        if self.is_file_field(owner) and key in REFERENCE_LABELS:  # a document reference: its kind and size in words
            words = size_in_words(int(text)) if key == "size" and text.isdigit() else _kind_label(text, text)
            return self.path_words(path), words
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}T[\d:.]+([+-]\d{2}:\d{2}|Z)?", text):
            return self.path_words(path), uk_datetime(text)
        parts = [self.people.get(part, part) for part in text.split(", ")]
        if parts != text.split(", "):
            return self.path_words(path), ", ".join(parts)
        return self.path_words(path), self._value_words(key, text, text)
