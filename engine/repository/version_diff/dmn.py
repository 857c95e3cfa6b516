"""Differences between two versions' decision tables: per decision, the hit policy, the inputs and
outputs, and the rules added, removed or changed (shown as their input entries and outputs)."""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from engine.repository.version_diff.bpmn_elements import local
from engine.repository.version_diff.changes import Change, from_to, shown
from engine.spiff.xmlsafe import parse_xml

# Hit policies under which the order of the rules decides the result.
ORDERED_POLICIES = {"FIRST", "PRIORITY", "RULE ORDER", "OUTPUT ORDER", "COLLECT"}


@dataclass
class Table:
    id: str
    name: str
    file: str
    hit_policy: str = "UNIQUE"
    inputs: dict[str, dict] = field(default_factory=dict)  # id -> label, expression, type
    outputs: dict[str, dict] = field(default_factory=dict)  # id -> label, name, type
    rules: dict[str, dict] = field(default_factory=dict)  # id -> description, cells (column id -> entry)

    def label(self, column: str) -> str:
        return (self.inputs.get(column) or self.outputs.get(column) or {"label": column})["label"]


def _text(node) -> str:
    return re.sub(r"\s+", " ", "".join(node.itertext()) if node is not None else "").strip()


def read_tables(dmn: dict[str, str]) -> dict[str, Table]:
    """Every decision table of every DMN file, by decision id."""
    tables = {}
    for file, xml in sorted(dmn.items()):
        root = parse_xml(xml.encode(), what=file)
        for decision in (d for d in root.iter() if local(d) == "decision"):
            table = next((t for t in decision if local(t) == "decisionTable"), None)
            if table is not None:
                tables[decision.get("id")] = _table(decision, table, file)
    return tables


def _table(decision, node, file: str) -> Table:
    table = Table(id=decision.get("id"), name=decision.get("name") or decision.get("id"), file=file,
                  hit_policy=node.get("hitPolicy", "UNIQUE"))
    columns = []
    for part in node:
        tag = local(part)
        if tag == "input":
            expression = next((e for e in part if local(e) == "inputExpression"), None)
            table.inputs[part.get("id")] = {"label": part.get("label") or part.get("id"),
                                            "expression": _text(expression),
                                            "type": expression.get("typeRef") if expression is not None else None}
            columns.append(part.get("id"))
        elif tag == "output":
            table.outputs[part.get("id")] = {"label": part.get("label") or part.get("name") or part.get("id"),
                                             "name": part.get("name"), "type": part.get("typeRef")}
            columns.append(part.get("id"))
        elif tag == "rule":
            entries = [_text(e) for e in part if local(e) in ("inputEntry", "outputEntry")]
            description = _text(next((d for d in part if local(d) == "description"), None))
            table.rules[part.get("id") or f"rule {len(table.rules) + 1}"] = {
                "description": description, "cells": dict(zip(columns, entries, strict=False))}
    return table


def diff_dmn(old: dict[str, str], new: dict[str, str], *, old_users: dict[str, tuple[str, ...]],
             new_users: dict[str, tuple[str, ...]]) -> list[Change]:
    """`old_users`/`new_users`: the business rule tasks calling each decision, to mark them."""
    before, after = read_tables(old), read_tables(new)
    changes = []
    for key, table in after.items():
        if key not in before:
            changes.append(_change(table, "decision_added", f"Decision table {shown(table.name)} added "
                                   f"({table.file}, {len(table.rules)} rules)", new_users))
        else:
            changes += _table_changes(before[key], table, new_users)
    for key, table in before.items():
        if key not in after:
            changes.append(_change(table, "decision_removed", f"Decision table {shown(table.name)} removed",
                                   old_users, side="old"))
    return changes


def _change(table: Table, kind: str, description: str, users: dict, *, old=None, new=None,
            side: str = "new") -> Change:
    return Change(area="decisions", kind=kind, element_id=table.id, element_name=table.name,
                  description=description, old=old, new=new, side=side, diagram_ids=users.get(table.id, ()))


def rule_text(rule: dict, table: Table) -> str:
    """'when Outcome measures met == outcomes_total, … then Recommendation = "proceed"'."""
    cells = rule["cells"].items()
    conditions = [f"{table.label(c)} {entry}" for c, entry in cells if c in table.inputs and entry != "-"]
    results = [f"{table.label(c)} = {entry}" for c, entry in cells if c not in table.inputs]
    return f"when {', '.join(conditions) or 'anything'} then {', '.join(results) or 'nothing'}"


def _table_changes(old: Table, new: Table, users: dict) -> list[Change]:
    found, name = [], new.name
    if old.name != new.name:
        found.append(_change(new, "decision_changed", f"Decision table {shown(old.name)} renamed to {shown(name)}",
                             users, old=old.name, new=name))
    if old.hit_policy != new.hit_policy:
        found.append(_change(new, "decision_changed", f"{name}: hit policy {from_to(old.hit_policy, new.hit_policy)}",
                             users, old=old.hit_policy, new=new.hit_policy))
    for part, before, after in (("input", old.inputs, new.inputs), ("output", old.outputs, new.outputs)):
        for key in [*after, *(k for k in before if k not in after)]:
            if before.get(key) != after.get(key):
                column = (after.get(key) or before[key])["label"]
                kind = f"{part}_{'added' if key not in before else 'removed' if key not in after else 'changed'}"
                details = "; ".join(f"{k} {from_to((before.get(key) or {}).get(k), (after.get(key) or {}).get(k))}"
                                    for k in ("label", "expression", "name", "type")
                                    if (before.get(key) or {}).get(k) != (after.get(key) or {}).get(k))
                found.append(_change(new, kind, f"{name}: {part} {shown(column)} {kind.split('_')[1]} ({details})",
                                     users, old=before.get(key), new=after.get(key)))
    return found + _rule_changes(old, new, users)


def _rule_changes(old: Table, new: Table, users: dict) -> list[Change]:
    found, name = [], new.name
    for key, rule in new.rules.items():
        title = shown(rule["description"] or key)
        if key not in old.rules:
            found.append(_change(new, "rule_added", f"{name}: rule {title} added: {rule_text(rule, new)}",
                                 users, new=rule))
            continue
        was = old.rules[key]
        cells = [f"{new.label(c)} {from_to(was['cells'].get(c), entry)}" for c, entry in rule["cells"].items()
                 if was["cells"].get(c) != entry]
        cells += [f"{old.label(c)} removed" for c in was["cells"] if c not in rule["cells"]]
        if was["description"] != rule["description"]:
            cells.insert(0, f"description {from_to(was['description'], rule['description'])}")
        if cells:
            found.append(_change(new, "rule_changed", f"{name}: rule {title}: {'; '.join(cells)}",
                                 users, old=was, new=rule))
    for key, rule in old.rules.items():
        if key not in new.rules:
            found.append(_change(new, "rule_removed", f"{name}: rule {shown(rule['description'] or key)} removed "
                                 f"(was {rule_text(rule, old)})", users, old=rule))
    common = [k for k in new.rules if k in old.rules]
    if new.hit_policy in ORDERED_POLICIES and common != [k for k in old.rules if k in new.rules]:
        found.append(_change(new, "rules_reordered", f"{name}: rules reordered (the order decides the result "
                             f"under hit policy {new.hit_policy})", users, old=list(old.rules), new=list(new.rules)))
    return found
