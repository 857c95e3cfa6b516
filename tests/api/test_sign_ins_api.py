"""GET /api/v1/audit/sign-ins: the sign-ins on the record for auditors and administrators, filtered and paged as
the page does, with kinds as recorded; refused to anyone else, and each reading recorded."""
import json

from sqlalchemy import select

from engine.identity import password_sign_in
from engine.store.models import AuditEvent


def failures(db, clock, count, username="ivy"):
    db.writing(lambda s: [password_sign_in.record_login(s, username=username, address="10.0.0.9", succeeded=False,
                                                        clock=clock) for _ in range(count)])


def test_an_auditor_lists_sign_ins_filtered_and_paged(api_as, db, clock):
    auditor = api_as("aud", "auditor")  # its token's making is the first event
    failures(db, clock, 3)
    clock.advance(days=1)
    failures(db, clock, 2, username="bob")
    everything = auditor.get("/audit/sign-ins")
    assert everything.status_code == 200
    body = everything.json
    assert (body["total"], body["offset"], body["limit"]) == (6, 0, 50)
    assert body["summary"] == {"sign_ins": 0, "failures": 5, "lock_outs": 0}
    newest, oldest = body["sign_ins"][0], body["sign_ins"][-1]
    assert (newest["kind"], newest["username"], newest["how"], newest["address"]) == (
        "login_failed", "bob", "password", "10.0.0.9")
    assert newest["at"] == "2026-03-03T09:00:00+00:00"
    assert (oldest["kind"], oldest["username"], oldest["actor"]) == ("token_created", "aud", "test")
    assert [r["username"] for r in auditor.get("/audit/sign-ins?person=ivy").json["sign_ins"]] == ["ivy"] * 3
    assert auditor.get("/audit/sign-ins?group=tokens").json["total"] == 1
    assert auditor.get("/audit/sign-ins?from=2026-03-03&to=2026-03-03").json["total"] == 2
    page = auditor.get("/audit/sign-ins?limit=2&offset=2").json
    assert [r["username"] for r in page["sign_ins"]] == ["ivy", "ivy"] and page["total"] == 6


def test_bad_filters_are_refused_naming_the_parameter(api_as):
    auditor = api_as("aud", "auditor")
    for query, field in [("from=3/3/2026", "from"), ("to=2026-02-30", "to"), ("group=all", "group"),
                         ("limit=500", "limit"), ("limit=0", "limit"),
                         ("group=", "group"), ("from=", "from"), ("to= 2026-03-03", "to")]:
        refused = auditor.get(f"/audit/sign-ins?{query}")
        assert refused.status_code == 400 and field in refused.json["error"]["fields"], query
    assert auditor.get("/audit/sign-ins?since=2026-03-01").status_code == 400  # not a parameter
    # asked literally, a period ending before it starts and an offset past the last hold nothing
    assert auditor.get("/audit/sign-ins?from=2026-03-03&to=2026-03-02").json["sign_ins"] == []
    assert auditor.get("/audit/sign-ins?offset=9").json["sign_ins"] == []


def test_only_auditors_and_administrators_may_and_their_reading_is_recorded(api_as, db):
    for username, role in [("hal", "hub_team"), ("bea", "board_member"), ("sam", "sponsor")]:
        assert api_as(username, role).get("/audit/sign-ins").status_code == 403
    assert api_as("ada", "admin").get("/audit/sign-ins?person=sam").status_code == 200
    with db.reading() as s:
        [view] = s.scalars(select(AuditEvent).where(AuditEvent.kind == "personal_data_viewed"))
        assert view.actor == "ada" and json.loads(view.data_json)["view"].endswith("for person sam")


def test_the_route_is_in_the_openapi_document(app):
    document = app.test_client().get("/api/v1/openapi.json").json
    operation = document["paths"]["/audit/sign-ins"]["get"]
    assert {p["name"] for p in operation["parameters"]} == {"person", "group", "from", "to", "limit", "offset"}
