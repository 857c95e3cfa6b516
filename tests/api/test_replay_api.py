"""GET /api/v1/instances/{id}/replay?upto=SEQ: the same frame the history page steps to."""
import json
import re

from engine.store import trail
from tests.web.conftest import at_gate4, signed_in  # noqa: F401 (at_gate4 is a fixture)


def page_frames(app, project) -> list[dict]:
    page = signed_in(app, "aud.auditor").get(f"/projects/{project}/history").get_data(as_text=True)
    found = re.search(r'<script type="application/json" id="replay-data">(.*?)</script>', page, re.S)
    return json.loads(found.group(1))["frames"]


def test_the_frame_after_an_event_is_the_pages_frame_for_it(app, api_as, at_gate4):  # noqa: F811
    auditor = api_as("audrey", "auditor")
    frames = page_frames(app, at_gate4)
    for frame in (frames[0], frames[7], frames[-1]):
        response = auditor.get(f"/instances/{at_gate4}/replay", query_string={"upto": frame["seq"]})
        assert response.status_code == 200
        body = response.json
        assert body.pop("diverged") is None and isinstance(body.pop("data"), dict)
        assert body.pop("completed") == body["finished"]
        assert body == frame
    gate1 = next(f for f in frames if f["event"]["headline"] == "Gate 1 – Prioritisation completed")
    body = auditor.get(f"/instances/{at_gate4}/replay?upto={gate1['seq']}").json
    assert body["data"]["gate1_decision"] == "approve" and "gate1_prioritisation" in body["finished"]
    assert body["completed"] == body["finished"] and "active" in body  # the names interface.md uses
    assert [c["path"] for c in body["event"]["changes"] if c["path"] == "gate1_decision"] == ["gate1_decision"]


def test_beyond_the_last_event_or_without_upto_the_last_frame(api_as, at_gate4):  # noqa: F811
    auditor = api_as("audrey", "auditor")
    last = auditor.get(f"/instances/{at_gate4}/replay").json
    assert last["active"] == ["gate4_mobilisation_approval"]
    assert auditor.get(f"/instances/{at_gate4}/replay?upto=100000").json == last
    for wrong in ("0", "-3", "soon"):
        response = auditor.get(f"/instances/{at_gate4}/replay?upto={wrong}")
        assert response.status_code == 400 and response.json["error"]["code"] == "bad_request"


def test_a_project_the_user_may_not_see_is_not_found(api_as, at_gate4):  # noqa: F811
    outsider = api_as("olu", "industry_partner", org="Other Diagnostics Ltd")
    response = outsider.get(f"/instances/{at_gate4}/replay")
    assert response.status_code == 404 and response.json["error"]["code"] == "not_found"
    assert api_as("audrey", "auditor").get("/instances/999/replay").status_code == 404
    assert api_as("nobody", "sponsor").client.get(f"/api/v1/instances/{at_gate4}/replay").status_code == 401


def test_an_auditors_replay_is_on_the_record(db, api_as, at_gate4):  # noqa: F811
    api_as("audrey", "auditor").get(f"/instances/{at_gate4}/replay?upto=3")
    assert api_as("hugh", "hub_team").get(f"/instances/{at_gate4}/replay?upto=3").status_code == 403
    with db.reading() as s:
        viewed = [(e.actor, json.loads(e.data_json)) for e in trail.list_events(s, trail.SYSTEM_CHAIN)
                  if e.kind == "personal_data_viewed"]
    assert viewed == [("audrey", {"view": "replay", "instance": at_gate4})]
