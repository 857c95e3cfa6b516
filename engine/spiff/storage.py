"""Storing a workflow: the spec lives once per deployed version; settled tasks are stored once."""
from __future__ import annotations

import json
from dataclasses import dataclass
from uuid import UUID

from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.serializer import BpmnWorkflowSerializer
from SpiffWorkflow.bpmn.serializer.default.workflow import (
    BpmnSubWorkflowConverter,
    BpmnWorkflowConverter,
    WorkflowConverter,
)
from SpiffWorkflow.bpmn.util.subworkflow import BpmnSubWorkflow
from SpiffWorkflow.spiff.serializer.config import SPIFF_CONFIG
from SpiffWorkflow.util.task import TaskState

from .environment import SCRIPT_ENGINE
from .specs import CompiledProcess


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


SERIALIZER = _serializer(_ShellWorkflowConverter)
_PLAINSERIALIZER = _serializer(_PlainWorkflowConverter)


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
    dct = SERIALIZER.to_dict(wf)
    dct[SERIALIZER.VERSION_KEY] = SERIALIZER.VERSION
    encoder = SERIALIZER._encoder_cls
    finished = {key: json.dumps(body, cls=encoder) for key, body in wf.__dict__.pop("_sixgates_settled").items()}
    return SavedState(json.dumps(dct, cls=encoder), finished)


def _task_maps(dct: dict) -> list[dict]:
    return [dct["tasks"]] + [sub["tasks"] for sub in dct.get("subprocesses", {}).values()]


def full_state(wf: BpmnWorkflow) -> dict:
    """Every task converted afresh by SpiffWorkflow's own converter: for checking dump_state."""
    return json.loads(_PLAINSERIALIZER.serialize_json(wf))


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
    SERIALIZER.migrate(dct)
    # The script engine is not serialised: from_dict attaches the sandboxed one again.
    wf = SERIALIZER.from_dict(dct, compiled=compiled)
    stored = wf.__dict__.setdefault("_sixgates_stored", {})
    for task_id in finished:
        task = wf.get_task_from_id(UUID(task_id))
        if task is not None:  # rows of tasks that were dropped later are ignored
            stored[task_id] = _fingerprint(task)
    return wf
