"""The six-gates procedure over the REST API: people in their roles, in parallel where real."""
import threading

import pytest

from demo import seed
from demo.answers import sample_answers


@pytest.fixture
def team(api_as, six_gates):
    """One API client per demo user."""
    return {username: api_as(username, *roles, org=org) for username, _, roles, org in seed.DEMO_USERS}


def do(client, name, overrides=None, *, expect=200):
    """Complete the caller's open task called `name` with sample answers from its served form."""
    [task] = [t for t in client.tasks() if t["name"] == name][:1]
    form = client.get(f"/tasks/{task['id']}").json["form"]
    response = client.complete(task["id"], sample_answers(form, overrides))
    assert response.status_code == expect, response.json
    return response.json


def to_scoring(team):
    sponsor = team["sam.sponsor"]
    project = sponsor.post("/instances", json={"process": "six_gates"}).json["id"]
    do(sponsor, "propose_challenge", {"title": "Faster lung cancer referrals"})
    do(team["hana.hub"], "define_challenge", {"pathway": "proof_of_value"})
    do(team["hana.hub"], "gate1_prioritisation", {"gate1_decision": "approve"})
    do(team["hana.hub"], "invite_partners", {"invited_partners": [seed.MEDTECH, seed.DATAHEALTH],
                                             "board_members": ["bea.board", "ben.board", "bill.board"],
                                             "call_closes_at": "2026-03-31"})
    return project


def test_each_partner_sees_only_its_own_eoi_task(team):
    project = to_scoring(team)
    ivy, ian = team["ivy.medtech"], team["ian.datahealth"]
    [ivy_task], [ian_task] = ivy.tasks(), ian.tasks()
    assert ivy_task["name"] == ian_task["name"] == "submit_eoi" and ivy_task["id"] != ian_task["id"]
    assert ian.get(f"/tasks/{ivy_task['id']}").status_code == 404
    assert ian.complete(ivy_task["id"], {"solution_name": "x"}).status_code == 404
    do(ivy, "submit_eoi", {"solution_name": "LungPath"})
    eois = ian.get(f"/instances/{project}").json["data"].get("eois", [])
    assert all(e["partner"] == seed.DATAHEALTH for e in eois)


def test_three_board_members_scoring_at_once_all_succeed(team):
    project = to_scoring(team)
    do(team["ivy.medtech"], "submit_eoi")
    do(team["ian.datahealth"], "submit_eoi")
    members = ["bea.board", "ben.board", "bill.board"]
    prepared = {}
    for username in members:
        client = team[username]
        [task] = client.tasks()
        form = client.get(f"/tasks/{task['id']}").json["form"]
        scores = [{"partner": p, "conflict_of_interest": p == seed.MEDTECH and username == "bill.board",
                   "strategic_fit": 4, "patient_impact": 4, "strength_of_evidence": 4, "deliverability": 4,
                   "value_for_money": 4, "equity_of_access": 4}
                  for p in form["properties"]["scores"]["items"]["properties"]["partner"]["enum"]]
        for row in scores:
            if row["conflict_of_interest"]:
                row.update(conflict_reason="Employee of this organisation")
                for key in ("strategic_fit", "patient_impact", "strength_of_evidence", "deliverability",
                            "value_for_money", "equity_of_access"):
                    row.pop(key)
        prepared[username] = (task["id"], {"scores": scores})
    barrier, statuses = threading.Barrier(len(members)), {}

    def score(username):
        task_id, data = prepared[username]
        barrier.wait()
        statuses[username] = team[username].complete(task_id, data).status_code

    threads = [threading.Thread(target=score, args=(u,)) for u in members]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert statuses == {u: 200 for u in members}
    chair_tasks = team["cara.chair"].tasks()
    assert [t["name"] for t in chair_tasks] == ["gate2_partner_selection"]
    detail = team["cara.chair"].get(f"/tasks/{chair_tasks[0]['id']}").json
    aggregated = detail["context"]["aggregated_scores"]
    assert aggregated[seed.MEDTECH]["scorers"] == 2 and aggregated[seed.DATAHEALTH]["scorers"] == 3
    assert team["cara.chair"].get(f"/instances/{project}").json["stage"] == "match"


def test_invalid_gate_decision_is_422_and_the_gate_stays_open(team):
    to_scoring(team)
    hub = team["hana.hub"]
    assert hub.tasks() == []
    sponsor = team["sam.sponsor"]
    sponsor.post("/instances", json={"process": "six_gates"})
    do(sponsor, "propose_challenge")
    do(hub, "define_challenge")
    [gate1] = hub.tasks()
    response = hub.complete(gate1["id"], {"gate1_decision": "reject"})
    assert response.status_code == 422 and "gate1_reason" in response.json["error"]["fields"]
    response = hub.complete(gate1["id"], {"gate1_decision": "maybe"})
    assert response.json["error"]["fields"]["gate1_decision"] == "Choose one of the options offered."
    assert [t["id"] for t in hub.tasks()] == [gate1["id"]]


def test_a_project_goes_through_every_gate_over_the_api(team, db, clock):
    from engine.runtime.timers import fire_due
    project = to_scoring(team)
    do(team["ivy.medtech"], "submit_eoi", {"solution_name": "LungPath"})
    do(team["ian.datahealth"], "submit_eoi", {"solution_name": "ReferralAI"})
    for member in ("bea.board", "ben.board"):
        do(team[member], "score_eois", {"scores": [
            {"partner": p, "conflict_of_interest": False, "strategic_fit": 4, "patient_impact": 4,
             "strength_of_evidence": 4, "deliverability": 4, "value_for_money": 4, "equity_of_access": 4}
            for p in (seed.MEDTECH, seed.DATAHEALTH)]})
    do(team["bill.board"], "score_eois", {"scores": [
        {"partner": seed.MEDTECH, "conflict_of_interest": True, "conflict_reason": "Employee"}]})
    do(team["cara.chair"], "gate2_partner_selection", {"gate2_decision": "select", "selected_partners": [seed.MEDTECH]})
    assert team["ian.datahealth"].tasks() == []  # only the selected partner co-designs
    do(team["ivy.medtech"], "draft_specification")
    do(team["cleo.clinical"], "agree_outcome_measures", seed.happy_path("", "")["agree_outcome_measures"])
    do(team["hana.hub"], "gate3_hub_signoff", {"gate3_hub_decision": "approve"})
    do(team["cleo.clinical"], "gate3_clinical_signoff", {"gate3_clinical_decision": "approve"})
    do(team["hugo.hub"], "prepare_mobilisation")  # hugo also holds finance_approver
    [gate4] = team["fran.finance"].tasks()
    refused = team["hugo.hub"].complete(gate4["id"], {"gate4_decision": "approve", "budget_committed": 100000})
    assert refused.status_code == 403 and "Four-eyes" in refused.json["error"]["message"]
    assert gate4["id"] not in [t["id"] for t in team["hugo.hub"].tasks()]
    do(team["fran.finance"], "gate4_mobilisation_approval", {"gate4_decision": "approve", "budget_committed": 100000})
    do(team["cleo.clinical"], "report_pilot_outcomes", seed.happy_path("", "")["report_pilot_outcomes"])
    [gate5] = team["eve.evidence"].tasks()
    assert team["eve.evidence"].get(f"/tasks/{gate5['id']}").json["context"]["gate5_recommendation"] == "proceed"
    do(team["eve.evidence"], "gate5_evidence_gate", {"gate5_confirm": True})
    do(team["hana.hub"], "prepare_business_case", {"procurement_route": "PA23"})
    do(team["dan.dmbc"], "gate6_dmbc", {"gate6_decision": "approve", "funding_authorised": 500000})
    do(team["pat.procurement"], "execute_procurement", {"tracking_periods": 2, "kpi_interval": "P30D"})
    for _ in range(2):
        assert team["hana.hub"].tasks() == []
        clock.advance(days=31)
        assert fire_due(db, clock=clock) == 1
        do(team["hana.hub"], "submit_kpi_return")
    do(team["hana.hub"], "close_project")
    do(team["hana.hub"], "record_lessons_learned")
    final = team["aud.auditor"].get(f"/instances/{project}").json
    assert final["status"] == "completed" and final["data"]["project_outcome"] == "completed"
    kinds = [e["kind"] for e in team["aud.auditor"].get(f"/instances/{project}/events").json["events"]]
    assert kinds.count("timer_fired") >= 2 and "decision_made" in kinds and kinds[-1] == "instance_completed"
    assert team["aud.auditor"].get("/audit/verify").json["ok"] is True
