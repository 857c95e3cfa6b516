"""Checks before deployment: each rule on a small diagram, with the element and sentence a process owner sees."""
import json

import pytest

from engine.errors import DiagramRejected
from engine.repository import bpmn_checks
from engine.repository.checks import check_diagram
from engine.repository.deployments import read_directory
from engine.repository.findings import Finding
from tests.conftest import FIXTURES, ROOT

BPMN = (FIXTURES / "minimal.bpmn").read_text()
FORM = (FIXTURES / "ask.schema.json").read_bytes()
FORMS = {"ask.schema.json": FORM}
DMN = (ROOT / "processes" / "evidence_gate.dmn").read_text()
TIMER = """<bpmn:boundaryEvent id="remind" name="Reminder" attachedToRef="ask" cancelActivity="false">
      <bpmn:outgoing>f6</bpmn:outgoing>
      <bpmn:timerEventDefinition id="remind_timer"><bpmn:timeDuration>{}</bpmn:timeDuration></bpmn:timerEventDefinition>
    </bpmn:boundaryEvent>
    <bpmn:endEvent id="reminded"><bpmn:incoming>f6</bpmn:incoming></bpmn:endEvent>
    <bpmn:sequenceFlow id="f6" sourceRef="remind" targetRef="reminded" />
  </bpmn:process>"""


def check(bpmn: str = BPMN, forms=None, dmn=None):
    return check_diagram(bpmn.encode(), {k: v.encode() for k, v in (dmn or {}).items()},
                         FORMS if forms is None else forms)


def errors(bpmn: str = BPMN, **kwargs) -> list[tuple[str | None, str]]:
    return [(f.element_id, f.message) for f in check(bpmn, **kwargs).errors]


def edit(old: str, new: str, bpmn: str = BPMN) -> str:
    assert old in bpmn, old
    return bpmn.replace(old, new)


def with_timer(expression: str) -> str:
    return edit("</bpmn:process>", TIMER.format(expression))


def with_task(xml: str) -> str:
    return edit("</bpmn:process>", xml + "\n  </bpmn:process>")


def test_the_six_gates_procedure_passes_every_check():
    report = check_diagram(*read_directory(ROOT / "processes", ROOT / "forms"))
    assert report.errors == [] and report.ok
    assert report.compiled is not None and report.compiled.process_id == "six_gates"
    assert report.lanes["lane_hub_team"] == "Hub team"


def test_the_minimal_diagram_passes_without_findings():
    report = check()
    assert report.findings == [] and report.compiled is not None


def test_a_juel_condition_is_named_as_juel_with_a_python_example():
    assert errors(edit("number &gt; 10", "${number &gt; 10 &amp;&amp; approved}")) == [(
        "f3", "the condition \"${number > 10 && approved}\" is written in JUEL (Camunda 7's expression language); "
              "Six Gates evaluates Python, e.g. number > 10 and approved")]


def test_a_feel_condition_is_named_as_feel():
    assert errors(edit("number &gt; 10", "=number = 10")) == [(
        "f3", 'the condition "=number = 10" is written in FEEL (the expression language of DMN and Camunda 8); '
              "Six Gates evaluates Python, e.g. number == 10")]


def test_a_condition_declared_as_feel_is_refused():
    feel = edit("<bpmn:conditionExpression>", '<bpmn:conditionExpression xmlns:xsi="http://www.w3.org/2001/'
                'XMLSchema-instance" xsi:type="bpmn:tFormalExpression" language="https://www.omg.org/spec/FEEL">')
    assert errors(feel) == [("f3", "the condition is declared to be written in FEEL (the expression language of "
                                   "DMN and Camunda 8); Six Gates evaluates Python")]


def test_a_bare_iso_timer_must_be_written_as_a_python_string():
    assert errors(with_timer("P10D")) == [(
        "remind", 'the timer duration P10D is ISO 8601 text, but timers are Python expressions; write it as a '
                  'Python string with the quotes: "P10D"')]
    assert errors(with_timer('"P10D"')) == []


def test_a_quoted_timer_must_parse_as_iso_8601():
    assert errors(with_timer('"P10X"')) == [(
        "remind", 'the timer duration "P10X" is not a valid ISO 8601 duration; write one such as "P10D" or "PT4H"')]
    cycle = with_timer('"R3/PT1H"').replace("timeDuration", "timeCycle")
    assert errors(cycle) == []
    assert errors(cycle.replace("R3/PT1H", "R3/2026-01-01")) == [(
        "remind", 'the timer cycle "R3/2026-01-01" is not a valid ISO 8601 repeating interval; write one such '
                  'as "R3/PT1H"')]
    assert errors(with_timer("deadline").replace("timeDuration", "timeDate")) == []


def test_a_gateway_whose_flows_have_no_conditions_is_refused():
    assert errors(edit(' default="f4"', "")) == [(
        "decide", 'the exclusive gateway "Big?" has an outgoing flow with neither a condition nor the default '
                  "mark (f4), so SpiffWorkflow cannot choose between its flows; give each a condition or make one "
                  "the default")]


def test_a_user_task_outside_every_lane_is_refused():
    assert errors(edit("<bpmn:flowNodeRef>ask</bpmn:flowNodeRef>", "")) == [(
        "ask", 'the user task "Answer a question" is not in any lane, so nobody may do it; put it in a lane '
               "named after a role, such as Hub team")]


def test_a_lane_that_is_not_a_role_is_refused_with_the_known_roles():
    [(element, message)] = errors(edit('name="Sponsor"', 'name="Space cadets"'))
    assert element == "lane_sponsor"
    assert message.startswith('lane "Space cadets" is not a Six Gates role, so nobody may do the user task '
                              '"Answer a question"; name the lane after one of: Sponsor, Hub team, ')
    assert "DMBC board" in message


def test_a_missing_form_names_the_file():
    report = check(forms={})
    assert report.errors == [Finding("ask", 'the user task "Answer a question" uses the form ask.schema.json, '
                                            "which was not uploaded", "error")]


def test_a_user_task_without_a_form_is_refused():
    assert errors(edit('<spiffworkflow:property name="formJsonSchemaFilename" value="ask.schema.json" />', "")) == [(
        "ask", 'the user task "Answer a question" has no form; set its formJsonSchemaFilename property to a '
               "JSON Schema file")]


def test_an_invalid_json_schema_is_refused():
    [finding] = check(forms={"ask.schema.json": b'{"type": "nonsense"}'}).errors
    assert (finding.element_id, finding.file) == ("ask", None)
    assert finding.message.startswith('the user task "Answer a question" uses the form ask.schema.json, which is '
                                      "not a valid JSON Schema: ")


def test_an_ending_mark_naming_an_answer_the_form_does_not_offer_is_refused():
    form = json.loads(FORM)
    form["properties"]["verdict"] = {"type": "string", "enum": ["go", "stop"], "x-ends-project": ["halt"]}
    assert errors(forms={"ask.schema.json": json.dumps(form).encode()}) == [(
        "ask", 'the user task "Answer a question" uses the form ask.schema.json, which says x-ends-project '
               "['halt'] on verdict, which offers only go, stop")]
    form["properties"]["verdict"]["x-ends-project"] = ["stop"]
    assert errors(forms={"ask.schema.json": json.dumps(form).encode()}) == []


def test_a_form_that_is_not_json_is_refused_as_a_file():
    assert check(forms={"ask.schema.json": b"{nope"}).errors == [
        Finding(None, "the form ask.schema.json is not valid JSON (Expecting property name enclosed in double "
                      "quotes, line 1)", "error", "ask.schema.json")]


def test_a_due_date_that_is_not_a_duration_is_refused_and_a_missing_one_is_a_warning():
    assert errors(edit('value="P2D"', 'value="two days"')) == [(
        "ask", 'the user task "Answer a question" has dueIn "two days", which is not an ISO 8601 duration such '
               "as P10D")]
    report = check(edit('<spiffworkflow:property name="dueIn" value="P2D" />', ""))
    assert report.ok and [f.message for f in report.warnings] == [
        'the user task "Answer a question" has no dueIn property, so it will never show as overdue']


def test_a_four_eyes_rule_naming_no_other_user_task_is_refused():
    for named in ("prepare_pack", "ask"):  # a task the diagram lacks, and the task itself
        assert errors(edit('<spiffworkflow:property name="dueIn" value="P2D" />',
                           '<spiffworkflow:property name="dueIn" value="P2D" />'
                           f'<spiffworkflow:property name="notCompletedBy" value="{named}" />')) == [(
            "ask", f'the user task "Answer a question" has notCompletedBy "{named}", which is not another user task '
                   "of this diagram, so the four-eyes rule would never apply")]


def test_a_script_that_imports_os_is_refused():
    assert errors(edit("doubled = number * 2", "import os\nos.system('id')")) == [
        ("compute", "the script uses imports, which diagram code may not use (line 1)")]


def test_a_script_in_groovy_is_refused():
    groovy = edit('<bpmn:scriptTask id="compute" name="Compute">',
                  '<bpmn:scriptTask id="compute" name="Compute" scriptFormat="groovy">')
    assert errors(groovy) == [("compute", "the script is declared to be written in Groovy; Six Gates evaluates "
                                          "Python")]


def test_an_element_spiffworkflow_cannot_run_is_named():
    complex_gateway = BPMN.replace("exclusiveGateway", "complexGateway")
    assert errors(complex_gateway) == [
        ("decide", 'the complex gateway "Big?" is a bpmn:complexGateway, which SpiffWorkflow cannot run')]


def test_an_event_definition_spiffworkflow_ignores_is_refused():
    link = with_task('<bpmn:intermediateThrowEvent id="jump" name="Go on"><bpmn:linkEventDefinition name="go" />'
                     "</bpmn:intermediateThrowEvent>")
    assert ("jump", 'the intermediate throw event "Go on" has a link event definition (bpmn:linkEventDefinition), '
                    "which SpiffWorkflow ignores on an intermediate throw event, so it would not behave as drawn"
            ) in errors(link)


def test_tasks_that_need_camunda_or_services_are_refused():
    found = errors(with_task(
        '<bpmn:serviceTask id="mail" name="Send mail" xmlns:camunda="http://camunda.org/schema/1.0/bpmn" '
        'camunda:class="org.example.Mail" />\n<bpmn:serviceTask id="ping" name="Ping" />'))
    assert found == [
        ("mail", 'the service task "Send mail" is implemented by a Java class (camunda:class, Camunda 7), which '
                 "SpiffWorkflow cannot run; use a script task or spiffworkflow extensions instead"),
        ("ping", 'the service task "Ping" has no spiffworkflow:serviceTaskOperator, so SpiffWorkflow does not know '
                 "what to call")]


def test_calls_to_missing_processes_and_decisions_are_refused():
    found = errors(with_task(
        '<bpmn:callActivity id="call" name="Sub" calledElement="elsewhere" />'
        '<bpmn:businessRuleTask id="rules" name="Decide"><bpmn:extensionElements>'
        "<spiffworkflow:calledDecisionId>missing_decision</spiffworkflow:calledDecisionId>"
        "</bpmn:extensionElements></bpmn:businessRuleTask>"), dmn={"evidence_gate.dmn": DMN})
    assert found == [
        ("call", 'the call activity "Sub" calls the process "elsewhere", which is not in this file; SpiffWorkflow '
                 "can only call processes of the same file"),
        ("rules", 'the business rule task "Decide" calls the decision "missing_decision", which is not in the '
                  "uploaded decision tables (evidence_gate_decision)")]


def test_an_unreachable_task_is_only_a_warning():
    report = check(with_task('<bpmn:task id="orphan" name="Forgotten step" />'))
    assert report.ok and report.compiled is not None
    assert [(f.element_id, f.message, f.severity) for f in report.warnings] == [
        ("orphan", 'the task "Forgotten step" cannot be reached from a start event, so it will never run', "warning")]


def test_a_non_executable_process_has_nothing_to_run():
    assert errors(edit('isExecutable="true"', 'isExecutable="false"')) == [
        ("minimal", 'process "Minimal" is marked isExecutable=false, so there is nothing to run')]


def test_a_schema_violation_is_reported_with_its_line_and_element():
    [(element, message)] = errors(edit("<bpmn:incoming>f1</bpmn:incoming>", "<bpmn:wish>f1</bpmn:wish>"))
    assert element == "ask"
    assert message.startswith("line 26 does not follow the BPMN 2.0 schema: element 'bpmn:wish': This element "
                              "is not expected")


def test_a_file_that_is_not_bpmn_is_refused_as_a_whole():
    assert errors(DMN) == [(None, "the BPMN file's root element is {https://www.omg.org/spec/DMN/20191111/MODEL/}"
                                  "definitions, not bpmn:definitions in the BPMN 2.0 namespace (http://www.omg.org/"
                                  "spec/BPMN/20100524/MODEL), so it is not a BPMN 2.0 diagram")]


def test_what_spiffworkflow_itself_refuses_comes_back_without_a_traceback():
    no_start = edit('<bpmn:startEvent id="minimal_start"><bpmn:outgoing>f1</bpmn:outgoing></bpmn:startEvent>', "")
    report = check(no_start.replace("<bpmn:flowNodeRef>minimal_start</bpmn:flowNodeRef>", ""))
    assert [(f.element_id, f.message) for f in report.errors] == [
        ("minimal", "SpiffWorkflow cannot run this diagram: No start event found")]
    assert len(report.warnings) == 4  # every node is now unreachable


LATIN_1 = (b'<?xml version="1.0" encoding="latin-1"?><bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/'
           b'20100524/MODEL" id="d"><bpmn:process id="p\xe9"/></bpmn:definitions>')
GARBAGE = [b"", b"\x00\xff\xfe", b"<a>", b"<?xml version='1.0'?><x/>", LATIN_1,
           BPMN.encode().replace(b"<bpmn:process ", b"<bpmn:process " * 2)]


@pytest.mark.parametrize("data", GARBAGE)
def test_garbage_is_refused_with_a_reason_and_never_raises(data):
    report = check_diagram(data, {"bad.dmn": data}, {"bad.json": data})
    assert not report.ok and report.compiled is None
    assert all(f.message and "Traceback" not in f.message for f in report.findings)


def test_a_hostile_entity_is_refused():
    hostile = '<?xml version="1.0"?><!DOCTYPE d [<!ENTITY x SYSTEM "file:///etc/passwd">]>' + BPMN.split("?>", 1)[1]
    assert errors(hostile) == [(None, "the BPMN file declares a DOCTYPE or entities, which are refused for safety")]


# --- decision tables ---------------------------------------------------------------------

def dmn_errors(dmn: str) -> list[tuple[str | None, str, str | None]]:
    return [(f.element_id, f.message, f.file) for f in check(dmn={"rules.dmn": dmn}).errors]


def test_the_evidence_gate_table_passes():
    assert dmn_errors(DMN) == []


def test_a_feel_range_in_a_decision_table_is_named_as_feel():
    feel = DMN.replace("<text>&gt; 0</text>", "<text>[1..5]</text>", 1)
    assert dmn_errors(feel) == [("rule_all_met_total", 'the rule\'s condition "[1..5]" is written in FEEL (the '
                                 "expression language of DMN and Camunda 8); Six Gates evaluates Python, "
                                 "e.g. 1 <= ? <= 5", "rules.dmn")]


def test_a_decision_table_declared_as_feel_or_with_an_unsupported_hit_policy_is_refused():
    feel = DMN.replace('expressionLanguage="python"', 'expressionLanguage="https://www.omg.org/spec/DMN/20191111/FEEL/"')
    assert dmn_errors(feel.replace('hitPolicy="UNIQUE"', 'hitPolicy="PRIORITY"')) == [
        ("evidence_gate_definitions", "rules.dmn declares FEEL (the expression language of DMN and Camunda 8) as its "
                                      "expressionLanguage; Six Gates evaluates decision table cells as Python",
         "rules.dmn"),
        ("evidence_gate_table", "the decision table uses the hit policy PRIORITY, which SpiffWorkflow does not "
                                "support; use UNIQUE, FIRST or COLLECT", "rules.dmn")]


def test_a_decision_table_cell_escaping_the_sandbox_is_refused():
    hostile = DMN.replace("<text>&gt; 0</text>", "<text>().__class__</text>", 1)
    assert dmn_errors(hostile) == [("rule_all_met_total", "the rule's condition uses the attribute '__class__', "
                                    "which diagram code may not use", "rules.dmn")]


# --- how findings are reported -----------------------------------------------------------

def test_findings_read_as_element_and_sentence():
    assert Finding("ask", "it is broken", "error").as_dict() == {
        "element_id": "ask", "message": "it is broken", "severity": "error", "file": None}
    rejected = DiagramRejected([Finding("ask", "it is broken", "error"), Finding(None, "the file is odd", "error"),
                                Finding("r1", "bad cell", "error", "rules.dmn"), Finding("x", "meh", "warning")])
    assert rejected.problems == ["element ask: it is broken", "the file is odd", "rules.dmn, element r1: bad cell"]
    assert len(rejected.findings) == 4


def test_the_element_tables_match_the_installed_spiffworkflow():
    from SpiffWorkflow.spiff.parser.process import SpiffBpmnParser
    classes = {**SpiffBpmnParser.PARSER_CLASSES, **SpiffBpmnParser.OVERRIDE_PARSER_CLASSES}
    assert {tag.split("}")[1] for tag in classes} == bpmn_checks.RUNNABLE
    assert not bpmn_checks.NOT_RUNNABLE & bpmn_checks.RUNNABLE


def test_forms_are_read_once_per_file():
    report = check(forms={"ask.schema.json": FORM, "extra.json": json.dumps({"type": "object"}).encode()})
    assert report.ok


def test_a_chain_too_long_for_spiffworkflow_is_refused_in_plain_words():
    steps = "".join(f'<bpmn:task id="t{i}" /><bpmn:sequenceFlow id="s{i}" sourceRef="{f"t{i - 1}" if i else "go"}" '
                    f'targetRef="t{i}" />' for i in range(1200))
    bpmn = ('<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d" targetNamespace="x">'
            f'<bpmn:process id="long" isExecutable="true"><bpmn:startEvent id="go" />{steps}</bpmn:process>'
            "</bpmn:definitions>")
    [finding] = check(bpmn).errors
    assert finding.message == ("SpiffWorkflow cannot run this diagram: its chain of steps is too long for "
                               "SpiffWorkflow to read")
