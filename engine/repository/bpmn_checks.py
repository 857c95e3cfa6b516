"""The rules a BPMN diagram must follow to run in Six Gates, read from its XML.

Each rule takes the uploaded files and yields findings; engine.repository.checks runs them all. The element
tables mirror SpiffWorkflow's parser (SpiffBpmnParser's parser classes and its event parsers);
tests/engine/test_checks.py compares them with the installed library.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Iterator

from lxml import etree

from engine import spiff
from engine.kernel.task_rules import DUE_BY, DUE_IN, ESCALATE_AFTER, FORM, FORM_LAYOUT, NOT_COMPLETED_BY, ORGANISATION
from engine.policy import ROLES, visibility
from engine.repository.expression_checks import code_problem, language_named, timer_problem
from engine.repository.findings import Finding, error, warning
from engine.repository.forms import schema_problem
from engine.sandbox.data_flow import CodeFlow, code_flow

BPMN_NS = "http://www.omg.org/spec/BPMN/20100524/MODEL"
SPIFF_NS = "http://spiffworkflow.org/bpmn/schema/1.0/core"
CAMUNDA_NS = "http://camunda.org/schema/1.0/bpmn"
ZEEBE_NS = "http://camunda.org/schema/zeebe/1.0"

RUNNABLE = {"startEvent", "endEvent", "intermediateCatchEvent", "intermediateThrowEvent", "boundaryEvent",
            "task", "userTask", "manualTask", "scriptTask", "serviceTask", "sendTask", "receiveTask",
            "businessRuleTask", "callActivity", "subProcess", "transaction", "adHocSubProcess",
            "exclusiveGateway", "inclusiveGateway", "parallelGateway", "eventBasedGateway"}
NOT_RUNNABLE = {"complexGateway", "choreographyTask", "callChoreography", "subChoreography", "event",
                "implicitThrowEvent"}
FLOW_NODES = RUNNABLE | NOT_RUNNABLE
CONTAINERS = {"process", "subProcess", "transaction", "adHocSubProcess"}
# Event definitions SpiffWorkflow reads on each kind of event; it silently ignores any other.
EVENT_DEFINITIONS = {
    "startEvent": {"message", "signal", "timer", "conditional"},
    "endEvent": {"message", "cancel", "error", "escalation", "terminate"},
    "intermediateCatchEvent": {"message", "signal", "timer", "conditional"},
    "intermediateThrowEvent": {"message", "signal", "timer", "escalation"},
    "boundaryEvent": {"cancel", "error", "escalation", "message", "signal", "timer", "conditional"},
}
PEOPLE_TASKS = {"userTask", "manualTask"}
CODE = {"conditionExpression": ("the condition", "eval"), "condition": ("the condition", "eval"),
        "loopCardinality": ("the loop cardinality", "eval"), "loopCondition": ("the loop condition", "eval"),
        "completionCondition": ("the completion condition", "eval"), "script": ("the script", "exec")}
SPIFF_CODE = {"preScript": ("the pre-script", "exec"), "postScript": ("the post-script", "exec")}
# Camunda and Zeebe ways of saying what a task does, which SpiffWorkflow does not read.
CAMUNDA_IMPLEMENTATIONS = {
    "class": "a Java class (camunda:class, Camunda 7)", "delegateExpression": "a Java delegate "
    "(camunda:delegateExpression, Camunda 7)", "expression": "a JUEL expression (camunda:expression, Camunda 7)",
    "type": "an external task worker (camunda:type, Camunda 7)", "decisionRef": "a Camunda 7 decision "
    "reference (camunda:decisionRef)", "resource": "an external script (camunda:resource, Camunda 7)"}
ZEEBE_IMPLEMENTATIONS = {
    "taskDefinition": "a Zeebe job worker (zeebe:taskDefinition, Camunda 8)", "calledDecision": "a Camunda 8 "
    "decision reference (zeebe:calledDecision)", "calledElement": "a Camunda 8 process reference "
    "(zeebe:calledElement)", "script": "a Camunda 8 FEEL script (zeebe:script)"}


@dataclass
class Diagram:
    """The uploaded files, parsed: what every rule reads."""
    root: etree._Element
    decisions: dict[str, str] = field(default_factory=dict)   # decision id -> DMN file name
    forms: dict[str, object] = field(default_factory=dict)     # form file -> parsed JSON (None if it is not)
    dmn: dict[str, etree._Element] = field(default_factory=dict)  # DMN file name -> its parsed XML

    @property
    def processes(self) -> list[etree._Element]:
        return [p for p in self.root if local(p) == "process"]

    @property
    def running(self) -> list[etree._Element]:
        """The processes that would run: the executable ones, or all of them if none is marked so."""
        executable = [p for p in self.processes if is_executable(p)]
        return executable or self.processes

    def elements(self) -> Iterator[etree._Element]:
        """Every BPMN element inside the processes that would run."""
        for process in self.running:
            yield from (e for e in process.iter() if local(e) is not None)


def local(element: etree._Element, namespace: str = BPMN_NS) -> str | None:
    """The element's local name when it is in `namespace` (BPMN by default), else None."""
    if not isinstance(element.tag, str):
        return None
    qname = etree.QName(element)
    return qname.localname if qname.namespace == namespace else None


def is_executable(process: etree._Element) -> bool:
    return process.get("isExecutable", "true") == "true"  # as SpiffWorkflow reads it


def words(name: str) -> str:
    """userTask -> 'user task'."""
    return re.sub(r"(?<=[a-z])(?=[A-Z])", " ", name).lower()


def article(phrase: str) -> str:
    return f"{'an' if phrase[:1] in 'aeiou' else 'a'} {phrase}"


def label(element: etree._Element, *, or_id: bool = True) -> str:
    """The element's name on one line (its id when it has none)."""
    return " ".join((element.get("name") or (element.get("id") if or_id else "") or "").split())


def describe(element: etree._Element) -> str:
    kind = words(local(element) or etree.QName(element).localname)
    name = label(element, or_id=False)
    return f'the {kind} "{name}"' if name else f"the {kind}"


def owner(element: etree._Element) -> etree._Element | None:
    """The flow element (task, event, sequence flow...) a piece of XML belongs to, for its id."""
    node, fallback = element, None
    while node is not None:
        parent = node.getparent()
        if node.get("id"):
            fallback = fallback if fallback is not None else node
            if parent is None or local(parent) in CONTAINERS or local(parent) == "definitions":
                return node
        node = parent
    return fallback


def owner_id(element: etree._Element) -> str | None:
    found = owner(element)
    return found.get("id") if found is not None else None


def extensions(element: etree._Element, namespace: str) -> list[etree._Element]:
    return [e for ext in element if local(ext) == "extensionElements" for e in ext.iter()
            if local(e, namespace) is not None]


def properties(element: etree._Element) -> dict[str, str]:
    """The spiffworkflow:property name/value pairs of a task."""
    return {p.get("name"): p.get("value") or "" for p in extensions(element, SPIFF_NS)
            if local(p, SPIFF_NS) == "property" and p.get("name")}


# --- processes and elements ---------------------------------------------------------------

def process_rule(diagram: Diagram) -> Iterator[Finding]:
    processes = diagram.processes
    if not processes:
        yield error(None, "the BPMN file contains no process, so there is nothing to run")
        return
    executable = [p for p in processes if is_executable(p)]
    for process in processes:
        if not is_executable(process):
            name = label(process)
            if executable:
                yield warning(process.get("id"), f'process "{name}" is marked isExecutable=false, so Six Gates '
                              "ignores it and runs only the executable process")
            else:
                yield error(process.get("id"), f'process "{name}" is marked isExecutable=false, so there is '
                            "nothing to run")
    called = {c.get("calledElement") for c in diagram.root.iter(f"{{{BPMN_NS}}}callActivity")}
    top = [p.get("id") for p in executable if p.get("id") not in called]
    if len(top) > 1:
        yield warning(top[1], f"the file has {len(top)} executable processes that do not call one another "
                      f"({', '.join(top)}); Six Gates runs only the first, {top[0]}")


def element_rule(diagram: Diagram) -> Iterator[Finding]:
    for element in diagram.elements():
        kind = local(element)
        if kind in NOT_RUNNABLE:
            yield error(element.get("id"), f"{describe(element)} is a bpmn:{kind}, which SpiffWorkflow cannot run")
        elif kind in EVENT_DEFINITIONS:
            yield from _event_definition_problems(element, kind)


def _event_definition_problems(event: etree._Element, kind: str) -> Iterator[Finding]:
    found = [local(d) for d in event if (local(d) or "").endswith("EventDefinition")]
    for definition in found:
        if definition[: -len("EventDefinition")] not in EVENT_DEFINITIONS[kind]:
            yield error(event.get("id"), f"{describe(event)} has {article(words(definition))} (bpmn:{definition}), "
                        f"which SpiffWorkflow ignores on {article(words(kind))}, so it would not behave as drawn")
    if kind == "boundaryEvent" and not found:
        yield error(event.get("id"), f"{describe(event)} has no event definition, so SpiffWorkflow cannot tell "
                    "what it waits for")


def implementation_rule(diagram: Diagram) -> Iterator[Finding]:
    """Tasks that need something Six Gates lacks: services, Camunda code, missing decisions or processes."""
    process_ids = {p.get("id") for p in diagram.processes}
    for element in diagram.elements():
        kind = local(element)
        foreign = _foreign_implementation(element)
        if foreign is not None and kind in FLOW_NODES:
            yield error(element.get("id"), f"{describe(element)} is implemented by {foreign}, which SpiffWorkflow "
                        "cannot run; use a script task or spiffworkflow extensions instead")
        elif kind == "serviceTask":
            has_operator = any(local(e, SPIFF_NS) == "serviceTaskOperator" for e in extensions(element, SPIFF_NS))
            yield error(element.get("id"), f"{describe(element)} calls a service, but Six Gates has no services to "
                        "call; use a script task instead" if has_operator else f"{describe(element)} has no "
                        "spiffworkflow:serviceTaskOperator, so SpiffWorkflow does not know what to call")
        elif kind == "businessRuleTask":
            yield from _decision_problems(diagram, element)
        elif kind == "callActivity" and element.get("calledElement") not in process_ids:
            called = element.get("calledElement")
            yield error(element.get("id"), f'{describe(element)} calls the process "{called}", which is not in this '
                        "file; SpiffWorkflow can only call processes of the same file" if called else
                        f"{describe(element)} does not say which process it calls (calledElement)")
    for store in diagram.root.iter(f"{{{BPMN_NS}}}dataStore"):
        yield error(store.get("id"), f'the data store "{label(store)}" has no '
                    "implementation in Six Gates, and SpiffWorkflow refuses a file that declares one")


def _foreign_implementation(element: etree._Element) -> str | None:
    for attribute, meaning in CAMUNDA_IMPLEMENTATIONS.items():
        if element.get(f"{{{CAMUNDA_NS}}}{attribute}"):
            return meaning
    for child in extensions(element, ZEEBE_NS):
        if local(child, ZEEBE_NS) in ZEEBE_IMPLEMENTATIONS:
            return ZEEBE_IMPLEMENTATIONS[local(child, ZEEBE_NS)]
    if any(local(child, CAMUNDA_NS) == "connector" for child in extensions(element, CAMUNDA_NS)):
        return "a Camunda 7 connector (camunda:connector)"
    return None


def _decision_problems(diagram: Diagram, task: etree._Element) -> Iterator[Finding]:
    called = [e.text.strip() for e in extensions(task, SPIFF_NS)
              if local(e, SPIFF_NS) == "calledDecisionId" and e.text and e.text.strip()]
    if not called:
        yield error(task.get("id"), f"{describe(task)} names no decision table (spiffworkflow:calledDecisionId), "
                    "so there is nothing to evaluate")
    elif called[0] not in diagram.decisions:
        known = ", ".join(sorted(diagram.decisions)) or "no DMN file was uploaded"
        yield error(task.get("id"), f'{describe(task)} calls the decision "{called[0]}", which is not in the '
                    f"uploaded decision tables ({known})")


# --- people: lanes, forms, due dates ------------------------------------------------------

def role_label(role: str) -> str:
    return role.replace("_", " ").capitalize().replace("Dmbc", "DMBC")


def lanes_of_people(diagram: Diagram) -> dict[etree._Element | None, list[etree._Element]]:
    """Lane -> the user and manual tasks in it (as SpiffWorkflow assigns lanes); None: outside every lane."""
    lane_by_node = {ref.text: ref.getparent() for ref in diagram.root.iter(f"{{{BPMN_NS}}}flowNodeRef")}
    lanes: dict[etree._Element | None, list[etree._Element]] = {}
    for task in (e for e in diagram.elements() if local(e) in PEOPLE_TASKS):
        node, lane = task, None
        while node is not None and lane is None and local(node) != "process":
            lane = lane_by_node.get(node.get("id"))  # a task in a subprocess works in the subprocess's lane
            node = node.getparent()
        lanes.setdefault(lane, []).append(task)
    return lanes


def lane_rule(diagram: Diagram) -> Iterator[Finding]:
    known = ", ".join(role_label(r) for r in ROLES)
    for lane, tasks in lanes_of_people(diagram).items():
        if lane is None:
            for task in tasks:
                yield error(task.get("id"), f"{describe(task)} is not in any lane, so nobody may do it; put it in "
                            "a lane named after a role, such as Hub team")
            continue
        name = label(lane, or_id=False)
        if spiff.role_key(name) not in ROLES:
            work = describe(tasks[0]) if len(tasks) == 1 else f"its {len(tasks)} tasks"
            what = f'lane "{name}" is not' if name else "the lane has no name, so it is not"
            yield error(lane.get("id"), f"{what} a Six Gates role, so nobody may do {work}; name the lane after "
                        f"one of: {known}")


def form_rule(diagram: Diagram) -> Iterator[Finding]:
    user_tasks = [e for e in diagram.elements() if local(e) == "userTask"]
    task_ids = {task.get("id") for task in user_tasks}
    for task in user_tasks:
        props, task_id, what = properties(task), task.get("id"), describe(task)
        form = props.get(FORM.name)
        if not form:
            yield error(task_id, f"{what} has no form; set its {FORM.name} property to a JSON Schema file")
        elif form not in diagram.forms:
            yield error(task_id, f"{what} uses the form {form}, which was not uploaded")
        elif diagram.forms[form] is not None and (why := schema_problem(diagram.forms[form])) is not None:
            yield error(task_id, f"{what} uses the form {form}, which {why}")
        ui = props.get(FORM_LAYOUT.name)
        if ui and ui not in diagram.forms:
            yield error(task_id, f"{what} uses the form layout {ui}, which was not uploaded")
        yield from _timing_findings(props, task_id, what)
        prepared = props.get(NOT_COMPLETED_BY.name)
        if prepared and (prepared not in task_ids or prepared == task_id):
            yield error(task_id, f'{what} has {NOT_COMPLETED_BY.name} "{prepared}", which is not another user task '
                        "of this diagram, so the four-eyes rule would never apply")


def _timing_findings(props: dict[str, str], task_id: str, what: str) -> Iterator[Finding]:
    """When a user task is due (a duration, or a date variable) and how long it may stay overdue."""
    due, due_by, grace = props.get(DUE_IN.name), props.get(DUE_BY.name), props.get(ESCALATE_AFTER.name)
    if due_by and not due_by.isidentifier():
        yield error(task_id, f'{what} has {DUE_BY.name} "{due_by}", which is not the name of a data variable')
    if not due and not due_by:
        yield warning(task_id, f"{what} has no {DUE_IN.name} property, so it will never show as overdue")
    if due and timer_problem(f'"{due}"', "timeDuration") is not None:
        yield error(task_id, f'{what} has {DUE_IN.name} "{due}", which is not an ISO 8601 duration such as P10D')
    if grace and timer_problem(f'"{grace}"', "timeDuration") is not None:
        yield error(task_id, f'{what} has {ESCALATE_AFTER.name} "{grace}", which is not an ISO 8601 duration '
                    "such as P2D")


# --- gateways and code ----------------------------------------------------------------------

def gateway_rule(diagram: Diagram) -> Iterator[Finding]:
    outgoing: dict[str, list[etree._Element]] = {}
    for flow in (e for e in diagram.elements() if local(e) == "sequenceFlow"):
        outgoing.setdefault(flow.get("sourceRef"), []).append(flow)
    for gateway in (e for e in diagram.elements() if local(e) in {"exclusiveGateway", "inclusiveGateway"}):
        flows = outgoing.get(gateway.get("id"), [])
        unguarded = [f.get("id") for f in flows if f.get("id") != gateway.get("default") and not _condition(f)]
        if len(flows) > 1 and unguarded:
            flows_text = "an outgoing flow" if len(unguarded) == 1 else f"{len(unguarded)} outgoing flows"
            yield error(gateway.get("id"), f"{describe(gateway)} has {flows_text} with neither a condition nor the "
                        f"default mark ({', '.join(unguarded)}), so SpiffWorkflow cannot choose between its flows; "
                        "give each a condition or make one the default")


def _condition(flow: etree._Element) -> str:
    return next(("".join(c.itertext()).strip() for c in flow if local(c) == "conditionExpression"), "")


def code_rule(diagram: Diagram) -> Iterator[Finding]:
    language = language_named(diagram.root.get("expressionLanguage"))
    if language is not None:
        yield error(diagram.root.get("id"), f"the file declares its expressions to be in {language}; Six Gates "
                    "evaluates Python, so remove the expressionLanguage attribute and write Python")
    for element in (e for process in diagram.running for e in process.iter()):
        kind, spiff_kind = local(element), local(element, SPIFF_NS)
        if kind in ("timeDate", "timeDuration", "timeCycle"):
            problem = _code_problem(element, lambda text, k=kind: timer_problem(text, k), what="the timer")
        elif kind in CODE or spiff_kind in SPIFF_CODE:
            what, mode = CODE.get(kind) or SPIFF_CODE[spiff_kind]
            problem = _code_problem(element, lambda text, w=what, m=mode: code_problem(text, m, what=w), what=what)
        else:
            continue
        if problem is not None:
            yield error(owner_id(element), problem)


def _code_problem(element: etree._Element, check, *, what: str) -> str | None:
    declared = element.get("language") or (element.getparent().get("scriptFormat")
                                            if local(element) == "script" else None)
    language = language_named(declared)
    if language is not None:
        return f"{what} is declared to be written in {language}; Six Gates evaluates Python"
    text = "".join(element.itertext()).strip()
    return check(text) if text else None


# --- confidential data --------------------------------------------------------------------------

def confidential_flow_rule(diagram: Diagram) -> Iterator[Finding]:
    """Code that reads EoIs or scores writes only keys as confidential (visibility.CONFIDENTIAL_LEVELS), and a
    multi-instance activity collects only into such keys: otherwise one script could show a competitor's EoI
    or the board's scores to everyone who reads the key it writes."""
    levels = _confidential_levels(diagram)
    for loop in (e for e in diagram.elements() if local(e) == "multiInstanceLoopCharacteristics"):
        yield from _collection_problems(loop, levels)
    for element in (e for process in diagram.running for e in process.iter()):
        kind, spiff_kind = local(element), local(element, SPIFF_NS)
        what, mode = CODE.get(kind or "") or SPIFF_CODE.get(spiff_kind or "") or (None, None)
        text = "".join(element.itertext()).strip() if what else ""
        try:
            flow = code_flow(text, mode) if text else None
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            continue  # code_rule reports code that does not parse
        if flow is not None:
            problem = _flow_problem(flow, levels, what)
            if problem:
                yield error(owner_id(element), f"{describe(owner(element))}: {problem}")
    for task in (e for e in diagram.elements() if local(e) == "businessRuleTask"):
        flow = _decision_flow(diagram, task)
        problem = _flow_problem(flow, levels, "its decision table") if flow is not None else None
        if problem:
            yield error(task.get("id"), f"{describe(task)}: {problem}")


def _decision_flow(diagram: Diagram, task: etree._Element) -> CodeFlow | None:
    """What a business rule task's decision table reads (its input expressions and cells) and writes (its
    outputs, by name, which SpiffWorkflow puts in the task's data)."""
    called = next((e.text.strip() for e in extensions(task, SPIFF_NS)
                   if local(e, SPIFF_NS) == "calledDecisionId" and e.text), None)
    root = diagram.dmn.get(diagram.decisions.get(called or "", ""))
    if root is None:
        return None
    decision = next((d for d in root if isinstance(d.tag, str) and d.get("id") == called), None)
    if decision is None:
        return None
    reads, writes = set(), set()
    for node in decision.iter():
        kind = etree.QName(node).localname if isinstance(node.tag, str) else None
        if kind == "output" and node.get("name"):
            writes.add(node.get("name"))
        elif kind == "text" and node.text and node.text.strip() not in ("", "-"):
            try:
                reads |= code_flow(node.text.strip(), "eval").reads
            except (SyntaxError, ValueError, RecursionError, MemoryError):
                continue  # a cell that is not an expression (a DMN unary test): the DMN checks report it
    return CodeFlow(frozenset(reads), frozenset(writes), None)


def _confidential_levels(diagram: Diagram) -> list[tuple[str, set[str], frozenset[str]]]:
    """Each level's keys, with the fields of the partners' forms (EoI data) and the item names of a
    multi-instance activity over a level's keys."""
    levels = [(what, set(keys), sinks) for what, keys, sinks in visibility.CONFIDENTIAL_LEVELS]
    eoi_keys = next(keys for what, keys, _ in levels if visibility.EOI_KEYS <= keys)
    for task in (e for e in diagram.elements() if local(e) == "userTask"):
        form = diagram.forms.get(properties(task).get(FORM.name) or "")
        if properties(task).get(ORGANISATION.name) and isinstance(form, dict):  # a partner's own task: an EoI
            eoi_keys |= set(form.get("properties") or {})
    for loop in (e for e in diagram.elements() if local(e) == "multiInstanceLoopCharacteristics"):
        refs = _loop_refs(loop)
        for _what, keys, _sinks in levels:
            if refs.get("loopDataInputRef") in keys and refs.get("inputDataItem"):
                keys.add(refs["inputDataItem"])
    return levels


def _loop_refs(loop: etree._Element) -> dict[str, str]:
    """loopDataInputRef/loopDataOutputRef (their text) and inputDataItem/outputDataItem (their name)."""
    return {local(c): (c.get("name") or c.text or "").strip() for c in loop if local(c)}


def _flow_problem(flow, levels, what: str) -> str | None:
    for level, keys, sinks in levels:
        read = sorted(flow.reads & keys)
        if not read:
            continue
        wider = sorted(flow.writes - sinks)
        if wider:
            return (f"{what} reads {level} ({', '.join(read)}) and writes {', '.join(wider)}, which people who "
                    f"may not read {level} can read; keep them in {', '.join(sorted(sinks))}, or ask the Hub to "
                    "declare the new key confidential")
        if flow.in_place:
            return (f"{what} reads {level} ({', '.join(read)}) and changes a value in place ({flow.in_place}), "
                    "which could reach another key holding the same value; build a new value instead")
    return None


def _collection_problems(loop: etree._Element, levels) -> Iterator[Finding]:
    refs = _loop_refs(loop)
    into, item = refs.get("loopDataOutputRef"), refs.get("outputDataItem")
    if not into:
        return
    activity = loop.getparent()
    audiences, _why = visibility.OUTSIDE_READERS.get(into, (frozenset(), ""))
    if audiences and visibility.OWN not in audiences:
        yield error(activity.get("id"), f"{describe(activity)} collects the result of each of its instances into "
                    f"{into}, which people outside the Hub read; collect into a key of its own")
        return
    for level, keys, sinks in levels:
        if item in keys and into not in sinks:
            yield error(activity.get("id"), f"{describe(activity)} collects {level} ({item}) into {into}, which "
                        f"people who may not read {level} can read; collect into {', '.join(sorted(sinks))}")


# --- reachability -----------------------------------------------------------------------------

def reachability_rule(diagram: Diagram) -> Iterator[Finding]:
    for process in diagram.running:
        yield from _unreachable(process)


def _unreachable(container: etree._Element) -> Iterator[Finding]:
    nodes = {n.get("id"): n for n in container if local(n) in FLOW_NODES and n.get("id")}
    edges = _edges(container, nodes)
    seen = [i for i, n in nodes.items() if local(n) == "startEvent" or n.get("triggeredByEvent") == "true"
            or n.get("isForCompensation") == "true" or local(container) == "adHocSubProcess"]
    reached = set(seen)
    while seen:
        for target in edges.get(seen.pop(), []):
            if target not in reached:
                reached.add(target)
                seen.append(target)
    for node_id, node in nodes.items():
        if node_id not in reached:
            yield warning(node_id, f"{describe(node)} cannot be reached from a start event, so it will never run")
        elif local(node) in CONTAINERS:
            yield from _unreachable(node)


def _edges(container: etree._Element, nodes: dict[str, etree._Element]) -> dict[str, list[str]]:
    """Where the token can go next: sequence flows, boundary events, link events of the same name."""
    edges: dict[str, list[str]] = {}
    links: dict[str, list[etree._Element]] = {}
    for child in container:
        if local(child) == "sequenceFlow":
            edges.setdefault(child.get("sourceRef"), []).append(child.get("targetRef"))
        elif local(child) == "boundaryEvent":
            edges.setdefault(child.get("attachedToRef"), []).append(child.get("id"))
        for link in (d for d in child if local(d) == "linkEventDefinition" and child.get("id") in nodes):
            links.setdefault(link.get("name") or child.get("name") or "", []).append(child)
    for events in links.values():
        targets = [e.get("id") for e in events if local(e) == "intermediateCatchEvent"]
        for source in (e for e in events if local(e) == "intermediateThrowEvent"):
            edges.setdefault(source.get("id"), []).extend(targets)
    return edges


RULES = (process_rule, element_rule, implementation_rule, lane_rule, form_rule, gateway_rule, code_rule,
         confidential_flow_rule, reachability_rule)
