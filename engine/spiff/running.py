"""Running a workflow: engine steps, user tasks, and one pass over its tasks to see where it stands."""
from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Iterator
from uuid import UUID

from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition
from SpiffWorkflow.bpmn.specs.mixins.exclusive_gateway import ExclusiveGateway
from SpiffWorkflow.util.task import TaskState

from ..clock import Clock
from .environment import READY, SCRIPT_ENGINE, ChangeBudget, current_budget, current_clock, spend_budget
from .specs import CompiledProcess, role_key

OPEN = TaskState.READY | TaskState.WAITING | TaskState.STARTED  # a task reached and not finished


def new_workflow(compiled: CompiledProcess) -> BpmnWorkflow:
    return BpmnWorkflow(compiled.spec, compiled.subprocess_specs, script_engine=SCRIPT_ENGINE)


@contextmanager
def _one_change(clock: Clock) -> Iterator[None]:
    """Our clock in SpiffWorkflow's timers and one budget for the whole change."""
    clock_token = current_clock.set(clock)
    budget_token = current_budget.set(current_budget.get() or ChangeBudget())
    try:
        yield
    finally:
        current_budget.reset(budget_token)
        current_clock.reset(clock_token)


def run_engine_steps(wf: BpmnWorkflow, clock: Clock) -> None:
    """Advance every automatic task (gateways, scripts, due timers) until people must act.

    Raises ChangeTooLong when they run past one change's budget (the caller rolls back)."""
    with _one_change(clock):
        wf.refresh_timers()
        wf.do_engine_steps(will_complete_task=lambda _task: spend_budget(1))


def complete_user_task(wf: BpmnWorkflow, task_id: str, data: dict, clock: Clock) -> None:
    task = wf.get_task_from_id(UUID(task_id))
    if task is None or task.state != READY:
        raise LookupError(task_id)
    task.set_data(**data)
    with _one_change(clock):
        task.run()
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
    data: dict              # the project's own data
    last_task_data: dict    # the last finished task's data, which stood for the project's before


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
    last_data = wf.data if completed else (last.data if last is not None else {})
    return Survey(ready, steps, completed, _project_data(last) if not completed else last_data, last_data)


def _project_data(last) -> dict:
    """While a multi-instance activity runs (the call collecting EoIs, the board scoring), the data
    it started with: the last instance to finish holds one partner's EoI or one member's scores at
    its top level, which belong in the collected list once the activity completes."""
    if last is None:
        return {}
    while last.parent is not None and last.parent.state & OPEN:
        last = last.parent
    return last.data


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
            elif task.state & OPEN:
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
