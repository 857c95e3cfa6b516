"""Over the REST API: a settled task answers 409 to every action, and a refused rule answers 422
with the form's own message; the record still verifies afterwards."""
import io
import json

import pytest

from demo import seed
from engine.identity import tokens
from engine.repository import deployments
from tests.api.test_six_gates_api import do, to_scoring
from tests.conftest import FIXTURES, Api


@pytest.fixture
def team(api_as, six_gates):
    """One API client per demo user."""
    return {username: api_as(username, *roles, org=org) for username, _, roles, org in seed.DEMO_USERS}


def test_release_claim_and_draft_of_a_completed_task_are_409_and_the_record_still_verifies(team):
    project = to_scoring(team)
    hub, auditor = team["hana.hub"], team["aud.auditor"]
    [invite] = [e for e in auditor.get(f"/instances/{project}/events").json["events"]
                if e["kind"] == "task_completed" and e["task"] == "invite_partners"]
    task_id = invite["task_id"]
    for answer in (hub.post(f"/tasks/{task_id}/release"), hub.post(f"/tasks/{task_id}/claim"),
                   hub.client.put(f"/api/v1/tasks/{task_id}/draft", json={"data": {"call_brief": "x"}},
                                  headers=hub.headers)):
        assert answer.status_code == 409 and answer.json["error"]["code"] == "conflict", answer.json
    events = auditor.get(f"/instances/{project}/events").json["events"]
    assert events[-1]["kind"] != "task_released" and "task_released" not in [e["kind"] for e in events]
    assert auditor.get("/audit/verify").json["ok"] is True


def test_a_call_closing_in_the_past_is_422_with_the_reason(team):
    sponsor, hub = team["sam.sponsor"], team["hana.hub"]
    sponsor.post("/instances", json={"process": "six_gates"})
    do(sponsor, "propose_challenge", {"title": "Faster lung cancer referrals"})
    do(hub, "define_challenge", {"pathway": "proof_of_value"})
    do(hub, "gate1_prioritisation", {"gate1_decision": "approve"})
    answer = do(hub, "invite_partners", {"invited_partners": ["Medtech Innovations Ltd"],
                                         "board_members": ["bea.board"], "call_closes_at": "2026-03-01"}, expect=422)
    assert answer["error"]["fields"] == {
        "call_closes_at": "The call closing date must be today or later (2026-03-02 or after)."}
    assert [t["name"] for t in hub.tasks()] == ["invite_partners"]


def test_a_deferral_to_today_is_422_as_its_review_would_be_past_already(team):
    sponsor, hub = team["sam.sponsor"], team["hana.hub"]
    sponsor.post("/instances", json={"process": "six_gates"})
    do(sponsor, "propose_challenge", {"title": "Faster lung cancer referrals"})
    do(hub, "define_challenge", {"pathway": "proof_of_value"})
    answer = do(hub, "gate1_prioritisation", {"gate1_decision": "defer", "review_date": "2026-03-02"}, expect=422)
    assert answer["error"]["fields"] == {"review_date": "The review date must be after today (2026-03-03 or after)."}
    assert [t["name"] for t in hub.tasks()] == ["gate1_prioritisation"]


def test_an_unknown_key_in_a_score_row_is_422_at_the_rows_path(team):
    to_scoring(team)
    do(team["ivy.medtech"], "submit_eoi", {"solution_name": "LungPath"})
    do(team["ian.datahealth"], "submit_eoi", {"solution_name": "ReferralAI"})
    board = team["bea.board"]
    [task] = [t for t in board.tasks() if t["name"] == "score_eois"]
    row = {"partner": seed.MEDTECH, "conflict_of_interest": False, "strategic_fit": 3, "patient_impact": 3,
           "strength_of_evidence": 3, "deliverability": 3, "value_for_money": 3, "equity_of_access": 3}
    answer = board.complete(task["id"], {"scores": [{**row, "extra": "x"}]})
    assert answer.status_code == 422, answer.json
    assert answer.json["error"]["fields"] == {"scores.0.extra": "This form has no such field."}
    assert task["id"] in [t["id"] for t in board.tasks()]


def api_for(app, db, clock, username):
    """An API client for a user the `people` fixture made."""
    token = db.writing(lambda s: tokens.create_token(s, username=username, actor="test", clock=clock))
    return Api(app, token)


def open_task_named(client, name):
    return next(t for t in client.tasks() if t["name"] == name)


def complete_raw(client, task_id, body: str):
    """A body written by hand: JSON numbers of any length, as a client may send them."""
    return client.client.post(f"/api/v1/tasks/{task_id}/complete", data=body, content_type="application/json",
                              headers=client.headers)


def test_a_400_digit_budget_is_422_on_its_field_not_404(app, db, clock, people):
    project = people.start()
    people.walk(project, seed.happy_path("Huge budget", "Pathway Delays"), stop_at="prepare_mobilisation")
    hub = api_for(app, db, clock, "hana.hub")
    task = open_task_named(hub, "prepare_mobilisation")
    huge = "1" + "0" * 400
    body = ('{"data": {"resourcing": "r", "project_plan": "p", "governance": "g", "roles_and_responsibilities": "x", '
            f'"nhs_contribution": {huge}, "industry_contribution": 1, "total_budget": 1, '
            '"milestones": [{"title": "m", "due_date": "2026-12-01"}], "dpia_in_place": true, "dsa_signed": true, '
            '"joint_working_agreement": false}}')
    answer = complete_raw(hub, task["id"], body)
    assert answer.status_code == 422, answer.json
    assert answer.json["error"]["fields"] == {
        "nhs_contribution": "The NHS contribution (GBP) cannot be more than 1,000,000,000."}


def test_a_kpi_interval_past_the_calendar_is_422_on_its_field_not_404(app, db, clock, people):
    project = people.start()
    people.walk(project, seed.happy_path("Long wait", "Pathway Delays"), stop_at="execute_procurement")
    procurement = api_for(app, db, clock, "pat.procurement")
    task = open_task_named(procurement, "execute_procurement")
    answers = {"supplier_name": "S", "award_reference": "R", "award_date": "2026-03-01", "contract_value": 1,
               "rollout_sites": ["Leicester"], "tracking_periods": 12, "kpi_interval": "P10000Y"}
    answer = procurement.complete(task["id"], answers)
    assert answer.status_code == 422, answer.json
    assert answer.json["error"]["fields"] == {
        "kpi_interval": "The interval between KPI returns cannot be longer than 1 year (P1Y)."}


def with_timer(bpmn: bytes) -> bytes:
    """The minimal diagram with a wait between the question and the gateway, as long as the answer `wait` says."""
    text = bpmn.decode()
    text = text.replace('xmlns:bpmn=', 'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:bpmn=', 1)
    text = text.replace('<bpmn:flowNodeRef>decide</bpmn:flowNodeRef>',
                        '<bpmn:flowNodeRef>decide</bpmn:flowNodeRef><bpmn:flowNodeRef>wait</bpmn:flowNodeRef>')
    text = text.replace('<bpmn:sequenceFlow id="f2" sourceRef="ask" targetRef="decide" />',
                        '<bpmn:sequenceFlow id="f2" sourceRef="ask" targetRef="wait" />'
                        '<bpmn:sequenceFlow id="f2b" sourceRef="wait" targetRef="decide" />')
    text = text.replace('<bpmn:incoming>f2</bpmn:incoming><bpmn:outgoing>f3</bpmn:outgoing>',
                        '<bpmn:incoming>f2b</bpmn:incoming><bpmn:outgoing>f3</bpmn:outgoing>')
    text = text.replace('<bpmn:exclusiveGateway id="decide"',
                        '<bpmn:intermediateCatchEvent id="wait" name="Wait"><bpmn:incoming>f2</bpmn:incoming>'
                        '<bpmn:outgoing>f2b</bpmn:outgoing><bpmn:timerEventDefinition id="wait_timer">'
                        '<bpmn:timeDuration xsi:type="bpmn:tFormalExpression">wait</bpmn:timeDuration>'
                        '</bpmn:timerEventDefinition></bpmn:intermediateCatchEvent><bpmn:exclusiveGateway id="decide"')
    return text.encode()


def test_a_number_too_large_outside_an_id_is_400_never_nothing_with_that_number(api_as, db, clock):
    """A process owner's own form that does not bound a duration its timer reads: the timer's date overflows."""
    form = json.loads((FIXTURES / "ask.schema.json").read_text())
    form["properties"]["wait"] = {"type": "string", "title": "Wait", "pattern": "^P[0-9]+D$"}
    db.writing(lambda s: deployments.deploy_process(
        s, bpmn=with_timer((FIXTURES / "minimal.bpmn").read_bytes()), dmn={},
        forms={"ask.schema.json": json.dumps(form).encode()}, actor="test", clock=clock))
    sponsor = api_as("sam", "sponsor")
    project = sponsor.post("/instances", json={"process": "minimal"}).json["id"]
    [task] = sponsor.tasks()
    answer = sponsor.complete(task["id"], {"number": 5, "wait": "P99999999D"})
    assert answer.status_code == 400, answer.json
    assert answer.json["error"]["code"] == "bad_request" and "too large" in answer.json["error"]["message"]
    assert [t["id"] for t in sponsor.tasks()] == [task["id"]]  # nothing changed
    assert sponsor.complete(task["id"], {"number": 5, "wait": "P2D"}).status_code == 200
    assert sponsor.get(f"/instances/{project}").status_code == 200


def test_a_form_whose_reference_names_nothing_is_refused_at_deployment_naming_it(api_as):
    owner = api_as("otto", "process_owner")
    form = json.loads((FIXTURES / "ask.schema.json").read_text())
    form["properties"]["note"] = {"$ref": "#/$defs/missing"}
    files = {"bpmn": (io.BytesIO((FIXTURES / "minimal.bpmn").read_bytes()), "minimal.bpmn"),
             "forms": [(io.BytesIO(json.dumps(form).encode()), "ask.schema.json")]}
    refused = owner.client.post("/api/v1/processes", data=files, headers=owner.headers,
                                content_type="multipart/form-data")
    assert refused.status_code == 422 and refused.json["error"]["code"] == "diagram_rejected"
    assert any("'#/$defs/missing'" in p and "ask.schema.json" in p for p in refused.json["error"]["problems"])
    assert owner.get("/processes").json["processes"] == []
