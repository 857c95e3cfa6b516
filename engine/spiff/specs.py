"""Parsing a deployed version's BPMN and DMN into the specs its workflows run."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Iterator

from SpiffWorkflow.bpmn.parser.ValidationException import ValidationException
from SpiffWorkflow.bpmn.specs.mixins.multiinstance_task import LoopTask
from SpiffWorkflow.bpmn.specs.mixins.user_task import UserTask
from SpiffWorkflow.spiff.parser.process import SpiffBpmnParser

from engine.spiff.xmlsafe import parse_xml


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
