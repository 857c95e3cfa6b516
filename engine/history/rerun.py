"""Re-running an instance from its start on its own diagram version with the inputs its audit
trail recorded (form data, timer firings, clock readings, migrations), and checking that every
event the engine recorded is what the re-run produces.

The trail holds two kinds of events. Inputs change the workflow: the start, each task
completed, a migration, and a timer fired by the worker. Outputs are what the engine did in
answer: steps (gateways, decisions, timers), tasks made ready or cancelled, the end. After
each input the re-run's outputs must match the recorded ones in order; at the end its data
and open tasks must match the instance's stored state.
"""
from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from typing import Iterator

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine import spiff
from engine.clock import FixedClock
from engine.kernel.task_rows import ready_event_data
from engine.kernel.task_rules import FORM, rules_for
from engine.repository.deployments import compiled_for, forms_of
from engine.repository.forms import unanswered_fields
from engine.store.lists import stored_list
from engine.store.models import AuditEvent, ProcessInstance, ProcessVersion, Task
from engine.store.trail import canonical_json, chain_of, list_events

INPUTS = {"instance_started", "task_completed", "instance_migrated"}
# The project's lifecycle beyond its diagram (engine.runtime.lifecycle): project status -> the event that sets it.
LIFECYCLE = {"instance_held": "on_hold", "instance_resumed": "running", "instance_stopped": "stopped",
             "instance_withdrawn": "withdrawn"}
ENDINGS = {"instance_stopped", "instance_withdrawn"}
# The project status each input may be recorded in: nothing moves a project on hold but resuming or ending it.
RECORDED_WHEN = {"instance_resumed": {"on_hold"}, "instance_stopped": {"running", "on_hold"},
                 "instance_withdrawn": {"running", "on_hold"}}
OUTPUTS = {"task_ready", "task_cancelled", "gateway_taken", "decision_made", "timer_fired", "instance_completed"}


class Diverged(Exception):
    """The re-run does not reproduce the record at this event."""

    def __init__(self, seq: int, reason: str):
        super().__init__(f"event {seq}: {reason}")
        self.seq, self.reason = seq, reason


@dataclass
class Frame:
    """The re-run as it stood just after one recorded event."""
    event: AuditEvent
    finished: set[str]
    active: set[str]
    data: dict


@dataclass
class _Expected:
    ordered: list[tuple[str, str | None, dict]] = field(default_factory=list)  # kind, bpmn id, data
    cancelled: set[str] = field(default_factory=set)  # re-run task ids


class Rerun:
    """One instance re-run event by event."""

    def __init__(self, session: Session, instance: ProcessInstance):
        self.session = session
        self.instance = instance
        self.version: ProcessVersion | None = None
        self.wf = None
        self.ids: dict[str, str] = {}  # recorded task id -> re-run task id
        self.open: dict[str, str] = {}  # re-run ids of open user tasks -> bpmn id
        self.expected = _Expected()
        self.pending_ready: list[tuple[spiff.ReadyTask, tuple]] = []  # made ready, with the binding its row must have
        self.last_at = None
        self.status = "running"  # as the lifecycle events leave it
        # re-run task id -> (who alone may do it, organisations, who may not): its rules, then its reassignments
        self.bindings: dict[str, tuple[str | None, str | None, str | None]] = {}
        self.completers: dict[str, set[str]] = {}  # bpmn id -> who completed it so far (four eyes)

    def frames(self, events: list[AuditEvent]) -> Iterator[Frame]:
        for event in events:
            self.apply(event)
            finished, active = spiff.element_states(self.wf) if self.wf is not None else (set(), set())
            yield Frame(event, finished, active, self._data())

    def apply(self, event: AuditEvent) -> None:
        """Apply one recorded event; Diverged when the re-run cannot reproduce it (never another error:
        a forged event must be reported, not stop the verification of everything else)."""
        try:
            self._apply(event)
        except Diverged:
            raise
        except Exception as exc:  # noqa: BLE001 - any failure to re-run is a finding about this event
            raise Diverged(event.seq, f"it cannot be re-run ({type(exc).__name__}: {exc})") from None

    def _apply(self, event: AuditEvent) -> None:
        data = json.loads(event.data_json)
        if not isinstance(data, dict):
            raise Diverged(event.seq, "its data is not a set of named values")
        if self.last_at is not None and event.at < self.last_at:
            raise Diverged(event.seq, "it is dated before the event recorded ahead of it")
        self.last_at = event.at
        if event.kind in ("task_claimed", "task_released", "task_reassigned") \
                and self.ids.get(event.task_id or "") not in self.open:
            raise Diverged(event.seq, f"it {event.kind[5:]} {event.task_name}, which was not open then")
        if event.kind in INPUTS | LIFECYCLE.keys():
            self._expect_nothing_more(event.seq)
            if self.status not in RECORDED_WHEN.get(event.kind, {"running"}):
                raise Diverged(event.seq, f"it is recorded while the project was {self.status.replace('_', ' ')}")
            getattr(self, f"_{event.kind}", self._lifecycle)(event, data)
        elif event.kind == "task_reassigned":
            rerun_id = self.ids[event.task_id]
            self.bindings[rerun_id] = (data.get("to"), *self.bindings.get(rerun_id, (None, None, None))[1:])
        elif event.kind in OUTPUTS:
            if self.wf is not None and not self.expected.ordered and not self.expected.cancelled:
                if self.status != "running":
                    raise Diverged(event.seq, f"the engine moved the project while it was "
                                              f"{self.status.replace('_', ' ')}")
                self._advance(event)  # nothing pending: the timer worker moved the instance then
            self._match(event, data)

    def finish(self) -> None:
        """After the last event: nothing left unexplained, and the stored state reproduced."""
        last = self.instance.audit_seq
        self._expect_nothing_more(last)
        if self.wf is None:
            raise Diverged(last, "the trail has no start event")
        stored = json.loads(self.instance.data_json or "{}")
        # Saved mid-call before the fix, the last answer's data stood for the project's: the engine's too.
        legacy = spiff.survey(self.wf, since=float("inf")).last_task_data
        if _normal(self._data()) != _normal(stored) and _normal(legacy) != _normal(stored):
            changed = sorted(k for k in set(stored) | set(self._data())
                             if _normal(stored.get(k)) != _normal(self._data().get(k)))
            raise Diverged(last, f"the stored data differs from the re-run in {', '.join(changed)}")
        rows = {r.id: (r.assignee, r.organisations, r.excluded_users) for r in self.session.execute(
            select(Task.id, Task.assignee, Task.organisations, Task.excluded_users).where(
                Task.instance_id == self.instance.id, Task.state == "ready"))}
        if {self.ids.get(r) for r in rows} != set(self.open):
            raise Diverged(last, "the open tasks stored differ from those the re-run leaves open")
        if any(self.bindings.get(self.ids.get(r), bound) != bound for r, bound in rows.items()):
            raise Diverged(last, "an open task is stored as bound to someone other than its rules and its "
                                 "reassignments say (its person, its organisations or who four eyes bar)")
        if (self.status != "running" or self.instance.status in LIFECYCLE.values()) \
                and self.instance.status != self.status:
            raise Diverged(last, f"the project is stored as {self.instance.status}; its record leaves it {self.status}")

    # --- inputs ---------------------------------------------------------------------------

    def _instance_started(self, event: AuditEvent, data: dict) -> None:
        self.version = self._version(data.get("hash"), event.seq)
        self.wf = spiff.new_workflow(compiled_for(self.version))
        self._run(event, lambda clock: spiff.run_engine_steps(self.wf, clock))

    def _task_completed(self, event: AuditEvent, data: dict) -> None:
        task_id = self.ids.get(event.task_id or "")
        if task_id is None or task_id not in self.open:
            raise Diverged(event.seq, f"task {event.task_name} is not open in the re-run")
        self._check_task_row(event, data)
        self.completers.setdefault(event.task_name, set()).add(event.actor)
        spec = compiled_for(self.version).user_tasks.get(event.task_name)
        form = forms_of(self.version).get(spec.properties.get(FORM.name)) if spec else None
        answers = {**unanswered_fields(form or {}, data), **data}
        self.open.pop(task_id)
        self._run(event, lambda clock: spiff.complete_user_task(self.wf, task_id, answers, clock))

    def _check_task_row(self, event: AuditEvent, data: dict) -> None:
        """The task's own row is a second record of who completed it, when, and with what."""
        row = self.session.get(Task, event.task_id)
        if row is None or row.state != "completed":
            raise Diverged(event.seq, f"the task {event.task_name} it completes is not recorded as completed")
        if (row.completed_by, row.completed_at) != (event.actor, event.at) \
                or _normal(json.loads(row.data_json or "null")) != _normal(data):
            raise Diverged(event.seq, f"who completed {event.task_name}, when or with what answers differs "
                                      "from the task's own record")

    def _lifecycle(self, event: AuditEvent, data: dict) -> None:
        """Held, resumed, stopped or withdrawn: a stopped or withdrawn project's open tasks are all cancelled."""
        self.status = LIFECYCLE[event.kind]
        if event.kind in ENDINGS:
            self.expected.cancelled = set(self.open)
            self.open.clear()

    def _instance_migrated(self, event: AuditEvent, data: dict) -> None:
        self.bindings.clear()  # the new version's rules decide again who holds the tasks open now
        self.version = self._version(data.get("to", {}).get("hash"), event.seq)
        spiff.migrate(self.wf, compiled_for(self.version))
        self._run(event, lambda clock: spiff.run_engine_steps(self.wf, clock))

    def _advance(self, event: AuditEvent) -> None:
        self._run(event, lambda clock: spiff.run_engine_steps(self.wf, clock))

    def _run(self, event: AuditEvent, work) -> None:
        since = time.time()
        try:
            work(FixedClock(event.at))
        except (LookupError, *spiff.WorkflowError) as exc:
            raise Diverged(event.seq, f"re-running it fails: {exc}") from None
        found = spiff.survey(self.wf, since=since)
        ready_ids = {t.id for t in found.ready}
        self.expected.cancelled = {i for i in self.open if i not in ready_ids}
        self.expected.ordered = [(s.kind, s.bpmn_id, s.data) for s in found.steps]
        new = [t for t in found.ready if t.id not in self.open]
        made = [(t, *self._ready(t, event.at)) for t in new]
        self.expected.ordered += [("task_ready", t.bpmn_id, recorded) for t, recorded, _ in made]
        self.pending_ready = [(t, binding) for t, _, binding in made]
        for task in found.ready:
            self.open[task.id] = task.bpmn_id
        for gone in self.expected.cancelled:
            self.open.pop(gone)
        if found.completed:
            self.expected.ordered.append(("instance_completed", None, {}))

    # --- outputs --------------------------------------------------------------------------

    def _match(self, event: AuditEvent, data: dict) -> None:
        if event.kind == "task_cancelled":
            mapped = self.ids.get(event.task_id or "")
            if mapped not in self.expected.cancelled:
                raise Diverged(event.seq, f"the record cancels {event.task_name}; the re-run does not")
            self.expected.cancelled.discard(mapped)
            return
        if not self.expected.ordered:
            raise Diverged(event.seq, f"the record has {_label(event.kind, event.task_name)}; the re-run has nothing")
        kind, bpmn_id, produced = self.expected.ordered.pop(0)
        if (kind, bpmn_id) != (event.kind, event.task_name):
            raise Diverged(event.seq, f"the record has {_label(event.kind, event.task_name)}; "
                                      f"the re-run has {_label(kind, bpmn_id)}")
        if kind == "task_ready":
            ready, binding = self.pending_ready.pop(0)
            self.ids[event.task_id] = ready.id
            self.bindings[ready.id] = binding
        elif kind == "instance_completed":
            produced, data = {}, {}
        if _normal(produced) != _normal(data):
            raise Diverged(event.seq, f"{_label(kind, bpmn_id)} recorded {canonical_json(data)}; "
                                      f"the re-run gives {canonical_json(produced)}")

    def _ready(self, task: spiff.ReadyTask, at) -> tuple[dict, tuple[str | None, str | None, str | None]]:
        """What the engine records of a task made ready (its role, who alone may do it, when it is due), and whom
        its row binds it to: that person, its organisations and who four eyes bar (as kernel.task_rows sets them)."""
        spec = compiled_for(self.version).user_tasks.get(task.bpmn_id)
        rules = rules_for(spec.properties if spec else {}, task.data, at)
        barred = stored_list(sorted(self.completers.get(rules.prepared_by, ()))) if rules.prepared_by else None
        return ready_event_data(task.role, rules), (rules.assignee, rules.organisations, barred)

    def _expect_nothing_more(self, seq: int) -> None:
        if self.expected.ordered:
            kind, bpmn_id, _ = self.expected.ordered[0]
            raise Diverged(seq, f"the re-run has {_label(kind, bpmn_id)}, which the record lacks")
        if self.expected.cancelled:
            raise Diverged(seq, "the re-run cancels a task the record does not")

    def _version(self, content_hash: str | None, seq: int) -> ProcessVersion:
        version = self.session.scalars(select(ProcessVersion).where(
            ProcessVersion.content_hash == content_hash)).first()
        if version is None:
            raise Diverged(seq, "the process version it names is not deployed")
        return version

    def _data(self) -> dict:
        return spiff.survey(self.wf, since=float("inf")).data if self.wf is not None else {}


def _label(kind: str, bpmn_id: str | None) -> str:
    return f"{kind.replace('_', ' ')}{f' {bpmn_id}' if bpmn_id else ''}"


def _normal(value):
    """Compare as stored: JSON with dates and other values as text."""
    return json.loads(json.dumps(value, default=str, sort_keys=True))


def instance_events(session: Session, instance_id: int) -> list[AuditEvent]:
    return list_events(session, chain_of(instance_id))


def rerun_instance(session: Session, instance: ProcessInstance,
                   events: list[AuditEvent] | None = None) -> Diverged | None:
    """Re-run one instance through its whole trail; the first divergence, or None."""
    rerun = Rerun(session, instance)
    try:
        for event in events if events is not None else instance_events(session, instance.id):
            rerun.apply(event)
        rerun.finish()
    except Diverged as exc:
        return exc
    return None
