"""The form rules the server understands beside JSON Schema, on small forms: which answers apply,
dates ahead of the clock, totals and limits between fields, and sample answers that obey them."""
import json
from datetime import date

import pytest

from demo.answers import sample_answers
from engine.repository.forms import (
    answers_that_apply,
    ends_project,
    field_errors,
    form_fields,
    schema_problem,
    unanswered_fields,
)
from tests.conftest import ROOT

CHOICE = {
    "type": "object",
    "properties": {"kind": {"enum": ["a", "b"]}, "note": {"type": "string"}},
    "allOf": [
        {"if": {"properties": {"kind": {"const": "a"}}, "required": ["kind"]},
         "then": {"properties": {"only_a": {"type": "string", "title": "Only A"}}, "required": ["only_a"]},
         "else": {"properties": {"only_b": {"type": "integer"}}}},
    ],
    "dependentSchemas": {"note": {"properties": {"note_source": {"type": "string"}}}},
    "oneOf": [
        {"properties": {"kind": {"const": "a"}, "a_extra": {"type": "string"}}},
        {"properties": {"kind": {"const": "b"}, "b_extra": {"type": "string"}}},
    ],
}


def test_a_form_lists_its_conditional_fields_with_the_others():
    assert list(form_fields(CHOICE)) == ["kind", "note", "only_a", "only_b", "a_extra", "b_extra", "note_source"]
    assert form_fields(CHOICE)["only_a"]["title"] == "Only A"


def test_answers_to_fields_of_branches_not_chosen_are_dropped():
    typed = {"kind": "a", "only_a": "x", "only_b": 3, "note_source": "y", "a_extra": "1", "b_extra": "2"}
    assert answers_that_apply(CHOICE, typed) == {"kind": "a", "only_a": "x", "a_extra": "1"}
    assert answers_that_apply(CHOICE, {**typed, "kind": "b", "note": "n"}) == {
        "kind": "b", "only_b": 3, "note": "n", "note_source": "y", "b_extra": "2"}


def test_dropped_branch_fields_are_cleared_so_no_earlier_answer_lingers():
    kept = answers_that_apply(CHOICE, {"kind": "b", "only_a": "from an earlier round"})
    assert unanswered_fields(CHOICE, kept)["only_a"] is None


def test_read_only_facts_of_the_project_decide_conditions_but_are_never_answers():
    form = {"type": "object", "properties": {"fact": {"type": "boolean", "readOnly": True}, "go": {"type": "boolean"}},
            "if": {"properties": {"fact": {"const": False}}, "required": ["fact"]},
            "then": {"properties": {"why": {"type": "string"}}, "required": ["why"], "x-message": "Say why."}}
    assert answers_that_apply(form, {"go": True, "why": "w"}, {"fact": True}) == {"go": True}
    assert answers_that_apply(form, {"go": True, "why": "w"}, {"fact": False}) == {"go": True, "why": "w"}
    assert field_errors(form, {"go": True}, context={"fact": False}) == {"why": "Say why."}
    assert field_errors(form, {"go": True}, context={"fact": True}) == {}
    assert field_errors(form, {"go": True}, context={"fact": "not a boolean"}) == {}  # not the person's to fix


def test_nested_rows_keep_only_their_own_branch():
    form = {"type": "object", "properties": {"rows": {"type": "array", "items": CHOICE}}}
    assert answers_that_apply(form, {"rows": [{"kind": "b", "only_a": "x", "only_b": 1}]}) == {
        "rows": [{"kind": "b", "only_b": 1}]}


DATED = {"type": "object", "properties": {
    "review_date": {"type": "string", "format": "date", "title": "Review date", "x-not-before": "today"},
    "steps": {"type": "array", "items": {"type": "object", "properties": {
        "due_date": {"type": "string", "format": "date", "title": "Due date", "x-not-before": "today"}}}}}}


def test_dates_that_must_lie_ahead_are_checked_against_the_day_given():
    today = date(2026, 3, 2)
    answers = {"review_date": "2026-03-01", "steps": [{"due_date": "2026-03-02"}, {"due_date": "2020-01-01"}]}
    assert field_errors(DATED, answers, today=today) == {
        "review_date": "The review date must be today or later (2026-03-02 or after).",
        "steps.1.due_date": "The due date must be today or later (2026-03-02 or after)."}
    assert field_errors(DATED, answers, today=date(2019, 1, 1)) == {}
    assert field_errors(DATED, {"review_date": "someday"}, today=today) == {
        "review_date": "'someday' is not a 'date'"}


BUDGET = {"type": "object", "properties": {
    "nhs": {"type": "number", "title": "NHS share"},
    "industry": {"type": "number", "title": "Industry share"},
    "total": {"type": "number", "title": "Total", "x-sum-of": ["nhs", "industry"]},
    "limit": {"type": "number", "title": "Ceiling", "readOnly": True},
    "spend": {"type": "number", "title": "Spend", "x-at-most": "limit"}}}


def test_a_total_must_add_up_and_an_amount_stay_under_its_limit():
    assert field_errors(BUDGET, {"nhs": 1, "industry": 2.5, "total": 3.5, "spend": 10}, context={"limit": 10}) == {}
    assert field_errors(BUDGET, {"nhs": 1000, "industry": 2000, "total": 4000, "spend": 11},
                        context={"limit": 10}) == {
        "total": "Total must equal NHS share + Industry share: 3,000.",
        "spend": "Spend cannot be more than the ceiling (10)."}
    assert field_errors(BUDGET, {"nhs": 1, "total": 4}) == {}  # a missing part is for `required` to report


CALL = {"type": "object", "properties": {
    "call_closes_at": {"type": "string", "format": "date", "title": "Call closing date"},
    "scoring_closes_at": {"type": "string", "format": "date", "title": "Scoring closing date",
                          "x-on-or-after": "call_closes_at"}}}


def test_a_date_that_may_not_lie_before_another_field_is_checked_against_it():
    assert field_errors(CALL, {"call_closes_at": "2026-03-20", "scoring_closes_at": "2026-03-19"}) == {
        "scoring_closes_at": "Scoring closing date cannot be before the call closing date (2026-03-20)."}
    assert field_errors(CALL, {"call_closes_at": "2026-03-20", "scoring_closes_at": "2026-03-20"}) == {}
    assert field_errors(CALL, {"call_closes_at": "2026-03-20"}) == {}  # left out: the diagram's default
    assert field_errors(CALL, {"call_closes_at": "soon", "scoring_closes_at": "2026-03-19"}) == {
        "call_closes_at": "'soon' is not a 'date'"}  # a bad date is the `format` check's to report
    assert "name of a date field" in schema_problem({"properties": {"d": {"x-on-or-after": ["a"]}}})
    assert schema_problem(CALL) is None
    sampled = sample_answers(CALL, {"call_closes_at": "2026-12-31"})
    assert sampled["scoring_closes_at"] == "2027-01-30" and field_errors(CALL, sampled) == {}

def test_an_answer_a_condition_rules_out_is_refused_with_the_forms_own_message():
    form = {"type": "object", "properties": {"decision": {"enum": ["go", "wait"]}, "late": {"readOnly": True}},
            "if": {"properties": {"late": {"minItems": 1}}, "required": ["late"]},
            "else": {"properties": {"decision": {"enum": ["go"], "x-message": "Wait only when someone is late."}}}}
    assert field_errors(form, {"decision": "wait"}, context={"late": []}) == {
        "decision": "Wait only when someone is late."}
    assert field_errors(form, {"decision": "wait"}, context={"late": ["bob"]}) == {}
    assert field_errors(form, {"decision": "stop"}, context={"late": ["bob"]}) == {
        "decision": "Choose one of the options offered."}

def test_rules_a_process_owner_mistypes_are_refused_with_the_reason():
    assert schema_problem({"type": "object", "properties": {"d": {"type": "string", "x-not-before": "yesterday"}}}) \
        == 'says x-not-before \'yesterday\': the values understood are "today" and "tomorrow"'
    assert "ISO 8601 duration" in schema_problem({"properties": {"d": {"x-duration-at-most": "a year"}}})
    assert "list of the names" in schema_problem({"properties": {"t": {"x-sum-of": "a+b"}}})
    assert "name of a field" in schema_problem({"properties": {"t": {"x-at-most": 5}}})
    assert schema_problem(DATED) is None and schema_problem(BUDGET) is None


def test_sample_answers_obey_the_rules_and_choose_their_branches():
    answers = sample_answers({**BUDGET, **{"properties": {**BUDGET["properties"], **DATED["properties"]}}},
                             {"nhs": 10, "industry": 5}, today=date(2026, 12, 7))
    assert answers["total"] == 15 and answers["review_date"] == "2027-01-06"
    assert field_errors(CHOICE, sample_answers(CHOICE, {"kind": "a"})) == {}
    assert "only_a" in sample_answers(CHOICE, {"kind": "a"}) and "only_a" not in sample_answers(CHOICE, {"kind": "b"})


def test_conditions_may_refer_to_the_forms_own_definitions():
    form = {"$defs": {"yes": {"const": True}}, "properties": {"c": {"type": "boolean"}},
            "if": {"properties": {"c": {"$ref": "#/$defs/yes"}}, "required": ["c"]},
            "then": {"properties": {"why": {"type": "string"}}}}
    assert answers_that_apply(form, {"c": True, "why": "x"}) == {"c": True, "why": "x"}
    assert answers_that_apply(form, {"c": False, "why": "x"}) == {"c": False}
    broken = {"properties": {"c": {}}, "if": {"$ref": "#/nowhere"}, "then": {"properties": {"w": {}}}}
    assert answers_that_apply(broken, {"c": 1, "w": 2}) == {"c": 1}


def test_a_date_that_must_lie_after_today_refuses_today():
    form = {"type": "object", "properties": {
        "review_date": {"type": "string", "format": "date", "title": "Review date", "x-not-before": "tomorrow"}}}
    today = date(2026, 3, 2)
    assert field_errors(form, {"review_date": "2026-03-02"}, today=today) == {
        "review_date": "The review date must be after today (2026-03-03 or after)."}
    assert field_errors(form, {"review_date": "2026-03-03"}, today=today) == {}
    assert schema_problem(form) is None
    assert sample_answers(form, today=today)["review_date"] > "2026-03-02"


def test_an_unknown_key_inside_a_row_is_refused_at_its_path_like_one_at_the_top():
    form = {"type": "object", "properties": {"rows": {"type": "array", "items": CHOICE},
                                             "contact": {"type": "object", "properties": {"name": {}}},
                                             "free": {"type": "object"},
                                             "open": {"properties": {"a": {}}, "additionalProperties": {}}}}
    answers = {"rows": [{"kind": "a", "only_a": "x"}, {"kind": "b", "extra": 1}],
               "contact": {"name": "n", "phone": "1"}, "free": {"anything": 1}, "open": {"b": 2}}
    kept = answers_that_apply(form, answers)
    assert kept["rows"][1] == {"kind": "b", "extra": 1}  # kept to be refused, never a crash
    assert field_errors(form, kept) == {"rows.1.extra": "This form has no such field.",
                                        "contact.phone": "This form has no such field."}


def test_a_duration_a_timer_reads_is_refused_past_its_longest():
    form = {"type": "object", "properties": {"every": {"type": "string", "title": "Interval",
                                                       "x-duration-at-most": "P1Y"}}}
    today = date(2026, 3, 2)
    for fine in ("P1Y", "P12M", "P365D", "P52W", "PT8760H", "P30D"):
        assert field_errors(form, {"every": fine}, today=today) == {}, fine
    for too_long in ("P13M", "P366D", "P53W", "P10000Y", "P" + "9" * 400 + "D"):
        assert field_errors(form, {"every": too_long}, today=today) == {
            "every": "The interval cannot be longer than 1 year (P1Y)."}, too_long


def test_an_amount_past_its_maximum_is_refused_in_words_however_many_digits_it_has():
    form = {"type": "object", "properties": {**BUDGET["properties"],
                                             "nhs": {"type": "number", "title": "NHS share", "maximum": 10**9}}}
    assert field_errors(form, {"nhs": 10**400, "industry": 1, "total": 3}) == {
        "nhs": "The NHS share cannot be more than 1,000,000,000."}
    unbounded = field_errors(BUDGET, {"nhs": 10**309, "industry": 0, "total": 1})  # past what a float holds
    assert unbounded["total"].startswith("Total must equal NHS share + Industry share: 1,000,000,")


def test_a_reference_the_form_does_not_define_is_refused_at_deployment_and_never_crashes_a_submission():
    broken = {"type": "object", "properties": {"note": {"$ref": "#/$defs/missing"}}}
    assert schema_problem(broken) == "has a $ref to '#/$defs/missing' that names nothing in the form"
    assert "https://example.org/x" in schema_problem({"properties": {"n": {"$ref": "https://example.org/x"}}})
    assert field_errors(broken, {"note": 1}) == {"_form": "This form refers to a part of itself that does not "
                                                          "exist, so no answer can be checked. Ask the process "
                                                          "owner to correct the form."}
    fine = {"$id": "f.schema.json", "$defs": {"n": {"type": "integer"}},
            "properties": {"a": {"$ref": "#/$defs/n"}, "b": {"$ref": "f.schema.json#/$defs/n"},
                           "c": {"const": {"$ref": "#/not/a/reference"}}}}
    assert schema_problem(fine) is None


# --- which answers end the project: the forms' x-ends-project marks ---------------------------------------------

def six_gates_form(name: str) -> dict:
    return json.loads((ROOT / "forms" / f"{name}.schema.json").read_text())


@pytest.mark.parametrize("form, data, context, ends", [
    ("gate1_prioritisation", {"gate1_decision": "reject"}, {}, True),
    ("gate1_prioritisation", {"gate1_decision": "defer"}, {}, False),
    ("gate2_partner_selection", {"gate2_decision": "close"}, {}, True),
    ("gate2_partner_selection", {"gate2_decision": "select"}, {}, False),
    ("gate5_evidence_gate", {"gate5_confirm": True}, {"gate5_recommendation": "stop"}, True),
    ("gate5_evidence_gate", {"gate5_confirm": True, "gate5_decision": "stop"}, {"gate5_recommendation": "proceed"},
     False),
    ("gate5_evidence_gate", {"gate5_confirm": False, "gate5_decision": "stop"}, {"gate5_recommendation": "proceed"},
     True),
    ("gate5_evidence_gate", {"gate5_confirm": False, "gate5_decision": "extend"}, {"gate5_recommendation": "stop"},
     False),
    ("gate6_dmbc", {"gate6_decision": "reject"}, {}, True),
    ("gate6_dmbc", {"gate6_decision": "revise"}, {}, False),
])
def test_which_answers_end_the_project(form, data, context, ends):
    """Confirming Gate 5 takes the decision table's recommendation; overriding it, the decision given."""
    assert ends_project(six_gates_form(form), data, context) is ends


def test_only_the_gates_mark_answers_that_end_the_project():
    forms = (ROOT / "forms").glob("*.schema.json")
    marked = sorted(path.name for path in forms if "x-ends-project" in path.read_text())
    assert marked == ["gate1_prioritisation.schema.json", "gate2_partner_selection.schema.json",
                      "gate5_evidence_gate.schema.json", "gate6_dmbc.schema.json"]
    assert all(schema_problem(six_gates_form(name.split(".")[0])) is None for name in marked)


def test_a_mistyped_ending_mark_is_refused_with_the_reason():
    decision = {"type": "string", "enum": ["approve", "reject"]}
    assert schema_problem({"properties": {"d": {**decision, "x-ends-project": "reject"}}}) \
        == "says x-ends-project 'reject' on d: give a list of the answers that end the project"
    assert schema_problem({"properties": {"d": {**decision, "x-ends-project": []}}}) \
        == "says x-ends-project [] on d: give a list of the answers that end the project"
    assert schema_problem({"properties": {"d": {**decision, "x-ends-project": ["rejected"]}}}) \
        == "says x-ends-project ['rejected'] on d, which offers only approve, reject"
    in_branch = {"properties": {"d": decision}, "if": {"properties": {"d": {"const": "approve"}}},
                 "then": {"properties": {"d": {"x-ends-project": ["stopped"]}}}}
    assert schema_problem(in_branch) == "says x-ends-project ['stopped'] on d, which offers only approve, reject"
    assert schema_problem({"properties": {"d": decision}, "x-ends-project": ["reject"]}) \
        == "says x-ends-project outside the form's own fields: put it on the field whose answer ends the project"
    assert schema_problem({"properties": {"d": {**decision, "x-ends-project": ["reject"]}}}) is None


def unmarked(schema):
    """A form as versions deployed before x-ends-project keep it."""
    if isinstance(schema, dict):
        return {k: unmarked(v) for k, v in schema.items() if k != "x-ends-project"}
    return [unmarked(v) for v in schema] if isinstance(schema, list) else schema


@pytest.mark.parametrize("form, data, context, ends", [
    ("gate1_prioritisation", {"gate1_decision": "reject"}, {}, True),
    ("gate1_prioritisation", {"gate1_decision": "approve"}, {}, False),
    ("gate2_partner_selection", {"gate2_decision": "close"}, {}, True),
    ("gate5_evidence_gate", {"gate5_confirm": True}, {"gate5_recommendation": "stop"}, True),
    ("gate5_evidence_gate", {"gate5_confirm": False, "gate5_decision": "stop"}, {}, True),
    ("gate6_dmbc", {"gate6_decision": "reject"}, {}, True),
    ("gate6_dmbc", {"gate6_decision": "approve"}, {}, False),
])
def test_projects_on_versions_deployed_before_the_marks_are_still_asked(form, data, context, ends):
    assert ends_project(unmarked(six_gates_form(form)), data, context) is ends
