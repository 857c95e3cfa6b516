"""The stages a user task's `stage` property names (kernel.task_rules), in the procedure's order, with the names
people use for them: the project page, the dashboard, the modeller and the notifications all say them alike."""
from __future__ import annotations

STAGES = {
    "proposal": "Challenge proposed",
    "definition": "Challenge defined and prioritised (Gate 1)",
    "match": "Match with partners (Gate 2)",
    "codesign": "Co-design and scoping (Gate 3)",
    "mobilisation": "Mobilisation (Gate 4)",
    "pilot": "Pilot in a live setting",
    "evidence_gate": "Evidence Gate (Gate 5)",
    "business_case": "Business case (Gate 6)",
    "scale": "Scale and benefits tracking",
    "closure": "Closure and lessons learned",
    "closed": "Closed",
}


def stage_name(key: str | None) -> str:
    return STAGES.get(key or "", (key or "").replace("_", " ").capitalize())
