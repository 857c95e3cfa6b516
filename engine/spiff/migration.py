"""Moving a running workflow to another version of its process."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.util.diff import SpecDiff
from SpiffWorkflow.util.task import TaskState

from .running import OPEN
from .specs import CompiledProcess
from .storage import SERIALIZER

_UNREACHED = TaskState.FUTURE | TaskState.PREDICTED_MASK
_CHANGE_WORDS = {"extensions": "its form or task settings change", "outputs": "what follows it changes",
                 "documentation": "its help text changes", "typename": "its kind of element changes"}


@dataclass
class OpenTaskCheck:
    """An open task of a workflow, looked up in the target version."""
    task_id: str
    bpmn_id: str
    name: str
    found: bool
    changes: list[str]


@dataclass
class MigrationCheck:
    open_tasks: list[OpenTaskCheck]
    missing_history: list[str]  # elements already passed that the target does not have
    blocked: list[str] = field(default_factory=list)  # structural changes around where the project stands

    @property
    def safe(self) -> bool:
        return not self.missing_history and not self.blocked and all(t.found for t in self.open_tasks)


def _described_changes(keys: list[str], new) -> list[str]:
    said = []
    for key in keys:
        if key == "bpmn_name":
            said.append(f"its name changes to “{new.bpmn_name}”")
        elif key == "lane":
            said.append(f"it moves to the lane “{new.lane}”")
        elif key in _CHANGE_WORDS:
            said.append(_CHANGE_WORDS[key])
    return said


def _version_pairs(wf: BpmnWorkflow, target: CompiledProcess) -> list[tuple[Any, Any]]:
    """(workflow or subworkflow, its spec in the target version or None)."""
    pairs = [(wf, target.spec)]
    pairs += [(sub, target.subprocess_specs.get(sub.spec.name)) for sub in wf.subprocesses.values()]
    return pairs


def _aligned_spec(diff: SpecDiff | None, new_spec, old):
    if new_spec is None:
        return None
    return diff.alignment.get(old) if old in diff.alignment else new_spec.task_specs.get(old.name)


def check_migration(wf: BpmnWorkflow, target: CompiledProcess) -> MigrationCheck:
    """Whether every open task, and every element already passed, exists in the target version."""
    check = MigrationCheck([], [])
    for workflow, new_spec in _version_pairs(wf, target):
        diff = SpecDiff(SERIALIZER.registry, workflow.spec, new_spec) if new_spec is not None else None
        forecast = _forecast(workflow)
        for task in workflow.tasks.values():
            if task.id in forecast or not getattr(task.task_spec, "bpmn_id", None):
                continue
            aligned = _aligned_spec(diff, new_spec, task.task_spec)
            if task.has_state(OPEN):
                # An open task's element must keep its id: inboxes and the audit trail name it.
                aligned = aligned if aligned is not None and aligned.name == task.task_spec.name else None
                changes = _described_changes(diff.changed.get(task.task_spec, []), aligned) if aligned else []
                check.open_tasks.append(OpenTaskCheck(str(task.id), task.task_spec.bpmn_id,
                                                      task.task_spec.bpmn_name or task.task_spec.bpmn_id,
                                                      aligned is not None, changes))
                if aligned is not None:
                    check.blocked += _structure_changes(task, aligned, diff, new_spec)
            elif aligned is None and task.task_spec.bpmn_id not in check.missing_history:
                check.missing_history.append(task.task_spec.bpmn_id)
    check.blocked = list(dict.fromkeys(check.blocked))
    return check


def _structure_changes(task, new, diff: SpecDiff, new_spec) -> list[str]:
    """Changes SpiffWorkflow cannot carry a project across while it stands at this open task.

    Predicted paths are made afresh, but the part of the tree already built is not: the
    open step may not become another kind of element or gain or lose a boundary event,
    and no finished step between the start and it may lead somewhere else now (a branch
    added to a parallel split already passed would never be joined).
    """
    old, name = task.task_spec, task.task_spec.bpmn_name or task.task_spec.bpmn_id
    found = []
    if type(old) is not type(new):
        found.append(f"The open step “{name}” becomes another kind of element.")
    if _has_boundary_events(old) != _has_boundary_events(new):
        found.append(f"The open step “{name}” gains or loses a boundary event.")
    ancestor = task.parent
    while ancestor is not None:
        spec = ancestor.task_spec
        moved = _aligned_spec(diff, new_spec, spec)
        if moved is not None and {o.name for o in moved.outputs} != {o.name for o in spec.outputs} \
                and getattr(spec, "bpmn_id", None):
            label = spec.bpmn_name or spec.bpmn_id
            found.append(f"The paths after “{label}”, already passed on the way to “{name}”, change.")
        ancestor = ancestor.parent
    return found


def _has_boundary_events(spec) -> bool:
    return any(type(i).__name__ == "BoundaryEventSplit" for i in spec.inputs)


def migrate(wf: BpmnWorkflow, target: CompiledProcess) -> None:
    """Point a workflow at the target version's specs and predict its future paths afresh.

    Open tasks keep their ids and data (SpiffWorkflow's own migrate_workflow resets them,
    which would lose a multi-instance child's item and restart waiting timers). Call only
    when check_migration says it is safe.
    """
    wf.subprocess_specs = target.subprocess_specs
    wf.__dict__.pop("_sixgates_stored", None)  # stored bodies name their specs: write them all again
    for workflow, new_spec in _version_pairs(wf, target):
        diff = SpecDiff(SERIALIZER.registry, workflow.spec, new_spec)
        workflow.spec = new_spec
        forecast = _forecast(workflow)
        kept = [t for t in workflow.tasks.values() if t.id not in forecast]
        for task in kept:
            task.task_spec = _aligned_spec(diff, new_spec, task.task_spec) or new_spec.task_specs[task.task_spec.name]
        for task in [t for t in kept if t.has_state(OPEN)]:
            _predict_again(workflow, task, forecast)


def is_stuck(wf: BpmnWorkflow) -> bool:
    """Not finished, yet nothing ready or waiting: no person, timer or event could move it on."""
    if wf.is_completed():
        return False
    for workflow in [wf, *wf.subprocesses.values()]:
        if any(t.state & (TaskState.READY | TaskState.WAITING) for t in workflow.tasks.values()):
            return False
    return True


def _forecast(workflow) -> set:
    """Ids of the tasks SpiffWorkflow predicted below open tasks (not reached yet)."""
    found, stack = set(), [t for t in workflow.tasks.values() if t.has_state(OPEN)]
    while stack:
        for child in stack.pop().children:
            if child.has_state(_UNREACHED) and child.id not in found:
                found.add(child.id)
                stack.append(child)
    return found


def _predict_again(workflow, task, forecast: set) -> None:
    """Replace an open task's predicted children by those of its new spec, in their places.

    A child whose element is still there keeps the state SpiffWorkflow had given it (a
    boundary event's path stays only MAYBE); a new element's child gets the state the
    spec's own prediction gives. Children already reached are not touched.
    """
    order = list(task._children)
    old = {c.task_spec.name: (c.id, c.state) for c in task.children if c.id in forecast}
    for child_id, _ in old.values():
        workflow._remove_task(child_id)
    kept, task._children = task._children, []
    task.task_spec._predict_hook(task)  # on an empty list of children, so only the new ones are made
    made, task._children = task.children, kept
    placed = {}
    for child in made:
        previous = old.get(child.task_spec.name)
        if previous is not None:
            child._set_state(previous[1])
            placed[previous[0]] = child.id
        child.task_spec._predict(child, mask=_UNREACHED)
    task._children = [placed.get(i, i) for i in order if i in placed or i in kept]
    task._children += [c.id for c in made if c.id not in task._children]
