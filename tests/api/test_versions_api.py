"""The versions API: one version's files, its diagram as XML, and the diff between two as JSON."""
from engine.repository import deployments
from tests.conftest import ROOT
from tests.engine.test_version_diff import revised_six_gates


def deploy_revision(db, clock) -> int:
    bpmn, dmn, forms = revised_six_gates()
    version, _ = db.writing(lambda s: deployments.deploy_process(
        s, bpmn=bpmn, dmn=dmn, forms=forms, actor="otto", clock=clock))
    return version.id


def test_a_version_lists_its_forms_and_decision_files(api_as, six_gates):
    owner = api_as("otto", "process_owner")
    response = owner.get(f"/processes/{six_gates.id}")
    assert response.status_code == 200
    body = response.json
    assert (body["key"], body["version"], body["deployed_by"], body["in_progress"], body["finished"]) == \
        ("six_gates", 1, "test", 0, 0)
    assert body["dmn_files"] == ["evidence_gate.dmn"]
    gate4 = next(f for f in body["forms"] if f["file"] == "gate4_mobilisation_approval.schema.json")
    assert gate4 == {"file": "gate4_mobilisation_approval.schema.json", "title": "Gate 4 – Mobilisation approval",
                     "tasks": ["Gate 4 – Mobilisation approval"]}
    assert "bpmn_xml" not in body


def test_the_diagram_comes_back_as_xml(api_as, six_gates):
    response = api_as("aud", "auditor").get(f"/processes/{six_gates.id}/bpmn")
    assert response.status_code == 200 and response.mimetype == "application/xml"
    assert response.data == (ROOT / "processes" / "six_gates.bpmn").read_bytes()


def test_the_diff_as_json(api_as, db, clock, six_gates):
    owner = api_as("otto", "process_owner")
    revision = deploy_revision(db, clock)
    response = owner.get("/processes/diff", query_string={"old": six_gates.id, "new": revision})
    assert response.status_code == 200
    body = response.json
    assert (body["old"]["version"], body["new"]["version"], body["new"]["deployed_by"]) == (1, 2, "otto")
    assert body["summary"] == {"total": 11, "added": 3, "removed": 2, "changed": 6,
                               "areas": {"diagram": 8, "forms": 2, "decisions": 1}}
    moved = next(c for c in body["changes"] if c["kind"] == "moved_lane")
    assert moved == {"area": "diagram", "kind": "moved_lane", "effect": "changed", "label": "Moved",
                     "element_id": "gate4_mobilisation_approval", "element_name": "Gate 4 – Mobilisation approval",
                     "description": ("Gate 4 – Mobilisation approval moved from lane Finance approver "
                                     "to lane Board chair"),
                     "old": "Finance approver", "new": "Board chair", "side": "new",
                     "diagram_ids": ["gate4_mobilisation_approval"]}
    assert body["markers"]["old"]["extend_pilot"] == {"marker": "removed", "badge": "Removed"}
    same = owner.get("/processes/diff", query_string={"old": revision, "new": revision}).json
    assert same["changes"] == [] and same["summary"]["total"] == 0


def test_only_process_owners_admins_and_auditors_read_versions(api_as, six_gates):
    for username, role in [("sam", "sponsor"), ("hana", "hub_team"), ("fran", "finance_approver")]:
        api = api_as(username, role)
        for path in [f"/processes/{six_gates.id}", f"/processes/{six_gates.id}/bpmn",
                     f"/processes/diff?old={six_gates.id}&new={six_gates.id}"]:
            response = api.get(path)
            assert response.status_code == 403 and response.json["error"]["code"] == "forbidden", path
    assert api_as("ada", "admin").get(f"/processes/{six_gates.id}").status_code == 200


def test_unknown_versions_404_bad_choices_400_and_no_token_401(api_as, app, six_gates):
    owner = api_as("otto", "process_owner")
    assert owner.get("/processes/999").json["error"]["code"] == "not_found"
    assert owner.get("/processes/999/bpmn").status_code == 404
    assert owner.get(f"/processes/diff?old={six_gates.id}&new=999").status_code == 404
    bad = owner.get("/processes/diff?old=one&new=2")
    assert bad.status_code == 400 and bad.json["error"]["fields"] == {"old": "required", "new": "required"}
    assert app.test_client().get(f"/api/v1/processes/{six_gates.id}").status_code == 401
