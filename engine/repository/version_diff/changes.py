"""One difference between two process versions, said in a sentence a process owner can read."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

AREAS = ("diagram", "forms", "decisions")
# The short tag shown beside an entry and on the diagram badge, by kind of change.
LABELS = {
    "added": "Added", "removed": "Removed", "renamed": "Renamed", "type_changed": "Type",
    "moved_lane": "Moved", "moved_subprocess": "Moved", "rerouted": "Re-routed",
    "condition_changed": "Condition", "timer_changed": "Timer", "property_changed": "Setting",
    "loop_changed": "Repeats", "script_changed": "Script", "documentation_changed": "Text",
    "form_added": "Added", "form_removed": "Removed", "form_changed": "Changed",
    "field_added": "Field added", "field_removed": "Field removed", "field_changed": "Field",
    "decision_added": "Added", "decision_removed": "Removed", "decision_changed": "Changed",
    "input_added": "Input added", "input_removed": "Input removed", "input_changed": "Input",
    "output_added": "Output added", "output_removed": "Output removed", "output_changed": "Output",
    "rule_added": "Rule added", "rule_removed": "Rule removed", "rule_changed": "Rule",
    "rules_reordered": "Rule order",
}


@dataclass(frozen=True)
class Change:
    """`side` names the diagram that shows the change ("new", or "old" for what was removed);
    `diagram_ids` are the elements to mark there (a form's tasks, a decision's rule tasks)."""
    area: str
    kind: str
    element_id: str
    element_name: str
    description: str
    old: Any = None
    new: Any = None
    side: str = "new"
    diagram_ids: tuple[str, ...] = field(default=())

    @property
    def effect(self) -> str:
        """added, removed or changed: what the summary counts and the marker colour say."""
        for effect in ("added", "removed"):
            if self.kind == effect or self.kind.endswith(f"_{effect}"):
                return effect
        return "changed"

    @property
    def label(self) -> str:
        return LABELS.get(self.kind, "Changed")

    def as_dict(self) -> dict:
        return {"area": self.area, "kind": self.kind, "effect": self.effect, "label": self.label,
                "element_id": self.element_id, "element_name": self.element_name,
                "description": self.description, "old": self.old, "new": self.new,
                "side": self.side, "diagram_ids": list(self.diagram_ids)}


@dataclass(frozen=True)
class ProcessFiles:
    """What a version consists of: the diagram, DMN XML by file name, form schemas by file name."""
    bpmn: bytes
    dmn: dict[str, str]
    forms: dict[str, dict]


def words(code: str) -> str:
    """userTask -> user task; exclusiveGateway -> exclusive gateway."""
    return re.sub(r"(?<=[a-z])(?=[A-Z])", " ", code).lower()


def shown(value: Any) -> str:
    """A value inside a sentence: quoted text, or 'nothing' when there is none."""
    if value is None or value == "" or value == []:
        return "nothing"
    if isinstance(value, (list, tuple)):
        return ", ".join(shown(v) for v in value)
    return f"“{value}”"


def from_to(old: Any, new: Any) -> str:
    if old in (None, "", []):
        return f"set to {shown(new)}"
    if new in (None, "", []):
        return f"removed (was {shown(old)})"
    return f"changed from {shown(old)} to {shown(new)}"
