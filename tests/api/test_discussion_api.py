"""GET and POST /api/v1/instances/{id}/comments: the discussion as each caller may read it, posting with an audience,
mentions and corrections, and the refusals a client can act on."""
from __future__ import annotations

import pytest

from demo.seed import DATAHEALTH, MEDTECH
from engine.identity import tokens
from tests.conftest import Api
from tests.services import test_discussion

codesign = test_discussion.codesign  # the fixture: a project past Gate 2 (MedTech selected, DataHealth not)


@pytest.fixture
def as_user(app, db, clock, codesign):
    def make(username):
        return Api(app, db.writing(lambda s: tokens.create_token(s, username=username, actor="test", clock=clock)))
    return make


def bodies(api, project):
    answer = api.get(f"/instances/{project}/comments")
    assert answer.status_code == 200, answer.json
    return [c["body"] for c in answer.json["comments"]]


def test_a_posted_comment_comes_back_whole(as_user, codesign):
    answer = as_user("hana.hub").post(f"/instances/{codesign}/comments",
                                      json={"body": "  Kick-off on Monday  ", "visibility": "project"})
    assert answer.status_code == 201, answer.json
    comment = answer.json
    assert {k: comment[k] for k in ("body", "visibility", "organisation", "audience", "author", "supersedes",
                                    "superseded_by", "mentions", "task_id")} == {
        "body": "Kick-off on Monday", "visibility": "project", "organisation": None,
        "audience": "Everyone on the project", "author": "hana.hub", "supersedes": None, "superseded_by": None,
        "mentions": [], "task_id": None}
    assert comment["author_name"] == "Hana Okafor" and comment["author_role"] == "Hub team"
    assert as_user("ivy.medtech").get(f"/instances/{codesign}/comments").json["comments"] == [comment]


def test_internal_comments_never_reach_a_partner_or_the_sponsor_through_the_api(as_user, codesign):
    hub = as_user("hana.hub")
    assert hub.post(f"/instances/{codesign}/comments", json={"body": "Internal", "visibility": "internal"}
                    ).status_code == 201
    assert bodies(hub, codesign) == ["Internal"]
    for outsider in ("ivy.medtech", "ian.datahealth", "sam.sponsor"):
        api = as_user(outsider)
        assert bodies(api, codesign) == [], outsider
        events = api.get(f"/instances/{codesign}/events")
        assert events.status_code in (200, 403, 404)
        if events.status_code == 200:
            assert "comment_posted" not in [e["kind"] for e in events.json["events"]], outsider


def test_a_partners_question_reaches_the_hub_and_not_a_competitor(as_user, codesign):
    ian = as_user("ian.datahealth")
    answer = ian.post(f"/instances/{codesign}/comments", json={"body": "Why not us?"})
    assert answer.status_code == 201 and answer.json["organisation"] == DATAHEALTH
    assert bodies(as_user("hana.hub"), codesign) == ["Why not us?"]
    assert bodies(as_user("ivy.medtech"), codesign) == []


def test_a_selected_partner_may_post_to_everyone_on_the_project(as_user, codesign):
    answer = as_user("ivy.medtech").post(f"/instances/{codesign}/comments",
                                         json={"body": "Ready to start", "visibility": "project"})
    assert answer.status_code == 201
    assert bodies(as_user("sam.sponsor"), codesign) == ["Ready to start"]


@pytest.mark.parametrize(("username", "body", "field"), [
    ("ivy.medtech", {"body": "x", "visibility": "internal"}, "visibility"),
    ("ian.datahealth", {"body": "x", "visibility": "organisation", "organisation": MEDTECH}, "visibility"),
    ("hana.hub", {"body": "   ", "visibility": "project"}, "body"),
    ("hana.hub", {"body": "@ivy.medtech internal view", "visibility": "internal"}, "body"),
    ("hana.hub", {"body": "x", "visibility": "project", "task_id": "nope"}, "task_id"),
    ("hana.hub", {"body": "x", "supersedes": 999}, "supersedes"),
])
def test_refusals_name_the_field(as_user, codesign, username, body, field):
    answer = as_user(username).post(f"/instances/{codesign}/comments", json=body)
    assert answer.status_code == 422, answer.json
    assert field in answer.json["error"]["fields"]
    assert bodies(as_user("hana.hub"), codesign) == []


@pytest.mark.parametrize("body", [[], {"body": 5}, {"body": "x", "supersedes": "1"}, {"body": "x", "supersedes": True},
                                  {"body": "x", "visibility": ["project"]}])
def test_malformed_bodies_are_bad_requests(as_user, codesign, body):
    assert as_user("hana.hub").post(f"/instances/{codesign}/comments", json=body).status_code == 400


def test_a_project_one_may_not_see_is_not_found(api_as, codesign):
    stranger = api_as("olga.other", "industry_partner", org="Other Health Ltd")
    assert stranger.get(f"/instances/{codesign}/comments").status_code == 404
    assert stranger.post(f"/instances/{codesign}/comments", json={"body": "x"}).status_code == 404


def test_a_correction_through_the_api(as_user, codesign):
    hub = as_user("hana.hub")
    first = hub.post(f"/instances/{codesign}/comments", json={"body": "Monday", "visibility": "project"}).json
    second = hub.post(f"/instances/{codesign}/comments", json={"body": "Tuesday", "supersedes": first["id"]})
    assert second.status_code == 201 and second.json["supersedes"] == first["id"]
    listed = hub.get(f"/instances/{codesign}/comments").json["comments"]
    assert [(c["body"], c["superseded_by"]) for c in listed] == [("Monday", second.json["id"]), ("Tuesday", None)]


def test_a_mention_notifies_through_the_notifications_api(as_user, codesign):
    answer = as_user("hana.hub").post(f"/instances/{codesign}/comments",
                                      json={"body": "@fran.finance please check", "visibility": "internal"})
    assert answer.json["mentions"] == [{"username": "fran.finance", "name": "Fran Hughes"}]
    notes = as_user("fran.finance").get("/notifications").json["notifications"]
    assert [(n["kind"], n["link"]) for n in notes if n["kind"] == "mentioned"] == [
        ("mentioned", f"/projects/{codesign}#comment-{answer.json['id']}")]
    ivy = as_user("ivy.medtech").get("/notifications").json["notifications"]
    assert "mentioned" not in [n["kind"] for n in ivy]


def test_both_paths_are_in_the_openapi_document(app):
    document = app.test_client().get("/api/v1/openapi.json").json
    paths = document["paths"]["/instances/{instance_id}/comments"]
    assert set(paths) == {"get", "post"} and "201" in paths["post"]["responses"]
