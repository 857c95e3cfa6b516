"""Odd ids, NUL characters, huge numbers and oversized bodies get a plain 4xx on SQLite and PostgreSQL
(`make test` runs this folder on both), never a server error."""
import io

import pytest

from engine.identity import accounts
from tests.conftest import add_user
from tests.web.test_login_inbox import csrf_token, login

PASSWORD = "correct horse battery"
HUGE_IDS = [2**31, 2**63, 2**64, 10**30]
ID_ROUTES = ["/instances/{}", "/instances/{}/events", "/instances/{}/replay", "/processes/{}",
             "/processes/{}/bpmn"]


@pytest.fixture
def owner(api_as, six_gates):
    return api_as("ola", "process_owner", "sponsor", "auditor", "hub_team")


@pytest.mark.parametrize("number", HUGE_IDS)
@pytest.mark.parametrize("route", ID_ROUTES)
def test_ids_beyond_any_column_are_unknown(owner, route, number):
    response = owner.get(route.format(number))
    assert response.status_code == 404 and response.json["error"]["code"]


@pytest.mark.parametrize("path", [
    "/instances?status=%00", "/instances?stage=a%00b", "/tasks?role=%00", "/tasks/%00", "/tasks/a%00b/claim",
    "/instances?limit=99999999999999999999", "/instances?offset=99999999999999999999", "/tasks?offset=-1",
    "/instances?limit=%C2%B2", "/instances/1/replay?upto=99999999999999999999", "/processes/diff?old=1&new=%00",
    "/processes/diff?old=99999999999999999999&new=1", "/audit/verify?rerun=%00",
])
def test_odd_query_strings_and_paths_are_refused_plainly(owner, path):
    response = owner.get(path) if "/claim" not in path else owner.post(path)
    assert response.status_code in (400, 404), (path, response.status_code, response.json)
    assert response.json["error"]["message"]


@pytest.mark.parametrize("body", [
    '{"process": "six\\u0000gates"}', '{"process": "six_gates", "note\\u0000": 1}', '{"process": 18446744073709551616}',
    '{"process": "six_gates", "n": 1e400}', '{"process": "six_gates", "n": NaN}', '{"process": "\\ud800"}',
])
def test_nul_characters_broken_text_and_numbers_json_cannot_hold_are_refused(owner, body):
    response = owner.client.post("/api/v1/instances", data=body, content_type="application/json",
                                 headers=owner.headers)
    assert response.status_code == 400, response.json
    assert response.json["error"]["code"] == "bad_request"


def test_huge_ids_in_a_migration_body_are_refused(owner):
    for body in ({"target_version": 2**64, "instances": [1]}, {"target_version": 1, "instances": [2**40]},
                 {"target_version": 2**31, "instances": [2**31]}):
        response = owner.post("/migrations", json=body)
        assert response.status_code in (400, 404), (body, response.json)


def test_task_actions_with_odd_ids_answer_404(owner):
    for path in ("/tasks/" + "x" * 500, "/tasks/99999999999999999999"):
        assert owner.get(path).status_code == 404
        assert owner.post(path + "/claim").status_code == 404


def test_an_oversized_diagram_gets_413_as_json(owner):
    big = b"<definitions>" + b" " * (3 * 1024 * 1024) + b"</definitions>"
    response = owner.client.post("/api/v1/processes", headers=owner.headers,
                                 data={"bpmn": (io.BytesIO(big), "big.bpmn")})
    assert response.status_code == 413 and response.json["error"]["code"]
    huge = owner.client.post("/api/v1/processes", headers=owner.headers,
                             data={"bpmn": (io.BytesIO(b" " * (5 * 1024 * 1024)), "huge.bpmn")})
    assert huge.status_code == 413 and huge.json["error"]["code"] == "request_entity_too_large"


def test_401_names_the_scheme_to_use(app):
    response = app.test_client().get("/api/v1/instances")
    assert response.status_code == 401 and response.headers["WWW-Authenticate"].startswith("Bearer")


def test_405_on_the_api_carries_allow(owner):
    response = owner.client.put("/api/v1/instances", headers=owner.headers)
    assert response.status_code == 405 and {"GET", "POST"} <= set(response.headers["Allow"].split(", "))
    assert response.json["error"]["code"] == "method_not_allowed"


def test_the_anonymous_sign_in_form_refuses_nul_characters(app, db, clock):
    add_user(db, clock, "sam", "sponsor", password=PASSWORD)
    client = app.test_client()
    for username, password in (("sam\x00", PASSWORD), ("sam", "pass\x00word"), ("\x00", "\x00")):
        token = csrf_token(client.get("/login").data)
        response = client.post("/login", data={"username": username, "password": password, "csrf_token": token})
        assert response.status_code == 400
    assert client.get("/login?next=%00").status_code == 400


@pytest.mark.parametrize("path", ["/projects/{}", "/projects/{}/history", "/processes/{}", "/processes/{}/bpmn",
                                  "/modeller/drafts/{}", "/modeller/drafts/{}/bpmn"])
def test_pages_with_huge_ids_answer_404(app, db, clock, six_gates, path):
    add_user(db, clock, "ola", "process_owner", "hub_team", "auditor", password=PASSWORD)
    client = app.test_client()
    assert login(client, "ola", PASSWORD).status_code == 302
    for number in HUGE_IDS:
        assert client.get(path.format(number)).status_code == 404
    assert client.get("/tasks/%00").status_code == 400
    assert client.get("/processes/diff?old=99999999999999999999&new=1").status_code in (400, 404)
    assert client.get("/migrations/plan?target=99999999999999999999").status_code in (400, 404)


PARAMETERS = ["instance", "project", "offset", "limit", "from", "to", "old", "new", "upto", "q", "status", "stage",
              "role", "person", "kind", "page", "lifecycle", "source", "challenge_area", "version", "at"]


@pytest.mark.parametrize("odd", ["²", "99999999999999999999", "2147483648", "-1", "x" * 3000])
def test_no_page_answers_odd_query_values_with_a_server_error(app, db, clock, people, odd):
    """Every page a signed-in person can open, with every parameter any page reads set to an odd value."""
    project = people.start()
    add_user(db, clock, "ola", "process_owner", "hub_team", "auditor", "admin", "sponsor", password=PASSWORD)
    client = app.test_client()
    assert login(client, "ola", PASSWORD).status_code == 302
    query = "&".join(f"{name}={odd}" for name in PARAMETERS)
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or rule.rule.startswith(("/api/", "/static/")) or rule.endpoint == "auth.login":
            continue
        path = rule.rule.replace("<int:instance_id>", str(project)).replace("<int:version_id>", "1")
        path = path.replace("<int:draft_id>", "1").replace("<task_id>", "x").replace("<username>", "ola")
        path = path.replace("<any(xes, csv, json):fmt>", "csv")
        response = client.get(f"{path}?{query}")
        assert response.status_code < 500, (path, odd, response.status_code)


FIELDS = ["title", "partners", "challenge_area", "status", "start_date", "end_date", "username", "display_name",
          "password", "roles", "organisation", "process", "to", "from", "instance", "version", "action", "data",
          "review_date", "schema", "text", "bpmn", "name"]


@pytest.mark.parametrize("odd", ["²", "99999999999999999999", "2147483648", "-1"])
def test_no_form_answers_odd_values_with_a_server_error(app, db, clock, people, odd):
    """Every form a signed-in person can send, with every field any form reads set to an odd value."""
    from sqlalchemy import select

    from engine.store.models import Task
    project = people.start()
    with db.reading() as s:
        task = s.scalars(select(Task).where(Task.instance_id == project, Task.state == "ready")).first()
    add_user(db, clock, "ola", "process_owner", "hub_team", "auditor", "admin", "sponsor", password=PASSWORD)
    client = app.test_client()
    assert login(client, "ola", PASSWORD).status_code == 302
    token = csrf_token(client.get("/inbox").data)
    for rule in app.url_map.iter_rules():
        if "POST" not in rule.methods or rule.rule.startswith("/api/") or rule.endpoint.startswith("auth."):
            continue
        path = rule.rule.replace("<int:draft_id>", "1").replace("<task_id>", task.id).replace("<username>", "hana.hub")
        response = client.post(path, data={**{name: odd for name in FIELDS}, "csrf_token": token})
        assert response.status_code < 500, (path, odd, response.status_code)


@pytest.mark.parametrize("org", ["Medtech|DataHealth", "Med\x00tech"])
def test_the_command_line_refuses_an_organisation_policy_could_confuse_with_two(db, org):
    from click.testing import CliRunner

    from cli.commands import main
    added = CliRunner().invoke(main, ["users", "add", "ivy", "--role", "industry_partner", "--org", org],
                               env={"DATABASE_URL": db.url})
    assert added.exit_code == 1 and "cannot contain “|”" in added.output
    with db.reading() as s:
        assert accounts.get_user(s, "ivy") is None
