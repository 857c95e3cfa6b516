"""What every workflow runs with: the sandboxed script engine, our clock in SpiffWorkflow's
timers, and no depth limit on the task tree."""
from __future__ import annotations

import contextvars
import time
from datetime import datetime

from SpiffWorkflow.bpmn.script_engine import PythonScriptEngine, TaskDataEnvironment
from SpiffWorkflow.bpmn.specs.event_definitions import timer as timer_module
from SpiffWorkflow.bpmn.util.task import BpmnTaskIterator
from SpiffWorkflow.exceptions import SpiffWorkflowException
from SpiffWorkflow.util.task import TaskIterator, TaskState

from .. import sandbox
from ..clock import Clock
from ..sandbox import DiagramCodeError, SandboxFailure, ScriptTimeout, UnsafeCode

READY = TaskState.READY
MAX_TREE_DEPTH = 1_000_000
MAX_STEPS_PER_CHANGE = 10_000
MAX_SECONDS_PER_CHANGE = 5.0


class ChangeTooLong(Exception):
    """The automatic steps of one change ran past its budget (a loop with nobody to wait for)."""


WorkflowError = (SpiffWorkflowException, UnsafeCode, ScriptTimeout, SandboxFailure, DiagramCodeError, ChangeTooLong)


# --- clock: SpiffWorkflow's timers read datetime.now(); route it to our clock -------------

current_clock: contextvars.ContextVar[Clock | None] = contextvars.ContextVar("sixgates_clock", default=None)
_SYSTEM_CLOCK = Clock()


class _ClockedDatetime(datetime):
    @classmethod
    def now(cls, tz=None):
        now = (current_clock.get() or _SYSTEM_CLOCK).now()
        return now.astimezone(tz) if tz else now.replace(tzinfo=None)


timer_module.datetime = _ClockedDatetime


# --- one change's budget: each evaluation has its own limit, but a loop of cheap steps has none ---

class ChangeBudget:
    """Steps and seconds one change may spend; checked before each automatic step and each evaluation,
    so a runaway diagram rolls back and releases its locks instead of holding them for ever."""

    def __init__(self) -> None:
        self.steps_left = MAX_STEPS_PER_CHANGE
        self.seconds = MAX_SECONDS_PER_CHANGE
        self.deadline = time.monotonic() + self.seconds

    def spend(self, steps: int = 0) -> None:
        self.steps_left -= steps
        if self.steps_left < 0:
            raise ChangeTooLong("the diagram ran more automatic steps in one change than allowed "
                                f"({MAX_STEPS_PER_CHANGE:,}); does a loop have no task to wait for?")
        if time.monotonic() > self.deadline:
            raise ChangeTooLong(f"the diagram's automatic steps ran longer than {self.seconds:g} s in one change; "
                                "does a loop have no task to wait for?")


current_budget: contextvars.ContextVar[ChangeBudget | None] = contextvars.ContextVar("sixgates_budget",
                                                                                      default=None)


def spend_budget(steps: int = 0) -> None:
    budget = current_budget.get()
    if budget is not None:
        budget.spend(steps)


# --- task tree depth: a gateway loop deepens the tree on every pass -----------------------
# SpiffWorkflow stops iterating at depth 1000, after which ready tasks become invisible and
# the workflow reports itself completed with work pending. Iteration is not recursive, so
# the limit can be lifted; a long rework history then costs time, not correctness.

TaskIterator.__init__.__defaults__ = (None, MAX_TREE_DEPTH, True, None)
BpmnTaskIterator.__init__.__defaults__ = (None, MAX_TREE_DEPTH, True, False, None)


# --- sandboxed script engine -------------------------------------------------------------

class SandboxEnvironment(TaskDataEnvironment):
    """Sends diagram code to a sandbox process (engine.sandbox) instead of bare eval/exec here."""

    def evaluate(self, expression, context, external_context=None):
        spend_budget()
        scope = dict(external_context or {})
        scope.update(context)
        return sandbox.evaluate(expression, scope)

    def execute(self, script, context, external_context=None):
        spend_budget()
        scope = dict(external_context or {})
        scope.update(context)
        changed, deleted = sandbox.execute(script, scope)
        context.update((k, v) for k, v in changed.items() if k not in (external_context or {}))
        for name in deleted:
            context.pop(name, None)
        return True


SCRIPT_ENGINE = PythonScriptEngine(environment=SandboxEnvironment())
