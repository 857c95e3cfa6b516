"""A process owner cannot launder a competitor's EoI or the board's scores through diagram code: deployment
refuses code that reads them and writes a key a wider audience reads (engine/policy/visibility.py)."""
from engine.repository.checks import check_diagram
from engine.repository.deployments import read_directory
from tests.conftest import ROOT

BPMN, DMN, FORMS = read_directory(ROOT / "processes", ROOT / "forms")
SUBMITTED = b'if e["submitted"]]]</bpmn:script>'
RANKING = b"partner_ranking = [p for negative_total"


def errors(old: bytes, new: bytes) -> list[tuple[str | None, str]]:
    assert old in BPMN
    return [(f.element_id, f.message) for f in check_diagram(BPMN.replace(old, new, 1), DMN, FORMS).errors]


def test_a_script_that_copies_the_eois_into_the_call_brief_is_refused_while_the_six_gates_scripts_deploy():
    assert check_diagram(BPMN, DMN, FORMS).errors == []
    found = errors(SUBMITTED, SUBMITTED.replace(b"</bpmn:script>", b"\ncall_brief = str(eois)</bpmn:script>"))
    assert [e for e, _ in found] == ["list_submitted_eois"]
    assert "reads the partners' EoIs (eois) and writes call_brief" in found[0][1]


def test_a_script_that_copies_the_scores_into_a_comment_staff_read_is_refused():
    found = errors(RANKING, b"gate1_comments = str(board_scores)\n" + RANKING)
    assert [e for e, _ in found] == ["aggregate_scores"]
    assert "board's scores" in found[0][1] and "gate1_comments" in found[0][1]


def test_a_script_that_puts_scores_into_the_partners_own_eois_is_refused():
    found = errors(RANKING, b"eois = [dict(e, scores=aggregated_scores) for e in eois]\n" + RANKING)
    assert [e for e, _ in found] == ["aggregate_scores"] and "writes eois" in found[0][1]


def test_eoi_form_fields_are_eoi_data_wherever_a_script_reads_them():
    contact = b'"contact_name": contact_name,'
    found = errors(contact, contact + b'\n}\nproject_plan = {"x": solution_summary,')
    assert [e for e, _ in found] == ["record_eoi"] and "solution_summary" in found[0][1]


def test_changing_a_shared_value_in_place_is_refused_in_code_that_reads_eois():
    appended = b"\nscoring_criteria.append(len(eois))</bpmn:script>"
    found = errors(SUBMITTED, SUBMITTED.replace(b"</bpmn:script>", appended))
    assert [e for e, _ in found] == ["list_submitted_eois"] and "scoring_criteria.append" in found[0][1]


def test_a_loop_variable_left_behind_counts_as_written():
    found = errors(SUBMITTED, SUBMITTED.replace(b"</bpmn:script>", b"\nfor last_eoi in eois:\n    pass</bpmn:script>"))
    assert [e for e, _ in found] == ["list_submitted_eois"] and "last_eoi" in found[0][1]


def test_collecting_each_partners_eoi_into_a_key_partners_read_is_refused():
    found = errors(b"<bpmn:loopDataOutputRef>eois</bpmn:loopDataOutputRef>",
                   b"<bpmn:loopDataOutputRef>call_brief</bpmn:loopDataOutputRef>")
    assert "collect_eois" in [e for e, _ in found]
    assert any("call_brief" in m and "outside the Hub" in m for _, m in found)


def test_collecting_scores_into_a_key_staff_read_is_refused():
    found = errors(b"<bpmn:loopDataOutputRef>board_scores</bpmn:loopDataOutputRef>",
                   b"<bpmn:loopDataOutputRef>board_notes</bpmn:loopDataOutputRef>")
    assert "collect_board_scores" in [e for e, _ in found]  # the scoring subprocess collects each member's


def test_a_decision_table_that_reads_the_scores_into_its_recommendation_is_refused():
    table = DMN["evidence_gate.dmn"]
    old = b"<text>outcomes_met</text>"
    assert old in table
    dmn = {**DMN, "evidence_gate.dmn": table.replace(old, b"<text>len(board_scores)</text>", 1)}
    found = [(f.element_id, f.message) for f in check_diagram(BPMN, dmn, FORMS).errors]
    assert [e for e, _ in found] == ["evidence_recommendation"]
    assert "decision table reads the board's scores (board_scores)" in found[0][1]
    assert "gate5_recommendation" in found[0][1]
