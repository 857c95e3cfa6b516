"""What changed in a project's workflow data between two points of its history: the keys added,
removed or changed, each with its old and new value, nested records followed down to the field."""
from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

# Keys that name a record in a list of records (an EoI by its partner, a score by its partner).
IDENTITY_KEYS = ("partner", "id", "username", "name")
MAX_TEXT = 300


@dataclass
class Change:
    path: str  # "gate1_decision", "eois[Medtech Innovations Ltd].submitted", "board_scores[2]"
    kind: str  # added, removed or changed
    old: Any = None
    new: Any = None

    def as_dict(self) -> dict:
        return {"path": self.path, "kind": self.kind, "old": plain(self.old), "new": plain(self.new),
                "old_text": as_text(self.old) if self.kind != "added" else "",
                "new_text": as_text(self.new) if self.kind != "removed" else ""}


def diff_data(before: dict, after: dict) -> list[Change]:
    """Every field that differs, in the order of the keys (sorted), nested fields by path."""
    changes: list[Change] = []
    _diff(plain(before or {}), plain(after or {}), "", changes)
    return changes


def _diff(old: Any, new: Any, path: str, changes: list[Change]) -> None:
    if old == new:
        return
    if isinstance(old, dict) and isinstance(new, dict):
        for key in sorted(set(old) | set(new), key=str):
            where = f"{path}.{key}" if path else str(key)
            if key not in old:
                changes.append(Change(where, "added", new=new[key]))
            elif key not in new:
                changes.append(Change(where, "removed", old=old[key]))
            else:
                _diff(old[key], new[key], where, changes)
    elif _records(old) and _records(new):
        _diff_records(old, new, path, changes)
    else:
        changes.append(Change(path, "changed", old, new))


def _records(value: Any) -> bool:
    return isinstance(value, list) and bool(value) and all(isinstance(v, dict) for v in value)


def _diff_records(old: list[dict], new: list[dict], path: str, changes: list[Change]) -> None:
    """Lists of records are compared record by record: by their identity key when they have one
    (so a record inserted in the middle is one addition, not every later record changed)."""
    key = _identity(old, new)
    olds = {str(r[key]): r for r in old} if key else {str(i): r for i, r in enumerate(old)}
    news = {str(r[key]): r for r in new} if key else {str(i): r for i, r in enumerate(new)}
    for name in list(olds) + [n for n in news if n not in olds]:
        where = f"{path}[{name}]"
        if name not in news:
            changes.append(Change(where, "removed", old=olds[name]))
        elif name not in olds:
            changes.append(Change(where, "added", new=news[name]))
        else:
            _diff(olds[name], news[name], where, changes)


def _identity(old: list[dict], new: list[dict]) -> str | None:
    for key in IDENTITY_KEYS:
        if _names_each(old, key) and _names_each(new, key):
            return key
    return None


def _names_each(records: list[dict], key: str) -> bool:
    values = [r.get(key) for r in records]
    simple = all(v is not None and not isinstance(v, (dict, list)) for v in values)
    return simple and len(set(map(str, values))) == len(values)


def flatten(data: dict) -> list[tuple[str, str]]:
    """A record as (path, text) rows, nested records followed down: what a form submitted."""
    rows: list[tuple[str, str]] = []
    if data:
        _leaves(plain(data), "", rows)
    return rows


def _leaves(value: Any, path: str, rows: list[tuple[str, str]]) -> None:
    if isinstance(value, dict) and value:
        for key in sorted(value, key=str):
            _leaves(value[key], f"{path}.{key}" if path else str(key), rows)
    elif _records(value):
        key = _identity(value, value)
        for i, record in enumerate(value):
            _leaves(record, f"{path}[{record[key] if key else i}]", rows)
    else:
        rows.append((path, as_text(value)))


def as_text(value: Any) -> str:
    """A value as a person reads it: lists of plain values joined, records as compact JSON."""
    if value is None or value == "":
        return "–"
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, list) and all(not isinstance(v, (dict, list)) for v in value):
        return ", ".join(as_text(v) for v in value) if value else "(none)"
    if isinstance(value, dict):
        text = "; ".join(f"{k}: {as_text(v)}" for k, v in sorted(value.items(), key=lambda i: str(i[0])))
    elif isinstance(value, list):
        text = " | ".join(as_text(v) for v in value)
    else:
        text = str(value)
    return text if len(text) <= MAX_TEXT else text[:MAX_TEXT - 1] + "…"


def plain(value: Any) -> Any:
    """As stored: JSON, with dates and other values as text."""
    return json.loads(json.dumps(value, default=str))
