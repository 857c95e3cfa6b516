"""Differences between two BPMN diagrams, element by element (elements are matched by id)."""
from __future__ import annotations

from engine.kernel.task_rules import PROPERTIES
from engine.repository.version_diff.bpmn_elements import Element, read_elements
from engine.repository.version_diff.changes import Change, from_to, shown, words

PROPERTY_LABELS = {p.name: p.changed_as for p in PROPERTIES}
LOOP_LABELS = {
    "kind": "repeats", "loopDataInputRef": "multi-instance collection", "loopCardinality": "number of repeats",
    "loopDataOutputRef": "collected results", "inputDataItem": "item name", "outputDataItem": "result name",
    "completionCondition": "early completion condition", "loopCondition": "loop condition",
    "loopMaximum": "maximum loops", "test before": "condition tested first",
}
SCRIPT_LABELS = {"script": "script", "preScript": "script before the task", "postScript": "script after the task"}


def diff_bpmn(old_xml: bytes, new_xml: bytes) -> list[Change]:
    old, new = read_elements(old_xml), read_elements(new_xml)
    changes: list[Change] = []
    for element_id, element in new.items():
        if element_id not in old:
            changes.append(_change(element, "added", f"Added {_where(element, new, described=True)}",
                                   new=_describe(element, new)))
        else:
            changes += _differences(old[element_id], element, old, new)
    for element_id, element in old.items():
        if element_id not in new:
            changes.append(_change(element, "removed", f"Removed {_where(element, old, described=True)}",
                                   old=_describe(element, old), side="old"))
    return changes


def _change(element: Element, kind: str, description: str, *, old=None, new=None, side: str = "new") -> Change:
    return Change(area="diagram", kind=kind, element_id=element.id, element_name=element.name or element.id,
                  description=description, old=old, new=new, side=side, diagram_ids=(element.id,))


def _describe(element: Element, elements: dict[str, Element]) -> str:
    """'user task “Gate 1 – Prioritisation”', 'exclusive gateway define_merge', 'flow from A to B'."""
    if element.is_flow:
        named = f" {shown(element.name)}" if element.name else ""
        return f"flow{named} from {_label(element.source, elements)} to {_label(element.target, elements)}"
    kind = _kind(element)
    return f"{kind} {shown(element.name)}" if element.name else f"{kind} {element.id}"


def _kind(element: Element) -> str:
    return f"{element.event} {words(element.type)}" if element.event else words(element.type)


def _a(noun: str) -> str:
    return f"{'an' if noun[:1] in 'aeiou' else 'a'} {noun}"


def _label(element_id: str | None, elements: dict[str, Element]) -> str:
    element = elements.get(element_id or "")
    return (element.name or element.id) if element else str(element_id)


def _where(element: Element, elements: dict[str, Element], *, described: bool = False) -> str:
    text = _describe(element, elements) if described else ""
    if element.lane:
        text += f" in lane {_label(element.lane, elements)}"
    if element.parent:
        text += f" inside {_label(element.parent, elements)}"
    if element.is_flow and element.condition:
        text += f" when {shown(element.condition)}"
    return text.strip()


def _subject(element: Element, elements: dict[str, Element]) -> str:
    text = element.name if element.name and not element.is_flow else _describe(element, elements)
    return text[:1].upper() + text[1:]


def _differences(old: Element, new: Element, olds: dict, news: dict) -> list[Change]:
    subject = _subject(new, news)
    found = []
    if (old.type, old.event) != (new.type, new.event):
        found.append(_change(new, "type_changed", f"{subject} changed from {_a(_kind(old))} to {_a(_kind(new))}",
                             old=_kind(old), new=_kind(new)))
    if old.name != new.name:
        found.append(_change(new, "renamed", f"{_subject(old, olds)} renamed to {shown(new.name)}"
                             if old.name else f"{_subject(old, olds)} named {shown(new.name)}",
                             old=old.name, new=new.name))
    found += _moves(old, new, olds, news, subject)
    if old.condition != new.condition:
        found.append(_change(new, "condition_changed", f"{subject}: condition {from_to(old.condition, new.condition)}",
                             old=old.condition, new=new.condition))
    if old.timer != new.timer:
        found.append(_change(new, "timer_changed", f"{subject}: timer {from_to(old.timer, new.timer)}",
                             old=old.timer, new=new.timer))
    found += _keyed(new, "property_changed", subject, old.properties, new.properties, PROPERTY_LABELS)
    if old.loop != new.loop:
        found += _keyed(new, "loop_changed", subject, old.loop or {}, new.loop or {}, LOOP_LABELS)
    for key in sorted(old.scripts.keys() | new.scripts.keys()):
        if old.scripts.get(key) != new.scripts.get(key):
            found.append(_change(new, "script_changed", f"{subject}: {SCRIPT_LABELS.get(key, key)} changed",
                                 old=old.scripts.get(key), new=new.scripts.get(key)))
    if old.documentation != new.documentation:
        found.append(_change(new, "documentation_changed", f"{subject}: description changed",
                             old=old.documentation, new=new.documentation))
    return found


def _moves(old: Element, new: Element, olds: dict, news: dict, subject: str) -> list[Change]:
    found = []
    if old.lane != new.lane:
        before, after = _label(old.lane, olds) if old.lane else None, _label(new.lane, news) if new.lane else None
        text = (f"moved from lane {before} to lane {after}" if before and after
                else f"moved into lane {after}" if after else f"moved out of lane {before}")
        found.append(_change(new, "moved_lane", f"{subject} {text}", old=before, new=after))
    if old.parent != new.parent:
        before = f"subprocess {_label(old.parent, olds)}" if old.parent else "the main process"
        after = f"subprocess {_label(new.parent, news)}" if new.parent else "the main process"
        found.append(_change(new, "moved_subprocess", f"{subject} moved from {before} to {after}",
                             old=old.parent, new=new.parent))
    if (old.source, old.target) != (new.source, new.target):
        if new.type == "boundaryEvent":
            text = f"{subject} now attached to {_label(new.source, news)} (was {_label(old.source, olds)})"
        elif old.source == new.source:
            text = f"{_subject(old, olds)} now goes to {_label(new.target, news)} instead"
        elif old.target == new.target:
            text = f"{_subject(old, olds)} now leaves from {_label(new.source, news)} instead"
        else:
            text = f"{_subject(old, olds)} now goes from {_label(new.source, news)} to {_label(new.target, news)}"
        found.append(_change(new, "rerouted", text, old=[old.source, old.target], new=[new.source, new.target]))
    return found


def _keyed(element: Element, kind: str, subject: str, old: dict, new: dict, labels: dict) -> list[Change]:
    return [_change(element, kind, f"{subject}: {labels.get(key, key)} {from_to(old.get(key), new.get(key))}",
                    old=old.get(key), new=new.get(key))
            for key in sorted(old.keys() | new.keys()) if old.get(key) != new.get(key)]
