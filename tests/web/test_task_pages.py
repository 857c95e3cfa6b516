"""The task page: a reviewer does assigned work on a form built from the task's JSON Schema."""
import json
import re

import pytest
from werkzeug.datastructures import MultiDict

from demo import seed
from demo.walker import Walker
from engine.store.models import ProcessInstance, Task
from engine.tasks import claims
from tests import authenticator, snapshots
from tests.conftest import add_user, every_row
from web import task_forms

PASSWORD = "correct horse"
MEDTECH, DATAHEALTH = seed.MEDTECH, seed.DATAHEALTH


@pytest.fixture
def walker(db, clock, six_gates):
    def add_people():
        for username, _, roles, org in seed.DEMO_USERS:
            add_user(db, clock, username, *roles, org=org, password=PASSWORD)
    snapshots.once("task_pages people", db, clock, add_people)
    return Walker(db, clock)


@pytest.fixture
def at(walker):
    """at('gate1_prioritisation') -> (instance id, that task's id), the project walked there on the happy path."""
    def walk(bpmn_id, **answers):
        instance_id = walker.start()
        plan = seed.happy_path("Faster lung referrals", "Pathway Delays")
        plan.update(answers)
        walker.walk(instance_id, plan, stop_at=bpmn_id)
        task = next(t for t in walker.open_tasks(instance_id) if t.bpmn_id == bpmn_id)
        return instance_id, task.id
    return walk


def token(page: bytes) -> str:
    return re.search(rb'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', page).group(1).decode()


def signed_in(app, username):
    client = app.test_client()
    page = client.get("/login").data
    response = client.post("/login", data={"username": username, "password": PASSWORD, "csrf_token": token(page)})
    assert authenticator.finish_sign_in(client, username, response, token).status_code == 302
    return client


def post_task(client, task_id, fields, action="submit", **extra):
    page = client.get(f"/tasks/{task_id}").data
    data = MultiDict(fields)
    data.update({"action": action, "csrf_token": token(page), **extra})
    return client.post(f"/tasks/{task_id}", data=data)


def task_row(db, task_id) -> Task:
    with db.reading() as session:
        return session.get(Task, task_id)


def instance_data(db, instance_id) -> dict:
    with db.reading() as session:
        return json.loads(session.get(ProcessInstance, instance_id).data_json)


def text(response) -> str:
    return response.get_data(as_text=True)


# --- the page --------------------------------------------------------------------------

def test_task_page_shows_labelled_fields_and_what_you_need_to_know(app, at):
    _, task_id = at("gate1_prioritisation")
    page = text(signed_in(app, "hana.hub").get(f"/tasks/{task_id}"))
    assert "<h1>Gate 1 – Prioritisation</h1>" in page and "Faster lung referrals" in page
    assert "12 March 2026" in page and "Challenge defined and prioritised (Gate 1)" in page  # the stage in words
    assert '<legend class="nhsuk-fieldset__legend nhsuk-fieldset__legend--s">Decision</legend>' in page
    assert '<label class="nhsuk-label nhsuk-radios__label" for="f-gate1_decision-3">Reject</label>' in page
    assert '<label class="nhsuk-label nhsuk-date-input__label" for="f-review_date-month">Month</label>' in page
    assert '<textarea class="nhsuk-textarea" rows="5" id="f-gate1_reason"' in page
    assert 'id="f-review_date-hint">The challenge comes back for definition' in page
    assert "The challenge as defined and scored" in page and "Challenge area" in page and "Pathway Delays" in page
    assert "Proof of value" in page  # codes read as words
    assert "open a call for partners" in page  # the task's documentation


def test_overdue_tasks_are_marked(app, at, clock):
    _, task_id = at("gate1_prioritisation")
    clock.advance(days=30)
    assert "Overdue" in text(signed_in(app, "hana.hub").get(f"/tasks/{task_id}"))


def test_gate2_shows_the_aggregated_scores_but_a_board_member_scoring_does_not(app, at, walker):
    _, gate2 = at("gate2_partner_selection")
    page = text(signed_in(app, "cara.chair").get(f"/tasks/{gate2}"))
    assert "Board scores" in page and '<th scope="row">DataHealth Analytics plc</th>' in page
    assert ('<input class="nhsuk-checkboxes__input" id="f-selected_partners" name="selected_partners" '
            'type="checkbox"') in page
    scoring_at, _ = at("score_eois")
    scoring = next(t.id for t in walker.open_tasks(scoring_at) if t.assignee == "bea.board")
    page = text(signed_in(app, "bea.board").get(f"/tasks/{scoring}"))
    assert "Expressions of interest" in page and "Board scores" not in page


def test_evidence_gate_shows_the_recommendation_and_the_outcomes_table(app, at):
    _, task_id = at("gate5_evidence_gate")
    page = text(signed_in(app, "eve.evidence").get(f"/tasks/{task_id}"))
    assert "The decision table recommends: Proceed" in page
    assert '<p class="nhsuk-body app-readonly-value" id="f-gate5_recommendation"' in page
    assert 'name="gate5_recommendation"' not in page  # read-only: shown, not an input
    assert '<th class="nhsuk-table__header" scope="col">Success threshold</th>' in page  # the form's own words
    assert "28-day Faster Diagnosis Standard" in page


# --- submitting ------------------------------------------------------------------------

def test_rejecting_without_a_reason_answers_422_with_the_summary_and_keeps_what_was_typed(app, at, db):
    _, task_id = at("gate1_prioritisation")
    client = signed_in(app, "hana.hub")
    response = post_task(client, task_id, {"gate1_decision": "reject", "gate1_comments": "Typed before the error"})
    page = text(response)
    assert response.status_code == 422
    assert "<title>Error: Gate 1" in page and "There is a problem" in page
    assert '<a href="#f-gate1_reason">Enter reason for rejection</a>' in page
    assert ('id="f-gate1_reason-error"><span class="nhsuk-u-visually-hidden">Error: </span>'
            'Enter reason for rejection') in page
    assert ">Typed before the error</textarea>" in page
    assert 'value="reject" checked' in page
    assert task_row(db, task_id).state == "ready"


def test_the_engines_validation_errors_show_next_to_the_fields(app, at):
    _, task_id = at("gate1_prioritisation")
    response = post_task(signed_in(app, "hana.hub"), task_id, {"gate1_decision": "defer"})
    assert response.status_code == 422
    assert '<a href="#f-review_date">Enter review date</a>' in text(response)
    assert 'aria-invalid="true"' in text(response)


def test_approving_moves_the_project_on_and_says_so(app, at, db):
    instance_id, task_id = at("gate1_prioritisation")
    client = signed_in(app, "hana.hub")
    response = post_task(client, task_id, {"gate1_decision": "approve", "gate1_comments": "  Good fit.  "})
    assert response.status_code == 302 and response.location.endswith("/inbox")
    inbox = text(client.get("/inbox"))
    assert "Gate 1 – Prioritisation submitted. The project moves on to: Invite partners" in inbox
    data = instance_data(db, instance_id)
    assert data["gate1_decision"] == "approve" and data["gate1_comments"] == "Good fit."
    again = post_task(client, task_id, {"gate1_decision": "approve"})
    assert again.status_code == 302 and "no longer open" in text(client.get("/inbox"))
    assert "This task is completed by hana.hub" in text(client.get(f"/tasks/{task_id}"))


def test_ending_the_project_asks_for_confirmation_first(app, at, db):
    instance_id, task_id = at("gate1_prioritisation")
    client = signed_in(app, "hana.hub")
    before = every_row(db, skip=("system_chain", "sign_in_sessions"))
    asked = post_task(client, task_id, {"gate1_decision": "reject", "gate1_reason": "National programme covers it"})
    page = text(asked)
    assert asked.status_code == 200 and "This ends the project. Are you sure?" in page
    assert '<input type="hidden" name="gate1_reason" value="National programme covers it">' in page
    assert task_row(db, task_id).state == "ready"
    assert every_row(db, skip=("system_chain", "sign_in_sessions")) == before  # asking changed nothing
    kept = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', page))
    back = client.post(f"/tasks/{task_id}", data={**kept, "action": "back"})
    assert back.status_code == 200 and ">National programme covers it</textarea>" in text(back)
    done = client.post(f"/tasks/{task_id}", data={**kept, "action": "submit"})
    assert done.status_code == 302 and kept["confirm"] == "yes"
    assert task_row(db, task_id).state == "completed"
    assert instance_data(db, instance_id)["gate1_reason"] == "National programme covers it"


# --- drafts ----------------------------------------------------------------------------

def test_a_draft_is_saved_unvalidated_and_shown_again_after_signing_in_again(app, at, db):
    _, task_id = at("gate1_prioritisation")
    client = signed_in(app, "hana.hub")
    saved = post_task(client, task_id, {"gate1_decision": "defer", "gate1_comments": "Half done"}, action="save")
    assert saved.status_code == 302 and saved.location.endswith(f"/tasks/{task_id}")
    page = text(client.get(f"/tasks/{task_id}"))
    assert "Draft saved" in page and "from your saved draft" in page
    assert ">Half done</textarea>" in page and 'value="defer" checked' in page
    client.post("/logout", data={"csrf_token": token(page.encode())})
    page = text(signed_in(app, "hana.hub").get(f"/tasks/{task_id}"))
    assert ">Half done</textarea>" in page and 'value="defer" checked' in page
    assert task_row(db, task_id).state == "ready"


# --- repeating groups ------------------------------------------------------------------

def test_outcome_measures_add_another_row_then_submit(app, at, db):
    instance_id, task_id = at("agree_outcome_measures")
    client = signed_in(app, "cleo.clinical")
    first = {"outcome_measures-0-measure": "28-day Faster Diagnosis Standard", "outcome_measures-0-baseline": "76",
             "outcome_measures-0-threshold": "80", "outcome_measures-0-direction": "higher_is_better",
             "outcome_measures-0-unit": "%"}
    grown = post_task(client, task_id, first, action="add:outcome_measures")
    page = text(grown)
    assert grown.status_code == 200 and "Outcome measure 2" in page and "Add another outcome measure" in page
    assert 'name="outcome_measures-1-baseline"' in page and 'value="76"' in page
    assert re.search(r'<select [^>]*name="outcome_measures-1-measure"[^>]* autofocus', page)
    second = {"outcome_measures-1-measure": "Median time to MDT", "outcome_measures-1-baseline": "21",
              "outcome_measures-1-threshold": "14.5", "outcome_measures-1-direction": "lower_is_better"}
    done = post_task(client, task_id, {**first, **second})
    assert done.status_code == 302
    assert instance_data(db, instance_id)["outcome_measures"] == [
        {"measure": "28-day Faster Diagnosis Standard", "baseline": 76, "threshold": 80,
         "direction": "higher_is_better", "unit": "%"},
        {"measure": "Median time to MDT", "baseline": 21, "threshold": 14.5, "direction": "lower_is_better"}]


def test_a_row_can_be_removed_and_an_unreadable_number_is_kept_with_its_error(app, at):
    _, task_id = at("agree_outcome_measures")
    client = signed_in(app, "cleo.clinical")
    rows = {"outcome_measures-0-measure": "Hand-offs", "outcome_measures-0-baseline": "seventy",
            "outcome_measures-1-measure": "Theatre list fill", "outcome_measures-1-baseline": "60"}
    removed = text(post_task(client, task_id, rows, action="remove:outcome_measures-0"))
    assert 'value="Theatre list fill" selected' in removed and "seventy" not in removed
    response = post_task(client, task_id, rows)
    page = text(response)
    assert response.status_code == 422 and 'value="seventy"' in page
    assert '<a href="#f-outcome_measures-0-baseline">Outcome measure 1: Enter a number</a>' in page
    assert '<a href="#f-outcome_measures-1-threshold">Outcome measure 2: Enter success threshold</a>' in page


def test_board_member_scores_every_eoi_and_must_declare_a_conflict(app, at, db, walker):
    instance_id, _ = at("score_eois")
    tasks_of = {t.assignee: t.id for t in walker.open_tasks(instance_id) if t.bpmn_id == "score_eois"}
    client = signed_in(app, "bill.board")  # works for Medtech
    page = text(client.get(f"/tasks/{tasks_of['bill.board']}"))
    assert "Score for one EoI 2" in page and "Remove score for one EoI 1" in page  # a row per submitted EoI
    scores = {"strategic_fit": "4", "patient_impact": "5", "strength_of_evidence": "3", "deliverability": "4",
              "value_for_money": "3", "equity_of_access": "4"}
    rows = {}
    for i, partner in enumerate([MEDTECH, DATAHEALTH]):
        rows.update({f"scores-{i}-partner": partner, f"scores-{i}-conflict_of_interest": "false"})
        rows.update({f"scores-{i}-{k}": v for k, v in scores.items()})
    refused = post_task(client, tasks_of["bill.board"], rows)
    assert refused.status_code == 422 and f"You belong to {MEDTECH}" in text(refused)
    assert 'href="#f-scores-0-conflict_of_interest"' in text(refused)
    rows = {k: v for k, v in rows.items() if not (k.startswith("scores-0-") and k[9:] in scores)}
    rows.update({"scores-0-conflict_of_interest": "true", "scores-0-conflict_reason": "I work there."})
    assert post_task(client, tasks_of["bill.board"], rows).status_code == 302
    mine = json.loads(task_row(db, tasks_of["bill.board"]).data_json)
    assert mine["scores"][0] == {"partner": MEDTECH, "conflict_of_interest": True, "conflict_reason": "I work there."}
    assert mine["scores"][1]["patient_impact"] == 5


# --- protection, claiming, visibility ---------------------------------------------------

def test_a_post_without_the_csrf_token_is_refused(app, at, db):
    _, task_id = at("gate1_prioritisation")
    client = signed_in(app, "hana.hub")
    response = client.post(f"/tasks/{task_id}", data={"gate1_decision": "approve", "action": "submit"})
    assert response.status_code == 400 and task_row(db, task_id).state == "ready"
    assert client.post(f"/tasks/{task_id}/claim").status_code == 400


def test_task_pages_need_sign_in(app, at):
    _, task_id = at("gate1_prioritisation")
    response = app.test_client().get(f"/tasks/{task_id}")
    assert response.status_code == 302 and "/login" in response.location


def test_claim_then_release(app, at, db):
    _, task_id = at("gate1_prioritisation")
    client = signed_in(app, "hana.hub")
    csrf = token(client.get(f"/tasks/{task_id}").data)
    claimed = client.post(f"/tasks/{task_id}/claim", data={"csrf_token": csrf, "next": "https://evil.example/"})
    assert claimed.status_code == 302 and claimed.location.endswith(f"/tasks/{task_id}")
    assert task_row(db, task_id).claimed_by == "hana.hub"
    page = text(client.get(f"/tasks/{task_id}"))
    assert re.search(r"Claimed by</dt>\s*<dd[^>]*>You</dd>", page) and "Release this task" in page
    other = signed_in(app, "hugo.hub")
    held = text(other.get(f"/tasks/{task_id}"))
    assert "You cannot do this task now: This task is claimed by someone else" in held
    # the facts name who holds it (this test's people have their usernames as display names)
    assert re.search(r"Claimed by</dt>\s*<dd[^>]*>hana.hub</dd>", held)
    released = client.post(f"/tasks/{task_id}/release", data={"csrf_token": csrf, "next": "/inbox"})
    assert released.status_code == 302 and released.location.endswith("/inbox")
    assert task_row(db, task_id).claimed_by is None


def test_an_industry_partner_cannot_open_another_partners_eoi(app, at, db, walker):
    instance_id, _ = at("submit_eoi")
    eois = {t.organisations: t.id for t in walker.open_tasks(instance_id) if t.bpmn_id == "submit_eoi"}
    medtech_task = eois[f"|{MEDTECH}|"]
    assert signed_in(app, "ivy.medtech").get(f"/tasks/{medtech_task}").status_code == 200
    assert signed_in(app, "ian.datahealth").get(f"/tasks/{medtech_task}").status_code == 404


# --- the rule and the conversions, without the app ---------------------------------------

SCHEMA = {
    "type": "object",
    "required": ["name", "agree"],
    "properties": {
        "name": {"type": "string", "title": "Name", "maxLength": 50},
        "notes": {"type": "string", "maxLength": 5000},
        "count": {"type": "integer", "minimum": 1, "maximum": 5},
        "amount": {"type": "number", "minimum": 0},
        "when": {"type": "string", "format": "date"},
        "kind": {"type": "string", "enum": ["a_b", "c"]},
        "many": {"type": "string", "enum": list("abcdef")},
        "tags": {"type": "array", "uniqueItems": True, "items": {"type": "string", "enum": ["x", "y", "z"]}},
        "sites": {"type": "array", "items": {"type": "string"}},
        "agree": {"type": "boolean"},
        "optin": {"type": "boolean"},
        "shown": {"type": "string", "readOnly": True, "enum": ["go", "stop"]},
        "rows": {"type": "array", "minItems": 1, "items": {"type": "object", "title": "Row", "properties": {
            "label": {"type": "string"}, "value": {"type": "number"}}, "required": ["label"]}},
    },
}


def test_widgets_follow_the_schema():
    fields = {f.name: f for f in task_forms.build_fields(SCHEMA, {"ui:order": ["notes"]}, context={"shown": "go"})}
    assert list(fields)[0] == "notes"
    widgets = {name: f.widget for name, f in fields.items()}
    assert widgets == {"notes": "textarea", "name": "text", "count": "scale", "amount": "number", "when": "date",
                       "kind": "radios", "many": "select", "tags": "checkboxes", "sites": "lines", "agree": "yesno",
                       "optin": "checkbox", "shown": "readonly", "rows": "group"}
    assert fields["count"].attrs == {"inputmode": "numeric", "min": 1, "max": 5}
    assert fields["amount"].attrs["inputmode"] == "decimal"
    assert fields["name"].attrs == {"maxlength": 50} and fields["name"].required
    assert [o.label for o in fields["kind"].options] == ["A b", "C"] and fields["shown"].shown == "Go"
    assert len(fields["rows"].rows) == 1 and fields["rows"].rows[0][0].name == "rows-0-label"


def test_a_textarea_ui_widget_and_added_rows():
    schema = {"type": "object", "properties": {"short": {"type": "string", "maxLength": 20}}}
    assert task_forms.build_fields(schema, {"short": {"ui:widget": "textarea"}})[0].widget == "textarea"
    rows = task_forms.build_fields(SCHEMA, values={"rows": [{"label": "one"}]}, add_row="rows")[-1].rows
    assert len(rows) == 2 and rows[0][0].value == "one" and rows[1][0].focus


def test_posted_fields_become_json():
    form = MultiDict([("name", "  Ada "), ("notes", ""), ("count", "3"), ("amount", "£1,250.50"), ("kind", "a_b"),
                      ("tags", "x"), ("tags", "z"), ("sites", "Leicester\r\n\r\nNottingham\nLeicester"),
                      ("agree", "false"), ("optin", "true"), ("shown", "stop"),
                      ("rows-0-label", ""), ("rows-0-value", ""), ("rows-3-label", "kept"), ("rows-3-value", "2")])
    data, errors = task_forms.read_form(SCHEMA, form)
    assert errors == {}
    assert data == {"name": "Ada", "count": 3, "amount": 1250.5, "kind": "a_b", "tags": ["x", "z"],
                    "sites": ["Leicester", "Nottingham"], "agree": False, "optin": True,
                    "rows": [{"label": "kept", "value": 2}]}


def test_unreadable_numbers_keep_their_text_and_say_what_to_do():
    form = MultiDict([("count", "2.5"), ("amount", "lots"), ("rows-0-label", ""), ("rows-1-label", "b"),
                      ("rows-1-value", "nan")])
    data, errors = task_forms.read_form(SCHEMA, form)
    assert data == {"count": "2.5", "amount": "lots", "rows": [{"label": "b", "value": "nan"}]}
    assert errors == {"count": "Enter a whole number", "amount": "Enter a number", "rows.0.value": "Enter a number"}


def test_engine_errors_read_as_instructions_and_the_summary_links_to_fields():
    errors = {"name": task_forms.REQUIRED, "agree": task_forms.REQUIRED, "count": "9 is greater than the maximum of 5",
              "when": "'x' is not a 'date'", "rows": "[] should be non-empty", "rows.0.label": task_forms.REQUIRED,
              "rows.0": "odd", "_form": "Something else"}
    fields = task_forms.build_fields(SCHEMA, values={"rows": [{}]}, errors=errors)
    summary = task_forms.error_summary(fields, errors)
    assert summary == [("Enter name", "#f-name"), ("Count must be between 1 and 5", "#f-count"),
                       ("Enter a real date", "#f-when"), ("Select yes or no", "#f-agree"),
                       ("Add at least one row", "#f-rows"), ("Row 1: Enter label", "#f-rows-0-label"),
                       ("odd", "#f-rows"), ("Something else", None)]


def test_removing_a_row_drops_only_its_fields():
    form = MultiDict([("rows-0-label", "a"), ("rows-1-label", "b"), ("rows-10-label", "c")])
    assert list(task_forms.without_row(form, "rows-1").keys()) == ["rows-0-label", "rows-10-label"]


def test_a_draft_is_its_authors_alone(db, clock, six_gates):
    """Saving a draft claims the task: another person with the role neither sees nor overwrites it."""
    from demo.walker import Walker
    from engine.identity import accounts
    from engine.tasks import queries
    add_user(db, clock, "sam.sponsor", "sponsor")
    add_user(db, clock, "hana.hub", "hub_team")
    add_user(db, clock, "harry.hub", "hub_team")
    walker = Walker(db, clock)
    project = walker.start()
    walker.walk(project, {}, stop_at="define_challenge")
    [task] = walker.open_tasks(project)
    db.writing(lambda s: claims.save_draft(s, user=accounts.require_user(s, "hana.hub"), task_id=task.id,
                                          data={"scope": "Two trusts"}, clock=clock))
    with db.reading() as s:
        mine = queries.get_task(s, user=accounts.require_user(s, "hana.hub"), task_id=task.id)
        theirs = queries.get_task(s, user=accounts.require_user(s, "harry.hub"), task_id=task.id)
    assert mine.task.claimed_by == "hana.hub" and mine.draft == {"scope": "Two trusts"}
    assert theirs.draft is None
