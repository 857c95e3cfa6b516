"""Over the REST API: a settled task answers 409 to every action, and a refused rule answers 422
with the form's own message; the record still verifies afterwards."""
import pytest

from engine import demo
from tests.api.test_six_gates_api import do, to_scoring


@pytest.fixture
def team(api_as, six_gates):
    """One API client per demo user."""
    return {username: api_as(username, *roles, org=org) for username, _, roles, org in demo.DEMO_USERS}


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
