"""POST /api/v1/migrations: dry run and migration through the API."""
import json

from demo.answers import sample_answers
from tests.diagram_edits import deploy, insert_step_after, six_gates_files


def test_dry_run_then_migrate_through_the_api(api_as, db, clock, six_gates):
    sponsor = api_as("sam", "sponsor")
    project = sponsor.post("/instances", json={"process": "six_gates"}).json["id"]
    tree, dmn, forms = six_gates_files()
    insert_step_after(tree, "propose_challenge", "triage", "Triage the proposal", "lane_hub_team")
    target = deploy(db, clock, tree, dmn, forms)
    owner = api_as("olga", "process_owner")

    dry = owner.post("/migrations", json={"target_version": target.id, "instances": [project]})
    assert dry.status_code == 200 and dry.json["dry_run"] is True
    [plan] = dry.json["results"]
    assert plan["safe"] and plan["open_tasks"][0]["bpmn_id"] == "propose_challenge"
    assert sponsor.get(f"/instances/{project}").json["version"] == 1

    done = owner.post("/migrations", json={"target_version": target.id, "instances": [project], "dry_run": False})
    assert done.status_code == 200 and done.json["results"][0]["migrated"] is True
    [task] = sponsor.tasks()
    answers = sample_answers(json.loads(forms["propose_challenge.schema.json"]), {})
    assert sponsor.complete(task["id"], answers).status_code == 200
    hub = api_as("hana", "hub_team")
    assert [t["name"] for t in hub.tasks()] == ["triage"]  # the step the new version added


def test_bad_bodies_and_other_roles_are_refused(api_as, six_gates):
    owner = api_as("olga", "process_owner")
    assert owner.post("/migrations", json={"target_version": "2", "instances": [1]}).status_code == 400
    assert owner.post("/migrations", json={"target_version": 2, "instances": []}).status_code == 400
    hub = api_as("hana", "hub_team")
    assert hub.post("/migrations", json={"target_version": 1, "instances": [1]}).status_code == 403
    assert hub.post("/migrations", json={"target_version": 1, "instances": [1], "dry_run": False}).status_code == 403
    assert owner.post("/migrations", json={"target_version": 99, "instances": [1]}).status_code == 404
