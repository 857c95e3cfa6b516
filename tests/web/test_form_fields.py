"""Task form fields as NHS.UK form controls, in the forms' own words: dates in three boxes, scores as radios,
money with a £, a field shown only under the choice it belongs to."""
import json
import re
from pathlib import Path

import pytest
from flask import render_template_string
from werkzeug.datastructures import MultiDict

from engine.repository.forms import fill_options, form_fields
from tests.web.test_task_pages import at, instance_data, post_task, signed_in, text, walker  # noqa: F401
from web import form_words, task_forms
from web.form_words import CODE, FormWords, given_label

FORMS = sorted(Path(__file__).parents[2].joinpath("forms").glob("*.schema.json"))
DRAW = '{% import "tasks/_fields.html" as ui with context %}{% for f in fields %}{{ ui.field(f) }}{% endfor %}'


def load(name: str) -> dict:
    return json.loads(Path(__file__).parents[2].joinpath("forms", f"{name}.schema.json").read_text())


def draw(app, fields) -> str:
    with app.test_request_context():
        return render_template_string(DRAW, fields=fields, humanise=task_forms.humanise, columns=task_forms.columns)


def declared(schema: dict, where: str):
    """(where, key, declaration) for every field the object declares, in branches and rows too."""
    for key, sub in form_fields(schema).items():
        yield f"{where}.{key}", sub
        items = sub.get("items") if isinstance(sub.get("items"), dict) else {}
        if items.get("type") == "object":
            yield from declared(items, f"{where}.{key}")


@pytest.mark.parametrize("path", FORMS, ids=lambda p: p.name.split(".")[0])
def test_every_field_of_the_six_gates_forms_has_a_title_and_every_code_a_label(path):
    for where, sub in declared(json.loads(path.read_text()), path.name):
        assert sub.get("title"), f"{where} has no title"
        offered = sub.get("items", {}) if sub.get("type") == "array" else sub
        for value in offered.get("enum", []):
            assert given_label(offered, value) or not CODE.fullmatch(str(value)), f"{where}: {value!r} has no label"


@pytest.mark.parametrize("path", FORMS, ids=lambda p: p.name.split(".")[0])
def test_the_six_gates_forms_never_need_a_generated_label(app, path, monkeypatch):
    def generated(value):
        raise AssertionError(f"a label was generated for {value!r}")
    monkeypatch.setattr(form_words, "humanise", generated)
    monkeypatch.setattr(task_forms, "humanise", generated)
    schema = fill_options(json.loads(path.read_text()), data={"submitted_partners": ["Medtech Ltd", "DataHealth plc"]},
                          directory=lambda source: ["Alpha Health Ltd"])
    facts = {"pathway": "proof_of_value", "total_budget": 100000, "gate5_recommendation": "extend",
             "dpia_in_place": True, "members_not_scored": []}
    page = draw(app, task_forms.build_fields(schema, context=facts))
    words = re.sub(r"<[^>]+>", " ", page)
    assert not re.search(r"\b[a-z0-9]+_[a-z0-9_]+\b", words), "a key or code shows on the page"


def test_a_date_is_three_boxes_read_into_an_iso_date():
    schema = load("gate1_prioritisation")
    posted = MultiDict({"gate1_decision": "defer", "review_date-day": "5", "review_date-month": "3",
                        "review_date-year": "2027"})
    assert task_forms.read_form(schema, posted) == ({"gate1_decision": "defer", "review_date": "2027-03-05"}, {})
    field = next(f for f in task_forms.all_fields(task_forms.build_fields(schema, values={"review_date": "2027-03-05"}))
                 if f.name == "review_date")
    assert field.widget == "date" and field.parts == {"day": "5", "month": "3", "year": "2027"}
    assert field.shown == "5 March 2027"


@pytest.mark.parametrize("day, month, year, message, first_wrong", [
    ("5", "3", "", "Review date must include a year", "#f-review_date-year"),
    ("", "", "2027", "Review date must include a day and month", "#f-review_date"),
    ("31", "2", "2027", "Enter a real date", "#f-review_date"),
    ("5", "March", "2027", "Enter a real date", "#f-review_date"),
    ("5", "3", "27", "Year must include 4 numbers", "#f-review_date-year"),
])
def test_a_date_not_whole_or_not_real_says_so_in_words_and_keeps_what_was_typed(app, day, month, year, message,
                                                                               first_wrong):
    schema = load("gate1_prioritisation")
    posted = MultiDict({"gate1_decision": "defer", "review_date-day": day, "review_date-month": month,
                        "review_date-year": year})
    data, errors = task_forms.read_form(schema, posted)
    fields = task_forms.build_fields(schema, values=data, errors=errors)
    assert task_forms.error_summary(fields, errors) == [(message, first_wrong)]
    page = draw(app, fields)
    for part, typed in (("day", day), ("month", month), ("year", year)):
        assert re.search(rf'name="review_date-{part}" type="text" inputmode="numeric" value="{typed}"', page)
    assert f'<span class="nhsuk-u-visually-hidden">Error: </span>{message}' in page


def test_a_small_scale_is_a_row_of_radios_with_the_schemas_labels(app):
    schema = load("score_eois")["properties"]["scores"]["items"]
    fields = task_forms.build_fields(schema, values={"conflict_of_interest": False, "strategic_fit": 4})
    score = next(f for f in task_forms.all_fields(fields) if f.name == "strategic_fit")
    assert score.widget == "scale" and not score.inline
    assert [o.label for o in score.options] == ["1 – Poor", "2", "3", "4", "5 – Excellent"]
    page = draw(app, fields)
    assert '<label class="nhsuk-label nhsuk-radios__label" for="f-strategic_fit">1 – Poor</label>' in page
    bare = task_forms.build_fields({"type": "object", "properties": {"n": {"type": "integer", "minimum": 0,
                                                                            "maximum": 10, "title": "N"}}})[0]
    assert bare.widget == "scale" and bare.inline and [o.label for o in bare.options][-1] == "10"
    assert '<div class="nhsuk-radios nhsuk-radios--inline">' in draw(app, [bare])
    assert 'id="f-strategic_fit-4" name="strategic_fit" type="radio" value="4" checked' in page
    assert task_forms.read_form(schema, MultiDict({"strategic_fit": "4"}))[0] == {"strategic_fit": 4}


def test_money_has_a_pound_sign_before_a_narrow_box(app):
    fields = task_forms.build_fields(load("gate4_mobilisation_approval"), context={"total_budget": 170000})
    page = draw(app, fields)
    assert re.search(r'<div class="nhsuk-input-wrapper__prefix" aria-hidden="true">£</div>\s*'
                     r'<input class="nhsuk-input nhsuk-input--width-10"[^>]*name="budget_committed"', page)
    assert '<p class="nhsuk-body app-readonly-value" id="f-total_budget">£170,000</p>' in page


def test_a_field_is_revealed_only_under_the_choice_it_belongs_to(app):
    fields = task_forms.build_fields(load("gate1_prioritisation"), values={"gate1_decision": "reject"})
    assert [f.name for f in fields] == ["gate1_decision", "gate1_comments"]
    page = draw(app, fields)
    assert 'value="defer" data-app-reveals="f-gate1_decision-2-conditional"' in page
    hidden = re.search(r'<div class="nhsuk-radios__conditional( nhsuk-radios__conditional--hidden)?" '
                       r'id="f-gate1_decision-2-conditional">(.*?)</fieldset>', page, flags=re.S)
    assert hidden.group(1) and 'name="review_date-day"' in hidden.group(2)  # not chosen: hidden
    shown = re.search(r'<div class="nhsuk-radios__conditional" id="f-gate1_decision-3-conditional">', page)
    assert shown and page.index('id="f-gate1_reason"') > shown.end()  # chosen: shown
    scores = task_forms.build_fields(load("score_eois")["properties"]["scores"]["items"])
    assert {f.name for f in scores[1].reveals["false"]} >= {"strategic_fit", "equity_of_access"}
    assert [f.name for f in scores[1].reveals["true"]] == ["conflict_reason"]


def test_an_answer_under_a_choice_not_taken_is_neither_required_nor_kept(app, at, db):  # noqa: F811
    instance_id, task_id = at("gate1_prioritisation")
    client = signed_in(app, "hana.hub")
    response = post_task(client, task_id, {"gate1_decision": "approve", "review_date-day": "1",
                                           "review_date-month": "1", "review_date-year": "2020"})
    assert response.status_code == 302
    assert instance_data(db, instance_id).get("review_date") is None


def test_a_deferral_without_a_whole_date_is_refused_with_a_link_to_the_box_to_correct(app, at):  # noqa: F811
    _, task_id = at("gate1_prioritisation")
    response = post_task(signed_in(app, "hana.hub"), task_id, {"gate1_decision": "defer", "review_date-day": "5",
                                                               "review_date-month": "3"})
    page = text(response)
    assert response.status_code == 422
    assert '<a href="#f-review_date-year">Review date must include a year</a>' in page
    assert 'name="review_date-day" type="text" inputmode="numeric" value="5"' in page


def test_optional_fields_say_so_and_required_ones_do_not(app):
    page = draw(app, task_forms.build_fields(load("gate1_prioritisation")))
    assert ">Comments (optional)</label>" in page
    assert "Decision (optional)" not in page and "Review date (optional)" not in page  # asked for when deferring


def test_project_data_reads_with_its_forms_labels():
    words = FormWords([load("define_challenge"), load("prepare_mobilisation"), load("submit_kpi_return")])
    assert words.label("nhs_contribution") == "NHS contribution (GBP)"
    assert words.value("pathway", "proof_of_value") == "Proof of value (pilot first)"
    assert words.value("joint_working_agreement", True) == "Yes" and words.label("title") == "Milestone"
    assert words.value("due_date", "2027-03-05") == "5 March 2027" and words.value("total_budget", 12500) == "£12,500"
    assert words.value("status", "on_track") == "On track"  # the KPI return's status, kept under a key of its own
    assert words.value("solution", "ChestView") == "ChestView"


def test_board_members_are_offered_by_name_and_chosen_by_username(app):
    people = {"users:board_member": [("bea.board", "Bea Williams")], "organisations": ["Medtech Ltd"]}
    schema = fill_options(load("invite_partners"), data={}, directory=people.__getitem__)
    field = next(f for f in task_forms.build_fields(schema) if f.name == "board_members")
    assert [(o.value, o.label) for o in field.options] == [("bea.board", "Bea Williams")]
    page = draw(app, [field])
    assert 'value="bea.board">' in page and ">Bea Williams</label>" in page and ">bea.board<" not in page
    chosen = task_forms.read_form(schema, MultiDict({"board_members": "bea.board"}))[0]
    assert chosen == {"board_members": ["bea.board"]}


def test_a_choice_may_be_titled_the_json_schema_way_too():
    schema = {"type": "object", "properties": {"kind": {"title": "Kind", "oneOf": [
        {"const": "proof_of_value", "title": "Test a new idea"}, {"const": "scale_proven", "title": "Scale it"}]}}}
    [field] = task_forms.build_fields(schema, values={"kind": "scale_proven"})
    assert field.widget == "radios" and [o.label for o in field.options] == ["Test a new idea", "Scale it"]
    assert field.shown == "Scale it"
    assert task_forms.read_form(schema, MultiDict({"kind": "proof_of_value"}))[0] == {"kind": "proof_of_value"}


def test_a_half_typed_date_is_kept_in_the_draft(app, at):  # noqa: F811
    _, task_id = at("gate1_prioritisation")
    client = signed_in(app, "hana.hub")
    saved = post_task(client, task_id, {"gate1_decision": "defer", "review_date-day": "5"}, action="save")
    assert saved.status_code == 302
    page = text(client.get(f"/tasks/{task_id}"))
    assert 'name="review_date-day" type="text" inputmode="numeric" value="5"' in page
    assert 'name="review_date-year" type="text" inputmode="numeric" value=""' in page
