"""Differences between two versions' forms: form files added or removed, and per changed form the
fields added, removed or changed (title, type, required, choices, limits), by JSON Schema path."""
from __future__ import annotations

from typing import Any

from engine.repository.forms import form_fields
from engine.repository.version_diff.changes import Change, from_to, shown

ATTRIBUTES = {"title": "title", "type": "type", "enum": "choices", "x-options": "choices from",
              "minimum": "minimum", "maximum": "maximum", "format": "format"}
RULE_KEYS = ("allOf", "anyOf", "oneOf", "if", "then", "else", "dependentRequired", "dependentSchemas")
PLAIN_KEYS = {"properties", "required", "title", "description", "$id", "$schema", "type", *RULE_KEYS}


def diff_forms(old: dict[str, dict], new: dict[str, dict], *, old_users: dict[str, tuple[str, ...]],
               new_users: dict[str, tuple[str, ...]]) -> list[Change]:
    """`old_users`/`new_users`: the diagram elements that show each form file, to mark them."""
    changes = []
    for name in sorted(new.keys() - old.keys()):
        count = len(fields_of(new[name]))
        summary = f" (“{new[name]['title']}”, {count} field{'s' if count != 1 else ''})" if "title" in new[name] else ""
        changes.append(_change(name, new[name], "form_added", f"Form {name} added{summary}",
                               ids=new_users.get(name, ())))
    for name in sorted(old.keys() - new.keys()):
        changes.append(_change(name, old[name], "form_removed", f"Form {name} removed",
                               ids=old_users.get(name, ()), side="old"))
    for name in sorted(old.keys() & new.keys()):
        if old[name] != new[name]:
            changes += _form_changes(name, old[name], new[name], new_users.get(name, ()))
    return changes


def _change(name: str, form: dict, kind: str, description: str, *, ids: tuple[str, ...] = (),
            old: Any = None, new: Any = None, side: str = "new") -> Change:
    title = form.get("title") if isinstance(form.get("title"), str) else name
    return Change(area="forms", kind=kind, element_id=name, element_name=title, description=description,
                  old=old, new=new, side=side, diagram_ids=ids)


def fields_of(schema: dict, prefix: str = "", labels: tuple[str, ...] = ()) -> dict[str, dict]:
    """Every field of a form schema by path (`scores[].partner`), nested objects and lists included."""
    found: dict[str, dict] = {}
    required = set(schema.get("required") or [])
    for key, spec in form_fields(schema).items():  # conditional fields (in `then`/`else`) too
        if not isinstance(spec, dict):
            continue
        path, label = f"{prefix}{key}", labels + (str(spec.get("title") or key),)
        items = spec["items"] if isinstance(spec.get("items"), dict) else {}
        found[path] = {"label": " › ".join(label), "required": key in required,
                       **{a: spec.get(a, items.get(a) if a in ("enum", "x-options") else None) for a in ATTRIBUTES}}
        if "properties" in spec:
            found.update(fields_of(spec, f"{path}.", label))
        if "properties" in items:
            found.update(fields_of(items, f"{path}[].", label))
    return found


def _form_changes(name: str, old: dict, new: dict, ids: tuple[str, ...]) -> list[Change]:
    title = new.get("title") or name
    if "properties" not in old and "properties" not in new:
        keys = sorted(k for k in old.keys() | new.keys() if old.get(k) != new.get(k))
        return [_change(name, new, "form_changed", f"{title}: layout changed ({', '.join(keys)})", ids=ids)]
    changes = []
    for key, what in (("title", "title"), ("description", "introduction")):
        if old.get(key) != new.get(key):
            changes.append(_change(name, new, "form_changed",
                                   f"{title}: form {what} {from_to(old.get(key), new.get(key))}",
                                   ids=ids, old=old.get(key), new=new.get(key)))
    if any(old.get(k) != new.get(k) for k in RULE_KEYS):
        changes.append(_change(name, new, "form_changed", f"{title}: conditional rules changed (which answers "
                               "are required depending on others)", ids=ids,
                               old={k: old[k] for k in RULE_KEYS if k in old},
                               new={k: new[k] for k in RULE_KEYS if k in new}))
    other = sorted(k for k in old.keys() | new.keys() if k not in PLAIN_KEYS and old.get(k) != new.get(k))
    if other:
        changes.append(_change(name, new, "form_changed", f"{title}: settings changed ({', '.join(other)})", ids=ids))
    return changes + _field_changes(name, title, old, new, ids)


def _field_changes(name: str, title: str, old: dict, new: dict, ids: tuple[str, ...]) -> list[Change]:
    before, after = fields_of(old), fields_of(new)
    changes = []
    for path, field in after.items():
        if path not in before:
            extras = [field["type"] or "any type"] + (["required"] if field["required"] else [])
            if field["enum"]:
                extras.append(f"choices {shown(field['enum'])}")
            changes.append(_change(name, new, "field_added", f"{title}: field “{field['label']}” ({path}) added, "
                                   f"{', '.join(map(str, extras))}", ids=ids, new=field))
        elif (details := _field_details(before[path], field)):
            changes.append(_change(name, new, "field_changed", f"{title}: field “{field['label']}” ({path}): "
                                   f"{'; '.join(details)}", ids=ids, old=before[path], new=field))
    for path, field in before.items():
        if path not in after:
            changes.append(_change(name, new, "field_removed", f"{title}: field “{field['label']}” ({path}) removed",
                                   ids=ids, old=field))
    return changes


def _field_details(old: dict, new: dict) -> list[str]:
    details = []
    if old["required"] != new["required"]:
        details.append("now required" if new["required"] else "no longer required")
    for key, what in ATTRIBUTES.items():
        if old[key] == new[key]:
            continue
        if key == "enum" and isinstance(old[key], list) and isinstance(new[key], list):
            added = [v for v in new[key] if v not in old[key]]
            removed = [v for v in old[key] if v not in new[key]]
            parts = ([f"added {shown(added)}"] if added else []) + ([f"removed {shown(removed)}"] if removed else [])
            details.append(f"choices {' and '.join(parts) if parts else 'reordered'}")
        else:
            details.append(f"{what} {from_to(old[key], new[key])}")
    return details
