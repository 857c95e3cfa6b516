"""The whole comparison of two versions' files, and what the pages draw from it: per diagram
element a marker and badge, and counts for the summary line."""
from __future__ import annotations

from collections import Counter

from engine.kernel.task_rules import FORM, FORM_LAYOUT
from engine.repository.version_diff.bpmn import diff_bpmn
from engine.repository.version_diff.bpmn_elements import Element, read_elements
from engine.repository.version_diff.changes import AREAS, Change, ProcessFiles
from engine.repository.version_diff.dmn import diff_dmn
from engine.repository.version_diff.forms import diff_forms

FORM_PROPERTIES = (FORM.name, FORM_LAYOUT.name)
# When one element has several kinds of change, the badge names the strongest.
BADGE_ORDER = ("Added", "Removed", "Moved", "Re-routed")


def diff_files(old: ProcessFiles, new: ProcessFiles) -> list[Change]:
    """Every difference from `old` to `new`: diagram elements, then forms, then decision tables.

    Raises xmlsafe.UnsafeXml when a file is not well-formed (deployed files always are).
    """
    old_elements, new_elements = read_elements(old.bpmn), read_elements(new.bpmn)
    return (diff_bpmn(old.bpmn, new.bpmn)
            + diff_forms(old.forms, new.forms, old_users=forms_used(old_elements),
                         new_users=forms_used(new_elements))
            + diff_dmn(old.dmn, new.dmn, old_users=decisions_used(old_elements),
                       new_users=decisions_used(new_elements)))


def forms_used(elements: dict[str, Element]) -> dict[str, tuple[str, ...]]:
    """Form file name -> the tasks that show it."""
    found: dict[str, list[str]] = {}
    for element in elements.values():
        for key in FORM_PROPERTIES:
            if element.properties.get(key):
                found.setdefault(element.properties[key], []).append(element.id)
    return {name: tuple(ids) for name, ids in found.items()}


def decisions_used(elements: dict[str, Element]) -> dict[str, tuple[str, ...]]:
    """Decision id -> the business rule tasks that call it."""
    found: dict[str, list[str]] = {}
    for element in elements.values():
        if element.properties.get("decision table"):
            found.setdefault(element.properties["decision table"], []).append(element.id)
    return {name: tuple(ids) for name, ids in found.items()}


def diagram_markers(changes: list[Change]) -> dict[str, dict[str, dict]]:
    """{"new": {element id: {"marker": added|changed, "badge": "Moved"}}, "old": {... removed|changed}}.

    What changed is marked on both diagrams; what was added only on the new one, what was removed
    only on the old one."""
    labels: dict[tuple[str, str], set[str]] = {}
    for change in changes:
        for side, badge in _badges(change):
            for element_id in change.diagram_ids:
                labels.setdefault((side, element_id), set()).add(badge)
    markers: dict[str, dict[str, dict]] = {"new": {}, "old": {}}
    for (side, element_id), badges in labels.items():
        strongest = next((b for b in BADGE_ORDER if b in badges), None)
        badge = strongest or (badges.pop() if len(badges) == 1 else "Changed")
        marker = {"Added": "added", "Removed": "removed"}.get(badge, "changed")
        markers[side][element_id] = {"marker": marker, "badge": badge}
    return markers


def _badges(change: Change) -> list[tuple[str, str]]:
    if change.area != "diagram":
        return [(change.side, "Changed")]  # a task whose form or decision table changed
    if change.effect == "added":
        return [("new", "Added")]
    if change.effect == "removed":
        return [("old", "Removed")]
    return [("new", change.label), ("old", change.label)]


def summarise(changes: list[Change]) -> dict:
    """Counts for the summary line: in all, by effect (added, removed, changed) and by area."""
    effects = Counter(c.effect for c in changes)
    areas = Counter(c.area for c in changes)
    return {"total": len(changes), **{e: effects.get(e, 0) for e in ("added", "removed", "changed")},
            "areas": {a: areas.get(a, 0) for a in AREAS}}
