"""Deploying versions over the API, and the worker firing timers from the command line."""
import io

import pytest
from click.testing import CliRunner

from cli.commands import main
from tests.conftest import FIXTURES, MIWG

BPMN = (FIXTURES / "minimal.bpmn").read_bytes()
FORM = (FIXTURES / "ask.schema.json").read_bytes()
CORPUS = sorted(MIWG.glob("*.bpmn"))


def upload(api, bpmn=BPMN, form=FORM):
    files = {"bpmn": (io.BytesIO(bpmn), "minimal.bpmn"), "forms": [(io.BytesIO(form), "ask.schema.json")]}
    return api.client.post("/api/v1/processes", data=files, headers=api.headers, content_type="multipart/form-data")


def test_only_process_owners_deploy_and_same_content_is_not_a_new_version(api_as):
    assert upload(api_as("sam", "sponsor")).status_code == 403
    owner = api_as("otto", "process_owner")
    created = upload(owner)
    assert created.status_code == 201 and created.json["version"] == 1 and created.json["deployed_by"] == "otto"
    again = upload(owner)
    assert again.status_code == 200 and again.json["hash"] == created.json["hash"]
    listed = owner.get("/processes").json["processes"]
    assert [(p["key"], p["version"], p["instances"]) for p in listed] == [("minimal", 1, 0)]


def test_hostile_upload_is_422_with_every_problem(api_as):
    owner = api_as("otto", "process_owner")
    hostile = BPMN.replace(b"doubled = number * 2", b"import subprocess").replace(
        b"number &gt; 10", b"__import__('os').system('id')")
    response = upload(owner, bpmn=hostile)
    assert response.status_code == 422
    problems = response.json["error"]["problems"]
    assert any(p.startswith("element compute:") for p in problems)
    assert any(p.startswith("element f3:") for p in problems)
    assert upload(owner, bpmn=b"<not xml").json["error"]["problems"][0].startswith("the BPMN file is not well-formed")
    assert owner.get("/processes").json["processes"] == []


def test_refusal_lists_findings_and_a_deployment_lists_its_warnings(api_as):
    owner = api_as("otto", "process_owner")
    refused = upload(owner, bpmn=BPMN.replace(b"number &gt; 10", b"=number &gt; 10"))
    assert refused.status_code == 422 and refused.json["error"]["code"] == "diagram_rejected"
    assert refused.json["error"]["findings"] == [
        {"element_id": "f3", "severity": "error", "file": None,
         "message": 'the condition "=number > 10" is written in FEEL (the expression language of DMN and Camunda 8); '
                    "Six Gates evaluates Python, e.g. number > 10"},
        {"element_id": "lane_sponsor", "severity": "warning", "file": None,
         "message": 'no active user has the role of lane "Sponsor" yet, so its tasks will wait until someone is '
                    "given that role"}]
    created = upload(owner)
    assert created.status_code == 201
    assert [w["element_id"] for w in created.json["warnings"]] == ["lane_sponsor"]
    document = owner.get("/openapi.json").json
    post = document["paths"]["/processes"]["post"]["responses"]
    assert "findings" in post["422"]["content"]["application/json"]["schema"]["properties"]["error"]["properties"]
    assert "warnings" in post["201"]["content"]["application/json"]["schema"]["properties"]


@pytest.mark.skipif(not CORPUS, reason="the MIWG corpus is not checked out beside this repository")
def test_every_reference_diagram_upload_is_answered_never_a_server_error(api_as):
    owner = api_as("otto", "process_owner")
    for path in CORPUS:
        response = owner.client.post("/api/v1/processes", headers=owner.headers, content_type="multipart/form-data",
                                     data={"bpmn": (io.BytesIO(path.read_bytes()), path.name)})
        assert response.status_code in (201, 422), (path.name, response.status_code, response.json)
        if response.status_code == 422:
            findings = response.json["error"]["findings"]
            assert findings and all(f["element_id"] or f["message"].startswith(("the BPMN file", "the check"))
                                    for f in findings if f["severity"] == "error"), path.name


def test_missing_file_is_400(api_as):
    owner = api_as("otto", "process_owner")
    response = owner.client.post("/api/v1/processes", data={}, headers=owner.headers)
    assert response.status_code == 400 and response.json["error"]["code"] == "bad_request"


def test_worker_once_fires_due_eoi_deadlines(db, clock, api_as, six_gates, monkeypatch):
    from demo import seed
    from demo.walker import Walker
    from tests.diagram.test_six_gates import plan
    for username, _, roles, org in seed.DEMO_USERS:
        api_as(username, *roles, org=org)
    walker = Walker(db, clock)
    project = walker.start()
    walker.walk(project, plan(invite_partners={"invited_partners": [seed.MEDTECH], "board_members": ["bea.board"],
                                               "call_closes_at": "2026-03-05"}), stop_at="submit_eoi")
    monkeypatch.setattr("cli.commands.Clock", lambda: clock)

    def worker_once():
        return CliRunner().invoke(main, ["worker", "--once"], env={"DATABASE_URL": db.url})
    assert "fired timers on 0 instance(s)" in worker_once().output
    clock.advance(days=5)
    result = worker_once()
    assert result.exit_code == 0 and "fired timers on 1 instance(s)" in result.output
    assert [t.bpmn_id for t in walker.open_tasks(project)] == ["gate2_partner_selection"]


def test_deeply_nested_json_is_refused_as_bad_input_not_a_server_error(api_as, six_gates):
    owner = api_as("olga", "process_owner")
    deep = "[" * 100_000 + "]" * 100_000
    response = owner.client.post("/api/v1/instances", data=deep, headers={**owner.headers,
                                                                          "Content-Type": "application/json"})
    assert response.status_code == 400 and "nested too deeply" in response.json["error"]["message"]
    form = io.BytesIO(deep.encode())
    refused = owner.post("/processes", data={"bpmn": (io.BytesIO((FIXTURES / "minimal.bpmn").read_bytes()),
                                                      "minimal.bpmn"), "forms": (form, "ask.schema.json")},
                         content_type="multipart/form-data")
    assert refused.status_code == 422 and "ask.schema.json" in str(refused.json["error"]["findings"])
