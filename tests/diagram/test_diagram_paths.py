"""Walks every branch of processes/six_gates.bpmn with bare SpiffWorkflow.

The diagram is parsed once with the Spiff parser (XSD-validated) plus the Evidence Gate DMN.
Every run uses the service's own sandboxed script engine (engine.spiff.SCRIPT_ENGINE, built on
engine.sandbox), so the tests also prove the diagram's scripts, conditions, timers and DMN
cells run in the sandbox the service uses. A small driver completes ready user tasks with
sample data that is first validated against the task's JSON Schema form; freezegun moves the
clock for the timers (engine.spiff routes SpiffWorkflow's timer clock through engine.clock.Clock,
whose default reads datetime.now, which freezegun patches).
"""
from __future__ import annotations

import ast
import builtins
import copy
import json
import re
from datetime import datetime, timedelta, timezone
from pathlib import Path
from types import SimpleNamespace

import pytest
from freezegun import freeze_time
from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError
from lxml import etree
from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.serializer.workflow import BpmnWorkflowSerializer
from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition
from SpiffWorkflow.spiff.parser.process import VALIDATOR, SpiffBpmnParser
from SpiffWorkflow.spiff.serializer.config import SPIFF_CONFIG
from SpiffWorkflow.util.task import TaskState

from engine.repository.forms import facts_for, fill_options, form_fields, unanswered_fields
from engine.sandbox import check_code
from engine.sandbox.rules import SAFE_BUILTIN_NAMES
from engine.spiff import SCRIPT_ENGINE

ROOT = Path(__file__).resolve().parents[2]
BPMN_FILE = ROOT / "processes" / "six_gates.bpmn"
DMN_FILE = ROOT / "processes" / "evidence_gate.dmn"
FORMS = ROOT / "forms"
PROCESS_ID = "six_gates"

NS = {
    "bpmn": "http://www.omg.org/spec/BPMN/20100524/MODEL",
    "bpmndi": "http://www.omg.org/spec/BPMN/20100524/DI",
    "dc": "http://www.omg.org/spec/DD/20100524/DC",
    "di": "http://www.omg.org/spec/DD/20100524/DI",
    "spiffworkflow": "http://spiffworkflow.org/bpmn/schema/1.0/core",
}

# The contract with the engine: user task id -> lane (role) and the optional properties.
USER_TASKS = {
    "propose_challenge": ("Sponsor", {}),
    "define_challenge": ("Hub team", {}),
    "gate1_prioritisation": ("Hub team", {}),
    "invite_partners": ("Hub team", {}),
    "submit_eoi": ("Industry partner", {"organisation": "partner"}),
    "score_eois": ("Board member", {"assignee": "board_member"}),
    "gate2_partner_selection": ("Board chair", {}),
    "draft_specification": ("Industry partner", {"organisation": "selected_partners"}),
    "agree_outcome_measures": ("Clinical lead", {}),
    "gate3_hub_signoff": ("Hub team", {}),
    "gate3_clinical_signoff": ("Clinical lead", {}),
    "prepare_mobilisation": ("Hub team", {}),
    "gate4_mobilisation_approval": ("Finance approver", {"notCompletedBy": "prepare_mobilisation"}),
    "report_pilot_outcomes": ("Clinical lead", {}),
    "gate5_evidence_gate": ("Evidence panel", {}),
    "prepare_business_case": ("Hub team", {}),
    "gate6_dmbc": ("DMBC board", {"notCompletedBy": "prepare_business_case"}),
    "execute_procurement": ("Procurement", {}),
    "submit_kpi_return": ("Hub team", {}),
    "close_project": ("Hub team", {}),
    "record_lessons_learned": ("Hub team", {}),
}
LANES = ["Sponsor", "Hub team", "Industry partner", "Board member", "Board chair", "Clinical lead",
         "Finance approver", "Evidence panel", "DMBC board", "Procurement"]
STAGES = {"proposal", "definition", "match", "codesign", "mobilisation", "pilot", "evidence_gate",
          "business_case", "scale", "closure"}
GATE_NAMES = {
    "gate1_prioritisation": "Gate 1 – Prioritisation",
    "gate2_partner_selection": "Gate 2 – Partner selection",
    "gate3_hub_signoff": "Gate 3 – Specification sign-off (Hub team)",
    "gate3_clinical_signoff": "Gate 3 – Specification sign-off (clinical lead)",
    "gate4_mobilisation_approval": "Gate 4 – Mobilisation approval",
    "gate5_evidence_gate": "Gate 5 – Evidence Gate",
    "gate6_dmbc": "Gate 6 – DMBC business case",
}

ORGANISATIONS = ["Acme Diagnostics", "Beta Digital", "Gamma Pharma", "Delta Medtech"]
USERS = {"board_member": ["bm_alice", "bm_bob", "bm_carol"]}
CRITERIA = ["strategic_fit", "patient_impact", "strength_of_evidence", "deliverability",
            "value_for_money", "equity_of_access"]
START = datetime(2030, 1, 1, 9, 0, tzinfo=timezone.utc)
# Forms whose left-out fields the diagram reads: cleared to None as the service clears them
# (engine.tasks.completion), so that a scoring closing date left out takes the diagram's default.
CLEARED = {"invite_partners", "submit_eoi"}  # submit_eoi: evidence_files, optional, copied into the EoI

# ----------------------------------------------------------------------------- fixtures
@pytest.fixture(scope="module")
def specs():
    parser = SpiffBpmnParser(validator=VALIDATOR)
    parser.add_bpmn_files([str(BPMN_FILE)])
    parser.add_dmn_files([str(DMN_FILE)])
    return parser.get_spec(PROCESS_ID), parser.get_subprocess_specs(PROCESS_ID)


@pytest.fixture(scope="module")
def xml():
    return etree.parse(str(BPMN_FILE))


@pytest.fixture
def clock():
    with freeze_time(START) as frozen:
        yield frozen


SERIALIZER = BpmnWorkflowSerializer(BpmnWorkflowSerializer.configure(SPIFF_CONFIG))
_SCHEMAS: dict[str, dict] = {}


def schema_for(task_id):
    if task_id not in _SCHEMAS:
        _SCHEMAS[task_id] = json.loads((FORMS / f"{task_id}.schema.json").read_text())
    return _SCHEMAS[task_id]


def directory(source):
    """The service's directory for `x-options` sources, from this file's organisations and users."""
    if source == "organisations":
        return list(ORGANISATIONS)
    kind, _, role = source.partition(":")
    if kind == "users":
        return list(USERS[role])
    raise AssertionError(f"unknown x-options source {source}")


def validate_form(task_id, payload, task_data):
    schema = fill_options(schema_for(task_id), data=task_data, directory=directory)
    answers = {**facts_for(schema, task_data), **payload}  # read-only facts decide conditions, as in the service
    Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER).validate(answers)


# ----------------------------------------------------------------------------- sample form data
def _fixed(answers):
    """A sample that does not depend on the task data; each call gets its own copy."""
    return lambda _data: copy.deepcopy(answers)


def _eoi_sample(data):
    return {"solution_name": f"{data['partner']} reader", "solution_summary": "AI triage of CT scans.",
            "challenge_fit": "Cuts reporting time.", "evidence_of_impact": "Two NHS pilots.",
            "delivery_approach": "Six-month deployment.", "proposed_contribution": "Licences and staff.",
            "contribution_value_gbp": 120000, "contact_name": "Sam Smith",
            "contact_email": "sam@example.com", "declaration": True}


def _scores_sample(data):
    return {"scores": [dict({"partner": p, "conflict_of_interest": False}, **{c: 4 for c in CRITERIA})
                       for p in data["submitted_partners"]]}


def _partner_selection_sample(data):
    return {"gate2_decision": "select", "selected_partners": data["partner_ranking"][:1]}


SAMPLES = {
    "propose_challenge": _fixed({
        "title": "Faster lung cancer diagnosis", "description": "Diagnostic delays on the lung pathway.",
        "challenge_area": "Early Diagnosis & Screening", "pathway_category": "Diagnostic & Treatment",
        "tumour_groups": ["Lung"], "alliance": "West Midlands", "trusts": ["Trust A", "Trust B"],
        "unmet_need": "Long waits for CT reporting.", "evidence": "Audit 2029: 28-day FDS at 71%.",
        "measures_of_success": ["Diagnostic turnaround (imaging)", "28-day Faster Diagnosis Standard"]}),
    "define_challenge": _fixed({
        "problem_statement": "CT reporting delays.", "scope": "Two trusts.", "context": "Backlog.",
        "desired_outcomes": "Reporting within 7 days.", "urgency_score": 5, "impact_score": 4,
        "strategic_alignment_score": 4, "pathway": "proof_of_value"}),
    "gate1_prioritisation": _fixed({"gate1_decision": "approve"}),
    "invite_partners": _fixed({"invited_partners": ORGANISATIONS[:3], "board_members": USERS["board_member"][:2],
                               "call_closes_at": "2030-03-31"}),
    "submit_eoi": _eoi_sample,
    "score_eois": _scores_sample,
    "gate2_partner_selection": _partner_selection_sample,
    "draft_specification": _fixed({
        "objectives": "Report CT within 7 days.", "sites": ["Trust A"], "evaluation_plan": "Before/after.",
        "data_sharing_agreement": "signed", "dpia_status": "approved"}),
    "agree_outcome_measures": _fixed({"outcome_measures": [
        {"measure": "Diagnostic turnaround (imaging)", "baseline": 14, "threshold": 7,
         "direction": "lower_is_better", "unit": "days"},
        {"measure": "28-day Faster Diagnosis Standard", "baseline": 71, "threshold": 76,
         "direction": "higher_is_better", "unit": "%"}]}),
    "gate3_hub_signoff": _fixed({"gate3_hub_decision": "approve", "gate3_hub_comments": "Approved."}),
    "gate3_clinical_signoff": _fixed({"gate3_clinical_decision": "approve",
                                      "gate3_clinical_comments": "Clinically sound."}),
    "prepare_mobilisation": _fixed({
        "resourcing": "1 WTE", "project_plan": "Plan", "governance": "Board", "roles_and_responsibilities": "RACI",
        "nhs_contribution": 50000, "industry_contribution": 120000, "total_budget": 170000,
        "milestones": [{"title": "Go live", "due_date": "2030-06-01"}],
        "dpia_in_place": True, "dsa_signed": True,
        "joint_working_agreement": True, "joint_working_agreement_reference": "JWA-2030-01"}),
    "gate4_mobilisation_approval": _fixed({"gate4_decision": "approve", "budget_committed": 170000}),
    "report_pilot_outcomes": _fixed({
        "progress_reports": [{"report_date": "2030-09-01", "summary": "On track."}],
        "measured_outcomes": [{"measure": "Diagnostic turnaround (imaging)", "measured": 6},
                              {"measure": "28-day Faster Diagnosis Standard", "measured": 80}],
        "final_report_summary": "Both thresholds met."}),
    "gate5_evidence_gate": _fixed({"gate5_confirm": True}),
    "prepare_business_case": _fixed({
        "strategic_case": "s", "economic_case": "e", "commercial_case": "c", "financial_case": "f",
        "management_case": "m", "procurement_route": "PA23", "contract_model": "Call-off",
        "budget": 900000, "timelines": "2031-2033"}),
    "gate6_dmbc": _fixed({"gate6_decision": "approve"}),
    "execute_procurement": _fixed({
        "supplier_name": "Acme Diagnostics", "award_reference": "AW-1", "award_date": "2031-01-15",
        "contract_value": 850000, "rollout_sites": ["Trust A", "Trust C"], "tracking_periods": 3,
        "kpi_interval": "P30D"}),
    "submit_kpi_return": _fixed({
        "kpi_status": "on_track", "benefits_narrative": "Fewer delays.",
        "kpi_values": [{"measure": "Diagnostic turnaround (imaging)", "value": 6}]}),
    "close_project": _fixed({"closure_summary": "Delivered.", "closure_date": "2031-06-30"}),
    "record_lessons_learned": _fixed({
        "what_worked": "Joint team.", "what_did_not_work": "Slow DPIA.", "recommendations": "Start DPIA early.",
        "share_with_footprint": True}),
}


def sample(task_id, data):
    """Sample answers for a task's form, fresh on every call (the driver updates them in place)."""
    if task_id not in SAMPLES:
        raise AssertionError(f"no sample data for {task_id}")
    return SAMPLES[task_id](data)


# ----------------------------------------------------------------------------- driver
class Run:
    def __init__(self, specs, wf=None):
        self.specs = specs
        self.wf = wf or BpmnWorkflow(specs[0], specs[1], script_engine=SCRIPT_ENGINE)
        self.done: list[str] = []
        self.settle()

    def settle(self):
        self.wf.do_engine_steps()
        self.wf.refresh_timers()
        self.wf.do_engine_steps()

    def ready(self, task_id=None):
        tasks = self.wf.get_tasks(state=TaskState.READY, manual=True)
        return [t for t in tasks if task_id is None or t.task_spec.bpmn_id == task_id]

    def ready_ids(self):
        return sorted(t.task_spec.bpmn_id for t in self.ready())

    def task(self, task_id, where=None):
        tasks = [t for t in self.ready(task_id) if where is None or where(t.data)]
        assert tasks, f"{task_id} is not ready; ready: {self.ready_ids()}"
        return tasks[0]

    def do(self, task_id, where=None, data=None, **changes):
        task = self.task(task_id, where)
        assert task.task_spec.lane == USER_TASKS[task_id][0]
        payload = sample(task_id, task.data) if data is None else data
        payload.update(changes)
        validate_form(task_id, payload, task.data)
        # The engine must not use DeepMerge (UserTask.add_data_from_form) for form data: it
        # merges lists element by element, so a shorter list would keep old items.
        cleared = unanswered_fields(schema_for(task_id), payload) if task_id in CLEARED else {}
        task.set_data(**cleared, **copy.deepcopy(payload))
        task.run()
        self.done.append(task_id)
        self.settle()
        return task

    def data(self, task_id=None):
        """Data of a ready task (the first ready one if no id), or the workflow's end data."""
        if self.wf.is_completed():
            return self.wf.data
        return (self.task(task_id) if task_id else self.ready()[0]).data

    def restore(self):
        """Serialise and deserialise the workflow, then carry on with the copy."""
        state = SERIALIZER.serialize_json(self.wf)
        wf = SERIALIZER.deserialize_json(state)
        assert json.loads(SERIALIZER.serialize_json(wf)) == json.loads(state)   # nothing lost or changed
        assert sorted(t.id for t in wf.get_tasks(state=TaskState.READY, manual=True)) == \
            sorted(t.id for t in self.ready())
        assert wf.script_engine is not SCRIPT_ENGINE    # the script engine is not serialised...
        wf.script_engine = SCRIPT_ENGINE                # ...so the sandbox is attached again
        self.wf = wf
        return len(state)

    # common stretches --------------------------------------------------------------
    def to_gate1(self, **define):
        self.do("propose_challenge")
        self.do("define_challenge", **define)

    def through_eois(self, partners=None, board=None, answer=None, closes="2030-03-31"):
        partners = partners or ORGANISATIONS[:3]
        board = board or USERS["board_member"][:2]
        self.do("invite_partners", invited_partners=partners, board_members=board, call_closes_at=closes)
        assert sorted(t.data["partner"] for t in self.ready("submit_eoi")) == sorted(partners)
        for p in (partners if answer is None else answer):
            self.do("submit_eoi", where=lambda d, p=p: d["partner"] == p)

    def score_all(self):
        for member in list(self.wf_board()):
            self.do("score_eois", where=lambda d, m=member: d["board_member"] == m)

    def wf_board(self):
        return [t.data["board_member"] for t in self.ready("score_eois")]

    def to_gate2(self, **kw):
        self.to_gate1()
        self.do("gate1_prioritisation")
        self.through_eois(**kw)
        self.score_all()

    def to_gate3(self):
        self.to_gate2()
        self.do("gate2_partner_selection")
        self.do("draft_specification")
        self.do("agree_outcome_measures")

    def to_gate4(self, **define):
        self.to_gate1(**define)
        self.do("gate1_prioritisation")
        self.through_eois()
        self.score_all()
        self.do("gate2_partner_selection")
        self.do("draft_specification")
        self.do("agree_outcome_measures")
        self.do("gate3_hub_signoff")
        self.do("gate3_clinical_signoff")
        self.do("prepare_mobilisation")

    def to_gate5(self, measured=(6, 80)):
        self.to_gate4()
        self.do("gate4_mobilisation_approval")
        self.report(measured)

    def report(self, measured):
        self.do("report_pilot_outcomes", measured_outcomes=[
            {"measure": "Diagnostic turnaround (imaging)", "measured": measured[0]},
            {"measure": "28-day Faster Diagnosis Standard", "measured": measured[1]}])

    def finish_lessons(self, outcome):
        assert self.ready_ids() == ["record_lessons_learned"]
        self.do("record_lessons_learned")
        assert self.wf.is_completed()
        assert self.wf.data["project_outcome"] == outcome
        assert self.wf.data["share_with_footprint"] is True

    def kpi_periods(self, clock, periods, first=0):
        for period in range(first, first + periods):
            assert self.ready_ids() == [], f"period {period}: a KPI return is ready before the interval"
            due = [e for e in self.wf.waiting_events() if e.event_type == "DurationTimerEventDefinition"]
            assert len(due) == 1
            clock.tick(timedelta(days=31))
            self.settle()
            task = self.task("submit_kpi_return")
            assert task.data["kpi_period"] == period
            self.do("submit_kpi_return", kpi_values=[{"measure": "Diagnostic turnaround (imaging)",
                                                      "value": 7 - period * 0.1}])


def tree_depth(wf):
    def depth(root):  # walked without recursion: a long loop's tree is deeper than Python's stack allows
        deepest, stack = 0, [(root, 1)]
        while stack:
            task, level = stack.pop()
            deepest = max(deepest, level)
            stack.extend((child, level + 1) for child in task.children)
        return deepest
    return max([depth(wf.task_tree)] + [depth(sp.task_tree) for sp in wf.subprocesses.values()])


# ============================================================================= static checks
def user_task_elements(xml):
    return xml.xpath("//bpmn:userTask", namespaces=NS)


def properties_of(element):
    return {p.get("name"): p.get("value") for p in
            element.xpath("./bpmn:extensionElements/spiffworkflow:properties/spiffworkflow:property", namespaces=NS)}


def test_process_is_executable_in_a_collaboration_with_lanes(xml):
    process = xml.xpath("//bpmn:process", namespaces=NS)
    assert len(process) == 1
    assert process[0].get("id") == PROCESS_ID and process[0].get("name") == "Six Gates"
    assert process[0].get("isExecutable") == "true"
    participants = xml.xpath("//bpmn:collaboration/bpmn:participant", namespaces=NS)
    assert [p.get("processRef") for p in participants] == [PROCESS_ID]
    assert [lane.get("name") for lane in xml.xpath("//bpmn:laneSet/bpmn:lane", namespaces=NS)] == LANES


def test_user_tasks_have_lanes_forms_and_properties(specs, xml):
    spec, subprocess_specs = specs
    all_specs = list(spec.task_specs.values())
    all_specs += [t for s in subprocess_specs.values() for t in s.task_specs.values()]
    parsed = {t.bpmn_id: t for t in all_specs if type(t).__name__ == "UserTask"}
    assert set(parsed) == set(USER_TASKS)
    for element in user_task_elements(xml):
        task_id = element.get("id")
        lane, optional = USER_TASKS[task_id]
        assert parsed[task_id].lane == lane, task_id
        props = properties_of(element)
        assert props["formJsonSchemaFilename"] == f"{task_id}.schema.json"
        assert (FORMS / props["formJsonSchemaFilename"]).is_file()
        if "formUiSchemaFilename" in props:
            assert props["formUiSchemaFilename"] == f"{task_id}.uischema.json"
            ui = json.loads((FORMS / props["formUiSchemaFilename"]).read_text())
            assert set(ui["ui:order"]) == set(form_fields(schema_for(task_id)))   # conditional fields too
        assert props["stage"] in STAGES
        assert TimerEventDefinition.parse_iso_duration(props["dueIn"])
        for key in ("assignee", "organisation", "notCompletedBy"):
            assert props.get(key) == optional.get(key), (task_id, key)
        assert parsed[task_id].documentation and len(parsed[task_id].documentation) > 40
        if task_id in GATE_NAMES:
            assert element.get("name") == GATE_NAMES[task_id]
    # notCompletedBy names an earlier user task
    assert USER_TASKS["gate4_mobilisation_approval"][1]["notCompletedBy"] in USER_TASKS
    assert USER_TASKS["gate6_dmbc"][1]["notCompletedBy"] in USER_TASKS


def test_every_form_is_a_valid_json_schema_and_every_form_has_a_task():
    sources = set()

    def walk(node):
        if isinstance(node, dict):
            if "x-options" in node:
                sources.add(node["x-options"])
            for v in node.values():
                walk(v)
        elif isinstance(node, list):
            for v in node:
                walk(v)

    files = sorted(FORMS.glob("*.schema.json"))
    assert {f.name.removesuffix(".schema.json") for f in files} == set(USER_TASKS)
    for f in files:
        schema = json.loads(f.read_text())
        Draft202012Validator.check_schema(schema)
        assert schema["type"] == "object" and schema["title"] and "required" in schema
        walk(schema)
    assert sources == {"organisations", "users:board_member", "data:submitted_partners"}
    for f in FORMS.glob("*.uischema.json"):
        assert f.name.removesuffix(".uischema.json") in USER_TASKS


def test_forms_enforce_conditional_requirements():
    context = {"submitted_partners": ORGANISATIONS}

    def invalid(task_id, payload):
        with pytest.raises(ValidationError):
            validate_form(task_id, payload, context)

    invalid("gate1_prioritisation", {"gate1_decision": "defer"})
    invalid("gate1_prioritisation", {"gate1_decision": "reject"})
    validate_form("gate1_prioritisation", {"gate1_decision": "defer", "review_date": "2030-05-01"}, context)
    invalid("gate2_partner_selection", {"gate2_decision": "select", "selected_partners": []})
    invalid("gate4_mobilisation_approval", {"gate4_decision": "approve"})
    invalid("gate4_mobilisation_approval", {"gate4_decision": "return"})
    invalid("gate5_evidence_gate", {"gate5_confirm": False, "gate5_decision": "stop"})
    validate_form("gate5_evidence_gate", {"gate5_confirm": False, "gate5_decision": "stop",
                                          "gate5_justification": "Safety concerns in the pilot."}, context)
    for who in ("hub", "clinical"):                    # a comment is required for rework only
        task_id = f"gate3_{who}_signoff"
        invalid(task_id, {f"gate3_{who}_decision": "rework"})
        invalid(task_id, {f"gate3_{who}_decision": "rework", f"gate3_{who}_comments": ""})
        invalid(task_id, {f"gate3_{who}_comments": "No decision."})
        validate_form(task_id, {f"gate3_{who}_decision": "rework", f"gate3_{who}_comments": "Add a site."}, context)
        validate_form(task_id, {f"gate3_{who}_decision": "approve"}, context)
        validate_form(task_id, {f"gate3_{who}_decision": "approve", f"gate3_{who}_comments": ""}, context)
    invalid("gate6_dmbc", {"gate6_decision": "revise"})
    row = {"partner": "Acme Diagnostics", "conflict_of_interest": False}
    invalid("score_eois", {"scores": [row]})                       # unconflicted: criteria required
    invalid("score_eois", {"scores": [dict(row, conflict_of_interest=True)]})   # conflicted: reason required
    validate_form("score_eois", {"scores": [dict(row, conflict_of_interest=True, conflict_reason="Shareholder")]},
                  context)
    invalid("execute_procurement", dict(sample("execute_procurement", context), tracking_periods=13))
    invalid("execute_procurement", dict(sample("execute_procurement", context), kpi_interval="30 days"))
    invalid("invite_partners", {"invited_partners": [], "board_members": ["bm_alice"], "call_closes_at": "2030-01-01"})


def test_every_element_has_diagram_interchange(xml):
    shapes = {s.get("bpmnElement"): s for s in xml.xpath("//bpmndi:BPMNShape", namespaces=NS)}
    edges = {e.get("bpmnElement"): e for e in xml.xpath("//bpmndi:BPMNEdge", namespaces=NS)}
    flow_nodes = xml.xpath("//bpmn:process//*[self::bpmn:userTask or self::bpmn:scriptTask or "
                           "self::bpmn:businessRuleTask or self::bpmn:subProcess or self::bpmn:startEvent or "
                           "self::bpmn:endEvent or self::bpmn:intermediateCatchEvent or self::bpmn:boundaryEvent or "
                           "self::bpmn:exclusiveGateway or self::bpmn:parallelGateway]", namespaces=NS)
    ids = [n.get("id") for n in flow_nodes] + [lane.get("id") for lane in xml.xpath("//bpmn:lane", namespaces=NS)]
    ids += [p.get("id") for p in xml.xpath("//bpmn:participant", namespaces=NS)]
    for node_id in ids:
        assert node_id in shapes, f"{node_id} has no BPMNShape"
        assert shapes[node_id].find("dc:Bounds", NS) is not None
    for flow in xml.xpath("//bpmn:sequenceFlow", namespaces=NS):
        edge = edges.get(flow.get("id"))
        assert edge is not None, f"{flow.get('id')} has no BPMNEdge"
        points = [(float(w.get("x")), float(w.get("y"))) for w in edge.findall("di:waypoint", NS)]
        assert len(points) >= 2
        for (x0, y0), (x1, y1) in zip(points, points[1:], strict=False):
            assert x0 == x1 or y0 == y1, f"{flow.get('id')} has a diagonal segment"

    def box(element_id):
        b = shapes[element_id].find("dc:Bounds", NS)
        return tuple(float(b.get(k)) for k in ("x", "y", "width", "height"))

    # no two flow nodes overlap, except a subprocess and its content or a boundary event and its task
    nested = {n.get("id"): n.getparent().get("id") for n in flow_nodes}
    attached = {n.get("id"): n.get("attachedToRef") for n in flow_nodes if n.get("attachedToRef")}
    node_ids = [n.get("id") for n in flow_nodes]
    for i, a in enumerate(node_ids):
        for b in node_ids[i + 1:]:
            if nested.get(a) == b or nested.get(b) == a or attached.get(a) == b or attached.get(b) == a:
                continue
            (ax, ay, aw, ah), (bx, by, bw, bh) = box(a), box(b)
            assert not (ax < bx + bw and bx < ax + aw and ay < by + bh and by < ay + ah), f"{a} overlaps {b}"
    # every top-level node is drawn inside its lane
    for lane in xml.xpath("//bpmn:lane", namespaces=NS):
        lx, ly, lw, lh = box(lane.get("id"))
        for ref in lane.findall("bpmn:flowNodeRef", NS):
            x, y, w, h = box(ref.text)
            inside = lx <= x and x + w <= lx + lw and ly <= y and y + h <= ly + lh
            assert inside, f"{ref.text} outside {lane.get('name')}"


def test_gateways_have_conditions_or_a_default_and_ids_are_safe(xml):
    for gateway in xml.xpath("//bpmn:exclusiveGateway", namespaces=NS):
        outgoing = xml.xpath(f"//bpmn:sequenceFlow[@sourceRef='{gateway.get('id')}']", namespaces=NS)
        if len(outgoing) < 2:
            continue
        for flow in outgoing:
            has_condition = flow.find("bpmn:conditionExpression", NS) is not None
            assert has_condition or gateway.get("default") == flow.get("id"), flow.get("id")
    all_ids = [e.get("id") for e in xml.iter() if isinstance(e.tag, str) and e.get("id")]
    assert len(all_ids) == len(set(all_ids))
    assert not {"Start", "End"} & set(all_ids)


def test_diagram_code_is_sandbox_safe(xml):
    dmn = etree.parse(str(DMN_FILE))
    code = [(s.text, "exec") for s in xml.xpath("//bpmn:script", namespaces=NS)]
    code += [(s.text, "exec") for s in xml.xpath("//spiffworkflow:postScript", namespaces=NS)]
    code += [(c.text, "eval") for c in xml.xpath("//bpmn:conditionExpression | //bpmn:timeDate | "
                                                  "//bpmn:timeDuration | //bpmn:loopCardinality", namespaces=NS)]
    code += [(t.text, "eval") for t in dmn.xpath("//dmn:outputEntry/dmn:text | //dmn:inputExpression/dmn:text",
                                                  namespaces={"dmn": "https://www.omg.org/spec/DMN/20191111/MODEL/"})]
    assert len(code) > 40
    for source, mode in code:
        check_code(source, mode)                # the service's own check: raises UnsafeCode
        for node in ast.walk(ast.parse(source, mode=mode)):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and hasattr(builtins, node.func.id):
                assert node.func.id in SAFE_BUILTIN_NAMES, f"{node.func.id} in {source!r}"
    # timers are Python expressions that produce strings, not bare ISO text
    for timer in xml.xpath("//bpmn:timeDate | //bpmn:timeDuration", namespaces=NS):
        assert not re.fullmatch(r"P[0-9A-Z]+", timer.text.strip())


# ============================================================================= the Evidence Gate table
@pytest.mark.parametrize("met,total,extensions,expected", [
    (3, 3, 0, "proceed"), (3, 3, 2, "proceed"), (1, 1, 0, "proceed"),
    (2, 3, 0, "extend"), (1, 2, 1, "extend"), (2, 4, 0, "extend"),
    (2, 3, 2, "stop"), (1, 2, 2, "stop"),
    (1, 3, 0, "stop"), (0, 2, 0, "stop"), (0, 0, 0, "stop"),
])
def test_evidence_gate_decision_table(specs, met, total, extensions, expected):
    spec, _subs = specs
    engine = spec.task_specs["evidence_recommendation"].dmnEngine
    task = SimpleNamespace(data={"outcomes_met": met, "outcomes_total": total, "pilot_extensions": extensions,
                                 "max_pilot_extensions": 2},
                           workflow=SimpleNamespace(script_engine=SCRIPT_ENGINE))
    matches = [rule for rule in engine.decision_table.rules if engine._DMNEngine__check_rule(rule, task)]
    assert len(matches) == 1, "the UNIQUE table must match exactly one rule"
    result = engine.result(task)
    assert result["gate5_recommendation"] == expected
    assert result["gate5_recommendation_reason"]


# ============================================================================= paths
def test_lanes_are_known_for_tasks_inside_expanded_subprocesses(specs, clock):
    run = Run(specs)
    run.to_gate1()
    run.do("gate1_prioritisation")
    run.do("invite_partners")
    eoi = run.ready("submit_eoi")
    assert len(eoi) == 3 and all(t.task_spec.lane == "Industry partner" for t in eoi)
    assert all(t.workflow is not run.wf for t in eoi)      # they live in the subprocess instances


def test_happy_path_proof_of_value_to_completion(specs, clock):
    run = Run(specs)
    assert run.ready_ids() == ["propose_challenge"]
    run.to_gate1()
    run.do("gate1_prioritisation")
    run.through_eois()
    # every board member scores, in parallel, only their own task
    assert sorted(run.wf_board()) == ["bm_alice", "bm_bob"]
    run.score_all()
    data = run.data("gate2_partner_selection")
    assert data["submitted_partners"] == ORGANISATIONS[:3]
    assert sorted(s["board_member"] for s in data["board_scores"]) == ["bm_alice", "bm_bob"]
    assert all(set(s) == {"board_member", "scores"} for s in data["board_scores"])
    assert data["aggregated_scores"]["Acme Diagnostics"]["total_mean"] == 24.0
    run.do("gate2_partner_selection")
    assert run.task("draft_specification").data["selected_partners"] == ["Acme Diagnostics"]
    run.do("draft_specification")
    run.do("agree_outcome_measures")
    assert run.ready_ids() == ["gate3_hub_signoff"]          # Gate 3: the Hub team first...
    run.do("gate3_hub_signoff")
    assert run.ready_ids() == ["gate3_clinical_signoff"]     # ...then the clinical lead
    run.do("gate3_clinical_signoff")
    run.do("prepare_mobilisation")
    run.do("gate4_mobilisation_approval")
    run.do("report_pilot_outcomes")
    data = run.data("gate5_evidence_gate")
    assert (data["outcomes_met"], data["outcomes_total"]) == (2, 2)
    assert [r["met"] for r in data["outcome_results"]] == [True, True]
    assert data["gate5_recommendation"] == "proceed"
    run.do("gate5_evidence_gate")
    run.do("prepare_business_case")
    run.do("gate6_dmbc")
    run.do("execute_procurement")
    run.kpi_periods(clock, 3)
    assert run.ready_ids() == ["close_project"]
    assert [r["period"] for r in run.data("close_project")["kpi_returns"]] == [1, 2, 3]
    run.do("close_project")
    run.finish_lessons("completed")
    assert run.done.count("submit_eoi") == 3 and run.done.count("score_eois") == 2
    assert run.wf.data["gate5_decision"] == "proceed" and run.wf.data["gate5_overridden"] is False


def test_gate1_reject_goes_to_lessons_learned(specs, clock):
    run = Run(specs)
    run.to_gate1()
    run.do("gate1_prioritisation", gate1_decision="reject", gate1_reason="Out of scope.")
    run.finish_lessons("rejected_at_gate1")


def test_gate1_defer_waits_for_the_review_date_then_approve(specs, clock):
    run = Run(specs)
    run.to_gate1()
    run.do("gate1_prioritisation", gate1_decision="defer", review_date="2030-02-01")
    assert run.ready_ids() == []
    [event] = run.wf.waiting_events()
    assert event.value == "2030-02-01T09:00:00+00:00"
    clock.move_to("2030-02-01T08:59:00+00:00")
    run.settle()
    assert run.ready_ids() == []
    clock.move_to("2030-02-01T09:00:01+00:00")
    run.settle()
    assert run.ready_ids() == ["define_challenge"]
    assert run.data("define_challenge")["problem_statement"] == "CT reporting delays."   # earlier answers kept
    run.do("define_challenge")
    run.do("gate1_prioritisation")
    assert run.ready_ids() == ["invite_partners"]


def test_gate1_defer_loop_many_times(specs, clock):
    run = Run(specs)
    run.do("propose_challenge")
    for n in range(30):
        run.do("define_challenge", urgency_score=1 + n % 5)
        run.do("gate1_prioritisation", gate1_decision="defer", review_date="2029-12-31")  # already past
    run.do("define_challenge")
    run.do("gate1_prioritisation")
    assert run.ready_ids() == ["invite_partners"]
    assert run.done.count("define_challenge") == 31
    assert tree_depth(run.wf) < 400


def test_eoi_deadline_closes_unanswered_and_keeps_answered(specs, clock):
    run = Run(specs)
    run.to_gate1()
    run.do("gate1_prioritisation")
    run.do("invite_partners", call_closes_at="2030-01-10")
    run.do("submit_eoi", where=lambda d: d["partner"] == "Beta Digital")
    assert sorted(t.data["partner"] for t in run.ready("submit_eoi")) == ["Acme Diagnostics", "Gamma Pharma"]
    # the pending deadlines survive a save and restore
    run.restore()
    deadlines = {e.value for e in run.wf.waiting_events()}
    assert deadlines == {"2030-01-10T23:59:59+00:00"}
    clock.move_to("2030-01-10T23:59:00+00:00")
    run.settle()
    assert len(run.ready("submit_eoi")) == 2
    clock.move_to("2030-01-11T00:00:00+00:00")
    run.settle()
    assert run.ready("submit_eoi") == []
    data = run.task("score_eois").data
    eois = {e["partner"]: e for e in data["eois"]}
    assert set(eois) == set(ORGANISATIONS[:3])
    assert eois["Beta Digital"]["submitted"] is True
    assert eois["Beta Digital"]["solution_name"] == "Beta Digital reader"
    assert eois["Acme Diagnostics"] == {"partner": "Acme Diagnostics", "submitted": False}
    assert eois["Gamma Pharma"] == {"partner": "Gamma Pharma", "submitted": False}
    assert data["submitted_partners"] == ["Beta Digital"]
    for key in ("partner", "eoi", "solution_name"):       # instance data does not leak into the process
        assert key not in data
    run.score_all()
    assert list(run.data("gate2_partner_selection")["aggregated_scores"]) == ["Beta Digital"]


def test_no_eoi_submitted_skips_scoring_then_close(specs, clock):
    run = Run(specs)
    run.to_gate1()
    run.do("gate1_prioritisation")
    run.do("invite_partners", call_closes_at="2029-12-31")     # already closed: every EoI closes at once
    assert run.ready_ids() == ["gate2_partner_selection"]
    data = run.data("gate2_partner_selection")
    assert data["submitted_partners"] == [] and data["aggregated_scores"] == {}
    assert all(e["submitted"] is False for e in data["eois"])
    with pytest.raises(ValidationError):   # nothing can be selected
        validate_form("gate2_partner_selection",
                      {"gate2_decision": "select", "selected_partners": ["Acme Diagnostics"]}, data)
    run.do("gate2_partner_selection", data={"gate2_decision": "close", "gate2_comments": "No interest."})
    run.finish_lessons("closed_at_gate2")


def test_conflicted_score_is_excluded_from_aggregation(specs, clock):
    run = Run(specs)
    run.to_gate1()
    run.do("gate1_prioritisation")
    run.through_eois(partners=["Acme Diagnostics", "Beta Digital"], board=["bm_alice", "bm_bob", "bm_carol"])

    def scores(values, conflicted=()):
        rows = []
        for partner, value in values.items():
            if partner in conflicted:
                rows.append({"partner": partner, "conflict_of_interest": True, "conflict_reason": "Shares held"})
            else:
                rows.append(dict({"partner": partner, "conflict_of_interest": False}, **{c: value for c in CRITERIA}))
        return {"scores": rows}

    run.do("score_eois", where=lambda d: d["board_member"] == "bm_alice",
           data=scores({"Acme Diagnostics": 5, "Beta Digital": 2}))
    run.do("score_eois", where=lambda d: d["board_member"] == "bm_bob",
           data=scores({"Acme Diagnostics": 1, "Beta Digital": 4}, conflicted=["Acme Diagnostics"]))
    run.do("score_eois", where=lambda d: d["board_member"] == "bm_carol",
           data=scores({"Acme Diagnostics": 3, "Beta Digital": 3}))
    data = run.data("gate2_partner_selection")
    acme, beta = data["aggregated_scores"]["Acme Diagnostics"], data["aggregated_scores"]["Beta Digital"]
    assert (acme["scorers"], acme["conflicted"]) == (2, 1)
    assert acme["criteria"] == {c: 4.0 for c in CRITERIA}        # (5 + 3) / 2: bob's 1 is excluded
    assert acme["total_mean"] == 24.0
    assert (beta["scorers"], beta["conflicted"]) == (3, 0)
    assert beta["criteria"]["value_for_money"] == 3.0 and beta["total_mean"] == 18.0
    assert data["partner_ranking"] == ["Acme Diagnostics", "Beta Digital"]
    assert {s["board_member"] for s in data["board_scores"]} == {"bm_alice", "bm_bob", "bm_carol"}
    for key in ("score_rows", "counted_rows", "scores", "board_member", "board_score"):
        assert key not in data


def test_gate2_reopen_with_other_invitees_then_select(specs, clock):
    run = Run(specs)
    run.to_gate2()
    run.do("gate2_partner_selection", data={"gate2_decision": "reopen"})
    assert run.ready_ids() == ["invite_partners"]
    # a shorter, different list must replace the old one (not be merged into it)
    run.through_eois(partners=["Delta Medtech"], board=["bm_carol"])
    assert run.wf_board() == ["bm_carol"]
    run.score_all()
    data = run.data("gate2_partner_selection")
    assert data["invited_partners"] == ["Delta Medtech"]
    assert [e["partner"] for e in data["eois"]] == ["Delta Medtech"]
    assert [s["board_member"] for s in data["board_scores"]] == ["bm_carol"]
    assert list(data["aggregated_scores"]) == ["Delta Medtech"]
    run.do("gate2_partner_selection", selected_partners=["Delta Medtech"])
    assert run.task("draft_specification").data["selected_partners"] == ["Delta Medtech"]


def test_gate2_reopen_loop_many_times(specs, clock):
    run = Run(specs)
    run.to_gate1()
    run.do("gate1_prioritisation")
    for n in range(25):
        partner = ORGANISATIONS[n % 4]
        run.through_eois(partners=[partner], board=["bm_alice"])
        run.score_all()
        assert run.data("gate2_partner_selection")["submitted_partners"] == [partner]
        run.do("gate2_partner_selection", data={"gate2_decision": "reopen"})
    run.through_eois(partners=["Acme Diagnostics"], board=["bm_bob"])
    run.score_all()
    run.do("gate2_partner_selection")
    assert run.ready_ids() == ["draft_specification"]
    assert tree_depth(run.wf) < 600


def test_gate2_close_goes_to_lessons_learned(specs, clock):
    run = Run(specs)
    run.to_gate2()
    run.do("gate2_partner_selection", data={"gate2_decision": "close"})
    run.finish_lessons("closed_at_gate2")


# ----------------------------------------------------------------------------- board scoring deadline
@pytest.mark.parametrize("call_closes, scoring_closes", [
    ("2030-03-31", "2030-04-10"), ("2030-02-25", "2030-03-07"), ("2032-02-25", "2032-03-06"),
    ("2030-12-28", "2031-01-07"), ("2030-06-05", "2030-06-15"),
])
def test_scoring_closes_ten_days_after_the_call_when_the_hub_gives_no_date(specs, clock, call_closes, scoring_closes):
    run = Run(specs)
    run.to_gate1()
    run.do("gate1_prioritisation")
    run.through_eois(closes=call_closes)
    data = run.data("score_eois")
    assert data["scoring_closes_at"] == scoring_closes
    assert not {"year", "month", "day", "leap_year", "days_in_month", "closes"} & set(data)  # counting leaves nothing
    assert {e.value for e in run.wf.waiting_events()} == {f"{scoring_closes}T23:59:59+00:00"}


def late_scoring(specs, clock):
    """Alice scores, Bob never does; scoring closes at the end of 2030-04-05."""
    run = Run(specs)
    run.to_gate1()
    run.do("gate1_prioritisation")
    run.do("invite_partners", invited_partners=ORGANISATIONS[:2], board_members=["bm_alice", "bm_bob"],
           call_closes_at="2030-03-31", scoring_closes_at="2030-04-05")
    for partner in ORGANISATIONS[:2]:
        run.do("submit_eoi", where=lambda d, p=partner: d["partner"] == p)
    run.do("score_eois", where=lambda d: d["board_member"] == "bm_alice")
    assert run.restore()  # the pending deadline survives a save and restore
    assert {e.value for e in run.wf.waiting_events()} == {"2030-04-05T23:59:59+00:00"}
    clock.move_to("2030-04-05T23:59:00+00:00")
    run.settle()
    assert run.wf_board() == ["bm_bob"]
    clock.move_to("2030-04-06T00:00:00+00:00")
    run.settle()
    return run


def test_a_member_who_never_scores_is_recorded_as_not_scoring_and_gate2_goes_ahead(specs, clock):
    run = late_scoring(specs, clock)
    assert run.ready_ids() == ["gate2_partner_selection"]
    data = run.data("gate2_partner_selection")
    assert data["members_not_scored"] == ["bm_bob"]
    assert {bs["board_member"]: bs.get("not_scored", False) for bs in data["board_scores"]} == \
        {"bm_alice": False, "bm_bob": True}
    assert next(bs for bs in data["board_scores"] if bs["board_member"] == "bm_bob")["scores"] == []
    for partner in ORGANISATIONS[:2]:  # the scores given count; the missing member counts for nothing
        assert data["aggregated_scores"][partner]["scorers"] == 1
        assert data["aggregated_scores"][partner]["total_mean"] == 24
    run.do("gate2_partner_selection")
    assert run.ready_ids() == ["draft_specification"]


def test_scoring_can_be_extended_only_when_a_member_did_not_score(specs, clock):
    run = Run(specs)
    run.to_gate2()
    data = run.data("gate2_partner_selection")
    assert data["members_not_scored"] == []
    with pytest.raises(ValidationError, match="extend_scoring"):
        validate_form("gate2_partner_selection",
                      {"gate2_decision": "extend_scoring", "scoring_extended_to": "2030-05-01"}, data)
    with pytest.raises(ValidationError, match="scoring_extended_to"):  # the new date is required
        validate_form("gate2_partner_selection", {"gate2_decision": "extend_scoring"},
                      dict(data, members_not_scored=["bm_bob"]))


def test_the_chair_extends_scoring_for_the_late_member_only_and_sees_everyones_scores(specs, clock):
    run = late_scoring(specs, clock)
    run.do("gate2_partner_selection", data={"gate2_decision": "extend_scoring",
                                            "scoring_extended_to": "2030-04-12"})
    assert run.wf_board() == ["bm_bob"]  # Alice is not asked again
    waiting = run.data("score_eois")
    assert waiting["scoring_closes_at"] == "2030-04-12" and waiting["board_scores"] == []
    assert [bs["board_member"] for bs in waiting["scores_kept_aside"]] == ["bm_alice"]
    run.restore()
    run.do("score_eois", where=lambda d: d["board_member"] == "bm_bob", scores=[
        dict({"partner": p, "conflict_of_interest": False}, **{c: 2 for c in CRITERIA}) for p in ORGANISATIONS[:2]])
    assert run.ready_ids() == ["gate2_partner_selection"]
    data = run.data("gate2_partner_selection")
    assert sorted(bs["board_member"] for bs in data["board_scores"]) == ["bm_alice", "bm_bob"]
    assert data["members_not_scored"] == [] and data["scores_kept_aside"] == []
    for partner in ORGANISATIONS[:2]:
        assert data["aggregated_scores"][partner]["scorers"] == 2
        assert data["aggregated_scores"][partner]["total_mean"] == 18  # (24 + 12) / 2


def test_an_extension_that_passes_unanswered_again_keeps_the_scores_given(specs, clock):
    run = late_scoring(specs, clock)
    for closes in ("2030-04-12", "2030-04-20"):
        run.do("gate2_partner_selection", data={"gate2_decision": "extend_scoring", "scoring_extended_to": closes})
        assert run.wf_board() == ["bm_bob"]
        clock.move_to(f"{closes}T23:59:59+00:00")
        run.settle()
        clock.tick(timedelta(seconds=1))
        run.settle()
        data = run.data("gate2_partner_selection")
        assert data["members_not_scored"] == ["bm_bob"]
        assert [bs["board_member"] for bs in data["board_scores"]] == ["bm_alice", "bm_bob"]
        assert data["aggregated_scores"][ORGANISATIONS[0]]["scorers"] == 1
    run.do("gate2_partner_selection", data={"gate2_decision": "close"})
    run.finish_lessons("closed_at_gate2")

def signoff(task_id, decision, comment=None):
    """A Gate 3 answer; a comment is only required for rework."""
    prefix = task_id.removesuffix("_signoff")
    answer = {f"{prefix}_decision": decision}
    if comment is not None:
        answer[f"{prefix}_comments"] = comment
    return answer


def gate3_round(run, hub="approve", clinical="approve", comment=None):
    """One Gate 3 round: the Hub team signs off, then the clinical lead whatever the Hub team said."""
    assert run.ready_ids() == ["gate3_hub_signoff"]
    run.do("gate3_hub_signoff", data=signoff("gate3_hub_signoff", hub, comment and f"Hub: {comment}"))
    assert run.ready_ids() == ["gate3_clinical_signoff"]        # nothing left over from an earlier round
    shown = run.data("gate3_clinical_signoff")
    assert shown["gate3_hub_decision"] == hub                   # the clinical lead sees the Hub team's view
    drafted = run.wf.get_tasks(state=TaskState.COMPLETED, spec_name="draft_specification")[-1]
    assert shown["sites"] == drafted.data["sites"]
    run.do("gate3_clinical_signoff",
           data=signoff("gate3_clinical_signoff", clinical, comment and f"Clinical: {comment}"))
    approved = hub == clinical == "approve"
    assert run.ready_ids() == (["prepare_mobilisation"] if approved else ["draft_specification"])


def test_gate3_is_sequential_without_parallel_gateways(xml):
    # SpiffWorkflow 3.2's parallel join miscounts inside a loop (a branch finished in an earlier
    # round counts again), so Gate 3 is two sign-offs in sequence.
    assert xml.xpath("//bpmn:parallelGateway", namespaces=NS) == []
    flows = {(f.get("sourceRef"), f.get("targetRef")) for f in xml.xpath("//bpmn:sequenceFlow", namespaces=NS)}
    assert {("agree_outcome_measures", "gate3_hub_signoff"), ("gate3_hub_signoff", "gate3_clinical_signoff"),
            ("gate3_clinical_signoff", "gate3_outcome"), ("gate3_outcome", "mobilisation_merge"),
            ("gate3_outcome", "draft_merge"), ("gate2_outcome", "draft_merge")} <= flows


@pytest.mark.parametrize("hub, clinical", [("rework", "approve"), ("approve", "rework"), ("rework", "rework")])
def test_gate3_rework_by_either_signer_then_approve(specs, clock, hub, clinical):
    run = Run(specs)
    run.to_gate3()
    gate3_round(run, hub, clinical, comment="Add a site.")
    # the partner sees both views when reworking the specification
    data = run.data("draft_specification")
    assert (data["gate3_hub_decision"], data["gate3_clinical_decision"]) == (hub, clinical)
    for who, decision in (("hub", hub), ("clinical", clinical)):
        if decision == "rework":
            assert data[f"gate3_{who}_comments"].endswith("Add a site.")
    run.do("draft_specification", sites=["Trust C"])                 # a shorter list replaces the old one
    run.do("agree_outcome_measures", outcome_measures=[
        {"measure": "Median time to MDT", "baseline": 20, "threshold": 14, "direction": "lower_is_better"}])
    assert run.data("gate3_hub_signoff")["sites"] == ["Trust C"]
    run.do("gate3_hub_signoff")
    run.do("gate3_clinical_signoff")
    assert run.ready_ids() == ["prepare_mobilisation"]
    data = run.data("prepare_mobilisation")
    assert data["gate3_hub_decision"] == data["gate3_clinical_decision"] == "approve"
    assert (data["gate3_hub_comments"], data["gate3_clinical_comments"]) == ("Approved.", "Clinically sound.")
    assert data["sites"] == ["Trust C"]
    assert [m["measure"] for m in data["outcome_measures"]] == ["Median time to MDT"]
    assert run.done.count("gate3_hub_signoff") == run.done.count("gate3_clinical_signoff") == 2


def test_gate3_approve_needs_no_comment(specs, clock):
    run = Run(specs)
    run.to_gate3()
    gate3_round(run)                                            # both approve without a comment
    data = run.data("prepare_mobilisation")
    assert "gate3_hub_comments" not in data and "gate3_clinical_comments" not in data


def test_gate3_rounds_with_changing_lists_keep_each_rounds_specification(specs, clock):
    run = Run(specs)
    run.to_gate2()
    run.do("gate2_partner_selection")
    rounds = [
        (["Trust A", "Trust B", "Trust C"], ["Median time to MDT", "Theatre list fill", "PRO completion"],
         "rework", "approve"),
        (["Trust D"], ["Hand-offs"], "approve", "rework"),
        (["Trust E", "Trust F"], ["Repeat attendances", "2WW utilisation"], "rework", "rework"),
        (["Trust G", "Trust H", "Trust I", "Trust J"], ["Remote monitoring coverage"], "approve", "rework"),
        (["Trust K"], ["Theatre list fill", "Hand-offs", "PRO completion", "Median time to MDT"], "approve", "approve"),
    ]

    def measures(names, base):
        return [{"measure": n, "baseline": base + i, "threshold": base + i + 5, "direction": "higher_is_better"}
                for i, n in enumerate(names)]

    for n, (sites, names, hub, clinical) in enumerate(rounds):
        run.do("draft_specification", sites=sites)
        run.do("agree_outcome_measures", outcome_measures=measures(names, 10 * n))
        shown = run.data("gate3_hub_signoff")
        assert shown["sites"] == sites and shown["outcome_measures"] == measures(names, 10 * n)
        gate3_round(run, hub, clinical, comment=f"Round {n}")
        if n < len(rounds) - 1:
            data = run.data("draft_specification")
            assert data["sites"] == sites and data["outcome_measures"] == measures(names, 10 * n)
    data = run.data("prepare_mobilisation")
    assert data["sites"] == rounds[-1][0]
    assert data["outcome_measures"] == measures(rounds[-1][1], 40)
    for key in ("specification_rounds", "gate3_round"):          # no join workaround left in the data
        assert key not in data
    # earlier tasks' data was not changed in place
    agreed = [t.data["outcome_measures"] for t in run.wf.get_tasks(state=TaskState.COMPLETED)
              if t.task_spec.bpmn_id == "agree_outcome_measures"]
    assert agreed == [measures(names, 10 * n) for n, (_s, names, _h, _c) in enumerate(rounds)]
    run.do("prepare_mobilisation")
    run.do("gate4_mobilisation_approval")
    assert [m["measure"] for m in run.data("report_pilot_outcomes")["outcome_measures"]] == rounds[-1][1]


def test_gate3_rework_loop_many_times_by_either_signer(specs, clock):
    """30 rework rounds, the rework asked by the Hub team, the clinical lead or both, in mixed order."""
    run = Run(specs)
    run.to_gate3()
    patterns = [("rework", "approve"), ("approve", "rework"), ("rework", "rework")]
    order = [patterns[(n * n + n // 4) % 3] for n in range(30)]
    assert all(order.count(p) >= 5 for p in patterns) and order[:3] != order[3:6]
    for n, (hub, clinical) in enumerate(order):
        gate3_round(run, hub, clinical, comment=f"r{n}")
        if n % 10 == 9:
            run.restore()
        run.do("draft_specification", sites=[f"Trust {n}"])
        run.do("agree_outcome_measures")
    gate3_round(run)
    assert run.done.count("gate3_hub_signoff") == run.done.count("gate3_clinical_signoff") == 31
    assert run.data("prepare_mobilisation")["sites"] == ["Trust 29"]
    # no sign-off of an earlier round is still open or waiting
    unfinished = [t for t in run.wf.get_tasks(state=TaskState.READY | TaskState.WAITING | TaskState.STARTED)]
    assert [t.task_spec.bpmn_id for t in unfinished if t.task_spec.manual] == ["prepare_mobilisation"]
    assert tree_depth(run.wf) < 400
    run.do("prepare_mobilisation")
    run.do("gate4_mobilisation_approval")
    assert run.ready_ids() == ["report_pilot_outcomes"]


def test_gate4_return_then_approve_and_loop_many_times(specs, clock):
    run = Run(specs)
    run.to_gate4()
    for n in range(25):
        run.do("gate4_mobilisation_approval", data={"gate4_decision": "return", "gate4_comments": f"Fix {n}"})
        assert run.ready_ids() == ["prepare_mobilisation"]
        run.do("prepare_mobilisation", total_budget=170000 + n)
    run.do("gate4_mobilisation_approval")
    assert run.ready_ids() == ["report_pilot_outcomes"]
    assert run.data("report_pilot_outcomes")["budget_committed"] == 170000
    assert tree_depth(run.wf) < 400


def test_scale_proven_skips_the_pilot(specs, clock):
    run = Run(specs)
    run.to_gate4(pathway="scale_proven")
    run.do("gate4_mobilisation_approval")
    assert run.ready_ids() == ["prepare_business_case"]
    run.do("prepare_business_case")
    run.do("gate6_dmbc")
    run.do("execute_procurement", tracking_periods=1)
    run.kpi_periods(clock, 1)
    run.do("close_project")
    run.finish_lessons("completed")
    for skipped in ("report_pilot_outcomes", "gate5_evidence_gate"):
        assert skipped not in run.done
    assert "gate5_recommendation" not in run.wf.data


def test_gate5_extend_is_bounded_then_refused_then_stop(specs, clock):
    run = Run(specs)
    run.to_gate5(measured=(6, 70))                   # 1 of 2 met: at least half
    for n in range(2):
        data = run.data("gate5_evidence_gate")
        assert data["gate5_recommendation"] == "extend" and data["pilot_extensions"] == n
        run.do("gate5_evidence_gate")
        assert run.ready_ids() == ["report_pilot_outcomes"]
        run.report((6, 70))
    data = run.data("gate5_evidence_gate")
    assert data["pilot_extensions"] == 2 and data["max_pilot_extensions"] == 2
    assert data["gate5_recommendation"] == "stop"     # no extension left
    # an override to extend beyond the limit is refused and comes back to the panel
    run.do("gate5_evidence_gate", data={"gate5_confirm": False, "gate5_decision": "extend",
                                        "gate5_justification": "One more quarter of data needed."})
    assert run.ready_ids() == ["gate5_evidence_gate"]
    data = run.data("gate5_evidence_gate")
    assert data["gate5_refused"] is True and "extended 2 times" in data["gate5_refusal_reason"]
    run.do("gate5_evidence_gate")                     # confirm the recommendation: stop
    assert run.data("record_lessons_learned")["gate5_refusal_reason"] == ""
    run.finish_lessons("stopped_at_gate5")
    assert run.wf.data["pilot_extensions"] == 2


def test_gate5_stop_when_fewer_than_half_met(specs, clock):
    run = Run(specs)
    run.to_gate5(measured=(10, 70))                  # none met
    data = run.data("gate5_evidence_gate")
    assert data["outcomes_met"] == 0 and data["gate5_recommendation"] == "stop"
    run.do("gate5_evidence_gate")
    run.finish_lessons("stopped_at_gate5")


def test_gate5_override_with_justification(specs, clock):
    run = Run(specs)
    run.to_gate5()                                   # all met: proceed recommended
    with pytest.raises(ValidationError):
        validate_form("gate5_evidence_gate", {"gate5_confirm": False, "gate5_decision": "stop"}, {})
    run.do("gate5_evidence_gate", data={"gate5_confirm": False, "gate5_decision": "stop",
                                        "gate5_justification": "Safety signal in the pilot site."})
    data = run.data("record_lessons_learned")
    assert data["gate5_recommendation"] == "proceed" and data["gate5_decision"] == "stop"
    assert data["gate5_overridden"] is True
    run.finish_lessons("stopped_at_gate5")


def test_gate5_override_to_extend_within_the_limit(specs, clock):
    run = Run(specs)
    run.to_gate5(measured=(10, 70))                  # stop recommended
    run.do("gate5_evidence_gate", data={"gate5_confirm": False, "gate5_decision": "extend",
                                        "gate5_justification": "Pilot started late at one site."})
    assert run.ready_ids() == ["report_pilot_outcomes"]
    assert run.data("report_pilot_outcomes")["pilot_extensions"] == 1
    run.report((6, 80))
    run.do("gate5_evidence_gate")
    assert run.ready_ids() == ["prepare_business_case"]


def test_gate6_revise_then_approve_and_loop_many_times(specs, clock):
    run = Run(specs)
    run.to_gate5()
    run.do("gate5_evidence_gate")
    for n in range(25):
        run.do("prepare_business_case", budget=900000 - n)
        run.do("gate6_dmbc", data={"gate6_decision": "revise", "gate6_comments": f"Revise {n}"})
        assert run.ready_ids() == ["prepare_business_case"]
    run.do("prepare_business_case")
    run.do("gate6_dmbc")
    assert run.ready_ids() == ["execute_procurement"]
    assert tree_depth(run.wf) < 400


def test_gate6_reject_goes_to_lessons_learned(specs, clock):
    run = Run(specs)
    run.to_gate5()
    run.do("gate5_evidence_gate")
    run.do("prepare_business_case")
    run.do("gate6_dmbc", data={"gate6_decision": "reject", "gate6_comments": "Not affordable."})
    run.finish_lessons("rejected_at_gate6")


def test_twelve_kpi_returns_with_timers_and_a_restore_midway(specs, clock):
    run = Run(specs)
    run.to_gate4(pathway="scale_proven")
    run.do("gate4_mobilisation_approval")
    run.do("prepare_business_case")
    run.do("gate6_dmbc")
    run.do("execute_procurement", tracking_periods=12, kpi_interval="P30D")
    run.kpi_periods(clock, 5)
    size = run.restore()
    assert size > 0
    [pending] = run.wf.waiting_events()
    assert datetime.fromisoformat(pending.value) > datetime.now(timezone.utc)
    run.kpi_periods(clock, 7, first=5)
    assert run.ready_ids() == ["close_project"]
    returns = run.data("close_project")["kpi_returns"]
    assert [r["period"] for r in returns] == list(range(1, 13))
    assert all(r["status"] == "on_track" and r["kpi_values"] for r in returns)
    assert "kpi_values" not in run.data("close_project")           # per-period form data stays in its period
    assert tree_depth(run.wf) < 60
    run.do("close_project")
    run.finish_lessons("completed")


def test_restore_at_every_step_loses_nothing(specs, clock):
    """Serialise and restore after every user task of a full run with loops."""
    run = Run(specs)
    original_do = run.do

    def do_and_restore(*args, **kwargs):
        task = original_do(*args, **kwargs)
        run.restore()
        return task

    run.do = do_and_restore
    run.to_gate1()
    run.do("gate1_prioritisation", gate1_decision="defer", review_date="2029-12-31")
    run.do("define_challenge")
    run.do("gate1_prioritisation")
    run.do("invite_partners", call_closes_at="2030-01-05")
    run.do("submit_eoi", where=lambda d: d["partner"] == "Gamma Pharma")
    clock.move_to("2030-01-06")
    run.settle()
    run.restore()
    run.score_all()
    run.do("gate2_partner_selection", selected_partners=["Gamma Pharma"])
    run.do("draft_specification")
    run.do("agree_outcome_measures")
    run.do("gate3_hub_signoff", data={"gate3_hub_decision": "rework", "gate3_hub_comments": "More sites."})
    run.do("gate3_clinical_signoff")
    run.do("draft_specification")
    run.do("agree_outcome_measures")
    run.do("gate3_hub_signoff")
    run.do("gate3_clinical_signoff", data={"gate3_clinical_decision": "rework", "gate3_clinical_comments": "DPIA."})
    run.do("draft_specification")
    run.do("agree_outcome_measures")
    run.do("gate3_hub_signoff")
    run.do("gate3_clinical_signoff")
    run.do("prepare_mobilisation")
    run.do("gate4_mobilisation_approval")
    run.report((6, 70))
    run.do("gate5_evidence_gate")                     # extend
    run.report((6, 80))
    run.do("gate5_evidence_gate")                     # proceed
    run.do("prepare_business_case")
    run.do("gate6_dmbc")
    run.do("execute_procurement", tracking_periods=2)
    run.kpi_periods(clock, 2)
    run.do("close_project")
    run.finish_lessons("completed")
    data = run.wf.data
    assert data["selected_partners"] == ["Gamma Pharma"] and data["submitted_partners"] == ["Gamma Pharma"]
    assert data["pilot_extensions"] == 1 and len(data["kpi_returns"]) == 2
