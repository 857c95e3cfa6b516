"""Checks before deployment: every reason a diagram cannot run here, found by reading its XML.

Each finding names the element and says, in one sentence a process owner understands, what is
wrong. Errors block deployment; warnings (an unreachable task, say) do not.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field

from lxml import etree

from . import spiff
from .forms import SCHEMA_PROPERTY, UI_SCHEMA_PROPERTY, schema_problem
from .policy import ROLES
from .sandbox import UnsafeCode, check_code
from .xmlsafe import UnsafeXml, parse_xml

ERROR = "error"
WARNING = "warning"


@dataclass(frozen=True)
class Finding:
    element_id: str | None   # the BPMN/DMN element id, None for whole-file problems
    message: str             # one sentence a process owner understands, no Python tracebacks
    severity: str            # "error" (blocks deployment) or "warning" (does not)
    file: str | None = None  # e.g. "evidence_gate.dmn" or a form file name; None = the BPMN file

    def as_dict(self) -> dict:
        return {"element_id": self.element_id, "message": self.message, "severity": self.severity,
                "file": self.file}

    def __str__(self) -> str:
        """'element X: message' ('file, element X: ...' outside the BPMN file); whole-file: the message."""
        if self.element_id is None:
            return self.message
        where = f"{self.file}, element {self.element_id}" if self.file else f"element {self.element_id}"
        return f"{where}: {self.message}"


@dataclass
class CheckReport:
    findings: list[Finding] = field(default_factory=list)
    compiled: spiff.CompiledProcess | None = None
    lanes: dict[str, str] = field(default_factory=dict)  # lane id -> name, of the processes that run

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == ERROR]

    @property
    def warnings(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == WARNING]

    @property
    def ok(self) -> bool:
        return not self.errors


def check_diagram(bpmn: bytes, dmn: dict[str, bytes], forms: dict[str, bytes]) -> CheckReport:
    """Every finding about these files that needs no database; never raises."""
    compiled, problems = _legacy_check(bpmn, dmn, forms)
    return CheckReport([Finding(*_split(p), ERROR) for p in problems], compiled if not problems else None)


def _split(problem: str) -> tuple[str | None, str]:
    if problem.startswith("element ") and ": " in problem:
        where, message = problem.split(": ", 1)
        return where.removeprefix("element "), message
    return None, problem


def staffing_warnings(lanes: dict[str, str], staffed_roles: set[str]) -> list[Finding]:
    """Lanes (id -> name) whose role no active user holds: their tasks would wait for nobody."""
    findings = []
    for lane_id, name in lanes.items():
        role = spiff.role_key(name)
        if role in ROLES and role not in staffed_roles:
            findings.append(Finding(lane_id, f'no active user has the role of lane "{name}" yet, so its tasks '
                                    "will wait until someone is given that role", WARNING))
    return findings


# Elements whose text SpiffWorkflow evaluates as Python, and how (eval or exec).
CODE_ELEMENTS = {
    "conditionExpression": "eval", "timeDate": "eval", "timeDuration": "eval", "timeCycle": "eval",
    "loopCardinality": "eval", "completionCondition": "eval", "loopCondition": "eval",
    "script": "exec", "preScript": "exec", "postScript": "exec",
}
DMN_CODE_ELEMENTS = {"inputExpression", "inputEntry", "outputEntry"}


def _legacy_check(bpmn: bytes, dmn: dict[str, bytes],
                  forms: dict[str, bytes]) -> tuple[spiff.CompiledProcess | None, list[str]]:
    problems: list[str] = []
    trees = []
    for name, data in [("the BPMN file", bpmn)] + [(n, d) for n, d in sorted(dmn.items())]:
        try:
            trees.append((name, parse_xml(data, what=name)))
        except UnsafeXml as exc:
            problems.append(str(exc))
    if problems:
        return None, problems
    for name, tree in trees:
        problems += _code_problems(tree, dmn=name != "the BPMN file")
    if problems:
        return None, problems
    try:
        compiled = spiff.compile_process(bpmn, dmn)
    except (ValueError, *spiff.WorkflowError) as exc:
        return None, [f"SpiffWorkflow cannot run this diagram: {exc}"]
    schemas = {}
    for name, data in forms.items():
        try:
            schemas[name] = json.loads(data)
        except ValueError as exc:
            problems.append(f"form {name} is not valid JSON: {exc}")
    problems += _user_task_problems(compiled, schemas)
    return compiled, problems


def _code_problems(tree: etree._Element, *, dmn: bool) -> list[str]:
    problems = []
    for element in tree.iter():
        if not isinstance(element.tag, str):
            continue
        local = etree.QName(element).localname
        text = (element.text or "").strip()
        if not text:
            continue
        where = _element_id(element)
        if dmn and local in DMN_CODE_ELEMENTS:
            source = text if local != "inputEntry" or text[:1] not in "<>=!" else f"value {text}"
            mode = "eval"
        elif not dmn and local in CODE_ELEMENTS:
            source, mode = text, CODE_ELEMENTS[local]
        else:
            continue
        if dmn and local == "inputEntry" and text == "-":
            continue
        try:
            check_code(source, mode)
        except UnsafeCode as exc:
            problems.append(f"{where}: the {local} {exc}")
    return problems


def _element_id(element: etree._Element) -> str:
    node = element
    while node is not None:
        if node.get("id"):
            return f"element {node.get('id')}"
        node = node.getparent()
    return "an element"


def _user_task_problems(compiled: spiff.CompiledProcess, schemas: dict[str, object]) -> list[str]:
    problems = []
    for task in compiled.user_tasks.values():
        if task.role is not None and task.role not in ROLES:
            problems.append(f"element {task.bpmn_id}: lane role {task.role!r} is not a known role")
        form = task.properties.get(SCHEMA_PROPERTY)
        if not form:
            problems.append(f"element {task.bpmn_id}: the user task has no form ({SCHEMA_PROPERTY})")
        elif form not in schemas:
            problems.append(f"element {task.bpmn_id}: its form {form} was not provided")
        elif (why := schema_problem(schemas[form])) is not None:
            problems.append(f"element {task.bpmn_id}: its form {form} {why}")
        ui = task.properties.get(UI_SCHEMA_PROPERTY)
        if ui and ui not in schemas:
            problems.append(f"element {task.bpmn_id}: its UI schema {ui} was not provided")
    return problems
