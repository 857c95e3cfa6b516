"""What every workflow runs with: the sandboxed script engine, our clock in SpiffWorkflow's
timers, and no depth limit on the task tree."""
from __future__ import annotations

import contextvars
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
WorkflowError = (SpiffWorkflowException, UnsafeCode, ScriptTimeout, SandboxFailure, DiagramCodeError)


# --- clock: SpiffWorkflow's timers read datetime.now(); route it to our clock -------------

current_clock: contextvars.ContextVar[Clock | None] = contextvars.ContextVar("sixgates_clock", default=None)
_SYSTEM_CLOCK = Clock()


class _ClockedDatetime(datetime):
    @classmethod
    def now(cls, tz=None):
        now = (current_clock.get() or _SYSTEM_CLOCK).now()
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
    """Sends diagram code to a sandbox process (engine.sandbox) instead of bare eval/exec here."""

    def evaluate(self, expression, context, external_context=None):
        scope = dict(external_context or {})
        scope.update(context)
        return sandbox.evaluate(expression, scope)

    def execute(self, script, context, external_context=None):
        scope = dict(external_context or {})
        scope.update(context)
        changed, deleted = sandbox.execute(script, scope)
        context.update((k, v) for k, v in changed.items() if k not in (external_context or {}))
        for name in deleted:
            context.pop(name, None)
        return True


SCRIPT_ENGINE = PythonScriptEngine(environment=SandboxEnvironment())
