"""The REST API on a small diagram: authentication, errors, completing tasks, conflicts."""
import threading

from sqlalchemy import update

from engine.store.models import AuditEvent


def start(api, process="minimal"):
    response = api.post("/instances", json={"process": process})
    assert response.status_code == 201, response.json
    return response.json


def test_requests_without_a_valid_token_are_401(app, minimal):
    client = app.test_client()
    assert client.get("/api/v1/tasks").status_code == 401
    response = client.get("/api/v1/tasks", headers={"Authorization": "Bearer wrong"})
    assert response.status_code == 401
    assert response.json["error"]["code"] == "not_authenticated"


def test_openapi_document_describes_every_route(app):
    document = app.test_client().get("/api/v1/openapi.json").json
    assert document["openapi"].startswith("3.")
    assert {"/tasks/{task_id}/complete", "/instances", "/processes", "/audit/verify"} <= set(document["paths"])


def test_starting_an_instance_gives_the_caller_its_first_task(api_as, minimal):
    sponsor = api_as("sam", "sponsor")
    instance = start(sponsor)
    assert instance["status"] == "running" and instance["stage"] == "proposal"
    [task] = sponsor.tasks()
    assert task["instance_id"] == instance["id"] and task["name"] == "ask" and task["role"] == "sponsor"
    assert task["due_at"].startswith("2026-03-04T09:00")
    detail = sponsor.get(f"/tasks/{task['id']}").json
    assert detail["form"]["required"] == ["number"]


def test_starting_needs_the_role_of_the_first_lane(api_as, minimal):
    response = api_as("hal", "hub_team").post("/instances", json={"process": "minimal"})
    assert response.status_code == 403
    assert api_as("sue", "sponsor").post("/instances", json={"process": "nope"}).status_code == 404
    assert api_as("syd", "sponsor").post("/instances", json={}).status_code == 400


def test_invalid_form_data_is_422_with_field_errors_and_the_task_stays_open(api_as, minimal):
    sponsor = api_as("sam", "sponsor")
    start(sponsor)
    [task] = sponsor.tasks()
    response = sponsor.complete(task["id"], {"number": 5000})
    assert response.status_code == 422
    assert "number" in response.json["error"]["fields"]
    response = sponsor.complete(task["id"], {})
    assert response.json["error"]["fields"] == {"number": "This field is required."}
    assert [t["id"] for t in sponsor.tasks()] == [task["id"]]


def test_completing_twice_is_a_409_conflict(api_as, minimal):
    sponsor = api_as("sam", "sponsor")
    instance = start(sponsor)
    [task] = sponsor.tasks()
    assert sponsor.complete(task["id"], {"number": 12}).status_code == 200
    again = sponsor.complete(task["id"], {"number": 12})
    assert again.status_code == 409 and again.json["error"]["code"] == "conflict"
    detail = api_as("aud", "auditor").get(f"/instances/{instance['id']}").json  # a sponsor sees no unnamed key
    assert detail["status"] == "completed" and detail["data"]["doubled"] == 24


def test_same_task_completed_at_once_has_one_winner(api_as, app, minimal):
    sponsor = api_as("sam", "sponsor")
    start(sponsor)
    [task] = sponsor.tasks()
    barrier, statuses = threading.Barrier(4), []

    def racer():
        barrier.wait()
        statuses.append(sponsor.complete(task["id"], {"number": 3}).status_code)

    threads = [threading.Thread(target=racer) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(statuses) == [200, 409, 409, 409]


def test_other_users_cannot_see_or_complete_a_sponsors_task(api_as, minimal):
    sponsor = api_as("sam", "sponsor")
    start(sponsor)
    [task] = sponsor.tasks()
    other_sponsor = api_as("ola", "sponsor")
    assert other_sponsor.tasks() == []  # sponsors only see what they started
    assert other_sponsor.get(f"/tasks/{task['id']}").status_code == 404
    hub = api_as("hal", "hub_team")
    assert hub.complete(task["id"], {"number": 1}).status_code == 403


def test_audit_events_are_chained_and_tampering_is_detected(api_as, db, minimal):
    sponsor = api_as("sam", "sponsor")
    instance = start(sponsor)
    [task] = sponsor.tasks()
    sponsor.complete(task["id"], {"number": 12})
    auditor = api_as("ada", "auditor")
    events = auditor.get(f"/instances/{instance['id']}/events").json["events"]
    kinds = [e["kind"] for e in events]
    assert kinds[:3] == ["instance_started", "task_ready", "task_completed"]
    assert "gateway_taken" in kinds and kinds[-1] == "instance_completed"
    assert all(b["prev_hash"] == a["hash"] for a, b in zip(events, events[1:], strict=False))
    assert auditor.get("/audit/verify").json["ok"] is True
    assert sponsor.get("/audit/verify").status_code == 403

    with db.engine.begin() as conn:  # someone edits the submitted answer in the database
        conn.execute(update(AuditEvent).where(AuditEvent.kind == "task_completed")
                     .values(data_json='{"number":99}'))
    report = auditor.get("/audit/verify").json
    assert report["ok"] is False
    assert report["problems"][0]["chain"] == f"instance:{instance['id']}"
    assert report["problems"][0]["seq"] == 3
    assert "altered" in report["problems"][0]["reason"]


def test_fields_the_form_does_not_declare_are_refused(api_as, minimal):
    sponsor = api_as("sam", "sponsor")
    start(sponsor)
    [task] = sponsor.tasks()
    response = sponsor.complete(task["id"], {"number": 3, "doubled": 1000})
    assert response.status_code == 422
    assert response.json["error"]["fields"] == {"doubled": "This form has no such field."}


def test_a_failing_script_is_reported_and_nothing_is_saved(api_as, db, clock):
    from engine.repository import deployments
    from tests.conftest import FIXTURES
    bpmn = (FIXTURES / "minimal.bpmn").read_bytes().replace(b"doubled = number * 2", b"doubled = number / 0")
    db.writing(lambda s: deployments.deploy_process(
        s, bpmn=bpmn, dmn={}, forms={"ask.schema.json": (FIXTURES / "ask.schema.json").read_bytes()},
        actor="test", clock=clock))
    sponsor = api_as("sam", "sponsor")
    start(sponsor)
    [task] = sponsor.tasks()
    response = sponsor.complete(task["id"], {"number": 50})
    assert response.status_code == 500 and response.json["error"]["code"] == "process_error"
    assert "ZeroDivisionError" in response.json["error"]["message"]
    assert [t["id"] for t in sponsor.tasks()] == [task["id"]]  # still open, nothing half-written
