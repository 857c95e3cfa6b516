"""The diff between two process versions: each kind of SOP change a process owner makes is found,
named and described in a sentence, and identical versions differ in nothing."""
from __future__ import annotations

import copy
import json
from typing import Callable

from lxml import etree

from engine.repository.version_diff import ProcessFiles, diagram_markers, diff_files, summarise
from tests.conftest import ROOT

NS = {"bpmn": "http://www.omg.org/spec/BPMN/20100524/MODEL",
      "bpmndi": "http://www.omg.org/spec/BPMN/20100524/DI",
      "dc": "http://www.omg.org/spec/DD/20100524/DC", "di": "http://www.omg.org/spec/DD/20100524/DI",
      "dmn": "https://www.omg.org/spec/DMN/20191111/MODEL/"}
BPMN = (ROOT / "processes" / "six_gates.bpmn").read_bytes()
DMN = {p.name: p.read_text() for p in sorted((ROOT / "processes").glob("*.dmn"))}
FORMS = {p.name: json.loads(p.read_text()) for p in sorted((ROOT / "forms").glob("*.json"))}
GATE4_FORM = "gate4_mobilisation_approval.schema.json"


def edited(xml: bytes | str, *edits: Callable[[etree._Element], None]) -> bytes:
    root = etree.fromstring(xml.encode() if isinstance(xml, str) else xml)
    for edit in edits:
        edit(root)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


def one(root: etree._Element, path: str) -> etree._Element:
    found = root.xpath(path, namespaces=NS)
    assert len(found) == 1, path
    return found[0]


def element(root, element_id: str) -> etree._Element:
    return one(root, f"//*[@id='{element_id}']")


def add(parent: etree._Element, tag: str, text: str | None = None, **attributes: str) -> etree._Element:
    prefix, name = tag.split(":")
    child = etree.SubElement(parent, f"{{{NS[prefix]}}}{name}", attributes)
    child.text = text
    return child


def move_gate4_to_board_chair(root) -> None:
    ref = one(root, "//bpmn:lane[@id='lane_finance_approver']/bpmn:flowNodeRef[.='gate4_mobilisation_approval']")
    ref.getparent().remove(ref)
    add(element(root, "lane_board_chair"), "bpmn:flowNodeRef", "gate4_mobilisation_approval")


def fast_track_at_gate1(root) -> None:
    one(root, "//bpmn:sequenceFlow[@id='flow_gate1_approve']/bpmn:conditionExpression").text = \
        'gate1_decision in ("approve", "fast_track")'


def notify_finance_after_gate4(root) -> None:
    """A new script task between the Gate 4 approval and the pathway choice, drawn on the diagram."""
    process = one(root, "//bpmn:process")
    task = add(process, "bpmn:scriptTask", id="notify_finance", name="Notify finance", scriptFormat="python")
    add(task, "bpmn:script", "finance_notified = True")
    add(process, "bpmn:sequenceFlow", id="flow_notify_finance_to_pathway_choice", sourceRef="notify_finance",
        targetRef="pathway_choice")
    element(root, "flow_gate4_approve").set("targetRef", "notify_finance")
    add(element(root, "lane_finance_approver"), "bpmn:flowNodeRef", "notify_finance")
    plane = one(root, "//bpmndi:BPMNPlane")
    shape = add(plane, "bpmndi:BPMNShape", id="notify_finance_di", bpmnElement="notify_finance")
    add(shape, "dc:Bounds", x="4400", y="1450", width="100", height="80")
    edge = add(plane, "bpmndi:BPMNEdge", id="flow_notify_finance_to_pathway_choice_di",
               bpmnElement="flow_notify_finance_to_pathway_choice")
    add(edge, "di:waypoint", x="4450", y="1450")
    add(edge, "di:waypoint", x="4436", y="1295")


def drop_extend_pilot(root) -> None:
    """The extend route goes straight back to the pilot: the counting task is removed."""
    for element_id in ("extend_pilot", "flow_extend_pilot_to_pilot_merge", "extend_pilot_di",
                       "flow_extend_pilot_to_pilot_merge_di"):
        node = element(root, element_id)
        node.getparent().remove(node)
    ref = one(root, "//bpmn:flowNodeRef[.='extend_pilot']")
    ref.getparent().remove(ref)
    element(root, "flow_gate5_extend").set("targetRef", "pilot_merge")
    one(root, "//bpmn:exclusiveGateway[@id='pilot_merge']/bpmn:incoming[.='flow_extend_pilot_to_pilot_merge']"
        ).text = "flow_gate5_extend"


def with_risk_rating(forms: dict) -> dict:
    forms = copy.deepcopy(forms)
    gate4 = forms[GATE4_FORM]
    gate4["properties"]["risk_rating"] = {"type": "string", "title": "Risk rating", "enum": ["low", "high"]}
    gate4["properties"]["gate4_decision"]["enum"].append("escalate")
    gate4["required"].append("risk_rating")
    return forms


def stricter_evidence_gate(dmn: dict) -> dict:
    """Fewer than a third met (not half) now stops the pilot."""
    text = dmn["evidence_gate.dmn"]
    old = '<inputEntry id="rule_less_than_half_met_met">\n          <text>&lt; outcomes_total / 2</text>'
    assert old in text
    return {**dmn, "evidence_gate.dmn": text.replace(old, old.replace("/ 2", "/ 3"))}


def revised_six_gates() -> tuple[bytes, dict[str, bytes], dict[str, bytes]]:
    """A deployable revision of the procedure with one change of each main kind, as files."""
    bpmn = edited(BPMN, move_gate4_to_board_chair, fast_track_at_gate1, notify_finance_after_gate4,
                  drop_extend_pilot)
    forms = with_risk_rating(FORMS)
    return (bpmn, {k: v.encode() for k, v in stricter_evidence_gate(DMN).items()},
            {k: json.dumps(v).encode() for k, v in forms.items()})


def changes(bpmn: bytes = BPMN, dmn: dict | None = None, forms: dict | None = None):
    return diff_files(ProcessFiles(BPMN, DMN, FORMS), ProcessFiles(bpmn, dmn or DMN, forms or FORMS))


def kinds(found) -> list[tuple[str, str]]:
    return [(c.kind, c.element_id) for c in found]


def test_identical_versions_have_no_differences():
    assert changes() == []
    assert summarise([]) == {"total": 0, "added": 0, "removed": 0, "changed": 0,
                             "areas": {"diagram": 0, "forms": 0, "decisions": 0}}


def test_a_task_moved_to_another_lane_names_both_lanes():
    [moved] = changes(edited(BPMN, move_gate4_to_board_chair))
    assert (moved.area, moved.kind, moved.element_id) == ("diagram", "moved_lane", "gate4_mobilisation_approval")
    assert moved.description == "Gate 4 – Mobilisation approval moved from lane Finance approver to lane Board chair"
    assert (moved.old, moved.new, moved.label) == ("Finance approver", "Board chair", "Moved")


def test_a_changed_gateway_condition_shows_the_old_and_new_text():
    [changed] = changes(edited(BPMN, fast_track_at_gate1))
    assert (changed.kind, changed.element_id) == ("condition_changed", "flow_gate1_approve")
    assert changed.old == 'gate1_decision == "approve"'
    assert changed.new == 'gate1_decision in ("approve", "fast_track")'
    assert changed.description.startswith("Flow “approve” from Gate 1 decision? to invite_merge: condition changed")


def test_an_added_task_is_found_with_its_lane_and_the_flow_re_routed_to_it():
    found = changes(edited(BPMN, notify_finance_after_gate4))
    assert kinds(found) == [("rerouted", "flow_gate4_approve"), ("added", "notify_finance"),
                            ("added", "flow_notify_finance_to_pathway_choice")]
    assert found[0].description == ("Flow “approve” from Gate 4 decision? to Which pathway? "
                                    "now goes to Notify finance instead")
    assert found[1].description == "Added script task “Notify finance” in lane Finance approver"
    assert found[2].description == "Added flow from Notify finance to Which pathway?"


def test_a_removed_task_is_shown_on_the_old_diagram():
    found = changes(edited(BPMN, drop_extend_pilot))
    assert kinds(found) == [("rerouted", "flow_gate5_extend"), ("removed", "extend_pilot"),
                            ("removed", "flow_extend_pilot_to_pilot_merge")]
    removed = found[1]
    assert removed.description == "Removed script task “Extend pilot” in lane Clinical lead"
    assert removed.side == "old" and removed.effect == "removed"
    markers = diagram_markers(found)
    assert markers["old"]["extend_pilot"] == {"marker": "removed", "badge": "Removed"}
    assert "extend_pilot" not in markers["new"]
    assert markers["new"]["flow_gate5_extend"] == {"marker": "changed", "badge": "Re-routed"}


def test_timers_settings_and_repeats_inside_subprocesses_are_compared():
    def edit(root):
        one(root, "//bpmn:boundaryEvent[@id='eoi_deadline']//bpmn:timeDate").text = 'call_closes_at + "T17:00:00+00:00"'
        one(root, "//bpmn:userTask[@id='submit_eoi']//*[@name='dueIn']").set("value", "P21D")
        one(root, "//bpmn:subProcess[@id='collect_board_scores']/*/bpmn:loopDataInputRef").text = "scoring_panel"
        element(root, "record_eoi").set("name", "Keep submitted EoI")
        one(root, "//bpmn:scriptTask[@id='record_eoi']/bpmn:script").text = "eoi = {'partner': partner}"
    found = {c.kind: c for c in changes(edited(BPMN, edit))}
    assert found["timer_changed"].element_id == "eoi_deadline"
    assert found["timer_changed"].description == (
        'Call closes: timer changed from “date call_closes_at + "T23:59:59+00:00"” '
        'to “date call_closes_at + "T17:00:00+00:00"”')
    assert found["property_changed"].description == (
        "Submit expression of interest: due in changed from “P14D” to “P21D”")
    assert found["loop_changed"].description == ("Collect board scores: multi-instance collection changed from "
                                                 "“members_to_score” to “scoring_panel”")
    assert found["renamed"].description == "Record submitted EoI renamed to “Keep submitted EoI”"
    assert found["script_changed"].element_id == "record_eoi"
    assert found["script_changed"].new == "eoi = {'partner': partner}"
    assert len(found) == 5


def test_a_task_moved_into_a_subprocess_and_a_changed_type_and_form_property():
    def edit(root):
        task = element(root, "list_submitted_eois")
        element(root, "collect_eois").append(task)
        gate1 = one(root, "//bpmn:userTask[@id='gate1_prioritisation']//*[@name='formJsonSchemaFilename']")
        gate1.set("value", "gate1_v2.schema.json")
        mark = element(root, "mark_completed")
        mark.tag = f"{{{NS['bpmn']}}}task"
    found = changes(edited(BPMN, edit))
    descriptions = [c.description for c in found]
    assert ("List submitted EoIs moved from the main process to subprocess Collect expressions of interest"
            in descriptions)
    assert ("Gate 1 – Prioritisation: form changed from “gate1_prioritisation.schema.json” to “gate1_v2.schema.json”"
            in descriptions)
    assert "Record outcome: completed changed from a script task to a task" in descriptions
    assert {c.kind for c in found} == {"moved_subprocess", "property_changed", "type_changed"}


def test_form_fields_added_and_changed_are_listed_and_mark_the_task_showing_the_form():
    found = changes(forms=with_risk_rating(FORMS))
    assert [(c.area, c.kind) for c in found] == [("forms", "field_changed"), ("forms", "field_added")]
    assert found[0].description == ("Gate 4 – Mobilisation approval: field “Decision” (gate4_decision): "
                                    "choices added “escalate”")
    assert found[1].description == ("Gate 4 – Mobilisation approval: field “Risk rating” (risk_rating) added, "
                                    "string, required, choices “low”, “high”")
    assert found[1].diagram_ids == ("gate4_mobilisation_approval",)
    assert diagram_markers(found)["new"] == {"gate4_mobilisation_approval": {"marker": "changed", "badge": "Changed"}}


def test_form_files_and_nested_fields_removed_or_retyped():
    forms = copy.deepcopy(FORMS)
    del forms["close_project.schema.json"]
    forms["extra.schema.json"] = {"title": "Extra", "type": "object", "properties": {"a": {"type": "string"}}}
    partner = forms["score_eois.schema.json"]["properties"]["scores"]["items"]["allOf"][0]["else"]["properties"]
    partner["strategic_fit"]["type"] = "number"
    partner["strategic_fit"]["title"] = "Fit with strategy"
    del partner["equity_of_access"]
    found = changes(forms=forms)
    text = [c.description for c in found]
    assert text[0] == "Form extra.schema.json added (“Extra”, 1 field)"
    assert text[1] == "Form close_project.schema.json removed"
    assert found[1].side == "old" and found[1].diagram_ids == ("close_project",)
    assert ("Score the expressions of interest: field “Scores › Fit with strategy” "
            "(scores[].strategic_fit): title changed from “Strategic fit” to “Fit with strategy”; "
            "type changed from “integer” to “number”") in text
    assert any(t.endswith("(scores[].equity_of_access) removed") for t in text)


def test_a_changed_decision_rule_shows_the_entries_and_marks_the_rule_task():
    [changed] = changes(dmn=stricter_evidence_gate(DMN))
    assert (changed.area, changed.kind, changed.element_id) == ("decisions", "rule_changed", "evidence_gate_decision")
    assert changed.description == ("Evidence Gate recommendation: rule “Fewer than half met”: Outcome measures met "
                                   "changed from “< outcomes_total / 2” to “< outcomes_total / 3”")
    assert changed.diagram_ids == ("evidence_recommendation",)


def test_decision_rules_added_removed_and_columns_changed():
    def edit(root):
        table = one(root, "//dmn:decisionTable")
        table.set("hitPolicy", "FIRST")
        rule = one(root, "//dmn:rule[@id='rule_no_measures']")
        table.remove(rule)
        one(root, "//dmn:input[@id='input_max_pilot_extensions']").set("label", "Extensions permitted")
        added = copy.deepcopy(one(root, "//dmn:rule[@id='rule_all_met']"))
        added.set("id", "rule_all_met_again")
        table.append(added)
    found = changes(dmn={"evidence_gate.dmn": edited(DMN["evidence_gate.dmn"], edit).decode()})
    by_kind = {c.kind: c.description for c in found}
    assert by_kind["decision_changed"] == "Evidence Gate recommendation: hit policy changed from “UNIQUE” to “FIRST”"
    assert by_kind["input_changed"].startswith("Evidence Gate recommendation: input “Extensions permitted” changed "
                                               "(label changed from “Extensions allowed” to “Extensions permitted”)")
    assert by_kind["rule_added"] == ("Evidence Gate recommendation: rule “Every outcome measure met its threshold” "
                                     "added: when Outcome measures met == outcomes_total, Outcome measures agreed > 0 "
                                     "then Recommendation = \"proceed\", Reason = \"All \" + str(outcomes_total) + "
                                     "\" outcome measures met their pre-agreed thresholds.\"")
    assert by_kind["rule_removed"].startswith("Evidence Gate recommendation: rule “No outcome measure was agreed” "
                                              "removed (was when Outcome measures agreed <= 0 then")
    assert set(by_kind) == {"decision_changed", "input_changed", "rule_added", "rule_removed"}


def test_the_revised_procedure_summary_counts_every_area():
    bpmn, dmn, forms = revised_six_gates()
    found = diff_files(ProcessFiles(BPMN, DMN, FORMS),
                       ProcessFiles(bpmn, {k: v.decode() for k, v in dmn.items()},
                                    {k: json.loads(v) for k, v in forms.items()}))
    summary = summarise(found)
    assert summary["areas"] == {"diagram": 8, "forms": 2, "decisions": 1}
    assert (summary["added"], summary["removed"]) == (3, 2)
    markers = diagram_markers(found)
    assert markers["new"]["gate4_mobilisation_approval"]["badge"] == "Moved"
    assert markers["old"]["gate4_mobilisation_approval"]["badge"] == "Moved"
    assert markers["new"]["notify_finance"] == {"marker": "added", "badge": "Added"}
