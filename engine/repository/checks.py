"""Checks before deployment: every reason uploaded files cannot run here, as findings.

Each finding names the element and says, in one sentence a process owner understands, what is
wrong. Errors block deployment; warnings (an unreachable task, say) do not. The checks read the
XML themselves before SpiffWorkflow sees it, so a hostile or foreign file gets reasons, not a crash.
The page, `POST /api/v1/processes` and `sixgates deploy` all come through here (via repository).
"""
from __future__ import annotations

import copy
import json
import logging
import re
from functools import lru_cache
from importlib.util import find_spec
from pathlib import Path
from typing import Callable, Iterable, Iterator

from lxml import etree

from engine import spiff
from engine.policy import ROLES
from engine.repository.bpmn_checks import BPMN_NS, RULES, SPIFF_NS, Diagram, label, lanes_of_people, owner_id
from engine.repository.expression_checks import dmn_cell_problem, language_named
from engine.repository.findings import ERROR, WARNING, CheckReport, Finding, error, warning
from engine.spiff.xmlsafe import UnsafeXml, parse_xml

__all__ = ["ERROR", "WARNING", "CheckReport", "Finding", "check_diagram", "staffing_warnings"]

log = logging.getLogger(__name__)
DMN_VERSIONS = {"http://www.omg.org/spec/DMN/20151101/dmn.xsd": "1.1",
                "http://www.omg.org/spec/DMN/20180521/MODEL/": "1.2",
                "https://www.omg.org/spec/DMN/20191111/MODEL/": "1.3"}
HIT_POLICIES = {"UNIQUE", "FIRST", "COLLECT"}  # what SpiffWorkflow's DMNEngine evaluates as specified
PREFIXES = {BPMN_NS: "bpmn", SPIFF_NS: "spiffworkflow"}
MAX_SCHEMA_FINDINGS = 5


def check_diagram(bpmn: bytes, dmn: dict[str, bytes], forms: dict[str, bytes]) -> CheckReport:
    """Every finding about these files that needs no database. Never raises, whatever the input."""
    report = CheckReport()
    try:
        _check(bpmn, dmn, forms, report)
    except Exception:  # noqa: BLE001 - a file must never crash the app; the log keeps the details
        log.exception("the deployment checks failed")
        report.findings.append(error(None, "the checks could not finish on this file, so it cannot be deployed"))
        report.compiled = None
    return report


def staffing_warnings(lanes: dict[str, str], staffed_roles: set[str]) -> list[Finding]:
    """Lanes (id -> name) whose role no active user holds: their tasks would wait for nobody."""
    return [warning(lane_id, f'no active user has the role of lane "{name}" yet, so its tasks will wait until '
                    "someone is given that role")
            for lane_id, name in lanes.items() if spiff.role_key(name) in set(ROLES) - staffed_roles]


def _check(bpmn: bytes, dmn: dict[str, bytes], forms: dict[str, bytes], report: CheckReport) -> None:
    findings = report.findings
    root = _parse(bpmn, None, findings)
    dmn_roots = {name: tree for name, data in sorted(dmn.items())
                 if (tree := _parse(data, name, findings)) is not None}
    diagram_forms = _read_forms(forms, findings)
    for name, tree in dmn_roots.items():
        findings += _run(lambda t=tree, n=name: _dmn_problems(t, n), f"decision table {name}")
    if root is None or _shape_problems(root, findings):
        return
    diagram = Diagram(root, _decisions(dmn_roots), diagram_forms, dmn_roots)
    for rule in RULES:
        findings += _run(lambda r=rule: r(diagram), rule.__name__)
    report.lanes = {lane.get("id"): label(lane, or_id=False) for lane in lanes_of_people(diagram)
                    if lane is not None and lane.get("id")}
    if report.ok:
        report.compiled = _compile(bpmn, dmn, findings)


def _run(rule: Callable[[], Iterable[Finding]], name: str) -> list[Finding]:
    """One rule's findings; a rule that fails on odd input refuses the file instead of crashing."""
    try:
        return list(rule())
    except Exception:  # noqa: BLE001
        log.exception("deployment check %s failed", name)
        return [error(None, f"the check '{name.replace('_', ' ')}' could not finish on this file, so it cannot "
                            "be deployed")]


# --- files ------------------------------------------------------------------------------------

def _parse(data: bytes, name: str | None, findings: list[Finding]) -> etree._Element | None:
    what = name or "the BPMN file"
    try:
        data.decode("utf-8")
        return parse_xml(data, what=what)
    except UnicodeDecodeError:
        findings.append(error(None, f"{what} is not UTF-8 text; save it with UTF-8 encoding", name))
    except UnsafeXml as exc:
        findings.append(error(None, re.sub(r" \(<string>, line \d+\)", "", _first_line(str(exc))), name))
    return None


def _read_forms(forms: dict[str, bytes], findings: list[Finding]) -> dict[str, object]:
    parsed: dict[str, object] = {}
    for name, data in sorted(forms.items()):
        try:
            parsed[name] = json.loads(data)
        except (ValueError, RecursionError) as exc:
            where = f" ({exc.msg}, line {exc.lineno})" if isinstance(exc, json.JSONDecodeError) else ""
            findings.append(error(None, f"the form {name} is not valid JSON{where}", name))
            parsed[name] = None
    return parsed


def _shape_problems(root: etree._Element, findings: list[Finding]) -> bool:
    """The root is bpmn:definitions and the file follows the BPMN 2.0 schema; True when it does not."""
    qname = etree.QName(root)
    if qname.namespace != BPMN_NS or qname.localname != "definitions":
        findings.append(error(None, f"the BPMN file's root element is {_prefixed(root.tag)}, not bpmn:definitions "
                                    f"in the BPMN 2.0 namespace ({BPMN_NS}), so it is not a BPMN 2.0 diagram"))
        return True
    for line, message in _schema_errors(root)[:MAX_SCHEMA_FINDINGS]:
        findings.append(error(_id_at_line(root, line), f"line {line} does not follow the BPMN 2.0 schema: {message}"))
    return False


@lru_cache(maxsize=1)
def _bpmn_schema() -> etree.XMLSchema | None:
    """SpiffWorkflow's copy of BPMN20.xsd with its spiffworkflow extensions, as its own validator builds it."""
    spec = find_spec("SpiffWorkflow")
    if spec is None or not spec.submodule_search_locations:
        return None
    package = Path(list(spec.submodule_search_locations)[0])
    document = etree.parse(str(package / "bpmn" / "parser" / "schema" / "BPMN20.xsd"))
    document.getroot().insert(0, etree.Element("{http://www.w3.org/2001/XMLSchema}import", namespace=SPIFF_NS,
                                               schemaLocation=str(package / "spiff/parser/schema/spiffworkflow.xsd")))
    return etree.XMLSchema(document)


def _schema_errors(root: etree._Element) -> list[tuple[int, str]]:
    schema = _bpmn_schema()
    if schema is None:
        return []
    tree = copy.deepcopy(root)
    # bpmn-js writes formalExpression where the schema says messagePath; SpiffWorkflow renames it too.
    retrieval = f".//{{{BPMN_NS}}}correlationPropertyRetrievalExpression/{{{BPMN_NS}}}formalExpression"
    for expression in tree.iterfind(retrieval):
        expression.tag = f"{{{BPMN_NS}}}messagePath"
    if schema.validate(tree):
        return []
    return [(e.line, _schema_message(e.message)) for e in schema.error_log]


def _schema_message(message: str) -> str:
    message = re.sub(r"\{([^}]*)\}(\w+)", lambda m: _prefixed(m.group(0)), message)
    message = message.split(" Expected is")[0].replace("Element '", "element '").rstrip(". ")
    return _first_line(message)


def _prefixed(tag: str) -> str:
    qname = etree.QName(tag)
    prefix = PREFIXES.get(qname.namespace or "")
    return f"{prefix}:{qname.localname}" if prefix else (f"{{{qname.namespace}}}{qname.localname}"
                                                         if qname.namespace else qname.localname)


def _id_at_line(root: etree._Element, line: int) -> str | None:
    at_line = next((e for e in root.iter() if e.sourceline == line and isinstance(e.tag, str)), None)
    return owner_id(at_line) if at_line is not None else None


# --- decision tables ----------------------------------------------------------------------------

def _decisions(dmn_roots: dict[str, etree._Element]) -> dict[str, str]:
    return {d.get("id"): name for name, root in dmn_roots.items() for d in root
            if etree.QName(d).localname == "decision" and d.get("id")}


def _dmn_problems(root: etree._Element, name: str) -> Iterator[Finding]:
    namespace = etree.QName(root).namespace
    if namespace not in DMN_VERSIONS or etree.QName(root).localname != "definitions":
        yield error(None, f"{name} is not a DMN 1.1, 1.2 or 1.3 file (its root element is {_prefixed(root.tag)})",
                    name)
        return
    if namespace not in (root.nsmap.get(None), root.nsmap.get("dmn")):
        yield error(None, f"{name} must use the DMN namespace as its default namespace or with the prefix dmn:, "
                    "as SpiffWorkflow reads it", name)
    for element in root.iter():
        for attribute in ("expressionLanguage", "typeLanguage"):
            language = language_named(element.get(attribute)) if isinstance(element.tag, str) else None
            if language is not None:
                yield error(element.get("id"), f"{name} declares {language} as its {attribute}; Six Gates evaluates "
                            "decision table cells as Python", name)
    decisions = [d for d in root if etree.QName(d).localname == "decision"]
    if len(decisions) != 1:
        yield error(None, f"{name} holds {len(decisions)} decisions, but SpiffWorkflow reads exactly one decision "
                    "per file", name)
    for decision in decisions:
        yield from _decision_table_problems(decision, name, namespace)


def _decision_table_problems(decision: etree._Element, name: str, ns: str) -> Iterator[Finding]:
    table = decision.find(f"{{{ns}}}decisionTable")
    if table is None:
        yield error(decision.get("id"), f'the decision "{label(decision)}" is not a '
                    "decision table, and decision tables are all SpiffWorkflow runs", name)
        return
    policy = (table.get("hitPolicy") or "UNIQUE").upper()
    if policy not in HIT_POLICIES or table.get("aggregation"):
        used = f"{policy} with {table.get('aggregation')}" if table.get("aggregation") else policy
        yield error(table.get("id"), f"the decision table uses the hit policy {used}, which SpiffWorkflow does not "
                    "support; use UNIQUE, FIRST or COLLECT", name)
    for kind in ("inputExpression", "inputEntry", "outputEntry"):
        for cell in table.iter(f"{{{ns}}}{kind}"):
            text = cell.find(f"{{{ns}}}text")
            problem = dmn_cell_problem(text.text or "", kind) if text is not None else None
            if problem is not None:
                yield error(cell.get("id") or cell.getparent().get("id"), problem, name)


# --- compiling -----------------------------------------------------------------------------------

def _compile(bpmn: bytes, dmn: dict[str, bytes], findings: list[Finding]) -> spiff.CompiledProcess | None:
    """SpiffWorkflow's own parse, for whatever the rules above did not foresee."""
    try:
        return spiff.compile_process(bpmn, dmn)
    except Exception as exc:  # noqa: BLE001 - reported as a finding, never raised
        text = _first_line(str(exc))
        where = re.fullmatch(r"(.*) \(element ([^)]+)\)", text)
        element_id, text = (where.group(2), where.group(1)) if where else (None, text)
        if "RecursionError" in text or isinstance(exc, RecursionError):
            text = "its chain of steps is too long for SpiffWorkflow to read"
        elif not text or re.search(r"\b\w+(Error|Exception)\b|Traceback", text):
            text = "reading it failed" + (" at this element" if element_id else "")
        findings.append(error(element_id, f"SpiffWorkflow cannot run this diagram: {text.rstrip('. ')}"))
        return None


def _first_line(text: str, limit: int = 300) -> str:
    line = next((part.strip() for part in text.splitlines() if part.strip()), "")
    return line if len(line) <= limit else line[: limit - 1] + "…"
