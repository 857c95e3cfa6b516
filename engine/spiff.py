"""The one place SpiffWorkflow is imported: parse, run, serialise, sandbox, clock.

Everything else in `engine/` talks to workflows through these functions, so the
library's untyped API and its traps (unrestricted scripts, script engine lost on
restore, no clock injection, the spec embedded in every snapshot) are handled once.
"""
from __future__ import annotations

import contextvars
import json
import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any, Iterator
from uuid import UUID

from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.parser.ValidationException import ValidationException
from SpiffWorkflow.bpmn.script_engine import PythonScriptEngine, TaskDataEnvironment
from SpiffWorkflow.bpmn.serializer import BpmnWorkflowSerializer
from SpiffWorkflow.bpmn.serializer.default.workflow import (
    BpmnSubWorkflowConverter,
    BpmnWorkflowConverter,
    WorkflowConverter,
)
from SpiffWorkflow.bpmn.specs.event_definitions import timer as timer_module
from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition
from SpiffWorkflow.bpmn.specs.mixins.exclusive_gateway import ExclusiveGateway
from SpiffWorkflow.bpmn.specs.mixins.multiinstance_task import LoopTask
from SpiffWorkflow.bpmn.specs.mixins.user_task import UserTask
from SpiffWorkflow.bpmn.util.diff import SpecDiff
from SpiffWorkflow.bpmn.util.subworkflow import BpmnSubWorkflow
from SpiffWorkflow.bpmn.util.task import BpmnTaskIterator
from SpiffWorkflow.exceptions import SpiffWorkflowException
from SpiffWorkflow.spiff.parser.process import SpiffBpmnParser
from SpiffWorkflow.spiff.serializer.config import SPIFF_CONFIG
from SpiffWorkflow.util.task import TaskIterator, TaskState

from .clock import Clock
from .sandbox import ScriptTimeout, UnsafeCode, compile_checked, run_with_budget
from .xmlsafe import parse_xml

READY = TaskState.READY
MAX_TREE_DEPTH = 1_000_000
WorkflowError = (SpiffWorkflowException, UnsafeCode, ScriptTimeout)


# --- clock: SpiffWorkflow's timers read datetime.now(); route it to our clock -------------

_clock: contextvars.ContextVar[Clock | None] = contextvars.ContextVar("sixgates_clock", default=None)
_SYSTEM_CLOCK = Clock()


class _ClockedDatetime(datetime):
    @classmethod
    def now(cls, tz=None):
        now = (_clock.get() or _SYSTEM_CLOCK).now()
        return now.astimezone(tz) if tz else now.replace(tzinfo=None)


timer_module.datetime = _ClockedDatetime


# --- task tree depth: a gateway loop deepens the tree on every pass -----------------------
# SpiffWorkflow stops iterating at depth 1000, after which ready tasks become invisible and
# the workflow reports itself completed with work pending. Iteration is not recursive, so
# the limit can be lifted; a long rework history then costs time, not correctness.

TaskIterator.__init__.__defaults__ = (None, MAX_TREE_DEPTH, True, None)
BpmnTaskIterator.__init__.__defaults__ = (None, MAX_TREE_DEPTH, True, False, None)


# --- sandboxed script engine -------------------------------------------------------------

class SandboxEnvironment(TaskDataEnvironment):
    """Evaluates diagram code through engine.sandbox instead of bare eval/exec."""

    def evaluate(self, expression, context, external_context=None):
        scope = dict(external_context or {})
        scope.update(context)
        return run_with_budget(compile_checked(expression, "eval"), scope, mode="eval")

    def execute(self, script, context, external_context=None):
        external = external_context or {}
        context.update(external)
        try:
            run_with_budget(compile_checked(script, "exec"), context, mode="exec")
        finally:
            for key in [k for k, v in context.items() if k in external or callable(v)]:
                context.pop(key)
        return True


SCRIPT_ENGINE = PythonScriptEngine(environment=SandboxEnvironment())


# --- parsing ------------------------------------------------------------------------------

@dataclass
class UserTaskSpec:
    bpmn_id: str
    title: str
    role: str | None
    documentation: str
    properties: dict[str, str]


@dataclass
class CompiledProcess:
    process_id: str
    name: str
    spec: Any
    subprocess_specs: dict
    user_tasks: dict[str, UserTaskSpec] = field(default_factory=dict)
    lanes: list[str] = field(default_factory=list)


def role_key(lane: str | None) -> str | None:
    """A lane's name maps to a role key: 'Hub team' -> 'hub_team'."""
    if not lane:
        return None
    return re.sub(r"[^a-z0-9]+", "_", lane.strip().lower()).strip("_")


def compile_process(bpmn: bytes, dmn_files: dict[str, bytes]) -> CompiledProcess:
    """Parse a BPMN document and its decision tables into runnable specs.

    Raises ValueError with a readable reason; XML is hardened-parsed first.
    """
    parser = SpiffBpmnParser()
    try:
        for name, data in dmn_files.items():
            parser.add_dmn_xml(parse_xml(data, what=name), filename=name)
        parser.add_bpmn_xml(parse_xml(bpmn, what="the BPMN file"), filename="process.bpmn")
        executable = parser.get_process_ids()
        if not executable:
            raise ValueError("the diagram has no executable process")
        process_id = _main_process_id(parser, executable)
        spec = parser.get_spec(process_id)
        subprocess_specs = parser.get_subprocess_specs(process_id)
    except ValidationException as exc:
        raise ValueError(_describe_validation(exc)) from None
    compiled = CompiledProcess(process_id, spec.description or process_id, spec, subprocess_specs)
    for task_spec in _all_task_specs(compiled):
        if isinstance(task_spec, LoopTask):
            _connect_merge(task_spec)
        if isinstance(task_spec, UserTask):
            compiled.user_tasks[task_spec.bpmn_id] = UserTaskSpec(
                bpmn_id=task_spec.bpmn_id,
                title=task_spec.bpmn_name or task_spec.bpmn_id,
                role=role_key(task_spec.lane),
                documentation=task_spec.documentation or "",
                properties=dict(task_spec.extensions.get("properties", {})),
            )
        if task_spec.lane and task_spec.lane not in compiled.lanes:
            compiled.lanes.append(task_spec.lane)
    return compiled


def _connect_merge(loop: LoopTask) -> None:
    """A multi-instance task hears its children finish through its child spec's event.

    SpiffWorkflow connects it when it creates a child, or when it deserialises a spec; our
    specs come from the parser, so a workflow restored in a fresh process (after a restart,
    or moved to a new version) would never see its open children finish. Connect it here.
    """
    child = loop._wf_spec.task_specs[loop.task_spec]
    if not child.completed_event.is_connected(loop.merge_child):
        child.completed_event.connect(loop.merge_child)


def _main_process_id(parser, process_ids: list[str]) -> str:
    """The process that is not called by another one."""
    called = set()
    for pid in process_ids:
        called.update(parser.get_process_parser(pid).called_element_ids())
    top = [pid for pid in process_ids if pid not in called]
    return top[0] if top else process_ids[0]


def _describe_validation(exc: ValidationException) -> str:
    where = f" (element {exc.id})" if getattr(exc, "id", None) else ""
    return f"{exc.args[0] if exc.args else exc}{where}"


def _all_task_specs(compiled: CompiledProcess) -> Iterator[Any]:
    yield from compiled.spec.task_specs.values()
    for sub in compiled.subprocess_specs.values():
        yield from sub.task_specs.values()


# --- running ------------------------------------------------------------------------------

def new_workflow(compiled: CompiledProcess) -> BpmnWorkflow:
    return BpmnWorkflow(compiled.spec, compiled.subprocess_specs, script_engine=SCRIPT_ENGINE)


def run_engine_steps(wf: BpmnWorkflow, clock: Clock) -> None:
    """Advance every automatic task (gateways, scripts, due timers) until people must act."""
    token = _clock.set(clock)
    try:
        wf.refresh_timers()
        wf.do_engine_steps()
    finally:
        _clock.reset(token)


def complete_user_task(wf: BpmnWorkflow, task_id: str, data: dict, clock: Clock) -> None:
    task = wf.get_task_from_id(UUID(task_id))
    if task is None or task.state != READY:
        raise LookupError(task_id)
    task.set_data(**data)
    token = _clock.set(clock)
    try:
        task.run()
    finally:
        _clock.reset(token)
    run_engine_steps(wf, clock)


@dataclass
class Step:
    """An automatic step the engine took, for the audit trail."""
    kind: str
    bpmn_id: str
    name: str
    data: dict


@dataclass
class ReadyTask:
    id: str
    bpmn_id: str
    title: str
    role: str | None
    data: dict


def ready_user_tasks(wf: BpmnWorkflow) -> list[ReadyTask]:
    return survey(wf, since=float("inf")).ready


@dataclass
class Survey:
    """What a workflow looks like after the engine ran: one pass over every task."""
    ready: list[ReadyTask]
    steps: list[Step]
    completed: bool
    data: dict


def survey(wf: BpmnWorkflow, *, since: float) -> Survey:
    """Ready user tasks, automatic steps finished since `since`, and whether the workflow ended.

    Walks the task dictionaries once instead of SpiffWorkflow's tree iterator several times:
    the tree deepens with every loop, so this is the part of a task's cost that grows.
    """
    ready, steps, unfinished = [], [], False
    for workflow in [wf, *wf.subprocesses.values()]:
        for task in workflow.tasks.values():
            state = task.state
            if state == READY and task.task_spec.manual:
                spec = task.task_spec
                ready.append(ReadyTask(str(task.id), spec.bpmn_id, spec.bpmn_name or spec.bpmn_id,
                                       role_key(_lane_of(task)), task.data))
            elif state == TaskState.COMPLETED and task.last_state_change >= since:
                step = _step(task)
                if step is not None:
                    steps.append(step)
            if workflow is wf and state & TaskState.NOT_FINISHED_MASK:
                unfinished = True
    completed = wf.completed or not unfinished
    last = wf.last_task
    data = wf.data if completed else (last.data if last is not None else {})
    return Survey(ready, steps, completed, data)


def _lane_of(task) -> str | None:
    """A task inside a subprocess takes its lane from the subprocess when it has none."""
    while task is not None:
        if task.task_spec.lane:
            return task.task_spec.lane
        workflow = task.workflow
        parent_id = getattr(workflow, "parent_task_id", None)
        if parent_id is None:
            return None
        task = workflow.top_workflow.get_task_from_id(parent_id)
    return None


def element_states(wf: BpmnWorkflow) -> tuple[set[str], set[str]]:
    """The BPMN ids of elements finished at least once, and of those open now (for drawing)."""
    finished, active = set(), set()
    for workflow in [wf, *wf.subprocesses.values()]:
        for task in workflow.tasks.values():
            bpmn_id = getattr(task.task_spec, "bpmn_id", None)
            if bpmn_id is None:
                continue
            if task.state == TaskState.COMPLETED:
                finished.add(bpmn_id)
            elif task.state & _OPEN:
                active.add(bpmn_id)
    return finished, active


def task_data(wf: BpmnWorkflow, task_id: str) -> dict:
    task = wf.get_task_from_id(UUID(task_id))
    return task.data if task is not None else {}


def parse_duration(text: str) -> timedelta:
    """An ISO 8601 duration such as P10D or PT4H, as SpiffWorkflow's timers read it."""
    parts = TimerEventDefinition.parse_iso_duration(text)
    return TimerEventDefinition.get_timedelta_from_start(parts, datetime.now(timezone.utc))


TIMER_EVENT_TYPES = {"TimerEventDefinition", "TimeDateEventDefinition", "DurationTimerEventDefinition",
                     "CycleTimerEventDefinition"}


def next_timer_due(wf: BpmnWorkflow) -> datetime | None:
    due = []
    for event in wf.waiting_events():
        if event.event_type in TIMER_EVENT_TYPES and event.value:
            try:
                due.append(datetime.fromisoformat(str(event.value)))
            except ValueError:
                continue
    if not due:
        return None
    return min(d if d.tzinfo else d.replace(tzinfo=timezone.utc) for d in due)


def _step(task) -> Step | None:
    """A gateway taken, a decision made or a timer fired, for the audit trail."""
    spec = task.task_spec
    kind = _step_kind(spec)
    if kind is None:
        return None
    data: dict = {}
    if kind == "gateway_taken":
        data["to"] = [c.task_spec.bpmn_id for c in task.children
                      if c.state & (TaskState.READY | TaskState.COMPLETED | TaskState.WAITING | TaskState.STARTED)]
    elif kind == "decision_made":
        data["result"] = {k: task.data.get(k) for k in _decision_outputs(spec) if k in task.data}
    return Step(kind, spec.bpmn_id, spec.bpmn_name or spec.bpmn_id, data)


def _step_kind(spec) -> str | None:
    if spec.bpmn_id is None:
        return None
    if isinstance(spec, ExclusiveGateway):
        return "gateway_taken"
    name = type(spec).__name__
    if name == "BusinessRuleTask":
        return "decision_made"
    definition = getattr(spec, "event_definition", None)
    if isinstance(definition, TimerEventDefinition):
        return "timer_fired"
    return None


def _decision_outputs(spec) -> list[str]:
    table = spec.dmnEngine.decision_table
    return [out.name for out in table.outputs]


# --- serialisation: the spec lives once per deployed version; finished tasks are stored once

def _fingerprint(task) -> tuple:
    return task.state, task.last_state_change, tuple(task._children)


def _is_settled(task) -> bool:
    """Finished under a finished parent: its data and its delta against the parent never change."""
    finished = TaskState.FINISHED_MASK
    parent = task.parent
    return bool(task.state & finished) and (parent is None or bool(parent.state & finished))


class _ShellMixin:
    """Writes settled tasks that are already in storage as null bodies; collects new ones.

    Serialising every task on every save made a task's cost grow with the instance's
    history. The workflow object remembers which settled tasks storage holds (and in what
    state); only the others are converted.
    """

    def tasks_to_dict(self, workflow) -> dict:
        top = workflow.top_workflow
        stored = top.__dict__.setdefault("_sixgates_stored", {})
        settled = top.__dict__.setdefault("_sixgates_settled", {})
        tasks = {}
        for task in workflow.tasks.values():
            key, fingerprint = str(task.id), _fingerprint(task)
            if stored.get(key) == fingerprint:
                tasks[key] = None
                continue
            body = self.registry.convert(task)
            if _is_settled(task):
                settled[key] = body
                stored[key] = fingerprint
                body = None
            tasks[key] = body
        return tasks

    def base_dict(self, workflow) -> dict:
        return {
            "data": self.registry.convert(self.registry.clean(workflow.data)),
            "correlations": workflow.correlations,
            "last_task": str(workflow.last_task.id) if workflow.last_task is not None else None,
            "success": workflow.success,
            "completed": workflow.completed,
            "tasks": self.tasks_to_dict(workflow),
            "root": str(workflow.task_tree.id),
        }


class _ShellSubWorkflowConverter(_ShellMixin, BpmnSubWorkflowConverter):
    def to_dict(self, workflow):
        dct = self.base_dict(workflow)
        dct["parent_task_id"] = str(workflow.parent_task_id)
        dct["spec"] = workflow.spec.name
        return dct


class _ShellWorkflowConverter(_ShellMixin, BpmnWorkflowConverter):
    def to_dict(self, workflow):
        dct = self.base_dict(workflow)
        dct["subprocesses"] = self.mapping_to_dict(workflow.subprocesses)
        dct["bpmn_events"] = self.registry.convert(workflow.bpmn_events)
        return dct

    def from_dict(self, dct, compiled: CompiledProcess | None = None):
        workflow = BpmnWorkflow(compiled.spec, compiled.subprocess_specs,
                                script_engine=SCRIPT_ENGINE, deserializing=True)
        workflow.tasks = self.mapping_from_dict(dct["tasks"], UUID, workflow=workflow)
        workflow.task_tree = workflow.tasks.get(UUID(dct["root"]))
        self.set_default_attributes(workflow, dct)
        self.subprocesses_from_dict(dct["subprocesses"], workflow)
        workflow.bpmn_events = self.registry.restore(dct.pop("bpmn_events", []))
        return workflow


class _PlainWorkflowConverter(_ShellWorkflowConverter):
    """Every task in full, as SpiffWorkflow writes it: for checking the shell."""

    def to_dict(self, workflow):
        dct = WorkflowConverter.to_dict(self, workflow)
        dct["subprocesses"] = self.mapping_to_dict(workflow.subprocesses)
        dct["bpmn_events"] = self.registry.convert(workflow.bpmn_events)
        return dct


def _serializer(workflow_converter) -> BpmnWorkflowSerializer:
    config = dict(SPIFF_CONFIG)
    config[BpmnWorkflow] = workflow_converter
    if workflow_converter is _ShellWorkflowConverter:
        config[BpmnSubWorkflow] = _ShellSubWorkflowConverter
    return BpmnWorkflowSerializer(BpmnWorkflowSerializer.configure(config))


_SERIALIZER = _serializer(_ShellWorkflowConverter)
_PLAIN_SERIALIZER = _serializer(_PlainWorkflowConverter)


@dataclass
class SavedState:
    """A workflow's state split for storage.

    `shell` is the serialised workflow (without its spec) in which every settled task
    already in storage is a key with a null body; `finished` holds the bodies of settled
    tasks storage does not have yet (task id -> JSON). Each is written once, so a save
    costs what changed, not the instance's whole history.
    """
    shell: str
    finished: dict[str, str]


def dump_state(wf: BpmnWorkflow) -> SavedState:
    wf.__dict__["_sixgates_settled"] = {}
    dct = _SERIALIZER.to_dict(wf)
    dct[_SERIALIZER.VERSION_KEY] = _SERIALIZER.VERSION
    encoder = _SERIALIZER._encoder_cls
    finished = {key: json.dumps(body, cls=encoder) for key, body in wf.__dict__.pop("_sixgates_settled").items()}
    return SavedState(json.dumps(dct, cls=encoder), finished)


def _task_maps(dct: dict) -> list[dict]:
    return [dct["tasks"]] + [sub["tasks"] for sub in dct.get("subprocesses", {}).values()]


def full_state(wf: BpmnWorkflow) -> dict:
    """Every task converted afresh by SpiffWorkflow's own converter: for checking dump_state."""
    return json.loads(_PLAIN_SERIALIZER.serialize_json(wf))


def assemble_state(shell: str, finished: dict[str, str]) -> dict:
    """The stored parts put back together into one serialised workflow."""
    dct = json.loads(shell)
    for tasks in _task_maps(dct):
        for task_id, body in tasks.items():
            if body is None:
                tasks[task_id] = json.loads(finished[task_id])
    return dct


def load_state(compiled: CompiledProcess, shell: str, finished: dict[str, str]) -> BpmnWorkflow:
    """Rebuild a workflow from its shell and the bodies of its settled tasks."""
    dct = assemble_state(shell, finished)
    _SERIALIZER.migrate(dct)
    # The script engine is not serialised: from_dict attaches the sandboxed one again.
    wf = _SERIALIZER.from_dict(dct, compiled=compiled)
    stored = wf.__dict__.setdefault("_sixgates_stored", {})
    for task_id in finished:
        task = wf.get_task_from_id(UUID(task_id))
        if task is not None:  # rows of tasks that were dropped later are ignored
            stored[task_id] = _fingerprint(task)
    return wf


# --- moving a running workflow to another version of its process --------------------------

_OPEN = TaskState.READY | TaskState.WAITING | TaskState.STARTED
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
        diff = SpecDiff(_SERIALIZER.registry, workflow.spec, new_spec) if new_spec is not None else None
        forecast = _forecast(workflow)
        for task in workflow.tasks.values():
            if task.id in forecast or not getattr(task.task_spec, "bpmn_id", None):
                continue
            aligned = _aligned_spec(diff, new_spec, task.task_spec)
            if task.has_state(_OPEN):
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
        diff = SpecDiff(_SERIALIZER.registry, workflow.spec, new_spec)
        workflow.spec = new_spec
        forecast = _forecast(workflow)
        kept = [t for t in workflow.tasks.values() if t.id not in forecast]
        for task in kept:
            task.task_spec = _aligned_spec(diff, new_spec, task.task_spec) or new_spec.task_specs[task.task_spec.name]
        for task in [t for t in kept if t.has_state(_OPEN)]:
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
    found, stack = set(), [t for t in workflow.tasks.values() if t.has_state(_OPEN)]
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
